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

use std::collections::{BTreeMap, BTreeSet};

use arrow::datatypes::{DataType, Field};

use super::{Feed, FeedContext};
use crate::error::{PipelineError, Result};
use crate::format;
use crate::formats::{Record, RowCheck, Tabular};
use crate::normalise::{ages, dates, fold, labels, numbers, regions, sex, ColumnSpec, HeaderMap};
use crate::output::{rejected, Emitter, Sink, TableSpec, Value};
use crate::report::{FeedReport, QuarantineRow, Severity};
use crate::source::RawFile;

/// The staging table.
pub const TABLE: &str = "hcp_population";

/// The published legal population of Morocco at the 2024 census (RGPH 2024, 1 September 2024).
pub const PUBLISHED_LEGAL_POPULATION_2024: i64 = 36_828_330;

/// The published legal population of the twelve regions, RGPH 2024 (ISO code, French name,
/// population), as in `data-samples/hcp/rgph2024-regions.csv`. They add up to
/// [`PUBLISHED_LEGAL_POPULATION_2024`].
pub const RGPH2024_REGIONS: [(&str, &str, i64); 12] = [
    ("MA-01", "Tanger-Tétouan-Al Hoceïma", 4_030_222),
    ("MA-02", "L'Oriental", 2_294_665),
    ("MA-03", "Fès-Meknès", 4_467_911),
    ("MA-04", "Rabat-Salé-Kénitra", 5_132_639),
    ("MA-05", "Béni Mellal-Khénifra", 2_525_801),
    ("MA-06", "Casablanca-Settat", 7_688_967),
    ("MA-07", "Marrakech-Safi", 4_892_393),
    ("MA-08", "Drâa-Tafilalet", 1_655_623),
    ("MA-09", "Souss-Massa", 3_020_431),
    ("MA-10", "Guelmim-Oued Noun", 448_685),
    ("MA-11", "Laâyoune-Sakia El Hamra", 451_028),
    ("MA-12", "Dakhla-Oued Ed-Dahab", 219_965),
];

/// Code of national rows.
const NATIONAL: &str = "MA";
/// Code of totals over sex or age.
const TOTAL: &str = "_T";

/// A population figure replaces the one an earlier file gave for the same cell (the view
/// `population` takes the latest file), so a row cut short must never be staged: a row with
/// fewer cells than the header, or the last line of a CSV file that ends without a line break
/// while its other lines have one (`head -c 128` of a census file ends inside `MA-03,…,4`), refuses
/// the file, naming the line.
fn refuse_cut_rows(file: &RawFile, kind: Tabular, header: &Record, rows: &[Record]) -> Result<()> {
    let data: Vec<&Record> = rows.iter().filter(|r| !r.is_blank()).collect();
    for r in &data {
        let filled = r.cells.len();
        if filled < header.cells.len() {
            return Err(PipelineError::Parse {
                file: file.name.clone(),
                position: r.position.to_string(),
                detail: format!(
                    "the row has {filled} cells where the header has {}: a short row is refused \
                     (the file may be truncated), it must not replace an earlier figure",
                    header.cells.len()
                ),
            });
        }
    }
    if kind == Tabular::Csv && !data.is_empty() && !ends_with_line_break(file)? {
        if let Some(last) = data.last() {
            return Err(PipelineError::Parse {
                file: file.name.clone(),
                position: last.position.to_string(),
                detail: format!(
                    "the file ends inside this line (no line break after `{}`): it looks \
                     truncated, and a cut figure must not replace an earlier one; re-export the \
                     file (or, if it is complete, end it with a line break)",
                    last.cells.join(",")
                ),
            });
        }
    }
    Ok(())
}

/// Whether the file's last byte is a line break (CSV is UTF-8 or Windows-1256: one byte).
fn ends_with_line_break(file: &RawFile) -> Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |cause| PipelineError::Io {
        file: file.name.clone(),
        cause,
    };
    if file.len == 0 {
        return Ok(true);
    }
    let mut f = std::fs::File::open(&file.path).map_err(io)?;
    f.seek(SeekFrom::End(-1)).map_err(io)?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last).map_err(io)?;
    Ok(matches!(last[0], b'\n' | b'\r'))
}

