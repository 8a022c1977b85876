//! One HPA's reconcile (`reconcileAutoscaler`, `computeReplicasForMetrics`,
//! `normalizeDesiredReplicas*` in `horizontal.go`), as a stateful, client-free type.

use super::conditions::{
    ABLE_TO_SCALE, HpaCondition, SCALED_TO_ZERO, SCALING_ACTIVE, SCALING_LIMITED, find,
    remove_condition, set_condition,
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
use super::spec::{HpaSpec, MetricSourceType, MetricSpec, MetricTarget, MetricTargetType};
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
    /// Metric values, one per spec metric.
    pub current_metrics: Vec<Option<MetricStatus>>,
    /// Conditions, in order of first appearance.
    pub conditions: Vec<HpaCondition>,
    /// When the target was last rescaled.
    pub last_scale_time: Option<Instant>,
}

/// Everything one reconcile reads.
pub struct ReconcileInput<'a> {
    /// The HPA spec, defaulted by the API server (see [`super::defaults::set_defaults`]).
    pub spec: &'a HpaSpec,
    /// The HPA status as read.
    pub status: &'a HpaStatus,
    /// The `/scale` subresource, or why it could not be read.
    pub scale: Result<Scale, String>,
    /// The pods in the namespace (filtered here by the scale's selector).
    pub pods: &'a [Pod],
    /// The metrics APIs.
    pub metrics: &'a dyn MetricsSource,
    /// Selectors of the namespace's other HPAs, to detect overlapping ownership.
    pub other_selectors: &'a [Selector],
}

/// What one reconcile decided.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconcileOutput {
    /// The desired replica count recorded in status.
    pub desired_replicas: i32,
    /// The target's replicas were written.
    pub rescaled: bool,
    /// The new status.
    pub status: HpaStatus,
    /// The status differs from the one read, so it should be written.
    pub status_changed: bool,
    /// An error the reconcile reports (it may still have scaled).
    pub error: Option<String>,
}

/// One HPA's controller state: its recommendation history and scale events, as kept by
/// kube-controller-manager between reconciles.
#[derive(Debug, Clone)]
pub struct HpaController {
    config: ControllerConfig,
    recommendations: Option<Vec<Recommendation>>,
    scale_up_events: Vec<ScaleEvent>,
    scale_down_events: Vec<ScaleEvent>,
}

/// A failed metric: the `ScalingActive=False` reason and the error.
struct MetricFailure {
    reason: &'static str,
    message: String,
}

