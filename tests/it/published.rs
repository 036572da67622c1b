//! Every feed's sample, ingested into a fresh warehouse, reproduces the published figures
//! exactly (../shared/reference/published-figures.csv: MRC Maroc 2025, NCMEC's tables by country,
//! RGPH 2024). Figures are asserted as the CSV the CLI prints.

use crate::helpers::TestWarehouse;

const PMP_TABLE: &str = "year,cases,persons_prosecuted,under_investigation,under_instruction,closed,referred_incompetence
2021,19,9,2,0,8,0
2022,43,18,4,0,21,0
2023,109,24,27,0,57,0
2024,84,13,39,3,19,10
";

const PMP_TABLE_QUERY: &str = "select year, cases, persons_prosecuted, under_investigation, under_instruction, closed, referred_incompetence from pmp_case_table order by year";

#[test]
fn pmp_case_table_in_each_shape() {
    for sample in [
        "pmp/pmp-aese-2021-2024.csv",
        "pmp/pmp-aese-2021-2024-ar.csv",
        "pmp/pmp-aese-2021-2024.xlsx",
    ] {
        let wh = TestWarehouse::new();
        let report = wh.ingest("pmp-case-table", &[sample]);
        assert_eq!(wh.sql(PMP_TABLE_QUERY), PMP_TABLE, "{sample}");
        // 2023: the published components add to 108, not 109; flagged, not corrected.
        assert!(
            report.contains("pmp.components_add_up"),
            "{sample}: {report}"
        );
        assert!(report.contains("2023"), "{sample}: {report}");
    }
}

#[test]
fn pmp_case_level_totals_equal_the_table() {
    let wh = TestWarehouse::new();
    wh.ingest("pmp-cases", &["pmp/pmp-cases-2021-2024.csv"]);
    assert_eq!(
        wh.sql("select year, count(*) as cases, sum(case when status = 'prosecuted' then 1 else 0 end) as prosecuted, sum(case when status = 'under_investigation' then 1 else 0 end) as investigation, sum(case when status = 'under_instruction' then 1 else 0 end) as instruction, sum(case when status = 'closed' then 1 else 0 end) as closed, sum(case when status = 'referred_incompetence' then 1 else 0 end) as referred from pmp_cases group by year order by year"),
        "year,cases,prosecuted,investigation,instruction,closed,referred
2021,19,9,2,0,8,0
2022,43,18,4,0,21,0
2023,109,24,27,0,57,0
2024,84,13,39,3,19,10
"
    );
}

#[test]
fn child_victims_judged() {
    let wh = TestWarehouse::new();
    wh.ingest(
        "pmp-victims-judged",
        &["pmp/pmp-child-victims-judged-2020-2023.csv"],
    );
    assert_eq!(
        wh.sql("select year, child_victims from pmp_victims_judged order by year"),
        "year,child_victims\n2020,5306\n2021,6767\n2022,8159\n2023,9357\n"
    );
}

#[test]
fn emc_reports_counts_and_shares() {
    let wh = TestWarehouse::new();
    wh.ingest(
        "emc-reports",
        &[
            "emc/emc-reports-2021-2022.csv",
            "emc/emc-reports-2023-2024.jsonl",
        ],
    );
    assert_eq!(
        wh.sql("select year, count(*) as reports from emc_reports group by year order by year"),
        "year,reports\n2021,64\n2022,537\n2023,1227\n2024,574\n"
    );
    let share = |year: i32, cond: &str| {
        wh.number(&format!(
            "select 100.0 * sum(case when {cond} then 1 else 0 end) / count(*) from emc_reports where year = {year}"
        ))
    };
    let published = [
        (2022, "victim_age > 16", 81.0),
        (2022, "victim_age <= 16", 19.0),
        (2023, "age_band = '18-25'", 49.3),
        (2023, "age_band = '26+'", 39.7),
        (2023, "age_band = '13-17'", 7.9),
        (2023, "age_band = '5-12'", 3.2),
        (2024, "age_band = '26+'", 52.1),
        (2024, "age_band = '13-17'", 22.4),
        (2024, "age_band = '18-25'", 22.1),
        (2024, "age_band = '5-12'", 3.4),
        (2022, "sex = 'M'", 64.68),
        (2022, "sex = 'F'", 35.32),
        (2023, "sex = 'M'", 54.4),
        (2023, "sex = 'F'", 45.6),
        (2024, "sex = 'M'", 30.0),
        (2024, "sex = 'F'", 70.0),
    ];
    for (year, cond, expected) in published {
        let got = share(year, cond);
        assert!(
            (got - expected).abs() <= 0.1,
            "{year} {cond}: {got:.3}% vs published {expected}%"
        );
    }
}

