//! Ages and age bands: reading what agencies write (`15`, `15 ans`, `١٥ سنة`, `13-17`,
//! `de 13 à 17 ans`, `26 ans et plus`, `plus de 25`, `+26`) and mapping it onto Marsad's two
//! band systems — the five standard bands of the indicators ([`STANDARD_BANDS`]) and the
//! five-year bands of population tables ([`five_year_band`]).
//!
//! A band is never split or guessed: a band that straddles two standard bands is refused by
//! [`Age::standard_band`], and its minor status is unknown when it straddles 18. Ages above 120
//! are refused as typing errors.

use std::fmt;

use super::numbers::{quote, to_ascii_digits};
use crate::normalise::fold;

/// The standard age bands of Marsad's indicators: a conformed code list, in the model.
pub use marsad_model::codes::ages::STANDARD_BANDS;

/// Oldest age accepted.
const MAX_AGE: u32 = 120;

/// Index in [`STANDARD_BANDS`] of an age.
fn band_index(age: u32) -> usize {
    match age {
        0..=4 => 0,
        5..=12 => 1,
        13..=17 => 2,
        18..=25 => 3,
        _ => 4,
    }
}

/// The standard band of an exact age.
pub fn standard_band(age: u32) -> &'static str {
    STANDARD_BANDS[band_index(age)]
}

/// The five-year band of an exact age: `0-4`, `5-9`, … `80-84`, `85+`.
pub fn five_year_band(age: u32) -> String {
    if age >= 85 {
        "85+".to_string()
    } else {
        let lo = age / 5 * 5;
        format!("{lo}-{}", lo + 4)
    }
}

/// An age as a cell gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Age {
    /// Completed years.
    Exact(u32),
    /// From `lo` to `hi` years inclusive; `hi: None` is an open band (`26+`).
    Band { lo: u32, hi: Option<u32> },
    /// The cell says the age is not known.
    Unknown,
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Age::Exact(a) => write!(f, "{a}"),
            Age::Band { lo, hi: Some(hi) } => write!(f, "{lo}-{hi}"),
            Age::Band { lo, hi: None } => write!(f, "{lo}+"),
            Age::Unknown => f.write_str("unknown"),
        }
    }
}

impl Age {
    /// The standard band: an exact age's band, or the one standard band a band lies in.
    /// A band across two standard bands is an error; an unknown age has no band.
    pub fn standard_band(&self) -> Result<Option<&'static str>, String> {
        match *self {
            Age::Exact(a) => Ok(Some(standard_band(a))),
            Age::Unknown => Ok(None),
            Age::Band { lo, hi } => {
                let first = band_index(lo);
                let last = hi.map_or(STANDARD_BANDS.len() - 1, band_index);
                if first == last {
                    Ok(Some(STANDARD_BANDS[first]))
                } else {
                    let joiner = if last == first + 1 { "and" } else { "to" };
                    Err(format!(
                        "age band {self} straddles the standard bands {} {joiner} {}",
                        STANDARD_BANDS[first], STANDARD_BANDS[last]
                    ))
                }
            }
        }
    }

    /// Whether the person is under 18: `None` when unknown or when the band straddles 18.
    pub fn is_minor(&self) -> Option<bool> {
        match *self {
            Age::Exact(a) => Some(a < 18),
            Age::Band { hi: Some(hi), .. } if hi <= 17 => Some(true),
            Age::Band { lo, .. } if lo >= 18 => Some(false),
            Age::Band { .. } | Age::Unknown => None,
        }
    }
}

/// What agencies write when the age is not known (compared after [`fold`]).
const UNKNOWN: [&str; 14] = [
    "inconnu",
    "inconnue",
    "non précisé",
    "non précisée",
    "non renseigné",
    "non déclaré",
    "unknown",
    "NA",
    "N/A",
    "nd",
    "n.d.",
    "null",
    "غير محدد",
    "غير معروف",
];

/// Words that carry no meaning for the value (units, "from", "between"), folded.
const FILLERS: [&str; 35] = [
    "ans",
    "an",
    "annee",
    "annees",
    "years",
    "year",
    "yrs",
    "yr",
    "y",
    "yo",
    "old",
    "age",
    "ages",
    "aged",
    "agee",
    "agees",
    "de",
    "d",
    "du",
    "des",
    "entre",
    "between",
    "from",
    "of",
    "سنه",
    "سنوات",
    "سنين",
    "عاما",
    "عام",
    "سن",
    "من",
    "بين",
    "ما",
    "العمر",
    "عمر",
];

