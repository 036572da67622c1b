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

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Int64Builder, RecordBatch, StringBuilder,
};
use arrow::datatypes::{DataType, Field};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use super::{Feed, FeedContext};
use crate::error::{PipelineError, Result};
use crate::formats::{csv, Position, RowCheck};
use crate::normalise::{dates, fold, labels, numbers, regions, ColumnSpec, HeaderMap};
use crate::output::{
    date32, rejected as rejected_value, Emitter, LineageBuilder, RollUp, Sink, TableSpec, Value,
};
use crate::parallel;
use crate::pseudonym::PseudonymKey;
use crate::report::{FeedReport, QuarantineRow};
use crate::source::RawFile;

/// The staging table.
pub const TABLE: &str = "ncmec_referrals";
/// The roll-up of the staged rows by the conformed dimensions.
pub const COUNTS_TABLE: &str = "ncmec_referral_counts";

/// Staging `ncmec_referrals` and its roll-up `ncmec_referral_counts`.
pub fn tables() -> Vec<TableSpec> {
    vec![
        TableSpec::new(
            TABLE,
            vec![
                Field::new("report_token", DataType::Utf8, false),
                Field::new("received_date", DataType::Date32, false),
                Field::new("year", DataType::Int64, false),
                Field::new("incident_type", DataType::Utf8, false),
                Field::new("esp", DataType::Utf8, true),
                Field::new("region_code", DataType::Utf8, true),
                Field::new("file_count", DataType::Int64, true),
                Field::new("actionable", DataType::Boolean, true),
                Field::new("sextortion", DataType::Boolean, true),
            ],
        )
        .with_key(&["report_token"]),
        TableSpec::new(
            COUNTS_TABLE,
            vec![
                Field::new("year", DataType::Int64, false),
                Field::new("incident_type", DataType::Utf8, false),
                Field::new("region_code", DataType::Utf8, true),
                Field::new("actionable", DataType::Boolean, true),
                Field::new("sextortion", DataType::Boolean, true),
                Field::new("reports", DataType::Int64, false),
                Field::new("files", DataType::Int64, false),
            ],
        )
        .with_roll_up(RollUp {
            of: TABLE.to_string(),
            count: "reports".to_string(),
            sums: vec![("files".to_string(), "file_count".to_string())],
        }),
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
/// first, then after [`fold`]). The code itself is accepted too.
/// NCMEC's incident types: (code, the labels NCMEC has used for it, current label first).
pub const INCIDENT_TYPES: &[(&str, &[&str])] = &[
    (
        "csam",
        &[
            "Child Sexual Abuse Material",
            "Child Pornography (possession, manufacture, and distribution)",
            "Child Sexual Abuse Material (CSAM)",
            "Child Pornography",
            "Possession, Manufacture, and Distribution of Child Pornography",
            "Possession, Manufacture, and Distribution of Child Sexual Abuse Material",
            "Apparent Child Pornography",
            "CSAM",
            "CP",
        ],
    ),
    ("child_sex_trafficking", &["Child Sex Trafficking"]),
    ("child_sex_tourism", &["Child Sex Tourism"]),
    (
        "child_sexual_molestation",
        &[
            "Child Sexual Molestation",
            "Child Sexual Molestation (not by family member)",
            "Molestation",
        ],
    ),
    (
        "misleading_domain_name",
        &["Misleading Domain Name", "Misleading Domain Names"],
    ),
    (
        "misleading_words_or_images",
        &[
            "Misleading Words or Digital Images on the Internet",
            "Misleading Words or Digital Images",
            "Misleading Words or Images",
        ],
    ),
    (
        "online_enticement",
        &[
            "Online Enticement of Children for Sexual Acts",
            "Online Enticement",
            "Enticement",
        ],
    ),
    (
        "unsolicited_obscene_material",
        &[
            "Unsolicited Obscene Material Sent to a Child",
            "Unsolicited Obscene Material",
        ],
    ),
];

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

/// Roll-up counts by key.
type Counts = FxHashMap<CountKey, Count>;

/// What one chunk of the file gives: its staged rows, its rejected rows (each with its rejected
/// values) and its share of the roll-up.
struct Part {
    batch: Option<RecordBatch>,
    rejected: Vec<Vec<QuarantineRow>>,
    counts: Counts,
}

/// What every chunk is read with (shared by the worker threads).
struct ChunkReader<'a> {
    file: &'a RawFile,
    delimiter: u8,
    map: HeaderMap,
    shape: RowCheck,
    key: &'a PseudonymKey,
    table: &'a TableSpec,
    earliest: NaiveDate,
    latest: NaiveDate,
}

impl ChunkReader<'_> {
    fn read(&self, chunk: &csv::TextChunk) -> Result<Part> {
        let map = &self.map;
        let mut parser = RowParser {
            incident_memo: FxHashMap::default(),
            region_memo: FxHashMap::default(),
            earliest: self.earliest,
            latest: self.latest,
        };
        let mut staged = Staged::new(&self.file.sha256, chunk.bytes.len() / 100);
        let mut rejected = Vec::new();
        let mut counts = Counts::default();
        let mut token = [0u8; 32];
        let mut records = csv::ChunkRecords::new(&self.file.name, self.delimiter, chunk);
        while let Some(record) = records.next_record()? {
            if record.is_blank() {
                continue;
            }
            let pos = record.position();
            let mut bad: Vec<QuarantineRow> = self.shape.check(&record, &pos);
            let cell = |col: usize| map.cell(&record, col);

            let id = cell(REPORT_ID);
            if id.is_empty() {
                bad.push(rejected_value(
                    &pos,
                    COLUMNS[REPORT_ID].name,
                    Some(id),
                    "the report id is blank",
                ));
            }
            let raw = cell(RECEIVED);
            let date = accept(&mut bad, &pos, RECEIVED, raw, parser.date(raw));
            let raw = cell(INCIDENT);
            let incident = accept(&mut bad, &pos, INCIDENT, raw, parser.incident(raw));
            let raw = cell(REGION);
            let region = accept(&mut bad, &pos, REGION, raw, parser.region(raw)).flatten();
            let raw = cell(FILES);
            let files = accept(&mut bad, &pos, FILES, raw, parse_file_count(raw)).flatten();
            let raw = cell(ACTIONABLE);
            let actionable =
                accept(&mut bad, &pos, ACTIONABLE, raw, parse_actionable(raw)).flatten();
            let sextortion = match map.get(SEXTORTION) {
                None => None,
                Some(_) => {
                    let raw = cell(SEXTORTION);
                    accept(&mut bad, &pos, SEXTORTION, raw, parse_flag(raw)).flatten()
                }
            };

            match (date, incident) {
                (Some(date), Some(incident)) if bad.is_empty() => {
                    let year = i64::from(chrono::Datelike::year(&date));
                    let c = counts
                        .entry((year, incident, region, actionable, sextortion))
                        .or_insert(Count {
                            first: record.line,
                            ..Count::default()
                        });
                    c.reports += 1;
                    c.files += files.unwrap_or(0);
                    c.last = record.line;
                    let s = &mut staged;
                    s.token.append_value(self.key.token_into(id, &mut token));
                    s.date.append_value(date32(date));
                    s.year.append_value(year);
                    s.incident.append_value(incident);
                    let esp = cell(ESP);
                    s.esp.append_option((!esp.is_empty()).then_some(esp));
                    s.region.append_option(region);
                    s.files.append_option(files);
                    s.actionable.append_option(actionable);
                    s.sextortion.append_option(sextortion);
                    s.lineage.push(&pos);
                    s.rows += 1;
                }
                _ => rejected.push(bad),
            }
        }
        Ok(Part {
            batch: staged.finish(self.table)?,
            rejected,
            counts,
        })
    }
}

