//! Records sent again: a re-sent record replaces its earlier version in the next snapshot (each
//! snapshot holds one version per key; the earlier snapshot still shows the earlier one), the
//! ingest report counts new, changed and unchanged records, a survey file sent again does not
//! count its respondents twice, an ingest under another pseudonymisation key is refused, and a
//! truncated population file cannot replace a census figure.

use crate::helpers::{assert_success, sample, temp_file, TestWarehouse};

/// The header and the first `n` data lines of a CRLF sample, each passed through `edit`.
fn part(rel: &str, n: usize, edit: impl Fn(&str) -> String) -> Vec<u8> {
    let text = std::fs::read_to_string(sample(rel)).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    let mut out: Vec<String> = vec![lines[0].to_string()];
    out.extend(lines[1..=n].iter().map(|l| edit(l)));
    (out.join("\r\n") + "\r\n").into_bytes()
}

fn ingest_file(wh: &TestWarehouse, feed: &str, path: &std::path::Path) -> String {
    let out = wh
        .cmd(&["ingest", feed, path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out, &format!("ingest {feed} {}", path.display()));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn observation(wh: &TestWarehouse, id: &str, filter: &str) -> f64 {
    assert_success(
        &wh.cmd(&["indicators", "compute"]).output().unwrap(),
        "compute",
    );
    let csv = wh.sql(&format!(
        "select cast(value as varchar) as v from indicators.observations \
         where indicator_id = '{id}' and {filter} \
         and snapshot_id = (select max(snapshot_id) from registry.snapshots)"
    ));
    let value = csv.lines().nth(1).unwrap_or_default();
    value
        .parse()
        .unwrap_or_else(|_| panic!("{id} {filter}: {value:?}"))
}

#[test]
fn an_emc_part_sent_again_counts_once() {
    let wh = TestWarehouse::new();
    wh.ingest("emc-reports", &["emc/emc-reports-2021-2022.csv"]);
    assert_eq!(observation(&wh, "EMC_REPORTS", "period = '2021'"), 64.0);

    let dir = tempfile::tempdir().unwrap();
    let again = temp_file(
        &dir,
        "emc-part.csv",
        &part("emc/emc-reports-2021-2022.csv", 40, str::to_string),
    );
    let out = ingest_file(&wh, "emc-reports", &again);
    assert!(
        out.contains("records in emc_reports: 0 new, 0 changed, 40 unchanged"),
        "{out}"
    );
    assert_eq!(observation(&wh, "EMC_REPORTS", "period = '2021'"), 64.0);
    assert_eq!(
        wh.number("select count(*) from staging.emc_reports"),
        wh.number("select count(distinct report_token) from staging.emc_reports")
    );
}

#[test]
fn a_pmp_export_with_changed_statuses_replaces_the_cases() {
    let wh = TestWarehouse::new();
    wh.ingest("pmp-cases", &["pmp/pmp-cases-2021-2024.csv"]);
    let statuses = "select status, count(*) as n from pmp_cases group by status order by status";
    let before = wh.sql(statuses);
    assert_eq!(wh.number("select count(*) from pmp_cases"), 255.0);

    let dir = tempfile::tempdir().unwrap();
    let changed = temp_file(
        &dir,
        "pmp-cases-update.csv",
        &part("pmp/pmp-cases-2021-2024.csv", 30, |l| {
            l.replace(";En cours d'enquête;", ";Poursuivi;")
        }),
    );
    let out = ingest_file(&wh, "pmp-cases", &changed);
    assert!(
        out.contains("records in pmp_cases: 0 new, 2 changed, 28 unchanged"),
        "{out}"
    );
    assert_eq!(wh.number("select count(*) from pmp_cases"), 255.0);
    assert_eq!(
        wh.number("select sum(value) from (select 1 as value from pmp_cases)"),
        255.0
    );
    assert_eq!(
        observation(
            &wh,
            "PMP_CASES_BY_REGION",
            "ref_area = 'MA' and period = '2021'"
        ),
        19.0
    );
    assert_eq!(
        wh.number("select count(*) from pmp_cases where year = 2021"),
        19.0
    );
    let after = wh.sql(statuses);
    assert_ne!(before, after);
    let investigation = "select count(*) from pmp_cases where status = 'under_investigation'";
    let n_after = wh.number(investigation);
    // The earlier snapshot still holds the earlier version of the two cases.
    let out = wh
        .cmd(&[
            "sql",
            "--snapshot",
            "1",
            "--format",
            "csv",
            "select count(*) as n from pmp_cases where status = 'under_investigation'",
        ])
        .output()
        .unwrap();
    assert_success(&out, "sql --snapshot 1");
    let n_before: f64 = String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(n_before - n_after, 2.0);
}

#[test]
fn a_survey_file_sent_again_does_not_double_its_respondents() {
    let wh = TestWarehouse::new();
    wh.ingest("hcp-survey", &["hcp/enquete-violence-2025.csv"]);
    let before = observation(&wh, "SDG_16_2_3", "sex = '_T'");
    assert_eq!(format!("{before:.4}"), "7.5306");

    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample("hcp/enquete-violence-2025.csv")).unwrap();
    let first: Vec<&str> = text.lines().take(501).collect();
    let again = temp_file(
        &dir,
        "enquete-violence-2025-part.csv",
        (first.join("\n") + "\n").as_bytes(),
    );
    std::fs::copy(
        sample("hcp/enquete-violence-2025.design.toml"),
        dir.path().join("enquete-violence-2025-part.design.toml"),
    )
    .unwrap();
    let out = ingest_file(&wh, "hcp-survey", &again);
    assert!(
        out.contains("records in survey_evs2025: 0 new, 0 changed, 500 unchanged"),
        "{out}"
    );
    assert_eq!(
        wh.number("select count(*) from staging.survey_evs2025"),
        6015.0
    );
    // The same respondents, rewritten in another order: equal up to the order of summation.
    let after = observation(&wh, "SDG_16_2_3", "sex = '_T'");
    assert!((after - before).abs() < 1e-9, "{after} vs {before}");
}

#[test]
fn another_pseudonymisation_key_is_refused() {
    let wh = TestWarehouse::new();
    wh.ingest("emc-reports", &["emc/emc-reports-2021-2022.csv"]);
    let staged = wh.number("select count(*) from staging.emc_reports");
    let dir = tempfile::tempdir().unwrap();
    let again = temp_file(
        &dir,
        "emc-part.csv",
        &part("emc/emc-reports-2021-2022.csv", 10, str::to_string),
    );
    let out = wh
        .cmd(&["ingest", "emc-reports", again.to_str().unwrap()])
        .env("MARSAD_PSEUDONYM_KEY", "another-key-0123456789abcdef")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("staging.emc_reports was pseudonymised under another key"),
        "{err}"
    );
    assert_eq!(
        wh.number("select count(*) from staging.emc_reports"),
        staged
    );
}

