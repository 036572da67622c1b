//! HCP survey microdata (feed `hcp-survey`): respondent-level survey files with their sampling
//! design, for design-based estimates (prevalence of sexual violence before 18, …).
//!
//! - **Agency**: Haut-Commissariat au Plan (HCP) and other producers of household surveys.
//! - **Format**: CSV (delimiter sniffed, decimal comma or point) or Parquet, one row per
//!   respondent, any columns; plus a design description `<data file stem>.design.toml` beside
//!   the data file, naming the design columns:
//!   ```toml
//!   survey_id = "evs2025"          # lower-case letters, digits, _: the table is survey_<id>
//!   title = "…"                    # optional
//!   weight = "poids"               # required: a positive number on every row
//!   strata = "strate"              # optional
//!   psu = "grappe"                 # optional (primary sampling unit)
//!   ssu = "menage"                 # optional (second stage unit)
//!   fpc = "fpc"                    # optional: finite population correction, first stage
//!   fpc2 = "fpc2"                  # optional: second stage
//!   fpc_kind = "population"        # or "fraction" (sampling fraction, 0 < f ≤ 1)
//!   respondent_id = "ident"        # optional: the respondent's id, the record key of the survey
//!   ```
//!   A data file without its design description is refused, naming the path expected.
//! - **Sample**: `data-samples/hcp/enquete-violence-2025.csv` + `.design.toml`, a synthetic
//!   stratified clustered survey written by [`crate::synthetic::hcp_survey`].
//! - **Grain**: one row per respondent → staging `survey_<survey_id>` (a table whose columns
//!   are the file's, built at read time), and one row per file → `hcp_survey_designs`.
//!
//! Every column of the data file is kept. Names are normalised to snake case: [`fold`]ed
//! (lower case, accents dropped; Arabic letters kept), runs of other characters → `_`; an empty
//! header becomes `column_<n>`, a name starting with a digit gets a `v` in front, and repeated
//! names get `_2`, `_3`. CSV types are inferred by a first pass over the rows: a column whose
//! every value is a whole number is Int64 (a value written with a leading zero, `007`, makes
//! it text: it is a code), one whose every value is a number (decimal comma or point) is
//! Float64, anything else Utf8. Missing values — empty, `NA`, `N/A`, `NaN`, `NULL`, `.` —
//! are nulls (a narrower list than [`numbers::is_blank`]: in microdata `-` or `none` may be
//! answers). The weight column is always Float64. Parquet columns keep their types (integers →
//! Int64, floats and decimals → Float64, strings → Utf8, dates, timestamps, booleans).
//!
//! Row checks (failing rows go to quarantine): the weight is a positive number; strata, PSU and
//! SSU values are present; fpc values are positive numbers (at most 1 for `fraction`). Only rows
//! that pass are used to infer types. Design findings: `survey.design` (Info: respondents,
//! strata, PSUs, sum of weights), `survey.fpc_constant` (Error: fpc varies within a stratum),
//! `survey.fpc_covers_sample` (Error: a population fpc smaller than the PSUs sampled),
//! `survey.lonely_psu` (Warning: a stratum with a single PSU), `survey.psu_nested` (Info: PSU
//! ids repeat across strata, so estimators must nest PSUs in strata).
//!
//! The design row counts in the report's rows read and staged (one more than the respondents);
//! its lineage position is the header's. For Parquet, positions are `line <n>` with `n` the
//! 1-based row number.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::{
    DataType, Date32Type, Field, Float64Type, Int64Type, TimeUnit, TimestampMicrosecondType,
};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Feed, FeedContext};
use crate::error::{PipelineError, Result};
use crate::formats::{csv, Position, Record, RowCheck, Rows};
use crate::normalise::{fold, numbers};
use crate::output::{rejected, Emitter, Sink, TableSpec, Value};
use crate::report::{FeedReport, QuarantineRow, Severity};
use crate::schema;
use crate::source::RawFile;

/// The design table.
pub const DESIGNS_TABLE: &str = "hcp_survey_designs";
/// Prefix of the per-survey microdata tables.
pub const SURVEY_TABLE_PREFIX: &str = "survey_";

/// Staging `hcp_survey_designs`: one row per survey file. `variables` is a JSON object, in file
/// order, of staging column → Arrow type.
pub fn tables() -> Vec<TableSpec> {
    vec![TableSpec::new(
        DESIGNS_TABLE,
        vec![
            Field::new("survey_id", DataType::Utf8, false),
            Field::new("table_name", DataType::Utf8, false),
            Field::new("title", DataType::Utf8, true),
            Field::new("weight_col", DataType::Utf8, false),
            Field::new("strata_col", DataType::Utf8, true),
            Field::new("psu_col", DataType::Utf8, true),
            Field::new("ssu_col", DataType::Utf8, true),
            Field::new("fpc_col", DataType::Utf8, true),
            Field::new("fpc2_col", DataType::Utf8, true),
            Field::new("fpc_kind", DataType::Utf8, true),
            Field::new("variables", DataType::Utf8, false),
        ],
    )
    .with_key(&["survey_id"])]
}

/// How fpc columns are expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FpcKind {
    /// Number of units in the population of the stratum (R survey's default reading).
    Population,
    /// Sampling fraction, 0 < f ≤ 1.
    Fraction,
}

