//! A scenario: everything one simulation needs, loadable from one JSON or YAML document.

use crate::error::Result;
use crate::instance_type::InstanceType;
use crate::model::{Model, Options};
use crate::node::{Node, bind_pods};
use crate::nodepool::NodePool;
use crate::pod::{Pod, decode};
use crate::scheduler::PlanOutput;
use serde::{Deserialize, Serialize};

/// Pods (pending, or bound through `spec.nodeName`), NodePools, the catalog, existing nodes and
/// DaemonSet pod templates.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    /// Pods.
    #[serde(default)]
    pub pods: Vec<Pod>,
    /// NodePools.
    #[serde(default)]
    pub node_pools: Vec<NodePool>,
    /// Instance types (every NodePool sees the whole catalog).
    #[serde(default)]
    pub instance_types: Vec<InstanceType>,
    /// Existing nodes.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// DaemonSet pod templates (their requests are per-node overhead).
    #[serde(default)]
    pub daemon_sets: Vec<Pod>,
}

impl Scenario {
    /// Decodes a scenario document (JSON or YAML).
    pub fn from_text(text: &str) -> Result<Self> {
        decode("scenario", text)
    }

    /// Compiles and solves the scenario, returning the JSON plan.
    pub fn plan(&self, options: Options) -> Result<PlanOutput> {
        let mut model = Model::new(
            &self.node_pools,
            &self.instance_types,
            &self.daemon_sets,
            options,
        )?;
        let (nodes, pending) = bind_pods(self.nodes.clone(), self.pods.clone());
        let solution = model.solve(&pending, &nodes)?;
        Ok(solution.plan(&model, &pending, &nodes))
    }
}
