//! The catalogue: one TOML file per indicator (`indicators/catalog/<ID>.toml`) and its SQL
//! (`sql/indicators/<ID>.sql`). The files built into the binary are the default; a steward's
//! catalogue directory can be loaded instead (`--catalog DIR`, SQL next to each TOML or in
//! `DIR/../../sql/indicators/`).
//!
//! The **definition hash** fingerprints what makes an indicator's numbers and their meaning:
//! id, version, definition, numerator, denominator, unit, multiplier, decimals, dimensions,
//! disclosure and reliability rules, sources, periodicity and the SQL text. Names, notes, status and approval
//! records are left out (they may be edited without changing a figure).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{IndicatorError, Result};

include!(concat!(env!("OUT_DIR"), "/catalog.rs"));

/// Text in the three languages of Marsad.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub fr: String,
    pub ar: String,
    pub en: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Approved,
    Retired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Approved => "approved",
            Status::Retired => "retired",
        }
    }
}

/// Unit of an indicator's value.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    Percent,
    #[serde(rename = "per_1000")]
    Per1000,
    #[serde(rename = "per_10000")]
    Per10000,
    #[serde(rename = "per_100000")]
    Per100000,
}

impl Unit {
    /// The code used in observations and exports (SDMX UNIT_MEASURE).
    pub fn code(self) -> &'static str {
        match self {
            Unit::Count => "NUMBER",
            Unit::Percent => "PT",
            Unit::Per1000 => "PER_1000",
            Unit::Per10000 => "PER_10000",
            Unit::Per100000 => "PER_100000",
        }
    }

    /// What the ratio numerator / denominator is multiplied by (1 for counts).
    pub fn multiplier(self) -> f64 {
        match self {
            Unit::Count => 1.0,
            Unit::Percent => 100.0,
            Unit::Per1000 => 1_000.0,
            Unit::Per10000 => 10_000.0,
            Unit::Per100000 => 100_000.0,
        }
    }
}

/// The dimensions an observation can be broken down by. `period` is always present; the
/// others take `_T` for a total, `_U` for unknown and `_Z` where they do not apply.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Period,
    RefArea,
    Sex,
    AgeBand,
    Source,
    Variable,
}

impl Dimension {
    /// Every dimension but `period`, in the order of observation and export columns.
    pub const BREAKDOWNS: [Dimension; 5] = [
        Dimension::RefArea,
        Dimension::Sex,
        Dimension::AgeBand,
        Dimension::Source,
        Dimension::Variable,
    ];

    /// Position in [`Dimension::BREAKDOWNS`] (and in an observation's `breakdown`); `None` for
    /// `period`.
    pub fn breakdown_index(self) -> Option<usize> {
        Dimension::BREAKDOWNS.iter().position(|b| *b == self)
    }

    /// Column name in indicator SQL and in the observations table.
    pub fn column(self) -> &'static str {
        match self {
            Dimension::Period => "period",
            Dimension::RefArea => "ref_area",
            Dimension::Sex => "sex",
            Dimension::AgeBand => "age_band",
            Dimension::Source => "source",
            Dimension::Variable => "variable",
        }
    }

    /// SDMX concept id (SDMX-CSV column).
    pub fn sdmx(self) -> &'static str {
        match self {
            Dimension::Period => "TIME_PERIOD",
            Dimension::RefArea => "REF_AREA",
            Dimension::Sex => "SEX",
            Dimension::AgeBand => "AGE",
            Dimension::Source => "SOURCE_DETAIL",
            Dimension::Variable => "VARIABLE",
        }
    }

    /// The code of the total (all categories): `MA` (the nation) for `ref_area`, `_T` otherwise.
    pub fn total(self) -> &'static str {
        match self {
            Dimension::RefArea => "MA",
            _ => "_T",
        }
    }

    /// Value of the dimension in observations of an indicator that does not break down by it.
    pub fn not_applicable(self) -> &'static str {
        match self {
            Dimension::RefArea => "MA",
            _ => "_Z",
        }
    }
}

