//! The ScaledJob resource (`apis/keda/v1alpha1/scaledjob_types.go`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::meta::ObjectMeta;
use super::scaled_object::{API_VERSION, TriggerActivityStatus};
use super::triggers::Trigger;
use crate::conditions::Conditions;

/// Default `successfulJobsHistoryLimit` and `failedJobsHistoryLimit`.
pub const DEFAULT_JOBS_HISTORY_LIMIT: i32 = 100;
/// Default `maxReplicaCount` of a ScaledJob.
pub const DEFAULT_SCALED_JOB_MAX_REPLICA_COUNT: i64 = 100;

/// A ScaledJob: creates Kubernetes Jobs from a template as events arrive.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ScaledJob {
    /// `apiVersion` (`keda.sh/v1alpha1`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `kind` (`ScaledJob`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `metadata`.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `spec`.
    pub spec: ScaledJobSpec,
    /// `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ScaledJobStatus>,
}

/// `ScaledJobSpec`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ScaledJobSpec {
    /// `jobTargetRef`: the `batch/v1` JobSpec of the Jobs to create.
    pub job_target_ref: JobSpec,
    /// `pollingInterval` (seconds, ≥ 1; default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polling_interval: Option<i32>,
    /// `successfulJobsHistoryLimit` (≥ 0; default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successful_jobs_history_limit: Option<i32>,
    /// `failedJobsHistoryLimit` (≥ 0; default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_jobs_history_limit: Option<i32>,
    /// `rolloutStrategy` (deprecated; use `rollout.strategy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout_strategy: Option<RolloutStrategy>,
    /// `rollout`.
    #[serde(default, skip_serializing_if = "Rollout::is_empty")]
    pub rollout: Rollout,
    /// `envSourceContainerName` (first container when empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub env_source_container_name: String,
    /// `minReplicaCount` (≥ 0; default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replica_count: Option<i32>,
    /// `maxReplicaCount` (≥ 1; default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replica_count: Option<i32>,
    /// `scalingStrategy`.
    #[serde(default, skip_serializing_if = "ScalingStrategy::is_empty")]
    pub scaling_strategy: ScalingStrategy,
    /// `triggers` (at least one).
    pub triggers: Vec<Trigger>,
}

/// The `batch/v1` `JobSpec` fields, each modelled (so unknown ones are rejected). The pod
/// template's `spec` is kept as JSON: it is Kubernetes' PodSpec, validated by the API server when
/// Jobs are created, not by KEDA (only `containers` is checked here).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct JobSpec {
    /// `parallelism`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<i32>,
    /// `completions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completions: Option<i32>,
    /// `activeDeadlineSeconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<i64>,
    /// `podFailurePolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_failure_policy: Option<serde_json::Value>,
    /// `successPolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_policy: Option<serde_json::Value>,
    /// `backoffLimit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<i32>,
    /// `backoffLimitPerIndex`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit_per_index: Option<i32>,
    /// `maxFailedIndexes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failed_indexes: Option<i32>,
    /// `selector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<serde_json::Value>,
    /// `manualSelector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_selector: Option<bool>,
    /// `template` (required).
    pub template: PodTemplateSpec,
    /// `ttlSecondsAfterFinished`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds_after_finished: Option<i32>,
    /// `completionMode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_mode: Option<String>,
    /// `suspend`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// `podReplacementPolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_replacement_policy: Option<String>,
    /// `managedBy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
}

/// `PodTemplateSpec`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PodTemplateSpec {
    /// `metadata`.
    #[serde(default, skip_serializing_if = "is_default_meta")]
    pub metadata: ObjectMeta,
    /// `spec`: a Kubernetes PodSpec, kept as JSON.
    #[serde(default)]
    pub spec: serde_json::Value,
}

fn is_default_meta(m: &ObjectMeta) -> bool {
    *m == ObjectMeta::default()
}

/// `rollout`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Rollout {
    /// `strategy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<RolloutStrategy>,
    /// `propagationPolicy` (background when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagation_policy: Option<PropagationPolicy>,
}

impl Rollout {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `rollout.strategy`: what happens to running Jobs when the ScaledJob changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RolloutStrategy {
    /// Running Jobs are left to finish.
    Gradual,
    /// Running Jobs of older generations are deleted.
    Immediate,
}

/// `rollout.propagationPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PropagationPolicy {
    /// Foreground deletion.
    Foreground,
    /// Background deletion.
    Background,
}

/// `scalingStrategy`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ScalingStrategy {
    /// `strategy` (default when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<ScalingStrategyKind>,
    /// `customScalingQueueLengthDeduction`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_scaling_queue_length_deduction: Option<i32>,
    /// `customScalingRunningJobPercentage` (a float as a string).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub custom_scaling_running_job_percentage: String,
    /// `pendingPodConditions`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_pod_conditions: Vec<String>,
    /// `multipleScalersCalculation` (max when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple_scalers_calculation: Option<MultipleScalersCalculation>,
}

