//! # NCMEC — CyberTipline reports by country (`ncmec-country-table`)
//!
//! **Agency.** The National Center for Missing & Exploited Children (NCMEC, United States)
//! publishes once a year the number of CyberTipline reports of suspected child sexual
//! exploitation by the country the upload was located in.
//!
//! **Formats.** The table as NCMEC publishes it each year: the PDF itself (`.pdf`), or the same
//! table saved as CSV (`,` or `;`, UTF-8 with or without BOM, Windows-1256) or as a workbook
//! (`.xlsx`, `.xls`, `.ods`). The wording changes from year to year and the adapter reads any
//! year, not only the ones it was written against:
//! - header `Country | Total Reports`, `Country / Territory | Number of Reports`,
//!   `Country / Territory | Reports`, `Country | Total` (found below any title rows; a header
//!   naming several country/count pairs side by side is read pair by pair);
//! - counts with thousands separators (`1,234,567`; see [`parse_count`]);
//! - a total row (`TOTAL`, `Total:`, `Total`, `Grand Total`) and a no-country row
//!   (`No Country Listed*`, `Null`, `null*`, `Unknown`);
//! - the year from a `year` column if there is one, else from the title (`2023 CyberTipline
//!   Reports by Country`), else from a 4-digit year (2000–2100) in the file name; a file with no
//!   year anywhere is refused.
//!
//! In a PDF, the text lines (see [`pdf::lines`]) are read as a sequence of `<name> <count>` pairs,
//! one or more per line, below the first `Country …` header line. A name that wraps onto the line
//! above its count (`Congo, The Democratic` / `Republic of the 3,856`) is joined back when the
//! joined name is a country. Page furniture (copyright lines, `2019 Reports by ESP 2` page
//! headers, repeated headers, narrative text, footnotes) is not a `<name> <count>` sequence and
//! is passed over.
//!
//! **Samples.** `data-samples/ncmec/ncmec-by-country-2019.pdf` and `…-2023.pdf` (as published),
//! `…-2020.csv`, `…-2021.xlsx` and `…-2022.csv` (synthetic, see data-samples/README.md).
//!
//! **Grain.** One staged row in `staging.ncmec_country_reports` per row of the published table:
//! (year, country) for country rows, plus the no-country row and the total row of each year,
//! told apart by `row_kind`. Country names map to ISO 3166-1 alpha-2 through
//! [`parse_country`]; a name that does not map or a count that is not a count sends the row to
//! quarantine.
//!
//! **Rules** (findings, nothing corrected): country rows plus the no-country row reconcile with
//! the total row (`ncmec.total_reconciles`: info when equal, error with both figures and the
//! difference when not); a missing total row is a warning (`ncmec.total_missing`); a country
//! listed twice is an error (`ncmec.duplicate_country`); a table without Morocco is a warning
//! (`ncmec.morocco_missing`).

use std::collections::BTreeMap;
use std::io::Read;

use arrow::datatypes::{DataType, Field};

use super::FeedContext;
use crate::error::{PipelineError, Result};
use crate::formats::pdf::{self, PdfLine};
use crate::formats::{Position, Record, RowCheck, Tabular};
use crate::normalise::countries::{name_of, parse_country};
use crate::normalise::dates;
use crate::normalise::headers::find_header_row;
use crate::normalise::numbers::{is_blank, parse_count};
use crate::normalise::{fold, ColumnSpec, HeaderMap};
use crate::output::{rejected, Emitter, Sink, TableSpec, Value};
use crate::report::{FeedReport, QuarantineRow, Severity};
use crate::source::RawFile;

/// The feed's name (command line, warehouse, quarantine rows).
pub const FEED: &str = "ncmec-country-table";
/// The staging table.
pub const TABLE: &str = "ncmec_country_reports";

/// `row_kind` values.
pub const KIND_COUNTRY: &str = "country";
pub const KIND_NO_COUNTRY: &str = "no_country";
pub const KIND_TOTAL: &str = "total";

const COUNTRY: ColumnSpec = ColumnSpec::required(
    "country",
    &[
        "country / territory",
        "country or territory",
        "territory",
        "country name",
        "country/territory name",
        "pays",
        "البلد",
        "الدولة",
    ],
);
const REPORTS: ColumnSpec = ColumnSpec::required(
    "reports",
    &[
        "total reports",
        "number of reports",
        "total",
        "total number of reports",
        "cybertipline reports",
        "report count",
        "reports count",
        "count",
        "nombre de signalements",
        "signalements",
        "عدد البلاغات",
    ],
);
const YEAR: ColumnSpec = ColumnSpec::optional(
    "year",
    &["report year", "reporting year", "année", "annee", "السنة"],
);

/// Header words that may stand alone on a line of a PDF header (`Country Total` / `Reports`).
const HEADER_WORDS: &[&str] = &["reports", "total reports", "number of reports", "territory"];

/// Longest name (in words) of one `<name> <count>` pair in a PDF line; longer runs of words are
/// text, not a table row (`South Georgia and the South Sandwich Islands` has 7).
const MAX_NAME_WORDS: usize = 8;
/// Longest line (in words) taken as the first half of a wrapped country name.
const MAX_FRAGMENT_WORDS: usize = 6;

/// The staging table this feed writes.
pub fn tables() -> Vec<TableSpec> {
    vec![table()]
}

fn table() -> TableSpec {
    TableSpec::new(
        TABLE,
        vec![
            Field::new("year", DataType::Int64, false),
            Field::new("country_code", DataType::Utf8, true),
            Field::new("country_name", DataType::Utf8, false),
            Field::new("reports", DataType::Int64, false),
            Field::new("row_kind", DataType::Utf8, false),
        ],
    )
}

