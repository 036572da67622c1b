//! Disclosure control of public outputs, decided once when observations are computed and
//! recorded in `conf_status`; public outputs then blank every figure of a suppressed cell.
//!
//! - **Primary**: in a disaggregated cell (any breakdown other than its total), a count from 1
//!   to `threshold - 1` is suppressed (CONF_STATUS `C`). For a rate or share the count is its
//!   numerator, so the ratio goes with it.
//! - **Secondary**: within one indicator and period, the cells that add up along a breakdown
//!   (the categories of one dimension, the others fixed) and their published total form a
//!   *group*. A group with exactly one suppressed cell gets a second one (CONF_STATUS `D`): the
//!   smallest non-zero category, else the total. Then an exact audit ([`derivable`]) solves
//!   the linear system of all groups for the suppressed cells, and any cell it can still pin
//!   down gets a further complement, until none can be.
//!
//! For a share (unit percent) the total is 100% whatever is suppressed, so its total cell is
//! treated as known. Periods are not added up (each period is its own table).

use std::collections::BTreeMap;

use crate::catalog::{Dimension, Indicator, Unit};
use crate::observations::{Observation, FREE, PRIMARY, SECONDARY};

/// A group of cells that add up: the categories of one breakdown and their total (if any).
#[derive(Debug)]
struct Group {
    members: Vec<usize>,
    total: Option<usize>,
}

/// Apply primary and secondary suppression to the observations of one indicator.
pub fn protect(ind: &Indicator, obs: &mut [Observation]) {
    let threshold = f64::from(ind.def.disclosure.threshold);
    if threshold <= 0.0 {
        return;
    }
    let positions = breakdown_positions(ind);
    for o in obs.iter_mut() {
        let disaggregated = positions.iter().any(|(k, d)| o.breakdown[*k] != d.total());
        let basis = count_basis(ind, o);
        if disaggregated && basis.is_some_and(|c| c > 0.0 && c < threshold) {
            o.conf_status = PRIMARY.to_string();
        }
    }
    for period_cells in by_period(obs) {
        secondary(ind, obs, &period_cells);
    }
}

/// The suppressed observations (indices into `obs`) that the published cells of their table
/// still determine exactly. Empty for a well-protected table.
pub fn derivable(ind: &Indicator, obs: &[Observation]) -> Vec<usize> {
    by_period(obs)
        .into_iter()
        .flat_map(|cells| {
            let groups = groups(ind, obs, &cells);
            derivable_in(ind, obs, &groups)
        })
        .collect()
}

fn count_basis(ind: &Indicator, o: &Observation) -> Option<f64> {
    match ind.def.unit {
        Unit::Count => o.value,
        _ => o.numerator,
    }
}

fn breakdown_positions(ind: &Indicator) -> Vec<(usize, Dimension)> {
    Dimension::BREAKDOWNS
        .iter()
        .enumerate()
        .filter(|(_, d)| ind.def.dimensions.contains(d))
        .map(|(k, d)| (k, *d))
        .collect()
}

fn by_period(obs: &[Observation]) -> Vec<Vec<usize>> {
    let mut periods: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, o) in obs.iter().enumerate() {
        periods.entry(&o.period).or_default().push(i);
    }
    periods.into_values().collect()
}

/// The additive groups of one period's cells.
fn groups(ind: &Indicator, obs: &[Observation], cells: &[usize]) -> Vec<Group> {
    let positions = breakdown_positions(ind);
    let mut out = Vec::new();
    for (k, d) in &positions {
        let mut by_rest: BTreeMap<Vec<&str>, Group> = BTreeMap::new();
        for &i in cells {
            let o = &obs[i];
            let rest: Vec<&str> = positions
                .iter()
                .filter(|(j, _)| j != k)
                .map(|(j, _)| o.breakdown[*j].as_str())
                .collect();
            let g = by_rest.entry(rest).or_insert(Group {
                members: Vec::new(),
                total: None,
            });
            if o.breakdown[*k] == d.total() {
                g.total = Some(i);
            } else {
                g.members.push(i);
            }
        }
        out.extend(by_rest.into_values());
    }
    out
}

