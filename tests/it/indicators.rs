//! The indicator catalogue end to end: samples → warehouse → `marsad indicators compute` →
//! observations reproduce the published figures; the same snapshot gives the same
//! observations; public exports hold approved indicators only, with no suppressed cell
//! derivable; approval check; exports and their datapackage.json.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use marsad_indicators::observations::Observation;
use marsad_indicators::{disclosure, Catalog};

use crate::helpers::{
    assert_success, catalogue_copy, check_catalogue, copy_dir, marsad, TestWarehouse,
};

/// One warehouse loaded with every sample and computed, shared by the tests that only read.
pub(crate) fn loaded() -> &'static TestWarehouse {
    static WH: OnceLock<TestWarehouse> = OnceLock::new();
    WH.get_or_init(|| {
        let wh = TestWarehouse::new();
        assert_success(
            &wh.cmd(&["ingest", "--samples"]).output().unwrap(),
            "ingest --samples",
        );
        assert_success(
            &wh.cmd(&["indicators", "compute"]).output().unwrap(),
            "compute",
        );
        // The public export is of a release.
        crate::releases::release_latest(&wh, "samples", None);
        wh
    })
}

/// `indicators export` into a fresh folder; returns the folder (kept alive by the TempDir).
pub(crate) fn export(wh: &TestWarehouse, role: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = wh
        .cmd(&[
            "indicators",
            "export",
            "--role",
            role,
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_success(&o, "indicators export");
    (dir, out)
}

/// observations.csv as rows of column → cell.
fn rows(dir: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(dir.join("observations.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .map(String::from)
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// The published display of each (indicator, period, breakdown cell) for one indicator.
fn series(
    rows: &[HashMap<String, String>],
    id: &str,
    dim: Option<&str>,
) -> BTreeMap<String, String> {
    rows.iter()
        .filter(|r| r["indicator_id"] == id)
        .map(|r| {
            let key = match dim {
                Some(d) => format!("{} {}", r["period"], r[d]),
                None => r["period"].clone(),
            };
            (key, r["display"].clone())
        })
        .collect()
}

fn expect(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_catalogue_reproduces_the_published_figures() {
    let (_t, dir) = export(loaded(), "analyst");
    let r = rows(&dir);
    let s = |id| series(&r, id, None);
    assert_eq!(
        s("PMP_AESE_CASES"),
        expect(&[
            ("2021", "19"),
            ("2022", "43"),
            ("2023", "109"),
            ("2024", "84")
        ])
    );
    assert_eq!(
        s("PMP_AESE_PROSECUTED"),
        expect(&[
            ("2021", "9"),
            ("2022", "18"),
            ("2023", "24"),
            ("2024", "13")
        ])
    );
    // 8/19, 21/43, 57/109, 19/84 and 2/19, 4/43, 27/109, 39/84 of the published table.
    assert_eq!(
        s("PMP_AESE_CLOSED_SHARE"),
        expect(&[
            ("2021", "42.1"),
            ("2022", "48.8"),
            ("2023", "52.3"),
            ("2024", "22.6")
        ])
    );
    assert_eq!(
        s("PMP_AESE_INVESTIGATION_SHARE"),
        expect(&[
            ("2021", "10.5"),
            ("2022", "9.3"),
            ("2023", "24.8"),
            ("2024", "46.4")
        ])
    );
    assert_eq!(
        s("PMP_VICTIMS_JUDGED"),
        expect(&[
            ("2020", "5306"),
            ("2021", "6767"),
            ("2022", "8159"),
            ("2023", "9357")
        ])
    );
    // What the data say (+76.3%), not the +56.7% the assessment states.
    assert_eq!(
        s("PMP_VICTIMS_JUDGED_CHANGE"),
        expect(&[("2020/2023", "76.3")])
    );
    assert_eq!(
        s("EMC_REPORTS"),
        expect(&[
            ("2021", "64"),
            ("2022", "537"),
            ("2023", "1227"),
            ("2024", "574")
        ])
    );
    assert_eq!(
        s("EMC_REPORTS_CHANGE"),
        expect(&[("2022", "739.1"), ("2023", "128.5"), ("2024", "-53.2")])
    );
    assert_eq!(
        s("NCMEC_MA_REPORTS"),
        expect(&[
            ("2019", "322889"),
            ("2020", "705863"),
            ("2021", "347443"),
            ("2022", "258172"),
            ("2023", "543638")
        ])
    );
    // Morocco's reports over the published world totals (16987361 … 36210368).
    assert_eq!(
        s("NCMEC_MA_WORLD_SHARE"),
        expect(&[
            ("2019", "1.90"),
            ("2020", "3.25"),
            ("2021", "1.18"),
            ("2022", "0.81"),
            ("2023", "1.50")
        ])
    );
    // Reports over the population interpolated between RGPH 2014 (33848242) and 2024 (36828330).
    assert_eq!(
        s("NCMEC_MA_REPORTS_PER_1000"),
        expect(&[
            ("2019", "9.15"),
            ("2020", "19.82"),
            ("2021", "9.68"),
            ("2022", "7.13"),
            ("2023", "14.89")
        ])
    );
    assert_eq!(
        s("ATTRITION_PMP_PER_10K_NCMEC"),
        expect(&[("2021", "0.55"), ("2022", "1.67"), ("2023", "2.01")])
    );

    let get = |id: &str, period: &str| {
        r.iter()
            .find(|x| x["indicator_id"] == id && x["period"] == period)
            .unwrap_or_else(|| panic!("{id} {period}"))
    };
    assert!(get("PMP_AESE_CASES", "2023")["obs_comment"].contains("add up to 108, not 109"));
    assert_eq!(get("PMP_AESE_CASES", "2022")["obs_comment"], "");
    assert_eq!(get("NCMEC_MA_REPORTS_PER_1000", "2023")["obs_status"], "E");
    assert_eq!(
        get("NCMEC_MA_REPORTS_PER_1000", "2023")["denominator"],
        "36518879"
    );
    assert_eq!(
        get("PMP_VICTIMS_JUDGED_CHANGE", "2020/2023")["numerator"],
        "4051"
    );
}

#[test]
fn emc_shares_match_the_published_shares_and_keep_unknowns() {
    let (_t, dir) = export(loaded(), "analyst");
    let r = rows(&dir);
    let value =
        |id: &str, key: &str, dim: &str| -> f64 { series(&r, id, Some(dim))[key].parse().unwrap() };
    // Published shares (percent) — the samples are within 0.1 point of each: exact equality
    // is impossible for some (e.g. 2024 13–17: 22.4% of 574 reports is 128.6 reports).
    for (key, published) in [
        ("2023 18-25", 49.3),
        ("2023 26+", 39.7),
        ("2023 13-17", 7.9),
        ("2023 5-12", 3.2),
        ("2024 26+", 52.1),
        ("2024 13-17", 22.4),
        ("2024 18-25", 22.1),
        ("2024 5-12", 3.4),
    ] {
        let v = value("EMC_REPORTS_AGE_SHARE", key, "age_band");
        assert!(
            (v - published).abs() <= 0.1 + 1e-9,
            "{key}: {v} vs {published}"
        );
    }
    for (key, published) in [
        ("2022 M", 64.68),
        ("2022 F", 35.32),
        ("2023 M", 54.4),
        ("2023 F", 45.6),
        ("2024 M", 30.0),
        ("2024 F", 70.0),
    ] {
        let v = value("EMC_REPORTS_SEX_SHARE", key, "sex");
        assert!(
            (v - published).abs() <= 0.1 + 1e-9,
            "{key}: {v} vs {published}"
        );
    }
    // Unknowns are reported, and the categories add up to the total.
    assert_eq!(
        series(&r, "EMC_REPORTS_SEX_SHARE", Some("sex"))["2021 _U"],
        "6.3"
    );
    assert_eq!(
        series(&r, "EMC_REPORTS_AGE_SHARE", Some("age_band"))["2021 _U"],
        "12.5"
    );
    for year in ["2021", "2022", "2023", "2024"] {
        let nums: f64 = r
            .iter()
            .filter(|x| {
                x["indicator_id"] == "EMC_REPORTS_AGE_SHARE"
                    && x["period"] == year
                    && x["age_band"] != "_T"
            })
            .map(|x| x["numerator"].parse::<f64>().unwrap())
            .sum();
        let total = r
            .iter()
            .find(|x| x["indicator_id"] == "EMC_REPORTS" && x["period"] == year)
            .unwrap()["value"]
            .parse::<f64>()
            .unwrap();
        assert_eq!(nums, total, "{year}");
    }
}

#[test]
fn the_same_snapshot_gives_the_same_observations() {
    let wh = TestWarehouse::new();
    assert_success(
        &wh.cmd(&["ingest", "--samples"]).output().unwrap(),
        "ingest",
    );
    assert_success(
        &wh.cmd(&["indicators", "compute"]).output().unwrap(),
        "compute 1",
    );
    let (_a, first) = export(&wh, "analyst");
    assert_success(
        &wh.cmd(&["indicators", "compute"]).output().unwrap(),
        "compute 2",
    );
    let (_b, second) = export(&wh, "analyst");
    for file in ["observations.csv", "observations.sdmx.csv"] {
        assert_eq!(
            std::fs::read(first.join(file)).unwrap(),
            std::fs::read(second.join(file)).unwrap(),
            "{file}"
        );
    }
    // Recomputing replaced the snapshot's rows (no duplicates) in a new table version.
    let n = rows(&first).len() as f64;
    assert_eq!(wh.number("select count(*) from indicators.observations"), n);
    assert_eq!(
        wh.number("select count(distinct computed_at) from indicators.observations"),
        1.0
    );
    // A pinned earlier snapshot computes its own observations, kept beside the latest ones.
    assert_success(
        &wh.cmd(&["indicators", "compute", "--snapshot", "3"])
            .output()
            .unwrap(),
        "compute snapshot 3",
    );
    assert_eq!(
        wh.sql("select snapshot_id, count(*) as n from indicators.observations where indicator_id = 'PMP_AESE_CASES' group by snapshot_id order by snapshot_id"),
        "snapshot_id,n\n3,4\n8,4\n"
    );
    assert_eq!(
        wh.number("select count(*) from indicators.observations where snapshot_id = 3 and indicator_id like 'EMC%'"),
        0.0,
        "snapshot 3 has no EMC data"
    );
}

#[test]
fn public_exports_hold_approved_indicators_with_suppressed_cells_marked() {
    let (_t, public) = export_approved("public");
    let (_u, analyst) = export_approved("analyst");
    let (p, a) = (rows(&public), rows(&analyst));
    let catalog = Catalog::embedded().unwrap();
    assert!(
        a.iter().any(|r| r["indicator_id"] == "DATA_COMPLETENESS"),
        "analysts see drafts"
    );
    assert!(
        !p.iter().any(|r| r["indicator_id"] == "DATA_COMPLETENESS"),
        "the public does not"
    );
    for r in &p {
        let ind = catalog.get(&r["indicator_id"]).unwrap();
        assert_eq!(ind.def.status.as_str(), "approved");
        if r["conf_status"] != "F" {
            assert_eq!(r["obs_status"], "Q");
            assert_eq!(r["display"], "suppressed");
            for col in ["value", "numerator", "denominator"] {
                assert_eq!(r[col], "", "{col} of a suppressed cell: {r:?}");
            }
        } else {
            assert_ne!(r["display"], "suppressed");
        }
    }
    // Every small count in a disaggregated public cell is suppressed, primary (C).
    let small = a
        .iter()
        .filter(|r| r["indicator_id"] == "PMP_CASES_BY_REGION" && r["ref_area"] != "MA")
        .filter(|r| r["value"].parse::<f64>().is_ok_and(|v| v > 0.0 && v < 5.0))
        .count();
    let primary = p
        .iter()
        .filter(|r| r["indicator_id"] == "PMP_CASES_BY_REGION" && r["conf_status"] == "C")
        .count();
    assert!(small > 0);
    assert_eq!(small, primary);
    assert!(
        p.iter().any(|r| r["conf_status"] == "D"),
        "secondary suppression happened"
    );
    // Analysts see every figure, with the disclosure decision alongside.
    assert!(a.iter().all(|r| r["display"] != "suppressed"));
    assert_eq!(
        a.iter()
            .filter(|r| r["conf_status"] != "F" && r["indicator_id"] != "DATA_COMPLETENESS")
            .count(),
        p.iter().filter(|r| r["conf_status"] != "F").count()
    );
}

/// Independent of the engine's own audit: in every public table (indicator × period), each
/// group of cells that adds up to a published total (or to 100% for a share) has zero or at
/// least two suppressed cells; and the exact linear audit finds no derivable cell.
#[test]
fn no_suppressed_public_cell_can_be_derived() {
    let (_t, public) = export_approved("public");
    let batches = read_parquet(&public.join("observations.parquet"));
    let obs = marsad_indicators::observations::from_batches(&batches).unwrap();
    let catalog = Catalog::embedded().unwrap();
    let mut checked_groups = 0;
    for ind in &catalog.indicators {
        let mine: Vec<Observation> = obs
            .iter()
            .filter(|o| o.indicator_id == ind.def.id)
            .cloned()
            .collect();
        assert!(
            disclosure::derivable(ind, &mine).is_empty(),
            "{}",
            ind.def.id
        );
        for d in ind.breakdowns() {
            let k = d.breakdown_index().unwrap();
            let mut groups: BTreeMap<(String, Vec<String>), (usize, bool)> = BTreeMap::new();
            for o in &mine {
                let mut rest = o.breakdown.to_vec();
                rest[k].clear();
                let g = groups.entry((o.period.clone(), rest)).or_default();
                let total = o.breakdown[k] == d.total();
                let share = o.unit == "PT";
                if o.is_suppressed() && !(total && share) {
                    g.0 += 1;
                }
                g.1 |= total;
            }
            for ((period, _), (suppressed, has_total)) in groups {
                if has_total {
                    checked_groups += 1;
                    assert_ne!(
                        suppressed, 1,
                        "{} {period}: a lone suppressed cell",
                        ind.def.id
                    );
                }
            }
        }
    }
    assert!(checked_groups > 10);
}

fn read_parquet(path: &Path) -> Vec<arrow::array::RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn exports_come_with_a_datapackage_and_sdmx_csv() {
    let (_t, dir) = export(loaded(), "public");
    let package: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("datapackage.json")).unwrap()).unwrap();
    assert_eq!(package["licenses"][0]["name"], "CC-BY-4.0");
    let resources = package["resources"].as_array().unwrap();
    // The five export files, the release's notes and catalog.jsonld.
    assert_eq!(resources.len(), 7);
    assert_eq!(resources[5]["path"], "release-notes.md");
    for res in resources {
        let bytes = std::fs::read(dir.join(res["path"].as_str().unwrap())).unwrap();
        use sha2::Digest;
        assert_eq!(
            res["hash"],
            format!("sha256:{}", hex::encode(sha2::Sha256::digest(&bytes)))
        );
        assert_eq!(res["bytes"], bytes.len());
    }
    let fields: Vec<&str> = resources[0]["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let csv_header = std::fs::read_to_string(dir.join("observations.csv")).unwrap();
    assert_eq!(csv_header.lines().next().unwrap(), fields.join(","));

    let sdmx = std::fs::read_to_string(dir.join("observations.sdmx.csv")).unwrap();
    let mut lines = sdmx.lines();
    assert_eq!(
        lines.next().unwrap(),
        "DATAFLOW,INDICATOR,TIME_PERIOD,REF_AREA,SEX,AGE,SOURCE_DETAIL,VARIABLE,ICCS,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,DECIMALS,OBS_STATUS,CONF_STATUS,LOWER_BOUND,UPPER_BOUND,COMMENT_OBS,COMMENT_TS"
    );
    // COMMENT_TS: the caveats of the indicator and its sources (metadata::).
    assert!(sdmx.contains("\nMA_ONC:AESE_INDICATORS(1.0),NCMEC_MA_REPORTS,2023,MA,_Z,_Z,_Z,_Z,_Z,543638,NUMBER,0,0,A,F,,,,\"unit: A CyberTipline report is made to NCMEC"));
    assert!(sdmx.contains("\nMA_ONC:AESE_INDICATORS(1.0),PMP_CASES_BY_REGION,2021,MA-02,_Z,_Z,_Z,_Z,_Z,,NUMBER,0,0,Q,C,,,,\n"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("observations.json")).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), rows(&dir).len());
    let indicators = std::fs::read_to_string(dir.join("indicators.csv")).unwrap();
    assert!(indicators.contains("Signalements CyberTipline concernant le Maroc"));
    assert!(!indicators.contains("DATA_COMPLETENESS"));
}

#[test]
fn check_fails_on_a_changed_approved_definition() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalogue_copy(dir.path());
    let sql = dir.path().join("sql/indicators");
    let check = || check_catalogue(&catalog);
    assert_success(&check(), "check of an unchanged copy");

    let file = sql.join("NCMEC_MA_WORLD_SHARE.sql");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("world.row_kind = 'total'", "world.row_kind = 'country'"),
    )
    .unwrap();
    let out = check();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("NCMEC_MA_WORLD_SHARE"), "{err}");
    assert!(
        err.contains("changed since version 1 was approved"),
        "{err}"
    );
}

#[test]
fn a_bad_indicator_query_is_named() {
    let wh = loaded();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("BROKEN_ONE.toml"),
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("indicators/catalog/EMC_REPORTS.toml"),
        )
        .unwrap()
        .replace("id = \"EMC_REPORTS\"", "id = \"BROKEN_ONE\""),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("BROKEN_ONE.sql"),
        "select cast(year as varchar) as period, count(*) as value, platform from emc_reports group by year, platform",
    )
    .unwrap();
    let out = wh
        .cmd(&[
            "indicators",
            "compute",
            "--catalog",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("indicator BROKEN_ONE") && err.contains("unexpected column `platform`"),
        "{err}"
    );
}

