//! ScaledJob decisions (KEDA's `pkg/scaling/scaledjob` and `executor/scale_jobs.go`): from the
//! scalers' values and the Jobs that exist, how many Jobs to create, which finished Jobs to delete,
//! and the conditions to set. ScaledJobs have no HPA, no fallback and no scalingModifiers.

pub mod jobs;
pub mod metrics;
pub mod strategy;

pub use jobs::{
    DEFAULT_HISTORY_LIMIT, EXCLUDED_LABELS_ANNOTATION, JobFinish, JobInfo, JobPod, NewJobMeta,
    history_to_delete, jobs_to_create, new_job_meta, running_and_pending,
};
pub use metrics::{JobScaleState, MultipleScalersCalculation, ScalerMetrics, aggregate};
pub use strategy::ScalingStrategy;

use crate::clock::Instant;
use crate::conditions::{ConditionStatus, ConditionType, Conditions};

/// Default `maxReplicaCount` of a ScaledJob.
pub const DEFAULT_MAX_REPLICA_COUNT: i64 = 100;

/// The parts of a ScaledJob's spec the decision reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScaledJobSpec {
    /// `minReplicaCount`.
    pub min_replica_count: Option<i32>,
    /// `maxReplicaCount`.
    pub max_replica_count: Option<i32>,
    /// The selected strategy (see [`ScalingStrategy::select`]).
    pub strategy: ScalingStrategy,
    /// `scalingStrategy.multipleScalersCalculation`.
    pub multiple_scalers_calculation: MultipleScalersCalculation,
    /// `scalingStrategy.pendingPodConditions`.
    pub pending_pod_conditions: Vec<String>,
    /// `successfulJobsHistoryLimit` (default 100).
    pub successful_jobs_history_limit: Option<i32>,
    /// `failedJobsHistoryLimit` (default 100).
    pub failed_jobs_history_limit: Option<i32>,
}

impl ScaledJobSpec {
    /// KEDA's `MinReplicaCount()`: min, capped at max when min > max.
    pub fn min_replicas(&self) -> i64 {
        match (self.min_replica_count, self.max_replica_count) {
            (Some(min), Some(max)) if min > max => i64::from(max),
            (Some(min), _) => i64::from(min),
            (None, _) => 0,
        }
    }

    /// KEDA's `MaxReplicaCount()`: the job budget above the minimum (`max − min`; `max` when
    /// min > max; 100 when max is unset).
    pub fn max_replicas(&self) -> i64 {
        match (self.min_replica_count, self.max_replica_count) {
            (_, None) => DEFAULT_MAX_REPLICA_COUNT,
            (Some(min), Some(max)) if min > max => i64::from(max),
            (_, Some(max)) => i64::from(max) - self.min_replicas(),
        }
    }

    /// KEDA's `getScalingDecision` → `(effectiveMaxScale, scaleTo)`: below the minimum, exactly
    /// the missing Jobs; otherwise the strategy on the running Jobs above the minimum.
    pub fn scaling_decision(
        &self,
        running: i64,
        scale_to: i64,
        max_scale: i64,
        pending: i64,
    ) -> (i64, i64) {
        let min = self.min_replicas();
        if running < min {
            let missing = min - running;
            return (missing, missing);
        }
        self.strategy.effective_max_scale(
            max_scale,
            running - min,
            pending,
            self.max_replicas(),
            scale_to,
        )
    }
}

/// What one poll of a ScaledJob decided.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobDecision {
    /// Jobs to create now.
    pub jobs_to_create: i64,
    /// Finished Jobs to delete (history limits).
    pub jobs_to_delete: Vec<String>,
    /// Conditions to merge into the status.
    pub conditions: Conditions,
    /// New `status.lastActiveTime` (set whenever active).
    pub last_active_time: Option<Instant>,
}

