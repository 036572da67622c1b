//! The HTTP API: [`router`] builds every route with its layers (limits, compression, CORS,
//! sensitive headers, panics as problems) over an [`AppState`]. One file per resource; this one
//! holds what they share: the state, the caller's identity (the `Authorization` header resolved
//! through [`crate::access::Tokens`], in one middleware), content negotiation and ETags.
//!
//! The handlers hold no indicator or query logic: observations come from
//! `marsad_indicators::export` (the role decides through `export::select`, exactly as
//! `marsad indicators export` does), SQL from `marsad_warehouse::query::run`.

pub mod cache;
pub mod catalog;
pub mod format;
pub mod health;
pub mod indicators;
pub mod ingest;
pub mod lineage;
pub mod observations;
pub mod openapi;
pub mod pages;
pub mod problem;
pub mod snapshots;
pub mod sql;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use marsad_indicators::observations::Observation;
use marsad_indicators::releases::{self, Release};
use marsad_indicators::Catalog;
use marsad_indicators::{engine, export};
use marsad_warehouse::query::Budget;
use marsad_warehouse::service::releases as release_store;
use marsad_warehouse::{Snapshot, Warehouse};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;

use crate::access::{AuthError, Identity, Role, SessionCache, Tokens};
use crate::audit::{Audit, AuditEvent};
use crate::config::Config;
use problem::Problem;

/// Where identities come from: the token table, or (tests) a fixed list of tokens.
pub enum Resolver {
    Tokens(Tokens),
    #[cfg(test)]
    Fixed(Vec<(String, Identity)>),
}

impl Resolver {
    async fn resolve(&self, secret: &str) -> Result<Identity, AuthError> {
        match self {
            Resolver::Tokens(t) => t.resolve(secret).await,
            #[cfg(test)]
            Resolver::Fixed(list) => list
                .iter()
                .find(|(s, _)| s == secret)
                .map(|(_, i)| i.clone())
                .ok_or(AuthError::Refused),
        }
    }
}

/// Where audit events go: the audit table, or (tests) a list the test reads.
pub enum AuditSink {
    Audit(Audit),
    #[cfg(test)]
    Memory(Arc<Mutex<Vec<AuditEvent>>>),
}

impl AuditSink {
    pub async fn record(&self, event: AuditEvent) {
        match self {
            AuditSink::Audit(a) => a.record(event).await,
            #[cfg(test)]
            AuditSink::Memory(list) => list.lock().unwrap_or_else(|e| e.into_inner()).push(event),
        }
    }
}

/// The feed adapters a server may ingest with, by feed name, handed in by the caller (the CLI
/// takes them from marsad-pipelines; the server does not depend on it).
pub type Adapters = Arc<dyn Fn(&str) -> Option<Arc<dyn marsad_model::Adapter>> + Send + Sync>;

/// What every handler reads. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub warehouse: Warehouse,
    pub catalog: Catalog,
    pub config: Config,
    pub resolver: Resolver,
    pub audit: AuditSink,
    /// The adapters `POST /api/v1/ingest/{feed}` uses (`None`: ingest not offered).
    pub adapters: Option<Adapters>,
    /// The query budget (its slots are the running queries).
    pub budget: Budget,
    /// SQL sessions by role and snapshot, opened once each.
    pub sessions: SessionCache,
    /// Running + waiting SQL requests (concurrency + queue permits); none left → 503.
    pub admission: Arc<Semaphore>,
    /// Stored observations by snapshot (a snapshot never changes once written).
    observations: Mutex<HashMap<i64, Arc<Vec<Observation>>>>,
    /// What time it is for embargoes (the system clock; tests set their own).
    clock: RwLock<Clock>,
    /// The releases at a version of `service.releases`, and each release's rows (immutable).
    releases: Mutex<(i64, Arc<Vec<Release>>)>,
    released: Mutex<HashMap<String, Arc<Vec<Observation>>>>,
    /// What was last published to each role, when it was read, and whether a request is
    /// reading it again ([`AppState::published_now`]).
    known: Mutex<HashMap<&'static str, Known>>,
    /// [`pages::catalogue_hash`] of `catalog`, part of every page's cache key.
    pub catalogue_hash: String,
    /// Encoded observation answers by ETag (which names the release or snapshot, definition,
    /// role, format and query): the same request is encoded once.
    pub bodies: cache::BodyCache<String>,
}