/// Staging `hcp_population`.
pub fn tables() -> Vec<TableSpec> {
    vec![TableSpec::new(
        TABLE,
        vec![
            Field::new("year", DataType::Int64, false),
            Field::new("region_code", DataType::Utf8, false),
            Field::new("sex", DataType::Utf8, false),
            Field::new("age_group", DataType::Utf8, false),
            Field::new("population", DataType::Int64, false),
        ],
    )]
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

/// Headers of a population column, once a year is taken out (compared after [`fold`]).
const POPULATION_HEADERS: [&str; 14] = [
    "population",
    "population légale",
    "legal population",
    "population totale",
    "total population",
    "pop",
    "effectif",
    "nombre d'habitants",
    "السكان",
    "عدد السكان",
    "السكان القانونيون",
    "الساكنة",
    "الساكنة القانونية",
    "عدد السكان القانونيين",
];

/// What a region cell says for the whole country (compared after [`fold`]).
const NATIONAL_LABELS: [&str; 14] = [
    "MA",
    "MAR",
    "Maroc",
    "Morocco",
    "National",
    "Ensemble",
    "Total",
    "Ensemble du Maroc",
    "Total Maroc",
    "Royaume",
    "المغرب",
    "المملكة",
    "المجموع",
    "المجموع الوطني",
];

fn is_label(labels: &[&str], folded: &str) -> bool {
    labels.iter().any(|l| fold(l) == folded)
}

/// `Some(year in header)` if `header` names a population column (`population`, `Population
/// légale 2024`, `legal_population_2024`, `السكان 2024`).
fn population_header(header: &str) -> Option<Option<i32>> {
    let folded = fold(header);
    let mut year = None;
    let mut words = Vec::new();
    for w in folded.split(' ') {
        match (w.len(), w.parse::<i32>()) {
            (4, Ok(y)) if dates::YEARS.contains(&y) && year.is_none() => year = Some(y),
            _ => words.push(w),
        }
    }
    let rest = words.join(" ");
    is_label(&POPULATION_HEADERS, &rest).then_some(year)
}

/// The first year (in [`dates::YEARS`], four digits standing alone) in a file name.
fn year_in_name(name: &str) -> Option<i32> {
    let b = name.as_bytes();
    (0..b.len().saturating_sub(3)).find_map(|i| {
        let digits = &b[i..i + 4];
        let alone = (i == 0 || !b[i - 1].is_ascii_digit())
            && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit());
        if alone && digits.iter().all(u8::is_ascii_digit) {
            let year: i32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
            dates::YEARS.contains(&year).then_some(year)
        } else {
            None
        }
    })
}

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

/// The region of a row: its code column, else its name column, else the nation.
fn region_of(
    map: &HeaderMap,
    record: &Record,
) -> std::result::Result<String, (&'static str, String, String)> {
    let (column, value) = match (map.get(REGION_CODE), map.get(REGION_NAME)) {
        (None, None) => return Ok(NATIONAL.to_string()),
        (Some(_), name) => {
            let code = map.cell(record, REGION_CODE);
            if code.is_empty() && name.is_some() {
                ("region", map.cell(record, REGION_NAME))
            } else {
                ("region_code", code)
            }
        }
        (None, Some(_)) => ("region", map.cell(record, REGION_NAME)),
    };
    if is_label(&NATIONAL_LABELS, &fold(value)) {
        return Ok(NATIONAL.to_string());
    }
    match regions::parse_region(value) {
        Ok(Some(r)) => Ok(r.code.to_string()),
        Ok(None) => Err((
            column,
            value.to_string(),
            "a population row needs a known region (or Maroc / المغرب for the nation)".into(),
        )),
        Err(reason) => Err((column, value.to_string(), reason)),
    }
}

fn sex_of(s: &str) -> std::result::Result<String, String> {
    if labels::is_total(s) {
        return Ok(TOTAL.to_string());
    }
    if s.trim().is_empty() {
        return Err("the sex is blank (write Ensemble / Total for both sexes)".into());
    }
    sex::parse_sex(s).map(|c| c.to_string())
}

