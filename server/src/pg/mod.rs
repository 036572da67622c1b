//! The PostgreSQL protocol front end: psql, DBeaver, Metabase, psycopg and pandas connect as an
//! analyst and send the same read-only SQL as `marsad sql` and the HTTP API, through the same
//! `marsad_warehouse::query::run` (design invariant 7).
//!
//! datafusion-postgres 0.19 brings the wire protocol (its re-exported pgwire 0.41), the
//! `pg_catalog` tables clients read on connect, the Postgres-to-DataFusion SQL rewriting and
//! arrow-pg's row encoders; this module replaces everything of it that is unsafe for a shared
//! server (see /work/shared/server-notes.md): its handlers run anything (`ctx.sql`, and
//! `execute_logical_plan` on the extended protocol), its SET handler writes to the shared
//! context, its stock auth seeds `postgres` with an empty password, its TLS setup falls back to
//! plaintext and its accept loop never returns. Here:
//!
//! - [`serve`]: our accept loop around `pgwire::tokio::process_socket`, a connection limit, TLS
//!   when configured ([`tls`]: a bad certificate refuses to start) and a bounded shutdown;
//! - [`auth`]: a cleartext password (a token) checked through [`PgAuth`], only over TLS or
//!   loopback, analysts and stewards only;
//! - [`handler`]: the simple and extended protocols; every statement goes through `query::run`
//!   except the handful of session statements clients send on connect ([`session`]), which are
//!   answered per connection without touching the shared context;
//! - [`Sessions`]: the warehouse session (latest snapshot, `pg_catalog` added), re-opened when a
//!   newer snapshot exists.
//!
//! Wiring it into `marsad serve` (no TLS fallback: a bad certificate is an error at start):
//!
//! ```ignore
//! let tls = match pg::tls::paths(cert, key)? {
//!     Some((cert, key)) => Some(pg::Tls::load(&cert, &key)?),
//!     None => None,
//! };
//! let state = pg::PgState {
//!     sessions: pg::Sessions::new(warehouse.clone()),
//!     budget: budget.clone(), // the same Budget as HTTP: one set of query slots
//!     auth: Arc::new(tokens.clone()),
//!     audit: Arc::new(audit.clone()),
//!     tls,
//!     config: pg::PgConfig::default(),
//! };
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:5433").await?;
//! pg::serve(listener, state, shutdown_signal()).await?;
//! ```

pub mod auth;
pub mod handler;
pub mod session;
pub mod tls;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use datafusion::common::config::Dialect;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::setup_pg_catalog;
use datafusion_postgres::pgwire::api::auth::DefaultServerParameterProvider;
use datafusion_postgres::pgwire::api::cancel::DefaultCancelHandler;
use datafusion_postgres::pgwire::api::{ConnectionManager, PgWireServerHandlers};
use datafusion_postgres::pgwire::tokio::process_socket;
use marsad_warehouse::query::Budget;
use marsad_warehouse::session::WarehouseSession;
use marsad_warehouse::Warehouse;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

pub use auth::PgAuth;
pub use tls::Tls;

use crate::access::{Role, SessionCache};
use crate::audit::{Audit, AuditEvent};

/// The catalog the warehouse's tables live in (`marsad_warehouse::session`'s default).
const CATALOG: &str = "datafusion";
/// How long a known snapshot is trusted before the snapshot log is read again.
const SNAPSHOT_CHECK: Duration = Duration::from_secs(1);

/// Where audit events go (a seam so tests need no audit table).
#[async_trait]
pub trait PgAudit: Send + Sync {
    async fn record(&self, event: AuditEvent);
}

#[async_trait]
impl PgAudit for Audit {
    async fn record(&self, event: AuditEvent) {
        Audit::record(self, event).await
    }
}

/// How the front end listens.
#[derive(Debug, Clone)]
pub struct PgConfig {
    /// Connections served at once; more are told so and closed.
    pub max_connections: usize,
    /// After shutdown is asked for, how long open connections may go on before they are cut.
    pub shutdown_grace: Duration,
}

