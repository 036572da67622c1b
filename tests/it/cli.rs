//! The commands a new user types first: `marsad demo`, `marsad feeds`, `marsad sql`.

use crate::helpers::{marsad, TestWarehouse};

#[test]
fn demo_loads_every_sample_and_prints_the_public_indicators() {
    let wh = TestWarehouse::new();
    let out = wh
        .cmd(&["demo"])
        .env_remove("MARSAD_PSEUDONYM_KEY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for figure in [
        "PMP_AESE_CASES — AESE cases registered by the public prosecution [NUMBER]\n  2021: 19\n  2022: 43\n  2023: 109\n  2024: 84\n",
        "NCMEC_MA_REPORTS — CyberTipline reports concerning Morocco [NUMBER]\n  2019: 322889\n",
        "  2023: 543638\n",
        "NCMEC_MA_WORLD_SHARE — Morocco's share of worldwide CyberTipline reports [PT]\n  2019: 1.90\n",
        "EMC_REPORTS — Reports received by the EMC helpline [NUMBER]\n  2021: 64\n  2022: 537\n  2023: 1227\n  2024: 574\n",
        "  2021: F suppressed · M 56.3 · _T 100.0 · _U suppressed\n",
        "pmp.components_add_up",
    ] {
        assert!(stdout.contains(figure), "missing {figure:?} in:\n{stdout}");
    }
    // Running it again changes nothing.
    let again = wh.cmd(&["demo"]).output().unwrap();
    let again = String::from_utf8_lossy(&again.stdout);
    assert!(again.contains("already ingested"), "{again}");
    assert_eq!(
        wh.number("select count(distinct snapshot_id) from registry.snapshots"),
        9.0
    );
}

#[test]
fn feeds_lists_every_feed() {
    let out = marsad().arg("feeds").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    for feed in [
        "pmp-case-table",
        "pmp-cases",
        "pmp-victims-judged",
        "emc-reports",
        "ncmec-country-table",
        "ncmec-referrals",
        "hcp-population",
        "hcp-survey",
    ] {
        assert!(stdout.contains(feed), "{stdout}");
    }
}

#[test]
fn sql_is_read_only() {
    let wh = TestWarehouse::new();
    wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]);
    let read_only = "only read-only queries run here";
    for (statement, refusal) in [
        (
            "create table t as select 1",
            format!("CREATE TABLE is DDL (it defines or drops objects); {read_only}"),
        ),
        (
            "insert into staging.pmp_case_table values (1)",
            format!("INSERT INTO is DML (it writes data); {read_only}"),
        ),
        (
            "drop table staging.pmp_case_table",
            format!("DROP TABLE is DDL (it defines or drops objects); {read_only}"),
        ),
        (
            "copy (select 1) to 'out.csv'",
            format!("COPY reads or writes files; {read_only}"),
        ),
        (
            "set datafusion.execution.batch_size = 1",
            "SET changes session settings; the limits are set with flags (--timeout, --max-rows, \
             --memory, …)"
                .to_string(),
        ),
        (
            "create external table x stored as csv location '/etc/passwd'",
            "CREATE EXTERNAL TABLE x reads a file or URL; only the warehouse's tables can be \
             queried"
                .to_string(),
        ),
        (
            "select * from 'data.csv'",
            "FROM 'data.csv' reads a file or URL; only the warehouse's tables can be queried"
                .to_string(),
        ),
    ] {
        let out = wh.cmd(&["sql", statement]).output().unwrap();
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned()
            ),
            (Some(1), format!("marsad: refused: {refusal}\n")),
            "{statement}"
        );
    }
}

#[test]
fn gen_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    for p in [&a, &b] {
        let out = marsad()
            .args([
                "gen",
                "ncmec-referrals",
                "--rows",
                "1000",
                "--seed",
                "7",
                "--out",
            ])
            .arg(p)
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    let bytes = std::fs::read(&a).unwrap();
    assert_eq!(bytes, std::fs::read(&b).unwrap());
    assert_eq!(bytes.iter().filter(|&&c| c == b'\n').count(), 1001);
}

#[test]
fn conformed_dimensions_are_queryable() {
    let wh = TestWarehouse::new();
    wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]);
    assert_eq!(
        wh.sql("select age_band from dim_age_band order by cast(sort_order as int)"),
        "age_band\n0-4\n5-12\n13-17\n18-25\n26+\n_U\n"
    );
    assert_eq!(
        wh.sql("select sex, name_en from dim_sex order by sex"),
        "sex,name_en\nF,Female\nM,Male\n_U,Unknown\n"
    );
    assert_eq!(wh.number("select count(*) from dim_region"), 12.0);
    assert_eq!(wh.number("select count(*) from dim_source"), 8.0);
    assert_eq!(
        wh.sql("select country_code, alpha3, name_en from dim_country where country_code = 'MA'"),
        "country_code,alpha3,name_en\nMA,MAR,Morocco\n"
    );
    assert_eq!(
        wh.sql("select label from dim_offence where source = 'ncmec-referrals' and offence_code = 'csam'"),
        "label\nChild Sexual Abuse Material\n"
    );
    assert_eq!(
        wh.number("select count(*) from dim_offence where source = 'ncmec-referrals'"),
        8.0,
        "NCMEC's eight incident types"
    );
    assert_eq!(
        wh.sql("select period, start_date, end_date from dim_period where period = '2023'"),
        "period,start_date,end_date\n2023,2023-01-01,2023-12-31\n"
    );
}
