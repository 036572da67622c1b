//! The server's settings, said once: name, environment variable, default and why ([`SETTINGS`],
//! the server's own, plus the query budget's, `marsad_warehouse::query::settings::SETTINGS`).
//! [`Config::resolve`] reads each from, in order of precedence, a flag, the environment, the
//! optional `marsad.toml`, and the default written here; `docs/settings.md` documents each (a
//! test checks it does). Unknown keys of `marsad.toml` are refused with the key named, so a
//! mistyped limit is never silently the default.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use marsad_warehouse::query::settings::{
    self as query_settings, parse_bytes, parse_count, parse_duration, Limits, Setting,
};

pub const LISTEN: Setting = Setting {
    name: "listen",
    env: "MARSAD_LISTEN",
    default: "127.0.0.1:8080",
    help: "Address of the HTTP API (port 0: any free port). Loopback by default: put a TLS \
           proxy in front before opening it to a network.",
};

pub const PG_LISTEN: Setting = Setting {
    name: "pg-listen",
    env: "MARSAD_PG_LISTEN",
    default: "127.0.0.1:5433",
    help: "Address of the PostgreSQL protocol (port 0: any free port). 5433, not 5432, so a \
           local PostgreSQL keeps its port.",
};

pub const BODY_LIMIT: Setting = Setting {
    name: "body-limit",
    env: "MARSAD_BODY_LIMIT",
    default: "2MiB",
    help: "Size of a request body (SQL text, JSON) except uploads; larger bodies get 413. Twice \
           the SQL size limit (max-sql), so a query at its limit still fits in JSON.",
};

pub const UPLOAD_LIMIT: Setting = Setting {
    name: "upload-limit",
    env: "MARSAD_UPLOAD_LIMIT",
    default: "1GiB",
    help: "Size of one uploaded feed file (ingest); larger uploads get 413 and nothing is \
           ingested. The largest agency file seen is a yearly referral export of a few hundred MB.",
};

pub const HEADER_TIMEOUT: Setting = Setting {
    name: "header-timeout",
    env: "MARSAD_HEADER_TIMEOUT",
    default: "10s",
    help: "Time a client has to send a request's headers; then the connection is closed, so slow \
           clients cannot hold connections open.",
};

pub const SHUTDOWN_TIMEOUT: Setting = Setting {
    name: "shutdown-timeout",
    env: "MARSAD_SHUTDOWN_TIMEOUT",
    default: "30s",
    help: "On SIGTERM or Ctrl-C, time in-flight requests have to finish before the server exits \
           anyway (new connections are refused at once). Equal to the query timeout, so a query \
           started just before can end.",
};

pub const QUEUE: Setting = Setting {
    name: "queue",
    env: "MARSAD_QUERY_QUEUE",
    default: "8",
    help: "SQL requests that may wait for a query slot (concurrency) at once; beyond them the \
           answer is 503 with Retry-After, rather than a long wait that ties up a connection.",
};

pub const PG_TLS_CERT: Setting = Setting {
    name: "pg-tls-cert",
    env: "MARSAD_PG_TLS_CERT",
    default: "",
    help: "PEM certificate chain of the PostgreSQL protocol (with pg-tls-key): TLS on. Empty: no \
           TLS, and then only loopback clients may log in. A certificate or key that cannot be \
           loaded stops the server from starting; it never falls back to plaintext.",
};

pub const PG_TLS_KEY: Setting = Setting {
    name: "pg-tls-key",
    env: "MARSAD_PG_TLS_KEY",
    default: "",
    help: "PEM private key (PKCS#8, PKCS#1 or SEC1) of pg-tls-cert.",
};

/// The server's own settings, in the order `docs/settings.md` lists them.
pub const SETTINGS: &[Setting] = &[
    LISTEN,
    PG_LISTEN,
    PG_TLS_CERT,
    PG_TLS_KEY,
    BODY_LIMIT,
    UPLOAD_LIMIT,
    HEADER_TIMEOUT,
    SHUTDOWN_TIMEOUT,
    QUEUE,
];

/// The key of `marsad.toml` naming the data directory (the CLI's global `--data-dir` and
/// `MARSAD_DATA_DIR` take precedence).
pub const DATA_DIR_KEY: &str = "data-dir";

/// What was wrong with a setting.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("cannot read {file}: {cause}")]
    Read { file: String, cause: String },
    #[error("{file}: {cause}")]
    File { file: String, cause: String },
    #[error("setting `{name}` (from {from}): {cause}")]
    Value {
        name: String,
        from: String,
        cause: String,
    },
    #[error("unknown setting `{0}`")]
    Unknown(String),
}

