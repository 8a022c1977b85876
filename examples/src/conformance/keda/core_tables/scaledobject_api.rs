//! `scaledobject_api.json`: ScaledObject/ScaledJob API helpers (`apis/keda/v1alpha1/*_test.go`).

use std::collections::BTreeMap;

use keda_core::manifest::{self, ScaledJob, ScaledObject, TriggerActivityStatus, annotations};
use keda_core::validation;
use serde_json::{Value, json};

use super::super::super::check::{Checks, str_at};
use super::super::super::{Case, Handler, Outcome, Table};
use super::{at, default_key, go_to_json};

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "TestCheckFallbackValid.tests" => fallback_valid,
        "TestHasPausedAnnotation.tests" => has_paused,
        "TestNeedToBePausedByAnnotation.tests" => need_paused,
        "TestIsUsingModifiers.tests" => using_modifiers,
        "TestCheckReplicaCountBoundsAreValid.tests" => replica_bounds,
        "TestGetHPAReplicas.tests" => hpa_replicas,
        "TestScaledJob.tests" => scaled_job_counts,
        "TestValidateTriggers.tests" => validate_triggers,
        "manual:TestGetPausedReplicaCount" => paused_replica_count,
        "manual:TestGetTriggersActivity* (pkg/scaling/executor/triggers_activity_test.go)" => {
            triggers_activity
        }
        _ => return None,
    })
}

/// A ScaledObject from a Go literal, its required-but-omitted fields at their zero values.
fn scaled_object(go: &Value) -> Result<ScaledObject, String> {
    let mut v = go_to_json(go);
    default_key(&mut v, "spec", json!({}));
    if let Some(spec) = v.get_mut("spec") {
        default_key(spec, "scaleTargetRef", json!({"name": ""}));
        default_key(spec, "triggers", json!([]));
        for t in spec
            .get_mut("triggers")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            default_key(t, "metadata", json!({}));
            default_key(t, "type", json!(""));
        }
    }
    manifest::from_value(v).map_err(|e| format!("vector ScaledObject: {e}"))
}

fn with_annotations(c: &Case) -> ScaledObject {
    let mut so = ScaledObject::default();
    so.metadata.annotations =
        serde_json::from_value(at(at(&c.data, "inputs"), "annotations").clone())
            .unwrap_or_default();
    so
}

fn expect(c: &Case) -> &Value {
    at(&c.data, "expect")
}

fn bool_result(c: &Case, got: bool) -> Outcome {
    let mut k = Checks::default();
    k.eq("result", Some(got), at(expect(c), "expectResult").as_bool());
    k.outcome()
}

fn error_result(c: &Case, got: keda_core::Result<()>) -> Outcome {
    let mut k = Checks::default();
    k.eq(
        "error",
        got.is_err(),
        at(expect(c), "expectedError").as_bool().unwrap_or(false),
    );
    if let (Err(e), Some(part)) = (&got, str_at(expect(c), "errorContains")) {
        let msg = e.to_string();
        if !msg.contains(part) {
            k.fail(format!("error {msg:?} does not contain {part:?}"));
        }
    }
    k.outcome()
}

fn fallback_valid(_: &Table, c: &Case) -> Outcome {
    match scaled_object(at(at(&c.data, "inputs"), "scaledObject")) {
        Ok(so) => error_result(c, validation::check_fallback_valid(&so)),
        Err(e) => Outcome::Fail(e),
    }
}

fn replica_bounds(_: &Table, c: &Case) -> Outcome {
    match scaled_object(at(at(&c.data, "inputs"), "scaledObject")) {
        Ok(so) => error_result(c, validation::check_replica_count_bounds(&so)),
        Err(e) => Outcome::Fail(e),
    }
}

fn has_paused(_: &Table, c: &Case) -> Outcome {
    bool_result(
        c,
        annotations::has_paused_annotation(with_annotations(c).annotations()),
    )
}

/// The test's `status.pausedReplicaCount` is not read by `NeedToBePausedByAnnotation`.
fn need_paused(_: &Table, c: &Case) -> Outcome {
    bool_result(c, with_annotations(c).need_to_be_paused())
}

fn using_modifiers(_: &Table, c: &Case) -> Outcome {
    match scaled_object(at(at(&c.data, "inputs"), "scaledObject")) {
        Ok(so) => bool_result(c, so.is_using_modifiers()),
        Err(e) => Outcome::Fail(e),
    }
}

