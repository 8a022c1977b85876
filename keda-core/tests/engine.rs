//! The engine's loop properties on tokio's paused clock: errors and timeouts never stop it,
//! fallback takes over after `failureThreshold`, `useCachedMetrics` serves the last poll, pause
//! pins replicas, removal restores the original count, and concurrency stays bounded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

use keda_core::conditions::ConditionType;
use keda_core::engine::{Engine, EngineConfig, InMemoryScaleTarget, ScaledObjectSpec, TriggerSpec};
use keda_core::error::ScalerErrorKind;
use keda_core::fallback::{Fallback, FallbackBehavior, HealthState};
use keda_core::scaler::{
    MetricTargetType, MetricValue, MetricsAndActivity, Scaler, ScalerMetricSpec,
};
use keda_core::{Error, Result};

/// A scriptable scaler: value, failure, delay; counts calls and concurrent calls.
#[derive(Debug, Default)]
struct Script {
    value: AtomicI64,
    failing: AtomicUsize,
    delay_ms: AtomicI64,
    calls: AtomicUsize,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl Scaler for Script {
    fn metric_specs(&self) -> Vec<ScalerMetricSpec> {
        vec![ScalerMetricSpec {
            metric_name: "s0-m".into(),
            target_type: MetricTargetType::AverageValue,
            target_milli: 1000,
        }]
    }

    async fn metrics_and_activity(&self, metric_name: &str) -> Result<MetricsAndActivity> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let delay = self.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay as u64)).await;
        }
        self.running.fetch_sub(1, Ordering::SeqCst);
        if self.failing.load(Ordering::SeqCst) > 0 {
            return Err(Error::scaler("script", ScalerErrorKind::Connection, "down"));
        }
        let v = self.value.load(Ordering::SeqCst);
        Ok(MetricsAndActivity {
            values: vec![MetricValue {
                metric_name: metric_name.into(),
                value_milli: v * 1000,
            }],
            active: v > 0,
        })
    }
}

fn setup(config: EngineConfig) -> (Engine, Arc<InMemoryScaleTarget>) {
    let target = Arc::new(InMemoryScaleTarget::new(true));
    (Engine::with_memory_target(config, target.clone()), target)
}

fn object(name: &str, scaler: Arc<Script>) -> ScaledObjectSpec {
    ScaledObjectSpec::new("ns", name, name, vec![TriggerSpec::new("script", scaler)])
}

#[tokio::test(start_paused = true)]
async fn failures_and_timeouts_never_stop_the_loop_and_fallback_takes_over() {
    let (mut engine, target) = setup(EngineConfig {
        read_timeout: Duration::from_secs(1),
        ..EngineConfig::default()
    });
    let scaler = Arc::new(Script::default());
    scaler.failing.store(1, Ordering::SeqCst);
    let mut so = object("a", scaler.clone());
    so.fallback = Some(Fallback {
        failure_threshold: 2,
        replicas: 4,
        behavior: FallbackBehavior::Static,
    });
    target.insert(so.target_key(), 0);
    let id = engine.add(so).unwrap();
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    engine.set_observer(move |r| {
        sink.lock().unwrap().push((
            r.at,
            r.state.is_active,
            r.state.is_error,
            r.state.fallback_active,
        ))
    });

    // Polls at 0, 30, 60: failures 1 and 2 are errors, the third is past the threshold.
    engine.run_for(Duration::from_secs(60)).await;
    let seen = reports.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen[0].2 && seen[1].2 && !seen[0].3);
    assert!(
        seen[2].1 && !seen[2].2 && seen[2].3,
        "fallback makes the trigger active: {seen:?}"
    );
    let st = engine.status(id).unwrap();
    assert_eq!(st.health["s0-m"].status, HealthState::Failing);
    assert_eq!(st.health["s0-m"].number_of_failures, Some(3));
    assert!(st.conditions.is_true(ConditionType::Fallback));
    assert_eq!(
        engine.adapter_metrics(id).await.unwrap(),
        vec![MetricValue {
            metric_name: "s0-m".into(),
            value_milli: 4000
        }]
    );

    // Now the scaler hangs: each read times out after 1 s, the loop still ticks every 30 s.
    scaler.failing.store(0, Ordering::SeqCst);
    scaler.delay_ms.store(60_000, Ordering::SeqCst);
    let before = scaler.calls.load(Ordering::SeqCst);
    engine.run_for(Duration::from_secs(90)).await;
    assert_eq!(
        scaler.calls.load(Ordering::SeqCst) - before,
        3,
        "polls at 90, 120 and 150 s"
    );
    // And recovers.
    scaler.delay_ms.store(0, Ordering::SeqCst);
    scaler.value.store(3, Ordering::SeqCst);
    engine.run_for(Duration::from_secs(30)).await;
    let st = engine.status(id).unwrap();
    assert_eq!(st.health["s0-m"].status, HealthState::Happy);
    assert!(!st.conditions.is_true(ConditionType::Fallback));
    assert_eq!(st.triggers_activity, vec![("s0-m".to_owned(), true)]);
}

