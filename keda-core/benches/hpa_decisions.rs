//! Decisions per second of `HpaController` with behavior configured, 1/5/10 External metrics
//! and 100 recorded scale events, against a baseline measured in the same run: the bare
//! replica-calculator proposal for the same metrics (no normalization, no status).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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

fn setup(n_metrics: usize) -> (HpaSpec, StaticMetrics, HpaController) {
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
        metrics: (0..n_metrics)
            .map(|i| {
                MetricSpec::external(&format!("s{i}-queue"), MetricTargetType::AverageValue, 5000)
            })
            .collect(),
        behavior: Some(Behavior {
            scale_up: Some(rules(0, ScalingPolicySelect::Max)),
            scale_down: Some(rules(300, ScalingPolicySelect::Min)),
        }),
        ..HpaSpec::default()
    };
    let metrics = StaticMetrics {
        external: (0..n_metrics)
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
    (spec, metrics, ctl)
}

fn decisions(c: &mut Criterion) {
    let mut g = c.benchmark_group("hpa_decision");
    g.throughput(Throughput::Elements(1));
    for n in [1usize, 5, 10] {
        let (spec, metrics, ctl) = setup(n);
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
        // A running HPA: one reconcile per 15 s sync period, so the history stays bounded.
        let mut ctl = ctl;
        let mut status = HpaStatus::default();
        let mut now = NOW;
        g.bench_function(format!("controller/{n}_metrics"), |b| {
            b.iter(|| {
                now = now.plus_secs(15);
                black_box(
                    ctl.decide(now, &spec, &mut status, black_box(&obs))
                        .desired_replicas,
                )
            })
        });
        let samples: Vec<Vec<i64>> = (0..n).map(|i| vec![40_000 + i as i64 * 1000]).collect();
        g.bench_function(format!("baseline_proposal/{n}_metrics"), |b| {
            b.iter(|| {
                let best = samples
                    .iter()
                    .map(|s| {
                        ReplicaCalculator::external_per_pod_replicas(
                            8,
                            black_box(s),
                            5000,
                            Tolerances::symmetric(0.1),
                        )
                        .replicas
                    })
                    .max();
                black_box(best)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);
