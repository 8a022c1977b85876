//! Backup planning: which items a Backup spec selects from a cluster, in Velero's order.

mod spec;

pub use spec::BackupSpec;
