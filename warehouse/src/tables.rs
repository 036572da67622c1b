//! The tables the warehouse keeps, and opening or creating them. Besides each feed's staging
//! tables (declared in the model, [`marsad_model::tables::staging_tables`]), the warehouse owns:
//! - `registry.raw_files`: one row per ingested file (sha256, feed, name, archive path, report);
//! - `registry.snapshots`: the snapshot log (read and written by `snapshots`, which uses this
//!   module);
//! - `quarantine.rows`: every rejected value with feed, file, position, column, reason, snapshot.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::kernel::StructType;
use deltalake::parquet::basic::{Compression, Encoding};
use deltalake::parquet::file::properties::{EnabledStatistics, WriterProperties};
use deltalake::parquet::schema::types::ColumnPath;
use deltalake::protocol::SaveMode;
use deltalake::TableProperty;
use deltalake::{DeltaTable, DeltaTableBuilder};
use marsad_model::schema;
use marsad_model::tables::staging_tables;

use crate::error::{Result, WarehouseError};
use crate::location::Location;

pub const RAW_FILES: &str = "registry.raw_files";
pub const SNAPSHOTS: &str = "registry.snapshots";
pub const QUARANTINE: &str = "quarantine.rows";
/// Prefix of the tables fed by the pipelines.
pub const STAGING: &str = "staging";

/// How the Parquet files of a table are written: Snappy as delta-rs does by default, except for
/// the columns that are unique per row, where a dictionary or Snappy only cost time:
/// - the pseudonymised `*_token` identifiers (random hex): plain, uncompressed, no statistics;
/// - the lineage position (`line 1`, `line 2`, …): delta-encoded prefixes, which store the
///   shared `line 12345` part once, uncompressed, no statistics.
pub fn writer_properties(schema: &Schema) -> WriterProperties {
    let mut props = WriterProperties::builder()
        .set_created_by(format!("marsad {}", env!("CARGO_PKG_VERSION")))
        .set_compression(Compression::SNAPPY);
    for field in schema.fields() {
        let name = field.name();
        let column = || ColumnPath::from(name.as_str());
        if name.ends_with("_token") {
            props = props
                .set_column_dictionary_enabled(column(), false)
                .set_column_compression(column(), Compression::UNCOMPRESSED)
                .set_column_statistics_enabled(column(), EnabledStatistics::None);
        } else if name == schema::LINEAGE_POSITION {
            props = props
                .set_column_dictionary_enabled(column(), false)
                .set_column_encoding(column(), Encoding::DELTA_BYTE_ARRAY)
                .set_column_compression(column(), Compression::UNCOMPRESSED)
                // "line 10" < "line 9": min and max of positions say nothing.
                .set_column_statistics_enabled(column(), EnabledStatistics::None);
        }
    }
    props.build()
}

/// `staging.<name>` for a table spec's name.
pub fn staging(name: &str) -> String {
    format!("{STAGING}.{name}")
}

pub(crate) fn utc_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

pub fn raw_files_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("sha256", DataType::Utf8, false),
        Field::new("feed", DataType::Utf8, false),
        Field::new("original_name", DataType::Utf8, false),
        Field::new("bytes", DataType::Int64, false),
        Field::new("archived_path", DataType::Utf8, false),
        Field::new("ingested_at", utc_micros(), false),
        Field::new("snapshot_id", DataType::Int64, false),
        Field::new("rows_read", DataType::Int64, false),
        Field::new("rows_staged", DataType::Int64, false),
        Field::new("rows_quarantined", DataType::Int64, false),
        Field::new("report_json", DataType::Utf8, false),
    ]))
}

pub fn snapshots_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("snapshot_id", DataType::Int64, false),
        Field::new("created_at", utc_micros(), false),
        Field::new("description", DataType::Utf8, false),
        Field::new("files", DataType::Utf8, false),
        Field::new("table_name", DataType::Utf8, false),
        Field::new("table_version", DataType::Int64, false),
    ]))
}

/// The model's quarantine shape plus the snapshot that recorded it.
pub fn quarantine_schema() -> SchemaRef {
    let mut fields: Vec<Field> = schema::quarantine_schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new("snapshot_id", DataType::Int64, false));
    Arc::new(Schema::new(fields))
}

/// Every table whose shape is known before any file arrives (snapshot log excluded).
pub fn known_tables() -> Vec<(String, SchemaRef)> {
    let mut out = vec![
        (RAW_FILES.to_string(), raw_files_schema()),
        (QUARANTINE.to_string(), quarantine_schema()),
    ];
    for spec in staging_tables() {
        out.push((staging(&spec.name), spec.schema));
    }
    out
}

