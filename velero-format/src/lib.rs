//! Velero backup archives (format 1.1.0), filters, restore planning and storage layout.

pub mod error;

pub use error::Error;
