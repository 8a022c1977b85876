//! The Kubernetes HPA decision math (`pkg/controller/podautoscaler`), as pure functions over plain
//! data plus a stateful, client-free [`HpaController`].
//!
//! Every metric value is an `i64` count of milli-units, replica counts are `i32`, and all integer
//! and float conversions follow upstream's Go semantics (truncation toward zero, `math.Ceil` only
//! where upstream uses it). See `ARCHITECTURE.md` for the map from upstream functions to modules.

pub mod conditions;
pub mod controller;
pub mod defaults;
pub mod manifest;
pub mod metrics;
pub mod pods;
pub mod quantity;
pub mod rate_limits;
pub mod replica_calculator;
pub mod selector;
pub mod spec;
pub mod stabilization;
pub mod validation;

pub use controller::{Decision, HpaController, HpaStatus, MetricStatus, Observation, Scale};
pub use defaults::{ControllerConfig, FeatureGates};
pub use quantity::Quantity;
pub use spec::*;
