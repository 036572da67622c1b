//! The one path for SQL a person sends (design invariant 7): [`run`] checks the text, parses it,
//! refuses anything that is not a read-only query of the warehouse's tables, plans it and streams
//! its batches, all under a [`Budget`]:
//!
//! - **size and depth**, checked before planning: the text is at most `max-sql` bytes, without
//!   NUL; expressions and subqueries nest at most `max-depth` levels (the parser's recursion limit
//!   plus a walk of the parsed tree), because the planner and optimizer recurse once per level
//!   and `SELECT 1+2+…+2000` overflowed the stack. Parsing, planning and execution also run on
//!   [`runtime()`]'s threads, whose stacks are large enough for what these limits let through;
//! - **refusals**, one message per kind ([`Refusal`]): DDL, DML, COPY, SET/RESET, PREPARE and
//!   EXECUTE, several statements, and files or URLs read as tables (`CREATE EXTERNAL TABLE`,
//!   `FROM 'file.csv'`, `read_csv(…)`); the plan is then verified read-only again;
//! - **memory**: a pool of its own (`memory`), spilling under the data directory's `.tmp/`
//!   folder (removed when the query ends) or refused on object stores; the functions that grow
//!   outside any pool (`repeat`, `lpad`, …) are replaced by checked versions (`max-value`);
//! - **time**: one deadline (`timeout`) over waiting for a slot, planning and streaming;
//! - **rows and bytes**: at most `max-rows` rows and `max-result` bytes reach the caller, then
//!   the answer is cut and [`QueryStream::truncated`] says why;
//! - **concurrency**: a semaphore of `concurrency` slots shared by clones of the budget;
//! - **priority**: [`runtime()`]'s threads run at a lower scheduling priority ([`QUERY_NICE`]) than
//!   the threads that answer HTTP and PostgreSQL clients, so a scan that burns every core slows
//!   itself, not the other clients' answers, logins and health checks.
//!
//! Every limit is a setting ([`settings`]), documented in `docs/settings.md`. The spill and
//! upload folders under `.tmp/`, and their sweep, are [`work_folders`]; the functions that grow
//! outside any pool are [`checked`]; the query threads (stack, priority) are [`mod@runtime`].

