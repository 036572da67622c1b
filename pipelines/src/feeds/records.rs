//! The skeleton of a record feed: one row per record, keyed by an identifier pseudonymised at the
//! door (`emc-reports`, `pmp-cases`). It opens the table and maps its headers, skips blank
//! records, checks each record's shape, tokenises the identifier before anything else is done
//! with it (a missing or repeated one is quarantined), and stages the row the feed makes of the
//! record or quarantines every value the feed rejected. The feed only says what its columns are
//! and how one record becomes a row; the shared words and lookups of both feeds are here too.

use crate::error::{PipelineError, Result};
use crate::formats::{Position, Record, RowCheck, Tabular};
use crate::normalise::headers::open_table;
use crate::normalise::{fold, ColumnSpec, HeaderMap};
use crate::output::{rejected, Emitter, Sink, TableSpec, Value};
use crate::pseudonym::UniqueTokens;
use crate::report::QuarantineRow;
use crate::source::RawFile;

use super::{Feed, FeedContext};

/// What a record feed is: its table, the formats and columns it reads, and its identifier.
pub(crate) struct RecordFeed {
    pub feed: Feed,
    /// The feed's staging table (the first of `tables`).
    pub table: &'static str,
    pub tables: fn() -> Vec<TableSpec>,
    pub formats: &'static [Tabular],
    pub columns: &'static [ColumnSpec],
    /// Index in `columns` of the record identifier.
    pub id: usize,
    /// The identifier's name in quarantine rows (`case_reference`) and in reasons
    /// ("case reference").
    pub id_column: &'static str,
    pub id_label: &'static str,
}

/// One record on its way to a row: its cells, its identifier's token and what was rejected.
pub(crate) struct RecordRow<'r> {
    pub at: &'r Position,
    headers: &'r HeaderMap,
    record: &'r Record,
    /// The identifier's keyed token (`None` when the identifier is empty).
    pub token: Option<String>,
    /// The rejected values of this record, in the order they were found.
    pub bad: Vec<QuarantineRow>,
}

impl<'r> RecordRow<'r> {
    /// The cell of declared column `i` (empty when the column is absent).
    pub fn cell(&self, i: usize) -> &'r str {
        self.headers.cell(self.record, i)
    }

    /// Whether the file has declared column `i`.
    pub fn has(&self, i: usize) -> bool {
        self.headers.get(i).is_some()
    }

    /// Reject the value of cell `i` under `column`.
    pub fn reject(&mut self, column: &str, i: usize, reason: String) {
        let value = self.cell(i);
        self.bad
            .push(rejected(self.at, column, Some(value), reason));
    }

    /// `r`'s value, or null with the rejection of cell `i` under `column`.
    pub fn check(
        &mut self,
        column: &str,
        i: usize,
        r: std::result::Result<Value, String>,
    ) -> Value {
        r.unwrap_or_else(|reason| {
            self.reject(column, i, reason);
            Value::Null
        })
    }

    /// The token, when there is one and nothing of the record was rejected: the record is staged.
    pub fn accept(&mut self) -> Option<String> {
        if self.bad.is_empty() {
            self.token.take()
        } else {
            None
        }
    }
}

impl RecordFeed {
    /// Read every record of `file`: `row` makes the staged values of a record (its token first),
    /// or `None` to quarantine what it rejected. Returns the emitter, for the feed's findings
    /// before [`Emitter::finish`]. Needs the pseudonymisation key.
    pub fn read<'s>(
        &self,
        file: &RawFile,
        ctx: &FeedContext,
        sink: &'s mut dyn Sink,
        mut row: impl FnMut(&mut RecordRow<'_>) -> Option<Vec<Value>>,
    ) -> Result<Emitter<'s>> {
        let feed = self.feed;
        let key = ctx.key(feed)?;
        let spec = (self.tables)()
            .into_iter()
            .next()
            .ok_or_else(|| PipelineError::Internal {
                table: self.table.into(),
                detail: "no table spec".into(),
            })?;
        let (headers, rows) = open_table(file, feed.name(), self.formats, self.columns)?;
        let mut out = Emitter::new(feed.name(), file, sink)?;
        let mut ids = UniqueTokens::new(key, self.id_column, self.id_label);
        let shape = RowCheck::new(file, headers.names()).withholding_values();

        for record in rows {
            let record = record?;
            if record.is_blank() {
                continue;
            }
            let at = &record.position;
            let mut bad: Vec<QuarantineRow> = shape.check(&record, at);
            // The identifier is tokenised first; only the token is kept from here on.
            let token = ids.token(at, headers.cell(&record, self.id), &mut bad);
            let mut r = RecordRow {
                at,
                headers: &headers,
                record: &record,
                token,
                bad,
            };
            match row(&mut r) {
                Some(values) if r.bad.is_empty() => out.row(&spec, at, values)?,
                _ => out.reject(r.bad)?,
            }
        }
        Ok(out)
    }
}

/// Map `cell` through a table of codes and accepted words; empty → `empty` (or an error when
/// `empty` is "").
pub(crate) fn lookup(
    table: &[(&'static str, &[&str])],
    cell: &str,
    empty: &'static str,
    what: &str,
) -> std::result::Result<Value, String> {
    let folded = fold(cell);
    if folded.is_empty() {
        return if empty.is_empty() {
            Err(format!("no {what} given"))
        } else {
            Ok(Value::from(empty))
        };
    }
    table
        .iter()
        .find(|(_, words)| words.iter().any(|w| fold(w) == folded))
        .map(|(code, _)| Value::from(*code))
        .ok_or_else(|| {
            format!(
                "unknown {what} `{}`; expected one of {}",
                cell.trim(),
                table.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
            )
        })
}
