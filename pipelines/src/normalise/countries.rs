//! Country names → ISO 3166-1 alpha-2 codes, said once for every feed that names countries
//! (NCMEC's CyberTipline tables by country, referral exports).
//!
//! [`parse_country`] accepts the ISO 3166-1 English short names, their official and common
//! forms, the alpha-2 and alpha-3 codes written in capitals, and the spellings NCMEC publishes
//! (`Bahrain/Bahrein`, `Burma/Myanmar`, `Cote d'Ivoire (Ivory Coast)`, `Gambia, The`,
//! `Eretria`, `Sierre Leone`, `Turks and Calcos Islands`, `Saint BarthØlemy`, …). Names are
//! compared after [`fold`] (case, accents, punctuation), `&` reads as `and`, `St`/`St.` as
//! `Saint`, and a leading `The` is ignored. When a name is not known as written, these forms are
//! tried in turn: the inverted form of `A, B` or `A (B)` (`Korea, Republic of` → `Republic of
//! Korea`); each side of a `/` (all sides that are known must agree); the name without its
//! parenthesis and the parenthesis alone (again, they must agree). `Korea` alone is ambiguous and
//! is refused, never guessed.
//!
//! Markers of "no country" (`No Country Listed`, `Null`, `null*`, `Unknown`, …) give `Ok(None)`.
//!
//! Two codes outside ISO 3166-1 are accepted because NCMEC lists them: `XK` (Kosovo, the
//! user-assigned code used by the European Commission, the IMF and the UN's statistical work)
//! and `AN` (Netherlands Antilles, deleted from ISO 3166-1 in 2010 and transitionally reserved;
//! NCMEC's 2019 table still has a row for it). Western Sahara is `EH` as in ISO 3166-1: the
//! figures stay as published and are never added to another row.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::normalise::fold;

/// ISO 3166-1 and NCMEC's extra codes are a conformed code list: said once in the model, which
/// `dim_country` reads too.
pub use marsad_model::codes::countries::{Country, EXTRA_CODES, ISO_3166_1};

