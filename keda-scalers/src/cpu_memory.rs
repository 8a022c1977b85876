//! The cpu and memory scalers (`cpu`, `memory`; KEDA's `cpu_memory_scaler.go`).
//!
//! They serve no external metric: KEDA hands the HPA a `Resource` metric (or `ContainerResource`
//! with `containerName`) and the HPA computes replicas from pod usage. Here
//! [`CpuMemoryScaler::hpa_metric_spec`] is that HPA metric, and
//! [`CpuMemoryScaler::desired_replicas`] runs keda-core's HPA replica calculator over pod usage
//! read from any [`MetricsSource`] (the resource metrics API, a simulation, a test).

use keda_core::Error;
use keda_core::clock::Instant;
use keda_core::error::ScalerErrorKind;
use keda_core::hpa::Quantity;
use keda_core::hpa::metrics::MetricsSource;
use keda_core::hpa::pods::Pod;
use keda_core::hpa::replica_calculator::{ReplicaCalculator, Tolerances};
use keda_core::hpa::spec::{
    ContainerResourceMetricSource, MetricSourceType, MetricSpec, MetricTarget, ResourceMetricSource,
};
use keda_core::scaler::{
    MetricTargetType, MetricsAndActivity, Scaler, ScalerConfig, ScalerMetricSpec,
};
use keda_core::scaler_config::Param;

use crate::metadata::{Fields, META, config_error};

/// The target of a cpu/memory trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceTarget {
    /// `metricType: Utilization`: average percentage of the pods' requests.
    Utilization(i32),
    /// `metricType: AverageValue`: average usage per pod, milli-units.
    AverageValueMilli(i64),
}

/// The parsed metadata of a cpu/memory trigger (KEDA's `cpuMemoryMetadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuMemoryMetadata {
    /// `value` as written.
    pub value: String,
    /// `containerName`: measure one container (ContainerResource metric).
    pub container_name: String,
    /// The target, from the trigger's `metricType` and `value`.
    pub target: ResourceTarget,
    /// The trigger's index.
    pub trigger_index: usize,
}

/// Parses a cpu/memory trigger as KEDA's `parseResourceMetadata`: `type` is removed (an error
/// when present), `value` is required and read per the trigger's `metricType`: `Utilization`
/// as a 32-bit integer percentage, `AverageValue` as a Kubernetes quantity; `Value` is an error.
///
/// Differences: KEDA has no default `metricType` here (empty is an error), but
/// [`ScalerConfig::metric_type`] cannot be empty, so `AverageValue` is used when unset; and an
/// invalid quantity is an error where KEDA panics (`resource.MustParse`).
pub fn parse_resource_metadata(config: &ScalerConfig) -> keda_core::Result<CpuMemoryMetadata> {
    let scaler = config.trigger_type.as_str();
    let mut f = Fields::new(config);
    let _removed: String = f.get(
        Param::new("type")
            .from(META)
            .one_of(&["Utilization", "AverageValue"])
            .optional()
            .deprecated("The 'type' setting is DEPRECATED and is removed in v2.18 - Use 'metricType' instead."),
    );
    let value: String = f.meta("value");
    let container_name: String = f.get(Param::new("containerName").from(META).optional());
    let (value, container_name) = f.finish(
        scaler,
        &format!("error parsing {scaler} metadata"),
        (value, container_name),
    )?;
    let target = match config.metric_type {
        MetricTargetType::AverageValue => ResourceTarget::AverageValueMilli(
            Quantity(value.clone())
                .milli_value("value")
                .map_err(|e| config_error(scaler, e.to_string()))?,
        ),
        MetricTargetType::Utilization => ResourceTarget::Utilization(
            parse_utilization(&value).map_err(|e| config_error(scaler, e))?,
        ),
        other => {
            return Err(config_error(
                scaler,
                format!(
                    "unknown metric type: {}, allowed values are 'Utilization' or 'AverageValue'",
                    other.as_str()
                ),
            ));
        }
    };
    Ok(CpuMemoryMetadata {
        value,
        container_name,
        target,
        trigger_index: config.trigger_index,
    })
}

/// Go's `strconv.ParseInt(value, 10, 32)`.
fn parse_utilization(value: &str) -> Result<i32, String> {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.ParseInt: parsing {value:?}: invalid syntax"
        ));
    }
    value
        .parse::<i32>()
        .map_err(|_| format!("strconv.ParseInt: parsing {value:?}: value out of range"))
}

