//! Releases: `service.releases`, one row per named publication of one snapshot's public
//! observations (name, snapshot, embargo, the steward's notes, the generated release notes in
//! fr/ar/en, who made it and when), and the two tables a release writes beside it:
//! `indicators.released` (the observations exactly as the release published them) and
//! `indicators.revisions` (the values this release revised, with their cause). Like the tokens,
//! they live outside the snapshot log: a release names a snapshot, it is not part of one.
//!
//! A release is written in three Delta commits, the row of `service.releases` last: it is the
//! commit point. Readers take the releases from `service.releases` and read only those
//! releases' rows from the other two, so an interrupted `release create` publishes nothing; run
//! again, it replaces the rows it left (`replaceWhere` on the release name) instead of adding
//! to them. What the rows mean (observation columns, causes) is `marsad_indicators::releases`'s;
//! this module only stores them and keeps a release immutable (a name is never written twice).

use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use chrono::{DateTime, Utc};
use datafusion::prelude::{col, lit, SessionContext};
use deltalake::protocol::SaveMode;

use crate::error::{Result, WarehouseError};
use crate::location::Location;
use crate::snapshots::{ints, micros, strings};
use crate::tables::{self, utc_micros};

/// The release table.
pub const RELEASES: &str = "service.releases";
/// The observations of every release, as published (schema: `marsad_indicators::releases`).
pub const RELEASED: &str = "indicators.released";
/// The values each release revised (schema: `marsad_indicators::releases`).
pub const REVISIONS: &str = "indicators.revisions";
/// The column of [`RELEASED`] and [`REVISIONS`] naming the release a row belongs to.
pub const RELEASE_COLUMN: &str = "release";

/// One release as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRow {
    /// Unique, never reused (`2026-Q1`).
    pub name: String,
    pub snapshot_id: i64,
    /// `None`: public from its creation.
    pub embargo_until: Option<DateTime<Utc>>,
    /// The steward's own notes (`--notes FILE`), as given.
    pub steward_notes: Option<String>,
    /// The release notes generated from the data (the steward's appended), per language.
    pub notes_fr: String,
    pub notes_ar: String,
    pub notes_en: String,
    pub created_at: DateTime<Utc>,
    /// Who made it (the operating-system user of the command line, or a token's name).
    pub created_by: String,
    /// The SPDX id of the licence of its open dataset (`release create --licence`). `None`:
    /// made before the licence could be chosen, under the default one (the README says which).
    pub licence: Option<String>,
}

impl ReleaseRow {
    /// When the release became (or becomes) public: its creation, or its embargo's end if
    /// that is later.
    pub fn published_at(&self) -> DateTime<Utc> {
        self.embargo_until
            .map_or(self.created_at, |e| e.max(self.created_at))
    }

    /// Public at `now`: its embargo (if any) has passed.
    pub fn is_public(&self, now: DateTime<Utc>) -> bool {
        self.published_at() <= now
    }
}

pub fn releases_schema() -> SchemaRef {
    let text = |n: &str| Field::new(n, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        text("name"),
        Field::new("snapshot_id", DataType::Int64, false),
        Field::new("embargo_until", utc_micros(), true),
        Field::new("steward_notes", DataType::Utf8, true),
        text("notes_fr"),
        text("notes_ar"),
        text("notes_en"),
        Field::new("created_at", utc_micros(), false),
        text("created_by"),
        // Added after the first releases: a table written before lacks it (see `read`).
        Field::new("licence", DataType::Utf8, true),
    ]))
}

