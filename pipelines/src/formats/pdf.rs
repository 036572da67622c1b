//! Text lines of a PDF, page by page (pdf-extract, over lopdf). Tables published as PDF (NCMEC's
//! reports by country) are parsed from these lines by their adapter.
//!
//! The libraries inflate every stream whole and recurse on nested objects, and panic on some
//! damaged files, so the reader looks at the bytes first ([`check_streams`]): the Flate streams
//! (also under ASCII85) are inflated with a budget ([`MAX_PDF_INFLATED_BYTES`] in all) and the
//! text-like ones are scanned for nesting deeper than [`MAX_PDF_NESTING`]; LZW streams, whose
//! size cannot be bounded that way, are refused. Bytes after the last `%%EOF` (junk appended by
//! a mail gateway or a bad download) are ignored. Extraction then runs under
//! [`catch_quietly`]: a panic inside the library is a refusal naming the file, and prints nothing.

use std::io::Read;

use super::quiet::catch_quietly;
use super::Position;
use crate::error::{PipelineError, Result};
use crate::limits::{MAX_PDF_INFLATED_BYTES, MAX_PDF_NESTING};
use crate::source::RawFile;
use crate::source::ReadRaw;

/// One non-empty text line with its page and line number.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfLine {
    pub position: Position,
    pub text: String,
}

pub fn lines(file: &RawFile) -> Result<Vec<PdfLine>> {
    let bytes = file.bytes()?;
    if bytes.is_empty() {
        return Err(PipelineError::Empty {
            file: file.name.clone(),
            detail: None,
        });
    }
    if !bytes.starts_with(b"%PDF") {
        return Err(PipelineError::parse(
            &file.name,
            "byte 0",
            "not a PDF (no %PDF header)",
        ));
    }
    let (body, junk) = without_trailing_junk(&bytes);
    check_streams(body)
        .map_err(|(at, detail)| PipelineError::parse(&file.name, format!("byte {at}"), detail))?;
    let after_eof = if junk > 0 {
        format!(" ({junk} bytes after %%EOF were ignored)")
    } else {
        String::new()
    };
    let pages = catch_quietly(|| pdf_extract::extract_text_from_mem_by_pages(body))
        .map_err(|panic| {
            tracing::debug!(file = %file.name, %panic, "the PDF library panicked");
            PipelineError::parse(
                &file.name,
                "the document",
                format!("damaged PDF (the PDF library gave up on it){after_eof}"),
            )
        })?
        .map_err(|e| {
            PipelineError::parse(
                &file.name,
                "the document",
                format!("not a readable PDF (truncated or damaged?): {e}{after_eof}"),
            )
        })?;
    let mut out = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        let mut n = 0u32;
        for line in page.lines() {
            let text = line.trim();
            if text.is_empty() {
                continue;
            }
            n += 1;
            out.push(PdfLine {
                position: Position::Page {
                    page: p as u32 + 1,
                    line: n,
                },
                text: text.to_string(),
            });
        }
    }
    Ok(out)
}

/// The file up to its last `%%EOF` line, and how many bytes other than white space followed it
/// (0 when nothing did, or when there is no `%%EOF` at all: a truncated file, left to the
/// library to refuse).
fn without_trailing_junk(bytes: &[u8]) -> (&[u8], usize) {
    let Some(at) = memchr::memmem::rfind(bytes, b"%%EOF") else {
        return (bytes, 0);
    };
    let end = at + 5;
    let rest = &bytes[end..];
    if rest.iter().all(|b| b.is_ascii_whitespace()) {
        (bytes, 0)
    } else {
        (&bytes[..end], rest.len())
    }
}

/// Where a stream refused, and why.
type Refusal = (usize, String);

