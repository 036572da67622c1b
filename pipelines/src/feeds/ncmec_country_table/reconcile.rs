//! Staging the rows of `ncmec-country-table` and the rules over each year's table: the
//! country rows plus the no-country row reconcile with the total row, a missing total, a country
//! listed twice, a table without Morocco (findings; the figures are staged as published).

use super::*;
use crate::format::thousands;

/// What the rules need to know about one year's table.
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// Sum of the readable counts of the country rows and the no-country rows.
    pub(super) components: i128,
    pub(super) country_rows: usize,
    pub(super) no_country_rows: Vec<String>,
    /// Country rows kept in quarantine for their name whose count was readable (they are part of
    /// the published table, so their count is in `components`).
    pub(super) unmapped_rows: usize,
    /// Positions of country or no-country rows whose count could not be read.
    pub(super) unreadable: Vec<String>,
    /// Total rows: position and count (`None` if unreadable).
    pub(super) totals: Vec<(String, Option<i64>)>,
    /// First row of each country: position and name as published.
    pub(super) seen: BTreeMap<&'static str, (String, String)>,
    /// (code, first position, first name, position, name) of repeated countries.
    pub(super) duplicates: Vec<(&'static str, String, String, String, String)>,
    pub(super) morocco: bool,
}

pub(super) fn stage(
    out: &mut Emitter<'_>,
    spec: &TableSpec,
    row: &RawRow,
    file_year: Option<i64>,
    tallies: &mut BTreeMap<i64, Tally>,
) -> Result<()> {
    let at = &row.position;
    let mut rejects = Vec::new();

    let year = match row.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(cell) => match parse_year_cell(cell) {
            Ok(y) => Some(y),
            Err(reason) => {
                rejects.push(rejected(at, "year", Some(cell), reason));
                None
            }
        },
        None => {
            if file_year.is_none() {
                rejects.push(rejected(
                    at,
                    "year",
                    None,
                    "empty year, and neither the title nor the file name names one",
                ));
            }
            file_year
        }
    };

    let kind = match classify(&row.name) {
        Ok(kind) => Some(kind),
        Err(reason) => {
            rejects.push(rejected(at, "country_name", Some(&row.name), reason));
            None
        }
    };

    let count = if is_blank(&row.count) {
        let reason = if row.count.trim().is_empty() {
            "no count given".to_string()
        } else {
            format!("no count given (`{}`)", row.count.trim())
        };
        Err(reason)
    } else {
        parse_count(&row.count)
    };
    let count = match count {
        Ok(n) => Some(n),
        Err(reason) => {
            rejects.push(rejected(at, "reports", Some(&row.count), reason));
            None
        }
    };

    if let Some(year) = year {
        let tally = tallies.entry(year).or_default();
        let here = at.to_string();
        match kind {
            Some(Kind::Total) => tally.totals.push((here, count)),
            other => {
                match count {
                    Some(n) => tally.components += i128::from(n),
                    None => tally.unreadable.push(here.clone()),
                }
                match other {
                    Some(Kind::Country(code)) => {
                        tally.country_rows += 1;
                        if code == "MA" && count.is_some() {
                            tally.morocco = true;
                        }
                        match tally.seen.get(code) {
                            Some((first_at, first_name)) => tally.duplicates.push((
                                code,
                                first_at.clone(),
                                first_name.clone(),
                                here,
                                row.name.clone(),
                            )),
                            None => {
                                tally.seen.insert(code, (here, row.name.clone()));
                            }
                        }
                    }
                    Some(Kind::NoCountry) => tally.no_country_rows.push(here),
                    Some(Kind::Total) => {}
                    None => {
                        tally.country_rows += 1;
                        if count.is_some() {
                            tally.unmapped_rows += 1;
                        }
                    }
                }
            }
        }
    }

    match (year, kind, count) {
        (Some(year), Some(kind), Some(count)) if rejects.is_empty() => {
            let code = match kind {
                Kind::Country(code) => Value::from(code),
                Kind::NoCountry | Kind::Total => Value::Null,
            };
            out.row(
                spec,
                at,
                vec![
                    Value::Int(year),
                    code,
                    Value::from(row.name.trim()),
                    Value::Int(count),
                    Value::from(kind.label()),
                ],
            )
        }
        _ => out.reject(rejects),
    }
}

