//! API defaulting of the HPA (`pkg/apis/autoscaling/v2/defaults.go`) and the controller's own
//! defaults (`--horizontal-pod-autoscaler-*` flags).

use super::spec::{
    Behavior, HpaSpec, MetricSpec, ScalingPolicy, ScalingPolicySelect, ScalingRules,
};

/// The controller's flag values (`pkg/controller/podautoscaler/config`). `Default` gives
/// production values; [`ControllerConfig::upstream_tests`] the values the upstream tests use.
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerConfig {
    /// `--horizontal-pod-autoscaler-tolerance` (0.1).
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` (5 min), in seconds.
    pub cpu_initialization_period_seconds: i64,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` (30 s), in seconds.
    pub delay_of_initial_readiness_status_seconds: i64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization` (5 min), in seconds.
    pub downscale_stabilization_window_seconds: i64,
    /// `scaleUpLimitFactor` for HPAs without behavior (2.0).
    pub scale_up_limit_factor: f64,
    /// `scaleUpLimitMinimum` for HPAs without behavior (4.0).
    pub scale_up_limit_minimum: f64,
    /// Feature gates that change the math.
    pub gates: FeatureGates,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        Self {
            tolerance: 0.1,
            cpu_initialization_period_seconds: 300,
            delay_of_initial_readiness_status_seconds: 30,
            downscale_stabilization_window_seconds: 300,
            scale_up_limit_factor: 2.0,
            scale_up_limit_minimum: 4.0,
            gates: FeatureGates::default(),
        }
    }
}

impl ControllerConfig {
    /// The configuration of upstream's `horizontal_test.go` / `replica_calculator_test.go`:
    /// 2 min cpu initialization, 10 s readiness delay, scale-up factor 8.
    pub fn upstream_tests() -> Self {
        Self {
            cpu_initialization_period_seconds: 120,
            delay_of_initial_readiness_status_seconds: 10,
            scale_up_limit_factor: 8.0,
            ..Self::default()
        }
    }
}

/// Feature gates of kube-controller-manager that affect the HPA.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureGates {
    /// `HPAConfigurableTolerance` (beta, on by default since 1.35).
    pub configurable_tolerance: bool,
    /// `HPAScaleToZero` (KEP-2021).
    pub scale_to_zero: bool,
    /// `PodLevelResources`.
    pub pod_level_resources: bool,
}

impl Default for FeatureGates {
    fn default() -> Self {
        Self {
            configurable_tolerance: true,
            scale_to_zero: false,
            pod_level_resources: false,
        }
    }
}

/// Default scale-up rules: no stabilization, `Max` of 4 pods or 100% per 15 s.
pub fn generate_scale_up_rules(user: Option<&ScalingRules>) -> ScalingRules {
    overlay(
        user,
        ScalingRules {
            stabilization_window_seconds: Some(0),
            select_policy: Some(ScalingPolicySelect::Max),
            policies: Some(vec![
                ScalingPolicy::pods(4, 15),
                ScalingPolicy::percent(100, 15),
            ]),
            tolerance: None,
        },
    )
}

/// Default scale-down rules: window left unset (the controller applies its flag), `Max` of
/// 100% per 15 s.
pub fn generate_scale_down_rules(user: Option<&ScalingRules>) -> ScalingRules {
    overlay(
        user,
        ScalingRules {
            stabilization_window_seconds: None,
            select_policy: Some(ScalingPolicySelect::Max),
            policies: Some(vec![ScalingPolicy::percent(100, 15)]),
            tolerance: None,
        },
    )
}

/// The user's non-`None` fields over the defaults; a user policy list replaces the default list.
fn overlay(user: Option<&ScalingRules>, mut defaults: ScalingRules) -> ScalingRules {
    if let Some(u) = user {
        if u.select_policy.is_some() {
            defaults.select_policy.clone_from(&u.select_policy);
        }
        if u.stabilization_window_seconds.is_some() {
            defaults.stabilization_window_seconds = u.stabilization_window_seconds;
        }
        if u.policies.is_some() {
            defaults.policies.clone_from(&u.policies);
        }
        if u.tolerance.is_some() {
            defaults.tolerance.clone_from(&u.tolerance);
        }
    }
    defaults
}

/// `SetDefaults_HorizontalPodAutoscaler`: `minReplicas` 1, cpu 80% when no metrics, and both
/// behavior directions filled when `behavior` is set (it stays `None` otherwise).
pub fn set_defaults(spec: &mut HpaSpec) {
    if spec.min_replicas.is_none() {
        spec.min_replicas = Some(1);
    }
    if spec.metrics.is_empty() {
        spec.metrics
            .push(MetricSpec::resource_utilization("cpu", 80));
    }
    if let Some(b) = spec.behavior.as_mut() {
        *b = Behavior {
            scale_up: Some(generate_scale_up_rules(b.scale_up.as_ref())),
            scale_down: Some(generate_scale_down_rules(b.scale_down.as_ref())),
        };
    }
}
