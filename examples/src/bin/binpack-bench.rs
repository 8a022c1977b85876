//! Karpenter's scheduling benchmark (400 fake instance types, the five-slice diverse pod mix)
//! and the cost benchmark (generic workloads on the real AWS catalog: default vs `--optimize`
//! vs the LP lower bound). Run with `cargo run --release -p examples --bin binpack-bench`;
//! `--sizes 1000,5000` and `--workloads N` narrow the runs, `--skip-cost` / `--skip-speed` pick one.

use karpenter_binpack::catalog::{CatalogOptions, fake_instance_types, load_aws};
use karpenter_binpack::model::{Model, Options};
use karpenter_binpack::nodepool::NodePool;
use karpenter_binpack::optimize::{classes, lp_bound};
use karpenter_binpack::pod::ObjectMeta;
use karpenter_binpack::resources::ResVec;
use karpenter_binpack::workloads::{Rng, diverse_pods, generic_pods};
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn arg<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
}

fn pool() -> NodePool {
    NodePool {
        metadata: ObjectMeta {
            name: "default".into(),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The NodePool of Karpenter's getting-started guide: categories c/m/r, generation > 2, amd64.
fn getting_started_pool() -> Res<NodePool> {
    Ok(karpenter_binpack::pod::decode(
        "nodepool",
        "metadata: {name: default}\nspec:\n  template:\n    spec:\n      requirements:\n      - {key: karpenter.k8s.aws/instance-category, operator: In, values: [c, m, r]}\n      - {key: karpenter.k8s.aws/instance-generation, operator: Gt, values: [\"2\"]}\n      - {key: kubernetes.io/arch, operator: In, values: [amd64]}\n",
    )?)
}

fn speed(sizes: &[usize]) -> Res<()> {
    let mut model = Model::new(
        &[pool()],
        &fake_instance_types(400),
        &[],
        Options::default(),
    )?;
    println!(
        "scheduling benchmark: 400 instance types, diverse pods (5 slices), best of several runs"
    );
    println!(
        "{:>8} {:>12} {:>8} {:>10} {:>8}",
        "pods", "pods/s", "nodes", "ms", "failed"
    );
    for &n in sizes {
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

fn cost(workloads: usize) -> Res<()> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../karpenter-binpack/data/aws/instance_types.json"
    ))?;
    let types = load_aws(&text, &CatalogOptions::default())?;
    let mut model = Model::new(&[getting_started_pool()?], &types, &[], Options::default())?;
    println!(
        "\ncost benchmark (getting-started NodePool: c/m/r, generation > 2, amd64): {} types, generic workloads, $/hour (cheapest offerings: spot = 0.7 x on-demand)",
        types.len()
    );
    println!(
        "{:>4} {:>6} {:>7} {:>10} {:>10} {:>10} {:>9} {:>9}",
        "#", "pods", "classes", "default", "optimize", "LP bound", "def/LP", "opt/LP"
    );
    let mut rng = Rng::new(7);
    let (mut sum_d, mut sum_o, mut worst_o, mut worst_d) = (0.0, 0.0, 0.0f64, 0.0f64);
    for w in 0..workloads {
        let n = 200 + rng.below(2800);
        let k = 3 + rng.below(18);
        let pods = generic_pods(n, k, 1000 + w as u64);
        let default = model.solve(&pods, &[])?;
        let optimized = model.solve_optimized(&pods, &[])?;
        let mut reqs = Vec::new();
        for p in &pods {
            let r = p.effective_requests(&mut model.res)?;
            reqs.push(ResVec::from_sparse(&r, model.nres));
        }
        let (cls, _) = classes(&reqs);
        let lp = lp_bound(&mut model, 0, &cls, true)?;
        let (d, o) = (default.new_cost(), optimized.new_cost());
        if !default.errors.is_empty() || !optimized.errors.is_empty() {
            return Err("generic workload left pods unschedulable".into());
        }
        let (rd, ro) = (d / lp.cost, o / lp.cost);
        sum_d += rd;
        sum_o += ro;
        worst_d = worst_d.max(rd);
        worst_o = worst_o.max(ro);
        println!(
            "{:>4} {:>6} {:>7} {:>10.4} {:>10.4} {:>10.4} {:>9.4} {:>9.4}",
            w,
            n,
            cls.len(),
            d,
            o,
            lp.cost,
            rd,
            ro
        );
    }
    let n = workloads.max(1) as f64;
    println!(
        "mean default/LP {:.4} (worst {:.4}); mean optimize/LP {:.4} (worst {:.4})",
        sum_d / n,
        worst_d,
        sum_o / n,
        worst_o
    );
    Ok(())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<usize> = match args.iter().position(|a| a == "--sizes") {
        Some(i) => args
            .get(i + 1)
            .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
            .unwrap_or_default(),
        None => vec![1_000, 5_000, 10_000, 20_000, 50_000, 100_000],
    };
    if !args.iter().any(|a| a == "--skip-speed") {
        speed(&sizes)?;
    }
    if !args.iter().any(|a| a == "--skip-cost") {
        cost(arg(&args, "--workloads").unwrap_or(20))?;
    }
    Ok(())
}
