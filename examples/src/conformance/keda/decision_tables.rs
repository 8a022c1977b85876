//! KEDA decision tables (scalingModifiers, fallback, the ScaledObject executor, ScaledJob)
//! replayed against `keda-core`'s decision modules. One file per upstream vector file.

// `serde_json::Value[&str]` yields `Null` for absent keys and never panics.
#![allow(clippy::indexing_slicing)]

use super::super::{Handler, Table};

#[path = "decision_tables_executor.rs"]
mod executor;
#[path = "decision_tables_fallback.rs"]
mod fallback;
#[path = "decision_tables_modifiers.rs"]
mod modifiers;
#[path = "decision_tables_scaledjob.rs"]
mod scaledjob;

/// The handler for the table, or why there is none.
pub(super) fn lookup(table: &Table) -> Result<Handler, String> {
    let stem = table
        .file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let found = match stem {
        "scaling_modifiers" => modifiers::lookup(&table.name),
        "fallback" => fallback::lookup(&table.name),
        "scaledobject_executor" => executor::lookup(&table.name),
        "scaledjob" => scaledjob::lookup(&table.name),
        _ => None,
    };
    found.ok_or_else(|| format!("no decision handler for {}", table.name))
}
