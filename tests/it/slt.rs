//! SQL tested as SQL: every `sql/tests/**/*.slt` file runs through the sqllogictest runner,
//! in-process, against a session set up as the warehouse's (the same schemas, dimensions,
//! survey aggregates, survey design views and views of `sql/views/`, registered by
//! `marsad_warehouse::session`), whose staging and registry tables are empty in-memory tables
//! the files fill with `include ../init.slt.part`. Each indicator query of `sql/indicators/`
//! is a view `indicator.<id in lower case>`. Every file gets a fresh session; every failing file
//! is reported, not just the first.
//!
//! `MARSAD_SLT_COMPLETE=1 cargo test --test it slt` rewrites the expected output of every file
//! from what the SQL gives now, for review in the diff.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::catalog::MemorySchemaProvider;
use datafusion::common::{DataFusionError, TableReference};
use datafusion::prelude::SessionContext;
use sqllogictest::{DBOutput, DefaultColumnType};

/// The schema of the indicator queries' views.
const INDICATOR_SCHEMA: &str = "indicator";

/// A checkout's directory.
fn checkout() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One file's database: a warehouse-like session over in-memory tables.
struct Fixtures {
    ctx: SessionContext,
    /// The indicator queries (id, SQL), planned as views.
    indicators: Vec<(String, String)>,
    /// Whether a statement changed the tables since the design and indicator views were planned.
    changed: bool,
}

impl Fixtures {
    async fn new(indicators: Vec<(String, String)>) -> Result<Self, DataFusionError> {
        let external = |e: marsad_warehouse::WarehouseError| DataFusionError::External(e.into());
        let ctx = marsad_warehouse::session::new_context().map_err(external)?;
        marsad_warehouse::session::register_missing_tables(&ctx).map_err(external)?;
        marsad_warehouse::session::plan_on_top(&ctx)
            .await
            .map_err(external)?;
        ctx.catalog("datafusion")
            .ok_or_else(|| DataFusionError::Internal("no default catalog".into()))?
            .register_schema(INDICATOR_SCHEMA, Arc::new(MemorySchemaProvider::new()))?;
        Ok(Fixtures {
            ctx,
            indicators,
            changed: true,
        })
    }

    /// Plan the survey design views (they depend on the rows of `hcp_survey_designs`) and the
    /// indicator views (a survey indicator reads a table the fixtures create) again.
    async fn refresh(&mut self) -> Result<(), DataFusionError> {
        marsad_warehouse::survey_sql::register_designs(&self.ctx).await?;
        for (id, sql) in &self.indicators {
            let reference = TableReference::partial(INDICATOR_SCHEMA, id.to_lowercase());
            let view = self
                .ctx
                .sql_with_options(sql, marsad_warehouse::session::read_only())
                .await
                .map_err(|e| e.context(format!("sql/indicators/{id}.sql")))?
                .into_view();
            self.ctx.deregister_table(reference.clone())?;
            self.ctx.register_table(reference, view)?;
        }
        self.changed = false;
        Ok(())
    }
}

#[async_trait::async_trait]
impl sqllogictest::AsyncDB for Fixtures {
    type Error = DataFusionError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, DataFusionError> {
        if !is_query(&self.ctx, sql)? {
            // Fixtures: DDL runs as it is planned, DML when collected.
            let batches = self.ctx.sql(sql).await?.collect().await?;
            self.changed = true;
            let count = batches
                .iter()
                .filter_map(|b| b.column_by_name("count"))
                .filter_map(|c| c.as_any().downcast_ref::<arrow::array::UInt64Array>())
                .map(|c| c.iter().flatten().sum::<u64>())
                .sum();
            return Ok(DBOutput::StatementComplete(count));
        }
        if self.changed {
            self.refresh().await?;
        }
        let df = self.ctx.sql(sql).await?;
        let types = df
            .schema()
            .fields()
            .iter()
            .map(|f| column_type(f.data_type()))
            .collect();
        let rows = rows(&df.collect().await?)?;
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "marsad"
    }
}

