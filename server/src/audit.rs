//! The audit trail: every SQL query (HTTP and PG), ingest, compute and token change, success or
//! failure, one row of `audit.events` (a Delta table of the data directory outside the snapshot
//! log, readable by stewards, writable by nobody through SQL).
//!
//! Events are buffered and appended in batches: when [`AuditSettings::max_events`] are waiting,
//! every [`AuditSettings::max_wait`], and at shutdown ([`Audit::flush`]), so a busy server makes
//! one Delta commit per batch rather than one per query. A failed write keeps the events for the
//! next one (up to [`MAX_PENDING`]); the last clone dropped with events still waiting writes them
//! on a task of the current runtime, but a process that is ending must call [`Audit::flush`]
//! itself: nothing is written once the runtime is gone.
//!
//! Token changes name the token acted on after a colon in `action` (`token.create:alice`), so
//! the row says what was done to which token while `token` says who did it.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use marsad_warehouse::service::audit::{self as store, AuditRow};
use tokio::sync::Notify;

use crate::access::{Channel, Identity};

/// Events kept in memory while the table cannot be written; beyond it the oldest are dropped
/// (and the count logged), so a broken disk does not also exhaust memory.
pub const MAX_PENDING: usize = 100_000;

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

impl AuditEvent {
    /// An event of `action` by `identity` on `channel`, now, successful until told otherwise.
    pub fn new(identity: &Identity, channel: Channel, action: impl Into<String>) -> AuditEvent {
        AuditEvent {
            time: Utc::now(),
            identity: identity.clone(),
            channel,
            action: action.into(),
            sql: None,
            snapshot: None,
            rows: None,
            bytes: None,
            duration: Duration::ZERO,
            outcome: "ok".into(),
            error: None,
        }
    }

    fn into_row(self) -> AuditRow {
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        AuditRow {
            time: self.time,
            token: self.identity.token,
            role: self.identity.role.as_str().to_string(),
            channel: self.channel.as_str().to_string(),
            action: self.action,
            sql: self.sql,
            snapshot: self.snapshot,
            rows: self.rows.map(count),
            bytes: self.bytes.map(count),
            duration_ms: i64::try_from(self.duration.as_millis()).unwrap_or(i64::MAX),
            outcome: self.outcome,
            error: self.error,
        }
    }
}

/// When buffered events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditSettings {
    /// Write as soon as this many events wait.
    pub max_events: usize,
    /// Write what waits at least this often.
    pub max_wait: Duration,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            max_events: 500,
            max_wait: Duration::from_secs(2),
        }
    }
}

/// Where audit events go. Cheap to clone. Recording never fails the request it describes: a
/// write error is logged (and retried with the next events).
#[derive(Debug, Clone)]
pub struct Audit {
    location: marsad_warehouse::Location,
    inner: Arc<Buffer>,
}

/// The events waiting to be written, shared by the clones of one [`Audit`] and (weakly) by its
/// background writer.
#[derive(Debug)]
struct Buffer {
    location: marsad_warehouse::Location,
    settings: AuditSettings,
    pending: Mutex<Vec<AuditRow>>,
    /// Wakes the background writer (a full buffer, or the last clone dropped).
    wake: Arc<Notify>,
    /// One write at a time, so events reach the table in the order they were recorded.
    writing: tokio::sync::Mutex<()>,
}

impl Audit {
    pub async fn open(location: &marsad_warehouse::Location) -> Result<Audit, String> {
        Audit::open_with(location, AuditSettings::default()).await
    }

    /// [`Audit::open`] with other batch settings. Starts the background writer on the current
    /// runtime.
    pub async fn open_with(
        location: &marsad_warehouse::Location,
        settings: AuditSettings,
    ) -> Result<Audit, String> {
        if settings.max_events == 0 || settings.max_wait.is_zero() {
            return Err(format!(
                "audit settings: max_events and max_wait must be positive ({settings:?})"
            ));
        }
        let wake = Arc::new(Notify::new());
        let inner = Arc::new(Buffer {
            location: location.clone(),
            settings,
            pending: Mutex::new(Vec::new()),
            wake: wake.clone(),
            writing: tokio::sync::Mutex::new(()),
        });
        tokio::spawn(background(Arc::downgrade(&inner), wake, settings.max_wait));
        Ok(Audit {
            location: location.clone(),
            inner,
        })
    }

    /// Record `event` (buffered; flushed in the background and at shutdown).
    pub async fn record(&self, event: AuditEvent) {
        let waiting = {
            let mut pending = self.inner.lock();
            pending.push(event.into_row());
            pending.len()
        };
        if waiting >= self.inner.settings.max_events {
            self.inner.wake.notify_one();
        }
    }

