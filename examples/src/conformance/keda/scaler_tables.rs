//! KEDA tables replayed against this module's crate.

use super::super::{Handler, Table};

/// The handler for the table, or why there is none.
pub(super) fn lookup(table: &Table) -> Result<Handler, String> {
    Err(format!("no handler for {} yet", table.name))
}
