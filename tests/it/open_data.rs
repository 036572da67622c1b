//! The open dataset with researchers' and portals' tools: `indicators export --role public`
//! (the latest release's open dataset) writes a Data Package v2 that frictionless
//! validates and a DCAT-AP 3 catalogue that conforms to the DCAT-AP SHACL shapes (pyshacl), one
//! dataset per published indicator, each file's sha256 in both; `/api/v1/catalog.jsonld` serves
//! the same datasets and conforms too; the Delta tables read with the deltalake package and
//! Polars give the published figures. Python runs through tests/python-venv.sh (a venv under
//! $HOME/.cache/marsad, installed once from the package index).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{assert_success, venv_python};
use crate::indicators::{export, loaded};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// tests/open_data.py with `args`; its JSON answer.
fn python(args: &[&str]) -> Value {
    let python = venv_python("opendata", "pyshacl frictionless deltalake polars");
    let out = Command::new(python)
        .arg(repo("tests/open_data.py"))
        .args(args)
        .output()
        .unwrap();
    assert_success(&out, "tests/open_data.py");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "open_data.py printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn shapes() -> String {
    repo("tests/shapes/dcat-ap-3.0.0-SHACL.ttl")
        .display()
        .to_string()
}

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// The indicator ids of observations.csv, sorted.
fn published(dir: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(dir.join("observations.csv")).unwrap();
    let ids: BTreeSet<String> = r.records().map(|rec| rec.unwrap()[0].to_string()).collect();
    ids.into_iter().collect()
}

#[test]
fn the_open_dataset_validates_and_the_delta_tables_read_in_python() {
    let wh = loaded();
    let (_t, dir) = export(wh, "public");
    let catalog = dir.join("catalog.jsonld");
    let package = dir.join("datapackage.json");
    let answer = python(&[
        "--catalog",
        catalog.to_str().unwrap(),
        "--shapes",
        &shapes(),
        "--package",
        package.to_str().unwrap(),
        "--delta",
        &wh.path,
    ]);

    // DCAT-AP: conforms, one catalogue, one dataset per published indicator, four formats each.
    let shacl = &answer["shacl"];
    assert_eq!(shacl["conforms"], true, "{}", shacl["report"]);
    assert_eq!(shacl["catalogs"], 1);
    let ids = published(&dir);
    assert_eq!(
        ids,
        [
            "ATTRITION_PMP_PER_10K_NCMEC",
            "EMC_REPORTS",
            "EMC_REPORTS_AGE_SHARE",
            "EMC_REPORTS_CHANGE",
            "EMC_REPORTS_MINORS_SHARE",
            "EMC_REPORTS_SEX_SHARE",
            "NCMEC_MA_REPORTS",
            "NCMEC_MA_REPORTS_PER_1000",
            "NCMEC_MA_WORLD_SHARE",
            "NCMEC_REFERRALS_BY_ICCS",
            "PMP_AESE_CASES",
            "PMP_AESE_CLOSED_SHARE",
            "PMP_AESE_INVESTIGATION_SHARE",
            "PMP_AESE_PROSECUTED",
            "PMP_CASES_BY_REGION",
            "PMP_CASES_PER_100K_BY_REGION",
            "PMP_VICTIMS_JUDGED",
            "PMP_VICTIMS_JUDGED_CHANGE",
            "SDG_16_2_3",
        ]
    );
    assert_eq!(shacl["datasets"], serde_json::json!(ids));
    assert_eq!(shacl["distributions"], 4 * ids.len());
    assert_eq!(
        shacl["spatial"],
        serde_json::json!(["http://publications.europa.eu/resource/authority/country/MAR"])
    );
    assert_eq!(
        shacl["licenses"],
        serde_json::json!(["http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"])
    );
    // A distribution's checksum is its file's sha256.
    let checksums = shacl["checksums"].as_object().unwrap();
    assert_eq!(checksums.len(), 4, "{checksums:?}");
    for (file, sum) in checksums {
        assert_eq!(sum, &sha256(&dir.join(file)), "{file}");
    }

    // Frictionless: the package and every resource valid (sizes, hashes, Table Schemas).
    let pkg = &answer["package"];
    assert_eq!(pkg["errors"], serde_json::json!([]));
    assert_eq!(pkg["valid"], true);
    assert_eq!(
        pkg["resources"],
        serde_json::json!([
            "catalog",
            "indicators",
            "observations",
            "observations-json",
            "observations-parquet",
            "observations-sdmx",
            "release-notes"
        ])
    );
    let lines = |f: &str| {
        std::fs::read_to_string(dir.join(f))
            .unwrap()
            .lines()
            .count()
            - 1
    };
    assert_eq!(pkg["rows"]["observations"], lines("observations.csv"));
    assert_eq!(pkg["rows"]["observations-sdmx"], lines("observations.csv"));
    assert_eq!(pkg["rows"]["indicators"], ids.len());
    // The Parquet file (frictionless checks its size and hash) read with Polars.
    assert_eq!(answer["parquet"]["rows"], lines("observations.csv"));
    assert_eq!(
        answer["parquet"]["ncmec_ma_2023"],
        serde_json::json!([543638.0])
    );

    // Delta tables with deltalake and Polars: the published NCMEC figure for Morocco in 2023.
    let delta = &answer["delta"];
    assert_eq!(delta["staging_ma_2023"], serde_json::json!([543638]));
    assert_eq!(delta["ncmec_ma_2023"], serde_json::json!([543638.0]));
    assert_eq!(
        delta["staging_columns"],
        serde_json::json!([
            "year",
            "country_code",
            "country_name",
            "reports",
            "row_kind",
            "_source_sha256",
            "_source_position"
        ])
    );
    assert_eq!(delta["staging_schema"], delta["staging_columns"]);
}