/// Other spellings, as NCMEC and other sources write them, with their alpha-2 code. Compared
/// after the same folding as the names.
pub const VARIANTS: &[(&str, &str)] = &[
    // NCMEC's own spellings (2019 and 2023 tables), typos included as published.
    ("Aland Islands", "AX"),
    ("Bahrein", "BH"),
    ("Brunei", "BN"),
    ("Burma", "MM"),
    ("Myanmar (Burma)", "MM"),
    ("Cape Verde", "CV"),
    ("Cape Verde Islands", "CV"),
    ("Caribbean Netherlands", "BQ"),
    ("Bonaire", "BQ"),
    ("Ivory Coast", "CI"),
    ("Cote d'Ivoire (Ivory Coast)", "CI"),
    ("Eretria", "ER"),
    ("Falkland Islands", "FK"),
    ("Malvinas", "FK"),
    ("Micronesia", "FM"),
    ("French Southern and Antarctic Lands", "TF"),
    ("French Southern and Antartic Lands", "TF"),
    ("Gambia, The", "GM"),
    ("Korea, South", "KR"),
    ("Republic of Korea", "KR"),
    ("Korea, North", "KP"),
    ("Laos", "LA"),
    ("Lao PDR", "LA"),
    ("Macau", "MO"),
    ("Macedonia", "MK"),
    ("Macedonia, The Former Yugoslav Republic of", "MK"),
    ("The Former Yugoslav Republic of Macedonia", "MK"),
    ("FYROM", "MK"),
    ("Palestinian Territory", "PS"),
    ("Palestinian Territories", "PS"),
    ("Palestinian Territory, Occupied", "PS"),
    ("Occupied Palestinian Territory", "PS"),
    ("Palestine", "PS"),
    ("West Bank and Gaza", "PS"),
    ("Pitcairn Islands", "PN"),
    ("Pitcairn, Henderson, Ducie, and Oeno", "PN"),
    ("Pitcairn, Henderson, Ducie and Oeno Islands", "PN"),
    ("Rumania", "RO"),
    ("Russia", "RU"),
    ("Saint BarthØlemy", "BL"),
    ("Saint Bartelemey", "BL"),
    ("Saint Barthelemy", "BL"),
    ("Saint Barts", "BL"),
    ("Saint Helena", "SH"),
    ("Saint Martin", "MF"),
    ("Sint Maarten", "SX"),
    ("Sierre Leone", "SL"),
    ("Surinam", "SR"),
    ("Svalbard", "SJ"),
    ("Svalbard and Jan Mayen Islands", "SJ"),
    ("Swaziland", "SZ"),
    ("Turkey", "TR"),
    ("Turks and Calcos Islands", "TC"),
    ("US Virgin Islands", "VI"),
    ("U.S. Virgin Islands", "VI"),
    ("United States Virgin Islands", "VI"),
    ("Vatican", "VA"),
    ("Vatican City", "VA"),
    ("Vatican City State", "VA"),
    ("Holy See", "VA"),
    ("Vietnam", "VN"),
    ("Yemen Arab Republic", "YE"),
    ("Wallis and Futuna Islands", "WF"),
    ("Cocos Islands", "CC"),
    ("Keeling Islands", "CC"),
    ("Heard and McDonald Islands", "HM"),
    ("South Georgia and South Sandwich Islands", "GS"),
    ("United States Minor Outlying Islands", "UM"),
    ("US Minor Outlying Islands", "UM"),
    // Common English forms.
    ("Bosnia-Herzegovina", "BA"),
    ("Bosnia", "BA"),
    ("Czech Republic", "CZ"),
    ("Democratic Republic of the Congo", "CD"),
    ("Democratic Republic of Congo", "CD"),
    ("Congo, Democratic Republic of the", "CD"),
    ("Congo, Dem. Rep.", "CD"),
    ("Congo (Kinshasa)", "CD"),
    ("DR Congo", "CD"),
    ("DRC", "CD"),
    ("Zaire", "CD"),
    ("Republic of the Congo", "CG"),
    ("Congo, Republic of the", "CG"),
    ("Congo, Rep.", "CG"),
    ("Congo (Brazzaville)", "CG"),
    ("Congo-Brazzaville", "CG"),
    ("East Timor", "TL"),
    ("Timor Leste", "TL"),
    ("Great Britain", "GB"),
    ("Britain", "GB"),
    ("UK", "GB"),
    ("U.K.", "GB"),
    ("Holland", "NL"),
    ("Republic of Ireland", "IE"),
    ("USA", "US"),
    ("U.S.", "US"),
    ("U.S.A.", "US"),
    ("United States of America", "US"),
    ("UAE", "AE"),
    ("U.A.E.", "AE"),
    ("Emirates", "AE"),
    ("Libyan Arab Jamahiriya", "LY"),
    ("Syrian Arab Republic", "SY"),
    ("Iran (Islamic Republic of)", "IR"),
    ("Venezuela (Bolivarian Republic of)", "VE"),
    ("Bolivia (Plurinational State of)", "BO"),
    ("Tanzania, United Republic of", "TZ"),
    ("Moldova, Republic of", "MD"),
    ("Republic of Moldova", "MD"),
    ("Vatican City State (Holy See)", "VA"),
    ("Sao Tome", "ST"),
    ("St Kitts", "KN"),
    ("Saint Kitts", "KN"),
    ("Saint Vincent", "VC"),
    ("Saint Vincent and Grenadines", "VC"),
    ("Antigua", "AG"),
    ("Trinidad", "TT"),
    ("Hong Kong SAR", "HK"),
    ("Hong Kong, China", "HK"),
    ("Macao SAR", "MO"),
    ("Macao, China", "MO"),
    ("Taiwan, Republic of China", "TW"),
    ("Republic of China (Taiwan)", "TW"),
    ("Chinese Taipei", "TW"),
    ("Mainland China", "CN"),
    ("Curacao", "CW"),
    ("Reunion", "RE"),
    ("Kyrgyz Republic", "KG"),
    ("Slovak Republic", "SK"),
    // French and Arabic names of Morocco, for tables a steward retyped.
    ("Maroc", "MA"),
    ("المغرب", "MA"),
    ("المملكة المغربية", "MA"),
];

