//! Counting a ScaledJob's Jobs and trimming their history (KEDA's `scale_jobs.go`:
//! `getRunningJobCount`, `getPendingJobCount`, `cleanUp`).

use std::collections::BTreeMap;

use crate::clock::Instant;

/// Annotation listing (comma-separated) ScaledJob labels not to copy onto its Jobs.
pub const EXCLUDED_LABELS_ANNOTATION: &str = "scaledjob.keda.sh/job-excluded-labels";

/// Metadata of a Job a ScaledJob creates (KEDA's `generateJobs`); the spec is the ScaledJob's
/// `jobTargetRef` with `restartPolicy` defaulted to `OnFailure`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewJobMeta {
    /// `<scaledjob>-`.
    pub generate_name: String,
    /// The ScaledJob's namespace.
    pub namespace: String,
    /// KEDA's labels plus the ScaledJob's (minus excluded ones).
    pub labels: BTreeMap<String, String>,
    /// `scaledjob.keda.sh/generation` plus the ScaledJob's annotations (which win).
    pub annotations: BTreeMap<String, String>,
}

/// Builds the metadata of the Jobs to create. `version` is the operator version label value.
pub fn new_job_meta(
    name: &str,
    namespace: &str,
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
    generation: i64,
    version: &str,
) -> NewJobMeta {
    let excluded: Vec<&str> = annotations
        .get(EXCLUDED_LABELS_ANNOTATION)
        .map(|l| l.split(',').collect())
        .unwrap_or_default();
    let mut job_labels: BTreeMap<String, String> = [
        ("app.kubernetes.io/name", name),
        ("app.kubernetes.io/version", version),
        ("app.kubernetes.io/part-of", name),
        ("app.kubernetes.io/managed-by", "keda-operator"),
        ("scaledjob.keda.sh/name", name),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    job_labels.extend(
        labels
            .iter()
            .filter(|(k, _)| !excluded.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    let mut job_annotations = BTreeMap::from([(
        "scaledjob.keda.sh/generation".to_owned(),
        generation.to_string(),
    )]);
    job_annotations.extend(annotations.iter().map(|(k, v)| (k.clone(), v.clone())));
    NewJobMeta {
        generate_name: format!("{name}-"),
        namespace: namespace.to_owned(),
        labels: job_labels,
        annotations: job_annotations,
    }
}

/// KEDA's `createJobs` count: nothing unless `max_scale > 0`, else `min(scale_to, max_scale)`.
pub fn jobs_to_create(scale_to: i64, max_scale: i64) -> i64 {
    if max_scale <= 0 {
        0
    } else {
        scale_to.min(max_scale).max(0)
    }
}

/// How a Job finished (a `Complete`/`Failed` condition with status True).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobFinish {
    /// `Complete`.
    Complete,
    /// `Failed`.
    Failed,
}

/// A pod of a Job, as far as pending detection cares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobPod {
    /// `status.phase` (`Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`).
    pub phase: String,
    /// Types of the pod's conditions whose status is True.
    pub true_conditions: Vec<String>,
}

/// A Job of the ScaledJob (label `scaledjob.keda.sh/name`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobInfo {
    /// `metadata.name`.
    pub name: String,
    /// How it finished, if it has.
    pub finished: Option<JobFinish>,
    /// `status.completionTime`.
    pub completion_time: Option<Instant>,
    /// Its pods (label `job-name`).
    pub pods: Vec<JobPod>,
}

impl JobInfo {
    /// Running: not finished.
    pub fn is_running(&self) -> bool {
        self.finished.is_none()
    }

    /// Pending (only meaningful while running): with `pending_pod_conditions`, no pod has all of
    /// them True; without, no pod is `Running` or `Succeeded`.
    pub fn is_pending(&self, pending_pod_conditions: &[String]) -> bool {
        if pending_pod_conditions.is_empty() {
            !self
                .pods
                .iter()
                .any(|p| p.phase == "Running" || p.phase == "Succeeded")
        } else {
            !self.pods.iter().any(|p| {
                pending_pod_conditions
                    .iter()
                    .all(|c| p.true_conditions.contains(c))
            })
        }
    }
}

