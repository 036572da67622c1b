//! The open dataset of a release: the export files, a Frictionless Data Package v2
//! `datapackage.json` (every file with its size and sha256, Table Schemas of the CSVs, the
//! licence, the release notes) and a DCAT-AP 3 catalogue as JSON-LD (`catalog.jsonld`: one
//! `dcat:Dataset` per published indicator, one `dcat:Distribution` per format), so that a CKAN
//! portal with ckanext-dcat can harvest it.
//!
//! [`write`] is what a release's open dataset is written with: its published observations and
//! its [`Release`] metadata ([`Release::of_release`]: name, dates, licence, notes), as
//! `indicators export --role public` does for the latest release out of embargo. The same catalogue, with distributions that point at the
//! API instead of files ([`Links::Api`]), is what the server answers at
//! `/api/v1/catalog.jsonld`.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::catalog::{Catalog, Indicator};
use crate::error::{IndicatorError, Result};
use crate::export::{self, Column, ExportFile};
use crate::observations::Observation;

/// Data Package v2 profile.
pub const DATAPACKAGE_SCHEMA: &str = "https://datapackage.org/profiles/2.0/datapackage.json";
/// Table Schema v2 profile.
pub const TABLESCHEMA_SCHEMA: &str = "https://datapackage.org/profiles/2.0/tableschema.json";
/// Morocco in the EU country authority table (DCAT-AP's controlled vocabulary for dct:spatial).
pub const MOROCCO: &str = "http://publications.europa.eu/resource/authority/country/MAR";
/// The EU data theme of every indicator: justice, legal system and public safety.
pub const THEME: (&str, &str) = (
    "http://publications.europa.eu/resource/authority/data-theme/JUST",
    "Justice, legal system and public safety",
);
const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
const MEDIA_TYPE: &str = "https://www.iana.org/assignments/media-types/";
const LANGUAGE: &str = "http://publications.europa.eu/resource/authority/language/";

/// A licence an open dataset may carry: SPDX id, title, its text, and its URI in the EU licence
/// authority table (what DCAT-AP's dct:license expects).
#[derive(Debug, PartialEq, Eq)]
pub struct Licence {
    pub id: &'static str,
    pub title: &'static str,
    pub url: &'static str,
    pub eu_uri: &'static str,
}

/// The licences offered, the default first.
pub const LICENCES: &[Licence] = &[
    Licence {
        id: "CC-BY-4.0",
        title: "Creative Commons Attribution 4.0",
        url: "https://creativecommons.org/licenses/by/4.0/",
        eu_uri: "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
    },
    Licence {
        id: "CC0-1.0",
        title: "Creative Commons Zero 1.0 Universal",
        url: "https://creativecommons.org/publicdomain/zero/1.0/",
        eu_uri: "http://publications.europa.eu/resource/authority/licence/CC0",
    },
    Licence {
        id: "ODC-By-1.0",
        title: "Open Data Commons Attribution License 1.0",
        url: "https://opendatacommons.org/licenses/by/1-0/",
        eu_uri: "http://publications.europa.eu/resource/authority/licence/ODC_BY",
    },
    Licence {
        id: "ODbL-1.0",
        title: "Open Data Commons Open Database License 1.0",
        url: "https://opendatacommons.org/licenses/odbl/1-0/",
        eu_uri: "http://publications.europa.eu/resource/authority/licence/ODC_ODBL",
    },
];