    /// Write every waiting event now (at shutdown, and after a command-line action). On error
    /// the events stay buffered for the next write, and the error says what failed.
    pub async fn flush(&self) -> Result<(), String> {
        self.inner.flush().await
    }

    /// The data directory whose `audit.events` this writes.
    pub fn location(&self) -> &marsad_warehouse::Location {
        &self.location
    }
}

impl Buffer {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<AuditRow>> {
        // A push or drain cannot leave the vector half-changed: the poison carries no risk.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn flush(&self) -> Result<(), String> {
        let _writing = self.writing.lock().await;
        let rows = std::mem::take(&mut *self.lock());
        match store::append(&self.location, &rows).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let message = format!("cannot write {} audit events: {e}", rows.len());
                tracing::error!("{message}; they are kept for the next write");
                let mut pending = self.lock();
                let newer = std::mem::replace(&mut *pending, rows);
                pending.extend(newer);
                if pending.len() > MAX_PENDING {
                    let lost = pending.len() - MAX_PENDING;
                    pending.drain(..lost);
                    tracing::error!("{lost} audit events dropped: {MAX_PENDING} were waiting");
                }
                Err(message)
            }
        }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        self.wake.notify_one();
        let rows = std::mem::take(&mut *self.lock());
        if rows.is_empty() {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let location = self.location.clone();
                runtime.spawn(async move {
                    if let Err(e) = store::append(&location, &rows).await {
                        tracing::error!("{} audit events lost at shutdown: {e}", rows.len());
                    }
                });
            }
            Err(_) => tracing::error!(
                "{} audit events lost: the audit was dropped outside a runtime without a flush",
                rows.len()
            ),
        }
    }
}

/// Write what waits every `max_wait`, or sooner when woken; stop once every clone is gone.
async fn background(buffer: Weak<Buffer>, wake: Arc<Notify>, max_wait: Duration) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(max_wait) => {}
            _ = wake.notified() => {}
        }
        let Some(buffer) = buffer.upgrade() else {
            return;
        };
        // The error is logged by flush; the events wait for the next round.
        let _ = buffer.flush().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;

    fn analyst() -> Identity {
        Identity {
            token: Some("alice".into()),
            role: Role::Analyst,
        }
    }

    async fn count(loc: &marsad_warehouse::Location) -> (String, i64) {
        let ctx = marsad_warehouse::session::new_context().unwrap();
        store::register(&ctx, loc).await.unwrap();
        let batches = ctx
            .sql("select count(*) n, max(action) a from audit.events")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        let version = marsad_warehouse::tables::open(loc, store::EVENTS)
            .await
            .unwrap()
            .version()
            .unwrap() as i64;
        (text, version)
    }

    /// Many events, one commit: nothing is written until the flush, then all in one version.
    #[tokio::test]
    async fn events_are_written_in_one_batch_at_flush() {
        let dir = tempfile::tempdir().unwrap();
        let loc = marsad_warehouse::Location::parse(&dir.path().display().to_string()).unwrap();
        let settings = AuditSettings {
            max_events: 1000,
            max_wait: Duration::from_secs(3600),
        };
        let audit = Audit::open_with(&loc, settings).await.unwrap();
        for i in 0..100 {
            let mut event = AuditEvent::new(&analyst(), Channel::Http, format!("sql{i:03}"));
            event.rows = Some(u64::MAX);
            audit.record(event).await;
        }
        assert!(!marsad_warehouse::tables::exists(&loc, store::EVENTS)
            .await
            .unwrap());
        audit.flush().await.unwrap();
        let (text, version) = count(&loc).await;
        assert!(text.contains("| 100 | sql099 |"), "{text}");
        assert_eq!(version, 1, "created at 0, one commit for the 100 events");
    }

    /// A full buffer is written by the background writer; the last clone dropped writes the rest.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn full_buffers_and_dropped_audits_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let loc = marsad_warehouse::Location::parse(&dir.path().display().to_string()).unwrap();
        let settings = AuditSettings {
            max_events: 2,
            max_wait: Duration::from_secs(3600),
        };
        let audit = Audit::open_with(&loc, settings).await.unwrap();
        for action in ["a", "b"] {
            audit
                .record(AuditEvent::new(&analyst(), Channel::Pg, action))
                .await;
        }
        let until = |n: &'static str| {
            let loc = loc.clone();
            async move {
                for _ in 0..200 {
                    if marsad_warehouse::tables::exists(&loc, store::EVENTS)
                        .await
                        .unwrap()
                        && count(&loc).await.0.contains(n)
                    {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                panic!("the events were not written: {}", count(&loc).await.0);
            }
        };
        until("| 2 | b |").await;
        audit
            .record(AuditEvent::new(&analyst(), Channel::Cli, "c"))
            .await;
        drop(audit);
        until("| 3 | c |").await;
    }
}
