//! `/api/v1/lineage`: where one observation came from (`marsad_indicators::lineage`): its
//! snapshot, definition hash and SQL, the tables it read, the raw files behind it; analysts also
//! get the positions of its rows in those files. The public may trace only what it sees (an
//! observation of the latest release out of embargo) and never gets positions.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::Extension;
use axum::Json;
use marsad_indicators::catalog::Dimension;
use marsad_indicators::lineage;
use serde_json::{json, Value};

use super::problem::Problem;
use super::{AppState, Published};
use crate::access::{Identity, Role};

/// The lineage of one observation.
#[utoipa::path(get, path = "/api/v1/lineage", tag = "indicators",
    params(
        ("indicator" = String, Query, description = "Indicator id"),
        ("period" = String, Query, description = "The observation's period (2023, 2019/2023…)"),
        ("ref_area" = Option<String>, Query, description = "Region code, where the indicator breaks down by it"),
        ("sex" = Option<String>, Query, description = "Sex code, where it breaks down by it"),
        ("age_band" = Option<String>, Query, description = "Age band, where it breaks down by it"),
        ("source" = Option<String>, Query, description = "Source feed, where it breaks down by it"),
        ("variable" = Option<String>, Query, description = "Variable, where it breaks down by it"),
        ("snapshot" = Option<i64>, Query, description = "Snapshot id (default: the latest)")),
    responses(
        (status = 200, description = "Snapshot, definition hash, SQL, source tables, raw files; positions for analysts", content_type = "application/json"),
        (status = 400, description = "Missing or unknown parameter", content_type = "application/problem+json"),
        (status = 404, description = "No such (published) observation", content_type = "application/problem+json")))]
pub async fn lineage(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let known = |k: &str| {
        ["indicator", "period", "snapshot"].contains(&k)
            || Dimension::BREAKDOWNS.iter().any(|d| d.column() == k)
    };
    if let Some(k) = params.keys().find(|k| !known(k)) {
        let mut names = vec!["indicator", "period", "snapshot"];
        names.extend(Dimension::BREAKDOWNS.iter().map(|d| d.column()));
        return Err(Problem::bad_request(format!(
            "unknown parameter `{k}`; expected one of {}",
            names.join(", ")
        )));
    }
    let required = |k: &str| {
        params
            .get(k)
            .ok_or_else(|| Problem::bad_request(format!("the parameter `{k}` is required")))
    };
    let (id, period) = (required("indicator")?, required("period")?);
    let snapshot_id = super::snapshot_param(&params, &identity)?;
    let ind = super::indicators::find(&state, &identity, id).await?;
    // What the role sees, by the one rule (the public: the latest release out of embargo).
    let published = match snapshot_id {
        Some(id) => Published::Snapshot(state.snapshot(Some(id)).await?),
        None => state.published_now(identity.role).await?,
    };
    let visible = state
        .published_observations(&published, identity.role)
        .await?;
    let snapshot = match &published {
        Published::Release(r) => r.snapshot_id,
        Published::Snapshot(s) => s.id,
    };
    // A dimension not given is the indicator's total (or not applicable).
    let wanted = |d: Dimension| {
        params
            .get(d.column())
            .map(String::as_str)
            .unwrap_or_else(|| {
                if ind.breakdowns().contains(&d) {
                    d.total()
                } else {
                    d.not_applicable()
                }
            })
            .to_string()
    };
    let obs = visible
        .iter()
        .find(|o| {
            o.indicator_id == ind.def.id
                && &o.period == period
                && Dimension::BREAKDOWNS
                    .iter()
                    .all(|d| o.dimension(*d) == wanted(*d))
        })
        .ok_or_else(|| {
            Problem::not_found(format!(
                "{id} has no observation for period {period} with those dimensions in {}",
                published.tag().replace(':', " ")
            ))
        })?
        .clone();
    let session = state
        .warehouse
        .session(Some(snapshot))
        .await
        .map_err(Problem::internal)?;
    let traced = lineage::trace(&session, ind, &obs)
        .await
        .map_err(Problem::internal)?;
    let dimensions: BTreeMap<&str, &str> = Dimension::BREAKDOWNS
        .iter()
        .map(|d| (d.column(), obs.dimension(*d)))
        .collect();
    let mut body = json!({
        "indicator": obs.indicator_id,
        "version": obs.indicator_version,
        "period": obs.period,
        "dimensions": dimensions,
        "snapshot": obs.snapshot_id,
        "definition_hash": obs.definition_hash,
        "sql": ind.sql,
        "source_tables": traced.source_tables,
        "method": traced.method,
        "raw_files": traced.raw_files,
    });
    if identity.role >= Role::Analyst {
        body["positions"] = json!(traced.positions);
        body["positions_total"] = json!(traced.positions_total);
    }
    Ok(Json(body))
}