/// KEDA's `RequestJobScale` from the aggregated scaler state and the existing Jobs.
pub fn request_job_scale(
    spec: &ScaledJobSpec,
    state: &JobScaleState,
    is_error: bool,
    jobs: &[JobInfo],
    now: Instant,
) -> JobDecision {
    use ConditionStatus::{False, True, Unknown};
    let (running, pending) = running_and_pending(jobs, &spec.pending_pod_conditions);
    let (effective, scale_to) =
        spec.scaling_decision(running, state.scale_to, state.max_scale, pending);
    let effective = effective.max(0);
    let mut d = JobDecision::default();
    if state.is_active {
        d.last_active_time = Some(now);
        d.jobs_to_create = jobs_to_create(scale_to, effective);
    }
    d.conditions.set(
        ConditionType::Ready,
        True,
        "ScaledJobReady",
        "ScaledJob is defined correctly and is ready for scaling",
    );
    match (is_error, state.is_active) {
        (true, true) => d.conditions.set(
            ConditionType::Ready,
            Unknown,
            "PartialTriggerError",
            "Some triggers defined in ScaledJob are not working correctly",
        ),
        (true, false) => d.conditions.set(
            ConditionType::Ready,
            False,
            "TriggerError",
            "Triggers defined in ScaledJob are not working correctly",
        ),
        _ => {}
    }
    if state.is_active {
        d.conditions.set(
            ConditionType::Active,
            True,
            "ScalerActive",
            "Scaling is performed because triggers are active",
        );
    } else {
        d.conditions.set(
            ConditionType::Active,
            False,
            "ScalerNotActive",
            "Scaling is not performed because triggers are not active",
        );
    }
    d.jobs_to_delete = history_to_delete(
        jobs,
        spec.successful_jobs_history_limit
            .unwrap_or(DEFAULT_HISTORY_LIMIT),
        spec.failed_jobs_history_limit
            .unwrap_or(DEFAULT_HISTORY_LIMIT),
    );
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_above_the_minimum() {
        let spec = ScaledJobSpec {
            min_replica_count: Some(2),
            max_replica_count: Some(10),
            ..Default::default()
        };
        assert_eq!((spec.min_replicas(), spec.max_replicas()), (2, 8));
        let inverted = ScaledJobSpec {
            min_replica_count: Some(12),
            max_replica_count: Some(10),
            ..Default::default()
        };
        assert_eq!((inverted.min_replicas(), inverted.max_replicas()), (10, 10));
        assert_eq!(ScaledJobSpec::default().max_replicas(), 100);
    }

    #[test]
    fn creates_jobs_up_to_the_effective_budget() {
        // keda.md §7: queue 7 (target 1), max 10, 3 running of which 2 pending → default: 4 jobs.
        let spec = ScaledJobSpec {
            max_replica_count: Some(10),
            ..Default::default()
        };
        let state = JobScaleState {
            is_active: true,
            scale_to: 7,
            max_scale: 7,
            max_value: 7.0,
        };
        let pod = |phase: &str| {
            vec![JobPod {
                phase: phase.into(),
                true_conditions: vec![],
            }]
        };
        let jobs: Vec<JobInfo> = ["Pending", "Pending", "Running"]
            .iter()
            .enumerate()
            .map(|(i, p)| JobInfo {
                name: format!("j{i}"),
                pods: pod(p),
                ..Default::default()
            })
            .collect();
        let d = request_job_scale(&spec, &state, false, &jobs, Instant::from_secs(1));
        assert_eq!(d.jobs_to_create, 4);
        let accurate = ScaledJobSpec {
            strategy: ScalingStrategy::Accurate,
            ..spec.clone()
        };
        assert_eq!(
            request_job_scale(&accurate, &state, false, &jobs, Instant::ZERO).jobs_to_create,
            5
        );
        let inactive = JobScaleState {
            is_active: false,
            ..state
        };
        let d = request_job_scale(&spec, &inactive, true, &jobs, Instant::ZERO);
        assert_eq!(d.jobs_to_create, 0);
        assert_eq!(
            d.conditions
                .get(ConditionType::Ready)
                .map(|c| c.reason.as_ref()),
            Some("TriggerError")
        );
    }
}
