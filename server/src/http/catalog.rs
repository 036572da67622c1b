//! `/api/v1/catalog.jsonld`: the DCAT-AP 3 catalogue of the public selection, for harvesters
//! (CKAN with ckanext-dcat). Whoever asks gets the public's catalogue: it is built by
//! `marsad_indicators::open_data::dcat_catalog` from exactly what the latest release out of
//! embargo published (`AppState::published`, the public's rule on every channel), with each
//! distribution pointing at the indicator's observations endpoint in one format.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use marsad_indicators::open_data::{self, Links, Release};

use super::problem::Problem;
use super::{cached, etag, AppState, Published};
use crate::access::{self, Identity};

/// JSON-LD's media type.
pub const JSONLD: &str = "application/ld+json";

/// The DCAT-AP catalogue of the published indicators.
#[utoipa::path(get, path = "/api/v1/catalog.jsonld", tag = "open data",
    responses(
        (status = 200, description = "DCAT-AP 3.0 catalogue (JSON-LD): one dcat:Dataset per published indicator, one dcat:Distribution per format", content_type = "application/ld+json"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "Nothing has been released yet", content_type = "application/problem+json")))]
pub async fn catalog_jsonld(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let published = state.published_now(access::Role::Public).await?;
    let public = state
        .published_observations(&published, access::Role::Public)
        .await?;
    let release = match &published {
        Published::Release(r) => Release::of_release(r).map_err(Problem::internal)?,
        // Not given to the public; kept whole for the match.
        Published::Snapshot(s) => Release::of_snapshot(
            s.id,
            &s.created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ),
    };
    let mut hashes: Vec<String> = state
        .catalog
        .indicators
        .iter()
        .map(|i| i.definition_hash())
        .collect();
    hashes.insert(0, published.tag());
    hashes.push("catalog.jsonld".into());
    let parts: Vec<&str> = hashes.iter().map(String::as_str).collect();
    cached(&headers, &identity, etag(&parts), || {
        let doc = open_data::dcat_catalog(&state.catalog, &public, &release, &Links::Api)
            .map_err(Problem::internal)?;
        let mut r = serde_json::to_string_pretty(&doc)
            .map_err(Problem::internal)?
            .into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSONLD));
        Ok(r)
    })
}
