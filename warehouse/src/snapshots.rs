//! The snapshot log, `registry.snapshots`: one commit per snapshot, one row per table naming the
//! table version that snapshot sees. It is written last by every ingest, so a snapshot exists
//! only if everything it names was committed. Readers go through [`Snapshot::tables`].

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{
    Array, AsArray, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Int64Type, TimestampMicrosecondType};
use chrono::{DateTime, TimeZone, Utc};
use datafusion::prelude::SessionContext;
use deltalake::writer::{DeltaWriter, RecordBatchWriter};
use deltalake::DeltaTable;

use crate::error::{Result, WarehouseError};
use crate::location::Location;
use crate::tables::{self, SNAPSHOTS};

/// One snapshot: what it is and which version of each table it sees.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Snapshot {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub description: String,
    /// sha256 of the raw files this snapshot added.
    pub files: Vec<String>,
    /// table name → version.
    pub tables: BTreeMap<String, i64>,
}

/// Read every row of a Delta table (small tables only: the registry, the snapshot log).
pub async fn scan(table: &DeltaTable, name: &str) -> Result<Vec<RecordBatch>> {
    let ctx = SessionContext::new();
    // A file that cannot be read names the table (not a bare "SQL:" error).
    crate::tables::frame(&ctx, table, name)
        .await?
        .collect()
        .await
        .map_err(WarehouseError::scan(name))
}

/// A column of a scanned batch as plain strings (Delta scans give Utf8View).
pub fn strings(batch: &RecordBatch, column: &str) -> Result<Vec<Option<String>>> {
    let col = column_of(batch, column)?;
    let cast = arrow::compute::cast(col, &DataType::Utf8)?;
    let arr: &StringArray = cast.as_string::<i32>();
    Ok((0..arr.len())
        .map(|i| (!arr.is_null(i)).then(|| arr.value(i).to_string()))
        .collect())
}

/// A column of a scanned batch as i64.
pub fn ints(batch: &RecordBatch, column: &str) -> Result<Vec<Option<i64>>> {
    let col = column_of(batch, column)?;
    let cast = arrow::compute::cast(col, &DataType::Int64)?;
    let arr: &Int64Array = cast.as_primitive::<Int64Type>();
    Ok(arr.iter().collect())
}

/// A timestamp column as microseconds.
pub fn micros(batch: &RecordBatch, column: &str) -> Result<Vec<Option<i64>>> {
    let col = column_of(batch, column)?;
    let cast = arrow::compute::cast(col, &tables::utc_micros())?;
    let arr: &TimestampMicrosecondArray = cast.as_primitive::<TimestampMicrosecondType>();
    Ok(arr.iter().collect())
}

fn column_of<'b>(batch: &'b RecordBatch, column: &str) -> Result<&'b Arc<dyn Array>> {
    batch
        .column_by_name(column)
        .ok_or_else(|| WarehouseError::SnapshotLog(format!("no column `{column}`")))
}

/// Every snapshot, oldest first.
pub async fn all(loc: &Location) -> Result<Vec<Snapshot>> {
    let table = tables::open(loc, SNAPSHOTS).await?;
    let mut by_id: BTreeMap<i64, Snapshot> = BTreeMap::new();
    for batch in scan(&table, SNAPSHOTS).await? {
        let ids = ints(&batch, "snapshot_id")?;
        let created = micros(&batch, "created_at")?;
        let descriptions = strings(&batch, "description")?;
        let files = strings(&batch, "files")?;
        let names = strings(&batch, "table_name")?;
        let versions = ints(&batch, "table_version")?;
        for i in 0..batch.num_rows() {
            let (Some(id), Some(name), Some(version)) = (ids[i], names[i].clone(), versions[i])
            else {
                return Err(WarehouseError::SnapshotLog(format!(
                    "row {i} has a null snapshot id, table name or version"
                )));
            };
            // An unreadable value is an error naming its column, never 1970 or "".
            let bad = |column: &str, what: String| {
                WarehouseError::SnapshotLog(format!(
                    "{SNAPSHOTS} column `{column}` of snapshot {id}: {what}"
                ))
            };
            let snap = match by_id.entry(id) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let created_at = match created[i] {
                        Some(us) => Utc.timestamp_micros(us).single().ok_or_else(|| {
                            bad("created_at", format!("{us} µs is not a valid time"))
                        })?,
                        None => return Err(bad("created_at", "null".into())),
                    };
                    let description = descriptions[i]
                        .clone()
                        .ok_or_else(|| bad("description", "null".into()))?;
                    let files = match files[i].as_deref() {
                        Some(f) => serde_json::from_str(f).map_err(|e| {
                            bad("files", format!("`{f}` is not a JSON list of sha256: {e}"))
                        })?,
                        None => return Err(bad("files", "null".into())),
                    };
                    e.insert(Snapshot {
                        id,
                        created_at,
                        description,
                        files,
                        tables: BTreeMap::new(),
                    })
                }
            };
            snap.tables.insert(name, version);
        }
    }
    Ok(by_id.into_values().collect())
}

