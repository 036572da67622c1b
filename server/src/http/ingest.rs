//! `POST /api/v1/ingest/{feed}` (stewards): one agency file, uploaded as the raw body (its name in
//! `?name=`) or as the `file` field of a multipart form (its name from the form), streamed to a
//! temporary folder, then handed with the feed's adapter to the warehouse's one commit path as
//! one snapshot, whose indicators are then computed. The answer is the ingest report. A file the
//! adapter refuses is a 422 naming the file and where in it, and the warehouse is unchanged (the
//! commit path is all or nothing); an upload over `upload-limit` is a 413 and nothing is ingested.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures::{Stream, StreamExt};
use marsad_indicators::engine;
use marsad_warehouse::query::work_folders;
use marsad_warehouse::{IngestOutcome, IngestRequest, WarehouseError};
use tokio::io::AsyncWriteExt;

use super::problem::Problem;
use super::AppState;
use crate::access::{Channel, Identity, Role};
use crate::audit::AuditEvent;

#[derive(Debug, serde::Deserialize)]
pub struct Params {
    /// The file's name (raw-body uploads): its extension says its format.
    name: Option<String>,
}

/// Ingest one uploaded file of `feed`.
#[utoipa::path(post, path = "/api/v1/ingest/{feed}", tag = "ingest",
    params(("feed" = String, Path, description = "Feed name, as `marsad feeds` lists them"),
           ("name" = Option<String>, Query, description = "The file's name, for a raw-body upload")),
    request_body(content = Vec<u8>, description = "The file (raw body), or a multipart form with a `file` field", content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "The ingest report", content_type = "application/json"),
        (status = 401, description = "No or bad token", content_type = "application/problem+json"),
        (status = 403, description = "Not a steward", content_type = "application/problem+json"),
        (status = 404, description = "No such feed", content_type = "application/problem+json"),
        (status = 413, description = "Larger than upload-limit", content_type = "application/problem+json"),
        (status = 422, description = "The file was refused; nothing changed", content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn ingest(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(feed): Path<String>,
    Query(params): Query<Params>,
    request: Request,
) -> Result<Response, Problem> {
    match (identity.role, &identity.token) {
        (Role::Steward, _) => {}
        (_, None) => return Err(Problem::unauthorized("ingest needs a steward's token")),
        (_, Some(_)) => return Err(Problem::forbidden("this token's role may not ingest")),
    }
    let started = Instant::now();
    let mut event = AuditEvent::new(&identity, Channel::Http, format!("ingest:{feed}"));
    let answer = run(&state, &feed, params, request).await;
    event.duration = started.elapsed();
    match &answer {
        Ok(outcome) => event.snapshot = outcome.snapshot_id,
        Err(p) => {
            event.outcome = if p.status.is_client_error() {
                "refused".into()
            } else {
                "failed".into()
            };
            event.error = Some(p.detail.clone());
        }
    }
    state.audit.record(event).await;
    Ok(Json(answer?).into_response())
}

async fn run(
    state: &AppState,
    feed: &str,
    params: Params,
    request: Request,
) -> Result<IngestOutcome, Problem> {
    let Some(adapters) = &state.adapters else {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Ingest not available",
            "this server was started without feed adapters",
        ));
    };
    let adapter = adapters(feed).ok_or_else(|| {
        Problem::not_found(format!(
            "there is no feed `{feed}` (`marsad feeds` lists them)"
        ))
    })?;
    let folder = upload_folder(state)?;
    let path = receive(folder.path(), params, request).await?;
    let outcome = state
        .warehouse
        .ingest(IngestRequest {
            adapter,
            files: vec![path],
            reference_date: None,
            progress: None,
        })
        .await
        .map_err(|e| match e {
            WarehouseError::Refused { .. } => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "File refused",
                e.to_string(),
            ),
            other => Problem::internal(other),
        })?;
    if let Some(id) = outcome.snapshot_id {
        // The public reads the observations of the latest snapshot: compute them now.
        let session = state
            .warehouse
            .session(Some(id))
            .await
            .map_err(Problem::internal)?;
        engine::compute(&state.warehouse, Arc::new(session), &state.catalog, &|_| {})
            .await
            .map_err(Problem::internal)?;
    }
    Ok(outcome)
}

/// A private folder for one upload: under the data directory's `.tmp/` when it is local (the
/// same disk as the archive), else the system's temporary folder. Removed when dropped (and,
/// after a kill, by the sweep of `marsad_warehouse::query`'s working folders).
fn upload_folder(state: &AppState) -> Result<tempfile::TempDir, Problem> {
    let base = match state.warehouse.location().local_dir() {
        Some(dir) => dir.join(work_folders::SPILL_FOLDER),
        None => std::env::temp_dir(),
    };
    std::fs::create_dir_all(&base).map_err(Problem::internal)?;
    // `upload-<pid>-…`: if this process is killed mid-upload, the next query's sweep of stale
    // working folders removes what it left.
    tempfile::Builder::new()
        .prefix(&work_folders::prefix(work_folders::UPLOAD))
        .tempdir_in(&base)
        .map_err(Problem::internal)
}

/// Stream the uploaded file into `folder`, under its own name; returns its path.
async fn receive(folder: &FsPath, params: Params, request: Request) -> Result<PathBuf, Problem> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let name = params.name.ok_or_else(|| {
            Problem::bad_request("give the file's name as `?name=` (its extension says its format)")
        })?;
        let path = folder.join(file_name(&name)?);
        let stream = request.into_body().into_data_stream();
        write(&path, stream).await?;
        return Ok(path);
    }
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| Problem::bad_request(format!("the multipart form cannot be read: {e}")))?;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| upload_error(e.status(), e.body_text()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name = field
            .file_name()
            .map(str::to_string)
            .or(params.name)
            .ok_or_else(|| Problem::bad_request("the `file` field has no file name"))?;
        let path = folder.join(file_name(&name)?);
        let stream = field.map(|chunk| chunk.map_err(|e| (e.status(), e.body_text())));
        write_parts(&path, stream).await?;
        return Ok(path);
    }
    Err(Problem::bad_request(
        "the multipart form has no `file` field",
    ))
}

/// The last part of `name`, if it is a plain file name.
fn file_name(name: &str) -> Result<&str, Problem> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    if base.is_empty() || base == "." || base == ".." || base.chars().any(char::is_control) {
        return Err(Problem::bad_request(format!(
            "`{}` is not a file name",
            name.escape_default()
        )));
    }
    Ok(base)
}

async fn write(
    path: &FsPath,
    stream: impl Stream<Item = Result<bytes::Bytes, axum::Error>> + Unpin,
) -> Result<(), Problem> {
    let stream = stream.map(|chunk| {
        chunk.map_err(|e| {
            // The body limit ends the stream with a length-limit error: that is a 413.
            let status = if is_too_large(&e) {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            (status, e.to_string())
        })
    });
    write_parts(path, stream).await
}

async fn write_parts(
    path: &FsPath,
    mut stream: impl Stream<Item = Result<bytes::Bytes, (StatusCode, String)>> + Unpin,
) -> Result<(), Problem> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(Problem::internal)?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|(status, text)| upload_error(status, text))?;
        file.write_all(&chunk).await.map_err(Problem::internal)?;
    }
    file.flush().await.map_err(Problem::internal)?;
    Ok(())
}

fn upload_error(status: StatusCode, text: String) -> Problem {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Upload too large",
            "the file is larger than the upload limit (upload-limit); nothing was ingested",
        )
    } else {
        Problem::bad_request(format!("the upload was cut short: {text}"))
    }
}

fn is_too_large(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}
