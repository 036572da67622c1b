//! `marsad indicators list|show|compute|approve|check|export`: the catalogue, the engine,
//! approval and the exports of `marsad-indicators`; `show --as-of` reads a release (a vintage).
//! The public export is the open dataset of a release (the latest public one, the rule every
//! public channel follows; design.md invariant 6), the analyst export that of a snapshot.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use marsad_indicators::approval::{self, Approved};
use marsad_indicators::export::{self, Role};
use marsad_indicators::observations::Observation;
use marsad_indicators::{engine, open_data, releases, Catalog};
use marsad_warehouse::session::WarehouseSession;
use marsad_warehouse::Warehouse;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Catalogue directory of <ID>.toml files (default: the catalogue built into marsad;
    /// `approve` defaults to ./indicators/catalog, the files it edits).
    #[arg(long, global = true)]
    catalog: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    /// Approved indicators only, small counts suppressed.
    Public,
    /// Every indicator, drafts included, unsuppressed.
    Analyst,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Public => Role::Public,
            RoleArg::Analyst => Role::Analyst,
        }
    }
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// List the indicators: id, version, status, unit, name.
    List,
    /// Show one indicator's metadata and its observations on a snapshot.
    Show {
        id: String,
        /// Snapshot (default: the latest).
        #[arg(long, conflicts_with = "as_of")]
        snapshot: Option<i64>,
        /// The values exactly as published on this date (`2026-04-01`, by the end of that day
        /// UTC) or at this RFC 3339 time: the latest release public by then.
        #[arg(long, value_parser = releases::parse_as_of)]
        as_of: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long, value_enum, default_value = "analyst")]
        role: RoleArg,
    },
    /// Compute every indicator (not retired) on a snapshot and store the observations.
    Compute {
        #[arg(long)]
        snapshot: Option<i64>,
    },
    /// Record the approval of an indicator's current version in its catalogue file.
    Approve {
        id: String,
        /// Who approves (person or body).
        #[arg(long)]
        by: String,
        /// Reference of the approval decision.
        #[arg(long = "ref")]
        reference: String,
    },
    /// Fail if an approved indicator changed without a new version and approval (CI).
    Check,
    /// Write CSV, JSON, SDMX-CSV, Parquet and datapackage.json: for the public, the open
    /// dataset of the latest release out of embargo (DCAT catalogue and release notes
    /// included); for analysts, every observation of a snapshot.
    Export {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// The snapshot of an analyst export (default: the latest).
        #[arg(long, conflicts_with = "release")]
        snapshot: Option<i64>,
        /// The release of a public export (default: the latest out of embargo).
        #[arg(long)]
        release: Option<String>,
        #[arg(long, value_enum, default_value = "public")]
        role: RoleArg,
    },
}