/// Read one table (PDF, CSV or workbook) into `sink`.
pub fn read(file: &RawFile, _ctx: &FeedContext, sink: &mut dyn Sink) -> Result<FeedReport> {
    let parsed = if is_pdf(file)? {
        read_pdf(file)?
    } else {
        let kind = Tabular::of(file, FEED, &[Tabular::Csv, Tabular::Xlsx])?;
        read_tabular(file, kind)?
    };
    let title_year = parsed.title.as_ref().map(|(y, _)| *y);
    let name_year = year_in(&file.name);
    let file_year = title_year.or(name_year);
    if !parsed.has_year_column && file_year.is_none() {
        return Err(PipelineError::layout(
            &file.name,
            FEED,
            "no year: the table has no `year` column, no title naming the year (such as \
             `2023 CyberTipline Reports by Country`), and the file name has no 4-digit year",
        ));
    }

    let mut out = Emitter::new(FEED, file, sink)?;
    match (&parsed.title, name_year) {
        (Some((year, at)), Some(other)) if *year != other => out.finding(
            "ncmec.year_conflict",
            Severity::Warning,
            None,
            format!(
                "{at} says {year} but the file name says {other}; the title's year {year} is used"
            ),
        ),
        _ => {}
    }
    if let Some(year) = file_year {
        let from = match &parsed.title {
            Some((_, at)) => at.clone(),
            None => format!("the file name `{}`", file.name),
        };
        let scope = if parsed.has_year_column {
            " for rows whose `year` cell is empty"
        } else {
            ""
        };
        out.finding(
            "ncmec.year",
            Severity::Info,
            None,
            format!("year {year} taken from {from}{scope}"),
        );
    }
    for (position, text) in &parsed.notes {
        out.finding(
            "ncmec.note",
            Severity::Info,
            Some(position.to_string()),
            format!("note under the table, not a row: `{text}`"),
        );
    }
    for bad in parsed.misshapen {
        out.reject(bad)?;
    }

    let spec = table();
    let mut tallies: BTreeMap<i64, Tally> = BTreeMap::new();
    for row in &parsed.rows {
        stage(&mut out, &spec, row, file_year, &mut tallies)?;
    }
    for (year, tally) in &tallies {
        validate(&mut out, *year, tally);
    }
    out.finish()
}

/// One row of the published table, as text, before mapping.
#[derive(Debug, Clone, PartialEq)]
struct RawRow {
    position: Position,
    /// The country (or total, or no-country) label as published.
    name: String,
    /// The count as published.
    count: String,
    /// The `year` cell, when the file has a year column.
    year: Option<String>,
}

/// What a file holds once read: its rows and what names its year.
#[derive(Debug, Default)]
struct Parsed {
    rows: Vec<RawRow>,
    /// The year named by a title line or cell, and where (`the title `…` (page 1 line 2)`).
    title: Option<(i64, String)>,
    has_year_column: bool,
    /// Text rows under a CSV or workbook table (footnotes, sources).
    notes: Vec<(Position, String)>,
    /// Rows of a CSV or workbook table whose cells do not line up with the header
    /// (`formats::RowCheck`), quarantined whole.
    misshapen: Vec<Vec<QuarantineRow>>,
}

/// What a row of the table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Country(&'static str),
    NoCountry,
    Total,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Country(_) => KIND_COUNTRY,
            Kind::NoCountry => KIND_NO_COUNTRY,
            Kind::Total => KIND_TOTAL,
        }
    }
}

fn is_total(name: &str) -> bool {
    crate::normalise::labels::is_total(name)
}

/// Total label, no-country marker, or a country that maps to ISO 3166-1.
fn classify(name: &str) -> std::result::Result<Kind, String> {
    if is_total(name) {
        return Ok(Kind::Total);
    }
    Ok(match parse_country(name)? {
        Some(code) => Kind::Country(code),
        None => Kind::NoCountry,
    })
}

// ---------------------------------------------------------------------------------------------
// Staging and validation
// ---------------------------------------------------------------------------------------------

/// What the rules need to know about one year's table.
#[derive(Debug, Default)]
struct Tally {
    /// Sum of the readable counts of the country rows and the no-country rows.
    components: i128,
    country_rows: usize,
    no_country_rows: Vec<String>,
    /// Country rows kept in quarantine for their name whose count was readable (they are part of
    /// the published table, so their count is in `components`).
    unmapped_rows: usize,
    /// Positions of country or no-country rows whose count could not be read.
    unreadable: Vec<String>,
    /// Total rows: position and count (`None` if unreadable).
    totals: Vec<(String, Option<i64>)>,
    /// First row of each country: position and name as published.
    seen: BTreeMap<&'static str, (String, String)>,
    /// (code, first position, first name, position, name) of repeated countries.
    duplicates: Vec<(&'static str, String, String, String, String)>,
    morocco: bool,
}

fn stage(
    out: &mut Emitter<'_>,
    spec: &TableSpec,
    row: &RawRow,
    file_year: Option<i64>,
    tallies: &mut BTreeMap<i64, Tally>,
) -> Result<()> {
    let at = &row.position;
    let mut rejects = Vec::new();

    let year = match row.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(cell) => match parse_year_cell(cell) {
            Ok(y) => Some(y),
            Err(reason) => {
                rejects.push(rejected(at, "year", Some(cell), reason));
                None
            }
        },
        None => {
            if file_year.is_none() {
                rejects.push(rejected(
                    at,
                    "year",
                    None,
                    "empty year, and neither the title nor the file name names one",
                ));
            }
            file_year
        }
    };

    let kind = match classify(&row.name) {
        Ok(kind) => Some(kind),
        Err(reason) => {
            rejects.push(rejected(at, "country_name", Some(&row.name), reason));
            None
        }
    };

    let count = if is_blank(&row.count) {
        let reason = if row.count.trim().is_empty() {
            "no count given".to_string()
        } else {
            format!("no count given (`{}`)", row.count.trim())
        };
        Err(reason)
    } else {
        parse_count(&row.count)
    };
    let count = match count {
        Ok(n) => Some(n),
        Err(reason) => {
            rejects.push(rejected(at, "reports", Some(&row.count), reason));
            None
        }
    };

    if let Some(year) = year {
        let tally = tallies.entry(year).or_default();
        let here = at.to_string();
        match kind {
            Some(Kind::Total) => tally.totals.push((here, count)),
            other => {
                match count {
                    Some(n) => tally.components += i128::from(n),
                    None => tally.unreadable.push(here.clone()),
                }
                match other {
                    Some(Kind::Country(code)) => {
                        tally.country_rows += 1;
                        if code == "MA" && count.is_some() {
                            tally.morocco = true;
                        }
                        match tally.seen.get(code) {
                            Some((first_at, first_name)) => tally.duplicates.push((
                                code,
                                first_at.clone(),
                                first_name.clone(),
                                here,
                                row.name.clone(),
                            )),
                            None => {
                                tally.seen.insert(code, (here, row.name.clone()));
                            }
                        }
                    }
                    Some(Kind::NoCountry) => tally.no_country_rows.push(here),
                    Some(Kind::Total) => {}
                    None => {
                        tally.country_rows += 1;
                        if count.is_some() {
                            tally.unmapped_rows += 1;
                        }
                    }
                }
            }
        }
    }

