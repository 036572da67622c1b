//! Numbers as agencies publish them: counts with thousands separators, decimals with a comma or
//! a point, percentages, Arabic-Indic digits, and the markers that mean "no value".
//!
//! This file owns three rules, said once for every feed:
//! - a **count** is a non-negative whole number; thousands separators (`,` `.` `'`, space, NBSP,
//!   narrow NBSP, Arabic `٬`) are accepted only when they group by three digits, and a trailing
//!   `.0` left by Excel is dropped; anything with a real fraction is refused, never rounded;
//! - a **decimal** takes a decimal comma or point; when both appear the last one is the decimal
//!   mark, when one appears once it is the decimal mark, when one appears several times it groups
//!   thousands. A trailing `%` is dropped and the value kept as written (`49,3 %` → 49.3);
//! - a **blank** is an empty cell or one of the markers agencies write for "no data".
//!
//! Arabic-Indic (`٠`–`٩`) and Eastern Arabic-Indic (`۰`–`۹`) digits are read as ASCII digits
//! everywhere, through [`to_ascii_digits`], which the other normalisers share.

/// Thousands separators that are spaces of some kind (they may be mixed within one number).
const SPACE_SEPARATORS: [char; 4] = [' ', '\u{00A0}', '\u{202F}', '\u{2009}'];
/// Arabic decimal separator `٫`.
const ARABIC_DECIMAL: char = '\u{066B}';
/// Arabic thousands separator `٬`.
const ARABIC_THOUSANDS: char = '\u{066C}';

/// Longest excerpt of a refused value quoted in a reason.
const QUOTE_CHARS: usize = 60;

/// The value as quoted in a reason: trimmed, and cut if very long.
pub(crate) fn quote(s: &str) -> String {
    let t = s.trim();
    if t.chars().count() > QUOTE_CHARS {
        let cut: String = t.chars().take(QUOTE_CHARS).collect();
        format!("{cut}…")
    } else {
        t.to_string()
    }
}

/// Arabic-Indic and Eastern Arabic-Indic digits replaced by ASCII digits; nothing else changes.
pub(crate) fn to_ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            _ => c,
        })
        .collect()
}

/// Separator classes inside a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Comma,
    Point,
    Apostrophe,
    Space,
    ArabicThousands,
    ArabicDecimal,
}

fn sep_of(c: char) -> Option<Sep> {
    match c {
        ',' => Some(Sep::Comma),
        '.' => Some(Sep::Point),
        '\'' | '\u{2019}' => Some(Sep::Apostrophe),
        ARABIC_THOUSANDS => Some(Sep::ArabicThousands),
        ARABIC_DECIMAL => Some(Sep::ArabicDecimal),
        c if SPACE_SEPARATORS.contains(&c) => Some(Sep::Space),
        _ => None,
    }
}

/// A number cut into digit runs and the separators between them.
struct Pieces {
    groups: Vec<String>,
    seps: Vec<Sep>,
}

/// Splits ASCII-digit text into digit runs and separators; `None` if any other character
/// appears, or two separators touch, or a separator starts or ends the text.
fn pieces(s: &str) -> Option<Pieces> {
    let mut groups = vec![String::new()];
    let mut seps = Vec::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            if let Some(g) = groups.last_mut() {
                g.push(c);
            }
        } else if let Some(sep) = sep_of(c) {
            if groups.last().is_none_or(|g| g.is_empty()) {
                return None;
            }
            seps.push(sep);
            groups.push(String::new());
        } else {
            return None;
        }
    }
    if groups.last().is_none_or(|g| g.is_empty()) {
        return None;
    }
    Some(Pieces { groups, seps })
}

/// True when `groups` (the integer part of a number) is grouped by three: a first group of one
/// to three digits, then groups of exactly three. A single group is always fine.
fn grouped_by_three(groups: &[String]) -> bool {
    match groups.split_first() {
        None => false,
        Some((_, [])) => true,
        Some((first, rest)) => (1..=3).contains(&first.len()) && rest.iter().all(|g| g.len() == 3),
    }
}

