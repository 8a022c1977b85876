//! `binpack`: Karpenter's provisioning and consolidation decisions on real manifests.
//!
//! ```text
//! binpack plan --pods pods.json --nodepools nodepools.yaml --instance-types instance_types.json [--nodes nodes.json] [--optimize]
//! binpack consolidate --pods pods.json --nodepools nodepools.yaml --instance-types instance_types.json --nodes nodes.json
//! ```
//! Pods: Kubernetes Pod JSON/YAML (a list, a `kubectl get pods -o json` List, or one Pod); pods
//! with `spec.nodeName` are bound to those nodes. NodePools: Karpenter v1 YAML (multi-document
//! allowed). Instance types: the AWS catalog format, the kwok catalog, or a list of
//! `InstanceType`. Nodes: `kubectl get nodes -o json`.

use clap::{Parser, Subcommand};
use karpenter_binpack::catalog::{CatalogOptions, load_any};
use karpenter_binpack::consolidation::{ConsolidationOptions, consolidate};
use karpenter_binpack::model::{Model, Options};
use karpenter_binpack::node::{Node, bind_pods};
use karpenter_binpack::nodepool::NodePool;
use karpenter_binpack::pdb::PodDisruptionBudget;
use karpenter_binpack::pod::{Pod, decode_list};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "binpack",
    about = "Karpenter provisioning and consolidation simulator"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(clap::Args)]
struct Inputs {
    /// Pods (JSON or YAML).
    #[arg(long)]
    pods: PathBuf,
    /// NodePools (Karpenter v1 YAML or JSON).
    #[arg(long)]
    nodepools: PathBuf,
    /// Instance-type catalog.
    #[arg(long = "instance-types")]
    instance_types: PathBuf,
    /// Existing nodes (`kubectl get nodes -o json`).
    #[arg(long)]
    nodes: Option<PathBuf>,
    /// DaemonSet pod templates (their requests are per-node overhead).
    #[arg(long)]
    daemonsets: Option<PathBuf>,
    /// Zones the AWS catalog's types are offered in (comma-separated).
    #[arg(long, default_value = "us-east-1a,us-east-1b,us-east-1c")]
    zones: String,
    /// Spot price as a fraction of on-demand for the AWS catalog.
    #[arg(long, default_value_t = 0.7)]
    spot_factor: f64,
    /// `PREFERENCE_POLICY=Ignore`.
    #[arg(long)]
    ignore_preferences: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// Print the provisioning plan as JSON.
    Plan {
        #[command(flatten)]
        inputs: Inputs,
        /// Pack generic pods better than Karpenter (LP-guided).
        #[arg(long)]
        optimize: bool,
    },
    /// Print one disruption pass (commands and the new price) as JSON.
    Consolidate {
        #[command(flatten)]
        inputs: Inputs,
        /// PodDisruptionBudgets (policy/v1 JSON or YAML).
        #[arg(long)]
        pdbs: Option<PathBuf>,
        /// Enable the SpotToSpotConsolidation feature gate.
        #[arg(long)]
        spot_to_spot: bool,
        /// Minimum savings as a fraction of the disrupted nodes' price.
        #[arg(long, default_value_t = 0.0)]
        min_savings_fraction: f64,
        /// Minimum savings in $/hour.
        #[arg(long, default_value_t = 0.0)]
        min_savings_per_hour: f64,
        /// Evaluation time (RFC 3339, default now) for budget schedules.
        #[arg(long)]
        now: Option<String>,
    },
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn read(p: &Path) -> Res<String> {
    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()).into())
}

struct Loaded {
    model: Model,
    nodes: Vec<karpenter_binpack::node::ClusterNode>,
    pending: Vec<Pod>,
}

fn load(i: &Inputs) -> Res<Loaded> {
    let pods: Vec<Pod> = decode_list("pods", &read(&i.pods)?)?;
    let pools: Vec<NodePool> = decode_list("nodepools", &read(&i.nodepools)?)?;
    let opts = CatalogOptions {
        zones: i.zones.split(',').map(str::to_string).collect(),
        spot_factor: i.spot_factor,
    };
    let types = load_any(&read(&i.instance_types)?, &opts)?;
    let nodes: Vec<Node> = match &i.nodes {
        Some(p) => decode_list("nodes", &read(p)?)?,
        None => Vec::new(),
    };
    let daemons: Vec<Pod> = match &i.daemonsets {
        Some(p) => decode_list("daemonsets", &read(p)?)?,
        None => Vec::new(),
    };
    let model = Model::new(
        &pools,
        &types,
        &daemons,
        Options {
            ignore_preferences: i.ignore_preferences,
            ..Default::default()
        },
    )?;
    let (nodes, pending) = bind_pods(nodes, pods);
    Ok(Loaded {
        model,
        nodes,
        pending,
    })
}

fn run() -> Res<()> {
    match Cli::parse().command {
        Cmd::Plan { inputs, optimize } => {
            let Loaded {
                mut model,
                nodes,
                pending,
            } = load(&inputs)?;
            let sol = if optimize {
                model.solve_optimized(&pending, &nodes)?
            } else {
                model.solve(&pending, &nodes)?
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&sol.plan(&model, &pending, &nodes))?
            );
        }
        Cmd::Consolidate {
            inputs,
            pdbs,
            spot_to_spot,
            min_savings_fraction,
            min_savings_per_hour,
            now,
        } => {
            let Loaded {
                mut model,
                nodes,
                pending,
            } = load(&inputs)?;
            let pdbs: Vec<PodDisruptionBudget> = match &pdbs {
                Some(p) => decode_list("pdbs", &read(p)?)?,
                None => Vec::new(),
            };
            let now = match now {
                Some(s) => chrono::DateTime::parse_from_rfc3339(&s)?.with_timezone(&chrono::Utc),
                None => chrono::Utc::now(),
            };
            let opts = ConsolidationOptions {
                spot_to_spot,
                min_savings_fraction,
                min_savings_per_hour,
            };
            let out = consolidate(&mut model, &nodes, &pending, &pdbs, now, &opts)?;
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("binpack: {e}");
        std::process::exit(1);
    }
}
