//! A synthetic HCP household survey (feed `hcp-survey`) and the synthetic population frame it is
//! drawn from (feed `hcp-population`).
//!
//! **Everything here is invented** except two published figures it is built to reproduce: the
//! 2024 census legal population of Morocco (36,828,330, and its twelve regional figures) and the
//! share of the population under 15 (26.5%). No real respondent appears.
//!
//! ## The population frame: [`national_sex_age_2024`]
//! The national population by sex and five-year age group (`0-4` … `80-84`, `85+`), 2024. Band
//! sizes follow a pyramid shaped like Morocco's (invented weights); they are allocated by largest
//! remainder so that the three bands under 15 add up to exactly 9,759,507 (26.4999…% of the
//! total, within 0.05 point of the published 26.5%) and all bands to exactly 36,828,330. Each band
//! is split by an invented male share (slightly above one half for children, below for the old).
//! [`write_national_sex_age`] writes it as `data-samples/hcp/rgph2024-national-sex-age.csv`.
//!
//! ## The survey: [`write`]
//! A youth module (respondents aged 18-29) of a national survey on violence, stratified by region
//! × place of residence (12 × urbain/rural = 24 strata), clustered in enumeration areas (10 PSUs
//! drawn per stratum, 20–30 respondents per PSU, ≈ 6,000 rows):
//!
//! - stratum population `N_h` = the 18-29 population of the frame (two fifths of `15-19`, plus
//!   `20-24` and `25-29`) × the region's share of the legal population × an invented urban share;
//! - `fpc` = the number of enumeration areas in the stratum, `N_h / 150` (the population count of
//!   PSUs, `fpc_kind = "population"`);
//! - each drawn PSU has a size around `N_h / fpc` (±30%); a respondent's weight `poids` is
//!   `fpc / 10 × PSU size / respondents in PSU`, so weighted totals approximate the 18-29
//!   population of each stratum (written with a decimal comma, as French Excel does);
//! - `sexe` 1 = man, 2 = woman (half each), `age` uniform 18..29, `region` the ISO 3166-2:MA code,
//!   `milieu` `urbain`/`rural`, `strate` = region number × 10 + 1 (urbain) or 2 (rural),
//!   `grappe` = stratum × 100 + PSU number (unique across strata);
//! - `violence_sexuelle_avant_18` (0/1): invented prevalences of about 10% for women and 5% for
//!   men, varied between PSUs (× 0.5–1.5) to give the clustering something to measure.
//!
//! The design description `enquete-violence-2025.design.toml` is written beside the data.
//! Deterministic: the same seed writes the same bytes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::error::{PipelineError, Result};
use crate::feeds::hcp_population::{published_legal_population_2024, rgph2024_regions};

/// The data file written by [`write`].
pub const SURVEY_FILE: &str = "enquete-violence-2025.csv";
/// The design description written beside it.
pub const DESIGN_FILE: &str = "enquete-violence-2025.design.toml";
/// Seed of the shipped sample.
pub const SAMPLE_SEED: u64 = 2025;
/// The national sex × age table written by [`write_national_sex_age`].
pub const NATIONAL_FILE: &str = "rgph2024-national-sex-age.csv";

/// Five-year age groups of the frame.
pub const AGE_BANDS: [&str; 18] = [
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
    "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85+",
];
/// Invented relative band sizes (a pyramid shaped like Morocco's in 2024).
const BAND_WEIGHTS: [f64; 18] = [
    8.6, 8.9, 9.0, 8.3, 7.8, 7.6, 7.5, 7.2, 6.6, 5.9, 5.2, 4.8, 4.3, 3.4, 2.4, 1.4, 0.9, 0.6,
];
/// Invented share of men in each band.
const MALE_SHARE: [f64; 18] = [
    0.512, 0.512, 0.511, 0.507, 0.502, 0.497, 0.493, 0.490, 0.490, 0.490, 0.492, 0.495, 0.495,
    0.490, 0.480, 0.470, 0.450, 0.420,
];
/// People under 15 in the frame: 26.5% of the published legal population, rounded down.
pub const UNDER_15: i64 = 9_759_507;

