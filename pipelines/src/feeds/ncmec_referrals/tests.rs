//! Tests of the `ncmec-referrals` adapter, on the samples in data-samples/ and on small files written
//! here.

use super::*;
use crate::output::MemorySink;
use crate::pseudonym::PseudonymKey;
use crate::source::ReadRaw;
use arrow::array::{Array, AsArray};
use arrow::datatypes::{Date32Type, Int64Type};
use std::collections::BTreeMap;
use std::io::Write;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data-samples/ncmec/ncmec-referrals-2023.csv"
);

fn ctx() -> FeedContext {
    FeedContext {
        key: Some(PseudonymKey::new(b"test-key-0123456789").unwrap()),
        reference_date: NaiveDate::from_ymd_opt(2024, 6, 30),
    }
}

fn ingest(path: &std::path::Path) -> (FeedReport, MemorySink) {
    let raw = RawFile::open(path).unwrap();
    let mut sink = MemorySink::default();
    let report = read(&raw, &ctx(), &mut sink).unwrap();
    (report, sink)
}

fn write_file(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    path
}

/// Incident-type counts recomputed from the raw CSV with the csv crate alone.
fn raw_type_counts(path: &std::path::Path) -> BTreeMap<String, usize> {
    let mut r = ::csv::Reader::from_path(path).unwrap();
    let mut counts = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let code = incident_exact(rec.get(2).unwrap()).unwrap();
        *counts.entry(code.to_string()).or_insert(0) += 1;
    }
    counts
}

fn staged_type_counts(sink: &MemorySink) -> BTreeMap<String, usize> {
    let batch = sink.batch(TABLE).unwrap();
    let col = batch
        .column_by_name("incident_type")
        .unwrap()
        .as_string::<i32>();
    let mut counts = BTreeMap::new();
    for v in col.iter() {
        *counts.entry(v.unwrap().to_string()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn referrals_sample_stages_every_row() {
    let (report, sink) = ingest(std::path::Path::new(SAMPLE));
    assert_eq!(report.rows_read, 2_000);
    assert_eq!(report.rows_staged, 2_000);
    assert_eq!(report.rows_quarantined, 0, "{report}");
    assert_eq!(sink.row_count(TABLE), 2_000);
    assert_eq!(
        raw_type_counts(std::path::Path::new(SAMPLE)),
        staged_type_counts(&sink)
    );
    let batch = sink.batch(TABLE).unwrap();
    assert_eq!(batch.schema(), tables()[0].schema);
    // Every date in 2023, tokens are 32 hex characters, no raw id survives.
    let years = batch
        .column_by_name("year")
        .unwrap()
        .as_primitive::<Int64Type>();
    assert!(years.iter().all(|y| y == Some(2023)));
    let tokens = batch
        .column_by_name("report_token")
        .unwrap()
        .as_string::<i32>();
    assert!(tokens.iter().all(|t| t.unwrap().len() == 32));
    assert!(!tokens.iter().any(|t| t.unwrap().starts_with("1500")));
    // About 5% of regions are blank (null), the rest are MA-01..MA-12.
    let regions = batch
        .column_by_name("region_code")
        .unwrap()
        .as_string::<i32>();
    let nulls = regions.null_count();
    assert!((40..=160).contains(&nulls), "{nulls} blank regions");
    assert!(regions
        .iter()
        .flatten()
        .all(|c| c.starts_with("MA-") && c.len() == 5));
}

#[test]
fn referrals_generator_round_trip_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    crate::synthetic::ncmec_referrals::write(&a, 500, 42).unwrap();
    crate::synthetic::ncmec_referrals::write(&b, 500, 42).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let (report, sink) = ingest(&a);
    assert_eq!((report.rows_staged, report.rows_quarantined), (500, 0));
    let expected = raw_type_counts(&a);
    assert_eq!(expected.values().sum::<usize>(), 500);
    assert!(expected["csam"] > 400, "{expected:?}");
    assert_eq!(staged_type_counts(&sink), expected);
}

#[test]
fn referrals_labels_short_forms_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
            &dir,
            "r.csv",
            "Report ID;Received Date;Incident Type;Reporting ESP;Estimated Region;File Count;Actionable;Sextortion\n\
             A1;2023-02-01;CSAM; Google ;MA-06;2;Informational;TRUE\n\
             A2;01/02/2023;online enticement;Instagram;;0;actionable;\n\
             A3;2023-02-01T10:11:12Z;Child Sexual Abuse Material;X;Casablanca-Settat;;;no\n\
             A4;2023-12-31;unsolicited_obscene_material;;Souss-Massa;1 234;Actionable;1\n",
        );
    let (report, sink) = ingest(&path);
    assert_eq!(report.rows_staged, 4, "{report}");
    let batch = sink.batch(TABLE).unwrap();
    let types: Vec<_> = batch
        .column_by_name("incident_type")
        .unwrap()
        .as_string::<i32>()
        .iter()
        .map(|v| v.unwrap().to_string())
        .collect();
    assert_eq!(
        types,
        [
            "csam",
            "online_enticement",
            "csam",
            "unsolicited_obscene_material"
        ]
    );
    let dates = batch
        .column_by_name("received_date")
        .unwrap()
        .as_primitive::<Date32Type>();
    assert_eq!(dates.value(0), dates.value(1));
    assert_eq!(dates.value(0), dates.value(2));
    let esp = batch.column_by_name("esp").unwrap().as_string::<i32>();
    assert_eq!(esp.value(0), "Google");
    assert!(esp.is_null(3));
    let region = batch
        .column_by_name("region_code")
        .unwrap()
        .as_string::<i32>();
    assert_eq!(region.value(0), "MA-06");
    assert!(region.is_null(1));
    assert_eq!(region.value(2), "MA-06");
    assert_eq!(region.value(3), "MA-09");
    let files = batch
        .column_by_name("file_count")
        .unwrap()
        .as_primitive::<Int64Type>();
    assert_eq!(files.value(3), 1234);
    assert!(files.is_null(2));
    let act = batch.column_by_name("actionable").unwrap().as_boolean();
    assert!(!act.value(0) && act.value(1) && act.is_null(2) && act.value(3));
    let sx = batch.column_by_name("sextortion").unwrap().as_boolean();
    // A blank annotation is not a "no": it is staged as null.
    assert!(sx.value(0) && sx.is_null(1) && !sx.value(2) && sx.value(3));
    let key = PseudonymKey::new(b"test-key-0123456789").unwrap();
    let tokens = batch
        .column_by_name("report_token")
        .unwrap()
        .as_string::<i32>();
    assert_eq!(tokens.value(0), key.token("A1"));
}

