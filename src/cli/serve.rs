//! `marsad serve`: the HTTP API and the PostgreSQL protocol over the data
//! directory. Settings come from flags, the environment and `--config marsad.toml`
//! (`marsad_server::config`, documented in docs/settings.md). On a missing or empty local data
//! directory it first loads the samples and computes the indicators, as `marsad demo` does, so
//! `marsad serve` alone gives a working server. Stops on SIGTERM or Ctrl-C, exit status 0.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use marsad_indicators::Catalog;
use marsad_model::Adapter;
use marsad_pipelines::feeds::FeedContext;
use marsad_pipelines::Feed;
use marsad_server::access::Tokens;
use marsad_server::audit::Audit;
use marsad_server::config::{self, Config};
use marsad_server::http::{AppState, AuditSink, Resolver};
use marsad_server::{pg, serve};
use marsad_warehouse::location::{DATA_DIR_ENV, DEFAULT_DATA_DIR};
use marsad_warehouse::query::settings as q;
use marsad_warehouse::Location;

#[derive(Debug, clap::Args)]
#[command(
    next_help_heading = "Server settings (docs/settings.md; also MARSAD_* variables and marsad.toml)"
)]
pub struct Args {
    /// Settings file (TOML; keys are the setting names, e.g. `listen = "127.0.0.1:8080"`).
    #[arg(long, value_name = "marsad.toml")]
    config: Option<PathBuf>,
    #[arg(long, help = config::LISTEN.help)]
    listen: Option<String>,
    #[arg(long, help = config::PG_LISTEN.help)]
    pg_listen: Option<String>,
    #[arg(long, value_name = "PEM", help = config::PG_TLS_CERT.help)]
    pg_tls_cert: Option<String>,
    #[arg(long, value_name = "PEM", help = config::PG_TLS_KEY.help)]
    pg_tls_key: Option<String>,
    #[arg(long, help = config::BODY_LIMIT.help)]
    body_limit: Option<String>,
    #[arg(long, help = config::UPLOAD_LIMIT.help)]
    upload_limit: Option<String>,
    #[arg(long, help = config::HEADER_TIMEOUT.help)]
    header_timeout: Option<String>,
    #[arg(long, help = config::SHUTDOWN_TIMEOUT.help)]
    shutdown_timeout: Option<String>,
    #[arg(long, help = config::QUEUE.help)]
    queue: Option<String>,
    #[arg(long, help = q::TIMEOUT.help)]
    timeout: Option<String>,
    #[arg(long, help = q::MAX_ROWS.help)]
    max_rows: Option<String>,
    #[arg(long, help = q::MEMORY.help)]
    memory: Option<String>,
    #[arg(long, help = q::MAX_RESULT.help)]
    max_result: Option<String>,
    #[arg(long, help = q::MAX_VALUE.help)]
    max_value: Option<String>,
    #[arg(long, help = q::MAX_SQL.help)]
    max_sql: Option<String>,
    #[arg(long, help = q::MAX_DEPTH.help)]
    max_depth: Option<String>,
    #[arg(long, help = q::CONCURRENCY.help)]
    concurrency: Option<String>,
    #[arg(long, help = q::MAX_SPILL.help)]
    max_spill: Option<String>,
}

impl Args {
    /// The flags given, by setting name.
    fn flags(&self) -> BTreeMap<String, String> {
        [
            (config::LISTEN.name, &self.listen),
            (config::PG_LISTEN.name, &self.pg_listen),
            (config::PG_TLS_CERT.name, &self.pg_tls_cert),
            (config::PG_TLS_KEY.name, &self.pg_tls_key),
            (config::BODY_LIMIT.name, &self.body_limit),
            (config::UPLOAD_LIMIT.name, &self.upload_limit),
            (config::HEADER_TIMEOUT.name, &self.header_timeout),
            (config::SHUTDOWN_TIMEOUT.name, &self.shutdown_timeout),
            (config::QUEUE.name, &self.queue),
            (q::TIMEOUT.name, &self.timeout),
            (q::MAX_ROWS.name, &self.max_rows),
            (q::MEMORY.name, &self.memory),
            (q::MAX_RESULT.name, &self.max_result),
            (q::MAX_VALUE.name, &self.max_value),
            (q::MAX_SQL.name, &self.max_sql),
            (q::MAX_DEPTH.name, &self.max_depth),
            (q::CONCURRENCY.name, &self.concurrency),
            (q::MAX_SPILL.name, &self.max_spill),
        ]
        .into_iter()
        .filter_map(|(name, v)| v.as_ref().map(|v| (name.to_string(), v.clone())))
        .collect()
    }
}

