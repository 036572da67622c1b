//! Morocco's twelve regions (2015 division) and their ISO 3166-2:MA codes, and the one rule that
//! turns what an agency wrote — a code, an HCP region number, or a name in French, Arabic or
//! English — into a region.
//!
//! Names are compared after [`fold`] (case, accents, Arabic diacritics, punctuation and hyphens
//! ignored) and with spaces removed, so `Tanger-Tétouan-Al Hoceïma`, `TANGER TETOUAN AL HOCEIMA`
//! and `Tanger-Tetouan-Al-Hoceima` are one name, as are `كلميم واد نون` and `كلميم وادنون`. A
//! leading `Région de/du/d'`, `Region`, `Region of` or `جهة` is dropped. Codes are `MA-01`,
//! `MA01`, `MA 1`, `01` or `1`: HCP numbers the regions in the ISO order. Markers of an unknown
//! region give `Ok(None)`; anything else is refused, never guessed. Regions of the pre-2015
//! division (16 regions) are not mapped: their boundaries differ.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::numbers::{quote, to_ascii_digits};
use crate::normalise::fold;

/// The regions are a conformed code list: said once in the model, which `dim_region` reads too.
pub use marsad_model::codes::regions::{Region, REGIONS};

/// A static copy of [`REGIONS`], so that `&'static Region` can be handed out.
static TABLE: [Region; 12] = REGIONS;

/// Spellings seen in agency files besides the three official names, by region index.
const VARIANTS: [(usize, &str); 20] = [
    (0, "Tanger-Tetouan-Al Hoceima"),
    (0, "Tanger-Tétouan-Al-Hoceïma"),
    (1, "Oriental"),
    (1, "Région Orientale"),
    (2, "Fes-Meknes"),
    (2, "Fès-Meknès"),
    (4, "Beni Mellal-Khenifra"),
    (4, "Béni-Mellal-Khénifra"),
    (6, "Marrakech-Safi"),
    (6, "Marrakesh-Safi"),
    (7, "Draa-Tafilalt"),
    (7, "Drâa-Tafilalt"),
    (9, "Guelmim Oued Noun"),
    (9, "Guelmim-Oued-Noun"),
    (10, "Laayoune-Sakia El Hamra"),
    (10, "Laâyoune-Saguia El Hamra"),
    (10, "Laayoune-Saguia al Hamra"),
    (11, "Dakhla-Oued Eddahab"),
    (11, "Dakhla-Oued Ed Dahab"),
    (11, "الداخلة واد الذهب"),
];

/// What agencies write when the region is not known (compared after [`fold`]).
const UNKNOWN: [&str; 16] = [
    "inconnu",
    "inconnue",
    "non précisé",
    "non précisée",
    "non precise",
    "non renseigné",
    "non spécifié",
    "unknown",
    "not specified",
    "NA",
    "N/A",
    "nd",
    "n.d.",
    "null",
    "غير محدد",
    "غير معروف",
];

/// Leading words that name the kind of unit, dropped before matching (folded, word by word).
const PREFIXES: [&[&str]; 9] = [
    &["la", "region", "de"],
    &["la", "region", "du"],
    &["la", "region"],
    &["region", "de"],
    &["region", "du"],
    &["region", "d"],
    &["region", "of"],
    &["region"],
    &["جهه"],
];

/// The value folded, prefix dropped, spaces removed: the key names are compared on.
fn key(s: &str) -> String {
    let folded = fold(s);
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let rest = PREFIXES
        .iter()
        .find(|p| words.len() > p.len() && words.starts_with(p))
        .map_or(&words[..], |p| &words[p.len()..]);
    rest.concat()
}

/// Name keys → region index, built once.
fn names() -> &'static HashMap<String, usize> {
    static NAMES: OnceLock<HashMap<String, usize>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut map = HashMap::new();
        for (i, r) in TABLE.iter().enumerate() {
            for name in [r.name_fr, r.name_ar, r.name_en] {
                map.insert(key(name), i);
            }
        }
        for (i, name) in VARIANTS {
            map.insert(key(name), i);
        }
        map
    })
}

/// The region number in a code: `MA-01`, `ma01`, `MA 1`, `01`, `1`, `1.0`; `None` if the
/// value is not shaped like a code at all.
fn code_number(s: &str) -> Option<u32> {
    let t = to_ascii_digits(s.trim());
    let t = t.strip_suffix(".0").unwrap_or(&t);
    let compact: String = t
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    let digits = compact.strip_prefix("ma").unwrap_or(&compact);
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The region a cell names: `Ok(Some(region))`, `Ok(None)` for an empty cell or an "unknown"
/// marker, `Err` for anything that is not one of the twelve regions.
pub fn parse_region(s: &str) -> Result<Option<&'static Region>, String> {
    let folded = fold(s);
    if folded.is_empty() || UNKNOWN.iter().any(|u| fold(u) == folded) {
        return Ok(None);
    }
    let not_a_region = || {
        format!(
            "`{}` is not one of the 12 regions of Morocco (ISO 3166-2:MA, 2015 division)",
            quote(s)
        )
    };
    if let Some(n) = code_number(s) {
        return match n {
            1..=12 => Ok(TABLE.get(n as usize - 1)),
            _ => Err(not_a_region()),
        };
    }
    match names().get(&key(s)) {
        Some(&i) => Ok(TABLE.get(i)),
        None => Err(not_a_region()),
    }
}

