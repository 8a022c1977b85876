//! The ScaledObject resource (`apis/keda/v1alpha1/scaledobject_types.go`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::meta::ObjectMeta;
use super::triggers::Trigger;
use crate::conditions::Conditions;
use crate::fallback::HealthStatus;
use crate::hpa::Behavior as HpaBehavior;
use crate::scaler::MetricTargetType;

/// `keda.sh/v1alpha1`, the API version of every KEDA resource modelled here.
pub const API_VERSION: &str = "keda.sh/v1alpha1";

/// Default `pollingInterval` (seconds).
pub const DEFAULT_POLLING_INTERVAL: i32 = 30;
/// Default `cooldownPeriod` (seconds).
pub const DEFAULT_COOLDOWN_PERIOD: i32 = 300;
/// Default `initialCooldownPeriod` (seconds).
pub const DEFAULT_INITIAL_COOLDOWN_PERIOD: i32 = 0;
/// Default `minReplicaCount`.
pub const DEFAULT_MIN_REPLICA_COUNT: i32 = 0;
/// Default `maxReplicaCount` (and HPA `maxReplicas`).
pub const DEFAULT_MAX_REPLICA_COUNT: i32 = 100;
/// The HPA's `minReplicas` when `minReplicaCount` is unset or 0.
pub const DEFAULT_HPA_MIN_REPLICAS: i32 = 1;
/// The metric name of the scalingModifiers composite metric.
pub const COMPOSITE_METRIC_NAME: &str = "composite-metric";

/// A ScaledObject: autoscales a `/scale` target through an HPA it owns.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ScaledObject {
    /// `apiVersion` (`keda.sh/v1alpha1`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `kind` (`ScaledObject`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `metadata`.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `spec`.
    pub spec: ScaledObjectSpec,
    /// `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ScaledObjectStatus>,
}

/// `ScaledObjectSpec`. Optional fields keep what was written; the accessors apply KEDA's defaults.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ScaledObjectSpec {
    /// `scaleTargetRef`.
    pub scale_target_ref: ScaleTarget,
    /// `pollingInterval` (seconds, ≥ 1; default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polling_interval: Option<i32>,
    /// `initialCooldownPeriod` (seconds, ≥ 0; default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_cooldown_period: Option<i32>,
    /// `cooldownPeriod` (seconds, ≥ 0; default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_period: Option<i32>,
    /// `idleReplicaCount` (≥ 0; unset by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_replica_count: Option<i32>,
    /// `minReplicaCount` (≥ 0; default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replica_count: Option<i32>,
    /// `maxReplicaCount` (≥ 1; default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replica_count: Option<i32>,
    /// `advanced`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced: Option<AdvancedConfig>,
    /// `triggers` (at least one).
    pub triggers: Vec<Trigger>,
    /// `fallback`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
}

/// `scaleTargetRef`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ScaleTarget {
    /// `name` (non-empty).
    pub name: String,
    /// `apiVersion` (`apps/v1` when empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `kind` (`Deployment` when empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `envSourceContainerName`: the container whose env feeds `...FromEnv` parameters.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub env_source_container_name: String,
}

impl ScaleTarget {
    /// A Deployment named `name`.
    pub fn deployment(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// The effective kind (`Deployment` when empty).
    pub fn kind(&self) -> &str {
        if self.kind.is_empty() {
            "Deployment"
        } else {
            &self.kind
        }
    }

    /// The effective API version (`apps/v1` when empty).
    pub fn api_version(&self) -> &str {
        if self.api_version.is_empty() {
            "apps/v1"
        } else {
            &self.api_version
        }
    }
}

/// `advanced`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AdvancedConfig {
    /// `horizontalPodAutoscalerConfig`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizontal_pod_autoscaler_config: Option<HorizontalPodAutoscalerConfig>,
    /// `restoreToOriginalReplicaCount`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restore_to_original_replica_count: bool,
    /// `scalingModifiers`.
    #[serde(default, skip_serializing_if = "ScalingModifiers::is_empty")]
    pub scaling_modifiers: ScalingModifiers,
}