#[test]
fn a_truncated_census_file_cannot_replace_a_figure() {
    let wh = TestWarehouse::new();
    wh.ingest("hcp-population", &["hcp/rgph2024-regions.csv"]);
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(sample("hcp/rgph2024-regions.csv")).unwrap();
    let cut = temp_file(&dir, "rgph2024-regions.csv", &bytes[..128]);
    let out = wh
        .cmd(&["ingest", "hcp-population", cut.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "rgph2024-regions.csv: cannot be parsed at line 4: the file ends inside this line"
        ),
        "{err}"
    );
    assert_eq!(
        wh.number(
            "select population from population where year = 2024 and region_code = 'MA-03' \
             and sex = '_T' and age_group = '_T'"
        ),
        4_467_911.0
    );
}

#[test]
fn referrals_sent_again_are_counted_once_in_the_roll_up() {
    let wh = TestWarehouse::new();
    wh.ingest("ncmec-referrals", &["ncmec/ncmec-referrals-2023.csv"]);
    let staged = wh.number("select count(*) from ncmec_referrals");
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample("ncmec/ncmec-referrals-2023.csv")).unwrap();
    let first: Vec<&str> = text.lines().take(101).collect();
    let again = temp_file(
        &dir,
        "referrals-part.csv",
        (first.join("\n") + "\n").as_bytes(),
    );
    let out = ingest_file(&wh, "ncmec-referrals", &again);
    assert!(
        out.contains("records in ncmec_referrals: 0 new, 0 changed, 100 unchanged"),
        "{out}"
    );
    assert_eq!(wh.number("select count(*) from ncmec_referrals"), staged);
    assert_eq!(
        wh.number("select sum(reports) from ncmec_referral_counts"),
        staged
    );
    assert_eq!(
        wh.number("select sum(files) from ncmec_referral_counts"),
        wh.number("select sum(coalesce(file_count, 0)) from ncmec_referrals")
    );
}
