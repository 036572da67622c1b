//! A raw feed file as it arrived: its path, size, sha256 and how its text is encoded. The hash is
//! computed in one streaming pass (so a 2 GB referral export is never held in memory) and names
//! the file everywhere after: in the raw-file registry, in lineage columns and in quarantine rows.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use encoding_rs::{Encoding, UTF_8, WINDOWS_1256};
use sha2::{Digest, Sha256};

use crate::error::{PipelineError, Result};

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
    pub fn encoding(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => UTF_8,
            TextEncoding::Windows1256 => WINDOWS_1256,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with BOM",
            TextEncoding::Windows1256 => "Windows-1256",
        }
    }
}

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
}

impl RawFile {
    /// Hash and sniff a file in one pass.
    pub fn open(path: &Path) -> Result<Self> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let io = |source| PipelineError::Io {
            file: name.clone(),
            cause: source,
        };
        let mut reader = File::open(path).map_err(io)?;
        let mut hasher = Sha256::new();
        let mut utf8 = Utf8Check::default();
        let mut buf = vec![0u8; 4 << 20];
        let mut len = 0u64;
        let mut first_nul = None;
        let mut head = Vec::new();
        loop {
            let n = reader.read(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            let chunk = &buf[..n];
            hasher.update(chunk);
            if first_nul.is_none() {
                if let Some(i) = memchr::memchr(0, chunk) {
                    first_nul = Some(len + i as u64);
                }
            }
            if head.len() < 3 {
                head.extend_from_slice(&chunk[..chunk.len().min(3)]);
            }
            utf8.feed(chunk);
            len += n as u64;
        }
        let encoding = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            TextEncoding::Utf8Bom
        } else if utf8.finish() {
            TextEncoding::Utf8
        } else {
            TextEncoding::Windows1256
        };
        Ok(RawFile {
            name,
            path: path.to_path_buf(),
            len,
            sha256: hex::encode(hasher.finalize()),
            encoding,
            first_nul,
        })
    }

    /// Lower-case file extension (`csv`, `xlsx`, `pdf`, `jsonl`, …).
    pub fn extension(&self) -> String {
        Path::new(&self.name)
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default()
    }

    /// The whole file in memory (XLSX and PDF readers need random access; they are small).
    pub fn bytes(&self) -> Result<Vec<u8>> {
        std::fs::read(&self.path).map_err(|source| PipelineError::Io {
            file: self.name.clone(),
            cause: source,
        })
    }

    /// The file as a stream of UTF-8 text, BOM removed, Windows-1256 transcoded.
    /// Refuses binary content (NUL bytes) up front.
    pub fn text_reader(&self) -> Result<Box<dyn Read + Send>> {
        if self.len == 0 {
            return Err(PipelineError::Empty {
                file: self.name.clone(),
                detail: None,
            });
        }
        if let Some(offset) = self.first_nul {
            return Err(PipelineError::Undecodable {
                file: self.name.clone(),
                position: format!("byte {offset}"),
                detail: "a NUL byte: this is not a text file (UTF-8 or Windows-1256 expected)"
                    .into(),
            });
        }
        let file = File::open(&self.path).map_err(|source| PipelineError::Io {
            file: self.name.clone(),
            cause: source,
        })?;
        match self.encoding {
            // `open` read every byte as UTF-8: pass them through, past the BOM.
            TextEncoding::Utf8 => Ok(Box::new(file)),
            TextEncoding::Utf8Bom => {
                let mut file = file;
                let mut bom = [0u8; 3];
                file.read_exact(&mut bom)
                    .map_err(|source| PipelineError::Io {
                        file: self.name.clone(),
                        cause: source,
                    })?;
                Ok(Box::new(file))
            }
            TextEncoding::Windows1256 => Ok(Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(self.encoding.encoding()))
                    .bom_override(true)
                    .strip_bom(true)
                    .build(BufReader::with_capacity(1 << 20, file)),
            )),
        }
    }
}

/// Streaming UTF-8 validation across chunk boundaries.
#[derive(Default)]
struct Utf8Check {
    carry: Vec<u8>,
    invalid: bool,
}

impl Utf8Check {
    fn feed(&mut self, chunk: &[u8]) {
        if self.invalid {
            return;
        }
        let data: std::borrow::Cow<[u8]> = if self.carry.is_empty() {
            chunk.into()
        } else {
            let mut v = std::mem::take(&mut self.carry);
            v.extend_from_slice(chunk);
            v.into()
        };
        // encoding_rs's validator (SIMD over ASCII runs) finds where valid UTF-8 stops; a short
        // tail that is the start of a character continues in the next chunk.
        let valid = Encoding::utf8_valid_up_to(&data);
        let tail = &data[valid..];
        if tail.is_empty() {
            return;
        }
        match std::str::from_utf8(tail) {
            Err(e) if e.valid_up_to() == 0 && e.error_len().is_none() => self.carry = tail.to_vec(),
            _ => self.invalid = true,
        }
    }
    fn finish(self) -> bool {
        !self.invalid && self.carry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(bytes: &[u8], name: &str) -> (tempfile::TempDir, RawFile) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(bytes)
            .unwrap();
        let raw = RawFile::open(&path).unwrap();
        (dir, raw)
    }

    #[test]
    fn sniffs_encodings_and_hashes() {
        let (_d, f) = file("année;cas\n2021;19\n".as_bytes(), "a.csv");
        assert_eq!(f.encoding, TextEncoding::Utf8);
        assert_eq!(f.len, 19);
        let (_d, f) = file(b"", "e.csv");
        assert_eq!(
            f.sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let (_d, f) = file(b"\xEF\xBB\xBFyear\n", "b.csv");
        assert_eq!(f.encoding, TextEncoding::Utf8Bom);
        // "السنة" in Windows-1256
        let (_d, f) = file(b"\xC7\xE1\xD3\xE4\xC9\n2021\n", "c.csv");
        assert_eq!(f.encoding, TextEncoding::Windows1256);
        let mut text = String::new();
        f.text_reader().unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "السنة\n2021\n");
    }

    #[test]
    fn utf8_split_across_chunks_is_still_utf8() {
        let mut c = Utf8Check::default();
        let s = "é".as_bytes();
        c.feed(&s[..1]);
        c.feed(&s[1..]);
        assert!(c.finish());
    }

    #[test]
    fn nul_bytes_are_refused_with_offset() {
        let (_d, f) = file(b"year\n20\x0021\n", "bin.csv");
        let err = f.text_reader().err().unwrap().to_string();
        assert!(err.contains("bin.csv") && err.contains("byte 7"), "{err}");
    }
}
