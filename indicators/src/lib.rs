//! # marsad-indicators — the approved indicators (issue #3; not yet written)
//!
//! Will hold the catalogue (`indicators/catalog/<ID>.toml`, SQL in `sql/indicators/<ID>.sql`),
//! the engine that runs each indicator's SQL on a pinned warehouse snapshot and writes
//! observations, approval records, disclosure control and exports (CSV, SDMX-CSV, Parquet,
//! datapackage.json).
//!
//! It must not open feed files (that is `marsad-pipelines`) nor render charts
//! (`marsad-dashboards`). It reads the warehouse only through `marsad-warehouse`'s sessions.
//!
//! ## Layout
//! Empty for now: the crate exists so that the dependency direction
//! `src → dashboards → indicators → warehouse ← pipelines` is fixed from the start.

pub use marsad_warehouse as warehouse;
