//! Content negotiation: the `format` parameter or, without it, the Accept header (by quality)
//! picks one of the formats a resource offers; nothing acceptable is a 406.

use axum::http::{header, HeaderMap};

use super::problem::Problem;

pub const JSON: &str = "application/json";
pub const CSV: &str = "text/csv; charset=utf-8";
pub const SDMX_CSV: &str = "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8";
pub const PARQUET: &str = "application/vnd.apache.parquet";
pub const ARROW: &str = "application/vnd.apache.arrow.stream";

/// A representation of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    SdmxCsv,
    Parquet,
    Arrow,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::SdmxCsv => "sdmx-csv",
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => JSON,
            Format::Csv => CSV,
            Format::SdmxCsv => SDMX_CSV,
            Format::Parquet => PARQUET,
            Format::Arrow => ARROW,
        }
    }

    fn media(self) -> &'static str {
        self.content_type().split(';').next().unwrap_or_default()
    }

    /// The format `format=<name>` or the Accept header asks for, among `offered` (the first is
    /// the default).
    pub fn negotiate(
        param: Option<&str>,
        headers: &HeaderMap,
        offered: &[Format],
    ) -> Result<Format, Problem> {
        let names = || {
            offered
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(name) = param {
            return offered
                .iter()
                .copied()
                .find(|f| f.name() == name)
                .ok_or_else(|| {
                    Problem::bad_request(format!(
                        "unknown format `{name}`; expected one of {}",
                        names()
                    ))
                });
        }
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Ok(offered[0]);
        };
        let mut ranges: Vec<(f32, &str)> = accept
            .split(',')
            .map(|range| {
                let mut parts = range.split(';');
                let media = parts.next().unwrap_or_default().trim();
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q, media)
            })
            .filter(|(q, _)| *q > 0.0)
            .collect();
        // Highest quality first; equal qualities keep the client's order.
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, media) in ranges {
            if media == "*/*" {
                return Ok(offered[0]);
            }
            if let Some(f) = offered.iter().find(|f| {
                f.media().eq_ignore_ascii_case(media)
                    || media
                        .strip_suffix("/*")
                        .is_some_and(|t| f.media().starts_with(&format!("{t}/")))
            }) {
                return Ok(*f);
            }
        }
        Err(Problem::not_acceptable(format!(
            "none of the types in Accept is offered here; use format= with one of {}",
            names()
        )))
    }
}
