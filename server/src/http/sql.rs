//! `POST /api/v1/sql` (analysts and stewards): read-only SQL, as text or JSON `{sql, snapshot}`,
//! through `marsad_warehouse::query::run` under the server's budget, answered in JSON, CSV, an
//! Arrow IPC stream or Parquet (Accept or `format=`). Rows are STREAMED batch by batch as the
//! query produces them, never collected. The budget's deadline covers the whole stream (a
//! tower timeout would stop at the headers). A cut answer says so at its end: JSON
//! `"truncated": "…"`, a CSV last line `# truncated: …`, Parquet footer metadata
//! `marsad.truncated`; an error after the first rows likewise (`"error"`, `# error: …`; Arrow and
//! Parquet streams are aborted). Beyond `concurrency` running and `queue` waiting requests the
//! answer is 503 with Retry-After. Every request is audited, refused or not.

use std::sync::Arc;
use std::time::Instant;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use marsad_warehouse::query::{self, QueryError, QueryStream};
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;
use serde_json::json;
use tokio::sync::OwnedSemaphorePermit;

use super::format::Format;
use super::problem::Problem;
use super::AppState;
use crate::access::{Channel, Identity};
use crate::audit::AuditEvent;

const OFFERED: &[Format] = &[Format::Json, Format::Csv, Format::Arrow, Format::Parquet];
/// Header announcing the row cap before the rows come.
pub const MAX_ROWS_HEADER: &str = "marsad-max-rows";
/// Why an answer was abandoned when its client did not read it in time.
const UNREAD: &str = "the client did not read the answer within the query's time limit";

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SqlBody {
    sql: String,
    #[serde(default)]
    snapshot: Option<i64>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlParams {
    snapshot: Option<i64>,
    format: Option<String>,
}

/// Run a read-only query.
#[utoipa::path(post, path = "/api/v1/sql", tag = "sql",
    params(
        ("snapshot" = Option<i64>, Query, description = "Snapshot id (default: the latest; a JSON body's `snapshot` wins)"),
        ("format" = Option<String>, Query, description = "json, csv, arrow or parquet (else the Accept header)")),
    request_body(content = String, description = "The SQL as text/plain, or JSON {\"sql\": \"…\", \"snapshot\": 3}", content_type = "text/plain"),
    responses(
        (status = 200, description = "Rows, streamed; JSON: {columns, rows, truncated, error}", content_type = "application/json"),
        (status = 400, description = "Refused or invalid SQL", content_type = "application/problem+json"),
        (status = 401, description = "No token or a token not accepted", content_type = "application/problem+json"),
        (status = 403, description = "The role may not query", content_type = "application/problem+json"),
        (status = 422, description = "Stopped by a limit of the budget", content_type = "application/problem+json"),
        (status = 503, description = "Too many queries; Retry-After says when to try again", content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn sql(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(params): Query<SqlParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    if !identity.role.may_query() {
        return Err(match identity.token {
            None => Problem::unauthorized(
                "SQL needs an analyst token: send `Authorization: Bearer <token>` \
                 (marsad tokens create --role analyst)",
            ),
            Some(_) => Problem::forbidden("this token's role may not send SQL"),
        });
    }
    let deadline = tokio::time::Instant::now() + state.config.limits.timeout;
    let format = Format::negotiate(params.format.as_deref(), &headers, OFFERED)?;
    let (text, snapshot) = read_body(&headers, &body, params.snapshot)?;
    let mut audit = Audited::new(&state, &identity, &text, snapshot);

    let Ok(admission) = state.admission.clone().try_acquire_owned() else {
        let p = Problem::busy(
            format!(
                "{} queries are running or waiting; try again shortly",
                state.config.limits.concurrency + state.config.queue
            ),
            1,
        );
        audit.finish("refused", Some(p.detail.clone()), 0, 0).await;
        return Err(p);
    };
    let started = async {
        let snap = state.snapshot(snapshot).await?;
        audit.snapshot = Some(snap.id);
        let session = state
            .sessions
            .get(identity.role, snap.id)
            .await
            .map_err(Problem::internal)?;
        query::run(&session, &text, &state.budget)
            .await
            .map_err(problem_of)
    }
    .await;
    let stream = match started {
        Ok(s) => s,
        Err(p) => {
            let outcome = if p.status == StatusCode::BAD_REQUEST {
                "refused"
            } else {
                "failed"
            };
            audit.finish(outcome, Some(p.detail.clone()), 0, 0).await;
            return Err(p);
        }
    };
    let encoder = Encoder::new(format, stream.schema());
    let mut streaming = Streaming {
        query: stream,
        encoder,
        audit,
        started: false,
        rows: 0,
        bytes: 0,
        _admission: admission,
    };
    // The answer is produced by a task of its own that gives up at the deadline when the client
    // does not read (hyper stops polling a body whose client is slow, so a deadline checked only
    // when polled would let a slow reader hold a query slot for ever).
    let (tx, rx) = tokio::sync::mpsc::channel::<(Result<Bytes, std::io::Error>, bool)>(1);
    tokio::spawn(async move {
        loop {
            let item = streaming.step().await;
            let last = streaming.done() || item.is_err();
            match tokio::time::timeout_at(deadline, tx.send((item, last))).await {
                Ok(Ok(())) if !last => continue,
                // Sent the end, or the client went away (the audit records it on drop).
                Ok(_) => return,
                Err(_) => {
                    let (rows, bytes) = (streaming.rows, streaming.bytes);
                    streaming
                        .audit
                        .finish("cancelled", Some(UNREAD.to_string()), rows, bytes)
                        .await;
                    return;
                }
            }
        }
    });
    let body = futures::stream::unfold((rx, false), |(mut rx, ended)| async move {
        if ended {
            return None;
        }
        match rx.recv().await {
            Some((item, last)) => Some((item, (rx, last))),
            // The producer gave up: abort the body so the client cannot take it as whole.
            None => Some((
                Err(std::io::Error::new(std::io::ErrorKind::TimedOut, UNREAD)),
                (rx, true),
            )),
        }
    });
    let mut response = Body::from_stream(body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        MAX_ROWS_HEADER,
        HeaderValue::from(state.config.limits.max_rows),
    );
    Ok(response)
}

/// The SQL text and snapshot of a request body: JSON `{sql, snapshot}` or plain text.
fn read_body(
    headers: &HeaderMap,
    body: &Bytes,
    snapshot: Option<i64>,
) -> Result<(String, Option<i64>), Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/plain");
    let media = content_type.split(';').next().unwrap_or_default().trim();
    match media {
        "application/json" => {
            let b: SqlBody = serde_json::from_slice(body).map_err(|e| {
                Problem::bad_request(format!(
                    "the JSON body must be {{\"sql\": \"…\", \"snapshot\": N}}: {e}"
                ))
            })?;
            Ok((b.sql, b.snapshot.or(snapshot)))
        }
        "text/plain" | "application/sql" => {
            let text = std::str::from_utf8(body)
                .map_err(|e| Problem::bad_request(format!("the SQL is not UTF-8: {e}")))?;
            Ok((text.to_string(), snapshot))
        }
        other => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            format!("send the SQL as text/plain or application/json, not {other}"),
        )),
    }
}