    match (year, kind, count) {
        (Some(year), Some(kind), Some(count)) if rejects.is_empty() => {
            let code = match kind {
                Kind::Country(code) => Value::from(code),
                Kind::NoCountry | Kind::Total => Value::Null,
            };
            out.row(
                spec,
                at,
                vec![
                    Value::Int(year),
                    code,
                    Value::from(row.name.trim()),
                    Value::Int(count),
                    Value::from(kind.label()),
                ],
            )
        }
        _ => out.reject(rejects),
    }
}

fn validate(out: &mut Emitter<'_>, year: i64, t: &Tally) {
    for (code, first_at, first_name, at, name) in &t.duplicates {
        out.finding(
            "ncmec.duplicate_country",
            Severity::Error,
            Some(at.clone()),
            format!(
                "{year}: {code} ({}) is listed more than once: `{first_name}` at {first_at} and \
                 `{name}` at {at}; both rows are staged as published",
                name_of(code).unwrap_or(code)
            ),
        );
    }
    if t.no_country_rows.len() > 1 {
        out.finding(
            "ncmec.duplicate_no_country",
            Severity::Warning,
            t.no_country_rows.last().cloned(),
            format!(
                "{year}: {} no-country rows ({}); all of them count in the reconciliation",
                t.no_country_rows.len(),
                t.no_country_rows.join(", ")
            ),
        );
    }
    if !t.morocco {
        out.finding(
            "ncmec.morocco_missing",
            Severity::Warning,
            None,
            format!("{year}: the table has no readable row for Morocco (MA)"),
        );
    }

    let rows = match t.no_country_rows.len() {
        0 => format!("the {} country rows", t.country_rows),
        1 => format!("the {} country rows and the no-country row", t.country_rows),
        n => format!(
            "the {} country rows and the {n} no-country rows",
            t.country_rows
        ),
    };
    let quarantined = match t.unmapped_rows {
        0 => String::new(),
        1 => " (including 1 row kept in quarantine for its country name)".to_string(),
        n => format!(" (including {n} rows kept in quarantine for their country name)"),
    };
    if t.totals.is_empty() {
        out.finding(
            "ncmec.total_missing",
            Severity::Warning,
            None,
            format!(
                "{year}: the table has no total row (`Total`, `TOTAL`, `Total:`); {rows} add up \
                 to {}{quarantined} and cannot be checked",
                thousands(t.components)
            ),
        );
        return;
    }
    if t.totals.len() > 1 {
        let all: Vec<&str> = t.totals.iter().map(|(at, _)| at.as_str()).collect();
        out.finding(
            "ncmec.duplicate_total",
            Severity::Error,
            t.totals.last().map(|(at, _)| at.clone()),
            format!("{year}: {} total rows ({})", t.totals.len(), all.join(", ")),
        );
    }
    for (at, total) in &t.totals {
        let Some(total) = total else {
            out.finding(
                "ncmec.total_reconciles",
                Severity::Warning,
                Some(at.clone()),
                format!("{year}: the total row has no readable count; the table is not reconciled"),
            );
            continue;
        };
        let total = i128::from(*total);
        if !t.unreadable.is_empty() {
            out.finding(
                "ncmec.total_reconciles",
                Severity::Warning,
                Some(at.clone()),
                format!(
                    "{year}: not reconciled: {} rows have no readable count ({}); the readable \
                     rows add up to {} and the total row says {}",
                    t.unreadable.len(),
                    t.unreadable.join(", "),
                    thousands(t.components),
                    thousands(total)
                ),
            );
        } else if t.components == total {
            out.finding(
                "ncmec.total_reconciles",
                Severity::Info,
                Some(at.clone()),
                format!(
                    "{year}: {rows} add up to {}{quarantined}, the figure of the total row",
                    thousands(total)
                ),
            );
        } else {
            let diff = t.components - total;
            out.finding(
                "ncmec.total_reconciles",
                Severity::Error,
                Some(at.clone()),
                format!(
                    "{year}: {rows} add up to {}{quarantined} but the total row says {} \
                     (difference {}{}); the figures are kept as published",
                    thousands(t.components),
                    thousands(total),
                    if diff > 0 { "+" } else { "-" },
                    thousands(diff.abs())
                ),
            );
        }
    }
}

use crate::format::thousands;

// ---------------------------------------------------------------------------------------------
// Years
// ---------------------------------------------------------------------------------------------

