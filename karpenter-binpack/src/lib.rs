//! Karpenter's provisioning simulation and consolidation.

pub mod error;

pub use error::Error;
