//! `marsad vacuum`: roll back what an interrupted ingest committed and remove every file no
//! snapshot owns (uncommitted or rolled-back Parquet files, cut-short uploads, raw files no
//! snapshot lists). Every snapshot stays readable.

#[derive(Debug, clap::Args)]
pub struct Args {
    /// List every file removed.
    #[arg(long)]
    verbose: bool,
}

pub async fn run(data_dir: &str, args: Args) -> anyhow::Result<()> {
    let warehouse = super::open_warehouse(data_dir).await?;
    let swept = marsad_warehouse::recovery::vacuum(warehouse.location()).await?;
    for table in &swept.rolled_back {
        println!("rolled back {table} to the version its latest snapshot names");
    }
    if args.verbose {
        for file in &swept.files {
            println!("removed {file}");
        }
    }
    println!(
        "removed {} files ({:.1} MB) that no snapshot owns",
        swept.files.len(),
        swept.bytes as f64 / 1e6
    );
    Ok(())
}
