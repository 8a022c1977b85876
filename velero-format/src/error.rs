//! The crate's error type.

/// Errors of this crate. Variants from bad input name the field (or archive entry) and the value.
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
    /// A directory the archive parser requires is absent (Velero's `ErrNotExist`).
    #[error("directory {0:?}: does not exist")]
    NotExist(String),
    /// An archive entry name escapes the extraction root (zip-slip), mirroring Velero's
    /// `invalid archive path "<name>": escapes target directory`.
    #[error("invalid archive path {0:?}: escapes target directory")]
    PathTraversal(String),
    /// An archive entry name is absolute.
    #[error("invalid archive path {0:?}: absolute path")]
    AbsolutePath(String),
    /// A symbolic or hard link entry.
    #[error("archive entry {name:?}: links are not allowed (type {typeflag:?})")]
    Link {
        /// Entry name.
        name: String,
        /// The tar type flag.
        typeflag: char,
    },
    /// A device, FIFO or other special entry.
    #[error("archive entry {name:?}: special file type {typeflag:?} is not allowed")]
    SpecialFile {
        /// Entry name.
        name: String,
        /// The tar type flag.
        typeflag: char,
    },
    /// An entry is larger than the configured limit.
    #[error("archive entry {name:?}: size {size} exceeds the limit of {limit} bytes")]
    EntryTooLarge {
        /// Entry name.
        name: String,
        /// Declared size.
        size: u64,
        /// Configured limit.
        limit: u64,
    },
    /// The archive expands beyond the configured total (decompression bomb guard).
    #[error("archive expands beyond {limit} bytes (decompression bomb guard)")]
    TooLarge {
        /// Configured limit.
        limit: u64,
    },
    /// More entries than the configured limit.
    #[error("archive has more than {limit} entries")]
    TooManyEntries {
        /// Configured limit.
        limit: u64,
    },
    /// A tar header is malformed.
    #[error("corrupt tar header at offset {offset}: {message}")]
    CorruptTar {
        /// Byte offset of the header in the uncompressed stream.
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// The archive ends in the middle of a header or entry.
    #[error("truncated archive: {0}")]
    Truncated(String),
    /// The gzip stream is corrupt.
    #[error("corrupt gzip stream: {0}")]
    Gzip(String),
    /// JSON that cannot be decoded.
    #[error("{what}: invalid JSON: {source}")]
    Json {
        /// What was being decoded.
        what: String,
        /// The decoder's error.
        #[source]
        source: serde_json::Error,
    },
    /// YAML that cannot be decoded.
    #[error("{what}: invalid YAML: {message}")]
    Yaml {
        /// What was being decoded.
        what: String,
        /// The decoder's message.
        message: String,
    },
    /// A patch could not be applied.
    #[error("patch failed: {0}")]
    Patch(String),
    /// An I/O error.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A backup storage location operation failed.
    #[error("object store {what}: {message}")]
    Storage {
        /// What was being done (with the key).
        what: String,
        /// The store's message.
        message: String,
    },
}

impl Error {
    /// Builds an [`Error::Invalid`].
    pub fn invalid(
        field: impl Into<String>,
        value: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            field: field.into(),
            value: value.into(),
            message: message.into(),
        }
    }

    /// Builds an [`Error::Io`].
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }

    /// Builds an [`Error::Json`].
    pub fn json(what: impl Into<String>, source: serde_json::Error) -> Self {
        Self::Json {
            what: what.into(),
            source,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
