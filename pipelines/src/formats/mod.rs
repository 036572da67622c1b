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
mod workbook_bounds;
pub mod xlsx;

use crate::error::{PipelineError, Result};
use crate::report::QuarantineRow;
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
    /// How many cells the row has, as read (empty ones included).
    fn width(&self) -> usize;
}

impl Cells for Record {
    fn cell(&self, i: usize) -> &str {
        Record::cell(self, i)
    }
    fn width(&self) -> usize {
        self.cells.len()
    }
}

impl Cells for csv::CsvRow<'_> {
    fn cell(&self, i: usize) -> &str {
        csv::CsvRow::cell(self, i)
    }
    fn width(&self) -> usize {
        self.len()
    }
}

/// The checks every adapter makes on a data row before reading its values, so that no value is
/// staged from a row whose cells are not where the header says:
/// - more non-empty cells than the header has columns (a stray delimiter, or a stray quote that
///   split a cell: `""358,994"` reads as `358` and `994"`) → the row is quarantined;
/// - fewer cells than the header in a text file (a workbook row simply ends at its last value)
///   → quarantined; when it is the file's last line and the file has no final line end, the
///   reason says the file looks cut short;
/// - in a file read as UTF-8 that has bytes which are not, a cell holding U+FFFD (what those
///   bytes decode to) → quarantined, with the header of its column.
///
/// Feeds of record-level data (which carry identifiers) withhold the cells' text from the
/// quarantine ([`RowCheck::withholding_values`]): a shifted row may hold an identifier anywhere.
pub struct RowCheck {
    header: Vec<String>,
    show_values: bool,
    file: RawFile,
    /// The file's last line number, counted the first time a short row needs it.
    last_line: std::sync::OnceLock<Option<u64>>,
}

impl RowCheck {
    pub fn new(file: &RawFile, header: &[String]) -> RowCheck {
        RowCheck {
            header: header.iter().map(|h| trim(h).to_string()).collect(),
            show_values: true,
            file: file.clone(),
            last_line: std::sync::OnceLock::new(),
        }
    }

    /// Quarantine rows without the cells' text (record-level feeds).
    pub fn withholding_values(mut self) -> RowCheck {
        self.show_values = false;
        self
    }

    /// What is wrong with `row` (at `position`), as quarantine rows; empty if nothing is.
    pub fn check<R: Cells + ?Sized>(&self, row: &R, position: &Position) -> Vec<QuarantineRow> {
        let width = self.header.len();
        let mut n = row.width();
        while n > width && row.cell(n - 1).is_empty() {
            n -= 1;
        }
        let mut bad = Vec::new();
        let shape = |value: Option<String>, reason: String| QuarantineRow {
            position: position.to_string(),
            column: ROW_COLUMN.to_string(),
            value,
            reason,
        };
        if n > width {
            let extra: Vec<&str> = (width..n).map(|i| row.cell(i)).collect();
            bad.push(shape(
                Some(shorten(&extra.join(" | "))).filter(|_| self.show_values),
                format!(
                    "the row has {n} cells where the header has {width}: a stray delimiter or \
                     quote has shifted its values (the cells past the header are shown)"
                ),
            ));
        } else if n < width && matches!(position, Position::Line(_)) {
            let mut reason = format!("the row has {n} cells where the header has {width}");
            if let Position::Line(line) = position {
                if Some(*line) == self.unterminated_last_line() {
                    reason.push_str(
                        ": it is the last line and has no line end — the file looks cut short",
                    );
                }
            }
            bad.push(shape(None, reason));
        }
        // Only a file with bytes that were not UTF-8 has U+FFFD to look for (a Windows-1256
        // file decodes every byte), so clean files pay nothing for this check.
        let damaged = if self.file.invalid_utf8.0 > 0 {
            row.width().min(n.max(width))
        } else {
            0
        };
        for i in 0..damaged {
            let cell = row.cell(i);
            if cell.contains('\u{FFFD}') {
                let column = self
                    .header
                    .get(i)
                    .filter(|h| !h.is_empty())
                    .cloned()
                    .unwrap_or_else(|| format!("column {}", i + 1));
                let (count, first) = self.file.invalid_utf8;
                let reason = format!(
                    "bytes that are not UTF-8 (shown as \u{FFFD}); the file has {count} such \
                     sequence(s), the first at byte {}, and is otherwise read as UTF-8",
                    first.unwrap_or(0)
                );
                bad.push(QuarantineRow {
                    position: position.to_string(),
                    column,
                    value: Some(shorten(cell)).filter(|_| self.show_values),
                    reason,
                });
            }
        }
        bad
    }