/// Running and pending counts of a ScaledJob's Jobs.
pub fn running_and_pending(jobs: &[JobInfo], pending_pod_conditions: &[String]) -> (i64, i64) {
    let running = jobs.iter().filter(|j| j.is_running());
    let pending = running
        .clone()
        .filter(|j| j.is_pending(pending_pod_conditions))
        .count();
    (running.count() as i64, pending as i64)
}

/// Default `successfulJobsHistoryLimit` and `failedJobsHistoryLimit`.
pub const DEFAULT_HISTORY_LIMIT: i32 = 100;

/// Names of finished Jobs to delete so that at most `successful_limit` Complete and
/// `failed_limit` Failed Jobs remain, oldest (by completion time) first. Jobs without a completion
/// time sort first, as a nil time does in Go.
pub fn history_to_delete(
    jobs: &[JobInfo],
    successful_limit: i32,
    failed_limit: i32,
) -> Vec<String> {
    let mut out = Vec::new();
    for (kind, limit) in [
        (JobFinish::Complete, successful_limit),
        (JobFinish::Failed, failed_limit),
    ] {
        let mut finished: Vec<&JobInfo> =
            jobs.iter().filter(|j| j.finished == Some(kind)).collect();
        finished.sort_by_key(|j| j.completion_time);
        let excess = finished
            .len()
            .saturating_sub(usize::try_from(limit).unwrap_or(0));
        out.extend(finished.into_iter().take(excess).map(|j| j.name.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(name: &str, finished: Option<JobFinish>, t: i64, phases: &[&str]) -> JobInfo {
        JobInfo {
            name: name.into(),
            finished,
            completion_time: finished.map(|_| Instant::from_secs(t)),
            pods: phases
                .iter()
                .map(|p| JobPod {
                    phase: (*p).into(),
                    true_conditions: vec![],
                })
                .collect(),
        }
    }

    #[test]
    fn new_jobs_carry_keda_labels_minus_excluded_ones() {
        let labels = BTreeMap::from([
            ("team".to_owned(), "a".to_owned()),
            ("secret".to_owned(), "x".to_owned()),
        ]);
        let ann = BTreeMap::from([(EXCLUDED_LABELS_ANNOTATION.to_owned(), "secret".to_owned())]);
        let meta = new_job_meta("sj", "ns", &labels, &ann, 3, "v2");
        assert_eq!(meta.generate_name, "sj-");
        assert_eq!(meta.labels.get("team").map(String::as_str), Some("a"));
        assert!(!meta.labels.contains_key("secret"));
        assert_eq!(
            meta.labels
                .get("scaledjob.keda.sh/name")
                .map(String::as_str),
            Some("sj")
        );
        assert_eq!(
            meta.annotations
                .get("scaledjob.keda.sh/generation")
                .map(String::as_str),
            Some("3")
        );
        assert_eq!(
            (
                jobs_to_create(5, 2),
                jobs_to_create(1, 2),
                jobs_to_create(5, 0)
            ),
            (2, 1, 0)
        );
    }

    #[test]
    fn counts_running_and_pending() {
        let jobs = [
            job("a", None, 0, &["Pending"]),
            job("b", None, 0, &["Running"]),
            job("c", Some(JobFinish::Complete), 5, &["Succeeded"]),
            job("d", None, 0, &[]),
        ];
        assert_eq!(running_and_pending(&jobs, &[]), (3, 2));
    }

    #[test]
    fn trims_oldest_history_per_kind() {
        let jobs = [
            job("s1", Some(JobFinish::Complete), 3, &[]),
            job("s2", Some(JobFinish::Complete), 2, &[]),
            job("s3", Some(JobFinish::Complete), 1, &[]),
            job("f1", Some(JobFinish::Failed), 3, &[]),
            job("f2", Some(JobFinish::Failed), 2, &[]),
            job("r", None, 0, &[]),
        ];
        assert_eq!(history_to_delete(&jobs, 1, 1), ["s3", "s2", "f2"]);
        assert!(history_to_delete(&jobs, 100, 100).is_empty());
    }
}
