//! ScaledObject fallback (KEDA's `pkg/fallback/fallback.go`): per-metric health bookkeeping and,
//! once a metric has failed more than `failureThreshold` times in a row, a synthetic metric that
//! makes the HPA settle on a replica count chosen by `fallback.behavior`.

use std::collections::BTreeMap;

use crate::conditions::{ConditionStatus, ConditionType, Conditions};
use crate::modifiers::{COMPOSITE_METRIC_NAME, ScalingModifiers, parse_go_float, to_milli};
use crate::scaler::{MetricTargetType, MetricValue, ScalerMetricSpec};
use crate::{Error, Result};

/// `spec.fallback.behavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FallbackBehavior {
    /// `static` (the CRD default): `fallback.replicas`.
    #[default]
    Static,
    /// `currentReplicas`: keep the current count.
    CurrentReplicas,
    /// `currentReplicasIfHigher`: `max(current, fallback.replicas)`.
    CurrentReplicasIfHigher,
    /// `currentReplicasIfLower`: `min(current, fallback.replicas)`.
    CurrentReplicasIfLower,
    /// `scalingModifiers`: failing triggers become `nil` inside the formula.
    ScalingModifiers,
    /// Empty or unrecognised (Go's zero value when the API server's default was not applied):
    /// acts like `static` but still reads the current replicas.
    Unset,
}

impl FallbackBehavior {
    /// Parses the manifest value; anything unrecognised is [`FallbackBehavior::Unset`].
    pub fn parse(s: &str) -> Self {
        match s {
            "static" => Self::Static,
            "currentReplicas" => Self::CurrentReplicas,
            "currentReplicasIfHigher" => Self::CurrentReplicasIfHigher,
            "currentReplicasIfLower" => Self::CurrentReplicasIfLower,
            "scalingModifiers" => Self::ScalingModifiers,
            _ => Self::Unset,
        }
    }
}

/// `spec.fallback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fallback {
    /// `failureThreshold`: consecutive failures tolerated before falling back.
    pub failure_threshold: i32,
    /// `replicas`.
    pub replicas: i32,
    /// `behavior`.
    pub behavior: FallbackBehavior,
}

impl Fallback {
    /// KEDA's `HasValidFallback`: non-negative threshold and replicas, and with scalingModifiers a
    /// `target` that parses as an integer > 0.
    pub fn is_valid(&self, modifiers: Option<&ScalingModifiers>) -> bool {
        let modifiers_ok = modifiers
            .filter(|m| m.is_set())
            .is_none_or(|m| m.target.parse::<i64>().is_ok_and(|t| t > 0));
        self.failure_threshold >= 0 && self.replicas >= 0 && modifiers_ok
    }
}

/// `Happy` or `Failing`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum HealthState {
    /// The last read succeeded.
    #[default]
    Happy,
    /// The last read failed.
    Failing,
}

/// `status.health[metricName]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct HealthStatus {
    /// Consecutive failures (`numberOfFailures`).
    #[serde(rename = "numberOfFailures")]
    pub number_of_failures: Option<i32>,
    /// `status`.
    pub status: HealthState,
}

/// `status.health`: metric name → health.
pub type Health = BTreeMap<String, HealthStatus>;

/// The parts of a ScaledObject fallback reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct FallbackConfig<'a> {
    /// `spec.fallback`.
    pub fallback: Option<&'a Fallback>,
    /// `spec.advanced.scalingModifiers`, when set.
    pub modifiers: Option<&'a ScalingModifiers>,
}