/// Inflate every stream's data within the budget and scan the text-like ones (and the objects
/// between streams) for nesting; refuse LZW streams.
fn check_streams(body: &[u8]) -> std::result::Result<(), Refusal> {
    if let Some(at) = memchr::memmem::find(body, b"/LZWDecode") {
        return Err((
            at,
            "an LZWDecode stream: Marsad reads PDFs whose streams are Flate-compressed \
             (an LZW stream's size cannot be bounded before it is decoded)"
                .into(),
        ));
    }
    let mut budget = MAX_PDF_INFLATED_BYTES;
    let mut objects_from = 0;
    for keyword in memchr::memmem::find_iter(body, b"stream") {
        if keyword < objects_from || body[..keyword].ends_with(b"end") {
            continue;
        }
        let mut start = keyword + 6;
        if body.get(start) == Some(&b'\r') {
            start += 1;
        }
        if body.get(start) != Some(&b'\n') {
            continue;
        }
        start += 1;
        nesting(&body[objects_from..keyword], objects_from)?;
        let end = memchr::memmem::find(&body[start..], b"endstream")
            .map(|e| start + e)
            .unwrap_or(body.len());
        inflate_and_scan(&body[start..end], start, &mut budget)?;
        objects_from = end;
    }
    nesting(&body[objects_from..], objects_from)
}

/// Inflate one stream's data (Flate, possibly under ASCII85) counting the bytes against
/// `budget`; scan its text for nesting if it reads as text. Data that is neither is left alone
/// (images, fonts, uncompressed streams: the library does not inflate them).
fn inflate_and_scan(data: &[u8], at: usize, budget: &mut u64) -> std::result::Result<(), Refusal> {
    let decoded;
    let zlib = if is_zlib(data) {
        data
    } else if let Some(bytes) = ascii85(data).filter(|d| is_zlib(d)) {
        decoded = bytes;
        &decoded
    } else if looks_like_text(data) {
        // An uncompressed content stream.
        return match Nesting::default().feed(data) {
            Some(depth) => Err((at, content_too_deep(depth))),
            None => Ok(()),
        };
    } else {
        return Ok(());
    };
    let mut inflater = flate2::read::ZlibDecoder::new(zlib);
    let mut buf = vec![0u8; 64 << 10];
    let mut scan: Option<Nesting> = None;
    let mut first = true;
    let mut total = 0u64;
    loop {
        let n = match inflater.read(&mut buf) {
            Ok(0) | Err(_) => return Ok(()),
            Ok(n) => n,
        };
        total += n as u64;
        if total > *budget {
            return Err((
                at,
                format!(
                    "the PDF's compressed streams inflate to more than {} MiB (the limit): \
                     a decompression bomb, or not an agency table",
                    MAX_PDF_INFLATED_BYTES >> 20
                ),
            ));
        }
        let chunk = &buf[..n];
        if first {
            first = false;
            if looks_like_text(chunk) {
                scan = Some(Nesting::default());
            }
        }
        if let Some(scan) = &mut scan {
            if let Some(depth) = scan.feed(chunk) {
                return Err((at, content_too_deep(depth)));
            }
        }
        *budget -= n as u64;
    }
}

/// Whether the first 4 KiB of `data` are (95% or more) printable ASCII or white space: a
/// content stream rather than an image or a font.
fn looks_like_text(data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    let text = head
        .iter()
        .filter(|&&b| b.is_ascii_graphic() || b.is_ascii_whitespace())
        .count();
    text * 100 >= head.len() * 95
}

fn content_too_deep(depth: usize) -> String {
    format!(
        "a content stream nests arrays or dictionaries {depth} deep (the limit is {MAX_PDF_NESTING})"
    )
}

/// Nesting of the objects between streams.
fn nesting(text: &[u8], at: usize) -> std::result::Result<(), Refusal> {
    match Nesting::default().feed(text) {
        Some(depth) => Err((
            at,
            format!(
                "objects nest arrays or dictionaries {depth} deep (the limit is {MAX_PDF_NESTING})"
            ),
        )),
        None => Ok(()),
    }
}

/// A zlib header: deflate method, and the check bits right.
fn is_zlib(data: &[u8]) -> bool {
    matches!(data, [a, b, ..] if a & 0x0F == 8 && (u16::from(*a) << 8 | u16::from(*b)) % 31 == 0)
}

