//! A DataFusion session over one pinned snapshot. Every table is registered at exactly the
//! version the snapshot names (`staging.*`, `registry.*`, `quarantine.rows`), the conformed
//! dimensions are registered from the pipelines' code lists (`dim_region`, `dim_source`), and the views of
//! `sql/views/` are planned on top. SQL sent through [`WarehouseSession::sql`] is read-only:
//! DDL, DML and statements such as SET are refused before planning, and queries run under a
//! bounded memory pool.

use std::sync::Arc;

use arrow::array::{RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::MemorySchemaProvider;
use datafusion::common::TableReference;
use datafusion::datasource::MemTable;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{DataFrame, SQLOptions, SessionConfig, SessionContext};
use marsad_pipelines::normalise::regions::REGIONS;
use marsad_pipelines::Feed;

use crate::error::{Result, WarehouseError};
use crate::location::Location;
use crate::snapshots::Snapshot;
use crate::tables::{self, SNAPSHOTS};
use crate::views::VIEWS;

/// Memory a query may use before it spills or fails (bytes).
pub const DEFAULT_MEMORY_LIMIT: usize = 1 << 30;
const CATALOG: &str = "datafusion";
const SCHEMAS: &[&str] = &["staging", "registry", "quarantine"];

/// A session pinned to a snapshot.
pub struct WarehouseSession {
    pub ctx: SessionContext,
    pub snapshot: Snapshot,
}

/// The options every person-sent query runs with: read-only.
pub fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

impl WarehouseSession {
    /// Plan a read-only query.
    pub async fn sql(&self, query: &str) -> Result<DataFrame> {
        Ok(self.ctx.sql_with_options(query, read_only()).await?)
    }

    /// Run a read-only query and collect its batches.
    pub async fn query(&self, query: &str) -> Result<Vec<RecordBatch>> {
        Ok(self.sql(query).await?.collect().await?)
    }
}

/// Open a session over `snapshot`.
pub async fn open(loc: &Location, snapshot: &Snapshot) -> Result<WarehouseSession> {
    let config = SessionConfig::new()
        .with_information_schema(true)
        .with_default_catalog_and_schema(CATALOG, "public");
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_limit(DEFAULT_MEMORY_LIMIT, 1.0)
        .build_arc()?;
    let ctx = SessionContext::new_with_config_rt(config, runtime);
    let catalog = ctx
        .catalog(CATALOG)
        .ok_or_else(|| WarehouseError::Internal("the default catalog is missing".into()))?;
    for schema in SCHEMAS {
        catalog.register_schema(schema, Arc::new(MemorySchemaProvider::new()))?;
    }

    let mut pinned: Vec<(String, i64)> = snapshot.tables.clone().into_iter().collect();
    let log = tables::open(loc, SNAPSHOTS).await?;
    pinned.push((SNAPSHOTS.to_string(), log.version().unwrap_or(0) as i64));
    for (name, version) in pinned {
        let table = tables::open_at(loc, &name, version).await?;
        table
            .update_datafusion_session(&ctx.state())
            .map_err(WarehouseError::delta(name.clone(), "register the store of"))?;
        let provider = table
            .table_provider()
            .await
            .map_err(WarehouseError::scan(name.clone()))?;
        let (schema, table_name) = name.split_once('.').unwrap_or(("public", name.as_str()));
        ctx.register_table(TableReference::partial(schema, table_name), provider)?;
    }

    register_dimensions(&ctx)?;
    for (view, sql) in VIEWS {
        let df = ctx
            .sql_with_options(sql, read_only())
            .await
            .map_err(|source| WarehouseError::View {
                view: view.to_string(),
                cause: Box::new(source),
            })?;
        ctx.register_table(*view, df.into_view())?;
    }
    Ok(WarehouseSession {
        ctx,
        snapshot: snapshot.clone(),
    })
}

/// Conformed dimensions built from the code lists the pipelines map to (said once, there).
fn register_dimensions(ctx: &SessionContext) -> Result<()> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("region_code", DataType::Utf8, false),
        Field::new("name_fr", DataType::Utf8, false),
        Field::new("name_ar", DataType::Utf8, false),
        Field::new("name_en", DataType::Utf8, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from_iter_values(
                REGIONS.iter().map(|r| r.code),
            )),
            Arc::new(StringArray::from_iter_values(
                REGIONS.iter().map(|r| r.name_fr),
            )),
            Arc::new(StringArray::from_iter_values(
                REGIONS.iter().map(|r| r.name_ar),
            )),
            Arc::new(StringArray::from_iter_values(
                REGIONS.iter().map(|r| r.name_en),
            )),
        ],
    )?;
    ctx.register_table(
        "dim_region",
        Arc::new(MemTable::try_new(schema, vec![vec![batch]])?),
    )?;

    let feeds = Feed::ALL;
    let schema = Arc::new(Schema::new(vec![
        Field::new("feed", DataType::Utf8, false),
        Field::new("agency", DataType::Utf8, false),
        Field::new("description", DataType::Utf8, false),
        Field::new("formats", DataType::Utf8, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from_iter_values(
                feeds.iter().map(|f| f.name()),
            )),
            Arc::new(StringArray::from_iter_values(
                feeds.iter().map(|f| f.agency()),
            )),
            Arc::new(StringArray::from_iter_values(
                feeds.iter().map(|f| f.description()),
            )),
            Arc::new(StringArray::from_iter_values(
                feeds.iter().map(|f| f.formats()),
            )),
        ],
    )?;
    ctx.register_table(
        "dim_source",
        Arc::new(MemTable::try_new(schema, vec![vec![batch]])?),
    )?;
    Ok(())
}
