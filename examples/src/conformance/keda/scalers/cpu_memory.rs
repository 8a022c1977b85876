//! `cpu_memory.json`: KEDA's `cpu_memory_scaler_test.go`.

use keda_core::scaler::{MetricTargetType, ScalerConfig};
use keda_scalers::cpu_memory::{CpuMemoryScaler, parse_resource_metadata};
use serde_json::Value;

use super::common::{at, config, error_iff};
use crate::conformance::check::Checks;
use crate::conformance::{Case, Handler, Outcome, Table};

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "testCPUMemoryMetadata" => metadata,
        "manual:TestGetMetricSpecForScaling" | "manual:TestGetContainerMetricSpecForScaling" => {
            spec
        }
        _ => return None,
    })
}

/// The trigger's `metricType` as written (`""` is unset, which our config reads as AverageValue).
fn row_config(resource: &str, inputs: &Value) -> Result<ScalerConfig, String> {
    let metric_type = match at(inputs, "metricType").as_str().unwrap_or_default() {
        "" | "AverageValue" => MetricTargetType::AverageValue,
        "Value" => MetricTargetType::Value,
        "Utilization" => MetricTargetType::Utilization,
        other => return Err(format!("unknown metricType {other}")),
    };
    Ok(ScalerConfig {
        metric_type,
        ..config(resource, inputs, &Value::Null)
    })
}

/// `parseResourceMetadata`: error iff isError.
fn metadata(_: &Table, c: &Case) -> Outcome {
    let cfg = match row_config("cpu", at(&c.data, "inputs")) {
        Ok(c) => c,
        Err(e) => return Outcome::Fail(e),
    };
    let want = at(at(&c.data, "expect"), "isError")
        .as_bool()
        .unwrap_or(false);
    error_iff(parse_resource_metadata(&cfg), want, |_| Outcome::Pass)
}

/// The generated HPA metric spec: each `spec.<path>` of `expect` equals the serialized spec.
fn spec(_: &Table, c: &Case) -> Outcome {
    let i = at(&c.data, "inputs");
    let resource = at(i, "resource").as_str().unwrap_or("cpu");
    let scaler = match row_config(resource, i)
        .and_then(|cfg| CpuMemoryScaler::new(&cfg).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => return Outcome::Fail(e),
    };
    let got = serde_json::to_value(scaler.hpa_metric_spec()).unwrap_or_default();
    let mut k = Checks::default();
    for (path, want) in at(&c.data, "expect").as_object().into_iter().flatten() {
        let value = path
            .trim_start_matches("spec.")
            .split('.')
            .fold(&got, |v, key| at(v, key));
        k.eq(path, value, want);
    }
    k.outcome()
}
