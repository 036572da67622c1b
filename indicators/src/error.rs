//! The indicators crate's error type: what failed, and for which indicator, file or column.

use std::path::PathBuf;

pub type Result<T, E = IndicatorError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum IndicatorError {
    /// A catalogue file is unreadable or malformed.
    #[error("indicator catalogue `{file}`: {detail}")]
    Catalogue { file: String, detail: String },
    /// No indicator with that id in the catalogue.
    #[error("no indicator `{id}` in the catalogue (see `marsad indicators list`)")]
    Unknown { id: String },
    /// An indicator's SQL failed to plan or run.
    #[error("indicator {id} (sql/indicators/{id}.sql): {cause}")]
    Sql {
        id: String,
        cause: Box<marsad_warehouse::WarehouseError>,
    },
    /// An indicator's SQL ran but its result breaks the observation contract.
    #[error("indicator {id} (sql/indicators/{id}.sql): {detail}")]
    Contract { id: String, detail: String },
    /// An approval was refused.
    #[error("indicator {id}: cannot approve: {detail}")]
    Approval { id: String, detail: String },
    /// Writing an export file failed.
    #[error("export `{}`: {detail}", path.display())]
    Export { path: PathBuf, detail: String },
    /// A release was refused (name taken, nothing computed or nothing public to publish).
    #[error("release `{name}`: {detail}")]
    Release { name: String, detail: String },
    /// The warehouse failed (reading a snapshot, writing observations).
    #[error(transparent)]
    Warehouse(#[from] marsad_warehouse::WarehouseError),
    /// Arrow-level failure while building or reading batches.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

impl IndicatorError {
    pub(crate) fn catalogue(file: impl Into<String>, detail: impl Into<String>) -> Self {
        IndicatorError::Catalogue {
            file: file.into(),
            detail: detail.into(),
        }
    }

    pub(crate) fn contract(id: &str, detail: impl Into<String>) -> Self {
        IndicatorError::Contract {
            id: id.to_string(),
            detail: detail.into(),
        }
    }

    pub(crate) fn export(path: &std::path::Path, detail: impl std::fmt::Display) -> Self {
        IndicatorError::Export {
            path: path.to_path_buf(),
            detail: detail.to_string(),
        }
    }
}
