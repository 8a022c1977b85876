//! Velero backup archives (format 1.1.0), filters, backup/restore planning, resource modifiers
//! and backup-storage-location layout, faithful to Velero (vmware-tanzu/velero d30d389).

pub mod archive;
pub mod backup;
pub mod discovery;
pub mod error;
pub mod glob;
pub mod gojson;
pub mod includes_excludes;
pub mod label;
pub mod label_selector;
pub mod modifiers;
pub mod resource_filter;
pub mod restore;
pub mod storage;
pub mod wildcard;

pub use error::{Error, Result};
