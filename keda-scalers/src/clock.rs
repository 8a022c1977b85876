//! The wall clock of the scalers that need the date (cron windows, Prometheus' `time` parameter).
//!
//! They take a [`keda_core::clock::Clock`] whose instants are **milliseconds since the Unix
//! epoch**; [`SystemClock`] reads the system time, tests pass a `ManualClock`.

use keda_core::clock::{Clock, Instant};

/// The system's wall clock, as Unix milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Instant::from_millis(ms)
    }
}
