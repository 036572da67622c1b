//! The warehouse's error type: what failed, and on which table, file or snapshot.

pub type Result<T, E = WarehouseError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    /// The data directory cannot be used.
    #[error("data directory `{location}`: {detail}")]
    Location { location: String, detail: String },
    /// A Delta operation failed on a table.
    #[error("table `{table}`: failed to {action}: {cause}")]
    Delta {
        table: String,
        action: &'static str,
        cause: Box<deltalake::DeltaTableError>,
    },
    /// Another writer kept committing to a table first (concurrent writes outside the lock).
    #[error("table `{table}`: {detail}")]
    Conflict { table: String, detail: String },
    /// Reading or writing a raw file in the archive failed.
    #[error("raw-file archive: failed to {action} `{file}`: {detail}")]
    Archive {
        action: &'static str,
        file: String,
        detail: String,
    },
    /// A feed file was refused by its adapter; nothing of the ingest was written.
    #[error("{cause}; nothing was written, the warehouse is unchanged")]
    Refused { cause: marsad_model::AdapterError },
    /// No snapshot with that id.
    #[error("no snapshot {id} (snapshots go from 0 to {latest})")]
    NoSnapshot { id: i64, latest: i64 },
    /// The snapshot log itself is unreadable or inconsistent.
    #[error("snapshot log: {0}")]
    SnapshotLog(String),
    /// Planning or running SQL failed.
    #[error("SQL: {0}")]
    Sql(Box<datafusion::error::DataFusionError>),
    /// A table could not be read through DataFusion.
    #[error("table `{table}`: failed to read: {cause}")]
    Scan {
        table: String,
        cause: Box<datafusion::error::DataFusionError>,
    },
    /// A view file under sql/views/ does not plan.
    #[error("view `{view}` (sql/views/{view}.sql): {cause}")]
    View {
        view: String,
        cause: Box<datafusion::error::DataFusionError>,
    },
    /// Arrow-level failure while preparing a batch.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// A worker task failed (panicked or was cancelled).
    #[error("internal: {0}")]
    Internal(String),
}

impl WarehouseError {
    pub(crate) fn scan(
        table: impl Into<String>,
    ) -> impl FnOnce(datafusion::error::DataFusionError) -> WarehouseError {
        let table = table.into();
        move |cause| WarehouseError::Scan {
            table,
            cause: Box::new(cause),
        }
    }

    pub(crate) fn delta(
        table: impl Into<String>,
        action: &'static str,
    ) -> impl FnOnce(deltalake::DeltaTableError) -> WarehouseError {
        let table = table.into();
        move |cause| WarehouseError::Delta {
            table,
            action,
            cause: Box::new(cause),
        }
    }
}

impl From<datafusion::error::DataFusionError> for WarehouseError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        WarehouseError::Sql(Box::new(e))
    }
}
