//! `--traffic`: a built-in crowd of visitors, so the graphs move with nobody clicking.
//!
//! The visitors call the app in-process (`app.get_response`), so each request goes through the same
//! handlers and the same `http_*` middleware as one sent with curl; nothing is written to a metric
//! directly. The rate swells and ebbs on a five-minute cycle, so `rate()` has a shape, and every few
//! minutes an incident happens: a burst of slow uploads (clients whose bodies trickle in) with slow
//! responses in the summary, or a heat spike on the gauge. Requests in flight are bounded, and
//! stopping cancels every one of them.

use std::{f64::consts::TAU, sync::Arc, time::Duration};

use poem::{http::Method, Body, Endpoint, Request};
use rand::{rngs::StdRng, Rng, SeedableRng};
use tokio::{
    io::AsyncWriteExt,
    sync::oneshot,
    task::{JoinHandle, JoinSet},
    time::{sleep, Instant},
};

/// Average visits a second; the rate swings between a quarter and seven quarters of it.
const MEAN_RATE: f64 = 4.0;
/// How far the rate swings around the mean, as a fraction of it.
const SWING: f64 = 0.75;
/// One swell and ebb of the rate.
const CYCLE: Duration = Duration::from_secs(300);
/// At most this many generated requests at once; beyond it a visit is skipped, never queued.
const MAX_IN_FLIGHT: usize = 128;

/// The running generator; [`Traffic::stop`] ends it and every request it has in flight.
pub struct Traffic {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Traffic {
    /// Starts visiting `app` on the current runtime.
    pub fn start<E: Endpoint + 'static>(app: Arc<E>) -> Traffic {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(app, stopped));
        tracing::info!("traffic generator started");
        Traffic {
            stop: Some(stop),
            task,
        }
    }

    /// Stops visiting, and returns once every generated request has been cancelled.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Traffic {
    /// A generator whose server future was dropped must not outlive it.
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Visits per second `elapsed` into the run: a sine wave around the mean rate.
pub fn rate_at(elapsed: Duration) -> f64 {
    let phase = TAU * elapsed.as_secs_f64() / CYCLE.as_secs_f64();
    MEAN_RATE * (1.0 + SWING * phase.sin())
}

async fn run<E: Endpoint + 'static>(app: Arc<E>, mut stopped: oneshot::Receiver<()>) {
    // A `Send` generator, seeded once, because the thread-local one cannot cross an `.await`.
    let mut rng = StdRng::from_rng(&mut rand::rng());
    let started = Instant::now();
    let mut next_incident = started + Duration::from_secs(rng.random_range(30..90));
    let mut in_flight = JoinSet::new();
    loop {
        // Exponential gaps between visits make arrivals random (Poisson) at the current rate.
        let gap = -rng.random::<f64>().max(f64::MIN_POSITIVE).ln() / rate_at(started.elapsed());
        tokio::select! {
            _ = &mut stopped => break,
            () = sleep(Duration::from_secs_f64(gap)) => {}
        }
        while in_flight.try_join_next().is_some() {}
        let visits = if Instant::now() >= next_incident {
            next_incident = Instant::now() + Duration::from_secs(rng.random_range(90..240));
            incident(&mut rng)
        } else {
            vec![visit(&mut rng)]
        };
        for visit in visits {
            if in_flight.len() < MAX_IN_FLIGHT {
                in_flight.spawn(send(app.clone(), visit));
            }
        }
    }
    in_flight.shutdown().await;
}

/// One request the crowd makes: where to, after how long, and how slowly its body arrives.
struct Visit {
    uri: String,
    delay: Duration,
    trickle: Option<Duration>,
}

impl Visit {
    fn to(uri: impl Into<String>) -> Visit {
        Visit {
            uri: uri.into(),
            delay: Duration::ZERO,
            trickle: None,
        }
    }
}

/// An ordinary visitor: mostly clicks, temperature changes, responses and uploads, now and then a
/// mistake.
fn visit(rng: &mut StdRng) -> Visit {
    match rng.random_range(0..100) {
        0..20 => Visit::to("/counter"),
        20..26 => Visit::to(format!("/counter?by={}", rng.random_range(2..=5))),
        26..36 => Visit::to(format!("/gauge/inc?by={:.1}", rng.random_range(0.1..1.5))),
        36..46 => Visit::to(format!("/gauge/dec?by={:.1}", rng.random_range(0.1..1.5))),
        46..50 => Visit::to(format!(
            "/gauge/set?value={:.1}",
            rng.random_range(18.0..24.0)
        )),
        // The summary demo draws its own simulated response time when given no value.
        50..72 => Visit::to("/summary"),
        72..97 => Visit::to("/file-upload"),
        // A mistaken click: refused with 400, so error ratios have something to show.
        _ => Visit::to("/counter?by=-1"),
    }
}

/// A burst of slow uploads (with slow responses in the summary), or a heat spike that cools down
/// step by step.
fn incident(rng: &mut StdRng) -> Vec<Visit> {
    if rng.random_bool(0.5) {
        tracing::info!("traffic incident: a burst of slow uploads");
        let mut visits: Vec<Visit> = (0..rng.random_range(10..20))
            .map(|_| Visit {
                trickle: Some(Duration::from_secs_f64(rng.random_range(2.0..8.0))),
                ..Visit::to("/file-upload")
            })
            .collect();
        visits.extend((0..rng.random_range(20..40)).map(|step| Visit {
            delay: Duration::from_millis(250 * step),
            ..Visit::to(format!("/summary?value={:.3}", rng.random_range(1.0..3.0)))
        }));
        visits
    } else {
        tracing::info!("traffic incident: a heat spike");
        let peak: f64 = rng.random_range(40.0..50.0);
        let mut visits = vec![Visit::to(format!("/gauge/set?value={peak:.1}"))];
        visits.extend((1..=10).map(|step| Visit {
            delay: Duration::from_secs(3 * step),
            ..Visit::to("/gauge/dec?by=2")
        }));
        visits
    }
}

/// Sends `visit` to the app; the answer is dropped, because the metrics it moved are the point.
async fn send<E: Endpoint>(app: Arc<E>, visit: Visit) {
    sleep(visit.delay).await;
    let request = Request::builder().method(Method::POST).uri_str(&visit.uri);
    match visit.trickle {
        None => {
            app.get_response(request.finish()).await;
        }
        Some(over) => {
            // A slow client: the body arrives in four pieces spread over `over`.
            let (mut writer, reader) = tokio::io::duplex(1024);
            let body = async move {
                for _ in 0..4 {
                    sleep(over / 4).await;
                    if writer.write_all(&[b'x'; 256]).await.is_err() {
                        return;
                    }
                }
            };
            let request = request.body(Body::from_async_read(reader));
            tokio::join!(app.get_response(request), body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_swells_and_ebbs_around_its_mean_and_never_stops() {
        let rates: Vec<f64> = (0..300)
            .map(|second| rate_at(Duration::from_secs(second)))
            .collect();
        let (low, high) = rates.iter().fold((f64::MAX, f64::MIN), |(low, high), &r| {
            (low.min(r), high.max(r))
        });
        assert!(low > 0.5 && low < 1.5, "{low}");
        assert!(high > 6.5 && high < 7.5, "{high}");
    }
}
