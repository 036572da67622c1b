//! Releases (issue 19): `marsad release create|list|notes` on a warehouse whose second
//! snapshot comes from a corrected PMP case table (2024: 86 cases, not 84). A release is
//! immutable; a snapshot without computed observations is refused; `indicators show --as-of`
//! gives the values as published before, between and after the two releases;
//! `indicators.revisions` holds the revised values with their cause; the release notes say what
//! changed in fr, ar and en, the steward's notes appended. (Embargo on the API, by an injected
//! clock: server/src/http/observations.rs.)

use crate::helpers::{assert_success, sample, temp_file, TestWarehouse};

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
    let q1 = run(
        &wh,
        &[
            "release",
            "create",
            "--snapshot",
            "1",
            "--name",
            "2026-Q1",
            "--by",
            "steward",
            "--notes",
            notes.to_str().unwrap(),
        ],
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
        refused(&wh, &["release", "create", "--snapshot", "1", "--name", "2026-Q1", "--by", "x"]),
        "marsad: release `2026-Q1`: a release named `2026-Q1` exists already; a release is immutable: choose another name\n"
    );

    // A corrected table: 2024 has 86 cases (2 more closed), not 84.
    let text = std::fs::read_to_string(sample("pmp/pmp-aese-2021-2024.csv")).unwrap();
    assert!(text.contains("2024;84;13;39;3;19;10"));
    let corrected = temp_file(
        &dir,
        "pmp-aese-2021-2024-corrected.csv",
        text.replace("2024;84;13;39;3;19;10", "2024;86;13;39;3;21;10")
            .as_bytes(),
    );
    run(
        &wh,
        &["ingest", "pmp-case-table", corrected.to_str().unwrap()],
    );
    // Its observations are not computed yet: nothing to release.
    assert_eq!(
        refused(&wh, &["release", "create", "--snapshot", "2", "--name", "2026-Q2", "--by", "x"]),
        "marsad: release `2026-Q2`: snapshot 2 has no computed observations: run `marsad indicators compute --snapshot 2` first\n"
    );
    run(&wh, &["indicators", "compute"]);
    let between = chrono::Utc::now();
    let q2 = run(
        &wh,
        &[
            "release",
            "create",
            "--snapshot",
            "2",
            "--name",
            "2026-Q2",
            "--by",
            "steward",
        ],
    );
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
    let q3 = run(
        &wh,
        &[
            "release",
            "create",
            "--snapshot",
            "2",
            "--name",
            "2026-Q3",
            "--by",
            "steward",
            "--embargo-until",
            "2099-01-01T09:00:00Z",
        ],
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