/// Every setting of a running server.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Data directory from `marsad.toml`, when it gives one.
    pub data_dir: Option<String>,
    pub listen: SocketAddr,
    pub pg_listen: SocketAddr,
    /// Certificate and key of the PostgreSQL protocol's TLS (`None`: not given).
    pub pg_tls_cert: Option<PathBuf>,
    pub pg_tls_key: Option<PathBuf>,
    pub body_limit: usize,
    pub upload_limit: usize,
    pub header_timeout: Duration,
    pub shutdown_timeout: Duration,
    /// SQL requests that may wait for a slot beyond the `concurrency` running ones.
    pub queue: usize,
    /// The query budget (concurrency included).
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        let no_flags = BTreeMap::new();
        // The defaults are constants of this file and of the query settings, checked by a test.
        Config::resolve(None, &no_flags, &|_| None).unwrap_or_else(|e| {
            unreachable!("a default setting does not parse: {e}");
        })
    }
}

/// One value of `marsad.toml`: text, or a bare number (`concurrency = 4`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
enum Raw {
    Text(String),
    Int(i64),
}

impl Raw {
    fn text(self) -> String {
        match self {
            Raw::Text(s) => s,
            Raw::Int(n) => n.to_string(),
        }
    }
}

/// `marsad.toml`: every key optional, unknown keys refused (serde names the key and the
/// expected ones).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    data_dir: Option<Raw>,
    listen: Option<Raw>,
    pg_listen: Option<Raw>,
    pg_tls_cert: Option<Raw>,
    pg_tls_key: Option<Raw>,
    body_limit: Option<Raw>,
    upload_limit: Option<Raw>,
    header_timeout: Option<Raw>,
    shutdown_timeout: Option<Raw>,
    queue: Option<Raw>,
    timeout: Option<Raw>,
    max_rows: Option<Raw>,
    memory: Option<Raw>,
    max_result: Option<Raw>,
    max_value: Option<Raw>,
    max_sql: Option<Raw>,
    max_depth: Option<Raw>,
    concurrency: Option<Raw>,
    max_spill: Option<Raw>,
}

impl File {
    fn into_map(self) -> BTreeMap<&'static str, String> {
        let pairs = [
            (DATA_DIR_KEY, self.data_dir),
            (LISTEN.name, self.listen),
            (PG_LISTEN.name, self.pg_listen),
            (PG_TLS_CERT.name, self.pg_tls_cert),
            (PG_TLS_KEY.name, self.pg_tls_key),
            (BODY_LIMIT.name, self.body_limit),
            (UPLOAD_LIMIT.name, self.upload_limit),
            (HEADER_TIMEOUT.name, self.header_timeout),
            (SHUTDOWN_TIMEOUT.name, self.shutdown_timeout),
            (QUEUE.name, self.queue),
            (query_settings::TIMEOUT.name, self.timeout),
            (query_settings::MAX_ROWS.name, self.max_rows),
            (query_settings::MEMORY.name, self.memory),
            (query_settings::MAX_RESULT.name, self.max_result),
            (query_settings::MAX_VALUE.name, self.max_value),
            (query_settings::MAX_SQL.name, self.max_sql),
            (query_settings::MAX_DEPTH.name, self.max_depth),
            (query_settings::CONCURRENCY.name, self.concurrency),
            (query_settings::MAX_SPILL.name, self.max_spill),
        ];
        pairs
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v.text())))
            .collect()
    }
}

/// Every setting a server reads: its own and the query budget's.
pub fn all_settings() -> impl Iterator<Item = &'static Setting> {
    SETTINGS.iter().chain(query_settings::SETTINGS.iter())
}

impl Config {
    /// The settings from `flags` (name → value as given), then `env` (variable → value), then
    /// the file `file` (`marsad.toml`), then the defaults.
    pub fn resolve(
        file: Option<&Path>,
        flags: &BTreeMap<String, String>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        if let Some(name) = flags.keys().find(|k| !all_settings().any(|s| s.name == *k)) {
            return Err(ConfigError::Unknown(name.clone()));
        }
        let from_file = match file {
            Some(path) => read_file(path)?,
            None => BTreeMap::new(),
        };
        let file_name = file.map(|p| p.display().to_string()).unwrap_or_default();
        // (value, where it came from) of one setting.
        let pick = |s: &Setting| -> (String, String) {
            if let Some(v) = flags.get(s.name) {
                (v.clone(), format!("--{}", s.name))
            } else if let Some(v) = env(s.env) {
                (v, s.env.to_string())
            } else if let Some(v) = from_file.get(s.name) {
                (v.clone(), file_name.clone())
            } else {
                (s.default.to_string(), "the default".to_string())
            }
        };
        fn get<T>(
            s: &Setting,
            pick: &dyn Fn(&Setting) -> (String, String),
            parse: fn(&str) -> Result<T, String>,
        ) -> Result<T, ConfigError> {
            let (value, from) = pick(s);
            parse(&value).map_err(|cause| ConfigError::Value {
                name: s.name.to_string(),
                from,
                cause,
            })
        }
        let addr = |t: &str| -> Result<SocketAddr, String> {
            t.trim().parse().map_err(|_| {
                format!("`{t}` is not an address with a port (e.g. 127.0.0.1:8080, [::1]:8080)")
            })
        };
        Ok(Config {
            data_dir: from_file.get(DATA_DIR_KEY).cloned(),
            listen: get(&LISTEN, &pick, addr)?,
            pg_listen: get(&PG_LISTEN, &pick, addr)?,
            pg_tls_cert: get(&PG_TLS_CERT, &pick, optional_path)?,
            pg_tls_key: get(&PG_TLS_KEY, &pick, optional_path)?,
            body_limit: get(&BODY_LIMIT, &pick, parse_bytes)?,
            upload_limit: get(&UPLOAD_LIMIT, &pick, parse_bytes)?,
            header_timeout: get(&HEADER_TIMEOUT, &pick, parse_duration)?,
            shutdown_timeout: get(&SHUTDOWN_TIMEOUT, &pick, parse_duration)?,
            queue: get(&QUEUE, &pick, parse_count)?,
            limits: Limits {
                timeout: get(&query_settings::TIMEOUT, &pick, parse_duration)?,
                max_rows: get(&query_settings::MAX_ROWS, &pick, parse_count)?,
                memory: get(&query_settings::MEMORY, &pick, parse_bytes)?,
                max_result: get(&query_settings::MAX_RESULT, &pick, parse_bytes)?,
                max_value: get(&query_settings::MAX_VALUE, &pick, parse_bytes)?,
                max_sql: get(&query_settings::MAX_SQL, &pick, parse_bytes)?,
                max_depth: get(&query_settings::MAX_DEPTH, &pick, parse_count)?,
                concurrency: get(&query_settings::CONCURRENCY, &pick, parse_count)?,
                max_spill: get(&query_settings::MAX_SPILL, &pick, parse_bytes)? as u64,
            },
        })
    }
}