pub async fn run(data_dir: &str, args: Args) -> anyhow::Result<()> {
    let config = Config::resolve(args.config.as_deref(), &args.flags(), &|v| {
        std::env::var(v).ok()
    })?;
    // marsad.toml's data-dir counts only when neither --data-dir nor MARSAD_DATA_DIR was given.
    let data_dir = match &config.data_dir {
        Some(d) if data_dir == DEFAULT_DATA_DIR && std::env::var_os(DATA_DIR_ENV).is_none() => {
            d.clone()
        }
        _ => data_dir.to_string(),
    };
    if is_missing_or_empty(&data_dir)? {
        println!(
            "{data_dir} holds no warehouse: loading the samples and computing the indicators first"
        );
        load_samples(&data_dir).await?;
    }
    let warehouse = super::open_warehouse(&data_dir).await?;
    let tokens = Tokens::open(warehouse.location())
        .await
        .context("cannot open the token table")?;
    let audit = Audit::open(warehouse.location())
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the audit table: {e}"))?;
    // TLS is loaded (and checked) before anything listens: a bad certificate stops the start.
    let tls = match pg::tls::paths(config.pg_tls_cert.clone(), config.pg_tls_key.clone())? {
        Some((cert, key)) => Some(pg::Tls::load(&cert, &key)?),
        None => None,
    };
    let state = AppState::new(
        warehouse.clone(),
        Catalog::embedded()?,
        config.clone(),
        Resolver::Tokens(tokens.clone()),
        AuditSink::Audit(audit.clone()),
        Some(adapters()?),
    );
    let pg_state = pg::PgState {
        sessions: pg::Sessions::new(warehouse),
        // The same budget as HTTP: one set of query slots for every channel.
        budget: state.budget.clone(),
        auth: Arc::new(tokens),
        audit: Arc::new(audit.clone()),
        tls,
        config: pg::PgConfig::default(),
    };
    let running = serve::serve(&config, state, Some(pg_state), serve::shutdown_signal()).await?;
    let http = running.http;
    println!("Marsad is serving {data_dir}");
    println!("  dashboards:  http://{http}/");
    println!("  health:      http://{http}/healthz");
    println!("  indicators:  http://{http}/api/v1/indicators");
    println!("  OpenAPI:     http://{http}/api/openapi.json");
    let pg = running.pg.unwrap_or(config.pg_listen);
    println!(
        "  psql:        psql \"host={} port={} user=analyst dbname=marsad sslmode={}\" (password: an analyst token; make one with `marsad tokens create --role analyst --name NAME`)",
        pg.ip(),
        pg.port(),
        if config.pg_tls_cert.is_some() { "require" } else { "disable" }
    );
    println!("Stop with Ctrl-C or SIGTERM.");
    std::io::stdout().flush().ok();
    running.finished().await;
    // The audit buffers events: what the last requests did is written before the process ends.
    if let Err(e) = audit.flush().await {
        eprintln!("marsad: the last audit events could not be written: {e}");
    }
    println!("stopped");
    Ok(())
}

/// Every feed's adapter for `POST /api/v1/ingest/{feed}`, with the pseudonymisation key of the
/// environment (none: record-level feeds are refused with the reason, as `marsad ingest` does).
fn adapters() -> anyhow::Result<marsad_server::http::Adapters> {
    let context = FeedContext {
        key: super::ingest::key_from_env(false)?,
        reference_date: None,
    };
    Ok(Arc::new(move |name: &str| {
        Feed::from_name(name)
            .ok()
            .map(|f| Arc::new(f.adapter(context.clone())) as Arc<dyn Adapter>)
    }))
}

/// A local data directory that does not exist or holds nothing (an object store: never).
fn is_missing_or_empty(data_dir: &str) -> anyhow::Result<bool> {
    let Some(dir) = Location::parse(data_dir)?.local_dir() else {
        return Ok(false);
    };
    if !dir.exists() {
        return Ok(true);
    }
    let mut entries =
        std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
    Ok(entries.next().is_none())
}

/// What `marsad demo` loads: every sample, then the indicators of the latest snapshot.
async fn load_samples(data_dir: &str) -> anyhow::Result<()> {
    let warehouse = super::create_or_open_warehouse(data_dir).await?;
    let context = FeedContext {
        key: super::ingest::key_from_env(true)?,
        reference_date: None,
    };
    super::ingest::ingest_samples(&warehouse, &super::samples_dir(), &context).await?;
    super::indicators::compute_if_missing(&warehouse).await
}
