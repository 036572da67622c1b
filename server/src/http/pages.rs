//! The dashboards' pages, mounted: `/` (to `/fr/`, `/ar/` or `/en/` by Accept-Language, French
//! by default), `/{lang}/`, `/{lang}/{page}`, `/{lang}/indicators/{id}`, `/style.css` and
//! `/downloads/{id}/{file}`: the same paths, relative to each other, as the static site that
//! `marsad dashboards export` writes. No page logic here: the caller's role picks what is
//! shown (`AppState::published`, as every channel does: the public sees the latest release
//! out of embargo) and `marsad_dashboards::site`
//! renders them.
//!
//! What is shown is looked up at most once a second. Rendered answers are cached, keyed by (warehouse, release or snapshot, catalogue hash, role,
//! path + query), at most [`CACHE_ENTRIES`] and [`CACHE_BYTES`] (the oldest go first,
//! [`super::cache::BodyCache`]): a release or snapshot never changes once written, so a key
//! never goes stale; a new release, snapshot or catalogue makes new keys.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use marsad_dashboards::site::{Mode, Page, Selection, Site, CSS, CSS_FILE, DOWNLOAD_FILES};
use marsad_dashboards::{DashboardError, Lang};
use marsad_indicators::export::Role;
use sha2::{Digest, Sha256};

use bytes::Bytes;

use super::cache::BodyCache;
use super::problem::Problem;
use super::{cached, etag, format, AppState, Published};
use crate::access::Identity;

/// Rendered pages and downloads kept at most, and their bytes at most.
pub const CACHE_ENTRIES: usize = 512;
pub const CACHE_BYTES: usize = 64 << 20;

/// The routes of the pages (merged into [`super::router`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route(&format!("/{CSS_FILE}"), get(stylesheet))
        .route("/downloads/{id}/{file}", get(download))
        .route("/{lang}", get(lang_root))
        .route("/{lang}/", get(page))
        .route("/{lang}/{page}", get(page))
        .route("/{lang}/indicators/{id}", get(page))
}

/// `/`: the language the browser prefers among fr, ar, en (French when none).
async fn root(headers: HeaderMap) -> Response {
    let lang = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(preferred)
        .unwrap_or(Lang::Fr);
    let mut response = Redirect::to(&format!("/{}/", lang.code())).into_response();
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    response
}

