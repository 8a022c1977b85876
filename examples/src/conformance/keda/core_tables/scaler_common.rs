//! `scaler_common.json`: KEDA's shared scaler helpers (`pkg/scalers/scaler_test.go`).

use keda_core::scaler::{MetricTargetType, ScalerConfig};
use keda_core::scaler_common as common;
use serde_json::Value;

use super::super::super::check::{Checks, i64_at, str_at};
use super::super::super::{Case, Handler, Outcome, Table};
use super::at;

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "TestGetMetricTargetType.cases" => metric_target_type,
        "TestGetMetricTarget.cases" => metric_target,
        "TestGetMetricTargetMili.cases" => metric_target_milli,
        "TestGenerateMetricInMili.cases" => metric_in_milli,
        "TestRemoveIndexFromMetricName.cases" => remove_index,
        _ => return None,
    })
}

fn inputs(c: &Case) -> &Value {
    at(&c.data, "inputs")
}

fn expect(c: &Case) -> &Value {
    at(&c.data, "expect")
}

/// A metric type as written in the vectors (`""` is KEDA's "unset").
fn target_type(s: Option<&str>) -> Result<MetricTargetType, String> {
    match s.unwrap_or_default() {
        "" | "AverageValue" => Ok(MetricTargetType::AverageValue),
        "Value" => Ok(MetricTargetType::Value),
        "Utilization" => Ok(MetricTargetType::Utilization),
        other => Err(format!("unknown metric type {other}")),
    }
}

/// A float as written in the vectors: a number or `{"$float": "NaN"|"+Inf"|"-Inf"}`.
pub(crate) fn float(v: &Value) -> Result<f64, String> {
    if let Some(f) = v.as_f64() {
        return Ok(f);
    }
    match v.get("$float").and_then(Value::as_str) {
        Some("NaN") => Ok(f64::NAN),
        Some("+Inf") => Ok(f64::INFINITY),
        Some("-Inf") => Ok(f64::NEG_INFINITY),
        _ => Err(format!("not a float: {v}")),
    }
}

fn metric_target_type(_: &Table, c: &Case) -> Outcome {
    let metric_type = match target_type(str_at(at(inputs(c), "config"), "MetricType")) {
        Ok(t) => t,
        Err(e) => return Outcome::Fail(e),
    };
    let config = ScalerConfig {
        metric_type,
        ..ScalerConfig::default()
    };
    let mut k = Checks::default();
    let want_err = at(expect(c), "wantErr")
        .get("$error")
        .and_then(Value::as_str);
    match common::metric_target_type(&config) {
        Ok(t) => {
            k.eq("error", None, want_err);
            k.eq(
                "type",
                Some(t.as_str()),
                str_at(expect(c), "wantmetricType"),
            );
        }
        Err(e) => {
            k.eq(
                "error is ErrScalerUnsupportedUtilizationMetricType",
                e.to_string().ends_with(common::UTILIZATION_UNSUPPORTED),
                true,
            );
            k.eq("error expected", want_err.is_some(), true);
        }
    }
    k.outcome()
}

fn metric_target(_: &Table, c: &Case) -> Outcome {
    let (Ok(t), Some(value)) = (
        target_type(str_at(inputs(c), "metricType")),
        i64_at(inputs(c), "metricValue"),
    ) else {
        return Outcome::Fail("bad inputs".into());
    };
    let spec = common::metric_spec("m".into(), t, value);
    let want = at(expect(c), "wantmetricTarget");
    let field = if spec.target_type == MetricTargetType::AverageValue {
        "AverageValue"
    } else {
        "Value"
    };
    let mut k = Checks::default();
    k.eq(
        "Type",
        Some(spec.target_type.as_str()),
        str_at(want, "Type"),
    );
    k.eq(
        field,
        Some(spec.target_milli),
        at(at(want, field), "$quantity").as_i64().map(|q| q * 1000),
    );
    k.outcome()
}

fn zero_check(k: &mut Checks, milli: i64, c: &Case) {
    k.eq(
        "isZeroQuantity",
        Some(milli == 0),
        at(expect(c), "isZeroQuantity").as_bool(),
    );
    k.eq("non-negative", milli >= 0, true);
}

fn metric_target_milli(_: &Table, c: &Case) -> Outcome {
    let v = match float(at(inputs(c), "metricValue")) {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(e),
    };
    let spec = common::metric_spec_milli("m".into(), MetricTargetType::AverageValue, v);
    let mut k = Checks::default();
    k.eq(
        "AverageValue target",
        spec.target_type,
        MetricTargetType::AverageValue,
    );
    zero_check(&mut k, spec.target_milli, c);
    k.outcome()
}

fn metric_in_milli(_: &Table, c: &Case) -> Outcome {
    let v = match float(at(inputs(c), "value")) {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(e),
    };
    let m = common::metric_value_milli("test-metric", v);
    let mut k = Checks::default();
    k.eq("name", m.metric_name.as_str(), "test-metric");
    zero_check(&mut k, m.value_milli, c);
    k.outcome()
}

fn remove_index(_: &Table, c: &Case) -> Outcome {
    let (Some(i), Some(name)) = (
        i64_at(inputs(c), "triggerIndex"),
        str_at(inputs(c), "metricName"),
    ) else {
        return Outcome::Fail("bad inputs".into());
    };
    let got = common::remove_index_from_metric_name(usize::try_from(i).unwrap_or(usize::MAX), name);
    let mut k = Checks::default();
    k.eq(
        "isError",
        got.is_err(),
        at(expect(c), "isError").as_bool().unwrap_or(false),
    );
    if let Ok(rest) = got {
        k.eq(
            "name",
            Some(rest),
            str_at(expect(c), "expectedMetricNameWithoutIndexPrefix"),
        );
    }
    k.outcome()
}