#[test]
fn ncmec_reports_by_country_every_year_and_shape() {
    let wh = TestWarehouse::new();
    wh.ingest(
        "ncmec-country-table",
        &[
            "ncmec/ncmec-by-country-2019.pdf",
            "ncmec/ncmec-by-country-2020.csv",
            "ncmec/ncmec-by-country-2021.xlsx",
            "ncmec/ncmec-by-country-2022.csv",
            "ncmec/ncmec-by-country-2023.pdf",
        ],
    );
    assert_eq!(
        wh.sql("select year, reports from ncmec_reports where country_code = 'MA' order by year"),
        "year,reports\n2019,322889\n2020,705863\n2021,347443\n2022,258172\n2023,543638\n"
    );
    assert_eq!(
        wh.sql("select year, reports from ncmec_reports where row_kind = 'total' order by year"),
        "year,reports\n2019,16987361\n2020,21751085\n2021,29397681\n2022,32059029\n2023,36210368\n"
    );
    // The country rows and the no-country row reconcile with the total row, every year.
    assert_eq!(
        wh.sql("select year, sum(case when row_kind = 'total' then 0 else reports end) - max(case when row_kind = 'total' then reports end) as gap from ncmec_reports group by year order by year"),
        "year,gap\n2019,0\n2020,0\n2021,0\n2022,0\n2023,0\n"
    );
}

#[test]
fn ncmec_referrals_sample() {
    let wh = TestWarehouse::new();
    wh.ingest("ncmec-referrals", &["ncmec/ncmec-referrals-2023.csv"]);
    assert_eq!(wh.number("select count(*) from ncmec_referrals"), 2000.0);
    assert_eq!(
        wh.number("select count(*) from ncmec_referrals where year <> 2023"),
        0.0
    );
    // The roll-up the ingest writes beside the rows reconciles with them, cell by cell.
    let by_cell = "year, incident_type, region_code, actionable, sextortion";
    let detail = format!(
        "select {by_cell}, count(*) as reports, sum(coalesce(file_count, 0)) as files \
         from ncmec_referrals group by {by_cell}"
    );
    let rollup = format!("select {by_cell}, reports, files from ncmec_referral_counts");
    for (a, b) in [(&detail, &rollup), (&rollup, &detail)] {
        assert_eq!(
            wh.number(&format!("select count(*) from ({a} except {b})")),
            0.0
        );
    }
    assert_eq!(
        wh.number("select sum(reports) from ncmec_referral_counts"),
        2000.0
    );
}

#[test]
fn hcp_population_regions_and_nation() {
    let wh = TestWarehouse::new();
    wh.ingest(
        "hcp-population",
        &[
            "hcp/rgph2024-regions.csv",
            "hcp/rgph2024-national-sex-age.csv",
        ],
    );
    assert_eq!(
        wh.sql("select region_code, population from population where region_code <> 'MA' and sex = '_T' and age_group = '_T' order by region_code"),
        "region_code,population
MA-01,4030222
MA-02,2294665
MA-03,4467911
MA-04,5132639
MA-05,2525801
MA-06,7688967
MA-07,4892393
MA-08,1655623
MA-09,3020431
MA-10,448685
MA-11,451028
MA-12,219965
"
    );
    assert_eq!(
        wh.number("select sum(population) from population where region_code = 'MA' and sex <> '_T' and age_group <> '_T'"),
        36828330.0
    );
}

#[test]
fn hcp_survey_sample_keeps_every_variable() {
    let wh = TestWarehouse::new();
    wh.ingest("hcp-survey", &["hcp/enquete-violence-2025.csv"]);
    let n = wh.number("select count(*) from staging.survey_evs2025");
    assert!(n > 1000.0, "{n} respondents");
    assert_eq!(
        wh.number("select count(*) from staging.hcp_survey_designs where survey_id = 'evs2025'"),
        1.0
    );
}
