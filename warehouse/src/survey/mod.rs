//! Design-based estimation for weighted survey samples, as R's `survey` package computes it:
//! totals, means, proportions and ratios with their variance by Taylor linearisation, for
//! stratified, clustered samples with unequal weights and a finite population correction.
//!
//! The sample is held as sums per stratum and primary sampling unit (PSU), never row by row:
//! every estimator here is linear in those sums once the point estimate is known, so memory
//! grows with the number of PSUs, not of respondents.
//!
//! **Variance** (first-stage, with-replacement formula with fpc — R's default for one-stage
//! designs): `V = Σ_h (1 - f_h) · n_h / (n_h - 1) · Σ_i (z_hi - z̄_h)²`, where `z_hi` is the
//! weighted total in PSU i of the linearised variable (`y` for a total, `(y - Ȳ) / N̂` for a
//! mean or proportion, `(y - R x) / X̂` for a ratio) and `f_h` the sampling fraction (`fpc`
//! given as a population count of PSUs: `n_h / fpc`; as a fraction ≤ 1: itself; absent: 0).
//!
//! **Domains.** A domain (a GROUP BY) keeps the whole design: PSUs with no respondent in the
//! domain count in `n_h` with `z_hi = 0`. When the number of PSUs of each stratum in the full
//! sample (`stratum_psus`) is given, it is used; otherwise the PSUs present are counted, which
//! is right for the whole sample only.
//!
//! **Census strata.** A stratum whose sampling fraction is 1 (every PSU taken: fpc = its number
//! of PSUs, or fraction 1) is self-representing: it adds no first-stage variance, whatever its
//! number of PSUs, so a certainty PSU alone in its stratum is not lonely (R's `onestrat`).
//!
//! **Strata with one PSU** that are not a census ([`LonelyPsu`], R's `survey.lonely.psu`):
//! `fail` (error, R's default), `certainty` (the stratum adds no variance) or `centre` (its PSU
//! deviates from the mean of all PSU totals instead of its stratum's, R's `adjust`).
//!
//! **Two stages** (an fpc per stage, R's `svydesign(id = ~psu + ssu, fpc = ~fpc1 + fpc2)`,
//! R's `multistage`): each PSU adds `f_h · (1 - f_hi) · m_hi / (m_hi - 1) · Σ_j (z_hij - z̄_hi)²`
//! over its SSUs, `f_h` being the first-stage sampling fraction (1 in a census stratum). A PSU
//! whose SSUs were all taken (`f_hi` = 1) adds nothing; one with a single SSU that is not a
//! census is lonely: an error under `fail`, nothing otherwise (within one PSU the mean of all
//! SSU totals is that SSU's own, so `centre` adds nothing either).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// 97.5% quantile of the standard normal: the 95% intervals R's `confint` gives.
pub const Z_95: f64 = 1.959_963_984_540_054;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Estimator {
    Total,
    Mean,
    /// The mean of a 0/1 variable, with an interval on the logit scale (inside [0, 1]).
    Proportion,
    /// Ratio of two totals, `y / x`.
    Ratio,
}

/// What to do with a stratum that has a single PSU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LonelyPsu {
    Fail,
    Certainty,
    Centre,
}

impl LonelyPsu {
    pub fn parse(s: &str) -> Option<LonelyPsu> {
        match s {
            "fail" => Some(LonelyPsu::Fail),
            "certainty" => Some(LonelyPsu::Certainty),
            "centre" | "center" | "adjust" => Some(LonelyPsu::Centre),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SurveyError {
    #[error(
        "stratum `{0}` has a single PSU (lonely PSU option: fail; choose certainty or centre)"
    )]
    LonelyPsu(String),
    #[error("stratum `{stratum}`: {what} differs between rows ({a} and {b}); it must be constant within a stratum")]
    NotConstant {
        stratum: String,
        what: &'static str,
        a: f64,
        b: f64,
    },
    #[error("stratum `{stratum}`: {detail}")]
    Design { stratum: String, detail: String },
}

/// Weighted sums of a sampling unit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sums {
    pub w: f64,
    pub wy: f64,
    pub wx: f64,
}

impl Sums {
    fn add(&mut self, w: f64, y: f64, x: f64) {
        self.w += w;
        self.wy += w * y;
        self.wx += w * x;
    }

