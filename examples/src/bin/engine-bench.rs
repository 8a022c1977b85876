//! Engine benchmark: 10,000 ScaledObjects, one in-process trigger each, polled every 30 s of
//! virtual time (tokio's paused clock) on one thread.
//!
//! Reports, against baselines measured in the same run:
//! * memory: RSS before building anything, RSS with the objects loaded, peak RSS (VmHWM);
//! * CPU per 30 s cycle (thread CPU time from `/proc/thread-self/schedstat`) of the engine,
//!   against a bare loop that calls the same scalers once per cycle.
//!
//! Run: `cargo run --release -p examples --bin engine-bench -- [objects] [cycles] [--hpa]`
//! (`--hpa` also runs the HPA math in-process; each mode in its own process, so the peak RSS
//! belongs to that mode alone).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use keda_core::Result;
use keda_core::engine::{Engine, EngineConfig, InMemoryScaleTarget, ScaledObjectSpec, TriggerSpec};
use keda_core::hpa::ControllerConfig;
use keda_core::scaler::{
    MetricTargetType, MetricValue, MetricsAndActivity, Scaler, ScalerMetricSpec,
};

const POLL: Duration = Duration::from_secs(30);

/// An in-process queue: a number in memory, target 5 per replica.
#[derive(Debug)]
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
        let v = self.0.load(Ordering::Relaxed);
        Ok(MetricsAndActivity {
            values: vec![MetricValue {
                metric_name: metric_name.into(),
                value_milli: v * 1000,
            }],
            active: v > 0,
        })
    }
}

/// A `/proc/self/status` field in KiB.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time of the calling thread, in nanoseconds.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn queues(n: usize) -> Vec<Arc<Queue>> {
    // A mix of idle and busy queues, so objects activate, scale and stay idle.
    (0..n)
        .map(|i| Arc::new(Queue(AtomicI64::new((i % 7) as i64 * 3))))
        .collect()
}

fn build(n: usize, qs: &[Arc<Queue>], hpa: bool) -> (Engine, Arc<InMemoryScaleTarget>) {
    let target = Arc::new(InMemoryScaleTarget::new(false));
    let config = EngineConfig {
        max_concurrent_polls: 256,
        hpa: hpa.then(ControllerConfig::default),
        hpa_sync_period: POLL,
        ..EngineConfig::default()
    };
    let mut engine = Engine::with_memory_target(config, target.clone());
    for (i, q) in qs.iter().enumerate().take(n) {
        let mut so = ScaledObjectSpec::new(
            format!("ns{}", i % 50),
            format!("so-{i}"),
            format!("app-{i}"),
            vec![TriggerSpec::new("queue", q.clone())],
        );
        so.polling_interval = POLL;
        target.insert(so.target_key(), 1);
        if let Err(e) = engine.add(so) {
            eprintln!("object {i}: {e}");
        }
    }
    (engine, target)
}

/// Runs `cycles` polling cycles; returns CPU ns per cycle (after one warm-up cycle).
async fn run(engine: &mut Engine, cycles: u32) -> f64 {
    engine.run_for(POLL).await;
    let cpu = thread_cpu_ns();
    for _ in 0..cycles {
        engine.run_for(POLL).await;
    }
    (thread_cpu_ns() - cpu) as f64 / f64::from(cycles)
}

/// The baseline: the same scalers called once per cycle in a bare loop.
async fn bare(qs: &[Arc<Queue>], cycles: u32) -> f64 {
    let cpu = thread_cpu_ns();
    let mut active = 0usize;
    for _ in 0..cycles {
        for q in qs {
            if let Ok(m) = q.metrics_and_activity("s0-queue").await {
                active += usize::from(m.active);
            }
        }
        tokio::time::sleep(POLL).await;
    }
    std::hint::black_box(active);
    (thread_cpu_ns() - cpu) as f64 / f64::from(cycles)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let with_hpa = args.iter().any(|a| a == "--hpa");
    let mut nums = args.iter().filter_map(|a| a.parse::<u64>().ok());
    let n = nums.next().map_or(10_000, |v| v as usize);
    let cycles = nums.next().map_or(10, |v| v as u32);
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            std::process::exit(1);
        }
    };
    rt.block_on(async {
        let rss_base = status_kib("VmRSS:");
        let qs = queues(n);
        let bare_ns = bare(&qs, cycles).await;
        let rss_scalers = status_kib("VmRSS:");
        let (mut engine, _target) = build(n, &qs, with_hpa);
        let rss_loaded = status_kib("VmRSS:");
        let engine_ns = run(&mut engine, cycles).await;
        let rss_end = status_kib("VmRSS:");
        let hwm = status_kib("VmHWM:");

        let mode = if with_hpa { "in-process HPA synced every 30 s" } else { "HPA external (KEDA operator's share)" };
        println!("engine-bench: {n} ScaledObjects, 1 in-process trigger each, polling every 30 s of virtual time, {cycles} cycles, {mode}");
        println!("memory:");
        println!("  RSS before building anything (baseline)   {:7.1} MiB", mib(rss_base));
        println!("  RSS with the {n} scalers alone            {:7.1} MiB", mib(rss_scalers));
        println!("  RSS with the engine loaded                {:7.1} MiB", mib(rss_loaded));
        println!("  RSS after {cycles} cycles                        {:7.1} MiB", mib(rss_end));
        println!("  peak RSS (VmHWM)                          {:7.1} MiB  (target < 64 MiB; {:.1}x baseline)", mib(hwm), hwm as f64 / rss_base.max(1) as f64);
        println!("  engine bytes per object                   {:7.0} B", (rss_end.saturating_sub(rss_scalers) * 1024) as f64 / n as f64);
        println!("cpu per 30 s cycle (thread CPU time):");
        println!("  bare loop calling the same scalers (baseline) {:8.2} ms", bare_ns / 1e6);
        println!("  engine                                        {:8.2} ms  ({:.1}x baseline, {:.2} us per object)", engine_ns / 1e6, engine_ns / bare_ns.max(1.0), engine_ns / n as f64 / 1e3);
        drop(engine);
    });
}