/// Whether `sql` is a query (rows to compare), not a statement that sets fixtures up.
fn is_query(ctx: &SessionContext, sql: &str) -> Result<bool, DataFusionError> {
    use datafusion::sql::parser::Statement;
    use datafusion::sql::sqlparser::ast::Statement as Sql;
    Ok(
        match ctx
            .state()
            .sql_to_statement(sql, &datafusion::config::Dialect::Generic)?
        {
            Statement::Statement(s) => matches!(*s, Sql::Query(_) | Sql::ExplainTable { .. }),
            Statement::Explain(_) => true,
            _ => false,
        },
    )
}

/// The sqllogictest type letter of a column: I (integers), R (floating point and decimals),
/// T (text), ? (anything else: booleans, dates, structs).
fn column_type(t: &DataType) -> DefaultColumnType {
    if t.is_integer() {
        DefaultColumnType::Integer
    } else if t.is_floating() || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) {
        DefaultColumnType::FloatingPoint
    } else if matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
        DefaultColumnType::Text
    } else {
        DefaultColumnType::Any
    }
}

/// The rows as text: NULL as `NULL`, the empty string as `(empty)` (a blank cell would not
/// survive the file's whitespace), everything else as arrow displays it.
fn rows(batches: &[RecordBatch]) -> Result<Vec<Vec<String>>, DataFusionError> {
    let options = FormatOptions::default().with_null("NULL");
    let mut out = Vec::new();
    for batch in batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            out.push(
                formatters
                    .iter()
                    .map(|f| match f.value(row).to_string() {
                        s if s.is_empty() => "(empty)".to_string(),
                        s => s,
                    })
                    .collect(),
            );
        }
    }
    Ok(out)
}

/// Every `.slt` file under `dir`, sorted.
fn slt_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(slt_files(&path));
        } else if path.extension().is_some_and(|e| e == "slt") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The indicator queries of the checkout: (id, SQL).
fn indicator_queries() -> Vec<(String, String)> {
    let dir = checkout().join("sql/indicators");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .map(|p| {
            let id = p.file_stem().unwrap().to_string_lossy().to_string();
            (id, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Every .slt file passes (or, with `MARSAD_SLT_COMPLETE=1`, is rewritten with the output the
/// SQL gives now).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_tests() {
    let root = checkout().join("sql/tests");
    let files = slt_files(&root);
    assert!(!files.is_empty(), "no .slt file under {}", root.display());
    let complete = std::env::var("MARSAD_SLT_COMPLETE").is_ok_and(|v| v == "1");
    let indicators = indicator_queries();
    let mut failures = Vec::new();
    for file in &files {
        let queries = indicators.clone();
        let mut runner = sqllogictest::Runner::new(move || Fixtures::new(queries.clone()));
        runner.with_column_validator(sqllogictest::strict_column_validator);
        let result = if complete {
            runner
                .update_test_file(
                    file,
                    " ",
                    sqllogictest::default_validator,
                    sqllogictest::default_normalizer,
                    sqllogictest::strict_column_validator,
                )
                .await
                .map_err(|e| e.to_string())
        } else {
            runner
                .run_file_async(file)
                .await
                .map_err(|e| e.display(false).to_string())
        };
        if let Err(e) = result {
            failures.push(format!("{}: {e}", file.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} .slt files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

/// Every view of `sql/views/`, the survey design view and every indicator query has a file of
/// its own under `sql/tests/`.
#[test]
fn every_view_and_indicator_has_a_test() {
    let tests = checkout().join("sql/tests");
    let mut missing = Vec::new();
    for (view, _) in marsad_warehouse::views::VIEWS {
        let file = tests.join("views").join(format!("{view}.slt"));
        if !file.exists() {
            missing.push(file);
        }
    }
    for (id, _) in indicator_queries() {
        let file = tests.join("indicators").join(format!("{id}.slt"));
        if !file.exists() {
            missing.push(file);
        }
    }
    assert!(missing.is_empty(), "no .slt file: {missing:?}");
}
