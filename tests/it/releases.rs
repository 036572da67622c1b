//! Releases (issue 19): `marsad release create|list|notes` on a warehouse whose second
//! snapshot comes from a corrected PMP case table (2024: 86 cases, not 84). A release is
//! immutable; a snapshot without computed observations is refused; `indicators show --as-of`
//! gives the values as published before, between and after the two releases;
//! `indicators.revisions` holds the revised values with their cause; the release notes say what
//! changed in fr, ar and en, the steward's notes appended. (Embargo on the API, by an injected
//! clock: server/src/http/observations.rs.) The public export is of a release (the latest out
//! of embargo, or one named), with the licence the release was made with; `release create` is
//! audited, made or refused.

use std::path::Path;

use crate::helpers::{assert_success, sample, temp_file, TestWarehouse};

/// `release create` of the latest snapshot (its observations computed) as `name`, by `test`,
/// with the catalogue directory `catalog` when given: what public exports then show.
pub(crate) fn release_latest(wh: &TestWarehouse, name: &str, catalog: Option<&str>) {
    let snapshot = wh.number("select max(snapshot_id) from registry.snapshots") as i64;
    let mut cmd = wh.cmd(&["release", "create", "--name", name, "--by", "test"]);
    cmd.args(["--snapshot", &snapshot.to_string()]);
    if let Some(dir) = catalog {
        cmd.args(["--catalog", dir]);
    }
    assert_success(&cmd.output().unwrap(), "release create");
}

/// A copy of the PMP case table in which 2024 has 86 cases (2 more closed), not 84.
fn corrected_case_table(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let text = std::fs::read_to_string(sample("pmp/pmp-aese-2021-2024.csv")).unwrap();
    assert!(text.contains("2024;84;13;39;3;19;10"));
    temp_file(
        dir,
        "pmp-aese-2021-2024-corrected.csv",
        text.replace("2024;84;13;39;3;19;10", "2024;86;13;39;3;21;10")
            .as_bytes(),
    )
}

