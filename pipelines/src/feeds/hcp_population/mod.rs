//! HCP population tables (feed `hcp-population`): the denominators of every rate.
//!
//! - **Agency**: Haut-Commissariat au Plan (HCP), Recensement général de la population et de
//!   l'habitat (RGPH) 2024 and later population tables.
//! - **Format**: CSV or XLSX, French, Arabic or English headers, title rows above the header
//!   allowed. Two shapes:
//!   - *wide* (the reference's): one row per region, one or more population columns whose header
//!     may carry the year: `iso_code, region_fr, legal_population_2024`;
//!   - *long*: one row per cell: `année, région, sexe, groupe d'âge, population` (any of year,
//!     region, sex and age group may be absent: then the year comes from a population header or
//!     the file name, the region is the nation, sex and age are totals).
//! - **Samples**: `data-samples/hcp/rgph2024-regions.csv` (the published legal population of the
//!   12 regions) and `data-samples/hcp/rgph2024-national-sex-age.csv` (a *synthetic* national
//!   table by sex and five-year age group, see [`crate::synthetic::hcp_survey`]).
//! - **Grain**: one row per (year, region, sex, age group) → staging `hcp_population`, with
//!   `region_code` `MA` for national rows, `sex` `_T` / `M` / `F`, `age_group` `_T` or a group
//!   such as `0-4`, `15`, `85+`.
//!
//! The year of a row is, in this order: the row's year column, the year written in the header of
//! its population column (`legal_population_2024`, `Population légale 2024`), the year in the
//! file name (`rgph2024-…`). A file where none gives a year is refused.
//!
//! Consistency rules (findings; the data are staged as published):
//! - `hcp.regions_add_up`: the regions of a year add up to the national total — the national
//!   row of the file (Error if it differs), else the national total the file gives by sex or age
//!   (Warning if it differs), else an Info finding with the regional sum (and, for 2024, the
//!   published legal population 36,828,330 it is compared with — Warning if it differs);
//!   fewer than 12 regions is a Warning;
//! - `hcp.sex_age_add_up`: sex × age-group rows add up to their margins and to the total of
//!   their region (Error if the file's own total row differs), else, for the nation, to the
//!   regional sum of the same file or the published 2024 figure (Warning if it differs);
//!   age groups that overlap or leave gaps are not summed (Info);
//! - `hcp.published_total`: a 2024 national total row that differs from the published
//!   36,828,330 (Warning);
//! - `hcp.duplicate_cell`: the same (year, region, sex, age group) twice (Warning; both staged).
//!
//! Parts: `layout.rs` (which headers are population columns, cut rows), `cells.rs` (reading one
//! cell), `rules.rs` (the consistency rules), `published.rs` (the published census figures the
//! rules compare with, from `pipelines/data/rgph2024-legal-population.csv`).

use std::collections::{BTreeMap, BTreeSet};

use super::{Feed, FeedContext};
use crate::error::{PipelineError, Result};
use crate::format;
use crate::formats::{Record, RowCheck, Tabular};
use crate::normalise::{ages, dates, fold, labels, numbers, regions, sex, ColumnSpec, HeaderMap};
use crate::output::{rejected, Emitter, Sink, TableSpec, Value};
use crate::report::{FeedReport, QuarantineRow, Severity};
use crate::source::RawFile;

mod cells;
mod layout;
mod published;
mod rules;

use self::cells::*;
use self::layout::*;
pub use self::published::{published_legal_population_2024, rgph2024_regions};
use self::rules::*;

/// The staging table.
pub const TABLE: &str = marsad_model::tables::names::HCP_POPULATION;

/// Code of national rows.
const NATIONAL: &str = "MA";
/// Code of totals over sex or age.
const TOTAL: &str = "_T";

/// Staging `hcp_population`.
pub fn tables() -> Vec<TableSpec> {
    vec![marsad_model::tables::hcp_population()]
}

const YEAR: usize = 0;
const REGION_CODE: usize = 1;
const REGION_NAME: usize = 2;
const SEX: usize = 3;
const AGE: usize = 4;

/// The descriptive columns; population columns are found by [`population_header`].
const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::optional("year", &["année", "annee", "an", "السنة", "سنة"]),
    ColumnSpec::optional(
        "region_code",
        &[
            "iso_code",
            "code iso",
            "code",
            "code région",
            "code_region",
            "region code",
            "region_code",
            "iso 3166-2",
            "رمز الجهة",
        ],
    ),
    ColumnSpec::optional(
        "region",
        &[
            "région",
            "region_fr",
            "region_ar",
            "region_en",
            "nom de la région",
            "libellé région",
            "الجهة",
            "جهة",
        ],
    ),
    ColumnSpec::optional("sex", &["sexe", "genre", "الجنس", "النوع"]),
    ColumnSpec::optional(
        "age_group",
        &[
            "groupe d'âge",
            "groupe d'âges",
            "groupes d'âge",
            "tranche d'âge",
            "classe d'âge",
            "âge",
            "age",
            "age group",
            "الفئة العمرية",
            "فئة العمر",
            "السن",
        ],
    ),
];

