//! Exports: observations as CSV, JSON, SDMX-CSV 1.0 and Parquet, and the catalogue's metadata as
//! CSV ([`files`]); [`write_all`] writes them with their `datapackage.json` (and, for the
//! public, the DCAT-AP catalogue), which [`crate::open_data`] builds. The role decides what goes out, in one place ([`select`]): the **public** gets
//! approved indicators only, computed by their approved definition, with suppressed cells
//! shown as suppressed (OBS_STATUS `Q`, no figure); **analysts** get every indicator computed,
//! unsuppressed, with the disclosure decision still visible in CONF_STATUS.
//!
//! Caveats travel with the figures as footnotes: the SDMX-CSV file's last column, `COMMENT_TS`,
//! holds those of each observation's indicator and sources that concern its period (English),
//! and `indicators.csv` ends with `caveats_fr`, `caveats_ar` and `caveats_en`.

use std::path::{Path, PathBuf};

use parquet::arrow::ArrowWriter;
use serde_json::{json, Value};

use crate::catalog::{Catalog, Caveat, Dimension, Status};
use crate::disclosure;
use crate::error::{IndicatorError, Result};
use crate::observations::{self, Observation};
use crate::open_data;
use crate::terminology::{self, Terminology};

/// SDMX dataflow the observations belong to (agency, id, version).
pub const DATAFLOW: &str = "MA_ONC:AESE_INDICATORS(1.0)";

/// Who an output is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Public,
    Analyst,
}

/// The observations `role` may see, as that role sees them. Public: indicators approved in
/// `catalog` and computed by their current definition, disclosure mask applied.
pub fn select(catalog: &Catalog, obs: &[Observation], role: Role) -> Vec<Observation> {
    match role {
        Role::Analyst => obs.to_vec(),
        Role::Public => {
            // Per indicator, the one definition hash that may be published: approved, and
            // the approval is of the current definition (hashed once, not per observation).
            let publishable: std::collections::HashMap<&str, String> = catalog
                .indicators
                .iter()
                .filter(|ind| ind.def.status == Status::Approved)
                .filter_map(|ind| {
                    let hash = ind.definition_hash();
                    ind.current_approval()
                        .is_some_and(|a| a.definition_hash == hash)
                        .then(|| (ind.id(), hash))
                })
                .collect();
            // The figures suppression hides, by source feed: no public comment of an
            // indicator on the same feed may state one.
            let sources = |id: &str| -> Vec<&str> {
                catalog
                    .get(id)
                    .map(|ind| ind.def.sources.iter().map(String::as_str).collect())
                    .unwrap_or_default()
            };
            let mut hidden: std::collections::HashMap<&str, Vec<f64>> = Default::default();
            for o in obs.iter().filter(|o| o.is_suppressed()) {
                for source in sources(&o.indicator_id) {
                    hidden
                        .entry(source)
                        .or_default()
                        .extend(disclosure::hidden_figures(o));
                }
            }
            obs.iter()
                .filter(|o| publishable.get(o.indicator_id.as_str()) == Some(&o.definition_hash))
                .map(|o| {
                    let mut public = o.public();
                    let figures: Vec<f64> = sources(&o.indicator_id)
                        .iter()
                        .flat_map(|s| hidden.get(s).into_iter().flatten().copied())
                        .collect();
                    public.obs_comment = disclosure::public_comment(&public, &figures);
                    public
                })
                .collect()
        }
    }
}

