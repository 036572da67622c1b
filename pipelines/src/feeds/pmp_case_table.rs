//! `pmp-case-table`: the yearly AESE case table of the Présidence du Ministère Public (PMP), as
//! PMP publishes it: per year, the number of cases, persons prosecuted, cases under
//! investigation, under judicial instruction, closed without further action, and referred for
//! lack of jurisdiction.
//!
//! - Formats: `.csv` (any delimiter, UTF-8 with or without BOM, or Windows-1256) and `.xlsx`
//!   (first non-empty sheet). Headers in French (as published), Arabic or English; title rows
//!   above the header and note rows under the table (`Source : …`) are skipped.
//! - Samples: `data-samples/pmp/pmp-aese-2021-2024.csv` (French, UTF-8 BOM, `;`),
//!   `pmp-aese-2021-2024-ar.csv` (Arabic, Windows-1256, `,`), `pmp-aese-2021-2024.xlsx`
//!   (French, title row above the header).
//! - Output grain: `staging.pmp_case_table`, one row per year, counts as published.
//! - Rule `pmp.components_add_up`: the sum of persons prosecuted, under investigation, under
//!   instruction, closed and referred equals the cases (how the published table adds up: 2021
//!   9+2+0+8+0 = 19). A year that does not add up (2023: 108 ≠ 109) is an `Error` finding; the
//!   row is staged as published.
//!
//! This file also holds [`non_data_row`] (total and note rows of published yearly tables),
//! shared with `pmp_victims_judged`. Finding the header below title rows is
//! [`open_table`](crate::normalise::headers::open_table).

use std::collections::HashMap;

use super::{Feed, FeedContext};
use crate::error::{PipelineError, Result};
use crate::formats::{Position, Record, RowCheck, Tabular};
use crate::normalise::dates::parse_year;
use crate::normalise::headers::{open_table, HeaderMap};
use crate::normalise::numbers::{is_blank, parse_count};
use crate::normalise::ColumnSpec;
use crate::output::{rejected, Emitter, Sink, TableSpec, Value};
use crate::report::{FeedReport, QuarantineRow, Severity};
use crate::source::RawFile;

/// Staging table name (`staging.pmp_case_table`).
pub const TABLE: &str = marsad_model::tables::names::PMP_CASE_TABLE;

const YEAR: usize = 0;
const CASES: usize = 1;

/// The table's columns, in staging order, with the headers accepted for each.
const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("year", &["Année", "Annee", "An", "السنة", "سنة", "Year"]),
    ColumnSpec::required(
        "cases",
        &[
            "Nombre de cas",
            "Nombre d'affaires",
            "Nombre des affaires",
            "Cas",
            "Affaires",
            "عدد القضايا",
            "القضايا",
            "عدد الحالات",
            "Number of cases",
            "Cases",
        ],
    ),
    ColumnSpec::optional(
        "persons_prosecuted",
        &[
            "Nombre de Personnes poursuivies",
            "Personnes poursuivies",
            "Nombre des personnes poursuivies",
            "Poursuivis",
            "عدد الأشخاص المتابعين",
            "الأشخاص المتابعون",
            "الأشخاص المتابعين",
            "عدد المتابعين",
            "المتابعون",
            "Persons prosecuted",
            "Number of persons prosecuted",
        ],
    ),
    ColumnSpec::optional(
        "under_investigation",
        &[
            "En cours d'enquête",
            "Enquête en cours",
            "En cours d'enquête préliminaire",
            "في طور البحث",
            "قيد البحث",
            "في طور البحث التمهيدي",
            "Under investigation",
        ],
    ),
    ColumnSpec::optional(
        "under_instruction",
        &[
            "En cours d'instruction",
            "Instruction en cours",
            "في طور التحقيق",
            "قيد التحقيق",
            "في طور التحقيق الإعدادي",
            "Under instruction",
            "Under judicial instruction",
        ],
    ),
    ColumnSpec::optional(
        "closed",
        &[
            "Classées (affaires closes)",
            "Classées",
            "Classées sans suite",
            "Affaires classées",
            "Affaires closes",
            "الحفظ",
            "المحفوظة",
            "الحفظ / المحفوظة",
            "القضايا المحفوظة",
            "Closed",
            "Closed without further action",
            "Closed cases",
        ],
    ),
    ColumnSpec::optional(
        "referred_incompetence",
        &[
            "Renvoyés pour incompétence",
            "Renvoyées pour incompétence",
            "Renvoi pour incompétence",
            "Incompétence",
            "الإحالة لعدم الاختصاص",
            "الإحالة بعدم الاختصاص",
            "الإحالة على جهة مختصة",
            "عدم الاختصاص",
            "Referred for lack of jurisdiction",
            "Referred for incompetence",
        ],
    ),
];

