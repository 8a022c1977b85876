//! The replica calculator (`replica_calculator.go`, `metrics/utilization.go`): turns one
//! metric's samples into a replica proposal.

use std::collections::{HashMap, HashSet};

use super::pods::{Pod, PodMetrics, PodSample, Readiness, calculate_requests, group_pods};
use crate::clock::Instant;
use crate::{Error, Result};

/// Scale-down and scale-up tolerances around a usage ratio of 1.0 (KEP-4951).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// Ratios down to `1 - scale_down` count as "no change".
    pub scale_down: f64,
    /// Ratios up to `1 + scale_up` count as "no change".
    pub scale_up: f64,
}

impl Tolerances {
    /// The same tolerance both ways.
    pub const fn symmetric(t: f64) -> Self {
        Self {
            scale_down: t,
            scale_up: t,
        }
    }

    /// `isWithin`: both bounds inclusive; the side of 1.0 picks the tolerance.
    pub fn is_within(&self, ratio: f64) -> bool {
        (1.0 - self.scale_down) <= ratio && ratio <= (1.0 + self.scale_up)
    }
}

/// A proposal from a utilization target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtilizationProposal {
    /// Proposed replicas.
    pub replicas: i32,
    /// Current utilization, whole percent of the request (reported in status).
    pub utilization: i32,
    /// Average raw usage per pod, milli-units (reported in status).
    pub raw_average_milli: i64,
}

/// A proposal from a value or average-value target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueProposal {
    /// Proposed replicas.
    pub replicas: i32,
    /// The usage reported in status, milli-units.
    pub usage_milli: i64,
}

/// `int32(math.Ceil(x))`, saturating where Go's conversion is undefined.
fn ceil_i32(x: f64) -> i32 {
    x.ceil() as i32
}

/// The replica calculator with its timing configuration.
#[derive(Debug, Clone, Copy)]
pub struct ReplicaCalculator {
    /// CPU readiness timing for pod grouping.
    pub readiness: Readiness,
    /// The PodLevelResources gate.
    pub pod_level_resources: bool,
}

const NO_PODS: &str = "no pods returned by selector while calculating replica count";
const NO_READY_METRICS: &str = "did not receive metrics for targeted pods (pods might be unready)";

impl ReplicaCalculator {
    /// `GetResourceReplicas`: a Resource/ContainerResource metric with a utilization target.
    #[allow(clippy::too_many_arguments)]
    pub fn resource_replicas(
        &self,
        current: i32,
        target_utilization: i32,
        resource: &str,
        container: &str,
        tol: Tolerances,
        pods: &[Pod],
        mut metrics: PodMetrics,
        now: Instant,
    ) -> Result<UtilizationProposal> {
        if pods.is_empty() {
            return Err(Error::Metric(NO_PODS.into()));
        }
        let groups = group_pods(pods, &metrics, resource, self.readiness, now);
        remove_pods(&mut metrics, &groups.ignored);
        remove_pods(&mut metrics, &groups.unready);
        if metrics.is_empty() {
            return Err(Error::Metric(NO_READY_METRICS.into()));
        }
        let requests = calculate_requests(pods, container, resource, self.pod_level_resources)?;
        let (ratio, utilization, raw_average_milli) =
            utilization_ratio(&metrics, &requests, target_utilization)?;
        let proposal = |replicas| UtilizationProposal {
            replicas,
            utilization,
            raw_average_milli,
        };

        let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
        if !scale_up_with_unready && groups.missing.is_empty() {
            if tol.is_within(ratio) {
                return Ok(proposal(current));
            }
            return Ok(proposal(ceil_i32(ratio * groups.ready_count as f64)));
        }
        if !groups.missing.is_empty() {
            if ratio < 1.0 {
                // Missing pods are assumed to use their whole request (or the target, if above 100%).
                let fallback = i64::from(target_utilization.max(100));
                for pod in &groups.missing {
                    let request = requests.get(pod).copied().unwrap_or(0);
                    metrics.insert(pod.clone(), filled(request.saturating_mul(fallback) / 100));
                }
            } else if ratio > 1.0 {
                for pod in &groups.missing {
                    metrics.insert(pod.clone(), filled(0));
                }
            }
        }
        if scale_up_with_unready {
            for pod in &groups.unready {
                metrics.insert(pod.clone(), filled(0));
            }
        }
        let (new_ratio, _, _) = utilization_ratio(&metrics, &requests, target_utilization)?;
        Ok(proposal(recompute(
            current,
            ratio,
            new_ratio,
            metrics.len(),
            tol,
        )))
    }

