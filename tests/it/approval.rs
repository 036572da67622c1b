//! Approved means fixed: `marsad indicators check` on a steward's catalogue names what changed;
//! each indicator's SQL runs under its own lonely-PSU setting; observations record the engine
//! version that computed them.

use std::path::{Path, PathBuf};

use crate::helpers::{assert_success, catalogue_copy, check_catalogue, TestWarehouse};

#[test]
fn check_names_the_indicator_whose_setting_changed() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalogue_copy(dir.path());
    let check = || check_catalogue(&catalog);
    assert_success(&check(), "check of the shipped catalogue");

    let toml = catalog.join("SDG_16_2_3.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("lonely_psu = \"fail\"", "lonely_psu = \"certainty\""),
    )
    .unwrap();
    let out = check();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].starts_with("error: SDG_16_2_3 (")
            && errors[0]
                .contains("): setting lonely_psu changed (fail → certainty) since version 1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 indicator(s) fail the approval check"),
        "{stderr}"
    );
}

/// A draft indicator on apisrs whose first school is alone in its stratum (a lonely PSU).
fn lonely_indicator(dir: &Path, id: &str, rule: &str) -> PathBuf {
    let catalog = dir.join(id.to_lowercase());
    std::fs::create_dir_all(&catalog).unwrap();
    std::fs::write(
        catalog.join(format!("{id}.toml")),
        format!(
            r#"id = "{id}"
version = 1
status = "draft"
unit = "count"
decimals = 2
dimensions = ["period"]
sources = ["hcp-survey"]
periodicity = "once"
requires = ["staging.survey_apisrs"]

[name]
fr = "Croissance moyenne"
ar = "متوسط النمو"
en = "Mean growth"

[definition]
fr = "Croissance moyenne de l'API, une école seule dans sa strate."
ar = "متوسط نمو المؤشر، مدرسة واحدة في طبقتها."
en = "Mean API growth, one school alone in its stratum."

[mnr]
sector = 6
capacity = 19

[disclosure]
threshold = 0
reason = "A design-based estimate."

[survey]
lonely_psu = "{rule}"
"#
        ),
    )
    .unwrap();
    std::fs::write(
        catalog.join(format!("{id}.sql")),
        "with r as (\n\
             select growth, pw, snum, fpc,\n\
                 case when snum = (select min(snum) from staging.survey_apisrs) then 'lonely' \
                 else 'rest' end as stratum\n\
             from staging.survey_apisrs\n\
         )\n\
         select '2000' as period, e['estimate'] as value, e['cv'] as cv, e['n'] as respondents\n\
         from (select survey_mean(growth, pw, stratum, snum, fpc) as e from r)\n",
    )
    .unwrap();
    catalog
}

#[test]
fn each_indicator_runs_under_its_own_lonely_psu_rule() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("apisrs.csv");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/apisrs.csv"),
        &csv,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("apisrs.design.toml"),
        "survey_id = \"apisrs\"\nweight = \"pw\"\npsu = \"snum\"\nfpc = \"fpc\"\nfpc_kind = \"population\"\n",
    )
    .unwrap();
    let wh = TestWarehouse::new();
    let out = wh
        .cmd(&["ingest", "hcp-survey", csv.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out, "ingest apisrs");

    let compute = |catalog: &Path| {
        wh.cmd(&[
            "indicators",
            "compute",
            "--catalog",
            catalog.to_str().unwrap(),
        ])
        .output()
        .unwrap()
    };
    // Under `fail` (R's default) the lonely stratum is an error naming the indicator.
    let failing = lonely_indicator(dir.path(), "LONELY_FAIL", "fail");
    let out = compute(&failing);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("indicator LONELY_FAIL")
            && stderr.contains("stratum `lonely` has a single PSU"),
        "{stderr}"
    );

    // Under `certainty` it adds no variance: the estimate is R's 31.9.
    let certain = lonely_indicator(dir.path(), "LONELY_CERTAINTY", "certainty");
    let out = compute(&certain);
    assert_success(&out, "compute under certainty");
    assert_eq!(
        wh.sql(
            "select indicator_id, round(value, 9) as value, engine_version \
             from indicators.observations"
        ),
        format!(
            "indicator_id,value,engine_version\nLONELY_CERTAINTY,31.9,{}\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    // `marsad sql` keeps the default rule, `fail`.
    let out = wh
        .cmd(&[
            "sql",
            "select survey_mean(growth, pw, case when snum = (select min(snum) from \
             staging.survey_apisrs) then 'lonely' else 'rest' end, snum, fpc)['estimate'] \
             from staging.survey_apisrs",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("single PSU"));
}
