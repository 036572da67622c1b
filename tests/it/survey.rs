//! Survey estimates in SQL: R's published results on apisrs through the real ingest and the
//! SQL aggregates; domains (GROUP BY) agree with the whole-design ratio formulation (what R's
//! svyby computes); the SDG 16.2.3 indicator carries its bounds and reliability.

use crate::helpers::{assert_success, TestWarehouse};

fn apisrs_warehouse() -> (TestWarehouse, tempfile::TempDir) {
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
    (wh, dir)
}

#[test]
fn sql_aggregates_reproduce_r_survey_on_apisrs() {
    let (wh, _dir) = apisrs_warehouse();
    let design = "pw, 1, snum, fpc";
    let q = |expr: &str| wh.number(&format!("select {expr} from staging.survey_apisrs"));
    assert!((q(&format!("survey_mean(growth, {design})['estimate']")) - 31.9).abs() < 1e-9);
    assert!((q(&format!("survey_mean(growth, {design})['se']")) - 2.0905).abs() < 5e-5);
    assert!((q(&format!("survey_total(growth, {design})['estimate']")) - 197589.0).abs() < 0.5);
    assert!((q(&format!("survey_total(growth, {design})['se']")) - 12949.0).abs() < 0.5);
    assert!(
        (q(&format!(
            "survey_proportion(sch_wide = 'No', {design})['estimate']"
        )) - 0.185)
            .abs()
            < 1e-9
    );
    assert!(
        (q(&format!(
            "survey_proportion(sch_wide = 'No', {design})['se']"
        )) - 0.0271)
            .abs()
            < 5e-5
    );
    assert!(
        (q(&format!("survey_ratio(api00, api99, {design})['estimate']")) - 1.051066).abs() < 5e-7
    );
    assert!(
        (q(&format!("survey_ratio(api00, api99, {design})['se']")) - 0.003603991).abs() < 5e-10
    );
    assert_eq!(q(&format!("survey_mean(growth, {design})['n']")), 200.0);
    // The design view names the design once: same estimate and SE.
    let view = |expr: &str| wh.number(&format!("select {expr} from survey.apisrs"));
    let named = "_weight, _stratum, _psu, _fpc, _stratum_psus";
    assert!((view(&format!("survey_mean(growth, {named})['estimate']")) - 31.9).abs() < 1e-9);
    assert!((view(&format!("survey_mean(growth, {named})['se']")) - 2.0905).abs() < 5e-5);
    assert_eq!(view("count(*)"), 200.0);
}

#[test]
fn domains_keep_the_whole_design() {
    let wh = TestWarehouse::new();
    wh.ingest("hcp-survey", &["hcp/enquete-violence-2025.csv"]);
    let with_design = "with d as (select strate, count(distinct grappe) as n_h from staging.survey_evs2025 group by strate), \
        r as (select s.*, d.n_h from staging.survey_evs2025 s join d on d.strate = s.strate)";
    // Domain by GROUP BY (women), with each stratum's PSU count of the full sample …
    let grouped = wh.sql(&format!(
        "{with_design} select round(e['estimate'], 12) as p, round(e['se'], 12) as se from \
         (select sexe, survey_proportion(violence_sexuelle_avant_18 = 1, poids, strate, grappe, fpc, n_h) as e \
          from r group by sexe) where sexe = 2"
    ));
    // … equals the ratio of two totals over the whole sample (R's svyby/subset).
    let whole = wh.sql(&format!(
        "{with_design} select round(e['estimate'], 12) as p, round(e['se'], 12) as se from \
         (select survey_ratio(case when sexe = 2 then violence_sexuelle_avant_18 else 0 end, \
                              case when sexe = 2 then 1 else 0 end, poids, strate, grappe, fpc) as e from r)"
    ));
    assert_eq!(grouped, whole);
    assert!(grouped.lines().count() == 2, "{grouped}");
    // The design view carries each stratum's PSU count: a plain GROUP BY is right.
    let view = wh.sql(
        "select round(e['estimate'], 12) as p, round(e['se'], 12) as se from \
         (select sexe, survey_proportion(violence_sexuelle_avant_18 = 1, _weight, _stratum, _psu, _fpc, _stratum_psus) as e \
          from survey.evs2025 group by sexe) where sexe = 2",
    );
    assert_eq!(view, whole);
}

#[test]
fn the_sdg_indicator_has_bounds_and_reliability() {
    let wh = TestWarehouse::new();
    wh.ingest("hcp-survey", &["hcp/enquete-violence-2025.csv"]);
    assert_success(
        &wh.cmd(&["indicators", "compute"]).output().unwrap(),
        "compute",
    );
    let rows = wh.sql(
        "select sex, obs_status, value > lower_bound and value < upper_bound as inside, \
         lower_bound > 0 and upper_bound < 100 as in_range, obs_comment like 'CV %' as noted \
         from indicators.observations where indicator_id = 'SDG_16_2_3' order by sex",
    );
    assert_eq!(
        rows,
        "sex,obs_status,inside,in_range,noted\nF,E,true,true,true\nM,E,true,true,true\n_T,E,true,true,true\n"
    );
}

#[test]
fn two_stage_designs_in_sql() {
    let wh = TestWarehouse::new();
    wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]); // `sql` needs a warehouse
                                                                  // 2 of 10 PSUs, 2 of 5 SSUs in each: SE² = 8000 (stage one) + 375 (stage two).
    let se = wh.number(
        "select survey_total(y, w, 1, psu, 10, null, ssu, 5, null)['se'] from \
         (values ('A', 'a1', 1.0, 12.5), ('A', 'a2', 3.0, 12.5), ('B', 'b1', 4.0, 12.5), ('B', 'b2', 8.0, 12.5)) \
         as t(psu, ssu, y, w)",
    );
    assert!((se - 8375f64.sqrt()).abs() < 1e-9, "{se}");
}
