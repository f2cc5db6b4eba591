//! Run with `cargo run --release`; `--help` lists the flags.

use clap::Parser;
use metrics_tour::{
    config::Config,
    serve,
    server::{bind, fit_to_open_files, Stopped},
    state::AppState,
};
use tokio::sync::watch;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    fit_to_open_files(&mut config);

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
    let signals = count_signals();
    let first = nth_signal(signals.clone(), 1);
    let second = nth_signal(signals, 2);
    match serve(listener, AppState::new(config), first, second).await {
        Ok(Stopped::Drained) => {
            tracing::info!("stopped");
            std::process::ExitCode::SUCCESS
        }
        Ok(Stopped::CutOff(requests)) => {
            tracing::warn!(requests, "stopped, cutting off requests in flight");
            std::process::ExitCode::FAILURE
        }
        Err(error) => {
            tracing::error!(%error, "server failed");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Counts Ctrl-C and SIGTERM, the signals a terminal and a container runtime send: the first asks
/// for a graceful shutdown, the second for an immediate one.
fn count_signals() -> watch::Receiver<u32> {
    let (count, counted) = watch::channel(0);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt()).expect("installing a SIGINT handler");
        let mut terminate = signal(SignalKind::terminate()).expect("installing a SIGTERM handler");
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = interrupt.recv() => {},
                    _ = terminate.recv() => {},
                }
                count.send_modify(|signals| *signals += 1);
            }
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            count.send_modify(|signals| *signals += 1);
        }
    });
    counted
}

/// Completes once `n` signals have come.
async fn nth_signal(mut counted: watch::Receiver<u32>, n: u32) {
    let _ = counted.wait_for(|signals| *signals >= n).await;
}
