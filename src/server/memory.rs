//! Memory given back after a wave of clients. glibc's allocator keeps what a thread freed in its
//! arena for that thread's next allocations, and returns it to the system only from the top of a
//! heap; after thousands of stalled connections or unsent HTTP/2 answers close, resident memory
//! stayed near its peak. A task beside the server asks glibc to return its free pages
//! (`malloc_trim`) a few seconds after connections or streams have given their places back.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use tokio::{
    task::JoinHandle,
    time::{interval, MissedTickBehavior},
};

/// How often the task looks whether places were given back: trimming walks every free chunk, so
/// it runs at most this often.
const EVERY: Duration = Duration::from_secs(2);

/// The task that trims; dropping it stops the task, so it never outlives the server.
pub(super) struct Trimmer(JoinHandle<()>);

impl Trimmer {
    /// Trims every [`EVERY`] while `released` says places were given back since the last time.
    pub(super) fn start(released: Arc<AtomicBool>) -> Trimmer {
        Trimmer(tokio::spawn(async move {
            let mut every = interval(EVERY);
            every.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if released.swap(false, Ordering::Relaxed) {
                    give_back_free_memory();
                }
            }
        }))
    }
}

impl Drop for Trimmer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_back_free_memory() {
    // SAFETY: malloc_trim only takes glibc's own arena locks; 0 keeps no extra padding.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators give memory back on their own, or offer no call to ask.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn give_back_free_memory() {}
