//! The session statements PostgreSQL clients send on connect and around their queries — the
//! SETs and SHOWs of psql, DBeaver, Metabase, psycopg and pgjdbc, and BEGIN/COMMIT/ROLLBACK —
//! answered here, per connection, without touching the shared DataFusion context. Everything
//! else (other SETs included) goes to `query::run`, which refuses it.
//!
//! A SET only changes what this connection reports back (ParameterStatus, SHOW); the one that
//! acts is `statement_timeout`, which can lower (never raise) the budget's time limit for the
//! connection's queries. Transactions are accepted and mean nothing: every query reads one
//! snapshot and nothing can be written.

use std::time::Duration;

use datafusion::sql::sqlparser::ast::{Expr, Set, Statement};

/// Variables a client may SET, and the name PostgreSQL reports them under in ParameterStatus
/// (`None`: not reported).
const SETTABLE: &[(&str, Option<&str>)] = &[
    ("extra_float_digits", Some("extra_float_digits")),
    ("application_name", Some("application_name")),
    ("datestyle", Some("DateStyle")),
    ("search_path", Some("search_path")),
    ("statement_timeout", None),
    ("timezone", Some("TimeZone")),
    ("client_encoding", Some("client_encoding")),
    ("intervalstyle", Some("IntervalStyle")),
    ("bytea_output", Some("bytea_output")),
];

/// What SHOW answers for a variable nobody has SET on this connection: the values sent at login
/// (pgwire's defaults) and the fixed facts of this server.
const DEFAULTS: &[(&str, &str)] = &[
    ("extra_float_digits", "1"),
    ("datestyle", "ISO, YMD"),
    ("search_path", "public"),
    ("statement_timeout", "0"),
    ("timezone", "Etc/UTC"),
    ("client_encoding", "UTF8"),
    ("server_encoding", "UTF8"),
    ("standard_conforming_strings", "on"),
    ("integer_datetimes", "on"),
    ("transaction_isolation", "read committed"),
    ("transaction_read_only", "on"),
    ("default_transaction_read_only", "on"),
    ("max_identifier_length", "63"),
    ("lc_collate", "C"),
    ("lc_ctype", "C"),
    ("intervalstyle", "postgres"),
    ("bytea_output", "hex"),
];

/// A statement answered here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionStatement {
    /// SET of an allowed variable (lower-case name) to `value`.
    Set {
        variable: String,
        value: String,
    },
    /// SET TRANSACTION / SET SESSION CHARACTERISTICS AS TRANSACTION …: accepted, no effect.
    SetTransaction,
    /// SHOW of a variable answered from this connection (lower-case name).
    Show {
        variable: String,
    },
    Begin,
    Commit,
    Rollback,
}

/// The session statement `statement` is, if it is one answered here.
pub fn classify(statement: &Statement) -> Option<SessionStatement> {
    match statement {
        Statement::Set(Set::SingleAssignment {
            hivevar: false,
            variable,
            values,
            ..
        }) => {
            let name = variable.to_string().to_ascii_lowercase();
            settable(&name)?;
            Some(SessionStatement::Set {
                variable: name,
                value: values.iter().map(value_text).collect::<Vec<_>>().join(", "),
            })
        }
        Statement::Set(Set::SetTimeZone { value, .. }) => Some(SessionStatement::Set {
            variable: "timezone".into(),
            value: value_text(value),
        }),
        Statement::Set(Set::SetTransaction { .. }) => Some(SessionStatement::SetTransaction),
        Statement::ShowVariable { variable } => {
            let name = variable
                .iter()
                .map(|i| i.value.to_ascii_lowercase())
                .collect::<Vec<_>>()
                .join(" ");
            let name = if name == "time zone" {
                "timezone".to_string()
            } else {
                name
            };
            let known = name == "server_version"
                || settable(&name).is_some()
                || DEFAULTS.iter().any(|(k, _)| *k == name);
            known.then_some(SessionStatement::Show { variable: name })
        }
        Statement::StartTransaction {
            statements,
            exception: None,
            ..
        } if statements.is_empty() => Some(SessionStatement::Begin),
        Statement::Commit { chain: false, .. } => Some(SessionStatement::Commit),
        Statement::Rollback {
            chain: false,
            savepoint: None,
        } => Some(SessionStatement::Rollback),
        _ => None,
    }
}

/// The ParameterStatus name of a settable variable (`Some(None)`: settable, not reported).
fn settable(name: &str) -> Option<Option<&'static str>> {
    SETTABLE.iter().find(|(k, _)| *k == name).map(|(_, r)| *r)
}

/// The name a SET variable is reported under, if it is reported.
pub fn reported_name(variable: &str) -> Option<&'static str> {
    settable(variable).flatten()
}

/// The text of a SET value: strings unquoted, `TO ISO` as `ISO`, numbers as written.
fn value_text(expr: &Expr) -> String {
    match expr {
        Expr::Value(v) => v.clone().into_string().unwrap_or_else(|| v.to_string()),
        Expr::Identifier(i) => i.value.clone(),
        other => other.to_string(),
    }
}

