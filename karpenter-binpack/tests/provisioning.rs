//! One test per provisioning rule of the spec (karpenter.md sections 1-9).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::*;
use karpenter_binpack::Error;
use karpenter_binpack::affinity::{
    Affinity, NodeAffinity, NodeSelectorTerm, PreferredSchedulingTerm, TopologySpreadConstraint,
};
use karpenter_binpack::node::Node;
use karpenter_binpack::requirements::{NodeSelectorRequirement, labels};
use karpenter_binpack::taints::{Taint, Toleration};
use std::collections::BTreeMap;

#[test]
fn queue_order_cpu_then_memory_then_creation() {
    let mut a = pod("small", "500m", "1Gi");
    a.metadata.creation_timestamp = Some("2026-01-01T00:00:00Z".into());
    let b = pod("big", "2", "1Gi");
    let c = pod("big-more-mem", "2", "2Gi");
    let mut d = pod("small-older", "500m", "1Gi");
    d.metadata.creation_timestamp = Some("2025-01-01T00:00:00Z".into());
    let p = plan(&scenario(
        vec![a, b, c, d],
        vec![pool("default")],
        catalog(),
    ));
    assert_eq!(p.node_claims.len(), 1);
    assert_eq!(
        p.node_claims[0].pods,
        vec![
            "default/big-more-mem",
            "default/big",
            "default/small-older",
            "default/small"
        ]
    );
}

#[test]
fn inflight_claims_least_pods_first() {
    // two anti-affine pods open two claims; the small pods then alternate, least-loaded first
    let anti = |n: &str| {
        let mut p = labelled(n, "2", "app", "x");
        p.spec.affinity = Some(yaml(
            "podAntiAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n  - labelSelector: {matchLabels: {app: x}}\n    topologyKey: kubernetes.io/hostname\n",
        ));
        p
    };
    let pods = vec![
        anti("a1"),
        anti("a2"),
        pod("s1", "100m", "1Gi"),
        pod("s2", "100m", "1Gi"),
        pod("s3", "100m", "1Gi"),
    ];
    let p = plan(&scenario(pods, vec![pool("default")], catalog()));
    let at = claim_of(&p);
    assert_eq!(p.node_claims.len(), 2);
    assert_eq!(at["default/s1"], 0);
    assert_eq!(at["default/s2"], 1);
    assert_eq!(at["default/s3"], 0);
}

fn node(name: &str, cpu: &str, initialized: bool) -> Node {
    let mut n: Node = yaml(&format!(
        "metadata:\n  name: {name}\n  labels:\n    topology.kubernetes.io/zone: zone-a\nstatus:\n  allocatable: {{cpu: \"{cpu}\", memory: 8Gi, pods: \"110\"}}\n"
    ));
    if !initialized {
        n.metadata
            .labels
            .insert("karpenter.sh/initialized".into(), "false".into());
    }
    n
}

#[test]
fn existing_nodes_first_fit_initialized_then_name() {
    let mut s = scenario(vec![pod("p", "1", "1Gi")], vec![pool("default")], catalog());
    s.nodes = vec![
        node("b-node", "4", true),
        node("a-node", "4", false),
        node("c-node", "4", true),
    ];
    let p = plan(&s);
    assert!(p.node_claims.is_empty());
    assert_eq!(p.existing_nodes.len(), 1);
    assert_eq!(
        p.existing_nodes[0].node, "b-node",
        "initialized nodes first, then by name"
    );
    // a pod that does not fit the node opens a claim
    let mut s = scenario(vec![pod("p", "6", "1Gi")], vec![pool("default")], catalog());
    s.nodes = vec![node("n", "4", true)];
    assert_eq!(plan(&s).node_claims.len(), 1);
}

#[test]
fn nodepools_by_weight_then_name_descending() {
    let mut heavy = pool("heavy");
    heavy.spec.weight = Some(50);
    let mut light = pool("light");
    light.spec.weight = Some(10);
    let p = plan(&scenario(
        vec![pod("p", "1", "1Gi")],
        vec![light, heavy],
        catalog(),
    ));
    assert_eq!(p.node_claims[0].node_pool, "heavy");
    let p = plan(&scenario(
        vec![pod("p", "1", "1Gi")],
        vec![pool("alpha"), pool("beta")],
        catalog(),
    ));
    assert_eq!(p.node_claims[0].node_pool, "beta", "ties: name descending");
}

