//! The one commit path. An ingest of one or more files of a feed is all or nothing:
//!
//! 1. every file is hashed; files already in `registry.raw_files` (same sha256) are skipped and
//!    reported as such — an ingest with nothing new writes nothing;
//! 2. each new file runs through the adapter the caller handed in (the model's [`Adapter`]
//!    contract, implemented by the pipelines) on a blocking thread; its batches stream
//!    through a bounded channel to one Delta writer per table (Parquet files are written as they
//!    fill, nothing is committed yet). A refused file stops the ingest before any commit;
//! 3. the raw files are archived (content-addressed, read-only);
//! 4. each touched table is committed, tagged with the application transaction
//!    (`marsad-ingest`, snapshot id), then `registry.raw_files`, and **last** the snapshot rows.
//!
//! A crash or kill at any moment leaves the warehouse at its previous snapshot: readers only see
//! table versions named by a snapshot, and [`recover`] (run by the next ingest, under its lock)
//! restores any table whose newest version is not owned by a snapshot, so the next ingest never
//! builds on orphaned rows, and removes the files no snapshot owns. `MARSAD_FAILPOINT`
//! (`after-first-commit`, `before-snapshot`) aborts the process at those points, for the tests
//! that prove it with a real kill.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::SchemaRef;
use chrono::Utc;
use deltalake::writer::{DeltaWriter, RecordBatchWriter};
use deltalake::DeltaTable;
use marsad_model::{Adapter, FeedReport, RawFile, RecordCounts, Sink, SinkError, TableSpec};
use tokio::sync::mpsc;

mod resend;

use crate::archive;
use crate::commit::{commit_properties, commit_properties_with};
use crate::error::{Result, WarehouseError};
use crate::location::Location;
use crate::recovery::{lock, recover};
use crate::snapshots::{self, Snapshot};
use crate::tables::{self, QUARANTINE, RAW_FILES};

/// Environment variable that makes an ingest abort at a named point (tests of crash safety).
pub const FAILPOINT_ENV: &str = "MARSAD_FAILPOINT";

/// What to ingest.
pub struct IngestRequest {
    /// The feed's adapter (the caller builds it, with its pseudonymisation key).
    pub adapter: Arc<dyn Adapter>,
    pub files: Vec<PathBuf>,
    /// The day adapters take as "today" (dates after it are refused); `None`: the date the
    /// ingest starts (UTC), taken once. Recorded in each file's report.
    pub reference_date: Option<chrono::NaiveDate>,
    /// Called as work advances (file started, rows streamed, committing).
    pub progress: Option<Arc<dyn Fn(Progress) + Send + Sync>>,
}

/// Progress events, for a progress bar.
#[derive(Debug, Clone)]
pub enum Progress {
    Hashing { name: String },
    FileStarted { name: String, bytes: u64 },
    Rows { name: String, rows: u64 },
    Committing { tables: usize },
}

/// What happened to one file.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FileOutcome {
    Ingested {
        report: FeedReport,
        archived_path: String,
    },
    AlreadyIngested {
        name: String,
        sha256: String,
        snapshot_id: i64,
    },
}

/// The result of an ingest: the new snapshot (none if nothing was new) and each file's outcome.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IngestOutcome {
    pub feed: String,
    pub snapshot_id: Option<i64>,
    pub files: Vec<FileOutcome>,
}

fn failpoint(name: &str) {
    if std::env::var(FAILPOINT_ENV).is_ok_and(|v| v == name) {
        tracing::error!("failpoint `{name}` reached: aborting the process");
        std::process::abort();
    }
}

/// sha256 → snapshot id of every file in `registry.raw_files` as of `snapshot`.
pub async fn ingested_files(loc: &Location, snapshot: &Snapshot) -> Result<HashMap<String, i64>> {
    let version = snapshot.tables.get(RAW_FILES).copied().unwrap_or(0);
    let table = tables::open_at(loc, RAW_FILES, version).await?;
    let mut out = HashMap::new();
    for batch in snapshots::scan(&table, RAW_FILES).await? {
        let shas = snapshots::strings(&batch, "sha256")?;
        let ids = snapshots::ints(&batch, "snapshot_id")?;
        for (sha, id) in shas.into_iter().zip(ids) {
            if let (Some(sha), Some(id)) = (sha, id) {
                out.insert(sha, id);
            }
        }
    }
    Ok(out)
}