pub mod checked;
pub mod runtime;
pub mod settings;
pub mod work_folders;

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::error::DataFusionError;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::{GreedyMemoryPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::DataFrame;
use datafusion::sql::parser::{DFParserBuilder, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::{
    Expr, ObjectName, Query, Statement, TableFactor, Visit, Visitor,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::ParserError;
use futures::StreamExt;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

pub use checked::ValueTooLarge;
pub use settings::{Limits, Setting, SETTINGS};
use work_folders::remove_stale_spill_dirs;
pub(crate) use work_folders::SpillDir;
pub use work_folders::SPILL_FOLDER;

use crate::location::Location;
use crate::session::{read_only, WarehouseSession};
pub use runtime::{runtime, QUERY_NICE};
use settings::{human_bytes, human_duration};

/// Table functions that read files or URLs (DataFusion's CLI registers some; refused even if a
/// future session does).
const FILE_FUNCTIONS: &[&str] = &[
    "read_csv",
    "read_parquet",
    "read_json",
    "read_ndjson",
    "read_avro",
    "read_arrow",
    "parquet_metadata",
];
/// Extensions of the files `FROM 'data.csv'` would read.
const FILE_EXTENSIONS: &[&str] = &[
    ".csv", ".parquet", ".json", ".ndjson", ".avro", ".arrow", ".tsv",
];

/// The limits a query runs under, and the slots it shares with the other queries of this
/// budget (clones share them).
#[derive(Debug, Clone)]
pub struct Budget {
    pub limits: Limits,
    spill_root: Option<PathBuf>,
    permits: Arc<Semaphore>,
}

impl Budget {
    /// A budget with these limits; spilling is refused until [`Budget::spill_under`].
    pub fn new(limits: Limits) -> Self {
        Budget {
            permits: Arc::new(Semaphore::new(limits.concurrency)),
            limits,
            spill_root: None,
        }
    }

    /// Spill under `<data-dir>/.tmp/` when the data directory is local (and remove what killed
    /// processes left there); on an object store spilling stays refused.
    pub fn spill_under(mut self, location: &Location) -> Self {
        self.spill_root = location.local_dir().map(|d| d.join(SPILL_FOLDER));
        if let Some(root) = &self.spill_root {
            remove_stale_spill_dirs(root);
        }
        self
    }

    /// Where this budget's queries spill (`None`: spilling refused).
    pub fn spill_root(&self) -> Option<&std::path::Path> {
        self.spill_root.as_deref()
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(Limits::default())
    }
}

/// Why a statement was refused before it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No statement at all.
    Empty,
    /// The text is longer than `max-sql`.
    TooLong { bytes: usize, limit: usize },
    /// The text contains a NUL byte.
    NulByte { offset: usize },
    /// Expressions or subqueries nest deeper than `max-depth`.
    TooDeep { limit: usize },
    /// More than one statement.
    Several { count: usize },
    /// CREATE, DROP, ALTER…
    Ddl { statement: String },
    /// INSERT, UPDATE, DELETE, MERGE, TRUNCATE.
    Dml { statement: String },
    /// COPY (reads or writes files).
    Copy,
    /// SET, RESET.
    Set { statement: String },
    /// PREPARE, EXECUTE, DEALLOCATE.
    Prepare { statement: String },
    /// A file or URL read as a table.
    FileTable { what: String },
    /// Any other statement that is not a query (transactions, ANALYZE, …).
    NotAQuery { statement: String },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Empty => write!(f, "no SQL statement was given"),
            Refusal::TooLong { bytes, limit } => write!(
                f,
                "the SQL is {bytes} bytes long, over the limit of {} (--max-sql to raise it)",
                human_bytes(*limit)
            ),
            Refusal::NulByte { offset } => {
                write!(f, "the SQL contains a NUL byte (at byte {offset})")
            }
            Refusal::TooDeep { limit } => write!(
                f,
                "expressions or subqueries nest deeper than {limit} levels (--max-depth to raise it)"
            ),
            Refusal::Several { count } => write!(
                f,
                "{count} statements were given; send one query at a time"
            ),
            Refusal::Ddl { statement } => write!(
                f,
                "{statement} is DDL (it defines or drops objects); only read-only queries run here"
            ),
            Refusal::Dml { statement } => write!(
                f,
                "{statement} is DML (it writes data); only read-only queries run here"
            ),
            Refusal::Copy => write!(f, "COPY reads or writes files; only read-only queries run here"),
            Refusal::Set { statement } => write!(
                f,
                "{statement} changes session settings; the limits are set with flags \
                 (--timeout, --max-rows, --memory, …)"
            ),
            Refusal::Prepare { statement } => write!(
                f,
                "{statement}: prepared statements are not supported; send the query itself"
            ),
            Refusal::FileTable { what } => write!(
                f,
                "{what} reads a file or URL; only the warehouse's tables can be queried"
            ),
            Refusal::NotAQuery { statement } => write!(
                f,
                "{statement} is not a query; only SELECT, WITH, VALUES, EXPLAIN and SHOW run here"
            ),
        }
    }
}

/// Why a query did not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("refused: {0}")]
    Refused(Refusal),
    #[error("stopped: the query ran past its time limit of {} (--timeout to raise it)", human_duration(*.0))]
    Timeout(Duration),
    #[error(
        "stopped: the query needs more than its memory limit of {} (--memory to raise it): {cause}",
        human_bytes(*limit)
    )]
    Memory { limit: usize, cause: String },
    #[error("stopped: {0}")]
    ValueTooLarge(ValueTooLarge),
    #[error(
        "stopped: the query spilled more than its disk limit of {} (--max-spill to raise it, \
         or --memory to spill less)",
        human_bytes(*.0 as usize)
    )]
    Spill(u64),
    #[error("SQL: {0}")]
    Sql(Box<DataFusionError>),
    #[error("internal: {0}")]
    Internal(String),
}

