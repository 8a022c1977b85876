//! Consolidation rules (karpenter.md section 12) and invariants.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use chrono::{TimeZone, Utc};
use common::*;
use karpenter_binpack::consolidation::{ConsolidationOptions, Outcome, consolidate};
use karpenter_binpack::model::{Model, Options};
use karpenter_binpack::node::{ClusterNode, Node};
use karpenter_binpack::nodepool::{Budget, NodePool};
use karpenter_binpack::pdb::PodDisruptionBudget;
use karpenter_binpack::pod::Pod;
use proptest::prelude::*;

fn managed(name: &str, ty: u32, ct: &str, pods: Vec<Pod>) -> ClusterNode {
    let node: Node = yaml(&format!(
        "metadata:\n  name: {name}\n  labels:\n    karpenter.sh/nodepool: default\n    node.kubernetes.io/instance-type: m.{ty}\n    topology.kubernetes.io/zone: zone-a\n    karpenter.sh/capacity-type: {ct}\nstatus:\n  allocatable: {{cpu: \"{ty}\", memory: {}Gi, pods: \"110\"}}\n",
        4 * ty
    ));
    ClusterNode { node, pods }
}

fn with_budget(nodes: &str) -> NodePool {
    let mut p = pool("default");
    p.spec.disruption.budgets = Some(vec![Budget {
        nodes: nodes.into(),
        ..Default::default()
    }]);
    p
}

fn run(
    pool: NodePool,
    nodes: &[ClusterNode],
    pdbs: &[PodDisruptionBudget],
    opts: &ConsolidationOptions,
) -> Outcome {
    let mut m = Model::new(&[pool], &catalog(), &[], Options::default()).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 1, 5, 12, 0, 0).unwrap();
    consolidate(&mut m, nodes, &[], pdbs, now, opts).unwrap()
}

#[test]
fn empty_nodes_are_deleted_within_the_budget() {
    let nodes: Vec<_> = (0..3)
        .map(|i| managed(&format!("n{i}"), 4, "on-demand", vec![]))
        .collect();
    let out = run(with_budget("1"), &nodes, &[], &Default::default());
    assert_eq!(out.method.as_deref(), Some("emptiness"));
    assert_eq!(out.commands[0].nodes.len(), 1);
    let out = run(with_budget("100%"), &nodes, &[], &Default::default());
    assert_eq!(out.commands[0].nodes.len(), 3);
    assert!((out.price_after - 0.0).abs() < 1e-9);
}

#[test]
fn multi_node_replaces_underutilized_nodes_with_one_cheaper() {
    let nodes = vec![
        managed("a", 16, "on-demand", vec![pod("p1", "1", "1Gi")]),
        managed("b", 16, "on-demand", vec![pod("p2", "1", "1Gi")]),
    ];
    let out = run(with_budget("100%"), &nodes, &[], &Default::default());
    assert_eq!(out.method.as_deref(), Some("multi-node"));
    let c = &out.commands[0];
    assert_eq!(c.action, "replace");
    assert_eq!(c.nodes.len(), 2);
    let r = c.replacement.as_ref().unwrap();
    assert_eq!(
        (r.instance_type.as_str(), r.capacity_type.as_str()),
        ("m.2", "spot"),
        "OD-or-spot replacement pinned to spot"
    );
    assert!(out.price_after < out.price_before);
}

#[test]
fn delete_when_pods_fit_elsewhere() {
    let mut big = managed("big", 16, "on-demand", vec![pod("p1", "1", "1Gi")]);
    big.node
        .metadata
        .annotations
        .insert("karpenter.sh/do-not-disrupt".into(), "true".into());
    let nodes = vec![
        big,
        managed("small", 2, "on-demand", vec![pod("p2", "500m", "1Gi")]),
    ];
    let out = run(with_budget("100%"), &nodes, &[], &Default::default());
    assert_eq!(out.method.as_deref(), Some("single-node"));
    let c = &out.commands[0];
    assert_eq!(
        (c.action.as_str(), c.nodes.as_slice()),
        ("delete", &["small".to_string()][..]),
        "{out:?}"
    );
}

