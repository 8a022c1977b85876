//! Controller tables (horizontal_test.go's `runTest` fixtures) replayed through `HpaController`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;

use super::super::check::{Checks, i64_at, str_at};
use super::super::{Case, Outcome, Table};
use super::calculator::{phase, status};
use super::{EVAL_NOW, FIXTURE_NOW, GO_ZERO_TIME, age};
use keda_core::hpa::conditions::HpaCondition;
use keda_core::hpa::metrics::{MetricsSource, PodResourceUsage, StaticMetrics};
use keda_core::hpa::pods::{Container, Pod, PodMetrics, PodSample, ReadyCondition};
use keda_core::hpa::selector::Selector;
use keda_core::hpa::spec::{CrossVersionObjectReference, MetricIdentifier};
use keda_core::hpa::stabilization::Recommendation;
use keda_core::hpa::{
    ControllerConfig, HpaController, HpaSpec, HpaStatus, MetricSourceType, MetricStatus,
    Observation, Scale,
};

/// A metrics source whose APIs can be made to fail, as the fixture's reactors do.
struct Fixture {
    inner: StaticMetrics,
    all_fail: bool,
    external_fails: bool,
}

impl MetricsSource for Fixture {
    fn resource_metric(&self, r: &str, c: &str) -> Result<PodMetrics, String> {
        if self.all_fail {
            Err("injected failure".into())
        } else {
            self.inner.resource_metric(r, c)
        }
    }
    fn pods_metric(&self, m: &MetricIdentifier) -> Result<PodMetrics, String> {
        if self.all_fail {
            Err("injected failure".into())
        } else {
            self.inner.pods_metric(m)
        }
    }
    fn object_metric(
        &self,
        m: &MetricIdentifier,
        o: &CrossVersionObjectReference,
    ) -> Result<i64, String> {
        if self.all_fail {
            Err("injected failure".into())
        } else {
            self.inner.object_metric(m, o)
        }
    }
    fn external_metric(&self, m: &MetricIdentifier) -> Result<Cow<'_, [i64]>, String> {
        if self.all_fail || self.external_fails {
            Err("injected failure".into())
        } else {
            self.inner.external_metric(m)
        }
    }
}

/// The fixture annotates behavior rules with the controller's effective window
/// (`stabilizationWindowSecondsEffective`), which is not an API field: the controller derives it.
fn without_annotations(behavior: Option<&Value>) -> Value {
    let mut b = behavior.cloned().unwrap_or(Value::Null);
    for dir in ["scaleUp", "scaleDown"] {
        if let Some(rules) = b.get_mut(dir).and_then(Value::as_object_mut) {
            rules.remove("stabilizationWindowSecondsEffective");
        }
    }
    b
}

/// The fixture writes targets as `valueMilli`/`averageValueMilli`; the API uses quantities.
fn to_api_metric(m: &Value) -> Value {
    match m {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| match (k.as_str(), v.as_i64()) {
                    ("valueMilli", Some(n)) => ("value".to_owned(), Value::String(format!("{n}m"))),
                    ("averageValueMilli", Some(n)) => {
                        ("averageValue".to_owned(), Value::String(format!("{n}m")))
                    }
                    _ => (k.clone(), to_api_metric(v)),
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(to_api_metric).collect()),
        other => other.clone(),
    }
}

fn conditions(v: &Value) -> Vec<(String, String, String)> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                str_at(c, "type").unwrap_or("").to_owned(),
                str_at(c, "status").unwrap_or("").to_owned(),
                str_at(c, "reason").unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn triples(cs: &[HpaCondition]) -> Vec<(String, String, String)> {
    cs.iter()
        .map(|c| {
            (
                c.type_.to_string(),
                c.status.as_str().to_owned(),
                c.reason.to_string(),
            )
        })
        .collect()
}

fn labels(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_else(|| BTreeMap::from([("name".to_owned(), "test-pod".to_owned())]))
}

fn config(t: &Table, i: &Value) -> ControllerConfig {
    let h = t
        .doc
        .pointer("/harness/controllerConfig")
        .cloned()
        .unwrap_or(Value::Null);
    let mut cfg = ControllerConfig::upstream_tests();
    cfg.tolerance = h
        .get("tolerance")
        .and_then(Value::as_f64)
        .unwrap_or(cfg.tolerance);
    cfg.cpu_initialization_period_seconds = i64_at(&h, "cpuInitializationPeriodSeconds")
        .unwrap_or(cfg.cpu_initialization_period_seconds);
    cfg.delay_of_initial_readiness_status_seconds =
        i64_at(&h, "delayOfInitialReadinessStatusSeconds")
            .unwrap_or(cfg.delay_of_initial_readiness_status_seconds);
    cfg.downscale_stabilization_window_seconds = i64_at(&h, "downscaleStabilizationWindowSeconds")
        .unwrap_or(cfg.downscale_stabilization_window_seconds);
    cfg.scale_up_limit_factor = h
        .get("scaleUpLimitFactor")
        .and_then(Value::as_f64)
        .unwrap_or(cfg.scale_up_limit_factor);
    cfg.scale_up_limit_minimum = h
        .get("scaleUpLimitMinimum")
        .and_then(Value::as_f64)
        .unwrap_or(cfg.scale_up_limit_minimum);
    if let Some(g) = i
        .pointer("/featureGates/HPAScaleToZero")
        .and_then(Value::as_bool)
    {
        cfg.gates.scale_to_zero = g;
    }
    if let Some(g) = i
        .pointer("/featureGates/HPAConfigurableTolerance")
        .and_then(Value::as_bool)
    {
        cfg.gates.configurable_tolerance = g;
    }
    cfg
}

