//! Scale events and rate limits (`convertDesiredReplicasWithRules`,
//! `convertDesiredReplicasWithBehaviorRate`, `calculateScale{Up,Down}Limit*`, `storeScaleEvent`).

use super::spec::{ScalingPolicySelect, ScalingPolicyType, ScalingRules};
use crate::clock::Instant;

/// A recorded scale change (always positive; the list it is in gives the direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleEvent {
    /// Replicas added or removed.
    pub change: i32,
    /// When.
    pub at: Instant,
    /// Older than the longest policy period at the last store; reusable slot.
    pub outdated: bool,
}

/// Why the normalized count differs (or not) from the stabilized one: the `ScalingLimited`
/// condition's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitReason {
    /// Not limited.
    DesiredWithinRange,
    /// Raised to `minReplicas`.
    TooFewReplicas,
    /// Lowered to `maxReplicas`.
    TooManyReplicas,
    /// Lowered to the scale-up rate limit.
    ScaleUpLimit,
    /// Raised to the scale-down rate limit.
    ScaleDownLimit,
}

impl LimitReason {
    /// The reason string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DesiredWithinRange => "DesiredWithinRange",
            Self::TooFewReplicas => "TooFewReplicas",
            Self::TooManyReplicas => "TooManyReplicas",
            Self::ScaleUpLimit => "ScaleUpLimit",
            Self::ScaleDownLimit => "ScaleDownLimit",
        }
    }

    /// The condition message upstream writes with this reason.
    pub fn message(self) -> &'static str {
        match self {
            Self::DesiredWithinRange => "the desired count is within the acceptable range",
            Self::TooFewReplicas => {
                "the desired replica count is less than the minimum replica count"
            }
            Self::TooManyReplicas => {
                "the desired replica count is more than the maximum replica count"
            }
            Self::ScaleUpLimit => {
                "the desired replica count is increasing faster than the maximum scale rate"
            }
            Self::ScaleDownLimit => {
                "the desired replica count is decreasing faster than the maximum scale rate"
            }
        }
    }
}

/// Without behavior: clamp to `[min, min(max, scaleUpLimit)]`, where
/// `scaleUpLimit = int32(max(factor × current, minimum))`; the min check comes first.
pub fn convert_with_rules(
    current: i32,
    desired: i32,
    min: i32,
    max: i32,
    factor: f64,
    minimum: f64,
) -> (i32, LimitReason) {
    let scale_up_limit = (factor * f64::from(current)).max(minimum) as i32;
    let (max_allowed, reason) = if max > scale_up_limit {
        (scale_up_limit, LimitReason::ScaleUpLimit)
    } else {
        (max, LimitReason::TooManyReplicas)
    };
    if desired < min {
        (min, LimitReason::TooFewReplicas)
    } else if desired > max_allowed {
        (max_allowed, reason)
    } else {
        (desired, LimitReason::DesiredWithinRange)
    }
}

/// `getReplicasChangePerPeriod`: the sum of changes strictly after `now - period`.
pub fn change_in_period(period_seconds: i32, events: &[ScaleEvent], now: Instant) -> i32 {
    let cutoff = now.minus_secs(i64::from(period_seconds));
    events
        .iter()
        .filter(|e| e.at > cutoff)
        .fold(0i32, |acc, e| acc.saturating_add(e.change))
}

fn period_start(
    current: i32,
    period: i32,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
    now: Instant,
) -> i32 {
    current
        .saturating_sub(change_in_period(period, up, now))
        .saturating_add(change_in_period(period, down, now))
}

/// `calculateScaleUpLimitWithScalingRules`.
pub fn scale_up_limit(
    current: i32,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
    rules: &ScalingRules,
    now: Instant,
) -> i32 {
    let (mut result, pick): (i32, fn(i32, i32) -> i32) = match rules.select_policy {
        Some(ScalingPolicySelect::Disabled) => return current,
        Some(ScalingPolicySelect::Min) => (i32::MAX, std::cmp::min),
        _ => (i32::MIN, std::cmp::max),
    };
    for p in rules.policies.iter().flatten() {
        let start = period_start(current, p.period_seconds, up, down, now);
        let proposed = match p.type_ {
            ScalingPolicyType::Pods => start.saturating_add(p.value),
            // Rounded up so that a small count can always grow.
            ScalingPolicyType::Percent => {
                (f64::from(start) * (1.0 + f64::from(p.value) / 100.0)).ceil() as i32
            }
            ScalingPolicyType::Other(_) => continue,
        };
        result = pick(result, proposed);
    }
    result
}

