//! The simple and extended query protocols. Every statement a client sends is either one of the
//! session statements answered per connection ([`super::session`]) or runs through
//! `marsad_warehouse::query::run` — the one query path, with its refusals and budget — and its
//! batches are streamed with arrow-pg's encoders. Every statement that reaches the query path
//! is audited (channel `pg`), refused or not.
//!
//! The text is first read by datafusion-postgres's `PostgresCompatibilityParser`, which rewrites
//! what PostgreSQL clients send (`pg_catalog` queries, `::regclass`, `OPERATOR(pg_catalog.~)`)
//! into SQL DataFusion plans; the rewritten statement is what the query path receives. Text the
//! query path must see whole goes there unchanged: several statements (it refuses them), text
//! over its size limit or with a NUL byte, and text this parser cannot read.
//!
//! Handlers of our own, rather than datafusion-postgres's `DfSessionService` with a hook first:
//! its hooks see one statement at a time (so "several statements" could not be refused as a
//! whole) and are not told the result formats the client asked for on the extended protocol.
//!
//! Extended protocol: at Parse the statement goes through the query path once, to refuse it
//! there and learn its columns (the stream is dropped at once, which cancels it). A statement
//! with parameters (`$1`) is checked with NULL in their place, then planned read-only for their
//! types; at Execute the bound values are written into the statement as literals and the whole
//! text runs through the query path.
//!
//! Parsed trees are only ever built, walked, printed and dropped on the query runtime's threads
//! (large stacks): `SELECT 1+1+…` two thousand terms deep overflowed a connection thread.

use std::fmt::Debug;
use std::ops::ControlFlow;
use std::sync::Arc;

use arrow::datatypes::{DataType, SchemaRef};
use async_trait::async_trait;
use chrono::Utc;
use datafusion::common::ParamValues;
use datafusion::logical_expr::lit;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{Expr, Statement, Value, VisitMut, VisitorMut};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser as SqlParser;
use datafusion_postgres::arrow_pg::datatypes::df::deserialize_parameters;
use datafusion_postgres::arrow_pg::datatypes::{
    arrow_schema_to_pg_fields, encode_recordbatch, into_pg_type,
};
use datafusion_postgres::datafusion_pg_catalog::sql::PostgresCompatibilityParser;
use datafusion_postgres::pgwire::api::portal::{Format, Portal};
use datafusion_postgres::pgwire::api::query::{
    send_query_response, ExtendedQueryHandler, SimpleQueryHandler,
};
use datafusion_postgres::pgwire::api::results::{
    DataRowEncoder, FieldInfo, QueryResponse, Response, Tag,
};
use datafusion_postgres::pgwire::api::stmt::QueryParser;
use datafusion_postgres::pgwire::api::store::PortalStore;
use datafusion_postgres::pgwire::api::{ClientInfo, ClientPortalStore, Type};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::data::DataRow;
use datafusion_postgres::pgwire::messages::extendedquery::Execute;
use datafusion_postgres::pgwire::messages::startup::ParameterStatus;
use datafusion_postgres::pgwire::messages::PgWireBackendMessage;
use datafusion_postgres::pgwire::types::format::FormatOptions;
use futures::{stream, Sink, SinkExt, Stream, StreamExt};
use marsad_warehouse::query::{self, Budget, QueryError, QueryStream};
use marsad_warehouse::session::read_only;
use tokio::time::Instant;

use super::session::{self, SessionStatement};
use super::{server_parameters, PgAudit, PgState};
use crate::access::{Channel, Identity, Role};
use crate::audit::AuditEvent;

/// What one piece of SQL text is, before it runs. No parsed tree leaves the query runtime: a
/// tree as deep as the text allows overflows a connection thread's stack when it is walked,
/// printed or dropped, so only text comes back.
#[derive(Debug, Clone)]
enum Step {
    /// Answered on this connection.
    Session(SessionStatement),
    /// Run through the query path: the text it gets, and (if it has `$n` parameters) the same
    /// text with NULL in their place.
    Query {
        sql: String,
        with_nulls: Option<String>,
    },
}

/// A statement prepared on the extended protocol.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The text the client sent (what the audit records).
    text: String,
    kind: PreparedKind,
}

