//! Snapshots are the unit of truth: every ingest makes one, re-ingesting the same bytes changes
//! nothing, a query can pin an older snapshot, every row traces back to its raw file and line,
//! and an ingest killed at any moment leaves the previous snapshot intact and readable.

use std::process::Stdio;
use std::time::Duration;

use crate::helpers::{marsad, sample, TestWarehouse};

fn snapshot_count(wh: &TestWarehouse) -> f64 {
    wh.number("select count(distinct snapshot_id) from registry.snapshots")
}

#[test]
fn reingesting_the_same_file_changes_nothing_and_says_so() {
    let wh = TestWarehouse::new();
    let first = wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]);
    assert!(first.contains("snapshot 1"), "{first}");
    let again = wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]);
    assert!(again.contains("already ingested in snapshot 1"), "{again}");
    assert!(again.contains("unchanged"), "{again}");
    assert_eq!(snapshot_count(&wh), 2.0);
    assert_eq!(
        wh.number("select count(*) from staging.pmp_case_table"),
        4.0
    );
}

#[test]
fn queries_can_pin_a_snapshot() {
    let wh = TestWarehouse::new();
    wh.ingest(
        "pmp-victims-judged",
        &["pmp/pmp-child-victims-judged-2020-2023.csv"],
    );
    wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]);
    let at = |snapshot: &str| {
        let out = wh
            .cmd(&[
                "sql",
                "--format",
                "csv",
                "--snapshot",
                snapshot,
                "select count(*) as n from pmp_case_table",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(at("1"), "n\n0\n");
    assert_eq!(at("2"), "n\n4\n");
    let out = wh
        .cmd(&["sql", "--snapshot", "9", "select 1"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no snapshot 9"));
}

#[test]
fn every_row_traces_to_its_raw_file_and_line() {
    let wh = TestWarehouse::new();
    wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]);
    assert_eq!(
        wh.sql("select t.year, f.original_name, t._source_position, f.snapshot_id from pmp_case_table t join registry.raw_files f on f.sha256 = t._source_sha256 order by t.year"),
        "year,original_name,_source_position,snapshot_id
2021,pmp-aese-2021-2024.csv,line 2,1
2022,pmp-aese-2021-2024.csv,line 3,1
2023,pmp-aese-2021-2024.csv,line 4,1
2024,pmp-aese-2021-2024.csv,line 5,1
"
    );
    // The raw file is archived read-only under its checksum.
    let archived = wh.sql("select archived_path from registry.raw_files");
    let rel = archived.lines().nth(1).unwrap();
    let path = std::path::Path::new(&wh.path).join(rel);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(sample("pmp/pmp-aese-2021-2024.csv")).unwrap()
    );
    assert!(std::fs::metadata(&path).unwrap().permissions().readonly());
}

/// An ingest aborted at a failpoint (a real process abort) leaves the previous snapshot as it
/// was; the next ingest rolls the orphaned commits back and lands cleanly.
#[test]
fn an_aborted_ingest_leaves_the_previous_snapshot_intact() {
    for failpoint in ["after-first-commit", "before-snapshot"] {
        let wh = TestWarehouse::new();
        wh.ingest(
            "pmp-victims-judged",
            &["pmp/pmp-child-victims-judged-2020-2023.csv"],
        );
        let out = wh
            .cmd(&["ingest", "emc-reports"])
            .arg(sample("emc/emc-reports-2021-2022.csv"))
            .env("MARSAD_FAILPOINT", failpoint)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{failpoint}: the process should have aborted"
        );
        // Readers still see snapshot 1, whole.
        assert_eq!(snapshot_count(&wh), 2.0, "{failpoint}");
        assert_eq!(
            wh.number("select count(*) from emc_reports"),
            0.0,
            "{failpoint}"
        );
        assert_eq!(
            wh.number("select count(*) from registry.raw_files"),
            1.0,
            "{failpoint}"
        );
        assert_eq!(
            wh.number("select sum(child_victims) from pmp_victims_judged"),
            29589.0
        );
        // The same ingest again lands once, without the orphaned rows.
        wh.ingest("emc-reports", &["emc/emc-reports-2021-2022.csv"]);
        assert_eq!(
            wh.number("select count(*) from emc_reports"),
            601.0,
            "{failpoint}"
        );
        assert_eq!(
            wh.number("select count(*) from registry.raw_files"),
            2.0,
            "{failpoint}"
        );
    }
}

/// SIGKILL at an arbitrary moment of a long ingest: whatever was committed before the kill,
/// the latest snapshot is consistent (staging rows = rows the registry says were staged).
#[test]
fn a_killed_ingest_leaves_a_consistent_warehouse() {
    let wh = TestWarehouse::new();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("referrals.csv");
    let out = marsad()
        .args(["gen", "ncmec-referrals", "--rows", "300000", "--out"])
        .arg(&big)
        .output()
        .unwrap();
    assert!(out.status.success());
    for delay_ms in [300u64, 1500] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("marsad"))
            .args(["--data-dir", &wh.path, "ingest", "ncmec-referrals"])
            .arg(&big)
            .env("MARSAD_PSEUDONYM_KEY", crate::helpers::TEST_KEY)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let staged = wh.number("select count(*) from staging.ncmec_referrals");
        let registered =
            wh.number("select coalesce(sum(rows_staged), 0) from registry.raw_files where feed = 'ncmec-referrals'");
        assert_eq!(staged, registered, "killed after {delay_ms} ms");
    }
    let out = wh
        .cmd(&["ingest", "ncmec-referrals"])
        .arg(&big)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        wh.number("select count(*) from staging.ncmec_referrals"),
        300000.0
    );
}
