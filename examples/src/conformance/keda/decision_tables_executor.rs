//! `scaledobject_executor.json`: KEDA's `scale_scaledobjects_test.go` (the executor, HPA health)
//! and the scale handler's activity tests, replayed against `keda_core::lifecycle`.

use std::collections::BTreeMap;

use keda_core::Error;
use keda_core::clock::Instant;
use keda_core::conditions::{ConditionStatus, ConditionType, Conditions};
use keda_core::fallback::{FallbackConfig, Health};
use keda_core::lifecycle::{
    ExecutorInput, ExecutorSpec, ExecutorStatus, HpaObservation, MetricRead, ScaleAnnotations,
    TargetRef, TriggerRead, request_scale, scaled_object_state,
};
use keda_core::scaler::MetricValue;
use serde_json::Value;

use super::super::super::check::{Checks, i64_at, str_at};
use super::super::super::{Case, Handler, Outcome, Table};

pub(super) fn lookup(name: &str) -> Option<Handler> {
    let name = name.strip_prefix("manual:")?;
    Some(match name {
        "TestGetHPAHealth_EmptyReasonFallback"
        | "TestGetHPAHealth_ScalingActiveFalse"
        | "TestGetHPAHealth_NoHPAName / _HPAReadError / _NoScalingActiveConditionYet" => hpa_health,
        "TestCheckScaledObjectScalersWithError (pkg/scaling/scale_handler_test.go)"
        | "TestCheckScaledObjectFindFirstActiveNotIgnoreOthers" => object_state,
        n if n.starts_with("TestScale")
            || n.starts_with("TestNoScale")
            || n.starts_with("TestEvent")
            || n.starts_with("TestRequestScale")
            || n.starts_with("TestCheckHPAHealth") =>
        {
            executor
        }
        _ => return None,
    })
}

fn status_of(s: &str) -> ConditionStatus {
    match s {
        "True" => ConditionStatus::True,
        "False" => ConditionStatus::False,
        _ => ConditionStatus::Unknown,
    }
}

/// `hpaScalingActive`: `"True"`, `{status, reason, message}`, or absent (no HPA observed).
fn hpa_of(v: Option<&Value>) -> HpaObservation {
    match v {
        Some(Value::String(s)) => HpaObservation::ScalingActive {
            status: status_of(s),
            reason: String::new(),
            message: String::new(),
        },
        Some(o @ Value::Object(_)) => HpaObservation::ScalingActive {
            status: status_of(str_at(o, "status").unwrap_or_default()),
            reason: str_at(o, "reason").unwrap_or_default().to_owned(),
            message: str_at(o, "message").unwrap_or_default().to_owned(),
        },
        _ => HpaObservation::Unobservable,
    }
}

/// A leading integer (`"1 (newSOWithHPA)"` → 1).
fn int_of(v: Option<&Value>) -> Option<i32> {
    match v? {
        Value::Number(n) => n.as_i64().map(|n| n as i32),
        Value::String(s) => s.split_whitespace().next()?.parse().ok(),
        _ => None,
    }
}

