//! The raw-file archive: every ingested file is kept as it arrived, under
//! `raw/<sha256[0..2]>/<sha256>.<ext>`, so an indicator can always be traced back to the bytes
//! it came from. Content-addressed, so re-archiving the same file is a no-op; on a local data
//! directory the copy is made read-only. Large files are streamed, never held in memory.
//!
//! On a local data directory the copy starts as soon as an ingest is asked for ([`Incoming`]),
//! under a temporary name in `raw/`, while the file is being hashed, and is written around the
//! page cache where the file system allows it: it is moved to its content address once the
//! ingest has read the file, or removed if the file turns out to be ingested already or is
//! refused. On an object store the file is uploaded once it has been read (one multipart
//! upload); [`Incoming`] is the one interface the ingest sees either way. Copies an interrupted
//! ingest left behind, and files it archived without a snapshot
//! owning them, are removed by the next ingest's recovery or by `marsad vacuum`
//! ([`crate::vacuum`]; [`remove_stale`] catches the copies too).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use deltalake::logstore::object_store::{path::Path as ObjectPath, ObjectStoreExt, WriteMultipart};
use marsad_model::RawFile;

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

/// A raw file on its way into the archive. The contract is the same on every store: start it
/// as soon as an ingest is asked for ([`Incoming::start`]); [`Incoming::finish`], once the file
/// has been read and its sha256 is known, puts its bytes at [`relative_path`] (unless they are
/// there already) and returns that path; dropped unfinished, it leaves nothing that the next
/// recovery's sweep does not remove ([`crate::vacuum`]). How differs, and only here: on a local
/// data directory the copy is made while the file is hashed and read (`LocalCopy`, the one
/// local optimisation); on an object store it is one multipart upload at `finish` (`upload`),
/// which becomes an object only when it completes.
pub struct Incoming {
    local: Option<LocalCopy>,
}

impl Incoming {
    /// Start archiving `path` into the archive of `loc`.
    pub fn start(loc: &Location, path: &Path) -> Result<Incoming> {
        Ok(Incoming {
            local: LocalCopy::start(loc, path)?,
        })
    }

    /// Finish archiving `file` (the file `start` was given, now hashed); returns its path
    /// relative to the data directory.
    pub async fn finish(self, loc: &Location, file: &RawFile) -> Result<String> {
        match self.local {
            Some(copy) => copy.finish(loc, file).await,
            None => upload(loc, file).await,
        }
    }
}

/// A raw file being copied into a local archive before its sha256 is known. Dropping it without
/// [`LocalCopy::finish`] removes the copy.
struct LocalCopy {
    tmp: PathBuf,
    copy: Option<tokio::task::JoinHandle<std::io::Result<u64>>>,
}

impl LocalCopy {
    /// Start copying `path` into the archive of `loc` (local data directories only: `None`
    /// elsewhere, where [`upload`] sends the file once it is read).
    fn start(loc: &Location, path: &Path) -> Result<Option<LocalCopy>> {
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
        let copy = tokio::task::spawn_blocking(move || copy_file(&from, &to));
        Ok(Some(LocalCopy {
            tmp,
            copy: Some(copy),
        }))
    }

