//! KEDA tables replayed against `keda-core`: one submodule per vector file.

use super::super::{Handler, Table};

mod scaler_common;
mod typed_config;

/// The handler for the table, or why there is none.
pub(super) fn lookup(table: &Table) -> Result<Handler, String> {
    let name = table.name.as_str();
    if let Some(h) = typed_config::lookup(name).or_else(|| scaler_common::lookup(name)) {
        return Ok(h);
    }
    Err(format!("no handler for {name} yet"))
}

/// `v[key]`, or `null` when absent (no indexing on vector data).
fn at<'a>(v: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    static NULL: serde_json::Value = serde_json::Value::Null;
    v.get(key).unwrap_or(&NULL)
}
