//! Readers of bytes, shared by every adapter: they turn a file into rows of text cells, each with
//! its [`Position`] in the file. They know nothing of feeds; adapters map cells to columns.
//!
//! - [`csv`]: delimited text (`,` `;` tab `|`, sniffed), streamed, any accepted encoding.
//! - [`xlsx`]: the first non-empty worksheet of an .xlsx/.xls/.ods workbook.
//! - [`jsonl`]: JSON Lines objects as rows, keys as headers.
//! - [`pdf`]: text lines of a PDF, page by page, for tables published as PDF.

pub mod csv;
pub mod jsonl;
pub mod pdf;
pub mod quiet;
pub mod xlsx;

use crate::error::{PipelineError, Result};
use crate::source::RawFile;

/// Where a row came from: what lineage columns and quarantine rows record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// 1-based line of a text file (the line the record starts on).
    Line(u64),
    /// 1-based row of a worksheet.
    Sheet { sheet: String, row: u64 },
    /// 1-based page and line of a PDF's extracted text.
    Page { page: u32, line: u32 },
    /// A roll-up row: the staged rows it counts lie between these lines of a text file.
    Lines { first: u64, last: u64 },
}

impl Position {
    /// Writes the position as [`Display`](std::fmt::Display) shows it. Generic over the writer,
    /// so that staging (one position per row, millions per file) writes `line N` straight into
    /// a column's buffer instead of through the formatting machinery (≈ 15 ns a row instead of
    /// ≈ 38 ns).
    pub fn write_to<W: std::fmt::Write>(&self, w: &mut W) -> std::fmt::Result {
        match self {
            Position::Line(l) => {
                w.write_str("line ")?;
                w.write_str(itoa::Buffer::new().format(*l))
            }
            Position::Sheet { sheet, row } => write!(w, "sheet '{sheet}' row {row}"),
            Position::Page { page, line } => write!(w, "page {page} line {line}"),
            Position::Lines { first, last } => write!(w, "lines {first}-{last} (roll-up)"),
        }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write_to(f)
    }
}

/// Rows whose cells can be read by index, whatever reader produced them.
pub trait Cells {
    /// The cell at `i`, trimmed; missing cells read as empty.
    fn cell(&self, i: usize) -> &str;
}

impl Cells for Record {
    fn cell(&self, i: usize) -> &str {
        Record::cell(self, i)
    }
}

impl Cells for csv::CsvRow<'_> {
    fn cell(&self, i: usize) -> &str {
        csv::CsvRow::cell(self, i)
    }
}

/// One row of text cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub position: Position,
    pub cells: Vec<String>,
}

impl Record {
    /// The cell at `i`, trimmed; missing cells read as empty.
    pub fn cell(&self, i: usize) -> &str {
        self.cells.get(i).map(|c| trim(c)).unwrap_or("")
    }
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| trim(c).is_empty())
    }
}

/// A cell without its leading and trailing white space (`str::trim`), answered at once for the
/// common cell that starts and ends with a visible ASCII character.
pub fn trim(cell: &str) -> &str {
    match (cell.as_bytes().first(), cell.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => cell,
        _ => cell.trim(),
    }
}

/// A tabular file: rows streamed one at a time.
pub type Rows = Box<dyn Iterator<Item = Result<Record>> + Send>;

/// The tabular formats a feed may arrive in, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tabular {
    Csv,
    Xlsx,
    JsonLines,
}

impl Tabular {
    /// Pick the reader for a file by its extension, among the ones a feed accepts.
    pub fn of(file: &RawFile, feed: &str, accepted: &[Tabular]) -> Result<Tabular> {
        let ext = file.extension();
        let kind = match ext.as_str() {
            "csv" | "txt" | "tsv" => Tabular::Csv,
            "xlsx" | "xlsm" | "xls" | "ods" => Tabular::Xlsx,
            "jsonl" | "ndjson" | "json" => Tabular::JsonLines,
            _ => {
                return Err(PipelineError::layout(
                    &file.name,
                    feed,
                    format!("unknown file type `.{ext}`"),
                ))
            }
        };
        if !accepted.contains(&kind) {
            return Err(PipelineError::layout(
                &file.name,
                feed,
                format!("`.{ext}` files are not accepted for this feed"),
            ));
        }
        Ok(kind)
    }

    /// All rows of the file, header rows included.
    pub fn rows(self, file: &RawFile) -> Result<Rows> {
        match self {
            Tabular::Csv => csv::rows(file),
            Tabular::Xlsx => Ok(Box::new(xlsx::rows(file)?.into_iter().map(Ok))),
            Tabular::JsonLines => jsonl::rows(file),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Position;

    /// The texts positions are stored as (lineage columns, quarantine rows), written into a
    /// column's buffer exactly as `Display` shows them.
    #[test]
    fn positions_read_as_published() {
        let cases = [
            (Position::Line(12_345), "line 12345"),
            (
                Position::Sheet {
                    sheet: "2023".into(),
                    row: 7,
                },
                "sheet '2023' row 7",
            ),
            (Position::Page { page: 3, line: 41 }, "page 3 line 41"),
            (
                Position::Lines {
                    first: 2,
                    last: 9_001,
                },
                "lines 2-9001 (roll-up)",
            ),
        ];
        for (position, text) in cases {
            assert_eq!(position.to_string(), text);
            let mut column = arrow::array::StringBuilder::new();
            position.write_to(&mut column).unwrap();
            column.append_value("");
            assert_eq!(column.finish().value(0), text);
        }
    }
}