pub async fn run(data_dir: &str, args: Args) -> anyhow::Result<()> {
    let catalog = match (&args.catalog, &args.command) {
        (Some(dir), _) => Catalog::from_dir(dir)?,
        (None, Command::Approve { .. }) => {
            let dir = PathBuf::from("indicators/catalog");
            if !dir.is_dir() {
                bail!("approve edits catalogue files: run it in a Marsad checkout or give --catalog DIR");
            }
            Catalog::from_dir(&dir)?
        }
        (None, _) => Catalog::embedded()?,
    };
    match args.command {
        Command::List => list(&catalog),
        Command::Check => check(&catalog),
        Command::Approve { id, by, reference } => {
            let ind = catalog.get(&id)?;
            let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            match approval::approve(ind, &by, &reference, &at)? {
                Approved::Recorded { version, hash } => println!(
                    "{} version {version} approved by {by} ({reference}); definition hash {hash}\nrecorded in {}",
                    ind.id(),
                    ind.file
                ),
                Approved::AlreadyApproved { version } => println!(
                    "{} version {version} is already approved with this definition: nothing changed",
                    ind.id()
                ),
            }
            Ok(())
        }
        Command::Compute { snapshot } => {
            let warehouse = super::open_warehouse(data_dir).await?;
            let session = Arc::new(warehouse.session(snapshot).await?);
            let computed = compute(&warehouse, session, &catalog).await?;
            println!(
                "computed {} observations of {} indicators on snapshot {} (indicators.observations version {})",
                computed.observations.len(),
                catalog.indicators.iter().filter(|i| computed.observations.iter().any(|o| o.indicator_id == i.def.id)).count(),
                computed.snapshot_id,
                computed.table_version
            );
            Ok(())
        }
        Command::Show {
            id,
            snapshot,
            as_of,
            role,
        } => {
            let warehouse = super::open_warehouse(data_dir).await?;
            let ind = catalog.get(&id)?;
            let visible = match as_of {
                // A vintage: the release's rows exactly as it published them, for every role.
                Some(at) => {
                    let all = releases::list(&warehouse).await?;
                    let at = at.min(chrono::Utc::now());
                    match releases::as_of(&all, at) {
                        None => {
                            show_definition(ind);
                            println!("\n(nothing had been released by {})", at.to_rfc3339());
                            return Ok(());
                        }
                        Some(r) => {
                            show_definition(ind);
                            println!(
                                "\nas published by release {} (snapshot {}, public from {})",
                                r.name,
                                r.snapshot_id,
                                r.published_at()
                                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                            );
                            releases::observations(&warehouse, &r.name)
                                .await?
                                .into_iter()
                                .filter(|o| o.indicator_id == ind.def.id)
                                .collect::<Vec<_>>()
                        }
                    }
                }
                None => {
                    let obs = observations(&warehouse, snapshot).await?;
                    show_definition(ind);
                    let mine: Vec<Observation> = obs
                        .into_iter()
                        .filter(|o| o.indicator_id == ind.def.id)
                        .collect();
                    export::select(&catalog, &mine, role.into())
                }
            };
            if visible.is_empty() {
                println!("\n(no observations visible to this role)");
            } else {
                println!();
                print_observations(ind, &visible);
            }
            Ok(())
        }
        Command::Export {
            out,
            snapshot,
            release,
            role,
        } => {
            let warehouse = super::open_warehouse(data_dir).await?;
            let (what, count, files) = match role {
                RoleArg::Public => {
                    if snapshot.is_some() {
                        bail!("the public export is of a release, not a snapshot: give `--release NAME` (see `marsad release list`), or `--role analyst --snapshot N`");
                    }
                    let r = super::release::public_release(&warehouse, release.as_deref()).await?;
                    let obs = releases::observations(&warehouse, &r.name).await?;
                    let files = open_data::write(
                        &out,
                        &catalog,
                        &obs,
                        &open_data::Release::of_release(&r)?,
                    )?;
                    (
                        format!("public, release {} of snapshot {}", r.name, r.snapshot_id),
                        obs.len(),
                        files,
                    )
                }
                RoleArg::Analyst => {
                    if release.is_some() {
                        bail!("a release is the public's: export it with `--role public --release NAME`; an analyst export is of a snapshot (`--snapshot N`)");
                    }
                    let obs = observations(&warehouse, snapshot).await?;
                    let snapshot_id = warehouse.snapshot(snapshot).await?.id;
                    let selected = export::select(&catalog, &obs, Role::Analyst);
                    let files =
                        export::write_all(&out, &catalog, &selected, Role::Analyst, snapshot_id)?;
                    (
                        format!("analyst role, snapshot {snapshot_id}"),
                        selected.len(),
                        files,
                    )
                }
            };
            println!(
                "{count} observations ({what}) written to {}:",
                out.display()
            );
            for f in files {
                println!("  {}", f.display());
            }
            Ok(())
        }
    }
}

fn list(catalog: &Catalog) -> anyhow::Result<()> {
    println!(
        "{:<30} {:>3}  {:<9} {:<10}  name",
        "id", "v", "status", "unit"
    );
    for ind in &catalog.indicators {
        let d = &ind.def;
        println!(
            "{:<30} {:>3}  {:<9} {:<10}  {}",
            d.id,
            d.version,
            d.status.as_str(),
            d.unit.code(),
            d.name.en
        );
    }
    Ok(())
}

fn check(catalog: &Catalog) -> anyhow::Result<()> {
    let problems = approval::check(catalog);
    for p in &problems {
        eprintln!("error: {p}");
    }
    if !problems.is_empty() {
        bail!("{} indicator(s) fail the approval check", problems.len());
    }
    let approved = catalog
        .indicators
        .iter()
        .filter(|i| i.def.status == marsad_indicators::catalog::Status::Approved)
        .count();
    println!(
        "{} indicators checked: {approved} approved with matching definition hashes, the rest draft or retired",
        catalog.indicators.len()
    );
    Ok(())
}