/// `horizontalPodAutoscalerConfig`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct HorizontalPodAutoscalerConfig {
    /// `behavior` (`autoscaling/v2` `HorizontalPodAutoscalerBehavior`), copied verbatim into the HPA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<HpaBehavior>,
    /// `name` of the HPA (`keda-hpa-<ScaledObject name>` when empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// `scalingModifiers`: a formula over named triggers replacing their metrics by one composite metric.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ScalingModifiers {
    /// `formula` (expr language; trigger names are variables).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub formula: String,
    /// `target` (a float as a string; required with a formula).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target: String,
    /// `activationTarget` (a float as a string; 0 when empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub activation_target: String,
    /// `metricType` (`AverageValue` or `Value`; AverageValue when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_type: Option<MetricTargetType>,
}

impl ScalingModifiers {
    /// Whether every field is at its zero value (KEDA then treats the object as not using modifiers).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `fallback`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Fallback {
    /// `failureThreshold` (≥ 0): consecutive failures before the fallback applies.
    pub failure_threshold: i32,
    /// `replicas` (≥ 0).
    pub replicas: i32,
    /// `behavior` (`static` by CRD default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<FallbackBehavior>,
}

impl Fallback {
    /// A static fallback.
    pub fn new(failure_threshold: i32, replicas: i32) -> Self {
        Self {
            failure_threshold,
            replicas,
            behavior: None,
        }
    }

    /// The effective behavior (`static` when unset).
    pub fn behavior(&self) -> FallbackBehavior {
        self.behavior.unwrap_or_default()
    }
}

/// `fallback.behavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FallbackBehavior {
    /// Always `fallback.replicas`.
    #[default]
    Static,
    /// Keep the current replica count.
    CurrentReplicas,
    /// `max(current, fallback.replicas)`.
    CurrentReplicasIfHigher,
    /// `min(current, fallback.replicas)`.
    CurrentReplicasIfLower,
    /// Evaluate the scalingModifiers formula with failing triggers as `nil`.
    ScalingModifiers,
}

/// `status`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ScaledObjectStatus {
    /// `scaleTargetKind`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scale_target_kind: String,
    /// `scaleTargetGVKR`.
    #[serde(
        default,
        rename = "scaleTargetGVKR",
        skip_serializing_if = "Option::is_none"
    )]
    pub scale_target_gvkr: Option<GroupVersionKindResource>,
    /// `originalReplicaCount`: the target's replicas when KEDA first saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_replica_count: Option<i32>,
    /// `lastActiveTime` (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active_time: Option<String>,
    /// `externalMetricNames`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_metric_names: Vec<String>,
    /// `resourceMetricNames`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_metric_names: Vec<String>,
    /// `compositeScalerName`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub composite_scaler_name: String,
    /// `conditions`.
    #[serde(default, skip_serializing_if = "no_conditions")]
    pub conditions: Conditions,
    /// `health`: per metric name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub health: BTreeMap<String, HealthStatus>,
    /// `triggersActivity`: per metric name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub triggers_activity: BTreeMap<String, TriggerActivityStatus>,
    /// `pausedReplicaCount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_replica_count: Option<i32>,
    /// `hpaName`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hpa_name: String,
    /// `triggersTypes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggers_types: Option<String>,
    /// `authenticationsTypes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentications_types: Option<String>,
}

/// `status.scaleTargetGVKR`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct GroupVersionKindResource {
    /// `group`.
    pub group: String,
    /// `version`.
    pub version: String,
    /// `kind`.
    pub kind: String,
    /// `resource`.
    pub resource: String,
}

/// `status.triggersActivity[metric]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TriggerActivityStatus {
    /// `isActive`.
    #[serde(default)]
    pub is_active: bool,
}

impl TriggerActivityStatus {
    /// An activity record.
    pub fn new(is_active: bool) -> Self {
        Self { is_active }
    }
}

