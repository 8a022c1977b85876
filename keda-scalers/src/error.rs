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
}