impl Licence {
    /// CC-BY-4.0: reuse by anyone for any purpose, with the ONC credited as the source.
    pub fn default_licence() -> &'static Licence {
        &LICENCES[0]
    }

    /// The licence release `r` was published under (the default for releases made before the
    /// licence could be chosen).
    pub fn of_release(r: &crate::releases::Release) -> Result<&'static Licence> {
        match &r.licence {
            Some(id) => Licence::by_id(id),
            None => Ok(Licence::default_licence()),
        }
    }

    /// The licence with SPDX id `id` (case-insensitive); an unknown id names those offered.
    pub fn by_id(id: &str) -> Result<&'static Licence> {
        Licence::parse(id).map_err(|e| IndicatorError::export(Path::new("datapackage.json"), e))
    }

    /// [`Licence::by_id`] as a command-line value: the message alone.
    pub fn parse(id: &str) -> std::result::Result<&'static Licence, String> {
        LICENCES
            .iter()
            .find(|l| l.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| {
                format!(
                    "unknown licence `{id}`; expected one of {}",
                    LICENCES.iter().map(|l| l.id).collect::<Vec<_>>().join(", ")
                )
            })
    }
}

/// What a release says about itself in its open dataset.
#[derive(Debug)]
pub struct Release {
    /// The release's name (`2026-Q1`), the data package's version.
    pub name: String,
    pub snapshot_id: i64,
    /// When it was published and last changed (RFC 3339, UTC).
    pub issued: String,
    pub modified: String,
    pub licence: &'static Licence,
    /// The release notes (Markdown), written as `release-notes.md`.
    pub notes: Option<String>,
}

impl Release {
    /// A release of `marsad release create`, as its open dataset describes it (published when
    /// its embargo ended; the English notes, the package's one description; the licence it was
    /// made with, the default for a release made before the licence could be chosen).
    pub fn of_release(r: &crate::releases::Release) -> Result<Release> {
        let at = r
            .published_at()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let licence = Licence::of_release(r)?;
        Ok(Release {
            name: r.name.clone(),
            snapshot_id: r.snapshot_id,
            issued: at.clone(),
            modified: at,
            licence,
            notes: Some(r.notes_en.clone()),
        })
    }

    /// A snapshot exported as if it were a release (the static site of an analyst): named
    /// `snapshot-N`, issued and modified `now`, the default licence, no notes.
    pub fn of_snapshot(snapshot_id: i64, now: &str) -> Release {
        Release {
            name: format!("snapshot-{snapshot_id}"),
            snapshot_id,
            issued: now.to_string(),
            modified: now.to_string(),
            licence: Licence::default_licence(),
            notes: None,
        }
    }
}

/// A file written into the dataset folder, as the package and the catalogue describe it.
#[derive(Debug, Clone)]
pub struct Written {
    pub name: String,
    pub file: String,
    pub format: &'static str,
    pub mediatype: &'static str,
    pub bytes: usize,
    pub sha256: String,
    pub columns: Vec<Column>,
    pub description: Option<String>,
}

fn write_file(dir: &Path, f: ExportFile) -> Result<(Written, PathBuf)> {
    let path = dir.join(f.file);
    std::fs::write(&path, &f.bytes).map_err(|e| IndicatorError::export(&path, e))?;
    let written = Written {
        name: f.name.to_string(),
        file: f.file.to_string(),
        format: f.format,
        mediatype: f.mediatype,
        bytes: f.bytes.len(),
        sha256: hex::encode(Sha256::digest(&f.bytes)),
        columns: f.columns,
        description: f.description,
    };
    Ok((written, path))
}

/// Create `dir` and write the export files of `obs` into it.
fn write_exports(
    dir: &Path,
    catalog: &Catalog,
    obs: &[Observation],
) -> Result<(Vec<Written>, Vec<PathBuf>)> {
    std::fs::create_dir_all(dir).map_err(|e| IndicatorError::export(dir, e))?;
    let mut written = Vec::new();
    let mut paths = Vec::new();
    for f in export::files(catalog, obs)? {
        let (w, p) = write_file(dir, f)?;
        written.push(w);
        paths.push(p);
    }
    Ok((written, paths))
}

fn write_json(path: &Path, value: &Value) -> Result<Vec<u8>> {
    let text = serde_json::to_vec_pretty(value).map_err(|e| IndicatorError::export(path, e))?;
    std::fs::write(path, &text).map_err(|e| IndicatorError::export(path, e))?;
    Ok(text)
}

const TITLE: &str = "Marsad — AESE indicators (Observatoire National de la Criminalité, Morocco)";

