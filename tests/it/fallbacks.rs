//! No silent fallbacks (issue #14): an unreadable snapshot log, a mistyped data directory and a
//! read command on a snapshot without observations are errors that change nothing; the referral
//! ingest takes its reference date from the request; a blank flag is NULL; one rounding rule.

use std::path::{Path, PathBuf};

use crate::helpers::{assert_success, marsad, sample, TestWarehouse};

/// The commit files of a Delta table (`None` if it has no log).
fn commits(table: &Path) -> Option<usize> {
    let log = std::fs::read_dir(table.join("_delta_log")).ok()?;
    Some(
        log.filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".json"))
        })
        .count(),
    )
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_unreadable_snapshot_log_is_an_error_and_changes_nothing() {
    let wh = TestWarehouse::new();
    wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]);
    let log = Path::new(&wh.path).join("registry/snapshots");
    let parquet: PathBuf = std::fs::read_dir(&log)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "parquet"))
        .expect("a data file of the snapshot log");
    let bytes = std::fs::read(&parquet).unwrap();
    std::fs::write(&parquet, &bytes[..bytes.len() / 2]).unwrap();
    let before = commits(&log).unwrap();
    assert_eq!(before, 3, "create, snapshot 0, snapshot 1");

    for args in [
        &["snapshots"][..],
        &["snapshots"],
        &["snapshots"],
        &["ingest", "pmp-victims-judged"],
    ] {
        let mut cmd = wh.cmd(args);
        if args[0] == "ingest" {
            cmd.arg(sample("pmp/pmp-child-victims-judged-2020-2023.csv"));
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let err = stderr(&out);
        assert!(
            err.contains("cannot open")
                && err.contains("table `registry.snapshots`: failed to read: Parquet error"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(commits(&log), Some(before), "no snapshot 0 appended");
}

#[test]
fn a_data_dir_without_a_warehouse_is_named_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mistyped").join("data");
    let data_arg = data.to_str().unwrap();
    let out_dir = dir.path().join("out");
    for args in [
        vec!["sql", "select count(*) from registry.snapshots"],
        vec!["snapshots"],
        vec!["indicators", "show", "EMC_REPORTS"],
        vec!["indicators", "export", "--out", out_dir.to_str().unwrap()],
        vec!["indicators", "compute"],
    ] {
        let out = marsad()
            .arg("--data-dir")
            .arg(data_arg)
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("cannot open the warehouse at {data_arg}"))
                && err.contains("no Marsad warehouse here"),
            "{args:?}: {err}"
        );
    }
    assert!(!dir.path().join("mistyped").exists(), "nothing created");
    assert!(!out_dir.exists(), "no export written");
}

#[test]
fn show_and_export_read_and_never_compute() {
    let wh = TestWarehouse::new();
    wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]);
    let observations = Path::new(&wh.path).join("indicators/observations");
    let before = commits(&observations);
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let expected = "no observations are stored for snapshot 1: compute them first with `marsad indicators compute --snapshot 1`";
    // The public export is of a release, and nothing can be released before a compute.
    let unreleased = "nothing is released yet: the public's files are a release's";
    for (args, expected) in [
        (vec!["indicators", "show", "PMP_AESE_CASES"], expected),
        (
            vec!["indicators", "export", "--out", out_dir.to_str().unwrap()],
            unreleased,
        ),
        (
            vec![
                "indicators",
                "export",
                "--role",
                "analyst",
                "--out",
                out_dir.to_str().unwrap(),
            ],
            expected,
        ),
    ] {
        let out = wh.cmd(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(commits(&observations), before, "{args:?} wrote");
    }
    assert!(!out_dir.exists());
    assert_success(
        &wh.cmd(&["indicators", "compute"]).output().unwrap(),
        "compute",
    );
    let computed = commits(&observations);
    let out = wh
        .cmd(&["indicators", "show", "PMP_AESE_CASES"])
        .output()
        .unwrap();
    assert_success(&out, "show");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\n2023\t109\t"));
    assert_eq!(commits(&observations), computed);
}

