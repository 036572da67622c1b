//! The catalogue: one TOML file per indicator (`indicators/catalog/<ID>.toml`) and its SQL
//! (`sql/indicators/<ID>.sql`). The files built into the binary are the default; a steward's
//! catalogue directory can be loaded instead (`--catalog DIR`, SQL next to each TOML or in
//! `DIR/../../sql/indicators/`).
//!
//! The **definition hash** fingerprints everything that decides an indicator's numbers and
//! their meaning, as named parts ([`Indicator::hash_parts`]):
//! - `metadata`: id, version, definition, numerator, denominator, unit, multiplier, decimals,
//!   dimensions, disclosure and reliability rules, sources, periodicity, required tables;
//! - `sql`: the text of its SQL;
//! - `view <name>`: the text of every view of `sql/views/` its SQL reads, directly or through
//!   another view (found by parsing the SQL: no warehouse needed, so CI checks it without data);
//! - `function <name>`: the version of every Marsad SQL function it calls, there or in those views
//!   (`marsad_warehouse::survey_sql::FUNCTIONS`);
//! - `table <name>`: a fingerprint of every table built in code it reads (the `dim_*` code lists,
//!   the `survey.*` design views);
//! - `setting lonely_psu`: its `[survey]` setting, when it calls a survey aggregate or sets one.
//!
//! Names, notes, unit labels, caveats, status and approval records are left out (they may be
//! edited without changing a figure); so are tables of data (`staging.*`…), which the snapshot
//! id of each observation pins. The parts are kept in each approval record, so `check` can say
//! what changed.
//!
//! **Caveats** (`[[caveats]]`: a kind, the periods they concern, a text in fr, ar and en) say
//! what the numbers mean and do not: they are shown with the figures (API, pages, the
//! exports' COMMENT_TS and footnote columns), together with the caveats of the indicator's
//! sources (`marsad_model::codes::sources`). They are kept out of the definition hash on
//! purpose: invariant 8 covers what decides the numbers, and a caveat decides none, so adding or
//! rewording one neither changes an approved hash nor needs a new version. Their wording is held
//! to the same rules as names and definitions (complete in three languages, no discouraged
//! term: [`crate::terminology`], [`crate::approval`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use marsad_warehouse::survey::LonelyPsu;
use marsad_warehouse::survey_sql;

use crate::dependencies::reads;
pub use crate::dependencies::{Environment, Reads, DESIGN_VIEWS};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{IndicatorError, Result};

include!(concat!(env!("OUT_DIR"), "/catalog.rs"));

/// Text in the three languages of Marsad. A language left out of a file reads as empty, so a
/// draft may be incomplete; approval refuses it ([`Text::missing`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Text {
    #[serde(default)]
    pub fr: String,
    #[serde(default)]
    pub ar: String,
    #[serde(default)]
    pub en: String,
}

/// The languages of Marsad, in the order texts give them.
pub const LANGUAGES: [&str; 3] = ["fr", "ar", "en"];

impl Text {
    /// The text in `lang` (one of [`LANGUAGES`]; anything else: English).
    pub fn get(&self, lang: &str) -> &str {
        match lang {
            "fr" => &self.fr,
            "ar" => &self.ar,
            _ => &self.en,
        }
    }

    /// (language, text) in the order of [`LANGUAGES`].
    pub fn by_language(&self) -> [(&'static str, &str); 3] {
        [("fr", &self.fr), ("ar", &self.ar), ("en", &self.en)]
    }

    /// The languages whose text is empty or blank.
    pub fn missing(&self) -> Vec<&'static str> {
        self.by_language()
            .into_iter()
            .filter(|(_, t)| t.trim().is_empty())
            .map(|(lang, _)| lang)
            .collect()
    }
}

pub use marsad_model::codes::sources::CaveatKind;

/// A caveat: what the figures mean and do not (see the module documentation). `periods` empty:
/// every period. `source` is the feed a caveat comes from when it is a source's
/// ([`Indicator::caveats`]); catalogue files do not set it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Caveat {
    pub kind: CaveatKind,
    #[serde(default)]
    pub periods: Vec<String>,
    pub text: Text,
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Caveat {
    /// Whether it concerns `period` (a year, or a change's `first/last`: either end).
    pub fn applies_to(&self, period: &str) -> bool {
        self.periods.is_empty()
            || self
                .periods
                .iter()
                .any(|p| p == period || period.split('/').any(|end| end == p))
    }
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
/// others take `_T` for a total, `_U` for unknown and `_Z` where they do not apply. `iccs` is
/// the offence as the International Classification of Crime for Statistical Purposes codes it
/// (`dim_offence.iccs_code`, the crosswalk of `marsad_model::codes::iccs`), for international
/// reporting.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Period,
    RefArea,
    Sex,
    AgeBand,
    Source,
    Variable,
    Iccs,
}