impl FpcKind {
    fn name(self) -> &'static str {
        match self {
            FpcKind::Population => "population",
            FpcKind::Fraction => "fraction",
        }
    }
}

/// A survey's design description (`<stem>.design.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    pub survey_id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub weight: String,
    #[serde(default)]
    pub strata: Option<String>,
    #[serde(default)]
    pub psu: Option<String>,
    #[serde(default)]
    pub ssu: Option<String>,
    #[serde(default)]
    pub fpc: Option<String>,
    #[serde(default)]
    pub fpc2: Option<String>,
    #[serde(default)]
    pub fpc_kind: Option<FpcKind>,
    /// The respondent id column: with the survey id, the key of a respondent's record, so that a
    /// second file of the same survey replaces its respondents instead of adding them again.
    #[serde(default)]
    pub respondent_id: Option<String>,
}

impl Design {
    fn kind(&self) -> FpcKind {
        self.fpc_kind.unwrap_or(FpcKind::Population)
    }
    /// The staging table of this survey's microdata.
    pub fn table_name(&self) -> String {
        format!("{SURVEY_TABLE_PREFIX}{}", self.survey_id)
    }
}

/// Where the design description of a data file must be: beside it, `<stem>.design.toml`.
pub fn design_path(data: &Path) -> PathBuf {
    let stem = data
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    data.with_file_name(format!("{stem}.design.toml"))
}

/// Read and check a design description.
pub fn read_design(data_file: &str, path: &Path) -> Result<Design> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PipelineError::Config(format!(
                "{data_file}: survey microdata need their design description, expected at {} \
                 (survey_id, weight, and strata, psu, fpc … as present; see data-samples/README.md)",
                path.display()
            )))
        }
        Err(e) => {
            return Err(PipelineError::Io {
                file: path.display().to_string(),
                cause: e,
            })
        }
    };
    let design: Design = toml::from_str(&text).map_err(|e| {
        PipelineError::Config(format!(
            "{}: not a valid design description: {e}",
            path.display()
        ))
    })?;
    let id = &design.survey_id;
    let valid = id.len() <= 48
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(PipelineError::Config(format!(
            "{}: survey_id `{id}` must be lower-case ASCII letters, digits and _ (starting with a letter, at most 48): it names the table survey_<id>",
            path.display()
        )));
    }
    Ok(design)
}

/// A header as a staging column name: folded, runs of non-alphanumerics → `_`.
pub fn column_name(header: &str) -> String {
    fold(header).replace(' ', "_")
}

/// Staging names for every header: normalised, never empty, unique, clear of lineage names.
fn column_names(headers: &[String]) -> Vec<String> {
    let mut taken: HashSet<String> = schema::lineage_fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mut base = column_name(h);
            if base.is_empty() {
                base = format!("column_{}", i + 1);
            } else if base.starts_with(|c: char| c.is_ascii_digit()) {
                base = format!("v{base}");
            }
            let mut name = base.clone();
            let mut n = 2;
            while taken.contains(&name) {
                name = format!("{base}_{n}");
                n += 1;
            }
            taken.insert(name.clone());
            name
        })
        .collect()
}

/// The design's columns, as indexes into the file's columns.
#[derive(Debug, Clone, Copy)]
struct Roles {
    weight: usize,
    strata: Option<usize>,
    psu: Option<usize>,
    ssu: Option<usize>,
    fpc: Option<usize>,
    fpc2: Option<usize>,
    respondent: Option<usize>,
}

