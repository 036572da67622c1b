//! Sex as agencies write it — codes, French, English and Arabic words, HCP's numeric codes —
//! mapped to the SDMX codes `M` (male), `F` (female) and `_U` (unknown). Everything is compared
//! after [`fold`], so case, accents, Arabic diacritics and punctuation do not matter
//! (`Garçon`, `GARCON`, `أنثى`, `انثى`, `M.` are all read). `1`/`2`/`9` follow the HCP census
//! convention. Anything else is refused, never guessed.

use super::numbers::quote;
use crate::normalise::fold;

/// The SDMX sex codes: a conformed code list, in the model.
pub use marsad_model::codes::sex::{FEMALE, MALE, UNKNOWN};

const MALE_WORDS: [&str; 20] = [
    "M",
    "H",
    "homme",
    "hommes",
    "masculin",
    "masc",
    "male",
    "males",
    "man",
    "men",
    "garçon",
    "garçons",
    "boy",
    "boys",
    "ذكر",
    "ذكور",
    "رجل",
    "رجال",
    "1",
    "sexe masculin",
];

const FEMALE_WORDS: [&str; 21] = [
    "F",
    "femme",
    "femmes",
    "féminin",
    "fém",
    "female",
    "females",
    "woman",
    "women",
    "fille",
    "filles",
    "girl",
    "girls",
    "أنثى",
    "إناث",
    "انثى",
    "امرأة",
    "نساء",
    "2",
    "sexe féminin",
    "W",
];

const UNKNOWN_WORDS: [&str; 18] = [
    "U",
    "_U",
    "X",
    "inconnu",
    "inconnue",
    "non précisé",
    "non précisée",
    "non renseigné",
    "non déclaré",
    "unknown",
    "not stated",
    "NA",
    "N/A",
    "nd",
    "null",
    "9",
    "غير معروف",
    "غير محدد",
];

/// The SDMX sex code of a cell: `M`, `F`, or `_U` for an empty cell or an unknown marker.
pub fn parse_sex(s: &str) -> Result<&'static str, String> {
    let folded = fold(s);
    if folded.is_empty() {
        return Ok(UNKNOWN);
    }
    let is = |words: &[&str]| words.iter().any(|w| fold(w) == folded);
    if is(&MALE_WORDS) {
        Ok(MALE)
    } else if is(&FEMALE_WORDS) {
        Ok(FEMALE)
    } else if is(&UNKNOWN_WORDS) {
        Ok(UNKNOWN)
    } else {
        Err(format!(
            "`{}` is not a sex: expected M/F (homme/femme, male/female, ذكر/أنثى, 1/2) or unknown",
            quote(s)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn male() {
        for s in [
            "M",
            "m",
            "H",
            "h",
            "homme",
            "Hommes",
            "masculin",
            "Masculin",
            "MALE",
            "male",
            "man",
            "men",
            "garçon",
            "Garcon",
            "GARÇON",
            "boy",
            "ذكر",
            "ذكور",
            "ذَكَر",
            "1",
            " M ",
            "M.",
        ] {
            assert_eq!(parse_sex(s), Ok("M"), "{s:?}");
        }
    }

    #[test]
    fn female() {
        for s in [
            "F", "f", "femme", "Femmes", "féminin", "FEMININ", "Féminin", "female", "woman",
            "women", "fille", "Filles", "girl", "أنثى", "انثى", "أنثي", "إناث", "اناث", "2", "F.",
        ] {
            assert_eq!(parse_sex(s), Ok("F"), "{s:?}");
        }
    }

    #[test]
    fn unknown() {
        for s in [
            "",
            "   ",
            "U",
            "u",
            "X",
            "inconnu",
            "Inconnue",
            "non précisé",
            "Non precise",
            "unknown",
            "NA",
            "N/A",
            "9",
            "غير معروف",
            "_U",
            "-",
        ] {
            assert_eq!(parse_sex(s), Ok("_U"), "{s:?}");
        }
    }

    #[test]
    fn rejected() {
        for s in [
            "3",
            "0",
            "MF",
            "homme et femme",
            "mixte",
            "abc",
            "12",
            "Mme",
        ] {
            let e = parse_sex(s).unwrap_err();
            assert!(e.contains("is not a sex"), "{s}: {e}");
            assert!(e.contains(s), "{s}: {e}");
        }
    }
}
