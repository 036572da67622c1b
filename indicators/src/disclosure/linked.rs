//! Linked tables: indicators that publish sums of the same atoms (a declared `linked` base
//! table) are audited together per period, so a count one of them hides is not given back by
//! the published figures of another (see the module documentation of [`super`]).

use super::*;

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
