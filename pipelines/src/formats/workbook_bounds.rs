//! The bounds of an .xls or .ods workbook, checked before calamine reads it. Calamine lays out
//! every sheet of these workbooks when it opens them: an .xls sheet reserves what its
//! DIMENSIONS record claims (up to 4 billion rows × 256 columns) and allocates the bounding box
//! of its cell records, and an .ods table expands `table:number-rows-repeated` and
//! `table:number-columns-repeated` into cells. So each sheet's claimed and actual range is
//! measured here first, without laying anything out, and a sheet past [`MAX_SHEET_CELLS`] is
//! refused by name. For .xls this means reading the compound file (MS-CFB) that holds the BIFF
//! records, with every sector chain bounded by the file's own size: calamine follows chains
//! until a stream's claimed length, and a looping chain would make it grow without end.

use std::io::Read;

use quick_xml::events::{BytesStart, Event};

use super::xlsx::Refusal;
use crate::limits::{MAX_SHEET_CELLS, MAX_WORKBOOK_INFLATED_BYTES};

/// The first bytes of a compound file (an .xls workbook).
pub const CFB_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// Sector ids at or above this are markers (end of chain, free, FAT or DIFAT sector).
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
/// Streams shorter than this live in the mini stream (64-byte sectors), as calamine reads them.
const MINI_STREAM_CUTOFF: u64 = 4096;

/// The rows and columns a sheet's cells occupy once laid out: rows from the first to the last
/// cell, columns from A (calamine's box starts at the first column, but the rows handed on are
/// padded from column A) to the last.
#[derive(Default)]
pub struct Extent {
    /// (first row, first column, last row, last column), 0-based, once a cell is seen.
    span: Option<(u64, u64, u64, u64)>,
}

impl Extent {
    /// Rows `rows.0..=rows.1` hold cells in columns `cols.0..=cols.1`.
    pub fn add(&mut self, rows: (u64, u64), cols: (u64, u64)) {
        self.span = Some(match self.span {
            None => (rows.0, cols.0, rows.1, cols.1),
            Some((r0, c0, r1, c1)) => (
                r0.min(rows.0),
                c0.min(cols.0),
                r1.max(rows.1),
                c1.max(cols.1),
            ),
        });
    }

    /// `Err` says the span and its size when it passes [`MAX_SHEET_CELLS`].
    pub fn check(&self) -> Result<(), String> {
        let Some((r0, c0, r1, c1)) = self.span else {
            return Ok(());
        };
        let area = (r1 - r0)
            .saturating_add(1)
            .saturating_mul(c1.saturating_add(1));
        if area > MAX_SHEET_CELLS {
            return Err(format!(
                "its cells span {}:{} ({area} cells laid out from column A), more than the \
                 limit of {MAX_SHEET_CELLS}",
                a1(r0, c0),
                a1(r1, c1)
            ));
        }
        Ok(())
    }
}

/// A cell reference as Excel writes it (`A1`, `XFD1048576`), from 0-based row and column.
pub fn a1(row: u64, col: u64) -> String {
    let mut letters = Vec::new();
    let mut c = col.saturating_add(1);
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!(
        "{}{}",
        String::from_utf8_lossy(&letters),
        row.saturating_add(1)
    )
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at.checked_add(2)?)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at.checked_add(4)?)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Every sheet of an .xls workbook within [`MAX_SHEET_CELLS`], by its DIMENSIONS record and by
/// the cells it holds; a compound file calamine could not read in bounded memory is refused.
pub fn check_xls(bytes: &[u8]) -> Result<(), Refusal> {
    let stream = workbook_stream(bytes)
        .map_err(|e| Refusal::Damaged(format!("not a readable workbook: {e}")))?;
    for (pos, sheet) in bound_sheets(&stream) {
        check_biff_sheet(&stream, pos).map_err(|detail| Refusal::TooLarge { sheet, detail })?;
    }
    Ok(())
}

