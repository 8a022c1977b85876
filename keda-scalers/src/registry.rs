//! From a trigger to a scaler (KEDA's `buildScaler` in `pkg/scaling/scalers_builder.go`), and
//! metadata validation without I/O (what KEDA's admission webhook and `keda-validate` need).

use std::sync::Arc;

use keda_core::clock::Clock;
use keda_core::scaler::{Scaler, ScalerConfig};
#[cfg(any(feature = "prometheus", feature = "redis"))]
use keda_core::scaler_common::metric_target_type;

use crate::clock::SystemClock;
use crate::metadata::config_error;

/// Every trigger type this crate knows, with the cargo feature that compiles it in.
pub const TRIGGER_TYPES: &[(&str, &str)] = &[
    ("prometheus", "prometheus"),
    ("redis", "redis"),
    ("redis-cluster", "redis"),
    ("redis-sentinel", "redis"),
    ("redis-streams", "redis"),
    ("redis-cluster-streams", "redis"),
    ("redis-sentinel-streams", "redis"),
    ("cron", "cron"),
    ("cpu", "cpu-memory"),
    ("memory", "cpu-memory"),
];

/// Builds scalers from triggers, sharing what can be shared between them (Redis connections)
/// and giving the time-dependent scalers their clock.
#[derive(Clone)]
pub struct ScalerRegistry {
    clock: Arc<dyn Clock>,
    #[cfg(feature = "redis")]
    redis: crate::redis::RedisConnections,
}

impl std::fmt::Debug for ScalerRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScalerRegistry").finish_non_exhaustive()
    }
}

impl Default for ScalerRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalerRegistry {
    /// A registry reading the system clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    /// A registry whose time-dependent scalers (cron) read `clock` (Unix milliseconds).
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            #[cfg(feature = "redis")]
            redis: crate::redis::RedisConnections::new(),
        }
    }

    /// The pool of Redis connections shared by the Redis scalers built here.
    #[cfg(feature = "redis")]
    pub fn redis_connections(&self) -> &crate::redis::RedisConnections {
        &self.redis
    }

    /// Builds the scaler of `config.trigger_type` (connecting where the scaler does so at creation,
    /// as KEDA's Redis scalers do). Unknown types fail with KEDA's `no scaler found for type: X`.
    pub async fn build(&self, config: &ScalerConfig) -> keda_core::Result<Box<dyn Scaler>> {
        let t = config.trigger_type.as_str();
        let _ = &self.clock;
        match t {
            #[cfg(feature = "prometheus")]
            "prometheus" => Ok(Box::new(crate::prometheus::PrometheusScaler::new(config)?)),
            #[cfg(feature = "redis")]
            "redis" | "redis-cluster" | "redis-sentinel" => Ok(Box::new(
                crate::redis::RedisListScaler::new(config, &self.redis).await?,
            )),
            #[cfg(feature = "redis")]
            "redis-streams" | "redis-cluster-streams" | "redis-sentinel-streams" => Ok(Box::new(
                crate::redis::RedisStreamsScaler::new(config, &self.redis).await?,
            )),
            #[cfg(feature = "cron")]
            "cron" => Ok(Box::new(crate::cron::CronScaler::with_clock(
                config,
                self.clock.clone(),
            )?)),
            #[cfg(feature = "cpu-memory")]
            "cpu" | "memory" => Ok(Box::new(crate::cpu_memory::CpuMemoryScaler::new(config)?)),
            _ => Err(unknown(t)),
        }
    }

    /// Checks a trigger's metadata, auth parameters and metric type as the scaler's constructor
    /// would, without connecting anywhere.
    pub fn validate(config: &ScalerConfig) -> keda_core::Result<()> {
        let t = config.trigger_type.as_str();
        #[cfg(any(feature = "prometheus", feature = "redis"))]
        let metric_type = || {
            metric_target_type(config)
                .map_err(|e| config_error(t, format!("error getting scaler metric type: {e}")))
        };
        match t {
            #[cfg(feature = "prometheus")]
            "prometheus" => metric_type()
                .and(crate::prometheus::parse_prometheus_metadata(config, "").map(drop)),
            #[cfg(feature = "redis")]
            "redis" | "redis-cluster" | "redis-sentinel" => {
                metric_type().and(crate::redis::parse_redis_metadata(config).map(drop))
            }
            #[cfg(feature = "redis")]
            "redis-streams" | "redis-cluster-streams" | "redis-sentinel-streams" => {
                metric_type().and(crate::redis::parse_redis_streams_metadata(config).map(drop))
            }
            #[cfg(feature = "cron")]
            "cron" => crate::cron::CronScaler::with_clock(config, Arc::new(SystemClock)).map(drop),
            #[cfg(feature = "cpu-memory")]
            "cpu" | "memory" => crate::cpu_memory::parse_resource_metadata(config).map(drop),
            _ => Err(unknown(t)),
        }
    }

    /// The trigger types compiled into this build.
    pub fn supported_types() -> Vec<&'static str> {
        const ENABLED: &[&str] = &[
            #[cfg(feature = "prometheus")]
            "prometheus",
            #[cfg(feature = "redis")]
            "redis",
            #[cfg(feature = "cron")]
            "cron",
            #[cfg(feature = "cpu-memory")]
            "cpu-memory",
        ];
        TRIGGER_TYPES
            .iter()
            .filter(|(_, f)| ENABLED.contains(f))
            .map(|(t, _)| *t)
            .collect()
    }
}