/// A retired indicator is not recomputed and leaves public outputs, but the observations it
/// had on earlier snapshots stay queryable.
#[test]
fn retired_indicators_keep_their_history() {
    let wh = TestWarehouse::new();
    wh.ingest("pmp-case-table", &["pmp/pmp-aese-2021-2024.csv"]);
    assert_success(
        &wh.cmd(&["indicators", "compute"]).output().unwrap(),
        "compute 1",
    );

    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalog = dir.path().join("indicators/catalog");
    copy_dir(&root.join("indicators/catalog"), &catalog);
    copy_dir(
        &root.join("sql/indicators"),
        &dir.path().join("sql/indicators"),
    );
    let file = catalog.join("PMP_AESE_PROSECUTED.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("status = \"approved\"", "status = \"retired\""),
    )
    .unwrap();

    wh.ingest(
        "pmp-victims-judged",
        &["pmp/pmp-child-victims-judged-2020-2023.csv"],
    );
    let cat = catalog.to_str().unwrap();
    assert_success(
        &wh.cmd(&["indicators", "compute", "--catalog", cat])
            .output()
            .unwrap(),
        "compute 2",
    );
    assert_eq!(
        wh.sql("select snapshot_id, count(*) as n from indicators.observations where indicator_id = 'PMP_AESE_PROSECUTED' group by snapshot_id"),
        "snapshot_id,n\n1,4\n"
    );
    crate::releases::release_latest(&wh, "without-prosecuted", Some(cat));
    let out = dir.path().join("public");
    assert_success(
        &wh.cmd(&[
            "indicators",
            "export",
            "--catalog",
            cat,
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap(),
        "export",
    );
    let public = rows(&out);
    assert!(!public
        .iter()
        .any(|r| r["indicator_id"] == "PMP_AESE_PROSECUTED"));
    assert!(public
        .iter()
        .any(|r| r["indicator_id"] == "PMP_VICTIMS_JUDGED"));
}

/// A copy of the shipped catalogue in which every approved indicator whose definition changed
/// since its approval is approved again (version raised), so that what these tests read is the
/// public output of the current definitions, whether or not they were re-approved yet.
struct Approved {
    _dir: tempfile::TempDir,
    catalog: PathBuf,
    wh: TestWarehouse,
}

fn approved() -> &'static Approved {
    static A: OnceLock<Approved> = OnceLock::new();
    A.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let catalog = dir.path().join("indicators/catalog");
        copy_dir(&root.join("indicators/catalog"), &catalog);
        copy_dir(
            &root.join("sql/indicators"),
            &dir.path().join("sql/indicators"),
        );
        for ind in &Catalog::from_dir(&catalog).unwrap().indicators {
            let current = ind.definition_hash();
            let stale = ind.def.status.as_str() == "approved"
                && ind.current_approval().map(|a| &a.definition_hash) != Some(&current);
            if !stale {
                continue;
            }
            let file = catalog.join(format!("{}.toml", ind.def.id));
            let text = std::fs::read_to_string(&file).unwrap();
            let old = format!("\nversion = {}\n", ind.def.version);
            let new = format!("\nversion = {}\n", ind.def.version + 1);
            std::fs::write(&file, text.replacen(&old, &new, 1)).unwrap();
            let cat = catalog.to_str().unwrap();
            let o = marsad()
                .args(["indicators", "--catalog", cat, "approve", &ind.def.id])
                .args(["--by", "test", "--ref", "TEST"])
                .output()
                .unwrap();
            assert_success(&o, "approve");
        }
        let wh = TestWarehouse::new();
        assert_success(
            &wh.cmd(&["ingest", "--samples"]).output().unwrap(),
            "ingest --samples",
        );
        let cat = catalog.to_str().unwrap();
        assert_success(
            &wh.cmd(&["indicators", "--catalog", cat, "compute"])
                .output()
                .unwrap(),
            "compute",
        );
        crate::releases::release_latest(&wh, "approved", Some(cat));
        Approved {
            _dir: dir,
            catalog,
            wh,
        }
    })
}

