//! NCMEC CyberTipline referrals (feed `ncmec-referrals`).
//!
//! - **Agency**: the National Center for Missing & Exploited Children (NCMEC), through the
//!   CyberTipline reports it makes available to Moroccan law enforcement.
//! - **Format**: CSV (delimiter sniffed, UTF-8 with or without BOM, or Windows-1256), header on
//!   the first line: `Report ID, Received Date, Incident Type, Reporting ESP, Estimated Region,
//!   File Count, Actionable, Sextortion` (French and Arabic headers accepted too).
//! - **Sample**: `data-samples/ncmec/ncmec-referrals-2023.csv`, 2,000 synthetic rows written by
//!   [`crate::synthetic::ncmec_referrals`] with seed 2023.
//! - **Grain**: one row per CyberTipline report → staging `ncmec_referrals`; and one row per
//!   year × incident type × region × actionable × sextortion → staging `ncmec_referral_counts`,
//!   the roll-up indicators read instead of rescanning tens of millions of rows. Its lineage
//!   position is the span of lines of the rows it counts.
//!
//! This feed streams: a year of referrals can be 36 million rows (≈ 4 GB). The file is cut into
//! chunks of whole records ([`csv::Chunks`]) that are parsed on every core into record batches
//! with their lineage, then staged in file order ([`parallel::ordered_map`]); nothing grows with
//! the number of rows but the roll-up (one entry per key). In particular duplicate report ids
//! are **not** detected here (that would need every id in memory): the warehouse can count
//! duplicate `report_token`s with SQL if a steward needs it.
//!
//! Each row is parsed by the cheapest correct path first (ISO and dd/mm/yyyy dates by bytes,
//! NCMEC's exact labels, plain digits) and falls back to the shared rules in
//! [`crate::normalise`] for anything else; region spellings and incident labels that need the
//! shared rules are remembered (a bounded cache per chunk), so each distinct spelling is folded
//! once per chunk.
//! The report id is replaced by its keyed token before the row leaves this module.
//!
//! Parts: `chunks.rs` (the chunk parser, run on every core), `cells.rs` (reading one cell); this
//! file holds the entry points, the columns and the staging in file order.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Int64Builder, RecordBatch, StringBuilder,
};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use super::{Feed, FeedContext};
use crate::error::{PipelineError, Result};
use crate::formats::{csv, Position, RowCheck};
use crate::normalise::{dates, fold, labels, numbers, regions, ColumnSpec, HeaderMap};
use crate::output::{
    date32, rejected as rejected_value, Emitter, LineageBuilder, Sink, TableSpec, Value,
};
use crate::parallel;
use crate::pseudonym::PseudonymKey;
use crate::report::{FeedReport, QuarantineRow};
use crate::source::RawFile;

mod cells;
mod chunks;

pub use self::cells::parse_incident_type;
use self::cells::*;
use self::chunks::*;

/// The staging table.
pub const TABLE: &str = marsad_model::tables::names::NCMEC_REFERRALS;
/// The roll-up of the staged rows by the conformed dimensions.
pub const COUNTS_TABLE: &str = marsad_model::tables::names::NCMEC_REFERRAL_COUNTS;

/// Staging `ncmec_referrals` and its roll-up `ncmec_referral_counts`.
pub fn tables() -> Vec<TableSpec> {
    vec![
        marsad_model::tables::ncmec_referrals(),
        marsad_model::tables::ncmec_referral_counts(),
    ]
}

/// Key of a roll-up row.
type CountKey = (
    i64,
    &'static str,
    Option<&'static str>,
    Option<bool>,
    Option<bool>,
);

/// Reports, files and the first and last line counted, per roll-up key.
#[derive(Default)]
struct Count {
    reports: i64,
    files: i64,
    first: u64,
    last: u64,
}

const REPORT_ID: usize = 0;
const RECEIVED: usize = 1;
const INCIDENT: usize = 2;
const ESP: usize = 3;
const REGION: usize = 4;
const FILES: usize = 5;
const ACTIONABLE: usize = 6;
const SEXTORTION: usize = 7;

