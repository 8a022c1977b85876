//! One object's work items, run as tasks: the scale loop's poll (KEDA's `checkScalers`) and the
//! HPA's sync against the metrics the KEDA metrics adapter would serve (`GetScaledObjectMetrics`).

use std::time::Duration;

use tracing::{debug, warn};

use super::spec::Prepared;
use super::target::ScaleTarget;
use crate::Error;
use crate::clock::Instant;
use crate::conditions::{ConditionStatus, ConditionType, Conditions};
use crate::error::ScalerErrorKind;
use crate::fallback::{FallbackStatus, KnownReplicas, metrics_with_fallback};
use crate::lifecycle::{
    ExecutorInput, ExecutorStatus, HpaObservation, KedaHpa, MetricRead, ScaledObjectState,
    TriggerRead, request_scale, scaled_object_state,
};
use crate::scaler::{MetricTargetType, MetricValue, MetricsAndActivity};

/// The last poll's result for one metric of a `useCachedMetrics` trigger.
#[derive(Debug, Clone)]
pub(crate) struct CachedRecord {
    pub active: bool,
    pub result: Result<Vec<MetricValue>, Error>,
}

/// The mutable state of one ScaledObject between polls.
#[derive(Debug)]
pub(crate) struct ObjectState {
    /// `status.health` and `status.conditions`.
    pub status: FallbackStatus,
    pub last_active_time: Option<Instant>,
    pub creation_time: Instant,
    /// `status.originalReplicaCount`.
    pub original_replicas: Option<i32>,
    /// Per external metric (flattened, see `Prepared::metrics`): active at the last poll.
    pub activity: Vec<bool>,
    /// Per external metric: the cached record (only for `useCachedMetrics` triggers).
    pub cache: Vec<Option<CachedRecord>>,
    pub hpa: Option<Box<KedaHpa>>,
}

impl ObjectState {
    pub fn new(p: &Prepared, now: Instant, hpa: Option<KedaHpa>) -> Self {
        let n = p.metrics().count();
        let cached = p.spec.triggers.iter().any(|t| t.use_cached_metrics);
        Self {
            status: FallbackStatus {
                health: Default::default(),
                conditions: Conditions::initialized(),
            },
            last_active_time: None,
            creation_time: now,
            original_replicas: None,
            activity: vec![false; n],
            cache: if cached { vec![None; n] } else { Vec::new() },
            hpa: hpa.map(Box::new),
        }
    }
}

/// What a poll found, for the engine's observer.
#[derive(Debug, Clone, PartialEq)]
pub struct PollReport {
    /// When.
    pub at: Instant,
    /// `namespace/name` of the ScaledObject.
    pub object: String,
    /// The object was paused (nothing was polled).
    pub paused: bool,
    /// The aggregate state (activity, error, metrics).
    pub state: ScaledObjectState,
    /// Per external metric name, whether its trigger is active (`status.triggersActivity`).
    pub triggers_activity: Vec<(String, bool)>,
    /// Replicas before the poll, if readable.
    pub replicas_before: Option<i32>,
    /// The replica count the executor wrote, if any.
    pub scaled_to: Option<i32>,
}

/// Reads one metric with a deadline; a timeout is a scaler error.
async fn read_metric(
    p: &Prepared,
    trigger: usize,
    metric: &str,
    timeout: Duration,
) -> Result<MetricsAndActivity, Error> {
    let Some(t) = p.spec.triggers.get(trigger) else {
        return Err(Error::Metric(format!("no trigger {trigger}")));
    };
    match tokio::time::timeout(timeout, t.scaler.metrics_and_activity(metric)).await {
        Ok(r) => r,
        Err(_) => Err(Error::scaler(
            &t.trigger_type,
            ScalerErrorKind::Timeout,
            format!("no answer for {metric} within {timeout:?}"),
        )),
    }
}

