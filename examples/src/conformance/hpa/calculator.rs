//! Replica calculator tables: pod grouping, requests, and the `Get*Replicas` functions.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::super::check::{Checks, i64_at, str_at};
use super::super::{Case, Outcome, Table};
use super::{EVAL_NOW, GO_ZERO_TIME, age};
use keda_core::hpa::metrics::{MetricsSource, PodResourceUsage, StaticMetrics};
use keda_core::hpa::pods::{
    ConditionStatus, Container, Pod, PodMetrics, PodPhase, PodSample, Readiness, ReadyCondition,
    calculate_requests, group_pods,
};
use keda_core::hpa::replica_calculator::{ReplicaCalculator, Tolerances};
use keda_core::hpa::spec::MetricIdentifier;

pub(super) fn phase(s: &str) -> PodPhase {
    match s {
        "Pending" => PodPhase::Pending,
        "Succeeded" => PodPhase::Succeeded,
        "Failed" => PodPhase::Failed,
        "Unknown" => PodPhase::Unknown,
        _ => PodPhase::Running,
    }
}

pub(super) fn status(s: &str) -> ConditionStatus {
    match s {
        "True" => ConditionStatus::True,
        "False" => ConditionStatus::False,
        _ => ConditionStatus::Unknown,
    }
}