async fn compute(
    warehouse: &Warehouse,
    session: Arc<WarehouseSession>,
    catalog: &Catalog,
) -> anyhow::Result<engine::Computed> {
    let bar = indicatif::ProgressBar::new(catalog.indicators.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let computed = engine::compute(warehouse, session, catalog, &|id| {
        bar.inc(1);
        bar.set_message(id.to_string());
    })
    .await;
    bar.finish_and_clear();
    Ok(computed?)
}

/// The stored observations of a snapshot. `show` and `export` only read: a snapshot whose
/// observations were not computed is an error that says how to compute them (an export is of
/// stored figures, with the definition hash and time they were computed with).
pub(super) async fn observations(
    warehouse: &Warehouse,
    snapshot: Option<i64>,
) -> anyhow::Result<Vec<Observation>> {
    let session = warehouse.session(snapshot).await?;
    match engine::stored(&session).await? {
        Some(obs) => Ok(obs),
        None => bail!(
            "no observations are stored for snapshot {id}: compute them first with `marsad indicators compute --snapshot {id}`",
            id = session.snapshot.id
        ),
    }
}

/// Compute and store the latest snapshot's observations unless they are stored (`demo`).
pub async fn compute_if_missing(warehouse: &Warehouse) -> anyhow::Result<()> {
    let session = Arc::new(warehouse.session(None).await?);
    if engine::stored(&session).await?.is_some() {
        return Ok(());
    }
    let catalog = Catalog::embedded()?;
    compute(warehouse, session, &catalog)
        .await
        .context("computing the indicators")?;
    Ok(())
}

fn show_definition(ind: &marsad_indicators::Indicator) {
    let d = &ind.def;
    println!("{} (version {}, {})", d.id, d.version, d.status.as_str());
    println!(
        "  fr: {}\n  ar: {}\n  en: {}",
        d.name.fr, d.name.ar, d.name.en
    );
    println!("definition: {}", d.definition.en);
    if let Some(n) = &d.numerator {
        println!("numerator: {}", n.en);
    }
    if let Some(n) = &d.denominator {
        println!("denominator: {}", n.en);
    }
    if let Some(n) = &d.notes {
        println!("notes: {}", n.en);
    }
    println!(
        "unit: {} ({} decimals); dimensions: {}; sources: {}; MNR sector {} capacity {}; SDG {}",
        d.unit.code(),
        d.decimals,
        d.dimensions
            .iter()
            .map(|x| x.column())
            .collect::<Vec<_>>()
            .join(", "),
        d.sources.join(", "),
        d.mnr.sector,
        d.mnr.capacity,
        d.sdg.as_deref().unwrap_or("—")
    );
    println!(
        "disclosure: counts below {} suppressed in disaggregated cells",
        d.disclosure.threshold
    );
    println!("definition hash: {}", ind.definition_hash());
    for a in &d.approval {
        println!(
            "approved: version {} by {} ({}) at {}",
            a.version, a.by, a.reference, a.at
        );
    }
}

fn print_observations(ind: &marsad_indicators::Indicator, obs: &[Observation]) {
    let dims = ind.breakdowns();
    let mut header = vec!["period".to_string()];
    header.extend(dims.iter().map(|d| d.column().to_string()));
    header.extend(
        [
            "value",
            "numerator",
            "denominator",
            "obs",
            "conf",
            "comment",
        ]
        .map(String::from),
    );
    println!("{}", header.join("\t"));
    for o in obs {
        let mut cells = vec![o.period.clone()];
        cells.extend(dims.iter().map(|d| o.dimension(*d).to_string()));
        let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        cells.extend([
            o.display_value(),
            num(o.numerator),
            num(o.denominator),
            o.obs_status.clone(),
            o.conf_status.clone(),
            o.obs_comment.clone().unwrap_or_default(),
        ]);
        println!("{}", cells.join("\t"));
    }
}

/// The public view of the latest snapshot's indicators (what a release of it would publish),
/// one block per indicator: what `marsad demo` ends with.
pub async fn print_public(warehouse: &Warehouse) -> anyhow::Result<()> {
    let catalog = Catalog::embedded()?;
    let obs = observations(warehouse, None).await?;
    let public = export::select(&catalog, &obs, Role::Public);
    println!(
        "\n== Indicators (snapshot {}, as a release of it would publish them: approved indicators, small counts suppressed) ==",
        warehouse.latest().await?.id
    );
    for ind in &catalog.indicators {
        let mine: Vec<&Observation> = public
            .iter()
            .filter(|o| o.indicator_id == ind.def.id)
            .collect();
        if mine.is_empty() {
            continue;
        }
        println!(
            "{} — {} [{}]",
            ind.def.id,
            ind.def.name.en,
            ind.def.unit.code()
        );
        let dims = ind.breakdowns();
        let mut periods: Vec<&str> = mine.iter().map(|o| o.period.as_str()).collect();
        periods.dedup();
        for period in periods {
            let cells: Vec<String> = mine
                .iter()
                .filter(|o| o.period == period)
                .map(|o| {
                    let key: Vec<&str> = dims.iter().map(|d| o.dimension(*d)).collect();
                    match key.is_empty() {
                        true => o.display_value(),
                        false => format!("{} {}", key.join("/"), o.display_value()),
                    }
                })
                .collect();
            println!("  {period}: {}", cells.join(" · "));
        }
    }
    Ok(())
}
