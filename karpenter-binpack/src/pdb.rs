//! PodDisruptionBudgets: which pods may be evicted now (Karpenter blocks a node when a pod is
//! covered by more than one PDB or by one that allows no disruption).

use crate::affinity::LabelSelector;
use crate::pod::{ObjectMeta, Pod};
use serde::{Deserialize, Serialize};

/// A `policy/v1` PodDisruptionBudget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct PodDisruptionBudget {
    /// Metadata (namespace).
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Spec.
    #[serde(default)]
    pub spec: PdbSpec,
    /// Status (`disruptionsAllowed` wins when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PdbStatus>,
}

/// `spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PdbSpec {
    /// Selector.
    #[serde(default)]
    pub selector: LabelSelector,
    /// `N` or `N%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_available: Option<IntOrString>,
    /// `N` or `N%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
}

/// `status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PdbStatus {
    /// Evictions allowed now.
    pub disruptions_allowed: i64,
}

/// An int-or-string field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// Integer.
    Int(i64),
    /// String (percent).
    Str(String),
}

impl IntOrString {
    fn resolve(&self, total: i64, round_up: bool) -> i64 {
        match self {
            IntOrString::Int(i) => *i,
            IntOrString::Str(s) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
                Some(p) if round_up => (total * p + 99) / 100,
                Some(p) => total * p / 100,
                None => s.parse().unwrap_or(0),
            },
        }
    }
}

impl PodDisruptionBudget {
    /// Whether the PDB covers `pod`.
    pub fn covers(&self, pod: &Pod) -> bool {
        let ns = if self.metadata.namespace.is_empty() {
            "default"
        } else {
            &self.metadata.namespace
        };
        pod.namespace() == ns
            && !self.spec.selector.is_empty()
            && self.spec.selector.matches(&pod.metadata.labels)
    }

    /// Disruptions allowed: `status.disruptionsAllowed`, else computed from the matching pods.
    pub fn disruptions_allowed(&self, all_pods: &[&Pod]) -> i64 {
        if let Some(s) = &self.status {
            return s.disruptions_allowed;
        }
        let healthy = all_pods.iter().filter(|p| self.covers(p)).count() as i64;
        if let Some(mu) = &self.spec.max_unavailable {
            return mu.resolve(healthy, true).max(0);
        }
        if let Some(ma) = &self.spec.min_available {
            return (healthy - ma.resolve(healthy, true)).max(0);
        }
        healthy
    }
}
