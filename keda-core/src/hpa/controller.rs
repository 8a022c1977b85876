//! One HPA's reconcile (`reconcileAutoscaler`, `computeReplicasForMetrics`,
//! `normalizeDesiredReplicas*` in `horizontal.go`), as a stateful, client-free type.
//!
//! The controller keeps what kube-controller-manager keeps per HPA (recommendations, scale
//! events) plus caches of the compiled spec and parsed selector, and updates the HPA status in
//! place, reporting whether it changed (upstream's `updateStatusIfNeeded`).

use std::borrow::Cow;

use super::conditions::{
    ABLE_TO_SCALE, HpaCondition, Message, SCALED_TO_ZERO, SCALING_ACTIVE, SCALING_LIMITED, find,
    remove_condition, set_condition, set_condition_message,
};
use super::defaults::{ControllerConfig, generate_scale_down_rules, generate_scale_up_rules};
use super::metrics::MetricsSource;
use super::pods::{ConditionStatus, Pod, Readiness};
use super::rate_limits::{
    LimitReason, RateArgs, ScaleEvent, convert_with_behavior_rate, convert_with_rules,
    longest_period, store_event,
};
use super::replica_calculator::{ReplicaCalculator, Tolerances};
use super::selector::Selector;
use super::spec::{
    CrossVersionObjectReference, HpaSpec, MetricIdentifier, MetricSourceType, MetricSpec,
    MetricTarget, MetricTargetType, ScalingRules,
};
use super::stabilization::{Recommendation, StabilizedReason, stabilize, stabilize_with_behaviors};
use crate::clock::Instant;

/// The target's `/scale` subresource.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scale {
    /// `spec.replicas`: the count the HPA scales from.
    pub spec_replicas: i32,
    /// `status.replicas`: used by per-pod Object/External targets.
    pub status_replicas: i32,
    /// `status.readyReplicas`, when the target reports it.
    pub ready_replicas: Option<i32>,
    /// `status.selector` in string form.
    pub selector: String,
}

/// A metric's current value as reported in `status.currentMetrics`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricStatus {
    /// The metric's source type.
    pub type_: MetricSourceType,
    /// Resource or metric name.
    pub name: String,
    /// `current.value`, milli-units.
    pub value_milli: Option<i64>,
    /// `current.averageValue`, milli-units.
    pub average_value_milli: Option<i64>,
    /// `current.averageUtilization`, percent.
    pub average_utilization: Option<i32>,
}

/// `status` of an HPA.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HpaStatus {
    /// Replicas at the last reconcile.
    pub current_replicas: i32,
    /// The last desired count written.
    pub desired_replicas: i32,
    /// Metric values, one per spec metric (`None` for a metric that failed).
    pub current_metrics: Vec<Option<MetricStatus>>,
    /// Conditions, in order of first appearance.
    pub conditions: Vec<HpaCondition>,
    /// When the target was last rescaled.
    pub last_scale_time: Option<Instant>,
}

/// What the controller reads from the cluster on one reconcile.
#[derive(Clone, Copy)]
pub struct Observation<'a> {
    /// The `/scale` subresource, or why it could not be read.
    pub scale: Result<&'a Scale, &'a str>,
    /// The pods in the namespace (filtered here by the scale's selector).
    pub pods: &'a [Pod],
    /// The metrics APIs.
    pub metrics: &'a dyn MetricsSource,
    /// Selectors of the namespace's other HPAs, to detect overlapping ownership.
    pub other_selectors: &'a [Selector],
}

/// What one reconcile decided (the status itself is updated in place).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// `status.desiredReplicas` after the reconcile.
    pub desired_replicas: i32,
    /// The target's replicas were written.
    pub rescaled: bool,
    /// The status changed, so it should be written back.
    pub status_changed: bool,
    /// An error the reconcile reports (it may still have scaled).
    pub error: Option<String>,
}

/// One metric's proposal and status values: (replicas, value, averageValue, averageUtilization).
type MetricOutcome = (i32, Option<i64>, Option<i64>, Option<i32>);

/// A metric target, parsed once per spec.
#[derive(Debug, Clone)]
enum Target {
    Utilization(i32),
    RawAverage(i64),
    PodsAverage(i64),
    ObjectValue(i64),
    ObjectAverage(i64),
    ExternalAverage(i64),
    ExternalValue(i64),
    /// The metric always fails with this message.
    Invalid(String),
}

