//! The summary's clock: what tells an observation which age bucket of the window it belongs to.
//!
//! A trait, so tests can move time by hand ([`ManualClock`]) instead of sleeping for minutes.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// A source of time.
pub trait Clock: Send + Sync + 'static {
    /// Time elapsed since some fixed origin; must never go backwards.
    fn now(&self) -> Duration;
}

/// The real clock: time since the clock was made, never going backwards.
///
/// On Linux it reads `CLOCK_MONOTONIC_COARSE`: about 5 ns instead of 25 ns for `Instant::now()`,
/// which matters when every observation reads the clock, and its few milliseconds of resolution
/// are plenty for age buckets of minutes.
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    origin: Duration,
}

impl MonotonicClock {
    /// Starts counting from now.
    pub fn new() -> Self {
        MonotonicClock {
            origin: monotonic(),
        }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for MonotonicClock {
    fn now(&self) -> Duration {
        monotonic() - self.origin
    }
}

#[cfg(target_os = "linux")]
fn monotonic() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid place to write; this clock exists on every Linux since 2.6.32.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(not(target_os = "linux"))]
fn monotonic() -> Duration {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    ORIGIN.get_or_init(std::time::Instant::now).elapsed()
}

/// A clock that moves only when told; clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// Starts at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves time forward by `d` for every clone.
    pub fn advance(&self, d: Duration) {
        self.nanos.fetch_add(d.as_nanos() as u64, Relaxed);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Relaxed))
    }
}
