//! `marsad sql "<query>"` (or `--file q.sql`, or `-` for standard input): read-only SQL over a
//! pinned snapshot, run through the warehouse's one query path under its budget
//! (`marsad_warehouse::query`), printed as a table, CSV or JSON as the batches arrive.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use arrow::array::{Array, RecordBatch, StructArray};
use arrow::datatypes::{Field, Schema};
use marsad_warehouse::query::settings::{
    self, parse_bytes, parse_count, parse_duration, MAX_DEPTH, MAX_RESULT, MAX_ROWS, MAX_SPILL,
    MAX_SQL, MAX_VALUE, MEMORY, TIMEOUT,
};
use marsad_warehouse::query::{self, Budget, Limits};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The query (read-only: DDL, DML, COPY, SET and file reads are refused); `-` reads it from
    /// standard input.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    query: Option<String>,
    /// Read the query from this file (for SQL longer than a command line takes).
    #[arg(long)]
    file: Option<PathBuf>,
    /// Snapshot to read (default: the latest).
    #[arg(long)]
    snapshot: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    budget: BudgetArgs,
}

/// The budget's limits as flags; names, variables, defaults and help are the settings' own.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Query limits (docs/settings.md)")]
struct BudgetArgs {
    #[arg(long, env = TIMEOUT.env, default_value = TIMEOUT.default, help = TIMEOUT.help,
          value_parser = parse_duration)]
    timeout: Duration,
    #[arg(long, env = MAX_ROWS.env, default_value = MAX_ROWS.default, help = MAX_ROWS.help,
          value_parser = parse_count)]
    max_rows: usize,
    #[arg(long, env = MEMORY.env, default_value = MEMORY.default, help = MEMORY.help,
          value_parser = parse_bytes)]
    memory: usize,
    #[arg(long, env = MAX_RESULT.env, default_value = MAX_RESULT.default, help = MAX_RESULT.help,
          value_parser = parse_bytes)]
    max_result: usize,
    #[arg(long, env = MAX_VALUE.env, default_value = MAX_VALUE.default, help = MAX_VALUE.help,
          value_parser = parse_bytes)]
    max_value: usize,
    #[arg(long, env = MAX_SQL.env, default_value = MAX_SQL.default, help = MAX_SQL.help,
          value_parser = parse_bytes)]
    max_sql: usize,
    #[arg(long, env = MAX_DEPTH.env, default_value = MAX_DEPTH.default, help = MAX_DEPTH.help,
          value_parser = parse_count)]
    max_depth: usize,
    #[arg(long, env = MAX_SPILL.env, default_value = MAX_SPILL.default, help = MAX_SPILL.help,
          value_parser = parse_bytes)]
    max_spill: usize,
}

impl BudgetArgs {
    fn limits(&self) -> Limits {
        Limits {
            timeout: self.timeout,
            max_rows: self.max_rows,
            memory: self.memory,
            max_result: self.max_result,
            max_value: self.max_value,
            max_sql: self.max_sql,
            max_depth: self.max_depth,
            // The command line runs one query.
            concurrency: 1,
            max_spill: self.max_spill as u64,
        }
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

pub async fn run(data_dir: &str, args: Args) -> anyhow::Result<()> {
    let limits = args.budget.limits();
    let sql = read_sql(&args, limits.max_sql)?;
    let warehouse = super::open_warehouse(data_dir).await?;
    let budget = Budget::new(limits).spill_under(warehouse.location());
    // Whoever runs this holds the data directory: a steward, who may read the audit.
    let session = warehouse
        .session(args.snapshot)
        .await?
        .with_recorded_audit(warehouse.location())
        .await?;
    let mut stream = query::run(&session, &sql, &budget).await?;
    let schema = stream.schema();
    let mut out = super::output::Stdout::lock();
    match args.format {
        Format::Table => {
            // A table needs every row to size its columns; the budget bounds how many.
            let mut batches = Vec::new();
            while let Some(batch) = stream.next().await {
                batches.push(batch?);
            }
            if batches.is_empty() {
                // No row: still print the header.
                batches.push(RecordBatch::new_empty(schema));
            }
            writeln!(out, "{}", super::output::table(&batches)?)?;
            if let Some(t) = stream.truncated() {
                writeln!(out, "({t})")?;
            }
        }
        Format::Csv => {
            let mut w = arrow::csv::Writer::new(&mut out);
            let mut any = false;
            while let Some(batch) = stream.next().await {
                w.write(&flatten(&batch?)?)?;
                any = true;
            }
            if !any {
                w.write(&flatten(&RecordBatch::new_empty(schema))?)?;
            }
        }
        Format::Json => {
            let mut w = arrow::json::LineDelimitedWriter::new(&mut out);
            while let Some(batch) = stream.next().await {
                w.write(&batch?)?;
            }
            w.finish()?;
        }
    }
    out.flush()?;
    if let (Some(t), Format::Csv | Format::Json) = (stream.truncated(), args.format) {
        // On standard error, so the data on standard output stays clean.
        eprintln!("marsad: {t}");
    }
    Ok(())
}

/// The SQL text: the argument, standard input (`-`) or `--file`, read no further than the
/// size limit allows (so a huge file is refused without being loaded).
fn read_sql(args: &Args, max_sql: usize) -> anyhow::Result<String> {
    let (reader, source): (Box<dyn Read>, String) = match (&args.file, args.query.as_deref()) {
        (Some(path), _) => (
            Box::new(
                std::fs::File::open(path)
                    .with_context(|| format!("cannot open the SQL file {}", path.display()))?,
            ),
            path.display().to_string(),
        ),
        (None, Some("-")) => (Box::new(std::io::stdin()), "standard input".into()),
        (None, Some(q)) => return Ok(q.to_string()),
        (None, None) => anyhow::bail!("no query: give it as an argument, with --file, or `-`"),
    };
    let mut bytes = Vec::new();
    reader
        .take(max_sql as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read the SQL from {source}"))?;
    if bytes.len() > max_sql {
        anyhow::bail!(
            "refused: the SQL in {source} is more than {max_sql} bytes long, over the limit of {} \
             (--max-sql to raise it)",
            settings::human_bytes(max_sql)
        );
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "the SQL in {source} is not UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })
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
