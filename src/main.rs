//! The `sigap` command line: parse, set up logging, run one subcommand (see `cli/`).

use anyhow::Result;
use clap::Parser;

mod bench;
mod cli;

fn main() -> Result<()> {
    init_tracing();
    cli::run(cli::Cli::parse())
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SIGAP_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("SIGAP_LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