/// The BIFF records of `stream` from `at`: type and data, until the stream ends or a record is
/// cut (calamine refuses a cut record itself).
fn records(stream: &[u8], at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream.get(at..).unwrap_or_default();
    std::iter::from_fn(move || {
        let typ = u16_at(rest, 0)?;
        let len = usize::from(u16_at(rest, 2)?);
        let data = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some((typ, data))
    })
}

/// The sheets the workbook globals list (BoundSheet8 records, anywhere in the stream, as
/// calamine collects them): where each sheet's records start, and its name.
fn bound_sheets(stream: &[u8]) -> Vec<(usize, String)> {
    records(stream, 0)
        .filter(|&(typ, _)| typ == 0x0085)
        .filter_map(|(_, data)| {
            let pos = u32_at(data, 0)? as usize;
            let n = usize::from(*data.get(6)?);
            let name = match data.get(7) {
                // BIFF8: a flag byte, then UTF-16LE or one byte a character.
                Some(1) => {
                    let units: Vec<u16> = data
                        .get(8..)?
                        .chunks_exact(2)
                        .take(n)
                        .map(|s| u16::from_le_bytes([s[0], s[1]]))
                        .collect();
                    String::from_utf16_lossy(&units)
                }
                Some(0) => data
                    .get(8..)?
                    .iter()
                    .take(n)
                    .map(|&b| char::from(b))
                    .collect(),
                _ => data
                    .get(7..)?
                    .iter()
                    .take(n)
                    .map(|&b| char::from(b))
                    .collect(),
            };
            Some((pos, name))
        })
        .collect()
}

/// One worksheet's records from its BOF to its EOF (embedded substreams skipped, as calamine
/// skips them): `Err` when its DIMENSIONS record or its cells pass [`MAX_SHEET_CELLS`].
fn check_biff_sheet(stream: &[u8], pos: usize) -> Result<(), String> {
    let mut extent = Extent::default();
    let (mut seen_bof, mut depth) = (false, 0usize);
    for (typ, data) in records(stream, pos) {
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let at = |i| u16_at(data, i).map(u64::from);
        match typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x000A => break,
            0x0200 => check_dimensions(data)?,
            // Number, Label, RString, BoolErr, Rk, LabelSst, Formula: row, column first.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let (Some(row), Some(col)) = (at(0), at(2)) {
                    extent.add((row, row), (col, col));
                }
            }
            // MulRk: row, first column, …, last column.
            0x00BD => {
                if let (Some(row), Some(first), Some(last)) =
                    (at(0), at(2), at(data.len().saturating_sub(2)))
                {
                    extent.add((row, row), (first.min(last), first.max(last)));
                }
            }
            // Blank and MulBlank are not laid out by calamine (it skips them), so a formatted
            // but empty cell far away does not refuse a workbook.
            _ => {}
        }
    }
    extent.check()
}

/// A DIMENSIONS record, read as calamine reads it (which reserves rows × columns cells):
/// `Err` when that is more than [`MAX_SHEET_CELLS`].
fn check_dimensions(data: &[u8]) -> Result<(), String> {
    let (first_row, end_row, mut first_col, end_col) = match data.len() {
        10 => (
            u32::from(u16_at(data, 0).unwrap_or(0)),
            u32::from(u16_at(data, 2).unwrap_or(0)),
            u32::from(u16_at(data, 4).unwrap_or(0)),
            u32::from(u16_at(data, 6).unwrap_or(0)),
        ),
        14 | 16 => (
            u32_at(data, 0).unwrap_or(0),
            u32_at(data, 4).unwrap_or(0),
            u32::from(u16_at(data, 8).unwrap_or(0)),
            u32::from(u16_at(data, 10).unwrap_or(0)),
        ),
        _ => return Ok(()),
    };
    if first_col > 0xFF || end_col < first_col {
        first_col = 0;
    }
    if end_row == 0 || end_col == 0 {
        return Ok(());
    }
    // Calamine's arithmetic, wrapping as a release build does.
    let rows = u64::from((end_row - 1).wrapping_sub(first_row).wrapping_add(1));
    let cols = u64::from((end_col - 1).wrapping_sub(first_col).wrapping_add(1));
    let area = rows.saturating_mul(cols);
    if area > MAX_SHEET_CELLS {
        return Err(format!(
            "its DIMENSIONS record claims {rows} rows × {cols} columns ({area} cells), more \
             than the limit of {MAX_SHEET_CELLS}"
        ));
    }
    Ok(())
}

