//! Records sent again. A record-level table (a [`TableSpec`] with a `key`: a pseudonymised case
//! or report token, a survey respondent) holds **one version per key in every snapshot**: when
//! an ingest stages a key that an earlier file staged, the earlier row is removed in the same
//! snapshot (a Delta overwrite of the affected raw files' rows, `replaceWhere` on their sha256),
//! so every view and indicator, and any SQL over `staging.*`, counts each record once. The
//! earlier version stays readable in the earlier snapshots (Delta time travel; the snapshot log
//! pins those versions).
//!
//! The key check runs in DataFusion over the table itself (the rows just appended against the
//! rows of the previous snapshot) with a bounded, spilling memory pool and sort-merge joins, so
//! a 36-million-row feed is checked in bounded memory: never a map of every key in RAM. It gives
//! each file's new / changed / unchanged counts (a changed record differs in a data column;
//! lineage aside). Roll-up tables declared on a record table ([`RollUp`]) are recounted for the
//! raw files that lost rows.
//!
//! Tokens are HMACs under `MARSAD_PSEUDONYM_KEY`: records can only be matched under the key
//! that tokenised them. Each keyed table's commit records a key check value (the HMAC of a fixed
//! label — never the key), and an ingest under another key is refused before anything is
//! written.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type, SchemaRef};
use datafusion::common::JoinType;
use datafusion::functions_aggregate::expr_fn::{count, min, sum};
use datafusion::logical_expr::{binary_expr, ident, lit, when, Expr, Operator};
use datafusion::prelude::{coalesce, DataFrame, SessionContext};
use deltalake::delta_datafusion::create_session_state_with_spill_config;
use deltalake::protocol::SaveMode;
use deltalake::DeltaTable;
use futures::StreamExt;
use marsad_model::{schema, Adapter, RecordCounts, RollUp, TableSpec, KEY_ENV};

use crate::error::{Result, WarehouseError};
use crate::location::Location;
use crate::tables;

/// Memory the key check of one table may hold before it spills to disk (bytes).
pub const KEY_CHECK_MEMORY: usize = 1536 << 20;
pub use crate::commit::KEY_CHECK;
/// The label whose HMAC under the pseudonymisation key is the key check value.
const KEY_CHECK_LABEL: &str = "marsad pseudonym key check v1";

/// The key check value of the adapter's pseudonymisation key (none without a key): identifies
/// the key without revealing it.
pub fn key_check_value(adapter: &dyn Adapter) -> Option<String> {
    adapter.key_token(KEY_CHECK_LABEL)
}

/// Refuse to add records to `table` under another pseudonymisation key than its earlier rows:
/// the newest commit that recorded a key check value must carry `check`. Tables written before
/// key checks were recorded are accepted with a warning (nothing to compare with).
pub async fn verify_key(table: &DeltaTable, name: &str, check: &str) -> Result<()> {
    let mut history = table.history(None);
    while let Some(info) = history.next().await {
        let info = info.map_err(WarehouseError::delta(name, "read the history of"))?;
        if let Some(found) = info.info.get(KEY_CHECK) {
            if found.as_str() == Some(check) {
                return Ok(());
            }
            return Err(WarehouseError::Internal(format!(
                "{name} was pseudonymised under another key (key check {} here, {check} for \
                 {}): records could not be matched with the ones already staged. Set {} to the \
                 key this warehouse was loaded with",
                found.as_str().unwrap_or("?"),
                KEY_ENV,
                KEY_ENV,
            )));
        }
    }
    if table.version().unwrap_or(0) > 0 {
        tracing::warn!("{name} has no recorded pseudonymisation key check: cannot verify the key");
    }
    Ok(())
}

