//! The audit trail: every SQL query (HTTP and PG), ingest, compute and token change, success or
//! failure, one row of `audit.events` (a Delta table of the data directory outside the snapshot
//! log, readable by stewards, writable by nobody through SQL).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::access::{Channel, Identity};

/// One audited action.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub time: DateTime<Utc>,
    pub identity: Identity,
    pub channel: Channel,
    /// `sql`, `ingest`, `compute`, `token.create`, `token.revoke`, `login`, …
    pub action: String,
    pub sql: Option<String>,
    pub snapshot: Option<i64>,
    pub rows: Option<u64>,
    pub bytes: Option<u64>,
    pub duration: Duration,
    /// `ok`, `refused`, `failed`, `cancelled`.
    pub outcome: String,
    pub error: Option<String>,
}

/// Where audit events go. Cheap to clone. Recording never fails the request it describes: a
/// write error is logged (and retried with the next events).
#[derive(Debug, Clone)]
pub struct Audit {
    location: marsad_warehouse::Location,
}

impl Audit {
    pub async fn open(location: &marsad_warehouse::Location) -> Result<Audit, String> {
        Ok(Audit {
            location: location.clone(),
        })
    }

    /// Record `event` (buffered; flushed in the background and at shutdown).
    pub async fn record(&self, event: AuditEvent) {
        let _ = (&self.location, event);
        todo!("audit task")
    }
}
