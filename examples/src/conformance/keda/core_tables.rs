//! KEDA tables replayed against `keda-core`: one submodule per vector file.

use super::super::{Handler, Table};

mod resolver;
mod scaledobject_api;
mod scaler_common;
mod typed_config;

/// The handler for the table, or why there is none.
pub(super) fn lookup(table: &Table) -> Result<Handler, String> {
    let name = table.name.as_str();
    if let Some(h) = typed_config::lookup(name)
        .or_else(|| scaler_common::lookup(name))
        .or_else(|| scaledobject_api::lookup(name))
        .or_else(|| resolver::lookup(name))
    {
        return Ok(h);
    }
    Err(format!("no handler for {name} yet"))
}

/// `v[key]`, or `null` when absent (no indexing on vector data).
fn at<'a>(v: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    static NULL: serde_json::Value = serde_json::Value::Null;
    v.get(key).unwrap_or(&NULL)
}

/// A Go struct literal from the vectors (`{"Spec": {"MinReplicaCount": 1}}`) as the resource's
/// JSON (`{"spec": {"minReplicaCount": 1}}`): `$type` markers and nulls dropped, field names
/// turned into their JSON tags.
fn go_to_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, v)| k.as_str() != "$type" && !v.is_null())
                .map(|(k, v)| (json_tag(k), go_to_json(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(go_to_json).collect()),
        other => other.clone(),
    }
}

/// The JSON tag of a Go field name.
fn json_tag(go: &str) -> String {
    match go {
        "ObjectMeta" => "metadata".into(),
        "APIVersion" => "apiVersion".into(),
        "IdentityID" => "identityId".into(),
        "IdentityTenantID" => "identityTenantId".into(),
        "ExternalID" => "externalID".into(),
        _ => {
            let mut c = go.chars();
            c.next()
                .map(|f| f.to_lowercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

/// Inserts `value` at `key` of `v` when absent (a required field the Go literal left zero).
fn default_key(v: &mut serde_json::Value, key: &str, value: serde_json::Value) {
    if let Some(m) = v.as_object_mut() {
        m.entry(key.to_owned()).or_insert(value);
    }
}