/// Symbols an age is written with, after words are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sym {
    Num(u32),
    /// Between the two ends of a band: `-`, `à`, `to`, `et`, `إلى`.
    Dash,
    /// An open end: `+`, `et plus`, `and over`, `فما فوق`.
    Plus,
    /// `plus de`, `more than`, `>`: the next age is excluded.
    Gt,
    /// `au moins`, `at least`, `≥`.
    Ge,
    /// `moins de`, `under`, `<`.
    Lt,
    /// `≤`.
    Le,
}

/// Word phrases (folded) and their symbol, longest first so `plus de` wins over `plus`.
const PHRASES: [(&[&str], Sym); 38] = [
    (&["superieur", "ou", "egal", "a"], Sym::Ge),
    (&["et", "au", "dela"], Sym::Plus),
    (&["a", "partir", "de"], Sym::Ge),
    (&["plus", "de"], Sym::Gt),
    (&["more", "than"], Sym::Gt),
    (&["older", "than"], Sym::Gt),
    (&["superieur", "a"], Sym::Gt),
    (&["اكثر", "من"], Sym::Gt),
    (&["au", "moins"], Sym::Ge),
    (&["at", "least"], Sym::Ge),
    (&["moins", "de"], Sym::Lt),
    (&["less", "than"], Sym::Lt),
    (&["younger", "than"], Sym::Lt),
    (&["inferieur", "a"], Sym::Lt),
    (&["اقل", "من"], Sym::Lt),
    (&["et", "plus"], Sym::Plus),
    (&["ou", "plus"], Sym::Plus),
    (&["and", "over"], Sym::Plus),
    (&["and", "more"], Sym::Plus),
    (&["and", "above"], Sym::Plus),
    (&["and", "older"], Sym::Plus),
    (&["or", "more"], Sym::Plus),
    (&["or", "older"], Sym::Plus),
    (&["فما", "فوق"], Sym::Plus),
    (&["او", "اكثر"], Sym::Plus),
    (&["over"], Sym::Gt),
    (&["above"], Sym::Gt),
    (&["under"], Sym::Lt),
    (&["below"], Sym::Lt),
    (&["plus"], Sym::Plus),
    (&["فاكثر"], Sym::Plus),
    (&["واكثر"], Sym::Plus),
    (&["a"], Sym::Dash),
    (&["au"], Sym::Dash),
    (&["to"], Sym::Dash),
    (&["et"], Sym::Dash),
    (&["and"], Sym::Dash),
    (&["الي"], Sym::Dash),
];

/// A lexed piece: a symbol, or a folded word still to be read.
enum Piece {
    Sym(Sym),
    Word(String),
}

fn expected(s: &str) -> String {
    format!(
        "`{}` is not an age: expected years (15, 15 ans), a band (13-17, de 13 à 17 ans) or an open band (26+, 26 ans et plus)",
        quote(s)
    )
}

