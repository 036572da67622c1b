//! Where an adapter's rows go. An adapter never writes storage: it pushes typed rows into an
//! [`Emitter`], which buffers them into Arrow record batches (with lineage columns appended) and
//! hands full batches to a [`Sink`] (the model's contract). The warehouse implements `Sink`;
//! tests use [`MemorySink`].
//! Batches are flushed every [`BATCH_ROWS`] rows, so a feed of any size streams in bounded memory.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, RecordBatch,
    StringArray, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, TimeUnit};
use chrono::NaiveDate;

use crate::error::{PipelineError, Result};
use crate::formats::Position;
use crate::report::{FeedReport, Finding, QuarantineRow, Severity};
use crate::schema;
use crate::source::RawFile;

/// Rows per record batch handed to the sink.
pub const BATCH_ROWS: usize = 65_536;
/// Quarantined values kept in the report for display (all of them go to the sink).
const REPORT_SAMPLE: usize = 20;
/// Characters of a rejected value (and of its reason) kept in quarantine; a longer value is cut
/// with its original length recorded (see [`cut`]). A 10 MB bad cell was stored, and printed,
/// whole; the first thousand characters show what it was.
pub const QUARANTINE_VALUE_CHARS: usize = 1000;

pub use marsad_model::tables::{RollUp, TableSpec};
pub use marsad_model::{Sink, SinkError};

/// A sink that keeps everything in memory (tests, small previews).
#[derive(Debug, Default)]
pub struct MemorySink {
    pub tables: BTreeMap<String, (TableSpec, Vec<RecordBatch>)>,
    pub quarantine: Vec<RecordBatch>,
}

impl MemorySink {
    pub fn row_count(&self, table: &str) -> usize {
        self.tables
            .get(table)
            .map(|(_, b)| b.iter().map(|b| b.num_rows()).sum())
            .unwrap_or(0)
    }
    pub fn batch(&self, table: &str) -> Option<RecordBatch> {
        let (spec, batches) = self.tables.get(table)?;
        arrow::compute::concat_batches(&spec.schema, batches).ok()
    }
    pub fn quarantine_count(&self) -> usize {
        self.quarantine.iter().map(|b| b.num_rows()).sum()
    }
}

impl Sink for MemorySink {
    fn rows(&mut self, table: &TableSpec, batch: RecordBatch) -> Result<(), SinkError> {
        self.tables
            .entry(table.name.clone())
            .or_insert_with(|| (table.clone(), Vec::new()))
            .1
            .push(batch);
        Ok(())
    }
    fn quarantine(&mut self, batch: RecordBatch) -> Result<(), SinkError> {
        self.quarantine.push(batch);
        Ok(())
    }
}

