//! `marsad ingest <feed> <file>...` and `marsad ingest --samples`: files through their feed's
//! adapter into the warehouse, one all-or-nothing snapshot per feed, with a progress bar and the
//! ingest report (readable text, or JSON with --json).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use marsad_pipelines::feeds::FeedContext;
use marsad_pipelines::pseudonym::{PseudonymKey, KEY_ENV};
use marsad_pipelines::{samples, Feed};
use marsad_warehouse::ingest::{FileOutcome, Progress};
use marsad_warehouse::{IngestOutcome, IngestRequest, Warehouse};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Feed name (see `marsad feeds`).
    #[arg(required_unless_present = "samples")]
    feed: Option<String>,
    /// Files to ingest.
    files: Vec<PathBuf>,
    /// Ingest every sample listed in data-samples/samples.toml.
    #[arg(long, conflicts_with_all = ["feed", "files"])]
    samples: bool,
    /// Print the ingest report as JSON.
    #[arg(long)]
    json: bool,
    /// The day taken as "today" when checking dates (YYYY-MM-DD; default: the day the ingest
    /// starts, UTC). Recorded in the report, so an ingest can be repeated exactly.
    #[arg(long, value_name = "DATE")]
    reference_date: Option<chrono::NaiveDate>,
}

pub async fn run(data_dir: &str, args: Args) -> anyhow::Result<()> {
    let warehouse = super::create_or_open_warehouse(data_dir).await?;
    let context = FeedContext {
        key: key_from_env(false)?,
        reference_date: args.reference_date,
    };
    let outcomes = if args.samples {
        ingest_samples(&warehouse, &super::samples_dir(), &context).await?
    } else {
        let Some(name) = args.feed.as_deref() else {
            bail!("name a feed, or use --samples")
        };
        let feed = Feed::from_name(name)?;
        if args.files.is_empty() {
            bail!("no file given for feed `{name}`");
        }
        vec![ingest(&warehouse, feed, args.files, &context).await?]
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcomes)?);
    } else {
        for o in &outcomes {
            print_outcome(o);
        }
    }
    Ok(())
}

/// The pseudonymisation key from the environment; with `ephemeral`, a random one if unset.
pub fn key_from_env(ephemeral: bool) -> anyhow::Result<Option<PseudonymKey>> {
    match std::env::var(KEY_ENV) {
        Ok(secret) => Ok(Some(PseudonymKey::new(secret.as_bytes())?)),
        Err(_) if ephemeral => {
            eprintln!(
                "note: {KEY_ENV} is not set; identifiers are pseudonymised with a random key that is not kept"
            );
            Ok(Some(PseudonymKey::ephemeral()))
        }
        Err(_) => Ok(None),
    }
}

/// One feed's files as one snapshot, with a progress bar on stderr.
pub async fn ingest(
    warehouse: &Warehouse,
    feed: Feed,
    files: Vec<PathBuf>,
    context: &FeedContext,
) -> anyhow::Result<IngestOutcome> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {prefix} {msg} [{elapsed}] {human_pos} rows ({per_sec})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_prefix(feed.name());
    bar.enable_steady_tick(Duration::from_millis(120));
    let b = bar.clone();
    let progress = Arc::new(move |p: Progress| match p {
        Progress::Hashing { name } => b.set_message(format!("hashing {name}")),
        Progress::FileStarted { name, .. } => {
            b.set_position(0);
            b.set_message(name)
        }
        Progress::Rows { rows, .. } => b.set_position(rows),
        Progress::Committing { tables } => b.set_message(format!("committing {tables} tables")),
    });
    let result = warehouse
        .ingest(IngestRequest {
            adapter: Arc::new(feed.adapter(context.clone())),
            files,
            reference_date: context.reference_date,
            progress: Some(progress),
        })
        .await;
    bar.finish_and_clear();
    Ok(result?)
}

/// Ingest every entry of `<dir>/samples.toml`, in order, one snapshot per entry.
pub async fn ingest_samples(
    warehouse: &Warehouse,
    dir: &Path,
    context: &FeedContext,
) -> anyhow::Result<Vec<IngestOutcome>> {
    let mut out = Vec::new();
    for sample in samples::read(dir)? {
        out.push(ingest(warehouse, sample.feed, sample.files, context).await?);
    }
    Ok(out)
}

pub fn print_outcome(o: &IngestOutcome) {
    match o.snapshot_id {
        Some(id) => println!("{}: snapshot {id}", o.feed),
        None => println!("{}: nothing new, the warehouse is unchanged", o.feed),
    }
    for f in &o.files {
        match f {
            FileOutcome::Ingested { report, .. } => print!("{report}"),
            FileOutcome::AlreadyIngested {
                name, snapshot_id, ..
            } => println!(
                "{name}: already ingested in snapshot {snapshot_id} (same sha256), skipped"
            ),
        }
    }
}
