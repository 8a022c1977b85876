//! The connection between the HPA KEDA derives from a ScaledObject
//! ([`crate::manifest::derive_hpa`]) and the HPA math in [`crate::hpa`], so that ScaledObject +
//! metric values → desired replicas: [`KedaHpa`] holds one HPA's spec, status and controller
//! history and reconciles it against the metric values the KEDA metrics adapter would serve.

use std::collections::BTreeMap;

use crate::conditions::ConditionStatus;
use crate::hpa::conditions::{SCALING_ACTIVE, find};
use crate::hpa::metrics::StaticMetrics;
use crate::hpa::pods::ConditionStatus as HpaConditionStatus;
use crate::hpa::{ControllerConfig, HpaController, HpaSpec, HpaStatus, Observation, Scale};
use crate::lifecycle::executor::HpaObservation;
use crate::scaler::MetricValue;

fn strip_selectors(spec: &mut HpaSpec) {
    for e in spec.metrics.iter_mut().filter_map(|m| m.external.as_mut()) {
        e.metric.selector = None;
    }
}

/// What one HPA reconcile decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpaStep {
    /// `status.desiredReplicas`.
    pub desired_replicas: i32,
    /// The HPA wants the target's replicas written.
    pub rescaled: bool,
    /// The error the reconcile reports, if any.
    pub error: Option<String>,
}

/// The selector reported by the target's `/scale`; only its presence matters for External metrics.
const TARGET_SELECTOR: &str = "keda.sh/scale-target=true";

/// One ScaledObject's HPA: spec, status and the controller's history between reconciles.
#[derive(Debug, Clone)]
pub struct KedaHpa {
    spec: HpaSpec,
    status: HpaStatus,
    controller: HpaController,
}

impl KedaHpa {
    /// An HPA with `spec` (API defaults applied here) and an empty history. External metric
    /// selectors are dropped: metrics are handed to [`KedaHpa::reconcile`] per object, so the
    /// selector (which only routes adapter queries) has nothing to select, and it is the largest
    /// part of a spec's memory.
    pub fn new(mut spec: HpaSpec, config: ControllerConfig) -> Self {
        crate::hpa::defaults::set_defaults(&mut spec);
        strip_selectors(&mut spec);
        Self {
            spec,
            status: HpaStatus::default(),
            controller: HpaController::new(config),
        }
    }

    /// The spec, defaulted.
    pub fn spec(&self) -> &HpaSpec {
        &self.spec
    }

    /// The status after the last reconcile.
    pub fn status(&self) -> &HpaStatus {
        &self.status
    }

    /// Replaces the spec (KEDA updates the HPA when the ScaledObject changes); history is kept.
    pub fn set_spec(&mut self, mut spec: HpaSpec) {
        crate::hpa::defaults::set_defaults(&mut spec);
        strip_selectors(&mut spec);
        self.spec = spec;
    }

    /// One reconcile at `now` with the target at `current` replicas (`ready` of them ready, for
    /// `Value` targets) and `metrics` as the KEDA metrics adapter serves them. Metrics absent
    /// from `metrics` are reported to the HPA as unavailable. The new status is kept (see
    /// [`KedaHpa::status`]).
    pub fn reconcile(
        &mut self,
        now: crate::clock::Instant,
        current: i32,
        ready: Option<i32>,
        metrics: &[MetricValue],
    ) -> HpaStep {
        let mut external: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for m in metrics {
            external
                .entry(m.metric_name.clone())
                .or_default()
                .push(m.value_milli);
        }
        let source = StaticMetrics {
            external,
            ..StaticMetrics::default()
        };
        let scale = Scale {
            spec_replicas: current,
            status_replicas: current,
            ready_replicas: ready,
            selector: TARGET_SELECTOR.to_owned(),
        };
        let obs = Observation {
            scale: Ok(&scale),
            pods: &[],
            metrics: &source,
            other_selectors: &[],
        };
        let out = self
            .controller
            .decide(now, &self.spec, &mut self.status, &obs);
        HpaStep {
            desired_replicas: out.desired_replicas,
            rescaled: out.rescaled,
            error: out.error,
        }
    }

    /// The HPA's `ScalingActive` condition, as the scale executor observes it.
    pub fn observation(&self) -> HpaObservation {
        match find(&self.status.conditions, SCALING_ACTIVE) {
            None => HpaObservation::Unobservable,
            Some(c) => HpaObservation::ScalingActive {
                status: match c.status {
                    HpaConditionStatus::True => ConditionStatus::True,
                    HpaConditionStatus::False => ConditionStatus::False,
                    _ => ConditionStatus::Unknown,
                },
                reason: c.reason.to_string(),
                message: c.message.to_string(),
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::clock::Instant;
    use crate::manifest::{ScaledObject, Trigger, derive_hpa, external_metric_spec};
    use crate::scaler::{MetricTargetType, ScalerMetricSpec};

    #[test]
    fn metric_values_drive_desired_replicas() {
        // Spec §7: static fallback 6 with AverageValue target 10 → metric 60 → HPA 6.
        let so = ScaledObject::new(
            "so",
            "ns",
            "web",
            vec![Trigger::new("redis", [("listName", "q")])],
        );
        let q = ScalerMetricSpec {
            metric_name: "s0-q".into(),
            target_type: MetricTargetType::AverageValue,
            target_milli: 10_000,
        };
        let spec = derive_hpa(&so, vec![external_metric_spec(&q)])
            .unwrap()
            .spec;
        let mut hpa = KedaHpa::new(spec, ControllerConfig::default());
        let sixty = [MetricValue {
            metric_name: "s0-q".into(),
            value_milli: 60_000,
        }];
        // From 1 replica the classic scale-up limit (max(2 × 1, 4)) caps the first step at 4.
        assert_eq!(
            hpa.reconcile(Instant::from_secs(10), 1, None, &sixty)
                .desired_replicas,
            4
        );
        assert_eq!(
            hpa.reconcile(Instant::from_secs(20), 4, None, &sixty)
                .desired_replicas,
            6
        );
        assert!(matches!(
            hpa.observation(),
            HpaObservation::ScalingActive {
                status: ConditionStatus::True,
                ..
            }
        ));
        let zero = hpa.reconcile(Instant::from_secs(30), 0, None, &[]);
        assert_eq!(zero.desired_replicas, 0);
        assert!(
            matches!(hpa.observation(), HpaObservation::ScalingActive { ref reason, .. } if reason == "ScalingDisabled")
        );
    }
}