/// Scales on the pods' cpu or memory usage, through the HPA.
#[derive(Debug, Clone)]
pub struct CpuMemoryScaler {
    metadata: CpuMemoryMetadata,
    resource: String,
}

impl CpuMemoryScaler {
    /// Parses a `cpu` or `memory` trigger (the resource is the trigger type).
    pub fn new(config: &ScalerConfig) -> keda_core::Result<Self> {
        let resource = config.trigger_type.clone();
        if resource != "cpu" && resource != "memory" {
            return Err(config_error(
                &resource,
                format!("no scaler found for type: {resource}"),
            ));
        }
        let metadata = parse_resource_metadata(config)?;
        Ok(Self { metadata, resource })
    }

    /// The parsed metadata.
    pub fn metadata(&self) -> &CpuMemoryMetadata {
        &self.metadata
    }

    /// The HPA metric KEDA generates (KEDA's `GetMetricSpecForScaling`): `Resource`, or
    /// `ContainerResource` when `containerName` is set.
    pub fn hpa_metric_spec(&self) -> MetricSpec {
        let target = match self.metadata.target {
            ResourceTarget::Utilization(p) => MetricTarget {
                type_: Some(keda_core::hpa::spec::MetricTargetType::Utilization),
                average_utilization: Some(p),
                ..Default::default()
            },
            ResourceTarget::AverageValueMilli(m) => MetricTarget {
                type_: Some(keda_core::hpa::spec::MetricTargetType::AverageValue),
                average_value: Some(Quantity::from_milli(m)),
                ..Default::default()
            },
        };
        let name = self.resource.clone();
        if self.metadata.container_name.is_empty() {
            MetricSpec {
                type_: MetricSourceType::Resource,
                resource: Some(ResourceMetricSource { name, target }),
                container_resource: None,
                pods: None,
                object: None,
                external: None,
            }
        } else {
            MetricSpec {
                type_: MetricSourceType::ContainerResource,
                resource: None,
                container_resource: Some(ContainerResourceMetricSource {
                    name,
                    container: self.metadata.container_name.clone(),
                    target,
                }),
                pods: None,
                object: None,
                external: None,
            }
        }
    }

    /// The replicas the HPA wants for this trigger: pod usage of the resource (one container's
    /// with `containerName`) from `source`, run through the HPA replica calculator
    /// (`GetResourceReplicas` for Utilization, `GetRawResourceReplicas` for AverageValue).
    pub fn desired_replicas(
        &self,
        calculator: &ReplicaCalculator,
        source: &dyn MetricsSource,
        pods: &[Pod],
        current_replicas: i32,
        tolerances: Tolerances,
        now: Instant,
    ) -> keda_core::Result<i32> {
        let container = self.metadata.container_name.as_str();
        let metrics = source
            .resource_metric(&self.resource, container)
            .map_err(|e| Error::scaler(&self.resource, ScalerErrorKind::Query, e))?;
        match self.metadata.target {
            ResourceTarget::Utilization(target) => calculator
                .resource_replicas(
                    current_replicas,
                    target,
                    &self.resource,
                    container,
                    tolerances,
                    pods,
                    metrics,
                    now,
                )
                .map(|p| p.replicas),
            ResourceTarget::AverageValueMilli(target) => calculator
                .raw_resource_replicas(
                    current_replicas,
                    target,
                    &self.resource,
                    tolerances,
                    pods,
                    metrics,
                    now,
                )
                .map(|p| p.replicas),
        }
    }
}

#[async_trait::async_trait]
impl Scaler for CpuMemoryScaler {
    /// The resource metric reduced to the common shape: the resource name, the target type, and
    /// the percentage (Utilization) or milli-units (AverageValue). See [`CpuMemoryScaler::hpa_metric_spec`].
    fn metric_specs(&self) -> Vec<ScalerMetricSpec> {
        let (target_type, target_milli) = match self.metadata.target {
            ResourceTarget::Utilization(p) => (MetricTargetType::Utilization, i64::from(p)),
            ResourceTarget::AverageValueMilli(m) => (MetricTargetType::AverageValue, m),
        };
        vec![ScalerMetricSpec {
            metric_name: self.resource.clone(),
            target_type,
            target_milli,
        }]
    }

    /// KEDA's answer: no values, always active (activity never comes from this scaler).
    async fn metrics_and_activity(
        &self,
        _metric_name: &str,
    ) -> keda_core::Result<MetricsAndActivity> {
        Ok(MetricsAndActivity {
            values: Vec::new(),
            active: true,
        })
    }
}
