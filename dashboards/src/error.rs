//! The crate's error type: what went wrong and where (message file and key, chart, region,
//! page, file).

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
    /// A page or download that this role does not see (or that does not exist): a 404.
    #[error("no such page: {what}")]
    NotFound { what: String },
    /// A page's query that cannot be read (unknown parameter, bad year): a 400.
    #[error("{message}")]
    BadQuery { message: String },
    /// A file of the static site or of a download that could not be written or read.
    #[error("{path}: {message}")]
    Export { path: String, message: String },
    /// A reference file under dashboards/assets/ that does not parse.
    #[error("dashboards/assets/{file}: {message}")]
    Asset { file: String, message: String },
}

pub type Result<T> = std::result::Result<T, DashboardError>;
