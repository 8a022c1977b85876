//! Backup planning: which items a Backup spec selects from a cluster, in Velero's order, and
//! where they go in the tarball.

pub mod actions;
pub mod cluster;
pub mod engine;
mod spec;

pub use cluster::ClusterSnapshot;
pub use engine::{BackedUpItem, BackupRequest, BackupResult, BackupSink, backup};
pub use spec::BackupSpec;
