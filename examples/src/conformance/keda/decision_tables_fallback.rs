//! `fallback.json`: KEDA's `pkg/fallback/fallback_test.go` (Ginkgo `It` cases) on the metric
//! `some_metric_name`.

use keda_core::Error;
use keda_core::conditions::{ConditionStatus, ConditionType};
use keda_core::fallback::{
    Fallback, FallbackBehavior, FallbackConfig, FallbackStatus, Health, KnownReplicas,
    metrics_with_fallback,
};
use keda_core::scaler::{MetricTargetType, MetricValue, ScalerMetricSpec};
use serde_json::Value;

use super::super::super::check::{Checks, f64_at, i64_at, str_at};
use super::super::super::{Case, Handler, Outcome, Table};
use super::modifiers::health_of;

const METRIC: &str = "some_metric_name";

pub(super) fn lookup(name: &str) -> Option<Handler> {
    (name == "manual:Fallback (pkg/fallback/fallback_test.go, Ginkgo)").then_some(run as Handler)
}

fn run(_: &Table, case: &Case) -> Outcome {
    let inputs = &case.data["inputs"];
    let expect = &case.data["expect"];
    let fallback = inputs
        .get("fallback")
        .filter(|f| !f.is_null())
        .map(|f| Fallback {
            failure_threshold: i64_at(f, "failureThreshold").unwrap_or(0) as i32,
            replicas: i64_at(f, "replicas").unwrap_or(0) as i32,
            behavior: FallbackBehavior::parse(str_at(f, "behavior").unwrap_or_default()),
        });
    let mut status = FallbackStatus {
        health: health_map(inputs.get("health")),
        ..Default::default()
    };
    let target = &inputs["target"];
    let (target_type, target_value) = match str_at(target, "type") {
        Some("Value") => (
            MetricTargetType::Value,
            f64_at(target, "value").unwrap_or(0.0),
        ),
        _ => (
            MetricTargetType::AverageValue,
            f64_at(target, "averageValue").unwrap_or(0.0),
        ),
    };
    let spec = ScalerMetricSpec {
        metric_name: METRIC.into(),
        target_type,
        target_milli: (target_value * 1000.0) as i64,
    };
    let raw = match str_at(inputs, "scalerError") {
        Some(e) => Err(Error::Metric(e.to_owned())),
        None => Ok(vec![MetricValue {
            metric_name: METRIC.into(),
            value_milli: i64_at(inputs, "scalerMetric").unwrap_or(0) * 1000,
        }]),
    };
    let mut replicas = KnownReplicas {
        current: i64_at(inputs, "currentReplicas").map(|n| n as i32),
        ready: None,
    };
    let cfg = FallbackConfig {
        fallback: fallback.as_ref(),
        modifiers: None,
    };
    let out = metrics_with_fallback(&cfg, &mut status, METRIC, &spec, raw, &mut replicas);

    let mut c = Checks::default();
    match (expect.get("error"), &out.result) {
        (Some(Value::String(want)), Err(e)) => c.eq("error", e.to_string().as_str(), want.as_str()),
        (Some(Value::String(want)), Ok(_)) => c.fail(format!("error: got none, want {want}")),
        (Some(Value::Bool(false)), Err(e)) => c.fail(format!("error: got {e}, want none")),
        _ => {}
    }
    if let Some(want) = i64_at(expect, "metric") {
        let got = out
            .result
            .as_ref()
            .ok()
            .and_then(|m| m.first())
            .map(|m| m.value_milli);
        c.eq("metric", got, Some(want * 1000));
    }
    if let Some(want) = expect.get("fallbackActive").and_then(Value::as_bool) {
        c.eq("fallbackActive", out.fallback_active, want);
    }
    if let Some(want) = expect.get("health") {
        c.eq(
            "health",
            status.health.get(METRIC).copied(),
            Some(health_of(want)),
        );
    }
    if let Some(want) = expect.get("statusPatched").and_then(Value::as_bool) {
        c.eq("statusPatched", out.status_changed, want);
    }
    let fallback_status = status
        .conditions
        .get(ConditionType::Fallback)
        .map(|c| c.status);
    if let Some(want) = str_at(expect, "fallbackCondition") {
        c.eq(
            "fallbackCondition",
            fallback_status.map(ConditionStatus::as_str),
            Some(want),
        );
    }
    if let Some(want) = expect.get("fallbackConditionTrue").and_then(Value::as_bool) {
        c.eq(
            "fallbackConditionTrue",
            fallback_status == Some(ConditionStatus::True),
            want,
        );
    }
    c.outcome()
}

/// `health` is either one entry (for the metric under test) or a map of entries.
fn health_map(v: Option<&Value>) -> Health {
    match v {
        Some(h) if h.get("numberOfFailures").is_some() || h.get("status").is_some() => {
            Health::from([(METRIC.to_owned(), health_of(h))])
        }
        Some(Value::Object(m)) => m.iter().map(|(k, h)| (k.clone(), health_of(h))).collect(),
        _ => Health::new(),
    }
}
