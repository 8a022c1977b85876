//! The Redis streams scaler (`redis-streams`, `redis-cluster-streams`, `redis-sentinel-streams`;
//! KEDA's `redis_streams_scaler.go`).

use keda_core::Error;
use keda_core::error::ScalerErrorKind;
use keda_core::scaler::{MetricsAndActivity, Scaler, ScalerConfig, ScalerMetricSpec};
use keda_core::scaler_common::{
    metric_name_with_index, metric_spec, metric_value_milli, normalize_string,
};
use keda_core::scaler_config::Param;
use redis::Value;

use super::Connected;
use super::client::RedisConnections;
use super::connection_info::{RedisConnectionInfo, TlsSwitches};
use crate::metadata::{Fields, META};

/// What a streams trigger measures (KEDA's `scaleFactor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StreamScaleFactor {
    /// Entries delivered to the consumer group but not acknowledged (`XPENDING`); chosen when
    /// `consumerGroup` is set and `lagCount` is 0.
    #[default]
    PendingEntries,
    /// The stream's length (`XLEN`); chosen when there is no `consumerGroup`.
    StreamLength,
    /// The consumer group's lag (`XINFO GROUPS`, Redis 7+); chosen when `consumerGroup` is set and
    /// `lagCount` is not 0.
    Lag,
}

/// The parsed metadata of a Redis streams trigger (KEDA's `redisStreamsMetadata`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedisStreamsMetadata {
    /// What is measured.
    pub scale_factor: StreamScaleFactor,
    /// `pendingEntriesCount` (default 5; 0 unless measuring pending entries).
    pub target_pending_entries_count: i64,
    /// `streamLength` (default 5; 0 unless measuring the length).
    pub target_stream_length: i64,
    /// `lagCount` (0 = not measuring lag).
    pub target_lag: i64,
    /// `stream`.
    pub stream_name: String,
    /// `consumerGroup`.
    pub consumer_group_name: String,
    /// `databaseIndex`.
    pub database_index: i64,
    /// Where and how to connect.
    pub connection_info: RedisConnectionInfo,
    /// `activationLagCount`: the activation threshold of every mode.
    pub activation_lag_count: i64,
    /// The trigger's index (metric name prefix).
    pub trigger_index: usize,
}

impl RedisStreamsMetadata {
    /// The external metric name, `s{index}-redis-streams-{stream}` (normalized).
    pub fn metric_name(&self) -> String {
        metric_name_with_index(
            self.trigger_index,
            &normalize_string(&format!("redis-streams-{}", self.stream_name)),
        )
    }

    /// The HPA target of the measured quantity.
    pub fn target(&self) -> i64 {
        match self.scale_factor {
            StreamScaleFactor::PendingEntries => self.target_pending_entries_count,
            StreamScaleFactor::StreamLength => self.target_stream_length,
            StreamScaleFactor::Lag => self.target_lag,
        }
    }

    /// Whether a count makes the trigger active (`count > activationLagCount`, every mode).
    pub fn is_active(&self, count: i64) -> bool {
        count > self.activation_lag_count
    }
}

/// KEDA's message for a missing stream name.
pub const MISSING_STREAM_NAME: &str = "missing redis stream name";

/// Parses a Redis streams trigger as KEDA's `parseRedisStreamsMetadata` does, including its
/// `Validate()` (addresses, TLS, stream name, scale factor and the targets it forces to 0).
pub fn parse_redis_streams_metadata(
    config: &ScalerConfig,
) -> keda_core::Result<RedisStreamsMetadata> {
    let mut f = Fields::new(config);
    let mut m = RedisStreamsMetadata {
        target_pending_entries_count: f
            .get(Param::new("pendingEntriesCount").from(META).default("5")),
        target_stream_length: f.get(Param::new("streamLength").from(META).default("5")),
        target_lag: f.get(Param::new("lagCount").from(META).optional()),
        stream_name: f.meta("stream"),
        consumer_group_name: f.get(Param::new("consumerGroup").from(META).optional()),
        database_index: f.get(Param::new("databaseIndex").from(META).optional()),
        connection_info: RedisConnectionInfo::parse(&mut f),
        activation_lag_count: f.get(Param::new("activationLagCount").from(META).default("0")),
        trigger_index: config.trigger_index,
        scale_factor: StreamScaleFactor::default(),
    };
    let tls = TlsSwitches::parse(&mut f);
    let valid = validate(&mut m, &tls);
    f.check(valid);
    f.finish(
        &config.trigger_type,
        "error parsing redis stream metadata",
        m,
    )
}