/// `indicators export --role <role>` of the approved copy of the catalogue.
fn export_approved(role: &str) -> (tempfile::TempDir, PathBuf) {
    let a = approved();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cat = a.catalog.to_str().unwrap();
    let o =
        a.wh.cmd(&["indicators", "--catalog", cat, "export", "--role", role])
            .args(["--out", out.to_str().unwrap()])
            .output()
            .unwrap();
    assert_success(&o, "indicators export");
    (dir, out)
}

/// EMC 2021: age 5-12 (3 reports) is suppressed in EMC_REPORTS_AGE_SHARE, but the minors'
/// share published 12 minors, and 13-17 is 9 (0-4 has no row: 0), so 5-12 = 12 − 9 = 3. The
/// linked tables are protected together: the minors' share of 2021 is suppressed too, and the
/// exact audit over every EMC indicator finds nothing derivable.
#[test]
fn the_emc_2021_linked_leak_is_closed_in_public_outputs() {
    let (_t, public) = export_approved("public");
    let p = rows(&public);
    let cell = |id: &str, band: &str| {
        p.iter()
            .find(|r| r["indicator_id"] == id && r["period"] == "2021" && r["age_band"] == band)
            .unwrap_or_else(|| panic!("no public {id} 2021 {band}"))
    };
    let display = |id, band| cell(id, band)["display"].clone();
    assert_eq!(display("EMC_REPORTS_AGE_SHARE", "5-12"), "suppressed");
    assert_eq!(display("EMC_REPORTS_AGE_SHARE", "_U"), "suppressed");
    assert_eq!(display("EMC_REPORTS_AGE_SHARE", "13-17"), "14.1");
    let minors = cell("EMC_REPORTS_MINORS_SHARE", "_Z");
    assert_eq!(
        (minors["display"].as_str(), minors["numerator"].as_str()),
        ("suppressed", "")
    );
    assert_eq!(minors["conf_status"], "D");
    // The other years publish the minors' share as before.
    assert!(p
        .iter()
        .any(|r| r["indicator_id"] == "EMC_REPORTS_MINORS_SHARE"
            && r["period"] == "2022"
            && r["display"] == "21.0"));

    let (_u, analyst) = export_approved("analyst");
    let obs = marsad_indicators::observations::from_batches(&read_parquet(
        &analyst.join("observations.parquet"),
    ))
    .unwrap();
    let catalog = Catalog::from_dir(&approved().catalog).unwrap();
    assert_eq!(
        disclosure::derivable_linked(&catalog, &obs).unwrap(),
        Vec::<usize>::new()
    );
}