/// A path setting that may be left empty (not given).
fn optional_path(t: &str) -> Result<Option<PathBuf>, String> {
    let t = t.trim();
    Ok((!t.is_empty()).then(|| PathBuf::from(t)))
}

fn read_file(path: &Path) -> Result<BTreeMap<&'static str, String>, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        file: file.clone(),
        cause: e.to_string(),
    })?;
    let parsed: File = toml::from_str(&text).map_err(|e| ConfigError::File {
        file,
        cause: e.message().to_string(),
    })?;
    Ok(parsed.into_map())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        let c = Config::default();
        assert_eq!(c.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(c.pg_listen, "127.0.0.1:5433".parse().unwrap());
        assert_eq!(c.body_limit, 2 << 20);
        assert_eq!(c.upload_limit, 1 << 30);
        assert_eq!(c.header_timeout, Duration::from_secs(10));
        assert_eq!(c.shutdown_timeout, Duration::from_secs(30));
        assert_eq!(c.queue, 8);
        assert_eq!(c.limits, Limits::default());
        assert_eq!(c.data_dir, None);
    }

    #[test]
    fn flag_over_env_over_file_over_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("marsad.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\nqueue = 3\nconcurrency = 4\ntimeout = \"5s\"\n\
             data-dir = \"/srv/marsad\"\n",
        )
        .unwrap();
        let flags: BTreeMap<String, String> = [("queue".to_string(), "2".to_string())].into();
        let env = |v: &str| (v == "MARSAD_QUERY_TIMEOUT").then(|| "7s".to_string());
        let c = Config::resolve(Some(&path), &flags, &env).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(c.queue, 2);
        assert_eq!(c.limits.concurrency, 4);
        assert_eq!(c.limits.timeout, Duration::from_secs(7));
        assert_eq!(c.data_dir.as_deref(), Some("/srv/marsad"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("marsad.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\nmax_rows = 5\n").unwrap();
        let err = Config::resolve(Some(&path), &BTreeMap::new(), &|_| None).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("{}: unknown field `max_rows`", path.display())),
            "{text}"
        );
        let flags: BTreeMap<String, String> =
            [("header-timeout".to_string(), "soon".to_string())].into();
        assert_eq!(
            Config::resolve(None, &flags, &|_| None)
                .unwrap_err()
                .to_string(),
            "setting `header-timeout` (from --header-timeout): `soon` is not a duration (e.g. 500ms, 30s, 10m)"
        );
        let env = |v: &str| (v == "MARSAD_LISTEN").then(|| "localhost".to_string());
        assert_eq!(
            Config::resolve(None, &BTreeMap::new(), &env)
                .unwrap_err()
                .to_string(),
            "setting `listen` (from MARSAD_LISTEN): `localhost` is not an address with a port (e.g. 127.0.0.1:8080, [::1]:8080)"
        );
    }

    #[test]
    fn every_setting_is_documented() {
        let docs = include_str!("../../docs/settings.md");
        let server = docs
            .split("\n## Server")
            .nth(1)
            .expect("docs/settings.md has a Server section");
        for s in all_settings() {
            for needle in [format!("`{}`", s.name), s.env.to_string()] {
                assert!(
                    server.contains(&needle),
                    "the Server section of docs/settings.md does not mention {needle}"
                );
            }
        }
        for s in SETTINGS {
            assert!(
                server.contains(s.default),
                "default of {} undocumented",
                s.name
            );
        }
    }
}
