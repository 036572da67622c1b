//! Recovery from interrupted ingests, under the data directory's ingest lock: roll back what an
//! interrupted ingest committed, then sweep what no snapshot owns ([`crate::vacuum::sweep`]).
//! Ingests recover before they write; `marsad vacuum` does the same on demand ([`vacuum`]).
//! Readers never take the lock. Everything here reads and writes through the object store (the
//! tables an interrupted ingest created are found by listing it), so recovery is the same on a
//! local folder and on S3; only the lock differs (see `lock`).

use deltalake::kernel::transaction::CommitProperties;
use deltalake::DeltaTable;

use crate::commit::keep_logs;
use crate::error::{Result, WarehouseError};
use crate::location::Location;
use crate::snapshots::Snapshot;
use crate::tables;
use crate::vacuum::{self, Swept};

/// Take the data directory's single-writer guard for an ingest or `marsad vacuum`. Readers
/// never take it, so a reader can never make an ingest fail.
///
/// The contract: while the guard is held no other ingest or vacuum of this data directory
/// writes, so recovery may roll back every commit no snapshot owns; it is released when the
/// process ends, even by a kill (a killed ingest never blocks the next); a second writer is
/// refused at once with an error saying so, never left waiting.
///
/// On a local directory this is an OS file lock on `.ingest.lock` (the returned file holds it).
/// On an object store there is no lock file (S3 has no lock that a kill releases) and `None` is
/// returned: what guards each table there is Delta's commit protocol, which writes every commit
/// file with a conditional put (put-if-absent), so two writers can never both commit the same
/// version of a table and the loser fails instead of overwriting; and readers only see what the
/// snapshot log names. That does not serialise two whole ingests (one's recovery could roll
/// back the other's commits before its snapshot), so on an object store the deployment must run
/// one ingest at a time (one ingest process or queue per warehouse).
pub(crate) fn lock(loc: &Location) -> Result<Option<std::fs::File>> {
    let Some(dir) = loc.local_dir() else {
        return Ok(None);
    };
    let path = dir.join(".ingest.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| WarehouseError::Location {
            location: loc.to_string(),
            detail: format!("cannot open {}: {e}", path.display()),
        })?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(WarehouseError::Location {
            location: loc.to_string(),
            detail: "another ingest (or `marsad vacuum`) is running on this data directory".into(),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(WarehouseError::Location {
            location: loc.to_string(),
            detail: format!("cannot lock {}: {e}", path.display()),
        }),
    }
}

/// Commit-info key marking a roll-back commit with the version whose content it restored.
const RESTORED_TO: &str = "marsad.restored_to_version";

/// Whether the newest commit of `table` is a roll-back to `version` (so the table's content is
/// already that of `version`, only under a newer version number).
async fn already_restored_to(table: &DeltaTable, version: i64) -> bool {
    use futures::StreamExt;
    let mut history = table.history(Some(1));
    match history.next().await {
        Some(Ok(info)) => info.info.get(RESTORED_TO) == Some(&serde_json::json!(version)),
        _ => false,
    }
}

/// Recover from interrupted ingests, under the ingest lock, before anything else is written:
/// [`roll_back`] what they committed, then remove every file no snapshot owns
/// ([`crate::vacuum::sweep`]). Readers never recover: they read the table versions a snapshot
/// names, which no interrupted ingest can have touched. Returns the tables rolled back.
pub async fn recover(loc: &Location, latest: &Snapshot) -> Result<Vec<String>> {
    let restored = roll_back(loc, latest).await?;
    // Reclaiming space must not stop an ingest: say why it failed and go on.
    if let Err(e) = crate::vacuum::sweep(loc).await {
        tracing::warn!("could not remove the files no snapshot owns ({e}); run `marsad vacuum`");
    }
    Ok(restored)
}

/// Roll back what an interrupted ingest committed: every table whose newest version is newer
/// than the latest snapshot names is restored to that version; staging tables that no snapshot
/// names yet are restored to their empty version 0. The roll-back commit records the version it
/// restored, so a table rolled back once is not rolled back again. Returns the tables restored.
pub(crate) async fn roll_back(loc: &Location, latest: &Snapshot) -> Result<Vec<String>> {
    let mut targets: Vec<(String, i64)> = latest.tables.clone().into_iter().collect();
    // A table created by an interrupted ingest (a new survey's table) is in no snapshot: find
    // it by listing the store, which works the same on S3 as on a local folder.
    for name in tables::staging_folders(loc).await? {
        if !latest.tables.contains_key(&name) && tables::exists(loc, &name).await? {
            targets.push((name, 0));
        }
    }
    let mut restored = Vec::new();
    for (name, version) in targets {
        let table = tables::open(loc, &name).await?;
        let newest = table.version().unwrap_or(0) as i64;
        if newest <= version || already_restored_to(&table, version).await {
            continue;
        }
        tracing::warn!(
            "table {name} is at version {newest} but snapshot {} names {version}: rolling back an interrupted ingest",
            latest.id
        );
        let props = keep_logs(
            CommitProperties::default()
                .with_metadata([(RESTORED_TO.to_string(), serde_json::json!(version))]),
        );
        table
            .restore()
            .with_version_to_restore(version as u64)
            .with_commit_properties(props)
            .await
            .map_err(WarehouseError::delta(name.clone(), "roll back"))?;
        restored.push(name);
    }
    Ok(restored)
}

/// `marsad vacuum`: under the ingest lock, roll back what an interrupted ingest committed and
/// remove every file no snapshot owns.
pub async fn vacuum(loc: &Location) -> Result<Swept> {
    let _lock = lock(loc)?;
    let latest = crate::snapshots::latest(loc).await?;
    let rolled_back = roll_back(loc, &latest).await?;
    let swept = vacuum::sweep(loc).await?;
    Ok(Swept {
        rolled_back,
        ..swept
    })
}
