//! `marsad dashboards export --out DIR`: the public dashboards as a static site (every page in
//! French, Arabic and English, the stylesheet, each indicator's downloads) with relative links,
//! readable from `file://` or any static web server with no Marsad process running.
//!
//! The site is a **release**'s, by the rule the server uses for the public: the latest release
//! whose embargo has passed (`releases::as_of` at now), or `--release NAME` for an older one;
//! its pages show what the release published and say which release it is. Before any release is
//! public there is nothing to export, and that is an error that says how to make one.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use marsad_indicators::{releases, Catalog};

#[derive(Debug, Parser)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the public site of the latest public release (or --release NAME) into --out.
    Export {
        /// The folder to write the site into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// The release to show (default: the latest whose embargo has passed).
        #[arg(long)]
        release: Option<String>,
        /// Catalogue directory of <ID>.toml files (default: the catalogue built into marsad).
        #[arg(long)]
        catalog: Option<PathBuf>,
    },
}

pub async fn run(data_dir: &str, args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Export {
            out,
            release,
            catalog,
        } => {
            let catalog = match catalog {
                Some(dir) => Catalog::from_dir(&dir)?,
                None => Catalog::embedded()?,
            };
            let warehouse = super::open_warehouse(data_dir).await?;
            let release = &super::release::public_release(&warehouse, release.as_deref()).await?;
            // What the release published: already the public's selection, frozen.
            let public = releases::observations(&warehouse, &release.name).await?;
            let files =
                marsad_dashboards::site::export::write_site(&out, &catalog, &public, release)
                    .with_context(|| format!("cannot write the site into {}", out.display()))?;
            let pages = files
                .iter()
                .filter(|f| f.extension().is_some_and(|e| e == "html"))
                .count();
            println!(
                "wrote {} files ({pages} pages in fr, ar and en) of release {} (snapshot {}, public from {}) into {}",
                files.len(),
                release.name,
                release.snapshot_id,
                release
                    .published_at()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                out.display()
            );
            println!("open {}", out.join("index.html").display());
            Ok(())
        }
    }
}
