//! Kubernetes strategic merge patch for the built-in kinds, with the patch-merge keys of the
//! client-go types this crate knows (a subset of the full typed scheme; see ARCHITECTURE).
//! Supports merge keys, `$patch: delete|replace|merge`, `$retainKeys`,
//! `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`.

use serde_json::{Map, Value};

use crate::error::Error;

/// Kinds of the core/apps/batch/networking/rbac/storage groups the patcher accepts.
const KNOWN_KINDS: &[&str] = &[
    "Pod",
    "Service",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Namespace",
    "Endpoints",
    "LimitRange",
    "ResourceQuota",
    "ReplicationController",
    "Node",
    "Event",
    "PodTemplate",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ControllerRevision",
    "Job",
    "CronJob",
    "Ingress",
    "NetworkPolicy",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "PriorityClass",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
];

/// The merge key of a list field, by field name (client-go `patchMergeKey` tags).
fn merge_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "hostAliases"
        | "readinessGates"
        | "resourceClaims" => match field {
            "hostAliases" => "ip",
            "readinessGates" => "conditionType",
            _ => "name",
        },
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "ports" => "__ports__",
        "tolerations" => return None,
        "conditions" => "type",
        "ownerReferences" => "uid",
        _ => return None,
    })
}

fn port_key(parent_is_service: bool) -> &'static str {
    if parent_is_service {
        "port"
    } else {
        "containerPort"
    }
}

/// Applies a strategic merge patch to `obj` (whose `kind` must be known).
pub fn strategic_merge(obj: &Value, patch: &Value) -> Result<Value, Error> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    if !KNOWN_KINDS.contains(&kind) {
        return Err(Error::Patch(format!(
            "unable to find api field in struct for kind {kind:?}"
        )));
    }
    let mut out = obj.clone();
    merge_map(&mut out, patch, kind == "Service")?;
    Ok(out)
}

fn merge_map(target: &mut Value, patch: &Value, service: bool) -> Result<(), Error> {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return Ok(());
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut m = p.clone();
        m.remove("$patch");
        *target = Value::Object(m);
        return Ok(());
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else {
        return Ok(());
    };
    let retain: Option<Vec<String>> = p.get("$retainKeys").and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect()
    });
    for (k, v) in p {
        if k.starts_with('$') {
            if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/")
                && let (Some(Value::Array(list)), Some(del)) = (t.get_mut(field), v.as_array())
            {
                list.retain(|x| !del.contains(x));
            }
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        match (t.get_mut(k), v) {
            (Some(Value::Array(orig)), Value::Array(items)) => {
                let key = merge_key(k).map(|mk| {
                    if mk == "__ports__" {
                        port_key(service)
                    } else {
                        mk
                    }
                });
                match key {
                    Some(key) => merge_list(orig, items, key, service)?,
                    None => *orig = items.clone(),
                }
                if let Some(order) = p
                    .get(&format!("$setElementOrder/{k}"))
                    .and_then(Value::as_array)
                    && let Some(key) = key
                {
                    reorder(orig, order, key);
                }
            }
            (Some(existing @ Value::Object(_)), Value::Object(_)) => {
                merge_map(existing, v, service)?
            }
            _ => {
                let mut fresh = Value::Null;
                merge_map(&mut fresh, &strip_directives(v), service)?;
                t.insert(
                    k.clone(),
                    if v.is_object() {
                        fresh
                    } else {
                        strip_directives(v)
                    },
                );
            }
        }
    }
    if let Some(keep) = retain {
        t.retain(|k, _| keep.contains(k));
    }
    Ok(())
}

fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

fn merge_list(
    orig: &mut Vec<Value>,
    items: &[Value],
    key: &str,
    service: bool,
) -> Result<(), Error> {
    for item in items {
        let id = item.get(key).cloned();
        let pos = id
            .as_ref()
            .and_then(|id| orig.iter().position(|o| o.get(key) == Some(id)));
        if item.get("$patch").and_then(Value::as_str) == Some("delete") {
            if let Some(i) = pos {
                orig.remove(i);
            }
            continue;
        }
        match pos.and_then(|i| orig.get_mut(i)) {
            Some(existing) => merge_map(existing, item, service)?,
            None => orig.push(strip_directives(item)),
        }
    }
    Ok(())
}

fn reorder(list: &mut [Value], order: &[Value], key: &str) {
    let rank = |v: &Value| {
        order
            .iter()
            .position(|o| o.get(key).is_some() && o.get(key) == v.get(key))
            .unwrap_or(usize::MAX)
    };
    list.sort_by_key(rank);
}