/// A DataFusion session for the key check and the rewrite: delta-rs's own (it can write a plan
/// into Delta), with a spilling memory pool, and sort-merge joins so joins spill too.
fn session(loc: &Location) -> Result<(SessionContext, Option<crate::query::SpillDir>)> {
    let mut state = create_session_state_with_spill_config(Some(KEY_CHECK_MEMORY), None);
    state.config_mut().options_mut().optimizer.prefer_hash_join = false;
    // Small batches: merging the sorts' spill files holds one batch per file, and a re-sent
    // 36M-row feed spills enough files that 8,192-row batches of wide rows overflow the pool.
    let config = std::mem::take(state.config_mut()).with_batch_size(1024);
    *state.config_mut() = config;
    // Spill under the data directory's own temp folder (removed after the check, or by the next
    // query's sweep if the process is killed), never in the system's /tmp.
    let spill = match loc.local_dir() {
        Some(dir) => Some(
            crate::query::SpillDir::create(&dir.join(crate::query::SPILL_FOLDER))
                .map_err(|e| WarehouseError::Internal(e.to_string()))?,
        ),
        None => None,
    };
    if let Some(dir) = &spill {
        let runtime = datafusion::execution::runtime_env::RuntimeEnvBuilder::from_runtime_env(
            state.runtime_env(),
        )
        .with_disk_manager_builder(
            datafusion::execution::disk_manager::DiskManagerBuilder::default().with_mode(
                datafusion::execution::disk_manager::DiskManagerMode::Directories(vec![dir
                    .path
                    .clone()]),
            ),
        )
        .build_arc()?;
        state = datafusion::execution::SessionStateBuilder::new_from_existing(state)
            .with_runtime_env(runtime)
            .build();
    }
    Ok((SessionContext::new_with_state(state), spill))
}

fn in_list(values: &BTreeSet<String>) -> Expr {
    ident(schema::LINEAGE_FILE).in_list(values.iter().map(|v| lit(v.clone())).collect(), false)
}

fn not_in_list(values: &BTreeSet<String>) -> Expr {
    ident(schema::LINEAGE_FILE).in_list(values.iter().map(|v| lit(v.clone())).collect(), true)
}

fn data_columns(schema: &SchemaRef) -> Vec<String> {
    schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| n != schema::LINEAGE_FILE && n != schema::LINEAGE_POSITION)
        .collect()
}

/// `a IS NOT DISTINCT FROM b`: equal, or both null.
fn same_value(a: Expr, b: Expr) -> Expr {
    binary_expr(a, Operator::IsNotDistinctFrom, b)
}

fn old(c: &str) -> String {
    format!("__old_{c}")
}

/// What the key check of one table found.
pub struct Replaced {
    /// sha256 of this ingest's files → their counts.
    pub counts: BTreeMap<String, RecordCounts>,
    /// sha256 of earlier files that lost rows to re-sent records.
    pub affected: BTreeSet<String>,
    /// The table version after the rewrite (the append's version when nothing was re-sent).
    pub version: i64,
}