#[test]
fn cheapest_offering_spot_before_on_demand() {
    let p = plan(&scenario(
        vec![pod("p", "1", "1Gi")],
        vec![pool("default")],
        catalog(),
    ));
    let c = &p.node_claims[0];
    assert_eq!(
        (c.instance_type.as_str(), c.capacity_type.as_str()),
        ("m.2", "spot")
    );
    assert!((c.price_per_hour - 0.14).abs() < 1e-9);
    assert_eq!(c.zone, "zone-a", "equal prices: first zone by name");
    // on-demand only pool
    let mut od = pool("od");
    od.spec.template.spec.requirements = vec![NodeSelectorRequirement {
        key: labels::CAPACITY_TYPE.into(),
        operator: "In".into(),
        values: vec!["on-demand".into()],
        min_values: None,
    }];
    let p = plan(&scenario(vec![pod("p", "1", "1Gi")], vec![od], catalog()));
    assert_eq!(p.node_claims[0].capacity_type, "on-demand");
    // spot pricier than on-demand is dropped
    let mut t = catalog();
    for o in &mut t[0].offerings {
        if o.capacity_type == "spot" {
            o.price = 1.0;
        }
    }
    let p = plan(&scenario(
        vec![pod("p", "1", "1Gi")],
        vec![pool("default")],
        t,
    ));
    assert_eq!(p.node_claims[0].capacity_type, "on-demand");
    assert_eq!(p.node_claims[0].instance_type, "m.2");
}

#[test]
fn bins_grow_to_the_largest_type_then_cheapest_fit_launches() {
    let pods: Vec<_> = (0..10).map(|i| pod(&format!("p{i}"), "1", "1Gi")).collect();
    let p = plan(&scenario(pods, vec![pool("default")], catalog()));
    assert_eq!(p.node_claims.len(), 1);
    assert_eq!(p.node_claims[0].instance_type, "m.16");
}

fn spread(key: &str, when: &str, v: &str) -> TopologySpreadConstraint {
    TopologySpreadConstraint {
        max_skew: 1,
        topology_key: key.into(),
        when_unsatisfiable: when.into(),
        label_selector: Some(yaml(&format!("matchLabels: {{app: {v}}}"))),
        ..Default::default()
    }
}

#[test]
fn zonal_spread_respects_max_skew() {
    let pods: Vec<_> = (0..7)
        .map(|i| {
            let mut p = labelled(&format!("s{i}"), "1", "app", "web");
            p.spec.topology_spread_constraints = vec![spread(labels::ZONE, "DoNotSchedule", "web")];
            p
        })
        .collect();
    let p = plan(&scenario(pods, vec![pool("default")], catalog()));
    let mut per_zone: BTreeMap<String, usize> = BTreeMap::new();
    for c in &p.node_claims {
        *per_zone.entry(c.zone.clone()).or_default() += c.pods.len();
    }
    assert_eq!(per_zone.len(), 3);
    let (min, max) = (
        per_zone.values().min().unwrap(),
        per_zone.values().max().unwrap(),
    );
    assert!(max - min <= 1, "{per_zone:?}");
    assert!(p.unschedulable.is_empty());
}

#[test]
fn hostname_spread_one_per_node_with_max_skew_one() {
    let pods: Vec<_> = (0..3)
        .map(|i| {
            let mut p = labelled(&format!("h{i}"), "100m", "app", "h");
            p.spec.topology_spread_constraints =
                vec![spread(labels::HOSTNAME, "DoNotSchedule", "h")];
            p
        })
        .collect();
    assert_eq!(
        plan(&scenario(pods, vec![pool("default")], catalog()))
            .node_claims
            .len(),
        3
    );
}