/// True when all the separators are of one thousands kind (spaces of any width count as one).
fn one_grouping_kind(seps: &[Sep]) -> bool {
    match seps.first() {
        None => true,
        Some(first) => *first != Sep::ArabicDecimal && seps.iter().all(|s| s == first),
    }
}

const COUNT_EXPECTED: &str =
    "expected a whole number such as 1234 or 1 234 (thousands grouped by three)";

/// A non-negative whole count: `1234`, `1 234`, `1,234,567`, `1.234.567`, `1'234`, `12.0`,
/// `١٢٣`. Empty text is an error (callers turn blanks into nulls before calling).
pub fn parse_count(s: &str) -> Result<i64, String> {
    let t = to_ascii_digits(s.trim());
    if t.is_empty() {
        return Err("empty count".to_string());
    }
    if let Some(rest) = t.strip_prefix(['-', '\u{2212}']) {
        if parse_decimal(rest).is_ok() {
            return Err(format!("`{}` is negative; a count cannot be", quote(s)));
        }
    }
    let bad = || format!("`{}` is not a count: {COUNT_EXPECTED}", quote(s));
    let p = pieces(&t).ok_or_else(bad)?;
    let (mut groups, mut seps) = (p.groups, p.seps);
    // A trailing fraction: `12.0` (Excel), `12,00`, `12٫0` — a last group that is not three
    // digits long after a decimal-capable separator, or any group after `٫`.
    if let (Some(last_sep), Some(last)) = (seps.last().copied(), groups.last()) {
        let decimal_capable = matches!(last_sep, Sep::Comma | Sep::Point | Sep::ArabicDecimal);
        if decimal_capable && (last.len() != 3 || last_sep == Sep::ArabicDecimal) {
            if last.bytes().all(|b| b == b'0') {
                groups.pop();
                seps.pop();
            } else {
                return Err(format!(
                    "`{}` is not a whole number; a count cannot have a fraction",
                    quote(s)
                ));
            }
        }
    }
    if !one_grouping_kind(&seps) || !grouped_by_three(&groups) {
        return Err(bad());
    }
    let digits: String = groups.concat();
    digits
        .parse::<i64>()
        .map_err(|_| format!("`{}` is too large for a count", quote(s)))
}

const DECIMAL_EXPECTED: &str =
    "expected a number such as 12,5 or 1 234.56, optionally followed by %";

/// A decimal number: `12,5`, `12.5`, `1 234,56`, `1,234.56`, `1.234,56`, `-3,2`, `49,3 %`,
/// `١٢٫٥`, `1.5E-3`. A trailing `%` is dropped and the value kept as written.
pub fn parse_decimal(s: &str) -> Result<f64, String> {
    let bad = || format!("`{}` is not a number: {DECIMAL_EXPECTED}", quote(s));
    let mut t = to_ascii_digits(s.trim());
    if let Some(rest) = t.strip_suffix(['%', '\u{066A}']) {
        t = rest.trim_end().to_string();
    }
    if t.is_empty() {
        return Err("empty number".to_string());
    }
    let (negative, body) = match t.strip_prefix(['-', '\u{2212}']) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t.strip_prefix('+').unwrap_or(&t).trim_start()),
    };
    // Scientific notation as spreadsheets export tiny or huge values: plain ASCII only.
    if body.contains(['e', 'E']) {
        let ok = body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
        let v: f64 = if ok {
            body.parse().map_err(|_| bad())?
        } else {
            return Err(bad());
        };
        return finite(if negative { -v } else { v }, s);
    }
    // `.5` and `,5`: no integer digits.
    let body_owned;
    let body = if body.starts_with(['.', ',', ARABIC_DECIMAL]) {
        body_owned = format!("0{body}");
        body_owned.as_str()
    } else {
        body
    };
    let p = pieces(body).ok_or_else(bad)?;
    let (groups, seps) = (p.groups, p.seps);
    let decimal_at = decimal_position(&seps).ok_or_else(bad)?;
    let (int_groups, int_seps, fraction) = match decimal_at {
        Some(i) => (&groups[..=i], &seps[..i], groups[i + 1..].concat()),
        None => (&groups[..], &seps[..], String::new()),
    };
    if decimal_at.is_some() && groups.len() != int_groups.len() + 1 {
        return Err(bad());
    }
    if !one_grouping_kind(int_seps) || !grouped_by_three(int_groups) {
        return Err(bad());
    }
    let mut ascii = String::with_capacity(body.len() + 1);
    ascii.push_str(&int_groups.concat());
    if !fraction.is_empty() {
        ascii.push('.');
        ascii.push_str(&fraction);
    }
    let v: f64 = ascii.parse().map_err(|_| bad())?;
    finite(if negative { -v } else { v }, s)
}