/// Markers of a row whose reports have no country (compared after folding).
pub const NO_COUNTRY: &[&str] = &[
    "No Country Listed",
    "No Country",
    "No Country Specified",
    "No Country Provided",
    "Country Not Listed",
    "Country Unknown",
    "Unknown Country",
    "Unknown",
    "Null",
    "None",
    "N/A",
    "Not Available",
    "Not Specified",
    "Unspecified",
    "Undetermined",
    "Not Determined",
    "No Location",
    "No Location Listed",
];

/// Map a country name (or a no-country marker) to its ISO 3166-1 alpha-2 code.
///
/// `Ok(Some(code))` for a country, `Ok(None)` for a "no country" marker (`No Country Listed`,
/// `Null`, `null*`, …), `Err(reason)` for an empty, unknown or ambiguous name; the reason is
/// what a quarantine row says.
pub fn parse_country(s: &str) -> Result<Option<&'static str>, String> {
    let raw = s.trim();
    if raw.is_empty() {
        return Err("empty country name".into());
    }
    // Codes written as codes: `MA`, `MAR`.
    if (raw.len() == 2 || raw.len() == 3) && raw.bytes().all(|b| b.is_ascii_uppercase()) {
        if let Some(c) = by_code(raw) {
            return Ok(Some(c.code));
        }
    }
    let folded = key(raw);
    if folded.is_empty() {
        return Err(format!("`{raw}` is not a country name"));
    }
    if no_country().contains(&folded) {
        return Ok(None);
    }
    if let Some(code) = names().get(&folded) {
        return Ok(Some(code));
    }
    // `A, B` or `A (B)` read as `B A`.
    for candidate in inversions(raw) {
        if let Some(code) = names().get(&key(&candidate)) {
            return Ok(Some(code));
        }
    }
    // `A/B`: every side that is known must name the same country.
    if raw.contains('/') {
        if let Some(found) = agreeing(raw.split('/').map(str::to_string), raw)? {
            return Ok(Some(found));
        }
    }
    // `A (B)`: the name without its parenthesis, and the parenthesis alone, must agree.
    if let (Some(open), Some(close)) = (raw.find('('), raw.rfind(')')) {
        if open < close {
            let outside = format!("{} {}", &raw[..open], &raw[close + 1..]);
            let inside = raw[open + 1..close].to_string();
            if let Some(found) = agreeing([outside, inside].into_iter(), raw)? {
                return Ok(Some(found));
            }
        }
    }
    Err(format!(
        "unknown country name `{raw}` (not an ISO 3166-1 name or a known variant)"
    ))
}

/// The ISO 3166-1 entry (or one of [`EXTRA_CODES`]) of an alpha-2 or alpha-3 code.
pub fn by_code(code: &str) -> Option<&'static Country> {
    let code = code.trim().to_ascii_uppercase();
    ISO_3166_1
        .iter()
        .chain(EXTRA_CODES)
        .find(|c| c.code == code || c.alpha3 == code)
}

/// English short name of an alpha-2 code.
pub fn name_of(code: &str) -> Option<&'static str> {
    by_code(code).map(|c| c.name)
}

/// Folded lookup key: `&` reads as `and`, a leading `the` is dropped, `st` → `saint`.
fn key(s: &str) -> String {
    let folded = fold(&s.replace('&', " and "));
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    if words.len() > 1 && words[0] == "st" {
        words[0] = "saint";
    }
    words.join(" ")
}

