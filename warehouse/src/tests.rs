//! Tests across modules: an interrupted ingest's leftovers rolled back by [`crate::recovery`]
//! and swept by [`crate::vacuum`]. Here, at the crate root, so that `vacuum` (which `recovery`
//! calls) never depends on `recovery`, not even in its tests.

use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray};
use deltalake::writer::{DeltaWriter, RecordBatchWriter};

use crate::location::Location;
use crate::snapshots;
use crate::tables::{self, QUARANTINE, RAW_FILES};
use crate::vacuum::Swept;
use crate::Warehouse;

fn quarantine_rows(n: usize, snapshot_id: i64) -> RecordBatch {
    let text = |s: &str| Arc::new(StringArray::from(vec![s; n])) as _;
    RecordBatch::try_new(
        tables::quarantine_schema(),
        vec![
            text("f"),
            text("sha"),
            text("x.csv"),
            text("line 2"),
            text("year"),
            text("20x1"),
            text("not a year"),
            Arc::new(Int64Array::from(vec![snapshot_id; n])),
        ],
    )
    .unwrap()
}

/// Bytes of every file under `dir` but the Delta logs.
fn data_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            if entry.file_name() != "_delta_log" {
                total += data_bytes(&entry.path());
            }
        } else {
            total += meta.len();
        }
    }
    total
}

async fn quarantined(wh: &Warehouse, snapshot: i64) -> Vec<Option<i64>> {
    let session = wh.session(Some(snapshot)).await.unwrap();
    let n = session
        .query("select count(*) as n from quarantine.rows")
        .await
        .unwrap();
    snapshots::ints(&n[0], "n").unwrap()
}

/// Everything an interrupted ingest can leave is removed, down to the byte count of the
/// clean warehouse; the files of an old snapshot's table version, no longer in the table's
/// newest version, stay, and every snapshot still reads.
#[tokio::test]
async fn sweep_removes_what_no_snapshot_owns_and_keeps_every_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("data");
    let loc = Location::parse(root.to_str().unwrap()).unwrap();
    let wh = Warehouse::create_or_open(loc.clone()).await.unwrap();

    // Snapshot 1: 3 quarantine rows; snapshot 2 overwrites them with 5 (so snapshot 1's
    // file is removed from the newest version but still named by snapshot 1).
    let mut versions = wh.latest().await.unwrap().tables;
    let mut table = tables::open(&loc, QUARANTINE).await.unwrap();
    let mut writer = RecordBatchWriter::for_table(&table).unwrap();
    writer.write(quarantine_rows(3, 1)).await.unwrap();
    let v1 = writer.flush_and_commit(&mut table).await.unwrap() as i64;
    versions.insert(QUARANTINE.into(), v1);
    // …and one raw file, archived and registered.
    std::fs::create_dir_all(root.join("raw/cd")).unwrap();
    std::fs::write(root.join("raw/cd/cdef.csv"), [9u8; 200]).unwrap();
    let mut raw_files = tables::open(&loc, RAW_FILES).await.unwrap();
    let text = |s: &str| Arc::new(StringArray::from(vec![s])) as _;
    let int = |i: i64| Arc::new(Int64Array::from(vec![i])) as _;
    let registered = RecordBatch::try_new(
        tables::raw_files_schema(),
        vec![
            text("cdef"),
            text("pmp-case-table"),
            text("x.csv"),
            int(200),
            text("raw/cd/cdef.csv"),
            Arc::new(arrow::array::TimestampMicrosecondArray::from(vec![0]).with_timezone("UTC")),
            int(1),
            int(1),
            int(1),
            int(0),
            text("{}"),
        ],
    )
    .unwrap();
    let mut writer = RecordBatchWriter::for_table(&raw_files).unwrap();
    writer.write(registered).await.unwrap();
    let raw_version = writer.flush_and_commit(&mut raw_files).await.unwrap() as i64;
    versions.insert(RAW_FILES.into(), raw_version);
    let list: Vec<_> = versions.clone().into_iter().collect();
    snapshots::append(&loc, 1, "one", &[], &list).await.unwrap();
    let table = table
        .write(vec![quarantine_rows(5, 2)])
        .with_save_mode(deltalake::protocol::SaveMode::Overwrite)
        .await
        .unwrap();
    versions.insert(QUARANTINE.into(), table.version().unwrap() as i64);
    let list: Vec<_> = versions.into_iter().collect();
    snapshots::append(&loc, 2, "two", &[], &list).await.unwrap();
    let clean = data_bytes(&root);

    // What interrupted ingests leave: a streamed, never committed file; a commit no
    // snapshot owns (rolled back below); an upload cut short; a table never created; a raw
    // file archived and one still being copied.
    let mut table = tables::open(&loc, QUARANTINE).await.unwrap();
    let mut writer = RecordBatchWriter::for_table(&table).unwrap();
    writer.write(quarantine_rows(100, 3)).await.unwrap();
    writer.flush().await.unwrap();
    let mut writer = RecordBatchWriter::for_table(&table).unwrap();
    writer.write(quarantine_rows(200, 3)).await.unwrap();
    writer.flush_and_commit(&mut table).await.unwrap();
    let quarantine = root.join("quarantine/rows");
    std::fs::write(
        quarantine.join("part-00000-cut.snappy.parquet#1"),
        [7u8; 1000],
    )
    .unwrap();
    std::fs::create_dir_all(root.join("staging/never_created")).unwrap();
    std::fs::write(
        root.join("staging/never_created/part-0.parquet"),
        [1u8; 500],
    )
    .unwrap();
    std::fs::create_dir_all(root.join("raw/ab")).unwrap();
    std::fs::write(root.join("raw/ab/abcdef.csv"), [2u8; 300]).unwrap();
    std::fs::write(root.join("raw/.incoming-1-0.partial"), [3u8; 400]).unwrap();
    let leaked = data_bytes(&root) - clean;
    assert!(leaked > 2200, "{leaked} bytes leaked");

    let latest = wh.latest().await.unwrap();
    let restored = crate::recovery::recover(&loc, &latest).await.unwrap();
    assert_eq!(restored, vec![QUARANTINE.to_string()]);
    assert_eq!(data_bytes(&root), clean);
    assert_eq!(
        std::fs::read(root.join("raw/cd/cdef.csv")).unwrap(),
        [9u8; 200]
    );
    assert_eq!(quarantined(&wh, 1).await, vec![Some(3)]);
    assert_eq!(quarantined(&wh, 2).await, vec![Some(5)]);
    assert_eq!(quarantined(&wh, 0).await, vec![Some(0)]);

    // Nothing left to remove: a second sweep removes nothing.
    let again = crate::recovery::vacuum(&loc).await.unwrap();
    assert_eq!(again, Swept::default());
}
