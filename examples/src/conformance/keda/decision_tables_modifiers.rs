//! `scaling_modifiers.json`: KEDA's `pkg/scaling/modifiers` tests and the scale handler's formula test.

use std::collections::BTreeMap;

use keda_core::fallback::{
    Fallback, FallbackBehavior, FallbackConfig, Health, HealthState, HealthStatus,
};
use keda_core::modifiers::{
    COMPOSITE_METRIC_NAME, CompiledModifiers, FormulaTrigger, FormulaVariables, ScalingModifiers,
    array_contains_element, calculate_composite, pair_trigger_and_metric,
};
use keda_core::scaler::MetricValue;
use serde_json::Value;

use super::super::super::check::{Checks, f64_at, parse_at, str_at};
use super::super::super::{Case, Handler, Outcome, Table};

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "TestArrayContainsElement.tests" => array_contains,
        "TestGetPairTriggerAndMetric.tests" => pair_trigger,
        "manual:TestScalingModifierTriggerValue" => trigger_value,
        "manual:TestCalculateScalingModifiersFormula" => calculate_formula,
        "manual:TestCalculateScalingModifiersFormulaNilCompiled" => nil_compiled,
        "manual:TestScalingModifiersFormula (pkg/scaling/scale_handler_test.go)" => handler_formula,
        _ => return None,
    })
}

fn array_contains(_: &Table, case: &Case) -> Outcome {
    let inputs = &case.data["inputs"];
    let array: Vec<String> = match parse_at(inputs, "array") {
        Ok(a) => a,
        Err(e) => return Outcome::Fail(e),
    };
    let mut c = Checks::default();
    let got = array_contains_element(str_at(inputs, "element").unwrap_or_default(), &array);
    c.eq(
        "expected",
        got,
        case.data["expect"]["expected"].as_bool().unwrap_or(false),
    );
    c.outcome()
}

fn pair_trigger(_: &Table, case: &Case) -> Outcome {
    let inputs = &case.data["inputs"];
    let formula = inputs["scaledObject"]["Spec"]["Advanced"]["ScalingModifiers"]["Formula"]
        .as_str()
        .unwrap_or_default();
    let got = pair_trigger_and_metric(
        !formula.is_empty(),
        str_at(inputs, "metric").unwrap_or_default(),
        str_at(inputs, "trigger").unwrap_or_default(),
    );
    let expect = &case.data["expect"];
    let mut c = Checks::default();
    c.eq(
        "expectedError",
        got.is_err(),
        expect["expectedError"].as_bool().unwrap_or(false),
    );
    let want: BTreeMap<String, String> =
        serde_json::from_value(expect["expectedPair"].clone()).unwrap_or_default();
    c.eq("expectedPair", got.unwrap_or_default(), want);
    c.outcome()
}

/// Each sub-case: a metric `trigger-a` = 7 under a `scalingModifiers` fallback (threshold 3) and a
/// health entry; the formula variable is the value or nil.
fn trigger_value(_: &Table, case: &Case) -> Outcome {
    let setup = &case.data["setup"];
    let metric = str_at(&setup["metric"], "name").unwrap_or_default();
    let value = f64_at(&setup["metric"], "value").unwrap_or_default();
    let fb = Fallback {
        failure_threshold: setup["fallback"]["failureThreshold"].as_i64().unwrap_or(0) as i32,
        replicas: setup["fallback"]["replicas"].as_i64().unwrap_or(0) as i32,
        behavior: FallbackBehavior::parse(
            str_at(&setup["fallback"], "behavior").unwrap_or_default(),
        ),
    };
    let mut c = Checks::default();
    for (i, sub) in case.data["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let configured = sub.get("so").is_none();
        let cfg = FallbackConfig {
            fallback: configured.then_some(&fb),
            modifiers: None,
        };
        let mut health = Health::new();
        if let Some(h) = sub.get("health").filter(|h| !h.is_null()) {
            health.insert(metric.to_owned(), health_of(h));
        }
        c.eq(
            &format!("case {i}"),
            cfg.trigger_value(metric, value, &health),
            sub["expect"].as_f64(),
        );
    }
    c.outcome()
}

