//! The HPA KEDA creates for a ScaledObject (`controllers/keda/hpa.go`) and its connection to the
//! HPA math in [`crate::hpa`], so that ScaledObject + metric values → desired replicas.
//!
//! * [`hpa_spec`] builds the HPA: `minReplicas = minReplicaCount if > 0 else 1`, `maxReplicas =
//!   maxReplicaCount or 100`, every external metric with the `scaledobject.keda.sh/name`
//!   selector, resource metrics kept, scalingModifiers replacing all external metrics by
//!   `composite-metric`, behavior copied verbatim with paused-scale-in/out turning the direction's
//!   `selectPolicy` to `Disabled`, metrics sorted by source type.
//! * [`KedaHpa`] holds one HPA's spec, status and controller history and reconciles it against the
//!   metric values the KEDA metrics adapter would serve.

use std::collections::BTreeMap;

use crate::conditions::ConditionStatus;
use crate::hpa::conditions::{SCALING_ACTIVE, find};
use crate::hpa::metrics::StaticMetrics;
use crate::hpa::pods::ConditionStatus as HpaConditionStatus;
use crate::hpa::{
    Behavior, ControllerConfig, CrossVersionObjectReference, HpaController, HpaSpec, HpaStatus,
    MetricSpec, MetricTargetType as HpaTargetType, Observation, Scale, ScalingPolicySelect,
    ScalingRules,
};
use crate::lifecycle::annotations::ScaleAnnotations;
use crate::lifecycle::executor::HpaObservation;
use crate::modifiers::CompiledModifiers;
use crate::scaler::{MetricTargetType, MetricValue, ScalerMetricSpec};
use crate::{Error, Result};

/// Label KEDA puts in every external metric's selector.
pub const SCALED_OBJECT_LABEL: &str = "scaledobject.keda.sh/name";
/// `maxReplicas` when `maxReplicaCount` is unset.
pub const DEFAULT_HPA_MAX_REPLICAS: i32 = 100;

/// What the HPA is built from.
#[derive(Debug, Clone, Default)]
pub struct HpaSource<'a> {
    /// The ScaledObject's name (selector value).
    pub scaled_object: &'a str,
    /// `spec.scaleTargetRef`.
    pub target: CrossVersionObjectReference,
    /// `minReplicaCount`.
    pub min_replica_count: Option<i32>,
    /// `maxReplicaCount`.
    pub max_replica_count: Option<i32>,
    /// The external metric specs of all triggers, in trigger order.
    pub external: &'a [ScalerMetricSpec],
    /// Resource (cpu/memory) metric specs of the triggers.
    pub resource: &'a [MetricSpec],
    /// Compiled scalingModifiers, when used.
    pub modifiers: Option<&'a CompiledModifiers>,
    /// `advanced.horizontalPodAutoscalerConfig.behavior`.
    pub behavior: Option<&'a Behavior>,
    /// The object's annotations (paused-scale-in/out).
    pub annotations: ScaleAnnotations,
}

/// KEDA's `GetHPAMinReplicas`.
pub fn hpa_min_replicas(min_replica_count: Option<i32>) -> i32 {
    min_replica_count.filter(|m| *m > 0).unwrap_or(1)
}

/// Builds the HPA spec KEDA would create. A metric name used twice is an error, as in KEDA.
pub fn hpa_spec(src: &HpaSource<'_>) -> Result<HpaSpec> {
    let mut names: Vec<&str> = Vec::with_capacity(src.external.len());
    for s in src.external {
        if names.contains(&s.metric_name.as_str()) {
            return Err(Error::invalid(
                "spec.triggers",
                &s.metric_name,
                format!(
                    "metricName {} defined multiple times in ScaledObject {}",
                    s.metric_name, src.scaled_object
                ),
            ));
        }
        names.push(&s.metric_name);
    }
    let external: Vec<ScalerMetricSpec> = match src.modifiers {
        Some(m) => vec![m.metric_spec()],
        None => src.external.to_vec(),
    };
    let mut metrics: Vec<MetricSpec> = src.resource.to_vec();
    metrics.extend(
        external
            .iter()
            .map(|s| external_metric(src.scaled_object, s)),
    );
    // Go's sort.Slice is insertion sort (stable) for the short lists an HPA has.
    metrics.sort_by(|a, b| a.type_.as_str().cmp(b.type_.as_str()));
    let mut behavior = src.behavior.cloned();
    let disable = |rules: &mut Option<ScalingRules>| {
        rules
            .get_or_insert_with(ScalingRules::default)
            .select_policy = Some(ScalingPolicySelect::Disabled);
    };
    if src.annotations.pause_scale_in {
        disable(&mut behavior.get_or_insert_with(Behavior::default).scale_down);
    }
    if src.annotations.pause_scale_out {
        disable(&mut behavior.get_or_insert_with(Behavior::default).scale_up);
    }
    Ok(HpaSpec {
        scale_target_ref: src.target.clone(),
        min_replicas: Some(hpa_min_replicas(src.min_replica_count)),
        max_replicas: src.max_replica_count.unwrap_or(DEFAULT_HPA_MAX_REPLICAS),
        metrics,
        behavior,
    })
}