/// `Some(value)` if `result` is one, else `None` with the rejection of `raw` in column `col`
/// recorded in `bad`.
fn accept<T>(
    bad: &mut Vec<QuarantineRow>,
    pos: &Position,
    col: usize,
    raw: &str,
    result: Result<T, String>,
) -> Option<T> {
    result
        .map_err(|reason| bad.push(rejected_value(pos, COLUMNS[col].name, Some(raw), reason)))
        .ok()
}

/// The staging columns of one chunk, in the order of [`tables`].
struct Staged {
    token: StringBuilder,
    date: Date32Builder,
    year: Int64Builder,
    incident: StringBuilder,
    esp: StringBuilder,
    region: StringBuilder,
    files: Int64Builder,
    actionable: BooleanBuilder,
    sextortion: BooleanBuilder,
    lineage: LineageBuilder,
    rows: usize,
}

impl Staged {
    fn new(sha256: &str, rows: usize) -> Self {
        Staged {
            token: StringBuilder::with_capacity(rows, rows * 32),
            date: Date32Builder::with_capacity(rows),
            year: Int64Builder::with_capacity(rows),
            incident: StringBuilder::with_capacity(rows, rows * 8),
            esp: StringBuilder::with_capacity(rows, rows * 8),
            region: StringBuilder::with_capacity(rows, rows * 6),
            files: Int64Builder::with_capacity(rows),
            actionable: BooleanBuilder::with_capacity(rows),
            sextortion: BooleanBuilder::with_capacity(rows),
            lineage: LineageBuilder::new(sha256, rows),
            rows: 0,
        }
    }

