//! Existing cluster nodes (Kubernetes Node objects plus Karpenter state).

use crate::pod::ObjectMeta;
use crate::resources::ResourceList;
use crate::taints::Taint;
use serde::{Deserialize, Serialize};

/// A Node as `kubectl get nodes -o json` prints it (the fields used here).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// Metadata: name, labels (nodepool, instance type, zone, capacity type), annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Spec (taints).
    #[serde(default)]
    pub spec: NodeSpec,
    /// Status (allocatable, capacity).
    #[serde(default)]
    pub status: NodeStatus,
}

/// `spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct NodeSpec {
    /// Taints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
}

/// `status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct NodeStatus {
    /// Allocatable.
    #[serde(default)]
    pub allocatable: ResourceList,
    /// Capacity (counts against NodePool limits; defaults to allocatable).
    #[serde(default)]
    pub capacity: ResourceList,
}

/// Annotation/label that blocks disruption of a node or pod.
pub const DO_NOT_DISRUPT: &str = "karpenter.sh/do-not-disrupt";
/// Label Karpenter sets once a node is initialized (absent = initialized, for plain nodes).
pub const INITIALIZED_LABEL: &str = "karpenter.sh/initialized";

impl Node {
    /// Name.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Whether the node is initialized (`karpenter.sh/initialized` is not `"false"`).
    pub fn initialized(&self) -> bool {
        self.metadata
            .labels
            .get(INITIALIZED_LABEL)
            .is_none_or(|v| v != "false")
    }
}

/// An existing node with the pods bound to it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ClusterNode {
    /// The node.
    pub node: Node,
    /// Pods bound to it (DaemonSet pods included).
    pub pods: Vec<crate::pod::Pod>,
}

/// Attaches pods with `spec.nodeName` to their nodes; returns (nodes, pending pods). Bound pods
/// whose node is unknown are dropped; DaemonSet- and Node-owned pending pods are not provisioned.
pub fn bind_pods(
    nodes: Vec<Node>,
    pods: Vec<crate::pod::Pod>,
) -> (Vec<ClusterNode>, Vec<crate::pod::Pod>) {
    let mut cluster: Vec<ClusterNode> = nodes
        .into_iter()
        .map(|node| ClusterNode {
            node,
            pods: Vec::new(),
        })
        .collect();
    let index: std::collections::HashMap<String, usize> = cluster
        .iter()
        .enumerate()
        .map(|(i, n)| (n.node.name().to_string(), i))
        .collect();
    let mut pending = Vec::new();
    for p in pods {
        match p.spec.node_name.as_deref().filter(|n| !n.is_empty()) {
            Some(n) => {
                if let Some(c) = index.get(n).and_then(|&i| cluster.get_mut(i)) {
                    c.pods.push(p);
                }
            }
            None if p.is_daemon_or_node_owned() => {}
            None => pending.push(p),
        }
    }
    (cluster, pending)
}
