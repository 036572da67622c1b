//! Who is asking: the three roles, the identity a request or a connection resolves to, and the
//! channel it came through. The role is resolved here, in one place, for every channel (HTTP,
//! the PostgreSQL protocol, the CLI): [`Tokens::resolve`] turns a presented token into an
//! [`Identity`]; unknown, expired and revoked tokens are the same [`AuthError::Refused`].
//!
//! Tokens are `marsad_` + 32 random bytes from the operating system's generator (hex), shown
//! once; only their SHA-256 is stored, in `service.tokens`, a Delta table of the data directory
//! outside the snapshot log (`marsad_warehouse::service`). A secret of 256 random bits needs no
//! slow password hash: SHA-256 cannot be reversed and guessing is hopeless. The presented
//! secret's hash is compared with every stored hash in constant time, so the time an answer
//! takes says nothing about how much of a hash matched.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use marsad_indicators::export::Role as ExportRole;
use marsad_warehouse::service::tokens::{self as store, TokenRow};
use marsad_warehouse::session::{self, WarehouseSession};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What every token starts with (so a leaked one is recognised by secret scanners).
pub const TOKEN_PREFIX: &str = "marsad_";
/// Random bytes in a token.
const TOKEN_BYTES: usize = 32;
/// The longest token name.
const MAX_NAME: usize = 64;

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

    /// Whether this role may read the audit trail (`audit.events`).
    pub fn may_read_audit(self) -> bool {
        self >= Role::Steward
    }
}

/// The SQL session `role` reads `snapshot` through (`None`: the latest), the same on every
/// channel: analysts get the warehouse's tables and views; stewards also `audit.events`; the
/// token table is in no session. The public sends no SQL: asking for its session is an error.
pub async fn sql_session(
    warehouse: &marsad_warehouse::Warehouse,
    role: Role,
    snapshot: Option<i64>,
) -> Result<WarehouseSession, SessionError> {
    if !role.may_query() {
        return Err(SessionError::NoSql(role));
    }
    let session = warehouse.session(snapshot).await?;
    if role.may_read_audit() {
        return Ok(session.with_audit(warehouse.location()).await?);
    }
    Ok(session)
}

/// How a channel finishes a session before its first query (the PostgreSQL protocol adds
/// `pg_catalog` and its dialect).
pub type Prepare = fn(&WarehouseSession) -> Result<(), String>;

/// Sessions opened by [`sql_session`], kept by (role, snapshot): a snapshot never changes, so
/// its session serves every later query of that role instead of opening every table again. What
/// a session reads from outside the snapshot log (observations, releases, revisions, the audit
/// table: [`session::outside_versions`]) does change; a kept session is checked against those
/// versions at most once a [`SessionCache::CHECK`] and opened again when one moved, so a
/// recompute, a release or an audited action shows in SQL without a restart.
/// The last [`SessionCache::KEEP`] are kept.
pub struct SessionCache {
    warehouse: marsad_warehouse::Warehouse,
    prepare: Option<Prepare>,
    open: tokio::sync::Mutex<Vec<Kept>>,
}

struct Kept {
    role: Role,
    snapshot: i64,
    /// The outside tables' versions the session was opened at, and when they were last checked.
    versions: Vec<i64>,
    checked: Instant,
    session: Arc<WarehouseSession>,
}

impl SessionCache {
    /// Sessions kept (the latest snapshot and a few pinned ones, for each role).
    pub const KEEP: usize = 8;
    /// How long a kept session is trusted before the outside tables' versions are read again
    /// (a few Delta log listings).
    pub const CHECK: Duration = Duration::from_secs(1);

    pub fn new(warehouse: marsad_warehouse::Warehouse, prepare: Option<Prepare>) -> Self {
        SessionCache {
            warehouse,
            prepare,
            open: tokio::sync::Mutex::new(Vec::new()),
        }
    }

    pub fn warehouse(&self) -> &marsad_warehouse::Warehouse {
        &self.warehouse
    }