#[test]
fn the_validators_catch_a_planted_defect() {
    let (_t, dir) = export(loaded(), "public");
    // A dataset without its description; one figure of observations.csv changed (same size).
    let path = dir.join("catalog.jsonld");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let first = &mut doc["dcat:dataset"][0];
    let id = first["dct:identifier"].as_str().unwrap().to_string();
    first.as_object_mut().unwrap().remove("dct:description");
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let csv = dir.join("observations.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains(",543638,"));
    std::fs::write(&csv, text.replacen(",543638,", ",543639,", 1)).unwrap();
    let answer = python(&[
        "--catalog",
        path.to_str().unwrap(),
        "--shapes",
        &shapes(),
        "--package",
        dir.join("datapackage.json").to_str().unwrap(),
    ]);
    let shacl = &answer["shacl"];
    assert_eq!(shacl["conforms"], false);
    let report = shacl["report"].as_str().unwrap();
    assert!(report.contains("Results (1):"), "{report}");
    assert!(
        report.contains(&format!(
            "Focus Node: <file://{}#dataset-{id}>",
            path.display()
        )),
        "{report}"
    );
    assert!(report.contains("Result Path: dc:description"), "{report}");
    let errors: Vec<&str> = answer["package"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .filter(|e| !e.starts_with("catalog: "))
        .collect();
    let hash = |t: &str| hex::encode(Sha256::digest(t.as_bytes()));
    assert_eq!(
        errors,
        [format!(
            "observations: hash-count: The data source does not match the expected hash count: expected is \"{}\" and actual is \"{}\"",
            hash(&text),
            sha256(&csv)
        )]
    );
    assert_eq!(answer["package"]["valid"], false);
}

#[test]
fn the_datapackage_is_v2_with_the_licence_and_every_file_hashed() {
    let (_t, dir) = export(loaded(), "public");
    let package: Value =
        serde_json::from_slice(&std::fs::read(dir.join("datapackage.json")).unwrap()).unwrap();
    assert_eq!(
        package["$schema"],
        "https://datapackage.org/profiles/2.0/datapackage.json"
    );
    assert_eq!(
        package["licenses"],
        serde_json::json!([{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}])
    );
    // The dataset of a release of the loaded samples (`samples`, or `open-data` once the
    // served-catalogue test made it: the same snapshot).
    let snapshot = package["marsad"]["snapshot_id"].as_i64().unwrap();
    let release = package["marsad"]["release"].as_str().unwrap();
    assert!(["samples", "open-data"].contains(&release), "{release}");
    assert_eq!(package["version"], release);
    assert!(package["description"]
        .as_str()
        .unwrap()
        .starts_with(&format!(
            "Release {release} of snapshot {snapshot}: approved indicators only"
        )));
    let files: Vec<&str> = package["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|f| f != "datapackage.json")
        .collect();
    on_disk.sort();
    let mut listed = files.clone();
    listed.sort();
    assert_eq!(listed, on_disk, "every file but the package itself");
    for r in package["resources"].as_array().unwrap() {
        let path = dir.join(r["path"].as_str().unwrap());
        assert_eq!(r["hash"], format!("sha256:{}", sha256(&path)));
        assert_eq!(r["bytes"], std::fs::metadata(&path).unwrap().len());
        let tabular = r["path"].as_str().unwrap().ends_with(".csv");
        assert_eq!(r["type"] == "table", tabular, "{r}");
    }
    let sdmx = &package["resources"][2];
    assert_eq!(sdmx["path"], "observations.sdmx.csv");
    let header = std::fs::read_to_string(dir.join("observations.sdmx.csv")).unwrap();
    let fields: Vec<&str> = sdmx["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(header.lines().next().unwrap(), fields.join(","));
}

#[test]
fn the_served_catalogue_conforms_and_points_at_the_api() {
    let wh = loaded();
    // The public's catalogue is that of the latest release out of embargo.
    let snapshot = wh.number("select max(snapshot_id) from registry.snapshots") as i64;
    let release = wh
        .cmd(&[
            "release",
            "create",
            "--name",
            "open-data",
            "--by",
            "test",
            "--snapshot",
        ])
        .arg(snapshot.to_string())
        .output()
        .unwrap();
    assert_success(&release, "release create");
    let (_server, _lines, _rx, addr) = crate::server::start(wh, &[]);
    let (status, body) = crate::server::get(addr, "/api/v1/catalog.jsonld");
    assert_eq!(status, 200);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("served.jsonld");
    std::fs::write(&file, &body).unwrap();
    let doc: Value = serde_json::from_slice(&body).unwrap();
    let ncmec = doc["dcat:dataset"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dct:identifier"] == "NCMEC_MA_REPORTS")
        .unwrap();
    assert_eq!(
        ncmec["dcat:distribution"][0]["dcat:accessURL"]["@id"],
        "indicators/NCMEC_MA_REPORTS/observations?format=csv"
    );
    assert_eq!(
        ncmec["dct:temporal"]["dcat:startDate"]["@value"],
        "2019-01-01"
    );
    assert_eq!(
        ncmec["dct:temporal"]["dcat:endDate"]["@value"],
        "2023-12-31"
    );
    let answer = python(&["--catalog", file.to_str().unwrap(), "--shapes", &shapes()]);
    let shacl = &answer["shacl"];
    assert_eq!(shacl["conforms"], true, "{}", shacl["report"]);
    // The same datasets as the export of the same snapshot.
    let (_t, export_dir) = export(wh, "public");
    assert_eq!(shacl["datasets"], serde_json::json!(published(&export_dir)));
}