/// Every release, oldest first, and the table version they were read at (version `-1` and no
/// rows when no release was ever made).
pub async fn read(loc: &Location) -> Result<(i64, Vec<ReleaseRow>)> {
    let Some((version, batches)) = super::read_latest(loc, RELEASES).await? else {
        return Ok((-1, Vec::new()));
    };
    let mut rows = Vec::new();
    for batch in &batches {
        let text = |c: &str| strings(batch, c);
        let (names, fr, ar, en, by, steward) = (
            text("name")?,
            text("notes_fr")?,
            text("notes_ar")?,
            text("notes_en")?,
            text("created_by")?,
            text("steward_notes")?,
        );
        // A table whose releases all predate the column has none: every licence is `None`.
        let licences = match batch.column_by_name("licence") {
            Some(_) => text("licence")?,
            None => vec![None; batch.num_rows()],
        };
        let snapshots = ints(batch, "snapshot_id")?;
        let (embargo, created) = (
            micros(batch, "embargo_until")?,
            micros(batch, "created_at")?,
        );
        for i in 0..batch.num_rows() {
            let bad = |what: &str| super::bad_row(RELEASES, version, what);
            let time = |us: Option<i64>| super::row_time(RELEASES, version, us);
            rows.push(ReleaseRow {
                name: names[i].clone().ok_or_else(|| bad("no name"))?,
                snapshot_id: snapshots[i].ok_or_else(|| bad("no snapshot_id"))?,
                embargo_until: time(embargo[i])?,
                steward_notes: steward[i].clone(),
                notes_fr: fr[i].clone().ok_or_else(|| bad("no notes_fr"))?,
                notes_ar: ar[i].clone().ok_or_else(|| bad("no notes_ar"))?,
                notes_en: en[i].clone().ok_or_else(|| bad("no notes_en"))?,
                created_at: time(created[i])?.ok_or_else(|| bad("no created_at"))?,
                created_by: by[i].clone().ok_or_else(|| bad("no created_by"))?,
                licence: licences[i].clone(),
            });
        }
    }
    // Creation order is publication order of the log; a stable order for every reader.
    rows.sort_by(|a, b| (a.created_at, &a.name).cmp(&(b.created_at, &b.name)));
    Ok((version, rows))
}

/// The newest version of the release table (`-1`: no release yet). Cheap: no row is read.
pub async fn version(loc: &Location) -> Result<i64> {
    Ok(super::latest_version(loc, RELEASES).await?.unwrap_or(-1))
}

/// Why a release cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseRefused {
    #[error("a release named `{0}` exists already; a release is immutable: choose another name")]
    Exists(String),
}

/// Write a release: its observations to [`RELEASED`], its revisions to [`REVISIONS`] (each
/// replacing rows a previous, interrupted attempt under the same name left), then its row to
/// [`RELEASES`], the commit point. Refused, with nothing written, if the name exists. Every
/// batch must carry the [`RELEASE_COLUMN`] set to `row.name`. Returns the release table's new
/// version.
pub async fn create(
    loc: &Location,
    row: &ReleaseRow,
    released: (SchemaRef, Vec<RecordBatch>),
    revisions: (SchemaRef, Vec<RecordBatch>),
) -> Result<std::result::Result<i64, ReleaseRefused>> {
    let (_, existing) = read(loc).await?;
    if existing.iter().any(|r| r.name == row.name) {
        return Ok(Err(ReleaseRefused::Exists(row.name.clone())));
    }
    replace_release_rows(loc, RELEASED, &row.name, released).await?;
    replace_release_rows(loc, REVISIONS, &row.name, revisions).await?;
    let us = |t: Option<DateTime<Utc>>| {
        TimestampMicrosecondArray::from(vec![t.map(|t| t.timestamp_micros())]).with_timezone("UTC")
    };
    let text = |s: &str| Arc::new(StringArray::from(vec![s])) as arrow::array::ArrayRef;
    let batch = RecordBatch::try_new(
        releases_schema(),
        vec![
            text(&row.name),
            Arc::new(Int64Array::from(vec![row.snapshot_id])),
            Arc::new(us(row.embargo_until)),
            Arc::new(StringArray::from(vec![row.steward_notes.as_deref()])),
            text(&row.notes_fr),
            text(&row.notes_ar),
            text(&row.notes_en),
            Arc::new(us(Some(row.created_at))),
            text(&row.created_by),
            Arc::new(StringArray::from(vec![row.licence.as_deref()])),
        ],
    )?;
    Ok(Ok(
        super::append(loc, RELEASES, batch, "add a release to").await?
    ))
}