/// Sector and capacity of the WeProtect Model National Response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Mnr {
    pub sector: u8,
    pub capacity: u8,
}

/// Primary suppression rule for public outputs: in disaggregated cells, counts from 1 to
/// `threshold - 1` are suppressed (0 turns suppression off; a reason must then be given).
///
/// Indicators computed from the same counts are **linked tables**: `linked` names the base
/// table they share (e.g. `emc_reports_by_age`: a year's EMC reports by victim age band),
/// `atoms` lists its categories, and `value` (a count) or `numerator` and `denominator` (a
/// ratio) say which atoms each published figure adds up ([`Cover`]). Suppression then holds
/// across every indicator of the same `linked` name (see `disclosure.rs`). The optional fields
/// are left out of the serialised form when absent, so unlinked definitions hash as before.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    pub threshold: u32,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub atoms: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Cover>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator: Option<Cover>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<Cover>,
}

/// Which atoms of the linked base table a published figure adds up: `"all"` (the base
/// table's total), the name of a breakdown dimension (each cell's own category on it, its
/// total cell every atom), or a list of atoms.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Cover {
    Named(String),
    Atoms(Vec<String>),
}

impl Disclosure {
    /// Every problem of a linked declaration for an indicator of `unit` and `dimensions`.
    fn linked_problem(&self, unit: Unit, dimensions: &[Dimension]) -> Option<String> {
        let covers = [
            ("value", &self.value),
            ("numerator", &self.numerator),
            ("denominator", &self.denominator),
        ];
        let Some(name) = &self.linked else {
            return (!self.atoms.is_empty() || covers.iter().any(|(_, c)| c.is_some())).then(
                || "`atoms`, `value`, `numerator` and `denominator` need `linked`".to_string(),
            );
        };
        if name.is_empty() {
            return Some("`linked` names the base table; it is empty".into());
        }
        let unique: BTreeSet<_> = self.atoms.iter().collect();
        if self.atoms.is_empty() || unique.len() != self.atoms.len() {
            return Some(format!(
                "linked table `{name}`: `atoms` lists its categories, each once"
            ));
        }
        let needed: &[&str] = if unit == Unit::Count {
            &["value"]
        } else {
            &["numerator", "denominator"]
        };
        for (field, cover) in covers {
            match (needed.contains(&field), cover) {
                (true, None) => {
                    return Some(format!("linked table `{name}`: `{field}` is missing"))
                }
                (false, Some(_)) => {
                    return Some(format!(
                        "linked table `{name}`: `{field}` does not apply to a {}",
                        if unit == Unit::Count {
                            "count"
                        } else {
                            "ratio"
                        }
                    ))
                }
                (_, Some(Cover::Named(n))) if n != "all" => {
                    let known = dimensions
                        .iter()
                        .any(|d| d.column() == n && *d != Dimension::Period);
                    if !known {
                        return Some(format!(
                            "linked table `{name}`: `{field} = \"{n}\"` is neither \"all\" nor one of the indicator's breakdowns"
                        ));
                    }
                }
                (_, Some(Cover::Atoms(list))) => {
                    if let Some(a) = list.iter().find(|a| !self.atoms.contains(a)) {
                        return Some(format!(
                            "linked table `{name}`: `{field}` names `{a}`, not one of `atoms` {:?}",
                            self.atoms
                        ));
                    }
                }
                _ => {}
            }
        }
        None
    }
}

/// Reliability rules for estimates from samples (applied when the SQL returns `cv` and/or
/// `respondents`): CV above `cv_unreliable` percent → OBS_STATUS `U`; above `cv_suppress` or
/// fewer than `min_respondents` → suppressed (OBS_STATUS `Q`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Reliability {
    #[serde(default = "Reliability::default_unreliable")]
    pub cv_unreliable: f64,
    #[serde(default = "Reliability::default_suppress")]
    pub cv_suppress: f64,
    #[serde(default = "Reliability::default_min")]
    pub min_respondents: u64,
}

impl Reliability {
    fn default_unreliable() -> f64 {
        16.6
    }
    fn default_suppress() -> f64 {
        33.3
    }
    fn default_min() -> u64 {
        30
    }
}

