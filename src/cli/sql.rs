//! `marsad sql "<query>"`: read-only SQL over a pinned snapshot, printed as a table, CSV or JSON.

use arrow::array::{Array, RecordBatch, StructArray};
use arrow::datatypes::{Field, Schema};

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
    let df = session.sql(&args.query).await?;
    let schema = std::sync::Arc::new(df.schema().as_arrow().clone());
    let mut batches = df.collect().await?;
    if batches.is_empty() {
        // No row: still print the header.
        batches.push(RecordBatch::new_empty(schema));
    }
    print(&batches, args.format)
}

/// CSV has no nested values: a struct column (a survey estimate) becomes one column per field,
/// named `column.field`.
fn flatten(batch: &RecordBatch) -> anyhow::Result<RecordBatch> {
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        match column.as_any().downcast_ref::<StructArray>() {
            Some(s) => {
                for (child, values) in s.fields().iter().zip(s.columns()) {
                    let name = format!("{}.{}", field.name(), child.name());
                    fields.push(Field::new(name, child.data_type().clone(), true));
                    columns.push(values.clone());
                }
            }
            None => {
                fields.push(field.as_ref().clone());
                columns.push(column.clone());
            }
        }
    }
    Ok(RecordBatch::try_new(
        std::sync::Arc::new(Schema::new(fields)),
        columns,
    )?)
}

fn print(batches: &[RecordBatch], format: Format) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    match format {
        Format::Table => println!("{}", arrow::util::pretty::pretty_format_batches(batches)?),
        Format::Csv => {
            let mut w = arrow::csv::Writer::new(stdout.lock());
            for b in batches {
                w.write(&flatten(b)?)?;
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
