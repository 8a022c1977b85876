//! `spec.triggers[]` of ScaledObjects and ScaledJobs (`apis/keda/v1alpha1/scaletriggers_types.go`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::scaler::MetricTargetType;
use crate::{Error, Result};

/// One trigger (KEDA's `ScaleTriggers`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Trigger {
    /// `type`: the scaler, e.g. `prometheus`.
    #[serde(rename = "type")]
    pub trigger_type: String,
    /// `name`: optional, unique within the object; the variable name in scalingModifiers formulas.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `useCachedMetrics`: serve the metric cached by the last poll to the HPA.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub use_cached_metrics: bool,
    /// `metadata`: the scaler's parameters (required, may be empty).
    pub metadata: BTreeMap<String, String>,
    /// `authenticationRef`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_ref: Option<AuthenticationRef>,
    /// `metricType` (AverageValue when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_type: Option<MetricTargetType>,
}

impl Trigger {
    /// A trigger of `trigger_type` with the given metadata.
    pub fn new<K: Into<String>, V: Into<String>>(
        trigger_type: impl Into<String>,
        metadata: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            trigger_type: trigger_type.into(),
            metadata: metadata
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            ..Self::default()
        }
    }

    /// The trigger with a name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The effective metric type (`metricType`, AverageValue when unset).
    pub fn metric_type(&self) -> MetricTargetType {
        self.metric_type.unwrap_or_default()
    }

    /// Whether this is a resource-metric trigger (`cpu` or `memory`), which never makes an
    /// object active and is not served through the external metrics API.
    pub fn is_cpu_or_memory(&self) -> bool {
        matches!(self.trigger_type.as_str(), "cpu" | "memory")
    }
}

/// `authenticationRef` (KEDA's `AuthenticationRef`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthenticationRef {
    /// `name`.
    pub name: String,
    /// `kind`: TriggerAuthentication when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<AuthenticationKind>,
}

impl AuthenticationRef {
    /// A reference to the TriggerAuthentication `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind: None,
        }
    }

    /// The effective kind.
    pub fn kind(&self) -> AuthenticationKind {
        self.kind.unwrap_or_default()
    }
}

/// What an `authenticationRef` points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AuthenticationKind {
    /// A namespaced TriggerAuthentication (the default).
    #[default]
    TriggerAuthentication,
    /// A cluster-scoped ClusterTriggerAuthentication.
    ClusterTriggerAuthentication,
}

/// KEDA's `ValidateTriggers`: at least one trigger, `useCachedMetrics` not on cpu/memory/cron,
/// unique non-empty names. Messages are KEDA's; `field` is the path of the offending trigger.
pub fn validate_triggers(triggers: &[Trigger]) -> Result<()> {
    if triggers.is_empty() {
        return Err(Error::required(
            "spec.triggers",
            "no triggers defined in the ScaledObject/ScaledJob",
        ));
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, t) in triggers.iter().enumerate() {
        if t.use_cached_metrics && matches!(t.trigger_type.as_str(), "cpu" | "memory" | "cron") {
            return Err(Error::invalid(
                format!("spec.triggers[{i}].useCachedMetrics"),
                "true",
                format!(
                    "property \"useCachedMetrics\" is not supported for {} scaler",
                    crate::go::quote(&t.trigger_type)
                ),
            ));
        }
        if !t.name.is_empty() && !names.insert(t.name.as_str()) {
            return Err(Error::invalid(
                format!("spec.triggers[{i}].name"),
                &t.name,
                format!(
                    "triggerName {} is defined multiple times in the ScaledObject/ScaledJob, but it must be unique",
                    crate::go::quote(&t.name)
                ),
            ));
        }
    }
    Ok(())
}

/// KEDA's `CombinedTriggersAndAuthenticationsTypes`: the distinct trigger types and the distinct
/// authentication names, each comma-joined in first-seen order (`status.triggersTypes`,
/// `status.authenticationsTypes`).
pub fn triggers_and_authentications_types(triggers: &[Trigger]) -> (String, String) {
    let (mut types, mut auths): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for t in triggers {
        if !types.contains(&t.trigger_type.as_str()) {
            types.push(&t.trigger_type);
        }
        if let Some(a) = &t.authentication_ref
            && !auths.contains(&a.name.as_str())
        {
            auths.push(&a.name);
        }
    }
    (types.join(","), auths.join(","))
}
