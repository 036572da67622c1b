//! Approval: who approved which version of an indicator, when, under which decision, and for
//! which definition hash. The record is written into the indicator's own catalogue file (an
//! `[[approval]]` entry, and `status = "approved"`), so it is reviewed and versioned with the
//! definition it approves. [`check`] is what CI runs: an approved indicator whose definition or
//! SQL changed since its approval fails until it gets a new version and a new approval.

use std::fmt;

use crate::catalog::{Catalog, Indicator, Status};
use crate::error::{IndicatorError, Result};

/// What `approve` did.
#[derive(Debug, PartialEq)]
pub enum Approved {
    /// The approval was recorded.
    Recorded { version: u32, hash: String },
    /// This version with this definition was already approved: nothing changed.
    AlreadyApproved { version: u32 },
}

/// Record an approval of `indicator`'s current version in its catalogue file.
pub fn approve(indicator: &Indicator, by: &str, reference: &str, at: &str) -> Result<Approved> {
    let id = indicator.id();
    let refuse = |detail: String| {
        Err(IndicatorError::Approval {
            id: id.to_string(),
            detail,
        })
    };
    let Some(path) = &indicator.path else {
        return refuse(
            "approval edits the catalogue file; run it in a Marsad checkout or give --catalog DIR"
                .into(),
        );
    };
    if by.trim().is_empty() || reference.trim().is_empty() {
        return refuse("--by and --ref must name who approves and the decision".into());
    }
    if indicator.def.status == Status::Retired {
        return refuse("it is retired; a retired indicator is not approved again".into());
    }
    let hash = indicator.definition_hash();
    let version = indicator.def.version;
    if let Some(previous) = indicator.current_approval() {
        if previous.definition_hash == hash {
            return Ok(Approved::AlreadyApproved { version });
        }
        return refuse(format!(
            "version {version} was approved ({}, {}) with another definition; \
             raise `version` before approving the changed definition",
            previous.reference, previous.at
        ));
    }

    let text = std::fs::read_to_string(path)
        .map_err(|e| IndicatorError::catalogue(path.display().to_string(), e.to_string()))?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        IndicatorError::catalogue(path.display().to_string(), e.to_string())
    })?;
    doc["status"] = toml_edit::value("approved");
    let mut record = toml_edit::Table::new();
    record["version"] = toml_edit::value(i64::from(version));
    record["by"] = toml_edit::value(by);
    record["reference"] = toml_edit::value(reference);
    record["at"] = toml_edit::value(at);
    record["definition_hash"] = toml_edit::value(hash.as_str());
    match doc.get_mut("approval") {
        Some(item) => match item.as_array_of_tables_mut() {
            Some(array) => array.push(record),
            None => return refuse("`approval` in the file is not a list of [[approval]]".into()),
        },
        None => {
            let mut array = toml_edit::ArrayOfTables::new();
            array.push(record);
            doc["approval"] = toml_edit::Item::ArrayOfTables(array);
        }
    }
    std::fs::write(path, doc.to_string())
        .map_err(|e| IndicatorError::catalogue(path.display().to_string(), e.to_string()))?;
    Ok(Approved::Recorded { version, hash })
}

/// One problem `check` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub id: String,
    pub file: String,
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.id, self.file, self.detail)
    }
}