    /// `role`'s session over snapshot `snapshot`.
    pub async fn get(
        &self,
        role: Role,
        snapshot: i64,
    ) -> Result<Arc<WarehouseSession>, SessionError> {
        self.get_checked(role, snapshot, Self::CHECK).await
    }

    async fn get_checked(
        &self,
        role: Role,
        snapshot: i64,
        check: Duration,
    ) -> Result<Arc<WarehouseSession>, SessionError> {
        let mut open = self.open.lock().await;
        let loc = self.warehouse.location();
        let audit = role.may_read_audit();
        // Back at the end (the most recently used), its session answered.
        fn keep(open: &mut Vec<Kept>, kept: Kept) -> Arc<WarehouseSession> {
            let session = kept.session.clone();
            open.push(kept);
            session
        }
        let kept = open
            .iter()
            .position(|k| k.role == role && k.snapshot == snapshot)
            .map(|at| open.remove(at));
        // The versions are read before a session opens: a table that moves meanwhile makes the
        // next check open it again, never keeps a session older than its versions say.
        let versions = match kept {
            Some(mut kept) => {
                if kept.checked.elapsed() < check {
                    return Ok(keep(&mut open, kept));
                }
                let now = session::outside_versions(loc, audit).await?;
                if now == kept.versions {
                    kept.checked = Instant::now();
                    return Ok(keep(&mut open, kept));
                }
                now
            }
            None => session::outside_versions(loc, audit).await?,
        };
        let session = sql_session(&self.warehouse, role, Some(snapshot)).await?;
        if let Some(prepare) = self.prepare {
            prepare(&session).map_err(SessionError::Prepare)?;
        }
        let session = Arc::new(session);
        if open.len() == Self::KEEP {
            open.remove(0);
        }
        open.push(Kept {
            role,
            snapshot,
            versions,
            checked: Instant::now(),
            session: session.clone(),
        });
        Ok(session)
    }
}

