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
//!
//! **Parts.** `pdf_rows.rs` reads the table out of a PDF, `tabular_rows.rs` out of a CSV file or a
//! workbook, `years.rs` finds the year, `reconcile.rs` stages the rows and applies the rules;
//! this file holds the entry points and the row types they share.

use std::collections::BTreeMap;
use std::io::Read;

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

mod pdf_rows;
mod reconcile;
mod tabular_rows;
mod years;

use self::pdf_rows::*;
use self::reconcile::*;
use self::tabular_rows::*;
use self::years::*;

/// The feed's name (command line, warehouse, quarantine rows).
pub const FEED: &str = "ncmec-country-table";
/// The staging table.
pub const TABLE: &str = marsad_model::tables::names::NCMEC_COUNTRY_REPORTS;

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
    marsad_model::tables::ncmec_country_reports()
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

#[cfg(test)]
mod tests;
