//! Karpenter's scheduling benchmark (400 fake instance types, the five-slice diverse pod mix)
//! and the cost benchmark (generic workloads on the real AWS catalog vs the LP lower bound).
//! Run with `cargo run --release -p examples --bin binpack-bench`.

use karpenter_binpack::catalog::fake_instance_types;
use karpenter_binpack::model::{Model, Options};
use karpenter_binpack::nodepool::NodePool;
use karpenter_binpack::pod::ObjectMeta;
use karpenter_binpack::workloads::diverse_pods;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<usize> = match args.iter().position(|a| a == "--sizes") {
        Some(i) => args
            .get(i + 1)
            .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
            .unwrap_or_default(),
        None => vec![1_000, 5_000, 10_000, 20_000, 50_000, 100_000],
    };
    let pool = NodePool {
        metadata: ObjectMeta {
            name: "default".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let types = fake_instance_types(400);
    let mut model = Model::new(&[pool], &types, &[], Options::default())?;
    println!("scheduling benchmark: 400 instance types, diverse pods (5 slices)");
    println!(
        "{:>8} {:>12} {:>8} {:>10} {:>8}",
        "pods", "pods/s", "nodes", "ms", "failed"
    );
    for n in sizes {
        let pods = diverse_pods(n, 42);
        let reps = if n <= 20_000 { 7 } else { 3 };
        let mut best = f64::MAX;
        let mut result = None;
        for _ in 0..reps {
            let t = Instant::now();
            let sol = model.solve(&pods, &[])?;
            best = best.min(t.elapsed().as_secs_f64());
            result = Some(sol);
        }
        let sol = result.ok_or("no run")?;
        println!(
            "{:>8} {:>12.0} {:>8} {:>10.1} {:>8}",
            n,
            n as f64 / best,
            sol.claims.len(),
            best * 1000.0,
            sol.errors.len()
        );
    }
    Ok(())
}