/// `A, B` → `B A`; `A (B)` → `B A`.
fn inversions(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((a, b)) = raw.split_once(',') {
        out.push(format!("{} {}", b.trim(), a.trim()));
    }
    if let (Some(open), Some(close)) = (raw.find('('), raw.rfind(')')) {
        if open < close && raw[close + 1..].trim().is_empty() {
            out.push(format!(
                "{} {}",
                raw[open + 1..close].trim(),
                raw[..open].trim()
            ));
        }
    }
    out
}

/// The one code that the known parts name; `Ok(None)` if no part is known; an error if the
/// known parts name different countries.
fn agreeing(
    parts: impl Iterator<Item = String>,
    raw: &str,
) -> Result<Option<&'static str>, String> {
    let mut found: Option<&'static str> = None;
    for part in parts {
        let k = key(&part);
        if k.is_empty() {
            continue;
        }
        if let Some(code) = names().get(&k) {
            match found {
                Some(prev) if prev != *code => {
                    return Err(format!(
                        "ambiguous country name `{raw}`: its parts name {prev} and {code}"
                    ))
                }
                _ => found = Some(code),
            }
        }
    }
    Ok(found)
}

/// Folded name → code, built once from the ISO names, the extra codes and the variants.
fn names() -> &'static HashMap<String, &'static str> {
    static NAMES: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut map = HashMap::new();
        for c in ISO_3166_1.iter().chain(EXTRA_CODES) {
            map.insert(key(c.name), c.code);
            for o in c.official {
                map.insert(key(o), c.code);
            }
        }
        for (variant, code) in VARIANTS {
            map.insert(key(variant), *code);
        }
        map
    })
}