/// Every approved indicator must carry an approval of its current version whose hash is the
/// current definition hash; a draft must not reuse an approved version number for a changed
/// definition. Returns the problems (empty when the catalogue passes).
pub fn check(catalog: &Catalog) -> Vec<Problem> {
    let mut problems = Vec::new();
    for ind in &catalog.indicators {
        let hash = ind.definition_hash();
        let problem = |detail: String| Problem {
            id: ind.def.id.clone(),
            file: ind.file.clone(),
            detail,
        };
        let approval = ind.current_approval();
        match (ind.def.status, approval) {
            (Status::Approved, None) => problems.push(problem(format!(
                "status is approved but version {} has no approval record",
                ind.def.version
            ))),
            (Status::Approved | Status::Draft, Some(a)) if a.definition_hash != hash => problems
                .push(problem(format!(
                    "the definition or SQL changed since version {} was approved ({}, {}): \
                     approved hash {}, now {}; raise `version` and approve again",
                    a.version,
                    a.reference,
                    a.at,
                    short(&a.definition_hash),
                    short(&hash)
                ))),
            _ => {}
        }
    }
    problems
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A checkout-shaped copy of the embedded catalogue: dir/indicators/catalog + dir/sql/indicators.
    fn checkout() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let catalog = dir.path().join("indicators/catalog");
        let sql = dir.path().join("sql/indicators");
        std::fs::create_dir_all(&catalog).unwrap();
        std::fs::create_dir_all(&sql).unwrap();
        for (id, toml, text) in crate::catalog::EMBEDDED {
            std::fs::write(catalog.join(format!("{id}.toml")), toml).unwrap();
            std::fs::write(sql.join(format!("{id}.sql")), text.unwrap()).unwrap();
        }
        (dir, catalog)
    }

    #[test]
    fn the_shipped_catalogue_passes() {
        let catalog = Catalog::embedded().unwrap();
        assert_eq!(check(&catalog), vec![]);
        assert!(catalog.indicators.len() >= 16);
    }

    #[test]
    fn a_changed_sql_fails_until_a_new_version_is_approved() {
        let (dir, catalog_dir) = checkout();
        let sql = dir.path().join("sql/indicators/EMC_REPORTS.sql");
        let text = std::fs::read_to_string(&sql).unwrap();
        std::fs::write(
            &sql,
            text.replace("count(*) as value", "count(*) + 1 as value"),
        )
        .unwrap();

        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let problems = check(&catalog);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].id, "EMC_REPORTS");
        assert!(
            problems[0].detail.contains("raise `version`"),
            "{}",
            problems[0]
        );

        // Approving the same version again is refused.
        let ind = catalog.get("EMC_REPORTS").unwrap();
        let err = approve(ind, "Comité", "DEC-2", "2026-11-23T00:00:00Z").unwrap_err();
        assert!(err.to_string().contains("raise `version`"), "{err}");

        // A new version, approved: the check passes and the history keeps both approvals.
        let toml = catalog_dir.join("EMC_REPORTS.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        std::fs::write(&toml, text.replacen("version = 1\n", "version = 2\n", 1)).unwrap();
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let ind = catalog.get("EMC_REPORTS").unwrap();
        assert!(matches!(
            approve(ind, "Comité", "DEC-2", "2026-11-23T00:00:00Z").unwrap(),
            Approved::Recorded { version: 2, .. }
        ));
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        assert_eq!(check(&catalog), vec![]);
        let ind = catalog.get("EMC_REPORTS").unwrap();
        assert_eq!(ind.def.approval.len(), 2);
        assert_eq!(ind.current_approval().unwrap().reference, "DEC-2");
        assert_eq!(
            approve(ind, "Comité", "DEC-2", "2026-11-23T00:00:00Z").unwrap(),
            Approved::AlreadyApproved { version: 2 }
        );
    }

    #[test]
    fn names_and_notes_do_not_change_the_hash_but_the_definition_does() {
        let catalog = Catalog::embedded().unwrap();
        let ind = catalog.get("PMP_AESE_CASES").unwrap();
        let mut edited = ind.clone();
        edited.def.name.en.push_str(" (renamed)");
        edited.def.status = crate::catalog::Status::Draft;
        assert_eq!(edited.definition_hash(), ind.definition_hash());
        edited.def.disclosure.threshold = 3;
        assert_ne!(edited.definition_hash(), ind.definition_hash());
    }

    #[test]
    fn approval_needs_a_file_and_names() {
        let catalog = Catalog::embedded().unwrap();
        let ind = catalog.get("DATA_COMPLETENESS").unwrap();
        let err = approve(ind, "x", "y", "now").unwrap_err();
        assert!(err.to_string().contains("--catalog"), "{err}");
        let (_dir, catalog_dir) = checkout();
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let err = approve(catalog.get("DATA_COMPLETENESS").unwrap(), " ", "y", "now").unwrap_err();
        assert!(err.to_string().contains("--by and --ref"), "{err}");
    }
}
