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

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Formatted by hand: staging writes one per row, millions per file.
            Position::Line(l) => {
                f.write_str("line ")?;
                f.write_str(itoa::Buffer::new().format(*l))
            }
            Position::Sheet { sheet, row } => write!(f, "sheet '{sheet}' row {row}"),
            Position::Page { page, line } => write!(f, "page {page} line {line}"),
            Position::Lines { first, last } => write!(f, "lines {first}-{last} (roll-up)"),
        }
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