/// Bounds of [`Inner::bodies`]: every indicator in every format a few times over, in a few MiB.
const BODIES: usize = 1024;
const BODY_BYTES: usize = 64 << 20;

/// How long what is published is trusted before it is read again: reading the snapshot log and
/// the releases costs more than answering a cached page or a known indicator.
const PUBLISHED_CHECK: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

struct Known {
    /// By the state's clock (a test's clock may jump across an embargo).
    at: DateTime<Utc>,
    published: Published,
    refreshing: bool,
}

/// Clears a role's refreshing mark when the refreshing request ends, however it ends.
struct Refreshing<'a>(&'a Mutex<HashMap<&'static str, Known>>, &'static str);

impl Drop for Refreshing<'_> {
    fn drop(&mut self) {
        if let Some(k) = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(self.1)
        {
            k.refreshing = false;
        }
    }
}

/// The time embargoes are judged at.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What a caller is shown: a release (the public's, or a vintage), or a snapshot (analysts).
#[derive(Debug, Clone)]
pub enum Published {
    Release(Release),
    Snapshot(Snapshot),
}

impl Published {
    /// What an ETag says about it (a release never changes; a snapshot neither).
    pub fn tag(&self) -> String {
        match self {
            Published::Release(r) => format!("release:{}", r.name),
            Published::Snapshot(s) => format!("snapshot:{}", s.id),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        warehouse: Warehouse,
        catalog: Catalog,
        config: Config,
        resolver: Resolver,
        audit: AuditSink,
        adapters: Option<Adapters>,
    ) -> Self {
        let budget = Budget::new(config.limits).spill_under(warehouse.location());
        let admission = Arc::new(Semaphore::new(config.limits.concurrency + config.queue));
        let sessions = SessionCache::new(warehouse.clone(), None);
        let catalogue_hash = pages::catalogue_hash(&catalog);
        AppState(Arc::new(Inner {
            warehouse,
            catalog,
            config,
            resolver,
            audit,
            adapters,
            sessions,
            budget,
            admission,
            observations: Mutex::new(HashMap::new()),
            clock: RwLock::new(Arc::new(Utc::now)),
            releases: Mutex::new((-1, Arc::new(Vec::new()))),
            released: Mutex::new(HashMap::new()),
            known: Mutex::new(HashMap::new()),
            catalogue_hash,
            bodies: cache::BodyCache::new(BODIES, BODY_BYTES),
        }))
    }

    /// Judge embargoes by `clock` from now on (tests).
    pub fn set_clock(&self, clock: Clock) {
        *self.clock.write().unwrap_or_else(|e| e.into_inner()) = clock;
        // What was published is judged again by the new clock.
        self.known.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// [`AppState::published`] now, read again at most once a [`PUBLISHED_CHECK`] per role: one
    /// request reads it again when it is older, the others answer from the known one meanwhile
    /// (every request reading the snapshot log and the releases made the 99th percentile).
    pub async fn published_now(&self, role: Role) -> Result<Published, Problem> {
        let key = role.as_str();
        let now = self.now();
        {
            let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
            match known.get_mut(key) {
                Some(k) if (now >= k.at && now - k.at < PUBLISHED_CHECK) || k.refreshing => {
                    return Ok(k.published.clone())
                }
                Some(k) => k.refreshing = true,
                None => {}
            }
        }
        let _refreshing = Refreshing(&self.known, key);
        let p = self.published(role, now).await?;
        self.known.lock().unwrap_or_else(|e| e.into_inner()).insert(
            key,
            Known {
                at: now,
                published: p.clone(),
                refreshing: false,
            },
        );
        Ok(p)
    }

    /// The time by the state's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock.read().unwrap_or_else(|e| e.into_inner()))()
    }

    /// The one rule of who sees what (design.md, invariant 6), for every channel that shows
    /// observations: the public sees the latest release whose embargo has passed at `now`
    /// (404 while nothing has been released); analysts and stewards see the latest snapshot,
    /// unreleased figures included.
    pub async fn published(&self, role: Role, now: DateTime<Utc>) -> Result<Published, Problem> {
        match role {
            Role::Public => self.vintage(now, now).await,
            Role::Analyst | Role::Steward => Ok(Published::Snapshot(self.snapshot(None).await?)),
        }
    }

    /// The release public at `at` (no later than `now`: an embargo is never lifted early by
    /// asking about the future), for every role (404 if nothing was public by then).
    pub async fn vintage(
        &self,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Published, Problem> {
        let all = self.releases().await?;
        let at = at.min(now);
        releases::as_of(&all, at)
            .cloned()
            .map(Published::Release)
            .ok_or_else(|| {
                if all.iter().any(|r| r.is_public(now)) {
                    Problem::not_found(format!("nothing had been released by {}", at.to_rfc3339()))
                } else {
                    Problem::not_found("nothing has been released yet")
                }
            })
    }

    /// The observations of `published` as `role` sees them: a release's rows exactly as it
    /// published them; a snapshot's through `export::select`.
    pub async fn published_observations(
        &self,
        published: &Published,
        role: Role,
    ) -> Result<Arc<Vec<Observation>>, Problem> {
        match published {
            Published::Snapshot(s) => {
                let all = self.observations(s).await?;
                Ok(Arc::new(export::select(
                    &self.catalog,
                    &all,
                    role.export_role(),
                )))
            }
            Published::Release(r) => {
                let cached = self
                    .released
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&r.name)
                    .cloned();
                if let Some(obs) = cached {
                    return Ok(obs);
                }
                let obs = Arc::new(
                    releases::observations(&self.warehouse, &r.name)
                        .await
                        .map_err(Problem::internal)?,
                );
                self.released
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(r.name.clone(), obs.clone());
                Ok(obs)
            }
        }
    }

    /// Every release, re-read when `service.releases` has a new version (a listing, no rows).
    async fn releases(&self) -> Result<Arc<Vec<Release>>, Problem> {
        let loc = self.warehouse.location();
        let version = release_store::version(loc)
            .await
            .map_err(Problem::internal)?;
        {
            let held = self.releases.lock().unwrap_or_else(|e| e.into_inner());
            if held.0 == version {
                return Ok(held.1.clone());
            }
        }
        let (version, all) = release_store::read(loc).await.map_err(Problem::internal)?;
        let all = Arc::new(all);
        *self.releases.lock().unwrap_or_else(|e| e.into_inner()) = (version, all.clone());
        Ok(all)
    }

    /// The snapshot `id` (404 if there is none), or the latest.
    pub async fn snapshot(&self, id: Option<i64>) -> Result<Snapshot, Problem> {
        match id {
            None => self.warehouse.latest().await.map_err(Problem::internal),
            Some(id) => {
                let all = self
                    .warehouse
                    .snapshots()
                    .await
                    .map_err(Problem::internal)?;
                all.into_iter()
                    .find(|s| s.id == id)
                    .ok_or_else(|| Problem::not_found(format!("there is no snapshot {id}")))
            }
        }
    }

    /// The observations stored for `snapshot` (404 if none were computed).
    pub async fn observations(
        &self,
        snapshot: &Snapshot,
    ) -> Result<Arc<Vec<Observation>>, Problem> {
        let cached = self
            .observations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&snapshot.id)
            .cloned();
        if let Some(obs) = cached {
            return Ok(obs);
        }
        let session = self
            .warehouse
            .session(Some(snapshot.id))
            .await
            .map_err(Problem::internal)?;
        let obs = engine::stored(&session)
            .await
            .map_err(Problem::internal)?
            .ok_or_else(|| {
                Problem::not_found(format!(
                    "no observations were computed for snapshot {}",
                    snapshot.id
                ))
            })?;
        let obs = Arc::new(obs);
        self.observations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(snapshot.id, obs.clone());
        Ok(obs)
    }
}