/// The sectors of a compound file and its allocation table.
struct Cfb<'a> {
    bytes: &'a [u8],
    size: usize,
    fat: Vec<u32>,
}

impl<'a> Cfb<'a> {
    /// Sector `id` (the header takes the first sector's place); the last may be short.
    fn sector(&self, id: u32) -> Result<&'a [u8], String> {
        let start = (id as usize).saturating_add(1).saturating_mul(self.size);
        let end = start.saturating_add(self.size).min(self.bytes.len());
        self.bytes
            .get(start..end)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("sector {id} lies past the end of the file"))
    }
}

/// The bytes of a chain of sectors from `id`, at most `len`; `next` is the allocation table.
/// A chain visits each sector once, so more steps than the table has entries is a loop.
fn chain<'s>(
    mut id: u32,
    next: &[u32],
    len: u64,
    sector: impl Fn(u32) -> Result<&'s [u8], String>,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut steps = 0usize;
    while id != END_OF_CHAIN && (out.len() as u64) < len {
        steps += 1;
        if steps > next.len() {
            return Err(format!("a sector chain loops (at sector {id})"));
        }
        let s = sector(id)?;
        let take = (len - out.len() as u64).min(s.len() as u64) as usize;
        out.extend_from_slice(&s[..take]);
        id = *next
            .get(id as usize)
            .ok_or_else(|| format!("sector {id} is not in the allocation table"))?;
    }
    Ok(out)
}