fn validate(m: &mut RedisStreamsMetadata, tls: &TlsSwitches) -> Result<(), String> {
    m.connection_info.validate(tls)?;
    if m.stream_name.is_empty() {
        return Err(MISSING_STREAM_NAME.into());
    }
    if m.consumer_group_name.is_empty() {
        m.scale_factor = StreamScaleFactor::StreamLength;
        m.target_pending_entries_count = 0;
    } else {
        m.target_stream_length = 0;
        if m.target_lag != 0 {
            m.scale_factor = StreamScaleFactor::Lag;
            m.target_pending_entries_count = 0;
        } else {
            m.scale_factor = StreamScaleFactor::PendingEntries;
        }
    }
    Ok(())
}

/// Scales on a Redis stream: pending entries of a consumer group, its lag, or the stream length.
#[derive(Debug)]
pub struct RedisStreamsScaler {
    metadata: RedisStreamsMetadata,
    target: Connected,
}

impl RedisStreamsScaler {
    /// Parses the trigger and connects (or reuses a shared connection), pinging the server.
    pub async fn new(
        config: &ScalerConfig,
        connections: &RedisConnections,
    ) -> keda_core::Result<Self> {
        let (metadata, target) =
            super::connect(config, connections, parse_redis_streams_metadata, |m| {
                (&m.connection_info, m.database_index)
            })
            .await?;
        Ok(Self { metadata, target })
    }

    /// The parsed metadata.
    pub fn metadata(&self) -> &RedisStreamsMetadata {
        &self.metadata
    }

    /// The number the trigger scales on, per its [`StreamScaleFactor`].
    pub async fn entries_count(&self) -> keda_core::Result<i64> {
        let m = &self.metadata;
        let s = self.target.trigger_type.as_str();
        match m.scale_factor {
            StreamScaleFactor::PendingEntries => {
                let reply: Value = self
                    .target
                    .conn
                    .query(
                        s,
                        redis::cmd("XPENDING")
                            .arg(&m.stream_name)
                            .arg(&m.consumer_group_name),
                    )
                    .await?;
                pending_count(&reply)
                    .ok_or_else(|| query_error(s, format!("unexpected XPENDING reply {reply:?}")))
            }
            StreamScaleFactor::StreamLength => {
                self.target
                    .conn
                    .query(s, redis::cmd("XLEN").arg(&m.stream_name))
                    .await
            }
            StreamScaleFactor::Lag => self.lag().await,
        }
    }

    /// KEDA's lag mode: Redis 7+ required; a missing stream is 0; the group's `lag` when the group
    /// exists, else (or on any other `XINFO GROUPS` error) the stream length.
    async fn lag(&self) -> keda_core::Result<i64> {
        let m = &self.metadata;
        let s = self.target.trigger_type.as_str();
        let info: Value = self
            .target
            .conn
            .query(s, &redis::cmd("INFO"))
            .await
            .map_err(|_| query_error(s, "could not find Redis version".into()))?;
        let info = first_text(&info).unwrap_or_default();
        check_redis_version(&info).map_err(|e| query_error(s, e.into()))?;
        match self
            .target
            .conn
            .query::<Value>(s, redis::cmd("XINFO").arg("GROUPS").arg(&m.stream_name))
            .await
        {
            Err(Error::Scaler { message, .. }) if is_no_such_key(&message) => return Ok(0),
            Err(
                e @ Error::Scaler {
                    kind: ScalerErrorKind::Timeout | ScalerErrorKind::Connection,
                    ..
                },
            ) => {
                return Err(e);
            }
            Ok(groups) => {
                if let Some(lag) = group_lag(&groups, &m.consumer_group_name) {
                    return Ok(lag);
                }
            }
            Err(_) => {}
        }
        self.target
            .conn
            .query(s, redis::cmd("XLEN").arg(&m.stream_name))
            .await
    }
}

fn query_error(scaler: &str, message: String) -> Error {
    Error::scaler(scaler, ScalerErrorKind::Query, message)
}

/// Whether an error text is Redis' "ERR no such key".
fn is_no_such_key(message: &str) -> bool {
    message.contains("no such key")
}

