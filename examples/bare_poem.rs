//! The ceiling for the load script: a bare poem POST handler, no metrics, built from the same
//! dependencies as the tour. Run with `cargo run --release --example bare_poem -- 127.0.0.1:5099`.

use poem::{handler, listener::TcpListener, post, Route, Server};

#[handler]
fn ok() -> &'static str {
    "ok\n"
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:5099".to_owned());
    Server::new(TcpListener::bind(address))
        .run(Route::new().at("/", post(ok)))
        .await
}
