//! Test support: a warehouse loaded with every sample and its indicators computed (built once
//! per test process), a state over it with fixed tokens and an audit list, and a one-shot call
//! of the router without a socket.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use marsad_indicators::{engine, Catalog};
use marsad_pipelines::feeds::FeedContext;
use marsad_pipelines::pseudonym::PseudonymKey;
use marsad_pipelines::samples;
use marsad_warehouse::ingest::IngestRequest;
use marsad_warehouse::{Location, Warehouse};
use tower::ServiceExt;

use super::{router, AppState, AuditSink, Resolver};
use crate::access::{Identity, Role};
use crate::audit::AuditEvent;
use crate::config::Config;

pub const ANALYST: &str = "marsad_analyst-test-token";
pub const STEWARD: &str = "marsad_steward-test-token";

/// The demo warehouse (data-samples/samples.toml, then the indicators), built once.
pub fn demo_dir() -> &'static str {
    static DIR: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("data").display().to_string();
        let p = path.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("a runtime");
            rt.block_on(load(&p));
        })
        .join()
        .expect("the demo warehouse loads");
        (dir, path)
    })
    .1
}

async fn load(path: &str) {
    let samples = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../data-samples"));
    let wh = Warehouse::create_or_open(Location::parse(path).unwrap())
        .await
        .unwrap();
    let context = FeedContext {
        key: Some(PseudonymKey::new(b"server-unit-test-key-0123456789").unwrap()),
        reference_date: None,
    };
    for sample in samples::read(&samples).unwrap() {
        wh.ingest(IngestRequest {
            adapter: Arc::new(sample.feed.adapter(context.clone())),
            files: sample.files,
            reference_date: None,
            progress: None,
        })
        .await
        .unwrap();
    }
    let session = Arc::new(wh.session(None).await.unwrap());
    let computed = engine::compute(&wh, session, &Catalog::embedded().unwrap(), &|_| {})
        .await
        .unwrap();
    // The public sees releases: the demo's snapshot is released, as `marsad serve` does.
    release(&wh, "samples", computed.snapshot_id, None).await;
}

/// Release `snapshot` as `name`, made a day before now, public from `embargo` if given.
pub async fn release(
    wh: &Warehouse,
    name: &str,
    snapshot: i64,
    embargo: Option<chrono::DateTime<chrono::Utc>>,
) {
    marsad_indicators::releases::create(
        wh,
        &Catalog::embedded().unwrap(),
        marsad_indicators::releases::NewRelease {
            name: name.into(),
            snapshot_id: snapshot,
            embargo_until: embargo,
            steward_notes: None,
            created_by: "test".into(),
            now: chrono::Utc::now() - chrono::Duration::days(1),
            licence: marsad_indicators::open_data::Licence::default_licence(),
        },
    )
    .await
    .unwrap();
}

/// A state over the demo warehouse with `config`; the audit events it records.
pub async fn state_with(config: Config) -> (AppState, Arc<Mutex<Vec<AuditEvent>>>) {
    let wh = Warehouse::open(Location::parse(demo_dir()).unwrap())
        .await
        .unwrap();
    state_over(wh, config)
}

/// A state over a new, empty warehouse of its own (for tests that change it).
pub async fn empty_state() -> (tempfile::TempDir, AppState, Arc<Mutex<Vec<AuditEvent>>>) {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::parse(&dir.path().join("data").display().to_string()).unwrap();
    let wh = Warehouse::create_or_open(location).await.unwrap();
    let (state, events) = state_over(wh, Config::default());
    (dir, state, events)
}

fn state_over(wh: Warehouse, config: Config) -> (AppState, Arc<Mutex<Vec<AuditEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let state = AppState::new(
        wh,
        Catalog::embedded().unwrap(),
        config,
        resolver(),
        AuditSink::Memory(events.clone()),
        Some(adapters()),
    );
    (state, events)
}

/// The tests' fixed tokens: an analyst and a steward.
pub fn resolver() -> Resolver {
    Resolver::Fixed(vec![
        (
            ANALYST.to_string(),
            Identity {
                token: Some("ana".into()),
                role: Role::Analyst,
            },
        ),
        (
            STEWARD.to_string(),
            Identity {
                token: Some("stew".into()),
                role: Role::Steward,
            },
        ),
    ])
}

/// Every feed's adapter, with the tests' pseudonymisation key.
pub fn adapters() -> super::Adapters {
    let context = FeedContext {
        key: Some(PseudonymKey::new(b"server-unit-test-key-0123456789").unwrap()),
        reference_date: None,
    };
    Arc::new(move |name: &str| {
        marsad_pipelines::Feed::from_name(name)
            .ok()
            .map(|f| Arc::new(f.adapter(context.clone())) as Arc<dyn marsad_model::Adapter>)
    })
}

pub async fn state() -> (AppState, Arc<Mutex<Vec<AuditEvent>>>) {
    state_with(Config::default()).await
}

/// One request through the router: status, headers, whole body.
pub async fn call(state: &AppState, request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    let response = router(state.clone()).oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (parts.status, parts.headers, bytes)
}

/// `GET uri` with an optional token and extra headers.
pub fn get(uri: &str, token: Option<&str>, headers: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::get(uri);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::empty()).unwrap()
}

/// `POST /api/v1/ingest/{feed}?name=…` with `bytes` as the raw body.
pub fn upload(feed: &str, name: &str, bytes: Vec<u8>, token: Option<&str>) -> Request<Body> {
    let mut b = Request::post(format!("/api/v1/ingest/{feed}?name={name}"))
        .header("content-type", "application/octet-stream");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Body::from(bytes)).unwrap()
}

/// A sample file's bytes.
pub fn sample(path: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../data-samples")).join(path))
        .unwrap()
}

/// `POST /api/v1/sql` with a text body.
pub fn sql(query: &str, token: Option<&str>, accept: &str) -> Request<Body> {
    let mut b = Request::post("/api/v1/sql")
        .header("content-type", "text/plain")
        .header("accept", accept);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Body::from(query.to_string())).unwrap()
}

pub fn json(bytes: &Bytes) -> serde_json::Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

/// The problem+json body of an error answer with `status`, checked for its shape.
pub fn problem(status: u16, body: &axum::body::Bytes) -> serde_json::Value {
    let v = json(body);
    assert_eq!(v["status"], status, "{v}");
    assert_eq!(v["type"], "about:blank");
    assert!(v["title"].is_string() && v["detail"].is_string(), "{v}");
    v
}
