//! Helpers every scaler shares (KEDA's `pkg/scalers/scaler.go` and `pkg/util/normalize_string.go`):
//! metric names, metric target types, milli-unit encoding and the activity rule.

use crate::scaler::{MetricTargetType, MetricValue, ScalerConfig, ScalerMetricSpec};
use crate::{Error, Result};

/// KEDA's message for `metricType: Utilization` on an external scaler.
pub const UTILIZATION_UNSUPPORTED: &str = "'Utilization' metric type is unsupported for external metrics, allowed values are 'Value' or 'AverageValue'";

/// KEDA's `NormalizeString`: each of `/ . : % ( )` becomes `-`; nothing else changes.
pub fn normalize_string(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '/' | '.' | ':' | '%' | '(' | ')') {
                '-'
            } else {
                c
            }
        })
        .collect()
}

/// KEDA's `GenerateMetricNameWithIndex`: `s{trigger_index}-{name}` (the name is used as given).
pub fn metric_name_with_index(trigger_index: usize, name: &str) -> String {
    format!("s{trigger_index}-{name}")
}

/// The external metric name of a trigger as scalers build it: `s{index}-{NormalizeString(name)}`.
pub fn metric_name(config: &ScalerConfig, name: &str) -> String {
    metric_name_with_index(config.trigger_index, &normalize_string(name))
}

/// KEDA's `RemoveIndexFromMetricName`: strips the `s{trigger_index}-` prefix, or fails with
/// KEDA's message when there is no prefix or it has another index.
pub fn remove_index_from_metric_name(trigger_index: usize, metric_name: &str) -> Result<&str> {
    let (prefix, rest) = metric_name.split_once('-').ok_or_else(|| {
        Error::invalid(
            "metricName",
            metric_name,
            "metric name without index prefix",
        )
    })?;
    if prefix != format!("s{trigger_index}") {
        return Err(Error::invalid(
            "metricName",
            metric_name,
            "metric name contains incorrect index prefix",
        ));
    }
    Ok(rest)
}

/// KEDA's `GetMetricTargetType`: the trigger's `metricType` (AverageValue when unset), with
/// `Utilization` rejected for external scalers.
pub fn metric_target_type(config: &ScalerConfig) -> Result<MetricTargetType> {
    match config.metric_type {
        MetricTargetType::Utilization => Err(Error::invalid(
            "metricType",
            "Utilization",
            UTILIZATION_UNSUPPORTED,
        )),
        t => Ok(t),
    }
}

/// KEDA's `GetMetricTarget` for an integer target: the spec of metric `metric_name` with target
/// `value` (in units; stored in milli-units, saturating).
pub fn metric_spec(
    metric_name: String,
    target_type: MetricTargetType,
    value: i64,
) -> ScalerMetricSpec {
    ScalerMetricSpec {
        metric_name,
        target_type,
        target_milli: value.saturating_mul(1000),
    }
}

/// KEDA's `GetMetricTargetMili` for a float target: as [`metric_spec`], with the value encoded by
/// [`float_to_milli`].
pub fn metric_spec_milli(
    metric_name: String,
    target_type: MetricTargetType,
    value: f64,
) -> ScalerMetricSpec {
    ScalerMetricSpec {
        metric_name,
        target_type,
        target_milli: float_to_milli(value),
    }
}

/// KEDA's `GenerateMetricInMili`: a metric value with milli precision.
pub fn metric_value_milli(metric_name: impl Into<String>, value: f64) -> MetricValue {
    MetricValue {
        metric_name: metric_name.into(),
        value_milli: float_to_milli(value),
    }
}

/// KEDA's `quantityFromFloat64` in milli-units: NaN, ±Inf and negative values are 0 (a KEDA
/// quirk: activity must be computed on the raw value first); otherwise the value rounded to three
/// decimals the way Go's `%.3f` rounds.
///
/// KEDA keeps arbitrarily large values in a `resource.Quantity`; here values above
/// `i64::MAX` milli-units (about 9.2e15 units) saturate, which no HPA target distinguishes.
pub fn float_to_milli(value: f64) -> i64 {
    if !value.is_finite() || value < 0.0 {
        return 0;
    }
    // `{:.3}` rounds the exact binary value to three decimals, as Go's `%.3f` does.
    let text = format!("{value:.3}");
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    digits
        .parse::<i128>()
        .map_or(i64::MAX, |m| i64::try_from(m).unwrap_or(i64::MAX))
}

/// The activity rule of every scaler with an activation threshold: strictly greater.
pub fn is_active(value: f64, activation: f64) -> bool {
    value > activation
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn normalize_replaces_only_kedas_characters() {
        assert_eq!(normalize_string("a/b.c:d%e(f)g h,I"), "a-b-c-d-e-f-g h,I");
    }

    #[test]
    fn metric_names_round_trip() {
        let c = ScalerConfig {
            trigger_index: 12,
            ..ScalerConfig::default()
        };
        let name = metric_name(&c, "redis-my.list");
        assert_eq!(name, "s12-redis-my-list");
        assert_eq!(
            remove_index_from_metric_name(12, &name).unwrap(),
            "redis-my-list"
        );
        assert!(remove_index_from_metric_name(1, &name).is_err());
    }

    #[test]
    fn milli_encoding_rounds_like_percent_3f_and_clamps() {
        assert_eq!(float_to_milli(1.5), 1500);
        assert_eq!(float_to_milli(0.0004), 0);
        assert_eq!(float_to_milli(0.0006), 1);
        assert_eq!(float_to_milli(1.0005), 1000); // 1.0005 is 1.000499999… in binary
        assert_eq!(float_to_milli(-1.0), 0);
        assert_eq!(float_to_milli(f64::NAN), 0);
        assert_eq!(float_to_milli(f64::INFINITY), 0);
        assert_eq!(float_to_milli(1e18), i64::MAX);
        assert_eq!(float_to_milli(9e15), 9_000_000_000_000_000_000);
    }

    #[test]
    fn activity_is_strict() {
        assert!(!is_active(0.0, 0.0));
        assert!(is_active(0.001, 0.0));
        assert!(!is_active(f64::NAN, 0.0));
    }
}