/// The workbook stream of an .xls compound file ("Workbook", or "Book" in BIFF5), read with
/// every chain and every claimed stream length bounded by the file's size.
fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if bytes.len() < 512 || !bytes.starts_with(&CFB_SIGNATURE) {
        return Err("not a compound file".into());
    }
    let size = match u16_at(bytes, 30) {
        Some(9) => 512,
        Some(12) => 4096,
        s => return Err(format!("sector shift {s:?} is neither 9 nor 12")),
    };
    let sectors = bytes.len() / size;
    let mut cfb = Cfb {
        bytes,
        size,
        fat: Vec::new(),
    };
    let mut difat: Vec<u32> = u32s(&bytes[76..512]).collect();
    let mut next = u32_at(bytes, 68).unwrap_or(END_OF_CHAIN);
    for _ in 0..=sectors {
        if next >= MAX_REGULAR_SECTOR {
            break;
        }
        let s = cfb.sector(next)?;
        difat.extend(u32s(s));
        next = difat.pop().unwrap_or(END_OF_CHAIN);
    }
    if next < MAX_REGULAR_SECTOR {
        return Err("the DIFAT chain loops".into());
    }
    let mut fat = Vec::new();
    for id in difat.into_iter().filter(|&id| id < MAX_REGULAR_SECTOR) {
        fat.extend(u32s(cfb.sector(id)?));
    }
    cfb.fat = fat;
    let fat = &cfb.fat;
    let dir_start = u32_at(bytes, 48).unwrap_or(END_OF_CHAIN);
    let dirs = chain(dir_start, fat, u64::MAX, |id| cfb.sector(id))?;
    let entries: Vec<(String, u32, u64)> = dirs
        .chunks_exact(128)
        .map(|e| {
            let units: Vec<u16> = e[..64]
                .chunks_exact(2)
                .map(|s| u16::from_le_bytes([s[0], s[1]]))
                .take_while(|&u| u != 0)
                .collect();
            let len = if size == 512 {
                u64::from(u32_at(e, 120).unwrap_or(0))
            } else {
                u32_at(e, 120).map_or(0, u64::from) | (u64::from(u32_at(e, 124).unwrap_or(0)) << 32)
            };
            (
                String::from_utf16_lossy(&units),
                u32_at(e, 116).unwrap_or(END_OF_CHAIN),
                len,
            )
        })
        .collect();
    // Calamine reads each stream up to its claimed length, following the chain however it
    // loops: no stream of this file may claim more than the file holds.
    if let Some((name, _, len)) = entries.iter().find(|e| e.2 > bytes.len() as u64) {
        return Err(format!(
            "the stream '{name}' claims {len} bytes, more than the whole file ({} bytes)",
            bytes.len()
        ));
    }
    let mini_fat_sectors = u64::from(u32_at(bytes, 64).unwrap_or(0));
    if mini_fat_sectors > sectors as u64 {
        return Err(format!(
            "the header claims {mini_fat_sectors} mini allocation sectors, more than the file holds"
        ));
    }
    let Some(&(_, start, len)) = ["Workbook", "Book"]
        .iter()
        .find_map(|want| entries.iter().find(|e| e.0.eq_ignore_ascii_case(want)))
    else {
        return Err("no Workbook stream".into());
    };
    if len >= MINI_STREAM_CUTOFF {
        return chain(start, fat, len, |id| cfb.sector(id));
    }
    let Some(&(_, root_start, root_len)) = entries.first() else {
        return Err("no root directory".into());
    };
    let mini = chain(root_start, fat, root_len, |id| cfb.sector(id))?;
    let mini_fat_start = u32_at(bytes, 60).unwrap_or(END_OF_CHAIN);
    let mini_fat: Vec<u32> = u32s(&chain(
        mini_fat_start,
        fat,
        mini_fat_sectors * size as u64,
        |id| cfb.sector(id),
    )?)
    .collect();
    chain(start, &mini_fat, len, |id| {
        let at = (id as usize).saturating_mul(64);
        mini.get(at..at.saturating_add(64).min(mini.len()))
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("mini sector {id} lies past the end of the mini stream"))
    })
}

/// Every table of an .ods workbook within [`MAX_SHEET_CELLS`], repeated rows and columns
/// counted as calamine expands them. The zip's inflation is already bounded
/// ([`MAX_WORKBOOK_INFLATED_BYTES`]); a workbook without content.xml is left to calamine.
pub fn check_ods(bytes: &[u8]) -> Result<(), Refusal> {
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Ok(());
    };
    let Ok(entry) = zip.by_name("content.xml") else {
        return Ok(());
    };
    let mut content = Vec::new();
    entry
        .take(MAX_WORKBOOK_INFLATED_BYTES)
        .read_to_end(&mut content)
        .map_err(|e| Refusal::Damaged(format!("content.xml cannot be read: {e}")))?;
    check_ods_tables(&content)
}

/// The number in a repeat attribute (1 when absent; an unreadable one is left to calamine).
fn repeats(e: &BytesStart<'_>, name: &str) -> u64 {
    match e.try_get_attribute(name) {
        Ok(Some(a)) => a.value.trim().parse().unwrap_or(1),
        _ => 1,
    }
}

