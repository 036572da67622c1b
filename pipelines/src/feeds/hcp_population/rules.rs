//! The consistency rules over the staged cells: `hcp.regions_add_up`, `hcp.sex_age_add_up`,
//! `hcp.published_total`, `hcp.duplicate_cell` (findings; the data are staged as published).

use super::*;

pub(super) fn fmt_n(n: i64) -> String {
    format::thousands(i128::from(n))
}

/// The consistency rules over the staged cells (first occurrence of each key).
pub(super) fn check_totals(out: &mut Emitter, cells: &BTreeMap<Key, (i64, String)>) {
    let get = |year: i64, region: &str, sex: &str, age: &str| {
        cells
            .get(&Key {
                year,
                region: region.to_string(),
                sex: sex.to_string(),
                age: age.to_string(),
            })
            .map(|(n, _)| *n)
    };
    let years: BTreeSet<i64> = cells.keys().map(|k| k.year).collect();
    for year in years {
        let in_year = || cells.iter().filter(move |(k, _)| k.year == year);
        // Regions add up.
        let regional: Vec<(&str, i64)> = in_year()
            .filter(|(k, _)| k.region != NATIONAL && k.sex == TOTAL && k.age == TOTAL)
            .map(|(k, (n, _))| (k.region.as_str(), *n))
            .collect();
        let regional_sum: Option<i64> =
            (!regional.is_empty()).then(|| regional.iter().map(|r| r.1).sum());
        let national_detail = detail_total(cells, year, NATIONAL);
        if let (2024, Some(national)) = (year, get(year, NATIONAL, TOTAL, TOTAL)) {
            if national != published_legal_population_2024() {
                out.finding(
                    "hcp.published_total",
                    Severity::Warning,
                    Some(format!("year {year}")),
                    format!(
                        "the national row says {}, the published legal population of Morocco (RGPH 2024) is {}",
                        fmt_n(national),
                        fmt_n(published_legal_population_2024())
                    ),
                );
            }
        }
        if let Some(sum) = regional_sum {
            let n = regional.len();
            if n < 12 {
                out.finding(
                    "hcp.regions_add_up",
                    Severity::Warning,
                    Some(format!("year {year}")),
                    format!("only {n} of the 12 regions are given; their sum ({}) is not a national total", fmt_n(sum)),
                );
            } else if let Some(national) = get(year, NATIONAL, TOTAL, TOTAL) {
                if national == sum {
                    out.finding(
                        "hcp.regions_add_up",
                        Severity::Info,
                        Some(format!("year {year}")),
                        format!("the 12 regions add up to the national row ({})", fmt_n(sum)),
                    );
                } else {
                    out.finding(
                        "hcp.regions_add_up",
                        Severity::Error,
                        Some(format!("year {year}")),
                        format!(
                            "the 12 regions add up to {}, the national row says {} (difference {})",
                            fmt_n(sum),
                            fmt_n(national),
                            fmt_n(sum - national)
                        ),
                    );
                }
            } else if let Some((national, how)) = national_detail {
                let (severity, verb) = if national == sum {
                    (Severity::Info, "equal to")
                } else {
                    (Severity::Warning, "but")
                };
                out.finding(
                    "hcp.regions_add_up",
                    severity,
                    Some(format!("year {year}")),
                    format!(
                        "the 12 regions add up to {}, {verb} the national total of the {how} rows of this file ({})",
                        fmt_n(sum),
                        fmt_n(national)
                    ),
                );
            } else {
                let (severity, message) = compare_published(year, sum, "the 12 regions add up to");
                out.finding(
                    "hcp.regions_add_up",
                    severity,
                    Some(format!("year {year}")),
                    message,
                );
            }
        }

        // Sex × age rows add up, region by region.
        let regions: BTreeSet<&str> = in_year()
            .filter(|(k, _)| k.sex != TOTAL || k.age != TOTAL)
            .map(|(k, _)| k.region.as_str())
            .collect();
        for region in regions {
            check_region_detail(
                out,
                cells,
                year,
                region,
                regional_sum.filter(|_| regional.len() == 12),
            );
        }
    }
}

/// The national total a file gives through its detail rows: sum of the sex totals, or of the
/// age groups of both sexes, or of the age groups of the all-sex rows, with how it was found.
pub(super) fn detail_total(
    cells: &BTreeMap<Key, (i64, String)>,
    year: i64,
    region: &str,
) -> Option<(i64, &'static str)> {
    let rows: Vec<(&Key, i64)> = cells
        .iter()
        .filter(|(k, _)| k.year == year && k.region == region)
        .map(|(k, (n, _))| (k, *n))
        .collect();
    let sexes: Vec<i64> = rows
        .iter()
        .filter(|(k, _)| k.sex != TOTAL && k.age == TOTAL)
        .map(|r| r.1)
        .collect();
    if sexes.len() >= 2 {
        return Some((sexes.iter().sum(), "sex"));
    }
    let by_sex_age: Vec<(&Key, i64)> = rows
        .iter()
        .filter(|(k, _)| k.sex != TOTAL && k.age != TOTAL)
        .copied()
        .collect();
    let sex_set: BTreeSet<&str> = by_sex_age.iter().map(|(k, _)| k.sex.as_str()).collect();
    if sex_set.len() >= 2
        && sex_set.iter().all(|s| {
            let groups: Vec<&str> = by_sex_age
                .iter()
                .filter(|(k, _)| k.sex == *s)
                .map(|(k, _)| k.age.as_str())
                .collect();
            partition_of_all_ages(&groups)
        })
    {
        return Some((by_sex_age.iter().map(|r| r.1).sum(), "sex × age group"));
    }
    let by_age: Vec<(&Key, i64)> = rows
        .iter()
        .filter(|(k, _)| k.sex == TOTAL && k.age != TOTAL)
        .copied()
        .collect();
    let groups: Vec<&str> = by_age.iter().map(|(k, _)| k.age.as_str()).collect();
    if partition_of_all_ages(&groups) {
        return Some((by_age.iter().map(|r| r.1).sum(), "age group"));
    }
    None
}