fn problem_of(e: QueryError) -> Problem {
    match e {
        QueryError::Refused(_) => {
            Problem::new(StatusCode::BAD_REQUEST, "Query refused", e.to_string())
        }
        QueryError::Sql(_) => Problem::new(StatusCode::BAD_REQUEST, "SQL error", e.to_string()),
        QueryError::Internal(_) => Problem::internal(e),
        QueryError::Timeout(_)
        | QueryError::Memory { .. }
        | QueryError::ValueTooLarge(_)
        | QueryError::Spill(_) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Query stopped",
            e.to_string(),
        ),
    }
}

/// The audit event of one request, recorded once: when the answer ends, or (client gone) when
/// it is dropped, as `cancelled`.
struct Audited {
    state: AppState,
    event: Option<AuditEvent>,
    start: Instant,
    snapshot: Option<i64>,
}

impl Audited {
    fn new(state: &AppState, identity: &Identity, sql: &str, snapshot: Option<i64>) -> Self {
        Audited {
            state: state.clone(),
            event: Some(AuditEvent {
                time: chrono::Utc::now(),
                identity: identity.clone(),
                channel: Channel::Http,
                action: "sql".into(),
                sql: Some(sql.to_string()),
                snapshot,
                rows: None,
                bytes: None,
                duration: Default::default(),
                outcome: "cancelled".into(),
                error: None,
            }),
            start: Instant::now(),
            snapshot,
        }
    }