fn executor(_: &Table, case: &Case) -> Outcome {
    let inputs = &case.data["inputs"];
    let expect = &case.data["expect"];
    let annotations: BTreeMap<String, String> =
        serde_json::from_value(inputs["annotations"].clone()).unwrap_or_default();
    let annotations = match ScaleAnnotations::from_map(&annotations) {
        Ok(a) => a,
        Err(e) => return Outcome::Fail(e.to_string()),
    };
    let spec = ExecutorSpec {
        min_replica_count: int_of(inputs.get("minReplicaCount")),
        idle_replica_count: int_of(inputs.get("idleReplicaCount")),
        cooldown_period: None,
        initial_cooldown_period: int_of(inputs.get("initialCooldownPeriod")),
        fallback_replicas: inputs
            .get("fallback")
            .filter(|f| !f.is_null())
            .map(|f| i64_at(f, "replicas").unwrap_or(0) as i32),
        annotations,
        target: TargetRef {
            kind: "",
            namespace: "namespace",
            name: "name",
        },
    };
    // LastActiveTime nil, CreationTimestamp zero: the initial cooldown has long passed.
    let status = ExecutorStatus {
        last_active_time: None,
        creation_time: Instant::ZERO,
    };
    let active_triggers: Vec<String> =
        serde_json::from_value(inputs["activeTriggers"].clone()).unwrap_or_default();
    let hpa = if inputs["hpaReadError"].as_bool() == Some(true) {
        HpaObservation::Unobservable
    } else {
        hpa_of(inputs.get("hpaScalingActive"))
    };
    let input = ExecutorInput {
        is_active: inputs["isActive"].as_bool().unwrap_or(false),
        is_error: inputs["isError"].as_bool().unwrap_or(false),
        current_replicas: Ok(int_of(inputs.get("currentReplicas")).unwrap_or(0)),
        active_triggers: &active_triggers,
        hpa,
        now: Instant::from_secs(1_000_000),
    };
    let decision = request_scale(&spec, &status, &input);
    let mut conditions = Conditions::initialized();
    if let Some(prev) = inputs.get("previousHPAActive") {
        conditions.set(
            ConditionType::HpaActive,
            status_of(str_at(prev, "status").unwrap_or_default()),
            str_at(prev, "reason").unwrap_or_default().to_owned(),
            "",
        );
    }
    conditions.merge(&decision.conditions);

    let mut c = Checks::default();
    if let Some(want) = expect.get("scaledTo") {
        c.eq(
            "scaledTo",
            decision.write.map(|w| i64::from(w.replicas)),
            want.as_i64(),
        );
    }
    for (prefix, type_) in [
        ("active", ConditionType::Active),
        ("ready", ConditionType::Ready),
        ("hpaActive", ConditionType::HpaActive),
    ] {
        let got = conditions.get(type_);
        if let Some(want) = str_at(expect, &format!("{prefix}Condition")) {
            c.eq(
                &format!("{prefix}Condition"),
                got.map(|g| g.status.as_str()),
                Some(want),
            );
        }
        if let Some(want) = str_at(expect, &format!("{prefix}Reason")) {
            c.eq(
                &format!("{prefix}Reason"),
                got.map(|g| g.reason.as_ref()),
                Some(want),
            );
        }
        if let Some(want) = str_at(expect, &format!("{prefix}Message")) {
            c.eq(
                &format!("{prefix}Message"),
                got.map(|g| g.message.as_ref()),
                Some(want),
            );
        }
    }
    if let Some(want) = expect["lastActiveTimeSet"].as_bool() {
        c.eq(
            "lastActiveTimeSet",
            decision.last_active_time.is_some(),
            want,
        );
    }
    if let Some(want) = str_at(expect, "event") {
        c.eq(
            "event",
            decision.event.map(|e| e.to_string()),
            Some(want.to_owned()),
        );
    }
    c.outcome()
}

/// `getHPAHealth`: (status, reason, message), all empty when the HPA cannot be observed.
fn hpa_health(_: &Table, case: &Case) -> Outcome {
    let got = hpa_of(case.data["inputs"].get("hpaScalingActive")).hpa_active();
    let (status, reason, message) = got
        .map(|(s, r, m)| (s.as_str().to_owned(), r, m))
        .unwrap_or_default();
    let expect = &case.data["expect"];
    let mut c = Checks::default();
    c.eq(
        "status",
        status.as_str(),
        str_at(expect, "status").unwrap_or_default(),
    );
    c.eq(
        "reason",
        reason.as_ref(),
        str_at(expect, "reason").unwrap_or_default(),
    );
    c.eq(
        "message",
        message.as_ref(),
        str_at(expect, "message").unwrap_or_default(),
    );
    c.outcome()
}

/// `getScaledObjectState` over mock triggers: one row per trigger, either `{metric, isActive}` or
/// a failing `metricsAndActivity`.
fn object_state(_: &Table, case: &Case) -> Outcome {
    let triggers: Vec<TriggerRead> = case.data["inputs"]["triggers"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, t)| {
            let metric = str_at(t, "metric").map_or_else(|| format!("s{i}-metric"), str::to_owned);
            let result = match t.get("metricsAndActivity") {
                Some(e) => Err(Error::Metric(e.as_str().unwrap_or("error").to_owned())),
                None => Ok(vec![MetricValue {
                    metric_name: metric.clone(),
                    value_milli: 1000,
                }]),
            };
            let active = t["isActive"].as_bool().unwrap_or(false);
            TriggerRead {
                trigger_name: String::new(),
                trigger_type: "external".into(),
                spec_error: None,
                metrics: vec![MetricRead {
                    metric_name: metric,
                    result,
                    active,
                    fallback_active: false,
                }],
            }
        })
        .collect();
    let state = scaled_object_state(&triggers, None, &FallbackConfig::default(), &Health::new());
    let expect = &case.data["expect"];
    let mut c = Checks::default();
    c.eq(
        "isActive",
        Some(state.is_active),
        expect["isActive"].as_bool(),
    );
    c.eq("isError", Some(state.is_error), expect["isError"].as_bool());
    let want: Vec<String> =
        serde_json::from_value(expect["activeTriggers"].clone()).unwrap_or_default();
    c.eq("activeTriggers", state.active_triggers, want);
    c.outcome()
}
