//! Karpenter's provisioning simulation (bin-packing) and consolidation.
//!
//! Load a scenario ([`scenario::Scenario`]), compile the NodePools and catalog into a
//! [`model::Model`], and call [`model::Model::solve`] for a provisioning plan, or
//! [`consolidation::consolidate`] for disruption decisions. See `ARCHITECTURE-SECTION.md`.

pub mod affinity;
pub mod bitset;
pub mod budgets;
pub mod catalog;
pub mod consolidation;
pub mod error;
pub mod instance_type;
pub mod intern;
pub mod model;
pub mod node;
pub mod nodepool;
pub mod optimize;
pub mod pdb;
pub mod pod;
pub mod quantity;
pub mod requirements;
pub mod resources;
pub mod scenario;
pub mod scheduler;
pub mod taints;
pub mod topology;
pub mod workloads;

pub use error::{Error, Result};
