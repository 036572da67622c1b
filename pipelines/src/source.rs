//! A raw feed file as it arrived: its path, size, sha256 and how its text is encoded. The hash is
//! computed in one streaming pass (so a 2 GB referral export is never held in memory) and names
//! the file everywhere after: in the raw-file registry, in lineage columns and in quarantine rows.
//!
//! The encoding is decided in the same pass from the evidence of the whole file, not from its
//! first bad byte: the valid multi-byte UTF-8 characters are counted against the byte sequences
//! that are not UTF-8. A file with more (or as many) valid characters than invalid sequences is
//! UTF-8 with damaged bytes — read as UTF-8, the damaged bytes becoming U+FFFD, so the cells
//! that hold them are quarantined by the adapters (see `formats::RowCheck`) — and only a file
//! whose non-ASCII bytes are mostly not UTF-8 is read as Windows-1256.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1256};
use sha2::{Digest, Sha256};

pub use marsad_model::raw_file::{RawFile, TextEncoding};

use crate::error::{PipelineError, Result};

/// The decoder of a [`TextEncoding`].
pub trait Decoder {
    fn encoding(self) -> &'static Encoding;
}

impl Decoder for TextEncoding {
    fn encoding(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => UTF_8,
            TextEncoding::Windows1256 => WINDOWS_1256,
        }
    }
}

/// Reading a [`RawFile`]: hashing and sniffing it, and its bytes or text. A trait because the
/// description lives in the model, which does no I/O.
pub trait ReadRaw: Sized {
    /// Hash and sniff a file in one pass.
    fn open(path: &Path) -> Result<Self>;
    /// The whole file in memory (XLSX and PDF readers need random access; they are small).
    fn bytes(&self) -> Result<Vec<u8>>;
    /// The file as a stream of UTF-8 text, BOM removed, Windows-1256 transcoded.
    /// Refuses binary content (NUL bytes) up front.
    fn text_reader(&self) -> Result<Box<dyn Read + Send>>;
}

impl ReadRaw for RawFile {
    fn open(path: &Path) -> Result<Self> {
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
        let mut last = None;
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
            utf8.feed(chunk, len);
            last = chunk.last().copied();
            len += n as u64;
        }
        let evidence = utf8.finish();
        let bom = head.starts_with(&[0xEF, 0xBB, 0xBF]);
        let (encoding, invalid_utf8) = if bom {
            (
                TextEncoding::Utf8Bom,
                (evidence.invalid, evidence.first_invalid),
            )
        } else if evidence.invalid == 0 || evidence.multibyte >= evidence.invalid {
            (
                TextEncoding::Utf8,
                (evidence.invalid, evidence.first_invalid),
            )
        } else {
            (TextEncoding::Windows1256, (0, None))
        };
        Ok(RawFile {
            name,
            path: path.to_path_buf(),
            len,
            sha256: hex::encode(hasher.finalize()),
            encoding,
            first_nul,
            invalid_utf8,
            ends_with_newline: last.is_none_or(|b| b == b'\n'),
        })
    }

    fn bytes(&self) -> Result<Vec<u8>> {
        std::fs::read(&self.path).map_err(|source| PipelineError::Io {
            file: self.name.clone(),
            cause: source,
        })
    }

    fn text_reader(&self) -> Result<Box<dyn Read + Send>> {
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
            // Damaged UTF-8: every invalid sequence becomes U+FFFD (the adapters quarantine
            // the cells that hold one).
            TextEncoding::Utf8 | TextEncoding::Utf8Bom if self.invalid_utf8.0 > 0 => Ok(Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(UTF_8))
                    .bom_override(true)
                    .strip_bom(true)
                    .build(BufReader::with_capacity(1 << 20, file)),
            )),
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

/// Streaming UTF-8 evidence across chunk boundaries: valid multi-byte characters and invalid
/// sequences, counted.
#[derive(Default)]
struct Utf8Check {
    carry: Vec<u8>,
    /// File offset of `carry`'s first byte.
    carry_at: u64,
    multibyte: u64,
    invalid: u64,
    first_invalid: Option<u64>,
}