/// The columns read, in the order of the constants above.
const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required(
        "report_id",
        &[
            "Report ID",
            "CyberTipline Report ID",
            "CyberTipline Report Number",
            "CyberTip ID",
            "Report Number",
            "Tip ID",
            "NCMEC Report ID",
            "N° signalement",
            "Numéro du signalement",
            "Identifiant du signalement",
            "رقم البلاغ",
            "رقم التقرير",
        ],
    ),
    ColumnSpec::required(
        "received_date",
        &[
            "Received Date",
            "Date Received",
            "Report Received Date",
            "Received",
            "Date de réception",
            "Date reçue",
            "تاريخ التوصل",
            "تاريخ الاستلام",
        ],
    ),
    ColumnSpec::required(
        "incident_type",
        &[
            "Incident Type",
            "Type of Incident",
            "Incident Category",
            "Type d'incident",
            "Catégorie",
            "نوع الحادث",
            "نوع الواقعة",
        ],
    ),
    ColumnSpec::optional(
        "esp",
        &[
            "Reporting ESP",
            "ESP",
            "Electronic Service Provider",
            "Reporting Electronic Service Provider",
            "Reporting Company",
            "Fournisseur de services",
            "Plateforme",
            "مزود الخدمة",
        ],
    ),
    ColumnSpec::optional(
        "region_code",
        &[
            "Estimated Region",
            "Region",
            "Estimated Location",
            "Région",
            "Région estimée",
            "الجهة",
        ],
    ),
    ColumnSpec::optional(
        "file_count",
        &[
            "File Count",
            "Files",
            "Number of Files",
            "Nombre de fichiers",
            "عدد الملفات",
        ],
    ),
    ColumnSpec::optional(
        "actionable",
        &[
            "Actionable",
            "Actionable/Informational",
            "Actionability",
            "Report Classification",
            "Exploitable",
            "قابل للاستغلال",
        ],
    ),
    ColumnSpec::optional(
        "sextortion",
        &[
            "Sextortion",
            "Sextortion Annotation",
            "Sextorsion",
            "ابتزاز جنسي",
        ],
    ),
];

/// NCMEC's eight incident types: the staging code and every accepted label (compared exactly
/// first, then after [`fold`]). The code itself is accepted too. A conformed code list: it lives
/// in the model, which `dim_offence` reads too.
pub use marsad_model::codes::offences::INCIDENT_TYPES;

/// Distinct spellings remembered per column; past this the shared rules run uncached.
const MEMO_CAP: usize = 4_096;

/// First day a CyberTipline report can have been received (the CyberTipline opened in 1998).
fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1998, 1, 1).unwrap_or_default()
}

/// Read one referral file into staging `ncmec_referrals`: chunks of the file are parsed on every
/// core ([`parallel::ordered_map`]) and staged in file order, so the batches are the same as a
/// sequential read's.
pub fn read(file: &RawFile, ctx: &FeedContext, sink: &mut dyn Sink) -> Result<FeedReport> {
    let key = ctx.key(Feed::NcmecReferrals)?;
    if !matches!(file.extension().as_str(), "csv" | "txt" | "tsv") {
        return Err(PipelineError::layout(
            &file.name,
            Feed::NcmecReferrals.name(),
            format!(
                "`.{}` files are not accepted: referrals arrive as CSV",
                file.extension()
            ),
        ));
    }
    let mut specs = tables();
    let counts_table = specs.remove(1);
    let table = specs.remove(0);
    let mut chunks = csv::Chunks::open(file)?;
    let header = chunks.header()?.ok_or_else(|| PipelineError::Empty {
        file: file.name.clone(),
        detail: None,
    })?;
    // Dates after the day following the reference date are refused: the reference date comes
    // with the ingest (recorded in the report), never from this machine's clock.
    let reference = ctx.reference_date(Feed::NcmecReferrals)?;
    let reader = ChunkReader {
        file,
        delimiter: chunks.delimiter(),
        map: HeaderMap::new(&file.name, &header.cells, COLUMNS)?,
        shape: RowCheck::new(file, &header.cells).withholding_values(),
        key,
        table: &table,
        earliest: first_day(),
        latest: reference.succ_opt().unwrap_or(reference),
    };
    let mut out = Emitter::new(Feed::NcmecReferrals.name(), file, sink)?;
    let mut counts: Counts = Counts::default();
    parallel::ordered_map(
        parallel::threads(),
        || chunks.next_chunk(),
        |chunk| reader.read(&chunk),
        |part| {
            if let Some(batch) = part.batch {
                out.batch(&table, batch)?;
            }
            for bad in part.rejected {
                out.reject(bad)?;
            }
            for (key, c) in part.counts {
                let total = counts.entry(key).or_insert(Count {
                    first: c.first,
                    ..Count::default()
                });
                total.reports += c.reports;
                total.files += c.files;
                total.last = c.last;
            }
            Ok(())
        },
    )?;
    let mut counts: Vec<(CountKey, Count)> = counts.into_iter().collect();
    counts.sort_by(|a, b| a.0.cmp(&b.0));
    for ((year, incident, region, actionable, sextortion), c) in counts {
        out.roll_up(
            &counts_table,
            &Position::Lines {
                first: c.first,
                last: c.last,
            },
            vec![
                Value::Int(year),
                Value::Str(incident.to_string()),
                region
                    .map(|r| Value::Str(r.to_string()))
                    .unwrap_or(Value::Null),
                actionable.into(),
                sextortion.into(),
                Value::Int(c.reports),
                Value::Int(c.files),
            ],
        )?;
    }
    let mut report = out.finish()?;
    report.reference_date = Some(reference.to_string());
    Ok(report)
}

#[cfg(test)]
mod tests;
