//! # marsad-server — `marsad serve`: the HTTP API, the PostgreSQL protocol, roles, tokens, audit
//!
//! One long-running process that serves the warehouse to people who have no shell on the
//! machine: the public (approved, disclosure-controlled indicators), analysts (read-only SQL
//! over HTTP and the PostgreSQL protocol) and stewards (ingest, compute, tokens).
//!
//! It must not hold query, indicator or page logic of its own: SQL goes through
//! `marsad_warehouse::query::run`, observations through `marsad_indicators`, pages through
//! `marsad_dashboards`. The role is resolved in one place ([`access`]) for every channel.
//!
//! ## Layout
//! - [`access`]: roles, identities, channels; tokens resolved to a role in one place.
//! - [`audit`]: the audit trail of queries, ingests, computes and token changes.
//! - [`config`]: the server's settings (flags, environment, `marsad.toml`).
//! - [`http`]: the HTTP API's router, one file per resource.
//! - [`pg`]: the PostgreSQL protocol (read-only SQL through the one query path).
//! - [`serve`]: the listeners, the header-read timeout and graceful shutdown.

pub mod access;
pub mod audit;
pub mod config;
pub mod http;
pub mod pg;
pub mod serve;