fn resolve_roles(
    design: &Design,
    design_file: &Path,
    file: &str,
    headers: &[String],
    names: &[String],
) -> Result<Roles> {
    let find = |role: &str, given: &str| -> Result<usize> {
        let f = fold(given);
        headers
            .iter()
            .zip(names)
            .position(|(h, n)| h.trim() == given.trim() || fold(h) == f || n == given.trim())
            .ok_or_else(|| PipelineError::MissingColumn {
                file: file.to_string(),
                column: given.to_string(),
                aliases: format!("the `{role}` column named in {}", design_file.display()),
                found: headers
                    .iter()
                    .map(|h| format!("`{}`", h.trim()))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let opt =
        |role: &str, given: &Option<String>| given.as_deref().map(|g| find(role, g)).transpose();
    Ok(Roles {
        weight: find("weight", &design.weight)?,
        strata: opt("strata", &design.strata)?,
        psu: opt("psu", &design.psu)?,
        ssu: opt("ssu", &design.ssu)?,
        fpc: opt("fpc", &design.fpc)?,
        fpc2: opt("fpc2", &design.fpc2)?,
        respondent: opt("respondent_id", &design.respondent_id)?,
    })
}

/// Missing-value markers of microdata (compared case-insensitively after trimming).
const MISSING: [&str; 5] = ["na", "n/a", "nan", "null", "."];

fn is_missing(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || MISSING.iter().any(|m| t.eq_ignore_ascii_case(m))
}

/// A whole number: optional sign and 1 to 18 digits (Arabic-Indic digits read as ASCII).
fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let owned;
    let t = if t.is_ascii() {
        t
    } else {
        owned = numbers::to_ascii_digits(t);
        owned.as_str()
    };
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.strip_prefix('+').unwrap_or(t).parse().ok()
}

/// A whole number written with a leading zero (`007`, `-01`): a code, kept as text.
fn has_leading_zero(s: &str) -> bool {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    digits.len() > 1 && digits.starts_with('0')
}

fn parse_number(s: &str) -> std::result::Result<f64, String> {
    match parse_int(s) {
        Some(i) => Ok(i as f64),
        None => numbers::parse_decimal(s),
    }
}

/// What the values of a column seen so far allow.
#[derive(Debug, Clone, Copy)]
struct Infer {
    int: bool,
    float: bool,
    seen: bool,
}

impl Default for Infer {
    fn default() -> Self {
        Infer {
            int: true,
            float: true,
            seen: false,
        }
    }
}

impl Infer {
    fn observe(&mut self, v: &str) {
        if is_missing(v) || !self.float {
            return;
        }
        self.seen = true;
        if parse_int(v).is_some() {
            if has_leading_zero(v) {
                self.int = false;
                self.float = false;
            }
            return;
        }
        self.int = false;
        if numbers::parse_decimal(v).is_err() {
            self.float = false;
        }
    }
    fn data_type(self) -> DataType {
        match (self.seen, self.int, self.float) {
            (true, true, _) => DataType::Int64,
            (true, false, true) => DataType::Float64,
            _ => DataType::Utf8,
        }
    }
}

/// One cell for the design checks, whatever the format.
enum Raw<'a> {
    Text(&'a str),
    Val(&'a Value),
}

impl Raw<'_> {
    fn missing(&self) -> bool {
        match self {
            Raw::Text(s) => is_missing(s),
            Raw::Val(v) => matches!(v, Value::Null) || matches!(v, Value::Str(s) if is_missing(s)),
        }
    }
    fn number(&self) -> std::result::Result<f64, String> {
        match self {
            Raw::Text(s) => parse_number(s),
            Raw::Val(Value::Int(i)) => Ok(*i as f64),
            Raw::Val(Value::Float(x)) if x.is_finite() => Ok(*x),
            Raw::Val(Value::Str(s)) => parse_number(s),
            Raw::Val(v) => Err(format!("{} is not a number", display(v))),
        }
    }
    fn text(&self) -> String {
        match self {
            Raw::Text(s) => s.trim().to_string(),
            Raw::Val(v) => display(v),
        }
    }
}

fn display(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => x.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Date(d) => d.to_string(),
        Value::Timestamp(t) => chrono::DateTime::from_timestamp_micros(*t)
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| t.to_string()),
    }
}

/// The design values of a row that passed the checks.
struct RowDesign {
    weight: f64,
    stratum: String,
    psu: Option<String>,
    fpc: Option<f64>,
}

/// Check the design columns of one row: the rejected values (column index, reason), or the
/// row's design values.
fn check_row<'a>(
    roles: &Roles,
    kind: FpcKind,
    cell: impl Fn(usize) -> Raw<'a>,
) -> std::result::Result<RowDesign, Vec<(usize, String)>> {
    let mut bad = Vec::new();
    let w = cell(roles.weight);
    let weight = if w.missing() {
        bad.push((roles.weight, "the weight is missing".to_string()));
        0.0
    } else {
        match w.number() {
            Ok(x) if x > 0.0 && x.is_finite() => x,
            Ok(x) => {
                bad.push((
                    roles.weight,
                    format!("the weight must be positive (got {x})"),
                ));
                0.0
            }
            Err(e) => {
                bad.push((roles.weight, format!("the weight is not a number: {e}")));
                0.0
            }
        }
    };
    let mut present = |col: Option<usize>, what: &str| -> Option<String> {
        let c = col?;
        let v = cell(c);
        if v.missing() {
            bad.push((c, format!("the {what} is missing")));
            None
        } else {
            Some(v.text())
        }
    };
    let stratum = present(roles.strata, "stratum").unwrap_or_default();
    let psu = present(roles.psu, "primary sampling unit");
    present(roles.ssu, "second stage unit");
    // A respondent without an id could not be told apart from a re-sent one.
    present(roles.respondent, "respondent id");
    let mut fpc_of = |col: Option<usize>| -> Option<f64> {
        let c = col?;
        let v = cell(c);
        let reason = match v.number() {
            Ok(x) if x > 0.0 && (kind == FpcKind::Population || x <= 1.0) => return Some(x),
            Ok(x) => match kind {
                FpcKind::Population => {
                    format!("the fpc must be a positive population count (got {x})")
                }
                FpcKind::Fraction => {
                    format!("the fpc must be a sampling fraction in (0, 1] (got {x})")
                }
            },
            Err(_) if v.missing() => "the fpc is missing".to_string(),
            Err(e) => format!("the fpc is not a number: {e}"),
        };
        bad.push((c, reason));
        None
    };
    let fpc = fpc_of(roles.fpc);
    fpc_of(roles.fpc2);
    if bad.is_empty() {
        Ok(RowDesign {
            weight,
            stratum,
            psu: if roles.psu.is_some() { psu } else { None },
            fpc,
        })
    } else {
        Err(bad)
    }
}

/// What the accepted rows say about the design, for the findings.
#[derive(Default)]
struct Structure {
    strata: BTreeMap<String, Stratum>,
    /// PSU → the first stratum it was seen in.
    psu_home: HashMap<String, String>,
    psu_shared: Option<(String, String, String)>,
    rows: u64,
    weights: f64,
}