/// One `runTest` fixture.
pub(super) fn reconcile(t: &Table, case: &Case) -> Outcome {
    let i = &case.data["inputs"];
    let e = &case.data["expected"];
    let setup = i.get("setup").cloned().unwrap_or(Value::Null);
    let flag = |k: &str| setup.get(k).and_then(Value::as_bool).unwrap_or(false);
    let int = |k: &str| i64_at(i, k).unwrap_or(0) as i32;
    let override_hpa = setup.get("hpaOverride");

    let metrics = override_hpa
        .and_then(|o| o.get("metrics"))
        .unwrap_or(&i["metrics"]);
    let spec_json = serde_json::json!({
        "scaleTargetRef": {"kind": i.get("scaleTargetKind").and_then(Value::as_str).unwrap_or("ReplicationController"), "name": "test-rc", "apiVersion": "v1"},
        "minReplicas": i.get("minReplicas"),
        "maxReplicas": i.get("maxReplicas"),
        "metrics": to_api_metric(metrics),
        "behavior": without_annotations(i.get("behavior")),
    });
    let spec: HpaSpec = match serde_json::from_value(spec_json) {
        Ok(s) => s,
        Err(err) => return Outcome::Fail(format!("spec: {err}")),
    };

    // Pods and metrics of the fixture.
    let requests: Option<Vec<i64>> = i["reportedCPURequestsMilli"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect());
    let pod_count = requests
        .as_ref()
        .map_or(int("statusReplicas").max(0) as usize, Vec::len);
    let at = |k: &str, idx: usize| i.get(k).and_then(|v| v.get(idx)).cloned();
    let pod_labels = labels(setup.get("podLabels"));
    let pods: Vec<Pod> = (0..pod_count)
        .map(|idx| {
            let start = at("reportedPodStartAgeSeconds", idx).map_or(GO_ZERO_TIME, |v| age(&v));
            let req = requests
                .as_ref()
                .and_then(|r| r.get(idx).copied())
                .unwrap_or(1000)
                / 2;
            Pod {
                name: format!("test-pod-{idx}"),
                labels: pod_labels.clone(),
                phase: at("reportedPodPhase", idx)
                    .as_ref()
                    .and_then(Value::as_str)
                    .map_or(Default::default(), phase),
                deleted: at("reportedPodDeletionTimestamp", idx)
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                start_time: Some(start),
                ready: Some(ReadyCondition {
                    status: at("reportedPodReadiness", idx)
                        .as_ref()
                        .and_then(Value::as_str)
                        .map_or(keda_core::hpa::pods::ConditionStatus::True, status),
                    last_transition: start,
                }),
                containers: ["container1", "container2"]
                    .iter()
                    .map(|n| Container {
                        name: (*n).to_owned(),
                        requests: BTreeMap::from([("cpu".to_owned(), req)]),
                        restartable: false,
                    })
                    .collect(),
                ..Pod::default()
            }
        })
        .collect();
    let levels: Vec<i64> = i["reportedLevels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect();
    let usage = levels
        .iter()
        .enumerate()
        .map(|(idx, l)| PodResourceUsage {
            pod: format!("test-pod-{idx}"),
            timestamp: FIXTURE_NOW,
            window_ms: 60_000,
            containers: ["container1", "container2"]
                .iter()
                .map(|n| ((*n).to_owned(), BTreeMap::from([("cpu".to_owned(), l / 2)])))
                .collect(),
        })
        .collect();
    let per_pod: PodMetrics = levels
        .iter()
        .enumerate()
        .map(|(idx, l)| {
            (
                format!("test-pod-{idx}"),
                PodSample {
                    value_milli: *l,
                    timestamp: FIXTURE_NOW,
                    window_ms: 60_000,
                },
            )
        })
        .collect();
    let src = Fixture {
        inner: StaticMetrics {
            resource: Some(usage),
            pods: BTreeMap::from([("qps".to_owned(), per_pod)]),
            object: levels
                .first()
                .map(|l| BTreeMap::from([("qps".to_owned(), *l)]))
                .unwrap_or_default(),
            external: BTreeMap::from([("qps".to_owned(), levels.clone())]),
        },
        all_fail: flag("metricsAPIsFail"),
        external_fails: flag("externalMetricsAPIFails"),
    };

    let scale = if flag("getScaleFails") {
        Err("injected get scale failure".to_owned())
    } else {
        Ok(Scale {
            spec_replicas: int("specReplicas"),
            status_replicas: int("statusReplicas"),
            ready_replicas: None,
            selector: setup
                .get("scaleSelector")
                .and_then(Value::as_str)
                .unwrap_or("name=test-pod")
                .to_owned(),
        })
    };
    let others: Vec<Selector> = setup["otherHPASelectors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| Selector::from_match_labels(&labels(o.get("matchLabels"))))
        .collect();

    let initial_conditions = |msgs: &[HpaCondition], list: &Value| -> Vec<HpaCondition> {
        conditions(list)
            .into_iter()
            .map(|(ty, st, reason)| HpaCondition {
                message: msgs
                    .iter()
                    .find(|c| c.type_ == ty)
                    .map(|c| c.message.clone())
                    .unwrap_or_default(),
                type_: Cow::Owned(ty),
                status: status(&st),
                reason: Cow::Owned(reason),
                last_transition: GO_ZERO_TIME,
            })
            .collect()
    };
    let mut base_status = HpaStatus {
        current_replicas: int("specReplicas"),
        desired_replicas: int("specReplicas"),
        current_metrics: Vec::new(),
        conditions: initial_conditions(&[], &i["initialConditions"]),
        last_scale_time: i
            .get("lastScaleTimeAgeSeconds")
            .filter(|v| !v.is_null())
            .map(age),
    };
    let implied = e.get("impliedUnchangedStatus");
    if let Some(imp) = implied {
        base_status.current_replicas = i64_at(imp, "currentReplicas").unwrap_or(0) as i32;
        base_status.desired_replicas = i64_at(imp, "desiredReplicas").unwrap_or(0) as i32;
        base_status.current_metrics = vec![Some(MetricStatus {
            type_: MetricSourceType::Resource,
            name: "cpu".into(),
            value_milli: None,
            average_value_milli: i64_at(imp, "cpuAverageValueMilli"),
            average_utilization: i64_at(imp, "cpuAverageUtilization").map(|v| v as i32),
        })];
    }

    let history: Option<Vec<Recommendation>> = i["recommendations"].as_array().map(|a| {
        a.iter()
            .map(|r| Recommendation {
                replicas: i64_at(r, "replicas").unwrap_or(0) as i32,
                at: age(&r["ageSeconds"]),
            })
            .collect()
    });
    let new_controller = || {
        let mut ctl = HpaController::new(config(t, i));
        if let Some(h) = &history {
            ctl.set_recommendations(h.clone());
        }
        ctl
    };
    let run = |status: &HpaStatus| {
        let mut status = status.clone();
        let obs = Observation {
            scale: scale.as_ref().map_err(String::as_str),
            pods: &pods,
            metrics: &src,
            other_selectors: &others,
        };
        let mut writes = Vec::new();
        let mut conflicted = !flag("firstScaleUpdateConflicts");
        let mut write = |r: i32| {
            writes.push(r);
            if flag("updateScaleFails") {
                return Err("injected update scale failure".to_owned());
            }
            // A conflict on the first update is retried after re-reading the scale.
            if !conflicted {
                conflicted = true;
            }
            Ok(())
        };
        let out = new_controller().reconcile(EVAL_NOW, &spec, &mut status, &obs, &mut write);
        (out, status, writes)
    };
    if let Some(imp) = implied {
        // The HPA already carries what the controller computes, messages included.
        let (_, scratch, _) = run(&base_status);
        base_status.conditions = initial_conditions(&scratch.conditions, &imp["conditions"]);
    }
    let (out, new_status, writes) = run(&base_status);

    let mut c = Checks::default();
    c.eq(
        "desiredReplicas",
        i64::from(out.desired_replicas),
        i64_at(e, "desiredReplicas").unwrap_or(-1),
    );
    if let Some(want) = e.get("conditions").filter(|v| v.is_array()) {
        c.eq(
            "conditions",
            triples(&new_status.conditions),
            conditions(want),
        );
    }
    if let Some(want) = implied.map(|imp| &imp["conditions"]) {
        c.eq(
            "conditions",
            triples(&new_status.conditions),
            conditions(want),
        );
    }
    if let Some(want) = e.get("scaleUpdated").and_then(Value::as_bool) {
        c.eq("scaleUpdated", out.rescaled, want);
    }
    if let Some(want) = e.get("statusUpdate").and_then(Value::as_bool) {
        c.eq("statusUpdate", out.status_changed, want);
    }
    if let Some(want) = i64_at(e, "cpuUtilization") {
        let got = new_status
            .current_metrics
            .iter()
            .flatten()
            .find(|m| m.type_ == MetricSourceType::Resource && m.name == "cpu")
            .and_then(|m| m.average_utilization);
        c.eq("cpuUtilization", got.map(i64::from), Some(want));
    }
    if out.rescaled {
        c.eq(
            "written replicas",
            writes.last().copied(),
            Some(out.desired_replicas),
        );
    }
    c.outcome()
}
