//! Status conditions of ScaledObjects and ScaledJobs (`apis/keda/v1alpha1/condition_types.go`).

use serde::{Deserialize, Serialize};

/// The condition types KEDA sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConditionType {
    /// The object is correctly defined and its scalers work.
    Ready,
    /// Some trigger is active.
    Active,
    /// A fallback is being applied.
    Fallback,
    /// Autoscaling is paused by annotation.
    Paused,
    /// Mirror of the HPA's `ScalingActive` condition (ScaledObjects only, set lazily).
    #[serde(rename = "HPAActive")]
    HpaActive,
}

/// `metav1.ConditionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ConditionStatus {
    /// True.
    True,
    /// False.
    False,
    /// Unknown.
    #[default]
    Unknown,
}

/// One condition (KEDA's `Condition`: no timestamps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Condition {
    /// `type`.
    #[serde(rename = "type")]
    pub condition_type: ConditionType,
    /// `status`.
    pub status: ConditionStatus,
    /// `reason`: one CamelCase word.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// `message`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// Reasons and messages KEDA writes.
pub mod reasons {
    /// Ready=True on a ScaledObject.
    pub const SCALED_OBJECT_READY: &str = "ScaledObjectReady";
    /// Its message.
    pub const SCALED_OBJECT_READY_MESSAGE: &str =
        "ScaledObject is defined correctly and is ready for scaling";
    /// Paused=True on a ScaledObject.
    pub const SCALED_OBJECT_PAUSED: &str = "ScaledObjectPaused";
    /// Its message.
    pub const SCALED_OBJECT_PAUSED_MESSAGE: &str = "ScaledObject is paused";
    /// Paused=False after the pause annotations are removed.
    pub const SCALED_OBJECT_UNPAUSED: &str = "ScaledObjectUnpaused";
    /// HPAActive=True.
    pub const HPA_ACTIVE: &str = "HPAActive";
    /// HPAActive=True while the HPA is disabled because KEDA scaled to zero.
    pub const HPA_SCALING_DISABLED: &str = "ScalingDisabled";
    /// HPAActive=False without a reason from the HPA.
    pub const HPA_METRICS_UNAVAILABLE: &str = "HPAMetricsUnavailable";
    /// Paused=True on a ScaledJob.
    pub const SCALED_JOB_PAUSED: &str = "ScaledJobPaused";
    /// Paused=False on a ScaledJob.
    pub const SCALED_JOB_UNPAUSED: &str = "ScaledJobUnpaused";
    /// Its Paused=True message.
    pub const SCALED_JOB_PAUSED_MESSAGE: &str = "ScaledJob is paused";
    /// Its Paused=False message.
    pub const SCALED_JOB_UNPAUSED_MESSAGE: &str = "ScaledJob is unpaused";
    /// Ready=True on a ScaledJob.
    pub const SCALED_JOB_READY: &str = "ScaledJobReady";
    /// Fallback=False when no fallback applies.
    pub const NO_FALLBACK_FOUND: &str = "NoFallbackFound";
    /// Fallback=True.
    pub const FALLBACK_EXISTS: &str = "FallbackExists";
}

/// A list of conditions with KEDA's accessors.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Conditions(pub Vec<Condition>);

impl Conditions {
    /// KEDA's `GetInitializedConditions`: Ready, Active, Fallback Unknown; Paused False.
    pub fn initialized() -> Self {
        let c = |t, status| Condition {
            condition_type: t,
            status,
            reason: String::new(),
            message: String::new(),
        };
        Self(vec![
            c(ConditionType::Ready, ConditionStatus::Unknown),
            c(ConditionType::Active, ConditionStatus::Unknown),
            c(ConditionType::Fallback, ConditionStatus::Unknown),
            c(ConditionType::Paused, ConditionStatus::False),
        ])
    }

    /// KEDA's `AreInitialized`: Ready, Active, Fallback and Paused are all present.
    pub fn are_initialized(&self) -> bool {
        [
            ConditionType::Ready,
            ConditionType::Active,
            ConditionType::Fallback,
            ConditionType::Paused,
        ]
        .iter()
        .all(|t| self.get(*t).is_some())
    }

    /// The condition of type `t`, if present.
    pub fn get(&self, t: ConditionType) -> Option<&Condition> {
        self.0.iter().find(|c| c.condition_type == t)
    }

    /// KEDA's `SetCondition` (initializing an empty list first, as the typed setters do):
    /// updates the condition in place, or appends it.
    pub fn set(
        &mut self,
        t: ConditionType,
        status: ConditionStatus,
        reason: impl Into<String>,
        message: impl Into<String>,
    ) {
        if self.0.is_empty() {
            *self = Self::initialized();
        }
        let (reason, message) = (reason.into(), message.into());
        match self.0.iter_mut().find(|c| c.condition_type == t) {
            Some(c) => {
                c.status = status;
                c.reason = reason;
                c.message = message;
            }
            None => self.0.push(Condition {
                condition_type: t,
                status,
                reason,
                message,
            }),
        }
    }

    /// KEDA's `RemoveCondition`.
    pub fn remove(&mut self, t: ConditionType) {
        self.0.retain(|c| c.condition_type != t);
    }

    /// Whether the condition of type `t` is True.
    pub fn is_true(&self, t: ConditionType) -> bool {
        self.get(t)
            .is_some_and(|c| c.status == ConditionStatus::True)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_initializes_then_updates_in_place() {
        let mut c = Conditions::default();
        assert!(!c.are_initialized());
        c.set(
            ConditionType::HpaActive,
            ConditionStatus::True,
            reasons::HPA_ACTIVE,
            "",
        );
        assert!(c.are_initialized());
        assert_eq!(c.0.len(), 5);
        c.set(
            ConditionType::Ready,
            ConditionStatus::True,
            reasons::SCALED_OBJECT_READY,
            "ok",
        );
        assert_eq!(c.0.len(), 5);
        assert!(c.is_true(ConditionType::Ready));
        c.remove(ConditionType::HpaActive);
        assert!(c.get(ConditionType::HpaActive).is_none());
    }
}
