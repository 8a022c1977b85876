//! The Redis list scaler (`redis`, `redis-cluster`, `redis-sentinel`; KEDA's `redis_scaler.go`).

use std::sync::LazyLock;

use keda_core::scaler::{MetricsAndActivity, Scaler, ScalerConfig, ScalerMetricSpec};
use keda_core::scaler_common::{
    metric_name_with_index, metric_spec, metric_value_milli, normalize_string,
};
use keda_core::scaler_config::Param;

use super::Connected;
use super::client::RedisConnections;
use super::connection_info::{RedisConnectionInfo, TlsSwitches};
use crate::metadata::{Fields, META};

/// The parsed metadata of a Redis list trigger (KEDA's `redisMetadata`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedisListMetadata {
    /// `listLength`: the HPA target per replica (default 5).
    pub list_length: i64,
    /// `activationListLength`: active when the length is above it (default 0).
    pub activation_list_length: i64,
    /// `listName`: the key measured.
    pub list_name: String,
    /// `databaseIndex` (ignored by clusters).
    pub database_index: i64,
    /// Where and how to connect.
    pub connection_info: RedisConnectionInfo,
    /// The trigger's index (metric name prefix).
    pub trigger_index: usize,
}

impl RedisListMetadata {
    /// The external metric name, `s{index}-redis-{listName}` (normalized).
    pub fn metric_name(&self) -> String {
        metric_name_with_index(
            self.trigger_index,
            &normalize_string(&format!("redis-{}", self.list_name)),
        )
    }

    /// Whether a length makes the trigger active (`length > activationListLength`).
    pub fn is_active(&self, length: i64) -> bool {
        length > self.activation_list_length
    }
}

/// Parses a Redis list trigger's metadata, auth parameters and resolved environment as KEDA's
/// `parseRedisMetadata` does (all field errors and the validation error, joined).
pub fn parse_redis_metadata(config: &ScalerConfig) -> keda_core::Result<RedisListMetadata> {
    let mut f = Fields::new(config);
    let list_length = f.get(Param::new("listLength").from(META).default("5"));
    let activation_list_length = f.get(Param::new("activationListLength").from(META).optional());
    let list_name = f.meta("listName");
    let database_index = f.get(Param::new("databaseIndex").from(META).optional());
    let tls = TlsSwitches::parse(&mut f);
    let mut connection_info = RedisConnectionInfo::parse(&mut f);
    let valid = connection_info.validate(&tls);
    f.check(valid);
    let meta = RedisListMetadata {
        list_length,
        activation_list_length,
        list_name,
        database_index,
        connection_info,
        trigger_index: config.trigger_index,
    };
    f.finish(&config.trigger_type, "error parsing redis metadata", meta)
}

/// The length of the key whatever its type (list, set, sorted set, hash; a missing key is 0), in
/// one round trip, as KEDA's script does.
static LENGTH_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"local k = KEYS[1]
local t = redis.call('TYPE', k).ok
if t == 'list' or t == 'none' then return redis.call('LLEN', k) end
if t == 'set' then return redis.call('SCARD', k) end
if t == 'zset' then return redis.call('ZCARD', k) end
if t == 'hash' then return redis.call('HLEN', k) end
return redis.error_reply('ERR unsupported key type: ' .. t)",
    )
});

/// Scales on the length of a Redis list (or set, sorted set, hash).
#[derive(Debug)]
pub struct RedisListScaler {
    metadata: RedisListMetadata,
    target: Connected,
}

impl RedisListScaler {
    /// Parses the trigger and connects (or reuses a shared connection), pinging the server as KEDA
    /// does when it builds the scaler.
    pub async fn new(
        config: &ScalerConfig,
        connections: &RedisConnections,
    ) -> keda_core::Result<Self> {
        let (metadata, target) = super::connect(config, connections, parse_redis_metadata, |m| {
            (&m.connection_info, m.database_index)
        })
        .await?;
        Ok(Self { metadata, target })
    }

    /// The parsed metadata.
    pub fn metadata(&self) -> &RedisListMetadata {
        &self.metadata
    }

    /// The current length of the key.
    pub async fn list_length(&self) -> keda_core::Result<i64> {
        self.target
            .conn
            .script(
                &self.target.trigger_type,
                &LENGTH_SCRIPT,
                &self.metadata.list_name,
            )
            .await
    }
}

#[async_trait::async_trait]
impl Scaler for RedisListScaler {
    /// `s{i}-redis-{listName}` with target `listLength`.
    fn metric_specs(&self) -> Vec<ScalerMetricSpec> {
        let m = &self.metadata;
        vec![metric_spec(
            m.metric_name(),
            self.target.metric_type,
            m.list_length,
        )]
    }

    async fn metrics_and_activity(
        &self,
        metric_name: &str,
    ) -> keda_core::Result<MetricsAndActivity> {
        let len = self.list_length().await?;
        tracing::debug!(scaler = %self.target.trigger_type, list = %self.metadata.list_name, len, "redis list length");
        Ok(MetricsAndActivity {
            values: vec![metric_value_milli(metric_name, len as f64)],
            active: self.metadata.is_active(len),
        })
    }
}
