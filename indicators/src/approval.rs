//! Approval: who approved which version of an indicator, when, under which decision, and for
//! which definition hash. The record is written into the indicator's own catalogue file (an
//! `[[approval]]` entry, and `status = "approved"`), so it is reviewed and versioned with the
//! definition it approves. [`check`] is what CI runs: an approved indicator whose definition
//! hash changed since its approval — its metadata, its SQL, a view it reads, a function it calls
//! or a setting (see [`crate::catalog`]) — fails, naming what changed, until it gets a new
//! version and a new approval.
//!
//! Approval also needs the metadata a reader relies on: the name, definition, unit label,
//! notes, numerator, denominator and every caveat in fr, ar and en ([`incomplete`]), and no
//! term the Luxembourg Guidelines discourage in any of them ([`crate::terminology`]). `check`
//! reports discouraged terms in every indicator and incomplete metadata in approved ones.
//!
//! The record keeps the parts the hash covered, so a later check can say what changed. Records
//! written before the hash covered views, functions and settings have no parts: when the
//! indicator's files are unchanged since (its legacy hash still matches), the same version may
//! be approved again, once, under the new hash.

use std::collections::BTreeMap;
use std::fmt;

use crate::catalog::{Approval, Catalog, Environment, Indicator, Status};
use crate::error::{IndicatorError, Result};
use crate::terminology::{self, Terminology};

