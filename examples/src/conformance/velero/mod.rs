//! Velero tables: maps each upstream table name (the Go test function) to the code that replays
//! it through `velero-format`.

use serde_json::Value;
use velero_format::discovery::{ApiResource, Discovery};

use super::{Handler, Table};

mod archive;
mod backup;
mod filters;
mod modifiers;
mod restore;

/// The handler for a Velero table, or why there is none.
pub(super) fn lookup(table: &Table) -> Result<Handler, String> {
    filters::lookup(&table.name)
        .or_else(|| backup::lookup(&table.name))
        .or_else(|| archive::lookup(&table.name))
        .or_else(|| modifiers::lookup(&table.name))
        .or_else(|| restore::lookup(&table.name))
        .ok_or_else(|| format!("no handler for {}", table.name))
}

/// A string list field (absent/null → empty).
pub(crate) fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A nullable string list field: `None` for absent/null.
pub(crate) fn opt_strings(v: &Value, key: &str) -> Option<Vec<String>> {
    v.get(key).filter(|x| !x.is_null()).map(|_| strings(v, key))
}

/// The `apiResources` of a case as discovery resources (with their items).
pub(crate) fn api_resources(v: &Value) -> Vec<(ApiResource, Vec<Value>)> {
    v.get("apiResources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|r| {
            let s = |k: &str| {
                r.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let res = ApiResource {
                group: s("group"),
                version: s("version"),
                name: s("name"),
                kind: s("kind"),
                short_names: r
                    .get("shortName")
                    .and_then(Value::as_str)
                    .map(|x| vec![x.to_owned()])
                    .unwrap_or_default(),
                singular: String::new(),
                namespaced: r
                    .get("namespaced")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            };
            let items = r
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            (res, items)
        })
        .collect()
}

/// Discovery over a case's `apiResources`.
pub(crate) fn discovery(v: &Value) -> Discovery {
    Discovery::new(api_resources(v).into_iter().map(|(r, _)| r).collect())
}

/// Sorted copy, for order-free comparisons.
pub(crate) fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}