/// How each component reads in a finding.
const COMPONENT_LABELS: [&str; 5] = [
    "persons prosecuted",
    "under investigation",
    "under instruction",
    "closed",
    "referred for incompetence",
];

/// `staging.pmp_case_table`: one row per year; every count as published (null where the cell
/// is empty or the column absent).
pub fn tables() -> Vec<TableSpec> {
    vec![marsad_model::tables::pmp_case_table()]
}

/// Read one case table into `staging.pmp_case_table`.
pub fn read(file: &RawFile, _ctx: &FeedContext, sink: &mut dyn Sink) -> Result<FeedReport> {
    let feed = Feed::PmpCaseTable.name();
    let spec = table_spec()?;
    let (headers, rows) = open_table(file, feed, &[Tabular::Csv, Tabular::Xlsx], COLUMNS)?;
    let mut out = Emitter::new(feed, file, sink)?;
    let check = RowCheck::new(file, headers.names());
    let mut years = Years::default();
    let mut staged: Vec<(i64, Position, Vec<Option<i64>>)> = Vec::new();

    for record in rows {
        let record = record?;
        let Some((year, mut bad)) = years.read(&mut out, &headers, YEAR, &record) else {
            continue;
        };
        bad.extend(check.check(&record, &record.position));
        let mut counts = Vec::with_capacity(COLUMNS.len() - 1);
        for (i, col) in COLUMNS.iter().enumerate().skip(CASES) {
            let cell = headers.cell(&record, i);
            match count(cell) {
                Ok(v) => counts.push(v),
                Err(reason) => {
                    bad.push(rejected(&record.position, col.name, Some(cell), reason));
                    counts.push(None);
                }
            }
        }
        match year {
            Some(y) if bad.is_empty() => {
                years.staged(y, &record.position);
                let mut values = vec![Value::Int(y)];
                values.extend(counts.iter().map(|c| Value::from(*c)));
                out.row(&spec, &record.position, values)?;
                staged.push((y, record.position.clone(), counts));
            }
            _ => out.reject(bad)?,
        }
    }

    components_add_up(&mut out, &staged);
    out.finish()
}

fn table_spec() -> Result<TableSpec> {
    tables()
        .into_iter()
        .next()
        .ok_or_else(|| PipelineError::Internal {
            table: TABLE.into(),
            detail: "no table spec".into(),
        })
}

/// A count cell: empty → null, otherwise a whole non-negative number.
pub(crate) fn count(cell: &str) -> std::result::Result<Option<i64>, String> {
    if is_blank(cell) {
        return Ok(None);
    }
    parse_count(cell).map(Some)
}

/// `pmp.components_add_up` over the staged years: one `Error` finding per year whose
/// components do not add up to its cases, one `Warning` per year that cannot be checked, and
/// one `Info` finding listing the years that add up.
fn components_add_up(out: &mut Emitter, staged: &[(i64, Position, Vec<Option<i64>>)]) {
    const RULE: &str = "pmp.components_add_up";
    let mut fine = Vec::new();
    for (year, position, counts) in staged {
        let cases = counts[0];
        let parts = &counts[1..];
        let missing: Vec<&str> = std::iter::once(cases)
            .chain(parts.iter().copied())
            .zip(std::iter::once("cases").chain(COMPONENT_LABELS))
            .filter(|(v, _)| v.is_none())
            .map(|(_, l)| l)
            .collect();
        let (Some(cases), true) = (cases, missing.is_empty()) else {
            out.finding(
                RULE,
                Severity::Warning,
                Some(format!("year {year}")),
                format!(
                    "{year} ({position}) cannot be checked: no value for {}",
                    missing.join(", ")
                ),
            );
            continue;
        };
        let sum: i64 = parts.iter().flatten().sum();
        if sum == cases {
            fine.push(year.to_string());
            continue;
        }
        let terms: Vec<String> = COMPONENT_LABELS
            .iter()
            .zip(parts)
            .map(|(l, v)| format!("{l} {}", v.unwrap_or(0)))
            .collect();
        out.finding(
            RULE,
            Severity::Error,
            Some(format!("year {year}")),
            format!(
                "{year} ({position}): {} = {sum}, but cases = {cases} (difference {:+}); staged as published",
                terms.join(" + "),
                cases - sum
            ),
        );
    }
    if !fine.is_empty() {
        out.finding(
            RULE,
            Severity::Info,
            None,
            format!(
                "persons prosecuted + under investigation + under instruction + closed + referred = cases for {}",
                fine.join(", ")
            ),
        );
    }
}