impl HpaController {
    /// A controller with empty history.
    pub fn new(config: ControllerConfig) -> Self {
        Self {
            config,
            recommendations: None,
            scale_up_events: Vec::new(),
            scale_down_events: Vec::new(),
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
            let get = |r: &Option<super::spec::ScalingRules>| {
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
    pub fn decide(&mut self, now: Instant, input: &ReconcileInput<'_>) -> ReconcileOutput {
        self.reconcile(now, input, &mut |_| Ok(()))
    }

    /// One reconcile. `write_scale` sets the target's replicas (retrying conflicts is its job);
    /// an error from it leaves `desiredReplicas` at its old value with `FailedUpdateScale`.
    pub fn reconcile(
        &mut self,
        now: Instant,
        input: &ReconcileInput<'_>,
        write_scale: &mut dyn FnMut(i32) -> Result<(), String>,
    ) -> ReconcileOutput {
        let spec = input.spec;
        let original = input.status;
        let mut status = original.clone();
        let cond = &mut status.conditions;
        let finish = |status: HpaStatus, desired: i32, rescaled: bool, error: Option<String>| {
            let status_changed = status != *original;
            ReconcileOutput {
                desired_replicas: desired,
                rescaled,
                status,
                status_changed,
                error,
            }
        };

        let scale = match &input.scale {
            Ok(s) => s.clone(),
            Err(e) => {
                set_condition(
                    cond,
                    ABLE_TO_SCALE,
                    ConditionStatus::False,
                    "FailedGetScale",
                    format!("the HPA controller was unable to get the target's current scale: {e}"),
                    now,
                );
                let d = status.desired_replicas;
                return finish(
                    status,
                    d,
                    false,
                    Some(format!("failed to query scale subresource: {e}")),
                );
            }
        };
        set_condition(
            cond,
            ABLE_TO_SCALE,
            ConditionStatus::True,
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale".into(),
            now,
        );
        let current = scale.spec_replicas;
        self.recommendations.get_or_insert_with(|| {
            vec![Recommendation {
                replicas: current,
                at: now,
            }]
        });

        let min = spec.min_replicas.unwrap_or(1);
        let tol = self.tolerances(spec);
        let gate = self.config.gates.scale_to_zero;
        let sz =
            gate && find(cond, SCALED_TO_ZERO).is_some_and(|c| c.status == ConditionStatus::True);
        let obj_ext = spec.metrics.iter().any(MetricSpec::is_object_or_external);

        let mut metric_statuses = status.current_metrics.clone();
        let mut error = None;
        let mut desired;
        let mut rescale = true;
        if current == 0 && !((min != 0 && sz) || (sz && obj_ext)) {
            desired = 0;
            rescale = false;
            if !gate {
                remove_condition(cond, SCALED_TO_ZERO);
            }
            set_condition(
                cond,
                SCALING_ACTIVE,
                ConditionStatus::False,
                "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero".into(),
                now,
            );
        } else if current > spec.max_replicas {
            desired = spec.max_replicas;
        } else if current < min {
            desired = min;
        } else {
            let (proposal, statuses, err) =
                self.compute_replicas_for_metrics(now, input, &scale, tol, cond);
            metric_statuses = statuses;
            let Some(proposal) = proposal else {
                status.current_replicas = current;
                status.current_metrics = metric_statuses;
                let d = status.desired_replicas;
                return finish(status, d, false, err);
            };
            error = err;
            desired = proposal.max(0);
            desired = match &spec.behavior {
                None => self.normalize(now, cond, current, desired, min, spec.max_replicas),
                Some(_) => self.normalize_with_behaviors(now, cond, spec, current, desired, min),
            };
            if current == 0 && min != 0 && sz && desired < min {
                desired = min;
            }
            rescale = desired != current;
        }

        if rescale {
            if let Err(e) = write_scale(desired) {
                set_condition(
                    cond,
                    ABLE_TO_SCALE,
                    ConditionStatus::False,
                    "FailedUpdateScale",
                    format!("the HPA controller was unable to update the target scale: {e}"),
                    now,
                );
                status.current_replicas = current;
                status.current_metrics = metric_statuses;
                let d = status.desired_replicas;
                return finish(status, d, false, Some(format!("failed to rescale: {e}")));
            }
            set_condition(
                cond,
                ABLE_TO_SCALE,
                ConditionStatus::True,
                "SucceededRescale",
                format!("the HPA controller was able to update the target scale to {desired}"),
                now,
            );
            self.store_scale_event(spec, current, desired, now);
            if gate {
                if current > 0 && desired == 0 && min == 0 && obj_ext {
                    set_condition(
                        cond,
                        SCALED_TO_ZERO,
                        ConditionStatus::True,
                        "ScaledToZero",
                        "the HPA scaled the target to zero".into(),
                        now,
                    );
                } else {
                    set_condition(
                        cond,
                        SCALED_TO_ZERO,
                        ConditionStatus::False,
                        "NotScaledToZero",
                        "the target is not scaled to zero".into(),
                        now,
                    );
                }
            } else {
                remove_condition(cond, SCALED_TO_ZERO);
            }
            status.last_scale_time = Some(now);
        } else {
            desired = current;
        }
        status.current_replicas = current;
        status.desired_replicas = desired;
        status.current_metrics = metric_statuses;
        finish(status, desired, rescale, error)
    }

    /// `computeReplicasForMetrics`: `None` when the reconcile must stop (selector problems, all
    /// metrics failed, or a partial failure with the rest proposing a scale-down).
    fn compute_replicas_for_metrics(
        &self,
        now: Instant,
        input: &ReconcileInput<'_>,
        scale: &Scale,
        tol: Tolerances,
        cond: &mut Vec<HpaCondition>,
    ) -> (Option<i32>, Vec<Option<MetricStatus>>, Option<String>) {
        let selector = if scale.selector.is_empty() {
            Err("the HPA target's scale is missing a selector".to_owned())
        } else {
            Selector::parse(&scale.selector).map_err(|e| {
                format!(
                    "couldn't convert selector into a corresponding internal selector object: {e}"
                )
            })
        };
        let selector = match selector {
            Ok(s) => s,
            Err(msg) => {
                set_condition(
                    cond,
                    SCALING_ACTIVE,
                    ConditionStatus::False,
                    "InvalidSelector",
                    msg.clone(),
                    now,
                );
                return (None, Vec::new(), Some(msg));
            }
        };
        let pods: Vec<Pod> = input
            .pods
            .iter()
            .filter(|p| selector.matches(&p.labels))
            .cloned()
            .collect();
        if pods
            .iter()
            .any(|p| input.other_selectors.iter().any(|s| s.matches(&p.labels)))
        {
            let msg = "pods by selector are controlled by multiple HPAs".to_owned();
            set_condition(
                cond,
                SCALING_ACTIVE,
                ConditionStatus::False,
                "AmbiguousSelector",
                msg.clone(),
                now,
            );
            return (None, Vec::new(), Some(msg));
        }

        let mut statuses = Vec::with_capacity(input.spec.metrics.len());
        let mut replicas = 0i32;
        let mut best_name = String::new();
        let mut first_failure: Option<MetricFailure> = None;
        let mut invalid = 0usize;
        for m in &input.spec.metrics {
            match self.compute_metric(now, m, scale, tol, &pods, input.metrics) {
                Ok((proposal, st, name)) => {
                    statuses.push(Some(st));
                    if replicas == 0 || proposal > replicas {
                        replicas = proposal;
                        best_name = name;
                    }
                }
                Err(f) => {
                    statuses.push(None);
                    invalid += 1;
                    first_failure.get_or_insert(f);
                }
            }
        }
        let total = input.spec.metrics.len();
        let err = first_failure.as_ref().map(|f| {
            format!(
                "invalid metrics ({invalid} invalid out of {total}), first error is: {}",
                f.message
            )
        });
        if invalid >= total || (invalid > 0 && replicas < scale.spec_replicas) {
            let (reason, msg) = first_failure.map_or(
                ("InvalidMetricSourceType", "no metrics specified".to_owned()),
                |f| (f.reason, f.message),
            );
            set_condition(
                cond,
                SCALING_ACTIVE,
                ConditionStatus::False,
                reason,
                format!("the HPA was unable to compute the replica count: {msg}"),
                now,
            );
            return (None, statuses, err);
        }
        set_condition(
            cond,
            SCALING_ACTIVE,
            ConditionStatus::True,
            "ValidMetricFound",
            format!("the HPA was able to successfully calculate a replica count from {best_name}"),
            now,
        );
        (Some(replicas), statuses, err)
    }

    /// `computeReplicasForMetric`: one metric's proposal, status and name.
    fn compute_metric(
        &self,
        now: Instant,
        m: &MetricSpec,
        scale: &Scale,
        tol: Tolerances,
        pods: &[Pod],
        src: &dyn MetricsSource,
    ) -> Result<(i32, MetricStatus, String), MetricFailure> {
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
        let fail = |reason: &'static str| move |message: String| MetricFailure { reason, message };
        let spec_r = scale.spec_replicas;
        let ready = scale.ready_replicas.unwrap_or(scale.status_replicas);
        let status = |type_: MetricSourceType, name: &str| MetricStatus {
            type_,
            name: name.to_owned(),
            value_milli: None,
            average_value_milli: None,
            average_utilization: None,
        };
        let milli = |q: &Option<super::quantity::Quantity>, field: &str| {
            q.as_ref()
                .map(|q| q.milli_value(field).map_err(|e| e.to_string()))
                .transpose()
        };
        match &m.type_ {
            MetricSourceType::Resource | MetricSourceType::ContainerResource => {
                let (reason, name, container, target) = match (&m.resource, &m.container_resource) {
                    (Some(r), _) if m.type_ == MetricSourceType::Resource => {
                        ("FailedGetResourceMetric", &r.name, "", &r.target)
                    }
                    (_, Some(r)) if m.type_ == MetricSourceType::ContainerResource => (
                        "FailedGetContainerResourceMetric",
                        &r.name,
                        r.container.as_str(),
                        &r.target,
                    ),
                    _ => {
                        let reason = if m.type_ == MetricSourceType::Resource {
                            "FailedGetResourceMetric"
                        } else {
                            "FailedGetContainerResourceMetric"
                        };
                        return Err(fail(reason)("metric source is not populated".into()));
                    }
                };
                let f = fail(reason);
                let mut st = status(m.type_.clone(), name);
                if let Some(avg) =
                    milli(&target.average_value, "target.averageValue").map_err(&f)?
                {
                    let metrics = src.resource_metric(name, container).map_err(|e| f(format!("failed to get {name} usage: unable to get metrics for resource {name}: {e}")))?;
                    let p = calc
                        .raw_resource_replicas(spec_r, avg, name, tol, pods, metrics, now)
                        .map_err(|e| f(format!("failed to get {name} usage: {e}")))?;
                    st.average_value_milli = Some(p.usage_milli);
                    return Ok((p.replicas, st, format!("{name} resource")));
                }
                let Some(target_util) = target.average_utilization else {
                    return Err(f("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set".into()));
                };
                let metrics = src.resource_metric(name, container).map_err(|e| f(format!("failed to get {name} utilization: unable to get metrics for resource {name}: {e}")))?;
                let p = calc
                    .resource_replicas(
                        spec_r,
                        target_util,
                        name,
                        container,
                        tol,
                        pods,
                        metrics,
                        now,
                    )
                    .map_err(|e| f(format!("failed to get {name} utilization: {e}")))?;
                st.average_utilization = Some(p.utilization);
                st.average_value_milli = Some(p.raw_average_milli);
                Ok((
                    p.replicas,
                    st,
                    format!("{name} resource utilization (percentage of request)"),
                ))
            }
            MetricSourceType::Pods => {
                let f = fail("FailedGetPodsMetric");
                let p = m
                    .pods
                    .as_ref()
                    .ok_or_else(|| f("metric source is not populated".into()))?;
                let target = milli(&p.target.average_value, "target.averageValue")
                    .map_err(&f)?
                    .ok_or_else(|| {
                        f("invalid pods metric source: no average value target was set".into())
                    })?;
                let metrics = src
                    .pods_metric(&p.metric)
                    .map_err(|e| f(format!("unable to get metric {}: {e}", p.metric.name)))?;
                let r = calc
                    .pods_metric_replicas(spec_r, target, tol, pods, metrics, now)
                    .map_err(|e| f(format!("failed to get pods metric value: {e}")))?;
                let mut st = status(MetricSourceType::Pods, &p.metric.name);
                st.average_value_milli = Some(r.usage_milli);
                Ok((r.replicas, st, format!("pods metric {}", p.metric.name)))
            }
            MetricSourceType::Object => {
                let f = fail("FailedGetObjectMetric");
                let o = m
                    .object
                    .as_ref()
                    .ok_or_else(|| f("metric source is not populated".into()))?;
                let mut st = status(MetricSourceType::Object, &o.metric.name);
                let name = format!("{} metric {}", o.described_object.kind, o.metric.name);
                let (value, avg) = value_targets(&o.target, &milli).map_err(&f)?;
                if let Some(target) = value {
                    let usage = src
                        .object_metric(&o.metric, &o.described_object)
                        .map_err(|e| f(format!("unable to get metric {}: {e}", o.metric.name)))?;
                    let r = ReplicaCalculator::object_replicas(spec_r, usage, target, tol, ready);
                    st.value_milli = Some(r.usage_milli);
                    return Ok((r.replicas, st, name));
                }
                if let Some(target) = avg {
                    let usage = src
                        .object_metric(&o.metric, &o.described_object)
                        .map_err(|e| f(format!("unable to get metric {}: {e}", o.metric.name)))?;
                    let r = ReplicaCalculator::object_per_pod_replicas(
                        scale.status_replicas,
                        usage,
                        target,
                        tol,
                    );
                    st.average_value_milli = Some(r.usage_milli);
                    return Ok((r.replicas, st, name));
                }
                Err(f("invalid object metric source: neither a value target nor an average value target was set".into()))
            }
            MetricSourceType::External => {
                let f = fail("FailedGetExternalMetric");
                let e = m
                    .external
                    .as_ref()
                    .ok_or_else(|| f("metric source is not populated".into()))?;
                let mut st = status(MetricSourceType::External, &e.metric.name);
                let name = format!("external metric {}", e.metric.name);
                // averageValue is checked first, whatever the target type says.
                if let Some(target) =
                    milli(&e.target.average_value, "target.averageValue").map_err(&f)?
                {
                    let samples = src.external_metric(&e.metric).map_err(|err| {
                        f(format!(
                            "unable to get external metric {}: {err}",
                            e.metric.name
                        ))
                    })?;
                    let r = ReplicaCalculator::external_per_pod_replicas(
                        scale.status_replicas,
                        &samples,
                        target,
                        tol,
                    );
                    st.average_value_milli = Some(r.usage_milli);
                    return Ok((r.replicas, st, name));
                }
                if let Some(target) = milli(&e.target.value, "target.value").map_err(&f)? {
                    let samples = src.external_metric(&e.metric).map_err(|err| {
                        f(format!(
                            "unable to get external metric {}: {err}",
                            e.metric.name
                        ))
                    })?;
                    let r =
                        ReplicaCalculator::external_replicas(spec_r, &samples, target, tol, ready);
                    st.value_milli = Some(r.usage_milli);
                    return Ok((r.replicas, st, name));
                }
                Err(f("invalid external metric source: neither a value target nor an average value target was set".into()))
            }
            MetricSourceType::Other(t) => Err(fail("InvalidMetricSourceType")(format!(
                "unknown metric source type {t:?}"
            ))),
        }
    }

    /// `normalizeDesiredReplicas` (no behavior).
    fn normalize(
        &mut self,
        now: Instant,
        cond: &mut Vec<HpaCondition>,
        current: i32,
        proposal: i32,
        min: i32,
        max: i32,
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
            set_condition(cond, ABLE_TO_SCALE, ConditionStatus::True, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation".into(), now);
        } else {
            set_condition(
                cond,
                ABLE_TO_SCALE,
                ConditionStatus::True,
                "ReadyForNewScale",
                "recommended size matches current size".into(),
                now,
            );
        }
        let (desired, reason) = convert_with_rules(
            current,
            stabilized,
            min,
            max,
            self.config.scale_up_limit_factor,
            self.config.scale_up_limit_minimum,
        );
        set_limited(cond, desired != stabilized, reason, now);
        desired
    }

    /// `normalizeDesiredReplicasWithBehaviors`.
    fn normalize_with_behaviors(
        &mut self,
        now: Instant,
        cond: &mut Vec<HpaCondition>,
        spec: &HpaSpec,
        current: i32,
        proposal: i32,
        min: i32,
    ) -> i32 {
        let (up, mut down) = self.effective_rules(spec);
        if down.stabilization_window_seconds.is_none() {
            down.stabilization_window_seconds =
                i32::try_from(self.config.downscale_stabilization_window_seconds).ok();
        }
        let secs = |r: &super::spec::ScalingRules| {
            i64::from(r.stabilization_window_seconds.unwrap_or(0)).saturating_mul(1000)
        };
        let (stabilized, reason) = stabilize_with_behaviors(
            self.recommendations.get_or_insert_with(Vec::new),
            current,
            proposal,
            secs(&up),
            secs(&down),
            now,
        );
        if stabilized != proposal {
            let (r, msg) = match reason {
                StabilizedReason::ScaleUpStabilized => (
                    "ScaleUpStabilized",
                    "recent recommendations were lower than current one, applying the lowest recent recommendation",
                ),
                StabilizedReason::ScaleDownStabilized => (
                    "ScaleDownStabilized",
                    "recent recommendations were higher than current one, applying the highest recent recommendation",
                ),
            };
            set_condition(
                cond,
                ABLE_TO_SCALE,
                ConditionStatus::True,
                r,
                msg.into(),
                now,
            );
        } else {
            set_condition(
                cond,
                ABLE_TO_SCALE,
                ConditionStatus::True,
                "ReadyForNewScale",
                "recommended size matches current size".into(),
                now,
            );
        }
        let args = RateArgs {
            current,
            desired: stabilized,
            min,
            max: spec.max_replicas,
            scale_up: &up,
            scale_down: &down,
        };
        let (desired, reason) =
            convert_with_behavior_rate(args, &self.scale_up_events, &self.scale_down_events, now);
        set_limited(cond, desired != stabilized, reason, now);
        desired
    }

    /// Both directions' rules with API defaults applied (a no-op for an API-defaulted spec).
    fn effective_rules(
        &self,
        spec: &HpaSpec,
    ) -> (super::spec::ScalingRules, super::spec::ScalingRules) {
        let b = spec.behavior.as_ref();
        (
            generate_scale_up_rules(b.and_then(|b| b.scale_up.as_ref())),
            generate_scale_down_rules(b.and_then(|b| b.scale_down.as_ref())),
        )
    }

    /// `storeScaleEvent`: only with behavior.
    fn store_scale_event(&mut self, spec: &HpaSpec, prev: i32, new: i32, now: Instant) {
        if spec.behavior.is_none() {
            return;
        }
        let (up, down) = self.effective_rules(spec);
        if new > prev {
            store_event(
                &mut self.scale_up_events,
                new - prev,
                longest_period(&up),
                now,
            );
        } else {
            store_event(
                &mut self.scale_down_events,
                prev - new,
                longest_period(&down),
                now,
            );
        }
    }
}

fn set_limited(cond: &mut Vec<HpaCondition>, limited: bool, reason: LimitReason, now: Instant) {
    let status = if limited {
        ConditionStatus::True
    } else {
        ConditionStatus::False
    };
    set_condition(
        cond,
        SCALING_LIMITED,
        status,
        reason.as_str(),
        reason.message().into(),
        now,
    );
}

/// Object targets: `Value` (with `type: Value`) first, then `AverageValue` (with its type).
type MilliFn<'a> =
    dyn Fn(&Option<super::quantity::Quantity>, &str) -> Result<Option<i64>, String> + 'a;
fn value_targets(
    t: &MetricTarget,
    milli: &MilliFn<'_>,
) -> Result<(Option<i64>, Option<i64>), String> {
    let value = if t.type_ == Some(MetricTargetType::Value) {
        milli(&t.value, "target.value")?
    } else {
        None
    };
    let avg = if t.type_ == Some(MetricTargetType::AverageValue) {
        milli(&t.average_value, "target.averageValue")?
    } else {
        None
    };
    Ok((value, avg))
}