/// The first of fr, ar, en by the header's weights (`ar-MA,ar;q=0.9,fr;q=0.8` → ar); French
/// when it names none of them.
pub fn preferred(accept_language: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for item in accept_language.split(',') {
        let mut parts = item.trim().split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        if let Some(lang) = Lang::from_code(primary) {
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
    }
    best.map(|(_, l)| l).unwrap_or(Lang::Fr)
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

fn language(code: &str) -> Result<Lang, Problem> {
    Lang::from_code(code).ok_or_else(|| {
        Problem::not_found(format!(
            "no pages in `{code}`; the languages are fr, ar and en"
        ))
    })
}

/// `/{lang}` → `/{lang}/`, so that the pages' relative links resolve.
async fn lang_root(Path(lang): Path<String>) -> Result<Response, Problem> {
    let lang = language(&lang)?;
    Ok(Redirect::permanent(&format!("/{}/", lang.code())).into_response())
}

/// The request's parts a page depends on.
struct Request {
    state: AppState,
    identity: Identity,
    headers: HeaderMap,
    /// Path and query, as the cache key.
    uri: String,
}

/// `/{lang}/`, `/{lang}/{page}` and `/{lang}/indicators/{id}`: the page their parameters name.
async fn page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(path): Path<HashMap<String, String>>,
    Query(params): Query<BTreeMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let lang = path.get("lang").map(String::as_str).unwrap_or_default();
    let found = match (path.get("page"), path.get("id")) {
        (_, Some(id)) => Page::from_path(&format!("indicators/{id}"))
            .ok_or_else(|| Problem::not_found(format!("no indicator `{id}`")))?,
        (Some(page), None) => Page::from_path(page)
            .filter(|p| !matches!(p, Page::Indicator(_)))
            .ok_or_else(|| Problem::not_found(format!("no page `{page}`")))?,
        (None, None) => Page::Overview,
    };
    let request = Request {
        state,
        identity,
        headers,
        uri: uri.to_string(),
    };
    serve_page(request, lang, found, params).await
}

async fn serve_page(
    request: Request,
    lang: &str,
    page: Page,
    params: BTreeMap<String, String>,
) -> Result<Response, Problem> {
    let lang = language(lang)?;
    // Only indicator pages take a selection; elsewhere a query is an error, not ignored.
    let selection = match page {
        Page::Indicator(_) => Selection::parse(&params).map_err(problem)?,
        _ if params.is_empty() => Selection::default(),
        _ => {
            return Err(Problem::bad_request(
                "this page takes no parameters (the selection is on indicator pages)",
            ))
        }
    };
    answer(request, "text/html; charset=utf-8", move |site| {
        site.render(lang, &page, &selection).map(String::into_bytes)
    })
    .await
}

async fn download(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, file)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    if !DOWNLOAD_FILES.contains(&file.as_str()) {
        return Err(Problem::not_found(format!(
            "no download `{file}`; the files are {}",
            DOWNLOAD_FILES.join(", ")
        )));
    }
    let content_type = match file.rsplit('.').next() {
        Some("csv") => format::CSV,
        Some("parquet") => format::PARQUET,
        _ => format::JSON,
    };
    let request = Request {
        state,
        identity,
        headers,
        uri: uri.to_string(),
    };
    answer(request, content_type, move |site| {
        site.downloads(&id)?
            .into_iter()
            .find(|(name, _)| *name == file)
            .map(|(_, bytes)| bytes)
            .ok_or_else(|| DashboardError::NotFound { what: file.clone() })
    })
    .await
}

/// A rendered answer from the cache, or rendered (off the async threads) and cached; with an
/// ETag over its key and the role's Cache-Control.
async fn answer(
    request: Request,
    content_type: &'static str,
    render: impl FnOnce(&Site) -> marsad_dashboards::Result<Vec<u8>> + Send + 'static,
) -> Result<Response, Problem> {
    let Request {
        state,
        identity,
        headers,
        uri,
    } = request;
    let published = state.published_now(identity.role).await?;
    let role = identity.role.export_role();
    let key = Key {
        warehouse: state.warehouse.location().to_string(),
        published: published.tag(),
        catalogue: state.catalogue_hash.clone(),
        role: role_name(role),
        uri,
    };
    let tag = etag(&[
        &key.warehouse,
        &key.published,
        &key.catalogue,
        key.role,
        &key.uri,
    ]);
    let body = match cache().get(&key) {
        Some(body) => body,
        None => {
            // Already the role's selection (a release holds exactly what it published).
            let visible = state
                .published_observations(&published, identity.role)
                .await?;
            let (snapshot_id, release) = match &published {
                Published::Release(r) => (r.snapshot_id, Some(r.clone())),
                Published::Snapshot(s) => (s.id, None),
            };
            let st = state.clone();
            let bytes = tokio::task::spawn_blocking(move || {
                let site = Site {
                    catalog: &st.catalog,
                    observations: &visible,
                    snapshot_id,
                    release: release.as_ref(),
                    role,
                    mode: Mode::Server,
                };
                render(&site)
            })
            .await
            .map_err(Problem::internal)?
            .map_err(problem)?;
            let body = Bytes::from(bytes);
            cache().put(key, body.clone());
            body
        }
    };
    cached(&headers, &identity, tag, move || {
        Ok((StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response())
    })
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Public => "public",
        Role::Analyst => "analyst",
    }
}

/// A dashboards error as an HTTP problem: what the visitor asked for that is not there (404),
/// a query that cannot be read (400), else the server's own failure (logged).
fn problem(e: DashboardError) -> Problem {
    match e {
        DashboardError::NotFound { what } => Problem::not_found(format!("no such page: {what}")),
        DashboardError::BadQuery { message } => Problem::bad_request(message),
        other => Problem::internal(other),
    }
}

