//! Per-scaler queue lengths and their aggregation across scalers (KEDA's
//! `pkg/scaling/scaledjob/metrics.go`).

use crate::modifiers::milli_to_f64;
use crate::scaler::{MetricTargetType, MetricValue, ScalerMetricSpec};

/// `scalingStrategy.multipleScalersCalculation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MultipleScalersCalculation {
    /// `max` (default, and any unknown value).
    #[default]
    Max,
    /// `min`.
    Min,
    /// `avg`.
    Avg,
    /// `sum`.
    Sum,
}

impl MultipleScalersCalculation {
    /// Parses the manifest value; anything unknown is `max`, as in KEDA's `switch` default.
    pub fn parse(s: &str) -> Self {
        match s {
            "min" => Self::Min,
            "avg" => Self::Avg,
            "sum" => Self::Sum,
            _ => Self::Max,
        }
    }
}

/// One scaler's contribution (KEDA's `ScalerMetrics`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ScalerMetrics {
    /// Σ of the values named like the scaler's first spec.
    pub queue_length: f64,
    /// `min(queueLength / targetAverage, maxReplicaCount)`, 0 without a target.
    pub max_value: f64,
    /// Whether the scaler said it is active.
    pub is_active: bool,
}

impl ScalerMetrics {
    /// KEDA's `CalculateQueueLengthAndMaxValue` for one scaler's metric read. `specs` are the
    /// scaler's external specs (the first spec's name selects the values, a KEDA quirk); the target
    /// average is the mean of the specs' `AverageValue` targets (other target types count 0).
    pub fn from_read(
        values: &[MetricValue],
        specs: &[ScalerMetricSpec],
        max_replica_count: i64,
        is_active: bool,
    ) -> Self {
        let first = specs.first().map(|s| s.metric_name.as_str());
        let queue_length: f64 = values
            .iter()
            .filter(|v| Some(v.metric_name.as_str()) == first)
            .map(|v| milli_to_f64(v.value_milli))
            .sum();
        let target_sum: f64 = specs
            .iter()
            .map(|s| {
                if s.target_type == MetricTargetType::AverageValue {
                    milli_to_f64(s.target_milli)
                } else {
                    0.0
                }
            })
            .sum();
        let target = if specs.is_empty() {
            0.0
        } else {
            target_sum / specs.len() as f64
        };
        let max_value = if target != 0.0 {
            (queue_length / target).min(max_replica_count as f64)
        } else {
            0.0
        };
        Self {
            queue_length,
            max_value,
            is_active,
        }
    }
}

/// The aggregate over scalers (KEDA's `IsScaledJobActive`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct JobScaleState {
    /// Some active scaler contributed, or `minReplicaCount > 0`.
    pub is_active: bool,
    /// `ceil(queueLength)`: the `scaleTo` passed to the strategy.
    pub scale_to: i64,
    /// `ceil(min(maxValue, maxReplicaCount))`: the `maxScale` passed to the strategy.
    pub max_scale: i64,
    /// The uncapped-by-ceil max value.
    pub max_value: f64,
}

/// Aggregates scalers, considering active ones only, with KEDA's quirks: under `max` an active
/// scaler with queue 0 never sets activity; under `min` a 0 pick is replaced by any later active
/// scaler.
pub fn aggregate(
    scalers: &[ScalerMetrics],
    calc: MultipleScalersCalculation,
    min_replica_count: i64,
    max_replica_count: i64,
) -> JobScaleState {
    let (mut queue, mut max_value, mut is_active) = (0.0f64, 0.0f64, false);
    let active = scalers.iter().filter(|s| s.is_active);
    match calc {
        MultipleScalersCalculation::Max => {
            for s in active.filter(|s| s.queue_length > 0.0) {
                if s.queue_length > queue {
                    (queue, max_value, is_active) = (s.queue_length, s.max_value, true);
                }
            }
        }
        MultipleScalersCalculation::Min => {
            for s in active {
                if queue == 0.0 || s.queue_length < queue {
                    (queue, max_value, is_active) = (s.queue_length, s.max_value, true);
                }
            }
        }
        MultipleScalersCalculation::Avg => {
            let (mut n, mut q, mut m) = (0usize, 0.0, 0.0);
            for s in active {
                (n, q, m, is_active) = (n + 1, q + s.queue_length, m + s.max_value, true);
            }
            if n > 0 {
                (queue, max_value) = (q / n as f64, m / n as f64);
            }
        }
        MultipleScalersCalculation::Sum => {
            for s in active {
                (queue, max_value, is_active) =
                    (queue + s.queue_length, max_value + s.max_value, true);
            }
        }
    }
    is_active |= min_replica_count > 0;
    let max_value = max_value.min(max_replica_count as f64);
    JobScaleState {
        is_active,
        scale_to: ceil_i64(queue),
        max_scale: ceil_i64(max_value),
        max_value,
    }
}

/// Go's `int64(math.Ceil(x))`, saturating.
fn ceil_i64(x: f64) -> i64 {
    x.ceil() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(q: f64, target: f64, active: bool, max: i64) -> ScalerMetrics {
        let spec = ScalerMetricSpec {
            metric_name: "m".into(),
            target_type: MetricTargetType::AverageValue,
            target_milli: (target * 1000.0) as i64,
        };
        ScalerMetrics::from_read(
            &[MetricValue {
                metric_name: "m".into(),
                value_milli: (q * 1000.0) as i64,
            }],
            &[spec],
            max,
            active,
        )
    }

    #[test]
    fn aggregations_follow_keda() {
        let list = |max| {
            [
                s(20.0, 1.0, true, max),
                s(10.0, 2.0, true, max),
                s(5.0, 3.0, true, max),
                s(7.0, 4.0, false, max),
            ]
        };
        let min = aggregate(&list(100), MultipleScalersCalculation::Min, 0, 100);
        assert_eq!((min.scale_to, min.max_scale), (5, 2));
        let avg = aggregate(&list(100), MultipleScalersCalculation::Avg, 0, 100);
        assert_eq!((avg.scale_to, avg.max_scale), (12, 9));
        let sum = aggregate(&list(25), MultipleScalersCalculation::Sum, 0, 25);
        assert_eq!((sum.scale_to, sum.max_scale), (35, 25));
        let max = aggregate(&list(100), MultipleScalersCalculation::Max, 0, 100);
        assert_eq!((max.scale_to, max.max_scale), (20, 20));
        let idle = aggregate(
            &[s(0.0, 1.0, true, 100)],
            MultipleScalersCalculation::Max,
            0,
            100,
        );
        assert!(!idle.is_active, "queue 0 never activates under max");
        assert!(
            aggregate(
                &[s(0.0, 1.0, true, 100)],
                MultipleScalersCalculation::Max,
                1,
                100
            )
            .is_active
        );
    }
}