fn opt_i32(v: &Value) -> Option<i32> {
    v.as_i64().and_then(|n| i32::try_from(n).ok())
}

fn hpa_replicas(_: &Table, c: &Case) -> Outcome {
    let i = at(&c.data, "inputs");
    let mut so = ScaledObject::default();
    so.spec.min_replica_count = opt_i32(at(i, "minReplicaCount"));
    so.spec.max_replica_count = opt_i32(at(i, "maxReplicaCount"));
    let mut k = Checks::default();
    k.eq(
        "min",
        Some(i64::from(so.hpa_min_replicas())),
        at(expect(c), "expectedMin").as_i64(),
    );
    k.eq(
        "max",
        Some(i64::from(so.hpa_max_replicas())),
        at(expect(c), "expectedMax").as_i64(),
    );
    k.outcome()
}

fn scaled_job_counts(_: &Table, c: &Case) -> Outcome {
    let i = at(&c.data, "inputs");
    let mut sj = ScaledJob::default();
    sj.spec.min_replica_count = opt_i32(at(i, "minReplicas"));
    sj.spec.max_replica_count = opt_i32(at(i, "maxReplicas"));
    let mut k = Checks::default();
    k.eq(
        "MaxReplicaCount()",
        Some(sj.max_replica_count()),
        at(expect(c), "expectedMax").as_i64(),
    );
    k.eq(
        "MinReplicaCount()",
        Some(sj.min_replica_count()),
        at(expect(c), "expectedMin").as_i64(),
    );
    k.outcome()
}

fn validate_triggers(_: &Table, c: &Case) -> Outcome {
    let go = json!({"Spec": {"Triggers": at(at(&c.data, "inputs"), "triggers")}});
    let so = match scaled_object(&go) {
        Ok(so) => so,
        Err(e) => return Outcome::Fail(e),
    };
    let want = str_at(expect(c), "expectedErrMsg").unwrap_or_default();
    let got = manifest::validate_triggers(&so.spec.triggers);
    let mut k = Checks::default();
    match got {
        Ok(()) => k.eq("error", "", want),
        // Our errors prefix KEDA's message with the field path and value; the message is KEDA's.
        Err(
            keda_core::Error::Invalid { message, .. } | keda_core::Error::Required { message, .. },
        ) => k.eq("error", message.as_str(), want),
        Err(e) => k.fail(format!("unexpected error kind: {e}")),
    }
    k.outcome()
}

fn paused_replica_count(_: &Table, c: &Case) -> Outcome {
    let mut k = Checks::default();
    for (i, row) in at(&c.data, "cases")
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let ann: BTreeMap<String, String> =
            serde_json::from_value(at(row, "annotations").clone()).unwrap_or_default();
        let got = annotations::paused_replica_count(&ann);
        let e = at(row, "expect");
        match got {
            Err(_) => k.eq(
                &format!("row {i} error"),
                true,
                at(e, "error").as_bool().unwrap_or(false),
            ),
            Ok(None) => k.eq(
                &format!("row {i} nil"),
                true,
                at(e, "nil").as_bool().unwrap_or(false),
            ),
            Ok(Some(n)) => k.eq(
                &format!("row {i} value"),
                Some(i64::from(n)),
                at(e, "value").as_i64(),
            ),
        }
    }
    k.outcome()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn triggers_activity(_: &Table, c: &Case) -> Outcome {
    let mut k = Checks::default();
    for (i, row) in at(&c.data, "cases")
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let existing: BTreeMap<String, TriggerActivityStatus> = at(row, "existing")
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, active)| {
                (
                    name.clone(),
                    TriggerActivityStatus::new(active.as_bool().unwrap_or(false)),
                )
            })
            .collect();
        let got = manifest::triggers_activity(
            &strings(at(row, "externalMetricNames")),
            &existing,
            &strings(at(row, "activeTriggers")),
            str_at(row, "forPushScalerMetric"),
        );
        let got: BTreeMap<String, bool> = got.into_iter().map(|(n, s)| (n, s.is_active)).collect();
        let want: BTreeMap<String, bool> =
            serde_json::from_value(at(row, "expect").clone()).unwrap_or_default();
        k.eq(&format!("row {i}"), got, want);
    }
    k.outcome()
}
