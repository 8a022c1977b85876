//! KEDA's scalers, each behind its own cargo feature, implementing `keda_core::scaler::Scaler`.
//!
//! | feature | trigger types |
//! |---|---|
//! | `prometheus` (default) | `prometheus` |
//! | `redis` | `redis`, `redis-cluster`, `redis-sentinel`, `redis-streams`, `redis-cluster-streams`, `redis-sentinel-streams` |
//! | `cron` (default) | `cron` |
//! | `cpu-memory` | `cpu`, `memory` |
//! | `kafka` | `kafka`, `apache-kafka` |
//! | `aws-sqs` | `aws-sqs-queue` |
//! | `full` | all of the above |
//!
//! [`registry::ScalerRegistry`] turns a trigger (type + [`keda_core::scaler::ScalerConfig`]) into a
//! boxed scaler, and validates trigger metadata without connecting anywhere.

#[cfg(feature = "prometheus")]
pub mod auth;
pub mod aws_auth;
pub mod aws_sqs;
pub mod clock;
pub mod error;
pub mod kafka;
#[cfg_attr(
    not(any(
        feature = "prometheus",
        feature = "redis",
        feature = "cron",
        feature = "cpu-memory"
    )),
    allow(dead_code)
)]
mod metadata;
mod param_errors;
pub mod registry;
pub mod secret;

#[cfg(feature = "cpu-memory")]
pub mod cpu_memory;
#[cfg(feature = "cron")]
pub mod cron;
#[cfg(feature = "prometheus")]
pub mod prometheus;
#[cfg(feature = "redis")]
pub mod redis;

pub use error::Error;
pub use registry::ScalerRegistry;
