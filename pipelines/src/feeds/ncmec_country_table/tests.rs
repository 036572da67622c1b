//! Tests of the `ncmec-country-table` adapter, on the samples in data-samples/ and on small files written
//! here.

use super::*;
use crate::format::thousands;
use crate::output::MemorySink;
use crate::source::ReadRaw;
use crate::test_support::column;
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
    let s = |name: &str| column::<StringArray>(&batch, name);
    let i = |name: &str| column::<Int64Array>(&batch, name);
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
        let col = |n: &str| column::<StringArray>(b, n);
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
