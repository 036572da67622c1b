//! Where an adapter's output goes: a [`Sink`] takes staging rows as Arrow record batches and
//! rejected values as quarantine rows. The warehouse implements it (batches stream to its table
//! writers); the pipelines' tests keep everything in memory.

use arrow::array::RecordBatch;

use crate::tables::TableSpec;

/// A sink could not take a batch (the warehouse's writer stopped). Says which file was read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: could not hand rows to the warehouse: {detail}")]
pub struct SinkError {
    /// The file being read, as reports name it.
    pub file: String,
    pub detail: String,
}

/// Receives an adapter's output. Called on the adapter's thread.
pub trait Sink {
    /// Rows for staging table `table`.
    fn rows(&mut self, table: &TableSpec, batch: RecordBatch) -> Result<(), SinkError>;
    /// Rejected values, in [`crate::schema::quarantine_schema`].
    fn quarantine(&mut self, batch: RecordBatch) -> Result<(), SinkError>;
}
