//! The crate's error type.

/// Errors returned by `keda-core`. Every variant that comes from bad input names the field and
/// the offending value, the way the Kubernetes API server and KEDA's admission webhook do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A field failed validation (`field` is the JSON path, e.g. `spec.behavior.scaleUp.policies[0].value`).
    #[error("{field}: Invalid value: {value}: {message}")]
    Invalid {
        /// JSON path of the field.
        field: String,
        /// The offending value as written.
        value: String,
        /// What is wrong with it.
        message: String,
    },
    /// A required field is absent.
    #[error("{field}: Required value: {message}")]
    Required {
        /// JSON path of the field.
        field: String,
        /// What is required.
        message: String,
    },
    /// A field has a value outside the set of supported values.
    #[error("{field}: Unsupported value: {value}: supported values: {supported}")]
    Unsupported {
        /// JSON path of the field.
        field: String,
        /// The offending value.
        value: String,
        /// Comma-separated list of supported values.
        supported: String,
    },
    /// A field may not be set in this context.
    #[error("{field}: Forbidden: {message}")]
    Forbidden {
        /// JSON path of the field.
        field: String,
        /// Why it is forbidden.
        message: String,
    },
    /// Several validation errors, in the order they were found (Kubernetes' `ErrorList`).
    #[error("{}", join(.0))]
    Many(Vec<Error>),
    /// A trigger parameter is missing or invalid (KEDA's typed metadata parser); the message is KEDA's.
    #[error("{message}")]
    TriggerParam {
        /// The parameter's name (aliases joined with `,`).
        param: String,
        /// What is wrong, as KEDA words it (names the parameter and the value).
        message: String,
    },
    /// A document has a field its schema does not declare (strict field validation).
    #[error("{field}: unknown field")]
    UnknownField {
        /// JSON path of the unknown field.
        field: String,
    },
    /// A document could not be parsed.
    #[error("parse error: {0}")]
    Parse(String),
    /// A metric could not be computed (the replica calculator's error cases).
    #[error("{0}")]
    Metric(String),
    /// A scaler failed to reach or query its source.
    #[error("scaler {scaler}: {kind}: {message}")]
    Scaler {
        /// The scaler's trigger type, e.g. `redis`.
        scaler: String,
        /// What class of failure it was.
        kind: ScalerErrorKind,
        /// Details (never contains credentials).
        message: String,
    },
}

/// The class of a scaler failure, so callers can react without matching on strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScalerErrorKind {
    /// The trigger's metadata or auth parameters are invalid.
    Config,
    /// The source could not be reached.
    Connection,
    /// The source did not answer in time.
    Timeout,
    /// The source answered with something that is not a usable metric.
    Query,
}

impl std::fmt::Display for ScalerErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Config => "invalid configuration",
            Self::Connection => "connection failed",
            Self::Timeout => "timed out",
            Self::Query => "query failed",
        })
    }
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(
        field: impl Into<String>,
        value: impl ToString,
        message: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            field: field.into(),
            value: value.to_string(),
            message: message.into(),
        }
    }

    /// Shorthand for [`Error::Required`].
    pub fn required(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Required {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Shorthand for [`Error::Scaler`].
    pub fn scaler(
        scaler: impl Into<String>,
        kind: ScalerErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self::Scaler {
            scaler: scaler.into(),
            kind,
            message: message.into(),
        }
    }
}

fn join(errs: &[Error]) -> String {
    let parts: Vec<String> = errs.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
