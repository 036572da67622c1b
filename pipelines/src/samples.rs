//! The sample manifest, `data-samples/samples.toml`: which feed each sample file belongs to, in
//! the order they are ingested (one snapshot per entry). Read here once for every caller (the
//! CLI's `ingest --samples`, `demo` and `serve`, and the tests that load a demo warehouse).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{PipelineError, Result};
use crate::feeds::Feed;

/// The manifest's file name inside a samples folder.
pub const MANIFEST: &str = "samples.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    sample: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    feed: String,
    files: Vec<String>,
}

/// One entry of the manifest: a feed and its files (paths inside the samples folder).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub feed: Feed,
    pub files: Vec<PathBuf>,
}

/// The entries of `<dir>/samples.toml`, in order; an unknown feed or key is an error naming it.
pub fn read(dir: &Path) -> Result<Vec<Sample>> {
    let path = dir.join(MANIFEST);
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|cause| PipelineError::Io {
        file: file.clone(),
        cause,
    })?;
    let manifest: Manifest = toml::from_str(&text).map_err(|e| {
        PipelineError::Config(format!(
            "{file} is not a valid sample manifest: {}",
            e.message()
        ))
    })?;
    manifest
        .sample
        .into_iter()
        .map(|e| {
            Ok(Sample {
                feed: Feed::from_name(&e.feed)?,
                files: e.files.iter().map(|f| dir.join(f)).collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_manifest_names_every_feed_in_order() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data-samples"));
        let samples = read(dir).unwrap();
        let mut feeds: Vec<&str> = samples.iter().map(|s| s.feed.name()).collect();
        feeds.dedup();
        let mut all: Vec<&str> = Feed::ALL.iter().map(|f| f.name()).collect();
        all.sort();
        let mut seen = feeds.clone();
        seen.sort();
        seen.dedup();
        assert_eq!(seen, all, "every feed has a sample");
        assert!(samples.iter().all(|s| s.files.iter().all(|f| f.is_file())));
    }

    #[test]
    fn an_unknown_feed_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(MANIFEST),
            "[[sample]]\nfeed = \"no-such-feed\"\nfiles = [\"a.csv\"]\n",
        )
        .unwrap();
        let err = read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("unknown feed `no-such-feed`"), "{err}");
    }
}