#[test]
fn anti_affinity_hostname_and_zone() {
    let anti = |n: &str, key: &str| {
        let mut p = labelled(n, "100m", "app", "db");
        p.spec.affinity = Some(yaml(&format!(
            "podAntiAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n  - labelSelector: {{matchLabels: {{app: db}}}}\n    topologyKey: {key}\n"
        )));
        p
    };
    let p = plan(&scenario(
        (0..3)
            .map(|i| anti(&format!("d{i}"), labels::HOSTNAME))
            .collect(),
        vec![pool("default")],
        catalog(),
    ));
    assert_eq!(p.node_claims.len(), 3);
    // zonal anti-affinity records every zone a multi-zone claim could land in (upstream
    // pessimism): the first claim blocks all three zones for the rest of this pass
    let p = plan(&scenario(
        (0..4)
            .map(|i| anti(&format!("d{i}"), labels::ZONE))
            .collect(),
        vec![pool("default")],
        catalog(),
    ));
    assert_eq!(p.node_claims.len(), 1);
    assert_eq!(p.unschedulable.len(), 3);
    assert!(
        p.unschedulable[0].reason.contains("anti-affinity"),
        "{}",
        p.unschedulable[0].reason
    );
    // pinned to zones, one claim per zone; a second pod for zone-a is refused
    let pinned: Vec<_> = ["zone-a", "zone-b", "zone-c", "zone-a"]
        .iter()
        .enumerate()
        .map(|(i, z)| {
            let mut p = anti(&format!("z{i}"), labels::ZONE);
            p.spec
                .node_selector
                .insert(labels::ZONE.into(), z.to_string());
            p
        })
        .collect();
    let p = plan(&scenario(pinned, vec![pool("default")], catalog()));
    let zones: std::collections::BTreeSet<_> =
        p.node_claims.iter().map(|c| c.zone.clone()).collect();
    assert_eq!(zones.len(), 3);
    assert_eq!(p.unschedulable.len(), 1);
}

#[test]
fn pod_affinity_follows_the_target() {
    let mut target = labelled("target", "1", "app", "cache");
    target
        .spec
        .node_selector
        .insert(labels::ZONE.into(), "zone-b".into());
    let mut follower = labelled("follower", "100m", "app", "web");
    follower.spec.affinity = Some(yaml(
        "podAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n  - labelSelector: {matchLabels: {app: cache}}\n    topologyKey: topology.kubernetes.io/zone\n",
    ));
    let p = plan(&scenario(
        vec![follower, target],
        vec![pool("default")],
        catalog(),
    ));
    assert!(p.unschedulable.is_empty(), "{:?}", p.unschedulable);
    for c in &p.node_claims {
        assert_eq!(c.zone, "zone-b");
    }
}

#[test]
fn taints_block_untolerating_pods() {
    let mut tainted = pool("gpu");
    tainted.spec.template.spec.taints = vec![Taint {
        key: "dedicated".into(),
        value: "gpu".into(),
        effect: "NoSchedule".into(),
    }];
    let p = plan(&scenario(
        vec![pod("p", "1", "1Gi")],
        vec![tainted.clone()],
        catalog(),
    ));
    assert!(p.node_claims.is_empty());
    assert!(
        p.unschedulable[0].reason.contains("did not tolerate taint"),
        "{}",
        p.unschedulable[0].reason
    );
    let mut tol = pod("p", "1", "1Gi");
    tol.spec.tolerations = vec![Toleration {
        key: "dedicated".into(),
        operator: "Equal".into(),
        value: "gpu".into(),
        ..Default::default()
    }];
    assert_eq!(
        plan(&scenario(vec![tol], vec![tainted], catalog()))
            .node_claims
            .len(),
        1
    );
}

#[test]
fn prefer_no_schedule_is_relaxed_last() {
    let mut soft = pool("soft");
    soft.spec.template.spec.taints = vec![Taint {
        key: "soft".into(),
        value: String::new(),
        effect: "PreferNoSchedule".into(),
    }];
    let p = plan(&scenario(vec![pod("p", "1", "1Gi")], vec![soft], catalog()));
    assert_eq!(
        p.node_claims.len(),
        1,
        "relaxation step 6 tolerates PreferNoSchedule"
    );
}