#[derive(Debug, Clone)]
enum PreparedKind {
    Session(SessionStatement),
    Query {
        sql: String,
        schema: SchemaRef,
        /// The types of `$1`, `$2`, … in order (`None`: not inferred).
        parameters: Vec<Option<DataType>>,
    },
}

/// Reads and checks SQL text; shared by both protocols.
pub struct Parser {
    state: Arc<PgState>,
    sql: Arc<PostgresCompatibilityParser>,
}

/// The query handler of every connection.
pub struct PgHandler {
    parser: Arc<Parser>,
    server_version: String,
}

impl PgHandler {
    pub(crate) fn new(state: Arc<PgState>) -> Self {
        PgHandler {
            parser: Arc::new(Parser {
                state,
                sql: Arc::new(PostgresCompatibilityParser::new()),
            }),
            server_version: server_parameters().server_version,
        }
    }

    /// Answer a session statement on this connection.
    async fn answer<C>(
        &self,
        client: &mut C,
        statement: &SessionStatement,
        format: &Format,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match statement {
            SessionStatement::Set { variable, value } => {
                if variable == "statement_timeout" {
                    session::parse_timeout(value).map_err(|e| error("22023", e))?;
                }
                client
                    .metadata_mut()
                    .insert(session::key(variable), value.clone());
                if let Some(name) = session::reported_name(variable) {
                    client
                        .send(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                            name.to_string(),
                            value.clone(),
                        )))
                        .await?;
                }
                Ok(Response::Execution(Tag::new("SET")))
            }
            SessionStatement::SetTransaction => Ok(Response::Execution(Tag::new("SET"))),
            SessionStatement::Show { variable } => {
                let metadata = client.metadata();
                // As PostgreSQL: a client's fallback name stands until it sets one.
                let set = metadata.get(&session::key(variable)).cloned().or_else(|| {
                    (variable == "application_name")
                        .then(|| metadata.get("fallback_application_name").cloned())
                        .flatten()
                });
                let value = session::show(variable, set.as_deref(), &self.server_version);
                let fields = Arc::new(show_fields(variable, format));
                let mut encoder = DataRowEncoder::new(fields.clone());
                encoder.encode_field(&Some(value))?;
                let row = encoder.take_row();
                Ok(Response::Query(QueryResponse::new(
                    fields,
                    stream::iter(vec![Ok(row)]),
                )))
            }
            SessionStatement::Begin => Ok(Response::TransactionStart(Tag::new("BEGIN"))),
            SessionStatement::Commit => Ok(Response::TransactionEnd(Tag::new("COMMIT"))),
            SessionStatement::Rollback => Ok(Response::TransactionEnd(Tag::new("ROLLBACK"))),
        }
    }
}

/// The one column SHOW answers with.
fn show_fields(variable: &str, format: &Format) -> Vec<FieldInfo> {
    vec![FieldInfo::new(
        variable.to_string(),
        None,
        None,
        Type::TEXT,
        format.format_for(0),
    )]
}

impl Parser {
    /// Split `text` into the steps it runs as (on the query runtime, see [`Step`]).
    async fn steps(&self, text: &str) -> PgWireResult<Vec<Step>> {
        let limits = self.state.budget.limits;
        let whole = vec![Step::Query {
            sql: text.to_string(),
            with_nulls: None,
        }];
        // The query path refuses these with its own message; do not parse them here.
        if text.len() > limits.max_sql || text.contains('\0') {
            return Ok(whole);
        }
        let parser = self.sql.clone();
        let text = text.to_string();
        on_query_runtime(move || {
            let Ok(statements) = parser.parse(&text) else {
                return whole;
            };
            let session: Vec<Option<SessionStatement>> =
                statements.iter().map(session::classify).collect();
            if !session.is_empty() && session.iter().all(Option::is_some) {
                return session.into_iter().flatten().map(Step::Session).collect();
            }
            match <[Statement; 1]>::try_from(statements) {
                Ok([statement]) => {
                    let mut nulls = statement.clone();
                    let with_nulls =
                        (Placeholders::Null.apply(&mut nulls) > 0).then(|| nulls.to_string());
                    vec![Step::Query {
                        sql: statement.to_string(),
                        with_nulls,
                    }]
                }
                // Several statements (or none): the query path says what is wrong.
                Err(_) => whole,
            }
        })
        .await
    }