/// The years of a PMP yearly table (one row per year), read the same way by both PMP yearly
/// feeds: blank rows skipped, total and note rows reported (`pmp.not_data`) and skipped, each
/// year parsed and staged once.
#[derive(Default)]
pub(crate) struct Years {
    staged: HashMap<i64, Position>,
}

impl Years {
    /// The year of a data row with the rejections of its year cell (not a year, or a year
    /// already staged); `None` for a row that is not data.
    pub(crate) fn read(
        &self,
        out: &mut Emitter,
        headers: &HeaderMap,
        column: usize,
        record: &Record,
    ) -> Option<(Option<i64>, Vec<QuarantineRow>)> {
        if record.is_blank() {
            return None;
        }
        let cell = headers.cell(record, column);
        if let Some(what) = non_data_row(record, cell) {
            out.finding(
                "pmp.not_data",
                Severity::Info,
                Some(record.position.to_string()),
                what,
            );
            return None;
        }
        let mut bad = Vec::new();
        let year = match parse_year(cell) {
            Ok(y) => Some(i64::from(y)),
            Err(reason) => {
                bad.push(rejected(&record.position, "year", Some(cell), reason));
                None
            }
        };
        if let Some((y, first)) = year.and_then(|y| Some((y, self.staged.get(&y)?))) {
            bad.push(rejected(
                &record.position,
                "year",
                Some(cell),
                format!("year {y} is already given at {first}"),
            ));
        }
        Some((year, bad))
    }

    /// Remember that `year` was staged from the row at `position`.
    pub(crate) fn staged(&mut self, year: i64, position: &Position) {
        self.staged.insert(year, position.clone());
    }
}