/// KEDA's version check on `INFO`: the first `redis_version:` line's major must be ≥ 7.
fn check_redis_version(info: &str) -> Result<(), &'static str> {
    let version = info
        .lines()
        .find_map(|l| l.trim_end_matches('\r').strip_prefix("redis_version:"))
        .ok_or("could not find Redis version number")?;
    let major: i64 = version
        .split('.')
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or("redis version could not be converted to number")?;
    if major < 7 {
        Err("redis version 7+ required for lag")
    } else {
        Ok(())
    }
}

/// The first text in a reply (a cluster answers `INFO` per node).
fn first_text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) | Value::VerbatimString { text: s, .. } => Some(s.clone()),
        Value::Array(items) | Value::Set(items) => items.iter().find_map(first_text),
        Value::Map(pairs) => pairs.iter().find_map(|(_, v)| first_text(v)),
        _ => None,
    }
}

/// The count of an `XPENDING key group` summary (`[count, min, max, consumers]`).
fn pending_count(v: &Value) -> Option<i64> {
    match v {
        Value::Array(items) => match items.first()? {
            Value::Int(n) => Some(*n),
            _ => None,
        },
        _ => None,
    }
}

/// The `lag` of group `name` in an `XINFO GROUPS` reply (RESP2 flat pairs or RESP3 maps). A nil
/// lag (Redis cannot tell) reads as 0, as go-redis does.
fn group_lag(groups: &Value, name: &str) -> Option<i64> {
    let Value::Array(groups) = groups else {
        return None;
    };
    groups.iter().find_map(|g| {
        let pairs: Vec<(&Value, &Value)> = match g {
            Value::Array(flat) => flat
                .chunks(2)
                .filter_map(|c| Some((c.first()?, c.get(1)?)))
                .collect(),
            Value::Map(m) => m.iter().map(|(k, v)| (k, v)).collect(),
            _ => return None,
        };
        let field = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| first_text(k).as_deref() == Some(key))
                .map(|(_, v)| *v)
        };
        if first_text(field("name")?).as_deref() != Some(name) {
            return None;
        }
        Some(match field("lag") {
            Some(Value::Int(n)) => *n,
            _ => 0,
        })
    })
}

#[async_trait::async_trait]
impl Scaler for RedisStreamsScaler {
    /// `s{i}-redis-streams-{stream}`, target per the scale factor.
    fn metric_specs(&self) -> Vec<ScalerMetricSpec> {
        let m = &self.metadata;
        vec![metric_spec(
            m.metric_name(),
            self.target.metric_type,
            m.target(),
        )]
    }

    async fn metrics_and_activity(
        &self,
        metric_name: &str,
    ) -> keda_core::Result<MetricsAndActivity> {
        let count = self.entries_count().await?;
        tracing::debug!(scaler = %self.target.trigger_type, stream = %self.metadata.stream_name, count, "redis stream count");
        Ok(MetricsAndActivity {
            values: vec![metric_value_milli(metric_name, count as f64)],
            active: self.metadata.is_active(count),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn version_check_follows_keda() {
        assert!(check_redis_version("# Server\r\nredis_version:7.0.15\r\n").is_ok());
        assert_eq!(
            check_redis_version("redis_version:6.2.1\n"),
            Err("redis version 7+ required for lag")
        );
        assert_eq!(
            check_redis_version("nothing"),
            Err("could not find Redis version number")
        );
        assert_eq!(
            check_redis_version("redis_version:x.1"),
            Err("redis version could not be converted to number")
        );
    }

    #[test]
    fn group_lag_reads_resp2_and_resp3() {
        let g =
            |name: &str, lag: Value| Value::Array(vec![bulk("name"), bulk(name), bulk("lag"), lag]);
        let groups = Value::Array(vec![
            g("a", Value::Int(3)),
            g("b", Value::Int(9)),
            g("c", Value::Nil),
        ]);
        assert_eq!(group_lag(&groups, "b"), Some(9));
        assert_eq!(group_lag(&groups, "c"), Some(0));
        assert_eq!(group_lag(&groups, "z"), None);
        let map = Value::Array(vec![Value::Map(vec![
            (bulk("name"), bulk("m")),
            (bulk("lag"), Value::Int(4)),
        ])]);
        assert_eq!(group_lag(&map, "m"), Some(4));
    }

    #[test]
    fn pending_summary_count() {
        let reply = Value::Array(vec![
            Value::Int(7),
            bulk("1-0"),
            bulk("2-0"),
            Value::Array(vec![]),
        ]);
        assert_eq!(pending_count(&reply), Some(7));
        assert_eq!(pending_count(&Value::Nil), None);
    }
}
