//! What one poll of a ScaledObject's triggers amounts to (KEDA's `getScaledObjectState` and
//! `HandleScalingModifiers`): activity and error across triggers, the metrics the HPA sees, and
//! which triggers are active.

use crate::Error;
use crate::fallback::{FallbackConfig, Health};
use crate::modifiers::{COMPOSITE_METRIC_NAME, CompiledModifiers, FormulaVariables, milli_to_f64};
use crate::scaler::MetricValue;

/// One external metric of a trigger, after fallback (see [`crate::fallback::metrics_with_fallback`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRead {
    /// The metric name (`s{i}-...`).
    pub metric_name: String,
    /// The values, or the error left after fallback.
    pub result: Result<Vec<MetricValue>, Error>,
    /// What the scaler said about activity (meaningless on error).
    pub active: bool,
    /// True when `result` is a fallback metric.
    pub fallback_active: bool,
}

impl MetricRead {
    /// Active as far as the scale loop cares: the scaler said so, or fallback is serving it.
    pub fn active_or_fallback(&self) -> bool {
        self.active || self.fallback_active
    }
}

/// One trigger's poll.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TriggerRead {
    /// The trigger's `name` ("" when unnamed).
    pub trigger_name: String,
    /// The trigger's `type`.
    pub trigger_type: String,
    /// An error getting the trigger's metric specs.
    pub spec_error: Option<Error>,
    /// Its external metrics (cpu/memory triggers have none).
    pub metrics: Vec<MetricRead>,
}

impl TriggerRead {
    /// KEDA's per-trigger activity: set by each metric read without error, so the last such
    /// metric decides (a quirk that only matters for triggers with several metrics).
    pub fn is_active(&self) -> bool {
        self.metrics
            .iter()
            .rfind(|m| m.result.is_ok())
            .is_some_and(MetricRead::active_or_fallback)
    }

    /// Whether reading the specs or any metric failed.
    pub fn is_error(&self) -> bool {
        self.spec_error.is_some() || self.metrics.iter().any(|m| m.result.is_err())
    }

    fn is_resource(&self) -> bool {
        self.trigger_type == "cpu" || self.trigger_type == "memory"
    }
}

/// The object-level result of a poll.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScaledObjectState {
    /// Some trigger (or the composite metric) is active.
    pub is_active: bool,
    /// Some trigger failed (after fallback).
    pub is_error: bool,
    /// Metric names of the active triggers (`composite-metric` with scalingModifiers).
    pub active_triggers: Vec<String>,
    /// Some metric is served by fallback.
    pub fallback_active: bool,
    /// The metrics the HPA sees: every successful metric, or the composite metric.
    pub metrics: Vec<MetricValue>,
    /// Why the composite metric could not be computed, if it could not.
    pub formula_error: Option<Error>,
}

