//! Delimited text. The delimiter is sniffed from the first non-empty line (`;` is what French
//! Excel writes, `,` elsewhere, tab and `|` also seen); the text is decoded by
//! [`RawFile::text_reader`] (UTF-8 with or without BOM, Windows-1256).
//!
//! The file is cut into [`TextChunk`]s of whole records (a few MiB each, split only where a
//! record ends: a newline outside quotes), each with the line it starts on, so that chunks can
//! be tokenised independently — one after the other by [`rows`], or on every core by an adapter
//! that streams millions of rows (see [`crate::parallel`]). Both read records the same way:
//! [`ChunkRecords`] (csv-core, `"` quoting with doubled quotes, `\n` ends a record and a `\r`
//! before it is dropped, blank lines skipped by callers), so a row has the same cells and the
//! same line whichever path read it.
//!
//! A damaged file is refused where it breaks, not read on: a record longer than
//! [`MAX_RECORD_BYTES`] (a missing line end, or a quote that never closes) is refused at the
//! line it starts on (or where the quote opened), a quote still open at the end of the file is
//! refused at the line it opened on, and a file whose lines end with CR only (classic Mac OS) is
//! refused as such rather than read as one long line.

use std::io::Read;

use super::{Position, Record, Rows};
use crate::error::{PipelineError, Result};
use crate::limits::MAX_RECORD_BYTES;
use crate::source::RawFile;
use crate::source::ReadRaw;

/// Bytes per chunk (a chunk grows past this only to finish a record longer than it).
pub const CHUNK_BYTES: usize = 4 << 20;

/// Whole records of a delimited file, decoded to UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextChunk {
    /// 1-based line of the file the chunk starts on.
    pub first_line: u64,
    pub bytes: Vec<u8>,
}

/// A delimited file cut into chunks of whole records.
pub struct Chunks {
    name: String,
    delimiter: u8,
    text: Box<dyn Read + Send>,
    /// Bytes read but not yet handed out (the start of an unfinished record).
    pending: Vec<u8>,
    next_line: u64,
    eof: bool,
    chunk_bytes: usize,
}

impl Chunks {
    /// Open `file` and sniff its delimiter.
    pub fn open(file: &RawFile) -> Result<Chunks> {
        Self::with_chunk_bytes(file, CHUNK_BYTES)
    }

    /// Same, with chunks of about `chunk_bytes` (tests cut tiny chunks to exercise splitting).
    pub fn with_chunk_bytes(file: &RawFile, chunk_bytes: usize) -> Result<Chunks> {
        let mut text = file.text_reader()?;
        // A reader may hand out its first bytes in small pieces (the Windows-1256 decoder
        // does), so read a head long enough for the first line before sniffing.
        let mut head = Vec::new();
        (&mut text)
            .take(SNIFF_BYTES)
            .read_to_end(&mut head)
            .map_err(|e| PipelineError::Undecodable {
                file: file.name.clone(),
                position: "the start of the file".into(),
                detail: e.to_string(),
            })?;
        if memchr::memchr(b'\r', &head).is_some() && memchr::memchr(b'\n', &head).is_none() {
            return Err(PipelineError::parse(
                &file.name,
                Position::Line(1),
                "lines end with CR only (classic Mac OS line ends): save the file again with \
                 LF or CRLF line ends",
            ));
        }
        Ok(Chunks {
            name: file.name.clone(),
            delimiter: sniff_delimiter(&head),
            text,
            pending: head,
            next_line: 1,
            eof: false,
            chunk_bytes: chunk_bytes.max(1),
        })
    }

    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// A tokeniser of this file's records over `chunk`.
    pub fn records<'c>(&'c self, chunk: &'c TextChunk) -> ChunkRecords<'c> {
        ChunkRecords::new(&self.name, self.delimiter, chunk)
    }

