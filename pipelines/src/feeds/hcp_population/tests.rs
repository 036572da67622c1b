//! Tests of the `hcp-population` adapter, on the samples in data-samples/ and on small files written
//! here.

use super::*;
use crate::output::MemorySink;
use crate::source::ReadRaw;
use crate::test_support;
use std::io::Write;

const REGIONS_SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data-samples/hcp/rgph2024-regions.csv"
);
const NATIONAL_SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data-samples/hcp/rgph2024-national-sex-age.csv"
);

fn ingest(path: &std::path::Path) -> (FeedReport, MemorySink) {
    let raw = RawFile::open(path).unwrap();
    let mut sink = MemorySink::default();
    let report = read(&raw, &FeedContext::default(), &mut sink).unwrap();
    (report, sink)
}

fn temp(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    (dir, path)
}

fn strings(sink: &MemorySink, col: &str) -> Vec<String> {
    test_support::all(test_support::strings(sink, TABLE, col))
}

fn ints(sink: &MemorySink, col: &str) -> Vec<i64> {
    test_support::all(test_support::ints(sink, TABLE, col))
}

fn finding<'r>(report: &'r FeedReport, rule: &str) -> Vec<&'r crate::report::Finding> {
    report.findings.iter().filter(|f| f.rule == rule).collect()
}

#[test]
fn hcp_regions_sample() {
    let (report, sink) = ingest(std::path::Path::new(REGIONS_SAMPLE));
    assert_eq!(
        (report.rows_staged, report.rows_quarantined),
        (12, 0),
        "{report}"
    );
    let codes = strings(&sink, "region_code");
    let expected: Vec<String> = (1..=12).map(|i| format!("MA-{i:02}")).collect();
    assert_eq!(codes, expected);
    assert!(ints(&sink, "year").iter().all(|y| *y == 2024));
    assert!(strings(&sink, "sex").iter().all(|s| s == "_T"));
    assert!(strings(&sink, "age_group").iter().all(|s| s == "_T"));
    let sum: i64 = ints(&sink, "population").iter().sum();
    let reference: i64 = rgph2024_regions().iter().map(|r| r.2).sum();
    assert_eq!(sum, reference);
    assert_eq!(sum, published_legal_population_2024());
    // The sample file is the constant table.
    for ((code, _, n), (c, p)) in rgph2024_regions()
        .iter()
        .zip(codes.iter().zip(ints(&sink, "population")))
    {
        assert_eq!((*code, *n), (c.as_str(), p));
    }
    let f = finding(&report, "hcp.regions_add_up");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Info);
    assert!(f[0].message.contains("36,828,330"), "{}", f[0].message);
}

#[test]
fn hcp_regions_reference_names_parse() {
    for &(code, name, _) in rgph2024_regions() {
        assert_eq!(
            regions::parse_region(name).unwrap().unwrap().code,
            code,
            "{name}"
        );
    }
}

#[test]
fn hcp_national_sex_age_sample() {
    let (report, sink) = ingest(std::path::Path::new(NATIONAL_SAMPLE));
    assert_eq!(report.rows_quarantined, 0, "{report}");
    assert_eq!(report.rows_staged, 39);
    let sexes = strings(&sink, "sex");
    let ages = strings(&sink, "age_group");
    let pops = ints(&sink, "population");
    assert!(strings(&sink, "region_code").iter().all(|r| r == "MA"));
    let detail: i64 = (0..pops.len())
        .filter(|&i| sexes[i] != "_T" && ages[i] != "_T")
        .map(|i| pops[i])
        .sum();
    assert_eq!(detail, published_legal_population_2024());
    let grand = (0..pops.len())
        .find(|&i| sexes[i] == "_T" && ages[i] == "_T")
        .map(|i| pops[i]);
    assert_eq!(grand, Some(published_legal_population_2024()));
    let under15: i64 = (0..pops.len())
        .filter(|&i| ["0-4", "5-9", "10-14"].contains(&ages[i].as_str()))
        .map(|i| pops[i])
        .sum();
    let share = under15 as f64 * 100.0 / published_legal_population_2024() as f64;
    assert!((share - 26.5).abs() < 0.05, "{share}");
    assert!(ages.contains(&"85+".to_string()));
    assert!(report.worst() <= Some(Severity::Info), "{report}");
    assert!(!finding(&report, "hcp.sex_age_add_up").is_empty());
}