/// Replace the rows of release `name` in `table` by `batches` (one Delta commit; the table is
/// created with `schema` if missing). Nothing is written when there are no rows and no table.
async fn replace_release_rows(
    loc: &Location,
    table: &str,
    name: &str,
    (schema, batches): (SchemaRef, Vec<RecordBatch>),
) -> Result<()> {
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    if rows == 0 && !tables::exists(loc, table).await? {
        // The table is made with the first release that has rows for it.
        tables::create(loc, table, &schema).await?;
        return Ok(());
    }
    let t = tables::create(loc, table, &schema).await?;
    t.write(batches)
        .with_save_mode(SaveMode::Overwrite)
        .with_replace_where(col(RELEASE_COLUMN).eq(lit(name)))
        // A column the observations gained is added to a table written before it.
        .with_schema_mode(deltalake::operations::write::SchemaMode::Merge)
        .with_commit_properties(crate::commit::keep_logs(Default::default()))
        .await
        .map_err(WarehouseError::delta(
            table,
            "write the rows of a release to",
        ))?;
    Ok(())
}

/// The rows of release `name` in `table` (none when the table does not exist).
pub async fn rows_of(loc: &Location, table: &str, name: &str) -> Result<Vec<RecordBatch>> {
    if !tables::exists(loc, table).await? {
        return Ok(Vec::new());
    }
    let t = tables::open(loc, table).await?;
    let ctx = SessionContext::new();
    tables::frame(&ctx, &t, table)
        .await?
        .filter(col(RELEASE_COLUMN).eq(lit(name)))
        .map_err(WarehouseError::scan(table))?
        .collect()
        .await
        .map_err(WarehouseError::scan(table))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn row(name: &str, created: i64) -> ReleaseRow {
        ReleaseRow {
            name: name.into(),
            snapshot_id: 3,
            embargo_until: None,
            steward_notes: Some("checked by the board".into()),
            notes_fr: "fr".into(),
            notes_ar: "ar".into(),
            notes_en: "en".into(),
            created_at: Utc.timestamp_opt(created, 0).unwrap(),
            created_by: "steward".into(),
            licence: Some("CC0-1.0".into()),
        }
    }

    fn rows(name: &str, values: &[i64]) -> (SchemaRef, Vec<RecordBatch>) {
        let schema = Arc::new(Schema::new(vec![
            Field::new(RELEASE_COLUMN, DataType::Utf8, false),
            Field::new("value", DataType::Int64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec![name; values.len()])),
                Arc::new(Int64Array::from(values.to_vec())),
            ],
        )
        .unwrap();
        (schema, vec![batch])
    }

    /// A name is written once; a second release under it is refused and writes nothing; each
    /// release reads back only its own rows.
    #[tokio::test]
    async fn a_release_is_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(&dir.path().display().to_string()).unwrap();
        assert_eq!(read(&loc).await.unwrap(), (-1, vec![]));
        let first = row("2026-Q1", 1_700_000_000);
        let v = create(&loc, &first, rows("2026-Q1", &[1, 2]), rows("2026-Q1", &[]))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v, 1);
        let again = create(&loc, &first, rows("2026-Q1", &[9]), rows("2026-Q1", &[9]))
            .await
            .unwrap();
        assert_eq!(
            again.unwrap_err().to_string(),
            "a release named `2026-Q1` exists already; a release is immutable: choose another name"
        );
        create(
            &loc,
            &row("2026-Q2", 1_700_000_100),
            rows("2026-Q2", &[3]),
            rows("2026-Q2", &[3]),
        )
        .await
        .unwrap()
        .unwrap();
        let (version, all) = read(&loc).await.unwrap();
        assert_eq!(version, 2);
        assert_eq!(all, vec![first, row("2026-Q2", 1_700_000_100)]);
        assert_eq!(values(&loc, RELEASED, "2026-Q1").await, vec![1, 2]);
        assert_eq!(values(&loc, RELEASED, "2026-Q2").await, vec![3]);
        assert_eq!(values(&loc, REVISIONS, "2026-Q1").await, Vec::<i64>::new());
        assert_eq!(values(&loc, REVISIONS, "2026-Q2").await, vec![3]);
    }

    async fn values(loc: &Location, table: &str, name: &str) -> Vec<i64> {
        let batches = rows_of(loc, table, name).await.unwrap();
        let mut v: Vec<i64> = batches
            .iter()
            .flat_map(|b| ints(b, "value").unwrap())
            .flatten()
            .collect();
        v.sort();
        v
    }

    /// A release table written before the `licence` column reads with no licence, and the next
    /// release adds the column (and its licence) to it.
    #[tokio::test]
    async fn a_table_from_before_the_licence_column_reads_and_grows() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(&dir.path().display().to_string()).unwrap();
        let full = releases_schema();
        let old = Arc::new(Schema::new(
            full.fields()[..full.fields().len() - 1].to_vec(),
        ));
        let us = |s: i64| {
            Arc::new(
                TimestampMicrosecondArray::from(vec![Some(s * 1_000_000)]).with_timezone("UTC"),
            ) as arrow::array::ArrayRef
        };
        let text = |s: &str| Arc::new(StringArray::from(vec![s])) as arrow::array::ArrayRef;
        let batch = RecordBatch::try_new(
            old,
            vec![
                text("2025-Q4"),
                Arc::new(Int64Array::from(vec![3])),
                Arc::new(TimestampMicrosecondArray::from(vec![None::<i64>]).with_timezone("UTC")),
                Arc::new(StringArray::from(vec![Some("checked by the board")])),
                text("fr"),
                text("ar"),
                text("en"),
                us(1_600_000_000),
                text("steward"),
            ],
        )
        .unwrap();
        super::super::append(&loc, RELEASES, batch, "add a release to")
            .await
            .unwrap();
        let mut before = row("2025-Q4", 1_600_000_000);
        before.licence = None;
        assert_eq!(read(&loc).await.unwrap().1, vec![before.clone()]);
        let after = row("2026-Q1", 1_700_000_000);
        create(&loc, &after, rows("2026-Q1", &[1]), rows("2026-Q1", &[]))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read(&loc).await.unwrap().1, vec![before, after]);
    }

    /// A release whose rows have a column the table lacks (a breakdown added since, nullable)
    /// adds it; an older release's rows read it as NULL.
    #[tokio::test]
    async fn released_rows_gain_a_column_added_later() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(&dir.path().display().to_string()).unwrap();
        create(
            &loc,
            &row("2026-Q1", 1_700_000_000),
            rows("2026-Q1", &[1]),
            rows("2026-Q1", &[]),
        )
        .await
        .unwrap()
        .unwrap();
        let (schema, batches) = rows("2026-Q2", &[2]);
        let mut fields = schema.fields().to_vec();
        fields.push(Arc::new(Field::new("iccs", DataType::Utf8, true)));
        let wider = Arc::new(Schema::new(fields));
        let mut columns = batches[0].columns().to_vec();
        columns.push(Arc::new(StringArray::from(vec![Some("030221")])));
        let batch = RecordBatch::try_new(wider.clone(), columns).unwrap();
        create(
            &loc,
            &row("2026-Q2", 1_700_000_100),
            (wider, vec![batch]),
            rows("2026-Q2", &[]),
        )
        .await
        .unwrap()
        .unwrap();
        let iccs = |name: &'static str| {
            let loc = loc.clone();
            async move {
                let batches = rows_of(&loc, RELEASED, name).await.unwrap();
                batches
                    .iter()
                    .flat_map(|b| strings(b, "iccs").unwrap())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(iccs("2026-Q1").await, vec![None]);
        assert_eq!(iccs("2026-Q2").await, vec![Some("030221".to_string())]);
    }

    /// Published at the later of creation and embargo.
    #[test]
    fn published_at_is_the_later_of_creation_and_embargo() {
        let mut r = row("x", 1_000);
        assert_eq!(r.published_at(), r.created_at);
        r.embargo_until = Some(Utc.timestamp_opt(2_000, 0).unwrap());
        assert!(!r.is_public(Utc.timestamp_opt(1_999, 0).unwrap()));
        assert!(r.is_public(Utc.timestamp_opt(2_000, 0).unwrap()));
        r.embargo_until = Some(Utc.timestamp_opt(10, 0).unwrap());
        assert_eq!(r.published_at(), r.created_at);
    }
}