/// The latest accepted date is the day after the reference date the ingest gives, not the
/// clock's: the same file and date give the same rows, and the report records the date.
#[test]
fn referrals_dates_are_checked_against_the_given_reference_date() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
            &dir,
            "r.csv",
            "Report ID,Received Date,Incident Type,Reporting ESP,Estimated Region,File Count,Actionable,Sextortion\n\
             1,2023-03-01,CSAM,X,,1,Actionable,\n\
             2,2023-03-02,CSAM,X,,1,Actionable,No\n\
             3,2023-03-03,CSAM,X,,1,Actionable,Yes\n",
        );
    let raw = RawFile::open(&path).unwrap();
    let on = |date: NaiveDate| {
        let ctx = FeedContext {
            reference_date: Some(date),
            ..ctx()
        };
        let mut sink = MemorySink::default();
        let report = read(&raw, &ctx, &mut sink).unwrap();
        (report, sink)
    };
    let day = |d| NaiveDate::from_ymd_opt(2023, 3, d).unwrap();
    let (report, _) = on(day(1));
    assert_eq!((report.rows_staged, report.rows_quarantined), (2, 1));
    assert_eq!(report.reference_date.as_deref(), Some("2023-03-01"));
    assert_eq!(
            report.quarantine_sample[0].reason,
            "received date 2023-03-03 is outside 1998-01-01 .. 2023-03-02 (the CyberTipline opened in 1998)"
        );
    assert!(report.to_string().contains("  reference date 2023-03-01\n"));
    let (again, _) = on(day(1));
    assert_eq!(again.quarantine_sample, report.quarantine_sample);
    let (later, sink) = on(day(2));
    assert_eq!((later.rows_staged, later.rows_quarantined), (3, 0));
    let sx = sink.batch(TABLE).unwrap();
    let sx = sx.column_by_name("sextortion").unwrap().as_boolean();
    assert!(sx.is_null(0) && !sx.value(1) && sx.value(2));
    let counts = sink.batch(COUNTS_TABLE).unwrap();
    let sx = counts.column_by_name("sextortion").unwrap().as_boolean();
    assert_eq!(sx.null_count(), 1, "the roll-up keeps blank apart from no");

    let err = read(
        &raw,
        &FeedContext {
            reference_date: None,
            ..ctx()
        },
        &mut MemorySink::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("reference date"), "{err}");
}