impl QueryError {
    /// Sort a DataFusion error into the budget's kinds.
    fn from_datafusion(e: DataFusionError, limits: &Limits) -> Self {
        if let Some(v) = find_value_too_large(&e) {
            return QueryError::ValueTooLarge(v);
        }
        // DataFusion reports a full spill folder as an I/O error naming its own setting.
        if e.to_string().contains("max_temp_directory_size") {
            return QueryError::Spill(limits.max_spill);
        }
        match e.find_root() {
            DataFusionError::ResourcesExhausted(cause) => QueryError::Memory {
                limit: limits.memory,
                cause: cause.clone(),
            },
            DataFusionError::SQL(p, _) if matches!(**p, ParserError::RecursionLimitExceeded) => {
                QueryError::Refused(Refusal::TooDeep {
                    limit: limits.max_depth,
                })
            }
            _ => QueryError::Sql(Box::new(e)),
        }
    }
}

fn find_value_too_large(e: &DataFusionError) -> Option<ValueTooLarge> {
    use std::error::Error;
    let mut cur: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(v) = err.downcast_ref::<ValueTooLarge>() {
            return Some(v.clone());
        }
        if let Some(DataFusionError::External(inner)) = err.downcast_ref::<DataFusionError>() {
            if let Some(v) = inner.downcast_ref::<ValueTooLarge>() {
                return Some(v.clone());
            }
        }
        cur = err.source();
    }
    None
}

/// Why an answer was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncation {
    /// `max-rows` rows were returned and there were more.
    Rows(usize),
    /// The next batch would have passed `max-result` bytes.
    Bytes(usize),
}

impl std::fmt::Display for Truncation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Truncation::Rows(n) => write!(
                f,
                "truncated: the answer has more than {n} rows (--max-rows to raise the limit)"
            ),
            Truncation::Bytes(n) => write!(
                f,
                "truncated: the answer passed {} (--max-result to raise the limit)",
                human_bytes(*n)
            ),
        }
    }
}

/// What the query thread sends back.
enum Message {
    Schema(SchemaRef),
    Batch(RecordBatch),
    Failed(QueryError),
}

/// A running query: its schema, then its batches, within the budget.
pub struct QueryStream {
    schema: SchemaRef,
    rx: Option<mpsc::Receiver<Message>>,
    task: tokio::task::JoinHandle<()>,
    deadline: Instant,
    limits: Limits,
    rows: usize,
    bytes: usize,
    truncated: Option<Truncation>,
    _spill: Option<SpillDir>,
}

impl QueryStream {
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Why the answer was cut, once the stream has ended.
    pub fn truncated(&self) -> Option<Truncation> {
        self.truncated
    }

    /// The next batch; `None` at the end (or where the answer was cut).
    pub async fn next(&mut self) -> Option<Result<RecordBatch, QueryError>> {
        let rx = self.rx.as_mut()?;
        let message = match tokio::time::timeout_at(self.deadline, rx.recv()).await {
            Err(_) => {
                self.stop();
                return Some(Err(QueryError::Timeout(self.limits.timeout)));
            }
            Ok(None) => {
                // The query thread drops its sender after its last batch, or when it panics
                // (arrow panics on some overflows): a panic must not read as a complete answer.
                self.rx = None;
                let ended = (&mut self.task).await;
                self.stop();
                return panicked(ended).map(Err);
            }
            Ok(Some(m)) => m,
        };
        match message {
            Message::Batch(batch) => {
                let batch = if self.rows + batch.num_rows() > self.limits.max_rows {
                    self.truncated = Some(Truncation::Rows(self.limits.max_rows));
                    self.stop();
                    batch.slice(0, self.limits.max_rows - self.rows)
                } else {
                    batch
                };
                let size = batch.get_array_memory_size();
                if self.bytes + size > self.limits.max_result {
                    self.truncated = Some(Truncation::Bytes(self.limits.max_result));
                    self.stop();
                    return None;
                }
                self.rows += batch.num_rows();
                self.bytes += size;
                Some(Ok(batch))
            }
            Message::Failed(e) => {
                self.stop();
                Some(Err(e))
            }
            Message::Schema(_) => Some(Err(QueryError::Internal(
                "the query thread sent its schema twice".into(),
            ))),
        }
    }

