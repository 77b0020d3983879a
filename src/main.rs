//! The `sigap` command line: parse, set up logging, run one subcommand (see `cli/`).

use anyhow::Result;
use clap::Parser;

mod bench;
mod cli;

/// mimalloc instead of the C library's allocator: a server that imports and rebuilds
/// its snapshot on many threads otherwise keeps the freed memory in per-thread arenas
/// and grows by about 100 MB every few imports (measured: 174 MB at start, 676 MB
/// after 16 imports of the demo's children); mimalloc gives freed pages back.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