#[test]
fn relaxation_order_heaviest_node_preference_first_and_before_spread() {
    // an existing node in zone-b already holds 3 matching pods: a ScheduleAnyway zonal spread
    // rejects zone-b while it is enforced
    let mut n = node("busy", "1", true);
    n.metadata
        .labels
        .insert(labels::ZONE.into(), "zone-b".into());
    let mut bound = Vec::new();
    for i in 0..3 {
        let mut b = labelled(&format!("bound{i}"), "10m", "app", "s");
        b.spec.node_name = Some("busy".into());
        bound.push(b);
    }
    let mut p = labelled("pref", "2", "app", "s");
    p.spec.topology_spread_constraints = vec![spread(labels::ZONE, "ScheduleAnyway", "s")];
    let term = |w: i32, zone: &str| PreferredSchedulingTerm {
        weight: w,
        preference: NodeSelectorTerm {
            match_expressions: vec![NodeSelectorRequirement {
                key: labels::ZONE.into(),
                operator: "In".into(),
                values: vec![zone.into()],
                min_values: None,
            }],
        },
    };
    p.spec.affinity = Some(Affinity {
        node_affinity: Some(NodeAffinity {
            required: None,
            preferred: vec![term(10, "zone-b"), term(50, "zone-x")],
        }),
        ..Default::default()
    });
    let mut s = scenario(vec![p.clone()], vec![pool("default")], catalog());
    s.pods.extend(bound.clone());
    s.nodes = vec![n.clone()];
    let out = plan(&s);
    // step 4 drops zone-x (heaviest), then zone-b still violates the spread, step 4 drops
    // zone-b; the spread (step 5) is still enforced and picks an empty zone
    assert_eq!(out.node_claims.len(), 1);
    assert_eq!(out.node_claims[0].zone, "zone-a");
    // without the spread the second-heaviest preference (zone-b) wins
    p.spec.topology_spread_constraints.clear();
    let mut s = scenario(vec![p], vec![pool("default")], catalog());
    s.nodes = vec![n];
    s.pods.extend(bound);
    assert_eq!(plan(&s).node_claims[0].zone, "zone-b");
}

#[test]
fn required_node_affinity_terms_are_ored_by_relaxation() {
    let mut p = pod("p", "1", "1Gi");
    p.spec.affinity = Some(yaml(
        "nodeAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n    nodeSelectorTerms:\n    - matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [zone-x]}]\n    - matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [zone-c]}]\n",
    ));
    let out = plan(&scenario(vec![p], vec![pool("default")], catalog()));
    assert_eq!(out.node_claims[0].zone, "zone-c");
}

#[test]
fn nodepool_limits_are_pessimistic_and_nodes_limit_blocks() {
    let mut limited = pool("limited");
    limited.spec.limits.insert("cpu".into(), "4".into());
    let types = vec![it("m.2", 2, 8, 0.2)];
    let pods: Vec<_> = (0..3)
        .map(|i| pod(&format!("p{i}"), "1500m", "1Gi"))
        .collect();
    let p = plan(&scenario(pods, vec![limited], types));
    assert_eq!(p.node_claims.len(), 2);
    assert_eq!(p.unschedulable.len(), 1);
    assert!(
        p.unschedulable[0].reason.contains("exceed limits"),
        "{}",
        p.unschedulable[0].reason
    );
    let mut zero = pool("zero");
    zero.spec.limits.insert("nodes".into(), "0".into());
    let p = plan(&scenario(vec![pod("p", "1", "1Gi")], vec![zero], catalog()));
    assert!(
        p.unschedulable[0]
            .reason
            .contains("node limits have been exhausted")
    );
}

#[test]
fn host_ports_conflict() {
    let hp = |n: &str| {
        let mut p = pod(n, "100m", "128Mi");
        p.spec.containers[0].ports = vec![karpenter_binpack::pod::ContainerPort {
            container_port: 80,
            host_port: 8080,
            ..Default::default()
        }];
        p
    };
    assert_eq!(
        plan(&scenario(
            vec![hp("a"), hp("b")],
            vec![pool("default")],
            catalog()
        ))
        .node_claims
        .len(),
        2
    );
}