enum Msg {
    Rows(TableSpec, RecordBatch),
    Quarantine(RecordBatch),
}

/// The adapter's view of the warehouse: batches go down a bounded channel (back-pressure keeps
/// memory flat) to the async writers.
struct ChannelSink {
    tx: mpsc::Sender<Msg>,
    file: String,
    rows: u64,
    progress: Option<Arc<dyn Fn(Progress) + Send + Sync>>,
}

impl ChannelSink {
    fn send(&mut self, msg: Msg) -> Result<(), SinkError> {
        self.tx.blocking_send(msg).map_err(|_| SinkError {
            file: self.file.clone(),
            detail: "the table writer stopped".into(),
        })
    }
}

impl Sink for ChannelSink {
    fn rows(&mut self, table: &TableSpec, batch: RecordBatch) -> Result<(), SinkError> {
        self.rows += batch.num_rows() as u64;
        if let Some(p) = &self.progress {
            p(Progress::Rows {
                name: self.file.clone(),
                rows: self.rows,
            });
        }
        self.send(Msg::Rows(table.clone(), batch))
    }
    fn quarantine(&mut self, batch: RecordBatch) -> Result<(), SinkError> {
        self.send(Msg::Quarantine(batch))
    }
}

/// One open Delta writer per table touched by the ingest; nothing committed until `commit`.
/// A table that does not exist yet (a new survey's table) is only created at commit time, so a
/// refused file leaves no trace in the Delta logs.
struct TableWriters {
    loc: Location,
    snapshot_id: i64,
    files: Vec<String>,
    writers: BTreeMap<String, (Option<DeltaTable>, SchemaRef, RecordBatchWriter)>,
    /// Record keys: the spec of every keyed or roll-up table written, and the key check value
    /// of the pseudonymisation key (see [`resend`]).
    records: RecordTables,
}

/// What the ingest needs to keep one version per key in record tables.
#[derive(Default)]
struct RecordTables {
    key_check: Option<String>,
    /// staging table name → (its spec, its version before this ingest, if it existed).
    specs: BTreeMap<String, (TableSpec, Option<i64>)>,
}

impl TableWriters {
    async fn writer(&mut self, name: &str, schema: &SchemaRef) -> Result<&mut RecordBatchWriter> {
        if !self.writers.contains_key(name) {
            let keyed = self
                .records
                .specs
                .get(name)
                .is_some_and(|(s, _)| !s.key.is_empty());
            let check = self.records.key_check.as_deref().filter(|_| keyed);
            let props = commit_properties_with(self.snapshot_id, &self.files, check);
            let (table, writer) = if tables::exists(&self.loc, name).await? {
                let table = tables::open(&self.loc, name).await?;
                if let Some(check) = check {
                    resend::verify_key(&table, name, check).await?;
                }
                if let Some((_, before)) = self.records.specs.get_mut(name) {
                    *before = Some(table.version().unwrap_or(0) as i64);
                }
                let writer = RecordBatchWriter::for_table(&table)
                    .map_err(WarehouseError::delta(name, "open a writer on"))?;
                (Some(table), writer)
            } else {
                let url = self.loc.table_url(name)?;
                let writer = RecordBatchWriter::try_new(
                    url.as_str(),
                    schema.clone(),
                    None,
                    Some(self.loc.options().clone()),
                )
                .map_err(WarehouseError::delta(name, "open a writer on"))?;
                (None, writer)
            };
            let writer = writer
                .with_commit_properties(props)
                .with_writer_properties(tables::writer_properties(schema));
            self.writers
                .insert(name.to_string(), (table, schema.clone(), writer));
        }
        match self.writers.get_mut(name) {
            Some((_, _, w)) => Ok(w),
            None => Err(WarehouseError::Internal(format!(
                "writer for {name} vanished"
            ))),
        }
    }

