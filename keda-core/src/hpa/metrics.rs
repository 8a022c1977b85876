//! The controller's view of the metrics APIs (`metrics.MetricsClient`), and an in-memory source.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::pods::{PodMetrics, PodSample};
use super::spec::{CrossVersionObjectReference, MetricIdentifier};
use crate::clock::Instant;

/// Where the controller gets metric values. Implementations fetch from the resource, custom
/// and external metrics APIs (or anything else); errors are plain messages, as the controller
/// only reports them in conditions.
pub trait MetricsSource {
    /// Per-pod usage of `resource` (summed over containers, or of one `container`).
    fn resource_metric(&self, resource: &str, container: &str) -> Result<PodMetrics, String>;
    /// Per-pod values of a custom metric.
    fn pods_metric(&self, metric: &MetricIdentifier) -> Result<PodMetrics, String>;
    /// The value of a metric describing one object, milli-units.
    fn object_metric(
        &self,
        metric: &MetricIdentifier,
        object: &CrossVersionObjectReference,
    ) -> Result<i64, String>;
    /// The samples of an external metric, milli-units (borrowed when the source holds them).
    fn external_metric(&self, metric: &MetricIdentifier) -> Result<Cow<'_, [i64]>, String>;
}

/// One pod's resource usage as the resource metrics API reports it (per container).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodResourceUsage {
    /// Pod name.
    pub pod: String,
    /// Sample time.
    pub timestamp: Instant,
    /// Sample window, ms.
    pub window_ms: i64,
    /// Usage by container name, then resource name, milli-units.
    pub containers: BTreeMap<String, BTreeMap<String, i64>>,
}

/// An in-memory [`MetricsSource`]: what tests, simulations and callers that already hold the
/// numbers use. Metrics absent from it are reported as errors, like an API that has no data.
#[derive(Debug, Clone, Default)]
pub struct StaticMetrics {
    /// Resource usage per pod.
    pub resource: Option<Vec<PodResourceUsage>>,
    /// Custom per-pod metrics by metric name.
    pub pods: BTreeMap<String, PodMetrics>,
    /// Object metrics by metric name.
    pub object: BTreeMap<String, i64>,
    /// External metrics by metric name.
    pub external: BTreeMap<String, Vec<i64>>,
}

impl MetricsSource for StaticMetrics {
    /// Reproduces the metrics client: with a container, a pod whose sample lacks that container
    /// is left out (counted as missing); without one, a pod any of whose containers lacks the
    /// resource is left out. An empty answer is an error.
    fn resource_metric(&self, resource: &str, container: &str) -> Result<PodMetrics, String> {
        let usage = self
            .resource
            .as_ref()
            .ok_or("unable to fetch metrics from resource metrics API")?;
        let mut out = PodMetrics::new();
        for p in usage {
            let value = if container.is_empty() {
                p.containers
                    .values()
                    .map(|c| c.get(resource).copied())
                    .try_fold(0i64, |acc, v| v.map(|v| acc.saturating_add(v)))
            } else {
                p.containers
                    .get(container)
                    .and_then(|c| c.get(resource).copied())
            };
            if let Some(value_milli) = value {
                out.insert(
                    p.pod.clone(),
                    PodSample {
                        value_milli,
                        timestamp: p.timestamp,
                        window_ms: p.window_ms,
                    },
                );
            }
        }
        if out.is_empty() {
            return Err("no metrics returned from resource metrics API".into());
        }
        Ok(out)
    }

    fn pods_metric(&self, metric: &MetricIdentifier) -> Result<PodMetrics, String> {
        self.pods.get(&metric.name).cloned().ok_or_else(|| {
            format!(
                "unable to fetch metrics from custom metrics API: no metric {}",
                metric.name
            )
        })
    }

    fn object_metric(
        &self,
        metric: &MetricIdentifier,
        _object: &CrossVersionObjectReference,
    ) -> Result<i64, String> {
        self.object.get(&metric.name).copied().ok_or_else(|| {
            format!(
                "unable to fetch metrics from custom metrics API: no metric {}",
                metric.name
            )
        })
    }

    fn external_metric(&self, metric: &MetricIdentifier) -> Result<Cow<'_, [i64]>, String> {
        self.external
            .get(&metric.name)
            .map(|v| Cow::Borrowed(v.as_slice()))
            .ok_or_else(|| {
                format!(
                    "unable to fetch metrics from external metrics API: no metric {}",
                    metric.name
                )
            })
    }
}
