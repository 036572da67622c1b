//! A raw feed file as it arrived, described: its name, path, size, sha256 and how its text is
//! encoded. The pipelines fill it in one streaming pass over the bytes (`RawFile::open` there:
//! this crate does no I/O); the hash names the file everywhere after, in the raw-file registry,
//! the archive, lineage columns and quarantine rows.

use std::path::{Path, PathBuf};

/// Text encodings Marsad accepts for CSV and JSON Lines feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// Windows-1256 (Arabic Windows), what older Excel versions save.
    Windows1256,
}

impl TextEncoding {
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with BOM",
            TextEncoding::Windows1256 => "Windows-1256",
        }
    }
}

/// A feed file: what it is called, where it is, its size and sha256, and how its text reads.
#[derive(Debug, Clone)]
pub struct RawFile {
    /// The name the file arrived with (no directories), as reports show it.
    pub name: String,
    pub path: PathBuf,
    pub len: u64,
    /// Lower-case hex sha256 of the bytes.
    pub sha256: String,
    /// How the bytes read as text (meaningful for CSV and JSON Lines only).
    pub encoding: TextEncoding,
    /// Byte offset of the first NUL byte, if any: text files never have one.
    pub first_nul: Option<u64>,
    /// For a file read as UTF-8: how many byte sequences are not UTF-8 (each read as U+FFFD),
    /// and the offset of the first. `(0, None)` for clean files and Windows-1256 files.
    pub invalid_utf8: (u64, Option<u64>),
    /// The last byte is a line feed (or the file is empty).
    pub ends_with_newline: bool,
}

impl RawFile {
    /// Lower-case file extension (`csv`, `xlsx`, `pdf`, `jsonl`, …).
    pub fn extension(&self) -> String {
        Path::new(&self.name)
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default()
    }
}
