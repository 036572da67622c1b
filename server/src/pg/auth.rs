//! Login over the PostgreSQL protocol: the client is asked for a cleartext password, which is a
//! Marsad token (the user name is informative only), checked through [`PgAuth`] (in the server,
//! [`Tokens::resolve`]: by hash, one answer for unknown, expired and revoked tokens).
//!
//! Cleartext is only acceptable inside TLS or on loopback, so any other connection is refused
//! before the password is asked for. There is no built-in user: an empty password is refused
//! without a lookup (datafusion-postgres seeds `postgres` with one). The public role sends no
//! SQL, so a token that resolves to it cannot connect. The identity is kept in the connection's
//! session extensions for the query handler and the audit.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use datafusion_postgres::pgwire::api::auth::{
    finish_authentication, protocol_negotiation, save_startup_parameters_to_metadata,
    DefaultServerParameterProvider, StartupHandler,
};
use datafusion_postgres::pgwire::api::{
    ClientInfo, ConnectionManager, PgWireConnectionState, PidSecretKeyGenerator,
    RandomPidSecretKeyGenerator, METADATA_USER,
};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::startup::Authentication;
use datafusion_postgres::pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use futures::{Sink, SinkExt};

use super::PgState;
use crate::access::{AuthError, Channel, Identity, Tokens};
use crate::audit::AuditEvent;

/// Who a password stands for (a seam: the server uses [`Tokens`], tests a fixed table).
#[async_trait]
pub trait PgAuth: Send + Sync {
    /// The identity of `password` (a token); `user` is what the client called itself.
    async fn check(&self, user: &str, password: &str) -> Result<Identity, AuthError>;
}

#[async_trait]
impl PgAuth for Tokens {
    async fn check(&self, _user: &str, password: &str) -> Result<Identity, AuthError> {
        self.resolve(password).await
    }
}

/// Whether a connection from `peer` may send a cleartext password.
pub fn may_send_password(peer: SocketAddr, tls: bool) -> bool {
    tls || peer.ip().is_loopback()
}

/// The startup handler: TLS-or-loopback, cleartext password, token check, role check.
pub struct Login {
    state: Arc<PgState>,
    connections: Arc<ConnectionManager>,
    parameters: DefaultServerParameterProvider,
    keys: RandomPidSecretKeyGenerator,
}

impl Login {
    pub(crate) fn new(
        state: Arc<PgState>,
        connections: Arc<ConnectionManager>,
        parameters: DefaultServerParameterProvider,
    ) -> Self {
        Login {
            state,
            connections,
            parameters,
            keys: RandomPidSecretKeyGenerator::default(),
        }
    }

    /// Check `password`; the identity, or the message the client gets.
    async fn identify(&self, user: &str, password: &str) -> Result<Identity, PgWireError> {
        let refused = || {
            fatal(
                "28P01",
                format!("password authentication failed for user \"{user}\": the password must be a Marsad analyst or steward token"),
            )
        };
        if password.is_empty() {
            return Err(refused());
        }
        let identity = match self.state.auth.check(user, password).await {
            Ok(identity) => identity,
            Err(AuthError::Refused) => return Err(refused()),
            Err(AuthError::Store(e)) => {
                tracing::error!("pg: cannot check a token: {e}");
                return Err(fatal(
                    "58000",
                    "the token store cannot be read; try again later".into(),
                ));
            }
        };
        if !identity.role.may_query() {
            return Err(fatal(
                "28000",
                format!(
                    "the {} role cannot send SQL; connect with an analyst or steward token",
                    identity.role.as_str()
                ),
            ));
        }
        Ok(identity)
    }

    async fn audit_login(&self, identity: Identity, outcome: &str, error: Option<String>) {
        self.state
            .audit
            .record(AuditEvent {
                time: Utc::now(),
                identity,
                channel: Channel::Pg,
                action: "login".into(),
                sql: None,
                snapshot: None,
                rows: None,
                bytes: None,
                duration: Duration::ZERO,
                outcome: outcome.into(),
                error,
            })
            .await;
    }
}

fn fatal(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "FATAL".into(),
        code.into(),
        message,
    )))
}

#[async_trait]
impl StartupHandler for Login {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match message {
            PgWireFrontendMessage::Startup(ref startup) => {
                protocol_negotiation(client, startup).await?;
                save_startup_parameters_to_metadata(client, startup);
                if !may_send_password(client.socket_addr(), client.is_secure()) {
                    return Err(fatal(
                        "28000",
                        format!(
                            "connections from {} must use TLS (sslmode=require): the password is a token sent in clear",
                            client.socket_addr().ip()
                        ),
                    ));
                }
                client.set_state(PgWireConnectionState::AuthenticationInProgress);
                client
                    .send(PgWireBackendMessage::Authentication(
                        Authentication::CleartextPassword,
                    ))
                    .await?;
            }
            PgWireFrontendMessage::PasswordMessageFamily(pwd) => {
                let pwd = pwd.into_password()?;
                let user = client
                    .metadata()
                    .get(METADATA_USER)
                    .cloned()
                    .unwrap_or_default();
                let identity = match self.identify(&user, &pwd.password).await {
                    Ok(identity) => identity,
                    Err(e) => {
                        let message = match &e {
                            PgWireError::UserError(info) => info.message.clone(),
                            other => other.to_string(),
                        };
                        self.audit_login(Identity::public(), "refused", Some(message))
                            .await;
                        return Err(e);
                    }
                };
                self.audit_login(identity.clone(), "ok", None).await;
                client.session_extensions().insert(identity);
                let (pid, secret_key) = self.keys.generate(client);
                client.set_pid_and_secret_key(pid, secret_key.clone());
                // A cancel request (psql's Ctrl-C) finds the running query through this handle.
                let (handle, guard) = self.connections.register(pid, secret_key);
                client.session_extensions().insert(handle);
                client.session_extensions().insert(guard);
                finish_authentication(client, &self.parameters).await?;
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleartext_passwords_only_over_tls_or_loopback() {
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let local6: SocketAddr = "[::1]:5000".parse().unwrap();
        let remote: SocketAddr = "10.1.2.3:5000".parse().unwrap();
        assert!(may_send_password(local, false));
        assert!(may_send_password(local6, false));
        assert!(!may_send_password(remote, false));
        assert!(may_send_password(remote, true));
    }
}
