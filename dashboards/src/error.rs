//! The crate's error type: what went wrong and where (message file and key, chart, region).

use thiserror::Error;

use crate::lang::Lang;

#[derive(Debug, Error)]
pub enum DashboardError {
    /// A message file that does not parse, or holds something other than text.
    #[error("dashboards/messages/{file}: {message}")]
    MessageFile { file: String, message: String },
    #[error("message '{key}' is missing in dashboards/messages/{lang}.toml")]
    MissingMessage { key: String, lang: Lang },
    /// A `{placeholder}` of a message with no value given, or a value for none.
    #[error("message '{key}' ({lang}): {message}")]
    Placeholder {
        key: String,
        lang: Lang,
        message: String,
    },
    #[error("chart '{id}': {message}")]
    Chart { id: String, message: String },
    #[error("map '{id}': {message}")]
    Map { id: String, message: String },
}

pub type Result<T> = std::result::Result<T, DashboardError>;