/// Compare the rows this ingest appended to `table` (its newest version, files `shas`) with the
/// rows of `previous` (the version the previous snapshot names, or none for a new table), count
/// new / changed / unchanged records per file, and remove the earlier version of every re-sent
/// record in one more commit.
pub async fn replace_resent(
    loc: &Location,
    spec: &TableSpec,
    previous: Option<i64>,
    shas: &BTreeSet<String>,
    props: deltalake::kernel::transaction::CommitProperties,
) -> Result<Replaced> {
    let name = tables::staging(&spec.name);
    let table = tables::open(loc, &name).await?;
    let appended = table.version().unwrap_or(0) as i64;
    let (ctx, _spill) = session(loc)?;
    let all = tables::frame(&ctx, &table, &name).await?;
    let columns = data_columns(&spec.schema);
    let incoming = all.clone().filter(in_list(shas))?;

    if shas.len() > 1 {
        refuse_keys_in_two_files(incoming.clone(), spec, &name).await?;
    }
    let mut counts: BTreeMap<String, RecordCounts> = BTreeMap::new();
    let mut affected = BTreeSet::new();
    let has_earlier_rows = previous.is_some_and(|v| v > 0);
    if !has_earlier_rows {
        // Nothing staged before: every record is new (one cheap count per file).
        let per_file = incoming
            .clone()
            .aggregate(
                vec![ident(schema::LINEAGE_FILE)],
                vec![count(lit(1)).alias("n")],
            )?
            .collect()
            .await?;
        for batch in &per_file {
            for (sha, n) in strings_and_counts(batch, schema::LINEAGE_FILE, "n")? {
                counts.entry(sha).or_default().new += n;
            }
        }
        return Ok(Replaced {
            counts,
            affected,
            version: appended,
        });
    }

    // Earlier rows: everything not from this ingest, each column renamed `__old_<c>`.
    let mut earlier_cols: Vec<Expr> = columns.iter().map(|c| ident(c).alias(old(c))).collect();
    earlier_cols.push(ident(schema::LINEAGE_FILE).alias(old(schema::LINEAGE_FILE)));
    let earlier = all
        .clone()
        .filter(not_in_list(shas))?
        .select(earlier_cols)?;
    let on: Vec<Expr> = spec
        .key
        .iter()
        .map(|k| ident(k).eq(ident(old(k))))
        .collect();
    let same = columns
        .iter()
        .map(|c| same_value(ident(c), ident(old(c))))
        .reduce(Expr::and)
        .unwrap_or(lit(true));
    let first_key = spec
        .key
        .first()
        .ok_or_else(|| WarehouseError::Internal(format!("{name} has no key columns")))?;
    let status = when(ident(old(first_key)).is_null(), lit("new"))
        .when(same, lit("unchanged"))
        .otherwise(lit("changed"))?;
    // The tally is counted here, batch by batch, rather than by an aggregate: the join's sorts
    // take their fair share of the spilling pool, and an (unspillable) aggregate above them
    // would find none left. Its groups are few (file × earlier file × status).
    let mut tally = incoming
        .join_on(earlier, JoinType::Left, on)?
        .select(vec![
            ident(schema::LINEAGE_FILE),
            ident(old(schema::LINEAGE_FILE)),
            status.alias("status"),
        ])?
        .execute_stream()
        .await?;
    while let Some(batch) = tally.next().await {
        let batch = batch?;
        let file = strings(&batch, schema::LINEAGE_FILE)?;
        let earlier_file = strings(&batch, &old(schema::LINEAGE_FILE))?;
        let status = strings(&batch, "status")?;
        for i in 0..batch.num_rows() {
            let c = counts
                .entry(file[i].clone().unwrap_or_default())
                .or_default();
            match status[i].as_deref() {
                Some("new") => c.new += 1,
                Some("unchanged") => c.unchanged += 1,
                _ => c.changed += 1,
            }
            if let Some(sha) = &earlier_file[i] {
                affected.insert(sha.clone());
            }
        }
    }
    if affected.is_empty() {
        return Ok(Replaced {
            counts,
            affected,
            version: appended,
        });
    }

    // The affected files' rows that were not re-sent stay; the others go.
    let keys: Vec<Expr> = spec.key.iter().map(|k| ident(k).alias(old(k))).collect();
    let resent = all.clone().filter(in_list(shas))?.select(keys)?;
    let on: Vec<Expr> = spec
        .key
        .iter()
        .map(|k| ident(k).eq(ident(old(k))))
        .collect();
    let kept = all
        .filter(in_list(&affected))?
        .join_on(resent, JoinType::LeftAnti, on)?;
    let version = overwrite_files(&ctx, table, &name, kept, &affected, props).await?;
    Ok(Replaced {
        counts,
        affected,
        version,
    })
}

/// Two files of one ingest giving the same key: which is the newer version is not known, so the
/// ingest is refused (files sent one after the other are ingested one after the other).
async fn refuse_keys_in_two_files(incoming: DataFrame, spec: &TableSpec, name: &str) -> Result<()> {
    let keys: Vec<Expr> = spec.key.iter().map(ident).collect();
    let shared = incoming
        .aggregate(
            keys,
            vec![
                min(ident(schema::LINEAGE_FILE)).alias("first"),
                datafusion::functions_aggregate::expr_fn::max(ident(schema::LINEAGE_FILE))
                    .alias("last"),
            ],
        )?
        .filter(ident("first").not_eq(ident("last")))?
        .limit(0, Some(1))?
        .collect()
        .await?;
    if let Some(batch) = shared.iter().find(|b| b.num_rows() > 0) {
        let first = strings(batch, "first")?;
        let last = strings(batch, "last")?;
        return Err(WarehouseError::Internal(format!(
            "{name}: files {} and {} of this ingest give the same record ({}): ingest them one \
             after the other, in the order they were sent, so that the later one replaces the \
             earlier",
            first[0].as_deref().unwrap_or("?"),
            last[0].as_deref().unwrap_or("?"),
            spec.key.join(" + ")
        )));
    }
    Ok(())
}

