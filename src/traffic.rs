//! `--traffic`: a built-in crowd of visitors, so the graphs move with nobody clicking.
//!
//! The visitors call the app in-process (`app.get_response`), so each request goes through the same
//! handlers and the same `http_*` middleware as one sent with curl; nothing is written to a metric
//! directly. The traffic is built so that every lesson the docs and pages draw from it holds:
//!
//! - The crowd's rate swells and ebbs on a [`CYCLE`] of ten minutes: `rate(...[1m])` follows it
//!   closely, `rate(...[5m])` (half a cycle) swings less, and neither is flat.
//! - Responses for the summary come as a steady stream, [`RESPONSES_PER_SECOND`], drawn evenly
//!   from the demo's distribution (see [`evenly_drawn_response`]), and no incident touches them: any
//!   minute of them holds close to the distribution's own percentiles, on every instance.
//! - Incidents: a heat spike [`FIRST_HEAT_SPIKE`] after the start and a burst of slow uploads
//!   [`FIRST_SLOW_UPLOADS`] after it, then one every three to five minutes, taking turns. While a
//!   spike cools (a minute, a dozen scrapes) the crowd leaves the gauge alone, so nothing cuts it short.
//! - The staleness lesson's clock: every [`SHIFT_LENGTH`] the shift on duty ends (`POST /shift/end`),
//!   so one `tour_shift_workers` series stops and the other comes.
//!
//! Set `TOUR_TRAFFIC_SEED` to a number to make the crowd's choices repeat from run to run (the tests
//! do); without it they differ every time. Requests in flight are bounded, and stopping cancels every
//! one of them.

use std::{f64::consts::TAU, sync::Arc, time::Duration};

use poem::{http::Method, Body, Endpoint, Request};
use rand::{rngs::StdRng, Rng, SeedableRng};
use tokio::{
    io::AsyncWriteExt,
    sync::oneshot,
    task::{JoinHandle, JoinSet},
    time::{sleep, sleep_until, Instant},
};

use crate::lessons::summary::{MEDIAN_SECONDS, SPREAD};

/// Average crowd visits a second; the rate swings between a quarter and seven quarters of it.
pub const MEAN_RATE: f64 = 3.0;
/// How far the rate swings around the mean, as a fraction of it.
pub const SWING: f64 = 0.75;
/// One swell and ebb of the crowd's rate: long enough that a five-minute `rate()` still shows it.
pub const CYCLE: Duration = Duration::from_secs(600);
/// Clicks a crowd visit adds on average: a quarter click once, 8% click 2 to 5 times (3.5 on average).
pub const CLICKS_PER_VISIT: f64 = 0.25 + 0.08 * 3.5;
/// The steady stream of observed response times, whatever the crowd does.
pub const RESPONSES_PER_SECOND: f64 = 2.0;
/// When the first heat spike comes, after the start.
pub const FIRST_HEAT_SPIKE: Duration = Duration::from_secs(15);
/// When the first burst of slow uploads comes, after the start.
pub const FIRST_SLOW_UPLOADS: Duration = Duration::from_secs(30);
/// How long a heat spike takes to cool back to [`CALM_TEMPERATURE`], in [`SPIKE_STEPS`] steps.
pub const SPIKE_COOLS_OVER: Duration = Duration::from_secs(60);
/// The temperature a heat spike cools back to.
pub const CALM_TEMPERATURE: f64 = 21.0;
/// How long a shift of the staleness lesson lasts under `--traffic`: long enough to read the page
/// between two handovers, well under the five-minute lookback the lesson contrasts with.
pub const SHIFT_LENGTH: Duration = Duration::from_secs(120);
/// The environment variable that seeds the crowd, for runs that must repeat.
pub const SEED_VARIABLE: &str = "TOUR_TRAFFIC_SEED";
const SPIKE_STEPS: u32 = 12;
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

/// Crowd visits per second `elapsed` into the run: a sine wave around the mean rate.
pub fn rate_at(elapsed: Duration) -> f64 {
    let phase = TAU * elapsed.as_secs_f64() / CYCLE.as_secs_f64();
    MEAN_RATE * (1.0 + SWING * phase.sin())
}

/// The clicks per second the crowd makes on average between `from` and `to` after the start: what
/// `rate(tour_clicks_total[range])` estimates, evaluated `to` after the start.
pub fn expected_clicks_per_second(from: Duration, to: Duration) -> f64 {
    let (a, b) = (from.as_secs_f64(), to.as_secs_f64());
    let w = TAU / CYCLE.as_secs_f64();
    // The mean of sin(w t) over [a, b].
    let mean_sine = ((w * a).cos() - (w * b).cos()) / (w * (b - a));
    CLICKS_PER_VISIT * MEAN_RATE * (1.0 + SWING * mean_sine)
}

