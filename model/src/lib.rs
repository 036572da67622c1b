//! # marsad-model — the data model the layers share
//!
//! What the pipelines and the warehouse (and through it the indicators, dashboards and server)
//! must agree on, said once: the staging table specs and lineage columns, the quarantine row,
//! findings and the per-file report, the conformed code lists the dimensions are built from, the
//! one rounding rule, and the adapter contract (an adapter reads one file into a [`Sink`]).
//! The pipelines implement [`Adapter`]; the warehouse takes one from its caller and implements
//! [`Sink`]. Neither depends on the other.
//!
//! It must not do I/O (no file, network or clock) nor hold the rules of one feed (parsing,
//! header aliases, consistency checks stay in the pipelines).
//!
//! ## Layout
//! - [`adapter`]: the adapter contract ([`Adapter`]) the commit path calls.
//! - [`sink`]: the [`Sink`] an adapter writes to, and its error.
//! - [`raw_file`]: a raw file described: name, path, size, sha256, text encoding.
//! - [`tables`]: [`TableSpec`] (name, schema, record key, roll-up) and every fixed staging table.
//! - [`schema`]: lineage column names and the quarantine shape, shared with SQL.
//! - [`report`]: quarantine rows, findings with severity, record counts, the per-file report.
//! - [`codes`]: the conformed code lists (regions, countries, sex, age bands, offences,
//!   periods, sources): the dimensions' single source.
//! - [`format`]: numbers written for people — the one rounding rule and thousands grouping.

pub mod adapter;
pub mod codes;
pub mod format;
pub mod raw_file;
pub mod report;
pub mod schema;
pub mod sink;
pub mod tables;

pub use adapter::{Adapter, AdapterError};
pub use raw_file::{RawFile, TextEncoding};
pub use report::{FeedReport, Finding, QuarantineRow, RecordCounts, Severity};
pub use sink::{Sink, SinkError};
pub use tables::{RollUp, TableSpec};

/// Environment variable that holds the pseudonymisation key (the pipelines read it; the
/// warehouse names it when it refuses an ingest under another key).
pub const KEY_ENV: &str = "MARSAD_PSEUDONYM_KEY";
