//! The survey's columns: staging names for its headers, and the type of each CSV column inferred
//! from its values (whole numbers, numbers, text; missing-value markers as nulls).

use super::*;

/// A header as a staging column name: folded, runs of non-alphanumerics → `_`.
pub fn column_name(header: &str) -> String {
    fold(header).replace(' ', "_")
}

/// Staging names for every header: normalised, never empty, unique, clear of lineage names.
pub(super) fn column_names(headers: &[String]) -> Vec<String> {
    let mut taken: HashSet<String> = schema::lineage_fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mut base = column_name(h);
            if base.is_empty() {
                base = format!("column_{}", i + 1);
            } else if base.starts_with(|c: char| c.is_ascii_digit()) {
                base = format!("v{base}");
            }
            let mut name = base.clone();
            let mut n = 2;
            while taken.contains(&name) {
                name = format!("{base}_{n}");
                n += 1;
            }
            taken.insert(name.clone());
            name
        })
        .collect()
}

/// Missing-value markers of microdata (compared case-insensitively after trimming).
pub(super) const MISSING: [&str; 5] = ["na", "n/a", "nan", "null", "."];

pub(super) fn is_missing(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || MISSING.iter().any(|m| t.eq_ignore_ascii_case(m))
}

/// A whole number: optional sign and 1 to 18 digits (Arabic-Indic digits read as ASCII).
pub(super) fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let owned;
    let t = if t.is_ascii() {
        t
    } else {
        owned = numbers::to_ascii_digits(t);
        owned.as_str()
    };
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.strip_prefix('+').unwrap_or(t).parse().ok()
}

/// A whole number written with a leading zero (`007`, `-01`): a code, kept as text.
pub(super) fn has_leading_zero(s: &str) -> bool {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    digits.len() > 1 && digits.starts_with('0')
}

pub(super) fn parse_number(s: &str) -> std::result::Result<f64, String> {
    match parse_int(s) {
        Some(i) => Ok(i as f64),
        None => numbers::parse_decimal(s),
    }
}

/// What the values of a column seen so far allow.
#[derive(Debug, Clone, Copy)]
pub(super) struct Infer {
    pub(super) int: bool,
    pub(super) float: bool,
    pub(super) seen: bool,
}

impl Default for Infer {
    fn default() -> Self {
        Infer {
            int: true,
            float: true,
            seen: false,
        }
    }
}

impl Infer {
    pub(super) fn observe(&mut self, v: &str) {
        if is_missing(v) || !self.float {
            return;
        }
        self.seen = true;
        if parse_int(v).is_some() {
            if has_leading_zero(v) {
                self.int = false;
                self.float = false;
            }
            return;
        }
        self.int = false;
        if numbers::parse_decimal(v).is_err() {
            self.float = false;
        }
    }
    pub(super) fn data_type(self) -> DataType {
        match (self.seen, self.int, self.float) {
            (true, true, _) => DataType::Int64,
            (true, false, true) => DataType::Float64,
            _ => DataType::Utf8,
        }
    }
}

/// One cell for the design checks, whatever the format.
pub(super) enum Raw<'a> {
    Text(&'a str),
    Val(&'a Value),
}

impl Raw<'_> {
    pub(super) fn missing(&self) -> bool {
        match self {
            Raw::Text(s) => is_missing(s),
            Raw::Val(v) => matches!(v, Value::Null) || matches!(v, Value::Str(s) if is_missing(s)),
        }
    }
    pub(super) fn number(&self) -> std::result::Result<f64, String> {
        match self {
            Raw::Text(s) => parse_number(s),
            Raw::Val(Value::Int(i)) => Ok(*i as f64),
            Raw::Val(Value::Float(x)) if x.is_finite() => Ok(*x),
            Raw::Val(Value::Str(s)) => parse_number(s),
            Raw::Val(v) => Err(format!("{} is not a number", display(v))),
        }
    }
    pub(super) fn text(&self) -> String {
        match self {
            Raw::Text(s) => s.trim().to_string(),
            Raw::Val(v) => display(v),
        }
    }
}

pub(super) fn display(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => x.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Date(d) => d.to_string(),
        Value::Timestamp(t) => chrono::DateTime::from_timestamp_micros(*t)
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| t.to_string()),
    }
}
