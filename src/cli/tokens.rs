//! `marsad tokens create|list|revoke`: the access tokens of `marsad serve` (a steward's commands,
//! run on the machine). The token is printed once, alone on standard output (so
//! `marsad tokens create … > token.txt` keeps it and nothing else); only its SHA-256 is stored.
//! Every command is recorded in `audit.events` (channel `cli`), refused or not.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use marsad_server::access::{Channel, Role, TokenError, Tokens};
use marsad_server::audit::AuditEvent;
use marsad_warehouse::query::settings::parse_duration;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Make a token and print it (once: it cannot be shown again).
    Create {
        /// What the token may do: analyst (read-only SQL, unsuppressed values) or steward (also
        /// ingest, compute, tokens, the audit table).
        #[arg(long)]
        role: Role,
        /// A name for the token, unique among unrevoked, unexpired tokens (letters, digits,
        /// - _ . @): it appears in the audit and in `tokens list`.
        #[arg(long)]
        name: String,
        /// How long the token is valid: `90d`, `12h`, `2w`…, or `never`.
        #[arg(long, default_value = "90d", value_parser = parse_expiry)]
        expires: Expiry,
    },
    /// List every token: name, role, created, expires, revoked (never the token or its hash).
    List,
    /// Revoke a token: it is refused at once, on HTTP and the PostgreSQL protocol.
    Revoke {
        /// The token's name.
        name: String,
    },
}

/// A token's lifetime.
#[derive(Debug, Clone, Copy)]
struct Expiry(Option<Duration>);

/// `never`, `<n>d`, `<n>w`, or a duration `marsad sql --timeout` takes (`12h`, `30m`).
fn parse_expiry(text: &str) -> Result<Expiry, String> {
    let t = text.trim();
    if t == "never" {
        return Ok(Expiry(None));
    }
    let days = |n: &str, per: u64| -> Result<Expiry, String> {
        match n.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Expiry(Some(Duration::from_secs(n * per * 86_400)))),
            _ => Err(format!(
                "`{text}`: a whole, positive number of days or weeks"
            )),
        }
    };
    if let Some(n) = t.strip_suffix('d') {
        return days(n, 1);
    }
    if let Some(n) = t.strip_suffix('w') {
        return days(n, 7);
    }
    parse_duration(t)
        .map(|d| Expiry(Some(d)))
        .map_err(|e| format!("{e}; or a number of days (`90d`), weeks (`2w`), or `never`"))
}

pub async fn run(data_dir: &str, args: Args) -> anyhow::Result<()> {
    let warehouse = super::open_warehouse(data_dir).await?;
    let location = warehouse.location();
    let tokens = Tokens::open(location)
        .await
        .context("cannot open the token table")?;
    let (audit, steward) = super::steward_audit(location).await?;
    let started = Instant::now();
    let (action, result) = match args.command {
        Command::Create {
            role,
            name,
            expires,
        } => (
            format!("token.create:{name}"),
            create(&tokens, &name, role, expires).await,
        ),
        Command::List => ("token.list".to_string(), list(&tokens).await),
        Command::Revoke { name } => (
            format!("token.revoke:{name}"),
            tokens.revoke(&name).await.map(|()| {
                println!("revoked token `{name}`: it is refused from now on");
            }),
        ),
    };
    let mut event = AuditEvent::new(&steward, Channel::Cli, action);
    event.duration = started.elapsed();
    if let Err(e) = &result {
        event.outcome = match e {
            TokenError::Store(_) | TokenError::Random(_) => "failed",
            _ => "refused",
        }
        .into();
        event.error = Some(e.to_string());
    }
    audit.record(event).await;
    let written = audit.flush().await;
    result?;
    written
        .map_err(anyhow::Error::msg)
        .context("the action was done, but its audit event could not be written")
}

async fn create(
    tokens: &Tokens,
    name: &str,
    role: Role,
    expires: Expiry,
) -> Result<(), TokenError> {
    let made = tokens.create(name, role, expires.0).await?;
    println!("{}", made.secret);
    eprintln!(
        "token `{}` ({}), {}. It is shown this once: keep it safe; only its hash is stored.",
        made.name,
        made.role,
        match made.expires_at {
            Some(at) => format!("expires {}", time(at)),
            None => "never expires".to_string(),
        }
    );
    Ok(())
}

async fn list(tokens: &Tokens) -> Result<(), TokenError> {
    let all = tokens.list().await?;
    let rows: Vec<[String; 5]> = all
        .iter()
        .map(|t| {
            [
                t.name.clone(),
                t.role.to_string(),
                time(t.created_at),
                t.expires_at.map(time).unwrap_or_else(|| "never".into()),
                t.revoked_at.map(time).unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let header = ["name", "role", "created", "expires", "revoked"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
    if rows.is_empty() {
        println!("(no token yet: `marsad tokens create --role analyst --name NAME`)");
    }
    Ok(())
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries() {
        let secs = |t: &str| parse_expiry(t).unwrap().0.map(|d| d.as_secs());
        assert_eq!(secs("90d"), Some(90 * 86_400));
        assert_eq!(secs("2w"), Some(14 * 86_400));
        assert_eq!(secs("12h"), Some(12 * 3600));
        assert_eq!(secs("never"), None);
        assert_eq!(
            parse_expiry("0d").unwrap_err(),
            "`0d`: a whole, positive number of days or weeks"
        );
        assert!(parse_expiry("soon").unwrap_err().ends_with("or `never`"));
    }
}
