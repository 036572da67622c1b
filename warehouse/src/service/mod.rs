//! Tables that describe the service, not the data: the access tokens (`service.tokens`), the
//! releases (`service.releases`, see [`releases`]) and the
//! audit trail (`audit.events`). They live under the data directory like every other table but
//! outside the snapshot log (design.md, "Data model"): a snapshot pins the data a figure came
//! from, while a revoked token must stay revoked and an audit row stay written whatever snapshot
//! a reader pins. Each change is one Delta version of its table; readers take the newest.
//!
//! This module only stores rows; what a token may do and how a secret is checked is the server's
//! (`marsad_server::access`), and what an event means is `marsad_server::audit`'s.
//!
//! Who may read them: `service.tokens` is never registered in any SQL session (not even a
//! steward's: it holds the hashes, and a hash is enough to try secrets offline);
//! `audit.events` is registered only by [`crate::session::WarehouseSession::with_audit`], which
//! the server calls for stewards alone. An analyst's session therefore has no such table, and
//! the one query path refuses DML, so nobody writes either table through SQL.

pub mod audit;
pub mod releases;
pub mod tokens;

use arrow::array::RecordBatch;

use crate::error::Result;
use crate::location::Location;
use crate::tables;

/// A row of `table` (at `version`) that Marsad could not have written: what is wrong with it.
pub(crate) fn bad_row(table: &str, version: i64, what: &str) -> crate::WarehouseError {
    crate::WarehouseError::Internal(format!(
        "{table} version {version}: a row has {what} (the table was written by something other \
         than Marsad)"
    ))
}

/// A stored time (microseconds since the epoch, UTC) of a row of `table`; out of range is a
/// bad row.
pub(crate) fn row_time(
    table: &str,
    version: i64,
    us: Option<i64>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    use chrono::TimeZone;
    us.map(|us| {
        chrono::Utc
            .timestamp_micros(us)
            .single()
            .ok_or_else(|| bad_row(table, version, "a time out of range"))
    })
    .transpose()
}

/// Every row of the newest version of `table`, with that version (`None` when the table does
/// not exist yet: nothing was ever written to it).
pub(crate) async fn read_latest(
    loc: &Location,
    table: &str,
) -> Result<Option<(i64, Vec<RecordBatch>)>> {
    if !tables::exists(loc, table).await? {
        return Ok(None);
    }
    let t = tables::open(loc, table).await?;
    let version = t.version().unwrap_or(0) as i64;
    Ok(Some((version, crate::snapshots::scan(&t, table).await?)))
}

/// Append `batch` to `table` (created with the batch's schema if missing) in one Delta commit;
/// returns the new version. `action` completes "failed to …" in the error.
pub(crate) async fn append(
    loc: &Location,
    table: &str,
    batch: RecordBatch,
    action: &'static str,
) -> Result<i64> {
    let t = tables::create(loc, table, &batch.schema()).await?;
    let written = t
        .write(vec![batch])
        .with_save_mode(deltalake::protocol::SaveMode::Append)
        // A column a table gained (e.g. the releases' `licence`) is added to a table written
        // before it; its older rows read it as NULL.
        .with_schema_mode(deltalake::operations::write::SchemaMode::Merge)
        .with_commit_properties(crate::commit::keep_logs(Default::default()))
        .await
        .map_err(crate::WarehouseError::delta(table, action))?;
    Ok(written.version().unwrap_or(0) as i64)
}

/// The newest version of `table` without reading its rows (`None`: no table yet). One listing
/// of the Delta log, so a reader can tell cheaply whether what it holds is still current.
pub(crate) async fn latest_version(loc: &Location, table: &str) -> Result<Option<i64>> {
    if !tables::exists(loc, table).await? {
        return Ok(None);
    }
    let url = loc.table_url(table)?;
    let t = deltalake::DeltaTableBuilder::from_url(url)
        .map_err(crate::WarehouseError::delta(table, "locate"))?
        .with_storage_options(loc.options().clone())
        .build()
        .map_err(crate::WarehouseError::delta(table, "locate"))?;
    let version = t
        .get_latest_version()
        .await
        .map_err(crate::WarehouseError::delta(
            table,
            "read the latest version of",
        ))?;
    Ok(Some(version as i64))
}
