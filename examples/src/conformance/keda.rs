//! Keda tables: maps each upstream table name to the code that replays it.

use super::{Handler, Table};

/// The handler for a Keda table, or why there is none.
pub(super) fn lookup(table: &Table) -> Result<Handler, String> {
    Err(format!("no handler for {} yet", table.name))
}
