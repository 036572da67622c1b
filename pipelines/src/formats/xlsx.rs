//! Workbooks (.xlsx, .xls, .ods) through calamine. The first worksheet that has any cell is
//! read; every cell becomes text: integers as digits, floats without a spurious `.0`, Excel
//! dates as their serial number (the date rules accept serials), errors as `#ERROR`.
//! A truncated or damaged workbook is refused with the reader's reason.

use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Data, Reader};

use super::{Position, Record};
use crate::error::{PipelineError, Result};
use crate::source::RawFile;

/// All rows of the first non-empty worksheet. Workbooks are small (agency tables).
pub fn rows(file: &RawFile) -> Result<Vec<Record>> {
    let bytes = file.bytes()?;
    let damaged = |detail: String| PipelineError::parse(&file.name, "the workbook", detail);
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        damaged(format!(
            "not a readable workbook (truncated or damaged?): {e}"
        ))
    })?;
    for sheet in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&sheet)
            .map_err(|e| damaged(format!("sheet '{sheet}' cannot be read: {e}")))?;
        if range.is_empty() {
            continue;
        }
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let mut out = Vec::with_capacity(range.height());
        for (i, row) in range.rows().enumerate() {
            let mut cells: Vec<String> = std::iter::repeat_n(String::new(), col0 as usize)
                .chain(row.iter().map(cell_text))
                .collect();
            while cells.last().is_some_and(|c| c.is_empty()) {
                cells.pop();
            }
            out.push(Record {
                position: Position::Sheet {
                    sheet: sheet.clone(),
                    row: row0 as u64 + i as u64 + 1,
                },
                cells,
            });
        }
        return Ok(out);
    }
    Err(PipelineError::Empty {
        file: file.name.clone(),
        detail: Some("every worksheet is empty".into()),
    })
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