impl FallbackConfig<'_> {
    fn modifiers(&self) -> Option<&ScalingModifiers> {
        self.modifiers.filter(|m| m.is_set())
    }

    /// Fallback configured and valid: only then is health tracked.
    pub fn configured(&self) -> Option<&Fallback> {
        self.fallback.filter(|f| f.is_valid(self.modifiers()))
    }

    /// The Fallback condition KEDA derives from the health map: True("FallbackExists") iff some
    /// metric is Failing with more failures than the threshold. `None` when fallback is not
    /// configured (the condition is then left alone).
    pub fn condition(
        &self,
        health: &Health,
    ) -> Option<(ConditionStatus, &'static str, &'static str)> {
        let f = self.configured()?;
        let exceeded = health.values().any(|h| {
            h.status == HealthState::Failing
                && h.number_of_failures.unwrap_or(0) > f.failure_threshold
        });
        Some(if exceeded {
            (
                ConditionStatus::True,
                "FallbackExists",
                "At least one trigger is falling back on this scaled object",
            )
        } else {
            (
                ConditionStatus::False,
                "NoFallbackFound",
                "No fallbacks are active on this scaled object",
            )
        })
    }

    /// KEDA's `scalingModifierTriggerValue`: the value a metric contributes to the formula, `None`
    /// (nil) when behavior is `scalingModifiers` and the metric has failed more than the threshold.
    pub fn trigger_value(&self, metric_name: &str, value: f64, health: &Health) -> Option<f64> {
        let Some(f) = self
            .fallback
            .filter(|f| f.behavior == FallbackBehavior::ScalingModifiers)
        else {
            return Some(value);
        };
        match health.get(metric_name).and_then(|h| h.number_of_failures) {
            Some(n) if n > f.failure_threshold => None,
            _ => Some(value),
        }
    }
}

/// The object status fallback reads and writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FallbackStatus {
    /// `status.health`.
    pub health: Health,
    /// `status.conditions` (only `Fallback` is touched).
    pub conditions: Conditions,
}

/// Replica counts fallback may need; read lazily (a `static` fallback reads nothing).
pub trait ReplicaCounts {
    /// The scale target's current replicas.
    fn current_replicas(&mut self) -> Result<i32>;
    /// Running and Ready pods of the scale target (for `Value` targets).
    fn ready_replicas(&mut self) -> Result<i32>;
}

/// Fixed counts, for callers that already know them.
#[derive(Debug, Clone, Copy, Default)]
pub struct KnownReplicas {
    /// Current replicas, if known.
    pub current: Option<i32>,
    /// Ready replicas, if known.
    pub ready: Option<i32>,
}

impl ReplicaCounts for KnownReplicas {
    fn current_replicas(&mut self) -> Result<i32> {
        self.current
            .ok_or_else(|| Error::Metric("current replicas unknown".into()))
    }
    fn ready_replicas(&mut self) -> Result<i32> {
        self.ready
            .ok_or_else(|| Error::Metric("ready replicas unknown".into()))
    }
}

/// What [`metrics_with_fallback`] produced for one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct FallbackOutcome {
    /// The metrics to use, or the error to report.
    pub result: Result<Vec<MetricValue>>,
    /// True when `result` is a synthetic fallback metric.
    pub fallback_active: bool,
    /// True when the status (health or Fallback condition) changed and must be written back.
    pub status_changed: bool,
}

/// KEDA's `GetMetricsWithFallback` for one metric of one trigger: updates the health entry (only
/// when a valid fallback is configured), then either passes `raw` through, or past the threshold
/// replaces the error by the fallback metric. `spec` is the metric's HPA spec (its target).
pub fn metrics_with_fallback(
    cfg: &FallbackConfig<'_>,
    status: &mut FallbackStatus,
    metric_name: &str,
    spec: &ScalerMetricSpec,
    raw: Result<Vec<MetricValue>>,
    replicas: &mut dyn ReplicaCounts,
) -> FallbackOutcome {
    // Without a valid fallback nothing is tracked and the status is untouched.
    let Some(fallback) = cfg.configured() else {
        return FallbackOutcome {
            result: raw,
            fallback_active: false,
            status_changed: false,
        };
    };
    let before = status.clone();
    let outcome = |result, fallback_active, status: &FallbackStatus| FallbackOutcome {
        result,
        fallback_active,
        status_changed: *status != before,
    };
    let err = match raw {
        Ok(metrics) => {
            status.health.insert(
                metric_name.to_owned(),
                HealthStatus {
                    number_of_failures: Some(0),
                    status: HealthState::Happy,
                },
            );
            update_condition(cfg, status);
            return outcome(Ok(metrics), false, status);
        }
        Err(e) => e,
    };
    let entry = status.health.entry(metric_name.to_owned()).or_default();
    let failures = entry.number_of_failures.unwrap_or(0).saturating_add(1);
    *entry = HealthStatus {
        number_of_failures: Some(failures),
        status: HealthState::Failing,
    };
    update_condition(cfg, status);
    if failures <= fallback.failure_threshold {
        return outcome(Err(err), false, status);
    }
    if fallback.behavior == FallbackBehavior::ScalingModifiers {
        // A placeholder the formula sees as nil (see `FallbackConfig::trigger_value`); not a fallback.
        let placeholder = MetricValue {
            metric_name: metric_name.to_owned(),
            value_milli: -1000,
        };
        return outcome(Ok(vec![placeholder]), false, status);
    }
    // Every behavior but `static` reads the current replicas first; failing that, the scaler's
    // error stands.
    let current = match fallback.behavior {
        FallbackBehavior::Static => 0,
        _ => match replicas.current_replicas() {
            Ok(c) => c,
            Err(_) => return outcome(Err(err), false, status),
        },
    };
    match fallback_metric(cfg, fallback, current, metric_name, spec, replicas) {
        Some(m) => outcome(Ok(vec![m]), true, status),
        None => outcome(
            Err(Error::Metric("error performing fallback".into())),
            false,
            status,
        ),
    }
}

