//! The one error type of the pipelines. A refused file is always named, with the line, sheet and
//! row, or page where reading stopped, so a data steward can open the file at the right place.

use std::path::PathBuf;

pub type Result<T, E = PipelineError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The file could not be opened or read from disk.
    #[error("failed to read {file}: {cause}")]
    Io { file: String, cause: std::io::Error },
    /// The file is empty, or has headers and no data row.
    #[error("{file}: the file is empty{}", detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Empty {
        file: String,
        detail: Option<String>,
    },
    /// Bytes that are neither UTF-8 nor Windows-1256 text.
    #[error("{file}: undecodable bytes at {position}: {detail}")]
    Undecodable {
        file: String,
        position: String,
        detail: String,
    },
    /// The file is not in any layout this feed accepts.
    #[error("{file}: unknown layout for feed `{feed}`: {detail}")]
    UnknownLayout {
        file: String,
        feed: String,
        detail: String,
    },
    /// A required column is absent; the message lists the headers that were accepted.
    #[error("{file}: missing required column `{column}` (accepted headers: {aliases}); found headers: {found}")]
    MissingColumn {
        file: String,
        column: String,
        aliases: String,
        found: String,
    },
    /// The container is damaged (truncated XLSX or PDF, broken CSV quoting, bad JSON line).
    #[error("{file}: cannot be parsed at {position}: {detail}")]
    Parse {
        file: String,
        position: String,
        detail: String,
    },
    /// A configuration problem (no pseudonymisation key, bad design file, unknown feed).
    #[error("{0}")]
    Config(String),
    /// The sink refused a batch (the warehouse could not write it).
    #[error("{file}: could not hand rows to the warehouse: {detail}")]
    Sink { file: String, detail: String },
    /// Building an Arrow batch failed: a bug in an adapter's column list.
    #[error(
        "internal error building rows for {table}: {detail} (this is a bug, please report it)"
    )]
    Internal { table: String, detail: String },
    /// Writing a synthetic file failed.
    #[error("failed to write {}: {cause}", path.display())]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
}

/// A sink's refusal read as the adapter's error (same message as before the model had it).
impl From<marsad_model::SinkError> for PipelineError {
    fn from(e: marsad_model::SinkError) -> Self {
        PipelineError::Sink {
            file: e.file,
            detail: e.detail,
        }
    }
}

impl PipelineError {
    pub fn parse(file: &str, position: impl ToString, detail: impl ToString) -> Self {
        PipelineError::Parse {
            file: file.to_string(),
            position: position.to_string(),
            detail: detail.to_string(),
        }
    }
    pub fn layout(file: &str, feed: &str, detail: impl ToString) -> Self {
        PipelineError::UnknownLayout {
            file: file.to_string(),
            feed: feed.to_string(),
            detail: detail.to_string(),
        }
    }
}
