//! The contract between KEDA's decision logic and the systems it measures.
//!
//! Reproduces KEDA's `scalers.Scaler` interface (`pkg/scalers/scaler.go`): a scaler describes the
//! metrics it serves (`GetMetricSpecForScaling`), returns their current values together with
//! whether the trigger is active (`GetMetricsAndActivity`), and releases its connections
//! (`Close`). The trait is object-safe so an engine can hold `Vec<Box<dyn Scaler>>`, and its
//! futures are `Send` so they run on multi-threaded runtimes.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::Result;

/// How a metric's target is expressed to the HPA (`metricType` on a KEDA trigger).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum MetricTargetType {
    /// Target per pod: the HPA divides the metric by the replica count (KEDA's default).
    #[default]
    AverageValue,
    /// Target for the metric as a whole.
    Value,
    /// Percentage of the pods' requests (cpu/memory scalers only).
    Utilization,
}

impl MetricTargetType {
    /// The name as written in manifests (`AverageValue`, `Value`, `Utilization`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AverageValue => "AverageValue",
            Self::Value => "Value",
            Self::Utilization => "Utilization",
        }
    }
}

/// One metric a scaler serves: KEDA's external `v2.MetricSpec` reduced to what decisions need.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScalerMetricSpec {
    /// The metric name, `s{triggerIndex}-{name}` as KEDA builds it.
    pub metric_name: String,
    /// Whether the target is per pod or for the whole metric.
    pub target_type: MetricTargetType,
    /// The target in milli-units (`Quantity.MilliValue()`), or a percentage for `Utilization`.
    pub target_milli: i64,
}

/// One value of a metric, as KEDA's `ExternalMetricValue`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MetricValue {
    /// The metric name, as in [`ScalerMetricSpec::metric_name`].
    pub metric_name: String,
    /// The value in milli-units.
    pub value_milli: i64,
}

/// The answer of [`Scaler::metrics_and_activity`].
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct MetricsAndActivity {
    /// The metric values (usually one).
    pub values: Vec<MetricValue>,
    /// Whether the trigger is active, i.e. its value is above the activation threshold.
    pub active: bool,
}

/// What a scaler is built from: KEDA's `scalersconfig.ScalerConfig`.
#[derive(Clone, Default, PartialEq)]
pub struct ScalerConfig {
    /// Name of the ScaledObject or ScaledJob.
    pub scalable_object_name: String,
    /// Its namespace.
    pub scalable_object_namespace: String,
    /// `ScaledObject` or `ScaledJob`.
    pub scalable_object_type: String,
    /// The trigger's optional `name`.
    pub trigger_name: String,
    /// The trigger's `type`, e.g. `redis`.
    pub trigger_type: String,
    /// Position of the trigger in the object's trigger list (the `s{index}-` metric prefix).
    pub trigger_index: usize,
    /// The trigger's `metadata` map.
    pub trigger_metadata: BTreeMap<String, String>,
    /// Environment of the scale target's containers, resolved (`...FromEnv` parameters read it).
    pub resolved_env: BTreeMap<String, String>,
    /// Parameters resolved from the trigger's `authenticationRef`. May hold secrets.
    pub auth_params: BTreeMap<String, String>,
    /// The trigger's `metricType`.
    pub metric_type: MetricTargetType,
    /// The trigger's `useCachedMetrics`.
    pub use_cached_metrics: bool,
    /// KEDA's global HTTP timeout for scalers that speak HTTP.
    pub global_http_timeout: Duration,
    /// True when the scaler is built to serve the metrics API rather than the scale loop.
    pub as_metric_source: bool,
}

impl std::fmt::Debug for ScalerConfig {
    /// Auth parameter values and resolved environment values are redacted: they may be secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |m: &BTreeMap<String, String>| {
            m.keys()
                .map(|k| (k.clone(), "<redacted>"))
                .collect::<BTreeMap<_, _>>()
        };
        f.debug_struct("ScalerConfig")
            .field("scalable_object_name", &self.scalable_object_name)
            .field("scalable_object_namespace", &self.scalable_object_namespace)
            .field("scalable_object_type", &self.scalable_object_type)
            .field("trigger_name", &self.trigger_name)
            .field("trigger_type", &self.trigger_type)
            .field("trigger_index", &self.trigger_index)
            .field("trigger_metadata", &self.trigger_metadata)
            .field("resolved_env", &redact(&self.resolved_env))
            .field("auth_params", &redact(&self.auth_params))
            .field("metric_type", &self.metric_type)
            .field("use_cached_metrics", &self.use_cached_metrics)
            .field("global_http_timeout", &self.global_http_timeout)
            .field("as_metric_source", &self.as_metric_source)
            .finish()
    }
}

/// A KEDA scaler: measures one trigger's source.
///
/// Implementations must never put credentials in their `Debug` output, errors or logs.
#[async_trait::async_trait]
pub trait Scaler: Send + Sync + std::fmt::Debug {
    /// The metrics this scaler serves (KEDA's `GetMetricSpecForScaling`).
    fn metric_specs(&self) -> Vec<ScalerMetricSpec>;

    /// Current values of `metric_name` and whether the trigger is active
    /// (KEDA's `GetMetricsAndActivity`).
    async fn metrics_and_activity(&self, metric_name: &str) -> Result<MetricsAndActivity>;

    /// Releases connections (KEDA's `Close`). The default does nothing.
    async fn close(&self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Fixed(i64);

    #[async_trait::async_trait]
    impl Scaler for Fixed {
        fn metric_specs(&self) -> Vec<ScalerMetricSpec> {
            vec![ScalerMetricSpec {
                metric_name: "s0-fixed".into(),
                target_type: MetricTargetType::AverageValue,
                target_milli: 1000,
            }]
        }
        async fn metrics_and_activity(&self, metric_name: &str) -> Result<MetricsAndActivity> {
            Ok(MetricsAndActivity {
                values: vec![MetricValue {
                    metric_name: metric_name.into(),
                    value_milli: self.0,
                }],
                active: self.0 > 0,
            })
        }
    }

    fn assert_send<T: Send>(_: T) {}

    #[test]
    fn scaler_is_object_safe_and_its_futures_are_send() {
        let scalers: Vec<Box<dyn Scaler>> = vec![Box::new(Fixed(3000)), Box::new(Fixed(0))];
        let fut = scalers[0].metrics_and_activity("s0-fixed");
        assert_send(fut);
        assert_eq!(scalers[1].metric_specs()[0].target_milli, 1000);
    }

    #[test]
    fn config_debug_redacts_secrets() {
        let mut cfg = ScalerConfig::default();
        cfg.auth_params.insert("password".into(), "hunter2".into());
        cfg.resolved_env
            .insert("REDIS_PASSWORD".into(), "s3cret".into());
        let shown = format!("{cfg:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert!(shown.contains("password"));
    }
}
