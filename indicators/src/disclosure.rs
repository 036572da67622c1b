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

/// Protect the linked tables of `catalog` across indicators (after [`protect`] of each): per
/// linked base table and period, add complements until no suppressed count is determined by
/// the published figures of all its indicators, or withhold the period. `obs` holds every
/// indicator's observations. An error when indicators of one `linked` name disagree on atoms.
pub fn protect_linked(catalog: &Catalog, obs: &mut [Observation]) -> Result<()> {
    for (members, atoms) in linked_groups(catalog)? {
        for cells in linked_periods(&members, obs) {
            close_linked(&members, &atoms, obs, &cells);
        }
    }
    Ok(())
}

/// The suppressed observations (indices into `obs`) that the published figures of their
/// linked tables still determine. Empty when every linked group is well protected.
pub fn derivable_linked(catalog: &Catalog, obs: &[Observation]) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    for (members, atoms) in linked_groups(catalog)? {
        for cells in linked_periods(&members, obs) {
            if let Ok(system) = System::build(&members, &atoms, obs, &cells) {
                out.extend(system.derivable(obs, None));
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// The indicators of each `linked` name (sorted by id) with the atoms they share.
fn linked_groups(catalog: &Catalog) -> Result<Vec<(Vec<&Indicator>, Vec<String>)>> {
    let mut groups: BTreeMap<&str, Vec<&Indicator>> = BTreeMap::new();
    for ind in &catalog.indicators {
        if let Some(name) = &ind.def.disclosure.linked {
            groups.entry(name).or_default().push(ind);
        }
    }
    groups
        .into_iter()
        .map(|(name, members)| {
            let atoms = members[0].def.disclosure.atoms.clone();
            if let Some(other) = members.iter().find(|m| m.def.disclosure.atoms != atoms) {
                return Err(IndicatorError::catalogue(
                    &other.file,
                    format!(
                        "[disclosure] linked table `{name}`: atoms {:?} differ from {:?} in {}",
                        other.def.disclosure.atoms, atoms, members[0].file
                    ),
                ));
            }
            Ok((members, atoms))
        })
        .collect()
}

/// The cells of a linked group, one list per period.
fn linked_periods(members: &[&Indicator], obs: &[Observation]) -> Vec<Vec<usize>> {
    let mut periods: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, o) in obs.iter().enumerate() {
        if members.iter().any(|m| m.id() == o.indicator_id) {
            periods.entry(&o.period).or_default().push(i);
        }
    }
    periods.into_values().collect()
}

/// One published figure as an equation over the atoms: coefficients, and the cell that
/// publishes it (`None`: a category the public reads as 0 because it has no row).
struct Equation {
    cell: Option<usize>,
    coefficients: Vec<f64>,
    value: f64,
    /// The count a cell's suppression protects (a count's value, a ratio's numerator).
    basis: bool,
}

/// The equations of one linked group's period.
struct System {
    equations: Vec<Equation>,
}

impl System {
    /// Every figure of `cells` as an equation; `Err` names a category that is not an atom.
    fn build(
        members: &[&Indicator],
        atoms: &[String],
        obs: &[Observation],
        cells: &[usize],
    ) -> std::result::Result<System, String> {
        let mut equations = Vec::new();
        for &i in cells {
            let o = &obs[i];
            let Some(ind) = members.iter().find(|m| m.id() == o.indicator_id) else {
                continue;
            };
            let d = &ind.def.disclosure;
            let parts = [
                (&d.value, o.value, true),
                (&d.numerator, o.numerator, true),
                (&d.denominator, o.denominator, false),
            ];
            for (cover, figure, basis) in parts {
                let (Some(cover), Some(value)) = (cover, figure) else {
                    continue;
                };
                equations.push(Equation {
                    cell: Some(i),
                    coefficients: coefficients(ind, atoms, cover, o)?,
                    value,
                    basis,
                });
            }
        }
        // A by-category indicator lists every non-empty category: an atom without a row is
        // published as 0.
        for ind in members {
            let d = &ind.def.disclosure;
            for cover in [&d.value, &d.numerator].into_iter().flatten() {
                let Cover::Named(dim) = cover else { continue };
                let Some(k) = Dimension::BREAKDOWNS.iter().position(|b| b.column() == dim) else {
                    continue;
                };
                let rows: BTreeSet<&str> = cells
                    .iter()
                    .map(|&i| &obs[i])
                    .filter(|o| o.indicator_id == ind.id())
                    .map(|o| o.breakdown[k].as_str())
                    .collect();
                if rows.is_empty() {
                    continue;
                }
                for (a, atom) in atoms.iter().enumerate() {
                    if !rows.contains(atom.as_str()) {
                        let mut coefficients = vec![0.0; atoms.len()];
                        coefficients[a] = 1.0;
                        equations.push(Equation {
                            cell: None,
                            coefficients,
                            value: 0.0,
                            basis: false,
                        });
                    }
                }
            }
        }
        Ok(System { equations })
    }

    /// The equations published while `hidden` cells (and `extra`) are suppressed.
    fn published(&self, obs: &[Observation], extra: Option<usize>) -> Vec<Vec<f64>> {
        self.equations
            .iter()
            .filter(|e| match e.cell {
                None => true,
                Some(c) => !obs[c].is_suppressed() && Some(c) != extra,
            })
            .map(|e| e.coefficients.clone())
            .collect()
    }

    /// Cells suppressed for confidentiality (and `extra`, as if it were) whose count the
    /// published equations determine.
    fn derivable(&self, obs: &[Observation], extra: Option<usize>) -> Vec<usize> {
        let published = self.published(obs, extra);
        let full = rank(&published, None);
        let mut out: Vec<usize> = self
            .equations
            .iter()
            .filter(|e| e.basis)
            .filter_map(|e| e.cell.map(|c| (c, e)))
            .filter(|(c, _)| {
                let confidential =
                    obs[*c].conf_status == PRIMARY || obs[*c].conf_status == SECONDARY;
                confidential || Some(*c) == extra
            })
            .filter(|(_, e)| {
                let mut with = published.clone();
                with.push(e.coefficients.clone());
                rank(&with, None) == full
            })
            .map(|(c, _)| c)
            .collect();
        out.dedup();
        out
    }

    /// The declared link holds on the figures: the system of every equation is consistent.
    fn reconciles(&self) -> bool {
        let a: Vec<Vec<f64>> = self
            .equations
            .iter()
            .map(|e| e.coefficients.clone())
            .collect();
        let ab: Vec<Vec<f64>> = self
            .equations
            .iter()
            .map(|e| {
                let mut r = e.coefficients.clone();
                r.push(e.value);
                r
            })
            .collect();
        rank(&a, None) == rank(&ab, None)
    }

    /// The count a cell's suppression protects, for choosing the smallest complement.
    fn basis(&self, cell: usize) -> f64 {
        self.equations
            .iter()
            .find(|e| e.cell == Some(cell) && e.basis)
            .map_or(0.0, |e| e.value)
    }
}

/// The atoms a figure of observation `o` adds up, as coefficients.
fn coefficients(
    ind: &Indicator,
    atoms: &[String],
    cover: &Cover,
    o: &Observation,
) -> std::result::Result<Vec<f64>, String> {
    let mut row = vec![0.0; atoms.len()];
    let mut set = |name: &str| match atoms.iter().position(|a| a == name) {
        Some(a) => {
            row[a] = 1.0;
            Ok(())
        }
        None => Err(format!(
            "{} {}: category `{name}` is not an atom of the linked table",
            ind.id(),
            o.period
        )),
    };
    match cover {
        Cover::Named(n) if n == "all" => row.iter_mut().for_each(|v| *v = 1.0),
        Cover::Named(dim) => {
            let d = Dimension::BREAKDOWNS
                .iter()
                .find(|d| d.column() == dim)
                .ok_or_else(|| format!("{}: `{dim}` is not a breakdown", ind.id()))?;
            let category = o.dimension(*d);
            if category == d.total() {
                row.iter_mut().for_each(|v| *v = 1.0);
            } else {
                set(category)?;
            }
        }
        Cover::Atoms(list) => {
            for a in list {
                set(a)?;
            }
        }
    }
    Ok(row)
}

/// Close one linked group's period, or withhold it.
fn close_linked(
    members: &[&Indicator],
    atoms: &[String],
    obs: &mut [Observation],
    cells: &[usize],
) {
    let id = members
        .iter()
        .map(|m| m.id())
        .collect::<Vec<_>>()
        .join(", ");
    let system = match System::build(members, atoms, obs, cells) {
        Ok(s) if s.reconciles() => s,
        Ok(_) | Err(_) => {
            tracing::warn!(
                indicators = id,
                period = obs[cells[0]].period,
                "linked tables do not add up as declared: period withheld"
            );
            withhold(obs, cells, WITHHELD_UNRECONCILED);
            return;
        }
    };
    // Each pass suppresses one more cell, so this ends within `cells.len()` passes.
    for _ in 0..=cells.len() {
        let left = system.derivable(obs, None);
        if left.is_empty() {
            return;
        }
        let published = rank(&system.published(obs, None), None);
        let best = cells
            .iter()
            .copied()
            .filter(|&c| !obs[c].is_suppressed())
            .filter(|&c| rank(&system.published(obs, Some(c)), None) < published)
            .map(|c| {
                let still = system.derivable(obs, Some(c)).len();
                let basis = system.basis(c);
                (still, basis == 0.0, basis, c)
            })
            .min_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)));
        match best {
            Some((_, _, _, c)) => obs[c].conf_status = SECONDARY.to_string(),
            None => break,
        }
    }
    tracing::warn!(
        indicators = id,
        period = obs[cells[0]].period,
        "linked tables cannot be closed: period withheld"
    );
    withhold(obs, cells, WITHHELD_UNSAFE);
}