    /// Stop the query: no more batches are read and its task is cancelled.
    fn stop(&mut self) {
        self.rx = None;
        self.task.abort();
    }
}

impl Drop for QueryStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Run `sql`, a person's query, over `session` under `budget`. Returns once the query is planned
/// (or refused, or out of time); its rows then come from [`QueryStream::next`].
pub async fn run(
    session: &WarehouseSession,
    sql: &str,
    budget: &Budget,
) -> Result<QueryStream, QueryError> {
    let limits = budget.limits;
    let deadline = Instant::now() + limits.timeout;
    check_text(sql, &limits)?;
    let permit = tokio::time::timeout_at(deadline, budget.permits.clone().acquire_owned())
        .await
        .map_err(|_| QueryError::Timeout(limits.timeout))?
        .map_err(|_| QueryError::Internal("the query slots were closed".into()))?;
    let spill = match &budget.spill_root {
        Some(root) => Some(SpillDir::create(root)?),
        None => None,
    };
    let (tx, mut rx) = mpsc::channel(2);
    let state = session.ctx.state();
    let sql = sql.to_string();
    let spill_path = spill.as_ref().map(|s| s.path.clone());
    let task = runtime().spawn(async move {
        produce(state, sql, limits, spill_path, permit, tx).await;
    });
    let mut stream = QueryStream {
        schema: Arc::new(arrow::datatypes::Schema::empty()),
        rx: None,
        task,
        deadline,
        limits,
        rows: 0,
        bytes: 0,
        truncated: None,
        _spill: spill,
    };
    match tokio::time::timeout_at(deadline, rx.recv()).await {
        Err(_) => Err(QueryError::Timeout(limits.timeout)),
        Ok(Some(Message::Schema(schema))) => {
            stream.schema = schema;
            stream.rx = Some(rx);
            Ok(stream)
        }
        Ok(Some(Message::Failed(e))) => Err(e),
        Ok(Some(Message::Batch(_))) => Err(QueryError::Internal(
            "the query thread sent rows before its schema".into(),
        )),
        Ok(None) => {
            let ended = (&mut stream.task).await;
            Err(panicked(ended).unwrap_or_else(|| {
                QueryError::Internal("the query thread ended without an answer".into())
            }))
        }
    }
}

/// The error of a query thread that panicked, with the panic's message.
fn panicked(ended: Result<(), tokio::task::JoinError>) -> Option<QueryError> {
    let e = ended.err().filter(|e| e.is_panic())?;
    let payload = e.into_panic();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    Some(QueryError::Internal(format!(
        "the query stopped on an internal error ({message})"
    )))
}

/// Checks on the text itself, before anything parses it.
fn check_text(sql: &str, limits: &Limits) -> Result<(), QueryError> {
    if sql.len() > limits.max_sql {
        return Err(QueryError::Refused(Refusal::TooLong {
            bytes: sql.len(),
            limit: limits.max_sql,
        }));
    }
    if let Some(offset) = sql.find('\0') {
        return Err(QueryError::Refused(Refusal::NulByte { offset }));
    }
    Ok(())
}

