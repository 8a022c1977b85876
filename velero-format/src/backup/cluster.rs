//! A snapshot of a cluster's API resources and objects, the input of backup planning.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::discovery::{ApiResource, Discovery};
use crate::label_selector::{LabelSelector, labels_of};

/// Served resources (discovery order) and their objects, as the dynamic client would list them.
#[derive(Debug, Clone, Default)]
pub struct ClusterSnapshot {
    discovery: Discovery,
    objects: BTreeMap<String, Vec<Value>>,
}

fn meta<'a>(obj: &'a Value, f: &str) -> &'a str {
    obj.pointer(&format!("/metadata/{f}"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

impl ClusterSnapshot {
    /// A cluster serving `resources` (with their objects, in list order).
    pub fn new(resources: Vec<(ApiResource, Vec<Value>)>) -> Self {
        let mut objects: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut served = Vec::new();
        for (r, items) in resources {
            objects
                .entry(r.group_resource().to_string())
                .or_default()
                .extend(items);
            served.push(r);
        }
        Self {
            discovery: Discovery::new(served),
            objects,
        }
    }

    /// Discovery over the served resources.
    pub fn discovery(&self) -> &Discovery {
        &self.discovery
    }

    /// Lists objects of a resource in `namespace` (`""` = all namespaces) matching `selector`.
    pub fn list(&self, gr: &str, namespace: &str, selector: Option<&LabelSelector>) -> Vec<&Value> {
        self.objects
            .get(gr)
            .into_iter()
            .flatten()
            .filter(|o| namespace.is_empty() || meta(o, "namespace") == namespace)
            .filter(|o| selector.is_none_or(|s| s.matches(&labels_of(o))))
            .collect()
    }

    /// Gets one object.
    pub fn get(&self, gr: &str, namespace: &str, name: &str) -> Option<&Value> {
        self.objects
            .get(gr)?
            .iter()
            .find(|o| meta(o, "namespace") == namespace && meta(o, "name") == name)
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.objects.values().map(Vec::len).sum()
    }

    /// Whether the cluster holds no objects.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
