//! KEDA's Redis scalers: list length (`redis`, `redis-cluster`, `redis-sentinel`) and streams
//! (`redis-streams`, `redis-cluster-streams`, `redis-sentinel-streams`).
//!
//! Metadata parsing reproduces `redis_scaler.go` / `redis_streams_scaler.go`; connections are
//! shared between triggers that target the same servers (see [`RedisConnections`]).

mod client;
mod connection_info;
mod list;
mod streams;

pub use client::{RedisConnections, Topology};
pub use connection_info::{NO_ADDRESSES, RedisConnectionInfo, UNEQUAL_HOSTS_AND_PORTS};
pub use list::{RedisListMetadata, RedisListScaler, parse_redis_metadata};
pub use streams::{
    RedisStreamsMetadata, RedisStreamsScaler, StreamScaleFactor, parse_redis_streams_metadata,
};

/// The topology of a Redis trigger type, and whether it is a streams trigger.
pub fn trigger_kind(trigger_type: &str) -> Option<(Topology, bool)> {
    Some(match trigger_type {
        "redis" => (Topology::Standalone, false),
        "redis-cluster" => (Topology::Cluster, false),
        "redis-sentinel" => (Topology::Sentinel, false),
        "redis-streams" => (Topology::Standalone, true),
        "redis-cluster-streams" => (Topology::Cluster, true),
        "redis-sentinel-streams" => (Topology::Sentinel, true),
        _ => return None,
    })
}

/// How long one Redis round trip may take: the trigger's global HTTP timeout (KEDA's
/// `KEDA_HTTP_DEFAULT_TIMEOUT`) when set, else go-redis' default read timeout of 3 s.
pub(crate) fn command_timeout(config: &keda_core::scaler::ScalerConfig) -> std::time::Duration {
    if config.global_http_timeout.is_zero() {
        std::time::Duration::from_secs(3)
    } else {
        config.global_http_timeout
    }
}

/// What a Redis scaler holds besides its metadata: the metric type and the shared connection.
pub(crate) struct Connected {
    metric_type: keda_core::scaler::MetricTargetType,
    trigger_type: String,
    conn: std::sync::Arc<client::SharedConnection>,
}

impl std::fmt::Debug for Connected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connected")
            .field("trigger_type", &self.trigger_type)
            .field("metric_type", &self.metric_type)
            .finish_non_exhaustive()
    }
}

/// Checks the metric type, parses with `parse` and connects (or reuses a shared connection),
/// pinging the server as KEDA does when it builds a Redis scaler. Clusters ignore the database.
pub(crate) async fn connect<M>(
    config: &keda_core::scaler::ScalerConfig,
    connections: &RedisConnections,
    parse: impl FnOnce(&keda_core::scaler::ScalerConfig) -> keda_core::Result<M>,
    info: impl FnOnce(&M) -> (&RedisConnectionInfo, i64),
) -> keda_core::Result<(M, Connected)> {
    let scaler = config.trigger_type.as_str();
    let metric_type = crate::metadata::external_metric_type(config)?;
    let metadata = parse(config)?;
    let topology = trigger_kind(scaler).map_or(Topology::Standalone, |(t, _)| t);
    let (conn_info, db) = info(&metadata);
    let db = if topology == Topology::Cluster { 0 } else { db };
    let conn = connections
        .get(scaler, topology, conn_info, db, command_timeout(config))
        .await?;
    let connected = Connected {
        metric_type,
        trigger_type: scaler.to_owned(),
        conn,
    };
    Ok((metadata, connected))
}
