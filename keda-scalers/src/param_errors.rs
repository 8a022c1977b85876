//! Error accumulation around keda-core's typed metadata parser.
//!
//! KEDA's `TypedConfig` reads every field even after one fails, runs the struct's `Validate()`
//! on what it got, and joins all errors; a scaler's fields read before a failure stay set
//! (KEDA's tests observe them). [`ParamErrors`] reproduces that flow.

use keda_core::scaler_config::{FromParam, MetadataParser, Param};
use keda_core::{Error, Result};

/// Errors collected while reading one trigger's parameters.
#[derive(Debug, Default)]
pub(crate) struct ParamErrors(Vec<Error>);

impl ParamErrors {
    /// Reads `param`; on error records it and yields the zero value.
    pub(crate) fn get<T: FromParam>(&mut self, parser: &mut MetadataParser<'_>, param: Param) -> T {
        match parser.get(param) {
            Ok(v) => v,
            Err(e) => {
                self.0.push(e);
                T::zero()
            }
        }
    }

    /// Records the error of a validation step, if any.
    pub(crate) fn check(&mut self, result: Result<()>) {
        if let Err(e) = result {
            self.0.push(e);
        }
    }

    /// `Ok` when nothing failed, the single error, or all of them joined.
    pub(crate) fn finish(mut self) -> Result<()> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(self.0.remove(0)),
            _ => Err(Error::Many(self.0)),
        }
    }
}

/// A validation error of a trigger parameter, with KEDA's message.
pub(crate) fn invalid(param: &str, message: impl Into<String>) -> Error {
    Error::TriggerParam {
        param: param.to_owned(),
        message: message.into(),
    }
}
