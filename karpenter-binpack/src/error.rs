//! The crate's error type.

/// Errors of this crate. Variants from bad input name the field and the value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A field has an invalid value.
    #[error("{field}: invalid value {value:?}: {message}")]
    Invalid {
        /// Path of the field.
        field: String,
        /// The offending value.
        value: String,
        /// What is wrong with it.
        message: String,
    },
    /// A Kubernetes quantity could not be parsed.
    #[error("{field}: malformed quantity {value:?}: {message}")]
    Quantity {
        /// Path of the field.
        field: String,
        /// The offending text.
        value: String,
        /// What is wrong with it.
        message: String,
    },
    /// A resource request or limit is negative.
    #[error("{field}: negative quantity {value:?}")]
    NegativeQuantity {
        /// Path of the field.
        field: String,
        /// The offending text.
        value: String,
    },
    /// A node-selector operator is not one of In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte, Lte.
    #[error("{field}: unknown operator {value:?}")]
    UnknownOperator {
        /// Path of the field.
        field: String,
        /// The offending operator.
        value: String,
    },
    /// The instance-type catalog has no usable entries.
    #[error("instance-type catalog is empty ({0})")]
    EmptyCatalog(String),
    /// A document could not be decoded (JSON or YAML).
    #[error("{what}: cannot decode: {message}")]
    Decode {
        /// Which document.
        what: String,
        /// The decoder's message.
        message: String,
    },
}

impl Error {
    /// Prefixes the field path of a field-carrying error (hot paths build errors with a relative
    /// path and label them only when they happen).
    pub fn with_field(mut self, prefix: impl FnOnce() -> String) -> Self {
        match &mut self {
            Error::Invalid { field, .. }
            | Error::Quantity { field, .. }
            | Error::NegativeQuantity { field, .. }
            | Error::UnknownOperator { field, .. } => {
                let p = prefix();
                *field = if field.is_empty() {
                    p
                } else {
                    format!("{p}.{field}")
                };
            }
            Error::EmptyCatalog(_) | Error::Decode { .. } => {}
        }
        self
    }

    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(
        field: impl Into<String>,
        value: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            field: field.into(),
            value: value.into(),
            message: message.into(),
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
