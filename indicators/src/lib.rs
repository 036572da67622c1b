//! # marsad-indicators — the approved AESE indicators
//!
//! The catalogue of indicators (one TOML file each in `indicators/catalog/`, SQL in
//! `sql/indicators/`), the engine that runs them on a pinned warehouse snapshot into the
//! versioned `indicators.observations` table, approval records and the CI check, disclosure
//! control of public outputs, and the exports (CSV, JSON, SDMX-CSV, Parquet, datapackage.json).
//!
//! It must not open feed files (that is `marsad-pipelines`) nor render charts
//! (`marsad-dashboards`). It reads the warehouse only through `marsad-warehouse`'s sessions.
//!
//! ## Layout
//! - [`catalog`]: indicator definitions, loading (embedded or a directory), the definition hash.
//! - [`dependencies`]: what an indicator's SQL reads and calls (views, functions, code tables).
//! - [`approval`]: `approve` (writes the record into the indicator's file) and `check` (CI).
//! - [`engine`]: SQL → observations on a snapshot, the observation contract, storage.
//! - [`observations`]: the observation row, its table schema, Arrow conversion.
//! - [`disclosure`]: primary and secondary suppression, and the exact derivability audit.
//! - [`export`]: the role-based selection and the export files.
//! - [`lineage`]: where one observation came from: tables, raw files, row positions.
//! - [`open_data`]: the open dataset of a release: Data Package v2 and DCAT-AP 3 catalogue.
//! - [`terminology`]: the Luxembourg Guidelines term list and the check of every text.
//! - [`releases`]: named releases, embargo, vintages (`as_of`), revisions, release notes.
//! - [`error`]: the crate's error type.

pub mod approval;
pub mod catalog;
pub mod dependencies;
pub mod disclosure;
pub mod engine;
pub mod error;
pub mod export;
pub mod lineage;
pub mod observations;
pub mod open_data;
pub mod releases;
pub mod terminology;

pub use catalog::{Catalog, Indicator};
pub use error::{IndicatorError, Result};
pub use marsad_warehouse as warehouse;
