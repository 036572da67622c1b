//! # marsad-warehouse — versioned Delta tables with a snapshot log and lineage
//!
//! The warehouse keeps every table Marsad has as a Delta Lake table under one data directory
//! (a local folder, or any object-store URL delta-rs understands), and a **snapshot log** that
//! names, for every snapshot, the version of every table. A snapshot is the unit of truth:
//! readers resolve the latest (or a pinned) snapshot to table versions and read exactly those,
//! and an ingest becomes visible only when its snapshot row is committed, last.
//!
//! It must not depend on `marsad-pipelines` nor parse feed formats: the caller (the CLI, the
//! server) hands the commit path an adapter, the model's [`marsad_model::Adapter`] contract,
//! which reads each file into the warehouse's [`marsad_model::Sink`]. Nor may it hold indicator
//! logic (`marsad-indicators`). Table specs, code lists and the rounding rule come from
//! `marsad-model`. Inside the crate, modules depend one way: `tables` on nothing but the data
//! directory's `location` and `error`; `snapshots` on `tables` and `commit`; `recovery` on
//! `vacuum`, `snapshots` and `tables`; `ingest` on all of those and `archive`; tests that
//! cross modules live in `tests`.
//!
//! ```text
//!  files ─► adapter.open: RawFile (sha256) ─► archive::store (read-only copy)
//!                 │
//!                 └► adapter.read ─► Sink ─► ingest::TableWriters (Delta, streamed)
//!                                                   │ all adapters succeeded?
//!                                                   ▼
//!            commit staging/*, quarantine.rows, registry.raw_files  ─►  registry.snapshots (last)
//! ```
//!
//! ## Layout
//! - [`location`]: the data directory as a URL, and where each table and raw file lives in it.
//! - [`tables`]: the warehouse's own tables (registry, quarantine) and opening/creating tables.
//! - [`snapshots`]: the snapshot log — read the latest or a pinned snapshot, append one.
//! - [`archive`]: content-addressed, read-only copies of every raw file (copied while hashed).
//! - [`derived`]: tables computed from a snapshot (indicator observations), replaced per snapshot.
//! - [`commit`]: what every commit carries (provenance, idempotence, key check, logs kept).
//! - [`ingest`]: the one commit path (all or nothing, idempotent by sha256, records by key).
//! - [`recovery`]: the ingest lock, rolling back an interrupted ingest, `marsad vacuum`.
//! - [`service`]: the tables of the service outside the snapshot log: tokens, audit events.
//! - [`session`]: a DataFusion session over a pinned snapshot, with the views of `sql/views/`.
//! - [`query`]: the one path for a person's SQL: refusals, limits, the budget and its settings.
//! - [`views`]: the SQL view files, embedded at build time.
//! - [`survey`]: design-based survey estimation (Taylor linearisation).
//! - [`survey_sql`]: the survey estimators as SQL aggregates (`survey_mean`, …) and the
//!   design views `survey.<id>`.
//! - [`vacuum`]: removing the files no snapshot owns (left by interrupted ingests).
//! - [`error`]: the crate's error type.
//! - `tests`: tests across modules (recovery and vacuum together).

pub mod archive;
pub mod commit;
pub mod derived;
pub mod error;
pub mod ingest;
pub mod location;
pub mod query;
pub mod recovery;
pub mod service;
pub mod session;
pub mod snapshots;
pub mod survey;
pub mod survey_sql;
pub mod tables;
#[cfg(test)]
mod tests;
pub mod vacuum;
pub mod views;

/// The one rounding rule and number formatting, from the model, for the layers above.
pub use marsad_model::format;

pub use error::{Result, WarehouseError};
pub use ingest::{IngestOutcome, IngestRequest};
pub use location::Location;
pub use snapshots::Snapshot;

/// The warehouse at one location. Cheap to clone; holds no open tables.
#[derive(Debug, Clone)]
pub struct Warehouse {
    location: Location,
}

impl Warehouse {
    /// Open the warehouse at `location`, which must exist: a location without a snapshot log is
    /// an error naming it (a mistyped `--data-dir` must not read as an empty warehouse), and so
    /// is an unreadable log. Creates nothing, takes no lock and recovers nothing (the next ingest
    /// does, see [`recovery::recover`]), so readers never hold up an ingest.
    pub async fn open(location: Location) -> Result<Self> {
        snapshots::existing(&location).await?;
        Ok(Warehouse { location })
    }

    /// Open the warehouse at `location`, creating it first (every known table, empty, and
    /// snapshot 0) if there is none: for the commands that load data (ingest, demo). An
    /// unreadable snapshot log is an error here too; nothing is created over it.
    pub async fn create_or_open(location: Location) -> Result<Self> {
        snapshots::initialise(&location).await?;
        Ok(Warehouse { location })
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The latest snapshot.
    pub async fn latest(&self) -> Result<Snapshot> {
        snapshots::latest(&self.location).await
    }

    /// Snapshot `id`, or the latest.
    pub async fn snapshot(&self, id: Option<i64>) -> Result<Snapshot> {
        match id {
            Some(id) => snapshots::by_id(&self.location, id).await,
            None => self.latest().await,
        }
    }

    /// Every snapshot, oldest first.
    pub async fn snapshots(&self) -> Result<Vec<Snapshot>> {
        snapshots::all(&self.location).await
    }

    /// Ingest files of one feed as one all-or-nothing snapshot.
    pub async fn ingest(&self, request: IngestRequest) -> Result<IngestOutcome> {
        ingest::run(&self.location, request).await
    }

    /// A read-only DataFusion session over snapshot `id` (or the latest).
    pub async fn session(&self, id: Option<i64>) -> Result<session::WarehouseSession> {
        let snapshot = self.snapshot(id).await?;
        session::open(&self.location, &snapshot).await
    }
}
