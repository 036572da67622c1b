//! Reading one cell of a referral: the fast path for NCMEC's own spellings (ISO and dd/mm/yyyy
//! dates by bytes, exact labels, plain digits), the shared rules of [`crate::normalise`] for the
//! rest, remembered per chunk.

use super::*;

/// `rule(s)`, remembered for each distinct `s` (up to [`MEMO_CAP`] of them).
pub(super) fn memo<T: Clone>(
    cache: &mut FxHashMap<String, Result<T, String>>,
    s: &str,
    rule: impl Fn(&str) -> Result<T, String>,
) -> Result<T, String> {
    if let Some(r) = cache.get(s) {
        return r.clone();
    }
    let r = rule(s);
    if cache.len() < MEMO_CAP {
        cache.insert(s.to_string(), r.clone());
    }
    r
}

/// NCMEC's labels and the codes as written, compared byte for byte (the common case).
pub(super) fn incident_exact(s: &str) -> Option<&'static str> {
    INCIDENT_TYPES
        .iter()
        .find_map(|(code, labels)| (*code == s || labels.contains(&s)).then_some(*code))
}

/// An incident type in any accepted spelling → its staging code.
pub fn parse_incident_type(s: &str) -> Result<&'static str, String> {
    if s.trim().is_empty() {
        return Err("the incident type is blank".into());
    }
    if let Some(code) = incident_exact(s.trim()) {
        return Ok(code);
    }
    let f = fold(s);
    INCIDENT_TYPES
        .iter()
        .find_map(|(code, labels)| {
            (fold(code) == f || labels.iter().any(|l| fold(l) == f)).then_some(*code)
        })
        .ok_or_else(|| {
            format!(
                "unknown incident type (NCMEC's eight types are accepted: {})",
                INCIDENT_TYPES
                    .iter()
                    .map(|(_, labels)| labels[0])
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })
}

/// `YYYY-MM-DD` (optionally followed by a time: `T…` or ` …`) or `DD/MM/YYYY`, by bytes.
/// Anything else (or an impossible date) is left to the shared date rules.
pub(super) fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    fn digits(b: &[u8]) -> Option<u32> {
        let mut n = 0u32;
        for &c in b {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Some(n)
    }
    if b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && (b.len() == 10 || matches!(b[10], b'T' | b' '))
    {
        if b.len() > 10 {
            // A timestamp: the shared rules check the time part.
            return None;
        }
        let y = digits(&b[0..4])?;
        let m = digits(&b[5..7])?;
        let d = digits(&b[8..10])?;
        return NaiveDate::from_ymd_opt(y as i32, m, d);
    }
    if b.len() == 10 && b[2] == b'/' && b[5] == b'/' {
        let d = digits(&b[0..2])?;
        let m = digits(&b[3..5])?;
        let y = digits(&b[6..10])?;
        return NaiveDate::from_ymd_opt(y as i32, m, d);
    }
    None
}

/// Dates the fast path does not read (timestamps: the date part as written; Excel serials;
/// `d/m/yyyy`…): the shared date rules.
pub(super) fn parse_date_slow(s: &str) -> Result<NaiveDate, String> {
    if s.is_empty() {
        return Err("the received date is blank".into());
    }
    dates::parse_date(s)
}

/// File count: blank → null; plain digits fast; otherwise the shared count rules.
pub(super) fn parse_file_count(s: &str) -> Result<Option<i64>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    let b = s.as_bytes();
    if b.len() <= 18 && b.iter().all(u8::is_ascii_digit) {
        return Ok(Some(
            b.iter().fold(0i64, |n, &c| n * 10 + i64::from(c - b'0')),
        ));
    }
    if numbers::is_blank(s) {
        return Ok(None);
    }
    let n = numbers::parse_count(s)?;
    if n < 0 {
        return Err("a file count cannot be negative".into());
    }
    Ok(Some(n))
}

/// `Actionable` → true, `Informational` → false (also the shared yes/no words); blank → null.
pub(super) fn parse_actionable(s: &str) -> Result<Option<bool>, String> {
    match s {
        "Actionable" => return Ok(Some(true)),
        "Informational" => return Ok(Some(false)),
        "" => return Ok(None),
        _ => {}
    }
    match fold(s).as_str() {
        "actionable" | "exploitable" => Ok(Some(true)),
        "informational" | "info" | "informatif" => Ok(Some(false)),
        _ => labels::parse_yes_no(s)
            .map_err(|_| "expected Actionable or Informational (or yes/no)".to_string()),
    }
}

/// The sextortion annotation: the shared yes/no words; blank → null (not annotated is not
/// "no").
pub(super) fn parse_flag(s: &str) -> Result<Option<bool>, String> {
    match s {
        "Yes" => Ok(Some(true)),
        "No" => Ok(Some(false)),
        _ => labels::parse_yes_no(s),
    }
}