    /// `GetRawResourceReplicas`: a Resource/ContainerResource metric with an average-value target.
    #[allow(clippy::too_many_arguments)]
    pub fn raw_resource_replicas(
        &self,
        current: i32,
        target_milli: i64,
        resource: &str,
        tol: Tolerances,
        pods: &[Pod],
        metrics: PodMetrics,
        now: Instant,
    ) -> Result<ValueProposal> {
        self.plain_metric_replicas(current, target_milli, resource, tol, pods, metrics, now)
    }

    /// `GetMetricReplicas`: a Pods metric with an average-value target.
    pub fn pods_metric_replicas(
        &self,
        current: i32,
        target_milli: i64,
        tol: Tolerances,
        pods: &[Pod],
        metrics: PodMetrics,
        now: Instant,
    ) -> Result<ValueProposal> {
        self.plain_metric_replicas(current, target_milli, "", tol, pods, metrics, now)
    }

    /// `calcPlainMetricReplicas`: per-pod values averaged over all remaining samples.
    #[allow(clippy::too_many_arguments)]
    fn plain_metric_replicas(
        &self,
        current: i32,
        target: i64,
        resource: &str,
        tol: Tolerances,
        pods: &[Pod],
        mut metrics: PodMetrics,
        now: Instant,
    ) -> Result<ValueProposal> {
        if pods.is_empty() {
            return Err(Error::Metric(NO_PODS.into()));
        }
        let groups = group_pods(pods, &metrics, resource, self.readiness, now);
        remove_pods(&mut metrics, &groups.ignored);
        remove_pods(&mut metrics, &groups.unready);
        if metrics.is_empty() {
            return Err(Error::Metric(NO_READY_METRICS.into()));
        }
        let (ratio, usage_milli) = usage_ratio(&metrics, target);
        let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
        if !scale_up_with_unready && groups.missing.is_empty() {
            let replicas = if tol.is_within(ratio) {
                current
            } else {
                ceil_i32(ratio * groups.ready_count as f64)
            };
            return Ok(ValueProposal {
                replicas,
                usage_milli,
            });
        }
        // Missing pods sit exactly at the target when scaling down, at zero when scaling up;
        // at a ratio of exactly 1 nothing is filled in.
        let fill = if ratio < 1.0 {
            Some(target)
        } else if ratio > 1.0 {
            Some(0)
        } else {
            None
        };
        if let Some(fill) = fill {
            for pod in &groups.missing {
                metrics.insert(pod.clone(), filled(fill));
            }
        }
        if scale_up_with_unready {
            for pod in &groups.unready {
                metrics.insert(pod.clone(), filled(0));
            }
        }
        let (new_ratio, _) = usage_ratio(&metrics, target);
        Ok(ValueProposal {
            replicas: recompute(current, ratio, new_ratio, metrics.len(), tol),
            usage_milli,
        })
    }

    /// `GetObjectMetricReplicas`: an Object metric with a `Value` target. `ready` is the ready
    /// replica count of the target (`status.readyReplicas`, else `status.replicas`).
    pub fn object_replicas(
        current: i32,
        usage_milli: i64,
        target_milli: i64,
        tol: Tolerances,
        ready: i32,
    ) -> ValueProposal {
        let ratio = usage_milli as f64 / target_milli as f64;
        ValueProposal {
            replicas: usage_ratio_replicas(current, ratio, tol, ready),
            usage_milli,
        }
    }

    /// `GetObjectPerPodMetricReplicas`: an Object metric with an `AverageValue` target.
    pub fn object_per_pod_replicas(
        status_replicas: i32,
        usage_milli: i64,
        target_milli: i64,
        tol: Tolerances,
    ) -> ValueProposal {
        let (replicas, avg) = per_pod(status_replicas, usage_milli, target_milli, tol);
        ValueProposal {
            replicas,
            usage_milli: avg,
        }
    }

    /// `GetExternalMetricReplicas`: an External metric with a `Value` target; samples are summed,
    /// saturating at `i64::MAX`.
    pub fn external_replicas(
        current: i32,
        samples: &[i64],
        target_milli: i64,
        tol: Tolerances,
        ready: i32,
    ) -> ValueProposal {
        let usage = samples.iter().fold(0i64, |acc, v| acc.saturating_add(*v));
        Self::object_replicas(current, usage, target_milli, tol, ready)
    }

