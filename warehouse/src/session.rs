//! A DataFusion session over one pinned snapshot. Every table is registered at exactly the
//! version the snapshot names (`staging.*`, `registry.*`, `quarantine.rows`; derived tables such
//! as `indicators.observations` at their newest version), the conformed
//! dimensions are registered from the model's code lists (`dim_region`, `dim_source`,
//! `dim_sex`, `dim_age_band`, `dim_country`, `dim_offence`, `dim_period`), and the views of
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
use marsad_model::codes::periods::{FIRST_YEAR, LAST_YEAR};
use marsad_model::codes::regions::REGIONS;
use marsad_model::codes::sources::SOURCES;
use marsad_model::codes::{ages, countries, iccs, offences, sex};

use crate::derived::DERIVED_TABLES;
use crate::error::{Result, WarehouseError};
use crate::location::Location;
use crate::snapshots::Snapshot;
use crate::survey::LonelyPsu;
use crate::tables::{self, SNAPSHOTS};
use crate::views::VIEWS;

/// Memory a query may use before it spills or fails (bytes).
pub const DEFAULT_MEMORY_LIMIT: usize = 1 << 30;
const CATALOG: &str = "datafusion";
const SCHEMAS: &[&str] = &[
    "staging",
    "registry",
    "quarantine",
    "indicators",
    crate::survey_sql::DESIGN_SCHEMA,
];

/// The versions, now, of the tables a session reads at their newest version rather than at its
/// snapshot's: the snapshot log, the derived tables (observations, releases, revisions), and
/// `audit.events` with `audit` (`-1`: absent). A session opened while any of them stood at another
/// version shows old rows: a recompute, a release or an audited action since is missing from it.
pub async fn outside_versions(loc: &Location, audit: bool) -> Result<Vec<i64>> {
    let mut names = vec![SNAPSHOTS];
    names.extend(DERIVED_TABLES);
    if audit {
        names.push(crate::service::audit::EVENTS);
    }
    let mut versions = Vec::with_capacity(names.len());
    for name in names {
        versions.push(
            crate::service::latest_version(loc, name)
                .await?
                .unwrap_or(-1),
        );
    }
    Ok(versions)
}

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

    /// The same snapshot, tables and views, with the survey aggregates under another
    /// lonely-PSU rule (an indicator's own setting). The tables and views are shared, not
    /// copied; the views stay planned under the rule this session was opened with (the
    /// default), so SQL that needs another rule must call the aggregates itself.
    pub fn with_lonely_psu(&self, rule: LonelyPsu) -> WarehouseSession {
        let ctx = SessionContext::new_with_state(self.ctx.state());
        crate::survey_sql::register_functions(&ctx, rule);
        WarehouseSession {
            ctx,
            snapshot: self.snapshot.clone(),
        }
    }

    /// This session plus `audit.events` at its newest version: for stewards only (an analyst's
    /// session has no audit table, and no session ever has `service.tokens`; see
    /// [`crate::service`]).
    pub async fn with_audit(self, loc: &Location) -> Result<WarehouseSession> {
        crate::service::audit::register(&self.ctx, loc).await?;
        Ok(self)
    }

    /// This session plus `audit.events` if it exists, writing nothing: `marsad sql`, run by
    /// whoever holds the data directory (a steward), on a directory that may be read-only.
    pub async fn with_recorded_audit(self, loc: &Location) -> Result<WarehouseSession> {
        crate::service::audit::register_if_recorded(&self.ctx, loc).await?;
        Ok(self)
    }
}

