//! `spec.advanced.scalingModifiers`: one composite metric computed from the triggers' metrics by
//! a formula (KEDA's `pkg/scaling/modifiers/formula.go` and the webhook's
//! `ValidateAndCompileScalingModifiers`).
//!
//! * [`CompiledModifiers::validate_and_compile`] reproduces the webhook: formula mandatory, target
//!   mandatory and a float > 0, `metricType` not `Utilization`, the formula compiled and dry-run
//!   with every *named, non-cpu/memory* trigger bound to `-1.0` (so unknown names fail).
//! * [`CompiledModifiers::composite`] reproduces `calculateScalingModifiersFormula`: run the
//!   formula, `nil` → `fallback.replicas × target`, value to milli by truncation.
//! * [`pair_trigger_and_metric`] / [`array_contains_element`] are KEDA's helpers of the same names.

mod formula;

use std::collections::BTreeMap;

pub use formula::{
    CompiledFormula, FORMULA_FIELD, FormulaResult, FormulaVariables, MAX_FORMULA_LEN,
    MAX_FORMULA_NESTING, cast_to_float_if_necessary,
};

use crate::scaler::{MetricTargetType, MetricValue, ScalerMetricSpec};
use crate::{Error, Result};

/// Name of the single metric the HPA reads when scalingModifiers are used.
pub const COMPOSITE_METRIC_NAME: &str = "composite-metric";

const TARGET_FIELD: &str = "spec.advanced.scalingModifiers.target";
const ACTIVATION_FIELD: &str = "spec.advanced.scalingModifiers.activationTarget";
const METRIC_TYPE_FIELD: &str = "spec.advanced.scalingModifiers.metricType";

/// `spec.advanced.scalingModifiers` as written in the manifest (targets are strings in the CRD).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScalingModifiers {
    /// `formula`: an expr expression over trigger names.
    pub formula: String,
    /// `target`: the composite metric's HPA target (float > 0).
    pub target: String,
    /// `activationTarget`: the composite value must be strictly greater to activate (default 0).
    pub activation_target: String,
    /// `metricType`: `AverageValue` (default) or `Value`.
    pub metric_type: Option<MetricTargetType>,
}

impl ScalingModifiers {
    /// KEDA's `IsUsingModifiers`: any field set.
    pub fn is_set(&self) -> bool {
        *self != Self::default()
    }
}

/// A trigger as far as the formula cares: its optional name and its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormulaTrigger<'a> {
    /// The trigger's `name` ("" when unnamed).
    pub name: &'a str,
    /// The trigger's `type` (`cpu` and `memory` triggers are never variables).
    pub trigger_type: &'a str,
}

/// Validated, compiled scalingModifiers, ready to compute composite metrics.
#[derive(Debug, Clone)]
pub struct CompiledModifiers {
    formula: CompiledFormula,
    target: f64,
    activation_target: f64,
    metric_type: MetricTargetType,
}

