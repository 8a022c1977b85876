//! KEDA's `kafka` and `apache-kafka` scalers (keda.md 4.4, 4.5).
//!
//! * [`KafkaMetadata`] / [`ApacheKafkaMetadata`]: the two metadata dialects, parsed with KEDA's
//!   rules and messages.
//! * [`lag`]: per-partition lag, the total and its cap (integer division included), persistent-lag
//!   tracking — pure functions over an [`OffsetsSnapshot`].
//! * [`OffsetsSource`]: the broker queries, implemented over librdkafka by [`RdKafkaSource`]
//!   (feature `kafka`).
//! * [`KafkaScaler`]: the `Scaler` combining them.
//!
//! Parsing and lag math compile without the `kafka` feature (no C build), so conformance and
//! fuzzing need no librdkafka; only the broker client is behind the feature.

mod apache_metadata;
mod auth;
pub mod lag;
mod metadata;
#[cfg(feature = "kafka")]
mod rdkafka_source;
mod scaler;
mod source;
mod version;

pub use apache_metadata::ApacheKafkaMetadata;
pub use auth::{
    ClientSettings, KerberosSettings, OAuthTokenProvider, SaslMechanism, SettingValue, TlsSettings,
    TokenProvider,
};
pub use lag::{INVALID_OFFSET, OffsetResetPolicy, OffsetsSnapshot, PartitionOffsets};
pub use metadata::{KafkaMetadata, parse_partition_limitation};
#[cfg(feature = "kafka")]
pub use rdkafka_source::RdKafkaSource;
pub use scaler::{DEFAULT_BROKER_TIMEOUT, KafkaScaler, KafkaTrigger};
pub use source::{GroupDescription, OffsetsSource, TopicPartitions};
pub use version::KafkaVersion;