    fn finish(mut self, table: &TableSpec) -> Result<Option<RecordBatch>> {
        if self.rows == 0 {
            return Ok(None);
        }
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.token.finish()),
            Arc::new(self.date.finish()),
            Arc::new(self.year.finish()),
            Arc::new(self.incident.finish()),
            Arc::new(self.esp.finish()),
            Arc::new(self.region.finish()),
            Arc::new(self.files.finish()),
            Arc::new(self.actionable.finish()),
            Arc::new(self.sextortion.finish()),
        ];
        columns.extend(self.lineage.finish());
        RecordBatch::try_new(table.schema.clone(), columns)
            .map(Some)
            .map_err(|e| PipelineError::Internal {
                table: table.name.clone(),
                detail: e.to_string(),
            })
    }
}

/// Per-chunk parsing state: small caches of the shared rules' answers, and the date range.
struct RowParser {
    incident_memo: FxHashMap<String, Result<&'static str, String>>,
    region_memo: FxHashMap<String, Result<Option<&'static str>, String>>,
    earliest: NaiveDate,
    latest: NaiveDate,
}

impl RowParser {
    fn date(&self, s: &str) -> Result<NaiveDate, String> {
        let d = match fast_date(s.as_bytes()) {
            Some(d) => d,
            None => parse_date_slow(s)?,
        };
        if d < self.earliest || d > self.latest {
            return Err(format!(
                "received date {d} is outside {} .. {} (the CyberTipline opened in 1998)",
                self.earliest, self.latest
            ));
        }
        Ok(d)
    }

    fn incident(&mut self, s: &str) -> Result<&'static str, String> {
        memo(&mut self.incident_memo, s, parse_incident_type)
    }

    fn region(&mut self, s: &str) -> Result<Option<&'static str>, String> {
        if s.is_empty() {
            return Ok(None);
        }
        memo(&mut self.region_memo, s, |s| {
            regions::parse_region(s).map(|r| r.map(|r| r.code))
        })
    }
}

/// `rule(s)`, remembered for each distinct `s` (up to [`MEMO_CAP`] of them).
fn memo<T: Clone>(
    cache: &mut FxHashMap<String, Result<T, String>>,
    s: &str,
    rule: impl Fn(&str) -> Result<T, String>,
) -> Result<T, String> {
    if let Some(r) = cache.get(s) {
        return r.clone();
    }
    let r = rule(s);
    if cache.len() < MEMO_CAP {
        cache.insert(s.to_string(), r.clone());
    }
    r
}

/// NCMEC's labels and the codes as written, compared byte for byte (the common case).
fn incident_exact(s: &str) -> Option<&'static str> {
    INCIDENT_TYPES
        .iter()
        .find_map(|(code, labels)| (*code == s || labels.contains(&s)).then_some(*code))
}

/// An incident type in any accepted spelling → its staging code.
pub fn parse_incident_type(s: &str) -> Result<&'static str, String> {
    if s.trim().is_empty() {
        return Err("the incident type is blank".into());
    }
    if let Some(code) = incident_exact(s.trim()) {
        return Ok(code);
    }
    let f = fold(s);
    INCIDENT_TYPES
        .iter()
        .find_map(|(code, labels)| {
            (fold(code) == f || labels.iter().any(|l| fold(l) == f)).then_some(*code)
        })
        .ok_or_else(|| {
            format!(
                "unknown incident type (NCMEC's eight types are accepted: {})",
                INCIDENT_TYPES
                    .iter()
                    .map(|(_, labels)| labels[0])
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })
}

