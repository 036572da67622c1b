//! `marsad release create|list|notes`: named, immutable publications of a snapshot's public
//! observations (`marsad_indicators::releases`), with their embargo, licence and release notes.
//! `release create` is recorded in `audit.events` (channel `cli`), made or refused.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use marsad_indicators::open_data::Licence;
use marsad_indicators::releases::{self, NewRelease};
use marsad_indicators::{Catalog, IndicatorError};
use marsad_server::access::Channel;
use marsad_server::audit::AuditEvent;
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
        /// The licence of the release's open dataset (SPDX id): CC-BY-4.0 (the default),
        /// CC0-1.0, ODC-By-1.0 or ODbL-1.0.
        #[arg(long, value_parser = Licence::parse, default_value = "CC-BY-4.0")]
        licence: &'static Licence,
        /// Catalogue directory of <ID>.toml files deciding what is approved (default: the
        /// catalogue built into marsad).
        #[arg(long)]
        catalog: Option<PathBuf>,
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
            licence,
            catalog,
            lang,
        } => {
            let created = create_audited(
                &warehouse,
                NewRelease {
                    name,
                    snapshot_id: snapshot,
                    embargo_until,
                    steward_notes: None,
                    created_by: by,
                    now: Utc::now(),
                    licence,
                },
                notes,
                catalog,
            )
            .await?;
            let r = &created.release;
            println!(
                "release {} of snapshot {}: {} observations, {} revised values; public from {}\nlicence of its open dataset: {} ({})",
                r.name,
                r.snapshot_id,
                created.observations,
                created.revisions.len(),
                r.published_at().to_rfc3339_opts(SecondsFormat::Secs, true),
                licence.id,
                licence.title
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

/// [`create`], recorded in `audit.events` whatever its outcome: `ok`, `refused` (the release
/// rules say no: a name used, nothing computed or approved) or `failed` (storage, a notes file).
/// Who made it (`created_by`, a person's `--by` or `marsad serve`) is in the action, as the
/// release row records it: the command line has no token.
async fn create_audited(
    warehouse: &Warehouse,
    req: NewRelease,
    notes: Option<PathBuf>,
    catalog: Option<PathBuf>,
) -> anyhow::Result<releases::Created> {
    let (audit, steward) = super::steward_audit(warehouse.location()).await?;
    let mut event = AuditEvent::new(
        &steward,
        Channel::Cli,
        format!("release.create:{} (by {})", req.name, req.created_by),
    );
    event.snapshot = Some(req.snapshot_id);
    let started = Instant::now();
    let made = create(warehouse, req, notes, catalog).await;
    event.duration = started.elapsed();
    match &made {
        Ok(created) => event.rows = Some(created.observations as u64),
        Err(e) => {
            event.outcome = match e.downcast_ref::<IndicatorError>() {
                Some(IndicatorError::Release { .. }) => "refused",
                _ => "failed",
            }
            .into();
            event.error = Some(format!("{e:#}"));
        }
    }
    audit.record(event).await;
    let written = audit.flush().await;
    let created = made?;
    written
        .map_err(anyhow::Error::msg)
        .context("the release was made, but its audit event could not be written")?;
    Ok(created)
}

/// Make the release `req` (its steward's notes read from `notes`, what is approved decided by
/// the catalogue in `catalog` or the embedded one).
async fn create(
    warehouse: &Warehouse,
    mut req: NewRelease,
    notes: Option<PathBuf>,
    catalog: Option<PathBuf>,
) -> anyhow::Result<releases::Created> {
    if let Some(path) = notes {
        req.steward_notes = Some(
            std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read the notes {}", path.display()))?,
        );
    }
    let catalog = match catalog {
        Some(dir) => Catalog::from_dir(&dir)?,
        None => Catalog::embedded()?,
    };
    Ok(releases::create(warehouse, &catalog, req).await?)
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
    create_audited(
        warehouse,
        NewRelease {
            name: "samples".into(),
            snapshot_id: snapshot,
            embargo_until: None,
            steward_notes: Some(
                "Sample data loaded by `marsad serve` (synthetic or public aggregates).".into(),
            ),
            created_by: "marsad serve".into(),
            now: Utc::now(),
            licence: Licence::default_licence(),
        },
        None,
        None,
    )
    .await?;
    Ok(())
}

/// The release the public's files show (`indicators export --role public`, `dashboards export`):
/// `name`, or the latest whose embargo has passed at now (`releases::as_of`, the rule every
/// public channel follows); never one still under embargo.
pub async fn public_release(
    warehouse: &Warehouse,
    name: Option<&str>,
) -> anyhow::Result<releases::Release> {
    let all = releases::list(warehouse).await?;
    let now = Utc::now();
    let until = |r: &releases::Release| r.published_at().to_rfc3339_opts(SecondsFormat::Secs, true);
    if all.is_empty() {
        anyhow::bail!("nothing is released yet: the public's files are a release's; make one with `marsad release create --snapshot N --name NAME`");
    }
    let chosen = match name {
        Some(name) => all.iter().find(|r| r.name == name).with_context(|| {
            let names: Vec<&str> = all.iter().map(|r| r.name.as_str()).collect();
            format!(
                "there is no release `{name}` (releases: {})",
                names.join(", ")
            )
        })?,
        None => releases::as_of(&all, now).with_context(|| {
            let embargoed: Vec<String> = all
                .iter()
                .map(|r| format!("{} until {}", r.name, until(r)))
                .collect();
            format!(
                "no release is public yet: {} under embargo (see `marsad release list`)",
                embargoed.join(", ")
            )
        })?,
    };
    if !chosen.is_public(now) {
        anyhow::bail!(
            "release `{}` is under embargo until {}: nothing of it is public before then",
            chosen.name,
            until(chosen)
        );
    }
    Ok(chosen.clone())
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