impl CompiledModifiers {
    /// Validates and compiles `modifiers` against the object's triggers, as the admission webhook
    /// does. Every error names the offending field and value.
    ///
    /// Deliberate difference: KEDA's webhook does not look at `activationTarget` and instead fails
    /// every poll when it is not a float; here it is rejected up front.
    pub fn validate_and_compile<'a>(
        modifiers: &ScalingModifiers,
        triggers: impl IntoIterator<Item = FormulaTrigger<'a>>,
    ) -> Result<Self> {
        if modifiers.formula.is_empty() {
            return Err(Error::required(
                FORMULA_FIELD,
                "error ScalingModifiers.Formula is mandatory",
            ));
        }
        if modifiers.target.is_empty() {
            return Err(Error::required(
                TARGET_FIELD,
                "formula is given but target is empty",
            ));
        }
        let formula = CompiledFormula::compile(&modifiers.formula)?;
        let dry_run: FormulaVariables = triggers
            .into_iter()
            .filter(|t| !t.name.is_empty() && t.trigger_type != "cpu" && t.trigger_type != "memory")
            .map(|t| (t.name.to_owned(), Some(-1.0)))
            .collect();
        formula.run(&dry_run)?;
        let target = parse_go_float(&modifiers.target)
            .filter(|t| *t > 0.0)
            .ok_or_else(|| {
                Error::invalid(
                    TARGET_FIELD,
                    &modifiers.target,
                    "error converting target for scalingModifiers (string->float) to valid target",
                )
            })?;
        let metric_type = modifiers.metric_type.unwrap_or_default();
        if metric_type == MetricTargetType::Utilization {
            return Err(Error::invalid(
                METRIC_TYPE_FIELD,
                metric_type.as_str(),
                "must be AverageValue or Value for external metrics",
            ));
        }
        let activation_target = if modifiers.activation_target.is_empty() {
            0.0
        } else {
            parse_go_float(&modifiers.activation_target).ok_or_else(|| {
                Error::invalid(
                    ACTIVATION_FIELD,
                    &modifiers.activation_target,
                    "scalingModifiers.ActivationTarget parsing error",
                )
            })?
        };
        Ok(Self {
            formula,
            target,
            activation_target,
            metric_type,
        })
    }

    /// The compiled formula.
    pub fn formula(&self) -> &CompiledFormula {
        &self.formula
    }

    /// The composite metric's target.
    pub fn target(&self) -> f64 {
        self.target
    }

    /// The composite metric's target type.
    pub fn metric_type(&self) -> MetricTargetType {
        self.metric_type
    }

    /// The HPA metric that replaces every external metric (KEDA's composite spec): target
    /// `int64(target × 1000)` milli.
    pub fn metric_spec(&self) -> ScalerMetricSpec {
        ScalerMetricSpec {
            metric_name: COMPOSITE_METRIC_NAME.to_owned(),
            target_type: self.metric_type,
            target_milli: to_milli(self.target),
        }
    }

    /// Whether the object is active: `composite > activationTarget` (strict).
    pub fn is_active(&self, composite: &MetricValue) -> bool {
        milli_to_f64(composite.value_milli) > self.activation_target
    }

    /// Evaluates the formula on `vars` (trigger name → value, `None` = nil). A `nil` result becomes
    /// `fallback_replicas × target` and is an error without a fallback (KEDA's
    /// `scalingModifiersFallbackTarget`).
    pub fn composite(
        &self,
        vars: &FormulaVariables,
        fallback_replicas: Option<i32>,
    ) -> Result<MetricValue> {
        let out = match self.formula.run(vars)? {
            FormulaResult::Value(v) => v,
            FormulaResult::Nil => {
                let replicas = fallback_replicas.ok_or_else(|| {
                    Error::Metric(
                        "scalingModifiers formula evaluated to nil but no fallback is configured"
                            .into(),
                    )
                })?;
                f64::from(replicas) * self.target
            }
        };
        Ok(MetricValue {
            metric_name: COMPOSITE_METRIC_NAME.to_owned(),
            value_milli: to_milli(out),
        })
    }
}

/// KEDA's `calculateScalingModifiersFormula` over raw metric values: each metric's value is bound
/// to the trigger name `pairs[metric]` (metrics without a pair bind the empty name, as in Go) and
/// the compiled formula run. `compiled` is `None` when the cache holds no compiled formula, which
/// KEDA reports as an error.
pub fn calculate_composite(
    compiled: Option<&CompiledModifiers>,
    metrics: &[MetricValue],
    pairs: &BTreeMap<String, String>,
    fallback_replicas: Option<i32>,
) -> Result<MetricValue> {
    let vars = metrics
        .iter()
        .map(|m| {
            (
                pairs.get(&m.metric_name).cloned().unwrap_or_default(),
                Some(milli_to_f64(m.value_milli)),
            )
        })
        .collect();
    let compiled = compiled.ok_or_else(|| {
        Error::Metric("cached compiled formula is nil during its calculation".into())
    })?;
    compiled.composite(&vars, fallback_replicas)
}

/// KEDA's `GetPairTriggerAndMetric`: `{metric: trigger}` when a formula is defined, else empty; an
/// unnamed trigger is an error. (KEDA's `name01` suffixing for a trigger's second metric can never
/// fire because the map starts empty on every call; every metric maps to the bare trigger name.)
pub fn pair_trigger_and_metric(
    formula_defined: bool,
    metric: &str,
    trigger: &str,
) -> Result<BTreeMap<String, String>> {
    if !formula_defined {
        return Ok(BTreeMap::new());
    }
    if trigger.is_empty() {
        return Err(Error::Metric(format!(
            "trigger name not given with compositeScaler for metric {metric}"
        )));
    }
    Ok(BTreeMap::from([(metric.to_owned(), trigger.to_owned())]))
}

/// KEDA's `ArrayContainsElement`: case-insensitive membership.
pub fn array_contains_element(element: &str, array: &[impl AsRef<str>]) -> bool {
    array.iter().any(|a| {
        a.as_ref().eq_ignore_ascii_case(element)
            || a.as_ref().to_lowercase() == element.to_lowercase()
    })
}