fn external_metric(scaled_object: &str, s: &ScalerMetricSpec) -> MetricSpec {
    let target_type = match s.target_type {
        MetricTargetType::Value => HpaTargetType::Value,
        _ => HpaTargetType::AverageValue,
    };
    let mut spec = MetricSpec::external(&s.metric_name, target_type, s.target_milli);
    if let Some(e) = spec.external.as_mut() {
        e.metric.selector =
            Some(serde_json::json!({ "matchLabels": { SCALED_OBJECT_LABEL: scaled_object } }));
    }
    spec
}

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
    use crate::hpa::MetricSourceType;
    use crate::modifiers::{FormulaTrigger, ScalingModifiers};

    fn ext(name: &str, t: MetricTargetType, target: i64) -> ScalerMetricSpec {
        ScalerMetricSpec {
            metric_name: name.into(),
            target_type: t,
            target_milli: target * 1000,
        }
    }

    #[test]
    fn builds_the_hpa_keda_creates() {
        let specs = [
            ext("s0-redis-q", MetricTargetType::AverageValue, 5),
            ext("s1-prometheus", MetricTargetType::Value, 100),
        ];
        let cpu = [MetricSpec::resource_utilization("cpu", 50)];
        let src = HpaSource {
            scaled_object: "so",
            external: &specs,
            resource: &cpu,
            ..Default::default()
        };
        let spec = hpa_spec(&src).unwrap();
        assert_eq!((spec.min_replicas, spec.max_replicas), (Some(1), 100));
        let types: Vec<_> = spec.metrics.iter().map(|m| m.type_.clone()).collect();
        assert_eq!(
            types,
            [
                MetricSourceType::External,
                MetricSourceType::External,
                MetricSourceType::Resource
            ]
        );
        let e = spec.metrics[0].external.as_ref().unwrap();
        assert_eq!(
            e.metric.selector.as_ref().unwrap()["matchLabels"][SCALED_OBJECT_LABEL],
            "so"
        );
        assert!(spec.behavior.is_none());
        let dup = [
            ext("s0-x", MetricTargetType::AverageValue, 1),
            ext("s0-x", MetricTargetType::AverageValue, 1),
        ];
        assert!(
            hpa_spec(&HpaSource {
                external: &dup,
                ..Default::default()
            })
            .is_err()
        );
    }

    #[test]
    fn modifiers_and_pause_annotations_shape_the_hpa() {
        let sm = ScalingModifiers {
            formula: "a".into(),
            target: "4".into(),
            ..Default::default()
        };
        let m = CompiledModifiers::validate_and_compile(
            &sm,
            [FormulaTrigger {
                name: "a",
                trigger_type: "x",
            }],
        )
        .unwrap();
        let specs = [ext("s0-a", MetricTargetType::AverageValue, 5)];
        let annotations = ScaleAnnotations {
            pause_scale_in: true,
            ..Default::default()
        };
        let src = HpaSource {
            external: &specs,
            modifiers: Some(&m),
            min_replica_count: Some(3),
            annotations,
            ..Default::default()
        };
        let spec = hpa_spec(&src).unwrap();
        assert_eq!(spec.min_replicas, Some(3));
        assert_eq!(spec.metrics.len(), 1);
        assert_eq!(
            spec.metrics[0].external.as_ref().unwrap().metric.name,
            "composite-metric"
        );
        let b = spec.behavior.unwrap();
        assert_eq!(
            b.scale_down.unwrap().select_policy,
            Some(ScalingPolicySelect::Disabled)
        );
        assert!(b.scale_up.is_none());
    }

    #[test]
    fn metric_values_drive_desired_replicas() {
        // Spec §7: static fallback 6 with AverageValue target 10 → metric 60 → HPA 6.
        let specs = [ext("s0-q", MetricTargetType::AverageValue, 10)];
        let spec = hpa_spec(&HpaSource {
            external: &specs,
            ..Default::default()
        })
        .unwrap();
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