#[derive(Default)]
struct Stratum {
    psus: HashSet<String>,
    rows: u64,
    fpc: Option<f64>,
    fpc_varies: Option<(f64, f64)>,
}

impl Structure {
    fn add(&mut self, row: &RowDesign) {
        self.rows += 1;
        self.weights += row.weight;
        let s = self.strata.entry(row.stratum.clone()).or_default();
        s.rows += 1;
        if let Some(p) = &row.psu {
            if !s.psus.contains(p) {
                s.psus.insert(p.clone());
                match self.psu_home.get(p) {
                    Some(home) if *home != row.stratum => {
                        if self.psu_shared.is_none() {
                            self.psu_shared = Some((p.clone(), home.clone(), row.stratum.clone()));
                        }
                    }
                    Some(_) => {}
                    None => {
                        self.psu_home.insert(p.clone(), row.stratum.clone());
                    }
                }
            }
        }
        if let Some(f) = row.fpc {
            match s.fpc {
                None => s.fpc = Some(f),
                Some(first) if first != f && s.fpc_varies.is_none() => {
                    s.fpc_varies = Some((first, f))
                }
                Some(_) => {}
            }
        }
    }

    fn findings(&self, out: &mut Emitter, design: &Design, roles: &Roles) {
        let psus: usize = self.strata.values().map(|s| s.psus.len()).sum();
        let stratum_label = |k: &str| {
            if roles.strata.is_some() {
                format!("stratum {k}")
            } else {
                "the sample (one stratum)".to_string()
            }
        };
        out.finding(
            "survey.design",
            Severity::Info,
            None,
            format!(
                "{}: {} respondents, {} strata, {} PSUs, sum of weights {}",
                design.survey_id,
                self.rows,
                if roles.strata.is_some() {
                    self.strata.len()
                } else {
                    1
                },
                if roles.psu.is_some() {
                    psus.to_string()
                } else {
                    "no PSU column (each respondent is a unit)".into()
                },
                crate::format::round(self.weights, 1)
                    .map_or_else(|| self.weights.to_string(), |w| w.to_string())
            ),
        );
        for (k, s) in &self.strata {
            if let Some((a, b)) = s.fpc_varies {
                out.finding(
                    "survey.fpc_constant",
                    Severity::Error,
                    Some(stratum_label(k)),
                    format!("the fpc varies within the stratum ({a} and {b}); it must be one value per stratum"),
                );
            }
            let sampled = if roles.psu.is_some() {
                s.psus.len() as u64
            } else {
                s.rows
            };
            if let (Some(f), FpcKind::Population) = (s.fpc, design.kind()) {
                if f < sampled as f64 {
                    out.finding(
                        "survey.fpc_covers_sample",
                        Severity::Error,
                        Some(stratum_label(k)),
                        format!("the fpc ({f}) is smaller than the {sampled} units sampled in the stratum"),
                    );
                }
            }
            if roles.psu.is_some() && s.psus.len() == 1 {
                out.finding(
                    "survey.lonely_psu",
                    Severity::Warning,
                    Some(stratum_label(k)),
                    "a single PSU in the stratum: its variance cannot be estimated".to_string(),
                );
            }
        }
        if let Some((p, a, b)) = &self.psu_shared {
            out.finding(
                "survey.psu_nested",
                Severity::Info,
                None,
                format!("PSU id {p} appears in strata {a} and {b}: PSU ids repeat across strata, so estimators must treat PSUs as nested within strata"),
            );
        }
    }
}

/// Read one survey file (CSV or Parquet) and its design description.
pub fn read(file: &RawFile, _ctx: &FeedContext, sink: &mut dyn Sink) -> Result<FeedReport> {
    let feed = Feed::HcpSurvey.name();
    let ext = file.extension();
    if !matches!(ext.as_str(), "csv" | "txt" | "tsv" | "parquet") {
        return Err(PipelineError::layout(
            &file.name,
            feed,
            format!("`.{ext}` files are not accepted: survey microdata arrive as CSV or Parquet"),
        ));
    }
    let dpath = design_path(&file.path);
    let design = read_design(&file.name, &dpath)?;
    if ext == "parquet" {
        // The Parquet library may panic on a damaged file: a refusal that prints nothing.
        crate::formats::quiet::catch_quietly(|| read_parquet(file, &design, &dpath, sink))
            .unwrap_or_else(|panic| {
                tracing::debug!(file = %file.name, %panic, "the Parquet library panicked");
                Err(PipelineError::parse(
                    &file.name,
                    "the Parquet file",
                    "damaged Parquet file (the Parquet library gave up on it)",
                ))
            })
    } else {
        read_csv(file, &design, &dpath, sink)
    }
}

/// The first non-blank row (the header) and the rows after it.
fn header_and_rows(file: &RawFile) -> Result<(Record, Rows)> {
    let mut rows = csv::rows(file)?;
    loop {
        match rows.next() {
            Some(r) => {
                let r = r?;
                if !r.is_blank() {
                    return Ok((r, rows));
                }
            }
            None => {
                return Err(PipelineError::Empty {
                    file: file.name.clone(),
                    detail: None,
                })
            }
        }
    }
}