fn secondary(ind: &Indicator, obs: &mut [Observation], cells: &[usize]) {
    let groups = groups(ind, obs, cells);
    let share = ind.def.unit == Unit::Percent;
    let suppressed = |obs: &[Observation], i: usize| obs[i].conf_status != FREE;
    // Each pass suppresses at least one more cell, so this ends within `cells.len()` passes.
    for _ in 0..=cells.len() {
        let mut changed = false;
        for g in &groups {
            let Some(total) = g.total else { continue };
            let suppressed_members = g.members.iter().filter(|&&i| suppressed(obs, i)).count();
            // The total of a share is known (100%), suppressed or not.
            let exposed = if share {
                suppressed_members == 1
            } else {
                suppressed_members + usize::from(suppressed(obs, total)) == 1
            };
            if exposed {
                if let Some(c) = complement(ind, obs, g) {
                    obs[c].conf_status = SECONDARY.to_string();
                    changed = true;
                }
            }
        }
        if changed {
            continue;
        }
        let left = derivable_in(ind, obs, &groups);
        let Some(&cell) = left.first() else {
            return;
        };
        let fix = groups
            .iter()
            .filter(|g| g.members.contains(&cell) || g.total == Some(cell))
            .find_map(|g| complement(ind, obs, g));
        match fix {
            Some(c) => obs[c].conf_status = SECONDARY.to_string(),
            None => {
                tracing::warn!(
                    indicator = ind.id(),
                    period = obs[cell].period,
                    "a suppressed cell stays derivable and no complement is left"
                );
                return;
            }
        }
    }
}

/// The cell to suppress next in a group: the smallest non-zero free category, else the total
/// (not for a share, whose total is known anyway), else a zero category.
fn complement(ind: &Indicator, obs: &[Observation], g: &Group) -> Option<usize> {
    let free = |i: &usize| obs[*i].conf_status == FREE;
    let basis = |i: usize| count_basis(ind, &obs[i]).unwrap_or(0.0);
    let smallest_positive = g
        .members
        .iter()
        .copied()
        .filter(free)
        .filter(|&i| basis(i) > 0.0)
        .min_by(|&a, &b| basis(a).total_cmp(&basis(b)));
    let total = g
        .total
        .filter(free)
        .filter(|_| ind.def.unit != Unit::Percent);
    smallest_positive
        .or(total)
        .or_else(|| g.members.iter().copied().find(free))
}

/// Suppressed cells that the groups' equations determine: unknown x_j is determined iff its
/// column is not in the span of the other unknowns' columns (rank drops without it).
fn derivable_in(ind: &Indicator, obs: &[Observation], groups: &[Group]) -> Vec<usize> {
    let unknowns: Vec<usize> = groups
        .iter()
        .flat_map(|g| g.members.iter().copied().chain(g.total))
        .filter(|&i| obs[i].conf_status != FREE)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if unknowns.is_empty() {
        return Vec::new();
    }
    let col = |i: usize| unknowns.binary_search(&i).ok();
    let share = ind.def.unit == Unit::Percent;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for g in groups {
        let Some(total) = g.total else { continue };
        let mut row = vec![0.0; unknowns.len()];
        for &m in &g.members {
            if let Some(c) = col(m) {
                row[c] += 1.0;
            }
        }
        if !share {
            if let Some(c) = col(total) {
                row[c] -= 1.0;
            }
        }
        if row.iter().any(|v| *v != 0.0) {
            rows.push(row);
        }
    }
    let full = rank(&rows, None);
    (0..unknowns.len())
        .filter(|&j| rank(&rows, Some(j)) < full)
        .map(|j| unknowns[j])
        .collect()
}

