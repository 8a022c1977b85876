//! KEDA's decision logic and the Kubernetes HPA decision math, pure and I/O-free.
//!
//! * [`hpa`]: the `horizontal-pod-autoscaler` controller's math (replica calculator, tolerance,
//!   behavior normalization, conditions) and a stateful, client-free [`hpa::HpaController`].
//! * [`scaler`]: the object-safe async [`scaler::Scaler`] trait every KEDA scaler implements.
//!
//! Time is always passed in (see [`clock`]); nothing here reads the wall clock.

pub mod clock;
pub mod error;
pub mod go;
pub mod hpa;
pub mod scaler;
pub mod scaler_common;
pub mod scaler_config;

pub use error::{Error, Result};