/// The newest snapshot.
pub async fn latest(loc: &Location) -> Result<Snapshot> {
    all(loc)
        .await?
        .pop()
        .ok_or_else(|| WarehouseError::SnapshotLog("the log has no snapshot yet".into()))
}

/// Snapshot `id`.
pub async fn by_id(loc: &Location, id: i64) -> Result<Snapshot> {
    let all = all(loc).await?;
    let latest = all.last().map(|s| s.id).unwrap_or(0);
    all.into_iter()
        .find(|s| s.id == id)
        .ok_or(WarehouseError::NoSnapshot { id, latest })
}

/// Commit snapshot `id` naming `versions` (one commit, all rows).
pub async fn append(
    loc: &Location,
    id: i64,
    description: &str,
    files: &[String],
    versions: &[(String, i64)],
) -> Result<i64> {
    let mut table = tables::open(loc, SNAPSHOTS).await?;
    let now = Utc::now().timestamp_micros();
    let n = versions.len();
    let files_json = serde_json::to_string(files).map_err(|e| {
        WarehouseError::SnapshotLog(format!(
            "{SNAPSHOTS} column `files` of snapshot {id}: cannot write the list: {e}"
        ))
    })?;
    let batch = RecordBatch::try_new(
        tables::snapshots_schema(),
        vec![
            Arc::new(Int64Array::from(vec![id; n])),
            Arc::new(TimestampMicrosecondArray::from(vec![now; n]).with_timezone("UTC")),
            Arc::new(StringArray::from(vec![description; n])),
            Arc::new(StringArray::from(vec![files_json.as_str(); n])),
            Arc::new(StringArray::from_iter_values(
                versions.iter().map(|(t, _)| t),
            )),
            Arc::new(Int64Array::from_iter_values(
                versions.iter().map(|(_, v)| *v),
            )),
        ],
    )?;
    let props = crate::commit::commit_properties(id, files);
    let mut writer = RecordBatchWriter::for_table(&table)
        .map_err(WarehouseError::delta(SNAPSHOTS, "open a writer on"))?
        .with_commit_properties(props);
    writer
        .write(batch)
        .await
        .map_err(WarehouseError::delta(SNAPSHOTS, "write"))?;
    writer
        .flush_and_commit(&mut table)
        .await
        .map_err(WarehouseError::delta(SNAPSHOTS, "commit"))?;
    Ok(id)
}

/// The latest snapshot of the warehouse at `loc`, which must exist: no snapshot log there is an
/// error naming the location, an unreadable one an error naming the table (the one read of the
/// log at start-up).
pub async fn existing(loc: &Location) -> Result<Snapshot> {
    let absent = |detail: &str| {
        WarehouseError::Location {
        location: loc.to_string(),
        detail: format!(
            "{detail}; `marsad ingest` or `marsad demo` create a warehouse, other commands only read one"
        ),
    }
    };
    if !tables::exists(loc, SNAPSHOTS).await? {
        return Err(absent(
            "no Marsad warehouse here (no snapshot log registry/snapshots)",
        ));
    }
    match all(loc).await?.pop() {
        Some(latest) => Ok(latest),
        None => Err(absent(
            "the snapshot log has no snapshot (a creation was interrupted)",
        )),
    }
}

/// Create every known table and snapshot 0, unless the snapshot log already has a snapshot;
/// return the latest snapshot either way. A log that exists but cannot be read is an error,
/// never a reason to write a new snapshot 0 over it: that would give two snapshots one id.
pub async fn initialise(loc: &Location) -> Result<Snapshot> {
    if tables::exists(loc, SNAPSHOTS).await? {
        // A log with no snapshot is a creation interrupted before snapshot 0: finish it.
        if let Some(latest) = all(loc).await?.pop() {
            return Ok(latest);
        }
    }
    let mut versions = Vec::new();
    for (name, schema) in tables::known_tables() {
        let t = tables::create(loc, &name, &schema).await?;
        versions.push((name, t.version().unwrap_or(0) as i64));
    }
    tables::create(loc, SNAPSHOTS, &tables::snapshots_schema()).await?;
    append(loc, 0, "initialise the warehouse", &[], &versions).await?;
    latest(loc).await
}