#[test]
fn hcp_national_row_that_differs_is_an_error() {
    let (_d, path) = temp(
            "pop.csv",
            "Région;Population 2024\nMaroc;100\nTanger-Tétouan-Al Hoceïma;10\nL'Oriental;10\nFès-Meknès;10\nRabat-Salé-Kénitra;10\nBéni Mellal-Khénifra;10\nCasablanca-Settat;10\nMarrakech-Safi;10\nDrâa-Tafilalet;10\nSouss-Massa;10\nGuelmim-Oued Noun;10\nLaâyoune-Sakia El Hamra;10\nDakhla-Oued Ed-Dahab;10\n",
        );
    let (report, sink) = ingest(&path);
    assert_eq!(sink.row_count(TABLE), 13);
    let f = finding(&report, "hcp.regions_add_up");
    assert_eq!(f[0].severity, Severity::Error);
    assert!(
        f[0].message.contains("120") && f[0].message.contains("100"),
        "{}",
        f[0].message
    );
    let p = finding(&report, "hcp.published_total");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].severity, Severity::Warning);
}

#[test]
fn hcp_arabic_long_form_with_year_column_and_bad_values() {
    let (_d, path) = temp(
        "sukkan.csv",
        "السنة,الجهة,الجنس,الفئة العمرية,السكان\n\
             2014,المغرب,المجموع,المجموع,300\n\
             2014,المغرب,ذكر,المجموع,140\n\
             2014,المغرب,أنثى,المجموع,150\n\
             2014,المغرب,ذكر,0-4,x\n\
             2014,Atlantide,أنثى,المجموع,5\n",
    );
    let (report, sink) = ingest(&path);
    assert_eq!(report.rows_staged, 3, "{report}");
    assert_eq!(report.rows_quarantined, 2);
    assert_eq!(strings(&sink, "sex"), ["_T", "M", "F"]);
    assert!(ints(&sink, "year").iter().all(|y| *y == 2014));
    let q = &report.quarantine_sample;
    assert!(q
        .iter()
        .any(|r| r.position == "line 5" && r.column == "population"));
    assert!(q
        .iter()
        .any(|r| r.position == "line 6" && r.column == "region"));
    // 140 + 150 ≠ 300.
    let f = finding(&report, "hcp.sex_age_add_up");
    assert!(
        f.iter()
            .any(|f| f.severity == Severity::Error && f.message.contains("290")),
        "{report}"
    );
}

#[test]
fn hcp_year_from_header_or_name_or_refused() {
    assert_eq!(population_header("legal_population_2024"), Some(Some(2024)));
    assert_eq!(population_header("Population légale"), Some(None));
    assert_eq!(population_header("region_fr"), None);
    assert_eq!(year_in_name("rgph2024-regions.csv"), Some(2024));
    assert_eq!(year_in_name("pop-12345.csv"), None);
    let (_d, path) = temp("pop.csv", "code,population\nMA-01,5\n");
    let raw = RawFile::open(&path).unwrap();
    let err = read(&raw, &FeedContext::default(), &mut MemorySink::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no year") && err.contains("pop.csv"), "{err}");
    let (_d, path) = temp("pop-2019.csv", "code,population\nMA-01,5\n");
    let (report, sink) = ingest(&path);
    assert_eq!(ints(&sink, "year"), [2019]);
    let f = finding(&report, "hcp.regions_add_up");
    assert_eq!(f[0].severity, Severity::Warning);
}