    /// This connection's budget: the server's, with a shorter time limit if the client SET
    /// `statement_timeout` lower.
    fn budget<C: ClientInfo>(&self, client: &C) -> Budget {
        let mut budget = self.state.budget.clone();
        if let Some(Ok(Some(t))) = client
            .metadata()
            .get(&session::key("statement_timeout"))
            .map(|v| session::parse_timeout(v))
        {
            budget.limits.timeout = budget.limits.timeout.min(t);
        }
        budget
    }

    /// Start `sql` on the query path under this connection's identity and budget. The returned
    /// record audits the statement when dropped.
    async fn start<C: ClientInfo>(
        &self,
        client: &C,
        text: &str,
        sql: &str,
    ) -> PgWireResult<(QueryStream, Record)> {
        let identity = identity_of(client)?;
        let role = identity.role;
        let mut record = Record::new(self.state.audit.clone(), identity, text);
        let session = match self.state.sessions.latest(role).await {
            Ok(s) => s,
            Err(e) => {
                record.outcome = "failed";
                record.error = Some(e.clone());
                return Err(error("58000", e));
            }
        };
        record.snapshot = Some(session.snapshot.id);
        match query::run(&session, sql, &self.budget(client)).await {
            Ok(stream) => Ok((stream, record)),
            Err(e) => {
                record.failed(&e);
                Err(query_error(&e))
            }
        }
    }

    /// Run `sql` and answer with its rows, encoded as `format` asks.
    async fn run<C: ClientInfo>(
        &self,
        client: &C,
        text: &str,
        sql: &str,
        format: &Format,
    ) -> PgWireResult<Response> {
        let (stream, record) = self.start(client, text, sql).await?;
        let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
        let fields = Arc::new(arrow_schema_to_pg_fields(
            &stream.schema(),
            format,
            Some(options),
        )?);
        Ok(Response::Query(QueryResponse::new(
            fields.clone(),
            rows(stream, fields, record, Truncation::of(client)),
        )))
    }

    /// The columns of `sql`, from the query path (refusals included), without running it.
    async fn describe<C: ClientInfo>(
        &self,
        client: &C,
        text: &str,
        sql: &str,
    ) -> PgWireResult<SchemaRef> {
        let (stream, mut record) = self.start(client, text, sql).await?;
        // Executed later (and audited then); dropping the stream cancels this run.
        record.audited = true;
        Ok(stream.schema())
    }
}

/// Who this connection logged in as.
fn identity_of<C: ClientInfo>(client: &C) -> PgWireResult<Identity> {
    client
        .session_extensions()
        .get::<Identity>()
        .map(|i| (*i).clone())
        .ok_or_else(|| error("28000", "the connection has not logged in".into()))
}

/// The role this connection logged in with.
fn role_of<C: ClientInfo>(client: &C) -> PgWireResult<Role> {
    Ok(identity_of(client)?.role)
}

/// The audit of one statement, recorded when dropped: a client that goes away mid-answer is
/// recorded as `cancelled`.
struct Record {
    audit: Arc<dyn PgAudit>,
    identity: Identity,
    sql: String,
    time: chrono::DateTime<Utc>,
    started: Instant,
    snapshot: Option<i64>,
    rows: u64,
    bytes: u64,
    outcome: &'static str,
    error: Option<String>,
    audited: bool,
}

impl Record {
    fn new(audit: Arc<dyn PgAudit>, identity: Identity, sql: &str) -> Self {
        Record {
            audit,
            identity,
            sql: sql.to_string(),
            time: Utc::now(),
            started: Instant::now(),
            snapshot: None,
            rows: 0,
            bytes: 0,
            outcome: "cancelled",
            error: None,
            audited: false,
        }
    }

