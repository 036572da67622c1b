//! The router end to end without a socket (`oneshot`), over the demo warehouse: every endpoint
//! and format, problem+json errors, ETags and 304, and the role boundaries (the public gets no
//! SQL, no draft, no suppressed figure).

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

use super::testing::{
    call, empty_state, get, json, problem, sample, sql, state, state_with, upload, ANALYST, STEWARD,
};
use crate::config::Config;

const OBS: &str = "/api/v1/indicators/NCMEC_MA_REPORTS/observations";

#[tokio::test]
async fn health_ready_and_openapi() {
    let (state, _) = state().await;
    let (s, _, b) = call(&state, get("/healthz", None, &[])).await;
    assert_eq!((s, json(&b)), (StatusCode::OK, json!({"status": "ok"})));
    let latest = state.warehouse.latest().await.unwrap().id;
    let (s, _, b) = call(&state, get("/readyz", None, &[])).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json(&b), json!({"status": "ready", "snapshot": latest}));
    let (s, h, b) = call(&state, get("/api/openapi.json", None, &[])).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/json");
    let doc = json(&b);
    for path in [
        "/healthz",
        "/readyz",
        "/api/v1/indicators",
        "/api/v1/indicators/{id}",
        "/api/v1/indicators/{id}/observations",
        "/api/v1/snapshots",
        "/api/v1/snapshots/{id}",
        "/api/v1/sql",
    ] {
        assert!(doc["paths"][path].is_object(), "openapi lacks {path}");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn unknown_routes_are_problems() {
    let (state, _) = state().await;
    let (s, h, b) = call(&state, get("/api/v1/nothing", None, &[])).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(h[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(problem(404, &b)["detail"], "no such resource");
    // Rejections of axum's extractors have the same shape.
    let req = Request::post("/api/v1/sql?snapshot=latest")
        .header("authorization", format!("Bearer {ANALYST}"))
        .body(Body::from("select 1"))
        .unwrap();
    let (s, h, b) = call(&state, req).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(h[header::CONTENT_TYPE], "application/problem+json");
    let p = problem(400, &b);
    assert!(p["detail"].as_str().unwrap().contains("snapshot"), "{p}");
    // Wrong method: 405 with Allow, as a problem.
    let (s, h, b) = call(&state, get("/api/v1/sql", None, &[])).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(h[header::ALLOW], "POST");
    problem(405, &b);
}

#[tokio::test]
async fn cors_for_public_gets_only() {
    let (state, _) = state().await;
    let (_, h, _) = call(&state, get(OBS, None, &[("origin", "https://example.org")])).await;
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let preflight = Request::options("/api/v1/sql")
        .header("origin", "https://example.org")
        .header("access-control-request-method", "POST")
        .body(Body::empty())
        .unwrap();
    let (_, h, _) = call(&state, preflight).await;
    let allowed = h[header::ACCESS_CONTROL_ALLOW_METHODS]
        .to_str()
        .unwrap()
        .to_string();
    assert!(!allowed.contains("POST"), "{allowed}");
}

#[tokio::test]
async fn indicators_by_role_and_filters() {
    let (state, _) = state().await;
    let ids = |b: &axum::body::Bytes| -> Vec<String> {
        json(b)
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (s, h, b) = call(&state, get("/api/v1/indicators", None, &[])).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CACHE_CONTROL], "public, max-age=60");
    let public = ids(&b);
    assert!(public.contains(&"NCMEC_MA_REPORTS".to_string()));
    // The draft is the analysts' only.
    assert!(
        !public.contains(&"DATA_COMPLETENESS".to_string()),
        "{public:?}"
    );
    assert!(json(&b)
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["status"] == "approved"));
    let (_, h, b) = call(&state, get("/api/v1/indicators", Some(ANALYST), &[])).await;
    assert_eq!(h[header::CACHE_CONTROL], "private, max-age=60");
    let all = ids(&b);
    assert_eq!(all.len(), state.catalog.indicators.len());
    assert!(all.contains(&"DATA_COMPLETENESS".to_string()));

    let (_, _, b) = call(
        &state,
        get(
            "/api/v1/indicators?sector=2&capacity=3&source=ncmec-country-table",
            None,
            &[],
        ),
    )
    .await;
    assert!(
        ids(&b).contains(&"NCMEC_MA_REPORTS".to_string()),
        "{:?}",
        ids(&b)
    );
    let (_, _, b) = call(
        &state,
        get("/api/v1/indicators?status=draft", Some(ANALYST), &[]),
    )
    .await;
    assert_eq!(ids(&b), vec!["DATA_COMPLETENESS".to_string()]);
    let (s, _, b) = call(&state, get("/api/v1/indicators?sectr=2", None, &[])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        problem(400, &b)["detail"],
        "unknown parameter `sectr`; expected one of sector, capacity, status, source"
    );

    let (s, _, b) = call(
        &state,
        get("/api/v1/indicators/NCMEC_MA_REPORTS", None, &[]),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let ind = json(&b);
    assert_eq!(ind["name"]["en"], "CyberTipline reports concerning Morocco");
    assert_eq!(
        ind["name"]["fr"],
        "Signalements CyberTipline concernant le Maroc"
    );
    assert_eq!(ind["name"]["ar"], "تبليغات CyberTipline المتعلقة بالمغرب");
    assert_eq!(
        ind["definition_hash"],
        state
            .catalog
            .get("NCMEC_MA_REPORTS")
            .unwrap()
            .definition_hash()
    );
    let (s, _, b) = call(
        &state,
        get("/api/v1/indicators/DATA_COMPLETENESS", None, &[]),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        problem(404, &b)["detail"],
        "there is no published indicator `DATA_COMPLETENESS`"
    );
    let (s, _, _) = call(
        &state,
        get("/api/v1/indicators/DATA_COMPLETENESS", Some(ANALYST), &[]),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // A draft's observations are not the public's either.
    let (s, _, _) = call(
        &state,
        get(
            "/api/v1/indicators/DATA_COMPLETENESS/observations",
            None,
            &[],
        ),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn observations_in_every_format() {
    let (state, _) = state().await;
    let (s, h, b) = call(&state, get(OBS, None, &[])).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/json");
    let rows = json(&b);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 5);
    let y2023 = rows.iter().find(|r| r["period"] == "2023").unwrap();
    assert_eq!(y2023["value"], json!(543638.0));
    assert_eq!(y2023["ref_area"], "MA");
    assert_eq!(y2023["obs_status"], "A");

    // Filters: a period range and a dimension.
    let (_, _, b) = call(
        &state,
        get(&format!("{OBS}?from=2021&to=2022&ref_area=MA"), None, &[]),
    )
    .await;
    let periods: Vec<Value> = json(&b)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"].clone())
        .collect();
    assert_eq!(periods, vec![json!("2021"), json!("2022")]);
    let (_, _, b) = call(&state, get(&format!("{OBS}?ref_area=MA-01"), None, &[])).await;
    assert_eq!(json(&b), json!([]));
    let (s, _, b) = call(&state, get(&format!("{OBS}?from=last"), None, &[])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        problem(400, &b)["detail"],
        "from: `last` is not a year (e.g. 2023)"
    );

    // CSV by Accept, SDMX-CSV and the rest by format=.
    let (s, h, b) = call(&state, get(OBS, None, &[("accept", "text/csv")])).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let csv = String::from_utf8(b.to_vec()).unwrap();
    assert!(
        csv.starts_with("indicator_id,indicator_version,period,ref_area,"),
        "{csv}"
    );
    assert!(
        csv.contains("\nNCMEC_MA_REPORTS,1,2023,MA,_Z,_Z,_Z,_Z,_Z,543638,543638,,,NUMBER,0,0,A,F,"),
        "{csv}"
    );
    let (_, h, b) = call(&state, get(&format!("{OBS}?format=sdmx-csv"), None, &[])).await;
    assert!(h[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/vnd.sdmx.data+csv"));
    let sdmx = String::from_utf8(b.to_vec()).unwrap();
    // The caveats as COMMENT_TS (the last column), as the export writes them.
    assert!(sdmx.contains("\nMA_ONC:AESE_INDICATORS(1.0),NCMEC_MA_REPORTS,2023,MA,_Z,_Z,_Z,_Z,_Z,543638,NUMBER,0,0,A,F,,,,\"unit: A CyberTipline report is made to NCMEC"), "{sdmx}");

    let (_, h, b) = call(
        &state,
        get(
            &format!("{OBS}?format=parquet"),
            None,
            &[("accept-encoding", "gzip")],
        ),
    )
    .await;
    assert_eq!(h[header::CONTENT_TYPE], "application/vnd.apache.parquet");
    assert!(
        h.get(header::CONTENT_ENCODING).is_none(),
        "Parquet is not compressed again"
    );
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(b)
        .unwrap()
        .build()
        .unwrap();
    let n: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(n, 5);

    let (_, h, b) = call(
        &state,
        get(
            OBS,
            None,
            &[("accept", "application/vnd.apache.arrow.stream")],
        ),
    )
    .await;
    assert_eq!(
        h[header::CONTENT_TYPE],
        "application/vnd.apache.arrow.stream"
    );
    let reader =
        arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(b.to_vec()), None).unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 5);

    let (s, _, b) = call(&state, get(OBS, None, &[("accept", "image/png")])).await;
    assert_eq!(s, StatusCode::NOT_ACCEPTABLE);
    problem(406, &b);
    let (s, _, b) = call(&state, get(&format!("{OBS}?format=xml"), None, &[])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        problem(400, &b)["detail"],
        "unknown format `xml`; expected one of json, csv, sdmx-csv, parquet, arrow"
    );
    // JSON is compressed when asked.
    let (_, h, _) = call(&state, get(OBS, None, &[("accept-encoding", "gzip")])).await;
    assert_eq!(h[header::CONTENT_ENCODING], "gzip");
}

#[tokio::test]
async fn etag_and_304() {
    let (state, _) = state().await;
    let (_, h, _) = call(&state, get(OBS, None, &[])).await;
    let tag = h[header::ETAG].to_str().unwrap().to_string();
    assert_eq!(h[header::CACHE_CONTROL], "public, max-age=60");
    let (s, h2, b) = call(&state, get(OBS, None, &[("if-none-match", &tag)])).await;
    assert_eq!(s, StatusCode::NOT_MODIFIED);
    assert!(b.is_empty());
    assert_eq!(h2[header::ETAG].to_str().unwrap(), tag);
    // Another query, another role: another tag.
    let (_, h, _) = call(&state, get(&format!("{OBS}?from=2020"), None, &[])).await;
    assert_ne!(h[header::ETAG].to_str().unwrap(), tag);
    let (s, h, _) = call(&state, get(OBS, Some(ANALYST), &[("if-none-match", &tag)])).await;
    assert_eq!(s, StatusCode::OK);
    assert_ne!(h[header::ETAG].to_str().unwrap(), tag);
}

#[tokio::test]
async fn the_public_never_gets_a_suppressed_figure() {
    let (state, _) = state().await;
    let uri = "/api/v1/indicators/PMP_CASES_BY_REGION/observations";
    let (_, _, b) = call(&state, get(uri, None, &[])).await;
    let public = json(&b);
    let suppressed: Vec<&Value> = public
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["conf_status"] != "F")
        .collect();
    assert!(
        !suppressed.is_empty(),
        "the demo has suppressed regional cells"
    );
    for r in &suppressed {
        assert_eq!(r["display"], "suppressed");
        assert_eq!(r["obs_status"], "Q");
        for col in ["value", "numerator", "denominator"] {
            assert_eq!(r[col], Value::Null, "{col} of {r}");
        }
    }
    // The analyst sees the figure of the same cell.
    let (_, _, b) = call(&state, get(uri, Some(ANALYST), &[])).await;
    let analyst = json(&b);
    let cell = suppressed[0];
    let same = analyst
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == cell["period"] && r["ref_area"] == cell["ref_area"])
        .unwrap();
    assert!(same["value"].as_f64().unwrap() >= 1.0, "{same}");
}

#[tokio::test]
async fn snapshots_list_and_one() {
    let (state, _) = state().await;
    let (s, _, b) = call(&state, get("/api/v1/snapshots", None, &[])).await;
    assert_eq!(s, StatusCode::OK);
    let all = json(&b);
    let all = all.as_array().unwrap();
    let latest = state.warehouse.latest().await.unwrap();
    assert_eq!(all.len() as i64, latest.id + 1);
    let (s, _, b) = call(
        &state,
        get(&format!("/api/v1/snapshots/{}", latest.id), None, &[]),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let one = json(&b);
    assert_eq!(one["id"], latest.id);
    assert_eq!(one["tables"], serde_json::to_value(&latest.tables).unwrap());
    let (s, _, b) = call(&state, get("/api/v1/snapshots/999", None, &[])).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(problem(404, &b)["detail"], "there is no snapshot 999");
    // A pinned snapshot without computed observations (the public sees releases only).
    let (s, _, b) = call(
        &state,
        get(&format!("{OBS}?snapshot=1"), Some(ANALYST), &[]),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        problem(404, &b)["detail"],
        "no observations were computed for snapshot 1"
    );
}

#[tokio::test]
async fn sql_is_for_analysts() {
    let (state, events) = state().await;
    let (s, h, b) = call(&state, sql("select 1 as one", None, "application/json")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(h[header::WWW_AUTHENTICATE], "Bearer realm=\"marsad\"");
    assert!(problem(401, &b)["detail"]
        .as_str()
        .unwrap()
        .starts_with("SQL needs an analyst token"));
    let (s, _, b) = call(
        &state,
        sql("select 1 as one", Some("marsad_forged"), "application/json"),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(problem(401, &b)["detail"], "the token was not accepted");
    // A bad token is refused on public routes too.
    let (s, _, _) = call(
        &state,
        get("/api/v1/indicators", Some("marsad_forged"), &[]),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(events.lock().unwrap().is_empty());
}

#[tokio::test]
async fn sql_streams_every_format_and_is_audited() {
    let (state, events) = state().await;
    let q = "select country_code, year, reports from ncmec_reports where country_code = 'MA' and year = 2023";
    let (s, h, b) = call(&state, sql(q, Some(ANALYST), "application/json")).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert_eq!(h["marsad-max-rows"], "100000");
    let v = json(&b);
    assert_eq!(
        v["rows"],
        json!([{"country_code": "MA", "year": 2023, "reports": 543638}]),
        "{v}"
    );
    assert_eq!(v["truncated"], Value::Null);
    assert_eq!(v["error"], Value::Null);
    assert_eq!(v["columns"][0]["name"], "country_code");
    let latest = state.warehouse.latest().await.unwrap().id;
    {
        let e = events.lock().unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].action, "sql");
        assert_eq!(e[0].outcome, "ok");
        assert_eq!(e[0].rows, Some(1));
        assert_eq!(e[0].sql.as_deref(), Some(q));
        assert_eq!(e[0].identity.token.as_deref(), Some("ana"));
        assert_eq!(e[0].snapshot, Some(latest));
        assert_eq!(e[0].bytes, Some(b.len() as u64));
    }
    let (_, h, b) = call(&state, sql(q, Some(ANALYST), "text/csv")).await;
    assert_eq!(h[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        String::from_utf8(b.to_vec()).unwrap(),
        "country_code,year,reports\nMA,2023,543638\n"
    );
    let (_, _, b) = call(
        &state,
        sql(q, Some(ANALYST), "application/vnd.apache.arrow.stream"),
    )
    .await;
    let reader =
        arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(b.to_vec()), None).unwrap();
    assert_eq!(reader.map(|b| b.unwrap().num_rows()).sum::<usize>(), 1);
    let (_, _, b) = call(
        &state,
        sql(q, Some(ANALYST), "application/vnd.apache.parquet"),
    )
    .await;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(b)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(reader.map(|b| b.unwrap().num_rows()).sum::<usize>(), 1);

    // JSON body with a pinned snapshot.
    let body =
        json!({"sql": "select count(*) as n from registry.snapshots", "snapshot": 2}).to_string();
    let req = Request::post("/api/v1/sql?format=csv")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {ANALYST}"))
        .body(Body::from(body))
        .unwrap();
    let (s, _, b) = call(&state, req).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    assert_eq!(events.lock().unwrap().last().unwrap().snapshot, Some(2));
}

#[tokio::test]
async fn sql_refusals_truncation_and_busy() {
    let mut config = Config::default();
    config.limits.max_rows = 2;
    config.queue = 1;
    config.body_limit = 1024;
    let (state, events) = state_with(config).await;
    let (s, _, b) = call(
        &state,
        sql(
            "drop table ncmec_reports",
            Some(ANALYST),
            "application/json",
        ),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let p = problem(400, &b);
    assert_eq!(p["title"], "Query refused");
    assert_eq!(
        p["detail"],
        "refused: DROP TABLE is DDL (it defines or drops objects); only read-only queries run here"
    );
    assert_eq!(events.lock().unwrap().last().unwrap().outcome, "refused");

    let q = "select * from (values (1), (2), (3)) as t(x)";
    let (_, _, b) = call(&state, sql(q, Some(ANALYST), "text/csv")).await;
    assert_eq!(
        String::from_utf8(b.to_vec()).unwrap(),
        "x\n1\n2\n# truncated: the answer has more than 2 rows (--max-rows to raise the limit)\n"
    );
    let (_, _, b) = call(&state, sql(q, Some(ANALYST), "application/json")).await;
    assert_eq!(
        json(&b)["truncated"],
        "truncated: the answer has more than 2 rows (--max-rows to raise the limit)"
    );
    let (_, _, b) = call(
        &state,
        sql(q, Some(ANALYST), "application/vnd.apache.parquet"),
    )
    .await;
    let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(b).unwrap();
    let kv = r.metadata().file_metadata().key_value_metadata().unwrap();
    assert!(kv.iter().any(|k| k.key == "marsad.truncated"
        && k.value.as_deref()
            == Some("truncated: the answer has more than 2 rows (--max-rows to raise the limit)")));

    // 1 running + 1 waiting are taken: the next is told to come back.
    let held = state.admission.clone().try_acquire_many_owned(2).unwrap();
    let (s, h, b) = call(&state, sql("select 1", Some(ANALYST), "application/json")).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(h[header::RETRY_AFTER], "1");
    assert_eq!(
        problem(503, &b)["detail"],
        "2 queries are running or waiting; try again shortly"
    );
    drop(held);
    let (s, _, _) = call(&state, sql("select 1", Some(ANALYST), "application/json")).await;
    assert_eq!(s, StatusCode::OK);

    // The body limit.
    let long = format!("select '{}'", "x".repeat(2000));
    let (s, _, b) = call(&state, sql(&long, Some(ANALYST), "application/json")).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(problem(413, &b)["title"], "Payload Too Large");
}

#[tokio::test]
async fn an_unread_answer_is_abandoned_at_the_deadline() {
    let mut config = Config::default();
    config.limits.timeout = std::time::Duration::from_millis(700);
    let (state, events) = state_with(config).await;
    let permits = state.admission.available_permits();
    let response = tower::ServiceExt::oneshot(
        super::router(state.clone()),
        sql(
            "select * from (values (1), (2), (3)) as t(x)",
            Some(ANALYST),
            "text/csv",
        ),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // The client reads nothing past the deadline: the query's slot comes back and the audit
    // says why; the body then fails rather than ending as if whole.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(state.admission.available_permits(), permits);
    {
        let e = events.lock().unwrap();
        let last = e.last().unwrap();
        assert_eq!(last.outcome, "cancelled");
        assert_eq!(
            last.error.as_deref(),
            Some("the client did not read the answer within the query's time limit")
        );
    }
    let read = axum::body::to_bytes(response.into_body(), usize::MAX).await;
    assert!(read.is_err());
}

#[tokio::test]
async fn a_steward_ingests_an_upload_as_one_snapshot() {
    let (_dir, state, events) = empty_state().await;
    let pdf = sample("ncmec/ncmec-by-country-2023.pdf");
    // Only stewards ingest; nothing is read from a refused request.
    let (s, _, b) = call(
        &state,
        upload("ncmec-country-table", "n.pdf", pdf.clone(), None),
    )
    .await;
    assert_eq!(problem(401, &b)["detail"], "ingest needs a steward's token");
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _, _) = call(
        &state,
        upload("ncmec-country-table", "n.pdf", pdf.clone(), Some(ANALYST)),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, b) = call(
        &state,
        upload("no-such-feed", "n.pdf", pdf.clone(), Some(STEWARD)),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        problem(404, &b)["detail"],
        "there is no feed `no-such-feed` (`marsad feeds` lists them)"
    );
    let before = state.warehouse.snapshots().await.unwrap().len();

    let name = "ncmec-by-country-2023.pdf";
    let (s, _, b) = call(
        &state,
        upload("ncmec-country-table", name, pdf.clone(), Some(STEWARD)),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let report = json(&b);
    assert_eq!(report["feed"], "ncmec-country-table");
    let id = report["snapshot_id"].as_i64().unwrap();
    assert_eq!(state.warehouse.latest().await.unwrap().id, id);
    assert_eq!(state.warehouse.snapshots().await.unwrap().len(), before + 1);
    assert_eq!(report["files"][0]["outcome"], "ingested");
    assert_eq!(report["files"][0]["report"]["file_name"], name);
    // The indicators of the new snapshot are computed: an analyst reads Morocco's 2023 figure
    // (the public waits for a release).
    let (s, _, b) = call(&state, get(OBS, Some(ANALYST), &[])).await;
    assert_eq!(s, StatusCode::OK);
    let rows = json(&b);
    let y2023: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["period"] == "2023")
        .collect();
    assert_eq!(y2023.len(), 1, "{rows}");
    assert_eq!(y2023[0]["value"], 543638.0);

    // The same file again changes nothing and says so.
    let (s, _, b) = call(
        &state,
        upload("ncmec-country-table", name, pdf, Some(STEWARD)),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json(&b)["snapshot_id"], Value::Null);
    assert_eq!(json(&b)["files"][0]["outcome"], "already_ingested");
    let audited: Vec<(String, String)> = events
        .lock()
        .unwrap()
        .iter()
        .map(|e| (e.action.clone(), e.outcome.clone()))
        .collect();
    assert!(audited.contains(&("ingest:ncmec-country-table".into(), "ok".into())));
    assert!(audited.contains(&("ingest:no-such-feed".into(), "refused".into())));
}

#[tokio::test]
async fn a_refused_upload_is_a_422_naming_the_file_and_changes_nothing() {
    let (_dir, state, _) = empty_state().await;
    let before = state.warehouse.snapshots().await.unwrap();
    let bytes = b"this is not a pdf at all".to_vec();
    let (s, h, b) = call(
        &state,
        upload("ncmec-country-table", "broken.pdf", bytes, Some(STEWARD)),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(h[header::CONTENT_TYPE], "application/problem+json");
    let p = problem(422, &b);
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.starts_with("broken.pdf"), "{detail}");
    assert!(
        detail.ends_with("nothing was written, the warehouse is unchanged"),
        "{detail}"
    );
    assert!(
        !detail.contains("/tmp") && !detail.contains(".tmp"),
        "{detail}"
    );
    assert_eq!(state.warehouse.snapshots().await.unwrap(), before);
    // No name, no upload; a name with a path keeps only its last part.
    let (s, _, b) = call(
        &state,
        Request::post("/api/v1/ingest/ncmec-country-table")
            .header("authorization", format!("Bearer {STEWARD}"))
            .body(Body::from("x"))
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        problem(400, &b)["detail"],
        "give the file's name as `?name=` (its extension says its format)"
    );
}

#[tokio::test]
async fn an_upload_over_the_limit_is_a_413() {
    let (_dir, state, _) = empty_state().await;
    let before = state.warehouse.snapshots().await.unwrap();
    let config = Config {
        upload_limit: 1000,
        ..state.config.clone()
    };
    let state = super::AppState::new(
        state.warehouse.clone(),
        state.catalog.clone(),
        config,
        super::testing::resolver(),
        super::AuditSink::Memory(Default::default()),
        Some(super::testing::adapters()),
    );
    let (s, _, b) = call(
        &state,
        upload(
            "ncmec-country-table",
            "big.csv",
            vec![b'a'; 5000],
            Some(STEWARD),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    problem(413, &b);
    assert_eq!(state.warehouse.snapshots().await.unwrap(), before);
}

/// 26 hostile statements over HTTP, each refused (400) or stopped within its limit (422, or a
/// 200 whose streamed answer ends with the reason), never a 5xx; the router answers a normal
/// query between each, and no file appears where a statement tried to write one.
#[tokio::test]
async fn hostile_statements_over_http_are_refused_or_stopped() {
    let mut config = Config::default();
    config.limits.timeout = std::time::Duration::from_secs(3);
    config.limits.max_rows = 1000;
    config.limits.memory = 64 << 20;
    config.limits.max_value = 1 << 20;
    config.body_limit = 4 << 20;
    let (state, events) = state_with(config).await;
    let out = std::env::temp_dir().join(format!("marsad-hostile-{}", std::process::id()));
    let out = out.display();
    let big = format!("select 1 where 1 = 1{}", " and 1 = 1".repeat(120_000));
    let deep = format!("select {}1{}", "(".repeat(500), ")".repeat(500));
    let hostile: Vec<(String, &str)> = vec![
        ("select * from read_csv('/etc/passwd')".into(), "file read"),
        ("select * from read_parquet('/etc/x.parquet')".into(), "file read"),
        ("select * from '/etc/passwd.csv'".into(), "file as table"),
        ("select * from 'https://example.org/x.csv'".into(), "URL as table"),
        (format!("copy (select 1) to '{out}.csv'"), "COPY TO"),
        (format!("create external table t stored as csv location '{out}'"), "external table"),
        ("create table t (a int)".into(), "DDL"),
        ("create view v as select 1".into(), "DDL"),
        ("drop table ncmec_reports".into(), "DDL"),
        ("insert into ncmec_reports select * from ncmec_reports".into(), "DML"),
        ("update staging.emc_reports set year = 0".into(), "DML"),
        ("delete from staging.emc_reports".into(), "DML"),
        ("truncate staging.emc_reports".into(), "DML"),
        ("set datafusion.execution.batch_size = 1".into(), "SET"),
        ("set datafusion.runtime.memory_limit = '100G'".into(), "SET"),
        ("reset datafusion.execution.batch_size".into(), "RESET"),
        ("prepare p as select 1".into(), "PREPARE"),
        ("execute p".into(), "EXECUTE"),
        ("select 1; drop table ncmec_reports".into(), "two statements"),
        ("select repeat('x', 1000000000)".into(), "huge value"),
        (
            "select max(a.report_token || b.report_token || c.report_token) from staging.ncmec_referrals a, staging.ncmec_referrals b, staging.ncmec_referrals c".into(),
            "cross join explosion",
        ),
        ("with recursive r(n) as (select 1 union all select n + 1 from r) select n from r".into(), "unbounded recursion"),
        (big, "SQL over max-sql"),
        (deep, "nesting over max-depth"),
        ("select 1\0".into(), "NUL byte"),
        ("select * from service.tokens".into(), "token table"),
    ];
    assert_eq!(hostile.len(), 26);
    for (statement, what) in &hostile {
        let (s, h, b) = call(&state, sql(statement, Some(ANALYST), "text/csv")).await;
        let body = String::from_utf8_lossy(&b);
        match s {
            StatusCode::BAD_REQUEST
            | StatusCode::UNPROCESSABLE_ENTITY
            | StatusCode::PAYLOAD_TOO_LARGE => {
                assert_eq!(
                    h[header::CONTENT_TYPE],
                    "application/problem+json",
                    "{what}"
                );
                let p = problem(s.as_u16(), &b);
                assert!(!p["detail"].as_str().unwrap().is_empty(), "{what}");
            }
            // A streamed answer stopped by a limit says so in its last line.
            StatusCode::OK => assert!(
                body.lines().last().is_some_and(|l| l.starts_with("# ")),
                "{what}: an answer that was not stopped: {body:.200}"
            ),
            other => panic!("{what}: status {other}: {body:.300}"),
        }
        // The server keeps answering.
        let (s, _, b) = call(&state, sql("select 41 + 1 as x", Some(ANALYST), "text/csv")).await;
        assert_eq!(
            (s, &b[..]),
            (StatusCode::OK, &b"x\n42\n"[..]),
            "after {what}"
        );
    }
    for ext in ["", ".csv"] {
        assert!(
            !std::path::Path::new(&format!("{out}{ext}")).exists(),
            "a hostile statement wrote {out}{ext}"
        );
    }
    let refused = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.action == "sql" && e.outcome != "ok")
        .count();
    assert!(refused >= 20, "every refusal is audited ({refused})");
}

#[tokio::test]
async fn an_indicator_carries_its_caveats_and_its_sources() {
    let (state, _) = state().await;
    let (s, _, b) = call(
        &state,
        get("/api/v1/indicators/EMC_REPORTS_MINORS_SHARE", None, &[]),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let ind = json(&b);
    assert_eq!(
        ind["unit_label"],
        json!({"fr": "% des signalements de l'année", "ar": "% من تبليغات السنة", "en": "% of the year's reports"})
    );
    // Its own caveat first, then its source's (which names the feed).
    assert_eq!(
        ind["caveats"],
        json!([
            {
                "kind": "coverage",
                "periods": ["2021"],
                "text": {
                    "fr": "12,5 % des signalements de 2021 (8 sur 64) n'indiquent pas l'âge de la victime : ils sont au dénominateur mais pas parmi les mineurs, et la part des mineurs est donc un minimum.",
                    "ar": "12,5% من تبليغات سنة 2021 (8 من أصل 64) لا تذكر عمر الضحية: تُحتسب في المقام دون القاصرين، فنسبة القاصرين حد أدنى.",
                    "en": "12.5% of the 2021 reports (8 of 64) give no victim age: they are in the denominator but not among minors, so the share of minors is a lower bound."
                }
            },
            {
                "kind": "break",
                "periods": ["2021"],
                "text": {
                    "fr": "2021 est la première année du portail national de signalement : ses chiffres ne se comparent pas à ceux des années suivantes.",
                    "ar": "سنة 2021 هي السنة الأولى لبوابة التبليغ الوطنية: لا تقارن أرقامها بأرقام السنوات اللاحقة.",
                    "en": "2021 is the first year of the national reporting portal: its figures do not compare with those of later years."
                },
                "source": "emc-reports"
            }
        ])
    );
    let (_, _, b) = call(
        &state,
        get("/api/v1/indicators/NCMEC_MA_REPORTS", None, &[]),
    )
    .await;
    let kinds: Vec<(String, String)> = json(&b)["caveats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["source"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("unit".into(), "ncmec-country-table".into()),
            ("comparability".into(), "ncmec-country-table".into()),
            ("coverage".into(), "ncmec-country-table".into()),
        ]
    );
    assert!(json(&b)["caveats"][0]["text"]["en"]
        .as_str()
        .unwrap()
        .starts_with("A CyberTipline report is made to NCMEC, mostly by online service providers: it is neither a victim"));
}
