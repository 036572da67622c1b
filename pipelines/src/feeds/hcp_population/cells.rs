//! Reading one cell of a population table: region, sex, age group, population.

use super::*;

/// The region of a row: its code column, else its name column, else the nation.
pub(super) fn region_of(
    map: &HeaderMap,
    record: &Record,
) -> std::result::Result<String, (&'static str, String, String)> {
    let (column, value) = match (map.get(REGION_CODE), map.get(REGION_NAME)) {
        (None, None) => return Ok(NATIONAL.to_string()),
        (Some(_), name) => {
            let code = map.cell(record, REGION_CODE);
            if code.is_empty() && name.is_some() {
                ("region", map.cell(record, REGION_NAME))
            } else {
                ("region_code", code)
            }
        }
        (None, Some(_)) => ("region", map.cell(record, REGION_NAME)),
    };
    if is_label(&NATIONAL_LABELS, &fold(value)) {
        return Ok(NATIONAL.to_string());
    }
    match regions::parse_region(value) {
        Ok(Some(r)) => Ok(r.code.to_string()),
        Ok(None) => Err((
            column,
            value.to_string(),
            "a population row needs a known region (or Maroc / المغرب for the nation)".into(),
        )),
        Err(reason) => Err((column, value.to_string(), reason)),
    }
}

pub(super) fn sex_of(s: &str) -> std::result::Result<String, String> {
    if labels::is_total(s) {
        return Ok(TOTAL.to_string());
    }
    if s.trim().is_empty() {
        return Err("the sex is blank (write Ensemble / Total for both sexes)".into());
    }
    sex::parse_sex(s).map(|c| c.to_string())
}

pub(super) fn age_of(s: &str) -> std::result::Result<String, String> {
    if labels::is_total(s) {
        return Ok(TOTAL.to_string());
    }
    if s.trim().is_empty() {
        return Err("the age group is blank (write Total / Ensemble for all ages)".into());
    }
    ages::parse_age_group(s).map(group_code)
}

/// `(0, Some(4))` → `0-4`, `(15, Some(15))` → `15`, `(85, None)` → `85+`.
pub(super) fn group_code((lo, hi): (u32, Option<u32>)) -> String {
    match hi {
        Some(hi) if hi == lo => lo.to_string(),
        Some(hi) => format!("{lo}-{hi}"),
        None => format!("{lo}+"),
    }
}

/// The bounds of a staged age group code (inverse of [`group_code`]).
pub(super) fn group_bounds(code: &str) -> Option<(u32, Option<u32>)> {
    if let Some(lo) = code.strip_suffix('+') {
        return Some((lo.parse().ok()?, None));
    }
    match code.split_once('-') {
        Some((lo, hi)) => Some((lo.parse().ok()?, Some(hi.parse().ok()?))),
        None => code.parse().ok().map(|a| (a, Some(a))),
    }
}

pub(super) fn population_of(s: &str) -> std::result::Result<i64, String> {
    if numbers::is_blank(s) {
        return Err("the population is blank".into());
    }
    numbers::parse_count(s)
}

/// Whether age groups partition all ages: disjoint, contiguous from 0, the last one open.
pub(super) fn partition_of_all_ages(groups: &[&str]) -> bool {
    let mut bounds: Vec<(u32, Option<u32>)> = match groups.iter().map(|g| group_bounds(g)).collect()
    {
        Some(b) => b,
        None => return false,
    };
    bounds.sort();
    let mut next = 0u32;
    for (i, (lo, hi)) in bounds.iter().enumerate() {
        if *lo != next {
            return false;
        }
        match hi {
            Some(hi) => next = hi + 1,
            None => return i + 1 == bounds.len(),
        }
    }
    false
}
