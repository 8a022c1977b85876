//! Synthetic workloads: the pod mixes of Karpenter's scheduling benchmark
//! (`scheduling_benchmark_test.go`) and generic random workloads for the cost benchmark.

use crate::affinity::{
    Affinity, LabelSelector, PodAffinity, PodAffinityTerm, TopologySpreadConstraint,
};
use crate::pod::{Container, ObjectMeta, Pod, PodSpec, ResourceRequirements};
use crate::requirements::labels;
use std::collections::BTreeMap;

/// A small deterministic PRNG (splitmix64), so workloads are reproducible without dependencies.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// A random element.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> Option<&'a T> {
        let i = self.below(xs.len());
        xs.get(i)
    }
}

/// A pod with the given name, labels and requests.
pub fn pod(name: &str, labels: BTreeMap<String, String>, cpu: &str, memory: &str) -> Pod {
    let mut requests = BTreeMap::new();
    requests.insert("cpu".to_string(), cpu.into());
    requests.insert("memory".to_string(), memory.into());
    Pod {
        metadata: ObjectMeta {
            name: name.to_string(),
            namespace: "default".into(),
            uid: name.to_string(),
            labels,
            ..Default::default()
        },
        spec: PodSpec {
            containers: vec![Container {
                name: "app".into(),
                resources: ResourceRequirements {
                    requests,
                    limits: BTreeMap::new(),
                },
                ..Default::default()
            }],
            ..Default::default()
        },
    }
}

fn one(k: &str, v: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert(k.to_string(), v.to_string());
    m
}

fn selector(k: &str, v: &str) -> Option<LabelSelector> {
    Some(LabelSelector {
        match_labels: one(k, v),
        match_expressions: Vec::new(),
    })
}

const LABEL_VALUES: [&str; 7] = ["a", "b", "c", "d", "e", "f", "g"];
const CPUS: [&str; 5] = ["100m", "250m", "500m", "1000m", "1500m"];
const MEMS: [&str; 6] = ["100Mi", "256Mi", "512Mi", "1024Mi", "2048Mi", "4096Mi"];

fn random_pod(rng: &mut Rng, name: String, label_key: &str) -> Pod {
    let v = rng.pick(&LABEL_VALUES).copied().unwrap_or("a");
    let cpu = rng.pick(&CPUS).copied().unwrap_or("100m");
    let mem = rng.pick(&MEMS).copied().unwrap_or("100Mi");
    pod(&name, one(label_key, v), cpu, mem)
}

/// Karpenter's five-slice "diverse pods" mix: generic; zonal spread (maxSkew 1); hostname spread;
/// zonal pod affinity; hostname anti-affinity (all `app: nginx`, so each needs its own node and
/// the plan has N/5 nodes). Remainder filled with generic pods.
pub fn diverse_pods(count: usize, seed: u64) -> Vec<Pod> {
    let mut rng = Rng::new(seed);
    let slice = count / 5;
    let mut pods = Vec::with_capacity(count);
    for i in 0..slice {
        pods.push(random_pod(&mut rng, format!("generic-{i}"), "my-label"));
    }
    for (tag, key) in [
        ("spread-zone", labels::ZONE),
        ("spread-host", labels::HOSTNAME),
    ] {
        for i in 0..slice {
            let mut p = random_pod(&mut rng, format!("{tag}-{i}"), "my-label");
            let v = rng.pick(&LABEL_VALUES).copied().unwrap_or("a");
            p.spec.topology_spread_constraints = vec![TopologySpreadConstraint {
                max_skew: 1,
                topology_key: key.into(),
                when_unsatisfiable: "DoNotSchedule".into(),
                label_selector: selector("my-label", v),
                ..Default::default()
            }];
            pods.push(p);
        }
    }
    for i in 0..slice {
        let mut p = random_pod(&mut rng, format!("affinity-zone-{i}"), "my-affininity");
        let v = rng.pick(&LABEL_VALUES).copied().unwrap_or("a");
        p.spec.affinity = Some(Affinity {
            pod_affinity: Some(PodAffinity {
                required: vec![PodAffinityTerm {
                    label_selector: selector("my-affininity", v),
                    topology_key: labels::ZONE.into(),
                    ..Default::default()
                }],
                preferred: Vec::new(),
            }),
            ..Default::default()
        });
        pods.push(p);
    }
    for i in 0..slice {
        let cpu = rng.pick(&CPUS).copied().unwrap_or("100m");
        let mem = rng.pick(&MEMS).copied().unwrap_or("100Mi");
        let mut p = pod(&format!("anti-host-{i}"), one("app", "nginx"), cpu, mem);
        p.spec.affinity = Some(Affinity {
            pod_anti_affinity: Some(PodAffinity {
                required: vec![PodAffinityTerm {
                    label_selector: selector("app", "nginx"),
                    topology_key: labels::HOSTNAME.into(),
                    ..Default::default()
                }],
                preferred: Vec::new(),
            }),
            ..Default::default()
        });
        pods.push(p);
    }
    let mut i = 0;
    while pods.len() < count {
        pods.push(random_pod(
            &mut rng,
            format!("generic-extra-{i}"),
            "my-label",
        ));
        i += 1;
    }
    pods
}

/// A generic workload (no constraints): `count` pods drawn from `classes` random request shapes
/// (cpu 50m..4 cores, memory 64Mi..16Gi, ratio varied).
pub fn generic_pods(count: usize, classes: usize, seed: u64) -> Vec<Pod> {
    let mut rng = Rng::new(seed);
    let shapes: Vec<(u64, u64)> = (0..classes.max(1))
        .map(|_| {
            let cpu = rng
                .pick(&[50u64, 100, 250, 500, 750, 1000, 1500, 2000, 3000, 4000])
                .copied()
                .unwrap_or(100);
            let gib_per_core = rng
                .pick(&[0.5f64, 1.0, 2.0, 4.0, 8.0])
                .copied()
                .unwrap_or(1.0);
            let mem = ((cpu as f64 / 1000.0 * gib_per_core * 1024.0) as u64).max(64);
            (cpu, mem)
        })
        .collect();
    (0..count)
        .map(|i| {
            let (cpu, mem) = shapes
                .get(rng.below(shapes.len()))
                .copied()
                .unwrap_or((100, 128));
            pod(
                &format!("w-{i}"),
                one("app", "w"),
                &format!("{cpu}m"),
                &format!("{mem}Mi"),
            )
        })
        .collect()
}
