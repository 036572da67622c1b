//! What an indicator's SQL depends on beyond its own files, found by parsing it (no warehouse
//! needed, so CI checks it without data): the conformed views it reads, directly or through
//! another view, the Marsad SQL functions it calls and the tables built in code it reads. The
//! definition hash ([`crate::catalog`]) covers them.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::sync::OnceLock;

use datafusion::sql::sqlparser::ast::{visit_expressions, visit_relations, Expr, ObjectName};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use marsad_warehouse::survey_sql;

/// What an indicator's numbers depend on beyond its own files: the conformed views (name → SQL
/// text), the versions of Marsad's SQL functions, and fingerprints of the tables built in code.
/// [`Environment::embedded`] is this build's; tests build others.
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    pub views: BTreeMap<String, String>,
    pub functions: BTreeMap<String, u32>,
    /// Tables built in code, by the name SQL reads them under (`dim_region`; `survey.*` for
    /// every design view), with their fingerprint.
    pub tables: BTreeMap<String, String>,
}

/// The name [`Environment::tables`] gives every `survey.<id>` design view.
pub const DESIGN_VIEWS: &str = "survey.*";

impl Environment {
    /// The views embedded from `sql/views/`, the survey aggregates' versions, the dimension
    /// tables' contents and the design views' version, as this build runs them.
    pub fn embedded() -> &'static Environment {
        static ENV: OnceLock<Environment> = OnceLock::new();
        ENV.get_or_init(|| {
            let mut tables: BTreeMap<String, String> =
                marsad_warehouse::session::dimension_fingerprints()
                    .into_iter()
                    .map(|(name, hash)| (name.to_string(), hash))
                    .collect();
            tables.insert(
                DESIGN_VIEWS.to_string(),
                format!("version {}", survey_sql::DESIGN_VIEW_VERSION),
            );
            Environment {
                views: marsad_warehouse::views::VIEWS
                    .iter()
                    .map(|(name, sql)| (name.to_string(), sql.to_string()))
                    .collect(),
                functions: survey_sql::FUNCTIONS
                    .iter()
                    .map(|(name, _, version)| (name.to_string(), *version))
                    .collect(),
                tables,
            }
        })
    }
}

/// What a query reads and calls among the things an [`Environment`] knows, views followed
/// transitively. Tables of data (`staging.*`, `registry.*`…) and the query's own CTEs are not
/// listed; a CTE named like a view counts as reading the view (it errs on the safe side).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reads {
    pub views: BTreeSet<String>,
    pub functions: BTreeSet<String>,
    pub tables: BTreeSet<String>,
    /// Views that call a survey aggregate themselves.
    pub views_calling_survey: BTreeSet<String>,
}

impl Reads {
    pub fn calls_survey_aggregate(&self) -> bool {
        self.functions
            .iter()
            .any(|f| survey_sql::FUNCTIONS.iter().any(|(name, _, _)| name == f))
    }
}

/// The tables and functions a query names, as DataFusion resolves identifiers (unquoted ones
/// lower-cased).
fn names_in(sql: &str) -> std::result::Result<(Vec<Vec<String>>, Vec<String>), String> {
    let statements = Parser::parse_sql(&GenericDialect {}, sql)
        .map_err(|e| format!("SQL does not parse: {e}"))?;
    let normalise = |name: &ObjectName| -> Vec<String> {
        name.0
            .iter()
            .map(|part| match part.as_ident() {
                Some(i) if i.quote_style.is_none() => i.value.to_lowercase(),
                Some(i) => i.value.clone(),
                None => part.to_string(),
            })
            .collect()
    };
    let mut relations = Vec::new();
    let _ = visit_relations(&statements, |name| {
        relations.push(normalise(name));
        ControlFlow::<()>::Continue(())
    });
    let mut functions = Vec::new();
    let _ = visit_expressions(&statements, |expr| {
        if let Expr::Function(f) = expr {
            if let Some(last) = normalise(&f.name).pop() {
                functions.push(last);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    Ok((relations, functions))
}

/// What `sql` reads and calls in `env` (see [`Reads`]).
pub(crate) fn reads(sql: &str, env: &Environment) -> std::result::Result<Reads, String> {
    let mut out = Reads::default();
    // (text, the view it is, if any): the query, then each view found, once.
    let mut pending: Vec<(String, Option<String>)> = vec![(sql.to_string(), None)];
    while let Some((text, view)) = pending.pop() {
        let (relations, functions) = names_in(&text).map_err(|e| match &view {
            Some(v) => format!("view {v}: {e}"),
            None => e,
        })?;
        for f in functions {
            if env.functions.contains_key(&f) {
                if let Some(v) = &view {
                    if survey_sql::FUNCTIONS.iter().any(|(name, _, _)| *name == f) {
                        out.views_calling_survey.insert(v.clone());
                    }
                }
                out.functions.insert(f);
            }
        }
        for parts in relations {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            let (schema, name) = match parts.as_slice() {
                [name] | ["public", name] | ["datafusion", "public", name] => (None, *name),
                [schema, name] | ["datafusion", schema, name] => (Some(*schema), *name),
                _ => continue,
            };
            match schema {
                None if env.views.contains_key(name) => {
                    // A view read twice is followed once.
                    let first = out.views.insert(name.to_string());
                    if first {
                        pending.push((env.views[name].clone(), Some(name.to_string())));
                    }
                }
                None if env.tables.contains_key(name) => {
                    out.tables.insert(name.to_string());
                }
                Some(s)
                    if s == survey_sql::DESIGN_SCHEMA && env.tables.contains_key(DESIGN_VIEWS) =>
                {
                    out.tables.insert(DESIGN_VIEWS.to_string());
                }
                _ => {}
            }
        }
    }
    Ok(out)
}
