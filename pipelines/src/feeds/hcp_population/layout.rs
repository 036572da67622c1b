//! The shape of a population file: which headers are population columns (and the year they carry),
//! what a region cell says for the whole country, the year in a file name, and the refusal of a
//! file whose rows are cut short.

use super::*;

/// A population figure replaces the one an earlier file gave for the same cell (the view
/// `population` takes the latest file), so a row cut short must never be staged: a row with
/// fewer cells than the header, or the last line of a CSV file that ends without a line break
/// while its other lines have one (`head -c 128` of a census file ends inside `MA-03,…,4`), refuses
/// the file, naming the line.
pub(super) fn refuse_cut_rows(
    file: &RawFile,
    kind: Tabular,
    header: &Record,
    rows: &[Record],
) -> Result<()> {
    let data: Vec<&Record> = rows.iter().filter(|r| !r.is_blank()).collect();
    for r in &data {
        let filled = r.cells.len();
        if filled < header.cells.len() {
            return Err(PipelineError::Parse {
                file: file.name.clone(),
                position: r.position.to_string(),
                detail: format!(
                    "the row has {filled} cells where the header has {}: a short row is refused \
                     (the file may be truncated), it must not replace an earlier figure",
                    header.cells.len()
                ),
            });
        }
    }
    if kind == Tabular::Csv && !data.is_empty() && !ends_with_line_break(file)? {
        if let Some(last) = data.last() {
            return Err(PipelineError::Parse {
                file: file.name.clone(),
                position: last.position.to_string(),
                detail: format!(
                    "the file ends inside this line (no line break after `{}`): it looks \
                     truncated, and a cut figure must not replace an earlier one; re-export the \
                     file (or, if it is complete, end it with a line break)",
                    last.cells.join(",")
                ),
            });
        }
    }
    Ok(())
}

/// Whether the file's last byte is a line break (CSV is UTF-8 or Windows-1256: one byte).
pub(super) fn ends_with_line_break(file: &RawFile) -> Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |cause| PipelineError::Io {
        file: file.name.clone(),
        cause,
    };
    if file.len == 0 {
        return Ok(true);
    }
    let mut f = std::fs::File::open(&file.path).map_err(io)?;
    f.seek(SeekFrom::End(-1)).map_err(io)?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last).map_err(io)?;
    Ok(matches!(last[0], b'\n' | b'\r'))
}
/// Headers of a population column, once a year is taken out (compared after [`fold`]).
pub(super) const POPULATION_HEADERS: [&str; 14] = [
    "population",
    "population légale",
    "legal population",
    "population totale",
    "total population",
    "pop",
    "effectif",
    "nombre d'habitants",
    "السكان",
    "عدد السكان",
    "السكان القانونيون",
    "الساكنة",
    "الساكنة القانونية",
    "عدد السكان القانونيين",
];

/// What a region cell says for the whole country (compared after [`fold`]).
pub(super) const NATIONAL_LABELS: [&str; 14] = [
    "MA",
    "MAR",
    "Maroc",
    "Morocco",
    "National",
    "Ensemble",
    "Total",
    "Ensemble du Maroc",
    "Total Maroc",
    "Royaume",
    "المغرب",
    "المملكة",
    "المجموع",
    "المجموع الوطني",
];

pub(super) fn is_label(labels: &[&str], folded: &str) -> bool {
    labels.iter().any(|l| fold(l) == folded)
}

/// `Some(year in header)` if `header` names a population column (`population`, `Population
/// légale 2024`, `legal_population_2024`, `السكان 2024`).
pub(super) fn population_header(header: &str) -> Option<Option<i32>> {
    let folded = fold(header);
    let mut year = None;
    let mut words = Vec::new();
    for w in folded.split(' ') {
        match (w.len(), w.parse::<i32>()) {
            (4, Ok(y)) if dates::YEARS.contains(&y) && year.is_none() => year = Some(y),
            _ => words.push(w),
        }
    }
    let rest = words.join(" ");
    is_label(&POPULATION_HEADERS, &rest).then_some(year)
}

/// The first year (in [`dates::YEARS`], four digits standing alone) in a file name.
pub(super) fn year_in_name(name: &str) -> Option<i32> {
    let b = name.as_bytes();
    (0..b.len().saturating_sub(3)).find_map(|i| {
        let digits = &b[i..i + 4];
        let alone = (i == 0 || !b[i - 1].is_ascii_digit())
            && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit());
        if alone && digits.iter().all(u8::is_ascii_digit) {
            let year: i32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
            dates::YEARS.contains(&year).then_some(year)
        } else {
            None
        }
    })
}