impl Default for Reliability {
    fn default() -> Self {
        Reliability {
            cv_unreliable: Self::default_unreliable(),
            cv_suppress: Self::default_suppress(),
            min_respondents: Self::default_min(),
        }
    }
}

/// One approval decision, kept in the indicator's file (`[[approval]]`), newest last.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub version: u32,
    pub by: String,
    pub reference: String,
    pub at: String,
    pub definition_hash: String,
}

/// An indicator as its catalogue file declares it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub id: String,
    pub version: u32,
    pub status: Status,
    pub name: Text,
    pub definition: Text,
    #[serde(default)]
    pub notes: Option<Text>,
    pub unit: Unit,
    /// SDMX UNIT_MULT: the value is in units of 10^unit_mult.
    #[serde(default)]
    pub unit_mult: i32,
    pub decimals: u32,
    #[serde(default)]
    pub numerator: Option<Text>,
    #[serde(default)]
    pub denominator: Option<Text>,
    pub dimensions: Vec<Dimension>,
    pub mnr: Mnr,
    #[serde(default)]
    pub sdg: Option<String>,
    pub sources: Vec<String>,
    pub periodicity: String,
    pub disclosure: Disclosure,
    #[serde(default)]
    pub reliability: Option<Reliability>,
    /// Tables that exist only once a given file is ingested (a survey's microdata table):
    /// without them the indicator has no observations on that snapshot.
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub approval: Vec<Approval>,
}

/// An indicator: its definition, its SQL and where they came from.
#[derive(Debug, Clone)]
pub struct Indicator {
    pub def: Definition,
    pub sql: String,
    /// The catalogue file (a path, or `embedded:<ID>.toml`).
    pub file: String,
    /// The file on disk, when loaded from a directory (approval edits it).
    pub path: Option<PathBuf>,
}

impl Indicator {
    pub fn id(&self) -> &str {
        &self.def.id
    }

    /// The breakdown dimensions (all declared dimensions but `period`).
    pub fn breakdowns(&self) -> Vec<Dimension> {
        Dimension::BREAKDOWNS
            .into_iter()
            .filter(|d| self.def.dimensions.contains(d))
            .collect()
    }

    /// The definition hash (see the module documentation), hex SHA-256.
    pub fn definition_hash(&self) -> String {
        let d = &self.def;
        let mut fingerprint = serde_json::json!({
            "id": d.id,
            "version": d.version,
            "definition": d.definition,
            "numerator": d.numerator,
            "denominator": d.denominator,
            "unit": d.unit,
            "unit_mult": d.unit_mult,
            "decimals": d.decimals,
            "dimensions": d.dimensions,
            "disclosure": d.disclosure,
            "sources": d.sources,
            "periodicity": d.periodicity,
            "sql": self.sql.replace("\r\n", "\n"),
        });
        // Only when declared, so that adding the field left earlier hashes as they were.
        if let Some(r) = &d.reliability {
            fingerprint["reliability"] = serde_json::json!(r);
        }
        if !d.requires.is_empty() {
            fingerprint["requires"] = serde_json::json!(d.requires);
        }
        hex::encode(Sha256::digest(fingerprint.to_string().as_bytes()))
    }

    /// The approval of the current version, if any.
    pub fn current_approval(&self) -> Option<&Approval> {
        self.def
            .approval
            .iter()
            .rev()
            .find(|a| a.version == self.def.version)
    }
}

/// Every indicator, sorted by id.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub indicators: Vec<Indicator>,
}

impl Catalog {
    /// The catalogue built into the binary.
    pub fn embedded() -> Result<Catalog> {
        let mut indicators = Vec::new();
        for (id, toml_text, sql) in EMBEDDED {
            let file = format!("indicators/catalog/{id}.toml");
            let sql = sql.ok_or_else(|| {
                IndicatorError::catalogue(&file, format!("sql/indicators/{id}.sql is missing"))
            })?;
            indicators.push(parse(id, toml_text, sql, file, None)?);
        }
        Catalog::new(indicators)
    }

