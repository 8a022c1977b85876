//! The pods an HPA selects, and how the replica calculator sorts them
//! (`groupPods`, `calculatePodRequests` in `replica_calculator.go`).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::clock::Instant;
use crate::{Error, Result};

/// `status.phase` of a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum PodPhase {
    /// Not yet scheduled or started.
    Pending,
    /// Running.
    #[default]
    Running,
    /// All containers terminated successfully.
    Succeeded,
    /// A container failed.
    Failed,
    /// Unknown.
    Unknown,
}

/// Status of a condition (`True`, `False`, `Unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ConditionStatus {
    /// `True`.
    True,
    /// `False`.
    False,
    /// `Unknown`.
    Unknown,
}

impl ConditionStatus {
    /// As written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::True => "True",
            Self::False => "False",
            Self::Unknown => "Unknown",
        }
    }
}

/// The pod's `Ready` condition.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReadyCondition {
    /// Its status.
    pub status: ConditionStatus,
    /// When it last changed.
    pub last_transition: Instant,
}

/// A container and its resource requests (milli-units by resource name).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Container {
    /// Container name.
    pub name: String,
    /// `resources.requests`, in milli-units.
    pub requests: BTreeMap<String, i64>,
    /// For init containers: `restartPolicy: Always` (a sidecar), whose request counts.
    pub restartable: bool,
}

/// What the HPA needs to know about a pod.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Pod {
    /// Pod name.
    pub name: String,
    /// Labels, for selector matching.
    pub labels: BTreeMap<String, String>,
    /// `status.phase`.
    pub phase: PodPhase,
    /// `metadata.deletionTimestamp` is set.
    pub deleted: bool,
    /// `status.startTime`.
    pub start_time: Option<Instant>,
    /// The `Ready` condition, if reported.
    pub ready: Option<ReadyCondition>,
    /// `spec.containers`.
    pub containers: Vec<Container>,
    /// `spec.initContainers`.
    pub init_containers: Vec<Container>,
    /// Pod-level `spec.resources.requests` (PodLevelResources), milli-units.
    pub pod_requests: BTreeMap<String, i64>,
}

/// One pod's metric sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PodSample {
    /// Value in milli-units.
    pub value_milli: i64,
    /// When the sample was taken.
    pub timestamp: Instant,
    /// Length of the window it covers, in milliseconds.
    pub window_ms: i64,
}

/// Samples by pod name (`PodMetricsInfo`).
pub type PodMetrics = HashMap<String, PodSample>;

/// The outcome of [`group_pods`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PodGroups {
    /// Pods counted as ready.
    pub ready_count: usize,
    /// Pending pods, and (for cpu) pods still initializing or never ready.
    pub unready: HashSet<String>,
    /// Pods without a sample.
    pub missing: HashSet<String>,
    /// Deleted or failed pods.
    pub ignored: HashSet<String>,
}

/// Timing parameters of [`group_pods`].
#[derive(Debug, Clone, Copy)]
pub struct Readiness {
    /// `--horizontal-pod-autoscaler-cpu-initialization-period`, ms.
    pub cpu_initialization_period_ms: i64,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay`, ms.
    pub delay_of_initial_readiness_ms: i64,
}

/// Sorts pods into ready / unready / missing / ignored, as `groupPods` does. The cpu-specific
/// readiness rules apply only when `resource == "cpu"`.
pub fn group_pods(
    pods: &[Pod],
    metrics: &PodMetrics,
    resource: &str,
    readiness: Readiness,
    now: Instant,
) -> PodGroups {
    let mut g = PodGroups::default();
    for pod in pods {
        if pod.deleted || pod.phase == PodPhase::Failed {
            g.ignored.insert(pod.name.clone());
            continue;
        }
        if pod.phase == PodPhase::Pending {
            g.unready.insert(pod.name.clone());
            continue;
        }
        let Some(sample) = metrics.get(&pod.name) else {
            g.missing.insert(pod.name.clone());
            continue;
        };
        if resource == "cpu" {
            let unready = match (pod.ready, pod.start_time) {
                (Some(ready), Some(start)) => {
                    if start.plus_millis(readiness.cpu_initialization_period_ms) > now {
                        // Still initializing: unready unless a full window was collected since it became ready.
                        ready.status == ConditionStatus::False
                            || sample.timestamp
                                < ready.last_transition.plus_millis(sample.window_ms)
                    } else {
                        // Unready only if it has never been ready since it started.
                        ready.status == ConditionStatus::False
                            && start.plus_millis(readiness.delay_of_initial_readiness_ms)
                                > ready.last_transition
                    }
                }
                _ => true,
            };
            if unready {
                g.unready.insert(pod.name.clone());
                continue;
            }
        }
        g.ready_count += 1;
    }
    g
}

/// Requests of every pod for `resource` (`calculatePodRequests`): one container's when
/// `container` is given, else the pod-level request (with the PodLevelResources gate), else the
/// sum over containers and restartable init containers.
pub fn calculate_requests(
    pods: &[Pod],
    container: &str,
    resource: &str,
    pod_level_resources: bool,
) -> Result<HashMap<String, i64>> {
    let mut out = HashMap::with_capacity(pods.len());
    for pod in pods {
        let request = if !container.is_empty() {
            let c = pod
                .containers
                .iter()
                .find(|c| c.name == container)
                .ok_or_else(|| {
                    Error::Metric(format!(
                        "container {container} not present in pod {}",
                        pod.name
                    ))
                })?;
            container_request(c, resource, &pod.name)?
        } else if let Some(r) = pod_level_resources
            .then(|| pod.pod_requests.get(resource))
            .flatten()
        {
            *r
        } else {
            let mut sum = 0i64;
            for c in pod
                .containers
                .iter()
                .chain(pod.init_containers.iter().filter(|c| c.restartable))
            {
                sum = sum.saturating_add(container_request(c, resource, &pod.name)?);
            }
            sum
        };
        out.insert(pod.name.clone(), request);
    }
    Ok(out)
}

fn container_request(c: &Container, resource: &str, pod: &str) -> Result<i64> {
    c.requests.get(resource).copied().ok_or_else(|| {
        Error::Metric(format!(
            "missing request for {resource} in container {} of Pod {pod}",
            c.name
        ))
    })
}
