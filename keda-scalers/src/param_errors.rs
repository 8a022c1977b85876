//! Error accumulation around keda-core's typed metadata parser.
//!
//! KEDA's `TypedConfig` reads every field even after one fails, runs the struct's `Validate()`
//! on what it got, and joins all errors; a scaler's fields read before a failure stay set
//! (KEDA's tests observe them). [`ParamErrors`] reproduces that flow.

use keda_core::scaler::MetricTargetType;
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

/// KEDA's `GetMetricTargetType` check on an already chosen type: `Utilization` is an error for
/// every external scaler.
pub(crate) fn external_metric_type(t: MetricTargetType) -> Result<MetricTargetType> {
    if t == MetricTargetType::Utilization {
        return Err(Error::invalid(
            "metricType",
            "Utilization",
            keda_core::scaler_common::UTILIZATION_UNSUPPORTED,
        ));
    }
    Ok(t)
}

/// The config's HTTP timeout, or `default` when it is zero.
#[cfg(any(feature = "kafka", feature = "aws-sqs"))]
pub(crate) fn timeout_or(
    config: &keda_core::scaler::ScalerConfig,
    default: std::time::Duration,
) -> std::time::Duration {
    if config.global_http_timeout.is_zero() {
        default
    } else {
        config.global_http_timeout
    }
}

/// A config of trigger type `trigger_type` with these metadata and auth parameters.
#[cfg(test)]
pub(crate) fn test_config(
    trigger_type: &str,
    meta: &[(&str, &str)],
    auth: &[(&str, &str)],
) -> keda_core::scaler::ScalerConfig {
    let map = |kv: &[(&str, &str)]| {
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    keda_core::scaler::ScalerConfig {
        trigger_type: trigger_type.to_owned(),
        trigger_metadata: map(meta),
        auth_params: map(auth),
        ..Default::default()
    }
}
