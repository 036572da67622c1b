//! `marsad dashboards export --out DIR`: the public dashboards as a static site (every page in
//! French, Arabic and English, the stylesheet, each indicator's downloads) with relative links,
//! readable from `file://` or any static web server with no Marsad process running.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use marsad_indicators::export::{self, Role};
use marsad_indicators::Catalog;

#[derive(Debug, Parser)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the public site of the latest snapshot (or --snapshot N) into --out.
    Export {
        /// The folder to write the site into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// The snapshot whose stored observations to show (default: the latest).
        #[arg(long)]
        snapshot: Option<i64>,
        /// Catalogue directory of <ID>.toml files (default: the catalogue built into marsad).
        #[arg(long)]
        catalog: Option<PathBuf>,
    },
}

pub async fn run(data_dir: &str, args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Export {
            out,
            snapshot,
            catalog,
        } => {
            let catalog = match catalog {
                Some(dir) => Catalog::from_dir(&dir)?,
                None => Catalog::embedded()?,
            };
            let warehouse = super::open_warehouse(data_dir).await?;
            let observations = super::indicators::observations(&warehouse, snapshot).await?;
            let snapshot_id = warehouse.session(snapshot).await?.snapshot.id;
            // The static site is public: the public's observations, whatever the caller is.
            let public = export::select(&catalog, &observations, Role::Public);
            let files =
                marsad_dashboards::site::export::write_site(&out, &catalog, &public, snapshot_id)
                    .with_context(|| format!("cannot write the site into {}", out.display()))?;
            let pages = files
                .iter()
                .filter(|f| f.extension().is_some_and(|e| e == "html"))
                .count();
            println!(
                "wrote {} files ({pages} pages in fr, ar and en) of snapshot {snapshot_id} into {}",
                files.len(),
                out.display()
            );
            println!("open {}", out.join("index.html").display());
            Ok(())
        }
    }
}
