//! The ScaledObject scale executor (KEDA's `pkg/scaling/executor/scale_scaledobjects.go`): the
//! 0↔1 (or idle↔min) transitions the HPA cannot make, cooldowns, pause annotations and the
//! conditions they leave. Pure: the caller reads the current replicas, applies the write it is
//! told to make and merges the conditions.

use std::borrow::Cow;

use crate::clock::Instant;
use crate::conditions::{ConditionStatus, ConditionType, Conditions};
use crate::lifecycle::annotations::ScaleAnnotations;

/// Default `cooldownPeriod` (seconds).
pub const DEFAULT_COOLDOWN_PERIOD: i32 = 300;
/// Default `initialCooldownPeriod` (seconds).
pub const DEFAULT_INITIAL_COOLDOWN_PERIOD: i32 = 0;

/// The scale target, for event messages (`Scaled <kind> <namespace>/<name> ...`).
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetRef<'a> {
    /// `status.scaleTargetKind` (may be empty).
    pub kind: &'a str,
    /// The object's namespace.
    pub namespace: &'a str,
    /// `spec.scaleTargetRef.name`.
    pub name: &'a str,
}

/// The parts of a ScaledObject's spec the executor reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExecutorSpec<'a> {
    /// `minReplicaCount` (unset = 0).
    pub min_replica_count: Option<i32>,
    /// `idleReplicaCount`.
    pub idle_replica_count: Option<i32>,
    /// `cooldownPeriod` seconds (unset = 300).
    pub cooldown_period: Option<i32>,
    /// `initialCooldownPeriod` seconds (unset = 0).
    pub initial_cooldown_period: Option<i32>,
    /// `fallback.replicas` when `spec.fallback` is set.
    pub fallback_replicas: Option<i32>,
    /// The decoded annotations.
    pub annotations: ScaleAnnotations,
    /// The scale target, for events.
    pub target: TargetRef<'a>,
}

/// The parts of the status the executor reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExecutorStatus {
    /// `status.lastActiveTime`.
    pub last_active_time: Option<Instant>,
    /// `metadata.creationTimestamp`.
    pub creation_time: Instant,
}

/// The HPA's `ScalingActive` condition as observed this reconcile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HpaObservation {
    /// No HPA name yet, the HPA could not be read, or it has no ScalingActive condition yet.
    #[default]
    Unobservable,
    /// The condition as the HPA reports it.
    ScalingActive {
        /// Its status.
        status: ConditionStatus,
        /// Its reason.
        reason: String,
        /// Its message.
        message: String,
    },
}

impl HpaObservation {
    /// KEDA's `getHPAHealth`: the HPAActive condition to set, or `None` to leave it untouched.
    pub fn hpa_active(&self) -> Option<(ConditionStatus, Cow<'static, str>, Cow<'static, str>)> {
        let HpaObservation::ScalingActive {
            status,
            reason,
            message,
        } = self
        else {
            return None;
        };
        Some(match (status, reason.as_str()) {
            (ConditionStatus::True, _) => (
                ConditionStatus::True,
                "HPAActive".into(),
                "HPA is actively scaling".into(),
            ),
            (_, "ScalingDisabled") => (
                ConditionStatus::True,
                "ScalingDisabled".into(),
                message.clone().into(),
            ),
            (_, r) => (
                ConditionStatus::False,
                if r.is_empty() {
                    "HPAMetricsUnavailable".into()
                } else {
                    r.to_owned().into()
                },
                format!("HPA is not actively scaling: {message}").into(),
            ),
        })
    }
}

/// One call's inputs.
#[derive(Debug, Clone)]
pub struct ExecutorInput<'a> {
    /// The object is active (see [`super::state::ScaledObjectState`]).
    pub is_active: bool,
    /// Some trigger failed.
    pub is_error: bool,
    /// The target's current replicas, or why they could not be read.
    pub current_replicas: Result<i32, String>,
    /// Active trigger metric names, for the activation event.
    pub active_triggers: &'a [String],
    /// The HPA's ScalingActive condition.
    pub hpa: HpaObservation,
    /// Now.
    pub now: Instant,
}

/// Why the executor writes replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleReason {
    /// From zero (or below min in idle mode) to min or 1.
    Activate,
    /// To zero or idle after the cooldown.
    Deactivate,
    /// Inactive and below `minReplicaCount` without idle mode: up to min.
    EnforceMin,
}

/// A replica write the caller must make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleWrite {
    /// The new replica count.
    pub replicas: i32,
    /// Why.
    pub reason: ScaleReason,
}

/// An event to record on the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `Normal` or `Warning`.
    pub type_: &'static str,
    /// The reason, e.g. `KEDAScaleTargetActivated`.
    pub reason: &'static str,
    /// The message.
    pub message: String,
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.type_, self.reason, self.message)
    }
}