    async fn accept(&mut self, msg: Msg) -> Result<()> {
        match msg {
            Msg::Rows(spec, batch) => {
                let name = tables::staging(&spec.name);
                if (!spec.key.is_empty() || spec.roll_up.is_some())
                    && !self.records.specs.contains_key(&name)
                {
                    self.records
                        .specs
                        .insert(name.clone(), (spec.clone(), None));
                }
                let writer = self.writer(&name, &spec.schema).await?;
                writer
                    .write(batch)
                    .await
                    .map_err(WarehouseError::delta(name, "write rows to"))
            }
            Msg::Quarantine(batch) => {
                let schema = tables::quarantine_schema();
                let mut columns = batch.columns().to_vec();
                columns.push(Arc::new(Int64Array::from(vec![
                    self.snapshot_id;
                    batch.num_rows()
                ])));
                let batch = RecordBatch::try_new(schema.clone(), columns)?;
                let writer = self.writer(QUARANTINE, &schema).await?;
                writer
                    .write(batch)
                    .await
                    .map_err(WarehouseError::delta(QUARANTINE, "write rows to"))
            }
        }
    }

    /// Commit every table (creating new ones first); returns table → new version.
    async fn commit(self) -> Result<BTreeMap<String, i64>> {
        let mut versions = BTreeMap::new();
        for (name, (table, schema, mut writer)) in self.writers {
            let mut table = match table {
                Some(t) => t,
                None => tables::create(&self.loc, &name, &schema).await?,
            };
            let v = writer
                .flush_and_commit(&mut table)
                .await
                .map_err(WarehouseError::delta(name.clone(), "commit"))?;
            versions.insert(name, v as i64);
            failpoint("after-first-commit");
        }
        Ok(versions)
    }
}

/// After the appends: in every record table, remove the earlier version of each re-sent record
/// and recount the roll-ups of the files that lost rows (see [`resend`]). Updates `versions`;
/// returns each file's record counts per table.
async fn replace_resent_records(
    loc: &Location,
    snapshot_id: i64,
    files: &[String],
    records: &RecordTables,
    versions: &mut BTreeMap<String, i64>,
) -> Result<BTreeMap<String, BTreeMap<String, RecordCounts>>> {
    let shas: std::collections::BTreeSet<String> = files.iter().cloned().collect();
    let mut per_file: BTreeMap<String, BTreeMap<String, RecordCounts>> = BTreeMap::new();
    let mut affected: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for (name, (spec, before)) in &records.specs {
        if spec.key.is_empty() {
            continue;
        }
        let props = commit_properties_with(snapshot_id, files, records.key_check.as_deref());
        let replaced = resend::replace_resent(loc, spec, *before, &shas, props).await?;
        versions.insert(name.clone(), replaced.version);
        for (sha, counts) in replaced.counts {
            per_file
                .entry(sha)
                .or_default()
                .insert(spec.name.clone(), counts);
        }
        affected.insert(spec.name.clone(), replaced.affected);
    }
    for (name, (spec, _)) in &records.specs {
        let Some(roll_up) = &spec.roll_up else {
            continue;
        };
        let Some(files_hit) = affected.get(&roll_up.of).filter(|a| !a.is_empty()) else {
            continue;
        };
        let props = commit_properties(snapshot_id, files);
        let v = resend::recount(loc, spec, roll_up, files_hit, props).await?;
        versions.insert(name.clone(), v);
    }
    Ok(per_file)
}