/// `calculateScaleDownLimitWithBehaviors`.
pub fn scale_down_limit(
    current: i32,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
    rules: &ScalingRules,
    now: Instant,
) -> i32 {
    let (mut result, pick): (i32, fn(i32, i32) -> i32) = match rules.select_policy {
        Some(ScalingPolicySelect::Disabled) => return current,
        Some(ScalingPolicySelect::Min) => (i32::MIN, std::cmp::max),
        _ => (i32::MAX, std::cmp::min),
    };
    for p in rules.policies.iter().flatten() {
        let start = period_start(current, p.period_seconds, up, down, now);
        let proposed = match p.type_ {
            ScalingPolicyType::Pods => start.saturating_sub(p.value),
            // Truncated toward zero; may go negative for values above 100%.
            ScalingPolicyType::Percent => {
                (f64::from(start) * (1.0 - f64::from(p.value) / 100.0)) as i32
            }
            ScalingPolicyType::Other(_) => continue,
        };
        result = pick(result, proposed);
    }
    result
}

/// Inputs of [`convert_with_behavior_rate`].
#[derive(Debug, Clone, Copy)]
pub struct RateArgs<'a> {
    /// Current replicas.
    pub current: i32,
    /// Stabilized recommendation.
    pub desired: i32,
    /// `minReplicas`.
    pub min: i32,
    /// `maxReplicas`.
    pub max: i32,
    /// Effective scale-up rules.
    pub scale_up: &'a ScalingRules,
    /// Effective scale-down rules.
    pub scale_down: &'a ScalingRules,
}

/// `convertDesiredReplicasWithBehaviorRate`: the rate limits of the policies plus the min/max
/// clamp. A scale-up limit never drops below current, a scale-down limit never rises above it.
pub fn convert_with_behavior_rate(
    a: RateArgs<'_>,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
    now: Instant,
) -> (i32, LimitReason) {
    if a.desired > a.current {
        let limit = scale_up_limit(a.current, up, down, a.scale_up, now).max(a.current);
        let (max_allowed, reason) = if a.max > limit {
            (limit, LimitReason::ScaleUpLimit)
        } else {
            (a.max, LimitReason::TooManyReplicas)
        };
        if a.desired > max_allowed {
            return (max_allowed, reason);
        }
    } else if a.desired < a.current {
        let limit = scale_down_limit(a.current, up, down, a.scale_down, now).min(a.current);
        let (min_allowed, reason) = if a.min < limit {
            (limit, LimitReason::ScaleDownLimit)
        } else {
            (a.min, LimitReason::TooFewReplicas)
        };
        if a.desired < min_allowed {
            return (min_allowed, reason);
        }
    }
    (a.desired, LimitReason::DesiredWithinRange)
}

/// The longest `periodSeconds` among the rules' policies (0 with none).
pub fn longest_period(rules: &ScalingRules) -> i32 {
    rules
        .policies
        .iter()
        .flatten()
        .map(|p| p.period_seconds)
        .max()
        .unwrap_or(0)
}

/// `storeScaleEvent` for one direction's list: marks events older than the longest policy
/// period as outdated, then puts `{change, now}` over the last outdated one, or appends it.
pub fn store_event(
    events: &mut Vec<ScaleEvent>,
    change: i32,
    longest_period_seconds: i32,
    now: Instant,
) {
    let cutoff = now.minus_secs(i64::from(longest_period_seconds));
    let mut reuse = None;
    for (i, e) in events.iter_mut().enumerate() {
        if e.at < cutoff {
            e.outdated = true;
        }
        if e.outdated {
            reuse = Some(i);
        }
    }
    let ev = ScaleEvent {
        change,
        at: now,
        outdated: false,
    };
    match reuse.and_then(|i| events.get_mut(i)) {
        Some(slot) => *slot = ev,
        None => events.push(ev),
    }
}