/// Parse, refuse, plan and stream (on the query runtime). Every failure is sent as a message.
async fn produce(
    state: datafusion::execution::SessionState,
    sql: String,
    limits: Limits,
    spill: Option<PathBuf>,
    _permit: OwnedSemaphorePermit,
    tx: mpsc::Sender<Message>,
) {
    let mut stream = match plan(state, &sql, &limits, spill).await {
        Ok(s) => s,
        Err(e) => {
            let _ = tx.send(Message::Failed(e)).await;
            return;
        }
    };
    if tx.send(Message::Schema(stream.schema())).await.is_err() {
        return;
    }
    while let Some(item) = stream.next().await {
        let message = match item {
            Ok(batch) => Message::Batch(batch),
            Err(e) => Message::Failed(QueryError::from_datafusion(e, &limits)),
        };
        let failed = matches!(message, Message::Failed(_));
        if tx.send(message).await.is_err() || failed {
            return;
        }
    }
}

async fn plan(
    base: datafusion::execution::SessionState,
    sql: &str,
    limits: &Limits,
    spill: Option<PathBuf>,
) -> Result<datafusion::physical_plan::SendableRecordBatchStream, QueryError> {
    let df_err = |e: DataFusionError| QueryError::from_datafusion(e, limits);
    let statement = parse(sql, limits)?;

    let disk = match spill {
        Some(dir) => DiskManagerBuilder::default()
            .with_mode(DiskManagerMode::Directories(vec![dir]))
            .with_max_temp_directory_size(limits.max_spill),
        None => DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled),
    };
    let pool = TrackConsumersPool::new(
        GreedyMemoryPool::new(limits.memory),
        std::num::NonZeroUsize::new(3).unwrap_or(std::num::NonZeroUsize::MIN),
    );
    let runtime = RuntimeEnvBuilder::from_runtime_env(base.runtime_env())
        .with_memory_pool(Arc::new(pool))
        .with_disk_manager_builder(disk)
        .build_arc()
        .map_err(df_err)?;
    let mut state = SessionStateBuilder::new_from_existing(base)
        .with_runtime_env(runtime)
        .build();
    checked::register(&mut state, limits.max_value).map_err(df_err)?;

    let plan = state.statement_to_plan(statement).await.map_err(df_err)?;
    read_only().verify_plan(&plan).map_err(df_err)?;
    // One row past the cap tells the stream the answer was cut.
    DataFrame::new(state, plan)
        .limit(0, Some(limits.max_rows.saturating_add(1)))
        .map_err(df_err)?
        .execute_stream()
        .await
        .map_err(df_err)
}

/// Parse one statement and refuse what is not a read-only query of the warehouse's tables.
fn parse(sql: &str, limits: &Limits) -> Result<DfStatement, QueryError> {
    let dialect = GenericDialect {};
    let mut statements = DFParserBuilder::new(sql)
        .with_dialect(&dialect)
        .with_recursion_limit(limits.max_depth)
        .build()
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| QueryError::from_datafusion(e, limits))?;
    if statements.len() > 1 {
        return Err(QueryError::Refused(Refusal::Several {
            count: statements.len(),
        }));
    }
    let statement = statements
        .pop_front()
        .ok_or(QueryError::Refused(Refusal::Empty))?;
    check_statement(&statement, limits).map_err(QueryError::Refused)?;
    Ok(statement)
}

/// The refusals, on DataFusion's statement (its extensions first, then sqlparser's tree).
fn check_statement(statement: &DfStatement, limits: &Limits) -> Result<(), Refusal> {
    match statement {
        DfStatement::Statement(s) => {
            let mut check = Check {
                depth: 0,
                limit: limits.max_depth,
            };
            match s.visit(&mut check) {
                ControlFlow::Break(refusal) => Err(refusal),
                ControlFlow::Continue(()) => Ok(()),
            }
        }
        DfStatement::CreateExternalTable(t) => Err(Refusal::FileTable {
            what: format!("CREATE EXTERNAL TABLE {}", t.name),
        }),
        DfStatement::CopyTo(_) => Err(Refusal::Copy),
        DfStatement::Explain(e) => check_statement(&e.statement, limits),
        DfStatement::Reset(_) => Err(Refusal::Set {
            statement: "RESET".into(),
        }),
    }
}