/// Polls (or reads from the cache, when `use_cache`) every external metric and passes each through
/// fallback. Returns the trigger reads in trigger order.
async fn read_triggers(
    p: &Prepared,
    st: &mut ObjectState,
    counts: &mut KnownReplicas,
    timeout: Duration,
    use_cache: bool,
    store_cache: bool,
) -> Vec<TriggerRead> {
    let mut reads: Vec<TriggerRead> = p
        .spec
        .triggers
        .iter()
        .map(|t| TriggerRead {
            trigger_name: t.name.clone(),
            trigger_type: t.trigger_type.clone(),
            spec_error: None,
            metrics: Vec::new(),
        })
        .collect();
    let fallback = p.fallback();
    for (index, (trigger, spec)) in p.metrics().enumerate() {
        let cached_trigger = p
            .spec
            .triggers
            .get(trigger)
            .is_some_and(|t| t.use_cached_metrics);
        let cached = if use_cache && cached_trigger {
            st.cache.get(index).cloned().flatten()
        } else {
            None
        };
        let (raw, active) = match cached {
            Some(rec) => (rec.result, rec.active),
            None => match read_metric(p, trigger, &spec.metric_name, timeout).await {
                Ok(m) => (Ok(m.values), m.active),
                Err(e) => {
                    debug!(metric = %spec.metric_name, error = %e, "scaler error");
                    (Err(e), false)
                }
            },
        };
        let out = metrics_with_fallback(
            &fallback,
            &mut st.status,
            &spec.metric_name,
            spec,
            raw,
            counts,
        );
        let read = MetricRead {
            metric_name: spec.metric_name.clone(),
            result: out.result,
            active,
            fallback_active: out.fallback_active,
        };
        if store_cache
            && cached_trigger
            && let Some(slot) = st.cache.get_mut(index)
        {
            *slot = Some(CachedRecord {
                active: read.active_or_fallback(),
                result: read.result.clone(),
            });
        }
        if let Some(r) = reads.get_mut(trigger) {
            r.metrics.push(read);
        }
    }
    reads
}

/// Replica counts fallback may need, read up front (ready pods only when a Value target exists).
async fn counts(p: &Prepared, target: &dyn ScaleTarget, current: Option<i32>) -> KnownReplicas {
    let value_target = p
        .metrics()
        .any(|(_, s)| s.target_type == MetricTargetType::Value)
        || p.spec
            .scaling_modifiers
            .as_ref()
            .is_some_and(|m| m.metric_type == Some(MetricTargetType::Value));
    let ready = if value_target && p.spec.fallback.is_some() {
        target.ready_replicas(&p.key).await.ok()
    } else {
        None
    };
    KnownReplicas { current, ready }
}