fn run(wh: &TestWarehouse, args: &[&str]) -> String {
    let out = wh.cmd(args).output().unwrap();
    assert_success(&out, &args.join(" "));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(wh: &TestWarehouse, args: &[&str]) -> String {
    let out = wh.cmd(args).output().unwrap();
    assert!(!out.status.success(), "{args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The observation lines (period, value…) of `indicators show` after its header.
fn shown(out: &str) -> Vec<String> {
    out.lines()
        .skip_while(|l| !l.starts_with("period\t"))
        .map(|l| l.split('\t').take(2).collect::<Vec<_>>().join(" "))
        .collect()
}

/// The revised lines of release 2026-Q2's notes, by language (the cause, then the file).
const REVISED_EN: &str = "Revised values (3):
- PMP_AESE_CASES 2024: 84 → 86 (new or corrected source file: pmp-case-table: pmp-aese-2021-2024-corrected.csv (sha256 3de0aedd4b3b))
- PMP_AESE_CLOSED_SHARE 2024: 22.6 → 24.4 (new or corrected source file: pmp-case-table: pmp-aese-2021-2024-corrected.csv (sha256 3de0aedd4b3b))
- PMP_AESE_INVESTIGATION_SHARE 2024: 46.4 → 45.3 (new or corrected source file: pmp-case-table: pmp-aese-2021-2024-corrected.csv (sha256 3de0aedd4b3b))
";

#[test]
fn releases_vintages_revisions_and_notes() {
    let wh = TestWarehouse::new();
    let dir = tempfile::tempdir().unwrap();
    wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]);
    run(&wh, &["indicators", "compute"]);
    let notes = temp_file(&dir, "notes.txt", b"Checked by the indicators committee.\n");
    let before_first = chrono::Utc::now();
    let q1 = create(
        &wh,
        "1",
        "2026-Q1",
        &["--by", "steward", "--notes", notes.to_str().unwrap()],
    );
    let (head, notes_q1) = q1.split_once("\n\n").unwrap();
    assert!(
        head.starts_with(
            "release 2026-Q1 of snapshot 1: 16 observations, 0 revised values; public from "
        ),
        "{q1}"
    );
    assert_eq!(
        notes_q1,
        "Release 2026-Q1 (snapshot 1), first release

New indicators (4):
- PMP_AESE_CASES: AESE cases registered by the public prosecution
- PMP_AESE_CLOSED_SHARE: Share of AESE cases closed without further action
- PMP_AESE_INVESTIGATION_SHARE: Share of AESE cases still under investigation
- PMP_AESE_PROSECUTED: Persons prosecuted in AESE cases

Retired indicators (0):
- none

New periods (0):
- none

Revised values (0):
- none

Breaks in series (0):
- none

Steward's notes:
Checked by the indicators committee.
"
    );

    // Immutable: the same name again is refused, whatever the snapshot, and nothing changes.
    assert_eq!(
        create_refused(&wh, "1", "2026-Q1", &["--by", "x"]),
        "marsad: release `2026-Q1`: a release named `2026-Q1` exists already; a release is immutable: choose another name\n"
    );

    // A corrected table: 2024 has 86 cases (2 more closed), not 84.
    let corrected = corrected_case_table(&dir);
    run(
        &wh,
        &["ingest", "pmp-case-table", corrected.to_str().unwrap()],
    );
    // Its observations are not computed yet: nothing to release.
    assert_eq!(
        create_refused(&wh, "2", "2026-Q2", &["--by", "x"]),
        "marsad: release `2026-Q2`: snapshot 2 has no computed observations: run `marsad indicators compute --snapshot 2` first\n"
    );
    run(&wh, &["indicators", "compute"]);
    let between = chrono::Utc::now();
    let q2 = create(&wh, "2", "2026-Q2", &["--by", "steward"]);
    assert!(
        q2.starts_with("release 2026-Q2 of snapshot 2: 16 observations, 3 revised values; "),
        "{q2}"
    );
    assert!(
        q2.contains("\nRelease 2026-Q2 (snapshot 2), previous release 2026-Q1 (snapshot 1)\n"),
        "{q2}"
    );
    assert!(q2.contains(REVISED_EN), "{q2}");
    assert!(q2.contains("\nNew indicators (0):\n- none\n"), "{q2}");
    // A third release of the same snapshot, under embargo until 2099.
    let q3 = create(
        &wh,
        "2",
        "2026-Q3",
        &["--by", "steward", "--embargo-until", "2099-01-01T09:00:00Z"],
    );
    assert!(q3.starts_with("release 2026-Q3 of snapshot 2: 16 observations, 0 revised values; public from 2099-01-01T09:00:00Z\n"), "{q3}");
    let list: Vec<Vec<String>> = run(&wh, &["release", "list"])
        .lines()
        .map(|l| l.split('\t').take(5).map(String::from).collect())
        .collect();
    assert_eq!(
        list[0],
        ["name", "snapshot", "public_from", "state", "created_by"]
    );
    assert_eq!(list[1][..2], ["2026-Q1", "1"]);
    assert_eq!(list[1][3..], ["public", "steward"]);
    assert_eq!(list[2][3..], ["public", "steward"]);
    assert_eq!(
        list[3][..],
        [
            "2026-Q3",
            "2",
            "2099-01-01T09:00:00Z",
            "embargoed",
            "steward"
        ]
    );

    // The notes in French and Arabic say the same.
    let fr = run(&wh, &["release", "notes", "2026-Q2", "--lang", "fr"]);
    assert!(
        fr.starts_with(
            "Publication 2026-Q2 (instantané 2), publication précédente 2026-Q1 (instantané 1)\n"
        ),
        "{fr}"
    );
    assert!(fr.contains("Valeurs révisées (3):\n- PMP_AESE_CASES 2024: 84 → 86 (fichier source nouveau ou corrigé: pmp-case-table: pmp-aese-2021-2024-corrected.csv (sha256 3de0aedd4b3b))\n"), "{fr}");
    let ar = run(&wh, &["release", "notes", "2026-Q2", "--lang", "ar"]);
    assert!(
        ar.starts_with("الإصدار 2026-Q2 (اللقطة 2), الإصدار السابق 2026-Q1 (اللقطة 1)\n"),
        "{ar}"
    );
    assert!(ar.contains("قيم منقحة (3):\n- PMP_AESE_CASES 2024: 84 → 86 (ملف مصدر جديد أو مصحَّح: pmp-case-table: pmp-aese-2021-2024-corrected.csv (sha256 3de0aedd4b3b))\n"), "{ar}");

    // Revisions, as analysts query them: the previous value and the cause.
    assert_eq!(
        wh.sql(
            "select release, previous_release, indicator_id, period, value, previous_value, cause, cause_detail \
             from indicators.revisions order by indicator_id, period"
        ),
        "release,previous_release,indicator_id,period,value,previous_value,cause,cause_detail
2026-Q2,2026-Q1,PMP_AESE_CASES,2024,86.0,84.0,source,pmp-case-table: pmp-aese-2021-2024-corrected.csv (sha256 3de0aedd4b3b)
2026-Q2,2026-Q1,PMP_AESE_CLOSED_SHARE,2024,24.4,22.6,source,pmp-case-table: pmp-aese-2021-2024-corrected.csv (sha256 3de0aedd4b3b)
2026-Q2,2026-Q1,PMP_AESE_INVESTIGATION_SHARE,2024,45.3,46.4,source,pmp-case-table: pmp-aese-2021-2024-corrected.csv (sha256 3de0aedd4b3b)
"
    );

    // Vintages: before, between and after the two releases (the third is under embargo).
    let show = |at: &str| {
        run(
            &wh,
            &["indicators", "show", "PMP_AESE_CASES", "--as-of", at],
        )
    };
    let before = show(&before_first.to_rfc3339());
    assert!(
        before.ends_with(&format!(
            "\n(nothing had been released by {})\n",
            before_first.to_rfc3339()
        )),
        "{before}"
    );
    let mid = show(&between.to_rfc3339());
    assert!(
        mid.contains("\nas published by release 2026-Q1 (snapshot 1, public from "),
        "{mid}"
    );
    assert_eq!(
        shown(&mid),
        ["period value", "2021 19", "2022 43", "2023 109", "2024 84"]
    );
    let today = chrono::Utc::now().date_naive().to_string();
    let after = show(&today);
    assert!(
        after.contains("\nas published by release 2026-Q2 (snapshot 2, public from "),
        "{after}"
    );
    assert_eq!(
        shown(&after),
        ["period value", "2021 19", "2022 43", "2023 109", "2024 86"]
    );
    assert_eq!(
        shown(&show("2100-01-01")),
        shown(&after),
        "an embargo is not lifted by asking about the future"
    );
}

/// `indicators export --role public` into a fresh folder with `extra` arguments: its output,
/// or its error.
fn export_public(
    wh: &TestWarehouse,
    extra: &[&str],
) -> (tempfile::TempDir, Result<String, String>) {
    let dir = tempfile::tempdir().unwrap();
    let out = wh
        .cmd(&["indicators", "export", "--role", "public", "--out"])
        .arg(dir.path())
        .args(extra)
        .output()
        .unwrap();
    let answer = match out.status.success() {
        true => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    };
    (dir, answer)
}

/// The display of PMP_AESE_CASES 2024 in an export's observations.csv.
fn cases_2024(dir: &Path) -> String {
    let mut r = csv::Reader::from_path(dir.join("observations.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, period, display) = (at("indicator_id"), at("period"), at("display"));
    r.records()
        .map(|rec| rec.unwrap())
        .find(|rec| &rec[id] == "PMP_AESE_CASES" && &rec[period] == "2024")
        .map(|rec| rec[display].to_string())
        .expect("PMP_AESE_CASES 2024 is published")
}

/// The data package's version (the release) and licence.
fn package(dir: &Path) -> (String, String) {
    let p: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("datapackage.json")).unwrap()).unwrap();
    (
        p["version"].as_str().unwrap().to_string(),
        p["licenses"][0]["name"].as_str().unwrap().to_string(),
    )
}

/// `release create --snapshot SNAPSHOT --name NAME` with `extra` arguments: its output.
fn create(wh: &TestWarehouse, snapshot: &str, name: &str, extra: &[&str]) -> String {
    let mut args = vec!["release", "create", "--snapshot", snapshot, "--name", name];
    args.extend(extra);
    run(wh, &args)
}

/// [`create`] refused: its error.
fn create_refused(wh: &TestWarehouse, snapshot: &str, name: &str, extra: &[&str]) -> String {
    let mut args = vec!["release", "create", "--snapshot", snapshot, "--name", name];
    args.extend(extra);
    refused(wh, &args)
}

/// The public export reads releases: nothing before the first; the latest out of embargo, or
/// one named (not one under embargo); its package and catalogue carry the release's name and
/// licence (`--licence`, CC-BY-4.0 by default). Every `release create` is in `audit.events`.
#[test]
fn public_exports_are_of_releases_with_their_licence_and_releases_are_audited() {
    let wh = TestWarehouse::with_pmp_case_table();
    let dir = tempfile::tempdir().unwrap();
    run(&wh, &["indicators", "compute"]);
    let (_e, nothing) = export_public(&wh, &[]);
    assert_eq!(
        nothing.unwrap_err(),
        "marsad: nothing is released yet: the public's files are a release's; make one with `marsad release create --snapshot N --name NAME`\n"
    );
    let q1 = create(
        &wh,
        "1",
        "2026-Q1",
        &["--by", "steward", "--licence", "cc0-1.0"],
    );
    assert!(
        q1.contains(
            "\nlicence of its open dataset: CC0-1.0 (Creative Commons Zero 1.0 Universal)\n\n"
        ),
        "{q1}"
    );
    create_refused(&wh, "1", "2026-Q1", &["--by", "other"]);
    let unknown = create_refused(&wh, "1", "x", &["--licence", "MIT"]);
    assert!(
        unknown.contains(
            "unknown licence `MIT`; expected one of CC-BY-4.0, CC0-1.0, ODC-By-1.0, ODbL-1.0"
        ),
        "{unknown}"
    );

    run(
        &wh,
        &[
            "ingest",
            "pmp-case-table",
            corrected_case_table(&dir).to_str().unwrap(),
        ],
    );
    run(&wh, &["indicators", "compute"]);
    create(&wh, "2", "2026-Q2", &["--by", "steward"]);
    create(
        &wh,
        "2",
        "2026-Q3",
        &["--by", "steward", "--embargo-until", "2099-01-01T09:00:00Z"],
    );

    // The latest release out of embargo (2026-Q3 is not), with the default licence.
    let (latest, said) = export_public(&wh, &[]);
    assert!(
        said.as_ref()
            .unwrap()
            .starts_with("16 observations (public, release 2026-Q2 of snapshot 2) written to "),
        "{said:?}"
    );
    assert_eq!(cases_2024(latest.path()), "86");
    assert_eq!(
        package(latest.path()),
        ("2026-Q2".into(), "CC-BY-4.0".into())
    );
    let dcat: serde_json::Value =
        serde_json::from_slice(&std::fs::read(latest.path().join("catalog.jsonld")).unwrap())
            .unwrap();
    assert_eq!(
        dcat["dct:license"]["@id"],
        "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    );
    // An older release, as it was published, under its own licence.
    let (older, _) = export_public(&wh, &["--release", "2026-Q1"]);
    assert_eq!(cases_2024(older.path()), "84");
    assert_eq!(package(older.path()), ("2026-Q1".into(), "CC0-1.0".into()));
    // Nothing of a release under embargo; no snapshot for the public.
    let (_q3, embargoed) = export_public(&wh, &["--release", "2026-Q3"]);
    assert_eq!(
        embargoed.unwrap_err(),
        "marsad: release `2026-Q3` is under embargo until 2099-01-01T09:00:00Z: nothing of it is public before then\n"
    );
    let (_s, snapshot) = export_public(&wh, &["--snapshot", "1"]);
    assert!(snapshot
        .unwrap_err()
        .contains("the public export is of a release, not a snapshot"),);

    assert_eq!(
        wh.sql(
            "select action, role, channel, outcome, snapshot, rows, error from audit.events \
             where action like 'release.create%' order by time"
        ),
        "action,role,channel,outcome,snapshot,rows,error
release.create:2026-Q1 (by steward),steward,cli,ok,1,16,
release.create:2026-Q1 (by other),steward,cli,refused,1,,release `2026-Q1`: a release named `2026-Q1` exists already; a release is immutable: choose another name
release.create:2026-Q2 (by steward),steward,cli,ok,2,16,
release.create:2026-Q3 (by steward),steward,cli,ok,2,16,
"
    );
}
