//! `/api/v1/indicators` (the catalogue, filtered by MNR sector and capacity, status, source) and
//! `/api/v1/indicators/{id}` (one indicator's metadata in French, Arabic and English, with its
//! caveats and its sources' in `caveats`: kind, periods, text, and `source` for a source's). The
//! public sees the indicators `indicators export --role public` writes (those with published
//! observations on the latest snapshot); analysts see the whole catalogue.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use marsad_indicators::catalog::Caveat;
use marsad_indicators::terminology::{self, Terminology};
use marsad_indicators::Indicator;
use serde_json::{json, Value};

use super::problem::Problem;
use super::{cache_control, AppState};
use crate::access::{Identity, Role};

const FILTERS: &[&str] = &["sector", "capacity", "status", "source"];

/// The indicators this caller may see.
#[utoipa::path(get, path = "/api/v1/indicators", tag = "indicators",
    params(
        ("sector" = Option<u8>, Query, description = "WeProtect MNR sector"),
        ("capacity" = Option<u8>, Query, description = "WeProtect MNR capacity"),
        ("status" = Option<String>, Query, description = "draft, approved or retired"),
        ("source" = Option<String>, Query, description = "Source feed, e.g. ncmec-country-table")),
    responses(
        (status = 200, description = "Indicators: id, version, status, unit, name {fr, ar, en}, mnr, sources", content_type = "application/json"),
        (status = 400, description = "Unknown or malformed filter", content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, Problem> {
    if let Some(k) = params.keys().find(|k| !FILTERS.contains(&k.as_str())) {
        return Err(Problem::bad_request(format!(
            "unknown parameter `{k}`; expected one of {}",
            FILTERS.join(", ")
        )));
    }
    let number = |name: &str| -> Result<Option<u8>, Problem> {
        params
            .get(name)
            .map(|v| {
                v.parse::<u8>().map_err(|_| {
                    Problem::bad_request(format!("{name}: `{v}` is not a whole number"))
                })
            })
            .transpose()
    };
    let (sector, capacity) = (number("sector")?, number("capacity")?);
    let visible = visible(&state, &identity).await?;
    let items: Vec<Value> = state
        .catalog
        .indicators
        .iter()
        .filter(|i| visible.as_ref().is_none_or(|v| v.contains(i.id())))
        .filter(|i| sector.is_none_or(|s| i.def.mnr.sector == s))
        .filter(|i| capacity.is_none_or(|c| i.def.mnr.capacity == c))
        .filter(|i| {
            params
                .get("status")
                .is_none_or(|s| i.def.status.as_str() == s)
        })
        .filter(|i| {
            params
                .get("source")
                .is_none_or(|s| i.def.sources.iter().any(|x| x == s))
        })
        .map(summary)
        .collect();
    let mut r = Json(items).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, cache_control(&identity));
    Ok(r)
}

/// One indicator's metadata.
#[utoipa::path(get, path = "/api/v1/indicators/{id}", tag = "indicators",
    params(("id" = String, Path, description = "Indicator id, e.g. NCMEC_MA_REPORTS")),
    responses(
        (status = 200, description = "The indicator's definition (names, definitions, notes, unit label in fr, ar, en), its caveats and its sources' (kind, periods, text in fr, ar, en, source), its definition hash", content_type = "application/json"),
        (status = 404, description = "No such indicator, or not published (public)", content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let ind = find(&state, &identity, &id).await?;
    let mut body = serde_json::to_value(&ind.def).map_err(Problem::internal)?;
    let terms = Terminology::embedded().map_err(Problem::internal)?;
    if let Value::Object(map) = &mut body {
        map.insert("definition_hash".into(), json!(ind.definition_hash()));
        // Texts as readers see them: a quoted classification label with the preferred term
        // beside it (`terminology::render`).
        for (field, text) in [
            ("name", Some(&ind.def.name)),
            ("definition", Some(&ind.def.definition)),
            ("notes", ind.def.notes.as_ref()),
            ("numerator", ind.def.numerator.as_ref()),
            ("denominator", ind.def.denominator.as_ref()),
            ("unit_label", ind.def.unit_label.as_ref()),
        ] {
            if let Some(text) = text {
                map.insert(field.into(), json!(terminology::render_text(terms, text)));
            }
        }
        // Its own caveats and its sources' (those carry `source`).
        let caveats: Vec<Caveat> = ind
            .caveats()
            .into_iter()
            .map(|c| Caveat {
                text: terminology::render_text(terms, &c.text),
                ..c
            })
            .collect();
        map.insert("caveats".into(), json!(caveats));
    }
    let mut r = Json(body).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, cache_control(&identity));
    Ok(r)
}

/// The indicator `id`, if this caller may see it (404 otherwise, the same as an unknown id).
pub async fn find<'a>(
    state: &'a AppState,
    identity: &Identity,
    id: &str,
) -> Result<&'a Indicator, Problem> {
    let unknown = || Problem::not_found(format!("there is no published indicator `{id}`"));
    let ind = state.catalog.get(id).map_err(|_| unknown())?;
    if identity.role >= Role::Analyst {
        return Ok(ind);
    }
    // Before a first release this says so (404 "nothing has been released yet") rather than
    // "no such indicator". A scan, not `visible`'s set: this runs on every public request.
    let published = state.published_now(identity.role).await?;
    let public = state
        .published_observations(&published, identity.role)
        .await?;
    if public.iter().any(|o| o.indicator_id == ind.def.id) {
        Ok(ind)
    } else {
        Err(unknown())
    }
}

/// The ids the public may see (those of the latest release out of embargo); `None`: every
/// indicator (analysts).
async fn visible(
    state: &AppState,
    identity: &Identity,
) -> Result<Option<BTreeSet<String>>, Problem> {
    if identity.role >= Role::Analyst {
        return Ok(None);
    }
    let published = match state.published_now(identity.role).await {
        Ok(p) => p,
        // Nothing released yet: nothing is published.
        Err(p) if p.status == axum::http::StatusCode::NOT_FOUND => {
            return Ok(Some(BTreeSet::new()))
        }
        Err(p) => return Err(p),
    };
    let public = state
        .published_observations(&published, identity.role)
        .await?;
    Ok(Some(
        public.iter().map(|o| o.indicator_id.clone()).collect(),
    ))
}

fn summary(i: &Indicator) -> Value {
    let d = &i.def;
    json!({
        "id": d.id,
        "version": d.version,
        "status": d.status.as_str(),
        "unit": d.unit.code(),
        "unit_label": d.unit_label,
        "name": d.name,
        "mnr": d.mnr,
        "sdg": d.sdg,
        "sources": d.sources,
        "dimensions": d.dimensions,
        "periodicity": d.periodicity,
    })
}
