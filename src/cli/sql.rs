//! `marsad sql "<query>"`: read-only SQL over a pinned snapshot, printed as a table, CSV or JSON.

use arrow::array::RecordBatch;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The query (read-only: DDL, DML and SET are refused).
    query: String,
    /// Snapshot to read (default: the latest).
    #[arg(long)]
    snapshot: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

pub async fn run(data_dir: &str, args: Args) -> anyhow::Result<()> {
    let warehouse = super::open_warehouse(data_dir).await?;
    let session = warehouse.session(args.snapshot).await?;
    let batches = session.query(&args.query).await?;
    print(&batches, args.format)
}

fn print(batches: &[RecordBatch], format: Format) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    match format {
        Format::Table => println!("{}", arrow::util::pretty::pretty_format_batches(batches)?),
        Format::Csv => {
            let mut w = arrow::csv::Writer::new(stdout.lock());
            for b in batches {
                w.write(b)?;
            }
        }
        Format::Json => {
            let mut w = arrow::json::LineDelimitedWriter::new(stdout.lock());
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
        }
    }
    Ok(())
}
