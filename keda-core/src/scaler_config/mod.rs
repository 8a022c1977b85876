//! Typed trigger-metadata parsing: KEDA's `scalersconfig.TypedConfig` rules
//! (`pkg/scalers/scalersconfig/typed_config.go`) as a Rust API.
//!
//! A scaler describes each parameter with a [`Param`] (names, sources in lookup order, default,
//! optional, deprecation, allowed values, list/map/range separators) and reads it with
//! [`MetadataParser::get`], which converts it to the Rust type the scaler asks for ([`FromParam`]).
//! The lookup, defaulting, validation order and error messages are KEDA's, so a trigger that KEDA
//! accepts parses here and one it rejects fails with the same message.
//!
//! ```
//! use keda_core::scaler::ScalerConfig;
//! use keda_core::scaler_config::{MetadataParser, Param, Source};
//!
//! let mut config = ScalerConfig::default();
//! config.trigger_metadata.insert("listName".into(), "jobs".into());
//! config.trigger_metadata.insert("hostFromEnv".into(), "REDIS_HOST".into());
//! config.resolved_env.insert("REDIS_HOST".into(), "redis:6379".into());
//!
//! let mut p = MetadataParser::new(&config);
//! let list: String = p.get(Param::new("listName").from(&[Source::TriggerMetadata]))?;
//! let length: i64 = p.get(Param::new("listLength").from(&[Source::TriggerMetadata]).default("5"))?;
//! let host: Option<String> =
//!     p.get(Param::new("host").from(&[Source::TriggerMetadata, Source::ResolvedEnv]).optional())?;
//! assert_eq!((list.as_str(), length, host.as_deref()), ("jobs", 5, Some("redis:6379")));
//! # Ok::<(), keda_core::Error>(())
//! ```
//!
//! One deliberate difference: KEDA parses every field and joins all their errors; [`MetadataParser::get`]
//! returns each field's error as it is read, so a scaler using `?` reports the first failing
//! parameter (the first line of KEDA's joined message).

mod from_param;
mod param;
mod parser;

pub use from_param::{FromParam, MAX_RANGE_ELEMENTS, UrlValues};
pub use param::{Param, Source};
pub use parser::MetadataParser;