fn read_csv(
    file: &RawFile,
    design: &Design,
    dpath: &Path,
    sink: &mut dyn Sink,
) -> Result<FeedReport> {
    // Pass 1: check the design columns, infer types from the rows that pass.
    let (header, rows) = header_and_rows(file)?;
    let names = column_names(&header.cells);
    let roles = resolve_roles(design, dpath, &file.name, &header.cells, &names)?;
    let kind = design.kind();
    let width = header.cells.len();
    let shape = RowCheck::new(file, &header.cells);
    let mut infer = vec![Infer::default(); width];
    let mut structure = Structure::default();
    let mut respondents = 0u64;
    for record in rows {
        let record = record?;
        if record.is_blank() {
            continue;
        }
        respondents += 1;
        // A row whose cells are not where the header says tells nothing about the types.
        if !shape.check(&record, &record.position).is_empty() {
            continue;
        }
        if let Ok(row) = check_row(&roles, kind, |i| Raw::Text(record.cell(i))) {
            for (i, inf) in infer.iter_mut().enumerate() {
                inf.observe(record.cell(i));
            }
            structure.add(&row);
        }
    }
    if respondents == 0 {
        return Err(PipelineError::Empty {
            file: file.name.clone(),
            detail: Some("a header and no respondent".into()),
        });
    }
    let mut types: Vec<DataType> = infer.iter().map(|i| i.data_type()).collect();
    types[roles.weight] = DataType::Float64;
    for c in [roles.fpc, roles.fpc2].into_iter().flatten() {
        if types[c] == DataType::Utf8 {
            types[c] = DataType::Float64;
        }
    }
    let table = survey_table(design, &roles, &names, &types);

    // Pass 2: stage.
    let mut out = Emitter::new(Feed::HcpSurvey.name(), file, sink)?;
    emit_design(&mut out, design, &roles, &names, &types, &header.position)?;
    let (_, rows) = header_and_rows(file)?;
    for record in rows {
        let record = record?;
        if record.is_blank() {
            continue;
        }
        let at = &record.position;
        let misshapen = shape.check(&record, at);
        if !misshapen.is_empty() {
            out.reject(misshapen)?;
            continue;
        }
        match check_row(&roles, kind, |i| Raw::Text(record.cell(i))) {
            Err(bad) => out.reject(quarantine(at, &names, bad, |i| record.cell(i).to_string()))?,
            Ok(_) => {
                let mut values = Vec::with_capacity(width);
                let mut bad: Vec<QuarantineRow> = Vec::new();
                for (i, t) in types.iter().enumerate() {
                    let v = record.cell(i);
                    let value = if is_missing(v) {
                        Value::Null
                    } else {
                        match t {
                            DataType::Int64 => parse_int(v).map(Value::Int),
                            DataType::Float64 => parse_number(v).ok().map(Value::Float),
                            _ => Some(Value::Str(v.to_string())),
                        }
                        .unwrap_or_else(|| {
                            // Cannot happen: types were inferred from these very values.
                            bad.push(rejected(
                                at,
                                &names[i],
                                Some(v),
                                format!("does not read as {t}"),
                            ));
                            Value::Null
                        })
                    };
                    values.push(value);
                }
                // Cells beyond the header's width have no column: they are not kept.
                if bad.is_empty() {
                    out.row(&table, at, values)?;
                } else {
                    out.reject(bad)?;
                }
            }
        }
    }
    structure.findings(&mut out, design, &roles);
    out.finish()
}

fn quarantine(
    at: &Position,
    names: &[String],
    bad: Vec<(usize, String)>,
    value: impl Fn(usize) -> String,
) -> Vec<QuarantineRow> {
    bad.into_iter()
        .map(|(i, reason)| rejected(at, &names[i], Some(&value(i)), reason))
        .collect()
}

/// The survey's microdata table; keyed by the respondent id when the design names one (the
/// survey id is the table's own name).
fn survey_table(design: &Design, roles: &Roles, names: &[String], types: &[DataType]) -> TableSpec {
    let spec = TableSpec::new(
        &design.table_name(),
        names
            .iter()
            .zip(types)
            .map(|(n, t)| Field::new(n, t.clone(), true))
            .collect(),
    );
    match roles.respondent {
        Some(i) => spec.with_key(&[names[i].as_str()]),
        None => spec,
    }
}