/// The `snapshot` query parameter: a snapshot id, for analysts only (the public sees releases;
/// a snapshot would get around an embargo).
pub fn snapshot_param(
    params: &std::collections::BTreeMap<String, String>,
    identity: &Identity,
) -> Result<Option<i64>, Problem> {
    let Some(v) = params.get("snapshot") else {
        return Ok(None);
    };
    let id = v.parse::<i64>().map_err(|_| {
        Problem::bad_request(format!(
            "snapshot: `{v}` is not a snapshot id (a whole number)"
        ))
    })?;
    if identity.role == Role::Public {
        return Err(Problem::forbidden(
            "the public sees releases: `snapshot` is for analysts (`as_of` on observations gives an earlier release)",
        ));
    }
    Ok(Some(id))
}

/// The router of the whole API over `state`.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD])
        .expose_headers([header::ETAG]);
    // Parquet and Arrow are compressed already (or binary columns that gain little); the
    // default predicate would compress them again.
    let compress = DefaultPredicate::new()
        .and(NotForContentType::const_new(format::PARQUET))
        .and(NotForContentType::const_new(format::ARROW));
    let api = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route("/api/v1/indicators", get(indicators::list))
        .route("/api/v1/indicators/{id}", get(indicators::show))
        .route(
            "/api/v1/indicators/{id}/observations",
            get(observations::observations),
        )
        .route("/api/v1/lineage", get(lineage::lineage))
        .route("/api/v1/catalog.jsonld", get(catalog::catalog_jsonld))
        .route("/api/v1/snapshots", get(snapshots::list))
        .route("/api/v1/snapshots/{id}", get(snapshots::show))
        .route("/api/v1/sql", post(sql::sql))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit));
    // Uploads have their own, larger limit (and are streamed to disk, never held in memory).
    let upload_limit = state.config.upload_limit;
    let uploads = Router::new()
        .route("/api/v1/ingest/{feed}", post(ingest::ingest))
        .layer(DefaultBodyLimit::max(upload_limit))
        .layer(RequestBodyLimitLayer::new(upload_limit));
    api.merge(uploads)
        .merge(pages::routes())
        .fallback(|| async { Problem::not_found("no such resource") })
        .layer(middleware::from_fn_with_state(state.clone(), identify))
        .layer(middleware::map_response(problem::normalise))
        .layer(CompressionLayer::new().compress_when(compress))
        .layer(cors)
        .layer(TraceLayer::new_for_http())
        // Before the trace layer sees the request: tokens never reach a log.
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
        ]))
        .layer(CatchPanicLayer::custom(problem::from_panic))
        .with_state(state)
}