fn age_of(s: &str) -> std::result::Result<String, String> {
    if labels::is_total(s) {
        return Ok(TOTAL.to_string());
    }
    if s.trim().is_empty() {
        return Err("the age group is blank (write Total / Ensemble for all ages)".into());
    }
    ages::parse_age_group(s).map(group_code)
}

/// `(0, Some(4))` → `0-4`, `(15, Some(15))` → `15`, `(85, None)` → `85+`.
fn group_code((lo, hi): (u32, Option<u32>)) -> String {
    match hi {
        Some(hi) if hi == lo => lo.to_string(),
        Some(hi) => format!("{lo}-{hi}"),
        None => format!("{lo}+"),
    }
}

/// The bounds of a staged age group code (inverse of [`group_code`]).
fn group_bounds(code: &str) -> Option<(u32, Option<u32>)> {
    if let Some(lo) = code.strip_suffix('+') {
        return Some((lo.parse().ok()?, None));
    }
    match code.split_once('-') {
        Some((lo, hi)) => Some((lo.parse().ok()?, Some(hi.parse().ok()?))),
        None => code.parse().ok().map(|a| (a, Some(a))),
    }
}

fn population_of(s: &str) -> std::result::Result<i64, String> {
    if numbers::is_blank(s) {
        return Err("the population is blank".into());
    }
    numbers::parse_count(s)
}

/// Whether age groups partition all ages: disjoint, contiguous from 0, the last one open.
fn partition_of_all_ages(groups: &[&str]) -> bool {
    let mut bounds: Vec<(u32, Option<u32>)> = match groups.iter().map(|g| group_bounds(g)).collect()
    {
        Some(b) => b,
        None => return false,
    };
    bounds.sort();
    let mut next = 0u32;
    for (i, (lo, hi)) in bounds.iter().enumerate() {
        if *lo != next {
            return false;
        }
        match hi {
            Some(hi) => next = hi + 1,
            None => return i + 1 == bounds.len(),
        }
    }
    false
}

fn fmt_n(n: i64) -> String {
    format::thousands(i128::from(n))
}

/// The consistency rules over the staged cells (first occurrence of each key).
fn check_totals(out: &mut Emitter, cells: &BTreeMap<Key, (i64, String)>) {
    let get = |year: i64, region: &str, sex: &str, age: &str| {
        cells
            .get(&Key {
                year,
                region: region.to_string(),
                sex: sex.to_string(),
                age: age.to_string(),
            })
            .map(|(n, _)| *n)
    };
    let years: BTreeSet<i64> = cells.keys().map(|k| k.year).collect();
    for year in years {
        let in_year = || cells.iter().filter(move |(k, _)| k.year == year);
        // Regions add up.
        let regional: Vec<(&str, i64)> = in_year()
            .filter(|(k, _)| k.region != NATIONAL && k.sex == TOTAL && k.age == TOTAL)
            .map(|(k, (n, _))| (k.region.as_str(), *n))
            .collect();
        let regional_sum: Option<i64> =
            (!regional.is_empty()).then(|| regional.iter().map(|r| r.1).sum());
        let national_detail = detail_total(cells, year, NATIONAL);
        if let (2024, Some(national)) = (year, get(year, NATIONAL, TOTAL, TOTAL)) {
            if national != PUBLISHED_LEGAL_POPULATION_2024 {
                out.finding(
                    "hcp.published_total",
                    Severity::Warning,
                    Some(format!("year {year}")),
                    format!(
                        "the national row says {}, the published legal population of Morocco (RGPH 2024) is {}",
                        fmt_n(national),
                        fmt_n(PUBLISHED_LEGAL_POPULATION_2024)
                    ),
                );
            }
        }
        if let Some(sum) = regional_sum {
            let n = regional.len();
            if n < 12 {
                out.finding(
                    "hcp.regions_add_up",
                    Severity::Warning,
                    Some(format!("year {year}")),
                    format!("only {n} of the 12 regions are given; their sum ({}) is not a national total", fmt_n(sum)),
                );
            } else if let Some(national) = get(year, NATIONAL, TOTAL, TOTAL) {
                if national == sum {
                    out.finding(
                        "hcp.regions_add_up",
                        Severity::Info,
                        Some(format!("year {year}")),
                        format!("the 12 regions add up to the national row ({})", fmt_n(sum)),
                    );
                } else {
                    out.finding(
                        "hcp.regions_add_up",
                        Severity::Error,
                        Some(format!("year {year}")),
                        format!(
                            "the 12 regions add up to {}, the national row says {} (difference {})",
                            fmt_n(sum),
                            fmt_n(national),
                            fmt_n(sum - national)
                        ),
                    );
                }
            } else if let Some((national, how)) = national_detail {
                let (severity, verb) = if national == sum {
                    (Severity::Info, "equal to")
                } else {
                    (Severity::Warning, "but")
                };
                out.finding(
                    "hcp.regions_add_up",
                    severity,
                    Some(format!("year {year}")),
                    format!(
                        "the 12 regions add up to {}, {verb} the national total of the {how} rows of this file ({})",
                        fmt_n(sum),
                        fmt_n(national)
                    ),
                );
            } else {
                let (severity, message) = compare_published(year, sum, "the 12 regions add up to");
                out.finding(
                    "hcp.regions_add_up",
                    severity,
                    Some(format!("year {year}")),
                    message,
                );
            }
        }

        // Sex × age rows add up, region by region.
        let regions: BTreeSet<&str> = in_year()
            .filter(|(k, _)| k.sex != TOTAL || k.age != TOTAL)
            .map(|(k, _)| k.region.as_str())
            .collect();
        for region in regions {
            check_region_detail(
                out,
                cells,
                year,
                region,
                regional_sum.filter(|_| regional.len() == 12),
            );
        }
    }
}

