//! Recommendation history and stabilization (`stabilizeRecommendation`,
//! `stabilizeRecommendationWithBehaviors` in `horizontal.go`).

use crate::clock::Instant;

/// One stored recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recommendation {
    /// The unstabilized proposal.
    pub replicas: i32,
    /// When it was made.
    pub at: Instant,
}

/// Stores `{proposal, now}` over the last entry marked old, or appends it.
fn record(history: &mut Vec<Recommendation>, old: Option<usize>, replicas: i32, now: Instant) {
    let rec = Recommendation { replicas, at: now };
    match old.and_then(|i| history.get_mut(i)) {
        Some(slot) => *slot = rec,
        None => history.push(rec),
    }
}

/// Without behavior: only scale-down is stabilized, by the highest recommendation not older than
/// the window (`not Before(cutoff)`). Records the proposal.
pub fn stabilize(
    history: &mut Vec<Recommendation>,
    proposal: i32,
    window_ms: i64,
    now: Instant,
) -> i32 {
    let cutoff = now.minus_millis(window_ms);
    let mut best = proposal;
    let mut old = None;
    for (i, r) in history.iter().enumerate() {
        if r.at < cutoff {
            old = Some(i);
        } else if r.replicas > best {
            best = r.replicas;
        }
    }
    record(history, old, proposal, now);
    best
}

/// Why a stabilized value differs from the proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StabilizedReason {
    /// The proposal was at or above current: lower recent recommendations held it back.
    ScaleUpStabilized,
    /// The proposal was below current: higher recent recommendations held it back.
    ScaleDownStabilized,
}

/// With behavior: clamp `current` between the lowest recommendation in the scale-up window and
/// the highest in the scale-down window (each including the proposal; windows exclusive of
/// their cutoff). Records the proposal.
pub fn stabilize_with_behaviors(
    history: &mut Vec<Recommendation>,
    current: i32,
    proposal: i32,
    up_window_ms: i64,
    down_window_ms: i64,
    now: Instant,
) -> (i32, StabilizedReason) {
    let up_cut = now.minus_millis(up_window_ms);
    let down_cut = now.minus_millis(down_window_ms);
    let (mut up, mut down) = (proposal, proposal);
    let mut old = None;
    for (i, r) in history.iter().enumerate() {
        if r.at > up_cut {
            up = up.min(r.replicas);
        }
        if r.at > down_cut {
            down = down.max(r.replicas);
        }
        if r.at < up_cut && r.at < down_cut {
            old = Some(i);
        }
    }
    let mut result = current;
    if result < up {
        result = up;
    }
    if result > down {
        result = down;
    }
    record(history, old, proposal, now);
    let reason = if proposal >= current {
        StabilizedReason::ScaleUpStabilized
    } else {
        StabilizedReason::ScaleDownStabilized
    };
    (result, reason)
}
