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
//! - **Linked tables** ([`protect_linked`]): indicators that declare the same `linked` base
//!   table in `[disclosure]` publish sums of the same *atoms* (e.g. a year's EMC reports by
//!   victim age band). Per period, every published count of every linked indicator (a count's
//!   value, a ratio's numerator and denominator, and each atom that a by-category indicator
//!   leaves out, which the public reads as 0) is one equation over the atoms. A suppressed
//!   cell's count may not lie in the span of the published equations (exact rank test); while
//!   one does, the free cell whose suppression leaves the fewest derivable cells (then the
//!   smallest count) is suppressed too (`D`), in whichever linked indicator it is.
//! - **Withheld tables**: a table (an indicator's period, or a linked group's period) that
//!   cannot be closed, or whose declared link does not add up on the data, is not published:
//!   every cell gets CONF_STATUS `N` (not for publication) and a comment saying why
//!   ([`WITHHELD_UNSAFE`], [`WITHHELD_UNRECONCILED`]). A warning alone would publish a leak.
//! - **Comments** are free text, so no comment states a count: the number that
//!   `EMC_REPORTS_MINORS_SHARE` once gave in its comment is the `_U` cell of
//!   `EMC_REPORTS_AGE_SHARE`, under control. As a guard, [`public_comment`] replaces in public
//!   outputs any comment that carries a figure hidden by suppression.
//!
//! For a share (unit percent) the total is 100% whatever is suppressed, so its total cell is
//! treated as known. Periods are not added up (each period is its own table).

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{Catalog, Cover, Dimension, Indicator, Unit};
use crate::error::{IndicatorError, Result};
use crate::observations::{Observation, FREE, PRIMARY, SECONDARY};

mod comments;
mod linked;

pub use comments::{hidden_figures, numbers_in, public_comment};
pub use linked::{derivable_linked, protect_linked};

/// SDMX CONF_STATUS of a cell of a withheld table: not for publication.
pub const WITHHELD: &str = "N";
/// Comment of the cells of a table whose suppression could not be made safe.
pub const WITHHELD_UNSAFE: &str = "Withheld: suppression could not be made safe for this table.";
/// Comment of the cells of a linked group whose declared link does not add up on the data.
pub const WITHHELD_UNRECONCILED: &str =
    "Withheld: the linked tables of this period do not add up as declared.";
/// Public comment replacing one that carried a figure hidden by suppression.
pub const COMMENT_WITHHELD: &str =
    "Comment withheld: it gave a figure that disclosure control hides.";

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
        // A withheld table publishes nothing, its share total included.
        .filter(|cells| !cells.iter().all(|&i| obs[i].conf_status == WITHHELD))
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
                withhold(obs, cells, WITHHELD_UNSAFE);
                tracing::warn!(
                    indicator = ind.id(),
                    period = obs[cell].period,
                    "a suppressed cell stays derivable and no complement is left: period withheld"
                );
                return;
            }
        }
    }
    withhold(obs, cells, WITHHELD_UNSAFE);
}

/// Mark every cell of a table as withheld (CONF_STATUS `N`) and say why in its comment (the
/// SQL's own comment, if any, follows for analysts; public outputs show the reason only).
fn withhold(obs: &mut [Observation], cells: &[usize], reason: &str) {
    for &i in cells {
        let o = &mut obs[i];
        o.conf_status = WITHHELD.to_string();
        o.obs_comment = Some(match o.obs_comment.take() {
            Some(c) if !c.starts_with("Withheld:") => format!("{reason} {c}"),
            Some(c) => c,
            None => reason.to_string(),
        });
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
mod tests;
