//! Reclaiming what no snapshot owns. An ingest that is killed, aborted or refused leaves files
//! behind: Parquet files it streamed but never committed (and, on a local directory, the
//! `part-….parquet#N` temporary files of an upload cut short), the files of commits that
//! the recovery (`recovery`, which calls this module) rolled back, tables it never got to create, and raw files it
//! archived (or was still copying, `raw/.incoming-*`) without a snapshot naming them.
//!
//! [`sweep`] removes every such file and nothing else. A file is kept when the snapshot log may
//! still need it: it belongs to a table version that ANY snapshot names (time travel to old
//! snapshots must keep working), or to a table's newest version (what the next ingest builds
//! on), or it is a raw file the registry lists, or it is newer than the sweep itself. Delta's
//! own vacuum decides by age and would delete files of old snapshots, so the warehouse does its
//! own: list each table's files, subtract those its referenced versions add, delete the rest.
//! Delta logs (`_delta_log/`) are never touched, and derived tables (observations), which are
//! written outside the ingest lock, are not swept.
//!
//! A sweep must run under the ingest lock: every ingest sweeps after its recovery, and
//! `recovery::vacuum` (`marsad vacuum`) takes the lock to do the same on demand.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use deltalake::logstore::object_store::{path::Path, ObjectStore, ObjectStoreExt};
use deltalake::logstore::ObjectStoreRef;
use futures::TryStreamExt;

use crate::error::{Result, WarehouseError};
use crate::location::Location;
use crate::snapshots::{self, Snapshot};
use crate::tables::{self, RAW_FILES, SNAPSHOTS};

/// The folder of the raw-file archive, relative to the data directory.
const RAW: &str = "raw";

/// What a sweep removed.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
pub struct Swept {
    /// Tables rolled back first (newest version not owned by a snapshot).
    pub rolled_back: Vec<String>,
    /// Files removed, relative to the data directory.
    pub files: Vec<String>,
    /// Their total size.
    pub bytes: u64,
}

/// Remove every file under the snapshot-log tables and the raw-file archive that no snapshot
/// owns (see the module documentation). Call under the ingest lock, after the roll-back.
pub async fn sweep(loc: &Location) -> Result<Swept> {
    let started = Utc::now();
    let store = loc.store()?;
    let all = snapshots::all(loc).await?;
    let latest = all
        .last()
        .ok_or_else(|| WarehouseError::SnapshotLog("the log has no snapshot yet".into()))?;

    // table → every version a snapshot names (the snapshot log itself: only its newest).
    let mut named: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    named.insert(SNAPSHOTS.to_string(), BTreeSet::new());
    for snapshot in &all {
        for (table, version) in &snapshot.tables {
            named.entry(table.clone()).or_default().insert(*version);
        }
    }
    // Staging tables no snapshot names: created by an ingest that did not finish, or never
    // created at all (files streamed, no log yet).
    for name in tables::staging_folders(loc).await? {
        named.entry(name).or_default();
    }

    let mut swept = Swept::default();
    for (table, versions) in &named {
        let prefix = table_prefix(loc, table)?;
        let keep = if tables::exists(loc, table).await? {
            referenced_files(loc, table, versions).await?
        } else {
            HashSet::new()
        };
        remove_unowned(loc, &store, &prefix, &keep, started, &mut swept).await?;
    }

    let raw = Path::from(RAW);
    let keep = archived_files(loc, latest, &raw).await?;
    remove_unowned(loc, &store, &raw, &keep, started, &mut swept).await?;
    if !swept.files.is_empty() {
        tracing::warn!(
            "removed {} files ({} bytes) that no snapshot owns, left by interrupted ingests",
            swept.files.len(),
            swept.bytes
        );
    }
    Ok(swept)
}

fn storage_error(loc: &Location, what: &str, e: impl std::fmt::Display) -> WarehouseError {
    WarehouseError::Location {
        location: loc.to_string(),
        detail: format!("vacuum: cannot list or delete {what}: {e}"),
    }
}

/// The folder of `table`, relative to the data directory.
fn table_prefix(loc: &Location, table: &str) -> Result<Path> {
    let url = loc.table_url(table)?;
    let rel = loc
        .root()
        .make_relative(&url)
        .ok_or_else(|| WarehouseError::Internal(format!("{url} is not under {}", loc.root())))?;
    Path::parse(rel.trim_end_matches('/'))
        .map_err(|e| WarehouseError::Internal(format!("table folder `{rel}`: {e}")))
}

