//! proptest invariants of the provisioning plan: no node over capacity; every placement satisfies
//! requirements, taints, spread skew and anti-affinity.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::*;
use karpenter_binpack::affinity::TopologySpreadConstraint;
use karpenter_binpack::quantity::Quantity;
use karpenter_binpack::requirements::labels;
use karpenter_binpack::taints::{Taint, Toleration};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
struct PodSpec {
    cpu_m: u32,
    mem_mi: u32,
    arch: Option<bool>,
    tolerates: bool,
    anti: bool,
    spread: bool,
}

fn pod_strategy() -> impl Strategy<Value = PodSpec> {
    (
        50u32..3000,
        64u32..6000,
        proptest::option::of(proptest::bool::ANY),
        proptest::bool::ANY,
        proptest::bool::weighted(0.2),
        proptest::bool::weighted(0.3),
    )
        // spread pods carry no node selector: with nodeAffinityPolicy Honor a selector makes a
        // different group with its own counts, and the skew invariant is per group
        .prop_map(|(cpu_m, mem_mi, arch, tolerates, anti, spread)| PodSpec {
            cpu_m,
            mem_mi,
            arch: if spread { None } else { arch },
            tolerates,
            anti,
            spread,
        })
}

fn types() -> Vec<karpenter_binpack::instance_type::InstanceType> {
    let mut out = catalog();
    for c in [2u32, 8] {
        let mut t = it(&format!("g.{c}"), c, 2 * c, 0.08 * f64::from(c));
        t.labels.insert(labels::ARCH.into(), vec!["arm64".into()]);
        out.push(t);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn plans_respect_capacity_requirements_taints_spread_and_anti_affinity(specs in proptest::collection::vec(pod_strategy(), 1..40)) {
        let mut pods = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            let mut l = BTreeMap::new();
            if s.anti { l.insert("anti".to_string(), "x".to_string()); }
            if s.spread { l.insert("spread".to_string(), "y".to_string()); }
            let mut p = karpenter_binpack::workloads::pod(&format!("p{i}"), l, &format!("{}m", s.cpu_m), &format!("{}Mi", s.mem_mi));
            if let Some(a) = s.arch {
                p.spec.node_selector.insert(labels::ARCH.into(), if a { "arm64" } else { "amd64" }.into());
            }
            if s.tolerates {
                p.spec.tolerations = vec![Toleration { key: "team".into(), operator: "Exists".into(), ..Default::default() }];
            }
            if s.anti {
                p.spec.affinity = Some(yaml("podAntiAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n  - labelSelector: {matchLabels: {anti: x}}\n    topologyKey: kubernetes.io/hostname\n"));
            }
            if s.spread {
                p.spec.topology_spread_constraints = vec![TopologySpreadConstraint {
                    max_skew: 1,
                    topology_key: labels::ZONE.into(),
                    when_unsatisfiable: "DoNotSchedule".into(),
                    label_selector: Some(yaml("matchLabels: {spread: y}")),
                    ..Default::default()
                }];
            }
            pods.push(p);
        }
        let mut tainted = pool("tainted");
        tainted.spec.weight = Some(10);
        tainted.spec.template.spec.taints = vec![Taint { key: "team".into(), value: "a".into(), effect: "NoSchedule".into() }];
        let catalog = types();
        let s = scenario(pods.clone(), vec![pool("open"), tainted], catalog.clone());
        let plan = plan(&s);
        let by_name: BTreeMap<String, &PodSpec> = specs.iter().enumerate().map(|(i, s)| (format!("default/p{i}"), s)).collect();
        let mut spread_per_zone: BTreeMap<String, usize> = ZONES.iter().map(|z| (z.to_string(), 0)).collect();
        let mut placed = 0;
        for c in &plan.node_claims {
            let t = catalog.iter().find(|t| t.name == c.instance_type).unwrap();
            let cap = |k: &str| Quantity::parse("t", &t.capacity[k].0).unwrap().0;
            let (mut cpu, mut mem) = (0i64, 0i64);
            let mut anti = 0;
            for p in &c.pods {
                let s = by_name[p];
                placed += 1;
                cpu += i64::from(s.cpu_m);
                mem += i64::from(s.mem_mi) * 1024 * 1024 * 1000;
                if let Some(a) = s.arch {
                    prop_assert_eq!(&t.labels[labels::ARCH][0], if a { "arm64" } else { "amd64" });
                }
                if c.node_pool == "tainted" {
                    prop_assert!(s.tolerates, "{} on a tainted pool", p);
                }
                anti += usize::from(s.anti);
                if s.spread {
                    *spread_per_zone.get_mut(&c.zone).unwrap() += 1;
                }
            }
            prop_assert!(cpu <= cap("cpu"), "cpu over capacity on {}", c.instance_type);
            prop_assert!(mem <= cap("memory"), "memory over capacity on {}", c.instance_type);
            prop_assert!(c.pods.len() as i64 * 1000 <= cap("pods"));
            prop_assert!(anti <= 1, "two anti-affine pods share a node");
        }
        prop_assert_eq!(placed + plan.unschedulable.len(), specs.len());
        let (min, max) = (spread_per_zone.values().min().unwrap(), spread_per_zone.values().max().unwrap());
        prop_assert!(max - min <= 1, "zone skew {:?}", spread_per_zone);
        // every pod that fits the largest type of its architecture on its own is scheduled
        for u in &plan.unschedulable {
            let s = by_name[&u.pod];
            prop_assert!(s.cpu_m > 2000 && s.arch == Some(true) || s.spread || s.anti, "{} unschedulable: {}", u.pod, u.reason);
        }
    }
}
