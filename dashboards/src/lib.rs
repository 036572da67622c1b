//! # marsad-dashboards — policymakers' pages (issue #5; not yet written)
//!
//! Will hold dashboard definitions (`dashboards/<name>.toml`), plotters SVG charts, the French,
//! Arabic (right-to-left) and English HTML pages, and the static export.
//!
//! It must not run SQL other than through `marsad-indicators`.
//!
//! ## Layout
//! Empty for now: the crate exists so that the dependency direction is fixed from the start.

pub use marsad_indicators as indicators;
