//! KEDA's scalers, each behind its own cargo feature, implementing `keda_core::scaler::Scaler`.

pub mod aws_auth;
pub mod aws_sqs;
pub mod error;
pub mod kafka;
mod param_errors;
pub mod secret;

pub use error::Error;
