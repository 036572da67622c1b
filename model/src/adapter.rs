//! The adapter contract: what the commit path needs of a feed's adapter, so that the warehouse
//! never names a feed, a format or the pipelines. The caller (the CLI, the server) builds an
//! adapter for one feed (with its pseudonymisation key) and hands it to `Warehouse::ingest`.

use std::path::Path;

use crate::raw_file::RawFile;
use crate::report::FeedReport;
use crate::sink::Sink;
use crate::tables::TableSpec;

/// Why an adapter refused a file (or could not open it): the adapter's own error, which names
/// the file and where in it. Boxed, so the warehouse never names the pipelines' error type.
pub type AdapterError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// One feed's adapter: opens a file (hash and sniff, one pass) and reads it into a [`Sink`].
pub trait Adapter: Send + Sync {
    /// The feed's name (`pmp-case-table`, …), as `registry.raw_files` records it.
    fn feed(&self) -> &str;
    /// The staging tables the feed writes whose shape is fixed.
    fn tables(&self) -> Vec<TableSpec>;
    /// Hash and sniff the file at `path` in one streaming pass.
    fn open(&self, path: &Path) -> Result<RawFile, AdapterError>;
    /// Read `file` into `sink`: staging rows, quarantine rows, and the file's report. Dates after
    /// `reference_date` are refused by the feeds that check dates (the same file and date give
    /// the same rows).
    fn read(
        &self,
        file: &RawFile,
        reference_date: chrono::NaiveDate,
        sink: &mut dyn Sink,
    ) -> Result<FeedReport, AdapterError>;
    /// The token of `label` under the adapter's pseudonymisation key, if it has one: the
    /// warehouse records a key check value this way (an HMAC of a fixed label, never the key).
    fn key_token(&self, label: &str) -> Option<String>;
}