/// Open a session over `snapshot`.
pub async fn open(loc: &Location, snapshot: &Snapshot) -> Result<WarehouseSession> {
    let ctx = new_context()?;

    let mut tables = Vec::with_capacity(snapshot.tables.len() + 1);
    for (name, version) in &snapshot.tables {
        tables.push((name.clone(), tables::open_at(loc, name, *version).await?));
    }
    // The log itself at its newest version: it lists every snapshot, the pinned one included.
    tables.push((SNAPSHOTS.to_string(), tables::open(loc, SNAPSHOTS).await?));
    // Derived tables (observations) at their newest version; their rows name their snapshot.
    for name in DERIVED_TABLES {
        if tables::exists(loc, name).await? {
            tables.push((name.to_string(), tables::open(loc, name).await?));
        }
    }
    for (name, table) in tables {
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

    // A table this build knows but the snapshot predates (written before the feed gained it)
    // reads as empty, so the views plan on every snapshot.
    register_missing_tables(&ctx)?;
    plan_on_top(&ctx).await?;
    Ok(WarehouseSession {
        ctx,
        snapshot: snapshot.clone(),
    })
}

/// A context configured as every warehouse session's (information schema, bounded memory,
/// the warehouse's schemas), with no table yet.
pub fn new_context() -> Result<SessionContext> {
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
    Ok(ctx)
}

/// Register an empty in-memory table for every table this build knows that `ctx` has not
/// registered (with its schema). In-memory tables take `insert`: the SQL tests fill them.
pub fn register_missing_tables(ctx: &SessionContext) -> Result<()> {
    for (name, schema) in tables::known_tables() {
        let (schema_name, table_name) = name.split_once('.').unwrap_or(("public", name.as_str()));
        let reference = TableReference::partial(schema_name, table_name);
        if !ctx.table_exist(reference.clone())? {
            let empty = MemTable::try_new(schema, vec![vec![]])?;
            ctx.register_table(reference, Arc::new(empty))?;
        }
    }
    Ok(())
}

/// Plan on the tables of `ctx` what every session has on top of them: the conformed
/// dimensions, the survey aggregates (default lonely-PSU rule), the survey design views and the
/// views of `sql/views/`.
pub async fn plan_on_top(ctx: &SessionContext) -> Result<()> {
    register_dimensions(ctx)?;
    crate::survey_sql::register_functions(ctx, crate::survey_sql::DEFAULT_LONELY_PSU);
    crate::survey_sql::register_designs(ctx)
        .await
        .map_err(|source| WarehouseError::View {
            view: format!("{}.*", crate::survey_sql::DESIGN_SCHEMA),
            cause: Box::new(source),
        })?;
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
    Ok(())
}

/// Conformed dimensions built from the model's code lists (said once, there; the pipelines map
/// to the same lists):
/// `dim_region` (ISO 3166-2:MA), `dim_source` (the feed registry), `dim_sex` (SDMX codes),
/// `dim_age_band` (the standard bands, in order, plus `_U`), `dim_country` (ISO 3166-1 and
/// NCMEC's extra codes), `dim_offence` (NCMEC incident types, EMC categories, penal-code
/// articles, each with its ICCS code) and `dim_period`
/// (years).
fn register_dimensions(ctx: &SessionContext) -> Result<()> {
    for dim in dimension_tables() {
        register_text_table(ctx, dim.name, &dim.columns, &dim.rows)?;
    }
    Ok(())
}

/// One conformed dimension table: its name, text columns and rows.
struct DimensionTable {
    name: &'static str,
    columns: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

/// A fingerprint (hex SHA-256 of the columns and rows) of each dimension table the session
/// registers, by name: what an indicator reading one depends on.
pub fn dimension_fingerprints() -> Vec<(&'static str, String)> {
    use sha2::{Digest, Sha256};
    dimension_tables()
        .into_iter()
        .map(|dim| {
            let mut hash = Sha256::new();
            // Each cell ends with a 0 byte, each row with a 1: no two tables hash alike.
            for row in
                std::iter::once(dim.columns.iter().map(|c| c.to_string()).collect()).chain(dim.rows)
            {
                for cell in row {
                    hash.update(cell.as_bytes());
                    hash.update([0u8]);
                }
                hash.update([1u8]);
            }
            (dim.name, hex::encode(hash.finalize()))
        })
        .collect()
}

/// The dimension tables, from the code lists.
fn dimension_tables() -> Vec<DimensionTable> {
    let owned = |rows: Vec<Vec<&str>>| -> Vec<Vec<String>> {
        rows.into_iter()
            .map(|r| r.into_iter().map(str::to_string).collect())
            .collect()
    };
    let mut tables = Vec::new();
    let regions: Vec<Vec<&str>> = REGIONS
        .iter()
        .map(|r| vec![r.code, r.name_fr, r.name_ar, r.name_en])
        .collect();
    tables.push(DimensionTable {
        name: "dim_region",
        columns: vec!["region_code", "name_fr", "name_ar", "name_en"],
        rows: owned(regions),
    });

    let feeds: Vec<Vec<&str>> = SOURCES
        .iter()
        .map(|s| vec![s.feed, s.agency, s.description, s.formats])
        .collect();
    tables.push(DimensionTable {
        name: "dim_source",
        columns: vec!["feed", "agency", "description", "formats"],
        rows: owned(feeds),
    });

    let sexes: Vec<Vec<&str>> = sex::SEXES
        .iter()
        .map(|&(code, fr, ar, en)| vec![code, fr, ar, en])
        .collect();
    tables.push(DimensionTable {
        name: "dim_sex",
        columns: vec!["sex", "name_fr", "name_ar", "name_en"],
        rows: owned(sexes),
    });

    let bands: Vec<Vec<String>> = ages::STANDARD_BANDS
        .iter()
        .copied()
        .chain(std::iter::once(sex::UNKNOWN))
        .enumerate()
        .map(|(i, band)| vec![band.to_string(), (i + 1).to_string()])
        .collect();
    tables.push(DimensionTable {
        name: "dim_age_band",
        columns: vec!["age_band", "sort_order"],
        rows: bands,
    });

    let countries: Vec<Vec<&str>> = countries::ISO_3166_1
        .iter()
        .chain(countries::EXTRA_CODES)
        .map(|c| vec![c.code, c.alpha3, c.name])
        .collect();
    tables.push(DimensionTable {
        name: "dim_country",
        columns: vec!["country_code", "alpha3", "name_en"],
        rows: owned(countries),
    });

    // Offences and report categories as each source classifies them; first label as the name;
    // the ICCS code of the crosswalk (a model test holds that every code has one; an unmapped
    // code would show `_U`, unknown, never a guess).
    let offences: Vec<Vec<&str>> = offences::BY_SOURCE
        .into_iter()
        .flat_map(|(feed, codes)| {
            codes.iter().map(move |(code, labels)| {
                let iccs = iccs::mapping(feed, code).map_or(sex::UNKNOWN, |m| m.iccs);
                vec![feed, *code, labels.first().copied().unwrap_or(code), iccs]
            })
        })
        .collect();
    tables.push(DimensionTable {
        name: "dim_offence",
        columns: vec!["source", "offence_code", "label", "iccs_code"],
        rows: owned(offences),
    });

    // Years from the CyberTipline's first (1998) to 2035, as the `period` of observations.
    let years: Vec<Vec<String>> = (FIRST_YEAR..=LAST_YEAR)
        .map(|y| vec![y.to_string(), format!("{y}-01-01"), format!("{y}-12-31")])
        .collect();
    tables.push(DimensionTable {
        name: "dim_period",
        columns: vec!["period", "start_date", "end_date"],
        rows: years,
    });
    tables
}

/// Register an in-memory table of text columns.
fn register_text_table(
    ctx: &SessionContext,
    name: &str,
    columns: &[&str],
    rows: &[Vec<String>],
) -> Result<()> {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|c| Field::new(*c, DataType::Utf8, false))
            .collect::<Vec<_>>(),
    ));
    let arrays = (0..columns.len())
        .map(|i| Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r[i]))) as _)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    ctx.register_table(
        name,
        Arc::new(MemTable::try_new(schema, vec![vec![batch]])?),
    )?;
    Ok(())
}
