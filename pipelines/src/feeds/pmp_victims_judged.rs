//! `pmp-victims-judged`: child victims whose case was judged, per year, from the Présidence du
//! Ministère Public (PMP) as relayed by UNICEF Maroc ("Les enfants en chiffres").
//!
//! - Formats: `.csv` (any delimiter; UTF-8 with or without BOM, or Windows-1256) and `.xlsx`.
//!   Headers in French, Arabic or English; title rows, total rows and notes are skipped.
//! - Sample: `data-samples/pmp/pmp-child-victims-judged-2020-2023.csv`
//!   (`Année;Enfants victimes dont le cas a été jugé`, 2020–2023).
//! - Output grain: `staging.pmp_victims_judged`, one row per year, the count as published.
//!
//! No consistency rule: the adapter checks only that counts are counts and years are years
//! (changes over time are indicator logic, not the adapter's).

use super::pmp_case_table::{count, Years};
use super::{Feed, FeedContext};
use crate::error::{PipelineError, Result};
use crate::formats::{RowCheck, Tabular};
use crate::normalise::headers::open_table;
use crate::normalise::ColumnSpec;
use crate::output::{rejected, Emitter, Sink, TableSpec, Value};
use crate::report::FeedReport;
use crate::source::RawFile;

/// Staging table name (`staging.pmp_victims_judged`).
pub const TABLE: &str = marsad_model::tables::names::PMP_VICTIMS_JUDGED;

const YEAR: usize = 0;
const VICTIMS: usize = 1;

const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("year", &["Année", "Annee", "An", "السنة", "سنة", "Year"]),
    ColumnSpec::required(
        "child_victims",
        &[
            "Enfants victimes dont le cas a été jugé",
            "Enfants victimes dont les cas ont été jugés",
            "Nombre d'enfants victimes dont le cas a été jugé",
            "Enfants victimes jugés",
            "Enfants victimes",
            "Nombre d'enfants victimes",
            "الأطفال الضحايا الذين تم البت في قضاياهم",
            "عدد الأطفال الضحايا الذين تم البت في قضاياهم",
            "الأطفال الضحايا",
            "عدد الأطفال الضحايا",
            "Child victims whose case was judged",
            "Child victims judged",
            "Child victims",
        ],
    ),
];

/// `staging.pmp_victims_judged`: year, child_victims (null where the cell is empty).
pub fn tables() -> Vec<TableSpec> {
    vec![marsad_model::tables::pmp_victims_judged()]
}

/// Read one table of child victims judged into `staging.pmp_victims_judged`.
pub fn read(file: &RawFile, _ctx: &FeedContext, sink: &mut dyn Sink) -> Result<FeedReport> {
    let feed = Feed::PmpVictimsJudged.name();
    let spec = tables()
        .into_iter()
        .next()
        .ok_or_else(|| PipelineError::Internal {
            table: TABLE.into(),
            detail: "no table spec".into(),
        })?;
    let (headers, rows) = open_table(file, feed, &[Tabular::Csv, Tabular::Xlsx], COLUMNS)?;
    let mut out = Emitter::new(feed, file, sink)?;
    let check = RowCheck::new(file, headers.names());
    let mut years = Years::default();

    for record in rows {
        let record = record?;
        let Some((year, mut bad)) = years.read(&mut out, &headers, YEAR, &record) else {
            continue;
        };
        bad.extend(check.check(&record, &record.position));
        let cell = headers.cell(&record, VICTIMS);
        let victims = count(cell).unwrap_or_else(|reason| {
            bad.push(rejected(
                &record.position,
                "child_victims",
                Some(cell),
                reason,
            ));
            None
        });
        match year {
            Some(y) if bad.is_empty() => {
                years.staged(y, &record.position);
                out.row(&spec, &record.position, vec![Value::Int(y), victims.into()])?;
            }
            _ => out.reject(bad)?,
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::MemorySink;
    use crate::source::ReadRaw;
    use crate::test_support;
    use std::path::Path;

    const SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data-samples/pmp/pmp-child-victims-judged-2020-2023.csv"
    );

    fn ingest(path: &Path) -> Result<(FeedReport, MemorySink)> {
        let raw = RawFile::open(path)?;
        let mut sink = MemorySink::default();
        let report = read(&raw, &FeedContext::default(), &mut sink)?;
        Ok((report, sink))
    }

    fn ints(sink: &MemorySink, name: &str) -> Vec<i64> {
        test_support::all(test_support::ints(sink, TABLE, name))
    }

    #[test]
    fn the_published_figures() {
        let (report, sink) = ingest(Path::new(SAMPLE)).unwrap();
        assert_eq!(
            (report.rows_staged, report.rows_quarantined),
            (4, 0),
            "{report}"
        );
        assert_eq!(ints(&sink, "year"), vec![2020, 2021, 2022, 2023]);
        assert_eq!(ints(&sink, "child_victims"), vec![5306, 6767, 8159, 9357]);
        assert!(report.findings.is_empty(), "{report}");
    }

    #[test]
    fn bad_values_quarantined_missing_column_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.csv");
        std::fs::write(
            &path,
            "Year,Child victims\n2020,5306\n2021,-4\nMMXXII,8159\n2020,1\n",
        )
        .unwrap();
        let (report, sink) = ingest(&path).unwrap();
        assert_eq!(
            (report.rows_staged, report.rows_quarantined),
            (1, 3),
            "{report}"
        );
        let q = &report.quarantine_sample;
        assert_eq!(
            (q[0].position.as_str(), q[0].column.as_str()),
            ("line 3", "child_victims")
        );
        assert_eq!(
            (q[1].position.as_str(), q[1].column.as_str()),
            ("line 4", "year")
        );
        assert_eq!(
            (q[2].position.as_str(), q[2].column.as_str()),
            ("line 5", "year")
        );
        assert_eq!(ints(&sink, "child_victims"), vec![5306]);

        let path = dir.path().join("novictims.csv");
        std::fs::write(&path, "Année;Total\n2020;5306\n").unwrap();
        let err = ingest(&path).unwrap_err().to_string();
        assert!(
            err.contains("novictims.csv") && err.contains("`child_victims`"),
            "{err}"
        );
    }
}
