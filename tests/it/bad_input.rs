//! Bad input gets a clear error and loses nothing: a refused file names itself and where it
//! failed, and leaves the warehouse exactly as it was (same Delta logs, same raw-file archive); a
//! rejected row is quarantined with its position, column, value and reason.

use std::collections::BTreeSet;
use std::path::Path;

use crate::helpers::{sample, temp_file, TestWarehouse};

/// Every Delta log entry and archived raw file under the data directory: the warehouse's exact
/// committed state (an archive copy started while the file was read must be gone too).
fn delta_logs(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().contains("_delta_log")
                || p.strip_prefix(root).is_ok_and(|r| r.starts_with("raw"))
            {
                out.insert(p.strip_prefix(root).unwrap_or(&p).display().to_string());
            }
        }
    }
    out
}

/// Ingest must fail, mention every needle, and leave the Delta logs untouched.
fn refused(wh: &TestWarehouse, feed: &str, file: &Path, needles: &[&str]) {
    let before = delta_logs(Path::new(&wh.path));
    let out = wh
        .cmd(&["ingest", feed])
        .arg(file)
        .output()
        .expect("marsad runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "{} should be refused: {stderr}",
        file.display()
    );
    for n in needles {
        assert!(stderr.contains(n), "error should mention {n:?}: {stderr}");
    }
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(
        before,
        delta_logs(Path::new(&wh.path)),
        "the warehouse changed"
    );
}

fn warehouse_with_a_snapshot() -> TestWarehouse {
    let wh = TestWarehouse::new();
    wh.ingest(
        "pmp-victims-judged",
        &["pmp/pmp-child-victims-judged-2020-2023.csv"],
    );
    wh
}

#[test]
fn unknown_layout_is_refused() {
    let wh = warehouse_with_a_snapshot();
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "cases.docx", b"not a table");
    refused(&wh, "pmp-case-table", &f, &["cases.docx", ".docx"]);
}

#[test]
fn missing_required_column_is_refused() {
    let wh = warehouse_with_a_snapshot();
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "pmp.csv", "Année;Total\n2021;19\n".as_bytes());
    refused(
        &wh,
        "pmp-case-table",
        &f,
        &["pmp.csv", "missing required column"],
    );
}

#[test]
fn undecodable_bytes_are_refused() {
    let wh = warehouse_with_a_snapshot();
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "binary.csv", b"Ann\x00e;cases\n2021;19\n");
    refused(
        &wh,
        "pmp-case-table",
        &f,
        &["binary.csv", "undecodable", "byte 3"],
    );
}

#[test]
fn truncated_xlsx_is_refused() {
    let wh = warehouse_with_a_snapshot();
    let bytes = std::fs::read(sample("pmp/pmp-aese-2021-2024.xlsx")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "cut.xlsx", &bytes[..bytes.len() / 2]);
    refused(&wh, "pmp-case-table", &f, &["cut.xlsx"]);
}

#[test]
fn truncated_pdf_is_refused() {
    let wh = warehouse_with_a_snapshot();
    let bytes = std::fs::read(sample("ncmec/ncmec-by-country-2019.pdf")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "cut-2019.pdf", &bytes[..bytes.len() / 2]);
    refused(&wh, "ncmec-country-table", &f, &["cut-2019.pdf"]);
}

#[test]
fn empty_file_is_refused() {
    let wh = warehouse_with_a_snapshot();
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "empty.csv", b"");
    refused(&wh, "pmp-case-table", &f, &["empty.csv", "empty"]);
    let f = temp_file(&dir, "header-only.csv", "Année;Nombre de cas\n".as_bytes());
    refused(&wh, "pmp-case-table", &f, &["header-only.csv"]);
}

#[test]
fn one_bad_file_refuses_the_whole_ingest() {
    let wh = warehouse_with_a_snapshot();
    let dir = tempfile::tempdir().unwrap();
    let bad = temp_file(&dir, "broken.jsonl", b"{\"report_id\": \"E1\",\n");
    let before = delta_logs(Path::new(&wh.path));
    let out = wh
        .cmd(&["ingest", "emc-reports"])
        .arg(sample("emc/emc-reports-2021-2022.csv"))
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.jsonl") && stderr.contains("line 1"),
        "{stderr}"
    );
    assert_eq!(before, delta_logs(Path::new(&wh.path)));
    assert_eq!(wh.number("select count(*) from emc_reports"), 0.0);
}

#[test]
fn bad_rows_are_quarantined_with_position_and_reason() {
    let wh = TestWarehouse::new();
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(
        &dir,
        "pmp-bad-row.csv",
        "Année;Nombre de cas;Nombre de Personnes poursuivies\n2021;19;9\n2022;4x3;18\n2023;109;24\n".as_bytes(),
    );
    let out = wh
        .cmd(&["ingest", "pmp-case-table"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        wh.sql("select year, cases from pmp_case_table order by year"),
        "year,cases\n2021,19\n2023,109\n"
    );
    assert_eq!(
        wh.sql("select feed, file_name, position, \"column\", value from quarantine.rows"),
        "feed,file_name,position,column,value\npmp-case-table,pmp-bad-row.csv,line 3,cases,4x3\n"
    );
    let reason = wh.sql("select reason from quarantine.rows");
    assert!(
        reason.lines().nth(1).is_some_and(|r| !r.is_empty()),
        "{reason}"
    );
}

/// A row whose cells do not line up with the header (a stray doubled quote split `358,994`) is
/// quarantined whole, with the cells past the header; the other rows are staged.
#[test]
fn shifted_rows_are_quarantined_whole() {
    let wh = TestWarehouse::new();
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(
        &dir,
        "pmp-shifted.csv",
        "Année;Nombre de cas\n2021;19\n2022;\"\"4;3\"\n2023;109\n".as_bytes(),
    );
    let out = wh
        .cmd(&["ingest", "pmp-case-table"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        wh.sql("select year, cases from pmp_case_table order by year"),
        "year,cases\n2021,19\n2023,109\n"
    );
    assert_eq!(
        wh.sql("select position, \"column\", value, reason from quarantine.rows"),
        "position,column,value,reason\nline 3,(row),\"3\"\"\",the row has 3 cells where the header has 2: a stray delimiter or quote has shifted its values (the cells past the header are shown)\n"
    );
}