/// Whether a row of a published yearly table is not data: a total row (`Total`, `المجموع`) or
/// a note under the table (`Source : PMP`: one filled cell that is not a year). Returns what to
/// say in the `Info` finding; such rows are not staged (the warehouse sums years itself).
fn non_data_row(record: &Record, year_cell: &str) -> Option<String> {
    if crate::normalise::labels::is_total(year_cell) {
        return Some(format!("total row `{}` not staged", year_cell.trim()));
    }
    let filled: Vec<&String> = record
        .cells
        .iter()
        .filter(|c| !c.trim().is_empty())
        .collect();
    if filled.len() == 1
        && parse_year(filled[0]).is_err()
        && filled[0].chars().any(char::is_alphabetic)
    {
        return Some(format!("note row `{}` not staged", filled[0].trim()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::ReadRaw;

    /// The header spec names the model's columns, in order: the adapter reads what the table
    /// holds.
    #[test]
    fn the_columns_are_the_models() {
        let names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
        let mut model = vec!["year"];
        model.extend(marsad_model::tables::PMP_CASE_TABLE_COUNTS);
        assert_eq!(names, model);
    }
    use crate::output::MemorySink;
    use crate::test_support;
    use std::path::Path;

    const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data-samples/pmp/");

    fn ingest(path: &Path) -> Result<(FeedReport, MemorySink)> {
        let raw = RawFile::open(path)?;
        let mut sink = MemorySink::default();
        let report = read(&raw, &FeedContext::default(), &mut sink)?;
        Ok((report, sink))
    }

    fn positions(sink: &MemorySink) -> Vec<String> {
        test_support::strings(sink, TABLE, crate::schema::LINEAGE_POSITION)
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect()
    }

    fn column(sink: &MemorySink, name: &str) -> Vec<Option<i64>> {
        test_support::ints(sink, TABLE, name)
    }

    fn some(v: &[i64]) -> Vec<Option<i64>> {
        v.iter().map(|&x| Some(x)).collect()
    }

    /// The published table, whichever shape it came in.
    fn assert_published(report: &FeedReport, sink: &MemorySink) {
        assert_eq!(report.rows_staged, 4, "{report}");
        assert_eq!(report.rows_quarantined, 0, "{report}");
        assert_eq!(column(sink, "year"), some(&[2021, 2022, 2023, 2024]));
        assert_eq!(column(sink, "cases"), some(&[19, 43, 109, 84]));
        assert_eq!(column(sink, "persons_prosecuted"), some(&[9, 18, 24, 13]));
        assert_eq!(column(sink, "under_investigation"), some(&[2, 4, 27, 39]));
        assert_eq!(column(sink, "under_instruction"), some(&[0, 0, 0, 3]));
        assert_eq!(column(sink, "closed"), some(&[8, 21, 57, 19]));
        assert_eq!(column(sink, "referred_incompetence"), some(&[0, 0, 0, 10]));
        let errors: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{report}");
        let e = errors[0];
        assert_eq!(e.rule, "pmp.components_add_up");
        assert_eq!(e.position.as_deref(), Some("year 2023"));
        for needle in ["2023", "108", "109", "+1"] {
            assert!(e.message.contains(needle), "{needle}: {}", e.message);
        }
        assert!(report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Info && f.message.contains("2021, 2022, 2024")));
    }

    #[test]
    fn french_csv_with_bom() {
        let (report, sink) = ingest(&Path::new(SAMPLES).join("pmp-aese-2021-2024.csv")).unwrap();
        assert_published(&report, &sink);
        // Lineage: the data rows are lines 2-5 of the file (CRLF line ends, as Excel writes).
        assert_eq!(positions(&sink), ["line 2", "line 3", "line 4", "line 5"]);
    }

    #[test]
    fn arabic_windows_1256_csv() {
        let path = Path::new(SAMPLES).join("pmp-aese-2021-2024-ar.csv");
        let raw = RawFile::open(&path).unwrap();
        assert_eq!(raw.encoding, crate::source::TextEncoding::Windows1256);
        let (report, sink) = ingest(&path).unwrap();
        assert_published(&report, &sink);
        assert_eq!(positions(&sink), ["line 2", "line 3", "line 4", "line 5"]);
    }

    #[test]
    fn xlsx_with_a_title_row_and_a_source_note() {
        let (report, sink) = ingest(&Path::new(SAMPLES).join("pmp-aese-2021-2024.xlsx")).unwrap();
        assert_published(&report, &sink);
        assert_eq!(positions(&sink)[0], "sheet 'AESE' row 4");
        assert!(report
            .findings
            .iter()
            .any(|f| f.rule == "pmp.not_data" && f.message.contains("Source")));
    }

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn bad_year_and_count_are_quarantined_with_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "bad.csv",
            "Year,Cases,Persons prosecuted,Under investigation,Under instruction,Closed,Referred for lack of jurisdiction\n\
             2021,19,9,2,0,8,0\n\
             20x2,43,18,4,0,21,0\n\
             2023,cent,24,27,0,57,0\n\
             2024,84,13,39,3,19,10\n\
             2024,84,13,39,3,19,10\n",
        );
        let (report, sink) = ingest(&path).unwrap();
        assert_eq!(report.rows_staged, 2, "{report}");
        assert_eq!(report.rows_quarantined, 3, "{report}");
        let q = &report.quarantine_sample;
        assert_eq!(
            (q[0].position.as_str(), q[0].column.as_str()),
            ("line 3", "year")
        );
        assert_eq!(q[0].value.as_deref(), Some("20x2"));
        assert_eq!(
            (q[1].position.as_str(), q[1].column.as_str()),
            ("line 4", "cases")
        );
        assert_eq!(q[1].value.as_deref(), Some("cent"));
        assert_eq!(q[2].position.as_str(), "line 6");
        assert!(q[2].reason.contains("line 5"), "{}", q[2].reason);
        assert_eq!(sink.quarantine_count(), 3);
        assert_eq!(column(&sink, "year"), some(&[2021, 2024]));
    }

    #[test]
    fn missing_required_column_names_file_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "nocases.csv",
            "Affaires AESE;;\nAnnée;Personnes poursuivies\n2021;9\n",
        );
        let err = ingest(&path).unwrap_err().to_string();
        assert!(
            err.contains("nocases.csv") && err.contains("`cases`"),
            "{err}"
        );
        assert!(
            err.contains("`Personnes poursuivies`"),
            "closest row named: {err}"
        );
    }

    #[test]
    fn empty_component_is_null_and_cannot_be_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "gap.csv",
            "السنة;عدد القضايا;المحفوظة\n2021;19;\nالمجموع;19;\n",
        );
        let (report, sink) = ingest(&path).unwrap();
        assert_eq!(report.rows_staged, 1);
        assert_eq!(column(&sink, "closed"), vec![None]);
        assert!(report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Warning && f.message.contains("closed")));
        assert!(report.findings.iter().any(|f| f.rule == "pmp.not_data"));
    }
}
