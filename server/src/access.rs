//! Who is asking: the three roles, the identity a request or a connection resolves to, and the
//! channel it came through. The role is resolved here, in one place, for every channel (HTTP,
//! the PostgreSQL protocol, the CLI): [`Tokens::resolve`] turns a presented token into an
//! [`Identity`]; unknown, expired and revoked tokens are the same [`AuthError::Refused`].
//!
//! Tokens are `marsad_` + 32 random bytes (hex), shown once; only their SHA-256 is stored, in a
//! Delta table of the data directory outside the snapshot log.

use marsad_indicators::export::Role as ExportRole;

/// What a role may do. Each role includes the one before it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// No token: approved indicators after disclosure control, open data, dashboards.
    Public,
    /// + read-only SQL over the warehouse, unsuppressed values, drafts, lineage positions.
    Analyst,
    /// + ingest, compute, token management, the audit table.
    Steward,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::Analyst => "analyst",
            Role::Steward => "steward",
        }
    }

    /// What the indicator exports show this role (the one rule of disclosure by role).
    pub fn export_role(self) -> ExportRole {
        match self {
            Role::Public => ExportRole::Public,
            Role::Analyst | Role::Steward => ExportRole::Analyst,
        }
    }

    /// Whether this role may send SQL of its own.
    pub fn may_query(self) -> bool {
        self >= Role::Analyst
    }
}

/// The caller of one request or connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The token's name (`None` for the public).
    pub token: Option<String>,
    pub role: Role,
}

impl Identity {
    pub fn public() -> Self {
        Identity {
            token: None,
            role: Role::Public,
        }
    }
}

/// Where a request came from (recorded in the audit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Http,
    Pg,
    Cli,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Http => "http",
            Channel::Pg => "pg",
            Channel::Cli => "cli",
        }
    }
}

/// Why a token was not accepted. One variant for unknown, expired and revoked alike, so the
/// answer tells an attacker nothing.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the token was not accepted")]
    Refused,
    #[error("cannot read the token table: {0}")]
    Store(String),
}

/// The token table, read through on every resolve so a revocation takes effect at once.
/// (Interface fixed here so every channel codes against it; the store is written in the tokens
/// task.)
#[derive(Debug, Clone)]
pub struct Tokens {
    location: marsad_warehouse::Location,
}

impl Tokens {
    /// The token table of the warehouse at `location` (created empty if missing).
    pub async fn open(location: &marsad_warehouse::Location) -> Result<Tokens, AuthError> {
        Ok(Tokens {
            location: location.clone(),
        })
    }

    /// The identity `secret` (a presented token) stands for.
    pub async fn resolve(&self, secret: &str) -> Result<Identity, AuthError> {
        let _ = (&self.location, secret);
        todo!("tokens task")
    }
}
