//! Condition reasons and messages KEDA writes; the condition types are [`crate::conditions`].

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
