//! `marsad snapshots`: every snapshot with its time, what made it and the files it added.

use std::collections::HashMap;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub async fn run(data_dir: &str, args: Args) -> anyhow::Result<()> {
    let warehouse = super::open_warehouse(data_dir).await?;
    let snapshots = warehouse.snapshots().await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&snapshots)?);
        return Ok(());
    }
    let names: HashMap<String, String> = file_names(&warehouse).await?;
    println!("{:>4}  {:<20}  description", "id", "created (UTC)");
    for s in snapshots {
        println!(
            "{:>4}  {:<20}  {}",
            s.id,
            s.created_at.format("%Y-%m-%d %H:%M:%S"),
            s.description
        );
        for sha in &s.files {
            let name = names.get(sha).map(String::as_str).unwrap_or("?");
            println!(
                "{:>4}  {:<20}    {}  {}",
                "",
                "",
                &sha[..12.min(sha.len())],
                name
            );
        }
    }
    Ok(())
}

async fn file_names(
    warehouse: &marsad_warehouse::Warehouse,
) -> anyhow::Result<HashMap<String, String>> {
    let session = warehouse.session(None).await?;
    let batches = session
        .ctx
        .table("registry.raw_files")
        .await?
        .select_columns(&["sha256", "original_name"])?
        .collect()
        .await?;
    let mut out = HashMap::new();
    for b in batches {
        let shas = marsad_warehouse::snapshots::strings(&b, "sha256")?;
        let names = marsad_warehouse::snapshots::strings(&b, "original_name")?;
        for (s, n) in shas.into_iter().zip(names) {
            if let (Some(s), Some(n)) = (s, n) {
                out.insert(s, n);
            }
        }
    }
    Ok(out)
}