fn parse_year_cell(cell: &str) -> std::result::Result<i64, String> {
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
fn years(text: &str) -> Vec<(usize, i64)> {
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
fn year_in(name: &str) -> Option<i64> {
    years(name).first().map(|(_, y)| *y)
}

/// How strongly a line of text names the table's year: 2 for a title that starts with the year
/// (`2023 CyberTipline Reports`), 1 for other text about CyberTipline reports that names a year,
/// `None` for anything else (copyright lines never count).
fn title_year(text: &str) -> Option<(u8, i64)> {
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
fn best_title<'a>(texts: impl Iterator<Item = (&'a Position, &'a str)>) -> Option<(i64, String)> {
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

// ---------------------------------------------------------------------------------------------
// PDF
// ---------------------------------------------------------------------------------------------

fn is_pdf(file: &RawFile) -> Result<bool> {
    if file.extension() == "pdf" {
        return Ok(true);
    }
    let mut head = [0u8; 5];
    let n = std::fs::File::open(&file.path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|cause| PipelineError::Io {
            file: file.name.clone(),
            cause,
        })?;
    Ok(head[..n].starts_with(b"%PDF"))
}

fn read_pdf(file: &RawFile) -> Result<Parsed> {
    let bytes = file.bytes()?;
    // A PDF ends with `%%EOF` (possibly followed by a newline); a truncated copy may still give
    // some pages of text, which would make a partial table look complete. Bytes after the last
    // `%%EOF` (junk appended in transit) are not truncation: `pdf::lines` ignores them.
    if bytes.starts_with(b"%PDF") && memchr::memmem::rfind(&bytes, b"%%EOF").is_none() {
        return Err(PipelineError::parse(
            &file.name,
            format!("byte {}", bytes.len()),
            "truncated PDF: no %%EOF marker at the end of the file",
        ));
    }
    let lines = pdf::lines(file)?;
    let rows = pdf_rows(&lines);
    if rows.is_empty() {
        return Err(PipelineError::layout(
            &file.name,
            FEED,
            "no table found: no `Country … Reports` header line followed by `<country> <count>` \
             lines in the PDF's text",
        ));
    }
    Ok(Parsed {
        rows,
        title: best_title(lines.iter().map(|l| (&l.position, l.text.as_str()))),
        has_year_column: false,
        notes: Vec::new(),
        misshapen: Vec::new(),
    })
}

fn page_of(p: &Position) -> u32 {
    match p {
        Position::Page { page, .. } => *page,
        _ => 0,
    }
}

/// The table rows among a PDF's text lines.
fn pdf_rows(lines: &[PdfLine]) -> Vec<RawRow> {
    let mut rows = Vec::new();
    let mut in_table = false;
    // Lines just above that may be the first half of a wrapped name.
    let mut fragments: Vec<&PdfLine> = Vec::new();
    for line in lines {
        if is_pdf_header(&line.text) {
            in_table = true;
            fragments.clear();
            continue;
        }
        if !in_table {
            continue;
        }
        if fragments
            .first()
            .is_some_and(|f| page_of(&f.position) != page_of(&line.position))
        {
            fragments.clear();
        }
        match split_pairs(&line.text) {
            Some(split) if split.leading.is_none() || !fragments.is_empty() => {
                let mut pairs = split.pairs.into_iter();
                if let Some(count) = split.leading {
                    // The count stands alone under its name: `Congo, The Democratic Republic` /
                    // `of the` / `3,856`.
                    let (name, position) = join_wrapped(&fragments, "", &line.position);
                    rows.push(RawRow {
                        position,
                        name,
                        count,
                        year: None,
                    });
                } else if let Some((name, count)) = pairs.next() {
                    let (name, position) = join_wrapped(&fragments, &name, &line.position);
                    rows.push(RawRow {
                        position,
                        name,
                        count,
                        year: None,
                    });
                }
                for (name, count) in pairs {
                    rows.push(RawRow {
                        position: line.position.clone(),
                        name,
                        count,
                        year: None,
                    });
                }
                fragments.clear();
            }
            _ if is_fragment(&line.text) => {
                fragments.push(line);
                if fragments.len() > 2 {
                    fragments.remove(0);
                }
            }
            _ => fragments.clear(),
        }
    }
    rows
}

/// A header line: `Country Total`, `Country / Territory Reports`, `Country Total Reports`.
fn is_pdf_header(text: &str) -> bool {
    let folded = fold(text);
    !text.bytes().any(|b| b.is_ascii_digit())
        && (folded == "country" || folded.starts_with("country "))
        && folded.split(' ').count() <= MAX_FRAGMENT_WORDS
}

/// A short line of words without digits: possibly the first half of a wrapped name.
fn is_fragment(text: &str) -> bool {
    let folded = fold(text);
    !folded.is_empty()
        && !text.bytes().any(|b| b.is_ascii_digit())
        && text.split_whitespace().count() <= MAX_FRAGMENT_WORDS
        && !HEADER_WORDS.contains(&folded.as_str())
}

/// Prefix the name with the fragment lines above it when that makes a known label; the position
/// is then the line the name starts on.
fn join_wrapped(fragments: &[&PdfLine], name: &str, at: &Position) -> (String, Position) {
    for take in (1..=fragments.len()).rev() {
        let used = &fragments[fragments.len() - take..];
        let mut joined: Vec<&str> = used.iter().map(|f| f.text.trim()).collect();
        if !name.is_empty() {
            joined.push(name);
        }
        let joined = joined.join(" ");
        if classify(&joined).is_ok() {
            return (joined, used[0].position.clone());
        }
    }
    if name.is_empty() {
        // A count alone under text that is not a known name: keep the nearest line as the name,
        // so the row is quarantined with it rather than lost.
        if let Some(last) = fragments.last() {
            return (last.text.trim().to_string(), last.position.clone());
        }
    }
    (name.to_string(), at.clone())
}

/// A PDF line cut into `<name> <count>` pairs.
#[derive(Debug, PartialEq)]
struct Split {
    /// A count before any name (its name is on the line above, or this is not a table line).
    leading: Option<String>,
    pairs: Vec<(String, String)>,
}

/// A token that is written like a count: digits, with `,` or `.` between digits.
fn is_count_token(token: &str) -> bool {
    let b = token.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_digit()
        && b[b.len() - 1].is_ascii_digit()
        && b.iter()
            .all(|c| c.is_ascii_digit() || *c == b',' || *c == b'.')
}

/// Cut a line into `<name> <count>` pairs; `None` when the line is not such a sequence (text,
/// a header, a footnote, a page number).
fn split_pairs(text: &str) -> Option<Split> {
    let mut leading = None;
    let mut pairs = Vec::new();
    let mut name: Vec<&str> = Vec::new();
    for (i, token) in text.split_whitespace().enumerate() {
        if is_count_token(token) {
            if name.is_empty() {
                if i == 0 {
                    leading = Some(token.to_string());
                    continue;
                }
                return None;
            }
            if name.len() > MAX_NAME_WORDS
                || !name.iter().any(|w| w.chars().any(char::is_alphabetic))
            {
                return None;
            }
            pairs.push((name.join(" "), token.to_string()));
            name.clear();
        } else {
            name.push(token);
        }
    }
    if !name.is_empty() || (pairs.is_empty() && leading.is_none()) {
        return None;
    }
    Some(Split { leading, pairs })
}

// ---------------------------------------------------------------------------------------------
// CSV and workbooks
// ---------------------------------------------------------------------------------------------

fn header_matches(spec: &ColumnSpec, cell: &str) -> bool {
    let folded = fold(cell);
    !folded.is_empty()
        && (fold(spec.name) == folded || spec.aliases.iter().any(|a| fold(a) == folded))
}

/// (country column, reports column) pairs of a header row: usually one, several when the table
/// was saved with its columns side by side.
fn column_pairs(header: &[String]) -> Vec<(usize, usize)> {
    let countries: Vec<usize> = (0..header.len())
        .filter(|&i| header_matches(&COUNTRY, &header[i]))
        .collect();
    let reports: Vec<usize> = (0..header.len())
        .filter(|&i| header_matches(&REPORTS, &header[i]))
        .collect();
    if countries.len() == 1 && reports.len() == 1 {
        return vec![(countries[0], reports[0])];
    }
    let mut pairs = Vec::new();
    for (k, &c) in countries.iter().enumerate() {
        let next = countries.get(k + 1).copied().unwrap_or(usize::MAX);
        if let Some(&r) = reports.iter().find(|&&r| r > c && r < next) {
            pairs.push((c, r));
        }
    }
    pairs
}

fn read_tabular(file: &RawFile, kind: Tabular) -> Result<Parsed> {
    let records: Vec<Record> = kind.rows(file)?.collect::<Result<_>>()?;
    let Some(header_at) = find_header_row(&records, &[COUNTRY, REPORTS]) else {
        return Err(no_header(file, &records));
    };
    let header = &records[header_at];
    let pairs = column_pairs(&header.cells);
    if pairs.is_empty() {
        return Err(PipelineError::layout(
            &file.name,
            FEED,
            format!(
                "at {}: the header has no reports column to the right of its country column",
                header.position
            ),
        ));
    }
    let year_col = header.cells.iter().position(|h| header_matches(&YEAR, h));
    let title = best_title(records[..header_at].iter().flat_map(|r| {
        r.cells
            .iter()
            .filter(|c| !c.trim().is_empty())
            .map(move |c| (&r.position, c.as_str()))
    }));

    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut misshapen = Vec::new();
    let shape = RowCheck::new(file, &header.cells);
    let mut total_seen = false;
    for record in &records[header_at + 1..] {
        if record.is_blank() {
            continue;
        }
        let bad = shape.check(record, &record.position);
        // A note under the table (one text cell) is short by nature: it is reported as a note.
        let note = record.cells.iter().filter(|c| !c.trim().is_empty()).count() == 1
            && bad.iter().all(|q| q.value.is_none());
        if !bad.is_empty() && !note {
            misshapen.push(bad);
            continue;
        }
        for &(c, r) in &pairs {
            let name = record.cell(c);
            let count = record.cell(r);
            if name.is_empty() && count.is_empty() {
                continue;
            }
            // A header repeated further down (a table pasted page by page).
            if header_matches(&COUNTRY, name) && header_matches(&REPORTS, count) {
                continue;
            }
            let alone = record
                .cells
                .iter()
                .enumerate()
                .all(|(i, v)| i == c || v.trim().is_empty());
            if count.is_empty()
                && alone
                && classify(name).is_err()
                && (total_seen || name.starts_with('*'))
            {
                notes.push((record.position.clone(), name.to_string()));
                continue;
            }
            if is_total(name) {
                total_seen = true;
            }
            rows.push(RawRow {
                position: record.position.clone(),
                name: name.to_string(),
                count: count.to_string(),
                year: year_col.map(|y| record.cell(y).to_string()),
            });
        }
    }
    if rows.is_empty() {
        return Err(PipelineError::Empty {
            file: file.name.clone(),
            detail: Some(format!(
                "a header at {} and no row under it",
                header.position
            )),
        });
    }
    Ok(Parsed {
        rows,
        title,
        has_year_column: year_col.is_some(),
        notes,
        misshapen,
    })
}

/// The error for a file with no `Country | Reports` header: the missing column, the accepted
/// headers and what the first row that looks like a header holds.
fn no_header(file: &RawFile, records: &[Record]) -> PipelineError {
    let candidate = records
        .iter()
        .find(|r| r.cells.iter().filter(|c| !c.trim().is_empty()).count() >= 2)
        .or_else(|| records.iter().find(|r| !r.is_blank()));
    match candidate {
        None => PipelineError::Empty {
            file: file.name.clone(),
            detail: None,
        },
        Some(r) => HeaderMap::new(&file.name, &r.cells, &[COUNTRY, REPORTS])
            .err()
            .unwrap_or_else(|| {
                PipelineError::layout(&file.name, FEED, "no `Country | Reports` header row found")
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::MemorySink;
    use arrow::array::{Array, Int64Array, StringArray};
    use std::path::Path;

    const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data-samples/ncmec");

    /// One staged row, read back from the sink.
    #[derive(Debug, Clone, PartialEq)]
    struct Row {
        year: i64,
        code: Option<String>,
        name: String,
        reports: i64,
        kind: String,
        position: String,
    }

    fn staged(sink: &MemorySink) -> Vec<Row> {
        let Some(batch) = sink.batch(TABLE) else {
            return Vec::new();
        };
        let s = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap()
                .clone()
        };
        let i = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap()
                .clone()
        };
        let (year, code, name, reports, kind, pos) = (
            i("year"),
            s("country_code"),
            s("country_name"),
            i("reports"),
            s("row_kind"),
            s(crate::schema::LINEAGE_POSITION),
        );
        (0..batch.num_rows())
            .map(|r| Row {
                year: year.value(r),
                code: (!code.is_null(r)).then(|| code.value(r).to_string()),
                name: name.value(r).to_string(),
                reports: reports.value(r),
                kind: kind.value(r).to_string(),
                position: pos.value(r).to_string(),
            })
            .collect()
    }

    /// (position, column, value, reason) of every quarantined value.
    fn quarantined(sink: &MemorySink) -> Vec<(String, String, String, String)> {
        let mut out = Vec::new();
        for b in &sink.quarantine {
            let col = |n: &str| {
                b.column_by_name(n)
                    .unwrap()
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .unwrap()
                    .clone()
            };
            let (p, c, v, r) = (col("position"), col("column"), col("value"), col("reason"));
            for i in 0..b.num_rows() {
                out.push((
                    p.value(i).to_string(),
                    c.value(i).to_string(),
                    if v.is_null(i) {
                        String::new()
                    } else {
                        v.value(i).to_string()
                    },
                    r.value(i).to_string(),
                ));
            }
        }
        out
    }

    fn run_path(path: &Path) -> (MemorySink, Result<FeedReport>) {
        let file = RawFile::open(path).unwrap();
        let mut sink = MemorySink::default();
        let report = read(&file, &FeedContext::default(), &mut sink);
        (sink, report)
    }

    fn run_sample(name: &str) -> (MemorySink, FeedReport) {
        let (sink, report) = run_path(&Path::new(SAMPLES).join(name));
        let report = report.unwrap_or_else(|e| panic!("{name}: {e}"));
        (sink, report)
    }

    fn run_bytes(name: &str, bytes: &[u8]) -> (tempfile::TempDir, MemorySink, Result<FeedReport>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let (sink, report) = run_path(&path);
        (dir, sink, report)
    }

    fn figure(rows: &[Row], year: i64, code: &str) -> Option<i64> {
        let hits: Vec<i64> = rows
            .iter()
            .filter(|r| r.year == year && r.code.as_deref() == Some(code))
            .map(|r| r.reports)
            .collect();
        assert!(hits.len() <= 1, "{code} {year} staged {} times", hits.len());
        hits.first().copied()
    }

    fn total(rows: &[Row], year: i64) -> Option<i64> {
        rows.iter()
            .find(|r| r.year == year && r.kind == KIND_TOTAL)
            .map(|r| r.reports)
    }

    fn findings<'r>(report: &'r FeedReport, rule: &str) -> Vec<&'r crate::report::Finding> {
        report.findings.iter().filter(|f| f.rule == rule).collect()
    }

    /// The checks every shipped sample passes: Morocco and the total as published, every row
    /// mapped, the table reconciled, no error.
    fn check_sample(name: &str, year: i64, morocco: i64, world: i64) -> (Vec<Row>, FeedReport) {
        let (sink, report) = run_sample(name);
        let rows = staged(&sink);
        assert_eq!(figure(&rows, year, "MA"), Some(morocco), "{name}: Morocco");
        assert_eq!(total(&rows, year), Some(world), "{name}: total");
        assert_eq!(
            sink.quarantine_count(),
            0,
            "{name}: {:?}",
            quarantined(&sink)
        );
        let rec = findings(&report, "ncmec.total_reconciles");
        assert_eq!(rec.len(), 1, "{name}: {report}");
        assert_eq!(rec[0].severity, Severity::Info, "{name}: {report}");
        assert!(
            rec[0].message.contains(&thousands(world.into())),
            "{}",
            rec[0].message
        );
        assert!(report.worst() < Some(Severity::Warning), "{name}: {report}");
        assert!(rows.iter().all(|r| r.year == year));
        // The table ends with its no-country and total rows, and only those lack a code.
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == KIND_TOTAL).count(), 1);
        assert_eq!(kinds.iter().filter(|k| **k == KIND_NO_COUNTRY).count(), 1);
        assert_eq!(kinds.last(), Some(&KIND_TOTAL));
        assert!(rows
            .iter()
            .all(|r| r.code.is_none() == (r.kind != KIND_COUNTRY)));
        (rows, report)
    }

    #[test]
    fn ncmec_2019_pdf_as_published() {
        let (rows, report) = check_sample("ncmec-by-country-2019.pdf", 2019, 322_889, 16_987_361);
        // Every country row of the PDF maps: none quarantined (checked above), and the
        // wrapped names are joined back.
        let congo = rows
            .iter()
            .find(|r| r.code.as_deref() == Some("CD"))
            .unwrap();
        assert_eq!(congo.name, "Congo, The Democratic Republic of the");
        assert_eq!(congo.reports, 3_856);
        assert_eq!(congo.position, "page 2 line 57");
        let nc = rows.iter().find(|r| r.kind == KIND_NO_COUNTRY).unwrap();
        assert_eq!(
            (nc.name.as_str(), nc.reports),
            ("No Country Listed*", 1_668_157)
        );
        assert_eq!(total(&rows, 2019), Some(16_987_361));
        assert_eq!(figure(&rows, 2019, "IN"), Some(1_987_430));
        assert_eq!(figure(&rows, 2019, "XK"), Some(694));
        assert_eq!(figure(&rows, 2019, "BL"), Some(7));
        let ma = rows
            .iter()
            .find(|r| r.code.as_deref() == Some("MA"))
            .unwrap();
        assert_eq!(ma.position, "page 3 line 80");
        assert!(rows.len() > 200, "{} rows", rows.len());
        let year = findings(&report, "ncmec.year");
        assert!(
            year[0].message.contains("2019 CyberTipline Reports"),
            "{report}"
        );
    }

    #[test]
    fn ncmec_2023_pdf_as_published() {
        let (rows, _) = check_sample("ncmec-by-country-2023.pdf", 2023, 543_638, 36_210_368);
        let nc = rows.iter().find(|r| r.kind == KIND_NO_COUNTRY).unwrap();
        assert_eq!((nc.name.as_str(), nc.reports), ("null*", 1_851_762));
        let sh = rows
            .iter()
            .find(|r| r.code.as_deref() == Some("SH"))
            .unwrap();
        assert_eq!(sh.name, "Saint Helena, Ascension and Tristan da Cunha");
        assert_eq!(sh.position, "page 6 line 20");
        assert_eq!(figure(&rows, 2023, "TR"), Some(817_503));
        assert_eq!(figure(&rows, 2023, "IN"), Some(8_923_738));
    }

    #[test]
    fn ncmec_2020_csv_synthetic() {
        let (rows, report) = check_sample("ncmec-by-country-2020.csv", 2020, 705_863, 21_751_085);
        assert_eq!(rows.last().unwrap().name, "Total:");
        assert!(rows
            .iter()
            .any(|r| r.kind == KIND_NO_COUNTRY && r.name == "Null"));
        assert_eq!(rows[0].position, "line 2");
        // No title: the year comes from the file name.
        assert!(findings(&report, "ncmec.year")[0]
            .message
            .contains("file name"));
    }

    #[test]
    fn ncmec_2021_xlsx_synthetic() {
        let (rows, report) = check_sample("ncmec-by-country-2021.xlsx", 2021, 347_443, 29_397_681);
        assert_eq!(rows.last().unwrap().name, "TOTAL");
        assert!(rows
            .iter()
            .any(|r| r.kind == KIND_NO_COUNTRY && r.name == "null*"));
        assert!(
            rows[0].position.starts_with("sheet '"),
            "{}",
            rows[0].position
        );
        assert!(findings(&report, "ncmec.year")[0]
            .message
            .contains("2021 CyberTipline"));
    }

    #[test]
    fn ncmec_2022_csv_synthetic() {
        let (rows, report) = check_sample("ncmec-by-country-2022.csv", 2022, 258_172, 32_059_029);
        assert_eq!(rows.last().unwrap().name, "Total");
        assert!(rows
            .iter()
            .any(|r| r.kind == KIND_NO_COUNTRY && r.name == "No Country Listed"));
        // Windows-1256 text decoded: accented names arrive intact and map.
        assert!(rows
            .iter()
            .any(|r| r.name == "Côte d’Ivoire" && r.code.as_deref() == Some("CI")));
        assert!(findings(&report, "ncmec.year")[0]
            .message
            .contains("2022 CyberTipline"));
    }

    #[test]
    fn ncmec_tables_schema() {
        let t = tables();
        assert_eq!(t.len(), 1);
        let names: Vec<&str> = t[0]
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        assert_eq!(
            &names[..5],
            [
                "year",
                "country_code",
                "country_name",
                "reports",
                "row_kind"
            ]
        );
        assert!(t[0].schema.field(1).is_nullable() && !t[0].schema.field(0).is_nullable());
    }

    #[test]
    fn ncmec_truncated_pdf_is_refused() {
        let bytes = std::fs::read(Path::new(SAMPLES).join("ncmec-by-country-2023.pdf")).unwrap();
        let (_d, sink, report) = run_bytes("ncmec-by-country-2023.pdf", &bytes[..bytes.len() / 2]);
        let err = report.unwrap_err().to_string();
        assert!(err.contains("ncmec-by-country-2023.pdf"), "{err}");
        assert_eq!(sink.row_count(TABLE), 0);
    }

    #[test]
    fn ncmec_not_a_table_is_refused() {
        let (_d, _s, r) = run_bytes("ncmec-2023.pdf", b"Country,Reports\nMorocco,1\n");
        assert!(r.unwrap_err().to_string().contains("ncmec-2023.pdf"));
        let (_d, _s, r) = run_bytes("ncmec-2023.docx", b"PK\x03\x04");
        assert!(r.unwrap_err().to_string().contains("ncmec-2023.docx"));
        let (_d, _s, r) = run_bytes("ncmec-2023.csv", b"Land,Anzahl\nMarokko,1\n");
        let err = r.unwrap_err().to_string();
        assert!(
            err.contains("ncmec-2023.csv") && err.contains("`country`"),
            "{err}"
        );
        let (_d, _s, r) = run_bytes("ncmec-2023.xlsx", b"not a workbook");
        assert!(r.unwrap_err().to_string().contains("ncmec-2023.xlsx"));
    }

    #[test]
    fn ncmec_no_year_anywhere_is_refused() {
        let (_d, sink, r) = run_bytes(
            "cybertipline-by-country.csv",
            b"Country,Reports\nMorocco,\"1,000\"\nTotal,\"1,000\"\n",
        );
        let err = r.unwrap_err();
        assert!(matches!(err, PipelineError::UnknownLayout { .. }), "{err}");
        let err = err.to_string();
        assert!(
            err.contains("cybertipline-by-country.csv") && err.contains("no year"),
            "{err}"
        );
        assert_eq!(sink.row_count(TABLE), 0);
    }

    #[test]
    fn ncmec_unknown_country_is_quarantined_with_its_line() {
        let csv = "Country / Territory,Number of Reports\nMorocco,\"1,000\"\nAtlantis,50\n\
                   Null,25\nTotal:,\"1,075\"\n";
        let (_d, sink, r) = run_bytes("ncmec-2024.csv", csv.as_bytes());
        let report = r.unwrap();
        let q = quarantined(&sink);
        assert_eq!(q.len(), 1, "{q:?}");
        assert_eq!(q[0].0, "line 3");
        assert_eq!(q[0].1, "country_name");
        assert_eq!(q[0].2, "Atlantis");
        assert!(q[0].3.contains("unknown country"), "{}", q[0].3);
        let rows = staged(&sink);
        assert_eq!(rows.len(), 3);
        assert_eq!(figure(&rows, 2024, "MA"), Some(1_000));
        // The quarantined row is part of the published table: the total still reconciles.
        let rec = findings(&report, "ncmec.total_reconciles");
        assert_eq!(rec[0].severity, Severity::Info, "{report}");
        assert!(rec[0].message.contains("quarantine"), "{}", rec[0].message);
    }

    #[test]
    fn ncmec_bad_count_is_quarantined() {
        let csv = "Country,Total Reports\nMorocco,12.5\nSpain,-\nTotal,100\n";
        let (_d, sink, r) = run_bytes("ncmec-2024.csv", csv.as_bytes());
        let report = r.unwrap();
        let q = quarantined(&sink);
        assert_eq!(q.len(), 2, "{q:?}");
        assert_eq!((q[0].0.as_str(), q[0].1.as_str()), ("line 2", "reports"));
        assert!(q[1].3.contains("no count"), "{q:?}");
        let rec = findings(&report, "ncmec.total_reconciles");
        assert_eq!(rec[0].severity, Severity::Warning, "{report}");
        assert!(!findings(&report, "ncmec.morocco_missing").is_empty());
    }

    #[test]
    fn ncmec_rows_that_do_not_add_up_give_an_error() {
        let csv = "Country,Total Reports\nMorocco,\"1,000\"\nSpain,500\nNo Country Listed,20\n\
                   TOTAL,\"1,600\"\n";
        let (_d, sink, r) = run_bytes("ncmec-2024.csv", csv.as_bytes());
        let report = r.unwrap();
        assert_eq!(sink.row_count(TABLE), 4);
        assert_eq!(total(&staged(&sink), 2024), Some(1_600));
        let rec = findings(&report, "ncmec.total_reconciles");
        assert_eq!(rec.len(), 1);
        assert_eq!(rec[0].severity, Severity::Error);
        let m = &rec[0].message;
        assert!(
            m.contains("1,520") && m.contains("1,600") && m.contains("-80"),
            "{m}"
        );
        assert_eq!(rec[0].position.as_deref(), Some("line 5"));
    }

    #[test]
    fn ncmec_missing_total_and_duplicate_country() {
        let csv = "Country;Reports\nMorocco;10\nMaroc;11\nSpain;5\n";
        let (_d, sink, r) = run_bytes("ncmec_2024.csv", csv.as_bytes());
        let report = r.unwrap();
        assert_eq!(sink.row_count(TABLE), 3);
        assert_eq!(
            findings(&report, "ncmec.total_missing")[0].severity,
            Severity::Warning
        );
        let dup = findings(&report, "ncmec.duplicate_country");
        assert_eq!(dup.len(), 1);
        assert_eq!(dup[0].severity, Severity::Error);
        assert!(dup[0].message.contains("line 2") && dup[0].message.contains("line 3"));
    }

    #[test]
    fn ncmec_header_variants_and_labels() {
        for (header, total_label, none_label) in [
            ("Country,Total Reports", "TOTAL", "No Country Listed*"),
            ("Country / Territory,Number of Reports", "Total:", "Null"),
            ("Country / Territory,Reports", "Total", "null*"),
            ("COUNTRY/TERRITORY,REPORTS", "Grand Total", "Unknown"),
        ] {
            let csv = format!(
                "2024 CyberTipline Reports by Country\n{header}\nMorocco,\"1,234,567\"\n\
                 \"Korea, Republic of\",3\n{none_label},\"2,000\"\n{total_label},\"1,236,570\"\n"
            );
            let (_d, sink, r) = run_bytes("table.csv", csv.as_bytes());
            let report = r.unwrap_or_else(|e| panic!("{header}: {e}"));
            let rows = staged(&sink);
            assert_eq!(figure(&rows, 2024, "MA"), Some(1_234_567), "{header}");
            assert_eq!(figure(&rows, 2024, "KR"), Some(3), "{header}");
            assert_eq!(total(&rows, 2024), Some(1_236_570), "{header}");
            assert_eq!(rows[2].kind, KIND_NO_COUNTRY, "{header}");
            assert_eq!(rows[2].name, none_label);
            assert_eq!(rows[3].name, total_label);
            let rec = findings(&report, "ncmec.total_reconciles");
            assert_eq!(rec[0].severity, Severity::Info, "{report}");
        }
    }

    #[test]
    fn ncmec_year_column_and_side_by_side_pairs() {
        let csv = "Year,Country,Reports,Country,Reports\n\
                   2022,Morocco,10,Spain,5\n2022,Null,1,Total,16\n\
                   2023,Morocco,20,Spain,6\n2023,Null,2,Total,28\n";
        let (_d, sink, r) = run_bytes("ncmec.csv", csv.as_bytes());
        let report = r.unwrap();
        let rows = staged(&sink);
        assert_eq!(rows.len(), 8);
        assert_eq!(figure(&rows, 2022, "MA"), Some(10));
        assert_eq!(figure(&rows, 2023, "ES"), Some(6));
        assert_eq!(total(&rows, 2023), Some(28));
        let rec = findings(&report, "ncmec.total_reconciles");
        assert_eq!(rec.len(), 2);
        assert!(rec.iter().all(|f| f.severity == Severity::Info), "{report}");
    }

    #[test]
    fn ncmec_notes_under_a_table_are_reported_not_staged() {
        let csv = "Country,Reports\nMorocco,10\nnull*,1\nTotal,11\n\
                   *Reasons include no IP address included in the report\nSource: NCMEC\n";
        let (_d, sink, r) = run_bytes("ncmec-2024.csv", csv.as_bytes());
        let report = r.unwrap();
        assert_eq!(sink.row_count(TABLE), 3);
        assert_eq!(sink.quarantine_count(), 0);
        assert_eq!(findings(&report, "ncmec.note").len(), 2);
    }

    #[test]
    fn ncmec_title_year_beats_file_name_and_conflict_is_flagged() {
        let csv = "2021 CyberTipline Reports by Country,\nCountry,Reports\nMorocco,10\nTotal,10\n";
        let (_d, sink, r) = run_bytes("ncmec-2020.csv", csv.as_bytes());
        let report = r.unwrap();
        assert_eq!(figure(&staged(&sink), 2021, "MA"), Some(10));
        assert_eq!(
            findings(&report, "ncmec.year_conflict")[0].severity,
            Severity::Warning
        );
    }

    fn pdf_line(page: u32, line: u32, text: &str) -> PdfLine {
        PdfLine {
            position: Position::Page { page, line },
            text: text.to_string(),
        }
    }

    #[test]
    fn ncmec_pdf_lines_several_pairs_wrapped_names_and_furniture() {
        let lines = vec![
            pdf_line(
                1,
                1,
                "Copyright © 2020 National Center for Missing & Exploited Children.",
            ),
            pdf_line(1, 2, "2019 CyberTipline Reports"),
            pdf_line(1, 3, "Country Total Country Total"),
            pdf_line(1, 4, "Reports Reports"),
            pdf_line(1, 5, "Afghanistan 163,120 Morocco 322,889"),
            pdf_line(1, 6, "Congo, The Democratic"),
            pdf_line(1, 7, "Republic of the 3,856 Spain 46,836"),
            pdf_line(1, 8, "Saint Helena, Ascension and"),
            pdf_line(1, 9, "Tristan da Cunha 2"),
            pdf_line(2, 1, "2019 Reports by ESP 2"),
            pdf_line(2, 2, "Country Total"),
            pdf_line(2, 3, "Lao People’s Democratic Republic"),
            pdf_line(2, 4, "23,599"),
            pdf_line(2, 5, "No Country Listed* 1,668,157"),
            pdf_line(2, 6, "TOTAL 2,227,463"),
            pdf_line(
                2,
                7,
                "*Reasons include no IP address included in the report, proxy IPs, etc.",
            ),
            pdf_line(2, 8, "MissingKids.org/CyberTiplineData"),
        ];
        let rows = pdf_rows(&lines);
        let got: Vec<(String, &str, &str)> = rows
            .iter()
            .map(|r| (r.position.to_string(), r.name.as_str(), r.count.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("page 1 line 5".to_string(), "Afghanistan", "163,120"),
                ("page 1 line 5".to_string(), "Morocco", "322,889"),
                (
                    "page 1 line 6".to_string(),
                    "Congo, The Democratic Republic of the",
                    "3,856"
                ),
                ("page 1 line 7".to_string(), "Spain", "46,836"),
                (
                    "page 1 line 8".to_string(),
                    "Saint Helena, Ascension and Tristan da Cunha",
                    "2"
                ),
                (
                    "page 2 line 3".to_string(),
                    "Lao People’s Democratic Republic",
                    "23,599"
                ),
                (
                    "page 2 line 5".to_string(),
                    "No Country Listed*",
                    "1,668,157"
                ),
                ("page 2 line 6".to_string(), "TOTAL", "2,227,463"),
            ]
        );
        assert_eq!(
            best_title(lines.iter().map(|l| (&l.position, l.text.as_str()))).map(|t| t.0),
            Some(2019)
        );
    }

    #[test]
    fn ncmec_pdf_split_pairs() {
        assert_eq!(
            split_pairs("2019 Reports by ESP 2").map(|s| s.leading),
            Some(Some("2019".into()))
        );
        assert_eq!(
            split_pairs("sexual exploitation received by the CyberTipline in 2019."),
            None
        );
        assert_eq!(split_pairs("Country / Territory Reports"), None);
        let s = split_pairs("Afghanistan  197,048").unwrap();
        assert_eq!(
            s.pairs,
            vec![("Afghanistan".to_string(), "197,048".to_string())]
        );
        assert_eq!(
            split_pairs("These numbers depict the reports per country from the many reports 12"),
            None
        );
    }

    #[test]
    fn ncmec_years_and_thousands() {
        assert_eq!(year_in("ncmec-by-country-2020.csv"), Some(2020));
        assert_eq!(year_in("ncmec_v12345.csv"), None);
        assert_eq!(year_in("tips1989.csv"), None); // before dates::YEARS
        assert_eq!(title_year("Copyright © 2024 National Center"), None);
        assert_eq!(title_year("2023 CyberTipline Reports"), Some((2, 2023)));
        assert_eq!(parse_year_cell("2021"), Ok(2021));
        assert!(parse_year_cell("21").is_err());
        assert_eq!(thousands(36_210_368), "36,210,368");
        assert_eq!(thousands(-80), "-80");
        assert_eq!(thousands(0), "0");
    }
}
