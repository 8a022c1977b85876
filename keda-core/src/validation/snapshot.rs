//! The cluster objects that ship next to KEDA resources in manifest files (Secrets, ConfigMaps,
//! ServiceAccounts, Deployments, StatefulSets, TriggerAuthentications), gathered so offline
//! validation can resolve a trigger's auth parameters and `...FromEnv` values as the operator would.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::manifest::Manifest;
use crate::resolver::{InMemoryObjects, PodSpec};

/// The namespace of objects written without one (kubectl's default context namespace).
pub const DEFAULT_NAMESPACE: &str = "default";

/// Objects of a set of manifest documents, by namespace and name.
#[derive(Debug, Clone, Default)]
pub struct ClusterSnapshot {
    /// Secrets, ConfigMaps, ServiceAccounts and (Cluster)TriggerAuthentications.
    pub objects: InMemoryObjects,
    /// Pod specs of workloads, by (namespace, kind, name).
    pub workloads: BTreeMap<(String, String, String), PodSpec>,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Standard base64 (Kubernetes Secret `data`); `None` when malformed or not UTF-8.
fn base64_decode(s: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push(((bits >> nbits) & 0xff) as u8);
        }
    }
    String::from_utf8(out).ok()
}

impl ClusterSnapshot {
    /// Gathers the objects of `docs` (JSON documents as [`crate::manifest::parse_documents`]
    /// returns them); documents of other kinds and undecodable ones are ignored.
    pub fn from_documents(docs: &[Value]) -> Self {
        let mut s = Self::default();
        for d in docs {
            let ns = str_at(d, &["metadata", "namespace"])
                .unwrap_or(DEFAULT_NAMESPACE)
                .to_owned();
            let Some(name) = str_at(d, &["metadata", "name"]).map(str::to_owned) else {
                continue;
            };
            let kind = str_at(d, &["kind"]).unwrap_or_default();
            match (str_at(d, &["apiVersion"]).unwrap_or_default(), kind) {
                ("v1", "Secret") => {
                    let mut data: BTreeMap<String, String> = string_map(d.get("data"))
                        .into_iter()
                        .filter_map(|(k, v)| Some((k, base64_decode(&v)?)))
                        .collect();
                    data.extend(string_map(d.get("stringData")));
                    s.objects.secrets.insert((ns, name), data);
                }
                ("v1", "ConfigMap") => {
                    s.objects
                        .config_maps
                        .insert((ns, name), string_map(d.get("data")));
                }
                ("v1", "ServiceAccount") => {
                    s.objects.service_accounts.insert(
                        (ns, name),
                        string_map(d.get("metadata").and_then(|m| m.get("annotations"))),
                    );
                }
                ("apps/v1", "Deployment" | "StatefulSet" | "ReplicaSet") => {
                    let spec = d
                        .get("spec")
                        .and_then(|s| s.get("template"))
                        .and_then(|t| t.get("spec"));
                    if let Some(pod) = spec.and_then(|p| PodSpec::from_json(p).ok()) {
                        s.workloads.insert((ns, kind.to_owned(), name), pod);
                    }
                }
                _ => match Manifest::from_value(d.clone()) {
                    Ok(Manifest::TriggerAuthentication(ta)) => {
                        s.objects
                            .trigger_authentications
                            .insert((ns, name), ta.spec.clone());
                    }
                    Ok(Manifest::ClusterTriggerAuthentication(ta)) => {
                        s.objects
                            .cluster_trigger_authentications
                            .insert(name, ta.spec.clone());
                    }
                    _ => {}
                },
            }
        }
        s
    }

    /// The pod spec of workload `namespace/kind/name`, if it is in the snapshot.
    pub fn workload(&self, namespace: &str, kind: &str, name: &str) -> Option<&PodSpec> {
        self.workloads
            .get(&(namespace.to_owned(), kind.to_owned(), name.to_owned()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_standard_alphabet() {
        assert_eq!(
            base64_decode("YW1xcDovL3VzZXI6UEFTU1dPUkQ=").unwrap(),
            "amqp://user:PASSWORD"
        );
        assert_eq!(base64_decode("aGk=").unwrap(), "hi");
        assert_eq!(base64_decode("aGk").unwrap(), "hi");
        assert!(base64_decode("a*b").is_none());
    }

    #[test]
    fn gathers_secrets_and_workloads() {
        let docs = crate::manifest::parse_documents(
            r#"
apiVersion: v1
kind: Secret
metadata: {name: s}
data: {k: aGk=}
stringData: {p: plain}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: jobs}
spec:
  template:
    spec:
      containers:
      - name: c
        env: [{name: A, value: x}]
"#,
        )
        .unwrap();
        let s = ClusterSnapshot::from_documents(&docs);
        let secret = &s.objects.secrets[&(DEFAULT_NAMESPACE.to_owned(), "s".to_owned())];
        assert_eq!(
            (secret["k"].as_str(), secret["p"].as_str()),
            ("hi", "plain")
        );
        assert_eq!(
            s.workload("jobs", "Deployment", "d").unwrap().containers[0].env[0].value,
            "x"
        );
    }
}
