//! KEDA tables replayed against `keda-scalers`: one submodule per scaler under `scalers/`.

use super::super::{Handler, Table};

#[path = "scalers/common.rs"]
mod common;
#[path = "scalers/cpu_memory.rs"]
mod cpu_memory;
#[path = "scalers/cron.rs"]
mod cron;
#[path = "scalers/prometheus.rs"]
mod prometheus;
#[path = "scalers/redis.rs"]
mod redis;

/// The handler for the table, or why there is none.
pub(super) fn lookup(table: &Table) -> Result<Handler, String> {
    let file = table
        .file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let name = table.name.as_str();
    let found = match file {
        "prometheus" => prometheus::lookup(name),
        "redis" | "redis_streams" => redis::lookup(name),
        "cron" => cron::lookup(name),
        "cpu_memory" => cpu_memory::lookup(name),
        _ => None,
    };
    found.ok_or_else(|| format!("no handler for {name} yet"))
}
