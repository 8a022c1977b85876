//! End to end on tokio's paused clock: a queue grows, the ScaledObject activates (0 → 1), the
//! in-process HPA scales up under its behavior, the queue drains, the cooldown passes and KEDA
//! scales the target back to zero. The whole replica timeline is asserted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use keda_core::Result;
use keda_core::clock::Instant;
use keda_core::engine::{
    Engine, EngineConfig, InMemoryScaleTarget, ReplicaChange, ScaledObjectSpec, TriggerSpec,
};
use keda_core::hpa::{Behavior, ControllerConfig, ScalingPolicy, ScalingRules};
use keda_core::scaler::{
    MetricTargetType, MetricValue, MetricsAndActivity, Scaler, ScalerMetricSpec,
};

/// A queue whose length the test sets; like KEDA's redis scaler: target 5 per replica, active
/// when the length is above 0.
#[derive(Debug, Default)]
struct Queue(AtomicI64);

#[async_trait::async_trait]
impl Scaler for Queue {
    fn metric_specs(&self) -> Vec<ScalerMetricSpec> {
        vec![ScalerMetricSpec {
            metric_name: "s0-queue".into(),
            target_type: MetricTargetType::AverageValue,
            target_milli: 5000,
        }]
    }

    async fn metrics_and_activity(&self, metric_name: &str) -> Result<MetricsAndActivity> {
        let len = self.0.load(Ordering::SeqCst);
        Ok(MetricsAndActivity {
            values: vec![MetricValue {
                metric_name: metric_name.into(),
                value_milli: len * 1000,
            }],
            active: len > 0,
        })
    }
}

fn at(ms: i64, replicas: i32) -> ReplicaChange {
    ReplicaChange {
        at: Instant::from_millis(ms),
        replicas,
    }
}

#[tokio::test(start_paused = true)]
async fn queue_drives_activation_hpa_scale_up_cooldown_and_scale_to_zero() {
    let queue = Arc::new(Queue::default());
    let target = Arc::new(InMemoryScaleTarget::new(true));
    let config = EngineConfig {
        hpa: Some(ControllerConfig::default()),
        ..EngineConfig::default()
    };
    let mut engine = Engine::with_memory_target(config, target.clone());

    let mut so = ScaledObjectSpec::new(
        "shop",
        "orders",
        "worker",
        vec![TriggerSpec::new("redis", queue.clone())],
    );
    so.cooldown_period = Some(120);
    so.max_replica_count = Some(10);
    // At most 4 pods per minute up; default scale-down rules (5 min stabilization).
    so.behavior = Some(Behavior {
        scale_up: Some(ScalingRules {
            stabilization_window_seconds: Some(0),
            policies: Some(vec![ScalingPolicy::pods(4, 60)]),
            ..Default::default()
        }),
        scale_down: None,
    });
    target.insert(so.target_key(), 0);
    let key = so.target_key();
    let id = engine.add(so).unwrap();

    // Idle for 45 s: nothing happens.
    engine.run_for(Duration::from_secs(45)).await;
    assert!(target.history(&key).is_empty());

    // 50 messages arrive: the 60 s poll activates (0 → 1), then the HPA climbs 4 pods a minute
    // towards ceil(50 / 5) = 10.
    queue.0.store(50, Ordering::SeqCst);
    engine.run_for(Duration::from_secs(255)).await;
    let status = engine.status(id).unwrap();
    assert_eq!(
        status.triggers_activity,
        vec![("s0-queue".to_owned(), true)]
    );
    assert_eq!(target.get(&key), Some(10));

    // The queue drains just after the 300 s poll (still active: lastActiveTime = 300 s). The HPA
    // would hold 10 for its 5 min scale-down stabilization window, but KEDA's cooldown ends first:
    // 300 + 120 = 420 s must be strictly before the poll, so the 450 s poll scales to zero.
    queue.0.store(0, Ordering::SeqCst);
    engine.run_for(Duration::from_secs(700)).await;
    assert_eq!(target.get(&key), Some(0));

    let timeline = target.history(&key);
    assert_eq!(
        timeline,
        vec![
            at(60_000, 1),
            at(60_100, 5),
            at(120_100, 9),
            at(180_100, 10),
            at(450_000, 0)
        ],
        "{timeline:?}"
    );
    let status = engine.status(id).unwrap();
    assert_eq!(
        status.triggers_activity,
        vec![("s0-queue".to_owned(), false)]
    );
    assert_eq!(status.last_active_time, Some(Instant::from_secs(300)));
}