/// No free-text comment of a public output states a figure that suppression hides in an
/// indicator on the same source feed (the minors' share used to say "8 report(s) of unknown
/// age" while the age table suppressed its 8 reports of unknown age).
#[test]
fn no_public_comment_carries_a_suppressed_number() {
    let (_t, public) = export_approved("public");
    let (_u, analyst) = export_approved("analyst");
    let (p, a) = (rows(&public), rows(&analyst));
    let catalog = Catalog::from_dir(&approved().catalog).unwrap();
    let sources = |id: &str| catalog.get(id).unwrap().def.sources.clone();
    let mut comments = 0;
    for r in p.iter().filter(|r| !r["obs_comment"].is_empty()) {
        comments += 1;
        let mine = sources(&r["indicator_id"]);
        let hidden: Vec<f64> = a
            .iter()
            .filter(|x| x["conf_status"] != "F" && x["indicator_id"] != "DATA_COMPLETENESS")
            .filter(|x| sources(&x["indicator_id"]).iter().any(|s| mine.contains(s)))
            .flat_map(|x| ["value", "display", "numerator", "denominator"].map(|c| x[c].clone()))
            .filter_map(|v| v.parse::<f64>().ok())
            .collect();
        for n in disclosure::numbers_in(&r["obs_comment"]) {
            assert!(
                !hidden.contains(&n),
                "{} {}: comment {:?} gives {n}, hidden by suppression",
                r["indicator_id"],
                r["period"],
                r["obs_comment"]
            );
        }
    }
    assert!(comments > 0, "the public outputs carry comments");
    let minors_2021 = p
        .iter()
        .find(|r| r["indicator_id"] == "EMC_REPORTS_MINORS_SHARE" && r["period"] == "2021")
        .unwrap();
    assert_eq!(
        minors_2021["obs_comment"],
        "Reports of unknown age are counted in the denominator (EMC_REPORTS_AGE_SHARE, band _U)."
    );
}

