//! The raw-file archive: every ingested file is kept as it arrived, under
//! `raw/<sha256[0..2]>/<sha256>.<ext>`, so an indicator can always be traced back to the bytes
//! it came from. Content-addressed, so re-archiving the same file is a no-op; on a local data
//! directory the copy is made read-only. Large files are streamed, never held in memory.
//!
//! On a local data directory the copy starts as soon as an ingest is asked for ([`Incoming`]),
//! under a temporary name in `raw/`, while the file is being hashed: it is moved to its
//! content address once the ingest has read the file, or removed if the file turns out to be
//! ingested already or is refused. Copies an interrupted ingest left behind are removed by the
//! next one ([`remove_stale`]).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use deltalake::logstore::object_store::{path::Path as ObjectPath, ObjectStoreExt, WriteMultipart};
use marsad_pipelines::RawFile;

use crate::error::{Result, WarehouseError};
use crate::location::Location;

/// Where a raw file is archived, relative to the data directory.
pub fn relative_path(file: &RawFile) -> String {
    let ext = file.extension();
    let ext = if ext.is_empty() {
        "bin".to_string()
    } else {
        ext
    };
    format!("raw/{}/{}.{}", &file.sha256[..2], file.sha256, ext)
}

/// Prefix of the temporary copies in `raw/`.
const INCOMING: &str = ".incoming-";

/// A raw file being copied into a local archive before its sha256 is known. Dropping it without
/// [`Incoming::finish`] removes the copy.
pub struct Incoming {
    tmp: PathBuf,
    copy: Option<tokio::task::JoinHandle<std::io::Result<u64>>>,
}

impl Incoming {
    /// Start copying `path` into the archive of `loc` (local data directories only: `None`
    /// elsewhere, where [`store`] uploads the file once it is read).
    pub fn start(loc: &Location, path: &Path) -> Result<Option<Incoming>> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let Some(dir) = loc.local_dir() else {
            return Ok(None);
        };
        let raw = dir.join("raw");
        std::fs::create_dir_all(&raw).map_err(|e| WarehouseError::Archive {
            action: "create the folder for",
            file: path.display().to_string(),
            detail: format!("{}: {e}", raw.display()),
        })?;
        let tmp = raw.join(format!(
            "{INCOMING}{}-{}.partial",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let (from, to) = (path.to_path_buf(), tmp.clone());
        let copy = tokio::task::spawn_blocking(move || std::fs::copy(from, to));
        Ok(Some(Incoming {
            tmp,
            copy: Some(copy),
        }))
    }

    /// Wait for the copy, make it read-only and move it to `file`'s content address; returns
    /// the relative path.
    pub async fn finish(mut self, loc: &Location, file: &RawFile) -> Result<String> {
        let err = |action: &'static str, detail: String| WarehouseError::Archive {
            action,
            file: file.name.clone(),
            detail,
        };
        let copy = self
            .copy
            .take()
            .ok_or_else(|| err("copy", "no copy running".into()))?;
        let copied = copy
            .await
            .map_err(|e| err("copy", e.to_string()))?
            .map_err(|e| err("copy", e.to_string()))?;
        if copied != file.len {
            return Err(err(
                "copy",
                format!(
                    "{copied} bytes copied but {} hashed: the file changed during the ingest",
                    file.len
                ),
            ));
        }
        let rel = relative_path(file);
        let target = loc.local_dir().unwrap_or_default().join(&rel);
        if target.exists() {
            return Ok(rel);
        }
        let parent = target.parent().unwrap_or(&self.tmp).to_path_buf();
        std::fs::create_dir_all(&parent)
            .map_err(|e| err("create the folder for", e.to_string()))?;
        make_read_only(&self.tmp).map_err(|e| err("make read-only", e.to_string()))?;
        std::fs::rename(&self.tmp, &target).map_err(|e| err("move into place", e.to_string()))?;
        Ok(rel)
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if let Some(copy) = self.copy.take() {
            copy.abort();
        }
        // Best effort: a copy still being written is unlinked, and `remove_stale` catches any
        // that outlives this.
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Remove the temporary copies interrupted ingests left in a local archive (call under the
/// ingest lock, so no ingest is copying).
pub fn remove_stale(loc: &Location) {
    let Some(dir) = loc.local_dir() else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir.join("raw")) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(INCOMING) {
            tracing::info!(
                "removing {}, left by an interrupted ingest",
                entry.path().display()
            );
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn make_read_only(path: &Path) -> std::io::Result<()> {
    let mut perms = std::fs::metadata(path)?.permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(path, perms)
}

/// Archive `file`; returns its relative path.
pub async fn store(loc: &Location, file: &RawFile) -> Result<String> {
    let rel = relative_path(file);
    let err = |action: &'static str, detail: String| WarehouseError::Archive {
        action,
        file: file.name.clone(),
        detail,
    };
    if let Some(dir) = loc.local_dir() {
        if dir.join(&rel).exists() {
            return Ok(rel);
        }
    }
    if let Some(copy) = Incoming::start(loc, &file.path)? {
        return copy.finish(loc, file).await;
    }
    let store = deltalake::logstore::store_for(loc.root(), loc.options().clone())
        .map_err(|e| err("open the object store for", e.to_string()))?;
    let path = ObjectPath::from(rel.as_str());
    if store.head(&path).await.is_ok() {
        return Ok(rel);
    }
    let upload = store
        .put_multipart(&path)
        .await
        .map_err(|e| err("start the upload of", e.to_string()))?;
    let mut writer = WriteMultipart::new(upload);
    let mut reader = std::fs::File::open(&file.path).map_err(|e| err("open", e.to_string()))?;
    let mut buf = vec![0u8; 8 << 20];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| err("read", e.to_string()))?;
        if n == 0 {
            break;
        }
        writer.write(&buf[..n]);
    }
    writer
        .finish()
        .await
        .map_err(|e| err("finish the upload of", e.to_string()))?;
    Ok(rel)
}