/// The national total a file gives through its detail rows: sum of the sex totals, or of the
/// age groups of both sexes, or of the age groups of the all-sex rows, with how it was found.
fn detail_total(
    cells: &BTreeMap<Key, (i64, String)>,
    year: i64,
    region: &str,
) -> Option<(i64, &'static str)> {
    let rows: Vec<(&Key, i64)> = cells
        .iter()
        .filter(|(k, _)| k.year == year && k.region == region)
        .map(|(k, (n, _))| (k, *n))
        .collect();
    let sexes: Vec<i64> = rows
        .iter()
        .filter(|(k, _)| k.sex != TOTAL && k.age == TOTAL)
        .map(|r| r.1)
        .collect();
    if sexes.len() >= 2 {
        return Some((sexes.iter().sum(), "sex"));
    }
    let by_sex_age: Vec<(&Key, i64)> = rows
        .iter()
        .filter(|(k, _)| k.sex != TOTAL && k.age != TOTAL)
        .copied()
        .collect();
    let sex_set: BTreeSet<&str> = by_sex_age.iter().map(|(k, _)| k.sex.as_str()).collect();
    if sex_set.len() >= 2
        && sex_set.iter().all(|s| {
            let groups: Vec<&str> = by_sex_age
                .iter()
                .filter(|(k, _)| k.sex == *s)
                .map(|(k, _)| k.age.as_str())
                .collect();
            partition_of_all_ages(&groups)
        })
    {
        return Some((by_sex_age.iter().map(|r| r.1).sum(), "sex × age group"));
    }
    let by_age: Vec<(&Key, i64)> = rows
        .iter()
        .filter(|(k, _)| k.sex == TOTAL && k.age != TOTAL)
        .copied()
        .collect();
    let groups: Vec<&str> = by_age.iter().map(|(k, _)| k.age.as_str()).collect();
    if partition_of_all_ages(&groups) {
        return Some((by_age.iter().map(|r| r.1).sum(), "age group"));
    }
    None
}

/// Info if `sum` equals the published 2024 legal population, Warning if not; Info for other
/// years (nothing published to compare with).
fn compare_published(year: i64, sum: i64, what: &str) -> (Severity, String) {
    if year == 2024 {
        if sum == PUBLISHED_LEGAL_POPULATION_2024 {
            (
                Severity::Info,
                format!(
                    "{what} {}, equal to the published legal population of Morocco (RGPH 2024); the file has no national row to compare with",
                    fmt_n(sum)
                ),
            )
        } else {
            (
                Severity::Warning,
                format!(
                    "{what} {}, the published legal population of Morocco (RGPH 2024) is {} (difference {})",
                    fmt_n(sum),
                    fmt_n(PUBLISHED_LEGAL_POPULATION_2024),
                    fmt_n(sum - PUBLISHED_LEGAL_POPULATION_2024)
                ),
            )
        }
    } else {
        (
            Severity::Info,
            format!(
                "{what} {}; the file has no national row to compare with",
                fmt_n(sum)
            ),
        )
    }
}

