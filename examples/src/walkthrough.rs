//! The HPA walk-through: one Deployment under a CPU target, driven through the HPA controller on
//! a virtual clock (one reconcile per 15 s sync period).
//!
//! 70% CPU target, 2–10 replicas, each pod requesting 1 CPU. scaleUp: window 0 s, `Max` of
//! 100%/30 s and 4 pods/30 s. scaleDown: window 300 s, `Min` of 50%/60 s and 2 pods/60 s.
//! Demand rises past the target in two steps, then stops. Expected: 2 → 4 → 6, held for the
//! 300 s window, then 4, then 2.

use std::collections::BTreeMap;

use keda_core::clock::Instant;
use keda_core::hpa::metrics::{PodResourceUsage, StaticMetrics};
use keda_core::hpa::pods::{ConditionStatus, Container, Pod, ReadyCondition};
use keda_core::hpa::spec::{Behavior, ScalingPolicy, ScalingPolicySelect, ScalingRules};
use keda_core::hpa::{
    ControllerConfig, HpaController, HpaSpec, HpaStatus, MetricSpec, Observation, Scale,
};

/// One reconcile of the walk-through.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Seconds since the start.
    pub second: i64,
    /// Total CPU demand, millicores.
    pub demand_milli: i64,
    /// Replicas before the reconcile.
    pub replicas_before: i32,
    /// Replicas after it.
    pub replicas: i32,
    /// Utilization the HPA measured, percent.
    pub utilization: Option<i32>,
    /// `AbleToScale` reason.
    pub able_reason: String,
    /// `ScalingLimited` reason.
    pub limited_reason: String,
}

/// When demand changes: `(second, total millicores)`.
pub const DEMAND: [(i64, i64); 4] = [(0, 1_200), (60, 2_800), (120, 4_200), (240, 0)];
/// Length of the run, seconds.
pub const DURATION_SECONDS: i64 = 720;

fn demand_at(second: i64) -> i64 {
    DEMAND
        .iter()
        .rev()
        .find(|(s, _)| *s <= second)
        .map_or(0, |(_, d)| *d)
}

/// The HPA of the walk-through.
pub fn spec() -> HpaSpec {
    let rules = |window, select, policies| ScalingRules {
        stabilization_window_seconds: Some(window),
        select_policy: Some(select),
        policies: Some(policies),
        tolerance: None,
    };
    HpaSpec {
        min_replicas: Some(2),
        max_replicas: 10,
        metrics: vec![MetricSpec::resource_utilization("cpu", 70)],
        behavior: Some(Behavior {
            scale_up: Some(rules(
                0,
                ScalingPolicySelect::Max,
                vec![ScalingPolicy::percent(100, 30), ScalingPolicy::pods(4, 30)],
            )),
            scale_down: Some(rules(
                300,
                ScalingPolicySelect::Min,
                vec![ScalingPolicy::percent(50, 60), ScalingPolicy::pods(2, 60)],
            )),
        }),
        ..HpaSpec::default()
    }
}

/// Runs the walk-through. Pods are ready at once (started long before the run), so the CPU
/// initialization rules do not hide them; load spreads evenly over the replicas.
pub fn run() -> Vec<Tick> {
    let start = Instant::from_secs(1_000_000);
    let spec = spec();
    let mut ctl = HpaController::new(ControllerConfig::default());
    let mut status = HpaStatus::default();
    let mut replicas = 2i32;
    let mut ticks = Vec::new();
    for second in (0..=DURATION_SECONDS).step_by(15) {
        let now = start.plus_secs(second);
        let demand = demand_at(second);
        let pods: Vec<Pod> = (0..replicas)
            .map(|i| Pod {
                name: format!("web-{i}"),
                labels: BTreeMap::from([("app".to_owned(), "web".to_owned())]),
                start_time: Some(Instant::ZERO),
                ready: Some(ReadyCondition {
                    status: ConditionStatus::True,
                    last_transition: Instant::ZERO,
                }),
                containers: vec![Container {
                    name: "web".into(),
                    requests: BTreeMap::from([("cpu".to_owned(), 1000)]),
                    restartable: false,
                }],
                ..Pod::default()
            })
            .collect();
        let per_pod = demand / i64::from(replicas.max(1));
        let usage = pods
            .iter()
            .map(|p| PodResourceUsage {
                pod: p.name.clone(),
                timestamp: now,
                window_ms: 30_000,
                containers: BTreeMap::from([(
                    "web".to_owned(),
                    BTreeMap::from([("cpu".to_owned(), per_pod)]),
                )]),
            })
            .collect();
        let metrics = StaticMetrics {
            resource: Some(usage),
            ..StaticMetrics::default()
        };
        let scale = Scale {
            spec_replicas: replicas,
            status_replicas: replicas,
            ready_replicas: Some(replicas),
            selector: "app=web".into(),
        };
        let obs = Observation {
            scale: Ok(&scale),
            pods: &pods,
            metrics: &metrics,
            other_selectors: &[],
        };
        let decision = ctl.decide(now, &spec, &mut status, &obs);
        let reason = |t: &str| {
            status
                .conditions
                .iter()
                .find(|c| c.type_ == t)
                .map(|c| c.reason.to_string())
                .unwrap_or_default()
        };
        ticks.push(Tick {
            second,
            demand_milli: demand,
            replicas_before: replicas,
            replicas: decision.desired_replicas,
            utilization: status
                .current_metrics
                .iter()
                .flatten()
                .find_map(|m| m.average_utilization),
            able_reason: reason("AbleToScale"),
            limited_reason: reason("ScalingLimited"),
        });
        replicas = decision.desired_replicas;
    }
    ticks
}

/// The distinct replica counts in order (the walk-through's headline).
pub fn replica_steps(ticks: &[Tick]) -> Vec<i32> {
    let mut steps: Vec<i32> = ticks
        .first()
        .map(|t| vec![t.replicas_before])
        .unwrap_or_default();
    for t in ticks {
        if steps.last() != Some(&t.replicas) {
            steps.push(t.replicas);
        }
    }
    steps
}
