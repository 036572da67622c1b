//! `/api/v1/snapshots` and `/api/v1/snapshots/{id}`: the warehouse's snapshots, each with the
//! version of every table it sees and the sha256 of the raw files it added.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::problem::Problem;
use super::AppState;

/// Every snapshot, oldest first.
#[utoipa::path(get, path = "/api/v1/snapshots", tag = "snapshots",
    responses((status = 200, description = "Snapshots: id, created_at, description, files, tables", content_type = "application/json")))]
pub async fn list(State(state): State<AppState>) -> Result<Response, Problem> {
    let all = state
        .warehouse
        .snapshots()
        .await
        .map_err(Problem::internal)?;
    Ok(short_cache(Json(all).into_response()))
}

/// One snapshot: its tables and their versions, its files.
#[utoipa::path(get, path = "/api/v1/snapshots/{id}", tag = "snapshots",
    params(("id" = i64, Path, description = "Snapshot id")),
    responses(
        (status = 200, description = "The snapshot", content_type = "application/json"),
        (status = 404, description = "No such snapshot", content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id: i64 = id.parse().map_err(|_| {
        Problem::bad_request(format!("`{id}` is not a snapshot id (a whole number)"))
    })?;
    let snapshot = state.snapshot(Some(id)).await?;
    Ok(short_cache(Json(snapshot).into_response()))
}

fn short_cache(mut r: Response) -> Response {
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=10"),
    );
    r
}
