//! What an adapter says about one file: how many rows it read, staged and quarantined, and the
//! findings of the feed's consistency rules. Findings never change the data: a PMP table whose
//! components do not add up is staged as published, with a finding that says so.

use serde::Serialize;

/// How serious a finding is. `Error` findings do not stop an ingest (the file is as published);
/// they flag figures a steward must look at before an indicator uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// The outcome of one consistency rule on one place of a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable rule id, e.g. `pmp.components_add_up`.
    pub rule: String,
    pub severity: Severity,
    /// Where the rule looked (`line 4`, `year 2023`), if it is about one place.
    pub position: Option<String>,
    pub message: String,
}

/// A value that could not be mapped; the whole row it belongs to is kept out of staging.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantineRow {
    pub position: String,
    pub column: String,
    pub value: Option<String>,
    pub reason: String,
}

/// How the records of a file compare, by their key, with the records staged before it
/// (record-level tables only; filled by the warehouse, which sees the earlier snapshot).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RecordCounts {
    /// Keys not staged before.
    pub new: u64,
    /// Keys staged before with other values: the new version replaces the earlier one.
    pub changed: u64,
    /// Keys staged before with the same values (lineage aside).
    pub unchanged: u64,
}

/// The report of one file's ingest, printed as text and as JSON.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FeedReport {
    pub feed: String,
    pub file_name: String,
    pub sha256: String,
    /// Data rows read (header and title rows excluded).
    pub rows_read: u64,
    /// Rows written to staging tables.
    pub rows_staged: u64,
    /// Rows kept out of staging because at least one value was rejected.
    pub rows_quarantined: u64,
    /// Rejected values (a row can have several).
    pub values_quarantined: u64,
    /// Staging tables that received rows.
    pub tables: Vec<String>,
    pub findings: Vec<Finding>,
    /// The first quarantined values, for the readable report (all of them are in the table).
    pub quarantine_sample: Vec<QuarantineRow>,
    /// Per record-level staging table (name without `staging.`): new, changed and unchanged
    /// records of this file. Empty for feeds without record keys.
    pub records: std::collections::BTreeMap<String, RecordCounts>,
    /// The reference date (ISO) the adapter checked dates against, for feeds that do: with it,
    /// the same file gives the same rows again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_date: Option<String>,
}

impl FeedReport {
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

impl std::fmt::Display for FeedReport {
    /// The readable ingest report of one file: counts, findings by severity, quarantine sample.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} [{}] sha256 {}",
            self.file_name,
            self.feed,
            &self.sha256[..12.min(self.sha256.len())]
        )?;
        writeln!(
            f,
            "  rows read {}, staged {}, quarantined {} ({} values) → {}",
            self.rows_read,
            self.rows_staged,
            self.rows_quarantined,
            self.values_quarantined,
            if self.tables.is_empty() {
                "-".to_string()
            } else {
                self.tables.join(", ")
            }
        )?;
        for (table, c) in &self.records {
            writeln!(
                f,
                "  records in {table}: {} new, {} changed, {} unchanged",
                c.new, c.changed, c.unchanged
            )?;
        }
        if let Some(date) = &self.reference_date {
            writeln!(f, "  reference date {date}")?;
        }
        let mut findings: Vec<&Finding> = self.findings.iter().collect();
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for x in findings {
            let at = x
                .position
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            writeln!(f, "  {:<7} {}{}: {}", x.severity, x.rule, at, x.message)?;
        }
        for q in &self.quarantine_sample {
            writeln!(
                f,
                "  quarantined {} column `{}` value {:?}: {}",
                q.position,
                q.column,
                q.value.as_deref().unwrap_or(""),
                q.reason
            )?;
        }
        if self.values_quarantined > self.quarantine_sample.len() as u64 {
            writeln!(
                f,
                "  … {} more in quarantine.rows",
                self.values_quarantined - self.quarantine_sample.len() as u64
            )?;
        }
        Ok(())
    }
}
