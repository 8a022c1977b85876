//! KEDA's scalers, each behind its own cargo feature, implementing `keda_core::scaler::Scaler`.

pub mod error;

pub use error::Error;
