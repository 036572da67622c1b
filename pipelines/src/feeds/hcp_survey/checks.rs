//! The row checks on the design columns (weight, strata, PSU, SSU, fpc) and the design findings
//! the accepted rows lead to (`survey.design`, `survey.fpc_constant`, `survey.fpc_covers_sample`,
//! `survey.lonely_psu`, `survey.psu_nested`).

use super::*;

/// The design values of a row that passed the checks.
pub(super) struct RowDesign {
    pub(super) weight: f64,
    pub(super) stratum: String,
    pub(super) psu: Option<String>,
    pub(super) fpc: Option<f64>,
}

/// Check the design columns of one row: the rejected values (column index, reason), or the
/// row's design values.
pub(super) fn check_row<'a>(
    roles: &Roles,
    kind: FpcKind,
    cell: impl Fn(usize) -> Raw<'a>,
) -> std::result::Result<RowDesign, Vec<(usize, String)>> {
    let mut bad = Vec::new();
    let w = cell(roles.weight);
    let weight = if w.missing() {
        bad.push((roles.weight, "the weight is missing".to_string()));
        0.0
    } else {
        match w.number() {
            Ok(x) if x > 0.0 && x.is_finite() => x,
            Ok(x) => {
                bad.push((
                    roles.weight,
                    format!("the weight must be positive (got {x})"),
                ));
                0.0
            }
            Err(e) => {
                bad.push((roles.weight, format!("the weight is not a number: {e}")));
                0.0
            }
        }
    };
    let mut present = |col: Option<usize>, what: &str| -> Option<String> {
        let c = col?;
        let v = cell(c);
        if v.missing() {
            bad.push((c, format!("the {what} is missing")));
            None
        } else {
            Some(v.text())
        }
    };
    let stratum = present(roles.strata, "stratum").unwrap_or_default();
    let psu = present(roles.psu, "primary sampling unit");
    present(roles.ssu, "second stage unit");
    // A respondent without an id could not be told apart from a re-sent one.
    present(roles.respondent, "respondent id");
    let mut fpc_of = |col: Option<usize>| -> Option<f64> {
        let c = col?;
        let v = cell(c);
        let reason = match v.number() {
            Ok(x) if x > 0.0 && (kind == FpcKind::Population || x <= 1.0) => return Some(x),
            Ok(x) => match kind {
                FpcKind::Population => {
                    format!("the fpc must be a positive population count (got {x})")
                }
                FpcKind::Fraction => {
                    format!("the fpc must be a sampling fraction in (0, 1] (got {x})")
                }
            },
            Err(_) if v.missing() => "the fpc is missing".to_string(),
            Err(e) => format!("the fpc is not a number: {e}"),
        };
        bad.push((c, reason));
        None
    };
    let fpc = fpc_of(roles.fpc);
    fpc_of(roles.fpc2);
    if bad.is_empty() {
        Ok(RowDesign {
            weight,
            stratum,
            psu: if roles.psu.is_some() { psu } else { None },
            fpc,
        })
    } else {
        Err(bad)
    }
}

/// What the accepted rows say about the design, for the findings.
#[derive(Default)]
pub(super) struct Structure {
    pub(super) strata: BTreeMap<String, Stratum>,
    /// PSU → the first stratum it was seen in.
    pub(super) psu_home: HashMap<String, String>,
    pub(super) psu_shared: Option<(String, String, String)>,
    pub(super) rows: u64,
    pub(super) weights: f64,
}

#[derive(Default)]
pub(super) struct Stratum {
    pub(super) psus: HashSet<String>,
    pub(super) rows: u64,
    pub(super) fpc: Option<f64>,
    pub(super) fpc_varies: Option<(f64, f64)>,
}

impl Structure {
    pub(super) fn add(&mut self, row: &RowDesign) {
        self.rows += 1;
        self.weights += row.weight;
        let s = self.strata.entry(row.stratum.clone()).or_default();
        s.rows += 1;
        if let Some(p) = &row.psu {
            if !s.psus.contains(p) {
                s.psus.insert(p.clone());
                match self.psu_home.get(p) {
                    Some(home) if *home != row.stratum => {
                        if self.psu_shared.is_none() {
                            self.psu_shared = Some((p.clone(), home.clone(), row.stratum.clone()));
                        }
                    }
                    Some(_) => {}
                    None => {
                        self.psu_home.insert(p.clone(), row.stratum.clone());
                    }
                }
            }
        }
        if let Some(f) = row.fpc {
            match s.fpc {
                None => s.fpc = Some(f),
                Some(first) if first != f && s.fpc_varies.is_none() => {
                    s.fpc_varies = Some((first, f))
                }
                Some(_) => {}
            }
        }
    }

    pub(super) fn findings(&self, out: &mut Emitter, design: &Design, roles: &Roles) {
        let psus: usize = self.strata.values().map(|s| s.psus.len()).sum();
        let stratum_label = |k: &str| {
            if roles.strata.is_some() {
                format!("stratum {k}")
            } else {
                "the sample (one stratum)".to_string()
            }
        };
        out.finding(
            "survey.design",
            Severity::Info,
            None,
            format!(
                "{}: {} respondents, {} strata, {} PSUs, sum of weights {}",
                design.survey_id,
                self.rows,
                if roles.strata.is_some() {
                    self.strata.len()
                } else {
                    1
                },
                if roles.psu.is_some() {
                    psus.to_string()
                } else {
                    "no PSU column (each respondent is a unit)".into()
                },
                crate::format::round(self.weights, 1)
                    .map_or_else(|| self.weights.to_string(), |w| w.to_string())
            ),
        );
        for (k, s) in &self.strata {
            if let Some((a, b)) = s.fpc_varies {
                out.finding(
                    "survey.fpc_constant",
                    Severity::Error,
                    Some(stratum_label(k)),
                    format!("the fpc varies within the stratum ({a} and {b}); it must be one value per stratum"),
                );
            }
            let sampled = if roles.psu.is_some() {
                s.psus.len() as u64
            } else {
                s.rows
            };
            if let (Some(f), FpcKind::Population) = (s.fpc, design.kind()) {
                if f < sampled as f64 {
                    out.finding(
                        "survey.fpc_covers_sample",
                        Severity::Error,
                        Some(stratum_label(k)),
                        format!("the fpc ({f}) is smaller than the {sampled} units sampled in the stratum"),
                    );
                }
            }
            if roles.psu.is_some() && s.psus.len() == 1 {
                out.finding(
                    "survey.lonely_psu",
                    Severity::Warning,
                    Some(stratum_label(k)),
                    "a single PSU in the stratum: its variance cannot be estimated".to_string(),
                );
            }
        }
        if let Some((p, a, b)) = &self.psu_shared {
            out.finding(
                "survey.psu_nested",
                Severity::Info,
                None,
                format!("PSU id {p} appears in strata {a} and {b}: PSU ids repeat across strata, so estimators must treat PSUs as nested within strata"),
            );
        }
    }
}