/// Cuts the text into numbers, operators and folded words.
fn lex(s: &str) -> Result<Vec<Piece>, String> {
    let t = to_ascii_digits(s.trim());
    let chars: Vec<char> = t.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_ascii_digit() {
            let start = i;
            while chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            // `15.0` (Excel): a zero fraction is dropped, any other is an error.
            if matches!(chars.get(i), Some('.' | ','))
                && chars.get(i + 1).is_some_and(char::is_ascii_digit)
            {
                let f_start = i + 1;
                i += 1;
                while chars.get(i).is_some_and(char::is_ascii_digit) {
                    i += 1;
                }
                if chars[f_start..i].iter().any(|c| *c != '0') {
                    return Err(format!("`{}` is not a whole number of years", quote(s)));
                }
            }
            let n: u32 = digits
                .parse()
                .map_err(|_| format!("`{}` is too large for an age", quote(s)))?;
            out.push(Piece::Sym(Sym::Num(n)));
            continue;
        }
        let next = chars.get(i + 1).copied();
        let sym = match c {
            '+' => Some(Sym::Plus),
            '-' | '–' | '—' | '‐' | '‑' | '−' | '_' => Some(Sym::Dash),
            '<' if next == Some('=') => {
                i += 1;
                Some(Sym::Le)
            }
            '>' if next == Some('=') => {
                i += 1;
                Some(Sym::Ge)
            }
            '<' => Some(Sym::Lt),
            '>' => Some(Sym::Gt),
            '≤' => Some(Sym::Le),
            '≥' => Some(Sym::Ge),
            _ => None,
        };
        if let Some(sym) = sym {
            out.push(Piece::Sym(sym));
            i += 1;
            continue;
        }
        if c.is_alphabetic() {
            let start = i;
            while chars.get(i).is_some_and(|c| {
                c.is_alphabetic()
                    || unicode_normalization::char::is_combining_mark(*c)
                    || *c == '\u{0640}'
            }) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let folded = fold(&word);
            if !folded.is_empty() {
                out.push(Piece::Word(folded));
            }
            continue;
        }
        if c.is_whitespace() || matches!(c, '(' | ')' | '.' | ',' | ':' | ';' | '\'' | '’') {
            i += 1;
            continue;
        }
        return Err(expected(s));
    }
    Ok(out)
}

/// Words read as symbols; fillers dropped; any other word is an error.
fn read_words(pieces: Vec<Piece>, s: &str) -> Result<Vec<Sym>, String> {
    let mut syms = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        match &pieces[i] {
            Piece::Sym(sym) => {
                syms.push(*sym);
                i += 1;
            }
            Piece::Word(_) => {
                let words_at = |j: usize| match pieces.get(j) {
                    Some(Piece::Word(w)) => Some(w.as_str()),
                    _ => None,
                };
                let phrase = PHRASES.iter().find(|(words, _)| {
                    words
                        .iter()
                        .enumerate()
                        .all(|(k, w)| words_at(i + k) == Some(*w))
                });
                if let Some((words, sym)) = phrase {
                    syms.push(*sym);
                    i += words.len();
                } else if words_at(i).is_some_and(|w| FILLERS.contains(&w)) {
                    i += 1;
                } else {
                    return Err(expected(s));
                }
            }
        }
    }
    Ok(syms)
}

fn check_max(n: u32) -> Result<u32, String> {
    if n > MAX_AGE {
        Err(format!("age {n} is above {MAX_AGE}"))
    } else {
        Ok(n)
    }
}

/// An exact age, a band or an unknown marker: `15`, `15 ans`, `15.0`, `١٥ سنة`, `13-17`,
/// `13–17`, `13 - 17 ans`, `13 à 17 ans`, `de 13 à 17 ans`, `13_17`, `26+`, `26 et plus`,
/// `26 ans et plus`, `plus de 25` (26+), `+26`, `moins de 5` (0-4); `inconnu`, `غير معروف`,
/// empty → [`Age::Unknown`]. Ages above 120 are an error.
pub fn parse_age(s: &str) -> Result<Age, String> {
    let folded = fold(s);
    if folded.is_empty() || UNKNOWN.iter().any(|u| fold(u) == folded) {
        return Ok(Age::Unknown);
    }
    let syms = read_words(lex(s)?, s)?;
    let age = match syms.as_slice() {
        [Sym::Num(a)] => Age::Exact(check_max(*a)?),
        [Sym::Num(lo), Sym::Dash, Sym::Num(hi)] => {
            let (lo, hi) = (check_max(*lo)?, check_max(*hi)?);
            if lo > hi {
                return Err(format!("age band {lo}-{hi} runs backwards"));
            }
            Age::Band { lo, hi: Some(hi) }
        }
        [Sym::Num(lo), Sym::Plus] | [Sym::Plus, Sym::Num(lo)] | [Sym::Ge, Sym::Num(lo)] => {
            Age::Band {
                lo: check_max(*lo)?,
                hi: None,
            }
        }
        [Sym::Gt, Sym::Num(a)] => Age::Band {
            lo: check_max(a.saturating_add(1))?,
            hi: None,
        },
        [Sym::Lt, Sym::Num(a)] => match a.checked_sub(1) {
            Some(hi) => Age::Band {
                lo: 0,
                hi: Some(check_max(hi)?),
            },
            None => return Err(format!("`{}` is no possible age", quote(s))),
        },
        [Sym::Le, Sym::Num(a)] => Age::Band {
            lo: 0,
            hi: Some(check_max(*a)?),
        },
        _ => return Err(expected(s)),
    };
    Ok(age)
}