/// Ingest the referral sample with `--reference-date`; the text report.
fn ingest_referrals(wh: &TestWarehouse, date: Option<&str>) -> String {
    let mut cmd = wh.cmd(&["ingest", "ncmec-referrals"]);
    if let Some(date) = date {
        cmd.args(["--reference-date", date]);
    }
    let out = cmd
        .arg(sample("ncmec/ncmec-referrals-2023.csv"))
        .output()
        .unwrap();
    assert_success(&out, "ingest ncmec-referrals");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_referral_ingest_is_reproducible_with_its_reference_date() {
    // 998 of the sample's 2,000 referrals were received by 2023-07-01, the day after the
    // reference date; the 1,002 later ones are quarantined, whatever today is.
    let quarantine =
        "select position, \"column\", value, reason from quarantine.rows order by position";
    let mut runs = Vec::new();
    for _ in 0..2 {
        let wh = TestWarehouse::new();
        let report = ingest_referrals(&wh, Some("2023-06-30"));
        assert!(
            report.contains("rows read 2000, staged 998, quarantined 1002")
                && report.contains("  reference date 2023-06-30\n"),
            "{report}"
        );
        assert_eq!(
            wh.number(
                "select count(*) from registry.raw_files \
                 where report_json like '%\"reference_date\":\"2023-06-30\"%'"
            ),
            1.0,
            "the date is recorded with the file"
        );
        runs.push(wh.sql(quarantine));
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains("received date 2023-07-02 is outside 1998-01-01 .. 2023-07-01"));
}

#[test]
fn a_blank_sextortion_flag_is_staged_as_null() {
    let wh = TestWarehouse::new();
    let report = ingest_referrals(&wh, None);
    assert!(report.contains("staged 2000, quarantined 0"), "{report}");
    // The sample: 1,369 blank, 611 `No`, 20 `Yes`.
    assert_eq!(
        wh.sql("select sextortion, count(*) as n from ncmec_referrals group by 1 order by 1 nulls first"),
        "sextortion,n\n,1369\nfalse,611\ntrue,20\n"
    );
    assert_eq!(
        wh.number("select sum(reports) from ncmec_referral_counts where sextortion is null"),
        1369.0
    );
}

/// 36 of EMC's 64 reports of 2021 came from men: 56.25%, printed 56.3 by the ingest report,
/// `indicators show` and every export (the report once printed 56.2).
#[test]
fn one_rounding_rule_from_report_to_export() {
    let wh = TestWarehouse::new();
    let report = wh.ingest("emc-reports", &["emc/emc-reports-2021-2022.csv"]);
    assert!(
        report.contains("reporter sex F 37.5%, M 56.3%, _U 6.3% (sum 100.0%)"),
        "{report}"
    );
    assert_success(
        &wh.cmd(&["indicators", "compute"]).output().unwrap(),
        "compute",
    );
    let show = wh
        .cmd(&["indicators", "show", "EMC_REPORTS_SEX_SHARE"])
        .output()
        .unwrap();
    assert_success(&show, "show");
    assert!(
        String::from_utf8_lossy(&show.stdout).contains("\n2021\tM\t56.3\t36\t64\t"),
        "{}",
        String::from_utf8_lossy(&show.stdout)
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_success(
        &wh.cmd(&["indicators", "export", "--role", "analyst", "--out"])
            .arg(&out)
            .output()
            .unwrap(),
        "export",
    );
    let csv = std::fs::read_to_string(out.join("observations.csv")).unwrap();
    let row = csv
        .lines()
        .find(|l| l.starts_with("EMC_REPORTS_SEX_SHARE,1,2021,") && l.contains(",M,"))
        .unwrap_or_else(|| panic!("no 2021 M row in\n{csv}"));
    assert!(row.contains(",56.3,56.3,36,64,"), "{row}");
    let sdmx = std::fs::read_to_string(out.join("observations.sdmx.csv")).unwrap();
    assert!(
        sdmx.lines()
            .any(|l| l.contains(",EMC_REPORTS_SEX_SHARE,2021,")
                && l.contains(",M,")
                && l.contains(",56.3,")),
        "{sdmx}"
    );
}
