//! # marsad — the command line and server of the Marsad warehouse
//!
//! Marsad (مرصد, "observatory") brings together the data Morocco's institutions hold on online
//! child sexual exploitation and abuse, and computes and publishes the approved indicators.
//!
//! ```text
//!  agency file ─► marsad-pipelines ─► marsad-warehouse ─► marsad-indicators ─► marsad-dashboards
//!  (csv/xlsx/     feeds/<feed>.rs     Delta tables +       catalogue + SQL      charts, pages
//!   pdf/jsonl)    normalise/*.rs      snapshot log,        engine, disclosure
//!                                     DataFusion session
//! ```
//!
//! This crate is thin: it parses the command line, calls a library crate and prints. One file
//! per subcommand group in `src/cli/`.

mod cli;

use clap::Parser;

fn main() {
    quiet_on_closed_pipe();
    let args = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MARSAD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,buoyant_kernel=off")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("marsad: cannot start the async runtime: {e}");
            std::process::exit(2);
        }
    };
    if let Err(err) = runtime.block_on(cli::run(args)) {
        if is_closed_pipe(&err) || cli::output::stdout_closed() {
            std::process::exit(0);
        }
        eprintln!("marsad: {err:#}");
        std::process::exit(1);
    }
}

/// `marsad … | head` closes standard output early: the reader has what it wanted, so stop quietly
/// with status 0, as a filter does, instead of a panic (exit 101, "Broken pipe"). Errors we
/// return are checked by [`is_closed_pipe`]; `println!` elsewhere panics on them, so the panic
/// hook catches that one message and lets every other panic through unchanged.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// Whether `err` comes from writing to a closed pipe.
fn is_closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