fn update_condition(cfg: &FallbackConfig<'_>, status: &mut FallbackStatus) {
    if let Some((s, reason, message)) = cfg.condition(&status.health) {
        status
            .conditions
            .set(ConditionType::Fallback, s, reason, message);
    }
}

/// KEDA's `doFallback`: `normalisation × 1000 × replicas` milli, replicas chosen by behavior and
/// divided by the ready pods for `Value` targets. `None` when the ready pods cannot be read or
/// none is ready.
fn fallback_metric(
    cfg: &FallbackConfig<'_>,
    fallback: &Fallback,
    current: i32,
    metric_name: &str,
    spec: &ScalerMetricSpec,
    counts: &mut dyn ReplicaCounts,
) -> Option<MetricValue> {
    let (configured, current) = (f64::from(fallback.replicas), f64::from(current));
    let mut replicas = match fallback.behavior {
        FallbackBehavior::CurrentReplicas => current,
        FallbackBehavior::CurrentReplicasIfHigher => current.max(configured),
        FallbackBehavior::CurrentReplicasIfLower => current.min(configured),
        _ => configured,
    };
    let (target_type, normalisation, name) = match cfg.modifiers() {
        Some(m) => (
            m.metric_type.unwrap_or_default(),
            parse_go_float(&m.target).unwrap_or(0.0),
            COMPOSITE_METRIC_NAME,
        ),
        None => (
            spec.target_type,
            spec.target_milli as f64 / 1000.0,
            metric_name,
        ),
    };
    if target_type == MetricTargetType::Value {
        let ready = counts.ready_replicas().ok().filter(|r| *r > 0)?;
        replicas /= f64::from(ready);
    }
    let normalisation = if matches!(
        target_type,
        MetricTargetType::AverageValue | MetricTargetType::Value
    ) {
        normalisation
    } else {
        0.0
    };
    Some(MetricValue {
        metric_name: name.to_owned(),
        value_milli: to_milli(normalisation * replicas),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn spec(t: MetricTargetType, target: i64) -> ScalerMetricSpec {
        ScalerMetricSpec {
            metric_name: "m".into(),
            target_type: t,
            target_milli: target * 1000,
        }
    }

    fn fail() -> Result<Vec<MetricValue>> {
        Err(Error::Metric("boom".into()))
    }

    fn run(
        fb: Fallback,
        status: &mut FallbackStatus,
        raw: Result<Vec<MetricValue>>,
        t: MetricTargetType,
        counts: KnownReplicas,
    ) -> FallbackOutcome {
        let cfg = FallbackConfig {
            fallback: Some(&fb),
            modifiers: None,
        };
        let mut counts = counts;
        metrics_with_fallback(&cfg, status, "m", &spec(t, 10), raw, &mut counts)
    }

    #[test]
    fn falls_back_only_after_the_threshold() {
        let fb = Fallback {
            failure_threshold: 2,
            replicas: 6,
            behavior: FallbackBehavior::Static,
        };
        let mut st = FallbackStatus::default();
        for _ in 0..2 {
            let o = run(
                fb,
                &mut st,
                fail(),
                MetricTargetType::AverageValue,
                KnownReplicas::default(),
            );
            assert!(o.result.is_err() && !o.fallback_active);
        }
        let o = run(
            fb,
            &mut st,
            fail(),
            MetricTargetType::AverageValue,
            KnownReplicas::default(),
        );
        assert!(o.fallback_active);
        assert_eq!(o.result.unwrap()[0].value_milli, 60_000);
        assert!(st.conditions.is_true(ConditionType::Fallback));
        let ok = run(
            fb,
            &mut st,
            Ok(vec![]),
            MetricTargetType::AverageValue,
            KnownReplicas::default(),
        );
        assert!(ok.status_changed && !st.conditions.is_true(ConditionType::Fallback));
        assert_eq!(
            st.health["m"],
            HealthStatus {
                number_of_failures: Some(0),
                status: HealthState::Happy
            }
        );
    }

    #[test]
    fn behaviors_pick_replicas() {
        let known = KnownReplicas {
            current: Some(3),
            ready: Some(3),
        };
        let cases = [
            (FallbackBehavior::CurrentReplicas, 30_000),
            (FallbackBehavior::CurrentReplicasIfHigher, 60_000),
            (FallbackBehavior::CurrentReplicasIfLower, 30_000),
            (FallbackBehavior::Unset, 60_000),
        ];
        for (behavior, want) in cases {
            let fb = Fallback {
                failure_threshold: 0,
                replicas: 6,
                behavior,
            };
            let o = run(
                fb,
                &mut FallbackStatus::default(),
                fail(),
                MetricTargetType::AverageValue,
                known,
            );
            assert_eq!(o.result.unwrap()[0].value_milli, want, "{behavior:?}");
        }
    }

    #[test]
    fn value_targets_divide_by_ready_pods() {
        // Spec §7: Value target 100 (here 10), static 6, 3 ready pods → 6/3 × 10 = 20.
        let fb = Fallback {
            failure_threshold: 0,
            replicas: 6,
            behavior: FallbackBehavior::Static,
        };
        let with_ready = |ready| {
            let counts = KnownReplicas {
                current: None,
                ready: Some(ready),
            };
            run(
                fb,
                &mut FallbackStatus::default(),
                fail(),
                MetricTargetType::Value,
                counts,
            )
            .result
        };
        assert_eq!(with_ready(3).unwrap()[0].value_milli, 20_000);
        assert!(with_ready(0).is_err());
    }

    #[test]
    fn no_bookkeeping_without_a_valid_fallback() {
        let mut st = FallbackStatus::default();
        let cfg = FallbackConfig::default();
        let o = metrics_with_fallback(
            &cfg,
            &mut st,
            "m",
            &spec(MetricTargetType::AverageValue, 1),
            fail(),
            &mut KnownReplicas::default(),
        );
        assert!(o.result.is_err() && !o.status_changed && st.health.is_empty());
        let bad = Fallback {
            failure_threshold: -1,
            replicas: 1,
            behavior: FallbackBehavior::Static,
        };
        let o = run(
            bad,
            &mut st,
            fail(),
            MetricTargetType::AverageValue,
            KnownReplicas::default(),
        );
        assert!(o.result.is_err() && !o.status_changed);
    }

    #[test]
    fn scaling_modifiers_behavior_yields_nil_placeholders() {
        let fb = Fallback {
            failure_threshold: 1,
            replicas: 4,
            behavior: FallbackBehavior::ScalingModifiers,
        };
        let m = ScalingModifiers {
            formula: "a ?? 1".into(),
            target: "2".into(),
            ..Default::default()
        };
        let cfg = FallbackConfig {
            fallback: Some(&fb),
            modifiers: Some(&m),
        };
        let mut st = FallbackStatus::default();
        let mut k = KnownReplicas::default();
        let s = spec(MetricTargetType::AverageValue, 1);
        assert!(
            metrics_with_fallback(&cfg, &mut st, "m", &s, fail(), &mut k)
                .result
                .is_err()
        );
        let o = metrics_with_fallback(&cfg, &mut st, "m", &s, fail(), &mut k);
        assert!(!o.fallback_active);
        assert_eq!(o.result.unwrap()[0].value_milli, -1000);
        assert_eq!(cfg.trigger_value("m", 7.0, &st.health), None);
        assert_eq!(cfg.trigger_value("other", 7.0, &st.health), Some(7.0));
    }
}