    fn failed(&mut self, e: &QueryError) {
        self.outcome = match e {
            QueryError::Refused(_) => "refused",
            QueryError::Timeout(_) => "cancelled",
            _ => "failed",
        };
        self.error = Some(e.to_string());
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        if self.audited {
            return;
        }
        let event = AuditEvent {
            time: self.time,
            identity: self.identity.clone(),
            channel: Channel::Pg,
            action: "sql".into(),
            sql: Some(std::mem::take(&mut self.sql)),
            snapshot: self.snapshot,
            rows: Some(self.rows),
            bytes: Some(self.bytes),
            duration: self.started.elapsed(),
            outcome: self.outcome.into(),
            error: self.error.take(),
        };
        let audit = self.audit.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { audit.record(event).await });
            }
            Err(_) => tracing::error!("pg: no runtime to record the audit of {:?}", event.sql),
        }
    }
}

/// The rows of `stream`, batch by batch; an error mid-way ends them with an ErrorResponse.
fn rows(
    stream: QueryStream,
    fields: Arc<Vec<FieldInfo>>,
    record: Record,
    truncation: Arc<Truncation>,
) -> impl Stream<Item = PgWireResult<DataRow>> + Send + 'static {
    stream::unfold(Some((stream, record)), move |state| {
        let fields = fields.clone();
        let truncation = truncation.clone();
        async move {
            let (mut stream, mut record) = state?;
            match stream.next().await {
                None => {
                    record.outcome = "ok";
                    record.error = stream.truncated().map(|t| t.to_string());
                    truncation.set(record.error.clone());
                    None
                }
                Some(Ok(batch)) => {
                    record.rows += batch.num_rows() as u64;
                    record.bytes += batch.get_array_memory_size() as u64;
                    let rows: Vec<_> = encode_recordbatch(fields, batch).collect();
                    Some((stream::iter(rows), Some((stream, record))))
                }
                Some(Err(e)) => {
                    record.failed(&e);
                    Some((stream::iter(vec![Err(query_error(&e))]), None))
                }
            }
        }
    })
    .flatten()
}

/// Why the last answer on this connection was cut (the row or byte cap), until it is told: the
/// rows are streamed by pgwire after the handler returns, so the handler leaves the reason here
/// and sends it as a WARNING notice once the rows are out (before ReadyForQuery), the way
/// PostgreSQL reports a condition that did not stop a statement. psql prints it under the rows;
/// libpq-based clients (psycopg) get it as a notice of that result.
#[derive(Default)]
struct Truncation(std::sync::Mutex<Option<String>>);

impl Truncation {
    fn of<C: ClientInfo>(client: &C) -> Arc<Truncation> {
        client
            .session_extensions()
            .get_or_insert_with(Truncation::default)
    }

    fn set(&self, why: Option<String>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = why;
    }

    /// Send the reason, if the last answer was cut, and forget it.
    async fn tell<C>(client: &mut C) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let why = Truncation::of(client)
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(why) = why {
            let notice = ErrorInfo::new("WARNING".into(), "01000".into(), why);
            client
                .feed(PgWireBackendMessage::NoticeResponse(notice.into()))
                .await?;
        }
        Ok(())
    }
}

/// A query-path error as PostgreSQL reports one (its message unchanged).
fn query_error(e: &QueryError) -> PgWireError {
    let code = match e {
        QueryError::Refused(_) => "42501",
        QueryError::Timeout(_) => "57014",
        QueryError::Memory { .. } => "53200",
        QueryError::ValueTooLarge(_) | QueryError::Spill(_) => "54000",
        QueryError::Sql(_) => "42000",
        QueryError::Internal(_) => "XX000",
    };
    error(code, e.to_string())
}

fn error(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".into(),
        code.into(),
        message,
    )))
}

#[async_trait]
impl SimpleQueryHandler for PgHandler {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut responses = Vec::new();
        for step in self.parser.steps(query).await? {
            responses.push(match step {
                Step::Session(s) => self.answer(client, &s, &Format::UnifiedText).await?,
                // A query is alone in its text (see `Parser::steps`). Its rows are sent here
                // rather than returned, so that a truncation notice follows them.
                Step::Query { sql, .. } => {
                    match self
                        .parser
                        .run(client, query, &sql, &Format::UnifiedText)
                        .await?
                    {
                        Response::Query(results) => {
                            send_query_response(client, results, true).await?;
                            Truncation::tell(client).await?;
                            continue;
                        }
                        other => other,
                    }
                }
            });
        }
        Ok(responses)
    }
}