#[derive(Debug, Clone)]
struct CompiledMetric {
    type_: MetricSourceType,
    /// `ScalingActive=False` reason when this metric fails.
    failure_reason: &'static str,
    /// Resource or metric name (status).
    name: String,
    container: String,
    identifier: MetricIdentifier,
    object: CrossVersionObjectReference,
    target: Target,
    /// The `ValidMetricFound` message when this metric wins.
    valid_message: String,
}

/// The spec with quantities parsed and rules defaulted.
#[derive(Debug, Clone)]
struct Compiled {
    spec: HpaSpec,
    metrics: Vec<CompiledMetric>,
    up: ScalingRules,
    down: ScalingRules,
    tolerances: Tolerances,
    obj_ext: bool,
}

/// One HPA's controller state: its recommendation history and scale events, as kept by
/// kube-controller-manager between reconciles.
#[derive(Debug, Clone)]
pub struct HpaController {
    config: ControllerConfig,
    recommendations: Option<Vec<Recommendation>>,
    scale_up_events: Vec<ScaleEvent>,
    scale_down_events: Vec<ScaleEvent>,
    compiled: Option<Box<Compiled>>,
    selector: Option<(String, Selector)>,
}

/// The `AbleToScale` condition, which upstream sets several times per reconcile. It is
/// accumulated here and written once, so that "changed" compares the final value with the
/// original (as `updateStatusIfNeeded` does); a status flip on the way still moves the
/// transition time, as it does upstream.
struct AbleToScale {
    status: ConditionStatus,
    reason: &'static str,
    detail: AbleDetail,
    flipped: bool,
}

enum AbleDetail {
    Static(&'static str),
    GetScaleFailed(String),
    UpdateFailed(String),
    Rescaled(i32),
}

impl AbleToScale {
    fn new(original: &[HpaCondition]) -> Self {
        let status = find(original, ABLE_TO_SCALE).map_or(ConditionStatus::Unknown, |c| c.status);
        Self {
            status,
            reason: "",
            detail: AbleDetail::Static(""),
            flipped: false,
        }
    }

    fn set(&mut self, status: ConditionStatus, reason: &'static str, detail: AbleDetail) {
        self.flipped |= self.status != status;
        self.status = status;
        self.reason = reason;
        self.detail = detail;
    }

    fn ok(&mut self, reason: &'static str, message: &'static str) {
        self.set(ConditionStatus::True, reason, AbleDetail::Static(message));
    }

