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
        eprintln!("marsad: {err:#}");
        std::process::exit(1);
    }
}