/// Run one ingest. See the module documentation for the steps.
pub async fn run(loc: &Location, request: IngestRequest) -> Result<IngestOutcome> {
    let _lock = lock(loc)?;
    let reference_date = request
        .reference_date
        .unwrap_or_else(|| Utc::now().date_naive());
    let feed = request.adapter.feed().to_string();
    let previous = snapshots::latest(loc).await?;
    recover(loc, &previous).await?;
    let known = ingested_files(loc, &previous).await?;
    let progress = request.progress.clone();
    let notify = |p: Progress| {
        if let Some(f) = &progress {
            f(p)
        }
    };

    archive::remove_stale(loc);
    let mut outcomes = Vec::new();
    let mut new_files: Vec<RawFile> = Vec::new();
    // The archive copies, started while the files are hashed and read (see archive::Incoming).
    let mut incoming: Vec<archive::Incoming> = Vec::new();
    for path in &request.files {
        notify(Progress::Hashing {
            name: path.display().to_string(),
        });
        let copy = archive::Incoming::start(loc, path)?;
        let (path, adapter) = (path.clone(), request.adapter.clone());
        let raw = tokio::task::spawn_blocking(move || adapter.open(&path))
            .await
            .map_err(|e| WarehouseError::Internal(e.to_string()))?
            .map_err(|cause| WarehouseError::Refused { cause })?;
        if let Some(&id) = known.get(&raw.sha256) {
            outcomes.push(FileOutcome::AlreadyIngested {
                name: raw.name,
                sha256: raw.sha256,
                snapshot_id: id,
            });
        } else if let Some(first) = new_files.iter().find(|f| f.sha256 == raw.sha256) {
            tracing::info!("{} is the same file as {}; read once", raw.name, first.name);
        } else {
            new_files.push(raw);
            incoming.push(copy);
        }
    }
    if new_files.is_empty() {
        return Ok(IngestOutcome {
            feed,
            snapshot_id: None,
            files: outcomes,
        });
    }

    let snapshot_id = previous.id + 1;
    let shas: Vec<String> = new_files.iter().map(|f| f.sha256.clone()).collect();
    let (tx, mut rx) = mpsc::channel::<Msg>(4);
    let mut writers = TableWriters {
        loc: loc.clone(),
        snapshot_id,
        files: shas.clone(),
        writers: BTreeMap::new(),
        records: RecordTables {
            key_check: resend::key_check_value(request.adapter.as_ref()),
            specs: BTreeMap::new(),
        },
    };
    let writer_task = tokio::spawn(async move {
        while let Some(msg) = rx.recv().await {
            writers.accept(msg).await?;
        }
        Ok::<_, WarehouseError>(writers)
    });

    let mut reports = Vec::new();
    for raw in &new_files {
        notify(Progress::FileStarted {
            name: raw.name.clone(),
            bytes: raw.len,
        });
        let mut sink = ChannelSink {
            tx: tx.clone(),
            file: raw.name.clone(),
            rows: 0,
            progress: progress.clone(),
        };
        let (adapter, file) = (request.adapter.clone(), raw.clone());
        let result =
            tokio::task::spawn_blocking(move || adapter.read(&file, reference_date, &mut sink))
                .await
                .map_err(|e| WarehouseError::Internal(format!("adapter for {}: {e}", raw.name)))?;
        match result {
            Ok(report) => reports.push(report),
            Err(cause) => {
                drop(tx);
                // A writer failure surfaces in the adapter as a sink error; prefer its cause.
                if let Ok(Err(writer_error)) = writer_task.await {
                    return Err(writer_error);
                }
                return Err(WarehouseError::Refused { cause });
            }
        }
    }
    drop(tx);
    let mut writers = writer_task
        .await
        .map_err(|e| WarehouseError::Internal(format!("table writer: {e}")))??;

    let mut archived = Vec::new();
    for (raw, copy) in new_files.iter().zip(incoming) {
        archived.push(copy.finish(loc, raw).await?);
    }

    notify(Progress::Committing {
        tables: writers.writers.len() + 2,
    });
    let records = std::mem::take(&mut writers.records);
    let mut versions = writers.commit().await?;
    let counts = replace_resent_records(loc, snapshot_id, &shas, &records, &mut versions).await?;
    for report in &mut reports {
        if let Some(c) = counts.get(&report.sha256) {
            report.records = c.clone();
        }
    }
    let raw_version =
        commit_raw_files(loc, &feed, snapshot_id, &new_files, &archived, &reports).await?;
    versions.insert(RAW_FILES.to_string(), raw_version);

    failpoint("before-snapshot");
    let mut all_versions = previous.tables.clone();
    all_versions.extend(versions);
    let names: Vec<&str> = new_files.iter().map(|f| f.name.as_str()).collect();
    let description = format!("ingest {feed}: {}", names.join(", "));
    let list: Vec<(String, i64)> = all_versions.into_iter().collect();
    snapshots::append(loc, snapshot_id, &description, &shas, &list).await?;

    for (report, path) in reports.into_iter().zip(archived) {
        outcomes.push(FileOutcome::Ingested {
            report,
            archived_path: path,
        });
    }
    Ok(IngestOutcome {
        feed,
        snapshot_id: Some(snapshot_id),
        files: outcomes,
    })
}