/// Replace the rows of the raw files `affected` in `table` by the rows of `rows` (one Delta
/// commit, `replaceWhere` on the lineage sha256); returns the new version.
async fn overwrite_files(
    ctx: &SessionContext,
    table: DeltaTable,
    name: &str,
    rows: DataFrame,
    affected: &BTreeSet<String>,
    props: deltalake::kernel::transaction::CommitProperties,
) -> Result<i64> {
    let schema: SchemaRef = Arc::new(rows.schema().as_arrow().clone());
    let written = table
        .write(Vec::<RecordBatch>::new())
        .with_input_plan(rows.logical_plan().clone())
        .with_session_state(Arc::new(ctx.state()))
        .with_save_mode(SaveMode::Overwrite)
        .with_replace_where(in_list(affected))
        .with_writer_properties(tables::writer_properties(&schema))
        .with_commit_properties(props)
        .await
        .map_err(WarehouseError::delta(name, "replace re-sent records in"))?;
    Ok(written.version().unwrap_or(0) as i64)
}

/// Recount the rows of roll-up table `spec` (declared on a record table whose raw files
/// `affected` lost re-sent records) from the record table's rows; the position of each roll-up
/// row (the span of lines it counts) is kept. Groups left with no row disappear.
pub async fn recount(
    loc: &Location,
    spec: &TableSpec,
    roll_up: &RollUp,
    affected: &BTreeSet<String>,
    props: deltalake::kernel::transaction::CommitProperties,
) -> Result<i64> {
    let name = tables::staging(&spec.name);
    let (ctx, _spill) = session(loc)?;
    let records = tables::open(loc, &tables::staging(&roll_up.of)).await?;
    let records = tables::frame(&ctx, &records, &roll_up.of).await?;
    let table = tables::open(loc, &name).await?;
    let current = tables::frame(&ctx, &table, &name).await?;

    let measures: BTreeSet<&str> = std::iter::once(roll_up.count.as_str())
        .chain(roll_up.sums.iter().map(|(out, _)| out.as_str()))
        .collect();
    let groups: Vec<String> = data_columns(&spec.schema)
        .into_iter()
        .filter(|c| !measures.contains(c.as_str()))
        .collect();
    let mut by: Vec<Expr> = vec![ident(schema::LINEAGE_FILE).alias(old(schema::LINEAGE_FILE))];
    by.extend(groups.iter().map(|g| ident(g).alias(old(g))));
    let mut aggregates = vec![count(lit(1)).alias(old(&roll_up.count))];
    for (out, source) in &roll_up.sums {
        aggregates.push(sum(coalesce(vec![ident(source), lit(0i64)])).alias(old(out)));
    }
    let counted = records
        .filter(in_list(affected))?
        .aggregate(by, aggregates)?;
    let mut on = vec![ident(schema::LINEAGE_FILE).eq(ident(old(schema::LINEAGE_FILE)))];
    on.extend(groups.iter().map(|g| same_value(ident(g), ident(old(g)))));
    let select: Vec<Expr> = spec
        .schema
        .fields()
        .iter()
        .map(|f| {
            let c = f.name();
            if measures.contains(c.as_str()) {
                coalesce(vec![ident(old(c)), lit(0i64)]).alias(c)
            } else {
                ident(c)
            }
        })
        .collect();
    let rows = current
        .filter(in_list(affected))?
        .join_on(counted, JoinType::Inner, on)?
        .select(select)?;
    overwrite_files(&ctx, table, &name, rows, affected, props).await
}

fn strings(batch: &RecordBatch, column: &str) -> Result<Vec<Option<String>>> {
    crate::snapshots::strings(batch, column)
}

fn ints(batch: &RecordBatch, column: &str) -> Result<Vec<u64>> {
    let col = batch
        .column_by_name(column)
        .ok_or_else(|| WarehouseError::Internal(format!("key check: no column {column}")))?;
    let cast = arrow::compute::cast(col, &DataType::Int64)?;
    let arr = cast.as_primitive::<Int64Type>();
    Ok((0..arr.len())
        .map(|i| {
            if arr.is_null(i) {
                0
            } else {
                arr.value(i) as u64
            }
        })
        .collect())
}

fn strings_and_counts(batch: &RecordBatch, s: &str, n: &str) -> Result<Vec<(String, u64)>> {
    let names = strings(batch, s)?;
    let counts = ints(batch, n)?;
    Ok(names
        .into_iter()
        .zip(counts)
        .map(|(s, n)| (s.unwrap_or_default(), n))
        .collect())
}