/// What the executor decided. Everything assumes the write (if any) succeeds; when it fails
/// the caller drops `last_active_time` and `event` (KEDA records a `...Failed` warning instead).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScaleDecision {
    /// Conditions to merge into the status (only the ones this step set).
    pub conditions: Conditions,
    /// The replica write to make.
    pub write: Option<ScaleWrite>,
    /// New `status.lastActiveTime`.
    pub last_active_time: Option<Instant>,
    /// Event to record.
    pub event: Option<Event>,
    /// Error to report (replicas unreadable).
    pub error: Option<String>,
}

/// KEDA's `RequestScale` for a ScaledObject.
pub fn request_scale(
    spec: &ExecutorSpec<'_>,
    status: &ExecutorStatus,
    input: &ExecutorInput<'_>,
) -> ScaleDecision {
    use ConditionStatus::{False, True, Unknown};
    let mut d = ScaleDecision::default();
    d.conditions.set(
        ConditionType::Ready,
        True,
        "ScaledObjectReady",
        "ScaledObject is defined correctly and is ready for scaling",
    );
    let current = match &input.current_replicas {
        Ok(c) => *c,
        Err(e) => {
            let msg = format!("Error getting current replicas count for ScaleTarget: {e}");
            d.conditions.set(
                ConditionType::Ready,
                False,
                "ErrorGettingCurrentReplicas",
                msg.clone(),
            );
            d.error = Some(msg);
            return d;
        }
    };
    let ann = &spec.annotations;
    if ann.paused {
        d.conditions.set(
            ConditionType::Paused,
            True,
            "ScaledObjectPaused",
            "ScaledObject is paused",
        );
        return d;
    }
    let min = spec.min_replica_count.unwrap_or(0);
    let idle = spec.idle_replica_count;
    if input.is_active || ann.force_activation {
        let msg = if ann.force_activation {
            "Scaling is performed because activation is being forced by annotation"
        } else {
            "Scaling is performed because triggers are active"
        };
        d.conditions
            .set(ConditionType::Active, True, "ScalerActive", msg);
        if (idle.is_some() && current < min) || current == 0 {
            if !ann.pause_scale_out {
                let replicas = if min > 0 { min } else { 1 };
                d.write = Some(ScaleWrite {
                    replicas,
                    reason: ScaleReason::Activate,
                });
                d.last_active_time = Some(input.now);
                let t = &spec.target;
                let cause = if ann.force_activation {
                    "caused by forced activation annotation".to_owned()
                } else {
                    format!("triggered by {}", input.active_triggers.join(";"))
                };
                d.event = Some(Event {
                    type_: "Normal",
                    reason: "KEDAScaleTargetActivated",
                    message: format!(
                        "Scaled {} {}/{} from {current} to {replicas}, {cause}",
                        t.kind, t.namespace, t.name
                    ),
                });
            }
        } else if input.is_error {
            d.conditions.set(
                ConditionType::Ready,
                Unknown,
                "PartialTriggerError",
                "Some triggers defined in ScaledObject are not working correctly",
            );
        } else {
            d.last_active_time = Some(input.now);
        }
    } else {
        d.conditions.set(
            ConditionType::Active,
            False,
            "ScalerNotActive",
            "Scaling is not performed because triggers are not active",
        );
        let fallback_pending = spec.fallback_replicas.is_some_and(|r| r != 0);
        if input.is_error && fallback_pending {
            // The HPA will apply fallback.replicas; scaling to zero would disable it.
        } else if input.is_error && spec.fallback_replicas.is_none() {
            d.conditions.set(
                ConditionType::Ready,
                False,
                "TriggerError",
                "Triggers defined in ScaledObject are not working correctly",
            );
        } else if idle.is_some_and(|i| current > i) || (current > 0 && min == 0) {
            scale_to_zero_or_idle(spec, status, input.now, current, &mut d);
        } else if idle.is_none() && current < min {
            d.write = Some(ScaleWrite {
                replicas: min,
                reason: ScaleReason::EnforceMin,
            });
        }
    }
    if let Some((s, reason, message)) = input.hpa.hpa_active() {
        d.conditions
            .set(ConditionType::HpaActive, s, reason, message);
    }
    d
}

/// The instant after which an inactive object may be scaled to zero/idle: creation +
/// initialCooldownPeriod before it was ever active, else lastActiveTime + cooldownPeriod.
pub fn cooldown_gate(spec: &ExecutorSpec<'_>, status: &ExecutorStatus) -> Instant {
    match status.last_active_time {
        None => status.creation_time.plus_secs(i64::from(
            spec.initial_cooldown_period
                .unwrap_or(DEFAULT_INITIAL_COOLDOWN_PERIOD),
        )),
        Some(t) => t.plus_secs(i64::from(
            spec.cooldown_period.unwrap_or(DEFAULT_COOLDOWN_PERIOD),
        )),
    }
}

