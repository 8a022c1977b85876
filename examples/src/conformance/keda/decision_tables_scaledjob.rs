//! `scaledjob.json`: KEDA's ScaledJob tests (`scale_jobs_test.go`, `scaledjob/metrics_test.go`,
//! `scale_handler_test.go`), replayed against `keda_core::scaledjob`.

use std::collections::BTreeMap;

use keda_core::clock::Instant;
use keda_core::scaledjob::{
    JobFinish, JobInfo, JobPod, MultipleScalersCalculation, ScaledJobSpec, ScalerMetrics,
    ScalingStrategy, aggregate, history_to_delete, jobs_to_create, new_job_meta,
    running_and_pending,
};
use keda_core::scaler::{MetricTargetType, MetricValue, ScalerMetricSpec};
use serde_json::Value;

use super::super::super::check::{Checks, f64_at, i64_at, str_at};
use super::super::super::{Case, Handler, Outcome, Table};

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "TestGetPendingJobCount.testPendingJobTestData" => pending_table,
        "manual:TestAreAllPendingPodConditionsFulfilledBugScenario" => pending_manual,
        "manual:TestDefaultScalingStrategy"
        | "manual:TestCustomScalingStrategy"
        | "manual:TestCustomScalingStrategyNilQueueLengthDeduction"
        | "manual:TestAccurateScalingStrategy" => strategy_rows,
        "manual:TestNewNewScalingStrategy" => strategy_selection,
        "manual:TestRunningJobCountSmallerMinReplicaCount"
        | "manual:TestRunningJobCountGreaterOrEqualMinReplicaCountExecutesScalingStrategy" => {
            scaling_decision
        }
        n if n.starts_with("manual:TestGetScaledJobState") => job_state,
        "manual:TestCleanUpNormalCase" | "manual:TestCleanUpMixedCaseWithSortByTime" => clean_up,
        "manual:TestCreateJobs" => create_jobs,
        _ => return None,
    })
}