    /// The next chunk of whole records, or `None` at the end of the file.
    pub fn next_chunk(&mut self) -> Result<Option<TextChunk>> {
        loop {
            if !self.eof && self.pending.len() < self.chunk_bytes {
                self.fill(self.chunk_bytes)?;
            }
            if self.pending.is_empty() {
                return Ok(None);
            }
            let scan = scan_records(&self.pending, self.delimiter);
            if self.eof {
                if let Some(quote) = scan.open_quote {
                    return Err(PipelineError::parse(
                        &self.name,
                        self.line_at(quote),
                        "a quoted cell opens here and is never closed (an unclosed quote)",
                    ));
                }
                return Ok(Some(self.take(self.pending.len())));
            }
            match scan.last_end {
                Some(cut) => return Ok(Some(self.take(cut))),
                // One record longer than a chunk: read on until it ends, up to the limit.
                None if self.pending.len() > MAX_RECORD_BYTES => {
                    return Err(match scan.open_quote {
                        Some(quote) => PipelineError::parse(
                            &self.name,
                            self.line_at(quote),
                            format!(
                                "a quoted cell opens here and does not close within {} KiB \
                                 (the record limit): an unclosed quote",
                                MAX_RECORD_BYTES >> 10
                            ),
                        ),
                        None => too_long(&self.name, self.next_line),
                    });
                }
                None => {
                    let more = self.pending.len() + self.chunk_bytes;
                    self.fill(more)?;
                }
            }
        }
    }

    /// The first non-blank record (the header row), leaving what follows it for `next_chunk`.
    pub fn header(&mut self) -> Result<Option<Record>> {
        while let Some(chunk) = self.next_chunk()? {
            let mut records = ChunkRecords::new(&self.name, self.delimiter, &chunk);
            while let Some(row) = records.next_record()? {
                if row.is_blank() {
                    continue;
                }
                let record = row.to_record();
                let rest = chunk.bytes[records.consumed()..].to_vec();
                let lines = records.line();
                if !rest.is_empty() {
                    let mut pending = rest;
                    pending.append(&mut self.pending);
                    self.pending = pending;
                    self.next_line = lines;
                }
                return Ok(Some(record));
            }
        }
        Ok(None)
    }

