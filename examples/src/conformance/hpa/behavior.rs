//! Behavior tables: rate limits, scale events, stabilization, defaulting, validation.

use serde_json::Value;

use super::super::check::{Checks, i64_at, parse_at, str_at};
use super::super::{Case, Outcome, Table};
use super::{EVAL_NOW, age};
use keda_core::hpa::defaults::{FeatureGates, generate_scale_down_rules, generate_scale_up_rules};
use keda_core::hpa::rate_limits::{
    RateArgs, ScaleEvent, change_in_period, convert_with_behavior_rate, convert_with_rules,
    longest_period, scale_down_limit, scale_up_limit, store_event,
};
use keda_core::hpa::spec::{Behavior, ScalingRules};
use keda_core::hpa::stabilization::{Recommendation, stabilize, stabilize_with_behaviors};
use keda_core::hpa::validation::{ValidationOptions, validate_behavior};

fn events(v: &Value) -> Vec<ScaleEvent> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|e| ScaleEvent {
            change: i64_at(e, "replicaChange").unwrap_or(0) as i32,
            at: age(e.get("ageSeconds").unwrap_or(&Value::Null)),
            outdated: e.get("outdated").and_then(Value::as_bool).unwrap_or(false),
        })
        .collect()
}

fn int(v: &Value, k: &str) -> i32 {
    i64_at(v, k).unwrap_or(0) as i32
}

fn io(case: &Case) -> (&Value, &Value) {
    (
        case.data.get("inputs").unwrap_or(&Value::Null),
        case.data.get("expected").unwrap_or(&Value::Null),
    )
}

/// TestScalingWithRules: `convertDesiredReplicasWithBehaviorRate` with effective rules.
pub(super) fn convert_rate(_: &Table, case: &Case) -> Outcome {
    if case.data.get("skippedUpstream").and_then(Value::as_bool) == Some(true) {
        return Outcome::Skip(
            "marked testThis upstream; the upstream loop never asserts it".into(),
        );
    }
    let (i, e) = io(case);
    let (up, down): (ScalingRules, ScalingRules) =
        match (parse_at(i, "scaleUpRules"), parse_at(i, "scaleDownRules")) {
            (Ok(u), Ok(d)) => (u, d),
            (Err(x), _) | (_, Err(x)) => return Outcome::Fail(x),
        };
    let args = RateArgs {
        current: int(i, "currentReplicas"),
        desired: int(i, "desiredReplicas"),
        min: int(i, "minReplicas"),
        max: int(i, "maxReplicas"),
        scale_up: &up,
        scale_down: &down,
    };
    let (r, reason) = convert_with_behavior_rate(
        args,
        &events(&i["scaleUpEvents"]),
        &events(&i["scaleDownEvents"]),
        EVAL_NOW,
    );
    let mut c = Checks::default();
    c.eq(
        "replicas",
        i64::from(r),
        i64_at(e, "replicas").unwrap_or(-1),
    );
    c.eq("reason", reason.as_str(), str_at(e, "reason").unwrap_or(""));
    c.outcome()
}

/// Scale-up / scale-down limits of one rule set.
pub(super) fn limits(_: &Table, case: &Case) -> Outcome {
    let (i, e) = io(case);
    let rules: ScalingRules = match parse_at(i, "rules") {
        Ok(r) => r,
        Err(x) => return Outcome::Fail(x),
    };
    let (up, down, cur) = (
        events(&i["scaleUpEvents"]),
        events(&i["scaleDownEvents"]),
        int(i, "currentReplicas"),
    );
    let mut c = Checks::default();
    if let Some(want) = i64_at(e, "scaleUpLimit") {
        c.eq(
            "scaleUpLimit",
            i64::from(scale_up_limit(cur, &up, &down, &rules, EVAL_NOW)),
            want,
        );
    }
    if let Some(want) = i64_at(e, "scaleDownLimit") {
        c.eq(
            "scaleDownLimit",
            i64::from(scale_down_limit(cur, &up, &down, &rules, EVAL_NOW)),
            want,
        );
    }
    c.outcome()
}

/// TestConvertDesiredReplicasWithRules: the no-behavior clamp.
pub(super) fn convert_rules(_: &Table, case: &Case) -> Outcome {
    let (i, e) = io(case);
    let f = |k| i.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    let (r, reason) = convert_with_rules(
        int(i, "currentReplicas"),
        int(i, "desiredReplicas"),
        int(i, "minReplicas"),
        int(i, "maxReplicas"),
        f("scaleUpLimitFactor"),
        f("scaleUpLimitMinimum"),
    );
    let mut c = Checks::default();
    c.eq(
        "replicas",
        i64::from(r),
        i64_at(e, "replicas").unwrap_or(-1),
    );
    c.eq("reason", reason.as_str(), str_at(e, "reason").unwrap_or(""));
    c.outcome()
}

