//! The engine: runs each indicator's SQL on one pinned warehouse snapshot, checks the result
//! against the observation contract, applies disclosure control and writes the observations to
//! `indicators.observations` (replacing that snapshot's rows in one Delta commit).
//!
//! **The contract of an indicator's SQL.** One row per period × breakdown cell, with columns:
//! - `period` (text or integer: `2023`, or `2020/2023` for a change over a span);
//! - one column per declared breakdown dimension (`ref_area`, `sex`, `age_band`, `source`,
//!   `variable`), text, never null; `_T` marks a total, `_U` unknown;
//! - `value` (numeric; null only for a missing value, which gets OBS_STATUS `M`);
//! - optional `numerator`, `denominator` (for ratios, `value` must equal numerator /
//!   denominator × the unit's multiplier), `obs_status` (SDMX code, default `A`),
//!   `lower_bound`, `upper_bound`, `obs_comment`;
//! - for survey estimates, optional `cv` (coefficient of variation, as a fraction) and
//!   `respondents`: the indicator's reliability rules then mark the observation `U` (low
//!   reliability) or suppress it (`Q`), and its comment gives both.
//!
//! Any other column, a duplicate cell, a null key or a value that does not reconcile with its
//! numerator and denominator is an error naming the indicator. Retired indicators are not
//! recomputed; their observations from earlier snapshots stay in the table. An indicator whose
//! `requires` tables are not in the snapshot (a survey not ingested yet) has no observations.
//!
//! Each indicator's SQL runs with its own settings: the survey aggregates under its `[survey]
//! lonely_psu` rule (a context sharing the snapshot's tables and views). Every observation
//! records the definition hash and the engine version ([`ENGINE_VERSION`]) it was computed with.

use std::sync::Arc;

