//! `autoscaling/v2` HorizontalPodAutoscaler spec types, with the API's JSON field names.
//!
//! Enumerated fields keep unknown values (`Other(..)`) so that validation can name them, as the
//! API server does, instead of failing to deserialize.

use serde::{Deserialize, Serialize};

use super::quantity::Quantity;

/// Declares a string-backed enum that keeps unknown values.
macro_rules! open_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$vm])* $v,)+
            /// A value this version does not know; validation rejects it.
            Other(String),
        }
        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() { $($s => Self::$v,)+ _ => Self::Other(s) }
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String { v.as_str().to_owned() }
        }
        impl $name {
            /// The value as written.
            pub fn as_str(&self) -> &str {
                match self { $(Self::$v => $s,)+ Self::Other(s) => s }
            }
        }
    };
}

open_enum!(
    /// `spec.metrics[].type`.
    MetricSourceType {
        /// A resource of the pods (cpu, memory), summed over containers.
        Resource = "Resource",
        /// A resource of one container of the pods.
        ContainerResource = "ContainerResource",
        /// A custom metric per pod.
        Pods = "Pods",
        /// A metric of one Kubernetes object.
        Object = "Object",
        /// A metric from outside the cluster.
        External = "External",
    }
);

open_enum!(
    /// `target.type`.
    MetricTargetType {
        /// Percentage of the pods' requests.
        Utilization = "Utilization",
        /// The metric value as a whole.
        Value = "Value",
        /// The metric value divided by the pod count.
        AverageValue = "AverageValue",
    }
);

open_enum!(
    /// `behavior.*.selectPolicy`.
    ScalingPolicySelect {
        /// The policy allowing the biggest change.
        Max = "Max",
        /// The policy allowing the smallest change.
        Min = "Min",
        /// No scaling in this direction.
        Disabled = "Disabled",
    }
);

open_enum!(
    /// `behavior.*.policies[].type`.
    ScalingPolicyType {
        /// An absolute number of pods per period.
        Pods = "Pods",
        /// A percentage of the replica count at the start of the period.
        Percent = "Percent",
    }
);

/// `scaleTargetRef`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CrossVersionObjectReference {
    /// Kind of the target, e.g. `Deployment`.
    #[serde(default)]
    pub kind: String,
    /// Name of the target.
    #[serde(default)]
    pub name: String,
    /// API version of the target, e.g. `apps/v1`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
}

/// `spec` of a HorizontalPodAutoscaler.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaSpec {
    /// The scaled workload.
    #[serde(default)]
    pub scale_target_ref: CrossVersionObjectReference,
    /// Lower bound (defaulted to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<i32>,
    /// Upper bound.
    #[serde(default)]
    pub max_replicas: i32,
    /// The metrics; the largest proposal wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricSpec>,
    /// Scaling behavior; `None` selects the classic normalization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<Behavior>,
}

/// One entry of `spec.metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricSpec {
    /// Which of the sources below is set.
    #[serde(rename = "type")]
    pub type_: MetricSourceType,
    /// For `Resource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceMetricSource>,
    /// For `ContainerResource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_resource: Option<ContainerResourceMetricSource>,
    /// For `Pods`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pods: Option<PodsMetricSource>,
    /// For `Object`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectMetricSource>,
    /// For `External`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalMetricSource>,
}

/// `metrics[].resource`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceMetricSource {
    /// `cpu`, `memory`, ...
    pub name: String,
    /// The target.
    #[serde(default)]
    pub target: MetricTarget,
}

/// `metrics[].containerResource`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerResourceMetricSource {
    /// `cpu`, `memory`, ...
    pub name: String,
    /// The container whose usage counts.
    pub container: String,
    /// The target.
    #[serde(default)]
    pub target: MetricTarget,
}

/// `metric` of Pods/Object/External sources.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricIdentifier {
    /// The metric name.
    pub name: String,
    /// Optional label selector (`matchLabels` only is interpreted here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<serde_json::Value>,
}