    /// Read until `pending` holds `want` bytes or the file ends.
    fn fill(&mut self, want: usize) -> Result<()> {
        self.pending
            .reserve(want.saturating_sub(self.pending.len()));
        while !self.eof && self.pending.len() < want {
            let missing = (want - self.pending.len()) as u64;
            match (&mut self.text)
                .take(missing)
                .read_to_end(&mut self.pending)
            {
                Ok(n) => self.eof = (n as u64) < missing,
                Err(e) => {
                    let line =
                        self.next_line + memchr::memchr_iter(b'\n', &self.pending).count() as u64;
                    return Err(PipelineError::Undecodable {
                        file: self.name.clone(),
                        position: Position::Line(line).to_string(),
                        detail: e.to_string(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The line of the file at byte `at` of `pending`.
    fn line_at(&self, at: usize) -> Position {
        Position::Line(
            self.next_line + memchr::memchr_iter(b'\n', &self.pending[..at]).count() as u64,
        )
    }

    /// Hand out the first `cut` pending bytes as a chunk.
    fn take(&mut self, cut: usize) -> TextChunk {
        let rest = self.pending.split_off(cut);
        let bytes = std::mem::replace(&mut self.pending, rest);
        let first_line = self.next_line;
        self.next_line += memchr::memchr_iter(b'\n', &bytes).count() as u64;
        TextChunk { first_line, bytes }
    }
}

/// A record longer than the limit, refused at the line it starts on.
fn too_long(name: &str, line: u64) -> PipelineError {
    PipelineError::parse(
        name,
        Position::Line(line),
        format!(
            "a record longer than {} KiB (the limit): a missing line end, or not a table",
            MAX_RECORD_BYTES >> 10
        ),
    )
}

/// Where records end in a run of bytes that starts at a record boundary.
#[derive(Debug, PartialEq, Eq)]
struct Scan {
    /// Just past the last `\n` that ends a record; `None` if no record ends.
    last_end: Option<usize>,
    /// The opening quote of a quoted section still open at the end of the bytes.
    open_quote: Option<usize>,
}

/// Just past the last `\n` of `bytes` that ends a record (is outside quotes), given that `bytes`
/// starts at a record boundary; `None` if no record ends in `bytes`.
#[cfg(test)]
fn last_record_end(bytes: &[u8], delimiter: u8) -> Option<usize> {
    scan_records(bytes, delimiter).last_end
}

/// Scan `bytes` (starting at a record boundary) for record ends and an unclosed quote. Quote
/// rules are csv-core's: a `"` opens a quoted section only at the start of a field, `""` inside
/// it is a quote, and after the closing quote the field goes on unquoted until the delimiter.
fn scan_records(bytes: &[u8], delimiter: u8) -> Scan {
    let mut last = None;
    // Outside quotes from `from`: look for the next quote that opens a quoted section.
    let mut from = 0;
    loop {
        let open = memchr::memchr_iter(b'"', &bytes[from..])
            .map(|i| from + i)
            .find(|&i| i == 0 || bytes[i - 1] == delimiter || bytes[i - 1] == b'\n');
        let stretch_end = open.unwrap_or(bytes.len());
        if let Some(nl) = memchr::memrchr(b'\n', &bytes[from..stretch_end]) {
            last = Some(from + nl + 1);
        }
        let Some(open) = open else {
            return Scan {
                last_end: last,
                open_quote: None,
            };
        };
        // Inside quotes: `""` is a quote, a lone `"` closes the section.
        let mut at = open + 1;
        loop {
            match memchr::memchr(b'"', &bytes[at..]) {
                None => {
                    return Scan {
                        last_end: last,
                        open_quote: Some(open),
                    }
                }
                Some(i) if bytes.get(at + i + 1) == Some(&b'"') => at += i + 2,
                Some(i) => {
                    from = at + i + 1;
                    break;
                }
            }
        }
    }
}

/// Bytes read ahead to sniff the delimiter.
const SNIFF_BYTES: u64 = 64 * 1024;

/// The records of one chunk. The chunk is checked as UTF-8 once. Records in the common shapes
/// (unquoted cells, and quoted cells that end at a delimiter or the end of the line) are split
/// with `memchr`, their cells left in place as ranges of the chunk (a quoted cell with `""` is
/// unquoted into a reused buffer); any other record is handed to csv-core, whose rules both paths
/// follow (a test compares them on random input).
pub struct ChunkRecords<'c> {
    name: &'c str,
    delimiter: u8,
    reader: csv_core::Reader,
    input: &'c [u8],
    /// The chunk up to its first byte that is not UTF-8 (all of it, normally).
    text: &'c str,
    pos: usize,
    /// Line of the file at `pos`.
    line: u64,
    /// Cells that had to be unquoted (or the whole record, read by csv-core).
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// The current record's cells.
    spans: Vec<Span>,
}

/// Where a cell's text is: a byte range of the chunk, or of the tokeniser's buffer.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    buffered: bool,
}

impl<'c> ChunkRecords<'c> {
    pub fn new(name: &'c str, delimiter: u8, chunk: &'c TextChunk) -> Self {
        let input = chunk.bytes.as_slice();
        // encoding_rs checks ASCII runs with SIMD and lends the text without a copy.
        let text =
            match encoding_rs::UTF_8.decode_without_bom_handling_and_without_replacement(input) {
                Some(std::borrow::Cow::Borrowed(text)) => text,
                _ => {
                    let valid = encoding_rs::Encoding::utf8_valid_up_to(input);
                    std::str::from_utf8(&input[..valid]).unwrap_or_default()
                }
            };
        ChunkRecords {
            name,
            delimiter,
            reader: csv_core::ReaderBuilder::new()
                .delimiter(delimiter)
                .terminator(csv_core::Terminator::Any(b'\n'))
                .build(),
            input,
            text,
            pos: 0,
            line: chunk.first_line,
            fields: Vec::with_capacity(1024),
            ends: Vec::with_capacity(64),
            spans: Vec::with_capacity(64),
        }
    }

    /// Bytes of the chunk consumed so far.
    pub fn consumed(&self) -> usize {
        self.pos
    }

    /// The line the next record would start on (before any blank lines).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The next record of the chunk, or `None` at its end.
    pub fn next_record(&mut self) -> Result<Option<CsvRow<'_>>> {
        // Empty lines are no records (as in csv-core).
        while self.input.get(self.pos) == Some(&b'\n') {
            self.pos += 1;
            self.line += 1;
        }
        if self.pos >= self.input.len() {
            return Ok(None);
        }
        let line = self.line;
        let start = self.pos;
        let (consumed, newlines) = match self.split_common() {
            Some(split) => split,
            None => {
                let n = self.split_csv_core();
                let record = &self.input[start..start + n];
                (n, memchr::memchr_iter(b'\n', record).count())
            }
        };
        if consumed > MAX_RECORD_BYTES {
            return Err(too_long(self.name, line));
        }
        self.line += newlines as u64;
        self.pos += consumed;
        let undecodable = |at: usize| PipelineError::Undecodable {
            file: self.name.to_string(),
            position: Position::Line(line).to_string(),
            detail: format!("invalid UTF-8 at byte {at} of the record"),
        };
        if start + consumed > self.text.len() {
            return Err(undecodable(self.text.len().saturating_sub(start)));
        }
        // Unquoting cuts valid text only at ASCII quotes and delimiters.
        let fields = std::str::from_utf8(&self.fields).map_err(|e| undecodable(e.valid_up_to()))?;
        Ok(Some(CsvRow {
            line,
            text: self.text,
            fields,
            spans: &self.spans,
        }))
    }

    /// The record at `pos` if it has a common shape; returns the bytes it takes (its newline
    /// included) and the newlines among them, or `None` to leave it to csv-core.
    fn split_common(&mut self) -> Option<(usize, usize)> {
        let at = self.pos;
        let input = &self.input[at..];
        let d = self.delimiter;
        self.fields.clear();
        self.spans.clear();
        let in_chunk = |start: usize, end: usize| Span {
            start: at + start,
            end: at + end,
            buffered: false,
        };
        let mut newlines = 0;
        let mut i = 0;
        loop {
            if input.get(i) == Some(&b'"') {
                // A quoted cell: up to the lone quote that closes it (`""` is a quote).
                let mut j = i + 1;
                let mut buffered = None;
                let span = loop {
                    let k = j + memchr::memchr(b'"', &input[j..])?;
                    if input.get(k + 1) == Some(&b'"') {
                        buffered.get_or_insert(self.fields.len());
                        self.fields.extend_from_slice(&input[j..=k]);
                        j = k + 2;
                        continue;
                    }
                    let span = match buffered {
                        None => in_chunk(i + 1, k),
                        Some(start) => {
                            self.fields.extend_from_slice(&input[j..k]);
                            Span {
                                start,
                                end: self.fields.len(),
                                buffered: true,
                            }
                        }
                    };
                    newlines += memchr::memchr_iter(b'\n', &input[i + 1..k]).count();
                    i = k + 1;
                    break span;
                };
                self.spans.push(span);
                match input.get(i) {
                    None => return Some((i, newlines)),
                    Some(b'\n') => return Some((i + 1, newlines + 1)),
                    Some(&c) if c == d => i += 1,
                    // Text after the closing quote: csv-core's rules.
                    Some(_) => return None,
                }
            } else {
                match memchr::memchr2(d, b'\n', &input[i..]) {
                    None => {
                        self.spans.push(in_chunk(i, input.len()));
                        return Some((input.len(), newlines));
                    }
                    Some(k) => {
                        self.spans.push(in_chunk(i, i + k));
                        if input[i + k] == b'\n' {
                            return Some((i + k + 1, newlines + 1));
                        }
                        i += k + 1;
                    }
                }
            }
        }
    }

    /// The record at `pos` read by csv-core; returns the bytes it takes.
    fn split_csv_core(&mut self) -> usize {
        self.reader.reset();
        self.fields.resize(self.fields.capacity().max(1024), 0);
        self.ends.resize(self.ends.capacity().max(64), 0);
        let (mut nin, mut out, mut nends) = (0, 0, 0);
        loop {
            // csv-core reads an empty input as the end of the data, where it flushes a last
            // record that has no newline.
            let input = &self.input[self.pos + nin..];
            let (result, n, nout, nend) =
                self.reader
                    .read_record(input, &mut self.fields[out..], &mut self.ends[nends..]);
            nin += n;
            out += nout;
            nends += nend;
            match result {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    let len = self.fields.len();
                    self.fields.resize(len * 2, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let len = self.ends.len();
                    self.ends.resize(len * 2, 0);
                }
                csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::End => break,
            }
        }
        self.fields.truncate(out);
        self.ends.truncate(nends);
        self.spans_from_ends();
        nin
    }

    /// Cell ranges in `fields` from the cells' ends.
    fn spans_from_ends(&mut self) {
        self.spans.clear();
        let mut start = 0;
        for &end in &self.ends {
            self.spans.push(Span {
                start,
                end,
                buffered: true,
            });
            start = end;
        }
    }
}

/// One record of a chunk: its cells, borrowed from the chunk or the tokeniser's buffer.
#[derive(Debug, Clone, Copy)]
pub struct CsvRow<'r> {
    /// 1-based line the record starts on.
    pub line: u64,
    text: &'r str,
    fields: &'r str,
    spans: &'r [Span],
}

impl<'r> CsvRow<'r> {
    pub fn len(&self) -> usize {
        self.spans.len()
    }
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Cell `i` exactly as tokenised; missing cells read as empty.
    fn text_of(&self, i: usize) -> &'r str {
        let Some(span) = self.spans.get(i) else {
            return "";
        };
        let text = if span.buffered {
            self.fields
        } else {
            self.text
        };
        text.get(span.start..span.end).unwrap_or("")
    }

    /// Cell `i` as written (a `\r` ending the record dropped); missing cells read as empty.
    pub fn raw(&self, i: usize) -> &'r str {
        let cell = self.text_of(i);
        if i + 1 == self.spans.len() {
            cell.strip_suffix('\r').unwrap_or(cell)
        } else {
            cell
        }
    }

    /// Cell `i`, trimmed; missing cells read as empty.
    pub fn cell(&self, i: usize) -> &'r str {
        super::trim(self.raw(i))
    }