use arrow::array::{Array, Float64Array, RecordBatch, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use marsad_warehouse::derived::{self, OBSERVATIONS};
use marsad_warehouse::session::WarehouseSession;
use marsad_warehouse::{Warehouse, WarehouseError};

use crate::catalog::{Catalog, Dimension, Indicator, Status, Unit};
use crate::disclosure;
use crate::error::{IndicatorError, Result};
use crate::observations::{self, as_strings, Observation, FREE, SUPPRESSED};

/// The version of the engine that computes observations (the `marsad-indicators` crate's),
/// recorded in each: with the definition hash and the snapshot id, what made a figure.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

const OPTIONAL: &[&str] = &[
    "numerator",
    "denominator",
    "obs_status",
    "lower_bound",
    "upper_bound",
    "obs_comment",
    "cv",
    "respondents",
];
/// SDMX OBS_STATUS codes an indicator's SQL may set.
const OBS_STATUS_CODES: &[&str] = &["A", "B", "E", "F", "I", "M", "P", "U"];

/// The result of a compute run.
#[derive(Debug)]
pub struct Computed {
    pub snapshot_id: i64,
    /// Version of `indicators.observations` the run committed.
    pub table_version: i64,
    pub observations: Vec<Observation>,
}

/// Compute every indicator that is not retired on the session's snapshot and store the
/// observations. `progress` is called with each indicator id before it runs.
pub async fn compute(
    wh: &Warehouse,
    session: Arc<WarehouseSession>,
    catalog: &Catalog,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Computed> {
    let computed_at = chrono::Utc::now().timestamp_micros();
    // Each indicator runs as its own task, so planning and execution use every core; the
    // results are gathered in catalogue order, so the output does not depend on timing.
    let mut tasks = Vec::new();
    for ind in &catalog.indicators {
        if ind.def.status == Status::Retired {
            continue;
        }
        progress(ind.id());
        if let Some(missing) = ind.def.requires.iter().find(|t| {
            !session
                .ctx
                .table_exist(datafusion::common::TableReference::parse_str(t))
                .unwrap_or(false)
        }) {
            tracing::info!(
                indicator = ind.id(),
                "skipped: {missing} is not in snapshot {}",
                session.snapshot.id
            );
            continue;
        }
        let (session, ind) = (session.clone(), ind.clone());
        tasks.push(tokio::spawn(async move {
            let mut obs = run(&session, &ind, computed_at).await?;
            disclosure::protect(&ind, &mut obs);
            Ok::<_, IndicatorError>(obs)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        let obs = task.await.map_err(|e| IndicatorError::Contract {
            id: "engine".into(),
            detail: format!("an indicator's task stopped: {e}"),
        })??;
        all.extend(obs);
    }
    // Linked tables are protected together, once every indicator has its own suppression.
    disclosure::protect_linked(catalog, &mut all)?;
    let snapshot_id = session.snapshot.id;
    let batch = observations::to_batch(&all)?;
    let table_version = derived::replace_snapshot_rows(
        wh.location(),
        OBSERVATIONS,
        &observations::schema(),
        snapshot_id,
        vec![batch],
    )
    .await?;
    Ok(Computed {
        snapshot_id,
        table_version,
        observations: all,
    })
}

/// The query of [`stored`] (`sql/engine/stored_observations.sql`; `$1` is the snapshot id).
const STORED_OBSERVATIONS: &str = include_str!("../../sql/engine/stored_observations.sql");

/// The stored observations of the session's snapshot, if they were computed.
pub async fn stored(session: &WarehouseSession) -> Result<Option<Vec<Observation>>> {
    let exists = session
        .ctx
        .table_exist(datafusion::common::TableReference::partial(
            "indicators",
            "observations",
        ))
        .unwrap_or(false);
    if !exists {
        return Ok(None);
    }
    let batches = session
        .sql(STORED_OBSERVATIONS)
        .await?
        .with_param_values(vec![ScalarValue::Int64(Some(session.snapshot.id))])
        .map_err(WarehouseError::from)?
        .collect()
        .await
        .map_err(WarehouseError::from)?;
    let obs = observations::from_batches(&batches)?;
    Ok((!obs.is_empty()).then_some(obs))
}

/// Run one indicator's SQL and turn its rows into observations (not yet disclosure-controlled).
pub async fn run(
    session: &WarehouseSession,
    ind: &Indicator,
    computed_at_micros: i64,
) -> Result<Vec<Observation>> {
    let id = ind.id();
    let own;
    let session = match ind.lonely_psu() {
        rule if rule == marsad_warehouse::survey_sql::DEFAULT_LONELY_PSU => session,
        rule => {
            own = session.with_lonely_psu(rule);
            &own
        }
    };
    let batches = session
        .query(&ind.sql)
        .await
        .map_err(|cause| IndicatorError::Sql {
            id: id.to_string(),
            cause: Box::new(cause),
        })?;
    let hash = ind.definition_hash();
    let breakdowns = ind.breakdowns();
    let mut out = Vec::new();
    for batch in &batches {
        check_columns(ind, batch)?;
        let text = |name: &str| -> Result<Option<StringArray>> {
            batch
                .column_by_name(name)
                .map(|c| {
                    as_strings(name, c).map_err(|e| IndicatorError::contract(id, e.to_string()))
                })
                .transpose()
        };
        let num = |name: &str| -> Result<Option<Float64Array>> {
            batch
                .column_by_name(name)
                .map(|c| {
                    arrow::compute::cast(c, &DataType::Float64)
                        .map_err(|e| {
                            IndicatorError::contract(
                                id,
                                format!("column `{name}` is not numeric: {e}"),
                            )
                        })
                        .map(|a| {
                            a.as_any()
                                .downcast_ref::<Float64Array>()
                                .cloned()
                                .unwrap_or_else(|| Float64Array::new_null(a.len()))
                        })
                })
                .transpose()
        };
        let period =
            text("period")?.ok_or_else(|| IndicatorError::contract(id, "no `period` column"))?;
        let value =
            num("value")?.ok_or_else(|| IndicatorError::contract(id, "no `value` column"))?;
        let dims: Vec<(Dimension, Option<StringArray>)> = Dimension::BREAKDOWNS
            .iter()
            .map(|d| {
                Ok((
                    *d,
                    if breakdowns.contains(d) {
                        text(d.column())?
                    } else {
                        None
                    },
                ))
            })
            .collect::<Result<_>>()?;
        let (numerator, denominator) = (num("numerator")?, num("denominator")?);
        let (lower, upper) = (num("lower_bound")?, num("upper_bound")?);
        let (status, comment) = (text("obs_status")?, text("obs_comment")?);
        let (cv, respondents) = (num("cv")?, num("respondents")?);
        let get = |a: &Option<Float64Array>, i: usize| {
            a.as_ref().and_then(|a| a.is_valid(i).then(|| a.value(i)))
        };
        for i in 0..batch.num_rows() {
            let row = out.len() + 1;
            if period.is_null(i) {
                return Err(IndicatorError::contract(
                    id,
                    format!("row {row}: `period` is null"),
                ));
            }
            let mut breakdown: crate::observations::Breakdown = Default::default();
            for (k, (d, col)) in dims.iter().enumerate() {
                breakdown[k] = match col {
                    Some(c) if c.is_null(i) => {
                        return Err(IndicatorError::contract(
                            id,
                            format!("row {row}: `{}` is null (use `_U` for unknown)", d.column()),
                        ))
                    }
                    Some(c) => c.value(i).to_string(),
                    None => d.not_applicable().to_string(),
                };
            }
            let v = value.is_valid(i).then(|| value.value(i));
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(IndicatorError::contract(
                    id,
                    format!(
                        "row {row} (period {}): value is not a finite number",
                        period.value(i)
                    ),
                ));
            }
            let (n, d) = (get(&numerator, i), get(&denominator, i));
            reconcile(ind, row, period.value(i), v, n, d)?;
            let obs_status = match status.as_ref().filter(|s| s.is_valid(i)) {
                Some(s) if OBS_STATUS_CODES.contains(&s.value(i)) => s.value(i).to_string(),
                Some(s) => {
                    return Err(IndicatorError::contract(
                        id,
                        format!(
                            "row {row}: OBS_STATUS `{}` is not one of {OBS_STATUS_CODES:?}",
                            s.value(i)
                        ),
                    ))
                }
                None if v.is_none() => "M".to_string(),
                None => "A".to_string(),
            };
            let (cv, respondents) = (get(&cv, i), get(&respondents, i));
            let (obs_status, reliability_note) = reliability(ind, obs_status, cv, respondents);
            let obs_comment = comment
                .as_ref()
                .and_then(|c| c.is_valid(i).then(|| c.value(i).to_string()));
            let obs_comment = match (obs_comment, reliability_note) {
                (Some(c), Some(r)) => Some(format!("{c} {r}")),
                (c, r) => c.or(r),
            };
            out.push(Observation {
                indicator_id: id.to_string(),
                indicator_version: i64::from(ind.def.version),
                indicator_status: ind.def.status.as_str().to_string(),
                period: period.value(i).to_string(),
                breakdown,
                value: v,
                numerator: n,
                denominator: d,
                unit: ind.def.unit.code().to_string(),
                unit_mult: i64::from(ind.def.unit_mult),
                decimals: i64::from(ind.def.decimals),
                obs_status,
                conf_status: FREE.to_string(),
                lower_bound: get(&lower, i),
                upper_bound: get(&upper, i),
                obs_comment,
                snapshot_id: session.snapshot.id,
                definition_hash: hash.clone(),
                engine_version: Some(ENGINE_VERSION.to_string()),
                computed_at_micros,
            });
        }
    }
    out.sort_by(|a, b| (&a.period, &a.breakdown).cmp(&(&b.period, &b.breakdown)));
    if let Some(w) = out
        .windows(2)
        .find(|w| (&w[0].period, &w[0].breakdown) == (&w[1].period, &w[1].breakdown))
    {
        return Err(IndicatorError::contract(
            id,
            format!(
                "two rows for the same cell: period {}, {:?}",
                w[0].period, w[0].breakdown
            ),
        ));
    }
    Ok(out)
}

/// Apply the indicator's reliability rules to a survey estimate; returns the OBS_STATUS and a
/// note giving the CV and the number of respondents.
fn reliability(
    ind: &Indicator,
    status: String,
    cv: Option<f64>,
    respondents: Option<f64>,
) -> (String, Option<String>) {
    if cv.is_none() && respondents.is_none() {
        return (status, None);
    }
    let rules = ind.def.reliability.clone().unwrap_or_default();
    let cv_pct = cv.map(|c| 100.0 * c);
    let few = respondents.is_some_and(|n| n < rules.min_respondents as f64);
    let status = if few || cv_pct.is_some_and(|c| c.is_nan() || c > rules.cv_suppress) {
        SUPPRESSED.to_string()
    } else if cv_pct.is_some_and(|c| c > rules.cv_unreliable) {
        "U".to_string()
    } else {
        status
    };
    let mut note = Vec::new();
    if let Some(c) = cv_pct {
        // The one rounding rule; a CV that is not a number is shown as it is.
        note.push(match marsad_warehouse::format::round(c, 1) {
            Some(r) => format!("CV {r}%"),
            None => format!("CV {c}%"),
        });
    }
    if let Some(n) = respondents {
        note.push(format!("{n} respondents"));
    }
    (status, Some(format!("{}.", note.join(", "))))
}

/// The result has the declared columns and no others.
fn check_columns(ind: &Indicator, batch: &RecordBatch) -> Result<()> {
    let expected: Vec<&str> = ["period", "value"]
        .into_iter()
        .chain(ind.breakdowns().iter().map(|d| d.column()))
        .collect();
    let schema = batch.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    if let Some(missing) = expected.iter().find(|c| !names.contains(c)) {
        return Err(IndicatorError::contract(
            ind.id(),
            format!("the result has no `{missing}` column (it has {names:?})"),
        ));
    }
    if let Some(extra) = names
        .iter()
        .find(|c| !expected.contains(c) && !OPTIONAL.contains(c))
    {
        return Err(IndicatorError::contract(
            ind.id(),
            format!(
                "unexpected column `{extra}`: a breakdown must be declared in `dimensions`, \
                 other columns must be one of {OPTIONAL:?}"
            ),
        ));
    }
    Ok(())
}

/// For ratios, value = numerator / denominator × multiplier (to 1e-9 relative).
fn reconcile(
    ind: &Indicator,
    row: usize,
    period: &str,
    value: Option<f64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
) -> Result<()> {
    if ind.def.unit == Unit::Count {
        return Ok(());
    }
    if let (Some(v), Some(n), Some(d)) = (value, numerator, denominator) {
        if d != 0.0 {
            let expected = n / d * ind.def.unit.multiplier();
            if (v - expected).abs() > 1e-9 * expected.abs().max(1.0) {
                return Err(IndicatorError::contract(
                    ind.id(),
                    format!(
                        "row {row} (period {period}): value {v} ≠ numerator {n} / denominator {d} × {}",
                        ind.def.unit.multiplier()
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reliability_rules_mark_and_suppress() {
        let catalog = Catalog::embedded().unwrap();
        let ind = catalog.get("SDG_16_2_3").unwrap();
        let status = |cv: Option<f64>, n: Option<f64>| reliability(ind, "E".into(), cv, n);
        assert_eq!(
            status(Some(0.07), Some(2971.0)),
            ("E".into(), Some("CV 7.0%, 2971 respondents.".into()))
        );
        assert_eq!(status(Some(0.20), Some(500.0)).0, "U");
        assert_eq!(status(Some(0.40), Some(500.0)).0, "Q");
        assert_eq!(status(Some(0.05), Some(29.0)).0, "Q");
        assert_eq!(
            status(Some(f64::NAN), Some(100.0)).0,
            "Q",
            "an undefined CV is not published"
        );
        assert_eq!(status(None, None), ("E".into(), None));
    }
}