    fn take(
        &mut self,
        outcome: &str,
        error: Option<String>,
        rows: u64,
        bytes: u64,
    ) -> Option<AuditEvent> {
        let mut e = self.event.take()?;
        e.outcome = outcome.into();
        e.error = error;
        e.rows = Some(rows);
        e.bytes = Some(bytes);
        e.snapshot = self.snapshot;
        e.duration = self.start.elapsed();
        Some(e)
    }

    async fn finish(&mut self, outcome: &str, error: Option<String>, rows: u64, bytes: u64) {
        if let Some(e) = self.take(outcome, error, rows, bytes) {
            self.state.audit.record(e).await;
        }
    }
}

impl Drop for Audited {
    fn drop(&mut self) {
        if let Some(e) = self.take("cancelled", Some("the client went away".into()), 0, 0) {
            let state = self.state.clone();
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move { state.audit.record(e).await });
            }
        }
    }
}

/// One answer being streamed.
struct Streaming {
    query: QueryStream,
    encoder: Encoder,
    audit: Audited,
    started: bool,
    rows: u64,
    bytes: u64,
    _admission: OwnedSemaphorePermit,
}

impl Streaming {
    fn done(&self) -> bool {
        self.audit.event.is_none()
    }

    /// The next piece of the body.
    async fn step(&mut self) -> Result<Bytes, std::io::Error> {
        if !self.started {
            self.started = true;
            let b = self.encoder.start();
            return self.sent(b);
        }
        match self.query.next().await {
            Some(Ok(batch)) => {
                self.rows += batch.num_rows() as u64;
                match self.encoder.batch(&batch) {
                    Ok(b) => self.sent(Ok(b)),
                    Err(e) => self.end(Some(e.to_string())).await,
                }
            }
            Some(Err(e)) => self.end(Some(e.to_string())).await,
            None => self.end(None).await,
        }
    }

    fn sent(&mut self, b: Result<Bytes, String>) -> Result<Bytes, std::io::Error> {
        let b = b.map_err(std::io::Error::other)?;
        self.bytes += b.len() as u64;
        Ok(b)
    }

    async fn end(&mut self, error: Option<String>) -> Result<Bytes, std::io::Error> {
        let truncated = self.query.truncated().map(|t| t.to_string());
        let last = self.encoder.finish(truncated.as_deref(), error.as_deref());
        let outcome = if error.is_some() { "failed" } else { "ok" };
        let (rows, bytes) = (
            self.rows,
            self.bytes + last.as_ref().map_or(0, |b| b.len() as u64),
        );
        self.audit.finish(outcome, error.clone(), rows, bytes).await;
        last.map_err(std::io::Error::other)
    }
}

/// Batches → bytes of one format, piece by piece.
enum Encoder {
    Json { schema: SchemaRef, rows: u64 },
    Csv { schema: SchemaRef, header: bool },
    Arrow(Box<arrow::ipc::writer::StreamWriter<Vec<u8>>>),
    Parquet(Option<Box<ArrowWriter<Vec<u8>>>>),
}

impl Encoder {
    fn new(format: Format, schema: SchemaRef) -> Encoder {
        match format {
            Format::Csv | Format::SdmxCsv => Encoder::Csv {
                schema,
                header: false,
            },
            Format::Arrow => match arrow::ipc::writer::StreamWriter::try_new(Vec::new(), &schema) {
                Ok(w) => Encoder::Arrow(Box::new(w)),
                Err(_) => Encoder::Json { schema, rows: 0 },
            },
            Format::Parquet => Encoder::Parquet(
                ArrowWriter::try_new(Vec::new(), schema, None)
                    .ok()
                    .map(Box::new),
            ),
            Format::Json => Encoder::Json { schema, rows: 0 },
        }
    }

    fn start(&mut self) -> Result<Bytes, String> {
        match self {
            Encoder::Json { schema, .. } => {
                let columns: Vec<_> = schema
                    .fields()
                    .iter()
                    .map(|f| json!({"name": f.name(), "type": f.data_type().to_string()}))
                    .collect();
                Ok(Bytes::from(format!(
                    "{{\"columns\":{},\"rows\":[",
                    json!(columns)
                )))
            }
            Encoder::Csv { .. } => Ok(Bytes::new()),
            Encoder::Arrow(w) => Ok(Bytes::from(std::mem::take(w.get_mut()))),
            Encoder::Parquet(w) => match w {
                Some(_) => Ok(Bytes::new()),
                None => Err("cannot write Parquet with this schema".into()),
            },
        }
    }

