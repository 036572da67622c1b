//! `service.tokens`: one row per access token ever made — its name, role, the SHA-256 of its
//! secret (never the secret), when it was made, when it expires and when it was revoked. Making
//! a token is one append, revoking one is one update of its row: each is one Delta version, and
//! the newest version is the truth (the server re-reads it whenever the version moves).

use std::sync::Arc;

use arrow::array::{RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use chrono::{DateTime, Utc};
use datafusion::prelude::{col, lit};
use datafusion::scalar::ScalarValue;

use crate::error::{Result, WarehouseError};
use crate::location::Location;
use crate::snapshots::{micros, strings};
use crate::tables::{self, utc_micros};

/// The token table.
pub const TOKENS: &str = "service.tokens";

/// One token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Unique among the tokens that are neither revoked nor expired.
    pub name: String,
    /// `analyst` or `steward` (the server's `Role`, as text).
    pub role: String,
    /// Hex SHA-256 of the secret.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    /// `None`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// `None`: not revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    /// Neither revoked nor expired at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }
}

pub fn tokens_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("role", DataType::Utf8, false),
        Field::new("sha256", DataType::Utf8, false),
        Field::new("created_at", utc_micros(), false),
        Field::new("expires_at", utc_micros(), true),
        Field::new("revoked_at", utc_micros(), true),
    ]))
}

/// Every token and the table version they were read at (version `-1` and no rows when no
/// token was ever made).
pub async fn read(loc: &Location) -> Result<(i64, Vec<TokenRow>)> {
    let Some((version, batches)) = super::read_latest(loc, TOKENS).await? else {
        return Ok((-1, Vec::new()));
    };
    let mut rows = Vec::new();
    for batch in &batches {
        let names = strings(batch, "name")?;
        let roles = strings(batch, "role")?;
        let hashes = strings(batch, "sha256")?;
        let created = micros(batch, "created_at")?;
        let expires = micros(batch, "expires_at")?;
        let revoked = micros(batch, "revoked_at")?;
        for i in 0..batch.num_rows() {
            let bad = |what: &str| super::bad_row(TOKENS, version, what);
            let time = |us: Option<i64>| super::row_time(TOKENS, version, us);
            rows.push(TokenRow {
                name: names[i].clone().ok_or_else(|| bad("no name"))?,
                role: roles[i].clone().ok_or_else(|| bad("no role"))?,
                sha256: hashes[i].clone().ok_or_else(|| bad("no sha256"))?,
                created_at: time(created[i])?.ok_or_else(|| bad("no created_at"))?,
                expires_at: time(expires[i])?,
                revoked_at: time(revoked[i])?,
            });
        }
    }
    Ok((version, rows))
}

/// The newest version of the token table (`-1`: no token was ever made). Cheap: no row is read.
pub async fn version(loc: &Location) -> Result<i64> {
    Ok(super::latest_version(loc, TOKENS).await?.unwrap_or(-1))
}

/// Append `row` (one Delta version, returned). Uniqueness of names is the caller's rule.
pub async fn insert(loc: &Location, row: &TokenRow) -> Result<i64> {
    let us = |t: Option<DateTime<Utc>>| {
        TimestampMicrosecondArray::from(vec![t.map(|t| t.timestamp_micros())]).with_timezone("UTC")
    };
    let batch = RecordBatch::try_new(
        tokens_schema(),
        vec![
            Arc::new(StringArray::from(vec![row.name.as_str()])),
            Arc::new(StringArray::from(vec![row.role.as_str()])),
            Arc::new(StringArray::from(vec![row.sha256.as_str()])),
            Arc::new(us(Some(row.created_at))),
            Arc::new(us(row.expires_at)),
            Arc::new(us(row.revoked_at)),
        ],
    )?;
    super::append(loc, TOKENS, batch, "add a token to").await
}

/// Mark the unrevoked tokens named `name` revoked at `at` (one Delta version); returns how many
/// rows it revoked (0: no such unrevoked token, and nothing was written).
pub async fn revoke(loc: &Location, name: &str, at: DateTime<Utc>) -> Result<usize> {
    if !tables::exists(loc, TOKENS).await? {
        return Ok(0);
    }
    let table = tables::open(loc, TOKENS).await?;
    let when = ScalarValue::TimestampMicrosecond(Some(at.timestamp_micros()), Some("UTC".into()));
    let (_, metrics) = table
        .update()
        .with_predicate(col("name").eq(lit(name)).and(col("revoked_at").is_null()))
        .with_update("revoked_at", lit(when))
        .with_commit_properties(crate::commit::keep_logs(Default::default()))
        .await
        .map_err(WarehouseError::delta(TOKENS, "revoke a token in"))?;
    Ok(metrics.num_updated_rows)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn row(name: &str) -> TokenRow {
        TokenRow {
            name: name.into(),
            role: "analyst".into(),
            sha256: "ab".repeat(32),
            created_at: Utc.timestamp_micros(1_700_000_000_000_000).unwrap(),
            expires_at: None,
            revoked_at: None,
        }
    }

    /// Each change is one Delta version; a revoke touches only the named, unrevoked row.
    #[tokio::test]
    async fn insert_and_revoke_are_one_version_each() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Location::parse(&dir.path().display().to_string()).unwrap();
        assert_eq!(read(&loc).await.unwrap(), (-1, vec![]));
        assert_eq!(version(&loc).await.unwrap(), -1);
        assert_eq!(insert(&loc, &row("a")).await.unwrap(), 1);
        assert_eq!(insert(&loc, &row("b")).await.unwrap(), 2);
        assert_eq!(version(&loc).await.unwrap(), 2);
        let at = Utc.timestamp_micros(1_800_000_000_000_000).unwrap();
        assert_eq!(revoke(&loc, "a", at).await.unwrap(), 1);
        assert_eq!(revoke(&loc, "nobody", at).await.unwrap(), 0);
        let (v, mut rows) = read(&loc).await.unwrap();
        rows.sort_by(|x, y| x.name.cmp(&y.name));
        assert_eq!(v, version(&loc).await.unwrap());
        assert_eq!(v, 3, "the revoke is one version, the refused revoke none");
        assert_eq!(rows[0].revoked_at, Some(at));
        assert_eq!(rows[1], row("b"));
        assert!(!rows[0].is_active(at) && rows[1].is_active(at));
    }
}
