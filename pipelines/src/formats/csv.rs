//! Delimited text. The delimiter is sniffed from the first non-empty line (`;` is what French
//! Excel writes, `,` elsewhere, tab and `|` also seen); the text is decoded by
//! [`RawFile::text_reader`] (UTF-8 with or without BOM, Windows-1256). Rows are streamed.

use std::io::{BufReader, Read};

use super::{Position, Record, Rows};
use crate::error::{PipelineError, Result};
use crate::source::RawFile;

/// Stream the rows of a delimited file.
pub fn rows(file: &RawFile) -> Result<Rows> {
    let mut decoded = file.text_reader()?;
    // The decoder hands out its first bytes in small pieces (it sniffs for a BOM), so a single
    // `fill_buf` may hold only 3 bytes: read a head long enough for the first line, then chain.
    let mut head = Vec::new();
    (&mut decoded)
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)
        .map_err(|e| PipelineError::Undecodable {
            file: file.name.clone(),
            position: "the start of the file".into(),
            detail: e.to_string(),
        })?;
    let delimiter = sniff_delimiter(&head);
    let reader = BufReader::with_capacity(1 << 20, std::io::Cursor::new(head).chain(decoded));
    let csv = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        // `\n` ends a record and `\r` before it is dropped below: with the default CRLF
        // terminator the csv crate numbers every line after the first one too low
        // (BurntSushi/rust-csv#395), and Excel writes CRLF.
        .terminator(::csv::Terminator::Any(b'\n'))
        .buffer_capacity(1 << 20)
        .from_reader(reader);
    let name = file.name.clone();
    Ok(Box::new(CsvRows {
        csv,
        record: ::csv::StringRecord::new(),
        name,
        done: false,
    }))
}

/// Bytes read ahead to sniff the delimiter.
const SNIFF_BYTES: u64 = 64 * 1024;

struct CsvRows<R: Read> {
    csv: ::csv::Reader<R>,
    record: ::csv::StringRecord,
    name: String,
    done: bool,
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.csv.read_record(&mut self.record) {
            Ok(true) => {
                let line = self.record.position().map(|p| p.line()).unwrap_or(0);
                let mut cells: Vec<String> = self.record.iter().map(str::to_string).collect();
                if let Some(last) = cells.last_mut() {
                    if last.ends_with('\r') {
                        last.pop();
                    }
                }
                Some(Ok(Record {
                    position: Position::Line(line),
                    cells,
                }))
            }
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                let position = e
                    .position()
                    .map(|p| Position::Line(p.line()).to_string())
                    .unwrap_or_else(|| "an unknown line".into());
                let detail = match e.kind() {
                    ::csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
                        "undecodable bytes".to_string()
                    }
                    _ => e.to_string(),
                };
                Some(Err(PipelineError::parse(&self.name, position, detail)))
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
}
