//! The published legal population of the 2024 census (RGPH 2024, 1 September 2024): the nation
//! and its twelve regions, as HCP published them. They are data, not code: they live in
//! `pipelines/data/rgph2024-legal-population.csv` (one row a figure: ISO code, `MA` for the
//! nation; French name; legal population), embedded at build time and read once. The rules
//! compare a file's totals with them; the synthetic samples are drawn to match them.

use std::sync::OnceLock;

/// One published figure: ISO 3166-2:MA code, French name, legal population.
pub type Figure = (&'static str, &'static str, i64);

/// The figures as a file, embedded so the binary runs anywhere.
const TEXT: &str = include_str!("../../../data/rgph2024-legal-population.csv");
/// Where [`TEXT`] comes from, for messages.
const SOURCE: &str = "pipelines/data/rgph2024-legal-population.csv";

/// The nation's figure and the regions', in the file's order.
struct Rgph2024 {
    national: i64,
    regions: Vec<Figure>,
}

fn rgph2024() -> &'static Rgph2024 {
    static FIGURES: OnceLock<Rgph2024> = OnceLock::new();
    // The file is part of the build and checked by the tests below: a fault in it is a bug
    // of this crate, not an input to report.
    FIGURES.get_or_init(|| parse(TEXT).unwrap_or_else(|e| panic!("{SOURCE}: {e}")))
}

/// The published legal population of Morocco at the 2024 census.
pub fn published_legal_population_2024() -> i64 {
    rgph2024().national
}

/// The published legal population of the twelve regions, RGPH 2024 (code, French name,
/// population), as in `data-samples/hcp/rgph2024-regions.csv`. They add up to
/// [`published_legal_population_2024`].
pub fn rgph2024_regions() -> &'static [Figure] {
    &rgph2024().regions
}

/// The header `code,name,legal_population`, then one line a figure: the nation (`MA`) once and
/// regions (`MA-nn`).
fn parse(text: &'static str) -> Result<Rgph2024, String> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, "code,name,legal_population")) => {}
        other => {
            return Err(format!(
                "line 1: expected the header `code,name,legal_population`, found `{}`",
                other.map_or("nothing", |(_, line)| line)
            ))
        }
    }
    let mut national = None;
    let mut regions = Vec::new();
    for (i, line) in lines {
        let at = i + 1;
        let mut cells = line.split(',');
        let (Some(code), Some(name), Some(population), None) =
            (cells.next(), cells.next(), cells.next(), cells.next())
        else {
            return Err(format!("line {at}: expected 3 cells, found `{line}`"));
        };
        let population: i64 = population
            .parse()
            .map_err(|e| format!("line {at}: population `{population}`: {e}"))?;
        if code == "MA" {
            if national.replace(population).is_some() {
                return Err(format!("line {at}: a second national figure"));
            }
        } else {
            regions.push((code, name, population));
        }
    }
    let national = national.ok_or("no national figure (code `MA`)")?;
    Ok(Rgph2024 { national, regions })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_figures_are_read_and_add_up() {
        assert_eq!(published_legal_population_2024(), 36_828_330);
        let regions = rgph2024_regions();
        assert_eq!(regions.len(), 12);
        assert_eq!(
            regions[0],
            ("MA-01", "Tanger-Tétouan-Al Hoceïma", 4_030_222)
        );
        assert_eq!(regions[11], ("MA-12", "Dakhla-Oued Ed-Dahab", 219_965));
        let codes: Vec<String> = (1..=12).map(|n| format!("MA-{n:02}")).collect();
        assert_eq!(regions.iter().map(|r| r.0).collect::<Vec<_>>(), codes);
        assert_eq!(
            regions.iter().map(|r| r.2).sum::<i64>(),
            published_legal_population_2024()
        );
    }

    #[test]
    fn a_faulty_file_is_named_by_line() {
        let err = |text| parse(text).err().unwrap_or_default();
        assert_eq!(
            err("code,name,legal_population\nMA,Maroc,12x\n"),
            "line 2: population `12x`: invalid digit found in string"
        );
        assert_eq!(
            err("code,name,legal_population\nMA-01,Tanger\n"),
            "line 2: expected 3 cells, found `MA-01,Tanger`"
        );
        assert_eq!(
            err("code,name,legal_population\nMA-01,Tanger,1\n"),
            "no national figure (code `MA`)"
        );
        assert_eq!(
            err("code,region,population\n"),
            "line 1: expected the header `code,name,legal_population`, found `code,region,population`"
        );
    }
}