/// The `index`-th response time of the steady stream (from 1): the demo's log-normal distribution
/// (median [`MEDIAN_SECONDS`]) read at the `index`-th point of the van der Corput sequence, which
/// fills `(0, 1)` evenly: any 2^k consecutive points put exactly one in each 2^-k-wide slice. So a
/// window of 128 responses holds at most one from the slowest 1/128, and its percentiles stay close
/// to the distribution's (p50 0.1 s, p90 0.32 s, p99 0.81 s), where random draws would wander.
pub fn evenly_drawn_response(index: u64) -> f64 {
    let u = index.reverse_bits() as f64 / 2f64.powi(64);
    MEDIAN_SECONDS * (SPREAD * inverse_normal(u)).exp()
}

/// The standard normal distribution's quantile function (Acklam's approximation, relative error
/// below 1.2e-9), for `p` in `(0, 1)`.
fn inverse_normal(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    const LOW: f64 = 0.02425;
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The crowd's generator: seeded from [`SEED_VARIABLE`] when it holds a number, else at random.
fn crowd_rng() -> StdRng {
    match std::env::var(SEED_VARIABLE)
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => StdRng::seed_from_u64(seed),
        // A `Send` generator, seeded once, because the thread-local one cannot cross an `.await`.
        None => StdRng::from_rng(&mut rand::rng()),
    }
}

/// The two kinds of incident, which take turns.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Incident {
    HeatSpike,
    SlowUploads,
}