impl Default for PgConfig {
    fn default() -> Self {
        PgConfig {
            max_connections: 64,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Everything a connection needs. Built once, shared by every connection.
pub struct PgState {
    pub sessions: Sessions,
    pub budget: Budget,
    pub auth: Arc<dyn PgAuth>,
    pub audit: Arc<dyn PgAudit>,
    /// TLS, loaded (and checked) before the server starts.
    pub tls: Option<Tls>,
    pub config: PgConfig,
}

/// Why the front end could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("TLS: {0}")]
    Tls(String),
    #[error("the PostgreSQL listener failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The warehouse sessions queries run on, one per role (what a role reads is decided by
/// [`crate::access::sql_session`], as on every channel, and kept by [`SessionCache`]): the
/// latest snapshot with `pg_catalog` and the PostgreSQL functions clients call on connect; a
/// newer snapshot is looked for at most once a second.
pub struct Sessions {
    cache: SessionCache,
    latest: Mutex<Option<(Instant, i64)>>,
}

impl Sessions {
    pub fn new(warehouse: Warehouse) -> Self {
        Sessions {
            cache: SessionCache::new(warehouse, Some(prepare)),
            latest: Mutex::new(None),
        }
    }

    /// `role`'s session over the latest snapshot.
    pub async fn latest(&self, role: Role) -> Result<Arc<WarehouseSession>, String> {
        let id = {
            let mut latest = self.latest.lock().await;
            match *latest {
                Some((checked, id)) if checked.elapsed() < SNAPSHOT_CHECK => id,
                _ => {
                    let id = self
                        .cache
                        .warehouse()
                        .latest()
                        .await
                        .map_err(|e| format!("cannot read the snapshot log: {e}"))?
                        .id;
                    *latest = Some((Instant::now(), id));
                    id
                }
            }
        };
        self.cache
            .get(role, id)
            .await
            .map_err(|e| format!("cannot open the warehouse: {e}"))
    }
}

/// Add what PostgreSQL clients read: `pg_catalog` (and the functions `\dt` calls); the parser
/// dialect is PostgreSQL.
fn prepare(session: &WarehouseSession) -> Result<(), String> {
    setup_pg_catalog(&session.ctx, CATALOG, EmptyContextProvider)
        .map_err(|e| format!("cannot add pg_catalog to the warehouse session: {e}"))?;
    session
        .ctx
        .state_ref()
        .write()
        .config_mut()
        .options_mut()
        .sql_parser
        .dialect = Dialect::PostgreSQL;
    Ok(())
}

/// The handlers pgwire asks for, one set for every connection (per-connection state lives in
/// the client's session extensions).
pub(crate) struct Handlers {
    query: Arc<handler::PgHandler>,
    startup: Arc<auth::Login>,
    cancel: Arc<DefaultCancelHandler>,
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(
        &self,
    ) -> Arc<impl datafusion_postgres::pgwire::api::query::SimpleQueryHandler> {
        self.query.clone()
    }

    fn extended_query_handler(
        &self,
    ) -> Arc<impl datafusion_postgres::pgwire::api::query::ExtendedQueryHandler> {
        self.query.clone()
    }

    fn startup_handler(&self) -> Arc<impl datafusion_postgres::pgwire::api::auth::StartupHandler> {
        self.startup.clone()
    }

    fn cancel_handler(&self) -> Arc<impl datafusion_postgres::pgwire::api::cancel::CancelHandler> {
        self.cancel.clone()
    }
}

/// The parameters sent after login: read-only, not a superuser.
fn server_parameters() -> DefaultServerParameterProvider {
    let mut p = DefaultServerParameterProvider::default();
    p.is_superuser = false;
    p.default_transaction_read_only = true;
    p
}

/// Serve the PostgreSQL protocol on `listener` until `shutdown` completes; then stop accepting,
/// give open connections `shutdown_grace` to finish and cut the rest.
pub async fn serve(
    listener: TcpListener,
    state: PgState,
    shutdown: impl Future<Output = ()>,
) -> Result<(), PgError> {
    let state = Arc::new(state);
    let connections = Arc::new(ConnectionManager::new());
    let handlers = Arc::new(Handlers {
        query: Arc::new(handler::PgHandler::new(state.clone())),
        startup: Arc::new(auth::Login::new(
            state.clone(),
            connections.clone(),
            server_parameters(),
        )),
        cancel: Arc::new(DefaultCancelHandler::new(connections)),
    });
    let tls = state.tls.as_ref().map(|t| t.acceptor());
    let slots = Arc::new(Semaphore::new(state.config.max_connections));
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let (mut socket, addr) = match accepted {
                    Ok(a) => a,
                    // A failed accept (the peer went away, too many open files) ends one
                    // connection, not the server.
                    Err(e) => {
                        tracing::warn!("pg: cannot accept a connection: {e}");
                        continue;
                    }
                };
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    tracing::warn!("pg: refused {addr}: {} connections already open", state.config.max_connections);
                    let message = too_many_connections(state.config.max_connections);
                    tasks.spawn(async move {
                        let _ = tokio::time::timeout(REFUSAL_TIMEOUT, refuse(&mut socket, &message)).await;
                    });
                    continue;
                };
                let handlers = handlers.clone();
                let tls = tls.clone();
                tasks.spawn(async move {
                    if let Err(e) = process_socket(socket, tls, handlers).await {
                        tracing::debug!("pg: connection from {addr} ended: {e}");
                    }
                    drop(slot);
                });
            }
            // Reap finished connections so the set does not grow.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    drop(listener);
    let grace = state.config.shutdown_grace;
    let drained =
        tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::info!(
            "pg: {} connection(s) still open after {grace:?}; closing them",
            tasks.len()
        );
        tasks.shutdown().await;
    }
    Ok(())
}