/// Write the open dataset of `release` into `dir`: the export files of `public` (observations
/// already selected for the public, [`export::select`]), `release-notes.md` when the release
/// has notes, `catalog.jsonld`, and `datapackage.json` last. Returns the paths written.
pub fn write(
    dir: &Path,
    catalog: &Catalog,
    public: &[Observation],
    release: &Release,
) -> Result<Vec<PathBuf>> {
    let (mut written, mut paths) = write_exports(dir, catalog, public)?;
    if let Some(notes) = &release.notes {
        let (w, p) = write_file(
            dir,
            ExportFile {
                name: "release-notes",
                file: "release-notes.md",
                format: "md",
                mediatype: "text/markdown",
                bytes: notes.as_bytes().to_vec(),
                columns: vec![],
                description: Some(format!("Release notes of {}", release.name)),
            },
        )?;
        written.push(w);
        paths.push(p);
    }
    // The catalogue describes the data files (not itself nor the package).
    let dcat = dcat_catalog(catalog, public, release, &Links::Files(&written))?;
    let path = dir.join("catalog.jsonld");
    let bytes = write_json(&path, &dcat)?;
    written.push(Written {
        name: "catalog".into(),
        file: "catalog.jsonld".into(),
        format: "jsonld",
        mediatype: "application/ld+json",
        bytes: bytes.len(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        columns: vec![],
        description: Some("DCAT-AP 3.0 catalogue of this dataset (JSON-LD)".into()),
    });
    paths.push(path);
    let mut package = datapackage(&written, &format!("snapshot-{}", release.snapshot_id));
    package["name"] = json!("marsad-aese-indicators");
    package["version"] = json!(release.name);
    package["created"] = json!(release.issued);
    package["licenses"] = json!([{
        "name": release.licence.id,
        "title": release.licence.title,
        "path": release.licence.url,
    }]);
    let mut description = format!(
        "Release {} of snapshot {}: approved indicators only, after primary and secondary suppression of small counts (suppressed cells carry OBS_STATUS Q).",
        release.name, release.snapshot_id
    );
    if let Some(notes) = &release.notes {
        description.push_str("\n\n");
        description.push_str(notes);
    }
    package["description"] = json!(description);
    package["marsad"] = json!({
        "role": "public",
        "release": release.name,
        "snapshot_id": release.snapshot_id,
        "dataflow": export::DATAFLOW,
        "units": units(catalog, public),
    });
    let path = dir.join("datapackage.json");
    write_json(&path, &package)?;
    paths.push(path);
    Ok(paths)
}

/// Write the analyst export into `dir`: the export files and a `datapackage.json` with no
/// licence and no catalogue (not for publication).
pub fn write_analyst(
    dir: &Path,
    catalog: &Catalog,
    obs: &[Observation],
    snapshot_id: i64,
    now: &str,
) -> Result<Vec<PathBuf>> {
    let (written, mut paths) = write_exports(dir, catalog, obs)?;
    let mut package = datapackage(&written, &format!("snapshot-{snapshot_id}"));
    package["name"] = json!("marsad-aese-indicators-analyst");
    package["created"] = json!(now);
    package["description"] = json!("Analyst export: every computed indicator (drafts included), unsuppressed. Not for publication.");
    package["marsad"] = json!({
        "role": "analyst",
        "snapshot_id": snapshot_id,
        "dataflow": export::DATAFLOW,
        "units": units(catalog, obs),
    });
    let path = dir.join("datapackage.json");
    write_json(&path, &package)?;
    paths.push(path);
    Ok(paths)
}

/// Unit, multiplier and decimals of each indicator present in `obs`.
fn units(catalog: &Catalog, obs: &[Observation]) -> Vec<Value> {
    published(catalog, obs)
        .map(|i| json!({"indicator": i.def.id, "unit": i.def.unit.code(), "multiplier": i.def.unit.multiplier(), "unit_mult": i.def.unit_mult, "decimals": i.def.decimals}))
        .collect()
}

/// A Data Package v2 of `files`: one resource each, with path, format, media type, size and
/// `sha256:` hash; CSVs are tabular resources with their Table Schema.
pub fn datapackage(files: &[Written], version: &str) -> Value {
    let resources: Vec<Value> = files
        .iter()
        .map(|f| {
            let mut r = json!({
                "name": f.name,
                "path": f.file,
                "format": f.format,
                "mediatype": f.mediatype,
                "bytes": f.bytes,
                "hash": format!("sha256:{}", f.sha256),
            });
            if !f.columns.is_empty() {
                r["type"] = json!("table");
                r["encoding"] = json!("utf-8");
                r["dialect"] = json!({"$schema": "https://datapackage.org/profiles/2.0/tabledialect.json", "header": true, "delimiter": ","});
                r["schema"] = json!({
                    "$schema": TABLESCHEMA_SCHEMA,
                    "fields": f.columns.iter().map(|(n, t, d)| json!({"name": n, "type": t, "description": d})).collect::<Vec<_>>(),
                    "missingValues": [""],
                });
            }
            if let Some(d) = &f.description {
                r["description"] = json!(d);
            }
            r
        })
        .collect();
    json!({
        "$schema": DATAPACKAGE_SCHEMA,
        "name": "marsad-aese-indicators",
        "title": TITLE,
        "version": version,
        "contributors": [{
            "title": "Observatoire National de la Criminalité (ONC), Morocco",
            "roles": ["publisher"],
        }],
        "resources": resources,
    })
}

/// Where a catalogue's distributions point: the files of a dataset folder (relative to the
/// catalogue, with size and checksum), or the API's observations endpoint of each indicator
/// (relative to `/api/v1/catalog.jsonld`).
pub enum Links<'a> {
    Files(&'a [Written]),
    Api,
}

/// The indicators of `catalog` with at least one observation in `obs`, in catalogue order.
fn published<'a>(
    catalog: &'a Catalog,
    obs: &'a [Observation],
) -> impl Iterator<Item = &'a Indicator> + 'a {
    catalog
        .indicators
        .iter()
        .filter(move |i| obs.iter().any(|o| o.indicator_id == i.def.id))
}