/// SHA-256 of the catalogue's definitions and SQL: what the pages' figures and texts depend
/// on besides the snapshot. Computed once per state ([`super::Inner::catalogue_hash`]): the
/// catalogue does not change while the server runs.
pub(crate) fn catalogue_hash(catalog: &marsad_indicators::Catalog) -> String {
    let mut h = Sha256::new();
    for ind in &catalog.indicators {
        h.update(serde_json::to_vec(&ind.def).unwrap_or_default());
        h.update([0]);
        h.update(ind.sql.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    warehouse: String,
    /// The release or snapshot shown (`Published::tag`).
    published: String,
    catalogue: String,
    role: &'static str,
    uri: String,
}

/// Rendered bodies by key (one cache per process: keys name their warehouse).
fn cache() -> &'static BodyCache<Key> {
    static CACHE: OnceLock<BodyCache<Key>> = OnceLock::new();
    CACHE.get_or_init(|| BodyCache::new(CACHE_ENTRIES, CACHE_BYTES))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, get, state, ANALYST};
    use super::*;

    /// The pages through the router: the role decides (banner, drafts), the answer is cached
    /// (the same ETag, a 304 for it), a bad selection is a 400 problem.
    #[tokio::test]
    async fn pages_through_the_router() {
        let (state, _) = state().await;
        let (s, h, b) = call(&state, get("/ar/regions.html", None, &[])).await;
        assert_eq!(s, StatusCode::OK);
        let html = String::from_utf8(b.to_vec()).unwrap();
        assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"));
        assert!(html.contains("data-suppressed=\"true\""));
        assert!(!html.contains("internal-banner"));
        let tag = h[header::ETAG].to_str().unwrap().to_string();
        let (s, _, _) = call(
            &state,
            get("/ar/regions.html", None, &[("if-none-match", &tag)]),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_MODIFIED);
        let (s, h, b) = call(&state, get("/ar/regions.html", Some(ANALYST), &[])).await;
        assert_eq!(s, StatusCode::OK);
        assert_ne!(h[header::ETAG].to_str().unwrap(), tag);
        assert_eq!(h[header::CACHE_CONTROL], "private, max-age=60");
        assert!(String::from_utf8(b.to_vec())
            .unwrap()
            .contains("class=\"internal-banner\""));
        let (s, h, b) = call(&state, get("/en/indicators/SDG_16_2_3?from=20x", None, &[])).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(h[header::CONTENT_TYPE], "application/problem+json");
        assert!(String::from_utf8(b.to_vec())
            .unwrap()
            .contains("from: `20x` is not a year (e.g. 2023)"));
        let (s, _, _) = call(&state, get("/en/justice.html?x=1", None, &[])).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _, _) = call(&state, get("/fr", None, &[])).await;
        assert_eq!(s, StatusCode::PERMANENT_REDIRECT);
        let (s, h, b) = call(
            &state,
            get("/downloads/SDG_16_2_3/datapackage.json", None, &[]),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h[header::CONTENT_TYPE], "application/json");
        assert!(String::from_utf8(b.to_vec())
            .unwrap()
            .contains("\"marsad-aese-indicators\""));
        let (s, _, _) = call(&state, get("/downloads/SDG_16_2_3/secret.txt", None, &[])).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }

    #[test]
    fn accept_language_picks_fr_ar_or_en() {
        assert_eq!(preferred("ar-MA,ar;q=0.9,fr;q=0.8"), Lang::Ar);
        assert_eq!(preferred("en-GB,en;q=0.9"), Lang::En);
        assert_eq!(preferred("de-DE,en;q=0.5,fr;q=0.7"), Lang::Fr);
        assert_eq!(preferred("es,de"), Lang::Fr);
        assert_eq!(preferred("ar;q=0,en;q=0.1"), Lang::En);
        assert_eq!(preferred(""), Lang::Fr);
    }
}