impl ScaledObject {
    /// A ScaledObject `namespace/name` scaling the Deployment `target` with `triggers`.
    pub fn new(
        name: impl Into<String>,
        namespace: impl Into<String>,
        target: impl Into<String>,
        triggers: Vec<Trigger>,
    ) -> Self {
        Self {
            api_version: API_VERSION.into(),
            kind: "ScaledObject".into(),
            metadata: ObjectMeta::named(name, namespace),
            spec: ScaledObjectSpec {
                scale_target_ref: ScaleTarget::deployment(target),
                triggers,
                ..ScaledObjectSpec::default()
            },
            status: None,
        }
    }

    /// The annotations.
    pub fn annotations(&self) -> &BTreeMap<String, String> {
        &self.metadata.annotations
    }

    /// KEDA's `GetHPAMinReplicas`: `minReplicaCount` when > 0, else 1.
    pub fn hpa_min_replicas(&self) -> i32 {
        self.spec
            .min_replica_count
            .filter(|m| *m > 0)
            .unwrap_or(DEFAULT_HPA_MIN_REPLICAS)
    }

    /// KEDA's `GetHPAMaxReplicas`: `maxReplicaCount`, else 100.
    pub fn hpa_max_replicas(&self) -> i32 {
        self.spec
            .max_replica_count
            .unwrap_or(DEFAULT_MAX_REPLICA_COUNT)
    }

    /// The HPA's name: `advanced.horizontalPodAutoscalerConfig.name`, else `keda-hpa-<name>`.
    pub fn hpa_name(&self) -> String {
        self.spec
            .advanced
            .as_ref()
            .and_then(|a| a.horizontal_pod_autoscaler_config.as_ref())
            .map(|c| c.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("keda-hpa-{}", self.metadata.name()))
    }

    /// KEDA's `IsUsingModifiers`: `advanced.scalingModifiers` is set to something non-empty.
    pub fn is_using_modifiers(&self) -> bool {
        self.spec
            .advanced
            .as_ref()
            .is_some_and(|a| !a.scaling_modifiers.is_empty())
    }

    /// The scaling modifiers, when used.
    pub fn scaling_modifiers(&self) -> Option<&ScalingModifiers> {
        self.spec
            .advanced
            .as_ref()
            .map(|a| &a.scaling_modifiers)
            .filter(|m| !m.is_empty())
    }

    /// KEDA's `FallbackScalingModifiers`: `fallback.behavior` is `scalingModifiers`.
    pub fn fallback_uses_scaling_modifiers(&self) -> bool {
        self.spec
            .fallback
            .as_ref()
            .is_some_and(|f| f.behavior() == FallbackBehavior::ScalingModifiers)
    }

    /// The effective `pollingInterval` in seconds.
    pub fn polling_interval(&self) -> i32 {
        self.spec
            .polling_interval
            .unwrap_or(DEFAULT_POLLING_INTERVAL)
    }

    /// The effective `cooldownPeriod` in seconds.
    pub fn cooldown_period(&self) -> i32 {
        self.spec.cooldown_period.unwrap_or(DEFAULT_COOLDOWN_PERIOD)
    }

    /// The effective `initialCooldownPeriod` in seconds.
    pub fn initial_cooldown_period(&self) -> i32 {
        self.spec
            .initial_cooldown_period
            .unwrap_or(DEFAULT_INITIAL_COOLDOWN_PERIOD)
    }

    /// The effective `minReplicaCount`.
    pub fn min_replica_count(&self) -> i32 {
        self.spec
            .min_replica_count
            .unwrap_or(DEFAULT_MIN_REPLICA_COUNT)
    }

    /// Whether `advanced.restoreToOriginalReplicaCount` is set.
    pub fn restore_to_original_replica_count(&self) -> bool {
        self.spec
            .advanced
            .as_ref()
            .is_some_and(|a| a.restore_to_original_replica_count)
    }