/// One typed value of a staging row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
    /// Microseconds since the Unix epoch, UTC.
    Timestamp(i64),
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        v.map(Value::Str).unwrap_or(Value::Null)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Str(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map(Value::Int).unwrap_or(Value::Null)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<Option<f64>> for Value {
    fn from(v: Option<f64>) -> Self {
        v.map(Value::Float).unwrap_or(Value::Null)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<Option<bool>> for Value {
    fn from(v: Option<bool>) -> Self {
        v.map(Value::Bool).unwrap_or(Value::Null)
    }
}
impl From<NaiveDate> for Value {
    fn from(v: NaiveDate) -> Self {
        Value::Date(v)
    }
}
impl From<Option<NaiveDate>> for Value {
    fn from(v: Option<NaiveDate>) -> Self {
        v.map(Value::Date).unwrap_or(Value::Null)
    }
}

enum Column {
    Utf8(StringBuilder),
    Int64(Int64Builder),
    Float64(Float64Builder),
    Bool(BooleanBuilder),
    Date32(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder, Option<Arc<str>>),
}

impl Column {
    fn for_type(table: &str, field: &Field) -> Result<Self> {
        Ok(match field.data_type() {
            DataType::Utf8 => Column::Utf8(StringBuilder::new()),
            DataType::Int64 => Column::Int64(Int64Builder::new()),
            DataType::Float64 => Column::Float64(Float64Builder::new()),
            DataType::Boolean => Column::Bool(BooleanBuilder::new()),
            DataType::Date32 => Column::Date32(Date32Builder::new()),
            DataType::Timestamp(TimeUnit::Microsecond, tz) => {
                Column::Timestamp(TimestampMicrosecondBuilder::new(), tz.clone())
            }
            other => {
                return Err(PipelineError::Internal {
                    table: table.to_string(),
                    detail: format!("column `{}` has unsupported type {other}", field.name()),
                })
            }
        })
    }

    fn push(&mut self, v: Value) -> std::result::Result<(), Value> {
        match (self, v) {
            (Column::Utf8(b), Value::Str(s)) => b.append_value(s),
            (Column::Utf8(b), Value::Null) => b.append_null(),
            (Column::Int64(b), Value::Int(i)) => b.append_value(i),
            (Column::Int64(b), Value::Null) => b.append_null(),
            (Column::Float64(b), Value::Float(x)) => b.append_value(x),
            (Column::Float64(b), Value::Int(i)) => b.append_value(i as f64),
            (Column::Float64(b), Value::Null) => b.append_null(),
            (Column::Bool(b), Value::Bool(x)) => b.append_value(x),
            (Column::Bool(b), Value::Null) => b.append_null(),
            (Column::Date32(b), Value::Date(d)) => b.append_value(date32(d)),
            (Column::Date32(b), Value::Null) => b.append_null(),
            (Column::Timestamp(b, _), Value::Timestamp(t)) => b.append_value(t),
            (Column::Timestamp(b, _), Value::Null) => b.append_null(),
            (_, v) => return Err(v),
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Utf8(b) => Arc::new(b.finish()),
            Column::Int64(b) => Arc::new(b.finish()),
            Column::Float64(b) => Arc::new(b.finish()),
            Column::Bool(b) => Arc::new(b.finish()),
            Column::Date32(b) => Arc::new(b.finish()),
            Column::Timestamp(b, tz) => Arc::new(b.finish().with_timezone_opt(tz.clone())),
        }
    }
}

/// A date as Arrow's `Date32`: days since 1970-01-01.
pub fn date32(d: NaiveDate) -> i32 {
    /// Days from 0001-01-01 (day 1) to 1970-01-01, Arrow's day 0.
    const UNIX_EPOCH_FROM_CE: i32 = 719_163;
    chrono::Datelike::num_days_from_ce(&d) - UNIX_EPOCH_FROM_CE
}

/// The two lineage columns of a batch an adapter builds itself (see [`Emitter::batch`]): the
/// file's sha256 and each row's position, written as [`Emitter::row`] writes them.
pub struct LineageBuilder {
    sha256: String,
    rows: usize,
    position: StringBuilder,
}

impl LineageBuilder {
    pub fn new(sha256: &str, capacity: usize) -> Self {
        LineageBuilder {
            sha256: sha256.to_string(),
            rows: 0,
            position: StringBuilder::with_capacity(capacity, capacity * 12),
        }
    }

    pub fn push(&mut self, position: &Position) {
        self.rows += 1;
        // Written straight into the column's buffer; writing to it cannot fail.
        let _ = position.write_to(&mut self.position);
        self.position.append_value("");
    }

    /// The columns, in the order of [`schema::lineage_fields`].
    pub fn finish(&mut self) -> [ArrayRef; 2] {
        let rows = std::mem::take(&mut self.rows);
        let sha = StringArray::from_iter_values(std::iter::repeat_n(&self.sha256, rows));
        [Arc::new(sha), Arc::new(self.position.finish())]
    }
}

/// Accumulates rows of one table and turns them into record batches.
struct RowBuffer {
    spec: TableSpec,
    columns: Vec<Column>,
    rows: usize,
}

impl RowBuffer {
    fn new(spec: &TableSpec) -> Result<Self> {
        let columns = spec
            .schema
            .fields()
            .iter()
            .map(|f| Column::for_type(&spec.name, f))
            .collect::<Result<Vec<_>>>()?;
        Ok(RowBuffer {
            spec: spec.clone(),
            columns,
            rows: 0,
        })
    }

    fn push(&mut self, values: Vec<Value>) -> Result<()> {
        if values.len() != self.columns.len() {
            return Err(PipelineError::Internal {
                table: self.spec.name.clone(),
                detail: format!(
                    "row has {} values for {} columns",
                    values.len(),
                    self.columns.len()
                ),
            });
        }
        for (i, (col, v)) in self.columns.iter_mut().zip(values).enumerate() {
            col.push(v).map_err(|v| PipelineError::Internal {
                table: self.spec.name.clone(),
                detail: format!(
                    "value {v:?} does not fit column `{}` ({})",
                    self.spec.schema.field(i).name(),
                    self.spec.schema.field(i).data_type()
                ),
            })?;
        }
        self.rows += 1;
        Ok(())
    }

    fn take(&mut self) -> Result<Option<RecordBatch>> {
        if self.rows == 0 {
            return Ok(None);
        }
        self.rows = 0;
        let arrays = self.columns.iter_mut().map(Column::finish).collect();
        RecordBatch::try_new(self.spec.schema.clone(), arrays)
            .map(Some)
            .map_err(|e| PipelineError::Internal {
                table: self.spec.name.clone(),
                detail: e.to_string(),
            })
    }
}

/// The adapter's handle on its output for one file: rows, quarantine, findings, report.
pub struct Emitter<'s> {
    sink: &'s mut dyn Sink,
    feed: String,
    file_name: String,
    sha256: String,
    buffers: Vec<RowBuffer>,
    quarantine: RowBuffer,
    report: FeedReport,
}

impl<'s> Emitter<'s> {
    pub fn new(feed: &str, file: &RawFile, sink: &'s mut dyn Sink) -> Result<Self> {
        let qspec = TableSpec {
            name: "quarantine.rows".into(),
            schema: schema::quarantine_schema(),
            key: Vec::new(),
            roll_up: None,
        };
        Ok(Emitter {
            sink,
            feed: feed.to_string(),
            file_name: file.name.clone(),
            sha256: file.sha256.clone(),
            buffers: Vec::new(),
            quarantine: RowBuffer::new(&qspec)?,
            report: FeedReport {
                feed: feed.to_string(),
                file_name: file.name.clone(),
                sha256: file.sha256.clone(),
                ..Default::default()
            },
        })
    }

    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Stage one row (data columns only; lineage is appended here).
    pub fn row(
        &mut self,
        table: &TableSpec,
        position: &Position,
        values: Vec<Value>,
    ) -> Result<()> {
        self.report.rows_read += 1;
        self.report.rows_staged += 1;
        self.push(table, position, values)
    }

    /// Stage a batch the adapter built itself, lineage columns included (see
    /// [`LineageBuilder`]): adapters that read on several threads. Every row counts as read and
    /// staged, as if pushed by [`Self::row`] after the rows already given.
    pub fn batch(&mut self, table: &TableSpec, batch: RecordBatch) -> Result<()> {
        if batch.schema() != table.schema {
            return Err(PipelineError::Internal {
                table: table.name.clone(),
                detail: format!(
                    "a batch with schema {:?} for a table of schema {:?}",
                    batch.schema(),
                    table.schema
                ),
            });
        }
        let rows = batch.num_rows() as u64;
        let idx = self.buffer_of(table)?;
        if let Some(buffered) = self.buffers[idx].take()? {
            self.sink.rows(table, buffered)?;
        }
        self.report.rows_read += rows;
        self.report.rows_staged += rows;
        if rows > 0 {
            self.sink.rows(table, batch)?;
        }
        Ok(())
    }

    /// Stage a roll-up row (counts of rows already staged): not counted as a row read.
    pub fn roll_up(
        &mut self,
        table: &TableSpec,
        position: &Position,
        values: Vec<Value>,
    ) -> Result<()> {
        self.push(table, position, values)
    }

    fn push(
        &mut self,
        table: &TableSpec,
        position: &Position,
        mut values: Vec<Value>,
    ) -> Result<()> {
        let idx = self.buffer_of(table)?;
        values.push(Value::Str(self.sha256.clone()));
        values.push(Value::Str(position.to_string()));
        let buffer = &mut self.buffers[idx];
        buffer.push(values)?;
        if buffer.rows >= BATCH_ROWS {
            if let Some(batch) = buffer.take()? {
                self.sink.rows(table, batch)?;
            }
        }
        Ok(())
    }

    /// The buffer of `table`, created (and the table named in the report) on first use.
    fn buffer_of(&mut self, table: &TableSpec) -> Result<usize> {
        Ok(
            match self.buffers.iter().position(|b| b.spec.name == table.name) {
                Some(i) => i,
                None => {
                    self.buffers.push(RowBuffer::new(table)?);
                    self.report.tables.push(table.name.clone());
                    self.buffers.len() - 1
                }
            },
        )
    }

    /// Keep a whole row out of staging because of these rejected values.
    pub fn reject(&mut self, rejected: Vec<QuarantineRow>) -> Result<()> {
        self.report.rows_read += 1;
        self.report.rows_quarantined += 1;
        for q in rejected {
            self.report.values_quarantined += 1;
            // The value stays as read (only cut); the reason is our message about it, so its
            // control characters are escaped once here, for every report that prints it.
            let q = QuarantineRow {
                value: q
                    .value
                    .map(|v| cut(&v, QUARANTINE_VALUE_CHARS).into_owned()),
                reason: cut(&escape_control(&q.reason), QUARANTINE_VALUE_CHARS).into_owned(),
                ..q
            };
            if self.report.quarantine_sample.len() < REPORT_SAMPLE {
                self.report.quarantine_sample.push(q.clone());
            }
            self.quarantine.push(vec![
                Value::Str(self.feed.clone()),
                Value::Str(self.sha256.clone()),
                Value::Str(self.file_name.clone()),
                Value::Str(q.position),
                Value::Str(q.column),
                q.value.into(),
                Value::Str(q.reason),
            ])?;
        }
        if self.quarantine.rows >= BATCH_ROWS {
            if let Some(batch) = self.quarantine.take()? {
                self.sink.quarantine(batch)?;
            }
        }
        Ok(())
    }

    /// Record the outcome of a consistency rule.
    pub fn finding(
        &mut self,
        rule: &str,
        severity: Severity,
        position: Option<String>,
        message: impl Into<String>,
    ) {
        self.report.findings.push(Finding {
            rule: rule.to_string(),
            severity,
            position,
            message: message.into(),
        });
    }

    /// Flush what is buffered and return the report. A file with no data row at all is refused.
    pub fn finish(mut self) -> Result<FeedReport> {
        if self.report.rows_read == 0 {
            return Err(PipelineError::Empty {
                file: self.file_name.clone(),
                detail: Some("no data rows".into()),
            });
        }
        for buffer in &mut self.buffers {
            if let Some(batch) = buffer.take()? {
                self.sink.rows(&buffer.spec, batch)?;
            }
        }
        if let Some(batch) = self.quarantine.take()? {
            self.sink.quarantine(batch)?;
        }
        Ok(self.report)
    }
}

/// Shorthand for one rejected value.
pub fn rejected(
    position: &Position,
    column: &str,
    value: Option<&str>,
    reason: impl Into<String>,
) -> QuarantineRow {
    QuarantineRow {
        position: position.to_string(),
        column: column.to_string(),
        value: value.map(str::to_string),
        reason: reason.into(),
    }
}

/// `text` cut to its first `max` characters, followed by its original length:
/// `"xxxx… (10485760 bytes)"`. Shorter text is returned as it is.
pub fn cut(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => text.into(),
        Some((end, _)) => format!("{}… ({} bytes)", &text[..end], text.len()).into(),
    }
}

/// `text` with its control characters made visible, so that printing it cannot drive the
/// terminal (`ESC [2J` clears the screen): `\e` for escape, `\n`, `\r`, `\t`, `\0`, and
/// `\xNN` / `\u{NN}` for the other C0 and C1 controls and DEL. A backslash itself is unchanged.
pub fn escape_control(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{1b}' => out.push_str("\\e"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_with_their_length() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "abc… (4 bytes)");
        // Characters, not bytes: a cut never splits a UTF-8 sequence.
        assert_eq!(cut("ééé", 2), "éé… (6 bytes)");
        let big = "x".repeat(10_485_760);
        let kept = cut(&big, QUARANTINE_VALUE_CHARS);
        assert_eq!(kept.len(), 1000 + "… (10485760 bytes)".len());
        assert!(kept.ends_with("x… (10485760 bytes)"));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("plain é مرصد"), "plain é مرصد");
        assert_eq!(escape_control("\u{1b}[2J"), "\\e[2J");
        assert_eq!(escape_control("a\nb\tc\rd\0"), "a\\nb\\tc\\rd\\0");
        assert_eq!(escape_control("\u{7}\u{7f}\u{9b}"), "\\x07\\x7f\\u{9b}");
    }

    #[test]
    fn quarantine_keeps_a_cut_value_and_an_escaped_reason() {
        let file = RawFile {
            name: "bad.csv".into(),
            path: "bad.csv".into(),
            len: 1,
            sha256: "00".repeat(32),
            encoding: crate::source::TextEncoding::Utf8,
            first_nul: None,
            invalid_utf8: (0, None),
            ends_with_newline: true,
        };
        let mut sink = MemorySink::default();
        let mut emitter = Emitter::new("emc-reports", &file, &mut sink).unwrap();
        let value = format!("\u{1b}[2J{}", "v".repeat(10_485_760));
        emitter
            .reject(vec![QuarantineRow {
                position: "line 2".into(),
                column: "region".into(),
                value: Some(value.clone()),
                reason: format!("unknown region `{}`", &value[..8]),
            }])
            .unwrap();
        let report = emitter.finish().unwrap();
        let q = &report.quarantine_sample[0];
        assert_eq!(q.reason, "unknown region `\\e[2Jvvvv`");
        let kept = q.value.as_deref().unwrap();
        assert_eq!(
            kept.chars().count(),
            1000 + "… (10485764 bytes)".chars().count()
        );
        assert!(
            kept.starts_with("\u{1b}[2Jvvv"),
            "the value is stored as read, only cut"
        );
        assert!(kept.ends_with("v… (10485764 bytes)"));
        let stored = sink.quarantine[0]
            .column_by_name("value")
            .unwrap()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .value(0)
            .to_string();
        assert_eq!(stored, kept);
    }
}