/// Go's `int64(f * 1000)` for a milli quantity, saturating instead of Go's platform-defined
/// result for out-of-range values; NaN becomes 0.
pub fn to_milli(value: f64) -> i64 {
    (value * 1000.0) as i64
}

/// A milli value as a float (`Quantity.AsApproximateFloat64`).
pub fn milli_to_f64(milli: i64) -> f64 {
    milli as f64 / 1000.0
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms manifests use (no hex floats,
/// underscores or surrounding spaces; `inf`/`nan` accepted like Go).
pub(crate) fn parse_go_float(s: &str) -> Option<f64> {
    if s.is_empty() || s.trim() != s || s.contains('_') {
        return None;
    }
    s.parse::<f64>().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn t<'a>(name: &'a str, ty: &'a str) -> FormulaTrigger<'a> {
        FormulaTrigger {
            name,
            trigger_type: ty,
        }
    }

    fn sm(formula: &str, target: &str) -> ScalingModifiers {
        ScalingModifiers {
            formula: formula.into(),
            target: target.into(),
            ..Default::default()
        }
    }

    #[test]
    fn validation_rejects_what_the_webhook_rejects() {
        let trig = [
            t("a", "prometheus"),
            t("b", "redis"),
            t("c", "cpu"),
            t("", "kafka"),
        ];
        assert!(CompiledModifiers::validate_and_compile(&sm("a + b", "2"), trig).is_ok());
        let cases = [
            (sm("", "2"), FORMULA_FIELD),
            (sm("a + b", ""), TARGET_FIELD),
            (sm("a + c", "2"), FORMULA_FIELD),
            (sm("a + zz", "2"), FORMULA_FIELD),
            (sm("a +", "2"), FORMULA_FIELD),
            (sm("a", "0"), TARGET_FIELD),
            (sm("a", "-1"), TARGET_FIELD),
            (sm("a", "x"), TARGET_FIELD),
            (
                ScalingModifiers {
                    metric_type: Some(MetricTargetType::Utilization),
                    ..sm("a", "1")
                },
                METRIC_TYPE_FIELD,
            ),
            (
                ScalingModifiers {
                    activation_target: "abc".into(),
                    ..sm("a", "1")
                },
                ACTIVATION_FIELD,
            ),
        ];
        for (m, field) in cases {
            let e = CompiledModifiers::validate_and_compile(&m, trig).unwrap_err();
            assert!(e.to_string().starts_with(field), "{m:?}: {e}");
        }
    }

    #[test]
    fn composite_truncates_to_milli_and_uses_fallback_for_nil() {
        let m = CompiledModifiers::validate_and_compile(&sm("a / 3", "2"), [t("a", "x")]).unwrap();
        let v = m
            .composite(&FormulaVariables::from([("a".into(), Some(1.0))]), None)
            .unwrap();
        assert_eq!(v.value_milli, 333);
        let n =
            CompiledModifiers::validate_and_compile(&sm("a ?? b", "2"), [t("a", "x"), t("b", "y")])
                .unwrap();
        let vars = FormulaVariables::from([("a".into(), None), ("b".into(), None)]);
        assert_eq!(n.composite(&vars, Some(5)).unwrap().value_milli, 10_000);
        assert!(n.composite(&vars, None).is_err());
    }

    #[test]
    fn activity_is_strictly_above_activation_target() {
        let m = CompiledModifiers::validate_and_compile(
            &ScalingModifiers {
                activation_target: "3".into(),
                ..sm("a", "1")
            },
            [t("a", "x")],
        )
        .unwrap();
        let at = |milli| MetricValue {
            metric_name: COMPOSITE_METRIC_NAME.into(),
            value_milli: milli,
        };
        assert!(!m.is_active(&at(3000)));
        assert!(m.is_active(&at(3001)));
        assert_eq!(m.metric_spec().target_milli, 1000);
    }

    #[test]
    fn pairing_and_membership_follow_keda() {
        assert!(pair_trigger_and_metric(false, "m", "").unwrap().is_empty());
        assert_eq!(
            pair_trigger_and_metric(true, "s0-m", "t").unwrap()["s0-m"],
            "t"
        );
        assert!(pair_trigger_and_metric(true, "s0-m", "").is_err());
        assert!(array_contains_element("Trigger1", &["trigger1"]));
        assert!(!array_contains_element("", &["trigger1"]));
    }
}