/// `metrics[].pods`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PodsMetricSource {
    /// The metric.
    pub metric: MetricIdentifier,
    /// The target (`AverageValue`).
    #[serde(default)]
    pub target: MetricTarget,
}

/// `metrics[].object`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectMetricSource {
    /// The object the metric describes.
    #[serde(default)]
    pub described_object: CrossVersionObjectReference,
    /// The metric.
    pub metric: MetricIdentifier,
    /// The target (`Value` or `AverageValue`).
    #[serde(default)]
    pub target: MetricTarget,
}

/// `metrics[].external`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalMetricSource {
    /// The metric.
    pub metric: MetricIdentifier,
    /// The target (`Value` or `AverageValue`).
    #[serde(default)]
    pub target: MetricTarget,
}

/// `target` of a metric source.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricTarget {
    /// `Utilization`, `Value` or `AverageValue`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<MetricTargetType>,
    /// For `Value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Quantity>,
    /// For `AverageValue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_value: Option<Quantity>,
    /// For `Utilization`: percent of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_utilization: Option<i32>,
}

/// `spec.behavior`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Behavior {
    /// Rules for scaling up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_up: Option<ScalingRules>,
    /// Rules for scaling down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<ScalingRules>,
}

/// `HPAScalingRules`. `None` fields take their defaults (see [`super::defaults`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScalingRules {
    /// Look-back window of recommendations, 0..=3600 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stabilization_window_seconds: Option<i32>,
    /// How policies combine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_policy: Option<ScalingPolicySelect>,
    /// Rate limits. `Some(vec![])` is distinct from `None` (it replaces the defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<Vec<ScalingPolicy>>,
    /// Per-direction tolerance (KEP-4951).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Quantity>,
}

/// `HPAScalingPolicy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScalingPolicy {
    /// `Pods` or `Percent`.
    #[serde(rename = "type")]
    pub type_: ScalingPolicyType,
    /// Pods or percent per period; must be > 0.
    pub value: i32,
    /// Period length, 1..=1800 seconds.
    pub period_seconds: i32,
}

impl ScalingPolicy {
    /// A `Pods` policy.
    pub fn pods(value: i32, period_seconds: i32) -> Self {
        Self {
            type_: ScalingPolicyType::Pods,
            value,
            period_seconds,
        }
    }

    /// A `Percent` policy.
    pub fn percent(value: i32, period_seconds: i32) -> Self {
        Self {
            type_: ScalingPolicyType::Percent,
            value,
            period_seconds,
        }
    }
}

impl MetricSpec {
    /// True for Object and External metrics (the ones that allow `minReplicas: 0`).
    pub fn is_object_or_external(&self) -> bool {
        matches!(
            self.type_,
            MetricSourceType::Object | MetricSourceType::External
        )
    }

    /// A `Resource` metric with a utilization target.
    pub fn resource_utilization(resource: &str, percent: i32) -> Self {
        MetricSpec {
            type_: MetricSourceType::Resource,
            resource: Some(ResourceMetricSource {
                name: resource.to_owned(),
                target: MetricTarget {
                    type_: Some(MetricTargetType::Utilization),
                    average_utilization: Some(percent),
                    ..MetricTarget::default()
                },
            }),
            container_resource: None,
            pods: None,
            object: None,
            external: None,
        }
    }

    /// An `External` metric with an `AverageValue` or `Value` target in milli-units.
    pub fn external(name: &str, target_type: MetricTargetType, target_milli: i64) -> Self {
        let q = Some(Quantity::from_milli(target_milli));
        let target = match target_type {
            MetricTargetType::Value => MetricTarget {
                type_: Some(target_type),
                value: q,
                ..MetricTarget::default()
            },
            _ => MetricTarget {
                type_: Some(MetricTargetType::AverageValue),
                average_value: q,
                ..MetricTarget::default()
            },
        };
        MetricSpec {
            type_: MetricSourceType::External,
            resource: None,
            container_resource: None,
            pods: None,
            object: None,
            external: Some(ExternalMetricSource {
                metric: MetricIdentifier {
                    name: name.to_owned(),
                    selector: None,
                },
                target,
            }),
        }
    }
}