#[test]
fn referrals_bad_values_are_quarantined_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
            &dir,
            "bad.csv",
            "Report ID,Received Date,Incident Type,Reporting ESP,Estimated Region,File Count,Actionable,Sextortion\n\
             1,2023-01-05,Child Sex Trafficking,Facebook,Rabat-Salé-Kénitra,1,Actionable,No\n\
             2,31/02/2023,Child Sex Tourism,Facebook,,1,Actionable,\n\
             3,2023-01-05,Cyberbullying,Facebook,,1,Actionable,\n\
             4,2023-01-05,Child Sex Tourism,Facebook,Atlantis,-3,Maybe,perhaps\n\
             ,2023-01-05,Child Sex Tourism,Facebook,,1,Actionable,\n",
        );
    let (report, sink) = ingest(&path);
    assert_eq!(report.rows_read, 5);
    assert_eq!(report.rows_staged, 1);
    assert_eq!(report.rows_quarantined, 4);
    assert_eq!(sink.row_count(TABLE), 1);
    let q = &report.quarantine_sample;
    let find = |pos: &str, col: &str| q.iter().find(|r| r.position == pos && r.column == col);
    assert_eq!(
        find("line 3", "received_date").unwrap().value.as_deref(),
        Some("31/02/2023")
    );
    assert!(find("line 4", "incident_type")
        .unwrap()
        .reason
        .contains("unknown incident type"));
    assert!(find("line 5", "region_code").is_some());
    assert!(find("line 5", "file_count")
        .unwrap()
        .reason
        .contains("negative"));
    assert!(find("line 5", "actionable").is_some());
    assert!(find("line 5", "sextortion").is_some());
    assert!(find("line 6", "report_id").is_some());
    assert_eq!(report.values_quarantined, 7);
    assert_eq!(sink.quarantine_count(), 7);
}

#[test]
fn referrals_refuse_without_key_or_required_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(&dir, "r.csv", "Report ID,Incident Type\n1,CSAM\n");
    let raw = RawFile::open(&path).unwrap();
    let err = read(&raw, &FeedContext::default(), &mut MemorySink::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains(crate::pseudonym::KEY_ENV), "{err}");
    let err = read(&raw, &ctx(), &mut MemorySink::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("received_date") && err.contains("r.csv"),
        "{err}"
    );
}

#[test]
fn referrals_fast_dates_agree_with_shared_rules() {
    for s in ["2023-01-31", "31/01/2023", "2024-02-29", "29/02/2024"] {
        assert_eq!(
            fast_date(s.as_bytes()).unwrap(),
            dates::parse_date(s).unwrap(),
            "{s}"
        );
    }
    assert_eq!(fast_date(b"2023-02-30"), None);
    assert_eq!(fast_date(b"2023-1-5"), None);
}

/// Counts batches without keeping them: what the benchmark's sink costs at most.
struct CountingSink {
    rows: usize,
    batches: usize,
    quarantined: usize,
}

impl Sink for CountingSink {
    fn rows(
        &mut self,
        table: &TableSpec,
        batch: arrow::array::RecordBatch,
    ) -> Result<(), marsad_model::SinkError> {
        if table.name == TABLE {
            self.rows += batch.num_rows();
            self.batches += 1;
        }
        Ok(())
    }
    fn quarantine(
        &mut self,
        batch: arrow::array::RecordBatch,
    ) -> Result<(), marsad_model::SinkError> {
        self.quarantined += batch.num_rows();
        Ok(())
    }
}

/// Throughput of the adapter alone (sink drops batches). Run with
/// `cargo test --release -p marsad-pipelines --lib -- --ignored referrals_throughput --nocapture`;
/// `MARSAD_BENCH_ROWS` sets the row count (default 1,000,000).
#[test]
#[ignore]
fn referrals_throughput() {
    let rows: u64 = std::env::var("MARSAD_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.csv");
    let t0 = std::time::Instant::now();
    crate::synthetic::ncmec_referrals::write(&path, rows, 1).unwrap();
    let gen = t0.elapsed();
    let t1 = std::time::Instant::now();
    let raw = RawFile::open(&path).unwrap();
    let hash = t1.elapsed();
    let mut sink = CountingSink {
        rows: 0,
        batches: 0,
        quarantined: 0,
    };
    let t2 = std::time::Instant::now();
    let report = read(&raw, &ctx(), &mut sink).unwrap();
    let read_time = t2.elapsed();
    assert_eq!(sink.rows as u64, rows);
    assert_eq!(report.rows_staged, rows);
    println!(
            "ncmec-referrals: {rows} rows, {:.1} MB; generate {:.2?}, hash {:.2?}, adapter {:.2?} = {:.0} rows/s ({} batches)",
            raw.len as f64 / 1e6,
            gen,
            hash,
            read_time,
            rows as f64 / read_time.as_secs_f64(),
            sink.batches
        );
}
