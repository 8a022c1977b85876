//! What the engine prepares once from a ScaledObject manifest and its scalers.

use std::sync::Arc;
use std::time::Duration;

use super::target::TargetKey;
use crate::fallback::{Fallback, FallbackConfig};
use crate::lifecycle::{ExecutorSpec, ScaleAnnotations, TargetRef};
use crate::manifest::ScaledObject;
use crate::modifiers::{CompiledModifiers, FormulaTrigger, ScalingModifiers};
use crate::scaler::{Scaler, ScalerMetricSpec};
use crate::{Error, Result};

/// Everything derived once from a ScaledObject: validated, compiled, and shared by every poll.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub so: ScaledObject,
    /// One scaler per trigger, in trigger order.
    pub scalers: Vec<Arc<dyn Scaler>>,
    pub key: TargetKey,
    pub annotations: ScaleAnnotations,
    pub polling_interval: Duration,
    pub fallback: Option<Fallback>,
    pub modifiers_spec: Option<ScalingModifiers>,
    pub modifiers: Option<CompiledModifiers>,
    /// Per trigger, its external metric specs (empty for cpu/memory).
    pub metric_specs: Vec<Vec<ScalerMetricSpec>>,
}

impl Prepared {
    pub fn new(so: ScaledObject, scalers: Vec<Arc<dyn Scaler>>) -> Result<Self> {
        let triggers = &so.spec.triggers;
        if triggers.is_empty() {
            return Err(Error::required(
                "spec.triggers",
                "at least one trigger is required",
            ));
        }
        if scalers.len() != triggers.len() {
            return Err(Error::invalid(
                "spec.triggers",
                triggers.len(),
                format!(
                    "{} scalers given for {} triggers",
                    scalers.len(),
                    triggers.len()
                ),
            ));
        }
        let seconds = so.polling_interval();
        if seconds < 1 {
            return Err(Error::invalid(
                "spec.pollingInterval",
                seconds,
                "must be at least 1",
            ));
        }
        let annotations = ScaleAnnotations::from_map(so.annotations())?;
        let modifiers_spec: Option<ScalingModifiers> = so.scaling_modifiers().map(Into::into);
        let modifiers = match &modifiers_spec {
            Some(m) => Some(CompiledModifiers::validate_and_compile(
                m,
                triggers.iter().map(|t| FormulaTrigger {
                    name: &t.name,
                    trigger_type: &t.trigger_type,
                }),
            )?),
            None => None,
        };
        let metric_specs = triggers
            .iter()
            .zip(&scalers)
            .map(|(t, s)| {
                if is_resource(&t.trigger_type) {
                    Vec::new()
                } else {
                    s.metric_specs()
                }
            })
            .collect();
        let target = &so.spec.scale_target_ref;
        let key = TargetKey {
            namespace: so.metadata.namespace().to_owned(),
            kind: target.kind().to_owned(),
            name: target.name.clone(),
        };
        Ok(Self {
            key,
            annotations,
            polling_interval: Duration::from_secs(u64::try_from(seconds).unwrap_or(1)),
            fallback: so.spec.fallback.as_ref().map(Into::into),
            modifiers_spec,
            modifiers,
            metric_specs,
            scalers,
            so,
        })
    }

    pub fn fallback(&self) -> FallbackConfig<'_> {
        FallbackConfig {
            fallback: self.fallback.as_ref(),
            modifiers: self.modifiers_spec.as_ref(),
        }
    }

    pub fn executor_spec(&self) -> ExecutorSpec<'_> {
        let s = &self.so.spec;
        ExecutorSpec {
            min_replica_count: s.min_replica_count,
            idle_replica_count: s.idle_replica_count,
            cooldown_period: s.cooldown_period,
            initial_cooldown_period: s.initial_cooldown_period,
            fallback_replicas: self.fallback.map(|f| f.replicas),
            annotations: self.annotations,
            target: TargetRef {
                kind: &self.key.kind,
                namespace: &self.key.namespace,
                name: &self.key.name,
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

    /// `namespace/name`.
    pub fn object_name(&self) -> String {
        format!(
            "{}/{}",
            self.so.metadata.namespace(),
            self.so.metadata.name()
        )
    }
}

pub(crate) fn is_resource(trigger_type: &str) -> bool {
    trigger_type == "cpu" || trigger_type == "memory"
}