/// Invented urban share of each region's population (same order as [`rgph2024_regions`]).
const URBAN_SHARE: [f64; 12] = [
    0.62, 0.70, 0.62, 0.72, 0.50, 0.77, 0.47, 0.38, 0.60, 0.70, 0.95, 0.75,
];
/// PSUs drawn per stratum.
const PSUS_PER_STRATUM: usize = 10;
/// Average people aged 18-29 in an enumeration area (sets the frame's PSU counts).
const PEOPLE_PER_PSU: f64 = 150.0;

/// National population 2024 by sex (`M`, `F`) and five-year age group: 36 cells adding up to
/// [`published_legal_population_2024`], the three bands under 15 to [`UNDER_15`]. Synthetic.
pub fn national_sex_age_2024() -> Vec<(&'static str, &'static str, i64)> {
    let young = allocate(UNDER_15, &BAND_WEIGHTS[..3]);
    let old = allocate(
        published_legal_population_2024() - UNDER_15,
        &BAND_WEIGHTS[3..],
    );
    let mut cells = Vec::with_capacity(36);
    for (i, total) in young.into_iter().chain(old).enumerate() {
        let men = (total as f64 * MALE_SHARE[i]).round() as i64;
        cells.push(("M", AGE_BANDS[i], men));
        cells.push(("F", AGE_BANDS[i], total - men));
    }
    cells
}

/// The frame's population aged 18-29 (two fifths of `15-19`, all of `20-24` and `25-29`).
pub fn population_18_29() -> i64 {
    let cells = national_sex_age_2024();
    let band = |b: &str| -> i64 {
        cells
            .iter()
            .filter(|(_, a, _)| *a == b)
            .map(|(_, _, n)| n)
            .sum()
    };
    band("15-19") * 2 / 5 + band("20-24") + band("25-29")
}

/// `total` split in proportion to `weights`, rounded by largest remainder (sums exactly).
fn allocate(total: i64, weights: &[f64]) -> Vec<i64> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut out: Vec<i64> = exact.iter().map(|x| x.floor() as i64).collect();
    let mut short = total - out.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if short <= 0 {
            break;
        }
        out[i] += 1;
        short -= 1;
    }
    out
}

/// Write the national sex × age table (`;`, French headers and labels, with the sex totals and
/// the grand total) to `out`; returns the data rows written.
pub fn write_national_sex_age(out: &Path) -> Result<u64> {
    let cells = national_sex_age_2024();
    let werr = |cause| PipelineError::Write {
        path: out.to_path_buf(),
        cause,
    };
    let mut w = BufWriter::new(File::create(out).map_err(werr)?);
    let label = |s: &str| if s == "M" { "Masculin" } else { "Féminin" };
    let mut rows = 0u64;
    let mut body = String::new();
    body.push_str("Année;Région;Sexe;Groupe d'âge;Population\n");
    body.push_str(&format!(
        "2024;Maroc;Ensemble;Total;{}\n",
        published_legal_population_2024()
    ));
    rows += 1;
    for sex in ["M", "F"] {
        let total: i64 = cells.iter().filter(|c| c.0 == sex).map(|c| c.2).sum();
        body.push_str(&format!("2024;Maroc;{};Total;{total}\n", label(sex)));
        rows += 1;
    }
    for sex in ["M", "F"] {
        for (s, band, n) in cells.iter().filter(|c| c.0 == sex) {
            body.push_str(&format!("2024;Maroc;{};{band};{n}\n", label(s)));
            rows += 1;
        }
    }
    w.write_all(body.as_bytes()).map_err(werr)?;
    w.flush().map_err(werr)?;
    Ok(rows)
}

/// Write [`SURVEY_FILE`] and [`DESIGN_FILE`] into `out_dir`; returns the respondents written.
pub fn write(out_dir: &Path, seed: u64) -> Result<u64> {
    let data = out_dir.join(SURVEY_FILE);
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |cause| PipelineError::Write {
            path: path.clone(),
            cause,
        }
    };
    let mut w = BufWriter::new(File::create(&data).map_err(werr(&data))?);
    let rows = write_survey(&mut w, seed).map_err(werr(&data))?;
    w.flush().map_err(werr(&data))?;
    let design = out_dir.join(DESIGN_FILE);
    std::fs::write(&design, DESIGN_TOML).map_err(werr(&design))?;
    Ok(rows)
}

