//! The `opsd` binary: parses the command line, sets up logging, hands the command to
//! its area in `cli/`, and turns an error into one message and exit code 1. All
//! behaviour lives in the library and in `cli/`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("opsd=info")),
        )
        .with_writer(std::io::stderr);
    // OPSD_LOG_FORMAT=json: one JSON object per line, for log shippers.
    if std::env::var("OPSD_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().flatten_event(true).init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("opsd: {e:#}");
            ExitCode::FAILURE
        }
    }
}