#[tokio::test(start_paused = true)]
async fn cached_metrics_serve_the_last_poll_and_others_are_read_live() {
    let (mut engine, target) = setup(EngineConfig::default());
    let scaler = Arc::new(Script::default());
    scaler.value.store(7, Ordering::SeqCst);
    let mut cached = object("cached", scaler.clone());
    cached.triggers[0].use_cached_metrics = true;
    target.insert(cached.target_key(), 1);
    let id = engine.add(cached).unwrap();
    engine.run_for(Duration::from_secs(1)).await;
    scaler.value.store(9, Ordering::SeqCst);
    let calls = scaler.calls.load(Ordering::SeqCst);
    assert_eq!(
        engine.adapter_metrics(id).await.unwrap()[0].value_milli,
        7000,
        "served from the 0 s poll"
    );
    assert_eq!(scaler.calls.load(Ordering::SeqCst), calls, "no live read");

    let live_scaler = Arc::new(Script::default());
    live_scaler.value.store(2, Ordering::SeqCst);
    let live = object("live", live_scaler.clone());
    target.insert(live.target_key(), 1);
    let live_id = engine.add(live).unwrap();
    engine.run_for(Duration::from_secs(1)).await;
    live_scaler.value.store(5, Ordering::SeqCst);
    assert_eq!(
        engine.adapter_metrics(live_id).await.unwrap()[0].value_milli,
        5000,
        "read live"
    );
}

#[tokio::test(start_paused = true)]
async fn pause_pins_replicas_and_removal_restores_the_original_count() {
    let (mut engine, target) = setup(EngineConfig::default());
    let scaler = Arc::new(Script::default());
    let mut so = object("p", scaler.clone());
    so.annotations
        .insert("autoscaling.keda.sh/paused-replicas".into(), "2".into());
    so.restore_to_original_replica_count = true;
    let key = so.target_key();
    target.insert(key.clone(), 6);
    let id = engine.add(so).unwrap();
    engine.run_for(Duration::from_secs(61)).await;
    assert_eq!(target.get(&key), Some(2));
    assert_eq!(
        scaler.calls.load(Ordering::SeqCst),
        0,
        "a paused object is not polled"
    );
    assert!(
        engine
            .status(id)
            .unwrap()
            .conditions
            .is_true(ConditionType::Paused)
    );
    engine.remove(id).await.unwrap();
    assert_eq!(target.get(&key), Some(6));
    assert!(engine.status(id).is_none());
    assert!(engine.is_empty());
}

#[tokio::test(start_paused = true)]
async fn concurrency_is_bounded() {
    let (mut engine, target) = setup(EngineConfig {
        max_concurrent_polls: 3,
        ..EngineConfig::default()
    });
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let mut scalers = Vec::new();
    for i in 0..20 {
        let s = Arc::new(Script {
            running: running.clone(),
            peak: peak.clone(),
            ..Script::default()
        });
        s.delay_ms.store(500, Ordering::SeqCst);
        let so = object(&format!("o{i}"), s.clone());
        target.insert(so.target_key(), 0);
        engine.add(so).unwrap();
        scalers.push(s);
    }
    engine.run_for(Duration::from_secs(10)).await;
    assert_eq!(peak.load(Ordering::SeqCst), 3);
    assert!(
        scalers.iter().all(|s| s.calls.load(Ordering::SeqCst) == 1),
        "every object polled once"
    );
}