    fn batch(&mut self, batch: &RecordBatch) -> Result<Bytes, String> {
        let err = |e: &dyn std::fmt::Display| e.to_string();
        match self {
            Encoder::Json { rows, .. } => {
                let mut w = arrow::json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<_, arrow::json::writer::LineDelimited>(Vec::new());
                w.write(batch).map_err(|e| err(&e))?;
                w.finish().map_err(|e| err(&e))?;
                let text = w.into_inner();
                let mut out = Vec::with_capacity(text.len() + 16);
                for line in text.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                    if *rows > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(line);
                    *rows += 1;
                }
                Ok(Bytes::from(out))
            }
            Encoder::Csv { header, .. } => {
                let mut w = arrow::csv::WriterBuilder::new()
                    .with_header(!*header)
                    .build(Vec::new());
                w.write(batch).map_err(|e| err(&e))?;
                *header = true;
                Ok(Bytes::from(w.into_inner()))
            }
            Encoder::Arrow(w) => {
                w.write(batch).map_err(|e| err(&e))?;
                Ok(Bytes::from(std::mem::take(w.get_mut())))
            }
            Encoder::Parquet(w) => {
                let w = w.as_mut().ok_or("the Parquet writer is closed")?;
                w.write(batch).map_err(|e| err(&e))?;
                // One row group per batch, so its bytes can go now.
                w.flush().map_err(|e| err(&e))?;
                Ok(Bytes::from(std::mem::take(w.inner_mut())))
            }
        }
    }

    /// The end of the body: the truncation or the error, where the format can say it.
    fn finish(&mut self, truncated: Option<&str>, error: Option<&str>) -> Result<Bytes, String> {
        let err = |e: &dyn std::fmt::Display| e.to_string();
        match self {
            Encoder::Json { .. } => Ok(Bytes::from(format!(
                "],\"truncated\":{},\"error\":{}}}",
                json!(truncated),
                json!(error)
            ))),
            Encoder::Csv { schema, header } => {
                let mut out = String::new();
                if !*header {
                    // No batch came: the header alone.
                    let names: Vec<&str> =
                        schema.fields().iter().map(|f| f.name().as_str()).collect();
                    let mut w = csv_line(&names);
                    out.push_str(&std::mem::take(&mut w));
                }
                if let Some(t) = truncated {
                    out.push_str(&format!("# {t}\n"));
                }
                if let Some(e) = error {
                    out.push_str(&format!("# error: {}\n", e.replace('\n', " ")));
                }
                Ok(Bytes::from(out))
            }
            Encoder::Arrow(w) => match error {
                Some(e) => Err(e.to_string()),
                None => {
                    w.finish().map_err(|e| err(&e))?;
                    Ok(Bytes::from(std::mem::take(w.get_mut())))
                }
            },
            Encoder::Parquet(w) => {
                if let Some(e) = error {
                    return Err(e.to_string());
                }
                let mut w = w.take().ok_or("the Parquet writer is closed")?;
                if let Some(t) = truncated {
                    w.append_key_value_metadata(KeyValue::new(
                        "marsad.truncated".into(),
                        t.to_string(),
                    ));
                }
                w.flush().map_err(|e| err(&e))?;
                let mut tail = std::mem::take(w.inner_mut());
                let rest = w.into_inner().map_err(|e| err(&e))?;
                tail.extend_from_slice(&rest);
                Ok(Bytes::from(tail))
            }
        }
    }
}

/// One CSV line of `cells` (quoted as the csv crate does).
fn csv_line(cells: &[&str]) -> String {
    let mut w = arrow::csv::WriterBuilder::new()
        .with_header(true)
        .build(Vec::new());
    let fields: Vec<arrow::datatypes::Field> = cells
        .iter()
        .map(|c| arrow::datatypes::Field::new(*c, arrow::datatypes::DataType::Utf8, true))
        .collect();
    let schema = Arc::new(arrow::datatypes::Schema::new(fields));
    let batch = RecordBatch::new_empty(schema);
    let _ = w.write(&batch);
    String::from_utf8_lossy(&w.into_inner()).into_owned()
}