/// Why no SQL session was opened.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the {} role may not send SQL", .0.as_str())]
    NoSql(Role),
    #[error(transparent)]
    Warehouse(#[from] marsad_warehouse::WarehouseError),
    #[error("{0}")]
    Prepare(String),
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Role, String> {
        match text {
            "public" => Ok(Role::Public),
            "analyst" => Ok(Role::Analyst),
            "steward" => Ok(Role::Steward),
            _ => Err(format!(
                "`{text}` is not a role (public, analyst or steward)"
            )),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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

/// Why a token could not be made or revoked (token management, for stewards: these messages
/// may name tokens).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("a token named `{0}` already exists and is neither revoked nor expired; revoke it first or choose another name")]
    Exists(String),
    #[error("no unrevoked token is named `{0}` (`marsad tokens list` shows them)")]
    NoSuchToken(String),
    #[error("`{name}` is not a token name: {why}")]
    BadName { name: String, why: &'static str },
    #[error("the public needs no token: make an analyst or steward token")]
    PublicRole,
    #[error("an expiry of {0:?} is out of range")]
    BadExpiry(Duration),
    #[error("the operating system's random generator failed: {0}")]
    Random(String),
    #[error("the token table: {0}")]
    Store(String),
}

/// A token as listed: never its secret, never its hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token just made: the secret is here and nowhere else (show it once).
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
    pub secret: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The token table, read through on every resolve so a revocation takes effect at once: each
/// resolve asks the Delta log for its newest version (one listing, no rows) and reads the rows
/// again only when it moved. Cheap to clone; clones share that cache.
#[derive(Debug, Clone)]
pub struct Tokens {
    location: marsad_warehouse::Location,
    cache: Arc<Mutex<Option<Cached>>>,
}

/// The rows of one version of the token table.
#[derive(Debug)]
struct Cached {
    version: i64,
    rows: Arc<Vec<TokenRow>>,
}

impl Tokens {
    /// The token table of the warehouse at `location`. Nothing is read or created yet: the
    /// first token made creates the table, and with no table every token is refused.
    pub async fn open(location: &marsad_warehouse::Location) -> Result<Tokens, AuthError> {
        Ok(Tokens {
            location: location.clone(),
            cache: Arc::new(Mutex::new(None)),
        })
    }

    /// The identity `secret` (a presented token) stands for.
    pub async fn resolve(&self, secret: &str) -> Result<Identity, AuthError> {
        let rows = self.current().await?;
        let presented = sha256_hex(secret);
        let now = Utc::now();
        // Every stored hash is compared, in constant time, whatever matched before.
        let mut found = None;
        for row in rows.iter() {
            if bool::from(row.sha256.as_bytes().ct_eq(presented.as_bytes())) {
                found = Some(row);
            }
        }
        match found {
            Some(row) if row.is_active(now) => Ok(Identity {
                token: Some(row.name.clone()),
                role: stored_role(row).map_err(AuthError::Store)?,
            }),
            // Unknown, expired, revoked: one answer.
            _ => Err(AuthError::Refused),
        }
    }

    /// Make a token named `name` for `role`, valid for `expires` from now (`None`: until
    /// revoked). Returns the secret, which is not stored anywhere: show it once.
    pub async fn create(
        &self,
        name: &str,
        role: Role,
        expires: Option<Duration>,
    ) -> Result<NewToken, TokenError> {
        check_name(name)?;
        if role == Role::Public {
            return Err(TokenError::PublicRole);
        }
        let now = Utc::now();
        let expires_at = expires
            .map(|d| {
                chrono::Duration::from_std(d)
                    .ok()
                    .and_then(|d| now.checked_add_signed(d))
                    .ok_or(TokenError::BadExpiry(d))
            })
            .transpose()?;
        let (_, rows) = store::read(&self.location)
            .await
            .map_err(|e| TokenError::Store(e.to_string()))?;
        if rows.iter().any(|r| r.name == name && r.is_active(now)) {
            return Err(TokenError::Exists(name.to_string()));
        }
        let secret = new_secret()?;
        let row = TokenRow {
            name: name.to_string(),
            role: role.as_str().to_string(),
            sha256: sha256_hex(&secret),
            created_at: now,
            expires_at,
            revoked_at: None,
        };
        store::insert(&self.location, &row)
            .await
            .map_err(|e| TokenError::Store(e.to_string()))?;
        Ok(NewToken {
            name: row.name,
            role,
            secret,
            expires_at,
        })
    }

    /// Every token ever made, oldest first (revoked and expired ones included).
    pub async fn list(&self) -> Result<Vec<TokenInfo>, TokenError> {
        let (_, mut rows) = store::read(&self.location)
            .await
            .map_err(|e| TokenError::Store(e.to_string()))?;
        rows.sort_by(|a, b| (a.created_at, &a.name).cmp(&(b.created_at, &b.name)));
        rows.into_iter()
            .map(|row| {
                Ok(TokenInfo {
                    role: stored_role(&row).map_err(TokenError::Store)?,
                    name: row.name,
                    created_at: row.created_at,
                    expires_at: row.expires_at,
                    revoked_at: row.revoked_at,
                })
            })
            .collect()
    }

    /// Revoke the token named `name`, at once: the next resolve on any channel refuses it.
    pub async fn revoke(&self, name: &str) -> Result<(), TokenError> {
        let revoked = store::revoke(&self.location, name, Utc::now())
            .await
            .map_err(|e| TokenError::Store(e.to_string()))?;
        if revoked == 0 {
            return Err(TokenError::NoSuchToken(name.to_string()));
        }
        Ok(())
    }

    /// The rows of the newest version of the token table.
    async fn current(&self) -> Result<Arc<Vec<TokenRow>>, AuthError> {
        let store_err = |e: marsad_warehouse::WarehouseError| AuthError::Store(e.to_string());
        let version = store::version(&self.location).await.map_err(store_err)?;
        if let Some(cached) = self.lock().as_ref().filter(|c| c.version == version) {
            return Ok(cached.rows.clone());
        }
        let (version, rows) = store::read(&self.location).await.map_err(store_err)?;
        let rows = Arc::new(rows);
        *self.lock() = Some(Cached {
            version,
            rows: rows.clone(),
        });
        Ok(rows)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Cached>> {
        // A panic while the lock was held left at worst a stale cache entry, which the version
        // check replaces: the poison carries no risk.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Hex SHA-256 of a secret, as stored.
fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `marsad_` + 32 bytes of the operating system's random generator, in hex.
fn new_secret() -> Result<String, TokenError> {
    use rand::RngCore;
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| TokenError::Random(e.to_string()))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
}

/// A token name is what a steward types, reads in the audit and sees in logs: short, plain.
fn check_name(name: &str) -> Result<(), TokenError> {
    let bad = |why| {
        Err(TokenError::BadName {
            name: name.to_string(),
            why,
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > MAX_NAME {
        return bad("it is longer than 64 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
    {
        return bad("use letters, digits and - _ . @ only");
    }
    Ok(())
}

/// The role a stored row names; a row naming no known token role is an error naming it.
fn stored_role(row: &TokenRow) -> Result<Role, String> {
    match row.role.parse() {
        Ok(role) if role != Role::Public => Ok(role),
        _ => Err(format!(
            "token `{}` has the role `{}`, which is not analyst or steward",
            row.name, row.role
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn tokens() -> (tempfile::TempDir, Tokens) {
        let dir = tempfile::tempdir().unwrap();
        let loc = marsad_warehouse::Location::parse(&dir.path().display().to_string()).unwrap();
        let tokens = Tokens::open(&loc).await.unwrap();
        (dir, tokens)
    }

    fn refused(result: Result<Identity, AuthError>) -> String {
        match result {
            Err(e @ AuthError::Refused) => e.to_string(),
            other => panic!("expected Refused, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_kept_session_is_opened_again_when_a_table_outside_its_snapshot_moved() {
        use marsad_warehouse::service::audit::{self, AuditRow};
        let dir = tempfile::tempdir().unwrap();
        let loc = marsad_warehouse::Location::parse(&dir.path().display().to_string()).unwrap();
        let wh = marsad_warehouse::Warehouse::create_or_open(loc.clone())
            .await
            .unwrap();
        let snapshot = wh.latest().await.unwrap().id;
        let cache = SessionCache::new(wh, None);
        let events = |s: Arc<WarehouseSession>| async move {
            let batches = s
                .ctx
                .sql("select count(*) from audit.events")
                .await
                .unwrap()
                .collect()
                .await
                .unwrap();
            batches[0]
                .column(0)
                .as_any()
                .downcast_ref::<arrow::array::Int64Array>()
                .unwrap()
                .value(0)
        };
        let first = cache.get(Role::Steward, snapshot).await.unwrap();
        assert_eq!(events(first.clone()).await, 0);
        let row = AuditRow {
            time: Utc::now(),
            token: Some("t".into()),
            role: "steward".into(),
            channel: "http".into(),
            action: "sql".into(),
            sql: Some("select 1".into()),
            snapshot: Some(snapshot),
            rows: Some(1),
            bytes: Some(8),
            duration_ms: 1,
            outcome: "ok".into(),
            error: None,
        };
        audit::append(&loc, &[row]).await.unwrap();
        // Within the check interval the kept session answers; after it, a new one sees the row.
        let kept = cache
            .get_checked(Role::Steward, snapshot, Duration::from_secs(3600))
            .await
            .unwrap();
        assert!(Arc::ptr_eq(&kept, &first));
        let fresh = cache
            .get_checked(Role::Steward, snapshot, Duration::ZERO)
            .await
            .unwrap();
        assert!(!Arc::ptr_eq(&fresh, &first));
        assert_eq!(events(fresh).await, 1);
        // Nothing moved since: the same session is kept.
        let again = cache
            .get_checked(Role::Steward, snapshot, Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(events(again).await, 1);
    }

    #[tokio::test]
    async fn create_resolve_revoke_then_refused() {
        let (_dir, tokens) = tokens().await;
        let made = tokens.create("alice", Role::Analyst, None).await.unwrap();
        assert!(made.secret.starts_with("marsad_"));
        let hex_part = &made.secret["marsad_".len()..];
        assert_eq!(hex_part.len(), 64);
        assert!(hex_part.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(
            tokens.resolve(&made.secret).await.unwrap(),
            Identity {
                token: Some("alice".into()),
                role: Role::Analyst
            }
        );
        // Revoked through another handle (another process, say): refused at once here.
        let other = Tokens::open(&tokens.location).await.unwrap();
        other.revoke("alice").await.unwrap();
        assert_eq!(
            refused(tokens.resolve(&made.secret).await),
            "the token was not accepted"
        );
        assert_eq!(
            other.revoke("alice").await.unwrap_err().to_string(),
            "no unrevoked token is named `alice` (`marsad tokens list` shows them)"
        );
    }

    #[tokio::test]
    async fn unknown_expired_and_revoked_get_the_same_answer() {
        let (_dir, tokens) = tokens().await;
        let expired = tokens
            .create("soon", Role::Steward, Some(Duration::from_millis(1)))
            .await
            .unwrap();
        let revoked = tokens.create("gone", Role::Analyst, None).await.unwrap();
        tokens.revoke("gone").await.unwrap();
        let kept = tokens.create("kept", Role::Steward, None).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let unknown = format!("marsad_{}", "0".repeat(64));
        let answers = [
            refused(tokens.resolve(&unknown).await),
            refused(tokens.resolve(&expired.secret).await),
            refused(tokens.resolve(&revoked.secret).await),
            refused(tokens.resolve("").await),
            // A stored hash presented as if it were the secret.
            refused(tokens.resolve(&sha256_hex(&kept.secret)).await),
        ];
        assert!(answers.iter().all(|a| a == "the token was not accepted"));
        assert_eq!(
            tokens.resolve(&kept.secret).await.unwrap().role,
            Role::Steward
        );
    }

    #[tokio::test]
    async fn names_are_unique_among_active_tokens() {
        let (_dir, tokens) = tokens().await;
        tokens.create("bob", Role::Analyst, None).await.unwrap();
        let again = tokens.create("bob", Role::Steward, None).await.unwrap_err();
        assert_eq!(
            again.to_string(),
            "a token named `bob` already exists and is neither revoked nor expired; revoke it \
             first or choose another name"
        );
        tokens.revoke("bob").await.unwrap();
        let second = tokens.create("bob", Role::Steward, None).await.unwrap();
        assert_eq!(
            tokens.resolve(&second.secret).await.unwrap().role,
            Role::Steward
        );
        let listed: Vec<(String, Role, bool)> = tokens
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.name, t.role, t.revoked_at.is_some()))
            .collect();
        assert_eq!(
            listed,
            vec![
                ("bob".into(), Role::Analyst, true),
                ("bob".into(), Role::Steward, false)
            ]
        );
        assert!(matches!(
            tokens.create("x", Role::Public, None).await,
            Err(TokenError::PublicRole)
        ));
        assert_eq!(
            tokens
                .create("a b", Role::Analyst, None)
                .await
                .unwrap_err()
                .to_string(),
            "`a b` is not a token name: use letters, digits and - _ . @ only"
        );
    }

    /// Only the hash reaches the disk: no file of the table (data or log) holds the secret.
    #[tokio::test]
    async fn only_the_hash_is_on_disk() {
        let (dir, tokens) = tokens().await;
        let made = tokens.create("carol", Role::Analyst, None).await.unwrap();
        tokens.revoke("carol").await.unwrap();
        let hex_part = made.secret.as_bytes()["marsad_".len()..].to_vec();
        let mut files = vec![dir.path().join("service/tokens")];
        let mut seen = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            seen += 1;
            assert!(
                !bytes.windows(hex_part.len()).any(|w| w == hex_part),
                "{} holds the secret",
                path.display()
            );
        }
        assert!(
            seen >= 4,
            "two data files and three log entries, saw {seen} files"
        );
        let (_, rows) = store::read(&tokens.location).await.unwrap();
        assert_eq!(rows[0].sha256, sha256_hex(&made.secret));
    }

    #[test]
    fn roles_parse_and_print() {
        for role in [Role::Public, Role::Analyst, Role::Steward] {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert_eq!(
            "admin".parse::<Role>().unwrap_err(),
            "`admin` is not a role (public, analyst or steward)"
        );
    }
}
