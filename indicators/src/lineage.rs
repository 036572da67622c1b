//! Lineage of one observation (design invariant 3, read backwards): the tables its indicator's
//! SQL reads on its snapshot, the raw files (name, feed, sha256) its rows came from, and the
//! positions of those rows (lines, sheet rows, PDF lines) in their files.
//!
//! The tables are exact: the Delta tables under the indicator's optimised plan (views inlined).
//! The rows are found one of two ways, and the answer says which ([`Method`]):
//! - [`Method::Rows`]: the indicator's SQL is one SELECT over tables or views that carry the
//!   lineage columns. Its FROM, joins and WHERE are kept, its output replaced by the lineage
//!   columns of each of those relations, and its `period` and breakdown expressions are pinned
//!   to the observation's values: exactly the rows the observation was computed from.
//! - [`Method::Period`]: a single SELECT that also reads a relation without lineage columns (its
//!   tables' rows in the observation's years are added to the pinned rows), or any other SQL
//!   (CTEs, UNIONs): every row of the lineage-carrying tables
//!   it reads in the observation's years (all rows of a table without a `year`, or without a row
//!   in those years, as a census behind an interpolated year): a superset.
//!
//! It runs SQL of its own making on the warehouse session, never SQL a person sent.

use std::collections::BTreeSet;

use arrow::array::{Array, AsArray, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Int64Type};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::sqlparser::ast::{
    BinaryOperator, Expr, Select, SelectItem, SetExpr, Statement, TableFactor, Value,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use marsad_warehouse::session::WarehouseSession;
use marsad_warehouse::WarehouseError;
use serde::Serialize;

use crate::catalog::Indicator;
use crate::error::{IndicatorError, Result};
use crate::observations::Observation;

/// The lineage columns every staged and fact row carries (`marsad_model::schema`).
use marsad_model::schema::{LINEAGE_FILE, LINEAGE_POSITION};

/// At most this many positions are listed; the answer gives the total beside them.
pub const MAX_POSITIONS: usize = 10_000;

/// How the rows behind an observation were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The indicator's own FROM and WHERE, pinned to the observation: exactly its rows.
    Rows,
    /// Some or all rows are those of its sources in the observation's years: a superset.
    Period,
}

/// One raw file an observation came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawFile {
    pub sha256: String,
    pub feed: String,
    pub name: String,
}

/// One row behind an observation: its file and where in it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub sha256: String,
    pub position: String,
}

/// Where one observation came from.
#[derive(Debug, Clone, Serialize)]
pub struct Lineage {
    /// The Delta tables the indicator's plan reads, sorted (`staging.pmp_case_table`, …).
    pub source_tables: Vec<String>,
    pub method: Method,
    pub raw_files: Vec<RawFile>,
    /// The first [`MAX_POSITIONS`] positions, by file then position (`line 2` before `line 10`).
    pub positions: Vec<Position>,
    /// How many positions there are in all.
    pub positions_total: u64,
}

/// The lineage of `obs`, an observation of `ind` computed on `session`'s snapshot.
pub async fn trace(
    session: &WarehouseSession,
    ind: &Indicator,
    obs: &Observation,
) -> Result<Lineage> {
    let id = ind.id();
    let sql_error = |cause: datafusion::error::DataFusionError| IndicatorError::Sql {
        id: id.to_string(),
        cause: Box::new(WarehouseError::from(cause)),
    };
    let plan = session
        .ctx
        .sql(&ind.sql)
        .await
        .map_err(sql_error)?
        .into_optimized_plan()
        .map_err(sql_error)?;
    let source_tables = scanned_tables(&plan);

    // The relations of a single SELECT that carry lineage are pinned to the observation; the
    // rows behind any other relation (a derived view such as `population_annual`) are those of
    // its own tables in the observation's years. Any other SQL: all its tables by years.
    let select = single_select(&ind.sql);
    let mut carriers = BTreeSet::new();
    let mut others = BTreeSet::new();
    for relation in select.iter().flat_map(relations) {
        if carries_lineage(session, &relation)
            .await
            .map_err(sql_error)?
        {
            carriers.insert(relation);
        } else {
            let plan = session
                .ctx
                .table(relation.as_str())
                .await
                .map_err(sql_error)?
                .into_optimized_plan()
                .map_err(sql_error)?;
            others.extend(scanned_tables(&plan));
        }
    }
    let pinned = select
        .as_ref()
        .and_then(|s| pinned_rows(s, obs, ind, &carriers));
    let (method, rows_sql) = match pinned {
        Some(pinned) => {
            let behind = carrying(session, &others).await.map_err(sql_error)?;
            if behind.is_empty() {
                (Method::Rows, pinned)
            } else {
                let rest = period_rows(session, &behind, &obs.period).await?;
                (Method::Period, format!("{pinned} union all {rest}"))
            }
        }
        None => {
            let tables = carrying(session, &source_tables).await.map_err(sql_error)?;
            (
                Method::Period,
                period_rows(session, &tables, &obs.period).await?,
            )
        }
    };

    let listed = format!(
        "select sha256, position, count(*) over () as total from \
         (select distinct sha256, position from ({rows_sql}) as r) as d \
         order by sha256, length(position), position limit {MAX_POSITIONS}"
    );
    let batches = session
        .query(&listed)
        .await
        .map_err(|e| IndicatorError::Sql {
            id: id.to_string(),
            cause: Box::new(e),
        })?;
    let mut positions = Vec::new();
    let mut positions_total = 0;
    for batch in &batches {
        let (sha, pos) = (strings(batch, 0, id)?, strings(batch, 1, id)?);
        let total = arrow::compute::cast(batch.column(2), &DataType::Int64)
            .map_err(|e| IndicatorError::contract(id, format!("lineage count: {e}")))?;
        let total = total.as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            positions_total = total.value(i) as u64;
            positions.push(Position {
                sha256: sha.value(i).to_string(),
                position: pos.value(i).to_string(),
            });
        }
    }
    let files: BTreeSet<String> = if (positions.len() as u64) < positions_total {
        distinct_files(session, &rows_sql, id).await?
    } else {
        positions.iter().map(|p| p.sha256.clone()).collect()
    };
    let raw_files = raw_files(session, &files, id).await?;
    Ok(Lineage {
        source_tables: source_tables.into_iter().collect(),
        method,
        raw_files,
        positions,
        positions_total,
    })
}