    /// Wait for the copy, make it read-only and move it to `file`'s content address; returns
    /// the relative path.
    async fn finish(mut self, loc: &Location, file: &RawFile) -> Result<String> {
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

impl Drop for LocalCopy {
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
/// ingest lock, so no ingest is copying). On an object store there is nothing to do: an upload
/// leaves no object until it completes (a bucket lifecycle rule reclaims the parts of uploads
/// cut short), and a completed one no snapshot owns is removed by [`crate::vacuum::sweep`].
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

/// Copy `from` to a new file `to`; returns the bytes copied. On Linux the copy is written
/// around the page cache (`O_DIRECT`): an archived file is written once and not read back soon,
/// and filling memory with gigabytes of it would cost the CPU time and the memory the ingest
/// itself needs. Where the file system refuses direct writes, an ordinary copy.
fn copy_file(from: &Path, to: &Path) -> std::io::Result<u64> {
    #[cfg(target_os = "linux")]
    if let Some(copied) = direct::copy(from, to)? {
        return Ok(copied);
    }
    std::fs::copy(from, to)
}

#[cfg(target_os = "linux")]
mod direct {
    use std::fs::{File, OpenOptions};
    use std::io::{Read, Write};
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::Path;

    /// Direct writes need buffers, offsets and lengths aligned to the device's logical block
    /// size; 4 KiB covers every common device.
    const ALIGN: usize = 4096;
    const BLOCK: usize = 8 << 20;

    /// `None` (and no file at `to`) if the file system does not take direct writes (older
    /// tmpfs, some network and FUSE mounts): the caller copies the ordinary way.
    pub fn copy(from: &Path, to: &Path) -> std::io::Result<Option<u64>> {
        match copy_direct(from, to) {
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::EOPNOTSUPP)) => {
                let _ = std::fs::remove_file(to);
                Ok(None)
            }
            result => result.map(Some),
        }
    }

    fn copy_direct(from: &Path, to: &Path) -> std::io::Result<u64> {
        let mut input = File::open(from)?;
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_DIRECT)
            .open(to)?;
        let mut buf = vec![0u8; BLOCK + ALIGN];
        let start = buf.as_ptr().align_offset(ALIGN).min(ALIGN);
        let block = &mut buf[start..start + BLOCK];
        let mut copied = 0u64;
        loop {
            let mut filled = 0;
            while filled < BLOCK {
                match input.read(&mut block[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            let whole = filled / ALIGN * ALIGN;
            out.write_all(&block[..whole])?;
            copied += whole as u64;
            if whole < filled {
                // The last partial block goes through the page cache.
                drop(out);
                let mut tail = OpenOptions::new().append(true).open(to)?;
                tail.write_all(&block[whole..filled])?;
                return Ok(copied + (filled - whole) as u64);
            }
            if filled < BLOCK {
                return Ok(copied);
            }
        }
    }
}

fn make_read_only(path: &Path) -> std::io::Result<()> {
    let mut perms = std::fs::metadata(path)?.permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(path, perms)
}

/// Every object in the archive (paths relative to the data directory), listed through the
/// object store: the same on a local folder and on S3.
pub async fn list(loc: &Location) -> Result<Vec<String>> {
    use futures::TryStreamExt;
    loc.store()?
        .list(Some(&ObjectPath::from("raw")))
        .map_ok(|object| object.location.to_string())
        .try_collect()
        .await
        .map_err(|e| WarehouseError::Location {
            location: loc.to_string(),
            detail: format!("cannot list the archive raw/: {e}"),
        })
}

/// Archive `file`; returns its relative path (see [`Incoming`]).
pub async fn store(loc: &Location, file: &RawFile) -> Result<String> {
    Incoming::start(loc, &file.path)?.finish(loc, file).await
}

/// Upload `file` to its content address through the object store, unless it is there already;
/// returns its relative path.
async fn upload(loc: &Location, file: &RawFile) -> Result<String> {
    let rel = relative_path(file);
    let err = |action: &'static str, detail: String| WarehouseError::Archive {
        action,
        file: file.name.clone(),
        detail,
    };
    let store = loc.store()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size around the direct-write block and alignment comes back byte for byte.
    #[test]
    fn archive_copies_are_exact_at_every_size() {
        let dir = tempfile::tempdir().unwrap();
        let block = 8usize << 20;
        for len in [
            0,
            1,
            4095,
            4096,
            4097,
            70_000,
            block,
            block + 1,
            2 * block + 4100,
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 4096) as u8).collect();
            let from = dir.path().join(format!("in-{len}"));
            let to = dir.path().join(format!("out-{len}"));
            std::fs::write(&from, &bytes).unwrap();
            assert_eq!(copy_file(&from, &to).unwrap(), len as u64, "{len} bytes");
            assert!(std::fs::read(&to).unwrap() == bytes, "{len} bytes differ");
        }
    }
}