/// What [`Utf8Check`] found.
struct Utf8Evidence {
    multibyte: u64,
    invalid: u64,
    first_invalid: Option<u64>,
}

impl Utf8Check {
    /// Feed the next `chunk`, which starts at file offset `at`.
    fn feed(&mut self, chunk: &[u8], at: u64) {
        let (data, mut offset): (std::borrow::Cow<[u8]>, u64) = if self.carry.is_empty() {
            (chunk.into(), at)
        } else {
            let mut v = std::mem::take(&mut self.carry);
            v.extend_from_slice(chunk);
            (v.into(), self.carry_at)
        };
        let mut data: &[u8] = &data;
        loop {
            // encoding_rs's validator (SIMD over ASCII runs) finds where valid UTF-8 stops.
            let valid = Encoding::utf8_valid_up_to(data);
            // Lead bytes of multi-byte characters (never ASCII, never continuation bytes).
            self.multibyte += data[..valid].iter().filter(|&&b| b >= 0xC0).count() as u64;
            let tail = &data[valid..];
            if tail.is_empty() {
                return;
            }
            match std::str::from_utf8(tail) {
                // The start of a character that continues in the next chunk.
                Err(e) if e.error_len().is_none() => {
                    self.carry = tail.to_vec();
                    self.carry_at = offset + valid as u64;
                    return;
                }
                Err(e) => {
                    let bad = e.error_len().unwrap_or(1);
                    self.invalid += 1;
                    self.first_invalid.get_or_insert(offset + valid as u64);
                    data = &tail[bad..];
                    offset += (valid + bad) as u64;
                }
                Ok(_) => return,
            }
        }
    }
    fn finish(mut self) -> Utf8Evidence {
        // A character cut off by the end of the file.
        if !self.carry.is_empty() {
            self.invalid += 1;
            self.first_invalid.get_or_insert(self.carry_at);
        }
        Utf8Evidence {
            multibyte: self.multibyte,
            invalid: self.invalid,
            first_invalid: self.first_invalid,
        }
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
        c.feed(&s[..1], 0);
        c.feed(&s[1..], 1);
        let e = c.finish();
        assert_eq!((e.multibyte, e.invalid), (1, 0));
    }

    #[test]
    fn nul_bytes_are_refused_with_offset() {
        let (_d, f) = file(b"year\n20\x0021\n", "bin.csv");
        let err = f.text_reader().err().unwrap().to_string();
        assert!(err.contains("bin.csv") && err.contains("byte 7"), "{err}");
    }

    /// One bad byte in a UTF-8 file full of accented names keeps it UTF-8: the byte reads as
    /// U+FFFD and its offset is kept; a file whose non-ASCII bytes are mostly not UTF-8 is
    /// Windows-1256.
    #[test]
    fn encoding_is_decided_by_the_evidence() {
        let mut bytes = "région;cas\nCasablanca-Settat;1\nFès-Meknès;2\nBéni Mellal-Khénifra;3\n"
            .as_bytes()
            .to_vec();
        let at = bytes.len() - 2;
        bytes.insert(at, 0xFF);
        let (_d, f) = file(&bytes, "damaged.csv");
        assert_eq!(f.encoding, TextEncoding::Utf8);
        assert_eq!(f.invalid_utf8, (1, Some(at as u64)));
        let mut read = String::new();
        f.text_reader().unwrap().read_to_string(&mut read).unwrap();
        assert!(read.ends_with("Béni Mellal-Khénifra;\u{FFFD}3\n"), "{read}");
        // Windows-1256 Arabic with one accidental valid UTF-8 pair (0xD8 0xA7) among many
        // invalid bytes stays Windows-1256.
        let (_d, f) = file(
            b"\xC7\xE1\xD3\xE4\xC9;\xD8\xA7\n\xC7\xE1\xCC\xE5\xC9;1\n",
            "ar.csv",
        );
        assert_eq!(f.encoding, TextEncoding::Windows1256);
        assert_eq!(f.invalid_utf8, (0, None));
        assert!(!f.ends_with_newline || f.len > 0);
        let (_d, f) = file(b"a;b\n1;2", "cut.csv");
        assert!(!f.ends_with_newline);
    }
}
