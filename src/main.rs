//! Run with `cargo run --release`; `--help` lists the flags.

use clap::Parser;
use metrics_tour::{config::Config, serve, server::bind, state::AppState};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    let listener = match bind(config.listen) {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(address = %config.listen, %error, "cannot listen");
            return std::process::ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(address) => tracing::info!("metrics-tour listening on http://{address}"),
        Err(error) => tracing::warn!(%error, "listening, on an address the system would not tell"),
    }
    match serve(listener, AppState::new(config), shutdown_signal()).await {
        Ok(()) => {
            tracing::info!("stopped");
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(%error, "server failed");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Completes on Ctrl-C or SIGTERM, the signals a terminal and a container runtime send.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down: letting requests in flight finish");
}
