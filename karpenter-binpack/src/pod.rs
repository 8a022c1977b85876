//! Kubernetes Pod manifests (the fields the scheduler reads) and pod-list loading.

use crate::affinity::{Affinity, TopologySpreadConstraint};
use crate::error::{Error, Result};
use crate::resources::{CPU, MEMORY, PODS, ResourceList, ResourceTable};
use crate::taints::Toleration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `metadata`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Namespace (empty reads as `default`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// UID (queue tie-break).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// RFC 3339 creation time (queue tie-break; compared as text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// Owners (DaemonSet- and Node-owned pods are not provisioned for).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owner_references: Vec<OwnerReference>,
}

/// An owner reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct OwnerReference {
    /// Owner kind.
    #[serde(default)]
    pub kind: String,
    /// Owner name.
    #[serde(default)]
    pub name: String,
}

/// A container's resources.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct ResourceRequirements {
    /// Requests.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: ResourceList,
    /// Limits (requests default to limits when absent, as the API server does).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: ResourceList,
}

/// A container port.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    /// Container port.
    #[serde(default)]
    pub container_port: i32,
    /// Host port (0 = none).
    #[serde(default)]
    pub host_port: i32,
    /// TCP (default), UDP, SCTP.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub protocol: String,
    /// Host IP (empty = 0.0.0.0).
    #[serde(default, rename = "hostIP", skip_serializing_if = "String::is_empty")]
    pub host_ip: String,
}

/// A container.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Resources.
    #[serde(default)]
    pub resources: ResourceRequirements,
    /// Ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    /// `Always` on an init container makes it a restartable sidecar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
}

/// `spec`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    /// App containers.
    #[serde(default)]
    pub containers: Vec<Container>,
    /// Init containers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_containers: Vec<Container>,
    /// Node selector.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    /// Tolerations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    /// Topology spread constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topology_spread_constraints: Vec<TopologySpreadConstraint>,
    /// Pod overhead (RuntimeClass).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub overhead: ResourceList,
    /// Bound node (bound pods are not pending).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<String>,
    /// Priority (eviction cost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
}

/// A Pod.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Pod {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Spec.
    #[serde(default)]
    pub spec: PodSpec,
}

impl Pod {
    /// `namespace/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace(), self.metadata.name)
    }

    /// Namespace, `default` when empty.
    pub fn namespace(&self) -> &str {
        if self.metadata.namespace.is_empty() {
            "default"
        } else {
            &self.metadata.namespace
        }
    }

    /// Whether a DaemonSet or a Node owns the pod (not provisioned for).
    pub fn is_daemon_or_node_owned(&self) -> bool {
        self.metadata
            .owner_references
            .iter()
            .any(|o| o.kind == "DaemonSet" || o.kind == "Node")
    }

    /// Kubernetes' effective request: max(largest init container, sum of app containers +
    /// restartable sidecars) + pod overhead, plus Karpenter's synthetic `pods: 1`.
    pub fn effective_requests(&self, table: &mut ResourceTable) -> Result<Vec<(usize, i64)>> {
        self.requests_inner(table)
            .map_err(|e| e.with_field(|| format!("pod {}", self.key())))
    }

    fn requests_inner(&self, table: &mut ResourceTable) -> Result<Vec<(usize, i64)>> {
        if let ([c], true, true) = (
            self.spec.containers.as_slice(),
            self.spec.init_containers.is_empty(),
            self.spec.overhead.is_empty(),
        ) {
            let mut out = container_requests(table, c)
                .map_err(|e| e.with_field(|| "containers[0]".into()))?;
            out.sort_unstable_by_key(|e| e.0);
            if let Some(p) = out.iter_mut().find(|e| e.0 == PODS) {
                p.1 = 1000;
            } else {
                out.push((PODS, 1000));
                out.sort_unstable_by_key(|e| e.0);
            }
            return Ok(out);
        }
        let mut sum: BTreeMap<usize, i64> = BTreeMap::new();
        let mut sidecars: BTreeMap<usize, i64> = BTreeMap::new();
        let mut init_max: BTreeMap<usize, i64> = BTreeMap::new();
        for (i, c) in self.spec.init_containers.iter().enumerate() {
            let req = container_requests(table, c)
                .map_err(|e| e.with_field(|| format!("initContainers[{i}]")))?;
            if c.restart_policy.as_deref() == Some("Always") {
                for (k, v) in req {
                    *sidecars.entry(k).or_default() += v;
                }
            } else {
                // an init container runs alongside the sidecars started before it
                for (k, v) in req {
                    let with_sidecars = v.saturating_add(sidecars.get(&k).copied().unwrap_or(0));
                    let e = init_max.entry(k).or_default();
                    *e = (*e).max(with_sidecars);
                }
            }
        }
        for (i, c) in self.spec.containers.iter().enumerate() {
            for (k, v) in container_requests(table, c)
                .map_err(|e| e.with_field(|| format!("containers[{i}]")))?
            {
                *sum.entry(k).or_default() += v;
            }
        }
        for (k, v) in sidecars {
            *sum.entry(k).or_default() += v;
        }
        for (k, v) in init_max {
            let e = sum.entry(k).or_default();
            *e = (*e).max(v);
        }
        for (k, v) in table.parse_list("spec.overhead", &self.spec.overhead)? {
            *sum.entry(k).or_default() += v;
        }
        sum.insert(PODS, 1000);
        Ok(sum.into_iter().collect())
    }

    /// Host ports the pod binds.
    pub fn host_ports(&self) -> Vec<HostPort> {
        self.spec
            .containers
            .iter()
            .chain(&self.spec.init_containers)
            .flat_map(|c| &c.ports)
            .filter(|p| p.host_port > 0)
            .map(|p| HostPort {
                ip: if p.host_ip.is_empty() {
                    "0.0.0.0".into()
                } else {
                    p.host_ip.clone()
                },
                port: p.host_port,
                protocol: if p.protocol.is_empty() {
                    "TCP".into()
                } else {
                    p.protocol.clone()
                },
            })
            .collect()
    }

    /// The (cpu, memory) queue key in milli-units.
    pub fn cpu_memory(requests: &[(usize, i64)]) -> (i64, i64) {
        let get = |d| {
            requests
                .iter()
                .find(|(k, _)| *k == d)
                .map_or(0, |(_, v)| *v)
        };
        (get(CPU), get(MEMORY))
    }
}