/// How long a refused client gets to send its startup message before it is cut off.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(5);
/// The request codes of an SSLRequest and a GSSENCRequest (sent before the startup message).
const SSL_REQUEST: i32 = 80877103;
const GSSENC_REQUEST: i32 = 80877104;

/// Answer a connection beyond the limit as PostgreSQL does: decline encryption, read the
/// startup message, send `message` (an ErrorResponse) and close, so the client shows its text.
async fn refuse(socket: &mut tokio::net::TcpStream, message: &[u8]) -> std::io::Result<()> {
    loop {
        let len = socket.read_i32().await?;
        if !(8..=10_000).contains(&len) {
            break;
        }
        let mut body = vec![0u8; len as usize - 4];
        socket.read_exact(&mut body).await?;
        let code = i32::from_be_bytes([body[0], body[1], body[2], body[3]]);
        if len == 8 && (code == SSL_REQUEST || code == GSSENC_REQUEST) {
            socket.write_all(b"N").await?;
            continue;
        }
        break;
    }
    socket.write_all(message).await?;
    socket.shutdown().await
}

/// A FATAL `ErrorResponse` (SQLSTATE 53300).
fn too_many_connections(limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, value) in [
        (b'S', "FATAL".to_string()),
        (b'V', "FATAL".to_string()),
        (b'C', "53300".to_string()),
        (
            b'M',
            format!("too many connections: the server serves {limit} at once; try again later"),
        ),
    ] {
        body.push(field);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut message = vec![b'E'];
    message.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    message.extend_from_slice(&body);
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_limit_answer_is_one_error_message() {
        let m = too_many_connections(2);
        assert_eq!(m[0], b'E');
        let len = i32::from_be_bytes([m[1], m[2], m[3], m[4]]) as usize;
        assert_eq!(len + 1, m.len());
        let text = String::from_utf8_lossy(&m[5..]);
        assert!(text.contains("53300"), "{text}");
        assert!(
            text.contains("too many connections: the server serves 2 at once"),
            "{text}"
        );
    }
}
