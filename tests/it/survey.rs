//! Survey estimates in SQL: R's published results on apisrs and R's two-stage example apiclus2
//! (census second stages, a census stratum, a certainty PSU) through the real ingest and the
//! SQL aggregates; domains (GROUP BY) agree with the whole-design ratio formulation (what R's
//! svyby computes) and with R's svyby; the SDG 16.2.3 indicator carries its bounds and
//! reliability.

use crate::helpers::{assert_success, TestWarehouse};

/// A warehouse with one fixture of tests/fixtures ingested as an HCP survey, with `design` as
/// its design description.
fn fixture_warehouse(name: &str, design: &str) -> (TestWarehouse, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join(format!("{name}.csv"));
    std::fs::copy(
        format!("{}/tests/fixtures/{name}.csv", env!("CARGO_MANIFEST_DIR")),
        &csv,
    )
    .unwrap();
    std::fs::write(dir.path().join(format!("{name}.design.toml")), design).unwrap();
    let wh = TestWarehouse::new();
    let out = wh
        .cmd(&["ingest", "hcp-survey", csv.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out, &format!("ingest {name}"));
    (wh, dir)
}

fn apisrs_warehouse() -> (TestWarehouse, tempfile::TempDir) {
    fixture_warehouse(
        "apisrs",
        "survey_id = \"apisrs\"\nweight = \"pw\"\npsu = \"snum\"\nfpc = \"fpc\"\nfpc_kind = \"population\"\n",
    )
}

/// `got` equals R's printed value (12 significant digits, tests/fixtures/README.md).
fn as_r(what: &str, got: f64, r: f64) {
    assert!(
        (got - r).abs() <= 1e-11 * r.abs(),
        "{what}: {got} where R gives {r}"
    );
}

/// R's own two-stage example, `svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)`: 31 of
/// its 40 districts had all their schools taken, a census at the second stage, not a lonely PSU.
#[test]
fn sql_aggregates_reproduce_r_survey_on_apiclus2() {
    let (wh, _dir) = fixture_warehouse(
        "apiclus2",
        "survey_id = \"apiclus2\"\nweight = \"pw\"\npsu = \"dnum\"\nssu = \"snum\"\n\
         fpc = \"fpc1\"\nfpc2 = \"fpc2\"\nfpc_kind = \"population\"\n",
    );
    let named = "_weight, _stratum, _psu, _fpc, _stratum_psus, _ssu, _fpc2, _psu_ssus";
    let q = |expr: &str| wh.number(&format!("select {expr} from survey.apiclus2"));
    let mean = format!("survey_mean(api00, {named})");
    as_r(
        "svymean(~api00)",
        q(&format!("{mean}['estimate']")),
        670.811808118,
    );
    as_r(
        "svymean(~api00) SE",
        q(&format!("{mean}['se']")),
        30.0990273768,
    );
    // The design's own columns give the same for the whole sample.
    let raw = "survey_mean(api00, pw, 1, dnum, fpc1, null, snum, fpc2, null)['se']";
    as_r("svymean(~api00) SE, raw columns", q(raw), 30.0990273768);
    // na.rm = TRUE: six schools without enrolment leave the estimate, not the design.
    let total = format!("survey_total(enroll, {named})");
    as_r(
        "svytotal(~enroll)",
        q(&format!("{total}['estimate']")),
        2639272.93,
    );
    as_r(
        "svytotal(~enroll) SE",
        q(&format!("{total}['se']")),
        799637.773648,
    );
    let ratio = format!("survey_ratio(api00, api99, {named})");
    as_r(
        "svyratio",
        q(&format!("{ratio}['estimate']")),
        1.03996357067,
    );
    as_r(
        "svyratio SE",
        q(&format!("{ratio}['se']")),
        0.00462053412339,
    );
    // svyby(~api00, ~stype, design, svymean): a GROUP BY on the design view.
    let by = wh.sql(&format!(
        "select stype, e['estimate'] as estimate, e['se'] as se from \
         (select stype, {mean} as e from survey.apiclus2 group by stype) order by stype"
    ));
    let rows: Vec<Vec<String>> = by
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let r = [
        ("E", 692.810400867, 29.9266042374),
        ("H", 598.340659341, 17.6941671261),
        ("M", 642.352, 45.0913163003),
    ];
    assert_eq!(rows.len(), r.len(), "{by}");
    for (row, (stype, estimate, se)) in rows.iter().zip(r) {
        assert_eq!(row[0], stype, "{by}");
        as_r(stype, row[1].parse().unwrap(), estimate);
        as_r(stype, row[2].parse().unwrap(), se);
    }
}

/// A census stratum (districts 15, 63, 83: all taken) and a certainty PSU (district 620 alone
/// in its stratum, fpc 1) beside 36 districts of 753, one stage: no lonely-PSU error, the SE R
/// gives (tests/fixtures/apiclus2.R, `strat1`). With district 620 one of two in its stratum
/// (fpc 2), it is a lonely PSU again.
#[test]
fn certainty_psus_and_census_strata_in_sql() {
    let (wh, _dir) = fixture_warehouse(
        "apiclus2",
        "survey_id = \"apiclus2\"\nweight = \"pw\"\npsu = \"dnum\"\nfpc = \"fpc1\"\n",
    );
    let design = |cert_fpc: u32| {
        format!(
            "with d as (select *, case when dnum in (15, 63, 83) then 'census' \
             when dnum = 620 then 'cert' else 'rest' end as h from survey.apiclus2), \
             p as (select *, case h when 'census' then 3 when 'cert' then 1 else 753 end as n_pop, \
             case h when 'census' then 3 when 'cert' then 1 else 36 end as n_h, \
             case h when 'census' then 3 when 'cert' then {cert_fpc} else 753 end as fpc_h from d) \
             select survey_mean(api00, pw * 40 / 757 * n_pop / n_h, h, dnum, fpc_h, n_h) as e from p"
        )
    };
    let se = wh.number(&format!("select e['se'] from ({})", design(1)));
    as_r("one stage svymean(~api00) SE", se, 37.6564896242);
    let estimate = wh.number(&format!("select e['estimate'] from ({})", design(1)));
    as_r("one stage svymean(~api00)", estimate, 686.800257971);
    let out = wh
        .cmd(&["sql", &format!("select e['se'] from ({})", design(2))])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "survey_mean: stratum `cert` has a single PSU (lonely PSU option: fail; choose certainty or centre)"
        ),
        "{stderr}"
    );
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