/// A DataFusion frame over a loaded Delta table in `ctx` (its object store registered); errors
/// name the table.
pub async fn frame(
    ctx: &datafusion::prelude::SessionContext,
    table: &DeltaTable,
    name: &str,
) -> Result<datafusion::prelude::DataFrame> {
    table
        .update_datafusion_session(&ctx.state())
        .map_err(WarehouseError::delta(name, "register the store of"))?;
    let provider = table
        .table_provider()
        .await
        .map_err(WarehouseError::scan(name))?;
    ctx.read_table(provider).map_err(WarehouseError::scan(name))
}

/// Load the newest version of a table.
pub async fn open(loc: &Location, table: &str) -> Result<DeltaTable> {
    let url = loc.table_url(table)?;
    DeltaTableBuilder::from_url(url)
        .map(|b| b.with_storage_options(loc.options().clone()))
        .map_err(WarehouseError::delta(table, "locate"))?
        .load()
        .await
        .map_err(WarehouseError::delta(table, "load"))
}

/// Load a table as of `version`.
pub async fn open_at(loc: &Location, table: &str, version: i64) -> Result<DeltaTable> {
    let url = loc.table_url(table)?;
    DeltaTableBuilder::from_url(url)
        .map_err(WarehouseError::delta(table, "locate"))?
        .with_storage_options(loc.options().clone())
        .with_version(version as u64)
        .load()
        .await
        .map_err(WarehouseError::delta(table, "load at a version"))
}

/// Whether a Delta table exists at `table`.
pub async fn exists(loc: &Location, table: &str) -> Result<bool> {
    let url = loc.table_url(table)?;
    let t = DeltaTableBuilder::from_url(url)
        .map_err(WarehouseError::delta(table, "locate"))?
        .with_storage_options(loc.options().clone())
        .build()
        .map_err(WarehouseError::delta(table, "locate"))?;
    t.verify_deltatable_existence()
        .await
        .map_err(WarehouseError::delta(table, "check"))
}

/// Every folder under `staging/`, as a table name, listed through the object store (the same on
/// a local folder and on S3): the feeds' tables, and any table an interrupted ingest created, or
/// streamed files for, that no snapshot names yet. A folder need not hold a Delta table.
pub async fn staging_folders(loc: &Location) -> Result<Vec<String>> {
    use deltalake::logstore::object_store::{path::Path, ObjectStore};
    let listing = loc
        .store()?
        .list_with_delimiter(Some(&Path::from(STAGING)))
        .await
        .map_err(|e| WarehouseError::Location {
            location: loc.to_string(),
            detail: format!("cannot list the tables under {STAGING}/: {e}"),
        })?;
    Ok(listing
        .common_prefixes
        .iter()
        .filter_map(|dir| dir.filename())
        .map(staging)
        .collect())
}

/// Create `table` with `schema` (version 0, no data) unless it exists; return it loaded.
///
/// Delta's default removes log files older than 30 days whenever it writes a checkpoint (every
/// 100 commits): the versions that old snapshots name would no longer load. Marsad keeps every
/// log (snapshots are the unit of truth, and a published figure must be found again), so its
/// tables are created with `delta.enableExpiredLogCleanup = false`, and its commits say the same
/// ([`crate::commit::keep_logs`]) for tables created before.
pub async fn create(loc: &Location, table: &str, schema: &SchemaRef) -> Result<DeltaTable> {
    // delta-rs's one function for a table's location: it makes the folder on a local directory
    // (delta-rs refuses to create a table in a missing one) and takes an object-store URL as it
    // is (prefixes need no creating there).
    let url = deltalake::ensure_table_uri(loc.table_url(table)?)
        .map_err(WarehouseError::delta(table, "make the folder of"))?;
    let fields: StructType = schema
        .as_ref()
        .try_into_kernel()
        .map_err(|e| WarehouseError::delta(table, "convert the schema of")(e.into()))?;
    let t = DeltaTable::try_from_url_with_storage_options(url, loc.options().clone())
        .await
        .map_err(WarehouseError::delta(table, "locate"))?;
    t.create()
        .with_columns(fields.fields().cloned())
        .with_table_name(table)
        .with_configuration_property(TableProperty::EnableExpiredLogCleanup, Some("false"))
        .with_save_mode(SaveMode::Ignore)
        .await
        .map_err(WarehouseError::delta(table, "create"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table Marsad creates keeps its expired logs, so old snapshots stay readable.
    #[tokio::test]
    async fn created_tables_keep_their_logs() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(&dir.path().display().to_string()).unwrap();
        let t = create(&loc, RAW_FILES, &raw_files_schema()).await.unwrap();
        let config = t.snapshot().unwrap().table_config();
        assert_eq!(config.enable_expired_log_cleanup, Some(false));
    }
}
