//! ScaledJob scaling strategies (KEDA's `NewScalingStrategy` and `GetEffectiveMaxScale`).

/// `spec.scalingStrategy` reduced to the strategy KEDA selects.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ScalingStrategy {
    /// `default`: `maxScale − running`.
    #[default]
    Default,
    /// `custom`: `min(maxScale − deduction − int(running × percentage), maxReplicaCount)`.
    Custom {
        /// `customScalingQueueLengthDeduction` (nil → 0).
        deduction: Option<i32>,
        /// `customScalingRunningJobPercentage`, parsed.
        percentage: f64,
    },
    /// `accurate`: accounts for pending jobs.
    Accurate,
    /// `eager`: fills the whole budget (`scaleTo = maxReplicaCount`).
    Eager,
}

impl ScalingStrategy {
    /// KEDA's `NewScalingStrategy`: `custom` with a percentage that does not parse as a float (or
    /// is empty) falls back to `default`, as does any unknown name.
    pub fn select(strategy: &str, deduction: Option<i32>, percentage: &str) -> Self {
        match strategy {
            "custom" => match crate::modifiers::parse_go_float(percentage) {
                Some(percentage) => Self::Custom {
                    deduction,
                    percentage,
                },
                None => Self::Default,
            },
            "accurate" => Self::Accurate,
            "eager" => Self::Eager,
            _ => Self::Default,
        }
    }

    /// `GetEffectiveMaxScale(maxScale, running, pending, maxReplicaCount, scaleTo)` →
    /// `(effectiveMaxScale, scaleTo)`. `running` is already reduced by `minReplicaCount`.
    pub fn effective_max_scale(
        self,
        max_scale: i64,
        running: i64,
        pending: i64,
        max_replica_count: i64,
        scale_to: i64,
    ) -> (i64, i64) {
        match self {
            Self::Default => (max_scale.saturating_sub(running), scale_to),
            Self::Custom {
                deduction,
                percentage,
            } => {
                // Go's int64(float64) conversion; saturating here.
                let running_share = (running as f64 * percentage) as i64;
                let r = max_scale
                    .saturating_sub(i64::from(deduction.unwrap_or(0)))
                    .saturating_sub(running_share);
                (r.min(max_replica_count), scale_to)
            }
            Self::Accurate => {
                if max_scale.saturating_add(running).saturating_sub(pending) > max_replica_count {
                    (max_replica_count.saturating_sub(running), scale_to)
                } else {
                    (max_scale.saturating_sub(pending), scale_to)
                }
            }
            Self::Eager => (
                max_replica_count
                    .saturating_sub(running)
                    .saturating_sub(pending)
                    .min(max_scale),
                max_replica_count,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_worked_example() {
        // keda.md §7: queue 7, target 1, max 10, running 3 (2 pending).
        let (m, p, r) = (10, 2, 3);
        assert_eq!(
            ScalingStrategy::Default.effective_max_scale(7, r, p, m, 7),
            (4, 7)
        );
        assert_eq!(
            ScalingStrategy::Accurate.effective_max_scale(7, r, p, m, 7),
            (5, 7)
        );
        assert_eq!(
            ScalingStrategy::Eager.effective_max_scale(7, r, p, m, 7),
            (5, 10)
        );
        let custom = ScalingStrategy::select("custom", Some(1), "0.5");
        assert_eq!(custom.effective_max_scale(7, r, p, m, 7), (5, 7));
        assert_eq!(
            ScalingStrategy::select("custom", Some(1), ""),
            ScalingStrategy::Default
        );
    }
}
