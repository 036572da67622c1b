//! Workbooks (.xlsx, .xls, .ods) through calamine. The first worksheet that has any cell is
//! read; every cell becomes text: integers as digits, floats without a spurious `.0`, Excel
//! dates as their serial number (the date rules accept serials), errors as `#ERROR`.
//! A truncated or damaged workbook is refused with the reader's reason.
//!
//! What a workbook claims is bounded before it is believed: a zip workbook's entries are
//! inflated once with a budget ([`MAX_WORKBOOK_INFLATED_BYTES`] in all) before calamine opens
//! it, and an .xlsx sheet is read cell by cell (calamine's streaming cell reader), its cells
//! counted and its range (first to last cell) checked against [`MAX_SHEET_CELLS`] before any
//! row is laid out — calamine's `worksheet_range` would allocate the whole range first. An
//! .xls or .ods workbook, which calamine lays out whole when it opens it, is measured sheet by
//! sheet first ([`workbook_bounds`]). The library runs under [`catch_quietly`]: a panic in it
//! is a refusal that prints nothing.

use std::io::{Cursor, Read};

use calamine::{open_workbook_auto_from_rs, Data, Reader, Xlsx};

use super::quiet::catch_quietly;
use super::workbook_bounds::{self, Extent, CFB_SIGNATURE};
use super::{Position, Record};
use crate::error::{PipelineError, Result};
use crate::limits::{MAX_SHEET_CELLS, MAX_WORKBOOK_INFLATED_BYTES};
use crate::source::RawFile;
use crate::source::ReadRaw;

/// All rows of the first non-empty worksheet. Workbooks are small (agency tables).
pub fn rows(file: &RawFile) -> Result<Vec<Record>> {
    let bytes = file.bytes()?;
    let damaged = |detail: String| PipelineError::parse(&file.name, "the workbook", detail);
    if bytes.starts_with(b"PK") {
        check_inflated(&bytes).map_err(|entry| {
            PipelineError::parse(
                &file.name,
                format!("zip entry '{entry}'"),
                format!(
                    "the workbook inflates to more than {} MiB (the limit): a decompression \
                     bomb, or not an agency table",
                    MAX_WORKBOOK_INFLATED_BYTES >> 20
                ),
            )
        })?;
    }
    // By content, not by name: an .xlsx named .xls is still read cell by cell.
    let zip = bytes.starts_with(b"PK");
    let ods = zip && is_ods(&bytes);
    let read = catch_quietly(|| {
        if zip && !ods {
            return read_xlsx(bytes);
        }
        if ods {
            workbook_bounds::check_ods(&bytes)?;
        } else if bytes.starts_with(&CFB_SIGNATURE) {
            workbook_bounds::check_xls(&bytes)?;
        }
        read_other(bytes)
    })
    .map_err(|panic| {
        tracing::debug!(file = %file.name, %panic, "the workbook library panicked");
        damaged("damaged workbook (the workbook library gave up on it)".into())
    })?;
    match read {
        Ok(Some((sheet, rows))) => Ok(rows
            .into_iter()
            .map(|(row, cells)| Record {
                position: Position::Sheet {
                    sheet: sheet.clone(),
                    row,
                },
                cells,
            })
            .collect()),
        Ok(None) => Err(PipelineError::Empty {
            file: file.name.clone(),
            detail: Some("every worksheet is empty".into()),
        }),
        Err(Refusal::Damaged(detail)) => Err(damaged(detail)),
        Err(Refusal::TooLarge { sheet, detail }) => Err(PipelineError::parse(
            &file.name,
            format!("sheet '{sheet}'"),
            detail,
        )),
    }
}

/// Why a workbook's sheets were not read.
pub(super) enum Refusal {
    Damaged(String),
    TooLarge { sheet: String, detail: String },
}

/// The first non-empty sheet's name and rows (1-based row number, cells from column A).
type Sheet = Option<(String, Vec<(u64, Vec<String>)>)>;

/// Whether a zip workbook is an OpenDocument spreadsheet (it has content.xml).
fn is_ods(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes))
        .is_ok_and(|z| z.index_for_name("content.xml").is_some())
}