fn no_country() -> &'static Vec<String> {
    static MARKERS: OnceLock<Vec<String>> = OnceLock::new();
    MARKERS.get_or_init(|| NO_COUNTRY.iter().map(|m| key(m)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_table_is_complete_and_unique() {
        assert_eq!(ISO_3166_1.len(), 249);
        let mut codes: Vec<&str> = ISO_3166_1.iter().map(|c| c.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 249);
        assert!(EXTRA_CODES.iter().all(|e| by_code(e.code) == Some(e)));
        assert!(ISO_3166_1
            .iter()
            .all(|c| c.code.len() == 2 && c.alpha3.len() == 3));
    }

    #[test]
    fn every_iso_name_maps_to_its_code() {
        for c in ISO_3166_1.iter().chain(EXTRA_CODES) {
            assert_eq!(parse_country(c.name), Ok(Some(c.code)), "{}", c.name);
            for o in c.official {
                assert_eq!(parse_country(o), Ok(Some(c.code)), "{o}");
            }
        }
    }

    #[test]
    fn no_two_spellings_collide() {
        // A folded key must never name two countries: rebuild the map and watch for conflicts.
        let mut seen: HashMap<String, &str> = HashMap::new();
        let all = ISO_3166_1
            .iter()
            .chain(EXTRA_CODES)
            .flat_map(|c| {
                std::iter::once((c.name, c.code)).chain(c.official.iter().map(|o| (*o, c.code)))
            })
            .chain(VARIANTS.iter().copied());
        for (name, code) in all {
            assert!(
                by_code(code).is_some(),
                "variant `{name}` names unknown code {code}"
            );
            if let Some(prev) = seen.insert(key(name), code) {
                assert_eq!(prev, code, "`{name}` folds to a key of {prev}");
            }
        }
        for m in NO_COUNTRY {
            assert!(
                !seen.contains_key(&key(m)),
                "no-country marker `{m}` is also a country"
            );
        }
    }

    #[test]
    fn ncmec_spellings() {
        let cases = [
            ("Morocco", "MA"),
            ("MOROCCO", "MA"),
            ("Korea, Republic of", "KR"),
            ("South Korea", "KR"),
            ("North Korea", "KP"),
            ("Korea, Democratic People's Republic of", "KP"),
            ("Congo, The Democratic Republic of the", "CD"),
            ("Congo", "CG"),
            ("Russian Federation", "RU"),
            ("Viet Nam", "VN"),
            ("Vietnam", "VN"),
            ("Turkey", "TR"),
            ("Türkiye", "TR"),
            ("Cote d'Ivoire", "CI"),
            ("Côte d’Ivoire", "CI"),
            ("Cote d’Ivoire (Ivory Coast)", "CI"),
            ("Palestinian Territory, Occupied", "PS"),
            ("Palestinian Territory", "PS"),
            ("Micronesia, Federated States of", "FM"),
            ("Federated States of Micronesia", "FM"),
            ("Holy See (Vatican City State)", "VA"),
            ("Virgin Islands, British", "VG"),
            ("British Virgin Islands", "VG"),
            ("US Virgin Islands", "VI"),
            ("Virgin Islands, U.S.", "VI"),
            ("Kosovo", "XK"),
            ("Netherlands Antilles", "AN"),
            ("Bahrain/Bahrein", "BH"),
            ("Burma/Myanmar", "MM"),
            ("Romania/Rumania", "RO"),
            ("Gambia, The", "GM"),
            ("The Bahamas", "BS"),
            ("Bahamas, The", "BS"),
            ("Lao People’s Democratic Republic", "LA"),
            ("People’s Republic of China", "CN"),
            ("Saint BarthØlemy", "BL"),
            ("Saint Bartelemey", "BL"),
            ("St. Lucia", "LC"),
            ("St Kitts & Nevis", "KN"),
            ("Saint Helena, Ascension and Tristan da Cunha", "SH"),
            ("Saint Vincent and the Grenadines", "VC"),
            ("Eretria", "ER"),
            ("Sierre Leone", "SL"),
            ("Turks and Calcos Islands", "TC"),
            ("French Southern and Antartic Lands", "TF"),
            ("Pitcairn, Henderson, Ducie, and Oeno", "PN"),
            ("Cocos (Keeling) Islands", "CC"),
            ("Svalbard", "SJ"),
            ("Swaziland", "SZ"),
            ("Surinam", "SR"),
            ("Yemen Arab Republic", "YE"),
            ("Western Sahara", "EH"),
            ("Caribbean Netherlands", "BQ"),
            ("Sint Maarten", "SX"),
            ("Saint Martin", "MF"),
            ("Cape Verde Islands", "CV"),
            ("Macedonia", "MK"),
            ("Taiwan", "TW"),
            ("Hong Kong", "HK"),
            ("Macao", "MO"),
            ("United States", "US"),
            ("United States Minor Outlying Islands", "UM"),
            ("MA", "MA"),
            ("MAR", "MA"),
            ("Maroc", "MA"),
        ];
        for (name, code) in cases {
            assert_eq!(parse_country(name), Ok(Some(code)), "{name}");
        }
    }

    #[test]
    fn no_country_markers() {
        for m in [
            "No Country Listed",
            "No Country Listed*",
            "Null",
            "null*",
            "NULL",
            "Unknown",
        ] {
            assert_eq!(parse_country(m), Ok(None), "{m}");
        }
    }

    #[test]
    fn unknown_empty_and_ambiguous_names_are_refused() {
        assert!(parse_country("").unwrap_err().contains("empty"));
        assert!(parse_country("Atlantis").unwrap_err().contains("Atlantis"));
        assert!(parse_country("Korea").is_err());
        assert!(parse_country("Total").is_err());
        assert!(parse_country("Congo/Gabon")
            .unwrap_err()
            .contains("ambiguous"));
        assert!(parse_country("***").is_err());
    }

    #[test]
    fn names_of_codes() {
        assert_eq!(name_of("MA"), Some("Morocco"));
        assert_eq!(name_of("xk"), Some("Kosovo"));
        assert_eq!(name_of("ZZ"), None);
    }
}