/// The tables under an optimised plan (views are inlined by then).
fn scanned_tables(plan: &LogicalPlan) -> BTreeSet<String> {
    let mut tables = BTreeSet::new();
    // The closure never fails; `apply` only reports the closure's errors.
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            tables.insert(scan.table_name.to_string());
        }
        Ok(TreeNodeRecursion::Continue)
    });
    tables
}

/// Whether the table or view `name` has both lineage columns.
async fn carries_lineage(
    session: &WarehouseSession,
    name: &str,
) -> std::result::Result<bool, datafusion::error::DataFusionError> {
    let schema = session.ctx.table(name).await?.schema().as_arrow().clone();
    Ok(schema.column_with_name(LINEAGE_FILE).is_some()
        && schema.column_with_name(LINEAGE_POSITION).is_some())
}

/// The one SELECT of `sql`, if that is all it is (no CTE, no set operation).
fn single_select(sql: &str) -> Option<Select> {
    let mut statements = Parser::parse_sql(&GenericDialect {}, sql).ok()?;
    let Some(Statement::Query(query)) = statements.pop() else {
        return None;
    };
    if !statements.is_empty() || query.with.is_some() {
        return None;
    }
    match *query.body {
        SetExpr::Select(select) => Some(*select),
        _ => None,
    }
}

/// The relations of `select`'s FROM clause, joined ones included.
fn from_relations(select: &Select) -> impl Iterator<Item = &TableFactor> {
    select
        .from
        .iter()
        .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)))
}

/// The tables and views in `select`'s FROM clause.
fn relations(select: &Select) -> Vec<String> {
    from_relations(select)
        .filter_map(|r| match r {
            TableFactor::Table { name, .. } => Some(name.to_string()),
            _ => None,
        })
        .collect()
}

/// Those of `tables` that carry the lineage columns.
async fn carrying(
    session: &WarehouseSession,
    tables: &BTreeSet<String>,
) -> std::result::Result<Vec<String>, datafusion::error::DataFusionError> {
    let mut out = Vec::new();
    for table in tables {
        if carries_lineage(session, table).await? {
            out.push(table.clone());
        }
    }
    Ok(out)
}

/// `sql` rewritten to list the lineage of the rows behind `obs` (columns `sha256`,
/// `position`), or `None` if its shape does not allow it (see [`Method::Rows`]).
fn pinned_rows(
    select: &Select,
    obs: &Observation,
    ind: &Indicator,
    carriers: &BTreeSet<String>,
) -> Option<String> {
    // The expression each output column is computed by.
    let output = |column: &str| -> Option<Expr> {
        select.projection.iter().find_map(|item| match item {
            SelectItem::ExprWithAlias { expr, alias } if alias.value == column => {
                Some(expr.clone())
            }
            SelectItem::UnnamedExpr(Expr::Identifier(i)) if i.value == column => {
                Some(Expr::Identifier(i.clone()))
            }
            _ => None,
        })
    };
    let mut pins = vec![(output("period")?, obs.period.clone())];
    for d in ind.breakdowns() {
        pins.push((output(d.column())?, obs.dimension(d).to_string()));
    }
    let mut conditions: Vec<Expr> = select.selection.iter().cloned().collect();
    for (expr, value) in pins {
        conditions.push(Expr::BinaryOp {
            left: Box::new(Expr::Nested(Box::new(expr))),
            op: BinaryOperator::Eq,
            right: Box::new(Expr::value(Value::SingleQuotedString(value))),
        });
    }
    let condition = conditions
        .into_iter()
        .map(|c| format!("({c})"))
        .collect::<Vec<_>>()
        .join(" and ");

    let from = select
        .from
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut arms = Vec::new();
    for table in from_relations(select) {
        let TableFactor::Table { name, alias, .. } = table else {
            return None;
        };
        if !carriers.contains(&name.to_string()) {
            continue;
        }
        let qualifier = alias
            .as_ref()
            .map(|a| a.name.to_string())
            .unwrap_or_else(|| name.to_string());
        arms.push(format!(
            "select {qualifier}.{LINEAGE_FILE} as sha256, {qualifier}.{LINEAGE_POSITION} as position \
             from {from} where {condition}"
        ));
    }
    (!arms.is_empty()).then(|| arms.join(" union all "))
}