fn emit_design(
    out: &mut Emitter,
    design: &Design,
    roles: &Roles,
    names: &[String],
    types: &[DataType],
    at: &Position,
) -> Result<()> {
    let name = |c: Option<usize>| {
        c.map(|i| Value::Str(names[i].clone()))
            .unwrap_or(Value::Null)
    };
    let variables = names
        .iter()
        .zip(types)
        .map(|(n, t)| {
            format!(
                "{}:{}",
                serde_json::Value::String(n.clone()),
                serde_json::Value::String(t.to_string())
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    let has_fpc = roles.fpc.is_some() || roles.fpc2.is_some();
    let spec = tables().remove(0);
    out.row(
        &spec,
        at,
        vec![
            Value::Str(design.survey_id.clone()),
            Value::Str(design.table_name()),
            design.title.clone().into(),
            Value::Str(names[roles.weight].clone()),
            name(roles.strata),
            name(roles.psu),
            name(roles.ssu),
            name(roles.fpc),
            name(roles.fpc2),
            if has_fpc {
                Value::Str(design.kind().name().to_string())
            } else {
                Value::Null
            },
            Value::Str(format!("{{{variables}}}")),
        ],
    )
}

/// The staging type of a Parquet column (`None`: not supported).
fn staging_type(t: &DataType) -> Option<DataType> {
    use DataType::*;
    Some(match t {
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 => Int64,
        Float16 | Float32 | Float64 | Decimal32(..) | Decimal64(..) | Decimal128(..)
        | Decimal256(..) => Float64,
        Boolean => Boolean,
        Utf8 | LargeUtf8 | Utf8View => Utf8,
        Dictionary(_, v) if matches!(**v, Utf8 | LargeUtf8 | Utf8View) => Utf8,
        Date32 | Date64 => Date32,
        Timestamp(_, tz) => Timestamp(TimeUnit::Microsecond, tz.clone()),
        Null => Utf8,
        _ => return None,
    })
}

fn value_at(array: &ArrayRef, i: usize) -> Value {
    if array.is_null(i) {
        return Value::Null;
    }
    match array.data_type() {
        DataType::Int64 => Value::Int(array.as_primitive::<Int64Type>().value(i)),
        DataType::Float64 => Value::Float(array.as_primitive::<Float64Type>().value(i)),
        DataType::Boolean => Value::Bool(array.as_boolean().value(i)),
        DataType::Utf8 => Value::Str(array.as_string::<i32>().value(i).to_string()),
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(i);
            NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|e| e.checked_add_signed(chrono::Duration::days(i64::from(days))))
                .map(Value::Date)
                .unwrap_or(Value::Null)
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            Value::Timestamp(array.as_primitive::<TimestampMicrosecondType>().value(i))
        }
        _ => Value::Null,
    }
}

fn read_parquet(
    file: &RawFile,
    design: &Design,
    dpath: &Path,
    sink: &mut dyn Sink,
) -> Result<FeedReport> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let io = |cause| PipelineError::Io {
        file: file.name.clone(),
        cause,
    };
    let handle = std::fs::File::open(&file.path).map_err(io)?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(handle)
        .map_err(|e| PipelineError::parse(&file.name, "the Parquet footer", e))?;
    let source = builder.schema().clone();
    let headers: Vec<String> = source.fields().iter().map(|f| f.name().clone()).collect();
    let names = column_names(&headers);
    let roles = resolve_roles(design, dpath, &file.name, &headers, &names)?;
    let kind = design.kind();
    // Read types: the staging types, except that string design numbers stay strings until
    // checked row by row.
    let mut read_types = Vec::with_capacity(headers.len());
    for f in source.fields() {
        let t = staging_type(f.data_type()).ok_or_else(|| {
            PipelineError::layout(
                &file.name,
                Feed::HcpSurvey.name(),
                format!("column `{}` has the Parquet type {}, which survey staging does not take (numbers, strings, booleans, dates, timestamps)", f.name(), f.data_type()),
            )
        })?;
        read_types.push(t);
    }
    let mut types = read_types.clone();
    types[roles.weight] = DataType::Float64;
    for c in [roles.fpc, roles.fpc2].into_iter().flatten() {
        if types[c] == DataType::Utf8 {
            types[c] = DataType::Float64;
        }
    }
    let table = survey_table(design, &roles, &names, &types);
    let reader = builder
        .with_batch_size(8_192)
        .build()
        .map_err(|e| PipelineError::parse(&file.name, "the Parquet row groups", e))?;

    let mut out = Emitter::new(Feed::HcpSurvey.name(), file, sink)?;
    emit_design(&mut out, design, &roles, &names, &types, &Position::Line(1))?;
    let mut structure = Structure::default();
    let options = CastOptions {
        safe: false,
        ..Default::default()
    };
    let mut row_number = 0u64;
    for batch in reader {
        let batch = batch
            .map_err(|e| PipelineError::parse(&file.name, format!("row {}", row_number + 1), e))?;
        let columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .zip(&read_types)
            .map(|(a, t)| {
                cast_with_options(a, t, &options).map_err(|e| {
                    PipelineError::parse(&file.name, format!("rows from {}", row_number + 1), e)
                })
            })
            .collect::<Result<_>>()?;
        for r in 0..batch.num_rows() {
            row_number += 1;
            let at = Position::Line(row_number);
            let mut values: Vec<Value> = columns.iter().map(|a| value_at(a, r)).collect();
            match check_row(&roles, kind, |i| Raw::Val(&values[i])) {
                Err(bad) => {
                    let shown: Vec<String> = values.iter().map(display).collect();
                    out.reject(quarantine(&at, &names, bad, |i| shown[i].clone()))?
                }
                Ok(row) => {
                    structure.add(&row);
                    // Design numbers that arrived as strings are staged as numbers.
                    for c in [Some(roles.weight), roles.fpc, roles.fpc2]
                        .into_iter()
                        .flatten()
                    {
                        if types[c] == DataType::Float64 {
                            let v = std::mem::replace(&mut values[c], Value::Null);
                            values[c] = match Raw::Val(&v).number() {
                                Ok(x) => Value::Float(x),
                                Err(_) => Value::Null,
                            };
                        }
                    }
                    out.row(&table, &at, values)?;
                }
            }
        }
    }
    if row_number == 0 {
        return Err(PipelineError::Empty {
            file: file.name.clone(),
            detail: Some("no respondent".into()),
        });
    }
    structure.findings(&mut out, design, &roles);
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::MemorySink;
    use arrow::array::{Float32Array, Int32Array, RecordBatch, StringArray};
    use arrow::datatypes::Schema;
    use std::io::Write;
    use std::sync::Arc;

    const SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data-samples/hcp/enquete-violence-2025.csv"
    );

    fn ingest(path: &Path) -> Result<(FeedReport, MemorySink)> {
        let raw = RawFile::open(path)?;
        let mut sink = MemorySink::default();
        let report = read(&raw, &FeedContext::default(), &mut sink)?;
        Ok((report, sink))
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        path
    }

    fn type_of(sink: &MemorySink, table: &str, col: &str) -> DataType {
        let (spec, _) = &sink.tables[table];
        spec.schema
            .field_with_name(col)
            .unwrap()
            .data_type()
            .clone()
    }

    #[test]
    fn hcp_survey_sample_design_and_types() {
        let (report, sink) = ingest(Path::new(SAMPLE)).unwrap();
        assert_eq!(report.rows_quarantined, 0, "{report}");
        let respondents = sink.row_count("survey_evs2025");
        assert!((5_000..7_000).contains(&respondents), "{respondents}");
        assert_eq!(report.rows_staged, respondents as u64 + 1);
        assert_eq!(type_of(&sink, "survey_evs2025", "poids"), DataType::Float64);
        assert_eq!(type_of(&sink, "survey_evs2025", "sexe"), DataType::Int64);
        assert_eq!(type_of(&sink, "survey_evs2025", "age"), DataType::Int64);
        assert_eq!(type_of(&sink, "survey_evs2025", "region"), DataType::Utf8);
        assert_eq!(type_of(&sink, "survey_evs2025", "milieu"), DataType::Utf8);
        assert_eq!(type_of(&sink, "survey_evs2025", "fpc"), DataType::Int64);
        let d = sink.batch(DESIGNS_TABLE).unwrap();
        assert_eq!(d.num_rows(), 1);
        let s = |c: &str| {
            d.column_by_name(c)
                .unwrap()
                .as_string::<i32>()
                .value(0)
                .to_string()
        };
        assert_eq!(s("survey_id"), "evs2025");
        assert_eq!(s("table_name"), "survey_evs2025");
        assert_eq!(
            (
                s("weight_col"),
                s("strata_col"),
                s("psu_col"),
                s("fpc_col"),
                s("fpc_kind")
            ),
            (
                "poids".into(),
                "strate".into(),
                "grappe".into(),
                "fpc".into(),
                "population".into()
            )
        );
        let vars: serde_json::Value = serde_json::from_str(&s("variables")).unwrap();
        assert_eq!(vars["poids"], "Float64");
        assert_eq!(vars["region"], "Utf8");
        assert_eq!(vars.as_object().unwrap().len(), 10);
        // Weighted total ≈ the 18-29 population of the synthetic frame.
        let b = sink.batch("survey_evs2025").unwrap();
        let w: f64 = b
            .column_by_name("poids")
            .unwrap()
            .as_primitive::<Float64Type>()
            .iter()
            .flatten()
            .sum();
        let youth = crate::synthetic::hcp_survey::population_18_29() as f64;
        assert!((w / youth - 1.0).abs() < 0.05, "{w} vs {youth}");
        // 24 strata, 10 PSUs each, nothing wrong with the design.
        assert!(report.worst() <= Some(Severity::Info), "{report}");
        let info = report
            .findings
            .iter()
            .find(|f| f.rule == "survey.design")
            .unwrap();
        assert!(
            info.message.contains("24 strata") && info.message.contains("240 PSUs"),
            "{}",
            info.message
        );
    }

    #[test]
    fn hcp_survey_bad_weights_quarantined_and_names_normalised() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "mini.design.toml",
            "survey_id = \"mini\"\nweight = \"Poids final\"\nstrata = \"strate\"\npsu = \"grappe\"\nfpc = \"fpc\"\n",
        );
        let data = write(
            dir.path(),
            "mini.csv",
            "Strate;Grappe;Poids final;Âge (ans);Commune;fpc;Code\n\
             1;11;10,5;21;Fès;50;01\n\
             1;12;0;22;Fès;50;02\n\
             1;13;abc;NA;Fès;50;03\n\
             2;21;12;23;;40;04\n\
             2;22;12,25;;Rabat;40;05\n\
             2;;12;24;Rabat;40;06\n",
        );
        let (report, sink) = ingest(&data).unwrap();
        assert_eq!(sink.row_count("survey_mini"), 3, "{report}");
        assert_eq!(report.rows_quarantined, 3);
        let q = &report.quarantine_sample;
        assert!(q.iter().any(|r| r.position == "line 3"
            && r.column == "poids_final"
            && r.reason.contains("positive")));
        assert!(q.iter().any(|r| r.position == "line 4"
            && r.column == "poids_final"
            && r.value.as_deref() == Some("abc")));
        assert!(q
            .iter()
            .any(|r| r.position == "line 7" && r.column == "grappe"));
        assert_eq!(type_of(&sink, "survey_mini", "age_ans"), DataType::Int64);
        assert_eq!(
            type_of(&sink, "survey_mini", "poids_final"),
            DataType::Float64
        );
        assert_eq!(type_of(&sink, "survey_mini", "commune"), DataType::Utf8);
        assert_eq!(type_of(&sink, "survey_mini", "code"), DataType::Utf8);
        let b = sink.batch("survey_mini").unwrap();
        let age = b
            .column_by_name("age_ans")
            .unwrap()
            .as_primitive::<Int64Type>();
        assert!(age.is_null(2));
        let commune = b.column_by_name("commune").unwrap().as_string::<i32>();
        assert!(commune.is_null(1));
        let w = b
            .column_by_name("poids_final")
            .unwrap()
            .as_primitive::<Float64Type>();
        assert_eq!(w.value(0), 10.5);
        assert_eq!(w.value(2), 12.25);
        // Stratum 1 kept one PSU: a lonely PSU.
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.rule == "survey.lonely_psu"),
            "{report}"
        );
    }

    #[test]
    fn hcp_survey_missing_design_refused_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let data = write(dir.path(), "orphan.csv", "poids\n1\n");
        let err = ingest(&data).unwrap_err().to_string();
        let expected = dir.path().join("orphan.design.toml");
        assert!(err.contains(&expected.display().to_string()), "{err}");
        // A design naming a column the file lacks.
        write(
            dir.path(),
            "orphan.design.toml",
            "survey_id = \"o\"\nweight = \"pw\"\n",
        );
        let err = ingest(&data).unwrap_err().to_string();
        assert!(
            err.contains("`pw`") && err.contains("orphan.design.toml"),
            "{err}"
        );
        // An id that cannot name a table; an unknown key.
        write(
            dir.path(),
            "orphan.design.toml",
            "survey_id = \"Enquête 1\"\nweight = \"poids\"\n",
        );
        assert!(ingest(&data).unwrap_err().to_string().contains("survey_id"));
        write(
            dir.path(),
            "orphan.design.toml",
            "survey_id = \"o\"\nwieght = \"poids\"\n",
        );
        assert!(ingest(&data).unwrap_err().to_string().contains("wieght"));
    }

    #[test]
    fn hcp_survey_fpc_inconsistencies_are_findings() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "f.design.toml",
            "survey_id = \"f\"\nweight = \"w\"\nstrata = \"h\"\npsu = \"p\"\nfpc = \"n\"\n",
        );
        let data = write(
            dir.path(),
            "f.csv",
            "h,p,w,n\n1,1,2,5\n1,2,2,6\n2,1,3,1\n2,2,3,1\n",
        );
        let (report, _) = ingest(&data).unwrap();
        let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
        assert!(rules.contains(&"survey.fpc_constant"), "{report}");
        assert!(rules.contains(&"survey.fpc_covers_sample"), "{report}");
        assert!(rules.contains(&"survey.psu_nested"), "{report}");
    }

    #[test]
    fn hcp_survey_parquet_keeps_types() {
        let dir = tempfile::tempdir().unwrap();
        let schema = Arc::new(Schema::new(vec![
            Field::new("strate", DataType::Int32, false),
            Field::new("grappe", DataType::Utf8, false),
            Field::new("poids", DataType::Float32, true),
            Field::new("sexe", DataType::Int32, true),
            Field::new("Région", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int32Array::from(vec![1, 1, 2])),
                Arc::new(StringArray::from(vec!["a", "b", "c"])),
                Arc::new(Float32Array::from(vec![Some(1.5), None, Some(2.0)])),
                Arc::new(Int32Array::from(vec![Some(1), Some(2), None])),
                Arc::new(StringArray::from(vec![Some("MA-01"), Some("MA-02"), None])),
            ],
        )
        .unwrap();
        let path = dir.path().join("p.parquet");
        let mut w = parquet::arrow::ArrowWriter::try_new(
            std::fs::File::create(&path).unwrap(),
            schema,
            None,
        )
        .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        write(
            dir.path(),
            "p.design.toml",
            "survey_id = \"pq\"\nweight = \"poids\"\nstrata = \"strate\"\npsu = \"grappe\"\n",
        );
        let (report, sink) = ingest(&path).unwrap();
        assert_eq!(sink.row_count("survey_pq"), 2, "{report}");
        assert_eq!(report.rows_quarantined, 1);
        assert_eq!(report.quarantine_sample[0].position, "line 2");
        assert_eq!(type_of(&sink, "survey_pq", "strate"), DataType::Int64);
        assert_eq!(type_of(&sink, "survey_pq", "sexe"), DataType::Int64);
        assert_eq!(type_of(&sink, "survey_pq", "poids"), DataType::Float64);
        assert_eq!(type_of(&sink, "survey_pq", "region"), DataType::Utf8);
        let b = sink.batch("survey_pq").unwrap();
        let sexe = b
            .column_by_name("sexe")
            .unwrap()
            .as_primitive::<Int64Type>();
        assert_eq!(sexe.value(0), 1);
        assert!(sexe.is_null(1));
    }

    #[test]
    fn hcp_survey_column_names() {
        let names = column_names(&[
            "Âge (années)".into(),
            "".into(),
            "2e vague".into(),
            "age annees".into(),
            "_source_sha256".into(),
            "الجهة".into(),
        ]);
        assert_eq!(
            names,
            [
                "age_annees",
                "column_2",
                "v2e_vague",
                "age_annees_2",
                "source_sha256",
                "الجهه"
            ]
        );
    }
}