/// An age group of a population table as `(lo, hi)` with `hi: None` for the open last group:
/// `0-4`, `0 - 4 ans`, `85+`, `85 et plus`; a single year `15` gives `(15, Some(15))`.
/// `Total` and unknown ages are errors: they are not groups.
pub fn parse_age_group(s: &str) -> Result<(u32, Option<u32>), String> {
    if super::labels::is_total(s) {
        return Err(format!("`{}` is a total row, not an age group", quote(s)));
    }
    match parse_age(s)? {
        Age::Exact(a) => Ok((a, Some(a))),
        Age::Band { lo, hi } => Ok((lo, hi)),
        Age::Unknown => Err(format!("`{}` is not an age group", quote(s))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(lo: u32, hi: u32) -> Age {
        Age::Band { lo, hi: Some(hi) }
    }
    fn open(lo: u32) -> Age {
        Age::Band { lo, hi: None }
    }

    #[test]
    fn standard_and_five_year_bands() {
        let expected = [
            (0, "0-4"),
            (4, "0-4"),
            (5, "5-12"),
            (12, "5-12"),
            (13, "13-17"),
            (17, "13-17"),
            (18, "18-25"),
            (25, "18-25"),
            (26, "26+"),
            (99, "26+"),
        ];
        for (age, b) in expected {
            assert_eq!(standard_band(age), b, "{age}");
        }
        assert_eq!(five_year_band(0), "0-4");
        assert_eq!(five_year_band(4), "0-4");
        assert_eq!(five_year_band(5), "5-9");
        assert_eq!(five_year_band(17), "15-19");
        assert_eq!(five_year_band(84), "80-84");
        assert_eq!(five_year_band(85), "85+");
        assert_eq!(five_year_band(120), "85+");
    }

    #[test]
    fn exact_ages() {
        assert_eq!(parse_age("15"), Ok(Age::Exact(15)));
        assert_eq!(parse_age(" 15 "), Ok(Age::Exact(15)));
        assert_eq!(parse_age("15 ans"), Ok(Age::Exact(15)));
        assert_eq!(parse_age("15 Ans"), Ok(Age::Exact(15)));
        assert_eq!(parse_age("15.0"), Ok(Age::Exact(15)));
        assert_eq!(parse_age("15 years old"), Ok(Age::Exact(15)));
        assert_eq!(parse_age("١٥"), Ok(Age::Exact(15)));
        assert_eq!(parse_age("١٥ سنة"), Ok(Age::Exact(15)));
        assert!(
            parse_age("۱۵ سال").is_err(),
            "Persian unit word is not Arabic"
        );
        assert_eq!(parse_age("0"), Ok(Age::Exact(0)));
        assert_eq!(parse_age("120"), Ok(Age::Exact(120)));
    }

    #[test]
    fn bands() {
        for s in [
            "13-17",
            "13–17",
            "13—17",
            "13 - 17 ans",
            "13 à 17 ans",
            "de 13 à 17 ans",
            "13_17",
            "13 a 17",
            "13 to 17",
            "entre 13 et 17 ans",
            "13-17 ans",
            "من 13 إلى 17 سنة",
            "(13-17)",
        ] {
            assert_eq!(parse_age(s), Ok(band(13, 17)), "{s}");
        }
        assert_eq!(parse_age("0-4"), Ok(band(0, 4)));
        assert_eq!(parse_age("15-15"), Ok(band(15, 15)));
    }

    #[test]
    fn open_and_bounded_bands() {
        for s in [
            "26+",
            "26 +",
            "26 et plus",
            "26 ans et plus",
            "plus de 25",
            "plus de 25 ans",
            "+26",
            "26 and over",
            "more than 25",
            "> 25",
            ">=26",
            "26 ans ou plus",
            "26 فما فوق",
            "أكثر من 25 سنة",
            "à partir de 26 ans",
        ] {
            assert_eq!(parse_age(s), Ok(open(26)), "{s}");
        }
        assert_eq!(parse_age("moins de 5 ans"), Ok(band(0, 4)));
        assert_eq!(parse_age("under 5"), Ok(band(0, 4)));
        assert_eq!(parse_age("<5"), Ok(band(0, 4)));
        assert_eq!(parse_age("<=4"), Ok(band(0, 4)));
    }

    #[test]
    fn unknown_markers() {
        for s in [
            "",
            "  ",
            "-",
            "inconnu",
            "Inconnue",
            "non précisé",
            "unknown",
            "NA",
            "N/A",
            "nd",
            "غير معروف",
            "غير محدد",
        ] {
            assert_eq!(parse_age(s), Ok(Age::Unknown), "{s:?}");
        }
    }

    #[test]
    fn ages_rejected() {
        for s in [
            "121",
            "200 ans",
            "13-121",
            "17-13",
            "15.5",
            "15,5",
            "abc",
            "quinze",
            "13-17-19",
            "13 17",
            "moins de 0",
            "15 mois",
            "15 €",
            "99999999999",
            "plus",
            "et",
            "-5",
        ] {
            assert!(parse_age(s).is_err(), "{s:?} should be refused");
        }
        assert_eq!(parse_age("121"), Err("age 121 is above 120".to_string()));
        assert!(parse_age("17-13").unwrap_err().contains("backwards"));
        assert!(parse_age("15.5").unwrap_err().contains("whole number"));
        assert!(parse_age("abc").unwrap_err().contains("not an age"));
    }

    #[test]
    fn age_to_standard_band() {
        assert_eq!(Age::Exact(15).standard_band(), Ok(Some("13-17")));
        assert_eq!(Age::Exact(30).standard_band(), Ok(Some("26+")));
        assert_eq!(band(13, 17).standard_band(), Ok(Some("13-17")));
        assert_eq!(band(14, 16).standard_band(), Ok(Some("13-17")));
        assert_eq!(band(0, 4).standard_band(), Ok(Some("0-4")));
        assert_eq!(open(26).standard_band(), Ok(Some("26+")));
        assert_eq!(open(40).standard_band(), Ok(Some("26+")));
        assert_eq!(Age::Unknown.standard_band(), Ok(None));
        assert_eq!(
            band(16, 20).standard_band(),
            Err("age band 16-20 straddles the standard bands 13-17 and 18-25".to_string())
        );
        assert_eq!(
            open(18).standard_band(),
            Err("age band 18+ straddles the standard bands 18-25 and 26+".to_string())
        );
        assert_eq!(
            band(0, 17).standard_band(),
            Err("age band 0-17 straddles the standard bands 0-4 to 13-17".to_string())
        );
    }

    #[test]
    fn minors() {
        assert_eq!(Age::Exact(17).is_minor(), Some(true));
        assert_eq!(Age::Exact(18).is_minor(), Some(false));
        assert_eq!(band(0, 17).is_minor(), Some(true));
        assert_eq!(band(13, 17).is_minor(), Some(true));
        assert_eq!(band(18, 25).is_minor(), Some(false));
        assert_eq!(open(26).is_minor(), Some(false));
        assert_eq!(open(18).is_minor(), Some(false));
        assert_eq!(band(16, 20).is_minor(), None);
        assert_eq!(open(15).is_minor(), None);
        assert_eq!(Age::Unknown.is_minor(), None);
    }

    #[test]
    fn display() {
        assert_eq!(Age::Exact(7).to_string(), "7");
        assert_eq!(band(13, 17).to_string(), "13-17");
        assert_eq!(open(26).to_string(), "26+");
    }

    #[test]
    fn population_age_groups() {
        assert_eq!(parse_age_group("0-4"), Ok((0, Some(4))));
        assert_eq!(parse_age_group("0 - 4 ans"), Ok((0, Some(4))));
        assert_eq!(parse_age_group("85+"), Ok((85, None)));
        assert_eq!(parse_age_group("85 et plus"), Ok((85, None)));
        assert_eq!(parse_age_group("15"), Ok((15, Some(15))));
        for s in ["Total", "TOTAL", "Ensemble", "المجموع"] {
            assert!(parse_age_group(s).unwrap_err().contains("total row"), "{s}");
        }
        assert!(parse_age_group("").is_err());
        assert!(parse_age_group("inconnu").is_err());
        assert!(parse_age_group("abc").is_err());
    }
}
