//! Where a table's year comes from: a `year` cell, the title (`2023 CyberTipline Reports by
//! Country`), or a 4-digit year in the file name.

use super::*;

pub(super) fn parse_year_cell(cell: &str) -> std::result::Result<i64, String> {
    let t = cell.trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    match t.parse::<i64>() {
        Ok(y) if dates::is_year(y) && t.len() == 4 => Ok(y),
        _ => Err(format!(
            "`{t}` is not a year ({}–{})",
            dates::YEARS.start(),
            dates::YEARS.end()
        )),
    }
}

/// 4-digit numbers in [`dates::YEARS`] in `text`, not part of a longer number, in order.
pub(super) fn years(text: &str) -> Vec<(usize, i64)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 4 {
                if let Ok(y) = text[start..i].parse::<i64>() {
                    if dates::is_year(y) {
                        out.push((start, y));
                    }
                }
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The first year in a file name (`ncmec-by-country-2020.csv` → 2020).
pub(super) fn year_in(name: &str) -> Option<i64> {
    years(name).first().map(|(_, y)| *y)
}

/// How strongly a line of text names the table's year: 2 for a title that starts with the year
/// (`2023 CyberTipline Reports`), 1 for other text about CyberTipline reports that names a year,
/// `None` for anything else (copyright lines never count).
pub(super) fn title_year(text: &str) -> Option<(u8, i64)> {
    let folded = fold(text);
    if folded.contains("copyright") {
        return None;
    }
    if !(folded.contains("cybertipline") || folded.contains("report")) {
        return None;
    }
    let (start, year) = *years(text).first()?;
    let leading = text[..start].trim().is_empty();
    Some((if leading { 2 } else { 1 }, year))
}

/// The best title among `(position, text)` candidates, in document order.
pub(super) fn best_title<'a>(
    texts: impl Iterator<Item = (&'a Position, &'a str)>,
) -> Option<(i64, String)> {
    let mut best: Option<(u8, i64, String)> = None;
    for (position, text) in texts {
        if let Some((score, year)) = title_year(text) {
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                let at = format!("the title `{}` ({position})", text.trim());
                best = Some((score, year, at));
            }
        }
    }
    best.map(|(_, year, at)| (year, at))
}
