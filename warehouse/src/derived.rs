//! Derived tables: tables computed *from* a snapshot (indicator observations), kept outside the
//! snapshot log. Their rows carry the id of the snapshot they were computed from, and a
//! recompute for a snapshot replaces exactly that snapshot's rows in one Delta commit (Delta's
//! `replaceWhere`), so rows computed from other snapshots — history, retired indicators —
//! stay as they were. Every commit is a new Delta version, readable with time travel.
//!
//! The warehouse does not know what the rows mean; the schema comes from the caller.

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::prelude::{col, lit};
use deltalake::protocol::SaveMode;

use crate::error::{Result, WarehouseError};
use crate::location::Location;
use crate::tables;

/// The indicator observations table (schema owned by `marsad-indicators`).
pub const OBSERVATIONS: &str = "indicators.observations";
/// Derived tables a session registers when they exist (the releases' observations and
/// revisions are written by `service::releases`; analysts query them like the observations).
pub const DERIVED_TABLES: &[&str] = &[
    OBSERVATIONS,
    crate::service::releases::RELEASED,
    crate::service::releases::REVISIONS,
];

/// How many times a replacement is tried when another one commits to the table meanwhile.
const ATTEMPTS: u32 = 5;

/// Replace the rows of `table` whose `snapshot_id` is `snapshot_id` by `batches`, creating the
/// table with `schema` if needed; returns the new table version.
///
/// Two replacements of the same snapshot at once (two `indicators compute`) conflict in Delta:
/// the loser is retried on the newer version, a bounded number of times, so the last one wins
/// whole and nothing is duplicated. A conflict that outlasts the retries is reported as such.
pub async fn replace_snapshot_rows(
    loc: &Location,
    table: &str,
    schema: &SchemaRef,
    snapshot_id: i64,
    batches: Vec<RecordBatch>,
) -> Result<i64> {
    let mut attempt = 1;
    loop {
        match replace_once(loc, table, schema, snapshot_id, batches.clone()).await {
            Err(e) if is_conflict(&e) && attempt < ATTEMPTS => {
                tracing::info!(
                    "{table}: another writer committed while snapshot {snapshot_id}'s rows were \
                     replaced (attempt {attempt} of {ATTEMPTS}); trying again"
                );
                tokio::time::sleep(std::time::Duration::from_millis(50 * u64::from(attempt))).await;
                attempt += 1;
            }
            Err(e) if is_conflict(&e) => {
                return Err(WarehouseError::Conflict {
                    table: table.to_string(),
                    detail: format!(
                        "another compute of snapshot {snapshot_id} ran at the same time and \
                         won {ATTEMPTS} times in a row; run it again"
                    ),
                })
            }
            other => return other,
        }
    }
}

async fn replace_once(
    loc: &Location,
    table: &str,
    schema: &SchemaRef,
    snapshot_id: i64,
    batches: Vec<RecordBatch>,
) -> Result<i64> {
    let t = tables::create(loc, table, schema).await?;
    let written = t
        .write(batches)
        .with_save_mode(SaveMode::Overwrite)
        // A DataFusion expression, not SQL text: deltalake prints it in the commit as before.
        .with_replace_where(col("snapshot_id").eq(lit(snapshot_id)))
        // A column the caller's schema gained (e.g. `engine_version`) is added to an existing
        // table; rows written before read it as NULL.
        .with_schema_mode(deltalake::operations::write::SchemaMode::Merge)
        .with_commit_properties(crate::commit::keep_logs(Default::default()))
        .await
        .map_err(WarehouseError::delta(
            table,
            "replace the rows of a snapshot in",
        ))?;
    Ok(written.version().unwrap_or(0) as i64)
}

/// Whether a Delta operation failed because another writer committed the version it meant to
/// write (or a change it conflicts with) first.
fn is_conflict(e: &WarehouseError) -> bool {
    use deltalake::kernel::transaction::TransactionError;
    use deltalake::DeltaTableError;
    let WarehouseError::Delta { cause, .. } = e else {
        return false;
    };
    matches!(
        cause.as_ref(),
        DeltaTableError::VersionAlreadyExists(_)
            | DeltaTableError::Transaction {
                source: TransactionError::CommitConflict(_)
                    | TransactionError::MaxCommitAttempts(_)
                    | TransactionError::VersionAlreadyExists(_)
            }
    )
}
