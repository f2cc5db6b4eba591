//! Run with `cargo bench --bench requests`.
//!
//! What the tour adds to a request, without a network: the same `POST` through the whole app (routing,
//! parameters, the metric update, the request-metrics middleware) and through a bare poem handler.

use criterion::{criterion_group, criterion_main, Criterion};
use metrics_tour::{config::Config, state::AppState};
use poem::{handler, http::Method, post, Endpoint, Request, Route};

#[handler]
fn bare() -> &'static str {
    "ok\n"
}

fn post_request(uri: &str) -> Request {
    Request::builder()
        .method(Method::POST)
        .uri_str(uri)
        .finish()
}

fn requests(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let bare_app = Route::new().at("/", post(bare));
    let tour = metrics_tour::app(AppState::new(Config::default()));
    let mut group = c.benchmark_group("in-process POST");
    group.bench_function("bare poem handler", |b| {
        b.iter(|| runtime.block_on(bare_app.get_response(post_request("/"))))
    });
    for uri in ["/counter", "/gauge/inc", "/summary?value=0.1"] {
        group.bench_function(uri, |b| {
            b.iter(|| runtime.block_on(tour.get_response(post_request(uri))))
        });
    }
    group.finish();
}

criterion_group!(benches, requests);
criterion_main!(benches);
