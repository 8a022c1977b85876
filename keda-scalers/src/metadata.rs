//! Reading a scaler's metadata the way KEDA's `TypedConfig` does for a whole struct: every field
//! is read, the struct's `Validate()` runs afterwards, and all errors are joined (Go's
//! `errors.Join`, one per line) under the scaler's prefix (`error parsing redis metadata: ...`).
//!
//! Field reading itself is [`keda_core::scaler_config::MetadataParser`]; this only collects.

use keda_core::Error;
use keda_core::error::ScalerErrorKind;
use keda_core::scaler::{MetricTargetType, ScalerConfig};
use keda_core::scaler_config::{FromParam, MetadataParser, Param, Source};

/// `triggerMetadata` only, the source most parameters use.
pub(crate) const META: &[Source] = &[Source::TriggerMetadata];

/// A metadata parser that keeps going after a failing field, as KEDA's does.
pub(crate) struct Fields<'a> {
    parser: MetadataParser<'a>,
    errors: Vec<String>,
    optional_scope: bool,
}

impl<'a> Fields<'a> {
    /// Reads the parameters of `config`.
    pub(crate) fn new(config: &'a ScalerConfig) -> Self {
        Self {
            parser: MetadataParser::new(config),
            errors: Vec::new(),
            optional_scope: false,
        }
    }

    /// The value of `param`, or its zero value after recording the error.
    pub(crate) fn get<T: FromParam>(&mut self, mut param: Param) -> T {
        param.optional |= self.optional_scope;
        self.parser.get(param).unwrap_or_else(|e| {
            self.errors.push(e.to_string());
            T::zero()
        })
    }

    /// A parameter read from `triggerMetadata` only.
    pub(crate) fn meta<T: FromParam>(&mut self, name: &str) -> T {
        self.get(Param::new(name).from(META))
    }

    /// Reads a group of parameters as KEDA reads a nested struct tagged `keda:"optional"`:
    /// every parameter read inside `f` is optional.
    pub(crate) fn optional<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        let outer = self.optional_scope;
        self.optional_scope = true;
        let r = f(self);
        self.optional_scope = outer;
        r
    }

    /// Records a validation failure (a `Validate()` error).
    pub(crate) fn check(&mut self, result: Result<(), String>) {
        if let Err(e) = result {
            self.errors.push(e);
        }
    }

    /// `Ok(value)` when nothing failed, else a configuration error of `scaler` whose message is
    /// `{prefix}: {errors joined by newlines}`.
    pub(crate) fn finish<T>(self, scaler: &str, prefix: &str, value: T) -> keda_core::Result<T> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(config_error(
                scaler,
                format!("{prefix}: {}", self.errors.join("\n")),
            ))
        }
    }
}

/// A configuration error of `scaler` (bad metadata or auth parameters).
pub(crate) fn config_error(scaler: &str, message: impl Into<String>) -> Error {
    Error::scaler(scaler, ScalerErrorKind::Config, message)
}

/// The trigger's metric type for an external scaler (KEDA's `GetMetricTargetType`, wrapped as
/// the scalers' constructors wrap it).
#[cfg_attr(
    not(any(feature = "prometheus", feature = "redis", feature = "cron")),
    allow(dead_code)
)]
pub(crate) fn external_metric_type(config: &ScalerConfig) -> keda_core::Result<MetricTargetType> {
    keda_core::scaler_common::metric_target_type(config).map_err(|e| {
        config_error(
            &config.trigger_type,
            format!("error getting scaler metric type: {e}"),
        )
    })
}
