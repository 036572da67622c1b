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
        ("iccs" = Option<String>, Query, description = "ICCS offence code, where it breaks down by it"),
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

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use serde_json::json;

    use crate::http::testing::{call, get, json, problem, state, ANALYST};

    #[tokio::test]
    async fn lineage_of_one_observation() {
        let (state, _) = state().await;
        let uri = "/api/v1/lineage?indicator=NCMEC_MA_REPORTS&period=2023";
        let (s, _, public) = call(&state, get(uri, None, &[])).await;
        assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&public));
        let (s, _, analyst) = call(&state, get(uri, Some(ANALYST), &[])).await;
        assert_eq!(s, StatusCode::OK);
        let (public, analyst) = (json(&public), json(&analyst));
        let pdf_2023 = "09d0c0588507efde266a4957bd8526324cceb500b087a3af55e7a4bb4866cc32";
        let latest = state.warehouse.latest().await.unwrap().id;
        let ind = state.catalog.get("NCMEC_MA_REPORTS").unwrap();
        let mut expected = json!({
            "indicator": "NCMEC_MA_REPORTS",
            "version": 1,
            "period": "2023",
            "dimensions": {"ref_area": "MA", "sex": "_Z", "age_band": "_Z", "source": "_Z", "variable": "_Z", "iccs": "_Z"},
            "snapshot": latest,
            "definition_hash": ind.definition_hash(),
            "sql": ind.sql,
            // What the plan reads: the staging table, and what `latest_file_per_year` reads to
            // pick each year's file.
            "source_tables": [
                "registry.raw_files",
                "staging.ncmec_country_reports",
                "staging.pmp_case_table",
                "staging.pmp_victims_judged",
            ],
            "method": "rows",
            "raw_files": [{"sha256": pdf_2023, "feed": "ncmec-country-table", "name": "ncmec-by-country-2023.pdf"}],
        });
        assert_eq!(public, expected);
        // Analysts also get where the row is: Morocco's line of the 2023 PDF.
        expected["positions"] = json!([{"sha256": pdf_2023, "position": "page 5 line 22"}]);
        expected["positions_total"] = json!(1);
        assert_eq!(analyst, expected);

        let lineage = |q: &str| {
            let state = state.clone();
            let uri = format!("/api/v1/lineage?{q}");
            async move {
                let (s, _, b) = call(&state, get(&uri, Some(ANALYST), &[])).await;
                assert_eq!(s, StatusCode::OK, "{uri}: {}", String::from_utf8_lossy(&b));
                json(&b)
            }
        };
        let names = |v: &serde_json::Value| -> Vec<String> {
            v["raw_files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["name"].as_str().unwrap().to_string())
                .collect()
        };
        // A ratio of two sources: both rows, both files.
        let v = lineage("indicator=ATTRITION_PMP_PER_10K_NCMEC&period=2023").await;
        assert_eq!(v["method"], "rows");
        assert_eq!(
            names(&v),
            ["ncmec-by-country-2023.pdf", "pmp-aese-2021-2024.csv"]
        );
        assert_eq!(v["positions_total"], 2);
        // A denominator from a derived view (interpolated population): the censuses behind it.
        let v = lineage("indicator=NCMEC_MA_REPORTS_PER_1000&period=2023").await;
        assert_eq!(v["method"], "period");
        assert_eq!(
            names(&v),
            [
                "ncmec-by-country-2023.pdf",
                "rgph2014-regions.csv",
                "rgph2024-national-sex-age.csv",
                "rgph2024-regions.csv",
            ]
        );
        // One row per report: as many positions as the count, in line order.
        let v = lineage("indicator=EMC_REPORTS&period=2023").await;
        let (_, _, b) = call(
            &state,
            get(
                "/api/v1/indicators/EMC_REPORTS/observations?from=2023&to=2023",
                Some(ANALYST),
                &[],
            ),
        )
        .await;
        let count = json(&b)[0]["value"].as_f64().unwrap();
        assert_eq!(v["positions_total"].as_f64().unwrap(), count);
        let first: Vec<&str> = v["positions"].as_array().unwrap()[..3]
            .iter()
            .map(|p| p["position"].as_str().unwrap())
            .collect();
        assert_eq!(first, ["line 1", "line 2", "line 3"]);

        // The public traces releases only.
        let (s, _, _) = call(&state, get(&format!("{uri}&snapshot={latest}"), None, &[])).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // What cannot be traced is said.
        for (q, status, detail) in [
            (
                "indicator=NCMEC_MA_REPORTS",
                StatusCode::BAD_REQUEST,
                "the parameter `period` is required",
            ),
            (
                "indicator=NCMEC_MA_REPORTS&period=2023&year=2023",
                StatusCode::BAD_REQUEST,
                "unknown parameter `year`; expected one of indicator, period, snapshot, ref_area, sex, age_band, source, variable, iccs",
            ),
            (
                "indicator=NCMEC_MA_REPORTS&period=1999",
                StatusCode::NOT_FOUND,
                "NCMEC_MA_REPORTS has no observation for period 1999 with those dimensions in release samples",
            ),
        ] {
            let (s, _, b) = call(&state, get(&format!("/api/v1/lineage?{q}"), None, &[])).await;
            assert_eq!((s, problem(status.as_u16(), &b)["detail"].as_str().unwrap()), (status, detail));
        }
    }
}