/// Combines the triggers' reads. `modifiers` is the compiled scalingModifiers when the object
/// uses them; `fallback` and `health` feed the formula's nil handling and nil fallback.
pub fn scaled_object_state(
    triggers: &[TriggerRead],
    modifiers: Option<&CompiledModifiers>,
    fallback: &FallbackConfig<'_>,
    health: &Health,
) -> ScaledObjectState {
    let mut state = ScaledObjectState::default();
    let mut fallback_metrics = Vec::new();
    let mut vars = FormulaVariables::new();
    for t in triggers {
        if t.is_active() {
            state.is_active = true;
            state.active_triggers.extend(
                t.metrics
                    .iter()
                    .flat_map(|m| m.result.iter().flatten())
                    .map(|v| v.metric_name.clone()),
            );
        }
        state.is_error |= t.is_error();
        for m in &t.metrics {
            let Ok(values) = &m.result else { continue };
            if m.fallback_active {
                state.fallback_active = true;
                fallback_metrics.extend(values.iter().cloned());
            }
            for v in values.iter().filter(|_| modifiers.is_some()) {
                // Unnamed triggers bind the empty name, as KEDA's pair map does.
                vars.insert(
                    t.trigger_name.clone(),
                    fallback.trigger_value(&v.metric_name, milli_to_f64(v.value_milli), health),
                );
            }
            state.metrics.extend(values.iter().cloned());
        }
    }
    if let Some(compiled) = modifiers {
        state.metrics = if state.fallback_active {
            fallback_metrics
                .first()
                .map(|f| MetricValue {
                    metric_name: COMPOSITE_METRIC_NAME.to_owned(),
                    value_milli: f.value_milli,
                })
                .into_iter()
                .collect()
        } else {
            match compiled.composite(&vars, fallback.fallback.map(|f| f.replicas)) {
                Ok(m) => vec![m],
                Err(e) => {
                    state.formula_error = Some(e);
                    Vec::new()
                }
            }
        };
        state.is_active = false;
        state.active_triggers.clear();
        if let Some(m) = state
            .metrics
            .iter()
            .find(|m| !state.is_error && compiled.is_active(m))
        {
            state.is_active = true;
            state.active_triggers.push(m.metric_name.clone());
        }
    }
    if !state.is_error && triggers.iter().all(TriggerRead::is_resource) {
        state.is_active = true;
    }
    state
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::modifiers::{FormulaTrigger, ScalingModifiers};

    fn read(name: &str, metric: &str, value: Result<i64, &str>, active: bool) -> TriggerRead {
        TriggerRead {
            trigger_name: name.into(),
            trigger_type: "external".into(),
            spec_error: None,
            metrics: vec![MetricRead {
                metric_name: metric.into(),
                result: value
                    .map(|v| {
                        vec![MetricValue {
                            metric_name: metric.into(),
                            value_milli: v,
                        }]
                    })
                    .map_err(|e| Error::Metric(e.into())),
                active,
                fallback_active: false,
            }],
        }
    }

    fn state(triggers: &[TriggerRead], modifiers: Option<&CompiledModifiers>) -> ScaledObjectState {
        scaled_object_state(
            triggers,
            modifiers,
            &FallbackConfig::default(),
            &Health::new(),
        )
    }

    #[test]
    fn every_trigger_is_evaluated_and_errors_do_not_hide_activity() {
        let s = state(
            &[
                read("a", "s0-a", Ok(5000), true),
                read("b", "s1-b", Err("x"), false),
            ],
            None,
        );
        assert!(s.is_active && s.is_error);
        assert_eq!(s.active_triggers, ["s0-a"]);
        let s = state(&[read("b", "s0-b", Err("x"), false)], None);
        assert!(!s.is_active && s.is_error && s.active_triggers.is_empty());
    }

    #[test]
    fn resource_only_objects_are_always_active_unless_erroring() {
        let cpu = TriggerRead {
            trigger_type: "cpu".into(),
            ..Default::default()
        };
        assert!(state(std::slice::from_ref(&cpu), None).is_active);
        let failing = TriggerRead {
            spec_error: Some(Error::Metric("x".into())),
            ..cpu
        };
        assert!(!state(&[failing], None).is_active);
    }

    #[test]
    fn modifiers_replace_metrics_and_activity() {
        let sm = ScalingModifiers {
            formula: "a + b".into(),
            target: "2".into(),
            activation_target: "6".into(),
            ..Default::default()
        };
        let names = [
            FormulaTrigger {
                name: "a",
                trigger_type: "x",
            },
            FormulaTrigger {
                name: "b",
                trigger_type: "x",
            },
        ];
        let compiled = CompiledModifiers::validate_and_compile(&sm, names).unwrap();
        let s = state(
            &[
                read("a", "s0-a", Ok(2000), false),
                read("b", "s1-b", Ok(5000), false),
            ],
            Some(&compiled),
        );
        assert_eq!(
            s.metrics,
            [MetricValue {
                metric_name: COMPOSITE_METRIC_NAME.into(),
                value_milli: 7000
            }]
        );
        assert!(s.is_active);
        assert_eq!(s.active_triggers, [COMPOSITE_METRIC_NAME]);
        let low = state(
            &[
                read("a", "s0-a", Ok(1000), true),
                read("b", "s1-b", Ok(5000), true),
            ],
            Some(&compiled),
        );
        assert!(!low.is_active, "6 is not above the activation target 6");
    }
}
