//! Per-item restore transformations (`pkg/restore/restore.go`): metadata and status reset,
//! completion checks, volume binding reset, status-restore decision.

use serde_json::{Map, Value};

use crate::discovery::GroupResource;
use crate::error::Error;
use crate::includes_excludes::IncludesExcludes;

/// Annotation that forces status restore on (`true`) or off (`false`).
pub const RESTORE_STATUS_ANNOTATION: &str = "velero.io/restore-status";

const RESET_FIELDS: [&str; 9] = [
    "generateName",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "ownerReferences",
];

/// `resetMetadata`: removes server-populated metadata; keeps name, namespace, labels,
/// annotations, managedFields and finalizers. An object without `metadata` is an error.
pub fn reset_metadata(obj: &mut Value) -> Result<(), Error> {
    let meta = obj
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Error::invalid("metadata", "<absent>", "object has no metadata"))?;
    for f in RESET_FIELDS {
        meta.remove(f);
    }
    Ok(())
}

/// `resetStatus`: drops `status`.
pub fn reset_status(obj: &mut Value) {
    if let Some(m) = obj.as_object_mut() {
        m.remove("status");
    }
}

/// `isCompleted`: Pods in phase Succeeded/Failed and Jobs with a non-empty
/// `status.completionTime` are not restored.
pub fn is_completed(obj: &Value, gr: &GroupResource) -> bool {
    match (gr.group.as_str(), gr.resource.as_str()) {
        ("", "pods") => {
            matches!(
                obj.pointer("/status/phase").and_then(Value::as_str),
                Some("Succeeded" | "Failed")
            )
        }
        ("batch", "jobs") => obj
            .pointer("/status/completionTime")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty()),
        _ => false,
    }
}

/// `resetVolumeBindingInfo`: drops `spec.claimRef.uid/resourceVersion` and the
/// `pv.kubernetes.io/bind-completed` / `bound-by-controller` annotations.
pub fn reset_volume_binding_info(obj: &mut Value) {
    if let Some(cr) = obj
        .pointer_mut("/spec/claimRef")
        .and_then(Value::as_object_mut)
    {
        cr.remove("uid");
        cr.remove("resourceVersion");
    }
    if let Some(a) = obj
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.remove("pv.kubernetes.io/bind-completed");
        a.remove("pv.kubernetes.io/bound-by-controller");
    }
}

/// `determineRestoreStatus`: the annotation (trimmed, lower-cased `true`/`false`) wins;
/// otherwise the restore's `restoreStatus` filter (None = never).
pub fn determine_restore_status(obj: &Value, filter: Option<&IncludesExcludes>, gr: &str) -> bool {
    let ann = obj
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .and_then(|a| a.get(RESTORE_STATUS_ANNOTATION));
    match ann
        .and_then(Value::as_str)
        .map(|s| s.trim().to_lowercase())
        .as_deref()
    {
        Some("true") => return true,
        Some("false") => return false,
        _ => {}
    }
    filter.is_some_and(|f| f.should_include(gr))
}

/// Sets `metadata.labels[key] = value`, creating maps as needed.
pub fn set_label(obj: &mut Value, key: &str, value: &str) {
    if let Some(o) = obj.as_object_mut() {
        let meta = o
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(m) = meta.as_object_mut() {
            let labels = m
                .entry("labels")
                .or_insert_with(|| Value::Object(Map::new()));
            if !labels.is_object() {
                *labels = Value::Object(Map::new());
            }
            if let Some(l) = labels.as_object_mut() {
                l.insert(key.to_owned(), Value::String(value.to_owned()));
            }
        }
    }
}
