//! `hpa-walkthrough`: prints the HPA walk-through's timeline (see `examples::walkthrough`).

use examples::walkthrough::{self, DEMAND};

fn main() {
    println!(
        "HPA walk-through: cpu 70%, 2-10 replicas; scaleUp Max(100%/30s, 4 pods/30s) window 0s;"
    );
    println!(
        "scaleDown Min(50%/60s, 2 pods/60s) window 300s; demand steps (s, millicores): {DEMAND:?}\n"
    );
    println!(
        "{:>6} {:>8} {:>5} {:>9} {:>20} {:>18}",
        "t(s)", "demand", "util", "replicas", "AbleToScale", "ScalingLimited"
    );
    let ticks = walkthrough::run();
    for t in &ticks {
        let util = t.utilization.map_or("-".to_owned(), |u| format!("{u}%"));
        let change = if t.replicas != t.replicas_before {
            format!("{} -> {}", t.replicas_before, t.replicas)
        } else {
            t.replicas.to_string()
        };
        println!(
            "{:>6} {:>7}m {:>5} {:>9} {:>20} {:>18}",
            t.second, t.demand_milli, util, change, t.able_reason, t.limited_reason
        );
    }
    let steps: Vec<String> = walkthrough::replica_steps(&ticks)
        .iter()
        .map(ToString::to_string)
        .collect();
    println!("\nreplicas: {}", steps.join(" -> "));
}