/// TestStoreScaleEvents, run for both directions as upstream does.
pub(super) fn store_events(_: &Table, case: &Case) -> Outcome {
    let (i, e) = io(case);
    let rules: Option<ScalingRules> = match parse_at(i, "scalingRules") {
        Ok(r) => r,
        Err(x) => return Outcome::Fail(x),
    };
    let behavior_present = i
        .get("behaviorPresent")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut c = Checks::default();
    for dir in ["scaleUpCall", "scaleDownCall"] {
        let mut evs = events(&i["previousEvents"]);
        c.eq(
            &format!("{dir}: replicasChangeInLast60s"),
            i64::from(change_in_period(60, &evs, EVAL_NOW)),
            i64_at(e, "replicasChangeInLast60s").unwrap_or(-1),
        );
        let call = &i[dir];
        let change = (int(call, "newReplicas") - int(call, "prevReplicas")).abs();
        if behavior_present {
            let longest = rules.as_ref().map_or(0, longest_period);
            store_event(&mut evs, change, longest, EVAL_NOW);
        }
        let got: Vec<(i64, bool)> = evs
            .iter()
            .map(|ev| (i64::from(ev.change), ev.outdated))
            .collect();
        let want: Vec<(i64, bool)> = e["eventsAfterStore"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|ev| {
                (
                    i64_at(ev, "replicaChange").unwrap_or(0),
                    ev.get("outdated").and_then(Value::as_bool).unwrap_or(false),
                )
            })
            .collect();
        c.eq(&format!("{dir}: events"), got, want);
    }
    c.outcome()
}

/// Stabilization with and without behavior.
pub(super) fn stabilization(t: &Table, case: &Case) -> Outcome {
    let (i, e) = io(case);
    let mut history: Vec<Recommendation> = i["recommendations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| Recommendation {
            replicas: int(r, "replicas"),
            at: age(&r["ageSeconds"]),
        })
        .collect();
    let desired = int(i, "desiredReplicas");
    let got = if t.name == "TestNormalizeDesiredReplicas" {
        stabilize(
            &mut history,
            desired,
            i64_at(i, "downscaleStabilizationWindowSeconds").unwrap_or(0) * 1000,
            EVAL_NOW,
        )
    } else {
        let w = |k| i64_at(i, k).unwrap_or(0) * 1000;
        stabilize_with_behaviors(
            &mut history,
            int(i, "currentReplicas"),
            desired,
            w("scaleUpStabilizationWindowSeconds"),
            w("scaleDownStabilizationWindowSeconds"),
            EVAL_NOW,
        )
        .0
    };
    let mut c = Checks::default();
    c.eq(
        "stabilizedReplicas",
        i64::from(got),
        i64_at(e, "stabilizedReplicas").unwrap_or(-1),
    );
    if let Some(want) = e.get("storedRecommendations").and_then(Value::as_array) {
        let want: Vec<i64> = want.iter().filter_map(Value::as_i64).collect();
        c.eq(
            "storedRecommendations",
            history.iter().map(|r| i64::from(r.replicas)).collect(),
            want,
        );
    }
    if let Some(want) = i64_at(e, "recommendationsLength") {
        c.eq("recommendationsLength", history.len() as i64, want);
    }
    c.outcome()
}

/// GenerateHPAScale{Up,Down}Rules.
pub(super) fn generate_rules(t: &Table, case: &Case) -> Outcome {
    let (i, e) = io(case);
    let user: Option<ScalingRules> = match parse_at(i, "rules") {
        Ok(r) => r,
        Err(x) => return Outcome::Fail(x),
    };
    let got = if t.name == "TestGenerateScaleUpRules" {
        generate_scale_up_rules(user.as_ref())
    } else {
        generate_scale_down_rules(user.as_ref())
    };
    let got = serde_json::to_value(&got).unwrap_or(Value::Null);
    let mut c = Checks::default();
    for k in ["policies", "stabilizationWindowSeconds", "selectPolicy"] {
        c.eq(
            k,
            got.get(k).unwrap_or(&Value::Null),
            e.get(k).unwrap_or(&Value::Null),
        );
    }
    c.outcome()
}

/// Behavior validation, with the configurable-tolerance gate as given.
pub(super) fn validation(_: &Table, case: &Case) -> Outcome {
    let (i, e) = io(case);
    let behavior: Behavior = match parse_at(i, "behavior") {
        Ok(b) => b,
        Err(x) => return Outcome::Fail(x),
    };
    let gate = i
        .pointer("/featureGates/HPAConfigurableTolerance")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let gates = FeatureGates {
        configurable_tolerance: gate,
        ..FeatureGates::default()
    };
    let errs = validate_behavior(&behavior, &gates, &ValidationOptions::default());
    let mut c = Checks::default();
    let valid = e.get("valid").and_then(Value::as_bool).unwrap_or(false);
    c.eq("valid", errs.is_empty(), valid);
    if let (Some(want), Some(first)) = (str_at(e, "firstErrorContains"), errs.first()) {
        let got = first.to_string();
        if !got.contains(want) {
            c.fail(format!("first error {got:?} does not contain {want:?}"));
        }
    }
    if e.get("exactlyOneError").and_then(Value::as_bool) == Some(true) {
        c.eq("error count", errs.len(), 1);
    }
    c.outcome()
}