/// The files (relative to the table folder) that `versions` and the newest version of `table`
/// read. Versions are visited oldest first, each loaded by replaying the log from the previous.
async fn referenced_files(
    loc: &Location,
    table: &str,
    versions: &BTreeSet<i64>,
) -> Result<HashSet<Path>> {
    let mut keep = HashSet::new();
    let mut loaded: Option<deltalake::DeltaTable> = None;
    let steps = versions.iter().map(|v| Some(*v)).chain([None]);
    for version in steps {
        let t = match (loaded.as_mut(), version) {
            (Some(t), v) => {
                t.update_incremental(v.map(|v| v as u64))
                    .await
                    .map_err(WarehouseError::delta(table, "load a version of"))?;
                t
            }
            (None, Some(v)) => loaded.insert(tables::open_at(loc, table, v).await?),
            (None, None) => loaded.insert(tables::open(loc, table).await?),
        };
        let state = t
            .snapshot()
            .map_err(WarehouseError::delta(table, "read the files of"))?;
        keep.extend(
            state
                .log_data()
                .into_iter()
                .map(|add| add.object_store_path()),
        );
    }
    Ok(keep)
}

/// The archived raw files the registry lists, relative to the archive folder `raw`. The
/// registry is append-only, so the latest snapshot's version lists every file an older snapshot
/// owns.
async fn archived_files(loc: &Location, latest: &Snapshot, raw: &Path) -> Result<HashSet<Path>> {
    let version = latest.tables.get(RAW_FILES).copied().unwrap_or(0);
    let table = tables::open_at(loc, RAW_FILES, version).await?;
    let mut keep = HashSet::new();
    for batch in snapshots::scan(&table, RAW_FILES).await? {
        for path in snapshots::strings(&batch, "archived_path")?
            .into_iter()
            .flatten()
        {
            let path = Path::parse(&path).map_err(|e| {
                WarehouseError::SnapshotLog(format!("archived path `{path}` in {RAW_FILES}: {e}"))
            })?;
            let relative = path.prefix_match(raw).ok_or_else(|| {
                WarehouseError::SnapshotLog(format!(
                    "archived path `{path}` in {RAW_FILES} is not under `{raw}`"
                ))
            })?;
            keep.insert(relative.collect());
        }
    }
    Ok(keep)
}

/// Delete every object under `prefix` that is neither in `keep` (paths relative to `prefix`)
/// nor in a `_delta_log`, and older than `started`; on a local directory, also the temporary
/// files of cut-short uploads (`name#N`, which object stores do not list).
async fn remove_unowned(
    loc: &Location,
    store: &ObjectStoreRef,
    prefix: &Path,
    keep: &HashSet<Path>,
    started: DateTime<Utc>,
    swept: &mut Swept,
) -> Result<()> {
    let objects: Vec<_> = store
        .list(Some(prefix))
        .try_collect()
        .await
        .map_err(|e| storage_error(loc, prefix.as_ref(), e))?;
    for object in objects {
        let Some(parts) = object.location.prefix_match(prefix) else {
            continue;
        };
        let relative: Path = parts.collect();
        if relative.as_ref().starts_with("_delta_log")
            || keep.contains(&relative)
            || object.last_modified >= started
        {
            continue;
        }
        store
            .delete(&object.location)
            .await
            .map_err(|e| storage_error(loc, object.location.as_ref(), e))?;
        swept.files.push(object.location.to_string());
        swept.bytes += object.size;
    }
    if let Some(dir) = loc.local_dir() {
        let folder = dir.join(prefix.as_ref());
        remove_upload_leftovers(&dir, &folder, started, swept)
            .map_err(|e| storage_error(loc, &folder.display().to_string(), e))?;
    }
    Ok(())
}

/// Whether a file name is a local upload's temporary file: `name#` followed by digits only.
fn is_upload_leftover(name: &str) -> bool {
    name.rsplit_once('#')
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn remove_upload_leftovers(
    root: &std::path::Path,
    folder: &std::path::Path,
    started: DateTime<Utc>,
    swept: &mut Swept,
) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let meta = entry.metadata()?;
        if meta.is_dir() {
            if name != "_delta_log" {
                remove_upload_leftovers(root, &entry.path(), started, swept)?;
            }
            continue;
        }
        let modified: DateTime<Utc> = meta.modified()?.into();
        if is_upload_leftover(&name) && modified < started {
            std::fs::remove_file(entry.path())?;
            let rel = entry.path();
            let rel = rel.strip_prefix(root).unwrap_or(&rel);
            swept.files.push(rel.display().to_string());
            swept.bytes += meta.len();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_leftovers_are_name_hash_digits() {
        assert!(is_upload_leftover("part-00000-1f.snappy.parquet#1"));
        assert!(is_upload_leftover("part-00000-1f.snappy.parquet#12"));
        assert!(!is_upload_leftover("part-00000-1f.snappy.parquet"));
        assert!(!is_upload_leftover("odd#name"));
        assert!(!is_upload_leftover("trailing#"));
    }
}