    pub fn is_blank(&self) -> bool {
        (0..self.len()).all(|i| self.cell(i).is_empty())
    }

    pub fn position(&self) -> Position {
        Position::Line(self.line)
    }

    /// An owned [`Record`] of the cells as written.
    pub fn to_record(&self) -> Record {
        Record {
            position: self.position(),
            cells: (0..self.len()).map(|i| self.raw(i).to_string()).collect(),
        }
    }
}

/// Stream the rows of a delimited file, one chunk after the other.
pub fn rows(file: &RawFile) -> Result<Rows> {
    let chunks = Chunks::open(file)?;
    Ok(Box::new(SequentialRows {
        chunks,
        current: Vec::new().into_iter(),
        done: false,
    }))
}

struct SequentialRows {
    chunks: Chunks,
    current: std::vec::IntoIter<Record>,
    done: bool,
}

impl SequentialRows {
    fn load(&mut self) -> Result<bool> {
        let Some(chunk) = self.chunks.next_chunk()? else {
            return Ok(false);
        };
        let mut records = self.chunks.records(&chunk);
        let mut out = Vec::new();
        while let Some(row) = records.next_record()? {
            out.push(row.to_record());
        }
        self.current = out.into_iter();
        Ok(true)
    }
}

impl Iterator for SequentialRows {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if let Some(r) = self.current.next() {
                return Some(Ok(r));
            }
            match self.load() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// Pick the most frequent delimiter of the first non-empty line of `head`.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let text = String::from_utf8_lossy(head);
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let candidates = [b';', b',', b'\t', b'|'];
    candidates
        .iter()
        .map(|&d| (line.bytes().filter(|&b| b == d).count(), d))
        .max_by_key(|&(n, d)| (n, d == b','))
        .map(|(n, d)| if n == 0 { b',' } else { d })
        .unwrap_or(b',')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn raw(bytes: &[u8]) -> (tempfile::TempDir, RawFile) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::File::create(&path)
            .unwrap()
            .write_all(bytes)
            .unwrap();
        let f = RawFile::open(&path).unwrap();
        (dir, f)
    }

    #[test]
    fn semicolons_bom_and_quoted_newlines() {
        let (_d, f) = raw("\u{feff}Année;Nombre de cas\n2021;19\n\"2022\";\"4\n3\"\n".as_bytes());
        let rows: Vec<Record> = rows(&f).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows[0].cells, vec!["Année", "Nombre de cas"]);
        assert_eq!(rows[1].position, Position::Line(2));
        assert_eq!(rows[2].cells, vec!["2022", "4\n3"]);
        assert_eq!(rows[2].position, Position::Line(3));
    }

    #[test]
    fn commas_with_quoted_thousands() {
        let (_d, f) = raw(b"Country,Reports\nMorocco,\"543,638\"\n");
        let rows: Vec<Record> = rows(&f).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows[1].cells, vec!["Morocco", "543,638"]);
    }

    #[test]
    fn crlf_lines_and_semicolons_without_bom() {
        let (_d, f) = raw(b"Country;Reports\r\nMorocco;\"1,000\"\r\n\r\nSpain;5\r\n");
        let rows: Vec<Record> = rows(&f).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows[0].cells, vec!["Country", "Reports"]);
        assert_eq!(rows[1].cells, vec!["Morocco", "1,000"]);
        assert_eq!(rows[1].position, Position::Line(2));
        let spain = rows.iter().find(|r| r.cell(0) == "Spain").unwrap();
        assert_eq!(spain.position, Position::Line(4));
        assert_eq!(spain.cells, vec!["Spain", "5"]);
    }

    #[test]
    fn last_record_without_newline() {
        let (_d, f) = raw(b"a,b\n1,2\n3,4");
        let rows: Vec<Record> = rows(&f).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].cells, vec!["3", "4"]);
        assert_eq!(rows[2].position, Position::Line(3));
    }

    /// Every record of `f` read in chunks of `size` bytes (the header first, if `header`).
    fn in_chunks(f: &RawFile, size: usize, header: bool) -> Vec<(Position, Vec<String>)> {
        try_in_chunks(f, size, header).unwrap()
    }

    /// The same, or the error that stopped the reading.
    type Read = std::result::Result<Vec<(Position, Vec<String>)>, String>;
    fn try_in_chunks(f: &RawFile, size: usize, header: bool) -> Read {
        let e = |e: PipelineError| e.to_string();
        let mut chunks = Chunks::with_chunk_bytes(f, size).map_err(e)?;
        let mut out = Vec::new();
        if header {
            let h = chunks.header().map_err(e)?.unwrap();
            out.push((h.position, h.cells));
        }
        while let Some(chunk) = chunks.next_chunk().map_err(e)? {
            let mut records = chunks.records(&chunk);
            while let Some(r) = records.next_record().map_err(e)? {
                let r = r.to_record();
                out.push((r.position, r.cells));
            }
        }
        Ok(out)
    }

    /// Every way of cutting a file into chunks reads the same records at the same lines.
    #[test]
    fn tiny_chunks_read_what_one_chunk_reads() {
        let text = "id;note\r\n1;\"a;\"\"b\"\"\nc\"\r\n\r\n2;x\"y\n3;\"\"\n\"4\";\"long\n\nquoted\"\n5;end";
        let (_d, f) = raw(text.as_bytes());
        let read = |size: usize| in_chunks(&f, size, true);
        let whole = read(1 << 20);
        let lines: Vec<u64> = whole
            .iter()
            .map(|(p, _)| match p {
                Position::Line(l) => *l,
                _ => 0,
            })
            .collect();
        assert_eq!(lines, vec![1, 2, 4, 5, 6, 7, 10]);
        assert_eq!(whole[1].1, vec!["1", "a;\"b\"\nc"]);
        assert_eq!(whole[2].1, vec![""]);
        assert_eq!(whole[3].1, vec!["2", "x\"y"]);
        assert_eq!(whole[5].1, vec!["4", "long\n\nquoted"]);
        for size in 1..text.len() + 2 {
            assert_eq!(read(size), whole, "chunks of {size} bytes");
        }
    }

    /// 1 to `max_len - 1` bytes drawn from `alphabet` (the same draws, in the same order, as the
    /// random tests made inline before).
    fn random_text(rng: &mut impl rand::Rng, alphabet: &[u8], max_len: usize) -> Vec<u8> {
        let len = rng.gen_range(1..max_len);
        (0..len)
            .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
            .collect()
    }

    /// Random bytes over the characters that matter to quoting: any cut the splitter chooses is
    /// a record boundary of csv-core, so chunked and whole reads agree.
    #[test]
    fn random_quoting_reads_the_same_in_chunks() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        for _ in 0..150 {
            let mut text = random_text(&mut rng, b"a,\"\n\r;", 60);
            text.insert(0, b'h');
            text.insert(1, b'\n');
            let (_d, f) = raw(&text);
            let read = |size: usize| try_in_chunks(&f, size, false);
            let whole = read(1 << 20);
            for size in [1, 2, 3, 5, 8, 13] {
                assert_eq!(
                    read(size),
                    whole,
                    "{:?} in chunks of {size}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }

    /// The memchr path and csv-core (through the csv crate) read random text the same way.
    #[test]
    fn records_match_the_csv_crate_on_random_text() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(11);
        for _ in 0..2_000 {
            let text = random_text(&mut rng, b"ab,\"\n\r ", 40);
            let chunk = TextChunk {
                first_line: 1,
                bytes: text.clone(),
            };
            let mut ours = Vec::new();
            let mut records = ChunkRecords::new("t.csv", b',', &chunk);
            while let Some(r) = records.next_record().unwrap() {
                let cells: Vec<String> = (0..r.len()).map(|i| r.text_of(i).to_string()).collect();
                ours.push((r.line, cells));
            }
            let mut theirs = Vec::new();
            let mut reader = ::csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .terminator(::csv::Terminator::Any(b'\n'))
                .from_reader(&text[..]);
            for r in reader.byte_records() {
                let r = r.unwrap();
                // The csv crate puts a record after empty lines at the first of them: count
                // the lines up to its first byte instead.
                let mut at = r.position().unwrap().byte() as usize;
                while text.get(at) == Some(&b'\n') {
                    at += 1;
                }
                let line = 1 + text[..at].iter().filter(|&&b| b == b'\n').count() as u64;
                let cells = r
                    .iter()
                    .map(|c| String::from_utf8(c.to_vec()).unwrap())
                    .collect();
                theirs.push((line, cells));
            }
            assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(&text));
        }
    }

    /// Damaged files are refused where they break: an unclosed quote at the line it opened on,
    /// an endless record at the line it starts on, CR-only line ends as such.
    #[test]
    fn damage_is_refused_where_it_is() {
        let err = |bytes: &[u8]| {
            let (_d, f) = raw(bytes);
            let r: Result<Vec<Record>> = rows(&f).and_then(|r| r.collect());
            r.unwrap_err().to_string()
        };
        assert_eq!(
            err(b"a;b\n1;2\n3;\"never closed\n4;5\n6;7\n"),
            "t.csv: cannot be parsed at line 3: a quoted cell opens here and is never closed (an unclosed quote)"
        );
        assert_eq!(
            err(b"a;b\r1;2\r3;4\r"),
            "t.csv: cannot be parsed at line 1: lines end with CR only (classic Mac OS line ends): save the file again with LF or CRLF line ends"
        );
        let mut long = b"a;b\n1;2\n3;".to_vec();
        long.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + (256 << 10)));
        long.extend_from_slice(b"\n4;5\n");
        assert_eq!(
            err(&long),
            "t.csv: cannot be parsed at line 3: a record longer than 1024 KiB (the limit): a missing line end, or not a table"
        );
        // The same past a chunk: the record is refused before it is read whole (chunks of
        // 64 KiB, so the refusal comes from the chunker, not from the tokeniser).
        let chunk_error = |bytes: &[u8]| {
            let (_d, f) = raw(bytes);
            let mut chunks = Chunks::with_chunk_bytes(&f, 64 << 10).unwrap();
            loop {
                match chunks.next_chunk() {
                    Ok(Some(_)) => {}
                    Ok(None) => panic!("read to the end"),
                    Err(e) => break e.to_string(),
                }
            }
        };
        let e = chunk_error(&long);
        assert!(e.contains("line 3") && e.contains("1024 KiB"), "{e}");
        let mut quote = b"a;b\n1;\"".to_vec();
        quote.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + (256 << 10)));
        quote.extend_from_slice(b"\n5;6\n");
        let e = chunk_error(&quote);
        assert!(e.contains("line 2") && e.contains("unclosed quote"), "{e}");
    }

    #[test]
    fn record_ends_respect_quotes() {
        assert_eq!(last_record_end(b"a,b\nc,d", b','), Some(4));
        assert_eq!(last_record_end(b"a,\"b\nc\"\nd", b','), Some(8));
        assert_eq!(last_record_end(b"a,\"b\nc", b','), None);
        assert_eq!(last_record_end(b"a,x\"b\nc", b','), Some(6));
        assert_eq!(last_record_end(b"a,\"b\"\"\nc\"\n", b','), Some(10));
        // With `;` as delimiter a quote after a comma is a literal, not an opening quote.
        assert_eq!(last_record_end(b"a,\"b\nc", b';'), Some(5));
    }
}