/// Resolve `Authorization: Bearer <token>` to an [`Identity`] (none: the public) and put it in
/// the request's extensions; a token that is not accepted is a 401, whatever the route.
async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let identity = match request.headers().get(header::AUTHORIZATION) {
        None => Identity::public(),
        Some(value) => {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            let Some(token) = token else {
                return Problem::unauthorized("the Authorization header must be `Bearer <token>`")
                    .into_response();
            };
            match state.resolver.resolve(token).await {
                Ok(identity) => identity,
                Err(AuthError::Refused) => {
                    return Problem::unauthorized("the token was not accepted").into_response()
                }
                Err(e) => return Problem::internal(e).into_response(),
            }
        }
    };
    request.extensions_mut().insert(identity);
    next.run(request).await
}

/// A strong ETag over what decides an answer (snapshot, definition hashes, role, query).
pub fn etag(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    format!("\"{}\"", &hex::encode(h.finalize())[..32])
}

/// Whether the client's `If-None-Match` already names `tag`.
pub fn matches(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == tag)
}

/// Cache-Control of an answer that depends on the role: shared caches may keep the public's.
pub fn cache_control(identity: &Identity) -> HeaderValue {
    match identity.token {
        None => HeaderValue::from_static("public, max-age=60"),
        Some(_) => HeaderValue::from_static("private, max-age=60"),
    }
}

/// An answer with its ETag and Cache-Control, or 304 when the client has it.
pub fn cached(
    headers: &HeaderMap,
    identity: &Identity,
    tag: String,
    answer: impl FnOnce() -> Result<Response, Problem>,
) -> Result<Response, Problem> {
    let mut response = if matches(headers, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        answer()?
    };
    let h = response.headers_mut();
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&tag).map_err(Problem::internal)?,
    );
    h.insert(header::CACHE_CONTROL, cache_control(identity));
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Authorization"),
    );
    Ok(response)
}

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