/// Sex × age rows of one region and year against their margins and total.
fn check_region_detail(
    out: &mut Emitter,
    cells: &BTreeMap<Key, (i64, String)>,
    year: i64,
    region: &str,
    regional_sum: Option<i64>,
) {
    let at = Some(format!("year {year}, region {region}"));
    let rows: Vec<(&Key, i64)> = cells
        .iter()
        .filter(|(k, _)| k.year == year && k.region == region)
        .map(|(k, (n, _))| (k, *n))
        .collect();
    let value = |sex: &str, age: &str| {
        rows.iter()
            .find(|(k, _)| k.sex == sex && k.age == age)
            .map(|r| r.1)
    };
    let mut rule = |severity: Severity, message: String| {
        out.finding("hcp.sex_age_add_up", severity, at.clone(), message)
    };
    let sexes: BTreeSet<&str> = rows.iter().map(|(k, _)| k.sex.as_str()).collect();
    // Each sex's age groups against that sex's total.
    for sex in &sexes {
        let groups: Vec<(&str, i64)> = rows
            .iter()
            .filter(|(k, _)| k.sex == *sex && k.age != TOTAL)
            .map(|(k, n)| (k.age.as_str(), *n))
            .collect();
        if groups.is_empty() {
            continue;
        }
        let names: Vec<&str> = groups.iter().map(|g| g.0).collect();
        if !partition_of_all_ages(&names) {
            rule(
                Severity::Info,
                format!("the age groups of sex {sex} overlap or do not cover all ages; they are not summed"),
            );
            continue;
        }
        let sum: i64 = groups.iter().map(|g| g.1).sum();
        if let Some(total) = value(sex, TOTAL) {
            if total != sum {
                rule(
                    Severity::Error,
                    format!(
                        "the age groups of sex {sex} add up to {}, the total row says {} (difference {})",
                        fmt_n(sum),
                        fmt_n(total),
                        fmt_n(sum - total)
                    ),
                );
            }
        }
    }
    // Each age group's sexes against the all-sex row of that group.
    let ages: BTreeSet<&str> = rows
        .iter()
        .filter(|(k, _)| k.age != TOTAL)
        .map(|(k, _)| k.age.as_str())
        .collect();
    for age in ages {
        let by_sex: Vec<i64> = rows
            .iter()
            .filter(|(k, _)| k.age == age && k.sex != TOTAL)
            .map(|r| r.1)
            .collect();
        if let (Some(total), true) = (value(TOTAL, age), by_sex.len() >= 2) {
            let sum: i64 = by_sex.iter().sum();
            if sum != total {
                rule(
                    Severity::Error,
                    format!(
                        "the sexes of age group {age} add up to {}, the total row says {} (difference {})",
                        fmt_n(sum),
                        fmt_n(total),
                        fmt_n(sum - total)
                    ),
                );
            }
        }
    }
    // The finest detail against the region's total.
    let Some((detail, how)) = detail_total(cells, year, region) else {
        return;
    };
    let what = format!("the {how} rows add up to");
    if let Some(total) = value(TOTAL, TOTAL) {
        if detail == total {
            rule(
                Severity::Info,
                format!("{what} the total row ({})", fmt_n(total)),
            );
        } else {
            rule(
                Severity::Error,
                format!(
                    "{what} {}, the total row says {} (difference {})",
                    fmt_n(detail),
                    fmt_n(total),
                    fmt_n(detail - total)
                ),
            );
        }
    } else if region == NATIONAL && regional_sum.is_some() {
        let sum = regional_sum.unwrap_or_default();
        let severity = if sum == detail {
            Severity::Info
        } else {
            Severity::Warning
        };
        rule(
            severity,
            format!(
                "{what} {}, the 12 regions of this file add up to {}",
                fmt_n(detail),
                fmt_n(sum)
            ),
        );
    } else if region == NATIONAL {
        let (severity, message) = compare_published(year, detail, &what);
        rule(severity, message);
    } else {
        rule(
            Severity::Info,
            format!(
                "{what} {}; the file has no total row for this region",
                fmt_n(detail)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::MemorySink;
    use arrow::array::AsArray;
    use arrow::datatypes::Int64Type;
    use std::io::Write;

    const REGIONS_SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data-samples/hcp/rgph2024-regions.csv"
    );
    const NATIONAL_SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data-samples/hcp/rgph2024-national-sex-age.csv"
    );

    fn ingest(path: &std::path::Path) -> (FeedReport, MemorySink) {
        let raw = RawFile::open(path).unwrap();
        let mut sink = MemorySink::default();
        let report = read(&raw, &FeedContext::default(), &mut sink).unwrap();
        (report, sink)
    }

    fn temp(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        (dir, path)
    }

    fn strings(sink: &MemorySink, col: &str) -> Vec<String> {
        let b = sink.batch(TABLE).unwrap();
        b.column_by_name(col)
            .unwrap()
            .as_string::<i32>()
            .iter()
            .map(|v| v.unwrap().to_string())
            .collect()
    }

    fn ints(sink: &MemorySink, col: &str) -> Vec<i64> {
        let b = sink.batch(TABLE).unwrap();
        b.column_by_name(col)
            .unwrap()
            .as_primitive::<Int64Type>()
            .iter()
            .map(|v| v.unwrap())
            .collect()
    }

    fn finding<'r>(report: &'r FeedReport, rule: &str) -> Vec<&'r crate::report::Finding> {
        report.findings.iter().filter(|f| f.rule == rule).collect()
    }

    #[test]
    fn hcp_regions_sample() {
        let (report, sink) = ingest(std::path::Path::new(REGIONS_SAMPLE));
        assert_eq!(
            (report.rows_staged, report.rows_quarantined),
            (12, 0),
            "{report}"
        );
        let codes = strings(&sink, "region_code");
        let expected: Vec<String> = (1..=12).map(|i| format!("MA-{i:02}")).collect();
        assert_eq!(codes, expected);
        assert!(ints(&sink, "year").iter().all(|y| *y == 2024));
        assert!(strings(&sink, "sex").iter().all(|s| s == "_T"));
        assert!(strings(&sink, "age_group").iter().all(|s| s == "_T"));
        let sum: i64 = ints(&sink, "population").iter().sum();
        let reference: i64 = RGPH2024_REGIONS.iter().map(|r| r.2).sum();
        assert_eq!(sum, reference);
        assert_eq!(sum, PUBLISHED_LEGAL_POPULATION_2024);
        // The sample file is the constant table.
        for ((code, _, n), (c, p)) in RGPH2024_REGIONS
            .iter()
            .zip(codes.iter().zip(ints(&sink, "population")))
        {
            assert_eq!((*code, *n), (c.as_str(), p));
        }
        let f = finding(&report, "hcp.regions_add_up");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].message.contains("36,828,330"), "{}", f[0].message);
    }

    #[test]
    fn hcp_regions_reference_names_parse() {
        for (code, name, _) in RGPH2024_REGIONS {
            assert_eq!(
                regions::parse_region(name).unwrap().unwrap().code,
                code,
                "{name}"
            );
        }
    }

    #[test]
    fn hcp_national_sex_age_sample() {
        let (report, sink) = ingest(std::path::Path::new(NATIONAL_SAMPLE));
        assert_eq!(report.rows_quarantined, 0, "{report}");
        assert_eq!(report.rows_staged, 39);
        let sexes = strings(&sink, "sex");
        let ages = strings(&sink, "age_group");
        let pops = ints(&sink, "population");
        assert!(strings(&sink, "region_code").iter().all(|r| r == "MA"));
        let detail: i64 = (0..pops.len())
            .filter(|&i| sexes[i] != "_T" && ages[i] != "_T")
            .map(|i| pops[i])
            .sum();
        assert_eq!(detail, PUBLISHED_LEGAL_POPULATION_2024);
        let grand = (0..pops.len())
            .find(|&i| sexes[i] == "_T" && ages[i] == "_T")
            .map(|i| pops[i]);
        assert_eq!(grand, Some(PUBLISHED_LEGAL_POPULATION_2024));
        let under15: i64 = (0..pops.len())
            .filter(|&i| ["0-4", "5-9", "10-14"].contains(&ages[i].as_str()))
            .map(|i| pops[i])
            .sum();
        let share = under15 as f64 * 100.0 / PUBLISHED_LEGAL_POPULATION_2024 as f64;
        assert!((share - 26.5).abs() < 0.05, "{share}");
        assert!(ages.contains(&"85+".to_string()));
        assert!(report.worst() <= Some(Severity::Info), "{report}");
        assert!(!finding(&report, "hcp.sex_age_add_up").is_empty());
    }

    #[test]
    fn hcp_national_row_that_differs_is_an_error() {
        let (_d, path) = temp(
            "pop.csv",
            "Région;Population 2024\nMaroc;100\nTanger-Tétouan-Al Hoceïma;10\nL'Oriental;10\nFès-Meknès;10\nRabat-Salé-Kénitra;10\nBéni Mellal-Khénifra;10\nCasablanca-Settat;10\nMarrakech-Safi;10\nDrâa-Tafilalet;10\nSouss-Massa;10\nGuelmim-Oued Noun;10\nLaâyoune-Sakia El Hamra;10\nDakhla-Oued Ed-Dahab;10\n",
        );
        let (report, sink) = ingest(&path);
        assert_eq!(sink.row_count(TABLE), 13);
        let f = finding(&report, "hcp.regions_add_up");
        assert_eq!(f[0].severity, Severity::Error);
        assert!(
            f[0].message.contains("120") && f[0].message.contains("100"),
            "{}",
            f[0].message
        );
        let p = finding(&report, "hcp.published_total");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].severity, Severity::Warning);
    }

    #[test]
    fn hcp_arabic_long_form_with_year_column_and_bad_values() {
        let (_d, path) = temp(
            "sukkan.csv",
            "السنة,الجهة,الجنس,الفئة العمرية,السكان\n\
             2014,المغرب,المجموع,المجموع,300\n\
             2014,المغرب,ذكر,المجموع,140\n\
             2014,المغرب,أنثى,المجموع,150\n\
             2014,المغرب,ذكر,0-4,x\n\
             2014,Atlantide,أنثى,المجموع,5\n",
        );
        let (report, sink) = ingest(&path);
        assert_eq!(report.rows_staged, 3, "{report}");
        assert_eq!(report.rows_quarantined, 2);
        assert_eq!(strings(&sink, "sex"), ["_T", "M", "F"]);
        assert!(ints(&sink, "year").iter().all(|y| *y == 2014));
        let q = &report.quarantine_sample;
        assert!(q
            .iter()
            .any(|r| r.position == "line 5" && r.column == "population"));
        assert!(q
            .iter()
            .any(|r| r.position == "line 6" && r.column == "region"));
        // 140 + 150 ≠ 300.
        let f = finding(&report, "hcp.sex_age_add_up");
        assert!(
            f.iter()
                .any(|f| f.severity == Severity::Error && f.message.contains("290")),
            "{report}"
        );
    }

    #[test]
    fn hcp_year_from_header_or_name_or_refused() {
        assert_eq!(population_header("legal_population_2024"), Some(Some(2024)));
        assert_eq!(population_header("Population légale"), Some(None));
        assert_eq!(population_header("region_fr"), None);
        assert_eq!(year_in_name("rgph2024-regions.csv"), Some(2024));
        assert_eq!(year_in_name("pop-12345.csv"), None);
        let (_d, path) = temp("pop.csv", "code,population\nMA-01,5\n");
        let raw = RawFile::open(&path).unwrap();
        let err = read(&raw, &FeedContext::default(), &mut MemorySink::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no year") && err.contains("pop.csv"), "{err}");
        let (_d, path) = temp("pop-2019.csv", "code,population\nMA-01,5\n");
        let (report, sink) = ingest(&path);
        assert_eq!(ints(&sink, "year"), [2019]);
        let f = finding(&report, "hcp.regions_add_up");
        assert_eq!(f[0].severity, Severity::Warning);
    }
}