/// Walks sqlparser's tree: the kind of every (nested) statement, tables read from files, and
/// the nesting depth of expressions and queries. Stops at the first refusal, so a tree deeper
/// than the limit is never walked further than the limit.
struct Check {
    depth: usize,
    limit: usize,
}

impl Check {
    fn enter(&mut self) -> ControlFlow<Refusal> {
        self.depth += 1;
        if self.depth > self.limit {
            ControlFlow::Break(Refusal::TooDeep { limit: self.limit })
        } else {
            ControlFlow::Continue(())
        }
    }

    fn leave(&mut self) -> ControlFlow<Refusal> {
        self.depth = self.depth.saturating_sub(1);
        ControlFlow::Continue(())
    }
}

impl Visitor for Check {
    type Break = Refusal;

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<Refusal> {
        match classify(statement) {
            Some(refusal) => ControlFlow::Break(refusal),
            None => ControlFlow::Continue(()),
        }
    }

    fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<Refusal> {
        self.enter()
    }

    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<Refusal> {
        self.leave()
    }

    fn pre_visit_expr(&mut self, _: &Expr) -> ControlFlow<Refusal> {
        self.enter()
    }

    fn post_visit_expr(&mut self, _: &Expr) -> ControlFlow<Refusal> {
        self.leave()
    }