/// First and last year of `id`'s observations (a period is a year or `first/last` years).
fn years(id: &str, obs: &[Observation]) -> Result<(u32, u32)> {
    let mut span: Option<(u32, u32)> = None;
    for o in obs.iter().filter(|o| o.indicator_id == id) {
        let years: Vec<u32> = o
            .period
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| s.len() == 4)
            .filter_map(|s| s.parse().ok())
            .collect();
        let (Some(first), Some(last)) = (years.iter().min(), years.iter().max()) else {
            return Err(IndicatorError::export(
                Path::new("catalog.jsonld"),
                format!("{id}: period `{}` names no year", o.period),
            ));
        };
        span = Some(match span {
            None => (*first, *last),
            Some((a, b)) => (a.min(*first), b.max(*last)),
        });
    }
    span.ok_or_else(|| {
        IndicatorError::export(
            Path::new("catalog.jsonld"),
            format!("{id}: no observation to give a temporal coverage"),
        )
    })
}

fn texts(t: &crate::catalog::Text) -> Value {
    json!(t
        .by_language()
        .iter()
        .map(|(lang, text)| json!({"@value": text, "@language": lang}))
        .collect::<Vec<_>>())
}

fn typed(id: &str, class: &str) -> Value {
    json!({"@id": id, "@type": class})
}

fn date_time(s: &str) -> Value {
    json!({"@value": s, "@type": "xsd:dateTime"})
}

/// The formats of the distributions: (export file, EU file type, IANA media type, API format).
const FORMATS: &[(&str, &str, &str, &str)] = &[
    ("observations.csv", "CSV", "text/csv", "csv"),
    ("observations.json", "JSON", "application/json", "json"),
    ("observations.sdmx.csv", "CSV", "text/csv", "sdmx-csv"),
    (
        "observations.parquet",
        "PARQUET",
        "application/vnd.apache.parquet",
        "parquet",
    ),
];