/// A column of an export: (name, Frictionless type, description).
pub type Column = (&'static str, &'static str, &'static str);

const COLUMNS: &[Column] = &[
    ("indicator_id", "string", "Indicator identifier (catalogue)"),
    (
        "indicator_version",
        "integer",
        "Version of the indicator definition",
    ),
    (
        "period",
        "string",
        "Reference period: a year, or first/last year of a change",
    ),
    (
        "ref_area",
        "string",
        "ISO 3166-2:MA region, or MA for the nation",
    ),
    (
        "sex",
        "string",
        "SDMX sex code: M, F, _U unknown, _T total, _Z not applicable",
    ),
    (
        "age_band",
        "string",
        "Age band (years), _U unknown, _T total, _Z not applicable",
    ),
    ("source", "string", "Source feed, _T all, _Z not applicable"),
    (
        "variable",
        "string",
        "Variable assessed (completeness indicators), _Z otherwise",
    ),
    (
        "iccs",
        "string",
        "Offence as its ICCS code (UNODC International Classification of Crime for Statistical Purposes), _T all, _U unmapped, _Z not applicable",
    ),
    (
        "value",
        "number",
        "Value rounded to the indicator's decimals; empty when suppressed",
    ),
    (
        "display",
        "string",
        "Value as published: formatted number, or 'suppressed'",
    ),
    (
        "numerator",
        "number",
        "Numerator (ratios) or count; empty when suppressed",
    ),
    (
        "denominator",
        "number",
        "Denominator (ratios); empty when suppressed",
    ),
    (
        "unit",
        "string",
        "Unit: NUMBER, PT (percent), PER_1000, PER_10000, PER_100000",
    ),
    (
        "unit_mult",
        "integer",
        "SDMX UNIT_MULT: value is in units of 10^unit_mult",
    ),
    (
        "decimals",
        "integer",
        "Decimals the value is published with",
    ),
    (
        "obs_status",
        "string",
        "SDMX OBS_STATUS: A normal, E estimated, Q suppressed, M missing…",
    ),
    (
        "conf_status",
        "string",
        "SDMX CONF_STATUS: F free, C primary, D secondary suppression",
    ),
    (
        "lower_bound",
        "number",
        "Lower bound of an estimate's interval",
    ),
    (
        "upper_bound",
        "number",
        "Upper bound of an estimate's interval",
    ),
    ("obs_comment", "string", "Note on this observation"),
    (
        "snapshot_id",
        "integer",
        "Warehouse snapshot the observation was computed from",
    ),
    (
        "definition_hash",
        "string",
        "SHA-256 of the indicator definition and SQL",
    ),
];

fn number(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn row(o: &Observation) -> Vec<String> {
    let mut r = vec![
        o.indicator_id.clone(),
        o.indicator_version.to_string(),
        o.period.clone(),
    ];
    r.extend(o.breakdown.iter().cloned());
    r.extend([
        number(o.rounded_value()),
        o.display_value(),
        number(o.numerator),
        number(o.denominator),
    ]);
    r.extend(attributes(o));
    r.extend([o.snapshot_id.to_string(), o.definition_hash.clone()]);
    r
}

/// The attribute cells CSV and SDMX-CSV share, in their order: unit, unit multiplier,
/// decimals, OBS_STATUS, CONF_STATUS, bounds, comment.
fn attributes(o: &Observation) -> [String; 8] {
    [
        o.unit.clone(),
        o.unit_mult.to_string(),
        o.decimals.to_string(),
        o.obs_status.clone(),
        o.conf_status.clone(),
        number(o.lower_bound),
        number(o.upper_bound),
        o.obs_comment.clone().unwrap_or_default(),
    ]
}

/// CSV bytes of a header and rows; `file` names the export in errors.
fn csv_bytes<R: IntoIterator<Item = String>>(
    file: &str,
    header: impl IntoIterator<Item = impl AsRef<[u8]>>,
    rows: impl IntoIterator<Item = R>,
) -> Result<Vec<u8>> {
    let fail = |e: &dyn std::fmt::Display| IndicatorError::export(Path::new(file), e);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(|e| fail(&e))?;
    for r in rows {
        w.write_record(r).map_err(|e| fail(&e))?;
    }
    w.into_inner().map_err(|e| fail(&e))
}

/// Observations as CSV (the columns of [`COLUMNS`]).
pub fn to_csv(obs: &[Observation]) -> Result<Vec<u8>> {
    csv_bytes(
        "observations.csv",
        COLUMNS.iter().map(|c| c.0),
        obs.iter().map(row),
    )
}

/// Observations as a JSON array of objects (numbers typed, empty cells null).
pub fn to_json(obs: &[Observation]) -> Value {
    Value::Array(
        obs.iter()
            .map(|o| {
                let map = COLUMNS
                    .iter()
                    .zip(row(o))
                    .map(|((name, kind, _), cell)| {
                        let v = match (*kind, cell.as_str()) {
                            (_, "") => Value::Null,
                            ("number", c) => {
                                c.parse::<f64>().map(|n| json!(n)).unwrap_or(Value::Null)
                            }
                            ("integer", c) => {
                                c.parse::<i64>().map(|n| json!(n)).unwrap_or(Value::Null)
                            }
                            _ => Value::String(cell),
                        };
                        (name.to_string(), v)
                    })
                    .collect();
                Value::Object(map)
            })
            .collect(),
    )
}

/// Observations as SDMX-CSV 1.0: DATAFLOW, one column per dimension, OBS_VALUE, attributes.
pub fn to_sdmx_csv(obs: &[Observation]) -> Result<Vec<u8>> {
    sdmx_csv(obs, None)
}

/// [`to_sdmx_csv`] with the caveats of each observation's indicator and sources that concern
/// its period ([`crate::catalog::Indicator::caveats_for`]) in a last column, `COMMENT_TS`
/// (SDMX's series-level comment; COMMENT_OBS stays the observation's own note), in English as
/// [`footnote`] writes them. An observation of an indicator `catalog` does not hold is an error.
pub fn to_sdmx_csv_with_caveats(catalog: &Catalog, obs: &[Observation]) -> Result<Vec<u8>> {
    sdmx_csv(obs, Some(catalog))
}

/// The caveats `caveats` in `lang`, as one export cell: `kind: text`, joined by ` | `, with
/// classification marks rendered ([`terminology::render`]).
pub fn footnote(terms: &Terminology, caveats: &[Caveat], lang: &str) -> String {
    caveats
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c.kind.as_str(),
                terminology::render(terms, c.text.get(lang), lang)
            )
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn sdmx_csv(obs: &[Observation], catalog: Option<&Catalog>) -> Result<Vec<u8>> {
    let file = "observations.sdmx.csv";
    // One indicator's caveats per period, looked up once.
    let mut notes: std::collections::HashMap<(&str, &str), String> = Default::default();
    if let Some(catalog) = catalog {
        let terms = Terminology::embedded()?;
        for o in obs {
            let key = (o.indicator_id.as_str(), o.period.as_str());
            if notes.contains_key(&key) {
                continue;
            }
            let ind = catalog.get(&o.indicator_id).map_err(|e| {
                IndicatorError::export(
                    Path::new(file),
                    format!("caveats of {}: {e}", o.indicator_id),
                )
            })?;
            notes.insert(key, footnote(terms, &ind.caveats_for(&o.period), "en"));
        }
    }
    let header = sdmx_columns(catalog.is_some()).into_iter().map(|c| c.0);
    let rows = obs.iter().map(|o| {
        let mut r = vec![
            DATAFLOW.to_string(),
            o.indicator_id.clone(),
            o.period.clone(),
        ];
        r.extend(o.breakdown.iter().cloned());
        r.push(number(o.rounded_value()));
        r.extend(attributes(o));
        if catalog.is_some() {
            let key = (o.indicator_id.as_str(), o.period.as_str());
            r.push(notes.get(&key).cloned().unwrap_or_default());
        }
        r
    });
    csv_bytes(file, header, rows)
}

/// The columns of the SDMX-CSV file, `COMMENT_TS` last when `caveats`.
pub fn sdmx_columns(caveats: bool) -> Vec<Column> {
    let mut columns: Vec<Column> = vec![
        ("DATAFLOW", "string", "SDMX dataflow (agency:id(version))"),
        ("INDICATOR", "string", "Indicator identifier (catalogue)"),
        ("TIME_PERIOD", "string", "Reference period"),
    ];
    columns.extend(Dimension::BREAKDOWNS.iter().map(|d| {
        (
            d.sdmx(),
            "string",
            "SDMX dimension (codes as in observations.csv)",
        )
    }));
    columns.extend([
        (
            "OBS_VALUE",
            "number",
            "Value as published; empty when suppressed",
        ),
        ("UNIT_MEASURE", "string", "Unit"),
        ("UNIT_MULT", "integer", "Value is in units of 10^UNIT_MULT"),
        (
            "DECIMALS",
            "integer",
            "Decimals the value is published with",
        ),
        (
            "OBS_STATUS",
            "string",
            "SDMX observation status (Q suppressed)",
        ),
        ("CONF_STATUS", "string", "SDMX confidentiality status"),
        (
            "LOWER_BOUND",
            "number",
            "Lower bound of an estimate's interval",
        ),
        (
            "UPPER_BOUND",
            "number",
            "Upper bound of an estimate's interval",
        ),
        ("COMMENT_OBS", "string", "Note on this observation"),
    ]);
    if caveats {
        columns.push((
            "COMMENT_TS",
            "string",
            "Caveats of the indicator and its sources for this period (English)",
        ));
    }
    columns
}

/// Observations as Parquet (the observations schema, values rounded as published).
pub fn to_parquet(obs: &[Observation]) -> Result<Vec<u8>> {
    let published: Vec<Observation> = obs
        .iter()
        .map(|o| Observation {
            value: o.rounded_value(),
            ..o.clone()
        })
        .collect();
    let batch = observations::to_batch(&published)?;
    let fail = |e: parquet::errors::ParquetError| {
        IndicatorError::export(Path::new("observations.parquet"), e)
    };
    let mut buf = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buf, batch.schema(), None).map_err(fail)?;
    writer.write(&batch).map_err(fail)?;
    writer.close().map_err(fail)?;
    Ok(buf)
}

/// The catalogue's metadata, one row per indicator present in `obs` (CSV).
pub fn indicators_csv(catalog: &Catalog, obs: &[Observation]) -> Result<Vec<u8>> {
    let terms = Terminology::embedded()?;
    let mut rows = Vec::new();
    for ind in &catalog.indicators {
        if !obs.iter().any(|o| o.indicator_id == ind.def.id) {
            continue;
        }
        let d = &ind.def;
        let text = |t: &Option<crate::catalog::Text>, f: fn(&crate::catalog::Text) -> &String| {
            t.as_ref().map(|t| f(t).clone()).unwrap_or_default()
        };
        let approval = ind.current_approval();
        let mut row = vec![
            d.id.clone(),
            d.version.to_string(),
            d.status.as_str().to_string(),
            d.name.fr.clone(),
            d.name.ar.clone(),
            d.name.en.clone(),
            d.definition.fr.clone(),
            d.definition.ar.clone(),
            d.definition.en.clone(),
            text(&d.notes, |t| &t.en),
            d.unit.code().to_string(),
            d.decimals.to_string(),
            text(&d.numerator, |t| &t.en),
            text(&d.denominator, |t| &t.en),
            d.dimensions
                .iter()
                .map(|x| x.column())
                .collect::<Vec<_>>()
                .join(" "),
            format!("{}.{}", d.mnr.sector, d.mnr.capacity),
            d.sdg.clone().unwrap_or_default(),
            d.sources.join(" "),
            d.periodicity.clone(),
            d.disclosure.threshold.to_string(),
            approval.map(|a| a.reference.clone()).unwrap_or_default(),
            approval.map(|a| a.at.clone()).unwrap_or_default(),
            ind.definition_hash(),
        ];
        // Footnotes: every caveat of the indicator and its sources, with the periods each
        // concerns, in each language.
        let caveats = ind.caveats();
        for lang in crate::catalog::LANGUAGES {
            let cells: Vec<String> = caveats
                .iter()
                .map(|c| {
                    let note = footnote(terms, std::slice::from_ref(c), lang);
                    match c.periods.as_slice() {
                        [] => note,
                        periods => format!("{note} [{}]", periods.join(", ")),
                    }
                })
                .collect();
            row.push(cells.join(" | "));
        }
        rows.push(row);
    }
    csv_bytes(
        "indicators.csv",
        INDICATOR_COLUMNS.iter().map(|c| c.0),
        rows,
    )
}

const INDICATOR_COLUMNS: &[Column] = &[
    ("id", "string", "Indicator identifier"),
    ("version", "integer", "Definition version"),
    ("status", "string", "draft, approved or retired"),
    ("name_fr", "string", "Name (French)"),
    ("name_ar", "string", "Name (Arabic)"),
    ("name_en", "string", "Name (English)"),
    ("definition_fr", "string", "Definition (French)"),
    ("definition_ar", "string", "Definition (Arabic)"),
    ("definition_en", "string", "Definition (English)"),
    ("notes_en", "string", "Notes (English)"),
    ("unit", "string", "Unit of the value"),
    ("decimals", "integer", "Decimals published"),
    ("numerator_en", "string", "Numerator (English)"),
    ("denominator_en", "string", "Denominator (English)"),
    ("dimensions", "string", "Dimensions, space-separated"),
    ("mnr_capacity", "string", "WeProtect MNR sector.capacity"),
    ("sdg", "string", "SDG indicator, where one applies"),
    ("sources", "string", "Source feeds, space-separated"),
    ("periodicity", "string", "Periodicity"),
    (
        "disclosure_threshold",
        "integer",
        "Counts below this in disaggregated cells are suppressed",
    ),
    (
        "approval_reference",
        "string",
        "Decision approving the current version",
    ),
    (
        "approved_at",
        "string",
        "When the current version was approved",
    ),
    (
        "definition_hash",
        "string",
        "SHA-256 of the definition and SQL",
    ),
    (
        "caveats_fr",
        "string",
        "Caveats of the indicator and its sources (French): kind: text [periods], joined by ' | '",
    ),
    (
        "caveats_ar",
        "string",
        "Caveats of the indicator and its sources (Arabic): kind: text [periods], joined by ' | '",
    ),
    (
        "caveats_en",
        "string",
        "Caveats of the indicator and its sources (English): kind: text [periods], joined by ' | '",
    ),
];

/// One export file, as [`files`] makes it: its resource name, file name, format, media type,
/// bytes, and its columns when it is a CSV (the Table Schema of the data package).
#[derive(Debug)]
pub struct ExportFile {
    pub name: &'static str,
    pub file: &'static str,
    pub format: &'static str,
    pub mediatype: &'static str,
    pub bytes: Vec<u8>,
    pub columns: Vec<Column>,
    pub description: Option<String>,
}

/// The export files of `obs` (already [`select`]ed): observations as CSV, JSON, SDMX-CSV and
/// Parquet, and `indicators.csv`.
pub fn files(catalog: &Catalog, obs: &[Observation]) -> Result<Vec<ExportFile>> {
    let json_text = serde_json::to_vec_pretty(&to_json(obs))
        .map_err(|e| IndicatorError::export(Path::new("observations.json"), e))?;
    let file = |name, file, format, mediatype, bytes, columns: &[Column]| ExportFile {
        name,
        file,
        format,
        mediatype,
        bytes,
        columns: columns.to_vec(),
        description: None,
    };
    Ok(vec![
        file(
            "observations",
            "observations.csv",
            "csv",
            "text/csv",
            to_csv(obs)?,
            COLUMNS,
        ),
        file(
            "observations-json",
            "observations.json",
            "json",
            "application/json",
            json_text,
            &[],
        ),
        ExportFile {
            description: Some(format!("SDMX-CSV 1.0, dataflow {DATAFLOW}")),
            ..file(
                "observations-sdmx",
                "observations.sdmx.csv",
                "csv",
                "text/csv",
                to_sdmx_csv_with_caveats(catalog, obs)?,
                &sdmx_columns(true),
            )
        },
        file(
            "observations-parquet",
            "observations.parquet",
            "parquet",
            "application/vnd.apache.parquet",
            to_parquet(obs)?,
            &[],
        ),
        file(
            "indicators",
            "indicators.csv",
            "csv",
            "text/csv",
            indicators_csv(catalog, obs)?,
            INDICATOR_COLUMNS,
        ),
    ])
}

/// Write every export of `obs` (already [`select`]ed for `role`) into `dir`; returns the paths
/// written, `datapackage.json` last. With the public role, the open dataset of the snapshot as
/// if it were a release ([`open_data::write`] with [`open_data::Release::of_snapshot`]); the
/// command line's public export writes a release's instead ([`open_data::Release::of_release`]).
pub fn write_all(
    dir: &Path,
    catalog: &Catalog,
    obs: &[Observation],
    role: Role,
    snapshot_id: i64,
) -> Result<Vec<PathBuf>> {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    match role {
        Role::Public => open_data::write(
            dir,
            catalog,
            obs,
            &open_data::Release::of_snapshot(snapshot_id, &now),
        ),
        Role::Analyst => open_data::write_analyst(dir, catalog, obs, snapshot_id, &now),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A national observation of `id` (approved, version 1, snapshot 1), for tests.
    pub(crate) fn observation(id: &str, period: &str, value: f64) -> Observation {
        Observation {
            indicator_id: id.into(),
            indicator_version: 1,
            indicator_status: "approved".into(),
            period: period.into(),
            breakdown: ["MA", "_Z", "_Z", "_Z", "_Z", "_Z"].map(String::from),
            value: Some(value),
            numerator: Some(value),
            denominator: None,
            unit: "NUMBER".into(),
            unit_mult: 0,
            decimals: 0,
            obs_status: "A".into(),
            conf_status: "F".into(),
            lower_bound: None,
            upper_bound: None,
            obs_comment: None,
            snapshot_id: 1,
            definition_hash: "h".into(),
            engine_version: None,
            computed_at_micros: 0,
        }
    }

    #[test]
    fn sdmx_csv_carries_the_caveats_of_each_period_in_a_last_column() {
        let catalog = Catalog::embedded().unwrap();
        let obs = [
            observation("PMP_AESE_CASES", "2022", 43.0),
            observation("PMP_AESE_CASES", "2023", 109.0),
        ];
        let plain = String::from_utf8(to_sdmx_csv(&obs).unwrap()).unwrap();
        let with = String::from_utf8(to_sdmx_csv_with_caveats(&catalog, &obs).unwrap()).unwrap();
        let (plain, with): (Vec<&str>, Vec<&str>) =
            (plain.lines().collect(), with.lines().collect());
        // The columns of the plain file, in their order, then COMMENT_TS.
        assert_eq!(with[0], format!("{},COMMENT_TS", plain[0]));
        assert_eq!(
            with[1],
            format!("{},\"unit: Cases registered by prosecutors, not victims or offenders: one case may involve several people.\"", plain[1]),
            "2022: the caveat of every period"
        );
        assert_eq!(
            with[2],
            format!(
                "{},\"comparability: In 2023 the published components of the case table (persons prosecuted, under investigation, under instruction, closed, referred for incompetence) add up to 108, not to the 109 cases published; the figures are kept as published. | unit: Cases registered by prosecutors, not victims or offenders: one case may involve several people.\"",
                plain[2]
            )
        );
        // An indicator the catalogue does not hold is named.
        let err = to_sdmx_csv_with_caveats(&catalog, &[observation("NOPE", "2023", 1.0)])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("export `observations.sdmx.csv`: caveats of NOPE: no indicator `NOPE`"),
            "{err}"
        );
    }

    #[test]
    fn indicators_csv_ends_with_the_caveats_in_three_languages() {
        let catalog = Catalog::embedded().unwrap();
        let bytes = indicators_csv(
            &catalog,
            &[observation("EMC_REPORTS_MINORS_SHARE", "2021", 1.0)],
        )
        .unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(
            &header[header.len() - 4..],
            ["definition_hash", "caveats_fr", "caveats_ar", "caveats_en"]
        );
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(
            &row[header.len() - 1],
            "coverage: 12.5% of the 2021 reports (8 of 64) give no victim age: they are in the denominator but not among minors, so the share of minors is a lower bound. [2021] | break: 2021 is the first year of the national reporting portal: its figures do not compare with those of later years. [2021]"
        );
        assert!(row[header.len() - 3]
            .starts_with("coverage: 12,5 % des signalements de 2021 (8 sur 64)"));
        assert!(row[header.len() - 2].starts_with("coverage: 12,5% من تبليغات سنة 2021"));
    }

    #[test]
    fn a_footnote_renders_a_quoted_classification_label() {
        let terms = Terminology::embedded().unwrap();
        let caveat = Caveat {
            kind: crate::catalog::CaveatKind::Comparability,
            periods: vec![],
            text: crate::catalog::Text {
                fr: "Classées en {ICCS 030221 \"Child pornography\"}.".into(),
                ar: "x".into(),
                en: "Classified as {ICCS 030221 \"Child pornography\"}.".into(),
            },
            source: None,
        };
        assert_eq!(
            footnote(terms, std::slice::from_ref(&caveat), "en"),
            "comparability: Classified as ICCS 030221 \"Child pornography\" (preferred term: child sexual abuse material)."
        );
        assert_eq!(
            footnote(terms, &[caveat], "fr"),
            "comparability: Classées en CICS 030221 « Child pornography » (terme recommandé : matériel d'abus sexuel sur enfants)."
        );
    }
}