async fn commit_raw_files(
    loc: &Location,
    feed: &str,
    snapshot_id: i64,
    files: &[RawFile],
    archived: &[String],
    reports: &[FeedReport],
) -> Result<i64> {
    let n = files.len();
    let now = Utc::now().timestamp_micros();
    let reports_json: Vec<String> = reports
        .iter()
        .map(|r| {
            serde_json::to_string(r).map_err(|e| {
                WarehouseError::Internal(format!(
                    "{RAW_FILES} column `report_json` of {}: cannot write the report: {e}",
                    r.file_name
                ))
            })
        })
        .collect::<Result<_>>()?;
    let batch = RecordBatch::try_new(
        tables::raw_files_schema(),
        vec![
            Arc::new(StringArray::from_iter_values(
                files.iter().map(|f| &f.sha256),
            )),
            Arc::new(StringArray::from(vec![feed; n])),
            Arc::new(StringArray::from_iter_values(files.iter().map(|f| &f.name))),
            Arc::new(Int64Array::from_iter_values(
                files.iter().map(|f| f.len as i64),
            )),
            Arc::new(StringArray::from_iter_values(archived)),
            Arc::new(TimestampMicrosecondArray::from(vec![now; n]).with_timezone("UTC")),
            Arc::new(Int64Array::from(vec![snapshot_id; n])),
            Arc::new(Int64Array::from_iter_values(
                reports.iter().map(|r| r.rows_read as i64),
            )),
            Arc::new(Int64Array::from_iter_values(
                reports.iter().map(|r| r.rows_staged as i64),
            )),
            Arc::new(Int64Array::from_iter_values(
                reports.iter().map(|r| r.rows_quarantined as i64),
            )),
            Arc::new(StringArray::from_iter_values(reports_json)),
        ],
    )?;
    let shas: Vec<String> = files.iter().map(|f| f.sha256.clone()).collect();
    let mut table = tables::open(loc, RAW_FILES).await?;
    let mut writer = RecordBatchWriter::for_table(&table)
        .map_err(WarehouseError::delta(RAW_FILES, "open a writer on"))?
        .with_commit_properties(commit_properties(snapshot_id, &shas));
    writer
        .write(batch)
        .await
        .map_err(WarehouseError::delta(RAW_FILES, "write"))?;
    let v = writer
        .flush_and_commit(&mut table)
        .await
        .map_err(WarehouseError::delta(RAW_FILES, "commit"))?;
    Ok(v as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Warehouse;

    /// Rows committed to a table without a snapshot (an ingest that died before its snapshot
    /// commit) are rolled back by `recover`; the snapshot's view never included them.
    #[tokio::test]
    async fn recover_rolls_back_commits_no_snapshot_owns() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(dir.path().to_str().unwrap()).unwrap();
        let wh = Warehouse::create_or_open(loc.clone()).await.unwrap();
        let before = wh.latest().await.unwrap();
        assert_eq!(before.id, 0);
        let v0 = before.tables[QUARANTINE];

        let schema = tables::quarantine_schema();
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["f"])),
                Arc::new(StringArray::from(vec!["sha"])),
                Arc::new(StringArray::from(vec!["x.csv"])),
                Arc::new(StringArray::from(vec!["line 2"])),
                Arc::new(StringArray::from(vec!["year"])),
                Arc::new(StringArray::from(vec![Some("20x1")])),
                Arc::new(StringArray::from(vec!["not a year"])),
                Arc::new(Int64Array::from(vec![1])),
            ],
        )
        .unwrap();
        let mut table = tables::open(&loc, QUARANTINE).await.unwrap();
        let mut writer = RecordBatchWriter::for_table(&table).unwrap();
        writer.write(batch).await.unwrap();
        let orphan = writer.flush_and_commit(&mut table).await.unwrap() as i64;
        assert!(orphan > v0);

        let restored = recover(&loc, &before).await.unwrap();
        assert_eq!(restored, vec![QUARANTINE.to_string()]);
        let session = wh.session(None).await.unwrap();
        let n = session
            .query("select count(*) as n from quarantine.rows")
            .await
            .unwrap();
        assert_eq!(snapshots::ints(&n[0], "n").unwrap(), vec![Some(0)]);
        let latest = tables::open(&loc, QUARANTINE).await.unwrap();
        let rows = snapshots::scan(&latest, QUARANTINE).await.unwrap();
        assert_eq!(rows.iter().map(|b| b.num_rows()).sum::<usize>(), 0);
        assert!(
            recover(&loc, &before).await.unwrap().is_empty(),
            "recover is idempotent"
        );
    }
}