/// The tables of an ODS content.xml, each measured from its rows and cells.
fn check_ods_tables(content: &[u8]) -> Result<(), Refusal> {
    let mut reader = quick_xml::Reader::from_reader(content);
    let mut buf = Vec::new();
    let mut sheet = String::new();
    let mut extent = Extent::default();
    // The current row (0-based), how many times it repeats, and the column in it.
    let (mut row, mut row_repeats, mut col) = (0u64, 1u64, 0u64);
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            Refusal::Damaged(format!(
                "content.xml is not well-formed at byte {}: {e}",
                reader.buffer_position()
            ))
        })?;
        match event {
            Event::Start(e) if e.name().as_ref() == "table:table" => {
                sheet = match e.try_get_attribute("table:name") {
                    Ok(Some(a)) => a.value.into_owned(),
                    _ => String::new(),
                };
                extent = Extent::default();
                row = 0;
            }
            Event::End(e) if e.name().as_ref() == "table:table" => {
                extent.check().map_err(|detail| Refusal::TooLarge {
                    sheet: sheet.clone(),
                    detail,
                })?;
            }
            // A self-closed row is skipped by calamine: it takes no row.
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                row_repeats = repeats(&e, "table:number-rows-repeated").max(1);
                col = 0;
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                row = row.saturating_add(row_repeats);
                row_repeats = 1;
            }
            Event::Start(ref e) | Event::Empty(ref e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let n = repeats(e, "table:number-columns-repeated").max(1);
                // A cell with content, a value type or a formula is laid out; an empty
                // self-closed one (trailing padding) only moves the column on.
                let filled = matches!(event, Event::Start(_))
                    || e.try_get_attribute("office:value-type")
                        .ok()
                        .flatten()
                        .is_some()
                    || e.try_get_attribute("table:formula")
                        .ok()
                        .flatten()
                        .is_some();
                if filled {
                    let last_row = row.saturating_add(row_repeats - 1);
                    extent.add((row, last_row), (col, col.saturating_add(n - 1)));
                }
                col = col.saturating_add(n);
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(1_048_575, 16_383), "XFD1048576");
        assert_eq!(a1(9, 27), "AB10");
    }

    #[test]
    fn a_looping_sector_chain_is_refused() {
        let sectors = [[1u8; 512], [2u8; 512]];
        let sector = |id: u32| Ok(&sectors[id as usize][..]);
        // 0 → 1 → 0 → …: calamine would read it until the stream's claimed length.
        assert_eq!(
            chain(0, &[1, 0], u64::MAX, sector).unwrap_err(),
            "a sector chain loops (at sector 0)"
        );
        let read = chain(0, &[1, END_OF_CHAIN], 600, sector).unwrap();
        assert_eq!((read.len(), read[511], read[599]), (600, 1, 2));
    }

    #[test]
    fn dimensions_are_read_as_calamine_reads_them() {
        // BIFF8: rows 0..65536 (end exclusive), columns 0..256.
        let mut huge = Vec::new();
        for v in [0u32, 65_536] {
            huge.extend_from_slice(&v.to_le_bytes());
        }
        huge.extend_from_slice(&[0, 0, 0, 1, 0, 0]);
        assert_eq!(
            check_dimensions(&huge).unwrap_err(),
            "its DIMENSIONS record claims 65536 rows × 256 columns (16777216 cells), more than \
             the limit of 4000000"
        );
        let small = [0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 3, 0, 0, 0];
        assert!(check_dimensions(&small).is_ok());
    }

    #[test]
    fn ods_repeats_count_only_filled_cells() {
        let table = |rows: &str| {
            format!(
                r#"<office:document-content><table:table table:name="AESE">{rows}</table:table></office:document-content>"#
            )
        };
        // LibreOffice pads every row and the sheet with empty repeats: not laid out.
        let padded = table(
            r#"<table:table-row><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16383"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
        );
        assert!(check_ods_tables(padded.as_bytes()).is_ok());
        let filled = table(
            r#"<table:table-row table:number-rows-repeated="6000"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#,
        );
        match check_ods_tables(filled.as_bytes()) {
            Err(Refusal::TooLarge { sheet, detail }) => {
                assert_eq!(sheet, "AESE");
                assert_eq!(
                    detail,
                    "its cells span A1:XFD6000 (98304000 cells laid out from column A), more \
                     than the limit of 4000000"
                );
            }
            _ => panic!("not refused"),
        }
    }
}