pub(super) fn validate(out: &mut Emitter<'_>, year: i64, t: &Tally) {
    for (code, first_at, first_name, at, name) in &t.duplicates {
        out.finding(
            "ncmec.duplicate_country",
            Severity::Error,
            Some(at.clone()),
            format!(
                "{year}: {code} ({}) is listed more than once: `{first_name}` at {first_at} and \
                 `{name}` at {at}; both rows are staged as published",
                name_of(code).unwrap_or(code)
            ),
        );
    }
    if t.no_country_rows.len() > 1 {
        out.finding(
            "ncmec.duplicate_no_country",
            Severity::Warning,
            t.no_country_rows.last().cloned(),
            format!(
                "{year}: {} no-country rows ({}); all of them count in the reconciliation",
                t.no_country_rows.len(),
                t.no_country_rows.join(", ")
            ),
        );
    }
    if !t.morocco {
        out.finding(
            "ncmec.morocco_missing",
            Severity::Warning,
            None,
            format!("{year}: the table has no readable row for Morocco (MA)"),
        );
    }

    let rows = match t.no_country_rows.len() {
        0 => format!("the {} country rows", t.country_rows),
        1 => format!("the {} country rows and the no-country row", t.country_rows),
        n => format!(
            "the {} country rows and the {n} no-country rows",
            t.country_rows
        ),
    };
    let quarantined = match t.unmapped_rows {
        0 => String::new(),
        1 => " (including 1 row kept in quarantine for its country name)".to_string(),
        n => format!(" (including {n} rows kept in quarantine for their country name)"),
    };
    if t.totals.is_empty() {
        out.finding(
            "ncmec.total_missing",
            Severity::Warning,
            None,
            format!(
                "{year}: the table has no total row (`Total`, `TOTAL`, `Total:`); {rows} add up \
                 to {}{quarantined} and cannot be checked",
                thousands(t.components)
            ),
        );
        return;
    }
    if t.totals.len() > 1 {
        let all: Vec<&str> = t.totals.iter().map(|(at, _)| at.as_str()).collect();
        out.finding(
            "ncmec.duplicate_total",
            Severity::Error,
            t.totals.last().map(|(at, _)| at.clone()),
            format!("{year}: {} total rows ({})", t.totals.len(), all.join(", ")),
        );
    }
    for (at, total) in &t.totals {
        let Some(total) = total else {
            out.finding(
                "ncmec.total_reconciles",
                Severity::Warning,
                Some(at.clone()),
                format!("{year}: the total row has no readable count; the table is not reconciled"),
            );
            continue;
        };
        let total = i128::from(*total);
        if !t.unreadable.is_empty() {
            out.finding(
                "ncmec.total_reconciles",
                Severity::Warning,
                Some(at.clone()),
                format!(
                    "{year}: not reconciled: {} rows have no readable count ({}); the readable \
                     rows add up to {} and the total row says {}",
                    t.unreadable.len(),
                    t.unreadable.join(", "),
                    thousands(t.components),
                    thousands(total)
                ),
            );
        } else if t.components == total {
            out.finding(
                "ncmec.total_reconciles",
                Severity::Info,
                Some(at.clone()),
                format!(
                    "{year}: {rows} add up to {}{quarantined}, the figure of the total row",
                    thousands(total)
                ),
            );
        } else {
            let diff = t.components - total;
            out.finding(
                "ncmec.total_reconciles",
                Severity::Error,
                Some(at.clone()),
                format!(
                    "{year}: {rows} add up to {}{quarantined} but the total row says {} \
                     (difference {}{}); the figures are kept as published",
                    thousands(t.components),
                    thousands(total),
                    if diff > 0 { "+" } else { "-" },
                    thousands(diff.abs())
                ),
            );
        }
    }
}