#[async_trait]
impl QueryParser for Parser {
    type Statement = Prepared;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Option<Prepared>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let mut steps = self.steps(sql).await?;
        if steps.len() > 1 {
            return Err(error(
                "42601",
                "cannot insert multiple commands into a prepared statement".into(),
            ));
        }
        let kind = match steps.pop() {
            None => return Ok(None),
            Some(Step::Session(s)) => PreparedKind::Session(s),
            Some(Step::Query {
                sql: q,
                with_nulls: Some(checked),
            }) => {
                // Refused (or not) by the query path with NULL for each parameter; then planned
                // here, read-only, for the parameters' types.
                self.describe(client, sql, &checked).await?;
                let (schema, parameters) = self.plan_parameters(role_of(client)?, &q).await?;
                PreparedKind::Query {
                    sql: q,
                    schema,
                    parameters,
                }
            }
            Some(Step::Query {
                sql: q,
                with_nulls: None,
            }) => PreparedKind::Query {
                schema: self.describe(client, sql, &q).await?,
                sql: q,
                parameters: vec![],
            },
        };
        Ok(Some(Prepared {
            text: sql.to_string(),
            kind,
        }))
    }

    fn get_parameter_types(&self, stmt: &Prepared) -> PgWireResult<Vec<Type>> {
        match &stmt.kind {
            PreparedKind::Query { parameters, .. } => parameters
                .iter()
                .map(|p| match p {
                    Some(t) => into_pg_type(t),
                    None => Ok(Type::UNKNOWN),
                })
                .collect(),
            PreparedKind::Session(_) => Ok(vec![]),
        }
    }

    fn get_result_schema(
        &self,
        stmt: &Prepared,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        let format = column_format.unwrap_or(&Format::UnifiedText);
        match &stmt.kind {
            PreparedKind::Query { schema, .. } => arrow_schema_to_pg_fields(schema, format, None),
            PreparedKind::Session(SessionStatement::Show { variable }) => {
                Ok(show_fields(variable, format))
            }
            PreparedKind::Session(_) => Ok(vec![]),
        }
    }
}

impl Parser {
    /// Plan a statement with parameters (already accepted by the query path with NULL in their
    /// place) for its columns and its parameters' types; the plan is verified read-only again.
    async fn plan_parameters(
        &self,
        role: Role,
        sql: &str,
    ) -> PgWireResult<(SchemaRef, Vec<Option<DataType>>)> {
        let session = self
            .state
            .sessions
            .latest(role)
            .await
            .map_err(|e| error("58000", e))?;
        let state = session.ctx.state();
        let sql = sql.to_string();
        let plan = query::runtime()
            .spawn(async move {
                let statement = parse_rewritten(&sql)?;
                let plan = state
                    .statement_to_plan(DfStatement::Statement(Box::new(statement)))
                    .await
                    .map_err(plan_error)?;
                read_only().verify_plan(&plan).map_err(plan_error)?;
                let types = plan.get_parameter_types().map_err(plan_error)?;
                Ok::<_, PgWireError>((Arc::new(plan.schema().as_arrow().clone()), types))
            })
            .await
            .map_err(stopped)??;
        let (schema, types) = plan;
        let mut numbered: Vec<(usize, Option<DataType>)> = types
            .into_iter()
            .map(|(name, t)| {
                name.trim_start_matches('$')
                    .parse::<usize>()
                    .map(|n| (n, t))
                    .map_err(|_| {
                        error(
                            "42P02",
                            format!("parameter {name}: only numbered parameters ($1, $2, …) are supported"),
                        )
                    })
            })
            .collect::<PgWireResult<_>>()?;
        numbered.sort_by_key(|(n, _)| *n);
        if numbered.iter().enumerate().any(|(i, (n, _))| *n != i + 1) {
            return Err(error(
                "42P02",
                "parameters must be numbered $1, $2, … without gaps".into(),
            ));
        }
        Ok((schema, numbered.into_iter().map(|(_, t)| t).collect()))
    }
}

fn plan_error(e: datafusion::error::DataFusionError) -> PgWireError {
    error("42000", format!("SQL: {e}"))
}

fn stopped(e: tokio::task::JoinError) -> PgWireError {
    error("XX000", format!("internal: the SQL reader stopped: {e}"))
}