#[test]
fn replacement_must_be_cheaper_even_in_the_worst_case() {
    // an on-demand-only pool: the only type that fits costs the same as the node: no-op
    let mut od = with_budget("100%");
    od.spec.template.spec.requirements =
        vec![karpenter_binpack::requirements::NodeSelectorRequirement {
            key: "karpenter.sh/capacity-type".into(),
            operator: "In".into(),
            values: vec!["on-demand".into()],
            min_values: None,
        }];
    let nodes = vec![managed("n", 2, "on-demand", vec![pod("p", "1500m", "1Gi")])];
    let out = run(od, &nodes, &[], &Default::default());
    assert!(out.commands.is_empty(), "{out:?}");
    assert_eq!(out.price_after, out.price_before);
    // with spot allowed, the same-size spot offering is strictly cheaper in the worst case:
    // replaced and pinned to spot
    let out = run(with_budget("100%"), &nodes, &[], &Default::default());
    let r = out.commands[0].replacement.as_ref().unwrap();
    assert_eq!(
        (r.instance_type.as_str(), r.capacity_type.as_str()),
        ("m.2", "spot")
    );
}

#[test]
fn spot_nodes_are_not_replaced_without_the_gate_and_need_15_cheaper_types() {
    let nodes = vec![managed("s", 16, "spot", vec![pod("p", "1", "1Gi")])];
    let out = run(with_budget("100%"), &nodes, &[], &Default::default());
    assert!(out.commands.is_empty());
    let gate = ConsolidationOptions {
        spot_to_spot: true,
        ..Default::default()
    };
    let out = run(with_budget("100%"), &nodes, &[], &gate);
    assert!(
        out.commands.is_empty(),
        "only 3 cheaper types, 15 needed: {out:?}"
    );
}

#[test]
fn do_not_disrupt_and_pdbs_block() {
    let mut p = pod("p", "1", "1Gi");
    p.metadata
        .annotations
        .insert("karpenter.sh/do-not-disrupt".into(), "true".into());
    let nodes = vec![
        managed("a", 16, "on-demand", vec![p]),
        managed("b", 16, "on-demand", vec![]),
    ];
    let out = run(with_budget("100%"), &nodes, &[], &Default::default());
    assert_eq!(out.commands[0].nodes, vec!["b"], "only the empty node");
    let mut blocked = managed("c", 16, "on-demand", vec![]);
    blocked
        .node
        .metadata
        .annotations
        .insert("karpenter.sh/do-not-disrupt".into(), "true".into());
    assert!(
        run(with_budget("100%"), &[blocked], &[], &Default::default())
            .commands
            .is_empty()
    );
    let guarded = labelled("g", "1", "app", "db");
    let pdb: PodDisruptionBudget = yaml(
        "metadata: {namespace: default}\nspec:\n  selector: {matchLabels: {app: db}}\n  maxUnavailable: 0\n",
    );
    let nodes = vec![managed("a", 16, "on-demand", vec![guarded])];
    assert!(
        run(with_budget("100%"), &nodes, &[pdb], &Default::default())
            .commands
            .is_empty()
    );
}

#[test]
fn budget_schedules_and_min_savings() {
    let nodes = vec![managed("a", 16, "on-demand", vec![pod("p1", "1", "1Gi")])];
    let mut p = with_budget("100%");
    p.spec.disruption.budgets.as_mut().unwrap().push(Budget {
        nodes: "0".into(),
        reasons: vec!["Underutilized".into()],
        schedule: Some("0 9 * * 1-5".into()),
        duration: Some("8h".into()),
    });
    assert!(
        run(p, &nodes, &[], &Default::default()).commands.is_empty(),
        "Monday 12:00 is inside the freeze"
    );
    let out = run(with_budget("100%"), &nodes, &[], &Default::default());
    assert_eq!(out.commands.len(), 1);
    let strict = ConsolidationOptions {
        min_savings_fraction: 0.95,
        ..Default::default()
    };
    assert!(
        run(with_budget("100%"), &nodes, &[], &strict)
            .commands
            .is_empty()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn consolidation_never_raises_cost_nor_breaks_budget(
        shapes in proptest::collection::vec((0usize..4, 0usize..4, proptest::bool::ANY), 1..8),
        budget in 0usize..4,
    ) {
        let sizes = [2u32, 4, 8, 16];
        let nodes: Vec<ClusterNode> = shapes.iter().enumerate().map(|(i, (s, npods, spot))| {
            let ty = sizes[*s];
            let pods = (0..*npods).map(|j| pod(&format!("p{i}-{j}"), "300m", "512Mi")).collect();
            managed(&format!("n{i}"), ty, if *spot { "spot" } else { "on-demand" }, pods)
        }).collect();
        let out = run(with_budget(&budget.to_string()), &nodes, &[], &ConsolidationOptions { spot_to_spot: true, ..Default::default() });
        prop_assert!(out.price_after <= out.price_before + 1e-9);
        let disrupted: usize = out.commands.iter().map(|c| c.nodes.len()).sum();
        prop_assert!(disrupted <= budget, "{disrupted} > {budget}");
        for c in &out.commands {
            prop_assert!(c.savings_per_hour > 0.0);
        }
    }
}