    /// A catalogue directory of `<ID>.toml` files; each SQL is `DIR/<ID>.sql` or
    /// `DIR/../../sql/indicators/<ID>.sql` (the layout of a Marsad checkout).
    pub fn from_dir(dir: &Path) -> Result<Catalog> {
        let read_err = |p: &Path, e: std::io::Error| {
            IndicatorError::catalogue(p.display().to_string(), e.to_string())
        };
        let entries = std::fs::read_dir(dir).map_err(|e| read_err(dir, e))?;
        let mut indicators = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| read_err(dir, e))?.path();
            if path.extension().is_none_or(|x| x != "toml") {
                continue;
            }
            let Some(id) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                continue;
            };
            let text = std::fs::read_to_string(&path).map_err(|e| read_err(&path, e))?;
            let candidates = [
                dir.join(format!("{id}.sql")),
                dir.join("../../sql/indicators").join(format!("{id}.sql")),
            ];
            let sql_path = candidates.iter().find(|p| p.exists()).ok_or_else(|| {
                IndicatorError::catalogue(
                    path.display().to_string(),
                    format!("no SQL file: looked for {}", candidates[0].display()),
                )
            })?;
            let sql = std::fs::read_to_string(sql_path).map_err(|e| read_err(sql_path, e))?;
            let file = path.display().to_string();
            indicators.push(parse(&id, &text, &sql, file, Some(path.clone()))?);
        }
        Catalog::new(indicators)
    }

    fn new(mut indicators: Vec<Indicator>) -> Result<Catalog> {
        indicators.sort_by(|a, b| a.def.id.cmp(&b.def.id));
        Ok(Catalog { indicators })
    }

    pub fn get(&self, id: &str) -> Result<&Indicator> {
        self.indicators
            .iter()
            .find(|i| i.def.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| IndicatorError::Unknown { id: id.to_string() })
    }
}

/// Parse and validate one catalogue file.
fn parse(
    id: &str,
    toml_text: &str,
    sql: &str,
    file: String,
    path: Option<PathBuf>,
) -> Result<Indicator> {
    let def: Definition =
        toml::from_str(toml_text).map_err(|e| IndicatorError::catalogue(&file, e.to_string()))?;
    let bad = |detail: String| Err(IndicatorError::catalogue(&file, detail));
    if def.id != id {
        return bad(format!(
            "id `{}` does not match the file name `{id}`",
            def.id
        ));
    }
    if !def
        .id
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return bad("ids are upper-case ASCII letters, digits and `_`".into());
    }
    if def.version == 0 {
        return bad("versions start at 1".into());
    }
    if def.dimensions.first() != Some(&Dimension::Period) {
        return bad("`dimensions` must start with \"period\"".into());
    }
    let unique: BTreeSet<_> = def.dimensions.iter().collect();
    if unique.len() != def.dimensions.len() {
        return bad("a dimension is listed twice".into());
    }
    if !(1..=20).contains(&def.mnr.capacity) || !(1..=6).contains(&def.mnr.sector) {
        return bad(format!(
            "MNR sector {} / capacity {} out of range (sectors 1–6, capacities 1–20)",
            def.mnr.sector, def.mnr.capacity
        ));
    }
    if def.unit != Unit::Count && def.denominator.is_none() {
        return bad("a ratio needs its `denominator` described".into());
    }
    if def.disclosure.threshold == 0 && def.disclosure.reason.is_none() {
        return bad("disclosure threshold 0 (no suppression) needs a `reason`".into());
    }
    if let Some(problem) = def.disclosure.linked_problem(def.unit, &def.dimensions) {
        return bad(format!("[disclosure]: {problem}"));
    }
    if def.sources.is_empty() {
        return bad("`sources` lists the feeds the indicator reads".into());
    }
    if let Some(a) = def.approval.iter().find(|a| a.version > def.version) {
        return bad(format!(
            "an approval of version {} is newer than the indicator's version {}",
            a.version, def.version
        ));
    }
    Ok(Indicator {
        def,
        sql: sql.to_string(),
        file,
        path,
    })
}