/// Rank of `rows` (optionally without column `skip`), by Gaussian elimination.
fn rank(rows: &[Vec<f64>], skip: Option<usize>) -> usize {
    let mut m: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .filter(|(j, _)| Some(*j) != skip)
                .map(|(_, v)| *v)
                .collect()
        })
        .collect();
    let cols = m.first().map_or(0, |r| r.len());
    let mut rank = 0;
    for c in 0..cols {
        let Some(p) = (rank..m.len()).max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs()))
        else {
            break;
        };
        if m[p][c].abs() < 1e-9 {
            continue;
        }
        m.swap(rank, p);
        let pivot = m[rank].clone();
        for (r, row) in m.iter_mut().enumerate() {
            let f = row[c] / pivot[c];
            if r != rank && f != 0.0 {
                for (x, p) in row.iter_mut().zip(&pivot).skip(c) {
                    *x -= f * p;
                }
            }
        }
        rank += 1;
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    /// A count indicator with the given breakdowns, from the embedded catalogue's shape.
    fn indicator(unit: Unit, dims: &[Dimension]) -> Indicator {
        let mut ind = Catalog::embedded()
            .unwrap()
            .get("PMP_CASES_BY_REGION")
            .unwrap()
            .clone();
        ind.def.unit = unit;
        ind.def.dimensions = std::iter::once(Dimension::Period)
            .chain(dims.iter().copied())
            .collect();
        ind
    }

    fn cell(ref_area: &str, sex: &str, value: f64) -> Observation {
        Observation {
            indicator_id: "T".into(),
            indicator_version: 1,
            indicator_status: "approved".into(),
            period: "2024".into(),
            breakdown: [
                ref_area.into(),
                sex.into(),
                "_Z".into(),
                "_Z".into(),
                "_Z".into(),
            ],
            value: Some(value),
            numerator: Some(value),
            denominator: None,
            unit: "NUMBER".into(),
            unit_mult: 0,
            decimals: 0,
            obs_status: "A".into(),
            conf_status: FREE.into(),
            lower_bound: None,
            upper_bound: None,
            obs_comment: None,
            snapshot_id: 1,
            definition_hash: String::new(),
            engine_version: None,
            computed_at_micros: 0,
        }
    }

    fn statuses(obs: &[Observation]) -> Vec<&str> {
        obs.iter().map(|o| o.conf_status.as_str()).collect()
    }

    #[test]
    fn one_small_cell_gets_a_complement_and_the_total_stays() {
        let ind = indicator(Unit::Count, &[Dimension::RefArea]);
        let mut obs = vec![
            cell("MA", "_Z", 40.0),
            cell("MA-01", "_Z", 3.0),
            cell("MA-02", "_Z", 20.0),
            cell("MA-03", "_Z", 9.0),
            cell("MA-04", "_Z", 8.0),
        ];
        protect(&ind, &mut obs);
        // 3 is primary; the smallest other region (8) is the complement; 0 cells untouched.
        assert_eq!(statuses(&obs), ["F", "C", "F", "F", "D"]);
        assert!(derivable(&ind, &obs).is_empty());
    }

    #[test]
    fn zero_is_not_suppressed_and_national_totals_are_not_disaggregated() {
        let ind = indicator(Unit::Count, &[Dimension::RefArea]);
        let mut obs = vec![
            cell("MA", "_Z", 3.0),
            cell("MA-01", "_Z", 0.0),
            cell("MA-02", "_Z", 3.0),
        ];
        protect(&ind, &mut obs);
        // MA-02 (3) is primary; the only other category is 0, so the complement is the total.
        assert_eq!(statuses(&obs), ["D", "F", "C"]);
        assert!(derivable(&ind, &obs).is_empty());
    }

    #[test]
    fn a_share_total_is_known_so_the_complement_is_a_category() {
        let ind = indicator(Unit::Percent, &[Dimension::Sex]);
        let mut obs = vec![
            cell("MA", "F", 24.0),
            cell("MA", "M", 36.0),
            cell("MA", "_T", 64.0),
            cell("MA", "_U", 4.0),
        ];
        protect(&ind, &mut obs);
        assert_eq!(statuses(&obs), ["D", "F", "F", "C"]);
        assert!(derivable(&ind, &obs).is_empty());
    }

    /// Two suppressed rectangles joined by one suppressed cell: every row and column has two
    /// suppressed cells, yet the joining cell is exactly derivable. The audit finds it and the
    /// protection adds a complement.
    #[test]
    fn the_audit_catches_what_counting_per_group_misses() {
        let ind = indicator(Unit::Count, &[Dimension::RefArea, Dimension::Sex]);
        let regions = ["MA-01", "MA-02", "MA-03", "MA-04"];
        let sexes = ["F", "M", "_U", "X"];
        let value = |r: usize, s: usize| 10.0 + (r * 4 + s) as f64;
        let mut obs = Vec::new();
        for (r, reg) in regions.iter().enumerate() {
            for (s, sex) in sexes.iter().enumerate() {
                obs.push(cell(reg, sex, value(r, s)));
            }
            obs.push(cell(reg, "_T", (0..4).map(|s| value(r, s)).sum()));
        }
        for (s, sex) in sexes.iter().enumerate() {
            obs.push(cell("MA", sex, (0..4).map(|r| value(r, s)).sum()));
        }
        obs.push(cell(
            "MA",
            "_T",
            obs.iter()
                .filter(|o| o.breakdown[0] != "MA" && o.breakdown[1] != "_T")
                .filter_map(|o| o.value)
                .sum(),
        ));
        let at = |obs: &[Observation], r: &str, s: &str| {
            obs.iter()
                .position(|o| o.breakdown[0] == r && o.breakdown[1] == s)
                .unwrap()
        };
        // rectangle 1: rows 01,02 × cols F,M; rectangle 2: rows 03,04 × cols _U,X; bridge 01×_U.
        let pattern = [
            ("MA-01", "F"),
            ("MA-01", "M"),
            ("MA-02", "F"),
            ("MA-02", "M"),
            ("MA-03", "_U"),
            ("MA-03", "X"),
            ("MA-04", "_U"),
            ("MA-04", "X"),
            ("MA-01", "_U"),
        ];
        let mut manual = obs.clone();
        for (r, s) in pattern {
            let i = at(&manual, r, s);
            manual[i].conf_status = PRIMARY.into();
        }
        let bridge = at(&manual, "MA-01", "_U");
        assert_eq!(derivable(&ind, &manual), vec![bridge]);

        // Through `protect`: make exactly those cells small.
        for (r, s) in pattern {
            let i = at(&obs, r, s);
            obs[i].value = Some(2.0);
        }
        protect(&ind, &mut obs);
        assert!(derivable(&ind, &obs).is_empty());
        assert!(obs
            .iter()
            .all(|o| o.value != Some(2.0) || o.is_suppressed()));
    }

    #[test]
    fn random_two_way_tables_end_with_nothing_derivable() {
        let ind = indicator(Unit::Count, &[Dimension::RefArea, Dimension::Sex]);
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % 12
        };
        for _ in 0..200 {
            let regions = ["MA-01", "MA-02", "MA-03", "MA-04", "MA-05"];
            let sexes = ["F", "M", "_U"];
            let mut obs = Vec::new();
            let mut grid = [[0.0; 3]; 5];
            for (r, reg) in regions.iter().enumerate() {
                for (s, sex) in sexes.iter().enumerate() {
                    grid[r][s] = next() as f64;
                    obs.push(cell(reg, sex, grid[r][s]));
                }
                obs.push(cell(reg, "_T", grid[r].iter().sum()));
            }
            for (s, sex) in sexes.iter().enumerate() {
                obs.push(cell("MA", sex, grid.iter().map(|row| row[s]).sum()));
            }
            obs.push(cell("MA", "_T", grid.iter().flatten().sum()));
            protect(&ind, &mut obs);
            assert!(derivable(&ind, &obs).is_empty(), "{:?}", statuses(&obs));
            for o in &obs {
                let disaggregated = o.breakdown[0] != "MA" || o.breakdown[1] != "_T";
                if disaggregated && o.value.is_some_and(|v| v > 0.0 && v < 5.0) {
                    assert!(o.is_suppressed());
                }
            }
        }
    }
}
