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
//!
//! Parts: `design.rs` (the design file), `checks.rs` (row checks and design findings),
//! `columns.rs` (column names and type inference), `from_csv.rs` and `from_parquet.rs` (reading
//! each format); this file holds the entry points and the staging of the design row.

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

mod checks;
mod columns;
mod design;
mod from_csv;
mod from_parquet;

use self::checks::*;
pub use self::columns::column_name;
use self::columns::*;
use self::design::*;
pub use self::design::{design_path, read_design, Design, FpcKind};
use self::from_csv::*;
use self::from_parquet::*;

/// The design table.
pub const DESIGNS_TABLE: &str = marsad_model::tables::names::HCP_SURVEY_DESIGNS;
/// Prefix of the per-survey microdata tables.
pub const SURVEY_TABLE_PREFIX: &str = marsad_model::tables::names::SURVEY_TABLE_PREFIX;

/// Staging `hcp_survey_designs`: one row per survey file. `variables` is a JSON object, in file
/// order, of staging column → Arrow type.
pub fn tables() -> Vec<TableSpec> {
    vec![marsad_model::tables::hcp_survey_designs()]
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

#[cfg(test)]
mod tests;
