//! Metadata that says what the numbers mean, through the `marsad` binary: the terminology
//! check (a planted discouraged term in each language fails `indicators check`, a quoted ICCS
//! label does not), approval refused on incomplete metadata, the ICCS crosswalk covering every
//! offence code the warehouse holds, and caveats in the SDMX-CSV export.

use std::path::Path;

use crate::helpers::{assert_success, catalogue_copy, check_catalogue, marsad, TestWarehouse};

/// Replace `from` by `to` once in a catalogue file; panics if `from` is not there.
fn edit(catalog: &Path, id: &str, from: &str, to: &str) {
    let file = catalog.join(format!("{id}.toml"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(from), "{id}: no {from:?}");
    std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn check_flags_a_planted_term_in_each_language_and_allows_a_quoted_iccs_label() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalogue_copy(dir.path());
    let out = check_catalogue(&catalog);
    assert_success(&out, "check of the shipped catalogue");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "20 indicators checked: 19 approved with matching definition hashes, the rest draft or retired\n"
    );

    // fr and ar in a name, en in a caveat: none changes a hash, each is flagged (a term in a
    // definition would also change its hash).
    edit(
        &catalog,
        "PMP_AESE_CASES",
        "fr = \"Affaires d'AESE enregistrées par le ministère public\"",
        "fr = \"Affaires de pornographie infantile enregistrées par le ministère public\"",
    );
    edit(
        &catalog,
        "EMC_REPORTS",
        "ar = \"التبليغات",
        "ar = \"دعارة الأطفال: التبليغات",
    );
    edit(
        &catalog,
        "EMC_REPORTS_SEX_SHARE",
        "en = \"The sex is that of the person making the report, not of the victim.\"",
        "en = \"The sex is that of the person making the report, not of the child prostitute.\"",
    );
    let out = check_catalogue(&catalog);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let file = |id: &str| catalog.join(format!("{id}.toml")).display().to_string();
    let expected = [
        format!("error: EMC_REPORTS ({}): name (ar): discouraged term \"دعارة الأطفال\"; use \"الاستغلال الجنسي للأطفال\" (Luxembourg Guidelines)", file("EMC_REPORTS")),
        format!("error: EMC_REPORTS_SEX_SHARE ({}): caveats[0] (en): discouraged term \"child prostitute\"; use \"sexual exploitation of children\" (Luxembourg Guidelines)", file("EMC_REPORTS_SEX_SHARE")),
        format!("error: PMP_AESE_CASES ({}): name (fr): discouraged term \"pornographie infantile\"; use \"matériel d'abus sexuel sur enfants\" (Luxembourg Guidelines)", file("PMP_AESE_CASES")),
        "marsad: 3 indicator(s) fail the approval check".to_string(),
    ];
    assert_eq!(err.lines().collect::<Vec<_>>(), expected, "{err}");

    // The official ICCS label, quoted as such, passes.
    edit(
        &catalog,
        "PMP_AESE_CASES",
        "Affaires de pornographie infantile enregistrées",
        "Affaires {ICCS 030221 \\\"Child pornography\\\"} enregistrées",
    );
    edit(&catalog, "EMC_REPORTS", "دعارة الأطفال: ", "");
    edit(
        &catalog,
        "EMC_REPORTS_SEX_SHARE",
        "the child prostitute",
        "the victim",
    );
    assert_success(&check_catalogue(&catalog), "check with a quoted ICCS label");
}

#[test]
fn approval_is_refused_on_incomplete_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalogue_copy(dir.path());
    let approve = |id: &str| {
        marsad()
            .args([
                "indicators",
                "approve",
                id,
                "--by",
                "Comité",
                "--ref",
                "DEC-7",
            ])
            .args(["--catalog", catalog.to_str().unwrap()])
            .output()
            .unwrap()
    };
    // The draft, its unit label without Arabic; then a caveat of an approved one without French.
    edit(&catalog, "DATA_COMPLETENESS", "ar = \"% من السجلات\"\n", "");
    let out = approve("DATA_COMPLETENESS");
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "marsad: indicator DATA_COMPLETENESS: cannot approve: incomplete metadata: unit_label lacks ar"
    );
    edit(
        &catalog,
        "EMC_REPORTS_SEX_SHARE",
        "fr = \"Le sexe est celui de la personne qui signale, pas celui de la victime.\"\n",
        "",
    );
    let out = approve("EMC_REPORTS_SEX_SHARE");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "marsad: indicator EMC_REPORTS_SEX_SHARE: cannot approve: incomplete metadata: caveats[0] lacks fr"
    );
    // Nothing was written.
    let text = std::fs::read_to_string(catalog.join("DATA_COMPLETENESS.toml")).unwrap();
    assert!(text.contains("status = \"draft\"") && !text.contains("DEC-7"));
}

#[test]
fn every_offence_code_in_the_warehouse_has_an_iccs_code() {
    let wh = TestWarehouse::new();
    wh.ingest("ncmec-referrals", &["ncmec/ncmec-referrals-2023.csv"]);
    wh.ingest(
        "emc-reports",
        &[
            "emc/emc-reports-2021-2022.csv",
            "emc/emc-reports-2023-2024.jsonl",
        ],
    );
    wh.ingest("pmp-cases", &["pmp/pmp-cases-2021-2024.csv"]);
    // Each code as staged, with the ICCS code dim_offence gives it (empty: not in dim_offence).
    let held = "with held as (
            select distinct 'ncmec-referrals' as source, incident_type as code from staging.ncmec_referrals
            union all
            select distinct 'emc-reports', category from staging.emc_reports
            union all
            select distinct 'pmp-cases', unnest(string_to_array(articles, ';'))
            from staging.pmp_cases where articles is not null
        )
        select h.source, h.code, coalesce(d.iccs_code, '') as iccs
        from held as h left join dim_offence as d
            on d.source = h.source and d.offence_code = h.code
        order by 1, 2";
    let csv = wh.sql(held);
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert!(rows.len() >= 14, "{csv}");
    assert!(
        rows.iter()
            .all(|r| !r.ends_with(',') && !r.ends_with(",_U")),
        "codes without an ICCS code:\n{csv}"
    );
    // Spot checks: the sample's penal-code articles and NCMEC's CSAM.
    assert!(rows.contains(&"pmp-cases,503-2,030221"), "{csv}");
    assert!(rows.contains(&"pmp-cases,447-1,02111"), "{csv}");
    assert!(rows.contains(&"ncmec-referrals,csam,030221"), "{csv}");
    assert!(rows.contains(&"emc-reports,sextortion,02051"), "{csv}");
}
