//! Kubernetes HPA tables.

use super::{Handler, Table};

/// The handler for an HPA table, or why there is none.
pub(super) fn lookup(table: &Table) -> Result<Handler, String> {
    Err(format!("no handler for {} yet", table.name))
}