impl Dimension {
    /// Every dimension but `period`, in the order of observation and export columns.
    pub const BREAKDOWNS: [Dimension; 6] = [
        Dimension::RefArea,
        Dimension::Sex,
        Dimension::AgeBand,
        Dimension::Source,
        Dimension::Variable,
        Dimension::Iccs,
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
            Dimension::Iccs => "iccs",
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
            Dimension::Iccs => "ICCS",
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

/// Settings of the survey aggregates an indicator's SQL calls (`[survey]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct SurveySettings {
    /// What a stratum with a single PSU does: `fail` (the default, as R), `certainty` (it adds
    /// no variance) or `centre` (its PSU deviates from the mean of all PSUs).
    #[serde(default)]
    pub lonely_psu: LonelyPsuSetting,
}

/// A lonely-PSU rule as catalogue files write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LonelyPsuSetting(pub LonelyPsu);

impl Default for LonelyPsuSetting {
    fn default() -> Self {
        LonelyPsuSetting(survey_sql::DEFAULT_LONELY_PSU)
    }
}

impl TryFrom<String> for LonelyPsuSetting {
    type Error = String;
    fn try_from(v: String) -> std::result::Result<Self, String> {
        LonelyPsu::parse(&v)
            .map(LonelyPsuSetting)
            .ok_or_else(|| format!("lonely_psu `{v}`: expected fail, certainty or centre"))
    }
}

impl From<LonelyPsuSetting> for String {
    fn from(v: LonelyPsuSetting) -> String {
        survey_sql::lonely_psu_name(v.0).to_string()
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
    /// The parts the hash covered ([`Indicator::hash_parts`]); empty in records written before
    /// the hash covered views, functions and settings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parts: BTreeMap<String, String>,
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
    /// What the figures say and do not say ([`Caveat`]); outside the definition hash.
    #[serde(default)]
    pub caveats: Vec<Caveat>,
    pub unit: Unit,
    /// What is counted, in words ("reports", "cases per 10,000 reports"); outside the hash.
    #[serde(default)]
    pub unit_label: Option<Text>,
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
    /// Settings of the survey aggregates (`[survey]`); absent: the defaults.
    #[serde(default)]
    pub survey: Option<SurveySettings>,
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

    /// Its caveats and those of its sources (`source` names the feed), its own first: what
    /// the API, the pages and the exports show beside its figures.
    pub fn caveats(&self) -> Vec<Caveat> {
        let mut all = self.def.caveats.clone();
        for feed in &self.def.sources {
            let Some(source) = marsad_model::codes::sources::SOURCES
                .iter()
                .find(|s| s.feed == feed)
            else {
                continue;
            };
            all.extend(source.caveats.iter().map(|c| Caveat {
                kind: c.kind,
                periods: c.periods.iter().map(|p| p.to_string()).collect(),
                text: Text {
                    fr: c.fr.to_string(),
                    ar: c.ar.to_string(),
                    en: c.en.to_string(),
                },
                source: Some(feed.clone()),
            }));
        }
        all
    }

    /// The caveats ([`Indicator::caveats`]) that concern `period`.
    pub fn caveats_for(&self, period: &str) -> Vec<Caveat> {
        self.caveats()
            .into_iter()
            .filter(|c| c.applies_to(period))
            .collect()
    }

    /// The lonely-PSU rule its survey aggregates run under.
    pub fn lonely_psu(&self) -> LonelyPsu {
        self.def.survey.clone().unwrap_or_default().lonely_psu.0
    }

    /// The definition hash (see the module documentation), hex SHA-256, in the environment
    /// this build runs indicators in.
    pub fn definition_hash(&self) -> String {
        self.definition_hash_in(Environment::embedded())
    }

    /// The definition hash in `env`: SHA-256 of [`Indicator::hash_parts_in`].
    pub fn definition_hash_in(&self, env: &Environment) -> String {
        hash_of_parts(&self.hash_parts_in(env))
    }

    /// The parts the definition hash covers, by name (see the module documentation), in the
    /// environment this build runs indicators in.
    pub fn hash_parts(&self) -> BTreeMap<String, String> {
        self.hash_parts_in(Environment::embedded())
    }

    /// The parts the definition hash covers in `env`: hashes of texts, versions of functions,
    /// values of settings. SQL that does not parse (only a hand-built indicator: loading checks
    /// it) gets an `unparsed` part with the parser's message, never an empty list of reads.
    pub fn hash_parts_in(&self, env: &Environment) -> BTreeMap<String, String> {
        let d = &self.def;
        let metadata = self.fingerprint(None);
        let text_hash = |t: &str| hex::encode(Sha256::digest(t.replace("\r\n", "\n").as_bytes()));
        let mut parts = BTreeMap::new();
        parts.insert(
            "metadata".to_string(),
            hex::encode(Sha256::digest(metadata.to_string().as_bytes())),
        );
        parts.insert("sql".to_string(), text_hash(&self.sql));
        match reads(&self.sql, env) {
            Ok(reads) => {
                for view in &reads.views {
                    parts.insert(format!("view {view}"), text_hash(&env.views[view]));
                }
                for f in &reads.functions {
                    parts.insert(format!("function {f}"), env.functions[f].to_string());
                }
                for t in &reads.tables {
                    parts.insert(format!("table {t}"), env.tables[t].clone());
                }
                if d.survey.is_some() || reads.calls_survey_aggregate() {
                    parts.insert(
                        "setting lonely_psu".to_string(),
                        survey_sql::lonely_psu_name(self.lonely_psu()).to_string(),
                    );
                }
            }
            Err(e) => {
                parts.insert("unparsed".to_string(), e);
            }
        }
        parts
    }

    /// What this indicator's SQL reads and calls in `env`, views followed transitively.
    pub fn reads_in(&self, env: &Environment) -> std::result::Result<Reads, String> {
        reads(&self.sql, env)
    }

    /// The definition hash before it covered views, functions and settings (the metadata and
    /// the SQL text only): kept to recognise approvals recorded under it, whose definition may
    /// be approved again under the same version when its files did not change.
    pub fn legacy_hash(&self) -> String {
        let fingerprint = self.fingerprint(Some(&self.sql));
        hex::encode(Sha256::digest(fingerprint.to_string().as_bytes()))
    }

    /// The metadata that decides the numbers, as JSON (key order matters: serde_json keeps
    /// insertion order here); with `sql`, the SQL text too, where the legacy hash had it.
    fn fingerprint(&self, sql: Option<&str>) -> serde_json::Value {
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
        });
        if let Some(sql) = sql {
            fingerprint["sql"] = serde_json::json!(sql.replace("\r\n", "\n"));
        }
        if let Some(r) = &d.reliability {
            fingerprint["reliability"] = serde_json::json!(r);
        }
        if !d.requires.is_empty() {
            fingerprint["requires"] = serde_json::json!(d.requires);
        }
        fingerprint
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

/// SHA-256 (hex) of the parts of a definition hash.
pub fn hash_of_parts(parts: &BTreeMap<String, String>) -> String {
    hex::encode(Sha256::digest(
        serde_json::json!(parts).to_string().as_bytes(),
    ))
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
    let indicator = Indicator {
        def,
        sql: sql.to_string(),
        file,
        path,
    };
    // What the definition hash covers is found by parsing: SQL that does not parse is refused
    // here, so a loaded indicator's hash always covers its views and functions.
    let reads = indicator.reads_in(Environment::embedded()).map_err(|e| {
        IndicatorError::catalogue(&indicator.file, format!("sql/indicators/{id}.sql: {e}"))
    })?;
    if indicator.def.survey.is_some() && !reads.calls_survey_aggregate() {
        return Err(IndicatorError::catalogue(
            &indicator.file,
            "a `[survey]` section, but the SQL calls no survey aggregate",
        ));
    }
    if indicator.lonely_psu() != survey_sql::DEFAULT_LONELY_PSU {
        if let Some(view) = reads.views_calling_survey.first() {
            return Err(IndicatorError::catalogue(
                &indicator.file,
                format!(
                    "lonely_psu `{}`: view {view} calls a survey aggregate, and views run under the \
                     default rule ({}); call the aggregate in the indicator's SQL",
                    survey_sql::lonely_psu_name(indicator.lonely_psu()),
                    survey_sql::lonely_psu_name(survey_sql::DEFAULT_LONELY_PSU)
                ),
            ));
        }
    }
    Ok(indicator)
}
