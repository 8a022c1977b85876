//! Time as plain data: every decision takes `now` as an argument.

/// A point in time, in milliseconds since an arbitrary epoch chosen by the caller.
///
/// Decision code only compares and subtracts instants, so any monotonic source works: a virtual
/// clock in simulations and tests, `tokio::time::Instant` converted at the edge in real
/// controllers. Go's zero time (used by upstream fixtures for "infinitely old") is
/// [`Instant::ZERO`] when `now` is far from it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Instant(pub i64);

impl Instant {
    /// The epoch.
    pub const ZERO: Instant = Instant(0);

    /// An instant `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: i64) -> Self {
        Instant(ms)
    }

    /// An instant `s` seconds after the epoch.
    pub const fn from_secs(s: i64) -> Self {
        Instant(s.saturating_mul(1000))
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// This instant moved `ms` milliseconds back (saturating).
    pub const fn minus_millis(self, ms: i64) -> Self {
        Instant(self.0.saturating_sub(ms))
    }

    /// This instant moved `ms` milliseconds forward (saturating).
    pub const fn plus_millis(self, ms: i64) -> Self {
        Instant(self.0.saturating_add(ms))
    }

    /// This instant moved `s` seconds back (saturating).
    pub const fn minus_secs(self, s: i64) -> Self {
        self.minus_millis(s.saturating_mul(1000))
    }

    /// This instant moved `s` seconds forward (saturating).
    pub const fn plus_secs(self, s: i64) -> Self {
        self.plus_millis(s.saturating_mul(1000))
    }
}

/// A source of the current time, for the stateful parts (engine, controllers) that need one.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// A clock that only moves when told to: the deterministic clock of tests and simulations.
#[derive(Debug, Default)]
pub struct ManualClock(std::sync::atomic::AtomicI64);

impl ManualClock {
    /// A clock reading `start`.
    pub fn new(start: Instant) -> Self {
        Self(std::sync::atomic::AtomicI64::new(start.0))
    }

    /// Moves the clock forward by `ms` milliseconds.
    pub fn advance_millis(&self, ms: i64) {
        self.0.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }

    /// Sets the clock to `t`.
    pub fn set(&self, t: Instant) {
        self.0.store(t.0, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        Instant(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}