async fn run<E: Endpoint + 'static>(app: Arc<E>, mut stopped: oneshot::Receiver<()>) {
    let mut rng = crowd_rng();
    let started = Instant::now();
    let mut next_visit = started;
    let mut next_response = started;
    let mut next_handover = started + SHIFT_LENGTH;
    let mut responses = 0;
    let mut incidents = vec![
        (started + FIRST_HEAT_SPIKE, Incident::HeatSpike),
        (started + FIRST_SLOW_UPLOADS, Incident::SlowUploads),
    ];
    // The crowd keeps off the gauge until then, so a heat spike cools undisturbed.
    let mut gauge_busy_until = started;
    let mut in_flight = JoinSet::new();
    loop {
        let next = incidents[0]
            .0
            .min(next_visit)
            .min(next_response)
            .min(next_handover);
        tokio::select! {
            _ = &mut stopped => break,
            () = sleep_until(next) => {}
        }
        while in_flight.try_join_next().is_some() {}
        let now = Instant::now();
        let mut visits = Vec::new();
        if now >= next_response {
            responses += 1;
            let seconds = evenly_drawn_response(responses);
            visits.push(Visit::to(format!("/summary?value={seconds:.6}")));
            next_response += Duration::from_secs_f64(1.0 / RESPONSES_PER_SECOND);
        }
        if now >= next_handover {
            visits.push(Visit::to("/shift/end"));
            next_handover += SHIFT_LENGTH;
        }
        if now >= incidents[0].0 {
            let (_, kind) = incidents.remove(0);
            if incidents.is_empty() {
                let gap = Duration::from_secs(rng.random_range(180..300));
                let other = match kind {
                    Incident::HeatSpike => Incident::SlowUploads,
                    Incident::SlowUploads => Incident::HeatSpike,
                };
                incidents.push((now + gap, other));
            }
            if kind == Incident::HeatSpike {
                gauge_busy_until = now + SPIKE_COOLS_OVER + Duration::from_secs(1);
            }
            visits.extend(incident(kind, &mut rng));
        }
        if now >= next_visit {
            // Exponential gaps between visits make arrivals random (Poisson) at the current rate.
            let gap = -rng.random::<f64>().max(f64::MIN_POSITIVE).ln() / rate_at(now - started);
            next_visit = now + Duration::from_secs_f64(gap);
            let visit = visit(&mut rng);
            if !(visit.uri.starts_with("/gauge/") && now < gauge_busy_until) {
                visits.push(visit);
            }
        }
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

/// An ordinary visitor: mostly clicks, temperature changes and uploads, now and then a mistake.
fn visit(rng: &mut StdRng) -> Visit {
    match rng.random_range(0..100) {
        0..25 => Visit::to("/counter"),
        25..33 => Visit::to(format!("/counter?by={}", rng.random_range(2..=5))),
        33..45 => Visit::to(format!("/gauge/inc?by={:.1}", rng.random_range(0.1..1.5))),
        45..57 => Visit::to(format!("/gauge/dec?by={:.1}", rng.random_range(0.1..1.5))),
        57..62 => Visit::to(format!(
            "/gauge/set?value={:.1}",
            rng.random_range(CALM_TEMPERATURE - 3.0..CALM_TEMPERATURE + 3.0)
        )),
        62..97 => Visit::to("/file-upload"),
        // A mistaken click: refused with 400, so error ratios have something to show.
        _ => Visit::to("/counter?by=-1"),
    }
}

/// The visits of one incident: a heat spike that cools step by step, or a burst of slow uploads
/// (clients whose bodies trickle in for 6 to 12 seconds, so the request takes longer than 10 s).
fn incident(kind: Incident, rng: &mut StdRng) -> Vec<Visit> {
    match kind {
        Incident::HeatSpike => {
            tracing::info!("traffic incident: a heat spike");
            let peak: f64 = rng.random_range(40.0..50.0);
            let step = SPIKE_COOLS_OVER / SPIKE_STEPS;
            let by = (peak - CALM_TEMPERATURE) / f64::from(SPIKE_STEPS);
            let mut visits = vec![Visit::to(format!("/gauge/set?value={peak:.1}"))];
            visits.extend((1..=SPIKE_STEPS).map(|n| Visit {
                delay: step * n,
                ..Visit::to(format!("/gauge/dec?by={by:.3}"))
            }));
            visits
        }
        Incident::SlowUploads => {
            tracing::info!("traffic incident: a burst of slow uploads");
            (0..rng.random_range(20..30))
                .map(|_| Visit {
                    trickle: Some(Duration::from_secs_f64(rng.random_range(6.0..12.0))),
                    ..Visit::to("/file-upload")
                })
                .collect()
        }
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

    /// The lowest and highest `rate(tour_clicks_total[range])` over a whole cycle, per the model.
    fn swing_over(range: Duration) -> (f64, f64) {
        (0..CYCLE.as_secs())
            .map(|second| {
                let to = CYCLE * 2 + Duration::from_secs(second);
                expected_clicks_per_second(to - range, to)
            })
            .fold((f64::MAX, f64::MIN), |(low, high), r| {
                (low.min(r), high.max(r))
            })
    }

    #[test]
    fn the_rate_swells_and_ebbs_around_its_mean_and_never_stops() {
        let rates: Vec<f64> = (0..CYCLE.as_secs())
            .map(|second| rate_at(Duration::from_secs(second)))
            .collect();
        let (low, high) = rates.iter().fold((f64::MAX, f64::MIN), |(low, high), &r| {
            (low.min(r), high.max(r))
        });
        assert!(low > 0.0 && (low - MEAN_RATE / 4.0).abs() < 0.05, "{low}");
        assert!((high - MEAN_RATE * 7.0 / 4.0).abs() < 0.05, "{high}");
    }

    /// The docs promise: `[1m]` swings between about 0.4 and 2.8 clicks a second, `[5m]` between
    /// about 0.8 and 2.3; a five-minute average of a five-minute cycle would be flat.
    #[test]
    fn a_five_minute_rate_still_shows_the_cycle_and_a_one_minute_rate_follows_it() {
        let (low, high) = swing_over(Duration::from_secs(60));
        assert!(
            (low - 0.4).abs() < 0.05 && (high - 2.8).abs() < 0.05,
            "[1m] {low}..{high}"
        );
        let (low, high) = swing_over(Duration::from_secs(300));
        assert!(
            (low - 0.8).abs() < 0.06 && (high - 2.3).abs() < 0.06,
            "[5m] {low}..{high}"
        );
    }

    #[test]
    fn the_inverse_normal_matches_known_quantiles() {
        for (p, z) in [
            (0.5, 0.0),
            (0.9, 1.2815515655),
            (0.975, 1.9599639845),
            (0.99, 2.3263478740),
            (0.001, -3.0902323062),
        ] {
            assert!(
                (inverse_normal(p) - z).abs() < 1e-6,
                "{p}: {}",
                inverse_normal(p)
            );
        }
    }

    #[test]
    fn any_minute_of_evenly_drawn_responses_keeps_the_distributions_percentiles() {
        let responses: Vec<f64> = (1..=5000).map(evenly_drawn_response).collect();
        for start in (0..4800).step_by(37) {
            let mut window = responses[start..start + 120].to_vec();
            window.sort_by(f64::total_cmp);
            let over_one = window.iter().filter(|&&v| v > 1.0).count();
            let over_half = window.iter().filter(|&&v| v > 0.5).count();
            // histogram_quantile(0.99) lands in (0.5, 1]: at most 1% above 1 s, more than 1% above 0.5 s.
            assert!(
                over_one <= 1 && over_half >= 2,
                "from {start}: {over_one}, {over_half}"
            );
            let p90 = window[107];
            assert!((0.25..0.4).contains(&p90), "from {start}: p90 {p90}");
        }
    }

    #[test]
    fn a_heat_spike_cools_back_to_calm_over_a_minute_in_small_steps() {
        let mut rng = StdRng::seed_from_u64(1);
        let visits = incident(Incident::HeatSpike, &mut rng);
        let peak: f64 = visits[0].uri.rsplit('=').next().unwrap().parse().unwrap();
        assert!(peak >= 40.0);
        let cooled: f64 = visits[1..]
            .iter()
            .map(|visit| {
                visit
                    .uri
                    .rsplit('=')
                    .next()
                    .unwrap()
                    .parse::<f64>()
                    .unwrap()
            })
            .sum();
        assert!((peak - cooled - CALM_TEMPERATURE).abs() < 0.1);
        assert_eq!(visits.last().unwrap().delay, SPIKE_COOLS_OVER);
    }
}