    /// The HPA behavior to pass through, if any.
    pub fn hpa_behavior(&self) -> Option<&HpaBehavior> {
        self.spec
            .advanced
            .as_ref()?
            .horizontal_pod_autoscaler_config
            .as_ref()?
            .behavior
            .as_ref()
    }

    /// KEDA's `NeedToBePausedByAnnotation`.
    pub fn need_to_be_paused(&self) -> bool {
        super::annotations::need_to_be_paused(self.annotations())
    }

    /// KEDA's `NeedToPauseScaleIn`.
    pub fn need_to_pause_scale_in(&self) -> bool {
        super::annotations::bool_annotation(self.annotations(), super::annotations::PAUSED_SCALE_IN)
    }

    /// KEDA's `NeedToPauseScaleOut`.
    pub fn need_to_pause_scale_out(&self) -> bool {
        super::annotations::bool_annotation(
            self.annotations(),
            super::annotations::PAUSED_SCALE_OUT,
        )
    }

    /// KEDA's `NeedToForceActivation`.
    pub fn need_to_force_activation(&self) -> bool {
        super::annotations::bool_annotation(
            self.annotations(),
            super::annotations::FORCE_ACTIVATION,
        )
    }

    /// KEDA's `GetPausedReplicaCount`.
    pub fn paused_replica_count(&self) -> crate::Result<Option<i32>> {
        super::annotations::paused_replica_count(self.annotations())
    }

    /// KEDA's `GenerateIdentifier`: `scaledobject.<namespace>.<name>`, lower-cased.
    pub fn identifier(&self) -> String {
        format!(
            "scaledobject.{}.{}",
            self.metadata.namespace(),
            self.metadata.name()
        )
        .to_lowercase()
    }
}

pub(super) fn no_conditions(c: &Conditions) -> bool {
    c.0.is_empty()
}

impl From<&Fallback> for crate::fallback::Fallback {
    /// The decision input of a manifest fallback (an unset behavior is the CRD default `static`).
    fn from(f: &Fallback) -> Self {
        use crate::fallback::FallbackBehavior as B;
        let behavior = match f.behavior() {
            FallbackBehavior::Static => B::Static,
            FallbackBehavior::CurrentReplicas => B::CurrentReplicas,
            FallbackBehavior::CurrentReplicasIfHigher => B::CurrentReplicasIfHigher,
            FallbackBehavior::CurrentReplicasIfLower => B::CurrentReplicasIfLower,
            FallbackBehavior::ScalingModifiers => B::ScalingModifiers,
        };
        Self {
            failure_threshold: f.failure_threshold,
            replicas: f.replicas,
            behavior,
        }
    }
}

impl From<&ScalingModifiers> for crate::modifiers::ScalingModifiers {
    /// The decision input of manifest scaling modifiers.
    fn from(m: &ScalingModifiers) -> Self {
        Self {
            formula: m.formula.clone(),
            target: m.target.clone(),
            activation_target: m.activation_target.clone(),
            metric_type: m.metric_type,
        }
    }
}

/// KEDA's `getTriggersActivity`: `status.triggersActivity` after a scale pass. Every name of
/// `external_metric_names` is recorded active iff it is in `active`; for a push scaler's
/// notification (`push_metric`) the existing map is kept and only that metric is rewritten.
pub fn triggers_activity(
    external_metric_names: &[String],
    existing: &BTreeMap<String, TriggerActivityStatus>,
    active: &[String],
    push_metric: Option<&str>,
) -> BTreeMap<String, TriggerActivityStatus> {
    let is_active = |name: &str| TriggerActivityStatus::new(active.iter().any(|a| a == name));
    match push_metric.filter(|m| !m.is_empty()) {
        Some(m) => {
            let mut out = existing.clone();
            out.insert(m.to_owned(), is_active(m));
            out
        }
        None => external_metric_names
            .iter()
            .map(|n| (n.clone(), is_active(n)))
            .collect(),
    }
}
