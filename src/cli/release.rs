//! `marsad release create|list|notes`: named, immutable publications of a snapshot's public
//! observations (`marsad_indicators::releases`), with their embargo and release notes.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use marsad_indicators::releases::{self, NewRelease};
use marsad_indicators::Catalog;
use marsad_warehouse::Warehouse;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Publish a snapshot's approved, disclosure-controlled observations under a name, once.
    Create {
        /// The snapshot to release (its observations must be computed).
        #[arg(long)]
        snapshot: i64,
        /// The release's name, never reused (letters, digits, - _ .), e.g. 2026-Q1.
        #[arg(long)]
        name: String,
        /// Nothing of the release is public before this RFC 3339 time (e.g. 2026-04-01T09:00:00Z).
        #[arg(long, value_parser = parse_time)]
        embargo_until: Option<DateTime<Utc>>,
        /// A text file of the steward's own notes, appended to the generated release notes.
        #[arg(long)]
        notes: Option<PathBuf>,
        /// Who makes the release (default: the user running the command).
        #[arg(long, env = "USER")]
        by: String,
        /// Language of the release notes printed (all three are stored).
        #[arg(long, default_value = "en", value_parser = ["fr", "ar", "en"])]
        lang: String,
    },
    /// Every release: name, snapshot, public from, created by and at.
    List,
    /// A release's notes (fr, ar or en).
    Notes {
        name: String,
        #[arg(long, default_value = "en", value_parser = ["fr", "ar", "en"])]
        lang: String,
    },
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{text}` is not an RFC 3339 time (2026-04-01T09:00:00Z): {e}"))
}

pub async fn run(data_dir: &str, args: Args) -> anyhow::Result<()> {
    let warehouse = super::open_warehouse(data_dir).await?;
    match args.command {
        Command::Create {
            snapshot,
            name,
            embargo_until,
            notes,
            by,
            lang,
        } => {
            let steward_notes = match notes {
                Some(path) => Some(
                    std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read the notes {}", path.display()))?,
                ),
                None => None,
            };
            let created = releases::create(
                &warehouse,
                &Catalog::embedded()?,
                NewRelease {
                    name,
                    snapshot_id: snapshot,
                    embargo_until,
                    steward_notes,
                    created_by: by,
                    now: Utc::now(),
                },
            )
            .await?;
            let r = &created.release;
            println!(
                "release {} of snapshot {}: {} observations, {} revised values; public from {}",
                r.name,
                r.snapshot_id,
                created.observations,
                created.revisions.len(),
                r.published_at().to_rfc3339_opts(SecondsFormat::Secs, true)
            );
            println!();
            print!("{}", notes_in(r, &lang));
            Ok(())
        }
        Command::List => list(&warehouse).await,
        Command::Notes { name, lang } => {
            let all = releases::list(&warehouse).await?;
            let r = all.iter().find(|r| r.name == name).with_context(|| {
                format!("there is no release `{name}` (see `marsad release list`)")
            })?;
            print!("{}", notes_in(r, &lang));
            Ok(())
        }
    }
}

fn notes_in<'a>(r: &'a releases::Release, lang: &str) -> &'a str {
    match lang {
        "fr" => &r.notes_fr,
        "ar" => &r.notes_ar,
        _ => &r.notes_en,
    }
}

async fn list(warehouse: &Warehouse) -> anyhow::Result<()> {
    let all = releases::list(warehouse).await?;
    if all.is_empty() {
        println!("no release yet (make one with `marsad release create --snapshot N --name NAME`)");
        return Ok(());
    }
    let now = Utc::now();
    println!("name\tsnapshot\tpublic_from\tstate\tcreated_by\tcreated_at");
    for r in &all {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            r.name,
            r.snapshot_id,
            r.published_at().to_rfc3339_opts(SecondsFormat::Secs, true),
            if r.is_public(now) {
                "public"
            } else {
                "embargoed"
            },
            r.created_by,
            r.created_at.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
    }
    Ok(())
}

/// The first release of a warehouse just loaded with the samples (`marsad serve` on an empty
/// data directory), so that the public sees the demo: named `samples`, of the latest snapshot.
pub async fn first_release_of_samples(warehouse: &Warehouse) -> anyhow::Result<()> {
    if !releases::list(warehouse).await?.is_empty() {
        return Ok(());
    }
    let snapshot = warehouse.latest().await?.id;
    releases::create(
        warehouse,
        &Catalog::embedded()?,
        NewRelease {
            name: "samples".into(),
            snapshot_id: snapshot,
            embargo_until: None,
            steward_notes: Some(
                "Sample data loaded by `marsad serve` (synthetic or public aggregates).".into(),
            ),
            created_by: "marsad serve".into(),
            now: Utc::now(),
        },
    )
    .await?;
    Ok(())
}

/// Say at start-up that the public will see no observation yet (and how to publish some).
pub async fn warn_if_nothing_released(warehouse: &Warehouse) -> anyhow::Result<()> {
    let all = releases::list(warehouse).await?;
    if !all.iter().any(|r| r.is_public(Utc::now())) {
        println!(
            "no release is public yet: the public sees no observation until one is (`marsad release create --snapshot N --name NAME`; {} under embargo)",
            all.len()
        );
    }
    Ok(())
}