fn names(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn readiness(i: &Value) -> Readiness {
    Readiness {
        cpu_initialization_period_ms: i64_at(i, "cpuInitializationPeriodSeconds").unwrap_or(120)
            * 1000,
        delay_of_initial_readiness_ms: i64_at(i, "delayOfInitialReadinessStatusSeconds")
            .unwrap_or(10)
            * 1000,
    }
}

/// TestGroupPods.
pub(super) fn group(_: &Table, case: &Case) -> Outcome {
    let i = &case.data["inputs"];
    let e = &case.data["expected"];
    let mut pods = Vec::new();
    let mut metrics = PodMetrics::new();
    for p in i["pods"].as_array().into_iter().flatten() {
        let name = str_at(p, "name").unwrap_or_default().to_owned();
        let ready = p
            .get("readyCondition")
            .filter(|r| !r.is_null())
            .map(|r| ReadyCondition {
                status: status(str_at(r, "status").unwrap_or("")),
                last_transition: age(&r["lastTransitionAgeSeconds"]),
            });
        pods.push(Pod {
            name: name.clone(),
            phase: phase(str_at(p, "phase").unwrap_or("Running")),
            deleted: p.get("deleted").and_then(Value::as_bool).unwrap_or(false),
            start_time: Some(age(&p["startTimeAgeSeconds"])),
            ready,
            ..Pod::default()
        });
        if let Some(m) = p.get("metric").filter(|m| !m.is_null()) {
            metrics.insert(
                name,
                PodSample {
                    value_milli: i64_at(m, "value").unwrap_or(0),
                    timestamp: age(&m["timestampAgeSeconds"]),
                    window_ms: i64_at(m, "windowSeconds").unwrap_or(0) * 1000,
                },
            );
        }
    }
    let g = group_pods(
        &pods,
        &metrics,
        str_at(i, "resource").unwrap_or(""),
        readiness(i),
        EVAL_NOW,
    );
    let mut c = Checks::default();
    c.eq(
        "readyPodCount",
        g.ready_count as i64,
        i64_at(e, "readyPodCount").unwrap_or(-1),
    );
    c.eq(
        "unreadyPods",
        g.unready.into_iter().collect::<BTreeSet<_>>(),
        names(&e["unreadyPods"]),
    );
    c.eq(
        "missingPods",
        g.missing.into_iter().collect::<BTreeSet<_>>(),
        names(&e["missingPods"]),
    );
    c.eq(
        "ignoredPods",
        g.ignored.into_iter().collect::<BTreeSet<_>>(),
        names(&e["ignoredPods"]),
    );
    c.outcome()
}

/// TestCalculateRequests.
pub(super) fn requests(_: &Table, case: &Case) -> Outcome {
    let i = &case.data["inputs"];
    let e = &case.data["expected"];
    let resource = str_at(i, "resource").unwrap_or("cpu");
    let container = |c: &Value| Container {
        name: str_at(c, "name").unwrap_or_default().to_owned(),
        requests: i64_at(c, "requestMilli")
            .map(|v| BTreeMap::from([(resource.to_owned(), v)]))
            .unwrap_or_default(),
        restartable: str_at(c, "restartPolicy") == Some("Always"),
    };
    let pod = Pod {
        name: str_at(i, "podName").unwrap_or_default().to_owned(),
        containers: i["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(container)
            .collect(),
        init_containers: i["initContainers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(container)
            .collect(),
        pod_requests: i64_at(i, "podLevelRequestMilli")
            .map(|v| BTreeMap::from([(resource.to_owned(), v)]))
            .unwrap_or_default(),
        ..Pod::default()
    };
    let gate = i
        .pointer("/featureGates/PodLevelResources")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let got = calculate_requests(
        std::slice::from_ref(&pod),
        str_at(i, "container").unwrap_or(""),
        resource,
        gate,
    );
    let mut c = Checks::default();
    match (got, str_at(e, "error")) {
        (Err(err), Some(want)) => c.eq("error", err.to_string(), want.to_owned()),
        (Ok(r), None) => {
            let want: BTreeMap<String, i64> = e["requestsMilli"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(0)))
                .collect();
            c.eq(
                "requestsMilli",
                r.into_iter().collect::<BTreeMap<_, _>>(),
                want,
            );
        }
        (Ok(r), Some(want)) => c.fail(format!("expected error {want:?}, got {r:?}")),
        (Err(err), None) => c.fail(format!("unexpected error {err}")),
    }
    c.outcome()
}

/// The pods of the replica calculator fixture.
fn fixture_pods(i: &Value, with_requests: bool) -> Vec<Pod> {
    let n = i64_at(i, "derivedPodCount").unwrap_or(0).max(0) as usize;
    let at = |k: &str, idx: usize| i.get(k).and_then(|v| v.get(idx)).cloned();
    let reqs: Vec<i64> = i["requestMilliPerContainer"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect();
    let resource = str_at(i, "resource").unwrap_or("cpu");
    (0..n)
        .map(|idx| {
            let containers = ["container1", "container2"]
                .iter()
                .map(|name| Container {
                    name: (*name).to_owned(),
                    requests: reqs
                        .get(idx)
                        .filter(|_| with_requests)
                        .map(|r| BTreeMap::from([(resource.to_owned(), *r)]))
                        .unwrap_or_default(),
                    restartable: false,
                })
                .collect();
            Pod {
                name: format!("test-pod-{idx}"),
                labels: BTreeMap::from([("name".to_owned(), "test-pod".to_owned())]),
                phase: at("podPhase", idx)
                    .as_ref()
                    .and_then(Value::as_str)
                    .map_or(PodPhase::Running, phase),
                deleted: at("podDeletionTimestamp", idx)
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                start_time: Some(at("podStartAgeSeconds", idx).map_or(GO_ZERO_TIME, |v| age(&v))),
                ready: Some(ReadyCondition {
                    status: at("podReadiness", idx)
                        .as_ref()
                        .and_then(Value::as_str)
                        .map_or(ConditionStatus::True, status),
                    last_transition: GO_ZERO_TIME,
                }),
                containers,
                ..Pod::default()
            }
        })
        .collect()
}

/// The metrics of the replica calculator fixture.
fn fixture_metrics(i: &Value) -> StaticMetrics {
    let levels: Vec<i64> = i["metricLevelsMilli"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect();
    let resource = str_at(i, "resource").unwrap_or("cpu");
    let names: Vec<String> = i["metricPodNames"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let usage = i["containerUsageMilli"].as_array().map(|pods| {
        pods.iter()
            .enumerate()
            .map(|(idx, cs)| PodResourceUsage {
                pod: names
                    .get(idx)
                    .cloned()
                    .unwrap_or_else(|| format!("test-pod-{idx}")),
                timestamp: GO_ZERO_TIME,
                window_ms: 60_000,
                containers: cs
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(|(j, v)| {
                        (
                            format!("container{}", j + 1),
                            BTreeMap::from([(resource.to_owned(), v.as_i64().unwrap_or(0))]),
                        )
                    })
                    .collect(),
            })
            .collect()
    });
    let pods: PodMetrics = levels
        .iter()
        .enumerate()
        .map(|(idx, v)| {
            (
                format!("test-pod-{idx}"),
                PodSample {
                    value_milli: *v,
                    timestamp: GO_ZERO_TIME,
                    window_ms: 60_000,
                },
            )
        })
        .collect();
    StaticMetrics {
        resource: usage,
        pods: BTreeMap::from([("qps".to_owned(), pods)]),
        object: levels
            .first()
            .map(|v| BTreeMap::from([("qps".to_owned(), *v)]))
            .unwrap_or_default(),
        external: BTreeMap::from([("qps".to_owned(), levels.clone())]),
    }
}

/// (replicas, utilization, raw average, usage) of one `Get*Replicas` call.
type Calculated = (i32, Option<i64>, Option<i64>, Option<i64>);

/// The `Get*Replicas` tables of replica_calculator_test.go.
pub(super) fn replicas(_: &Table, case: &Case) -> Outcome {
    let i = &case.data["inputs"];
    let e = &case.data["expected"];
    let tol = Tolerances {
        scale_down: i
            .pointer("/tolerances/scaleDown")
            .and_then(Value::as_f64)
            .unwrap_or(0.1),
        scale_up: i
            .pointer("/tolerances/scaleUp")
            .and_then(Value::as_f64)
            .unwrap_or(0.1),
    };
    let current = i64_at(i, "currentReplicas").unwrap_or(0) as i32;
    let calc = ReplicaCalculator {
        readiness: readiness(i),
        pod_level_resources: false,
    };
    let src = fixture_metrics(i);
    let qps = MetricIdentifier {
        name: "qps".into(),
        selector: None,
    };
    let ready = i64_at(i, "readyReplicas")
        .or_else(|| i64_at(i, "derivedReadyRunningPods"))
        .unwrap_or(0) as i32;
    let status_replicas = i64_at(i, "statusReplicas").unwrap_or(0) as i32;
    let target = i64_at(i, "targetUsageMilli").unwrap_or(0);
    let per_pod = i64_at(i, "perPodTargetUsageMilli").unwrap_or(0);
    let resource = str_at(i, "resource").unwrap_or("cpu");
    let container = str_at(i, "container").unwrap_or("");
    // (replicas, utilization, raw average, usage)
    let got: Result<Calculated, String> = match str_at(i, "function").unwrap_or("") {
        "GetResourceReplicas" => {
            let pods = fixture_pods(i, true);
            let fetched = src
                .resource_metric(resource, container)
                .map_err(|e| format!("unable to get metrics for resource {resource}: {e}"));
            fetched.and_then(|m| match i64_at(i, "targetUtilization") {
                Some(u) => calc
                    .resource_replicas(
                        current, u as i32, resource, container, tol, &pods, m, EVAL_NOW,
                    )
                    .map(|p| {
                        (
                            p.replicas,
                            Some(i64::from(p.utilization)),
                            Some(p.raw_average_milli),
                            None,
                        )
                    })
                    .map_err(|e| e.to_string()),
                None => calc
                    .raw_resource_replicas(current, target, resource, tol, &pods, m, EVAL_NOW)
                    .map(|p| (p.replicas, None, None, Some(p.usage_milli)))
                    .map_err(|e| e.to_string()),
            })
        }
        "GetMetricReplicas" => {
            let pods = fixture_pods(i, false);
            src.pods_metric(&qps)
                .and_then(|m| {
                    calc.pods_metric_replicas(current, target, tol, &pods, m, EVAL_NOW)
                        .map_err(|e| e.to_string())
                })
                .map(|p| (p.replicas, None, None, Some(p.usage_milli)))
        }
        "GetObjectMetricReplicas" => src.object_metric(&qps, &Default::default()).map(|u| {
            let p = ReplicaCalculator::object_replicas(current, u, target, tol, ready);
            (p.replicas, None, None, Some(p.usage_milli))
        }),
        "GetObjectPerPodMetricReplicas" => src.object_metric(&qps, &Default::default()).map(|u| {
            let p = ReplicaCalculator::object_per_pod_replicas(status_replicas, u, per_pod, tol);
            (p.replicas, None, None, Some(p.usage_milli))
        }),
        "GetExternalMetricReplicas" => src.external_metric(&qps).map(|s| {
            let p = ReplicaCalculator::external_replicas(current, &s, target, tol, ready);
            (p.replicas, None, None, Some(p.usage_milli))
        }),
        "GetExternalPerPodMetricReplicas" => src.external_metric(&qps).map(|s| {
            let p = ReplicaCalculator::external_per_pod_replicas(status_replicas, &s, per_pod, tol);
            (p.replicas, None, None, Some(p.usage_milli))
        }),
        other => return Outcome::Fail(format!("unknown function {other}")),
    };
    let mut c = Checks::default();
    match (got, str_at(e, "errorContains")) {
        (Err(err), Some(want)) if err.contains(want) => {}
        (Err(err), want) => c.fail(format!("error {err:?}, want {want:?}")),
        (Ok(r), Some(want)) => c.fail(format!("expected error containing {want:?}, got {r:?}")),
        (Ok((replicas, util, raw, usage)), None) => {
            c.eq(
                "replicas",
                i64::from(replicas),
                i64_at(e, "replicas").unwrap_or(-1),
            );
            if let Some(w) = i64_at(e, "utilization") {
                c.eq("utilization", util, Some(w));
            }
            if let Some(w) = i64_at(e, "rawAverageValueMilli") {
                c.eq("rawAverageValueMilli", raw, Some(w));
            }
            if let Some(w) = i64_at(e, "usageMilli") {
                c.eq("usageMilli", usage, Some(w));
            }
        }
    }
    c.outcome()
}