/// KEDA's error for a type it cannot build; names the missing cargo feature when the type is one
/// of this crate's.
fn unknown(t: &str) -> keda_core::Error {
    match TRIGGER_TYPES.iter().find(|(name, _)| *name == t) {
        Some((_, feature)) => config_error(
            t,
            format!(
                "no scaler found for type: {t} (enable the `{feature}` feature of keda-scalers)"
            ),
        ),
        None => config_error(t, format!("no scaler found for type: {t}")),
    }
}

/// The registry as keda-core's offline metadata validator (`keda-validate`, webhook checks):
/// every trigger type compiled into this build is parsed with its scaler's rules.
impl keda_core::validation::MetadataValidator for ScalerRegistry {
    fn supports(&self, trigger_type: &str) -> bool {
        Self::supported_types().contains(&trigger_type)
    }

    fn validate(&self, trigger_type: &str, config: &ScalerConfig) -> keda_core::Result<()> {
        let mut config = config.clone();
        config.trigger_type = trigger_type.to_owned();
        Self::validate(&config)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use keda_core::validation::MetadataValidator;

    use super::*;

    fn config(trigger_type: &str, meta: &[(&str, &str)]) -> ScalerConfig {
        ScalerConfig {
            trigger_type: trigger_type.into(),
            trigger_metadata: meta
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            ..ScalerConfig::default()
        }
    }

    #[tokio::test]
    async fn unknown_types_get_kedas_error() {
        let err = ScalerRegistry::new()
            .build(&config("nats", &[]))
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "scaler nats: invalid configuration: no scaler found for type: nats"
        );
        assert!(ScalerRegistry::validate(&config("", &[])).is_err());
    }

    #[test]
    fn validation_parses_without_connecting() {
        let redis = config("redis", &[("address", "nowhere:1"), ("listName", "q")]);
        assert!(ScalerRegistry::validate(&redis).is_ok());
        let bad = config(
            "redis",
            &[
                ("address", "nowhere:1"),
                ("listName", "q"),
                ("listLength", "x"),
            ],
        );
        let e = ScalerRegistry::validate(&bad).unwrap_err().to_string();
        assert!(
            e.contains("error parsing redis metadata") && e.contains("\"listLength\""),
            "{e}"
        );
        let cron = config(
            "cron",
            &[
                ("start", "0 9 * * 1-5"),
                ("end", "0 17 * * 1-5"),
                ("timezone", "UTC"),
            ],
        );
        assert!(
            ScalerRegistry::validate(&cron)
                .unwrap_err()
                .to_string()
                .contains("desiredReplicas")
        );
        let mut utilization = config(
            "prometheus",
            &[
                ("serverAddress", "http://p"),
                ("query", "up"),
                ("threshold", "1"),
            ],
        );
        assert!(ScalerRegistry::validate(&utilization).is_ok());
        utilization.metric_type = keda_core::scaler::MetricTargetType::Utilization;
        assert!(
            ScalerRegistry::validate(&utilization)
                .unwrap_err()
                .to_string()
                .contains("'Utilization' metric type is unsupported")
        );
    }

    #[test]
    fn the_registry_is_the_metadata_validator() {
        let reg = ScalerRegistry::new();
        let v: &dyn MetadataValidator = &reg;
        assert!(
            v.supports("redis-sentinel-streams") && v.supports("cpu") && !v.supports("kafka-x")
        );
        let c = config("ignored", &[("value", "50")]);
        assert!(v.validate("memory", &c).is_ok());
        assert!(v.validate("memory", &config("x", &[])).is_err());
        assert_eq!(ScalerRegistry::supported_types().len(), TRIGGER_TYPES.len());
    }
}