/// The connection metadata key holding a SET value: the variable's lower-case name, where
/// pgwire also keeps the startup parameters (`application_name`, …) and where its row encoders
/// read `datestyle`, `intervalstyle`, `bytea_output` and `extra_float_digits`.
pub fn key(variable: &str) -> String {
    variable.to_string()
}

/// What SHOW `variable` answers, given what this connection SET (`set`).
pub fn show(variable: &str, set: Option<&str>, server_version: &str) -> String {
    if variable == "server_version" {
        return server_version.to_string();
    }
    if let Some(v) = set {
        return v.to_string();
    }
    DEFAULTS
        .iter()
        .find(|(k, _)| *k == variable)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

/// A `statement_timeout` value as PostgreSQL reads it: milliseconds by default, or with a unit
/// (`ms`, `s`, `min`, `h`); `0` means none.
pub fn parse_timeout(value: &str) -> Result<Option<Duration>, String> {
    let v = value.trim().to_ascii_lowercase();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let n: u64 = number.parse().map_err(|_| {
        format!("invalid value for statement_timeout: \"{value}\" (a number of milliseconds, or with ms, s, min or h)")
    })?;
    let ms = match unit.trim() {
        "" | "ms" => n,
        "s" => n.saturating_mul(1_000),
        "min" => n.saturating_mul(60_000),
        "h" => n.saturating_mul(3_600_000),
        _ => {
            return Err(format!(
                "invalid value for statement_timeout: \"{value}\" (a number of milliseconds, or with ms, s, min or h)"
            ))
        }
    };
    Ok((ms > 0).then(|| Duration::from_millis(ms)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion_postgres::datafusion_pg_catalog::sql::PostgresCompatibilityParser;

    fn one(sql: &str) -> Option<SessionStatement> {
        let statements = PostgresCompatibilityParser::new().parse(sql).unwrap();
        assert_eq!(statements.len(), 1, "{sql}");
        classify(&statements[0])
    }

    fn set(variable: &str, value: &str) -> Option<SessionStatement> {
        Some(SessionStatement::Set {
            variable: variable.into(),
            value: value.into(),
        })
    }

    #[test]
    fn the_connect_statements_of_common_clients_are_answered_here() {
        assert_eq!(
            one("SET extra_float_digits = 3"),
            set("extra_float_digits", "3")
        );
        assert_eq!(
            one("SET application_name = 'PostgreSQL JDBC Driver'"),
            set("application_name", "PostgreSQL JDBC Driver")
        );
        assert_eq!(one("SET DateStyle = 'ISO'"), set("datestyle", "ISO"));
        assert_eq!(
            one("SET datestyle TO ISO, MDY"),
            set("datestyle", "ISO, MDY")
        );
        assert_eq!(
            one("SET search_path TO public"),
            set("search_path", "public")
        );
        assert_eq!(
            one("SET statement_timeout = 5000"),
            set("statement_timeout", "5000")
        );
        assert_eq!(
            one("SET TIME ZONE 'Africa/Casablanca'"),
            set("timezone", "Africa/Casablanca")
        );
        assert_eq!(
            one("SET client_encoding = 'UTF8'"),
            set("client_encoding", "UTF8")
        );
        assert_eq!(
            one("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED"),
            Some(SessionStatement::SetTransaction)
        );
        assert_eq!(
            one("SHOW transaction_isolation"),
            Some(SessionStatement::Show {
                variable: "transaction_isolation".into()
            })
        );
        assert_eq!(
            one("show time zone"),
            Some(SessionStatement::Show {
                variable: "timezone".into()
            })
        );
        assert_eq!(one("BEGIN"), Some(SessionStatement::Begin));
        assert_eq!(one("COMMIT"), Some(SessionStatement::Commit));
        assert_eq!(one("ROLLBACK"), Some(SessionStatement::Rollback));
    }

    #[test]
    fn other_statements_go_to_the_query_path() {
        for sql in [
            "SET datafusion.runtime.memory_limit = '1G'",
            "SET datafusion.execution.batch_size = 1",
            "SET work_mem = '1GB'",
            "SET ROLE postgres",
            "RESET ALL",
            "SHOW ALL",
            "SHOW datafusion.execution.batch_size",
            "ROLLBACK TO SAVEPOINT a",
            "select 1",
            "create table t(a int)",
        ] {
            assert_eq!(one(sql), None, "{sql}");
        }
    }

    #[test]
    fn statement_timeouts_read_like_postgres() {
        assert_eq!(parse_timeout("5000"), Ok(Some(Duration::from_millis(5000))));
        assert_eq!(parse_timeout("5s"), Ok(Some(Duration::from_secs(5))));
        assert_eq!(parse_timeout("2min"), Ok(Some(Duration::from_secs(120))));
        assert_eq!(parse_timeout("0"), Ok(None));
        assert_eq!(
            parse_timeout("soon"),
            Err("invalid value for statement_timeout: \"soon\" (a number of milliseconds, or with ms, s, min or h)".into())
        );
        assert_eq!(show("timezone", None, "16"), "Etc/UTC");
        assert_eq!(
            show("timezone", Some("Africa/Casablanca"), "16"),
            "Africa/Casablanca"
        );
    }
}
