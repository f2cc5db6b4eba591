//! Serving the app on a listener, with a graceful shutdown.
//!
//! We drive hyper's connections ourselves rather than through `poem::Server` for one reason that
//! matters to a metrics lesson: when a client hangs up mid-request, hyper's connection ends and drops
//! the request's future, so `file_uploads_in_progress` goes back down at once. (`poem::Server` keeps
//! driving an abandoned request to its end.)

use std::{convert::Infallible, future::Future, net::SocketAddr, sync::Arc, time::Duration};

use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::{conn::auto, graceful::GracefulShutdown},
};
use poem::{
    http::uri::Scheme,
    web::{LocalAddr, RemoteAddr},
    Endpoint, Request,
};
use tokio::net::{TcpListener, TcpSocket};

use crate::{app, state::AppState, tour::history::Sampler, traffic::Traffic};

/// Binds `address` with a deep accept queue: a classroom of clients connecting at once (or the load
/// script's 2,000 uploads) would otherwise overflow the default 1,024 and wait a second to retry.
pub fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(4096)
}

/// Serves [`app`] on `listener` until `shutdown` completes, with the tour's history sampler beside
/// it and the traffic generator when `--traffic` asks for it. Then it stops accepting (new connections are refused) and stops the
/// generator, lets requests in flight finish for up to the longest upload plus five seconds, and
/// returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let grace = Duration::from_secs_f64(state.config.upload_seconds.0.end() + 5.0);
    let traffic_wanted = state.config.traffic;
    // Dropped when serving ends, which stops the task.
    let _sampler = Sampler::start(state.history.clone(), state.metrics.registry.clone());
    let app = Arc::new(app(state));
    let traffic = traffic_wanted.then(|| Traffic::start(app.clone()));
    let local = LocalAddr(listener.local_addr()?.into());
    let connections = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Running out of file descriptors must not stop the server: wait, then go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (app, local, remote) = (app.clone(), local.clone(), RemoteAddr(peer.into()));
        let service = hyper::service::service_fn(move |request| {
            let (app, local, remote) = (app.clone(), local.clone(), remote.clone());
            async move {
                let request = Request::from((request, local, remote, Scheme::HTTP));
                Ok::<_, Infallible>(hyper::Response::from(app.get_response(request).await))
            }
        });
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        let connection = connections.watch(connection.into_owned());
        tokio::spawn(connection);
    }
    drop(listener);
    if let Some(traffic) = traffic {
        traffic.stop().await;
    }
    if tokio::time::timeout(grace, connections.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            ?grace,
            "requests still running after the grace period were cut off"
        );
    }
    Ok(())
}