    /// Writes the final value; returns whether the condition list changed.
    fn apply(self, cond: &mut Vec<HpaCondition>, now: Instant) -> bool {
        let mut changed = match &self.detail {
            AbleDetail::Static(m) => set_condition_message(
                cond,
                ABLE_TO_SCALE,
                self.status,
                self.reason,
                Message::Static(m),
                now,
            ),
            AbleDetail::GetScaleFailed(e) => set_condition(
                cond,
                ABLE_TO_SCALE,
                self.status,
                self.reason,
                format_args!(
                    "the HPA controller was unable to get the target's current scale: {e}"
                ),
                now,
            ),
            AbleDetail::UpdateFailed(e) => set_condition(
                cond,
                ABLE_TO_SCALE,
                self.status,
                self.reason,
                format_args!("the HPA controller was unable to update the target scale: {e}"),
                now,
            ),
            AbleDetail::Rescaled(n) => set_condition(
                cond,
                ABLE_TO_SCALE,
                self.status,
                self.reason,
                format_args!("the HPA controller was able to update the target scale to {n}"),
                now,
            ),
        };
        if let (true, Some(c)) = (
            self.flipped,
            cond.iter_mut().find(|c| c.type_ == ABLE_TO_SCALE),
        ) {
            changed |= c.last_transition != now;
            c.last_transition = now;
        }
        changed
    }
}

fn set<T: PartialEq>(dst: &mut T, v: T, changed: &mut bool) {
    if *dst != v {
        *dst = v;
        *changed = true;
    }
}

impl HpaController {
    /// A controller with empty history.
    pub fn new(config: ControllerConfig) -> Self {
        Self {
            config,
            recommendations: None,
            scale_up_events: Vec::new(),
            scale_down_events: Vec::new(),
            compiled: None,
            selector: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ControllerConfig {
        &self.config
    }

    /// The stored recommendations (empty before the first reconcile).
    pub fn recommendations(&self) -> &[Recommendation] {
        self.recommendations.as_deref().unwrap_or(&[])
    }

    /// Replaces the recommendation history (e.g. restored from a checkpoint).
    pub fn set_recommendations(&mut self, recs: Vec<Recommendation>) {
        self.recommendations = Some(recs);
    }

    /// Recorded scale-up and scale-down events.
    pub fn scale_events(&self) -> (&[ScaleEvent], &[ScaleEvent]) {
        (&self.scale_up_events, &self.scale_down_events)
    }

    /// Replaces the recorded scale events.
    pub fn set_scale_events(&mut self, up: Vec<ScaleEvent>, down: Vec<ScaleEvent>) {
        self.scale_up_events = up;
        self.scale_down_events = down;
    }

    /// `tolerancesForHpa`: the flag value, overridden per direction by the behavior's
    /// tolerance when the `HPAConfigurableTolerance` gate is on.
    pub fn tolerances(&self, spec: &HpaSpec) -> Tolerances {
        let mut t = Tolerances::symmetric(self.config.tolerance);
        if let (Some(b), true) = (&spec.behavior, self.config.gates.configurable_tolerance) {
            let get = |r: &Option<ScalingRules>| {
                r.as_ref()
                    .and_then(|r| r.tolerance.as_ref())
                    .and_then(|q| q.as_f64("tolerance").ok())
            };
            if let Some(v) = get(&b.scale_down) {
                t.scale_down = v;
            }
            if let Some(v) = get(&b.scale_up) {
                t.scale_up = v;
            }
        }
        t
    }

    /// Decides assuming the scale write succeeds.
    pub fn decide(
        &mut self,
        now: Instant,
        spec: &HpaSpec,
        status: &mut HpaStatus,
        obs: &Observation<'_>,
    ) -> Decision {
        self.reconcile(now, spec, status, obs, &mut |_| Ok(()))
    }

    /// One reconcile: updates `status` in place. `write_scale` sets the target's replicas
    /// (retrying conflicts is its job); an error from it leaves `desiredReplicas` at its old
    /// value with `AbleToScale=False/FailedUpdateScale`.
    pub fn reconcile(
        &mut self,
        now: Instant,
        spec: &HpaSpec,
        status: &mut HpaStatus,
        obs: &Observation<'_>,
        write_scale: &mut dyn FnMut(i32) -> Result<(), String>,
    ) -> Decision {
        let mut changed = false;
        let mut able = AbleToScale::new(&status.conditions);
        let scale = match obs.scale {
            Ok(s) => s,
            Err(e) => {
                able.set(
                    ConditionStatus::False,
                    "FailedGetScale",
                    AbleDetail::GetScaleFailed(e.to_owned()),
                );
                changed |= able.apply(&mut status.conditions, now);
                return Decision {
                    desired_replicas: status.desired_replicas,
                    rescaled: false,
                    status_changed: changed,
                    error: Some(format!("failed to query scale subresource: {e}")),
                };
            }
        };
        able.ok(
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
        );
        // AbleToScale keeps its place in the list: it is always set first.
        if find(&status.conditions, ABLE_TO_SCALE).is_none() {
            status.conditions.push(HpaCondition {
                type_: Cow::Borrowed(ABLE_TO_SCALE),
                status: ConditionStatus::True,
                reason: Cow::Borrowed("SucceededGetScale"),
                message: Cow::Borrowed(
                    "the HPA controller was able to get the target's current scale",
                ),
                last_transition: now,
            });
            changed = true;
        }
        let cond = &mut status.conditions;
        let current = scale.spec_replicas;
        self.recommendations.get_or_insert_with(|| {
            vec![Recommendation {
                replicas: current,
                at: now,
            }]
        });
        let compiled = self.compile(spec);

        let min = spec.min_replicas.unwrap_or(1);
        let gate = self.config.gates.scale_to_zero;
        let sz =
            gate && find(cond, SCALED_TO_ZERO).is_some_and(|c| c.status == ConditionStatus::True);
        // KEP-2021: a target scaled to zero by the HPA is measured again (before the min/max
        // shortcuts) when minReplicas was raised or an Object/External metric can wake it.
        let from_zero = current == 0 && sz && (min != 0 || compiled.obj_ext);

        let mut error = None;
        let mut desired;
        let mut rescale = true;
        let mut measured = false;
        if current == 0 && !from_zero {
            desired = 0;
            rescale = false;
            if !gate {
                changed |= remove_condition(cond, SCALED_TO_ZERO);
            }
            changed |= set_condition(
                cond,
                SCALING_ACTIVE,
                ConditionStatus::False,
                "ScalingDisabled",
                format_args!("scaling is disabled since the replica count of the target is zero"),
                now,
            );
        } else if !from_zero && current > spec.max_replicas {
            desired = spec.max_replicas;
        } else if !from_zero && current < min {
            desired = min;
        } else {
            measured = true;
            let outcome =
                self.compute_replicas_for_metrics(now, &compiled, obs, scale, status, &mut changed);
            let cond = &mut status.conditions;
            let proposal = match outcome {
                Ok((p, err)) => {
                    error = err;
                    p
                }
                Err(err) => {
                    set(&mut status.current_replicas, current, &mut changed);
                    changed |= able.apply(&mut status.conditions, now);
                    return Decision {
                        desired_replicas: status.desired_replicas,
                        rescaled: false,
                        status_changed: changed,
                        error: Some(err),
                    };
                }
            };
            desired = proposal.max(0);
            desired = match &spec.behavior {
                None => self.normalize(
                    now,
                    cond,
                    &mut able,
                    current,
                    desired,
                    min,
                    spec.max_replicas,
                    &mut changed,
                ),
                Some(_) => self.normalize_with_behaviors(
                    now,
                    cond,
                    &mut able,
                    &compiled,
                    current,
                    desired,
                    min,
                    spec.max_replicas,
                    &mut changed,
                ),
            };
            if current == 0 && min != 0 && sz && desired < min {
                desired = min;
            }
            rescale = desired != current;
        }
        if !measured && !status.current_metrics.is_empty() {
            status.current_metrics.clear();
            changed = true;
        }

        let cond = &mut status.conditions;
        if rescale {
            if let Err(e) = write_scale(desired) {
                let error = Some(format!("failed to rescale: {e}"));
                able.set(
                    ConditionStatus::False,
                    "FailedUpdateScale",
                    AbleDetail::UpdateFailed(e),
                );
                changed |= able.apply(cond, now);
                set(&mut status.current_replicas, current, &mut changed);
                self.compiled = Some(compiled);
                return Decision {
                    desired_replicas: status.desired_replicas,
                    rescaled: false,
                    status_changed: changed,
                    error,
                };
            }
            able.set(
                ConditionStatus::True,
                "SucceededRescale",
                AbleDetail::Rescaled(desired),
            );
            if spec.behavior.is_some() {
                if desired > current {
                    store_event(
                        &mut self.scale_up_events,
                        desired - current,
                        longest_period(&compiled.up),
                        now,
                    );
                } else {
                    store_event(
                        &mut self.scale_down_events,
                        current - desired,
                        longest_period(&compiled.down),
                        now,
                    );
                }
            }
            if gate {
                if current > 0 && desired == 0 && min == 0 && compiled.obj_ext {
                    changed |= set_condition(
                        cond,
                        SCALED_TO_ZERO,
                        ConditionStatus::True,
                        "ScaledToZero",
                        format_args!("the HPA scaled the target to zero"),
                        now,
                    );
                } else {
                    changed |= set_condition(
                        cond,
                        SCALED_TO_ZERO,
                        ConditionStatus::False,
                        "NotScaledToZero",
                        format_args!("the target is not scaled to zero"),
                        now,
                    );
                }
            } else {
                changed |= remove_condition(cond, SCALED_TO_ZERO);
            }
            set(&mut status.last_scale_time, Some(now), &mut changed);
        } else {
            desired = current;
        }
        changed |= able.apply(&mut status.conditions, now);
        set(&mut status.current_replicas, current, &mut changed);
        set(&mut status.desired_replicas, desired, &mut changed);
        self.compiled = Some(compiled);
        Decision {
            desired_replicas: desired,
            rescaled: rescale,
            status_changed: changed,
            error,
        }
    }

    /// The compiled spec, rebuilt only when the spec changed. Taken out of `self` for the
    /// reconcile and put back at its end.
    fn compile(&mut self, spec: &HpaSpec) -> Box<Compiled> {
        match self.compiled.take() {
            Some(c) if c.spec == *spec => c,
            _ => Box::new(Compiled::new(
                spec,
                self.tolerances(spec),
                self.config.downscale_stabilization_window_seconds,
            )),
        }
    }

    /// `computeReplicasForMetrics`: `Err` when the reconcile must stop (selector problems, all
    /// metrics failed, or a partial failure with the rest proposing a scale-down).
    fn compute_replicas_for_metrics(
        &mut self,
        now: Instant,
        compiled: &Compiled,
        obs: &Observation<'_>,
        scale: &Scale,
        status: &mut HpaStatus,
        changed: &mut bool,
    ) -> Result<(i32, Option<String>), String> {
        let cond = &mut status.conditions;
        let selector_err = match &self.selector {
            Some((s, _)) if *s == scale.selector => None,
            _ if scale.selector.is_empty() => {
                Some("the HPA target's scale is missing a selector".to_owned())
            }
            _ => match Selector::parse(&scale.selector) {
                Ok(sel) => {
                    self.selector = Some((scale.selector.clone(), sel));
                    None
                }
                Err(e) => Some(format!(
                    "couldn't convert selector into a corresponding internal selector object: {e}"
                )),
            },
        };
        let fail_selector = |reason: &'static str,
                             msg: String,
                             cond: &mut Vec<HpaCondition>,
                             metrics: &mut Vec<Option<MetricStatus>>,
                             changed: &mut bool| {
            *changed |= set_condition(
                cond,
                SCALING_ACTIVE,
                ConditionStatus::False,
                reason,
                format_args!("{msg}"),
                now,
            );
            if !metrics.is_empty() {
                metrics.clear();
                *changed = true;
            }
            Err(msg)
        };
        if let Some(msg) = selector_err {
            return fail_selector(
                "InvalidSelector",
                msg,
                cond,
                &mut status.current_metrics,
                changed,
            );
        }
        let selector = self
            .selector
            .as_ref()
            .map(|(_, s)| s)
            .ok_or("selector cache empty")?;
        let pods: Cow<'_, [Pod]> = if obs.pods.iter().all(|p| selector.matches(&p.labels)) {
            Cow::Borrowed(obs.pods)
        } else {
            Cow::Owned(
                obs.pods
                    .iter()
                    .filter(|p| selector.matches(&p.labels))
                    .cloned()
                    .collect(),
            )
        };
        if pods
            .iter()
            .any(|p| obs.other_selectors.iter().any(|s| s.matches(&p.labels)))
        {
            return fail_selector(
                "AmbiguousSelector",
                "pods by selector are controlled by multiple HPAs".to_owned(),
                cond,
                &mut status.current_metrics,
                changed,
            );
        }

        let n = compiled.metrics.len();
        if status.current_metrics.len() != n {
            status.current_metrics.resize(n, None);
            *changed = true;
        }
        let mut replicas = 0i32;
        let mut best: Option<&CompiledMetric> = None;
        let mut first_failure: Option<(&'static str, String)> = None;
        let mut invalid = 0usize;
        for (m, slot) in compiled
            .metrics
            .iter()
            .zip(status.current_metrics.iter_mut())
        {
            match self.compute_metric(now, m, scale, compiled.tolerances, &pods, obs.metrics) {
                Ok((proposal, value, average, utilization)) => {
                    update_metric_status(slot, m, value, average, utilization, changed);
                    if replicas == 0 || proposal > replicas {
                        replicas = proposal;
                        best = Some(m);
                    }
                }
                Err(msg) => {
                    if slot.is_some() {
                        *slot = None;
                        *changed = true;
                    }
                    invalid += 1;
                    first_failure.get_or_insert((m.failure_reason, msg));
                }
            }
        }
        let err = first_failure.as_ref().map(|(_, f)| {
            format!("invalid metrics ({invalid} invalid out of {n}), first error is: {f}")
        });
        if invalid >= n || (invalid > 0 && replicas < scale.spec_replicas) {
            let (reason, msg) = first_failure
                .unwrap_or(("InvalidMetricSourceType", "no metrics specified".to_owned()));
            *changed |= set_condition(
                cond,
                SCALING_ACTIVE,
                ConditionStatus::False,
                reason,
                format_args!("the HPA was unable to compute the replica count: {msg}"),
                now,
            );
            return Err(err.unwrap_or(msg));
        }
        let message = best.map_or(Message::Static(VALID_METRIC_FOUND), |m| {
            Message::Text(&m.valid_message)
        });
        *changed |= set_condition_message(
            cond,
            SCALING_ACTIVE,
            ConditionStatus::True,
            "ValidMetricFound",
            message,
            now,
        );
        Ok((replicas, err))
    }

    /// `computeReplicasForMetric`: one metric's proposal and its status values.
    fn compute_metric(
        &self,
        now: Instant,
        m: &CompiledMetric,
        scale: &Scale,
        tol: Tolerances,
        pods: &[Pod],
        src: &dyn MetricsSource,
    ) -> Result<MetricOutcome, String> {
        let calc = ReplicaCalculator {
            readiness: Readiness {
                cpu_initialization_period_ms: self
                    .config
                    .cpu_initialization_period_seconds
                    .saturating_mul(1000),
                delay_of_initial_readiness_ms: self
                    .config
                    .delay_of_initial_readiness_status_seconds
                    .saturating_mul(1000),
            },
            pod_level_resources: self.config.gates.pod_level_resources,
        };
        let spec_r = scale.spec_replicas;
        let ready = scale.ready_replicas.unwrap_or(scale.status_replicas);
        let name = &m.name;
        let unable = |e: String| format!("unable to get metric {name}: {e}");
        match &m.target {
            Target::Invalid(msg) => Err(msg.clone()),
            Target::RawAverage(target) => {
                let metrics = src.resource_metric(name, &m.container).map_err(|e| {
                    format!(
                        "failed to get {name} usage: unable to get metrics for resource {name}: {e}"
                    )
                })?;
                let p = calc
                    .raw_resource_replicas(spec_r, *target, name, tol, pods, metrics, now)
                    .map_err(|e| format!("failed to get {name} usage: {e}"))?;
                Ok((p.replicas, None, Some(p.usage_milli), None))
            }
            Target::Utilization(target) => {
                let metrics = src.resource_metric(name, &m.container).map_err(|e| format!("failed to get {name} utilization: unable to get metrics for resource {name}: {e}"))?;
                let p = calc
                    .resource_replicas(spec_r, *target, name, &m.container, tol, pods, metrics, now)
                    .map_err(|e| format!("failed to get {name} utilization: {e}"))?;
                Ok((
                    p.replicas,
                    None,
                    Some(p.raw_average_milli),
                    Some(p.utilization),
                ))
            }
            Target::PodsAverage(target) => {
                let metrics = src.pods_metric(&m.identifier).map_err(unable)?;
                let p = calc
                    .pods_metric_replicas(spec_r, *target, tol, pods, metrics, now)
                    .map_err(|e| format!("failed to get pods metric value: {e}"))?;
                Ok((p.replicas, None, Some(p.usage_milli), None))
            }
            Target::ObjectValue(target) => {
                let usage = src
                    .object_metric(&m.identifier, &m.object)
                    .map_err(unable)?;
                let p = ReplicaCalculator::object_replicas(spec_r, usage, *target, tol, ready);
                Ok((p.replicas, Some(p.usage_milli), None, None))
            }
            Target::ObjectAverage(target) => {
                let usage = src
                    .object_metric(&m.identifier, &m.object)
                    .map_err(unable)?;
                let p = ReplicaCalculator::object_per_pod_replicas(
                    scale.status_replicas,
                    usage,
                    *target,
                    tol,
                );
                Ok((p.replicas, None, Some(p.usage_milli), None))
            }
            Target::ExternalAverage(target) => {
                let samples = src
                    .external_metric(&m.identifier)
                    .map_err(|e| format!("unable to get external metric {name}: {e}"))?;
                let p = ReplicaCalculator::external_per_pod_replicas(
                    scale.status_replicas,
                    &samples,
                    *target,
                    tol,
                );
                Ok((p.replicas, None, Some(p.usage_milli), None))
            }
            Target::ExternalValue(target) => {
                let samples = src
                    .external_metric(&m.identifier)
                    .map_err(|e| format!("unable to get external metric {name}: {e}"))?;
                let p = ReplicaCalculator::external_replicas(spec_r, &samples, *target, tol, ready);
                Ok((p.replicas, Some(p.usage_milli), None, None))
            }
        }
    }

    /// `normalizeDesiredReplicas` (no behavior).
    #[allow(clippy::too_many_arguments)]
    fn normalize(
        &mut self,
        now: Instant,
        cond: &mut Vec<HpaCondition>,
        able: &mut AbleToScale,
        current: i32,
        proposal: i32,
        min: i32,
        max: i32,
        changed: &mut bool,
    ) -> i32 {
        let window = self
            .config
            .downscale_stabilization_window_seconds
            .saturating_mul(1000);
        let stabilized = stabilize(
            self.recommendations.get_or_insert_with(Vec::new),
            proposal,
            window,
            now,
        );
        if stabilized != proposal {
            able.ok("ScaleDownStabilized", SCALE_DOWN_STABILIZED);
        } else {
            able.ok("ReadyForNewScale", READY_FOR_NEW_SCALE);
        }
        let (desired, reason) = convert_with_rules(
            current,
            stabilized,
            min,
            max,
            self.config.scale_up_limit_factor,
            self.config.scale_up_limit_minimum,
        );
        *changed |= set_limited(cond, desired != stabilized, reason, now);
        desired
    }

    /// `normalizeDesiredReplicasWithBehaviors`.
    #[allow(clippy::too_many_arguments)]
    fn normalize_with_behaviors(
        &mut self,
        now: Instant,
        cond: &mut Vec<HpaCondition>,
        able: &mut AbleToScale,
        c: &Compiled,
        current: i32,
        proposal: i32,
        min: i32,
        max: i32,
        changed: &mut bool,
    ) -> i32 {
        let secs = |r: &ScalingRules| {
            i64::from(r.stabilization_window_seconds.unwrap_or(0)).saturating_mul(1000)
        };
        let (stabilized, reason) = stabilize_with_behaviors(
            self.recommendations.get_or_insert_with(Vec::new),
            current,
            proposal,
            secs(&c.up),
            secs(&c.down),
            now,
        );
        match (stabilized != proposal, reason) {
            (true, StabilizedReason::ScaleUpStabilized) => able.ok("ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation"),
            (true, StabilizedReason::ScaleDownStabilized) => able.ok("ScaleDownStabilized", SCALE_DOWN_STABILIZED),
            (false, _) => able.ok("ReadyForNewScale", READY_FOR_NEW_SCALE),
        }
        let args = RateArgs {
            current,
            desired: stabilized,
            min,
            max,
            scale_up: &c.up,
            scale_down: &c.down,
        };
        let (desired, reason) =
            convert_with_behavior_rate(args, &self.scale_up_events, &self.scale_down_events, now);
        *changed |= set_limited(cond, desired != stabilized, reason, now);
        desired
    }
}

impl Compiled {
    fn new(spec: &HpaSpec, tolerances: Tolerances, downscale_window_seconds: i64) -> Self {
        let b = spec.behavior.as_ref();
        let up = generate_scale_up_rules(b.and_then(|b| b.scale_up.as_ref()));
        let mut down = generate_scale_down_rules(b.and_then(|b| b.scale_down.as_ref()));
        // maybeInitScaleDownStabilizationWindow.
        if down.stabilization_window_seconds.is_none() {
            down.stabilization_window_seconds = i32::try_from(downscale_window_seconds).ok();
        }
        Compiled {
            spec: spec.clone(),
            metrics: spec.metrics.iter().map(compile_metric).collect(),
            up,
            down,
            tolerances,
            obj_ext: spec.metrics.iter().any(MetricSpec::is_object_or_external),
        }
    }
}

fn milli(q: &Option<super::quantity::Quantity>, field: &str) -> Result<Option<i64>, String> {
    q.as_ref()
        .map(|q| q.milli_value(field).map_err(|e| e.to_string()))
        .transpose()
}

/// Parses a metric's target once, choosing the calculation exactly as upstream does.
fn compile_metric(m: &MetricSpec) -> CompiledMetric {
    let mut c = CompiledMetric {
        type_: m.type_.clone(),
        failure_reason: "InvalidMetricSourceType",
        name: String::new(),
        container: String::new(),
        identifier: MetricIdentifier::default(),
        object: CrossVersionObjectReference::default(),
        target: Target::Invalid("metric source is not populated".into()),
        valid_message: String::new(),
    };
    let resource = |c: &mut CompiledMetric, name: &str, t: &MetricTarget| {
        c.name = name.to_owned();
        c.target = match (milli(&t.average_value, "target.averageValue"), t.average_utilization) {
            (Err(e), _) => Target::Invalid(e),
            (Ok(Some(v)), _) => {
                c.valid_message = format!("{VALID_METRIC_FOUND}{name} resource");
                Target::RawAverage(v)
            }
            (Ok(None), Some(u)) => {
                c.valid_message = format!("{VALID_METRIC_FOUND}{name} resource utilization (percentage of request)");
                Target::Utilization(u)
            }
            (Ok(None), None) => Target::Invalid("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set".into()),
        };
    };
    match &m.type_ {
        MetricSourceType::Resource => {
            c.failure_reason = "FailedGetResourceMetric";
            if let Some(r) = &m.resource {
                resource(&mut c, &r.name, &r.target);
            }
        }
        MetricSourceType::ContainerResource => {
            c.failure_reason = "FailedGetContainerResourceMetric";
            if let Some(r) = &m.container_resource {
                c.container.clone_from(&r.container);
                resource(&mut c, &r.name, &r.target);
            }
        }
        MetricSourceType::Pods => {
            c.failure_reason = "FailedGetPodsMetric";
            if let Some(p) = &m.pods {
                c.name.clone_from(&p.metric.name);
                c.identifier = p.metric.clone();
                c.valid_message = format!("{VALID_METRIC_FOUND}pods metric {}", p.metric.name);
                c.target = match milli(&p.target.average_value, "target.averageValue") {
                    Ok(Some(v)) => Target::PodsAverage(v),
                    Ok(None) => Target::Invalid(
                        "invalid pods metric source: no average value target was set".into(),
                    ),
                    Err(e) => Target::Invalid(e),
                };
            }
        }
        MetricSourceType::Object => {
            c.failure_reason = "FailedGetObjectMetric";
            if let Some(o) = &m.object {
                c.name.clone_from(&o.metric.name);
                c.identifier = o.metric.clone();
                c.object = o.described_object.clone();
                c.valid_message = format!(
                    "{VALID_METRIC_FOUND}{} metric {}",
                    o.described_object.kind, o.metric.name
                );
                let t = &o.target;
                let value = if t.type_ == Some(MetricTargetType::Value) {
                    milli(&t.value, "target.value")
                } else {
                    Ok(None)
                };
                let avg = if t.type_ == Some(MetricTargetType::AverageValue) {
                    milli(&t.average_value, "target.averageValue")
                } else {
                    Ok(None)
                };
                c.target = match (value, avg) {
                    (Err(e), _) | (_, Err(e)) => Target::Invalid(e),
                    (Ok(Some(v)), _) => Target::ObjectValue(v),
                    (Ok(None), Ok(Some(v))) => Target::ObjectAverage(v),
                    _ => Target::Invalid("invalid object metric source: neither a value target nor an average value target was set".into()),
                };
            }
        }
        MetricSourceType::External => {
            c.failure_reason = "FailedGetExternalMetric";
            if let Some(e) = &m.external {
                c.name.clone_from(&e.metric.name);
                c.identifier = e.metric.clone();
                c.valid_message = format!("{VALID_METRIC_FOUND}external metric {}", e.metric.name);
                // averageValue is checked first, whatever the target type says.
                c.target = match (milli(&e.target.average_value, "target.averageValue"), milli(&e.target.value, "target.value")) {
                    (Err(x), _) | (_, Err(x)) => Target::Invalid(x),
                    (Ok(Some(v)), _) => Target::ExternalAverage(v),
                    (Ok(None), Ok(Some(v))) => Target::ExternalValue(v),
                    _ => Target::Invalid("invalid external metric source: neither a value target nor an average value target was set".into()),
                };
            }
        }
        MetricSourceType::Other(t) => {
            c.target = Target::Invalid(format!("unknown metric source type {t:?}"))
        }
    }
    c
}

/// `ValidMetricFound`'s message, before the winning metric's description.
const VALID_METRIC_FOUND: &str = "the HPA was able to successfully calculate a replica count from ";

fn update_metric_status(
    slot: &mut Option<MetricStatus>,
    m: &CompiledMetric,
    value: Option<i64>,
    average: Option<i64>,
    utilization: Option<i32>,
    changed: &mut bool,
) {
    match slot {
        Some(s) if s.type_ == m.type_ && s.name == m.name => {
            set(&mut s.value_milli, value, changed);
            set(&mut s.average_value_milli, average, changed);
            set(&mut s.average_utilization, utilization, changed);
        }
        _ => {
            *slot = Some(MetricStatus {
                type_: m.type_.clone(),
                name: m.name.clone(),
                value_milli: value,
                average_value_milli: average,
                average_utilization: utilization,
            });
            *changed = true;
        }
    }
}

const SCALE_DOWN_STABILIZED: &str = "recent recommendations were higher than current one, applying the highest recent recommendation";
const READY_FOR_NEW_SCALE: &str = "recommended size matches current size";

fn set_limited(
    cond: &mut Vec<HpaCondition>,
    limited: bool,
    reason: LimitReason,
    now: Instant,
) -> bool {
    let status = if limited {
        ConditionStatus::True
    } else {
        ConditionStatus::False
    };
    set_condition_message(
        cond,
        SCALING_LIMITED,
        status,
        reason.as_str(),
        Message::Static(reason.message()),
        now,
    )
}