/// What the README says of a suppressed cell is what the files hold: `display` reads
/// `suppressed` in CSV and JSON; SDMX-CSV leaves OBS_VALUE empty (its numeric measure) and says
/// why in OBS_STATUS `Q` and CONF_STATUS; never 0.
#[test]
fn suppressed_cells_read_as_the_readme_says() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(readme.contains(
        "Suppressed cells read `suppressed` in the `display` column of CSV and JSON, with `value`, \
         `numerator` and `denominator` empty; in SDMX-CSV their `OBS_VALUE` is empty, as SDMX \
         allows, and OBS_STATUS `Q` with CONF_STATUS `C`, `D` or `N` says why. Never 0."
    ));
    let (_t, dir) = export(loaded(), "public");
    let mut r = csv::Reader::from_path(dir.join("observations.sdmx.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let mut suppressed = 0;
    for rec in r.records().map(Result::unwrap) {
        if rec[col("CONF_STATUS")] != *"F" {
            suppressed += 1;
            assert_eq!(&rec[col("OBS_VALUE")], "", "{rec:?}");
            assert_eq!(&rec[col("OBS_STATUS")], "Q", "{rec:?}");
            assert!(
                ["C", "D", "N"].contains(&&rec[col("CONF_STATUS")]),
                "{rec:?}"
            );
        } else if &rec[col("OBS_STATUS")] != "M" {
            assert_ne!(&rec[col("OBS_VALUE")], "", "{rec:?}");
        }
    }
    assert!(suppressed > 0);
    for r in rows(&dir).iter().filter(|r| r["conf_status"] != "F") {
        assert_eq!(
            (r["display"].as_str(), r["value"].as_str()),
            ("suppressed", "")
        );
    }
}

/// NCMEC referrals by the ICCS code of their incident type (the crosswalk of `dim_offence`):
/// the public export has an `iccs` column (SDMX-CSV: `ICCS`), the cells below 5 suppressed
/// (2 + 3: together with the published total they pin down neither); the API filters by it.
#[test]
fn referrals_break_down_by_iccs_in_exports_and_the_api() {
    let wh = loaded();
    let (_t, dir) = export(wh, "public");
    let r = rows(&dir);
    assert_eq!(
        series(&r, "NCMEC_REFERRALS_BY_ICCS", Some("iccs")),
        expect(&[
            ("2023 02041", "5"),
            ("2023 0301", "suppressed"),
            ("2023 030221", "1929"),
            ("2023 030223", "42"),
            ("2023 030229", "suppressed"),
            ("2023 0309", "19"),
            ("2023 _T", "2000"),
        ])
    );
    // Indicators that do not break down by it carry `_Z`.
    assert!(r
        .iter()
        .filter(|row| row["indicator_id"] != "NCMEC_REFERRALS_BY_ICCS")
        .all(|row| row["iccs"] == "_Z"));
    let sdmx = std::fs::read_to_string(dir.join("observations.sdmx.csv")).unwrap();
    assert!(sdmx.starts_with(
        "DATAFLOW,INDICATOR,TIME_PERIOD,REF_AREA,SEX,AGE,SOURCE_DETAIL,VARIABLE,ICCS,OBS_VALUE,"
    ));
    assert!(
        sdmx.contains("\nMA_ONC:AESE_INDICATORS(1.0),NCMEC_REFERRALS_BY_ICCS,2023,MA,_Z,_Z,_Z,_Z,030223,42,NUMBER,0,0,A,F,"),
        "{sdmx}"
    );

    let (_server, _lines, _rx, addr) = crate::server::start(wh, &[]);
    let (status, body) = crate::server::get(
        addr,
        "/api/v1/indicators/NCMEC_REFERRALS_BY_ICCS/observations?iccs=030221,0309",
    );
    assert_eq!(status, 200);
    let rows: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let got: Vec<(String, f64)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["iccs"].as_str().unwrap().to_string(),
                o["value"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("030221".to_string(), 1929.0), ("0309".to_string(), 19.0)]
    );
}