    /// `GetExternalPerPodMetricReplicas`: an External metric with an `AverageValue` target.
    pub fn external_per_pod_replicas(
        status_replicas: i32,
        samples: &[i64],
        target_milli: i64,
        tol: Tolerances,
    ) -> ValueProposal {
        // A sum that wraps negative becomes MaxInt64, as upstream's overflow guard does.
        let usage = samples.iter().fold(0i64, |acc, v| {
            let s = acc.wrapping_add(*v);
            if s < 0 && acc >= 0 && *v >= 0 {
                i64::MAX
            } else {
                s
            }
        });
        let (replicas, avg) = per_pod(status_replicas, usage, target_milli, tol);
        ValueProposal {
            replicas,
            usage_milli: avg,
        }
    }
}

/// Per-pod targets: `statusReplicas` when within tolerance, else `ceil(usage / target)`.
/// Reports `ceil(usage / statusReplicas)`, saturating at `i64::MAX`.
fn per_pod(status_replicas: i32, usage: i64, target: i64, tol: Tolerances) -> (i32, i64) {
    let ratio = usage as f64 / (target as f64 * f64::from(status_replicas));
    let replicas = if tol.is_within(ratio) {
        status_replicas
    } else {
        ceil_i32(usage as f64 / target as f64)
    };
    let avg = (usage as f64 / f64::from(status_replicas)).ceil();
    let avg = if avg >= i64::MAX as f64 {
        i64::MAX
    } else {
        avg as i64
    };
    (replicas, avg)
}

/// `getUsageRatioReplicaCount`: from a non-zero count, tolerance then `ceil(ratio × ready)`
/// (clamped to `i32::MAX`); from zero, `ceil(ratio)` with no tolerance.
fn usage_ratio_replicas(current: i32, ratio: f64, tol: Tolerances, ready: i32) -> i32 {
    if current != 0 {
        if tol.is_within(ratio) {
            return current;
        }
        let f = ratio * f64::from(ready);
        if f > f64::from(i32::MAX) {
            i32::MAX
        } else {
            ceil_i32(f)
        }
    } else {
        ceil_i32(ratio)
    }
}

/// The slow path's second pass: keep `current` when the new ratio is within tolerance, flips
/// direction, or would move replicas against the ratio.
fn recompute(current: i32, ratio: f64, new_ratio: f64, samples: usize, tol: Tolerances) -> i32 {
    if tol.is_within(new_ratio)
        || (ratio < 1.0 && new_ratio > 1.0)
        || (ratio > 1.0 && new_ratio < 1.0)
    {
        return current;
    }
    let new = ceil_i32(new_ratio * samples as f64);
    if (new_ratio < 1.0 && new > current) || (new_ratio > 1.0 && new < current) {
        return current;
    }
    new
}

fn filled(value_milli: i64) -> PodSample {
    PodSample {
        value_milli,
        timestamp: Instant::ZERO,
        window_ms: 0,
    }
}

fn remove_pods(metrics: &mut PodMetrics, pods: &HashSet<String>) {
    for p in pods {
        metrics.remove(p);
    }
}

/// `GetResourceUtilizationRatio`: samples of pods without a request are skipped as extraneous.
/// Utilization is truncated to whole percent before the ratio is taken. Sums use 128-bit
/// arithmetic, the result of upstream's overflow-safe variant.
pub fn utilization_ratio(
    metrics: &PodMetrics,
    requests: &HashMap<String, i64>,
    target_utilization: i32,
) -> Result<(f64, i32, i64)> {
    let (mut total, mut req_total, mut n) = (0i128, 0i128, 0i128);
    for (pod, sample) in metrics {
        if let Some(r) = requests.get(pod) {
            total += i128::from(sample.value_milli);
            req_total += i128::from(*r);
            n += 1;
        }
    }
    if req_total == 0 {
        return Err(Error::Metric(
            "no metrics returned matched known pods".into(),
        ));
    }
    let utilization =
        (total * 100 / req_total).clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i32;
    let raw = (total / n).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    Ok((
        f64::from(utilization) / f64::from(target_utilization),
        utilization,
        raw,
    ))
}

/// `GetMetricUsageRatio`: the truncated average over all samples, over the target.
pub fn usage_ratio(metrics: &PodMetrics, target: i64) -> (f64, i64) {
    let total: i128 = metrics.values().map(|s| i128::from(s.value_milli)).sum();
    let n = i128::try_from(metrics.len()).unwrap_or(i128::MAX).max(1);
    let usage = (total / n).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    (usage as f64 / target as f64, usage)
}