/// The comment a public output shows for `o` (already masked): a withheld cell shows why; a
/// comment that states a figure hidden by suppression in `hidden` is replaced.
pub fn public_comment(o: &Observation, hidden: &[f64]) -> Option<String> {
    if o.conf_status == WITHHELD {
        let reason = [WITHHELD_UNRECONCILED, WITHHELD_UNSAFE]
            .into_iter()
            .find(|r| o.obs_comment.as_deref().is_some_and(|c| c.starts_with(r)))
            .unwrap_or(WITHHELD_UNSAFE);
        return Some(reason.to_string());
    }
    let comment = o.obs_comment.as_deref()?;
    if numbers_in(comment)
        .iter()
        .any(|n| hidden.iter().any(|h| (n - h).abs() < 1e-9))
    {
        return Some(COMMENT_WITHHELD.to_string());
    }
    Some(comment.to_string())
}

/// The figures a suppressed observation hides (unmasked): value (as computed and as it would
/// be published), numerator, denominator. Empty for a published one.
pub fn hidden_figures(o: &Observation) -> Vec<f64> {
    if !o.is_suppressed() {
        return Vec::new();
    }
    [o.value, o.rounded_value(), o.numerator, o.denominator]
        .into_iter()
        .flatten()
        .collect()
}

/// Every number written in a text (digits, with a decimal point or comma inside).
pub fn numbers_in(text: &str) -> Vec<f64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map(|t| t.trim_matches(|c| c == '.' || c == ','))
        .filter(|t| !t.is_empty())
        .flat_map(|t| {
            // `1,227` may be a thousands separator or a decimal comma: consider both.
            [t.replace(',', ""), t.replace(',', ".")]
        })
        .filter_map(|t| t.parse::<f64>().ok())
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

    /// A share with one category: its count is the total, which every cell's denominator
    /// publishes, so no complement can hide it. The period is withheld, not published with
    /// the leak; the other period is untouched.
    #[test]
    fn a_table_that_cannot_be_closed_is_withheld_not_published() {
        let ind = indicator(Unit::Percent, &[Dimension::Sex]);
        let share = |period: &str, sex: &str, n: f64, d: f64| Observation {
            period: period.into(),
            value: Some(100.0 * n / d),
            numerator: Some(n),
            denominator: Some(d),
            ..cell("MA", sex, 0.0)
        };
        let mut obs = vec![
            share("2023", "F", 3.0, 3.0),
            share("2023", "_T", 3.0, 3.0),
            share("2024", "F", 12.0, 20.0),
            share("2024", "M", 8.0, 20.0),
            share("2024", "_T", 20.0, 20.0),
        ];
        protect(&ind, &mut obs);
        assert_eq!(statuses(&obs), ["N", "N", "F", "F", "F"]);
        for o in &obs[..2] {
            assert_eq!(o.obs_comment.as_deref(), Some(WITHHELD_UNSAFE));
            let public = o.public();
            assert_eq!(
                (public.value, public.numerator, public.denominator),
                (None, None, None)
            );
            assert_eq!(public.obs_status, "Q");
            assert_eq!(
                public_comment(&public, &[]).as_deref(),
                Some(WITHHELD_UNSAFE)
            );
        }
        assert!(derivable(&ind, &obs).is_empty());
    }

    /// The embedded EMC indicators of one year, as the samples give 2021: reports by age band
    /// (5-12: 3, 13-17: 9, 18-25: 24, 26+: 20, unknown: 8), minors 12 of 64.
    fn emc_2021(minors: f64) -> (Catalog, Vec<Observation>) {
        let catalog = Catalog::embedded().unwrap();
        let mut obs = Vec::new();
        let mut add = |id: &str, band: &str, v: f64, n: Option<f64>, d: Option<f64>| {
            let mut o = cell("MA", "_Z", v);
            o.indicator_id = id.into();
            o.period = "2021".into();
            o.breakdown[2] = band.into();
            o.numerator = n;
            o.denominator = d;
            obs.push(o);
        };
        add("EMC_REPORTS", "_Z", 64.0, Some(64.0), None);
        for (band, n) in [
            ("5-12", 3.0),
            ("13-17", 9.0),
            ("18-25", 24.0),
            ("26+", 20.0),
            ("_U", 8.0),
            ("_T", 64.0),
        ] {
            add(
                "EMC_REPORTS_AGE_SHARE",
                band,
                100.0 * n / 64.0,
                Some(n),
                Some(64.0),
            );
        }
        add(
            "EMC_REPORTS_MINORS_SHARE",
            "_Z",
            100.0 * minors / 64.0,
            Some(minors),
            Some(64.0),
        );
        for ind in &catalog.indicators {
            let mine: Vec<usize> = (0..obs.len())
                .filter(|&i| obs[i].indicator_id == ind.id())
                .collect();
            let mut part: Vec<Observation> = mine.iter().map(|&i| obs[i].clone()).collect();
            protect(ind, &mut part);
            for (i, o) in mine.into_iter().zip(part) {
                obs[i] = o;
            }
        }
        (catalog, obs)
    }

    /// Age 5-12 is suppressed in the age table, but minors (12) − 13-17 (9) − 0-4 (no row: 0)
    /// gives it back: the linked audit sees it, and the minors' share of 2021 goes too.
    #[test]
    fn linked_tables_hide_what_one_table_alone_would_give_away() {
        let (catalog, mut obs) = emc_2021(12.0);
        assert_eq!(statuses(&obs), ["F", "C", "F", "F", "F", "D", "F", "F"]);
        assert_eq!(
            derivable(catalog.get("EMC_REPORTS_AGE_SHARE").unwrap(), &obs[1..7]),
            Vec::<usize>::new()
        );
        // Before: the suppressed 5-12 (index 1) and unknown (index 5) are both derivable.
        assert_eq!(derivable_linked(&catalog, &obs).unwrap(), [1, 5]);
        protect_linked(&catalog, &mut obs).unwrap();
        assert_eq!(statuses(&obs), ["F", "C", "F", "F", "F", "D", "F", "D"]);
        assert!(derivable_linked(&catalog, &obs).unwrap().is_empty());
    }

    /// A declared link that the figures contradict (minors 13, but the minor bands hold 12)
    /// cannot be audited: the whole group's period is withheld, with the reason.
    #[test]
    fn a_link_that_does_not_add_up_withholds_the_period() {
        let (catalog, mut obs) = emc_2021(13.0);
        protect_linked(&catalog, &mut obs).unwrap();
        assert!(
            obs.iter().all(|o| o.conf_status == WITHHELD),
            "{:?}",
            statuses(&obs)
        );
        let public = obs[0].public();
        assert_eq!(
            public_comment(&public, &[]).as_deref(),
            Some(WITHHELD_UNRECONCILED)
        );
    }

    #[test]
    fn a_comment_giving_a_hidden_figure_is_replaced() {
        let mut o = cell("MA", "_Z", 18.75);
        o.obs_comment = Some("8 report(s) of unknown age counted in the denominator".into());
        assert_eq!(
            public_comment(&o, &[3.0, 8.0]).as_deref(),
            Some(COMMENT_WITHHELD)
        );
        assert_eq!(public_comment(&o, &[3.0, 4.7]), o.obs_comment);
        assert_eq!(
            numbers_in("CV 7.0%, 2971 respondents; 1,227 reports."),
            [7.0, 7.0, 2971.0, 2971.0, 1227.0, 1.227]
        );
    }
}