/// One staged cell, kept for the consistency rules.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    year: i64,
    region: String,
    sex: String,
    age: String,
}

/// Read one population table into staging `hcp_population`.
pub fn read(file: &RawFile, _ctx: &FeedContext, sink: &mut dyn Sink) -> Result<FeedReport> {
    let feed = Feed::HcpPopulation.name();
    let kind = Tabular::of(file, feed, &[Tabular::Csv, Tabular::Xlsx])?;
    let rows: Vec<Record> = kind.rows(file)?.collect::<Result<_>>()?;
    let header_at = rows
        .iter()
        .take(50)
        .position(|r| r.cells.iter().any(|c| population_header(c).is_some()))
        .ok_or_else(|| {
            PipelineError::layout(
                &file.name,
                feed,
                format!(
                    "no population column among the first rows (accepted headers: {}, optionally with a year)",
                    POPULATION_HEADERS.join(", ")
                ),
            )
        })?;
    let header = &rows[header_at];
    refuse_cut_rows(file, kind, header, &rows[header_at + 1..])?;
    let map = HeaderMap::new(&file.name, &header.cells, COLUMNS)?;
    // Population columns: index and the year their header gives.
    let pop_cols: Vec<(usize, Option<i32>)> = header
        .cells
        .iter()
        .enumerate()
        .filter_map(|(i, h)| population_header(h).map(|y| (i, y)))
        .collect();
    let name_year = year_in_name(&file.name);
    if map.get(YEAR).is_none() && name_year.is_none() && pop_cols.iter().any(|(_, y)| y.is_none()) {
        return Err(PipelineError::layout(
            &file.name,
            feed,
            "no year: add a year column (année, السنة, year), write the year in the population header (population_2024) or in the file name",
        ));
    }

    let table = tables().remove(0);
    let mut out = Emitter::new(feed, file, sink)?;
    let mut cells: BTreeMap<Key, (i64, String)> = BTreeMap::new();
    let shape = RowCheck::new(file, &header.cells);
    for record in &rows[header_at + 1..] {
        if record.is_blank() {
            continue;
        }
        let at = &record.position;
        let mut bad: Vec<QuarantineRow> = shape.check(record, at);
        let cell = |i: usize| map.cell(record, i);

        let row_year = if map.get(YEAR).is_some() && !cell(YEAR).is_empty() {
            match dates::parse_year(cell(YEAR)) {
                Ok(y) => Some(y),
                Err(reason) => {
                    bad.push(rejected(at, "year", Some(cell(YEAR)), reason));
                    None
                }
            }
        } else {
            None
        };
        let region = match region_of(&map, record) {
            Ok(r) => Some(r),
            Err((column, value, reason)) => {
                bad.push(rejected(at, column, Some(&value), reason));
                None
            }
        };
        let sex = if map.get(SEX).is_some() {
            match sex_of(cell(SEX)) {
                Ok(s) => Some(s),
                Err(reason) => {
                    bad.push(rejected(at, "sex", Some(cell(SEX)), reason));
                    None
                }
            }
        } else {
            Some(TOTAL.to_string())
        };
        let age = if map.get(AGE).is_some() {
            match age_of(cell(AGE)) {
                Ok(a) => Some(a),
                Err(reason) => {
                    bad.push(rejected(at, "age_group", Some(cell(AGE)), reason));
                    None
                }
            }
        } else {
            Some(TOTAL.to_string())
        };
        let mut values = Vec::with_capacity(pop_cols.len());
        for &(col, header_year) in &pop_cols {
            let raw = record.cell(col);
            let year = row_year.or(header_year).or(name_year);
            match population_of(raw) {
                Ok(n) => values.push((year, n)),
                Err(reason) => bad.push(rejected(at, "population", Some(raw), reason)),
            }
        }
        if !bad.is_empty() {
            out.reject(bad)?;
            continue;
        }
        let (Some(region), Some(sex), Some(age)) = (region, sex, age) else {
            continue;
        };
        for (year, population) in values {
            // A year is always known here: the layout check above refused files without one.
            let Some(year) = year else { continue };
            let key = Key {
                year: i64::from(year),
                region: region.clone(),
                sex: sex.clone(),
                age: age.clone(),
            };
            if let Some((_, first)) = cells.get(&key) {
                out.finding(
                    "hcp.duplicate_cell",
                    Severity::Warning,
                    Some(at.to_string()),
                    format!(
                        "year {}, region {}, sex {}, age group {} already given at {first}; both rows are staged, the first is used for the consistency rules",
                        key.year, key.region, key.sex, key.age
                    ),
                );
            } else {
                cells.insert(key.clone(), (population, at.to_string()));
            }
            out.row(
                &table,
                at,
                vec![
                    Value::Int(key.year),
                    Value::Str(key.region),
                    Value::Str(key.sex),
                    Value::Str(key.age),
                    Value::Int(population),
                ],
            )?;
        }
    }
    check_totals(&mut out, &cells);
    out.finish()
}

#[cfg(test)]
mod tests;