fn strings(v: &Value) -> Vec<String> {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

/// A `v1.PodStatus` of the vectors: `Phase` and `Conditions[{Type, Status}]`.
fn pod_of(v: &Value) -> JobPod {
    JobPod {
        phase: str_at(v, "Phase").unwrap_or_default().to_owned(),
        true_conditions: v["Conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| str_at(c, "Status") == Some("True"))
            .filter_map(|c| str_at(c, "Type").map(str::to_owned))
            .collect(),
    }
}

fn pending_of(pods: Vec<JobPod>, conditions: &[String]) -> i64 {
    running_and_pending(
        &[JobInfo {
            name: "job".into(),
            pods,
            ..Default::default()
        }],
        conditions,
    )
    .1
}

fn pending_table(_: &Table, case: &Case) -> Outcome {
    let inputs = &case.data["inputs"];
    let pods: Vec<JobPod> = match inputs.get("PodStatuses") {
        Some(list) => list.as_array().into_iter().flatten().map(pod_of).collect(),
        None => vec![pod_of(&inputs["PodStatus"])],
    };
    let mut c = Checks::default();
    let got = pending_of(pods, &strings(&inputs["PendingPodConditions"]));
    c.eq(
        "PendingJobCount",
        Some(got),
        i64_at(&case.data["expect"], "PendingJobCount"),
    );
    c.outcome()
}

fn pending_manual(_: &Table, case: &Case) -> Outcome {
    let inputs = &case.data["inputs"];
    let pods = inputs["pods"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| JobPod {
            phase: String::new(),
            true_conditions: strings(&p["conditions"]),
        })
        .collect();
    let mut c = Checks::default();
    let got = pending_of(pods, &strings(&inputs["pendingPodConditions"]));
    c.eq(
        "pendingJobCount",
        Some(got),
        i64_at(&case.data["expect"], "pendingJobCount"),
    );
    c.outcome()
}

fn select(strategy: &str, params: &Value) -> ScalingStrategy {
    ScalingStrategy::select(
        strategy,
        i64_at(params, "customScalingQueueLengthDeduction").map(|d| d as i32),
        str_at(params, "customScalingRunningJobPercentage").unwrap_or_default(),
    )
}

/// `GetEffectiveMaxScale(maxScale, running, pending, maxReplicaCount, scaleTo)` rows, or the
/// strategy a parameter set selects.
fn strategy_rows(_: &Table, case: &Case) -> Outcome {
    let d = &case.data;
    let strategy = select(str_at(d, "strategy").unwrap_or_default(), &d["params"]);
    let mut c = Checks::default();
    if let Some(want) = str_at(&d["expect"], "selectedStrategy") {
        c.eq("selectedStrategy", strategy_name(strategy), want);
    }
    for (i, row) in d["cases"].as_array().into_iter().flatten().enumerate() {
        let a: Vec<i64> = serde_json::from_value(row["in"].clone()).unwrap_or_default();
        let [max_scale, running, pending, max_replicas, scale_to] = a.as_slice() else {
            c.fail(format!("row {i}: `in` is not 5 integers"));
            continue;
        };
        let (effective, _) =
            strategy.effective_max_scale(*max_scale, *running, *pending, *max_replicas, *scale_to);
        c.eq(
            &format!("row {i} effectiveMaxScale"),
            Some(effective),
            i64_at(row, "effectiveMaxScale"),
        );
    }
    c.outcome()
}

fn strategy_name(s: ScalingStrategy) -> &'static str {
    match s {
        ScalingStrategy::Default => "default",
        ScalingStrategy::Custom { .. } => "custom",
        ScalingStrategy::Accurate => "accurate",
        ScalingStrategy::Eager => "eager",
    }
}

fn strategy_selection(_: &Table, case: &Case) -> Outcome {
    let mut c = Checks::default();
    for row in case.data["cases"].as_array().into_iter().flatten() {
        let name = str_at(row, "strategy").unwrap_or_default();
        let name = if name == "(unset)" { "" } else { name };
        let params = serde_json::json!({
            "customScalingQueueLengthDeduction": row.get("deduction"),
            "customScalingRunningJobPercentage": row.get("percentage"),
        });
        c.eq(
            name,
            strategy_name(select(name, &params)),
            str_at(row, "selected").unwrap_or_default(),
        );
    }
    c.outcome()
}

fn scaling_decision(_: &Table, case: &Case) -> Outcome {
    let i = &case.data["inputs"];
    let spec = ScaledJobSpec {
        min_replica_count: i64_at(i, "minReplicaCount").map(|m| m as i32),
        strategy: select(str_at(i, "strategy").unwrap_or_default(), &Value::Null),
        ..Default::default()
    };
    let at = |k| i64_at(i, k).unwrap_or(0);
    let (effective, scale_to) = spec.scaling_decision(
        at("runningJobCount"),
        at("scaleTo"),
        at("maxScale"),
        at("pendingJobCount"),
    );
    let mut c = Checks::default();
    c.eq(
        "effectiveMaxScale",
        Some(effective),
        i64_at(&case.data["expect"], "effectiveMaxScale"),
    );
    c.eq(
        "scaleTo",
        Some(scale_to),
        i64_at(&case.data["expect"], "scaleTo"),
    );
    c.outcome()
}

/// Mock scalers, each one metric equal to its queue length with an AverageValue target.
fn job_state(_: &Table, case: &Case) -> Outcome {
    let i = &case.data["inputs"];
    let spec = ScaledJobSpec {
        min_replica_count: i64_at(i, "minReplicaCount").map(|m| m as i32),
        max_replica_count: i64_at(i, "maxReplicaCount").map(|m| m as i32),
        ..Default::default()
    };
    let metric = str_at(i, "metricName").unwrap_or("queueLength");
    let scalers: Vec<ScalerMetrics> = i["scalers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let milli = |k| (f64_at(s, k).unwrap_or(0.0) * 1000.0) as i64;
            let spec_ = ScalerMetricSpec {
                metric_name: metric.into(),
                target_type: MetricTargetType::AverageValue,
                target_milli: milli("targetAverageValue"),
            };
            let value = MetricValue {
                metric_name: metric.into(),
                value_milli: milli("queueLength"),
            };
            ScalerMetrics::from_read(
                &[value],
                &[spec_],
                spec.max_replicas(),
                s["isActive"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    let calc = MultipleScalersCalculation::parse(
        str_at(i, "multipleScalersCalculation").unwrap_or_default(),
    );
    let state = aggregate(&scalers, calc, spec.min_replicas(), spec.max_replicas());
    let e = &case.data["expect"];
    let mut c = Checks::default();
    c.eq("isActive", Some(state.is_active), e["isActive"].as_bool());
    // `isError` is false in every row: no mock scaler fails, and the aggregation has no error path.
    c.eq(
        "queueLength",
        Some(state.scale_to),
        i64_at(e, "queueLength"),
    );
    c.eq("maxValue", Some(state.max_scale), i64_at(e, "maxValue"));
    c.outcome()
}

fn clean_up(_: &Table, case: &Case) -> Outcome {
    let i = &case.data["inputs"];
    let rows = i["jobs"].as_array().cloned().unwrap_or_default();
    // RFC 3339 timestamps in one format sort as strings; their rank stands in for the instant.
    let mut times: Vec<&str> = rows.iter().filter_map(|j| str_at(j, "completed")).collect();
    times.sort_unstable();
    let jobs: Vec<JobInfo> = rows
        .iter()
        .map(|j| JobInfo {
            name: str_at(j, "name").unwrap_or_default().to_owned(),
            finished: match str_at(j, "condition") {
                Some("Complete") => Some(JobFinish::Complete),
                Some("Failed") => Some(JobFinish::Failed),
                _ => None,
            },
            completion_time: str_at(j, "completed")
                .and_then(|t| times.iter().position(|x| *x == t))
                .map(|rank| Instant::from_secs(rank as i64)),
            pods: Vec::new(),
        })
        .collect();
    let limit = |k| i64_at(i, k).unwrap_or(100) as i32;
    let mut deleted = history_to_delete(
        &jobs,
        limit("successfulJobsHistoryLimit"),
        limit("failedJobsHistoryLimit"),
    );
    deleted.sort();
    let e = &case.data["expect"];
    let mut c = Checks::default();
    for want in strings(&e["deletedIncludes"]) {
        if !deleted.contains(&want) {
            c.fail(format!("deleted {deleted:?} does not include {want}"));
        }
    }
    if let Some(n) = i64_at(e, "deletedCount") {
        c.eq("deletedCount", deleted.len() as i64, n);
    }
    if e.get("deleted").is_some() {
        let mut want = strings(&e["deleted"]);
        want.sort();
        c.eq("deleted", deleted, want);
    }
    c.outcome()
}

fn create_jobs(_: &Table, case: &Case) -> Outcome {
    let i = &case.data["inputs"];
    let meta = new_job_meta(
        str_at(i, "scaledJobName").unwrap_or_default(),
        str_at(i, "namespace").unwrap_or_default(),
        &BTreeMap::new(),
        &BTreeMap::new(),
        0,
        "test",
    );
    let e = &case.data["expect"];
    let mut c = Checks::default();
    c.eq(
        "jobsCreated",
        Some(jobs_to_create(
            i64_at(i, "scaleTo").unwrap_or(0),
            i64_at(i, "maxScale").unwrap_or(0),
        )),
        i64_at(e, "jobsCreated"),
    );
    c.eq(
        "generateName",
        Some(meta.generate_name.as_str()),
        str_at(e, "generateName"),
    );
    c.eq(
        "namespace",
        Some(meta.namespace.as_str()),
        str_at(e, "namespace"),
    );
    c.outcome()
}
