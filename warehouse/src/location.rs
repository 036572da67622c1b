//! The data directory. A plain path (`./marsad-data`) becomes a `file://` URL; anything with a
//! scheme (`memory:///`, `s3://bucket/prefix`) is used as given, with object-store options from
//! the environment (delta-rs reads `AWS_*` and friends). Every table and raw file is addressed
//! relative to this root, so nothing below depends on the local filesystem.

use std::collections::HashMap;

use url::Url;

use crate::error::{Result, WarehouseError};

/// Default data directory when neither `--data-dir` nor `MARSAD_DATA_DIR` is given.
pub const DEFAULT_DATA_DIR: &str = "./marsad-data";
/// Environment variable naming the data directory.
pub const DATA_DIR_ENV: &str = "MARSAD_DATA_DIR";

#[derive(Debug, Clone)]
pub struct Location {
    root: Url,
    options: HashMap<String, String>,
}

impl Location {
    /// Parse a path or URL. Creates nothing: a local directory that does not exist yet is made
    /// absolute as written (the warehouse creates it when it creates its tables).
    pub fn parse(spec: &str) -> Result<Self> {
        let err = |detail: String| WarehouseError::Location {
            location: spec.to_string(),
            detail,
        };
        let mut root = if spec.contains("://") {
            Url::parse(spec).map_err(|e| err(e.to_string()))?
        } else {
            let path = std::path::Path::new(spec);
            let abs = match path.canonicalize() {
                Ok(abs) => abs,
                Err(_) => {
                    std::path::absolute(path).map_err(|e| err(format!("cannot resolve it: {e}")))?
                }
            };
            Url::from_directory_path(&abs).map_err(|_| err("not an absolute path".into()))?
        };
        if !root.path().ends_with('/') {
            let p = format!("{}/", root.path());
            root.set_path(&p);
        }
        Ok(Location {
            root,
            options: HashMap::new(),
        })
    }

    pub fn with_options(mut self, options: HashMap<String, String>) -> Self {
        self.options = options;
        self
    }

    pub fn root(&self) -> &Url {
        &self.root
    }

    pub fn options(&self) -> &HashMap<String, String> {
        &self.options
    }

    /// The object store at the root of the data directory (a local folder is one too): what the
    /// warehouse lists, reads or writes besides Delta's own operations goes through it, so the
    /// same code runs on a local folder and on S3.
    pub fn store(&self) -> Result<deltalake::logstore::ObjectStoreRef> {
        deltalake::logstore::store_for(&self.root, self.options.clone()).map_err(|e| {
            WarehouseError::Location {
                location: self.to_string(),
                detail: format!("cannot open its object store: {e}"),
            }
        })
    }

    /// The local directory, when the data directory is on this machine's filesystem.
    pub fn local_dir(&self) -> Option<std::path::PathBuf> {
        (self.root.scheme() == "file")
            .then(|| self.root.to_file_path().ok())
            .flatten()
    }

    /// URL of a table (`staging.pmp_cases` → `<root>/staging/pmp_cases/`).
    pub fn table_url(&self, table: &str) -> Result<Url> {
        let rel = format!("{}/", table.replace('.', "/"));
        self.root.join(&rel).map_err(|e| WarehouseError::Location {
            location: self.root.to_string(),
            detail: format!("bad table name `{table}`: {e}"),
        })
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.local_dir() {
            Some(dir) => write!(f, "{}", dir.display()),
            None => write!(f, "{}", self.root),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_and_urls() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(dir.path().join("wh").to_str().unwrap()).unwrap();
        assert_eq!(loc.root().scheme(), "file");
        assert!(loc
            .table_url("staging.pmp_cases")
            .unwrap()
            .path()
            .ends_with("/wh/staging/pmp_cases/"));
        let mem = Location::parse("memory:///marsad").unwrap();
        assert_eq!(
            mem.table_url("registry.snapshots").unwrap().as_str(),
            "memory:///marsad/registry/snapshots/"
        );
        assert!(mem.local_dir().is_none());
    }
}