impl ScalingStrategy {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `scalingStrategy.strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScalingStrategyKind {
    /// `default`.
    #[default]
    Default,
    /// `custom`.
    Custom,
    /// `accurate`.
    Accurate,
    /// `eager`.
    Eager,
}

/// `scalingStrategy.multipleScalersCalculation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MultipleScalersCalculation {
    /// The scaler with the largest queue.
    #[default]
    Max,
    /// The scaler with the smallest queue.
    Min,
    /// The average.
    Avg,
    /// The sum.
    Sum,
}

/// `status`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ScaledJobStatus {
    /// `lastActiveTime` (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active_time: Option<String>,
    /// `conditions`.
    #[serde(default, skip_serializing_if = "super::scaled_object::no_conditions")]
    pub conditions: Conditions,
    /// `Paused` (capitalised in KEDA's JSON).
    #[serde(default, rename = "Paused", skip_serializing_if = "String::is_empty")]
    pub paused: String,
    /// `triggersTypes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggers_types: Option<String>,
    /// `authenticationsTypes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentications_types: Option<String>,
    /// `externalMetricNames`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_metric_names: Vec<String>,
    /// `triggersActivity`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub triggers_activity: BTreeMap<String, TriggerActivityStatus>,
}

impl ScaledJob {
    /// A ScaledJob `namespace/name` running `template` with `triggers`.
    pub fn new(
        name: impl Into<String>,
        namespace: impl Into<String>,
        template: PodTemplateSpec,
        triggers: Vec<Trigger>,
    ) -> Self {
        Self {
            api_version: API_VERSION.into(),
            kind: "ScaledJob".into(),
            metadata: ObjectMeta::named(name, namespace),
            spec: ScaledJobSpec {
                job_target_ref: JobSpec {
                    template,
                    ..JobSpec::default()
                },
                triggers,
                ..ScaledJobSpec::default()
            },
            status: None,
        }
    }

    /// KEDA's `ScaledJob.MinReplicaCount()`: `minReplicaCount` (0 when unset), capped at `maxReplicaCount`.
    pub fn min_replica_count(&self) -> i64 {
        match (self.spec.min_replica_count, self.spec.max_replica_count) {
            (Some(min), Some(max)) if min > max => i64::from(max),
            (Some(min), _) => i64::from(min),
            (None, _) => 0,
        }
    }

    /// KEDA's `ScaledJob.MaxReplicaCount()`: the job budget above the minimum, `max − min`
    /// (`max` when min > max; 100 when `maxReplicaCount` is unset).
    pub fn max_replica_count(&self) -> i64 {
        match (self.spec.min_replica_count, self.spec.max_replica_count) {
            (Some(min), Some(max)) if min > max => i64::from(max),
            (_, Some(max)) => i64::from(max) - self.min_replica_count(),
            (_, None) => DEFAULT_SCALED_JOB_MAX_REPLICA_COUNT,
        }
    }

    /// The effective `pollingInterval` in seconds.
    pub fn polling_interval(&self) -> i32 {
        self.spec
            .polling_interval
            .unwrap_or(super::scaled_object::DEFAULT_POLLING_INTERVAL)
    }

    /// The effective `successfulJobsHistoryLimit`.
    pub fn successful_jobs_history_limit(&self) -> i32 {
        self.spec
            .successful_jobs_history_limit
            .unwrap_or(DEFAULT_JOBS_HISTORY_LIMIT)
    }

    /// The effective `failedJobsHistoryLimit`.
    pub fn failed_jobs_history_limit(&self) -> i32 {
        self.spec
            .failed_jobs_history_limit
            .unwrap_or(DEFAULT_JOBS_HISTORY_LIMIT)
    }

    /// The effective rollout strategy: `rollout.strategy`, else the legacy `rolloutStrategy`;
    /// anything but `gradual` behaves as immediate.
    pub fn rollout_strategy(&self) -> RolloutStrategy {
        match self.spec.rollout.strategy.or(self.spec.rollout_strategy) {
            Some(RolloutStrategy::Gradual) => RolloutStrategy::Gradual,
            _ => RolloutStrategy::Immediate,
        }
    }

    /// KEDA's `ScaledJob.NeedToBePausedByAnnotation`: the `paused` annotation is truthy.
    pub fn need_to_be_paused(&self) -> bool {
        super::annotations::bool_annotation(&self.metadata.annotations, super::annotations::PAUSED)
    }

    /// KEDA's `GenerateIdentifier`: `scaledjob.<namespace>.<name>`, lower-cased.
    pub fn identifier(&self) -> String {
        format!(
            "scaledjob.{}.{}",
            self.metadata.namespace(),
            self.metadata.name()
        )
        .to_lowercase()
    }
}