/// A health entry as written in the vectors (`{numberOfFailures, status}`).
pub(super) fn health_of(v: &Value) -> HealthStatus {
    HealthStatus {
        number_of_failures: v
            .get("numberOfFailures")
            .and_then(Value::as_i64)
            .map(|n| n as i32),
        status: if str_at(v, "status") == Some("Failing") {
            HealthState::Failing
        } else {
            HealthState::Happy
        },
    }
}

fn compile(formula: &str, target: &str, names: &[String]) -> Result<CompiledModifiers, String> {
    let modifiers = ScalingModifiers {
        formula: formula.into(),
        target: target.into(),
        ..Default::default()
    };
    CompiledModifiers::validate_and_compile(
        &modifiers,
        names.iter().map(|n| FormulaTrigger {
            name: n,
            trigger_type: "external",
        }),
    )
    .map_err(|e| e.to_string())
}

fn calculate_formula(_: &Table, case: &Case) -> Outcome {
    let inputs = &case.data["inputs"];
    let (metrics, pairs): (BTreeMap<String, f64>, BTreeMap<String, String>) =
        match (parse_at(inputs, "metrics"), parse_at(inputs, "pairs")) {
            (Ok(m), Ok(p)) => (m, p),
            (Err(e), _) | (_, Err(e)) => return Outcome::Fail(e),
        };
    let names: Vec<String> = pairs.values().cloned().collect();
    // The Go test compiles with a target of its own; any valid one serves.
    let compiled = match compile(str_at(inputs, "formula").unwrap_or_default(), "1", &names) {
        Ok(c) => c,
        Err(e) => return Outcome::Fail(e),
    };
    let values: Vec<MetricValue> = metrics
        .iter()
        .map(|(k, v)| MetricValue {
            metric_name: k.clone(),
            value_milli: (v * 1000.0) as i64,
        })
        .collect();
    let mut c = Checks::default();
    match calculate_composite(Some(&compiled), &values, &pairs, None) {
        Ok(m) => {
            c.eq(
                "metricName",
                m.metric_name.as_str(),
                str_at(&case.data["expect"], "metricName").unwrap_or_default(),
            );
            c.eq(
                "milliValue",
                Some(m.value_milli),
                case.data["expect"]["milliValue"].as_i64(),
            );
        }
        Err(e) => c.fail(format!("unexpected error {e}")),
    }
    c.outcome()
}

fn nil_compiled(_: &Table, case: &Case) -> Outcome {
    let mut c = Checks::default();
    let got = calculate_composite(None, &[], &BTreeMap::new(), None);
    c.eq(
        "error",
        got.is_err(),
        case.data["expect"]["error"].as_bool().unwrap_or(false),
    );
    c.outcome()
}

/// Two named triggers with metric values; the composite metric the HPA reads.
fn handler_formula(_: &Table, case: &Case) -> Outcome {
    let inputs = &case.data["inputs"];
    let triggers = inputs["triggers"].as_array().cloned().unwrap_or_default();
    let names: Vec<String> = triggers
        .iter()
        .filter_map(|t| str_at(t, "name"))
        .map(str::to_owned)
        .collect();
    let sm = &inputs["scalingModifiers"];
    let compiled = match compile(
        str_at(sm, "formula").unwrap_or_default(),
        str_at(sm, "target").unwrap_or_default(),
        &names,
    ) {
        Ok(c) => c,
        Err(e) => return Outcome::Fail(e),
    };
    let vars: FormulaVariables = triggers
        .iter()
        .filter_map(|t| Some((str_at(t, "name")?.to_owned(), Some(f64_at(t, "value")?))))
        .collect();
    let mut c = Checks::default();
    c.eq(
        "requestedMetric",
        COMPOSITE_METRIC_NAME,
        str_at(inputs, "requestedMetric").unwrap_or_default(),
    );
    match compiled.composite(&vars, None) {
        Ok(m) => c.eq(
            "compositeValue",
            Some(m.value_milli as f64 / 1000.0),
            f64_at(&case.data["expect"], "compositeValue"),
        ),
        Err(e) => c.fail(format!("unexpected error {e}")),
    }
    c.outcome()
}