/// The DCAT-AP 3 catalogue (JSON-LD) of the indicators published in `public`: the catalogue
/// (publisher ONC, licence, languages, Morocco), a dataset per indicator (titles and
/// descriptions in fr, ar, en; identifier; temporal coverage from its observations; theme and
/// keywords; issued and modified), a distribution per format.
pub fn dcat_catalog(
    catalog: &Catalog,
    public: &[Observation],
    release: &Release,
    links: &Links,
) -> Result<Value> {
    let licence = typed(release.licence.eu_uri, "dct:LicenseDocument");
    let spatial = typed(MOROCCO, "dct:Location");
    let publisher = json!({
        "@id": "#onc",
        "@type": "foaf:Agent",
        "foaf:name": [
            {"@value": "Observatoire National de la Criminalité", "@language": "fr"},
            {"@value": "المرصد الوطني للإجرام", "@language": "ar"},
            {"@value": "National Crime Observatory (Morocco)", "@language": "en"},
        ],
    });
    let theme = json!({
        "@id": THEME.0,
        "@type": "skos:Concept",
        "skos:prefLabel": {"@value": THEME.1, "@language": "en"},
    });
    let mut datasets = Vec::new();
    for ind in published(catalog, public) {
        let id = ind.id();
        let (first, last) = years(id, public)?;
        let distributions: Vec<Value> = FORMATS
            .iter()
            .map(|(file, file_type, media, api)| {
                let mut d = json!({
                    "@id": format!("#dataset-{id}-{api}"),
                    "@type": "dcat:Distribution",
                    "dct:format": typed(&format!("{FILE_TYPE}{file_type}"), "dct:MediaTypeOrExtent"),
                    "dcat:mediaType": typed(&format!("{MEDIA_TYPE}{media}"), "dct:MediaType"),
                    "dct:license": licence,
                });
                match links {
                    Links::Files(files) => {
                        if let Some(f) = files.iter().find(|f| f.file == *file) {
                            d["dcat:accessURL"] = typed(file, "rdfs:Resource");
                            d["dcat:downloadURL"] = typed(file, "rdfs:Resource");
                            d["dct:title"] = json!({"@value": format!("{file} ({api}): every published indicator of release {}; rows of {id} have indicator_id / INDICATOR = {id}", release.name), "@language": "en"});
                            d["dcat:byteSize"] = json!({"@value": f.bytes.to_string(), "@type": "xsd:nonNegativeInteger"});
                            d["spdx:checksum"] = json!({
                                "@type": "spdx:Checksum",
                                "spdx:algorithm": typed("spdx:checksumAlgorithm_sha256", "spdx:ChecksumAlgorithm"),
                                "spdx:checksumValue": {"@value": f.sha256, "@type": "xsd:hexBinary"},
                            });
                        }
                    }
                    Links::Api => {
                        let url = format!("indicators/{id}/observations?format={api}");
                        d["dcat:accessURL"] = typed(&url, "rdfs:Resource");
                        d["dcat:downloadURL"] = typed(&url, "rdfs:Resource");
                        d["dct:title"] = json!({"@value": format!("{id} observations ({api}) from the Marsad API"), "@language": "en"});
                    }
                }
                d
            })
            .collect();
        let d = &ind.def;
        let mut keywords = vec![
            json!({"@value": "AESE", "@language": "fr"}),
            json!({"@value": "child sexual exploitation and abuse", "@language": "en"}),
            json!({"@value": "exploitation et abus sexuels des enfants", "@language": "fr"}),
            json!({"@value": "الاستغلال والاعتداء الجنسي على الأطفال", "@language": "ar"}),
        ];
        keywords.extend(
            d.sources
                .iter()
                .map(|s| json!({"@value": s, "@language": "en"})),
        );
        datasets.push(json!({
            "@id": format!("#dataset-{id}"),
            "@type": "dcat:Dataset",
            "dct:identifier": id,
            "dct:title": texts(&d.name),
            "dct:description": texts(&d.definition),
            "dct:publisher": publisher,
            "dct:spatial": spatial,
            "dct:temporal": {
                "@type": "dct:PeriodOfTime",
                "dcat:startDate": {"@value": format!("{first}-01-01"), "@type": "xsd:date"},
                "dcat:endDate": {"@value": format!("{last}-12-31"), "@type": "xsd:date"},
            },
            "dct:issued": date_time(&release.issued),
            "dct:modified": date_time(&release.modified),
            "dcat:version": format!("{}", d.version),
            "dcat:theme": theme,
            "dcat:keyword": keywords,
            "dcat:distribution": distributions,
        }));
    }
    let languages: Vec<Value> = ["FRA", "ARA", "ENG"]
        .iter()
        .map(|l| typed(&format!("{LANGUAGE}{l}"), "dct:LinguisticSystem"))
        .collect();
    Ok(json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "spdx": "http://spdx.org/rdf/terms#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": "#catalog",
        "@type": "dcat:Catalog",
        "dct:title": [
            {"@value": "Marsad — indicateurs AESE de l'Observatoire National de la Criminalité", "@language": "fr"},
            {"@value": "مرصد — مؤشرات الاستغلال والاعتداء الجنسي على الأطفال، المرصد الوطني للإجرام", "@language": "ar"},
            {"@value": "Marsad — child sexual exploitation and abuse indicators of the National Crime Observatory", "@language": "en"},
        ],
        "dct:description": [
            {"@value": format!("Indicateurs approuvés de la publication {} (instantané {}), après suppression des petits effectifs.", release.name, release.snapshot_id), "@language": "fr"},
            {"@value": format!("المؤشرات المعتمدة للإصدار {} (اللقطة {})، بعد حجب الأعداد الصغيرة.", release.name, release.snapshot_id), "@language": "ar"},
            {"@value": format!("Approved indicators of release {} (snapshot {}), after suppression of small counts.", release.name, release.snapshot_id), "@language": "en"},
        ],
        "dct:publisher": publisher,
        "dct:license": licence,
        "dct:language": languages,
        "dct:spatial": spatial,
        "dct:issued": date_time(&release.issued),
        "dct:modified": date_time(&release.modified),
        "dcat:dataset": datasets,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation(id: &str, period: &str) -> Observation {
        crate::export::tests::observation(id, period, 1.0)
    }

    #[test]
    fn the_licence_is_configurable_with_cc_by_by_default() {
        assert_eq!(Licence::default_licence().id, "CC-BY-4.0");
        assert_eq!(Licence::by_id("cc0-1.0").unwrap().id, "CC0-1.0");
        assert_eq!(
            Licence::by_id("MIT").unwrap_err().to_string(),
            "export `datapackage.json`: unknown licence `MIT`; expected one of CC-BY-4.0, CC0-1.0, ODC-By-1.0, ODbL-1.0"
        );
    }

    #[test]
    fn one_dataset_per_published_indicator_with_its_years_and_languages() {
        let catalog = Catalog::embedded().unwrap();
        let obs = [
            observation("PMP_AESE_CASES", "2021"),
            observation("PMP_AESE_CASES", "2024"),
            observation("EMC_REPORTS_CHANGE", "2021/2022"),
        ];
        let release = Release::of_snapshot(7, "2026-11-30T04:00:00Z");
        let doc = dcat_catalog(&catalog, &obs, &release, &Links::Api).unwrap();
        let datasets = doc["dcat:dataset"].as_array().unwrap();
        let ids: Vec<&str> = datasets
            .iter()
            .map(|d| d["dct:identifier"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["EMC_REPORTS_CHANGE", "PMP_AESE_CASES"]);
        let pmp = &datasets[1];
        assert_eq!(
            pmp["dct:temporal"]["dcat:startDate"]["@value"],
            "2021-01-01"
        );
        assert_eq!(pmp["dct:temporal"]["dcat:endDate"]["@value"], "2024-12-31");
        assert_eq!(
            datasets[0]["dct:temporal"]["dcat:endDate"]["@value"],
            "2022-12-31"
        );
        let langs: Vec<&str> = pmp["dct:title"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["@language"].as_str().unwrap())
            .collect();
        assert_eq!(langs, ["fr", "ar", "en"]);
        assert_eq!(pmp["dcat:distribution"].as_array().unwrap().len(), 4);
        assert_eq!(
            pmp["dcat:distribution"][3]["dct:format"]["@id"],
            "http://publications.europa.eu/resource/authority/file-type/PARQUET"
        );
        assert_eq!(doc["dct:issued"]["@value"], "2026-11-30T04:00:00Z");
        // A period with no year is an error that names it.
        let err = dcat_catalog(
            &catalog,
            &[observation("PMP_AESE_CASES", "x")],
            &release,
            &Links::Api,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "export `catalog.jsonld`: PMP_AESE_CASES: period `x` names no year"
        );
    }

    #[test]
    fn a_release_writes_its_notes_licence_and_dates_into_the_package_and_catalogue() {
        let catalog = Catalog::embedded().unwrap();
        let obs = [observation("PMP_AESE_CASES", "2023")];
        let dir = tempfile::tempdir().unwrap();
        let release = Release {
            name: "2026-Q1".into(),
            snapshot_id: 4,
            issued: "2026-04-01T09:00:00Z".into(),
            modified: "2026-04-02T10:00:00Z".into(),
            licence: Licence::by_id("CC0-1.0").unwrap(),
            notes: Some("# 2026-Q1\n\nNew period: 2025.\n".into()),
        };
        let written = write(dir.path(), &catalog, &obs, &release).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "observations.csv",
                "observations.json",
                "observations.sdmx.csv",
                "observations.parquet",
                "indicators.csv",
                "release-notes.md",
                "catalog.jsonld",
                "datapackage.json"
            ]
        );
        let read = |f: &str| -> Value {
            serde_json::from_slice(&std::fs::read(dir.path().join(f)).unwrap()).unwrap()
        };
        let package = read("datapackage.json");
        assert_eq!(package["$schema"], DATAPACKAGE_SCHEMA);
        assert_eq!(package["version"], "2026-Q1");
        assert_eq!(package["created"], "2026-04-01T09:00:00Z");
        assert_eq!(package["licenses"][0]["name"], "CC0-1.0");
        assert_eq!(
            package["description"],
            "Release 2026-Q1 of snapshot 4: approved indicators only, after primary and secondary suppression of small counts (suppressed cells carry OBS_STATUS Q).\n\n# 2026-Q1\n\nNew period: 2025.\n"
        );
        let notes = &package["resources"][5];
        assert_eq!(notes["path"], "release-notes.md");
        assert_eq!(notes["mediatype"], "text/markdown");
        assert_eq!(
            notes["hash"],
            format!(
                "sha256:{}",
                hex::encode(Sha256::digest(b"# 2026-Q1\n\nNew period: 2025.\n"))
            )
        );
        let dcat = read("catalog.jsonld");
        assert_eq!(
            dcat["dct:license"]["@id"],
            "http://publications.europa.eu/resource/authority/licence/CC0"
        );
        let dataset = &dcat["dcat:dataset"][0];
        assert_eq!(dataset["dct:issued"]["@value"], "2026-04-01T09:00:00Z");
        assert_eq!(dataset["dct:modified"]["@value"], "2026-04-02T10:00:00Z");
        let csv = &dataset["dcat:distribution"][0];
        assert_eq!(csv["dcat:downloadURL"]["@id"], "observations.csv");
        assert_eq!(
            csv["spdx:checksum"]["spdx:checksumValue"]["@value"],
            hex::encode(Sha256::digest(
                std::fs::read(dir.path().join("observations.csv")).unwrap()
            ))
        );
    }
}