/// The design description of the synthetic survey.
pub const DESIGN_TOML: &str = r#"# Design of enquete-violence-2025.csv (synthetic; see data-samples/README.md).
survey_id = "evs2025"
title = "Enquête nationale sur la violence — module jeunes 18-29 ans, 2025 (synthétique)"
weight = "poids"
strata = "strate"
psu = "grappe"
fpc = "fpc"
fpc_kind = "population"
"#;

fn write_survey<W: Write>(w: &mut W, seed: u64) -> std::io::Result<u64> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let youth = population_18_29() as f64;
    let national = published_legal_population_2024() as f64;
    writeln!(
        w,
        "ident;region;milieu;strate;grappe;sexe;age;violence_sexuelle_avant_18;poids;fpc"
    )?;
    let mut ident = 0u64;
    for (r, (code, _, pop)) in rgph2024_regions().iter().enumerate() {
        for (m, milieu) in ["urbain", "rural"].into_iter().enumerate() {
            let share = if m == 0 {
                URBAN_SHARE[r]
            } else {
                1.0 - URBAN_SHARE[r]
            };
            let stratum_pop = youth * (*pop as f64 / national) * share;
            let psus = ((stratum_pop / PEOPLE_PER_PSU).round() as u64).max(PSUS_PER_STRATUM as u64);
            let strate = (r as u64 + 1) * 10 + m as u64 + 1;
            for p in 0..PSUS_PER_STRATUM {
                let grappe = strate * 100 + p as u64 + 1;
                let psu_size = stratum_pop / psus as f64 * rng.gen_range(0.7..1.3);
                let respondents = rng.gen_range(20..=30u64);
                let weight = psus as f64 / PSUS_PER_STRATUM as f64 * psu_size / respondents as f64;
                let cluster = rng.gen_range(0.5..1.5);
                for _ in 0..respondents {
                    ident += 1;
                    let sexe = if rng.gen_bool(0.5) { 1 } else { 2 };
                    let age = rng.gen_range(18..=29u32);
                    let p = if sexe == 2 { 0.10 } else { 0.05 } * cluster;
                    let violence = u8::from(rng.gen_bool(p));
                    let poids = format!("{weight:.2}").replace('.', ",");
                    writeln!(
                        w,
                        "{ident};{code};{milieu};{strate};{grappe};{sexe};{age};{violence};{poids};{psus}"
                    )?;
                }
            }
        }
    }
    Ok(ident)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcp_frame_reproduces_published_totals() {
        let cells = national_sex_age_2024();
        assert_eq!(cells.len(), 36);
        let total: i64 = cells.iter().map(|c| c.2).sum();
        assert_eq!(total, published_legal_population_2024());
        let under15: i64 = cells
            .iter()
            .filter(|c| ["0-4", "5-9", "10-14"].contains(&c.1))
            .map(|c| c.2)
            .sum();
        let share = under15 as f64 / total as f64 * 100.0;
        assert!((share - 26.5).abs() < 0.05, "{share}");
        assert!(cells.iter().all(|c| c.2 > 0));
    }

    #[test]
    fn hcp_survey_generator_is_deterministic() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let n = write(a.path(), 9).unwrap();
        assert_eq!(write(b.path(), 9).unwrap(), n);
        assert!((5_000..7_000).contains(&n), "{n}");
        assert_eq!(
            std::fs::read(a.path().join(SURVEY_FILE)).unwrap(),
            std::fs::read(b.path().join(SURVEY_FILE)).unwrap()
        );
        // Weighted total ≈ the 18-29 population of the frame.
        let text = std::fs::read_to_string(a.path().join(SURVEY_FILE)).unwrap();
        let total: f64 = text
            .lines()
            .skip(1)
            .map(|l| {
                l.split(';')
                    .nth(8)
                    .unwrap()
                    .replace(',', ".")
                    .parse::<f64>()
                    .unwrap()
            })
            .sum();
        let youth = population_18_29() as f64;
        assert!((total / youth - 1.0).abs() < 0.05, "{total} vs {youth}");
    }

    /// Writes the shipped samples. Run after changing the generator:
    /// `cargo test -p marsad-pipelines --lib -- --ignored write_hcp_samples`.
    #[test]
    #[ignore]
    fn write_hcp_samples() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data-samples/hcp"));
        std::fs::create_dir_all(dir).unwrap();
        write(dir, SAMPLE_SEED).unwrap();
        write_national_sex_age(&dir.join(NATIONAL_FILE)).unwrap();
    }
}