/// `YYYY-MM-DD` (optionally followed by a time: `T…` or ` …`) or `DD/MM/YYYY`, by bytes.
/// Anything else (or an impossible date) is left to the shared date rules.
fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    fn digits(b: &[u8]) -> Option<u32> {
        let mut n = 0u32;
        for &c in b {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Some(n)
    }
    if b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && (b.len() == 10 || matches!(b[10], b'T' | b' '))
    {
        if b.len() > 10 {
            // A timestamp: the shared rules check the time part.
            return None;
        }
        let y = digits(&b[0..4])?;
        let m = digits(&b[5..7])?;
        let d = digits(&b[8..10])?;
        return NaiveDate::from_ymd_opt(y as i32, m, d);
    }
    if b.len() == 10 && b[2] == b'/' && b[5] == b'/' {
        let d = digits(&b[0..2])?;
        let m = digits(&b[3..5])?;
        let y = digits(&b[6..10])?;
        return NaiveDate::from_ymd_opt(y as i32, m, d);
    }
    None
}

/// Dates the fast path does not read (timestamps: the date part as written; Excel serials;
/// `d/m/yyyy`…): the shared date rules.
fn parse_date_slow(s: &str) -> Result<NaiveDate, String> {
    if s.is_empty() {
        return Err("the received date is blank".into());
    }
    dates::parse_date(s)
}

/// File count: blank → null; plain digits fast; otherwise the shared count rules.
fn parse_file_count(s: &str) -> Result<Option<i64>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    let b = s.as_bytes();
    if b.len() <= 18 && b.iter().all(u8::is_ascii_digit) {
        return Ok(Some(
            b.iter().fold(0i64, |n, &c| n * 10 + i64::from(c - b'0')),
        ));
    }
    if numbers::is_blank(s) {
        return Ok(None);
    }
    let n = numbers::parse_count(s)?;
    if n < 0 {
        return Err("a file count cannot be negative".into());
    }
    Ok(Some(n))
}

/// `Actionable` → true, `Informational` → false (also the shared yes/no words); blank → null.
fn parse_actionable(s: &str) -> Result<Option<bool>, String> {
    match s {
        "Actionable" => return Ok(Some(true)),
        "Informational" => return Ok(Some(false)),
        "" => return Ok(None),
        _ => {}
    }
    match fold(s).as_str() {
        "actionable" | "exploitable" => Ok(Some(true)),
        "informational" | "info" | "informatif" => Ok(Some(false)),
        _ => labels::parse_yes_no(s)
            .map_err(|_| "expected Actionable or Informational (or yes/no)".to_string()),
    }
}

