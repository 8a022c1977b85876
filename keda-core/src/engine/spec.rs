//! What the engine is given for each ScaledObject, and what it prepares from it once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::target::TargetKey;
use crate::fallback::{Fallback, FallbackConfig};
use crate::hpa::Behavior;
use crate::lifecycle::{ExecutorSpec, ScaleAnnotations, TargetRef};
use crate::modifiers::{CompiledModifiers, FormulaTrigger, ScalingModifiers};
use crate::scaler::{Scaler, ScalerMetricSpec};
use crate::{Error, Result};

/// KEDA's default `pollingInterval`.
pub const DEFAULT_POLLING_INTERVAL: Duration = Duration::from_secs(30);

/// One trigger: its scaler and the trigger fields the scale loop reads.
#[derive(Debug, Clone)]
pub struct TriggerSpec {
    /// `name` ("" when unnamed).
    pub name: String,
    /// `type`, e.g. `redis`.
    pub trigger_type: String,
    /// `useCachedMetrics`: the HPA reads the last poll's record instead of querying.
    pub use_cached_metrics: bool,
    /// The scaler serving the trigger.
    pub scaler: Arc<dyn Scaler>,
}

impl TriggerSpec {
    /// A trigger of `trigger_type` served by `scaler`.
    pub fn new(trigger_type: impl Into<String>, scaler: Arc<dyn Scaler>) -> Self {
        Self {
            name: String::new(),
            trigger_type: trigger_type.into(),
            use_cached_metrics: false,
            scaler,
        }
    }

    /// Sets the trigger's name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
}

/// A ScaledObject as the engine runs it (the fields of `spec` that drive scaling).
#[derive(Debug, Clone)]
pub struct ScaledObjectSpec {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.annotations` (pause, force-activation).
    pub annotations: BTreeMap<String, String>,
    /// `scaleTargetRef.kind` (default `Deployment`).
    pub target_kind: String,
    /// `scaleTargetRef.name`.
    pub target_name: String,
    /// `pollingInterval` (default 30 s).
    pub polling_interval: Duration,
    /// `initialCooldownPeriod` seconds.
    pub initial_cooldown_period: Option<i32>,
    /// `cooldownPeriod` seconds.
    pub cooldown_period: Option<i32>,
    /// `minReplicaCount`.
    pub min_replica_count: Option<i32>,
    /// `maxReplicaCount`.
    pub max_replica_count: Option<i32>,
    /// `idleReplicaCount`.
    pub idle_replica_count: Option<i32>,
    /// `fallback`.
    pub fallback: Option<Fallback>,
    /// `advanced.scalingModifiers`.
    pub scaling_modifiers: Option<ScalingModifiers>,
    /// `advanced.horizontalPodAutoscalerConfig.behavior`.
    pub behavior: Option<Behavior>,
    /// `advanced.restoreToOriginalReplicaCount`.
    pub restore_to_original_replica_count: bool,
    /// `triggers`.
    pub triggers: Vec<TriggerSpec>,
}

impl ScaledObjectSpec {
    /// A ScaledObject with KEDA's defaults scaling the Deployment `target_name`.
    pub fn new(
        namespace: impl Into<String>,
        name: impl Into<String>,
        target_name: impl Into<String>,
        triggers: Vec<TriggerSpec>,
    ) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
            annotations: BTreeMap::new(),
            target_kind: "Deployment".into(),
            target_name: target_name.into(),
            polling_interval: DEFAULT_POLLING_INTERVAL,
            initial_cooldown_period: None,
            cooldown_period: None,
            min_replica_count: None,
            max_replica_count: None,
            idle_replica_count: None,
            fallback: None,
            scaling_modifiers: None,
            behavior: None,
            restore_to_original_replica_count: false,
            triggers,
        }
    }

    /// The scale target's key.
    pub fn target_key(&self) -> TargetKey {
        TargetKey {
            namespace: self.namespace.clone(),
            kind: self.target_kind.clone(),
            name: self.target_name.clone(),
        }
    }
}

/// Everything derived once from a spec: validated, compiled, and shared by every poll.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub spec: ScaledObjectSpec,
    pub key: TargetKey,
    pub annotations: ScaleAnnotations,
    pub modifiers: Option<CompiledModifiers>,
    /// Per trigger, its external metric specs (empty for cpu/memory).
    pub metric_specs: Vec<Vec<ScalerMetricSpec>>,
}

impl Prepared {
    pub fn new(spec: ScaledObjectSpec) -> Result<Self> {
        if spec.triggers.is_empty() {
            return Err(Error::required(
                "spec.triggers",
                "at least one trigger is required",
            ));
        }
        if spec.polling_interval.is_zero() {
            return Err(Error::invalid(
                "spec.pollingInterval",
                0,
                "must be at least 1 second",
            ));
        }
        let annotations = ScaleAnnotations::from_map(&spec.annotations)?;
        let modifiers = match spec.scaling_modifiers.as_ref().filter(|m| m.is_set()) {
            Some(m) => Some(CompiledModifiers::validate_and_compile(
                m,
                spec.triggers.iter().map(|t| FormulaTrigger {
                    name: &t.name,
                    trigger_type: &t.trigger_type,
                }),
            )?),
            None => None,
        };
        let metric_specs = spec
            .triggers
            .iter()
            .map(|t| {
                if is_resource(&t.trigger_type) {
                    Vec::new()
                } else {
                    t.scaler.metric_specs()
                }
            })
            .collect();
        Ok(Self {
            key: spec.target_key(),
            annotations,
            modifiers,
            metric_specs,
            spec,
        })
    }

    pub fn fallback(&self) -> FallbackConfig<'_> {
        FallbackConfig {
            fallback: self.spec.fallback.as_ref(),
            modifiers: self.spec.scaling_modifiers.as_ref(),
        }
    }

    pub fn executor_spec(&self) -> ExecutorSpec<'_> {
        let s = &self.spec;
        ExecutorSpec {
            min_replica_count: s.min_replica_count,
            idle_replica_count: s.idle_replica_count,
            cooldown_period: s.cooldown_period,
            initial_cooldown_period: s.initial_cooldown_period,
            fallback_replicas: s.fallback.map(|f| f.replicas),
            annotations: self.annotations,
            target: TargetRef {
                kind: &s.target_kind,
                namespace: &s.namespace,
                name: &s.target_name,
            },
        }
    }

    /// Every external metric, flattened in trigger order: (trigger index, spec).
    pub fn metrics(&self) -> impl Iterator<Item = (usize, &ScalerMetricSpec)> {
        self.metric_specs
            .iter()
            .enumerate()
            .flat_map(|(i, specs)| specs.iter().map(move |s| (i, s)))
    }
}

pub(crate) fn is_resource(trigger_type: &str) -> bool {
    trigger_type == "cpu" || trigger_type == "memory"
}
