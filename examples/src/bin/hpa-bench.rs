//! `hpa-bench [ITERATIONS]`: HPA decisions per second on one core, with behavior configured,
//! 1/5/10 External metrics and 100 recorded scale events, against a baseline measured in the
//! same run (the bare replica proposal for the same metrics). The criterion version of this
//! benchmark is `cargo bench -p keda-core --bench hpa_decisions`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant as WallClock;

use keda_core::clock::Instant;
use keda_core::hpa::metrics::StaticMetrics;
use keda_core::hpa::rate_limits::ScaleEvent;
use keda_core::hpa::replica_calculator::{ReplicaCalculator, Tolerances};
use keda_core::hpa::spec::{
    Behavior, MetricTargetType, ScalingPolicy, ScalingPolicySelect, ScalingRules,
};
use keda_core::hpa::stabilization::Recommendation;
use keda_core::hpa::{
    ControllerConfig, HpaController, HpaSpec, HpaStatus, MetricSpec, Observation, Scale,
};

const NOW: Instant = Instant::from_secs(1_000_000);

fn main() {
    let iterations: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    println!(
        "{:<10} {:>16} {:>16} {:>8}",
        "metrics", "decisions/s", "baseline/s", "ratio"
    );
    for n in [1usize, 5, 10] {
        let rules = |w, select| ScalingRules {
            stabilization_window_seconds: Some(w),
            select_policy: Some(select),
            policies: Some(vec![
                ScalingPolicy::percent(100, 30),
                ScalingPolicy::pods(4, 60),
            ]),
            tolerance: None,
        };
        let spec = HpaSpec {
            min_replicas: Some(1),
            max_replicas: 100,
            metrics: (0..n)
                .map(|i| {
                    MetricSpec::external(
                        &format!("s{i}-queue"),
                        MetricTargetType::AverageValue,
                        5000,
                    )
                })
                .collect(),
            behavior: Some(Behavior {
                scale_up: Some(rules(0, ScalingPolicySelect::Max)),
                scale_down: Some(rules(300, ScalingPolicySelect::Min)),
            }),
            ..HpaSpec::default()
        };
        let metrics = StaticMetrics {
            external: (0..n)
                .map(|i| (format!("s{i}-queue"), vec![40_000 + i as i64 * 1000]))
                .collect::<BTreeMap<_, _>>(),
            ..StaticMetrics::default()
        };
        let mut ctl = HpaController::new(ControllerConfig::default());
        let ev = |i: i64| ScaleEvent {
            change: 1,
            at: NOW.minus_secs(i * 7),
            outdated: false,
        };
        ctl.set_scale_events((0..50).map(ev).collect(), (50..100).map(ev).collect());
        ctl.set_recommendations(
            (0..20)
                .map(|i| Recommendation {
                    replicas: 8,
                    at: NOW.minus_secs(i * 15),
                })
                .collect(),
        );
        let scale = Scale {
            spec_replicas: 8,
            status_replicas: 8,
            ready_replicas: None,
            selector: "app=w".into(),
        };
        let obs = Observation {
            scale: Ok(&scale),
            pods: &[],
            metrics: &metrics,
            other_selectors: &[],
        };
        let mut status = HpaStatus::default();

        let start = WallClock::now();
        let mut sum = 0i64;
        // One reconcile per sync period (15 s), as kube-controller-manager runs them.
        for i in 0..iterations {
            let now = NOW.plus_secs(15 * i64::from(i));
            sum += i64::from(
                ctl.decide(now, black_box(&spec), &mut status, black_box(&obs))
                    .desired_replicas,
            );
        }
        let controller = f64::from(iterations) / start.elapsed().as_secs_f64();

        let samples: Vec<Vec<i64>> = (0..n).map(|i| vec![40_000 + i as i64 * 1000]).collect();
        let start = WallClock::now();
        for _ in 0..iterations {
            let best = black_box(&samples)
                .iter()
                .map(|s| {
                    ReplicaCalculator::external_per_pod_replicas(
                        8,
                        s,
                        5000,
                        Tolerances::symmetric(0.1),
                    )
                    .replicas
                })
                .max();
            sum += i64::from(best.unwrap_or(0));
        }
        let baseline = f64::from(iterations) / start.elapsed().as_secs_f64();
        black_box(sum);
        println!(
            "{n:<10} {controller:>16.0} {baseline:>16.0} {:>8.2}",
            baseline / controller
        );
    }
}