/// Where the decimal mark is among the separators: `Ok(None)` if there is none, `None` (outer)
/// if the separators cannot be read consistently.
fn decimal_position(seps: &[Sep]) -> Option<Option<usize>> {
    if let Some(i) = seps.iter().position(|s| *s == Sep::ArabicDecimal) {
        // `٫` is the decimal mark and must be the last separator.
        return (i + 1 == seps.len()).then_some(Some(i));
    }
    let last = match seps.last() {
        None => return Some(None),
        Some(last) => *last,
    };
    if !matches!(last, Sep::Comma | Sep::Point) {
        return Some(None);
    }
    let same = seps.iter().filter(|s| **s == last).count();
    let other_mark = seps
        .iter()
        .any(|s| matches!(s, Sep::Comma | Sep::Point) && *s != last);
    if same == 1 {
        // Used once: the decimal mark (`12,5`, `1 234,56`, `1,234.56`).
        Some(Some(seps.len() - 1))
    } else if other_mark {
        // `1.234.567,8` has the last mark once; here the last kind repeats after another kind.
        None
    } else {
        // `1,234,567` or `1.234.567`: thousands only.
        Some(None)
    }
}

fn finite(v: f64, s: &str) -> Result<f64, String> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("`{}` is out of range for a number", quote(s)))
    }
}

/// Markers agencies write for "no value", compared case-insensitively after trimming.
const BLANK_MARKERS: [&str; 11] = [
    "-", "—", "–", "na", "n/a", "n.d.", "n.d", "nd", "n/d", "null", "none",
];

