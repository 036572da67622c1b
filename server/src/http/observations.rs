//! `/api/v1/indicators/{id}/observations`: one indicator's observations as the caller's role
//! sees them, decided by [`AppState::published`]: the public gets the latest release whose
//! embargo has passed (exactly the rows the release published), analysts the latest snapshot
//! (`export::select`) or `snapshot`; `as_of` gives, to anyone, the release public on that date
//! (a vintage). Filtered by period range and any dimension, in JSON, CSV, SDMX-CSV, Parquet
//! (the export writers) or an Arrow IPC stream. Answers carry an ETag over release or
//! snapshot, definition hash, role and query; `If-None-Match` gets 304.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use marsad_indicators::catalog::Dimension;
use marsad_indicators::export;
use marsad_indicators::observations::Observation;
use marsad_indicators::releases;
use marsad_indicators::Catalog;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::format::Format;
use super::problem::Problem;
use super::{cached, etag, AppState, Published};
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
        ("iccs" = Option<String>, Query, description = "ICCS offence codes, comma-separated (030221, 030223…)"),
        ("snapshot" = Option<i64>, Query, description = "Snapshot id (analysts; default: the latest)"),
        ("as_of" = Option<String>, Query, description = "The values as published on this date (2026-04-01) or at this RFC 3339 time: the latest release public by then"),
        ("format" = Option<String>, Query, description = "json, csv, sdmx-csv, parquet or arrow (else the Accept header)")),
    responses(
        (status = 200, description = "Observations (columns of the exports)", content_type = "application/json"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Unknown parameter or bad value", content_type = "application/problem+json"),
        (status = 403, description = "`snapshot` asked by the public (it sees releases)", content_type = "application/problem+json"),
        (status = 404, description = "No such (published) indicator, snapshot or release", content_type = "application/problem+json"),
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
        ["format", "snapshot", "as_of", "from", "to"].contains(&k) || dims.iter().any(|d| d.1 == k)
    };
    if let Some(k) = params.keys().find(|k| !known(k)) {
        let mut names = vec!["from", "to", "snapshot", "as_of", "format"];
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
    let as_of = match params.get("as_of") {
        Some(v) => Some(
            releases::parse_as_of(v).map_err(|e| Problem::bad_request(format!("as_of: {e}")))?,
        ),
        None => None,
    };
    let snapshot_id = super::snapshot_param(&params, &identity)?;
    if snapshot_id.is_some() && as_of.is_some() {
        return Err(Problem::bad_request("give `snapshot` or `as_of`, not both"));
    }
    let ind = super::indicators::find(&state, &identity, &id).await?;
    let now = state.now();
    let published = match (snapshot_id, as_of) {
        (Some(id), _) => Published::Snapshot(state.snapshot(Some(id)).await?),
        (None, Some(at)) => state.vintage(at, now).await?,
        (None, None) => state.published_now(identity.role).await?,
    };
    let visible = state
        .published_observations(&published, identity.role)
        .await?;

    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let tag = etag(&[
        &published.tag(),
        &ind.definition_hash(),
        identity.role.as_str(),
        format.name(),
        &query.join("&"),
    ]);
    cached(&headers, &identity, tag.clone(), || {
        let body = state.bodies.get_or_make(&tag, || {
            // The role's selection over every observation (suppressed figures of one feed
            // hide comments of the others, see `export::select`), then this indicator's rows.
            let selected: Vec<Observation> = visible
                .iter()
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
                .cloned()
                .collect();
            encode(&state.catalog, &selected, format).map(bytes::Bytes::from)
        })?;
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
fn encode(catalog: &Catalog, obs: &[Observation], format: Format) -> Result<Vec<u8>, Problem> {
    match format {
        Format::Json => serde_json::to_vec(&export::to_json(obs)).map_err(Problem::internal),
        Format::Csv => export::to_csv(obs).map_err(Problem::internal),
        // With the caveats as COMMENT_TS, as the export writes it.
        Format::SdmxCsv => {
            export::to_sdmx_csv_with_caveats(catalog, obs).map_err(Problem::internal)
        }
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::{Arc, Mutex};

    use axum::http::StatusCode;
    use chrono::{DateTime, TimeZone, Utc};
    use marsad_indicators::releases::{self, NewRelease};
    use marsad_indicators::{engine, Catalog};
    use marsad_warehouse::ingest::IngestRequest;
    use marsad_warehouse::{Location, Warehouse};

    use super::super::testing::{self, call, get, json, ANALYST};
    use super::super::{AppState, AuditSink};
    use crate::config::Config;

    const OBS: &str = "/api/v1/indicators/PMP_AESE_CASES/observations";

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// Ingest `file` as pmp-case-table, compute, release it as `name` (made at `made`, public
    /// from `embargo`).
    async fn ingest_and_release(
        wh: &Warehouse,
        file: std::path::PathBuf,
        name: &str,
        made: &str,
        embargo: &str,
    ) {
        let adapter = (testing::adapters())("pmp-case-table").unwrap();
        wh.ingest(IngestRequest {
            adapter,
            files: vec![file],
            reference_date: None,
            progress: None,
        })
        .await
        .unwrap();
        let session = Arc::new(wh.session(None).await.unwrap());
        let catalog = Catalog::embedded().unwrap();
        let computed = engine::compute(wh, session, &catalog, &|_| {})
            .await
            .unwrap();
        releases::create(
            wh,
            &catalog,
            NewRelease {
                name: name.into(),
                snapshot_id: computed.snapshot_id,
                embargo_until: Some(at(embargo)),
                steward_notes: None,
                created_by: "test".into(),
                now: at(made),
                licence: marsad_indicators::open_data::Licence::default_licence(),
            },
        )
        .await
        .unwrap();
    }

    /// The value of 2024 in an answer, and the status.
    async fn cases_2024(state: &AppState, uri: &str, token: Option<&str>) -> (StatusCode, String) {
        let (s, _, b) = call(state, get(uri, token, &[])).await;
        if s != StatusCode::OK {
            return (
                s,
                json(&b)["detail"].as_str().unwrap_or_default().to_string(),
            );
        }
        let rows = json(&b);
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["period"] == "2024")
            .cloned()
            .unwrap();
        (s, row["value"].to_string())
    }

    /// Before its embargo nothing of a release is reachable publicly, after it the release
    /// appears without a restart (the clock moves, the state stays); analysts see the latest
    /// snapshot; `as_of` gives the release public on a date, never one still under embargo.
    #[tokio::test]
    async fn an_embargoed_release_appears_at_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(&dir.path().join("data").display().to_string()).unwrap();
        let wh = Warehouse::create_or_open(loc).await.unwrap();
        let sample = testing::sample("pmp/pmp-aese-2021-2024.csv");
        let first = dir.path().join("pmp-2021-2024.csv");
        std::fs::write(&first, &sample).unwrap();
        ingest_and_release(
            &wh,
            first,
            "2026-Q1",
            "2026-01-10T00:00:00Z",
            "2026-04-01T09:00:00Z",
        )
        .await;
        // A corrected table: 2024 has 86 cases (2 more closed), not 84.
        let text = String::from_utf8(sample).unwrap();
        assert!(text.contains("2024;84;13;39;3;19;10"));
        let corrected = dir.path().join("pmp-2021-2024-corrected.csv");
        std::fs::write(
            &corrected,
            text.replace("2024;84;13;39;3;19;10", "2024;86;13;39;3;21;10"),
        )
        .unwrap();
        ingest_and_release(
            &wh,
            corrected,
            "2026-Q2",
            "2026-06-01T00:00:00Z",
            "2026-07-01T09:00:00Z",
        )
        .await;

        let state = AppState::new(
            wh,
            Catalog::embedded().unwrap(),
            Config::default(),
            testing::resolver(),
            AuditSink::Memory(Arc::new(Mutex::new(Vec::new()))),
            None,
        );
        let clock = Arc::new(AtomicI64::new(0));
        let c = clock.clone();
        state.set_clock(Arc::new(move || {
            Utc.timestamp_opt(c.load(Ordering::SeqCst), 0).unwrap()
        }));
        let set = |t: &str| clock.store(at(t).timestamp(), Ordering::SeqCst);
        let ok = |v: &str| (StatusCode::OK, v.to_string());

        set("2026-04-01T08:59:59Z");
        assert_eq!(
            cases_2024(&state, OBS, None).await,
            (
                StatusCode::NOT_FOUND,
                "nothing has been released yet".into()
            )
        );
        assert_eq!(
            cases_2024(&state, &format!("{OBS}?as_of=2026-12-31"), None).await,
            (
                StatusCode::NOT_FOUND,
                "nothing has been released yet".into()
            )
        );
        // Analysts see the latest snapshot, released or not.
        assert_eq!(cases_2024(&state, OBS, Some(ANALYST)).await, ok("86.0"));
        // The public may not pin a snapshot (that would go around the embargo).
        let (s, _, _) = call(&state, get(&format!("{OBS}?snapshot=1"), None, &[])).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        set("2026-04-01T09:00:00Z");
        assert_eq!(cases_2024(&state, OBS, None).await, ok("84.0"));
        set("2026-07-01T08:59:59Z");
        assert_eq!(cases_2024(&state, OBS, None).await, ok("84.0"));
        // Asking about a later date does not lift the second release's embargo.
        assert_eq!(
            cases_2024(&state, &format!("{OBS}?as_of=2026-12-31"), None).await,
            ok("84.0")
        );
        set("2026-07-01T09:00:00Z");
        assert_eq!(cases_2024(&state, OBS, None).await, ok("86.0"));
        // Vintages: before, between and after the two releases.
        assert_eq!(
            cases_2024(&state, &format!("{OBS}?as_of=2026-03-31"), None).await,
            (
                StatusCode::NOT_FOUND,
                "nothing had been released by 2026-03-31T23:59:59.999999+00:00".into()
            )
        );
        assert_eq!(
            cases_2024(&state, &format!("{OBS}?as_of=2026-05-01"), None).await,
            ok("84.0")
        );
        assert_eq!(
            cases_2024(
                &state,
                &format!("{OBS}?as_of=2026-07-01T08:59:59Z"),
                Some(ANALYST)
            )
            .await,
            ok("84.0")
        );
        assert_eq!(
            cases_2024(&state, &format!("{OBS}?as_of=2026-07-02"), None).await,
            ok("86.0")
        );
        let (s, _, b) = call(&state, get(&format!("{OBS}?as_of=soon"), None, &[])).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(
            json(&b)["detail"],
            "as_of: `soon` is neither a date (2026-04-01) nor an RFC 3339 time (2026-04-01T09:00:00Z)"
        );
    }
}