/// What the metadata of `ind` lacks: every text a reader sees ([`terminology::texts`]) in each
/// of fr, ar and en, and a unit label. Empty when complete.
pub fn incomplete(ind: &Indicator) -> Vec<String> {
    let mut gaps = Vec::new();
    if ind.def.unit_label.is_none() {
        gaps.push("unit_label is missing (give it in fr, ar and en)".to_string());
    }
    for (field, text) in terminology::texts(ind) {
        let missing = text.missing();
        if !missing.is_empty() {
            gaps.push(format!("{field} lacks {}", missing.join(", ")));
        }
    }
    gaps
}

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
    let gaps = incomplete(indicator);
    if !gaps.is_empty() {
        return refuse(format!("incomplete metadata: {}", gaps.join("; ")));
    }
    let terms = terminology::check(Terminology::embedded()?, indicator);
    if !terms.is_empty() {
        let found: Vec<String> = terms.iter().map(|f| f.to_string()).collect();
        return refuse(found.join("; "));
    }
    let parts = indicator.hash_parts();
    let hash = crate::catalog::hash_of_parts(&parts);
    let version = indicator.def.version;
    if let Some(previous) = indicator.current_approval() {
        if previous.definition_hash == hash {
            return Ok(Approved::AlreadyApproved { version });
        }
        if !is_legacy_match(indicator, previous) {
            return refuse(format!(
                "version {version} was approved ({}, {}) with another definition ({}); \
                 raise `version` before approving the changed definition",
                previous.reference,
                previous.at,
                changes(previous, &parts)
            ));
        }
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
    let mut covered = toml_edit::Table::new();
    for (part, value) in &parts {
        covered[part.as_str()] = toml_edit::value(value.as_str());
    }
    record["parts"] = toml_edit::Item::Table(covered);
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
/// definition. Returns the problems (empty when the catalogue passes), each naming what changed.
pub fn check(catalog: &Catalog) -> Vec<Problem> {
    check_in(catalog, Environment::embedded())
}

/// [`check`] with the views, functions and built-in tables of `env`.
pub fn check_in(catalog: &Catalog, env: &Environment) -> Vec<Problem> {
    let mut problems = Vec::new();
    let terms = match Terminology::embedded() {
        Ok(t) => Some(t),
        Err(e) => {
            problems.push(Problem {
                id: "-".into(),
                file: "indicators/terminology.toml".into(),
                detail: e.to_string(),
            });
            None
        }
    };
    for ind in &catalog.indicators {
        let problem = |detail: String| Problem {
            id: ind.def.id.clone(),
            file: ind.file.clone(),
            detail,
        };
        for finding in terms
            .map(|t| terminology::check(t, ind))
            .unwrap_or_default()
        {
            problems.push(problem(finding.to_string()));
        }
        if ind.def.status == Status::Approved {
            let gaps = incomplete(ind);
            if !gaps.is_empty() {
                problems.push(problem(format!("incomplete metadata: {}", gaps.join("; "))));
            }
        }
        let parts = ind.hash_parts_in(env);
        let hash = crate::catalog::hash_of_parts(&parts);
        let approval = ind.current_approval();
        match (ind.def.status, approval) {
            (Status::Approved, None) => problems.push(problem(format!(
                "status is approved but version {} has no approval record",
                ind.def.version
            ))),
            (Status::Approved | Status::Draft, Some(a)) if a.definition_hash != hash => problems
                .push(problem(if is_legacy_match(ind, a) {
                    format!(
                        "version {} was approved ({}, {}) before the definition hash covered the \
                         views it reads, the functions it calls and its settings; its files are \
                         unchanged: approve version {} again (no new version needed)",
                        a.version, a.reference, a.at, a.version
                    )
                } else {
                    format!(
                        "{} since version {} was approved ({}, {}): approved hash {}, now {}; \
                         raise `version` and approve again",
                        changes(a, &parts),
                        a.version,
                        a.reference,
                        a.at,
                        short(&a.definition_hash),
                        short(&hash)
                    )
                })),
            _ => {}
        }
    }
    problems
}

/// `a` was recorded before the hash covered views, functions and settings, and the
/// indicator's metadata and SQL are as they were then.
fn is_legacy_match(ind: &Indicator, a: &Approval) -> bool {
    a.parts.is_empty() && a.definition_hash == ind.legacy_hash()
}

/// What differs between the parts an approval recorded and `now`, e.g. "view
/// population_annual changed; function survey_mean changed (1 → 2)".
fn changes(a: &Approval, now: &BTreeMap<String, String>) -> String {
    if a.parts.is_empty() {
        return "the definition or SQL changed".to_string();
    }
    let mut out = Vec::new();
    for (part, value) in now {
        match a.parts.get(part) {
            None => out.push(format!("{part} {}", verbs(part).0)),
            Some(old) if old == value => {}
            // Versions and settings are short values worth showing; hashes are not.
            Some(old) if part.starts_with("function ") || part.starts_with("setting ") => {
                out.push(format!("{part} changed ({old} → {value})"))
            }
            Some(_) if part == "sql" => out.push("the SQL changed".to_string()),
            Some(_) if part == "metadata" => out.push("the definition changed".to_string()),
            Some(_) => out.push(format!("{part} changed")),
        }
    }
    for part in a.parts.keys().filter(|p| !now.contains_key(*p)) {
        out.push(format!("{part} {}", verbs(part).1));
    }
    if out.is_empty() {
        // The parts match but the hash does not: the record was edited by hand.
        return "the recorded hash does not match its parts".to_string();
    }
    out.join("; ")
}

/// How a part that appeared or went away is said.
fn verbs(part: &str) -> (&'static str, &'static str) {
    match part.split_once(' ').map(|(kind, _)| kind) {
        Some("function") => ("is called now", "is no longer called"),
        Some("setting") => ("applies now", "no longer applies"),
        _ => ("is read now", "is no longer read"),
    }
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
        let version = ind.def.version;
        let toml = catalog_dir.join("EMC_REPORTS.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        let (old, new) = (
            format!("version = {version}\n"),
            format!("version = {}\n", version + 1),
        );
        std::fs::write(&toml, text.replacen(&old, &new, 1)).unwrap();
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let ind = catalog.get("EMC_REPORTS").unwrap();
        let recorded = approve(ind, "Comité", "DEC-2", "2026-11-23T00:00:00Z").unwrap();
        assert!(
            matches!(recorded, Approved::Recorded { version: v, .. } if v == version + 1),
            "{recorded:?}"
        );
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        assert_eq!(check(&catalog), vec![]);
        let ind = catalog.get("EMC_REPORTS").unwrap();
        let shipped = Catalog::embedded().unwrap();
        let shipped = shipped.get("EMC_REPORTS").unwrap().def.approval.len();
        assert_eq!(ind.def.approval.len(), shipped + 1);
        assert_eq!(ind.current_approval().unwrap().reference, "DEC-2");
        assert_eq!(
            approve(ind, "Comité", "DEC-2", "2026-11-23T00:00:00Z").unwrap(),
            Approved::AlreadyApproved {
                version: version + 1
            }
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

    /// The ids whose definition hash differs between two environments.
    fn changed(catalog: &Catalog, a: &Environment, b: &Environment) -> Vec<String> {
        catalog
            .indicators
            .iter()
            .filter(|i| i.definition_hash_in(a) != i.definition_hash_in(b))
            .map(|i| i.def.id.clone())
            .collect()
    }

    fn with_view(view: &str, edit: impl Fn(&str) -> String) -> Environment {
        let mut env = Environment::embedded().clone();
        let text = env.views.get_mut(view).unwrap();
        *text = edit(text);
        env
    }

    #[test]
    fn a_view_changes_the_hash_of_exactly_the_indicators_reading_it() {
        let catalog = Catalog::embedded().unwrap();
        let env = Environment::embedded();
        // `population` is read only through `population_annual` (and the regions' view).
        let edited = with_view("population", |t| t.replace("select", "select distinct"));
        assert_eq!(
            changed(&catalog, env, &edited),
            ["NCMEC_MA_REPORTS_PER_1000", "PMP_CASES_PER_100K_BY_REGION"]
        );
        // `latest_file_per_year` is read through `ncmec_reports`, `pmp_case_table` and
        // `pmp_victims_judged`; a comment is a change of text too.
        let edited = with_view("latest_file_per_year", |t| format!("{t}\n-- edited\n"));
        assert_eq!(
            changed(&catalog, env, &edited),
            [
                "ATTRITION_PMP_PER_10K_NCMEC",
                "NCMEC_MA_REPORTS",
                "NCMEC_MA_REPORTS_PER_1000",
                "NCMEC_MA_WORLD_SHARE",
                "PMP_AESE_CASES",
                "PMP_AESE_CLOSED_SHARE",
                "PMP_AESE_INVESTIGATION_SHARE",
                "PMP_AESE_PROSECUTED",
                "PMP_VICTIMS_JUDGED",
                "PMP_VICTIMS_JUDGED_CHANGE",
            ]
        );
        let edited = with_view("emc_reports", |t| t.replace("select", "select distinct"));
        assert_eq!(
            changed(&catalog, env, &edited),
            [
                "DATA_COMPLETENESS",
                "EMC_REPORTS",
                "EMC_REPORTS_AGE_SHARE",
                "EMC_REPORTS_CHANGE",
                "EMC_REPORTS_MINORS_SHARE",
                "EMC_REPORTS_SEX_SHARE",
            ]
        );
        // CRLF line ends are not a change.
        let edited = with_view("emc_reports", |t| t.replace('\n', "\r\n"));
        assert_eq!(changed(&catalog, env, &edited), Vec::<String>::new());
    }

    #[test]
    fn a_function_version_changes_the_hash_of_its_callers_only() {
        let catalog = Catalog::embedded().unwrap();
        let env = Environment::embedded();
        let mut bumped = env.clone();
        *bumped.functions.get_mut("survey_proportion").unwrap() += 1;
        assert_eq!(changed(&catalog, env, &bumped), ["SDG_16_2_3"]);
        let mut bumped = env.clone();
        *bumped.functions.get_mut("survey_mean").unwrap() += 1;
        assert_eq!(changed(&catalog, env, &bumped), Vec::<String>::new());
        assert_eq!(
            catalog.get("SDG_16_2_3").unwrap().hash_parts()["function survey_proportion"],
            marsad_warehouse::survey_sql::SURVEY_PROPORTION_VERSION.to_string()
        );
    }

    #[test]
    fn the_lonely_psu_setting_changes_the_hash() {
        let catalog = Catalog::embedded().unwrap();
        let ind = catalog.get("SDG_16_2_3").unwrap();
        let setting = |rule: &str| {
            let mut edited = ind.clone();
            edited.def.survey = Some(crate::catalog::SurveySettings {
                lonely_psu: rule.to_string().try_into().unwrap(),
            });
            edited
        };
        assert_eq!(ind.hash_parts()["setting lonely_psu"], "fail");
        assert_eq!(
            setting("fail").definition_hash(),
            ind.definition_hash(),
            "fail is the default"
        );
        let certainty = setting("certainty");
        assert_ne!(certainty.definition_hash(), ind.definition_hash());
        assert_eq!(certainty.hash_parts()["setting lonely_psu"], "certainty");
        assert_eq!(
            setting("center").definition_hash(),
            setting("centre").definition_hash()
        );
        assert_ne!(
            setting("centre").definition_hash(),
            certainty.definition_hash()
        );
    }

    #[test]
    fn built_in_tables_and_design_views_are_covered() {
        let catalog = Catalog::embedded().unwrap();
        let mut ind = catalog.get("EMC_REPORTS").unwrap().clone();
        ind.sql = "select r.period, count(*) as value from emc_reports as r \
                   join DIM_REGION as d on d.region_code = 'MA' \
                   cross join survey.evs2025 group by 1"
            .into();
        let parts = ind.hash_parts();
        assert_eq!(
            parts.keys().collect::<Vec<_>>(),
            [
                "metadata",
                "sql",
                "table dim_region",
                "table survey.*",
                "view emc_reports"
            ]
        );
        let mut env = Environment::embedded().clone();
        env.tables
            .insert("dim_region".into(), "another list".into());
        assert_ne!(ind.definition_hash_in(&env), ind.definition_hash());
        // A quoted name is another table, as DataFusion reads it; staging tables are data.
        ind.sql = "select * from \"EMC_REPORTS\", staging.emc_reports".into();
        assert_eq!(
            ind.hash_parts().keys().collect::<Vec<_>>(),
            ["metadata", "sql"]
        );
    }

    /// The checkout with every indicator approved under the current hash.
    fn approved_checkout() -> (tempfile::TempDir, std::path::PathBuf) {
        let (dir, catalog_dir) = checkout();
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        for ind in &catalog.indicators {
            if ind.def.status == Status::Approved {
                approve(ind, "Comité", "DEC-3", "2026-12-01T00:00:00Z").unwrap();
            }
        }
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        assert_eq!(check(&catalog), vec![]);
        (dir, catalog_dir)
    }

    #[test]
    fn check_names_every_indicator_a_change_reaches_and_what_changed() {
        let (_dir, catalog_dir) = approved_checkout();
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let edited = with_view("population", |t| t.replace("select", "select distinct"));
        let problems = check_in(&catalog, &edited);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].id, "NCMEC_MA_REPORTS_PER_1000");
        assert_eq!(problems[1].id, "PMP_CASES_PER_100K_BY_REGION");
        assert!(
            problems[0]
                .detail
                .starts_with("view population changed since version 1 was approved ("),
            "{}",
            problems[0]
        );
        assert!(problems[0]
            .detail
            .ends_with("raise `version` and approve again"));

        let mut edited = with_view("ncmec_reports", |t| format!("{t}\n"));
        *edited.functions.get_mut("survey_proportion").unwrap() += 1;
        let problems = check_in(&catalog, &edited);
        let details: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.id.as_str(), p.detail.split(" since ").next().unwrap()))
            .collect();
        assert_eq!(
            details,
            [
                ("ATTRITION_PMP_PER_10K_NCMEC", "view ncmec_reports changed"),
                ("NCMEC_MA_REPORTS", "view ncmec_reports changed"),
                ("NCMEC_MA_REPORTS_PER_1000", "view ncmec_reports changed"),
                ("NCMEC_MA_WORLD_SHARE", "view ncmec_reports changed"),
                ("SDG_16_2_3", "function survey_proportion changed (1 → 2)"),
            ]
        );

        // A setting in the catalogue file: named with its old and new values.
        let toml = catalog_dir.join("SDG_16_2_3.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        let text = text.replacen("lonely_psu = \"fail\"", "lonely_psu = \"certainty\"", 1);
        std::fs::write(&toml, text).unwrap();
        let problems = check(&Catalog::from_dir(&catalog_dir).unwrap());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .detail
                .starts_with("setting lonely_psu changed (fail → certainty) since version 1"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn an_approval_before_the_hash_covered_views_is_renewed_under_the_same_version() {
        let (dir, catalog_dir) = checkout();
        // The shipped records may already be renewed: put a record of the old kind back.
        let toml = catalog_dir.join("PMP_AESE_CASES.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        let text = text.split("[[approval]]").next().unwrap().to_string();
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let legacy = catalog.get("PMP_AESE_CASES").unwrap().legacy_hash();
        std::fs::write(
            &toml,
            format!(
                "{text}[[approval]]\nversion = 1\nby = \"Comité\"\nreference = \"DEC-1\"\n\
                 at = \"2026-11-23T00:00:00Z\"\ndefinition_hash = \"{legacy}\"\n"
            ),
        )
        .unwrap();
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let problems: Vec<_> = check(&catalog)
            .into_iter()
            .filter(|p| p.id == "PMP_AESE_CASES")
            .collect();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].detail.ends_with(
                "its files are unchanged: approve version 1 again (no new version needed)"
            ),
            "{}",
            problems[0]
        );

        // Its SQL changed since: the old hash no longer matches, a new version is needed.
        let sql = dir.path().join("sql/indicators/PMP_AESE_CASES.sql");
        let original = std::fs::read_to_string(&sql).unwrap();
        std::fs::write(&sql, format!("{original}\n")).unwrap();
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let ind = catalog.get("PMP_AESE_CASES").unwrap();
        let err = approve(ind, "Comité", "DEC-2", "2026-12-01T00:00:00Z").unwrap_err();
        assert!(
            err.to_string()
                .contains("(the definition or SQL changed); raise `version`"),
            "{err}"
        );

        // Unchanged: approved again under version 1, with the parts; both records kept.
        std::fs::write(&sql, original).unwrap();
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let ind = catalog.get("PMP_AESE_CASES").unwrap();
        assert!(matches!(
            approve(ind, "Comité", "DEC-2", "2026-12-01T00:00:00Z").unwrap(),
            Approved::Recorded { version: 1, .. }
        ));
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let ind = catalog.get("PMP_AESE_CASES").unwrap();
        assert!(check(&catalog).iter().all(|p| p.id != "PMP_AESE_CASES"));
        assert_eq!(ind.def.approval.len(), 2);
        let record = ind.current_approval().unwrap();
        assert_eq!(record.reference, "DEC-2");
        assert_eq!(record.parts, ind.hash_parts());
        assert_eq!(
            record.parts.keys().collect::<Vec<_>>(),
            [
                "metadata",
                "sql",
                "view latest_file_per_year",
                "view pmp_case_table"
            ]
        );
    }

    #[test]
    fn survey_settings_are_checked_when_loaded() {
        let load = |id: &str, section: &str| {
            let (_dir, catalog_dir) = checkout();
            let toml = catalog_dir.join(format!("{id}.toml"));
            let text = std::fs::read_to_string(&toml).unwrap();
            // The shipped SDG_16_2_3 states the default: replace it.
            let text = text.replacen("[survey]\nlonely_psu = \"fail\"\n", "", 1);
            std::fs::write(
                &toml,
                text.replacen("[name]", &format!("{section}\n[name]"), 1),
            )
            .unwrap();
            Catalog::from_dir(&catalog_dir).map(|c| c.get(id).unwrap().lonely_psu())
        };
        use marsad_warehouse::survey::LonelyPsu;
        assert_eq!(
            load("SDG_16_2_3", "[survey]\nlonely_psu = \"centre\"").unwrap(),
            LonelyPsu::Centre
        );
        let err = load("SDG_16_2_3", "[survey]\nlonely_psu = \"drop\"").unwrap_err();
        assert!(
            err.to_string()
                .contains("lonely_psu `drop`: expected fail, certainty or centre"),
            "{err}"
        );
        let err = load("SDG_16_2_3", "[survey]\nlonely = \"fail\"").unwrap_err();
        assert!(err.to_string().contains("unknown field `lonely`"), "{err}");
        let err = load("EMC_REPORTS", "[survey]\nlonely_psu = \"certainty\"").unwrap_err();
        assert!(
            err.to_string()
                .contains("a `[survey]` section, but the SQL calls no survey aggregate"),
            "{err}"
        );
    }

    #[test]
    fn approval_is_refused_while_a_text_lacks_a_language() {
        let (_dir, catalog_dir) = checkout();
        // A language left out of the file loads (a draft may be incomplete) and blocks approval.
        let toml = catalog_dir.join("EMC_REPORTS_AGE_SHARE.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        let text = text.replacen("ar = \"توزيع التبليغات حسب عمر الضحية\"\n", "", 1);
        std::fs::write(&toml, text).unwrap();
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let ind = catalog.get("EMC_REPORTS_AGE_SHARE").unwrap();
        assert_eq!(ind.def.name.ar, "");
        let approve = |ind: &Indicator| {
            approve(ind, "Comité", "DEC-9", "2026-12-01T00:00:00Z")
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            approve(ind),
            "indicator EMC_REPORTS_AGE_SHARE: cannot approve: incomplete metadata: name lacks ar"
        );
        // `check` says the same of an approved indicator.
        let problems = check(&catalog);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].detail, "incomplete metadata: name lacks ar");

        // Each language of each kind of text: definition (fr), a caveat (en), the unit label
        // (ar, then missing altogether).
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let base = catalog.get("PMP_AESE_CASES").unwrap();
        let mut ind = base.clone();
        ind.def.definition.fr = "  ".into();
        assert_eq!(
            approve(&ind),
            "indicator PMP_AESE_CASES: cannot approve: incomplete metadata: definition lacks fr"
        );
        let mut ind = base.clone();
        ind.def.caveats[0].text.en.clear();
        assert_eq!(
            approve(&ind),
            "indicator PMP_AESE_CASES: cannot approve: incomplete metadata: caveats[0] lacks en"
        );
        let mut ind = base.clone();
        ind.def.unit_label.as_mut().unwrap().ar.clear();
        ind.def.name.fr.clear();
        assert_eq!(
            approve(&ind),
            "indicator PMP_AESE_CASES: cannot approve: incomplete metadata: name lacks fr; unit_label lacks ar"
        );
        let mut ind = base.clone();
        ind.def.unit_label = None;
        assert_eq!(
            approve(&ind),
            "indicator PMP_AESE_CASES: cannot approve: incomplete metadata: unit_label is missing (give it in fr, ar and en)"
        );
        // Complete, it is approved (its hash is unchanged: nothing to record).
        assert_eq!(
            super::approve(base, "Comité", "DEC-9", "2026-12-01T00:00:00Z").unwrap(),
            Approved::AlreadyApproved { version: 1 }
        );
    }

    #[test]
    fn a_discouraged_term_fails_check_and_approval_in_each_language() {
        let (_dir, catalog_dir) = checkout();
        let catalog = Catalog::from_dir(&catalog_dir).unwrap();
        let base = catalog.get("PMP_AESE_CASES").unwrap();
        let refused = |ind: &Indicator| {
            approve(ind, "Comité", "DEC-9", "2026-12-01T00:00:00Z")
                .unwrap_err()
                .to_string()
        };
        let mut ind = base.clone();
        ind.def
            .definition
            .fr
            .push_str(" Y compris la pédopornographie.");
        assert_eq!(
            refused(&ind),
            "indicator PMP_AESE_CASES: cannot approve: definition (fr): discouraged term \"pédopornographie\"; use \"matériel d'abus sexuel sur enfants\" (Luxembourg Guidelines)"
        );
        let mut ind = base.clone();
        ind.def.name.ar = "قضايا دعارة الأطفال".into();
        assert_eq!(
            refused(&ind),
            "indicator PMP_AESE_CASES: cannot approve: name (ar): discouraged term \"دعارة الأطفال\"; use \"الاستغلال الجنسي للأطفال\" (Luxembourg Guidelines)"
        );
        let mut ind = base.clone();
        ind.def.caveats[0].text.en = "Cases of child pornography only.".into();
        assert_eq!(
            refused(&ind),
            "indicator PMP_AESE_CASES: cannot approve: caveats[0] (en): discouraged term \"child pornography\"; use \"child sexual abuse material\" (Luxembourg Guidelines)"
        );
        // The ICCS label, quoted as such, is allowed.
        let mut ind = base.clone();
        ind.def.caveats[0].text.en =
            "Cases under article 503-2, {ICCS 030221 \"Child pornography\"}.".into();
        assert_eq!(
            approve(&ind, "Comité", "DEC-9", "2026-12-01T00:00:00Z").unwrap(),
            Approved::AlreadyApproved { version: 1 }
        );

        // `check` flags a term in a file, a draft's too, naming the preferred term.
        let toml = catalog_dir.join("DATA_COMPLETENESS.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        let planted = text.replacen("[name]\nfr = \"", "[name]\nfr = \"Tourisme sexuel : ", 1);
        assert_ne!(planted, text);
        std::fs::write(&toml, planted).unwrap();
        let problems = check(&Catalog::from_dir(&catalog_dir).unwrap());
        assert_eq!(
            problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            [format!(
                "DATA_COMPLETENESS ({}): name (fr): discouraged term \"tourisme sexuel\"; use \"exploitation sexuelle des enfants dans le contexte des voyages et du tourisme\" (Luxembourg Guidelines)",
                toml.display()
            )]
        );
    }

    #[test]
    fn caveats_and_unit_labels_are_outside_the_definition_hash() {
        let catalog = Catalog::embedded().unwrap();
        let ind = catalog.get("PMP_AESE_CASES").unwrap();
        assert_eq!(ind.def.caveats.len(), 2);
        let mut edited = ind.clone();
        edited.def.caveats.clear();
        edited.def.unit_label = None;
        assert_eq!(edited.definition_hash(), ind.definition_hash());
        // The shipped approvals still match (the caveats were added after them).
        assert_eq!(
            ind.current_approval().unwrap().definition_hash,
            ind.definition_hash()
        );
    }
}