    fn merge(&mut self, o: &Sums) {
        self.w += o.w;
        self.wy += o.wy;
        self.wx += o.wx;
    }
}

/// One PSU: its sums and, in a two-stage design, its secondary units (SSUs).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Psu {
    pub sums: Sums,
    /// Second-stage fpc: population count of SSUs in the PSU, or a sampling fraction.
    pub fpc2: Option<f64>,
    /// SSUs of this PSU in the full sample (for domains).
    pub ssus_in_design: Option<f64>,
    pub ssus: HashMap<String, Sums>,
}

/// The second stage of a row in a two-stage design.
#[derive(Debug, Clone, Copy)]
pub struct SecondStage<'a> {
    pub ssu: &'a str,
    pub fpc: Option<f64>,
    pub ssus_in_design: Option<f64>,
}

/// One stratum: its fpc, its number of PSUs in the full sample (if given), its PSUs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stratum {
    pub fpc: Option<f64>,
    pub psus_in_design: Option<f64>,
    pub psus: HashMap<String, Psu>,
}

/// The sample (or the part of it in one domain), summed by stratum and PSU.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sample {
    pub strata: BTreeMap<String, Stratum>,
    /// Respondents (rows with a weight and a value).
    pub n: u64,
    pub sum_w: f64,
    pub sum_wy: f64,
    pub sum_wyy: f64,
}

/// The linearised variable of an estimator, as a function of a PSU's sums.
struct Linearised {
    b: f64,
    c: f64,
    scale: f64,
}

impl Linearised {
    fn z(&self, u: &Sums) -> f64 {
        (u.wy - self.b * u.w - self.c * u.wx) / self.scale
    }
}

/// An estimate and its precision.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub estimate: f64,
    pub se: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    /// Coefficient of variation, se / |estimate| (NaN for a zero estimate).
    pub cv: f64,
    /// Design effect against simple random sampling without replacement (not for ratios).
    pub deff: Option<f64>,
    /// Unweighted count of respondents.
    pub n: u64,
}

fn same(
    stratum: &str,
    what: &'static str,
    slot: &mut Option<f64>,
    v: Option<f64>,
) -> Result<(), SurveyError> {
    match (*slot, v) {
        (_, None) => Ok(()),
        (None, Some(v)) => {
            *slot = Some(v);
            Ok(())
        }
        (Some(a), Some(b)) if (a - b).abs() <= 1e-9 * a.abs().max(1.0) => Ok(()),
        (Some(a), Some(b)) => Err(SurveyError::NotConstant {
            stratum: stratum.to_string(),
            what,
            a,
            b,
        }),
    }
}

/// Whether a sampling fraction says every unit was taken: a self-representing stratum (or PSU,
/// at the second stage) adds no variance at its stage and is never lonely. The tolerance is
/// R's (`onestrat`: `all(f < 0.0000001)` on `1 - fraction`).
fn is_census(fraction: f64) -> bool {
    1.0 - fraction < 1e-7
}