/// Inflate every entry of a zip workbook into nothing, counting; `Err` names the entry where
/// the total passed the limit. A damaged zip is left to calamine to refuse with its reason.
fn check_inflated(bytes: &[u8]) -> std::result::Result<(), String> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut left = MAX_WORKBOOK_INFLATED_BYTES;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index(i) else {
            continue;
        };
        let name = entry
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| format!("#{}", i + 1));
        let n = std::io::copy(&mut entry.take(left + 1), &mut std::io::sink()).unwrap_or(0);
        if n > left {
            return Err(name);
        }
        left -= n;
    }
    Ok(())
}

/// An .xlsx workbook, read cell by cell.
fn read_xlsx(bytes: Vec<u8>) -> std::result::Result<Sheet, Refusal> {
    let damaged = |e: calamine::XlsxError| {
        Refusal::Damaged(format!(
            "not a readable workbook (truncated or damaged?): {e}"
        ))
    };
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(damaged)?;
    for sheet in workbook.sheet_names() {
        let too_large = |detail: String| Refusal::TooLarge {
            sheet: sheet.clone(),
            detail,
        };
        let mut reader = match workbook.worksheet_cells_reader(&sheet) {
            Ok(r) => r,
            // A chart sheet or a dialog sheet holds no cells.
            Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
            Err(e) => {
                return Err(Refusal::Damaged(format!(
                    "sheet '{sheet}' cannot be read: {e}"
                )))
            }
        };
        let mut cells: Vec<(u32, u32, String)> = Vec::new();
        while let Some(cell) = reader
            .next_cell()
            .map_err(|e| Refusal::Damaged(format!("sheet '{sheet}' cannot be read: {e}")))?
        {
            let value = Data::from(cell.get_value().clone());
            if value == Data::Empty {
                continue;
            }
            if cells.len() as u64 >= MAX_SHEET_CELLS {
                return Err(too_large(format!(
                    "more than {MAX_SHEET_CELLS} cells (the limit)"
                )));
            }
            let (row, col) = cell.get_position();
            cells.push((row, col, cell_text(&value)));
        }
        if cells.is_empty() {
            continue;
        }
        cells.sort_by_key(|&(r, c, _)| (r, c));
        let (first_row, last_row) = (cells[0].0, cells[cells.len() - 1].0);
        let mut extent = Extent::default();
        for &(r, c, _) in &cells {
            extent.add((r.into(), r.into()), (c.into(), c.into()));
        }
        extent.check().map_err(too_large)?;
        let mut rows: Vec<(u64, Vec<String>)> = (first_row..=last_row)
            .map(|r| (u64::from(r) + 1, Vec::new()))
            .collect();
        for (r, c, text) in cells {
            let row = &mut rows[(r - first_row) as usize].1;
            if row.len() <= c as usize {
                row.resize(c as usize + 1, String::new());
            }
            row[c as usize] = text;
        }
        for (_, row) in &mut rows {
            while row.last().is_some_and(|c| c.is_empty()) {
                row.pop();
            }
        }
        return Ok(Some((sheet, rows)));
    }
    Ok(None)
}

/// An .xls or .ods workbook (or an .xlsx named otherwise), through calamine's ranges.
fn read_other(bytes: Vec<u8>) -> std::result::Result<Sheet, Refusal> {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        Refusal::Damaged(format!(
            "not a readable workbook (truncated or damaged?): {e}"
        ))
    })?;
    for sheet in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&sheet)
            .map_err(|e| Refusal::Damaged(format!("sheet '{sheet}' cannot be read: {e}")))?;
        if range.is_empty() {
            continue;
        }
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let rows = range
            .rows()
            .enumerate()
            .map(|(i, row)| {
                let mut cells: Vec<String> = std::iter::repeat_n(String::new(), col0 as usize)
                    .chain(row.iter().map(cell_text))
                    .collect();
                while cells.last().is_some_and(|c| c.is_empty()) {
                    cells.pop();
                }
                (u64::from(row0) + i as u64 + 1, cells)
            })
            .collect();
        return Ok(Some((sheet, rows)));
    }
    Ok(None)
}

/// One cell as text.
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => float_text(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERROR {e}"),
    }
}

fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_people_write_them() {
        assert_eq!(float_text(19.0), "19");
        assert_eq!(float_text(49.3), "49.3");
        assert_eq!(cell_text(&Data::Empty), "");
    }
}
