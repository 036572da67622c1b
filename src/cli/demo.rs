//! `marsad demo`: a data directory loaded with every sample, then what was loaded, what was
//! flagged, and the indicators computed from the warehouse as the public sees them. Running it
//! again changes nothing (every sample is already ingested, by sha256; the observations of the
//! snapshot are already stored) and prints the same figures.

use anyhow::Context;
use marsad_pipelines::feeds::FeedContext;
use marsad_pipelines::Severity;
use marsad_warehouse::ingest::FileOutcome;

/// Quarantine by feed and reason.
const QUARANTINE_SUMMARY: &str = include_str!("../../sql/demo/quarantine_summary.sql");

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Delete the data directory first (only if it holds a Marsad warehouse).
    #[arg(long)]
    fresh: bool,
}

pub async fn run(data_dir: &str, args: Args) -> anyhow::Result<()> {
    if args.fresh {
        remove_warehouse(data_dir)?;
    }
    let warehouse = super::create_or_open_warehouse(data_dir).await?;
    println!("Marsad demo — data directory {}", warehouse.location());
    let context = FeedContext {
        key: super::ingest::key_from_env(true)?,
        reference_date: None,
    };
    let outcomes =
        super::ingest::ingest_samples(&warehouse, &super::samples_dir(), &context).await?;

    println!("\n== Loaded ==");
    let mut flagged = Vec::new();
    for o in &outcomes {
        super::ingest::print_outcome(o);
        for f in &o.files {
            if let FileOutcome::Ingested { report, .. } = f {
                for x in report
                    .findings
                    .iter()
                    .filter(|x| x.severity >= Severity::Warning)
                {
                    flagged.push(format!(
                        "{} [{}] {}: {}",
                        report.file_name, x.severity, x.rule, x.message
                    ));
                }
            }
        }
    }
    println!("\n== Flagged (warnings and errors; the data stay as published) ==");
    if flagged.is_empty() {
        println!("(nothing new flagged in this run)");
    }
    for f in flagged {
        println!("{f}");
    }

    let session = warehouse.session(None).await?;
    println!("\n== Quarantine (snapshot {}) ==", session.snapshot.id);
    let q = session.query(QUARANTINE_SUMMARY).await?;
    if q.iter().all(|b| b.num_rows() == 0) {
        println!("(no value was rejected: every sample row was staged)");
    } else {
        println!("{}", arrow::util::pretty::pretty_format_batches(&q)?);
    }
    // The demo loads data, so it may store what it computes (once per snapshot).
    super::indicators::compute_if_missing(&warehouse).await?;
    super::indicators::print_public(&warehouse).await?;
    println!(
        "\nTry: marsad --data-dir {data_dir} sql \"select * from ncmec_reports where country_code = 'MA'\"\n     \
         marsad --data-dir {data_dir} release create --snapshot {snapshot} --name NAME\n     \
         marsad --data-dir {data_dir} indicators export --out open-data",
        snapshot = session.snapshot.id
    );
    Ok(())
}

fn remove_warehouse(data_dir: &str) -> anyhow::Result<()> {
    let path = std::path::Path::new(data_dir);
    if !path.exists() {
        return Ok(());
    }
    if !path
        .join("registry")
        .join("snapshots")
        .join("_delta_log")
        .is_dir()
    {
        anyhow::bail!(
            "--fresh: {} exists but is not a Marsad data directory; not deleting it",
            path.display()
        );
    }
    make_writable(path)?;
    std::fs::remove_dir_all(path).with_context(|| format!("cannot delete {}", path.display()))
}

/// The raw-file archive is read-only; make it deletable.
fn make_writable(path: &std::path::Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let p = entry.path();
        if p.is_dir() {
            make_writable(&p)?;
        } else {
            let mut perms = entry.metadata()?.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&p, perms)?;
        }
    }
    Ok(())
}
