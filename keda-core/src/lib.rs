//! KEDA's decision logic and the Kubernetes HPA decision math, pure and I/O-free.
//!
//! * [`hpa`]: the `horizontal-pod-autoscaler` controller's math (replica calculator, tolerance,
//!   behavior normalization, conditions) and a stateful, client-free [`hpa::HpaController`].
//! * [`scaler`]: the object-safe async [`scaler::Scaler`] trait every KEDA scaler implements.
//!
//! Time is always passed in (see [`clock`]); nothing here reads the wall clock.

pub mod clock;
pub mod conditions;
pub mod engine;
pub mod error;
pub mod fallback;
pub mod go;
pub mod hpa;
pub mod lifecycle;
pub mod manifest;
pub mod modifiers;
pub mod resolver;
pub mod scaledjob;
pub mod scaler;
pub mod scaler_common;
pub mod scaler_config;
pub mod validation;

pub use error::{Error, Result};
