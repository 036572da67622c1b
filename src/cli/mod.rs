//! Command-line arguments and dispatch. Each subcommand group has its own file with an argument
//! struct (help text included) and a `run` that calls a library crate.

mod dashboards;
mod demo;
mod feeds;
mod gen;
mod indicators;
mod ingest;
pub mod output;
mod release;
mod serve;
mod snapshots;
mod sql;
mod tokens;
mod vacuum;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use marsad_warehouse::location::{DATA_DIR_ENV, DEFAULT_DATA_DIR};
use marsad_warehouse::{Location, Warehouse};

#[derive(Debug, Parser)]
#[command(
    name = "marsad",
    version,
    about = "Marsad: the national warehouse of statistics and indicators on online child sexual exploitation and abuse",
    long_about = None
)]
pub struct Cli {
    /// Data directory: a local folder or an object-store URL (s3://bucket/prefix).
    #[arg(long, global = true, env = DATA_DIR_ENV, default_value = DEFAULT_DATA_DIR)]
    pub data_dir: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest agency files of one feed (or every sample with --samples) as one snapshot.
    Ingest(ingest::Args),
    /// List the warehouse's snapshots and the files that made them.
    Snapshots(snapshots::Args),
    /// Run a read-only SQL query over the warehouse (latest snapshot, or --snapshot N).
    Sql(sql::Args),
    /// Load every sample into a data directory and show what was loaded and flagged.
    Demo(demo::Args),
    /// List the feeds Marsad accepts, with their formats and staging tables.
    Feeds,
    /// Write synthetic feed files (samples, benchmarks).
    Gen(gen::Args),
    /// The indicator catalogue: list, show, compute, approve, check, export.
    Indicators(indicators::Args),
    /// Remove the files no snapshot owns (left by interrupted ingests); every snapshot stays readable.
    Vacuum(vacuum::Args),
    /// Access tokens of `marsad serve`: create (printed once), list, revoke.
    Tokens(tokens::Args),
    /// Named, immutable releases of a snapshot's public observations (embargo, notes).
    Release(release::Args),
    /// Serve the HTTP API (and the PostgreSQL protocol) over the warehouse; loads the samples
    /// first into a missing or empty data directory.
    Serve(Box<serve::Args>),
    /// The dashboards: `export --out DIR` writes the public static site (fr, ar, en).
    Dashboards(dashboards::Args),
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Ingest(args) => ingest::run(&cli.data_dir, args).await,
        Command::Snapshots(args) => snapshots::run(&cli.data_dir, args).await,
        Command::Sql(args) => sql::run(&cli.data_dir, args).await,
        Command::Demo(args) => demo::run(&cli.data_dir, args).await,
        Command::Feeds => feeds::run(),
        Command::Gen(args) => gen::run(args),
        Command::Indicators(args) => indicators::run(&cli.data_dir, args).await,
        Command::Vacuum(args) => vacuum::run(&cli.data_dir, args).await,
        Command::Tokens(args) => tokens::run(&cli.data_dir, args).await,
        Command::Release(args) => release::run(&cli.data_dir, args).await,
        Command::Serve(args) => serve::run(&cli.data_dir, *args).await,
        Command::Dashboards(args) => dashboards::run(&cli.data_dir, args).await,
    }
}

/// Open the existing warehouse at `data_dir` (every command but ingest and demo): a path with
/// no warehouse is an error naming it, and nothing is created there.
pub async fn open_warehouse(data_dir: &str) -> anyhow::Result<Warehouse> {
    let location = Location::parse(data_dir)?;
    Warehouse::open(location)
        .await
        .with_context(|| format!("cannot open the warehouse at {data_dir}"))
}

/// The audit trail of a steward's command (`tokens`, `release create`) and who it records:
/// whoever has a shell on the machine and the data directory acts as a steward (no token).
pub async fn steward_audit(
    location: &Location,
) -> anyhow::Result<(marsad_server::audit::Audit, marsad_server::access::Identity)> {
    let audit = marsad_server::audit::Audit::open(location)
        .await
        .map_err(anyhow::Error::msg)
        .context("cannot open the audit table")?;
    let steward = marsad_server::access::Identity {
        token: None,
        role: marsad_server::access::Role::Steward,
    };
    Ok((audit, steward))
}

/// Open the warehouse at `data_dir`, creating it if there is none: only the commands that load
/// data (ingest, demo).
pub async fn create_or_open_warehouse(data_dir: &str) -> anyhow::Result<Warehouse> {
    let location = Location::parse(data_dir)?;
    Warehouse::create_or_open(location)
        .await
        .with_context(|| format!("cannot open or create the warehouse at {data_dir}"))
}

/// The data-samples folder: `./data-samples` when run from a checkout, else the one this binary
/// was built from.
pub fn samples_dir() -> PathBuf {
    let here = PathBuf::from("data-samples");
    if here.join("samples.toml").is_file() {
        here
    } else {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data-samples"))
    }
}
