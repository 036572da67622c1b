//! `/healthz` (the process answers) and `/readyz` (the warehouse is open and its latest
//! snapshot known): what a supervisor or a load balancer polls.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::problem::Problem;
use super::AppState;

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "The server answers", content_type = "application/json")))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The warehouse is readable and its latest snapshot known.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Ready: the latest snapshot", content_type = "application/json"),
        (status = 503, description = "The warehouse cannot be read", content_type = "application/problem+json")))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, Problem> {
    match state.warehouse.latest().await {
        Ok(s) => Ok(Json(json!({"status": "ready", "snapshot": s.id}))),
        Err(e) => {
            tracing::error!("readyz: {e}");
            Err(Problem::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "Not ready",
                "the warehouse's snapshot log cannot be read",
            ))
        }
    }
}
