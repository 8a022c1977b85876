//! Building a [`ClusterSnapshot`] from plain manifests: API resources are inferred from the
//! objects' `apiVersion`/`kind` with a table of built-in Kubernetes kinds, CRD manifests in the
//! same set, and a `<kind>s` fallback.

use std::collections::BTreeMap;

use serde_json::Value;

use super::cluster::ClusterSnapshot;
use crate::discovery::ApiResource;

/// (kind, plural, namespaced, short name) of common built-in kinds.
const BUILTIN: &[(&str, &str, bool, &str)] = &[
    ("Pod", "pods", true, "po"),
    (
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        "pvc",
    ),
    ("PersistentVolume", "persistentvolumes", false, "pv"),
    ("Namespace", "namespaces", false, "ns"),
    ("Service", "services", true, "svc"),
    ("ServiceAccount", "serviceaccounts", true, "sa"),
    ("Secret", "secrets", true, ""),
    ("ConfigMap", "configmaps", true, "cm"),
    ("Endpoints", "endpoints", true, "ep"),
    ("Event", "events", true, "ev"),
    ("LimitRange", "limitranges", true, "limits"),
    ("ResourceQuota", "resourcequotas", true, "quota"),
    ("Node", "nodes", false, "no"),
    ("Deployment", "deployments", true, "deploy"),
    ("StatefulSet", "statefulsets", true, "sts"),
    ("DaemonSet", "daemonsets", true, "ds"),
    ("ReplicaSet", "replicasets", true, "rs"),
    ("Job", "jobs", true, ""),
    ("CronJob", "cronjobs", true, "cj"),
    ("Ingress", "ingresses", true, "ing"),
    ("IngressClass", "ingressclasses", false, ""),
    ("NetworkPolicy", "networkpolicies", true, "netpol"),
    ("Role", "roles", true, ""),
    ("RoleBinding", "rolebindings", true, ""),
    ("ClusterRole", "clusterroles", false, ""),
    ("ClusterRoleBinding", "clusterrolebindings", false, ""),
    ("StorageClass", "storageclasses", false, "sc"),
    ("PriorityClass", "priorityclasses", false, "pc"),
    (
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        "crd",
    ),
    (
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        "hpa",
    ),
    ("PodDisruptionBudget", "poddisruptionbudgets", true, "pdb"),
    ("Lease", "leases", true, ""),
];

fn split_api_version(av: &str) -> (&str, &str) {
    av.rsplit_once('/').unwrap_or(("", av))
}

/// Flattens `kind: List` objects and drops non-objects.
pub fn flatten_lists(objs: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::new();
    for o in objs {
        if o.get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && let Some(items) = o.get("items").and_then(Value::as_array)
        {
            out.extend(items.iter().filter(|i| i.is_object()).cloned());
            continue;
        }
        if o.is_object() {
            out.push(o);
        }
    }
    out
}

impl ClusterSnapshot {
    /// A cluster holding `objects`, serving one resource per (group, kind) found, at the version
    /// of the first object seen. Discovery order: core group first, then groups by name.
    pub fn from_objects(objects: Vec<Value>) -> Self {
        let objects = flatten_lists(objects);
        let mut crds: BTreeMap<(String, String), (String, bool)> = BTreeMap::new();
        for o in &objects {
            if o.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition") {
                let s = |p: &str| {
                    o.pointer(p)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                crds.insert(
                    (s("/spec/group"), s("/spec/names/kind")),
                    (s("/spec/names/plural"), s("/spec/scope") != "Cluster"),
                );
            }
        }
        let mut resources: BTreeMap<(bool, String, String), (ApiResource, Vec<Value>)> =
            BTreeMap::new();
        for o in objects {
            let av = o
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let kind = o
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if kind.is_empty() {
                continue;
            }
            let (group, version) = split_api_version(&av);
            let key = (!group.is_empty(), group.to_owned(), kind.clone());
            let entry = resources.entry(key).or_insert_with(|| {
                let (plural, namespaced, short) = match (
                    crds.get(&(group.to_owned(), kind.clone())),
                    BUILTIN.iter().find(|b| b.0 == kind),
                ) {
                    (Some((p, n)), _) => (p.clone(), *n, ""),
                    (None, Some(b)) => (b.1.to_owned(), b.2, b.3),
                    (None, None) => (
                        format!("{}s", kind.to_lowercase()),
                        o.pointer("/metadata/namespace").is_some(),
                        "",
                    ),
                };
                let res = ApiResource {
                    group: group.to_owned(),
                    version: version.to_owned(),
                    name: plural,
                    kind: kind.clone(),
                    short_names: if short.is_empty() {
                        vec![]
                    } else {
                        vec![short.to_owned()]
                    },
                    singular: kind.to_lowercase(),
                    namespaced,
                };
                (res, Vec::new())
            });
            entry.1.push(o);
        }
        Self::new(resources.into_values().collect())
    }
}
