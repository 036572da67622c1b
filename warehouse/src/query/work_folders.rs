//! The working folders under a local data directory's `.tmp/`, each named `<kind>-<pid>-<…>`
//! after the process that made it: a query's spill folder ([`SpillDir`]) and a server's upload
//! being received ([`prefix`] with [`UPLOAD`]). Each is removed when its owner drops it; what a
//! killed process left is removed by the next sweep ([`remove_stale_spill_dirs`]).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use super::QueryError;

/// The folder, inside a local data directory, where queries spill and uploads are received.
pub const SPILL_FOLDER: &str = ".tmp";
/// The kind of a query's spill folder.
pub const QUERY: &str = "query";
/// The kind of an upload's folder (`marsad serve`).
pub const UPLOAD: &str = "upload";
/// Every kind of working folder the sweep knows.
const KINDS: &[&str] = &[QUERY, UPLOAD];

/// The name prefix of this process's working folders of `kind`: `<kind>-<pid>-`.
pub fn prefix(kind: &str) -> String {
    format!("{kind}-{}-", std::process::id())
}

/// A query's own spill folder, `<data-dir>/.tmp/query-<pid>-<n>`, removed when the query's
/// stream is dropped (even if a cancelled operator still holds a file: its data is unlinked).
pub(crate) struct SpillDir {
    pub(crate) path: PathBuf,
}

impl SpillDir {
    pub(crate) fn create(root: &std::path::Path) -> Result<Self, QueryError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = root.join(format!("{}{n}", prefix(QUERY)));
        std::fs::create_dir_all(&path).map_err(|e| {
            QueryError::Internal(format!(
                "cannot create the spill folder {}: {e}",
                path.display()
            ))
        })?;
        Ok(SpillDir { path })
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Remove the working folders (`query-<pid>-*`, `upload-<pid>-*`) whose process is gone (killed
/// mid-query or mid-upload). Only where `/proc` tells which processes live; elsewhere they stay
/// until removed by hand.
pub(crate) fn remove_stale_spill_dirs(root: &std::path::Path) {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.split_once('-'))
            .filter(|(kind, _)| KINDS.contains(kind))
            .and_then(|(_, rest)| rest.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_folders_of_dead_processes_are_swept() {
        let root = tempfile::tempdir().unwrap();
        let me = std::process::id();
        // No process has this id (Linux's pid_max is at most 2^22).
        let dead = 999_999_999u32;
        let names = [
            format!("query-{dead}-1"),
            format!("upload-{dead}-abc"),
            format!("query-{me}-2"),
            format!("upload-{me}-def"),
            "other-1-2".to_string(),
            "notes".to_string(),
        ];
        for n in &names {
            std::fs::create_dir_all(root.path().join(n)).unwrap();
        }
        remove_stale_spill_dirs(root.path());
        let mut left: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut expected = vec![
            format!("query-{me}-2"),
            format!("upload-{me}-def"),
            "other-1-2".to_string(),
            "notes".to_string(),
        ];
        expected.sort();
        assert_eq!(left, expected);
    }
}
