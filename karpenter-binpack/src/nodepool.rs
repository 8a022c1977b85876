//! Karpenter NodePool v1 (`karpenter.sh/v1`): template requirements, taints, limits, weight,
//! disruption (consolidation policy, consolidateAfter, budgets).

use crate::pod::ObjectMeta;
use crate::requirements::NodeSelectorRequirement;
use crate::resources::ResourceList;
use crate::taints::Taint;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A NodePool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NodePool {
    /// Metadata (name).
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Spec.
    #[serde(default)]
    pub spec: NodePoolSpec,
}

/// `spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NodePoolSpec {
    /// NodeClaim template.
    #[serde(default)]
    pub template: NodeClaimTemplate,
    /// Disruption settings.
    #[serde(default)]
    pub disruption: Disruption,
    /// Limits (`cpu`, `memory`, `nodes`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: ResourceList,
    /// Weight (higher first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
}

/// `spec.template`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct NodeClaimTemplate {
    /// Template labels.
    #[serde(default)]
    pub metadata: TemplateMeta,
    /// Template spec.
    #[serde(default)]
    pub spec: NodeClaimTemplateSpec,
}

/// Template metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct TemplateMeta {
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// Template spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NodeClaimTemplateSpec {
    /// Requirements (with minValues).
    #[serde(default)]
    pub requirements: Vec<NodeSelectorRequirement>,
    /// Taints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
    /// Startup taints (not checked at scheduling).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub startup_taints: Vec<Taint>,
    /// expireAfter (`720h` or `Never`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_after: Option<String>,
}

/// `spec.disruption`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Disruption {
    /// WhenEmptyOrUnderutilized (default) or WhenEmpty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consolidation_policy: Option<String>,
    /// Duration (`30s`, `5m`) or `Never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consolidate_after: Option<String>,
    /// Budgets (default: one `nodes: 10%`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budgets: Option<Vec<Budget>>,
}

/// A disruption budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Budget {
    /// `N` or `N%`.
    pub nodes: String,
    /// Reasons it applies to (none: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// 5-field cron (UTC) at which the budget becomes active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// How long it stays active after each schedule hit (`1h30m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
}

impl NodePool {
    /// Name.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Weight (0 when unset).
    pub fn weight(&self) -> i32 {
        self.spec.weight.unwrap_or(0)
    }
}

/// Sorts NodePools as the provisioner does: weight descending, ties by name descending.
pub fn order_nodepools(pools: &[NodePool]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..pools.len()).collect();
    idx.sort_by(|&a, &b| match (pools.get(a), pools.get(b)) {
        (Some(pa), Some(pb)) => pb
            .weight()
            .cmp(&pa.weight())
            .then_with(|| pb.name().cmp(pa.name())),
        _ => std::cmp::Ordering::Equal,
    });
    idx
}

/// Parses a Go-style duration (`90s`, `5m`, `1h30m`, `2h`) into seconds.
pub fn parse_duration(field: &str, s: &str) -> crate::Result<u64> {
    let bad = || crate::Error::invalid(field, s, "expected a duration such as 30s, 5m or 1h30m");
    let mut total: u64 = 0;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    if s.is_empty() {
        return Err(bad());
    }
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().map_err(|_| bad())?;
        num.clear();
        let mult = match c {
            'h' => 3600,
            's' => 1,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                0
            }
            'm' => 60,
            _ => return Err(bad()),
        };
        total = total
            .checked_add(n.checked_mul(mult).ok_or_else(bad)?)
            .ok_or_else(bad)?;
    }
    if !num.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn pool(name: &str, weight: Option<i32>) -> NodePool {
        NodePool {
            metadata: ObjectMeta {
                name: name.into(),
                ..Default::default()
            },
            spec: NodePoolSpec {
                weight,
                ..Default::default()
            },
        }
    }

    #[test]
    fn weight_descending_then_name_descending() {
        let pools = vec![
            pool("a", None),
            pool("b", None),
            pool("c", Some(10)),
            pool("d", Some(5)),
        ];
        let order: Vec<&str> = order_nodepools(&pools)
            .into_iter()
            .map(|i| pools[i].name())
            .collect();
        assert_eq!(order, vec!["c", "d", "b", "a"]);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("f", "1h30m").unwrap(), 5400);
        assert_eq!(parse_duration("f", "30s").unwrap(), 30);
        assert!(parse_duration("f", "soon").is_err());
        assert!(parse_duration("f", "10").is_err());
    }

    #[test]
    fn nodepool_v1_yaml() {
        let y = r#"
apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: default
spec:
  weight: 10
  template:
    spec:
      requirements:
        - key: karpenter.k8s.aws/instance-family
          operator: Exists
          minValues: 2
      taints:
        - key: dedicated
          value: ml
          effect: NoSchedule
  limits:
    cpu: "1000"
  disruption:
    consolidationPolicy: WhenEmptyOrUnderutilized
    budgets:
      - nodes: "20%"
      - nodes: "0"
        schedule: "0 9 * * 1-5"
        duration: 8h
"#;
        let p: NodePool = crate::pod::decode("nodepool", y).unwrap();
        assert_eq!(p.name(), "default");
        assert_eq!(p.weight(), 10);
        assert_eq!(p.spec.template.spec.requirements[0].min_values, Some(2));
        assert_eq!(p.spec.disruption.budgets.as_ref().unwrap().len(), 2);
    }
}