/// The years a period names (`2023` → 2023; `2019/2023` → 2019 and 2023).
fn years(period: &str) -> Vec<i64> {
    period
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| s.len() == 4)
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// Rows of `tables` in the years of `period` (every row of a table without a `year` column, or
/// with no row in those years).
async fn period_rows(
    session: &WarehouseSession,
    tables: &[String],
    period: &str,
) -> Result<String> {
    let years = years(period)
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let mut arms = Vec::new();
    for table in tables {
        let has_year = session
            .ctx
            .table(table.as_str())
            .await
            .map(|t| t.schema().as_arrow().column_with_name("year").is_some())
            .unwrap_or(false);
        // A table with no row in those years (a census behind an interpolated year) gives
        // all its rows.
        let filter = if has_year && !years.is_empty() {
            format!(
                " where year in ({years}) or (select count(*) from {table} where year in ({years})) = 0"
            )
        } else {
            String::new()
        };
        arms.push(format!(
            "select {LINEAGE_FILE} as sha256, {LINEAGE_POSITION} as position from {table}{filter}"
        ));
    }
    if arms.is_empty() {
        // Sources without lineage (code-built dimension tables only): no rows behind it.
        return Ok(
            "select cast(null as varchar) as sha256, cast(null as varchar) as position where false"
                .into(),
        );
    }
    Ok(arms.join(" union all "))
}

/// Every file of the rows `rows_sql` lists (when the positions were cut).
async fn distinct_files(
    session: &WarehouseSession,
    rows_sql: &str,
    id: &str,
) -> Result<BTreeSet<String>> {
    let batches = session
        .query(&format!("select distinct sha256 from ({rows_sql}) as r"))
        .await
        .map_err(|e| IndicatorError::Sql {
            id: id.to_string(),
            cause: Box::new(e),
        })?;
    let mut files = BTreeSet::new();
    for batch in &batches {
        let sha = strings(batch, 0, id)?;
        files.extend((0..batch.num_rows()).map(|i| sha.value(i).to_string()));
    }
    Ok(files)
}

/// The registry's name and feed of each file.
async fn raw_files(
    session: &WarehouseSession,
    files: &BTreeSet<String>,
    id: &str,
) -> Result<Vec<RawFile>> {
    if files.is_empty() {
        return Ok(vec![]);
    }
    // sha256 values come from the warehouse and are hex; quoted all the same.
    let list = files
        .iter()
        .map(|f| format!("'{}'", f.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    let batches = session
        .query(&format!(
            "select sha256, feed, original_name from registry.raw_files \
             where sha256 in ({list}) order by original_name, sha256"
        ))
        .await
        .map_err(|e| IndicatorError::Sql {
            id: id.to_string(),
            cause: Box::new(e),
        })?;
    let mut out = Vec::new();
    for batch in &batches {
        let (sha, feed, name) = (
            strings(batch, 0, id)?,
            strings(batch, 1, id)?,
            strings(batch, 2, id)?,
        );
        for i in 0..batch.num_rows() {
            if sha.is_null(i) {
                continue;
            }
            out.push(RawFile {
                sha256: sha.value(i).to_string(),
                feed: feed.value(i).to_string(),
                name: name.value(i).to_string(),
            });
        }
    }
    Ok(out)
}

/// Column `i` of `batch` as plain strings (the engine may hand out string views).
fn strings(batch: &RecordBatch, i: usize, id: &str) -> Result<StringArray> {
    let column = arrow::compute::cast(batch.column(i), &DataType::Utf8)
        .map_err(|e| IndicatorError::contract(id, format!("lineage column {i}: {e}")))?;
    Ok(column.as_string::<i32>().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_names_its_years() {
        assert_eq!(years("2023"), vec![2023]);
        assert_eq!(years("2019/2023"), vec![2019, 2023]);
        assert_eq!(years("2024-Q1"), vec![2024]);
    }

    #[test]
    fn only_one_plain_select_is_pinned() {
        assert!(single_select("select a from t where b = 1").is_some());
        assert!(single_select("with x as (select 1) select * from x").is_none());
        assert!(single_select("select 1 union all select 2").is_none());
        let select = single_select(
            "select p.a from pmp_case_table as p inner join ncmec_reports as n on n.year = p.year",
        )
        .unwrap();
        assert_eq!(relations(&select), vec!["pmp_case_table", "ncmec_reports"]);
    }
}