fn container_requests(table: &mut ResourceTable, c: &Container) -> Result<Vec<(usize, i64)>> {
    if c.resources.limits.is_empty() {
        return table.parse_list("resources.requests", &c.resources.requests);
    }
    let mut list = c.resources.limits.clone();
    list.extend(
        c.resources
            .requests
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    table.parse_list("resources.requests", &list)
}

/// A host port binding.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HostPort {
    /// IP (0.0.0.0 = all).
    pub ip: String,
    /// Port.
    pub port: i32,
    /// Protocol.
    pub protocol: String,
}

impl HostPort {
    /// Kubernetes host-port conflict: same protocol and port, and same IP or either unspecified.
    pub fn conflicts(&self, other: &HostPort) -> bool {
        self.port == other.port
            && self.protocol == other.protocol
            && (self.ip == other.ip || self.ip == "0.0.0.0" || other.ip == "0.0.0.0")
    }
}

/// Decodes JSON or YAML text into `T` (JSON first when the text starts with `{` or `[`).
pub fn decode<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::from_str(text).map_err(|e| Error::Decode {
            what: what.to_string(),
            message: e.to_string(),
        })
    } else {
        serde_saphyr::from_str(text).map_err(|e| Error::Decode {
            what: what.to_string(),
            message: e.to_string(),
        })
    }
}

/// A list document: a bare sequence, or an object with `items` (`kind: List` / `PodList`), or one object.
#[derive(Deserialize)]
#[serde(untagged)]
enum ListDoc<T> {
    Seq(Vec<T>),
    List { items: Vec<T> },
    One(Box<T>),
}

/// Decodes a list of objects from JSON or YAML: `[..]`, `{kind: List, items: [..]}` (as printed by
/// `kubectl get pods -o json`) or a single object. YAML multi-document streams are accepted too.
pub fn decode_list<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<Vec<T>> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) && text.contains("\n---") {
        let docs: Vec<ListDoc<T>> =
            serde_saphyr::from_multiple(text).map_err(|e| Error::Decode {
                what: what.to_string(),
                message: e.to_string(),
            })?;
        return Ok(docs.into_iter().flat_map(flatten).collect());
    }
    Ok(flatten(decode::<ListDoc<T>>(what, text)?))
}

fn flatten<T>(d: ListDoc<T>) -> Vec<T> {
    match d {
        ListDoc::Seq(v) | ListDoc::List { items: v } => v,
        ListDoc::One(b) => vec![*b],
    }
}