/// ASCII85 data up to `~>` decoded, or `None` if `data` is not ASCII85. Output is at most 4
/// bytes per input byte (`z`), so this is bounded by the file.
fn ascii85(data: &[u8]) -> Option<Vec<u8>> {
    let end = memchr::memmem::find(data, b"~>")?;
    let mut out = Vec::with_capacity(end);
    let mut group = [0u8; 5];
    let mut n = 0;
    for &b in &data[..end] {
        match b {
            b'z' if n == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[n] = b - b'!';
                n += 1;
                if n == 5 {
                    let v = group.iter().fold(0u64, |v, &d| v * 85 + u64::from(d));
                    out.extend_from_slice(&(u32::try_from(v).ok()?).to_be_bytes());
                    n = 0;
                }
            }
            b if b.is_ascii_whitespace() => {}
            _ => return None,
        }
    }
    if n > 0 {
        for d in group.iter_mut().skip(n) {
            *d = 84;
        }
        let v = group.iter().fold(0u64, |v, &d| v * 85 + u64::from(d));
        out.extend_from_slice(&(u32::try_from(v).ok()?).to_be_bytes()[..n - 1]);
    }
    Some(out)
}

/// Depth of `[`…`]` and `<<`…`>>` in PDF syntax, fed in pieces: strings `(…)` (nested, with
/// `\` escapes), hex strings `<…>` and comments are skipped.
#[derive(Default)]
struct Nesting {
    depth: usize,
    /// Open parentheses of the literal string being read (0: not in a string).
    string: usize,
    escape: bool,
    comment: bool,
    hex: bool,
    /// The previous byte was a `<` (or `>`) that may start `<<` (or end `>>`).
    angle: Option<u8>,
}

impl Nesting {
    /// Returns the depth reached if it passes the limit.
    fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        for &b in bytes {
            if self.string > 0 {
                match (self.escape, b) {
                    (true, _) => self.escape = false,
                    (false, b'\\') => self.escape = true,
                    (false, b'(') => self.string += 1,
                    (false, b')') => self.string -= 1,
                    _ => {}
                }
                continue;
            }
            if self.comment {
                self.comment = !matches!(b, b'\n' | b'\r');
                continue;
            }
            if self.hex {
                self.hex = b != b'>';
                continue;
            }
            match (self.angle.take(), b) {
                (Some(b'<'), b'<') => self.depth += 1,
                (Some(b'<'), _) => {
                    // A hex string started at the previous `<`.
                    self.hex = b != b'>';
                    continue;
                }
                (Some(b'>'), b'>') => self.depth = self.depth.saturating_sub(1),
                (_, b'<') | (_, b'>') => self.angle = Some(b),
                (_, b'[') => self.depth += 1,
                (_, b']') => self.depth = self.depth.saturating_sub(1),
                (_, b'(') => self.string = 1,
                (_, b'%') => self.comment = true,
                _ => {}
            }
            if self.depth > MAX_PDF_NESTING {
                return Some(self.depth);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_skips_strings_hex_and_comments() {
        let mut n = Nesting::default();
        assert_eq!(n.feed(b"<< /A [1 (x[[[) <5B5B> % [[[\n] >>"), None);
        assert_eq!(n.depth, 0);
        let deep: Vec<u8> = std::iter::repeat_n(b'[', MAX_PDF_NESTING + 1).collect();
        assert_eq!(Nesting::default().feed(&deep), Some(MAX_PDF_NESTING + 1));
        let dicts = b"<<".repeat(MAX_PDF_NESTING + 1);
        assert_eq!(Nesting::default().feed(&dicts), Some(MAX_PDF_NESTING + 1));
    }

    #[test]
    fn ascii85_decodes() {
        // "Man " and "sure" in ASCII85, then a partial group.
        assert_eq!(ascii85(b"9jqo^F*2M7~>").unwrap(), b"Man sure");
        assert_eq!(ascii85(b"z~>").unwrap(), vec![0; 4]);
        assert_eq!(
            ascii85(b"9jqo^BlbD-BleB1DJ+*+F(f,q~>").unwrap(),
            b"Man is distinguished"
        );
        assert!(ascii85(b"\x01\x02").is_none());
    }

    #[test]
    fn junk_after_eof_is_cut() {
        assert_eq!(
            without_trailing_junk(b"%PDF x %%EOF\n"),
            (&b"%PDF x %%EOF\n"[..], 0)
        );
        assert_eq!(
            without_trailing_junk(b"%PDF x %%EOF\nGARBAGE"),
            (&b"%PDF x %%EOF"[..], 8)
        );
    }
}