/// KEDA's `checkScalers` for a ScaledObject: read every trigger, decide, write.
pub(crate) async fn poll(
    p: &Prepared,
    st: &mut ObjectState,
    target: &dyn ScaleTarget,
    now: Instant,
    timeout: Duration,
    want_report: bool,
) -> Option<PollReport> {
    let object = if want_report {
        format!("{}/{}", p.spec.namespace, p.spec.name)
    } else {
        String::new()
    };
    let current = target.replicas(&p.key).await.map_err(|e| e.to_string());
    if let Ok(c) = current {
        st.original_replicas.get_or_insert(c);
    }
    let mut report = PollReport {
        at: now,
        object,
        paused: p.annotations.paused,
        state: ScaledObjectState::default(),
        triggers_activity: Vec::new(),
        replicas_before: current.as_ref().ok().copied(),
        scaled_to: None,
    };
    if p.annotations.paused {
        // The reconciler stops the loop, deletes the HPA and pins paused-replicas.
        st.status.conditions.set(
            ConditionType::Paused,
            ConditionStatus::True,
            "ScaledObjectPaused",
            "ScaledObject is paused",
        );
        if let (Some(n), Ok(c)) = (p.annotations.paused_replicas, &current)
            && *c != n
            && target.set_replicas(&p.key, n).await.is_ok()
        {
            report.scaled_to = Some(n);
        }
        return want_report.then_some(report);
    }
    if st.status.conditions.is_true(ConditionType::Paused) {
        st.status.conditions.set(
            ConditionType::Paused,
            ConditionStatus::False,
            "ScaledObjectUnpaused",
            "pause annotation removed for ScaledObject",
        );
    }
    let mut known = counts(p, target, current.as_ref().ok().copied()).await;
    let reads = read_triggers(p, st, &mut known, timeout, false, true).await;
    let state = scaled_object_state(
        &reads,
        p.modifiers.as_ref(),
        &p.fallback(),
        &st.status.health,
    );
    for ((_, spec), active) in p.metrics().zip(st.activity.iter_mut()) {
        *active = state.active_triggers.contains(&spec.metric_name);
    }
    if want_report {
        report.triggers_activity = p
            .metrics()
            .map(|(_, s)| s.metric_name.clone())
            .zip(st.activity.iter().copied())
            .collect();
    }
    let hpa = st
        .hpa
        .as_ref()
        .map_or(HpaObservation::Unobservable, |h| h.observation());
    let input = ExecutorInput {
        is_active: state.is_active,
        is_error: state.is_error,
        current_replicas: current,
        active_triggers: &state.active_triggers,
        hpa,
        now,
    };
    let status = ExecutorStatus {
        last_active_time: st.last_active_time,
        creation_time: st.creation_time,
    };
    let mut decision = request_scale(&p.executor_spec(), &status, &input);
    if let Some(w) = decision.write {
        match target.set_replicas(&p.key, w.replicas).await {
            Ok(()) => report.scaled_to = Some(w.replicas),
            Err(e) => {
                warn!(target = %p.key, error = %e, "failed to scale target");
                decision.last_active_time = None;
                decision.event = None;
            }
        }
    }
    if let Some(ev) = &decision.event {
        debug!(event = %ev, "scale executor event");
    }
    st.status.conditions.merge(&decision.conditions);
    if let Some(t) = decision.last_active_time {
        st.last_active_time = Some(t);
    }
    report.state = state;
    want_report.then_some(report)
}

/// The metrics the KEDA metrics adapter serves for this object (`GetScaledObjectMetrics` over all
/// of its HPA metrics): `useCachedMetrics` triggers answer from the last poll's record, the others
/// are queried; a failing metric without fallback is left out (the HPA sees it as unavailable),
/// and with scalingModifiers any such failure leaves out the composite metric.
pub(crate) async fn adapter_metrics(
    p: &Prepared,
    st: &mut ObjectState,
    target: &dyn ScaleTarget,
    timeout: Duration,
) -> Vec<MetricValue> {
    let current = target.replicas(&p.key).await.ok();
    let mut known = counts(p, target, current).await;
    let reads = read_triggers(p, st, &mut known, timeout, true, false).await;
    let state = scaled_object_state(
        &reads,
        p.modifiers.as_ref(),
        &p.fallback(),
        &st.status.health,
    );
    if p.modifiers.is_some() && state.is_error && !state.fallback_active {
        return Vec::new();
    }
    state.metrics
}

/// One HPA sync: metrics from the adapter path, the HPA math, the write.
pub(crate) async fn hpa_sync(
    p: &Prepared,
    st: &mut ObjectState,
    target: &dyn ScaleTarget,
    now: Instant,
    timeout: Duration,
) -> Option<i32> {
    if p.annotations.paused || st.hpa.is_none() {
        return None;
    }
    let metrics = adapter_metrics(p, st, target, timeout).await;
    let current = target.replicas(&p.key).await.ok()?;
    let ready = target.ready_replicas(&p.key).await.ok();
    let hpa = st.hpa.as_mut()?;
    let out = hpa.reconcile(now, current, ready, &metrics);
    if out.rescaled && out.desired_replicas != current {
        match target.set_replicas(&p.key, out.desired_replicas).await {
            Ok(()) => return Some(out.desired_replicas),
            Err(e) => warn!(target = %p.key, error = %e, "HPA failed to scale target"),
        }
    }
    None
}