/// The sextortion annotation: the shared yes/no words; blank → null (not annotated is not
/// "no").
fn parse_flag(s: &str) -> Result<Option<bool>, String> {
    match s {
        "Yes" => Ok(Some(true)),
        "No" => Ok(Some(false)),
        _ => labels::parse_yes_no(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::MemorySink;
    use crate::pseudonym::PseudonymKey;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{Date32Type, Int64Type};
    use std::collections::BTreeMap;
    use std::io::Write;

    const SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data-samples/ncmec/ncmec-referrals-2023.csv"
    );

    fn ctx() -> FeedContext {
        FeedContext {
            key: Some(PseudonymKey::new(b"test-key-0123456789").unwrap()),
            reference_date: NaiveDate::from_ymd_opt(2024, 6, 30),
        }
    }

    fn ingest(path: &std::path::Path) -> (FeedReport, MemorySink) {
        let raw = RawFile::open(path).unwrap();
        let mut sink = MemorySink::default();
        let report = read(&raw, &ctx(), &mut sink).unwrap();
        (report, sink)
    }

    fn write_file(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        path
    }

    /// Incident-type counts recomputed from the raw CSV with the csv crate alone.
    fn raw_type_counts(path: &std::path::Path) -> BTreeMap<String, usize> {
        let mut r = ::csv::Reader::from_path(path).unwrap();
        let mut counts = BTreeMap::new();
        for rec in r.records() {
            let rec = rec.unwrap();
            let code = incident_exact(rec.get(2).unwrap()).unwrap();
            *counts.entry(code.to_string()).or_insert(0) += 1;
        }
        counts
    }

    fn staged_type_counts(sink: &MemorySink) -> BTreeMap<String, usize> {
        let batch = sink.batch(TABLE).unwrap();
        let col = batch
            .column_by_name("incident_type")
            .unwrap()
            .as_string::<i32>();
        let mut counts = BTreeMap::new();
        for v in col.iter() {
            *counts.entry(v.unwrap().to_string()).or_insert(0) += 1;
        }
        counts
    }

    #[test]
    fn referrals_sample_stages_every_row() {
        let (report, sink) = ingest(std::path::Path::new(SAMPLE));
        assert_eq!(report.rows_read, 2_000);
        assert_eq!(report.rows_staged, 2_000);
        assert_eq!(report.rows_quarantined, 0, "{report}");
        assert_eq!(sink.row_count(TABLE), 2_000);
        assert_eq!(
            raw_type_counts(std::path::Path::new(SAMPLE)),
            staged_type_counts(&sink)
        );
        let batch = sink.batch(TABLE).unwrap();
        assert_eq!(batch.schema(), tables()[0].schema);
        // Every date in 2023, tokens are 32 hex characters, no raw id survives.
        let years = batch
            .column_by_name("year")
            .unwrap()
            .as_primitive::<Int64Type>();
        assert!(years.iter().all(|y| y == Some(2023)));
        let tokens = batch
            .column_by_name("report_token")
            .unwrap()
            .as_string::<i32>();
        assert!(tokens.iter().all(|t| t.unwrap().len() == 32));
        assert!(!tokens.iter().any(|t| t.unwrap().starts_with("1500")));
        // About 5% of regions are blank (null), the rest are MA-01..MA-12.
        let regions = batch
            .column_by_name("region_code")
            .unwrap()
            .as_string::<i32>();
        let nulls = regions.null_count();
        assert!((40..=160).contains(&nulls), "{nulls} blank regions");
        assert!(regions
            .iter()
            .flatten()
            .all(|c| c.starts_with("MA-") && c.len() == 5));
    }

    #[test]
    fn referrals_generator_round_trip_is_exact() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        crate::synthetic::ncmec_referrals::write(&a, 500, 42).unwrap();
        crate::synthetic::ncmec_referrals::write(&b, 500, 42).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        let (report, sink) = ingest(&a);
        assert_eq!((report.rows_staged, report.rows_quarantined), (500, 0));
        let expected = raw_type_counts(&a);
        assert_eq!(expected.values().sum::<usize>(), 500);
        assert!(expected["csam"] > 400, "{expected:?}");
        assert_eq!(staged_type_counts(&sink), expected);
    }

    #[test]
    fn referrals_labels_short_forms_and_dates() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(
            &dir,
            "r.csv",
            "Report ID;Received Date;Incident Type;Reporting ESP;Estimated Region;File Count;Actionable;Sextortion\n\
             A1;2023-02-01;CSAM; Google ;MA-06;2;Informational;TRUE\n\
             A2;01/02/2023;online enticement;Instagram;;0;actionable;\n\
             A3;2023-02-01T10:11:12Z;Child Sexual Abuse Material;X;Casablanca-Settat;;;no\n\
             A4;2023-12-31;unsolicited_obscene_material;;Souss-Massa;1 234;Actionable;1\n",
        );
        let (report, sink) = ingest(&path);
        assert_eq!(report.rows_staged, 4, "{report}");
        let batch = sink.batch(TABLE).unwrap();
        let types: Vec<_> = batch
            .column_by_name("incident_type")
            .unwrap()
            .as_string::<i32>()
            .iter()
            .map(|v| v.unwrap().to_string())
            .collect();
        assert_eq!(
            types,
            [
                "csam",
                "online_enticement",
                "csam",
                "unsolicited_obscene_material"
            ]
        );
        let dates = batch
            .column_by_name("received_date")
            .unwrap()
            .as_primitive::<Date32Type>();
        assert_eq!(dates.value(0), dates.value(1));
        assert_eq!(dates.value(0), dates.value(2));
        let esp = batch.column_by_name("esp").unwrap().as_string::<i32>();
        assert_eq!(esp.value(0), "Google");
        assert!(esp.is_null(3));
        let region = batch
            .column_by_name("region_code")
            .unwrap()
            .as_string::<i32>();
        assert_eq!(region.value(0), "MA-06");
        assert!(region.is_null(1));
        assert_eq!(region.value(2), "MA-06");
        assert_eq!(region.value(3), "MA-09");
        let files = batch
            .column_by_name("file_count")
            .unwrap()
            .as_primitive::<Int64Type>();
        assert_eq!(files.value(3), 1234);
        assert!(files.is_null(2));
        let act = batch.column_by_name("actionable").unwrap().as_boolean();
        assert!(!act.value(0) && act.value(1) && act.is_null(2) && act.value(3));
        let sx = batch.column_by_name("sextortion").unwrap().as_boolean();
        // A blank annotation is not a "no": it is staged as null.
        assert!(sx.value(0) && sx.is_null(1) && !sx.value(2) && sx.value(3));
        let key = PseudonymKey::new(b"test-key-0123456789").unwrap();
        let tokens = batch
            .column_by_name("report_token")
            .unwrap()
            .as_string::<i32>();
        assert_eq!(tokens.value(0), key.token("A1"));
    }

    /// The latest accepted date is the day after the reference date the ingest gives, not the
    /// clock's: the same file and date give the same rows, and the report records the date.
    #[test]
    fn referrals_dates_are_checked_against_the_given_reference_date() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(
            &dir,
            "r.csv",
            "Report ID,Received Date,Incident Type,Reporting ESP,Estimated Region,File Count,Actionable,Sextortion\n\
             1,2023-03-01,CSAM,X,,1,Actionable,\n\
             2,2023-03-02,CSAM,X,,1,Actionable,No\n\
             3,2023-03-03,CSAM,X,,1,Actionable,Yes\n",
        );
        let raw = RawFile::open(&path).unwrap();
        let on = |date: NaiveDate| {
            let ctx = FeedContext {
                reference_date: Some(date),
                ..ctx()
            };
            let mut sink = MemorySink::default();
            let report = read(&raw, &ctx, &mut sink).unwrap();
            (report, sink)
        };
        let day = |d| NaiveDate::from_ymd_opt(2023, 3, d).unwrap();
        let (report, _) = on(day(1));
        assert_eq!((report.rows_staged, report.rows_quarantined), (2, 1));
        assert_eq!(report.reference_date.as_deref(), Some("2023-03-01"));
        assert_eq!(
            report.quarantine_sample[0].reason,
            "received date 2023-03-03 is outside 1998-01-01 .. 2023-03-02 (the CyberTipline opened in 1998)"
        );
        assert!(report.to_string().contains("  reference date 2023-03-01\n"));
        let (again, _) = on(day(1));
        assert_eq!(again.quarantine_sample, report.quarantine_sample);
        let (later, sink) = on(day(2));
        assert_eq!((later.rows_staged, later.rows_quarantined), (3, 0));
        let sx = sink.batch(TABLE).unwrap();
        let sx = sx.column_by_name("sextortion").unwrap().as_boolean();
        assert!(sx.is_null(0) && !sx.value(1) && sx.value(2));
        let counts = sink.batch(COUNTS_TABLE).unwrap();
        let sx = counts.column_by_name("sextortion").unwrap().as_boolean();
        assert_eq!(sx.null_count(), 1, "the roll-up keeps blank apart from no");

        let err = read(
            &raw,
            &FeedContext {
                reference_date: None,
                ..ctx()
            },
            &mut MemorySink::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("reference date"), "{err}");
    }

    #[test]
    fn referrals_bad_values_are_quarantined_with_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(
            &dir,
            "bad.csv",
            "Report ID,Received Date,Incident Type,Reporting ESP,Estimated Region,File Count,Actionable,Sextortion\n\
             1,2023-01-05,Child Sex Trafficking,Facebook,Rabat-Salé-Kénitra,1,Actionable,No\n\
             2,31/02/2023,Child Sex Tourism,Facebook,,1,Actionable,\n\
             3,2023-01-05,Cyberbullying,Facebook,,1,Actionable,\n\
             4,2023-01-05,Child Sex Tourism,Facebook,Atlantis,-3,Maybe,perhaps\n\
             ,2023-01-05,Child Sex Tourism,Facebook,,1,Actionable,\n",
        );
        let (report, sink) = ingest(&path);
        assert_eq!(report.rows_read, 5);
        assert_eq!(report.rows_staged, 1);
        assert_eq!(report.rows_quarantined, 4);
        assert_eq!(sink.row_count(TABLE), 1);
        let q = &report.quarantine_sample;
        let find = |pos: &str, col: &str| q.iter().find(|r| r.position == pos && r.column == col);
        assert_eq!(
            find("line 3", "received_date").unwrap().value.as_deref(),
            Some("31/02/2023")
        );
        assert!(find("line 4", "incident_type")
            .unwrap()
            .reason
            .contains("unknown incident type"));
        assert!(find("line 5", "region_code").is_some());
        assert!(find("line 5", "file_count")
            .unwrap()
            .reason
            .contains("negative"));
        assert!(find("line 5", "actionable").is_some());
        assert!(find("line 5", "sextortion").is_some());
        assert!(find("line 6", "report_id").is_some());
        assert_eq!(report.values_quarantined, 7);
        assert_eq!(sink.quarantine_count(), 7);
    }

    #[test]
    fn referrals_refuse_without_key_or_required_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(&dir, "r.csv", "Report ID,Incident Type\n1,CSAM\n");
        let raw = RawFile::open(&path).unwrap();
        let err = read(&raw, &FeedContext::default(), &mut MemorySink::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(crate::pseudonym::KEY_ENV), "{err}");
        let err = read(&raw, &ctx(), &mut MemorySink::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("received_date") && err.contains("r.csv"),
            "{err}"
        );
    }

    #[test]
    fn referrals_fast_dates_agree_with_shared_rules() {
        for s in ["2023-01-31", "31/01/2023", "2024-02-29", "29/02/2024"] {
            assert_eq!(
                fast_date(s.as_bytes()).unwrap(),
                dates::parse_date(s).unwrap(),
                "{s}"
            );
        }
        assert_eq!(fast_date(b"2023-02-30"), None);
        assert_eq!(fast_date(b"2023-1-5"), None);
    }

    /// Counts batches without keeping them: what the benchmark's sink costs at most.
    struct CountingSink {
        rows: usize,
        batches: usize,
        quarantined: usize,
    }

    impl Sink for CountingSink {
        fn rows(&mut self, table: &TableSpec, batch: arrow::array::RecordBatch) -> Result<()> {
            if table.name == TABLE {
                self.rows += batch.num_rows();
                self.batches += 1;
            }
            Ok(())
        }
        fn quarantine(&mut self, batch: arrow::array::RecordBatch) -> Result<()> {
            self.quarantined += batch.num_rows();
            Ok(())
        }
    }

    /// Throughput of the adapter alone (sink drops batches). Run with
    /// `cargo test --release -p marsad-pipelines --lib -- --ignored referrals_throughput --nocapture`;
    /// `MARSAD_BENCH_ROWS` sets the row count (default 1,000,000).
    #[test]
    #[ignore]
    fn referrals_throughput() {
        let rows: u64 = std::env::var("MARSAD_BENCH_ROWS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.csv");
        let t0 = std::time::Instant::now();
        crate::synthetic::ncmec_referrals::write(&path, rows, 1).unwrap();
        let gen = t0.elapsed();
        let t1 = std::time::Instant::now();
        let raw = RawFile::open(&path).unwrap();
        let hash = t1.elapsed();
        let mut sink = CountingSink {
            rows: 0,
            batches: 0,
            quarantined: 0,
        };
        let t2 = std::time::Instant::now();
        let report = read(&raw, &ctx(), &mut sink).unwrap();
        let read_time = t2.elapsed();
        assert_eq!(sink.rows as u64, rows);
        assert_eq!(report.rows_staged, rows);
        println!(
            "ncmec-referrals: {rows} rows, {:.1} MB; generate {:.2?}, hash {:.2?}, adapter {:.2?} = {:.0} rows/s ({} batches)",
            raw.len as f64 / 1e6,
            gen,
            hash,
            read_time,
            rows as f64 / read_time.as_secs_f64(),
            sink.batches
        );
    }
}