/// Info if `sum` equals the published 2024 legal population, Warning if not; Info for other
/// years (nothing published to compare with).
pub(super) fn compare_published(year: i64, sum: i64, what: &str) -> (Severity, String) {
    if year == 2024 {
        if sum == published_legal_population_2024() {
            (
                Severity::Info,
                format!(
                    "{what} {}, equal to the published legal population of Morocco (RGPH 2024); the file has no national row to compare with",
                    fmt_n(sum)
                ),
            )
        } else {
            (
                Severity::Warning,
                format!(
                    "{what} {}, the published legal population of Morocco (RGPH 2024) is {} (difference {})",
                    fmt_n(sum),
                    fmt_n(published_legal_population_2024()),
                    fmt_n(sum - published_legal_population_2024())
                ),
            )
        }
    } else {
        (
            Severity::Info,
            format!(
                "{what} {}; the file has no national row to compare with",
                fmt_n(sum)
            ),
        )
    }
}

/// Sex × age rows of one region and year against their margins and total.
pub(super) fn check_region_detail(
    out: &mut Emitter,
    cells: &BTreeMap<Key, (i64, String)>,
    year: i64,
    region: &str,
    regional_sum: Option<i64>,
) {
    let at = Some(format!("year {year}, region {region}"));
    let rows: Vec<(&Key, i64)> = cells
        .iter()
        .filter(|(k, _)| k.year == year && k.region == region)
        .map(|(k, (n, _))| (k, *n))
        .collect();
    let value = |sex: &str, age: &str| {
        rows.iter()
            .find(|(k, _)| k.sex == sex && k.age == age)
            .map(|r| r.1)
    };
    let mut rule = |severity: Severity, message: String| {
        out.finding("hcp.sex_age_add_up", severity, at.clone(), message)
    };
    let sexes: BTreeSet<&str> = rows.iter().map(|(k, _)| k.sex.as_str()).collect();
    // Each sex's age groups against that sex's total.
    for sex in &sexes {
        let groups: Vec<(&str, i64)> = rows
            .iter()
            .filter(|(k, _)| k.sex == *sex && k.age != TOTAL)
            .map(|(k, n)| (k.age.as_str(), *n))
            .collect();
        if groups.is_empty() {
            continue;
        }
        let names: Vec<&str> = groups.iter().map(|g| g.0).collect();
        if !partition_of_all_ages(&names) {
            rule(
                Severity::Info,
                format!("the age groups of sex {sex} overlap or do not cover all ages; they are not summed"),
            );
            continue;
        }
        let sum: i64 = groups.iter().map(|g| g.1).sum();
        if let Some(total) = value(sex, TOTAL) {
            if total != sum {
                rule(
                    Severity::Error,
                    format!(
                        "the age groups of sex {sex} add up to {}, the total row says {} (difference {})",
                        fmt_n(sum),
                        fmt_n(total),
                        fmt_n(sum - total)
                    ),
                );
            }
        }
    }
    // Each age group's sexes against the all-sex row of that group.
    let ages: BTreeSet<&str> = rows
        .iter()
        .filter(|(k, _)| k.age != TOTAL)
        .map(|(k, _)| k.age.as_str())
        .collect();
    for age in ages {
        let by_sex: Vec<i64> = rows
            .iter()
            .filter(|(k, _)| k.age == age && k.sex != TOTAL)
            .map(|r| r.1)
            .collect();
        if let (Some(total), true) = (value(TOTAL, age), by_sex.len() >= 2) {
            let sum: i64 = by_sex.iter().sum();
            if sum != total {
                rule(
                    Severity::Error,
                    format!(
                        "the sexes of age group {age} add up to {}, the total row says {} (difference {})",
                        fmt_n(sum),
                        fmt_n(total),
                        fmt_n(sum - total)
                    ),
                );
            }
        }
    }
    // The finest detail against the region's total.
    let Some((detail, how)) = detail_total(cells, year, region) else {
        return;
    };
    let what = format!("the {how} rows add up to");
    if let Some(total) = value(TOTAL, TOTAL) {
        if detail == total {
            rule(
                Severity::Info,
                format!("{what} the total row ({})", fmt_n(total)),
            );
        } else {
            rule(
                Severity::Error,
                format!(
                    "{what} {}, the total row says {} (difference {})",
                    fmt_n(detail),
                    fmt_n(total),
                    fmt_n(detail - total)
                ),
            );
        }
    } else if region == NATIONAL && regional_sum.is_some() {
        let sum = regional_sum.unwrap_or_default();
        let severity = if sum == detail {
            Severity::Info
        } else {
            Severity::Warning
        };
        rule(
            severity,
            format!(
                "{what} {}, the 12 regions of this file add up to {}",
                fmt_n(detail),
                fmt_n(sum)
            ),
        );
    } else if region == NATIONAL {
        let (severity, message) = compare_published(year, detail, &what);
        rule(severity, message);
    } else {
        rule(
            Severity::Info,
            format!(
                "{what} {}; the file has no total row for this region",
                fmt_n(detail)
            ),
        );
    }
}