/// True for an empty or whitespace cell and for the "no data" markers: `-`, `—`, `NA`, `N/A`,
/// `n.d.`, `nd`, `null` (any case).
pub fn is_blank(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || BLANK_MARKERS.contains(&t.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_plain_and_arabic_digits() {
        assert_eq!(parse_count("0"), Ok(0));
        assert_eq!(parse_count("42"), Ok(42));
        assert_eq!(parse_count("  42 "), Ok(42));
        assert_eq!(parse_count("007"), Ok(7));
        assert_eq!(parse_count("١٢٣"), Ok(123));
        assert_eq!(parse_count("۱۲۳۴"), Ok(1234));
        assert_eq!(parse_count("١٬٢٣٤"), Ok(1234));
    }

    #[test]
    fn counts_with_thousands_separators() {
        assert_eq!(parse_count("1,234,567"), Ok(1_234_567));
        assert_eq!(parse_count("1 234 567"), Ok(1_234_567));
        assert_eq!(parse_count("1.234.567"), Ok(1_234_567));
        assert_eq!(parse_count("1'234'567"), Ok(1_234_567));
        assert_eq!(parse_count("1\u{00A0}234"), Ok(1234));
        assert_eq!(parse_count("12\u{202F}345"), Ok(12_345));
        assert_eq!(parse_count("1.234"), Ok(1234));
        assert_eq!(parse_count("123,456"), Ok(123_456));
    }

    #[test]
    fn counts_with_excel_trailing_zero() {
        assert_eq!(parse_count("12.0"), Ok(12));
        assert_eq!(parse_count("12,0"), Ok(12));
        assert_eq!(parse_count("12.00"), Ok(12));
        assert_eq!(parse_count("1,234.0"), Ok(1234));
        assert_eq!(parse_count("1 234,0"), Ok(1234));
        assert_eq!(parse_count("١٢٫٠"), Ok(12));
    }

    #[test]
    fn counts_rejected() {
        for bad in [
            "",
            "   ",
            "12.5",
            "1,23",
            "1,234.5",
            "-3",
            "−3",
            "abc",
            "12a",
            "1,2,3",
            "1234,567",
            "12 34",
            "1,234 567",
            ".5",
            "12.",
            ",12",
            "1..2",
            "+",
            "99999999999999999999",
        ] {
            assert!(parse_count(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(parse_count(""), Err("empty count".to_string()));
        assert!(parse_count("-3").unwrap_err().contains("negative"));
        assert!(parse_count("12.5").unwrap_err().contains("fraction"));
        assert!(parse_count("99999999999999999999")
            .unwrap_err()
            .contains("too large"));
    }

    #[test]
    fn decimals_with_comma_or_point() {
        assert_eq!(parse_decimal("12,5"), Ok(12.5));
        assert_eq!(parse_decimal("12.5"), Ok(12.5));
        assert_eq!(parse_decimal("12"), Ok(12.0));
        assert_eq!(parse_decimal("1 234,56"), Ok(1234.56));
        assert_eq!(parse_decimal("1\u{00A0}234,56"), Ok(1234.56));
        assert_eq!(parse_decimal("1,234.56"), Ok(1234.56));
        assert_eq!(parse_decimal("1.234,56"), Ok(1234.56));
        assert_eq!(parse_decimal("1.234.567,5"), Ok(1_234_567.5));
        assert_eq!(parse_decimal("1,234,567"), Ok(1_234_567.0));
        assert_eq!(parse_decimal("0,5"), Ok(0.5));
        assert_eq!(parse_decimal(",5"), Ok(0.5));
        assert_eq!(parse_decimal("1.5E-3"), Ok(0.0015));
    }

    #[test]
    fn decimals_signs_percent_and_arabic() {
        assert_eq!(parse_decimal("-3,2"), Ok(-3.2));
        assert_eq!(parse_decimal("−3.2"), Ok(-3.2));
        assert_eq!(parse_decimal("+3.2"), Ok(3.2));
        assert_eq!(parse_decimal("49,3 %"), Ok(49.3));
        assert_eq!(parse_decimal("49.3%"), Ok(49.3));
        assert_eq!(parse_decimal("٤٩٫٣"), Ok(49.3));
        assert_eq!(parse_decimal("١٬٢٣٤٫٥"), Ok(1234.5));
        assert_eq!(parse_decimal("٤٩٫٣٪"), Ok(49.3));
    }

    #[test]
    fn decimals_rejected() {
        for bad in [
            "",
            "%",
            "-",
            "abc",
            "12,5,3.1",
            "1.234,5.6",
            "12..5",
            "12.",
            "1 23,5",
            "12,5a",
            "1e",
            "١٫٢٫٣",
            "1٫2,3",
            "e5x",
        ] {
            assert!(parse_decimal(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse_decimal("abc").unwrap_err().contains("not a number"));
    }

    #[test]
    fn blanks() {
        for b in [
            "", "   ", "-", "—", "NA", "na", "N/A", "n/a", "n.d.", "N.D.", "nd", "ND", "null",
            "NULL",
        ] {
            assert!(is_blank(b), "{b:?} is blank");
        }
        for v in ["0", "12", "nda", "none of", "x"] {
            assert!(!is_blank(v), "{v:?} is not blank");
        }
    }

    #[test]
    fn quoting_cuts_long_values() {
        let long = "x".repeat(200);
        assert!(quote(&long).chars().count() <= QUOTE_CHARS + 1);
        assert_eq!(quote("  a "), "a");
    }
}