impl Sample {
    /// Add one respondent of a one-stage design: weight `w`, value `y` (and `x` for a ratio).
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        stratum: &str,
        psu: &str,
        fpc: Option<f64>,
        psus_in_design: Option<f64>,
        w: f64,
        y: f64,
        x: f64,
    ) -> Result<(), SurveyError> {
        self.add_unit(stratum, psu, fpc, psus_in_design, None, w, y, x)
    }

    /// Add one respondent, with its second-stage unit in a two-stage design.
    #[allow(clippy::too_many_arguments)]
    pub fn add_unit(
        &mut self,
        stratum: &str,
        psu: &str,
        fpc: Option<f64>,
        psus_in_design: Option<f64>,
        second: Option<SecondStage>,
        w: f64,
        y: f64,
        x: f64,
    ) -> Result<(), SurveyError> {
        let s = match self.strata.get_mut(stratum) {
            Some(s) => s,
            None => self.strata.entry(stratum.to_string()).or_default(),
        };
        same(stratum, "fpc", &mut s.fpc, fpc)?;
        same(
            stratum,
            "the number of PSUs",
            &mut s.psus_in_design,
            psus_in_design,
        )?;
        let p = match s.psus.get_mut(psu) {
            Some(p) => p,
            None => s.psus.entry(psu.to_string()).or_default(),
        };
        p.sums.add(w, y, x);
        if let Some(second) = second {
            let at = format!("{stratum}, PSU {psu}");
            same(&at, "fpc2", &mut p.fpc2, second.fpc)?;
            same(
                &at,
                "the number of SSUs",
                &mut p.ssus_in_design,
                second.ssus_in_design,
            )?;
            match p.ssus.get_mut(second.ssu) {
                Some(u) => u.add(w, y, x),
                None => p
                    .ssus
                    .entry(second.ssu.to_string())
                    .or_default()
                    .add(w, y, x),
            }
        }
        self.n += 1;
        self.sum_w += w;
        self.sum_wy += w * y;
        self.sum_wyy += w * y * y;
        Ok(())
    }

    /// Fold another part of the same sample (another partition) into this one.
    pub fn merge(&mut self, other: Sample) -> Result<(), SurveyError> {
        for (name, theirs) in other.strata {
            let mine = self.strata.entry(name.clone()).or_default();
            same(&name, "fpc", &mut mine.fpc, theirs.fpc)?;
            same(
                &name,
                "the number of PSUs",
                &mut mine.psus_in_design,
                theirs.psus_in_design,
            )?;
            for (psu, theirs) in theirs.psus {
                let at = format!("{name}, PSU {psu}");
                let p = mine.psus.entry(psu).or_default();
                p.sums.merge(&theirs.sums);
                same(&at, "fpc2", &mut p.fpc2, theirs.fpc2)?;
                same(
                    &at,
                    "the number of SSUs",
                    &mut p.ssus_in_design,
                    theirs.ssus_in_design,
                )?;
                for (ssu, u) in theirs.ssus {
                    p.ssus.entry(ssu).or_default().merge(&u);
                }
            }
        }
        self.n += other.n;
        self.sum_w += other.sum_w;
        self.sum_wy += other.sum_wy;
        self.sum_wyy += other.sum_wyy;
        Ok(())
    }

    /// The estimate of `estimator` with its standard error and intervals.
    pub fn estimate(
        &self,
        estimator: Estimator,
        lonely: LonelyPsu,
    ) -> Result<Option<Estimate>, SurveyError> {
        if self.n == 0 {
            return Ok(None);
        }
        let sum_wx: f64 = self
            .strata
            .values()
            .flat_map(|s| s.psus.values())
            .map(|p| p.sums.wx)
            .sum();
        // z = (Σwy − b·Σw − c·Σwx) / scale per PSU: the weighted linearised variable.
        let (theta, lin) = match estimator {
            Estimator::Total => (
                self.sum_wy,
                Linearised {
                    b: 0.0,
                    c: 0.0,
                    scale: 1.0,
                },
            ),
            Estimator::Mean | Estimator::Proportion => {
                let mean = self.sum_wy / self.sum_w;
                (
                    mean,
                    Linearised {
                        b: mean,
                        c: 0.0,
                        scale: self.sum_w,
                    },
                )
            }
            Estimator::Ratio => {
                let r = self.sum_wy / sum_wx;
                (
                    r,
                    Linearised {
                        b: 0.0,
                        c: r,
                        scale: sum_wx,
                    },
                )
            }
        };
        let variance = self.variance(&lin, lonely)?;
        let se = variance.max(0.0).sqrt();
        let (ci_lower, ci_upper) = match estimator {
            Estimator::Proportion if theta > 0.0 && theta < 1.0 => {
                // R's svyciprop(method = "logit").
                let logit = (theta / (1.0 - theta)).ln();
                let half = Z_95 * se / (theta * (1.0 - theta));
                let expit = |v: f64| 1.0 / (1.0 + (-v).exp());
                (expit(logit - half), expit(logit + half))
            }
            _ => (theta - Z_95 * se, theta + Z_95 * se),
        };
        let deff = match estimator {
            Estimator::Ratio => None,
            _ => self.srs_variance(estimator).map(|v| variance / v),
        };
        Ok(Some(Estimate {
            estimate: theta,
            se,
            ci_lower,
            ci_upper,
            cv: se / theta.abs(),
            deff,
            n: self.n,
        }))
    }

    fn variance(&self, lin: &Linearised, lonely: LonelyPsu) -> Result<f64, SurveyError> {
        let z = |p: &Psu| lin.z(&p.sums);
        let psus_total: f64 = self
            .strata
            .values()
            .map(|s| s.psus_in_design.unwrap_or(s.psus.len() as f64))
            .sum();
        let grand_mean = self
            .strata
            .values()
            .flat_map(|s| s.psus.values())
            .map(z)
            .sum::<f64>()
            / psus_total;
        let mut v = 0.0;
        for (name, s) in &self.strata {
            let present = s.psus.len() as f64;
            let n_h = s.psus_in_design.unwrap_or(present);
            if n_h < present {
                return Err(SurveyError::Design {
                    stratum: name.clone(),
                    detail: format!("{present} PSUs seen but the design gives {n_h}"),
                });
            }
            let f = match s.fpc {
                None => 0.0,
                Some(fpc) if fpc > 1.0 => n_h / fpc,
                Some(fraction) => fraction,
            };
            if !(0.0..=1.0).contains(&f) {
                return Err(SurveyError::Design {
                    stratum: name.clone(),
                    detail: format!(
                        "sampling fraction {f} is outside [0, 1] (fpc {:?}, {n_h} PSUs)",
                        s.fpc
                    ),
                });
            }
            // Second stage (R's multistage): within each PSU, the same formula over its SSUs,
            // weighted by the first-stage sampling fraction; nothing when stage 1 has no fpc.
            // A census stratum still has this term (with f = 1): its PSUs were all taken, not
            // their SSUs.
            if f > 0.0 {
                for (psu, p) in s.psus.iter().filter(|(_, p)| !p.ssus.is_empty()) {
                    v += f * self.second_stage(name, psu, p, lin, lonely)?;
                }
            }
            if is_census(f) {
                continue;
            }
            let (sum, sum_sq) = s
                .psus
                .values()
                .map(z)
                .fold((0.0, 0.0), |(a, b), z| (a + z, b + z * z));
            if n_h < 2.0 {
                v += match lonely {
                    LonelyPsu::Fail => return Err(SurveyError::LonelyPsu(name.clone())),
                    LonelyPsu::Certainty => 0.0,
                    LonelyPsu::Centre => (1.0 - f) * (sum - grand_mean).powi(2),
                };
                continue;
            }
            v += (1.0 - f) * n_h / (n_h - 1.0) * (sum_sq - sum * sum / n_h);
        }
        Ok(v)
    }

    /// The within-PSU variance of a two-stage design (before the first-stage fraction).
    fn second_stage(
        &self,
        stratum: &str,
        psu: &str,
        p: &Psu,
        lin: &Linearised,
        lonely: LonelyPsu,
    ) -> Result<f64, SurveyError> {
        let at = || format!("{stratum}, PSU {psu}");
        let present = p.ssus.len() as f64;
        let m = p.ssus_in_design.unwrap_or(present);
        let f2 = match p.fpc2 {
            None => 0.0,
            Some(fpc) if fpc > 1.0 => m / fpc,
            Some(fraction) => fraction,
        };
        if m < present || !(0.0..=1.0).contains(&f2) {
            return Err(SurveyError::Design {
                stratum: at(),
                detail: format!("{present} SSUs seen, {m} in the design, sampling fraction {f2}"),
            });
        }
        if is_census(f2) {
            return Ok(0.0);
        }
        if m < 2.0 {
            return match lonely {
                LonelyPsu::Fail => Err(SurveyError::LonelyPsu(format!("{} (a single SSU)", at()))),
                _ => Ok(0.0),
            };
        }
        let (sum, sum_sq) = p
            .ssus
            .values()
            .map(|u| lin.z(u))
            .fold((0.0, 0.0), |(a, b), z| (a + z, b + z * z));
        Ok((1.0 - f2) * m / (m - 1.0) * (sum_sq - sum * sum / m))
    }

    /// The variance of the same estimator under simple random sampling without replacement of
    /// the same number of respondents (R's `deff = TRUE`).
    fn srs_variance(&self, estimator: Estimator) -> Option<f64> {
        let (n, psum) = (self.n as f64, self.sum_w);
        if n < 2.0 || psum <= 0.0 {
            return None;
        }
        let mean = self.sum_wy / psum;
        let s2 = n / (n - 1.0) * (self.sum_wyy / psum - mean * mean);
        let v_mean = s2 / n * (psum - n) / psum;
        Some(match estimator {
            Estimator::Total => v_mean * psum * psum,
            _ => v_mean,
        })
    }
}

#[cfg(test)]
mod tests;
