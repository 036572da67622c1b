//! What every commit of the warehouse carries: provenance (the snapshot it belongs to and the raw
//! files it came from, as Delta commit metadata), the application transaction that makes an
//! ingest's commit idempotent, the pseudonymisation key check of record tables, and the rule that
//! expired Delta logs are never removed.

use deltalake::kernel::transaction::CommitProperties;
use deltalake::kernel::Transaction;

/// Application id of the Delta transactions an ingest commits.
pub const APP_ID: &str = "marsad-ingest";
/// Commit-info key of the pseudonymisation key check value.
pub const KEY_CHECK: &str = "marsad.pseudonym_key_check";
pub fn commit_properties(snapshot_id: i64, files: &[String]) -> CommitProperties {
    commit_properties_with(snapshot_id, files, None)
}

/// [`commit_properties`], plus the pseudonymisation key check value on commits of record
/// tables (the commit path checks it before adding records: `ingest::resend::verify_key`).
pub fn commit_properties_with(
    snapshot_id: i64,
    files: &[String],
    key_check: Option<&str>,
) -> CommitProperties {
    let mut metadata = vec![
        (
            "marsad.snapshot_id".to_string(),
            serde_json::json!(snapshot_id),
        ),
        ("marsad.source_sha256".to_string(), serde_json::json!(files)),
    ];
    if let Some(check) = key_check {
        metadata.push((KEY_CHECK.to_string(), serde_json::json!(check)));
    }
    keep_logs(
        CommitProperties::default()
            .with_metadata(metadata)
            .with_application_transaction(Transaction::new(APP_ID, snapshot_id)),
    )
}

/// Commit properties that never remove expired Delta logs (see [`create`]).
pub fn keep_logs(props: CommitProperties) -> CommitProperties {
    props.with_cleanup_expired_logs(Some(false))
}