/// The ISO 3166-1 code used for national totals.
pub fn national_code() -> &'static str {
    "MA"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> &'static str {
        match parse_region(s) {
            Ok(Some(r)) => r.code,
            other => panic!("{s:?} gave {other:?}"),
        }
    }

    #[test]
    fn table_is_in_iso_order() {
        for (i, r) in REGIONS.iter().enumerate() {
            assert_eq!(r.code, format!("MA-{:02}", i + 1));
        }
        assert_eq!(national_code(), "MA");
    }

    #[test]
    fn codes_and_hcp_numbers() {
        assert_eq!(code("MA-01"), "MA-01");
        assert_eq!(code("ma01"), "MA-01");
        assert_eq!(code("MA 1"), "MA-01");
        assert_eq!(code("01"), "MA-01");
        assert_eq!(code("1"), "MA-01");
        assert_eq!(code("1.0"), "MA-01");
        assert_eq!(code("12"), "MA-12");
        assert_eq!(code("MA-12"), "MA-12");
        assert_eq!(code("ma_06"), "MA-06");
        assert_eq!(code("١٢"), "MA-12");
        for bad in ["0", "13", "MA-13", "MA-00", "ma99"] {
            let e = parse_region(bad).unwrap_err();
            assert!(e.contains("not one of the 12 regions"), "{bad}: {e}");
        }
    }

    #[test]
    fn every_official_name_in_every_language() {
        for r in &REGIONS {
            for name in [r.name_fr, r.name_ar, r.name_en] {
                assert_eq!(code(name), r.code, "{name}");
                assert_eq!(code(&name.to_uppercase()), r.code, "{name} upper case");
                assert_eq!(code(&format!("  {name} ")), r.code, "{name} padded");
            }
            assert_eq!(code(&format!("Région {}", r.name_fr)), r.code);
            assert_eq!(code(&format!("Region of {}", r.name_en)), r.code);
            assert_eq!(code(&format!("جهة {}", r.name_ar)), r.code);
        }
    }

    #[test]
    fn spelling_variants() {
        assert_eq!(code("Oriental"), "MA-02");
        assert_eq!(code("L'Oriental"), "MA-02");
        assert_eq!(code("l’oriental"), "MA-02");
        assert_eq!(code("Région de l'Oriental"), "MA-02");
        assert_eq!(code("Région de L'Oriental"), "MA-02");
        assert_eq!(code("جهة الشرق"), "MA-02");
        assert_eq!(code("Tanger-Tetouan-Al Hoceima"), "MA-01");
        assert_eq!(code("tanger tetouan al-hoceima"), "MA-01");
        assert_eq!(code("Région de Tanger-Tétouan-Al Hoceïma"), "MA-01");
        assert_eq!(code("Fes-Meknes"), "MA-03");
        assert_eq!(code("Région Fès-Meknès"), "MA-03");
        assert_eq!(code("Rabat Salé Kénitra"), "MA-04");
        assert_eq!(code("Beni Mellal-Khenifra"), "MA-05");
        assert_eq!(code("Béni-Mellal-Khénifra"), "MA-05");
        assert_eq!(code("Région du Casablanca-Settat"), "MA-06");
        assert_eq!(code("الدار البيضاء-سطات"), "MA-06");
        assert_eq!(code("Marrakech-Safi"), "MA-07");
        assert_eq!(code("Marrakesh-Safi"), "MA-07");
        assert_eq!(code("مراكش اسفي"), "MA-07");
        assert_eq!(code("Draa-Tafilalet"), "MA-08");
        assert_eq!(code("Drâa Tafilalt"), "MA-08");
        assert_eq!(code("SOUSS MASSA"), "MA-09");
        assert_eq!(code("سوس-ماسة"), "MA-09");
        assert_eq!(code("Guelmim-Oued Noun"), "MA-10");
        assert_eq!(code("Guelmim Oued Noun"), "MA-10");
        assert_eq!(code("كلميم وادنون"), "MA-10");
        assert_eq!(code("Laayoune-Sakia El Hamra"), "MA-11");
        assert_eq!(code("Laâyoune-Sakia El Hamra"), "MA-11");
        assert_eq!(code("Laâyoune-Sakia-El-Hamra"), "MA-11");
        assert_eq!(code("Laayoune Saguia El Hamra"), "MA-11");
        assert_eq!(code("Dakhla-Oued Eddahab"), "MA-12");
        assert_eq!(code("Dakhla-Oued Ed-Dahab"), "MA-12");
        assert_eq!(code("Dakhla Oued Ed Dahab"), "MA-12");
        assert_eq!(code("الداخلة وادي الذهب"), "MA-12");
    }

    #[test]
    fn unknown_markers_are_none() {
        for u in [
            "",
            "   ",
            "-",
            "inconnu",
            "Inconnue",
            "non précisé",
            "Non precise",
            "unknown",
            "UNKNOWN",
            "NA",
            "N/A",
            "غير محدد",
            "غير معروف",
        ] {
            assert_eq!(parse_region(u), Ok(None), "{u:?}");
        }
    }

    #[test]
    fn others_are_refused() {
        for bad in [
            "Casablanca",
            "Tanger",
            "Marrakech-Tensift-Al Haouz",
            "Grand Casablanca",
            "Région",
            "جهة",
            "Paris",
            "MA",
            "MA-1a",
            "1234",
        ] {
            let e = parse_region(bad).unwrap_err();
            assert!(e.contains("not one of the 12 regions"), "{bad}: {e}");
            assert!(e.contains(bad.trim()), "{bad}: {e}");
        }
    }
}