    fn pre_visit_relation(&mut self, name: &ObjectName) -> ControlFlow<Refusal> {
        let is_file = name.0.iter().any(|part| {
            part.as_ident().is_some_and(|ident| {
                let v = ident.value.to_ascii_lowercase();
                ident.quote_style == Some('\'')
                    || v.contains('/')
                    || v.contains("://")
                    || FILE_EXTENSIONS.iter().any(|ext| v.ends_with(ext))
            })
        });
        if is_file {
            return ControlFlow::Break(Refusal::FileTable {
                what: format!("FROM {name}"),
            });
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<Refusal> {
        let name = match factor {
            TableFactor::Table {
                name,
                args: Some(_),
                ..
            } => name,
            TableFactor::Function { name, .. } => name,
            _ => return ControlFlow::Continue(()),
        };
        let function = name.to_string().to_ascii_lowercase();
        if FILE_FUNCTIONS.contains(&function.as_str()) {
            return ControlFlow::Break(Refusal::FileTable {
                what: format!("{function}()"),
            });
        }
        ControlFlow::Continue(())
    }
}

/// The refusal for a statement that is not a read-only query (`None` for a query).
fn classify(statement: &Statement) -> Option<Refusal> {
    let label = || statement_label(statement);
    match statement {
        Statement::Query(_)
        | Statement::Explain { .. }
        | Statement::ExplainTable { .. }
        | Statement::ShowTables { .. }
        | Statement::ShowColumns { .. }
        | Statement::ShowFunctions { .. }
        | Statement::ShowVariable { .. }
        | Statement::ShowVariables { .. } => None,
        Statement::Insert { .. }
        | Statement::Update { .. }
        | Statement::Delete { .. }
        | Statement::Merge { .. }
        | Statement::Truncate { .. } => Some(Refusal::Dml { statement: label() }),
        Statement::Copy { .. } | Statement::CopyIntoSnowflake { .. } | Statement::Unload { .. } => {
            Some(Refusal::Copy)
        }
        Statement::Set { .. } => Some(Refusal::Set { statement: label() }),
        Statement::Prepare { .. } | Statement::Execute { .. } | Statement::Deallocate { .. } => {
            Some(Refusal::Prepare { statement: label() })
        }
        _ => {
            let l = label();
            let first = l.split(' ').next().unwrap_or("");
            if matches!(
                first,
                "CREATE" | "DROP" | "ALTER" | "RENAME" | "COMMENT" | "GRANT" | "REVOKE"
            ) {
                Some(Refusal::Ddl { statement: l })
            } else {
                Some(Refusal::NotAQuery { statement: l })
            }
        }
    }
}

/// The statement's leading keywords (`CREATE TABLE`, `INSERT INTO`, `SET`), from its text as
/// sqlparser prints it: enough to name it in a refusal without echoing the whole SQL.
fn statement_label(statement: &Statement) -> String {
    let text = statement.to_string();
    let words: Vec<&str> = text
        .split_whitespace()
        .take_while(|w| w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .take(3)
        .collect();
    if words.is_empty() {
        "this statement".into()
    } else {
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(sql: &str) -> Option<Refusal> {
        match parse(sql, &Limits::default()) {
            Err(QueryError::Refused(r)) => Some(r),
            Err(e) => panic!("{sql}: not a refusal: {e}"),
            Ok(_) => None,
        }
    }

    #[test]
    fn each_kind_of_statement_is_refused_with_its_reason() {
        assert_eq!(refusal("select 1"), None);
        assert_eq!(refusal("with t as (select 1 as a) select a from t"), None);
        assert_eq!(refusal("explain select 1"), None);
        assert_eq!(
            refusal("create table t as select 1"),
            Some(Refusal::Ddl {
                statement: "CREATE TABLE".into()
            })
        );
        assert_eq!(
            refusal("drop view v"),
            Some(Refusal::Ddl {
                statement: "DROP VIEW".into()
            })
        );
        assert_eq!(
            refusal("insert into t values (1)"),
            Some(Refusal::Dml {
                statement: "INSERT INTO".into()
            })
        );
        assert_eq!(
            refusal("explain delete from t"),
            Some(Refusal::Dml {
                statement: "DELETE FROM".into()
            })
        );
        assert_eq!(refusal("copy (select 1) to 'x.csv'"), Some(Refusal::Copy));
        assert_eq!(
            refusal("set datafusion.execution.batch_size = 1"),
            Some(Refusal::Set {
                statement: "SET".into()
            })
        );
        assert_eq!(
            refusal("prepare p as select 1"),
            Some(Refusal::Prepare {
                statement: "PREPARE".into()
            })
        );
        assert_eq!(
            refusal("select 1; select 2"),
            Some(Refusal::Several { count: 2 })
        );
        assert_eq!(refusal("  "), Some(Refusal::Empty));
        assert_eq!(
            refusal("create external table x stored as csv location '/etc/passwd'"),
            Some(Refusal::FileTable {
                what: "CREATE EXTERNAL TABLE x".into()
            })
        );
        assert_eq!(
            refusal("select * from 'data.csv'"),
            Some(Refusal::FileTable {
                what: "FROM 'data.csv'".into()
            })
        );
        assert_eq!(
            refusal("select * from read_parquet('x.parquet')"),
            Some(Refusal::FileTable {
                what: "read_parquet()".into()
            })
        );
        assert_eq!(
            refusal("begin"),
            Some(Refusal::NotAQuery {
                statement: "BEGIN".into()
            })
        );
    }

    #[test]
    fn deep_and_long_sql_is_refused_before_planning() {
        let chain = format!(
            "SELECT {}",
            (1..=2000)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join("+")
        );
        assert_eq!(
            refusal(&chain),
            Some(Refusal::TooDeep {
                limit: Limits::default().max_depth
            })
        );
        let nested = format!("SELECT {}1{}", "(".repeat(500), ")".repeat(500));
        assert_eq!(
            refusal(&nested),
            Some(Refusal::TooDeep {
                limit: Limits::default().max_depth
            })
        );
        let limits = Limits {
            max_sql: 10,
            ..Limits::default()
        };
        assert_eq!(
            check_text("select 1 + 1", &limits).unwrap_err().to_string(),
            "refused: the SQL is 12 bytes long, over the limit of 10 bytes (--max-sql to raise it)"
        );
        assert_eq!(
            check_text("select 1\0", &Limits::default())
                .unwrap_err()
                .to_string(),
            "refused: the SQL contains a NUL byte (at byte 8)"
        );
    }
}
