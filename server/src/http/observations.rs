//! `/api/v1/indicators/{id}/observations`: one indicator's observations as the caller's role
//! sees them (`export::select`: the public gets exactly what `indicators export --role public`
//! writes), filtered by period range and any dimension, from the latest snapshot or `snapshot`,
//! in JSON, CSV, SDMX-CSV, Parquet (the export writers) or an Arrow IPC stream. Answers carry an
//! ETag over snapshot, definition hash, role and query; `If-None-Match` gets 304.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use marsad_indicators::catalog::Dimension;
use marsad_indicators::export;
use marsad_indicators::observations::Observation;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::format::Format;
use super::problem::Problem;
use super::{cached, etag, AppState};
use crate::access::Identity;

const OFFERED: &[Format] = &[
    Format::Json,
    Format::Csv,
    Format::SdmxCsv,
    Format::Parquet,
    Format::Arrow,
];

/// One indicator's observations.
#[utoipa::path(get, path = "/api/v1/indicators/{id}/observations", tag = "indicators",
    params(
        ("id" = String, Path, description = "Indicator id"),
        ("from" = Option<String>, Query, description = "First year (periods starting before it are left out)"),
        ("to" = Option<String>, Query, description = "Last year (periods ending after it are left out)"),
        ("ref_area" = Option<String>, Query, description = "Region codes, comma-separated (MA, MA-01…)"),
        ("sex" = Option<String>, Query, description = "Sex codes, comma-separated (M, F, _T, _U, _Z)"),
        ("age_band" = Option<String>, Query, description = "Age bands, comma-separated"),
        ("source" = Option<String>, Query, description = "Source feeds, comma-separated"),
        ("variable" = Option<String>, Query, description = "Variables, comma-separated"),
        ("snapshot" = Option<i64>, Query, description = "Snapshot id (default: the latest)"),
        ("format" = Option<String>, Query, description = "json, csv, sdmx-csv, parquet or arrow (else the Accept header)")),
    responses(
        (status = 200, description = "Observations (columns of the exports)", content_type = "application/json"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Unknown parameter or bad value", content_type = "application/problem+json"),
        (status = 404, description = "No such (published) indicator or snapshot", content_type = "application/problem+json"),
        (status = 406, description = "No acceptable format", content_type = "application/problem+json")))]
pub async fn observations(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let dims: Vec<(Dimension, &str)> = Dimension::BREAKDOWNS
        .iter()
        .map(|d| (*d, d.column()))
        .collect();
    let known = |k: &str| {
        ["format", "snapshot", "from", "to"].contains(&k) || dims.iter().any(|d| d.1 == k)
    };
    if let Some(k) = params.keys().find(|k| !known(k)) {
        let mut names = vec!["from", "to", "snapshot", "format"];
        names.extend(dims.iter().map(|d| d.1));
        return Err(Problem::bad_request(format!(
            "unknown parameter `{k}`; expected one of {}",
            names.join(", ")
        )));
    }
    let format = Format::negotiate(params.get("format").map(String::as_str), &headers, OFFERED)?;
    let year = |name: &str| -> Result<Option<&str>, Problem> {
        match params.get(name) {
            Some(v) if v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(v)),
            Some(v) => Err(Problem::bad_request(format!(
                "{name}: `{v}` is not a year (e.g. 2023)"
            ))),
            None => Ok(None),
        }
    };
    let (from, to) = (year("from")?, year("to")?);
    let snapshot_id = match params.get("snapshot") {
        Some(v) => Some(v.parse::<i64>().map_err(|_| {
            Problem::bad_request(format!(
                "snapshot: `{v}` is not a snapshot id (a whole number)"
            ))
        })?),
        None => None,
    };
    let ind = super::indicators::find(&state, &identity, &id).await?;
    let snapshot = state.snapshot(snapshot_id).await?;
    let all = state.observations(&snapshot).await?;
    let role = identity.role.export_role();

    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let tag = etag(&[
        &snapshot.id.to_string(),
        &ind.definition_hash(),
        identity.role.as_str(),
        format.name(),
        &query.join("&"),
    ]);
    cached(&headers, &identity, tag, || {
        // The role's selection over every observation (suppressed figures of one feed hide
        // comments of the others), then this indicator's rows.
        let selected: Vec<Observation> = export::select(&state.catalog, &all, role)
            .into_iter()
            .filter(|o| o.indicator_id == ind.def.id)
            .filter(|o| from.is_none_or(|f| first_year(&o.period) >= f))
            .filter(|o| to.is_none_or(|t| last_year(&o.period) <= t))
            .filter(|o| {
                dims.iter().all(|(d, name)| {
                    params
                        .get(*name)
                        .is_none_or(|list| list.split(',').any(|v| v.trim() == o.dimension(*d)))
                })
            })
            .collect();
        let body = encode(&selected, format)?;
        let mut r = body.into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        );
        Ok(r)
    })
}

/// `2023` → `2023`; `2022-2023` (a change) → `2022`.
fn first_year(period: &str) -> &str {
    period.get(..4).unwrap_or(period)
}

fn last_year(period: &str) -> &str {
    period
        .get(period.len().saturating_sub(4)..)
        .unwrap_or(period)
}

/// The bytes of `obs` in `format`: the export writers' (Arrow: the Parquet export's batches).
fn encode(obs: &[Observation], format: Format) -> Result<Vec<u8>, Problem> {
    match format {
        Format::Json => serde_json::to_vec(&export::to_json(obs)).map_err(Problem::internal),
        Format::Csv => export::to_csv(obs).map_err(Problem::internal),
        Format::SdmxCsv => export::to_sdmx_csv(obs).map_err(Problem::internal),
        Format::Parquet => export::to_parquet(obs).map_err(Problem::internal),
        Format::Arrow => {
            // The Parquet export's rows (values rounded as published), re-framed as an Arrow
            // IPC stream: one writer decides what the columns hold.
            let parquet = bytes::Bytes::from(export::to_parquet(obs).map_err(Problem::internal)?);
            let reader = ParquetRecordBatchReaderBuilder::try_new(parquet)
                .and_then(|b| b.build())
                .map_err(Problem::internal)?;
            let schema = arrow::array::RecordBatchReader::schema(&reader);
            let mut w = arrow::ipc::writer::StreamWriter::try_new(Vec::new(), &schema)
                .map_err(Problem::internal)?;
            for batch in reader {
                w.write(&batch.map_err(Problem::internal)?)
                    .map_err(Problem::internal)?;
            }
            w.finish().map_err(Problem::internal)?;
            w.into_inner().map_err(Problem::internal)
        }
    }
}