    /// The number of the file's last line if it has no line end (counted once, on demand).
    fn unterminated_last_line(&self) -> Option<u64> {
        if self.file.ends_with_newline {
            return None;
        }
        *self.last_line.get_or_init(|| {
            let mut reader = std::fs::File::open(&self.file.path).ok()?;
            let mut buf = vec![0u8; 1 << 20];
            let mut lines = 1u64;
            loop {
                match std::io::Read::read(&mut reader, &mut buf) {
                    Ok(0) => return Some(lines),
                    Ok(k) => lines += memchr::memchr_iter(b'\n', &buf[..k]).count() as u64,
                    Err(_) => return None,
                }
            }
        })
    }
}

/// The quarantine column of a row-shape rejection (the whole row, not one of its columns).
pub const ROW_COLUMN: &str = "(row)";

/// A value as quarantined: at most 200 characters of it.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
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
    use super::{Position, Record, RowCheck};
    use crate::source::RawFile;
    use crate::source::ReadRaw;

    fn record(line: u64, cells: &[&str]) -> Record {
        Record {
            position: Position::Line(line),
            cells: cells.iter().map(|c| c.to_string()).collect(),
        }
    }

    /// Rows with cells past the header, short rows (the last one named as cut short when the
    /// file has no final line end), and cells with U+FFFD in a damaged UTF-8 file.
    #[test]
    fn row_checks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, b"\xC3\xA9,b,c\n1,2,3\n4,5,6,7,8\n9,1\xFF0,2\n3,4").unwrap();
        let file = RawFile::open(&path).unwrap();
        let header: Vec<String> = ["a", "b", "c"].map(String::from).into();
        let check = RowCheck::new(&file, &header);
        let ok = record(2, &["1", "2", "3"]);
        assert!(check.check(&ok, &ok.position).is_empty());
        // Trailing empty cells past the header are no shift.
        let trailing = record(2, &["1", "2", "3", "", " "]);
        assert!(check.check(&trailing, &trailing.position).is_empty());
        let wide = record(3, &["4", "5", "6", "7", "8"]);
        let bad = check.check(&wide, &wide.position);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].position, "line 3");
        assert_eq!(bad[0].column, "(row)");
        assert_eq!(bad[0].value.as_deref(), Some("7 | 8"));
        assert!(bad[0]
            .reason
            .starts_with("the row has 5 cells where the header has 3"));
        let hidden = RowCheck::new(&file, &header).withholding_values();
        assert_eq!(hidden.check(&wide, &wide.position)[0].value, None);
        let damaged = record(4, &["9", "1\u{FFFD}0", "2"]);
        let bad = check.check(&damaged, &damaged.position);
        assert_eq!(bad.len(), 1);
        assert_eq!(
            (bad[0].column.as_str(), bad[0].value.as_deref()),
            ("b", Some("1\u{FFFD}0"))
        );
        assert_eq!(
            bad[0].reason,
            "bytes that are not UTF-8 (shown as \u{FFFD}); the file has 1 such sequence(s), the first at byte 26, and is otherwise read as UTF-8"
        );
        let short = record(4, &["9", "1"]);
        assert_eq!(
            check.check(&short, &short.position)[0].reason,
            "the row has 2 cells where the header has 3"
        );
        let last = record(5, &["3", "4"]);
        assert_eq!(
            check.check(&last, &last.position)[0].reason,
            "the row has 2 cells where the header has 3: it is the last line and has no line end — the file looks cut short"
        );
        // A workbook row ends at its last value: short is normal there.
        let sheet = Record {
            position: Position::Sheet {
                sheet: "s".into(),
                row: 2,
            },
            cells: vec!["1".into()],
        };
        assert!(check.check(&sheet, &sheet.position).is_empty());
    }

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
