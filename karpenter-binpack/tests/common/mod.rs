//! Builders shared by the integration tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use karpenter_binpack::instance_type::{InstanceType, Offering};
use karpenter_binpack::model::Options;
use karpenter_binpack::nodepool::NodePool;
use karpenter_binpack::pod::{ObjectMeta, Pod};
use karpenter_binpack::requirements::labels;
use karpenter_binpack::scenario::Scenario;
use karpenter_binpack::scheduler::PlanOutput;
use std::collections::BTreeMap;

pub const ZONES: [&str; 3] = ["zone-a", "zone-b", "zone-c"];

/// An instance type offered on-demand at `price` and spot at 0.7 x price in every zone.
pub fn it(name: &str, cpu: u32, mem_gi: u32, price: f64) -> InstanceType {
    let mut capacity = BTreeMap::new();
    capacity.insert("cpu".to_string(), cpu.to_string().as_str().into());
    capacity.insert("memory".to_string(), format!("{mem_gi}Gi").as_str().into());
    capacity.insert("pods".to_string(), "110".into());
    let mut l = BTreeMap::new();
    l.insert(labels::ARCH.to_string(), vec!["amd64".to_string()]);
    l.insert(labels::OS.to_string(), vec!["linux".to_string()]);
    l.insert(
        "karpenter.k8s.aws/instance-cpu".to_string(),
        vec![cpu.to_string()],
    );
    let offerings = ZONES
        .iter()
        .flat_map(|z| {
            [
                Offering {
                    zone: z.to_string(),
                    capacity_type: "on-demand".into(),
                    price,
                    available: true,
                },
                Offering {
                    zone: z.to_string(),
                    capacity_type: "spot".into(),
                    price: price * 0.7,
                    available: true,
                },
            ]
        })
        .collect();
    InstanceType {
        name: name.into(),
        labels: l,
        capacity,
        overhead: BTreeMap::new(),
        offerings,
        exotic: false,
    }
}

/// A small catalog: 2, 4, 8, 16 cpu at 0.1/cpu/hour (4 GiB per cpu).
pub fn catalog() -> Vec<InstanceType> {
    [2u32, 4, 8, 16]
        .iter()
        .map(|&c| it(&format!("m.{c}"), c, 4 * c, 0.1 * f64::from(c)))
        .collect()
}

pub fn pool(name: &str) -> NodePool {
    NodePool {
        metadata: ObjectMeta {
            name: name.into(),
            ..Default::default()
        },
        ..Default::default()
    }
}

pub fn pod(name: &str, cpu: &str, mem: &str) -> Pod {
    karpenter_binpack::workloads::pod(name, BTreeMap::new(), cpu, mem)
}

pub fn labelled(name: &str, cpu: &str, k: &str, v: &str) -> Pod {
    let mut l = BTreeMap::new();
    l.insert(k.to_string(), v.to_string());
    karpenter_binpack::workloads::pod(name, l, cpu, "256Mi")
}

pub fn scenario(pods: Vec<Pod>, pools: Vec<NodePool>, types: Vec<InstanceType>) -> Scenario {
    Scenario {
        pods,
        node_pools: pools,
        instance_types: types,
        ..Default::default()
    }
}

pub fn plan(s: &Scenario) -> PlanOutput {
    s.plan(Options::default()).unwrap()
}

/// Claim index of every scheduled pod.
pub fn claim_of(p: &PlanOutput) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for (i, c) in p.node_claims.iter().enumerate() {
        for pod in &c.pods {
            m.insert(pod.clone(), i);
        }
    }
    m
}

pub fn yaml<T: serde::de::DeserializeOwned>(y: &str) -> T {
    karpenter_binpack::pod::decode("test", y).unwrap()
}
