//! Restore planning: ordering, per-item transformations and the restore engine.

pub mod engine;
pub mod item;
pub mod priorities;
pub mod version_priority;
