//! # marsad-pipelines — agency feeds in, typed Arrow batches out
//!
//! Each feed adapter reads one agency file (CSV, XLSX, PDF table, JSON Lines, Parquet), maps its
//! headers, normalises every value to Marsad's conformed codes (ISO 3166-2:MA regions, ISO 3166-1
//! countries, sex codes, age bands, ISO dates), pseudonymises record-level identifiers, checks the
//! feed's consistency rules, and hands the result to a [`Sink`]: staging rows as Arrow record
//! batches, rejected rows as quarantine rows, and a [`FeedReport`] with counts and findings.
//!
//! It must not know where or how data is stored (it depends on `marsad-model` only, never on the
//! warehouse): it never opens the warehouse, never writes a
//! file outside what a caller asks `synthetic` to write, and never silently corrects a value
//! (a value that cannot be mapped is quarantined with its position, column and reason).
//!
//! ## Layout
//! - [`feeds`]: one adapter per feed (`pmp_case_table`, `emc_reports`, `ncmec_country_table`, …),
//!   the single registry [`feeds::Feed`] that names them, and [`feeds::FeedAdapter`], the
//!   model's adapter contract that the caller hands to the warehouse.
//! - [`formats`]: byte readers shared by adapters — text decoding, CSV, XLSX, JSON Lines, PDF text.
//! - [`limits`]: the bounds every reader keeps (inflated bytes, cells, nesting, record length).
//! - [`normalise`]: value rules said once — headers, numbers, dates, regions, countries, ages, sex.
//! - [`output`]: the row-to-batch builder ([`output::Emitter`]) that feeds a [`Sink`].
//! - [`parallel`]: ordered parallel map, for adapters that read a large file on every core.
//! - [`pseudonym`]: the keyed hash applied to record-level identifiers at the door.
//! - [`samples`]: the sample manifest (`data-samples/samples.toml`): each sample's feed and files.
//! - [`source`]: reading a raw file: its sha256 and encoding in one pass, its bytes or text.
//! - [`synthetic`]: writers of synthetic feed files (samples, benchmarks) in each agency's shape.
//! - [`error`]: the crate's error type; every variant names the file and where in it.
//! - `test_support` (tests only): helpers the adapters' tests share.
//!
//! What the layers share — table specs, lineage names, the [`Sink`], report and quarantine
//! types, the conformed code lists, the rounding rule — is in `marsad-model`; its modules
//! `schema`, `report` and `format` are re-exported here under their old names.

pub mod error;
pub mod feeds;
pub mod formats;
pub mod limits;
pub mod normalise;
pub mod output;
pub mod parallel;
pub mod pseudonym;
pub mod samples;
pub mod source;
pub mod synthetic;
#[cfg(test)]
pub(crate) mod test_support;

pub use error::{PipelineError, Result};
pub use feeds::Feed;
pub use marsad_model::{format, report, schema};
pub use marsad_model::{Adapter, Sink, TableSpec};
pub use pseudonym::PseudonymKey;
pub use report::{FeedReport, Finding, QuarantineRow, RecordCounts, Severity};
pub use source::{RawFile, ReadRaw};