fn scale_to_zero_or_idle(
    spec: &ExecutorSpec<'_>,
    status: &ExecutorStatus,
    now: Instant,
    current: i32,
    d: &mut ScaleDecision,
) {
    if spec.annotations.pause_scale_in {
        return;
    }
    if cooldown_gate(spec, status) < now {
        let replicas = spec
            .idle_replica_count
            .or(spec.min_replica_count)
            .unwrap_or(0);
        d.write = Some(ScaleWrite {
            replicas,
            reason: ScaleReason::Deactivate,
        });
        let t = &spec.target;
        d.event = Some(Event {
            type_: "Normal",
            reason: "KEDAScaleTargetDeactivated",
            message: format!(
                "Deactivated {} {}/{} from {current} to {replicas}",
                t.kind, t.namespace, t.name
            ),
        });
    } else {
        d.conditions.set(
            ConditionType::Active,
            ConditionStatus::False,
            "ScalerCooldown",
            "Scaler cooling down because triggers are not active",
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn input(active: bool, current: i32, now: i64) -> ExecutorInput<'static> {
        ExecutorInput {
            is_active: active,
            is_error: false,
            current_replicas: Ok(current),
            active_triggers: &[],
            hpa: HpaObservation::Unobservable,
            now: Instant::from_secs(now),
        }
    }

    #[test]
    fn activation_scales_from_zero_to_min_or_one() {
        let spec = ExecutorSpec::default();
        let d = request_scale(&spec, &ExecutorStatus::default(), &input(true, 0, 10));
        assert_eq!(
            d.write,
            Some(ScaleWrite {
                replicas: 1,
                reason: ScaleReason::Activate
            })
        );
        assert_eq!(d.last_active_time, Some(Instant::from_secs(10)));
        let spec = ExecutorSpec {
            min_replica_count: Some(3),
            ..spec
        };
        assert_eq!(
            request_scale(&spec, &ExecutorStatus::default(), &input(true, 0, 10))
                .write
                .map(|w| w.replicas),
            Some(3)
        );
        assert_eq!(
            request_scale(&spec, &ExecutorStatus::default(), &input(true, 4, 10)).write,
            None
        );
    }

    #[test]
    fn deactivation_waits_for_the_cooldown() {
        let spec = ExecutorSpec {
            cooldown_period: Some(60),
            ..Default::default()
        };
        let status = ExecutorStatus {
            last_active_time: Some(Instant::from_secs(100)),
            creation_time: Instant::ZERO,
        };
        let cooling = request_scale(&spec, &status, &input(false, 2, 160));
        assert_eq!(cooling.write, None, "gate must be strictly before now");
        assert_eq!(
            cooling
                .conditions
                .get(ConditionType::Active)
                .unwrap()
                .reason,
            "ScalerCooldown"
        );
        let done = request_scale(&spec, &status, &input(false, 2, 161));
        assert_eq!(
            done.write,
            Some(ScaleWrite {
                replicas: 0,
                reason: ScaleReason::Deactivate
            })
        );
        let never_active = ExecutorStatus {
            last_active_time: None,
            creation_time: Instant::from_secs(100),
        };
        let spec = ExecutorSpec {
            initial_cooldown_period: Some(30),
            ..spec
        };
        assert_eq!(
            request_scale(&spec, &never_active, &input(false, 2, 120)).write,
            None
        );
        assert!(
            request_scale(&spec, &never_active, &input(false, 2, 131))
                .write
                .is_some()
        );
    }

    #[test]
    fn errors_with_fallback_never_scale_to_zero() {
        let spec = ExecutorSpec {
            fallback_replicas: Some(4),
            ..Default::default()
        };
        let mut i = input(false, 3, 1000);
        i.is_error = true;
        let d = request_scale(&spec, &ExecutorStatus::default(), &i);
        assert_eq!(d.write, None);
        assert!(d.conditions.get(ConditionType::Ready).unwrap().status == ConditionStatus::True);
    }

    #[test]
    fn paused_does_nothing_else() {
        let spec = ExecutorSpec {
            annotations: ScaleAnnotations {
                paused: true,
                ..Default::default()
            },
            ..Default::default()
        };
        let d = request_scale(&spec, &ExecutorStatus::default(), &input(true, 0, 1));
        assert_eq!(d.write, None);
        assert!(d.conditions.is_true(ConditionType::Paused));
        assert!(d.conditions.get(ConditionType::Active).is_none());
    }
}