#[test]
fn custom_labels_must_be_declared_by_the_nodepool() {
    let mut p = pod("p", "1", "1Gi");
    p.spec.node_selector.insert("team".into(), "a".into());
    let out = plan(&scenario(vec![p.clone()], vec![pool("default")], catalog()));
    assert!(
        out.unschedulable[0]
            .reason
            .contains("incompatible requirements"),
        "{}",
        out.unschedulable[0].reason
    );
    let mut labelled_pool = pool("team-a");
    labelled_pool
        .spec
        .template
        .metadata
        .labels
        .insert("team".into(), "a".into());
    assert_eq!(
        plan(&scenario(vec![p], vec![labelled_pool], catalog()))
            .node_claims
            .len(),
        1
    );
}

#[test]
fn gt_lt_and_min_values() {
    let mut p = pod("p", "1", "1Gi");
    p.spec.affinity = Some(yaml(
        "nodeAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n    nodeSelectorTerms:\n    - matchExpressions: [{key: karpenter.k8s.aws/instance-cpu, operator: Gt, values: [\"4\"]}]\n",
    ));
    assert_eq!(
        plan(&scenario(vec![p], vec![pool("default")], catalog())).node_claims[0].instance_type,
        "m.8"
    );
    let mut mv = pool("mv");
    mv.spec.template.spec.requirements = vec![NodeSelectorRequirement {
        key: labels::INSTANCE_TYPE.into(),
        operator: "Exists".into(),
        values: vec![],
        min_values: Some(5),
    }];
    let out = plan(&scenario(vec![pod("p", "1", "1Gi")], vec![mv], catalog()));
    assert!(out.node_claims.is_empty());
    assert!(
        out.unschedulable[0]
            .reason
            .contains("filtered out all available instance types")
    );
}

#[test]
fn bad_input_is_typed() {
    let mut p = pod("p", "1", "1Gi");
    p.spec.affinity = Some(yaml(
        "nodeAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n    nodeSelectorTerms:\n    - matchExpressions: [{key: a, operator: Near, values: [x]}]\n",
    ));
    let e = scenario(vec![p], vec![pool("default")], catalog())
        .plan(Default::default())
        .unwrap_err();
    assert!(matches!(e, Error::UnknownOperator { .. }), "{e}");
    let neg = pod("neg", "-1", "1Gi");
    let e = scenario(vec![neg], vec![pool("default")], catalog())
        .plan(Default::default())
        .unwrap_err();
    assert!(matches!(e, Error::NegativeQuantity { .. }), "{e}");
    assert!(e.to_string().contains("pod default/neg"), "{e}");
    let bad = pod("bad", "1 core", "1Gi");
    let e = scenario(vec![bad], vec![pool("default")], catalog())
        .plan(Default::default())
        .unwrap_err();
    assert!(matches!(e, Error::Quantity { .. }), "{e}");
    let e = scenario(vec![pod("p", "1", "1Gi")], vec![pool("default")], vec![])
        .plan(Default::default())
        .unwrap_err();
    assert!(matches!(e, Error::EmptyCatalog(_)), "{e}");
}

#[test]
fn kubectl_pod_list_and_daemonset_overhead() {
    let list = r#"{"apiVersion":"v1","kind":"List","items":[
      {"metadata":{"name":"a","namespace":"ns"},"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"1500m","memory":"1Gi"}}}]}},
      {"metadata":{"name":"b","namespace":"ns"},"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":1,"memory":"1Gi"}}}]}}]}"#;
    let pods: Vec<karpenter_binpack::pod::Pod> =
        karpenter_binpack::pod::decode_list("pods", list).unwrap();
    assert_eq!(pods.len(), 2);
    // 2.5 cpu fits m.4; a 1.6 cpu daemonset pushes it to m.8
    let p = plan(&scenario(pods.clone(), vec![pool("default")], catalog()));
    assert_eq!(p.node_claims[0].instance_type, "m.4");
    let mut s = scenario(pods, vec![pool("default")], catalog());
    s.daemon_sets = vec![pod("ds", "1600m", "100Mi")];
    assert_eq!(plan(&s).node_claims[0].instance_type, "m.8");
}
