//! KEDA tables: the core model's tables and the scalers' tables, each in its own module.

use super::{Handler, Table};

mod core_tables;
mod decision_tables;
mod scaler_tables;

/// The handler for a KEDA table, or why there is none.
pub(super) fn lookup(table: &Table) -> Result<Handler, String> {
    core_tables::lookup(table)
        .or_else(|_| scaler_tables::lookup(table))
        .or_else(|_| decision_tables::lookup(table))
}
