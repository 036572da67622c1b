//! `audit.events`: one row per audited action (a query, an ingest, a compute, a token change),
//! success or failure. Rows are appended in batches — the server buffers them and calls
//! [`append`] every so many events or seconds — so a busy server makes one Delta commit per
//! batch, not per query. Stewards read the table through a session opened with
//! [`crate::session::WarehouseSession::with_audit`] (see [`register`]).

use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use chrono::{DateTime, Utc};
use datafusion::catalog::MemorySchemaProvider;
use datafusion::common::TableReference;
use datafusion::prelude::SessionContext;

use crate::error::{Result, WarehouseError};
use crate::location::Location;
use crate::tables::{self, utc_micros};

/// The audit table.
pub const EVENTS: &str = "audit.events";

/// One audited action as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub time: DateTime<Utc>,
    /// The token's name (`None`: the public, or the command line).
    pub token: Option<String>,
    pub role: String,
    /// `http`, `pg` or `cli`.
    pub channel: String,
    pub action: String,
    pub sql: Option<String>,
    pub snapshot: Option<i64>,
    pub rows: Option<i64>,
    pub bytes: Option<i64>,
    pub duration_ms: i64,
    /// `ok`, `refused`, `failed`, `cancelled`.
    pub outcome: String,
    pub error: Option<String>,
}

pub fn events_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("time", utc_micros(), false),
        Field::new("token", DataType::Utf8, true),
        Field::new("role", DataType::Utf8, false),
        Field::new("channel", DataType::Utf8, false),
        Field::new("action", DataType::Utf8, false),
        Field::new("sql", DataType::Utf8, true),
        Field::new("snapshot", DataType::Int64, true),
        Field::new("rows", DataType::Int64, true),
        Field::new("bytes", DataType::Int64, true),
        Field::new("duration_ms", DataType::Int64, false),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("error", DataType::Utf8, true),
    ]))
}

/// Append `rows` in one Delta commit (none for no rows); returns the table's new version.
/// Appends from several processes do not conflict (Delta retries blind appends).
pub async fn append(loc: &Location, rows: &[AuditRow]) -> Result<Option<i64>> {
    if rows.is_empty() {
        return Ok(None);
    }
    let text = |f: fn(&AuditRow) -> Option<&str>| StringArray::from_iter(rows.iter().map(f));
    let int = |f: fn(&AuditRow) -> Option<i64>| Int64Array::from_iter(rows.iter().map(f));
    let batch = RecordBatch::try_new(
        events_schema(),
        vec![
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(
                    rows.iter().map(|r| r.time.timestamp_micros()),
                )
                .with_timezone("UTC"),
            ),
            Arc::new(text(|r| r.token.as_deref())),
            Arc::new(text(|r| Some(r.role.as_str()))),
            Arc::new(text(|r| Some(r.channel.as_str()))),
            Arc::new(text(|r| Some(r.action.as_str()))),
            Arc::new(text(|r| r.sql.as_deref())),
            Arc::new(int(|r| r.snapshot)),
            Arc::new(int(|r| r.rows)),
            Arc::new(int(|r| r.bytes)),
            Arc::new(int(|r| Some(r.duration_ms))),
            Arc::new(text(|r| Some(r.outcome.as_str()))),
            Arc::new(text(|r| r.error.as_deref())),
        ],
    )?;
    let version = super::append(loc, EVENTS, batch, "append events to").await?;
    Ok(Some(version))
}

/// Register `audit.events` in `ctx` at its newest version (created empty if no event was ever
/// recorded, so a steward's query of it plans). Only steward sessions call this.
pub async fn register(ctx: &SessionContext, loc: &Location) -> Result<()> {
    let table = tables::create(loc, EVENTS, &events_schema()).await?;
    register_table(ctx, table).await
}

/// Register `audit.events` if any event was ever recorded, without writing anything (for
/// `marsad sql`, which must work on a read-only data directory); whether it was.
pub async fn register_if_recorded(ctx: &SessionContext, loc: &Location) -> Result<bool> {
    if !tables::exists(loc, EVENTS).await? {
        return Ok(false);
    }
    register_table(ctx, tables::open(loc, EVENTS).await?).await?;
    Ok(true)
}

async fn register_table(ctx: &SessionContext, table: deltalake::DeltaTable) -> Result<()> {
    let (schema, name) = EVENTS
        .split_once('.')
        .ok_or_else(|| WarehouseError::Internal(format!("`{EVENTS}` has no schema part")))?;
    if let Some(catalog) = ctx.catalog(&ctx.state().config().options().catalog.default_catalog) {
        if catalog.schema(schema).is_none() {
            catalog.register_schema(schema, Arc::new(MemorySchemaProvider::new()))?;
        }
    }
    table
        .update_datafusion_session(&ctx.state())
        .map_err(WarehouseError::delta(EVENTS, "register the store of"))?;
    let provider = table
        .table_provider()
        .await
        .map_err(WarehouseError::scan(EVENTS))?;
    ctx.register_table(TableReference::partial(schema, name), provider)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn event(action: &str) -> AuditRow {
        AuditRow {
            time: Utc.timestamp_micros(1_700_000_000_000_000).unwrap(),
            token: Some("alice".into()),
            role: "analyst".into(),
            channel: "http".into(),
            action: action.into(),
            sql: Some("select 1".into()),
            snapshot: Some(3),
            rows: Some(1),
            bytes: None,
            duration_ms: 12,
            outcome: "ok".into(),
            error: None,
        }
    }

    /// A batch of events is one commit; a registered session reads them and cannot write them.
    #[tokio::test]
    async fn batches_are_one_commit_and_read_only_in_sql() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(&dir.path().display().to_string()).unwrap();
        assert_eq!(append(&loc, &[]).await.unwrap(), None);
        let batch: Vec<AuditRow> = (0..50).map(|i| event(&format!("sql{i}"))).collect();
        assert_eq!(append(&loc, &batch).await.unwrap(), Some(1));
        assert_eq!(append(&loc, &[event("ingest")]).await.unwrap(), Some(2));

        let ctx = crate::session::new_context().unwrap();
        register(&ctx, &loc).await.unwrap();
        let read = |sql: &'static str| {
            let ctx = ctx.clone();
            async move {
                let batches = ctx
                    .sql_with_options(sql, crate::session::read_only())
                    .await?
                    .collect()
                    .await?;
                Ok::<_, datafusion::error::DataFusionError>(
                    arrow::util::pretty::pretty_format_batches(&batches)?.to_string(),
                )
            }
        };
        let counted = read("select count(*) n, sum(duration_ms) ms, min(snapshot) s from audit.events where token = 'alice'")
            .await
            .unwrap();
        assert!(counted.contains("| 51 | 612 | 3 |"), "{counted}");
        let insert = read("insert into audit.events (role) values ('x')").await;
        assert!(
            insert
                .unwrap_err()
                .to_string()
                .contains("DML not supported"),
            "writing the audit table through SQL is refused"
        );
    }
}