/// Run `f` (parsing, walking or printing a parsed tree) on the query runtime, whose threads
/// have stacks sized for the deepest text the query path accepts.
async fn on_query_runtime<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> PgWireResult<T> {
    query::runtime()
        .spawn(async move { f() })
        .await
        .map_err(stopped)
}

/// Parse one statement already rewritten by `PostgresCompatibilityParser` (no second rewrite).
fn parse_rewritten(sql: &str) -> PgWireResult<Statement> {
    let mut statements = SqlParser::parse_sql(&PostgreSqlDialect {}, sql)
        .map_err(|e| error("42601", format!("SQL: {e}")))?;
    match (statements.pop(), statements.is_empty()) {
        (Some(s), true) => Ok(s),
        _ => Err(error(
            "42601",
            "cannot insert multiple commands into a prepared statement".into(),
        )),
    }
}

/// What to write in place of each `$n` placeholder.
enum Placeholders<'a> {
    /// NULL (to check a statement before its values are known).
    Null,
    /// The bound values, `$1` first.
    Values(&'a [datafusion::common::ScalarValue]),
}

struct Replace<'a> {
    with: &'a Placeholders<'a>,
    count: usize,
    error: Option<String>,
}

impl VisitorMut for Replace<'_> {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let Expr::Value(v) = expr else {
            return ControlFlow::Continue(());
        };
        let Value::Placeholder(name) = &v.value else {
            return ControlFlow::Continue(());
        };
        self.count += 1;
        let replacement = match self.with {
            Placeholders::Null => Ok(Expr::value(Value::Null)),
            Placeholders::Values(values) => name
                .trim_start_matches('$')
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| values.get(i))
                .ok_or_else(|| format!("no value was bound for parameter {name}"))
                .and_then(|value| {
                    datafusion::sql::unparser::expr_to_sql(&lit(value.clone()))
                        .map_err(|e| format!("parameter {name}: cannot write its value: {e}"))
                }),
        };
        match replacement {
            Ok(e) => {
                *expr = Expr::Nested(Box::new(e));
                ControlFlow::Continue(())
            }
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

impl Placeholders<'_> {
    /// Replace the placeholders of `statement`; how many there were.
    fn apply(&self, statement: &mut Statement) -> usize {
        let mut replace = Replace {
            with: self,
            count: 0,
            error: None,
        };
        let _ = statement.visit(&mut replace);
        replace.count
    }

    /// Replace them with the bound values; an error names a parameter without a usable value.
    fn bind(
        values: &[datafusion::common::ScalarValue],
        statement: &mut Statement,
    ) -> PgWireResult<()> {
        let with = Placeholders::Values(values);
        let mut replace = Replace {
            with: &with,
            count: 0,
            error: None,
        };
        let _ = statement.visit(&mut replace);
        match replace.error {
            Some(e) => Err(error("22023", e)),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl ExtendedQueryHandler for PgHandler {
    type Statement = Prepared;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Parser> {
        self.parser.clone()
    }

    /// pgwire's Execute, then the truncation notice if this Execute finished a cut answer.
    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self._on_execute(client, message).await?;
        Truncation::tell(client).await
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Prepared>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let prepared = &portal.statement.statement;
        let format = &portal.result_column_format;
        match &prepared.kind {
            PreparedKind::Session(s) => self.answer(client, s, format).await,
            PreparedKind::Query {
                sql, parameters, ..
            } => {
                let sql = if parameters.is_empty() {
                    sql.clone()
                } else {
                    let types: Vec<Option<&DataType>> =
                        parameters.iter().map(Option::as_ref).collect();
                    let values = match deserialize_parameters(portal, &types)? {
                        ParamValues::List(values) => {
                            values.into_iter().map(|v| v.value).collect::<Vec<_>>()
                        }
                        ParamValues::Map(_) => {
                            return Err(error(
                                "42P02",
                                "only numbered parameters ($1, $2, …) are supported".into(),
                            ))
                        }
                    };
                    let sql = sql.clone();
                    on_query_runtime(move || {
                        let mut statement = parse_rewritten(&sql)?;
                        Placeholders::bind(&values, &mut statement)?;
                        Ok::<_, PgWireError>(statement.to_string())
                    })
                    .await??
                };
                self.parser.run(client, &prepared.text, &sql, format).await
            }
        }
    }
}
