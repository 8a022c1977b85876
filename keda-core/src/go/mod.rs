//! The parsing rules of Go's standard library that KEDA's behaviour inherits.
//!
//! KEDA reads trigger metadata and annotations with `strconv.ParseBool`, `time.ParseDuration`,
//! `encoding/json` number decoding and `net/url` query parsing; users write manifests against
//! those rules, so they are reproduced here exactly (accepted inputs, rejected inputs, overflow).

mod duration;
mod json_number;
mod query;
mod strconv;

pub use duration::parse_duration;
pub use json_number::{parse_json_float, parse_json_int, parse_json_uint};
pub use query::{QueryValues, parse_query, query_escape, query_unescape};
pub use strconv::{parse_bool, quote};
