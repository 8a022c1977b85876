//! `autoscaling/v2` `HorizontalPodAutoscalerBehavior` as written in
//! `spec.advanced.horizontalPodAutoscalerConfig.behavior` (KEDA copies it verbatim into the HPA).

use serde::{Deserialize, Serialize};

use super::meta::IntOrString;

/// `HorizontalPodAutoscalerBehavior`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct HpaBehavior {
    /// `scaleUp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_up: Option<HpaScalingRules>,
    /// `scaleDown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<HpaScalingRules>,
}

/// `HPAScalingRules`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct HpaScalingRules {
    /// `stabilizationWindowSeconds` (0..=3600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stabilization_window_seconds: Option<i32>,
    /// `selectPolicy` (`Max` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_policy: Option<SelectPolicy>,
    /// `policies`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<Vec<HpaScalingPolicy>>,
    /// `tolerance` (a quantity; beta, behind the `HPAConfigurableTolerance` feature gate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<IntOrString>,
}

/// `ScalingPolicySelect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SelectPolicy {
    /// The policy allowing the biggest change.
    Max,
    /// The policy allowing the smallest change.
    Min,
    /// Scaling in this direction is disabled.
    Disabled,
}

/// `HPAScalingPolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct HpaScalingPolicy {
    /// `type`.
    #[serde(rename = "type")]
    pub policy_type: HpaScalingPolicyType,
    /// `value` (> 0).
    pub value: i32,
    /// `periodSeconds` (1..=1800).
    pub period_seconds: i32,
}

impl HpaScalingPolicy {
    /// A policy.
    pub fn new(policy_type: HpaScalingPolicyType, value: i32, period_seconds: i32) -> Self {
        Self {
            policy_type,
            value,
            period_seconds,
        }
    }
}

/// `HPAScalingPolicyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HpaScalingPolicyType {
    /// An absolute number of pods.
    Pods,
    /// A percentage of the current replicas.
    Percent,
}
