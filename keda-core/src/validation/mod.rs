//! Offline validation of KEDA resources, equivalent to what a cluster checks on `kubectl apply`:
//! the CRD schema (minimums, lengths, required items, the `minReplicaCount <= maxReplicaCount`
//! rule; unknown fields are already rejected when decoding, see [`crate::manifest`]) and KEDA's
//! admission webhook (`apis/keda/v1alpha1/*_webhook.go`). Errors name the field path and value.
//!
//! Checks that need the live cluster (another ScaledObject or HPA already managing the target,
//! container resource requests of the target, LimitRanges) are out of reach offline; the
//! remaining webhook rules run in a fixed order (KEDA iterates a Go map, so its order varies).
//!
//! A hook lets the scalers crate add what this crate cannot know: a [`MetadataValidator`] parses
//! each trigger's metadata with its scaler's rules (implemented by `keda-scalers`).

mod schema;
mod set;
mod snapshot;
mod webhook;

pub use set::check_set;
pub use snapshot::{ClusterSnapshot, DEFAULT_NAMESPACE};

pub use webhook::{
    check_fallback_valid, check_replica_count_bounds, validate_scaled_job, validate_scaled_object,
    validate_trigger_authentication_spec,
};

use crate::Result;
use crate::scaler::ScalerConfig;

/// Validates trigger metadata with the rules of the trigger's scaler.
///
/// `keda-scalers` implements this over its scaler registry. Validation calls it for every trigger
/// whose inputs are all known offline: metadata in the manifest, and the authentication, Secrets,
/// ConfigMaps and workload env it references present in the [`ClusterSnapshot`], if any.
pub trait MetadataValidator {
    /// Whether a scaler for `trigger_type` is known.
    fn supports(&self, trigger_type: &str) -> bool;
    /// Parses `config` as the scaler would when built; an error names the parameter.
    fn validate(&self, trigger_type: &str, config: &ScalerConfig) -> Result<()>;
}

/// The hooks and settings of a validation run.
#[derive(Default, Clone, Copy)]
#[non_exhaustive]
pub struct Validator<'a> {
    /// Trigger metadata checks, when available.
    pub metadata: Option<&'a dyn MetadataValidator>,
    /// Objects shipped with the manifests, to resolve auth parameters and `...FromEnv` values.
    pub snapshot: Option<&'a ClusterSnapshot>,
}

impl std::fmt::Debug for Validator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("metadata", &self.metadata.is_some())
            .field("snapshot", &self.snapshot.is_some())
            .finish()
    }
}

impl<'a> Validator<'a> {
    /// A validator with the given metadata hook.
    pub fn with_metadata(mut self, v: &'a dyn MetadataValidator) -> Self {
        self.metadata = Some(v);
        self
    }

    /// A validator resolving trigger inputs from `snapshot`.
    pub fn with_snapshot(mut self, snapshot: &'a ClusterSnapshot) -> Self {
        self.snapshot = Some(snapshot);
        self
    }

    /// Validates any KEDA resource; returns the webhook's warnings.
    pub fn validate(&self, manifest: &crate::manifest::Manifest) -> Result<Vec<String>> {
        use crate::manifest::Manifest;
        match manifest {
            Manifest::ScaledObject(so) => validate_scaled_object(so, self),
            Manifest::ScaledJob(sj) => validate_scaled_job(sj, self).map(|()| Vec::new()),
            Manifest::TriggerAuthentication(ta) | Manifest::ClusterTriggerAuthentication(ta) => {
                schema::object_meta(&ta.metadata)?;
                schema::trigger_authentication(&ta.spec)?;
                validate_trigger_authentication_spec(&ta.spec).map(|()| Vec::new())
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::manifest::{Manifest, parse_documents};

    /// Records the configs it is asked to validate; rejects a `listName` of `bad`.
    #[derive(Default)]
    struct Recorder(RefCell<Vec<ScalerConfig>>);

    impl MetadataValidator for Recorder {
        fn supports(&self, trigger_type: &str) -> bool {
            trigger_type == "redis"
        }
        fn validate(&self, _: &str, config: &ScalerConfig) -> Result<()> {
            self.0.borrow_mut().push(config.clone());
            match config.trigger_metadata.get("listName").map(String::as_str) {
                Some("bad") => Err(crate::Error::TriggerParam {
                    param: "listName".into(),
                    message: "bad list".into(),
                }),
                _ => Ok(()),
            }
        }
    }

    const FILES: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: redis}
data: {password: czNjcmV0}
---
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {name: auth}
spec:
  secretTargetRef: [{parameter: password, name: redis, key: password}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: c, env: [{name: HOST, value: "redis:6379"}]}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: so}
spec:
  scaleTargetRef: {name: web}
  triggers:
  - {type: redis, authenticationRef: {name: auth}, metadata: {addressFromEnv: HOST, listName: LIST}}
  - {type: cron, metadata: {timezone: UTC, start: '0 8 * * *', end: '0 9 * * *', desiredReplicas: '1'}}
  - {type: redis, authenticationRef: {name: elsewhere}, metadata: {address: 'r:6379', listName: bad}}
"#;

    fn scaled_object(list: &str) -> (Vec<serde_json::Value>, Manifest) {
        let docs = parse_documents(&FILES.replace("LIST", list)).unwrap();
        let so = Manifest::from_value(docs[3].clone()).unwrap();
        (docs, so)
    }

    #[test]
    fn triggers_are_checked_with_inputs_resolved_from_the_snapshot() {
        let (docs, so) = scaled_object("jobs");
        let snapshot = ClusterSnapshot::from_documents(&docs);
        let hook = Recorder::default();
        Validator::default()
            .with_metadata(&hook)
            .with_snapshot(&snapshot)
            .validate(&so)
            .unwrap();
        let seen = hook.0.borrow();
        // The cron trigger is not supported by the hook; the third trigger's authentication is not
        // among the documents, so it is skipped rather than checked with missing parameters.
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].auth_params["password"], "s3cret");
        assert_eq!(seen[0].resolved_env["HOST"], "redis:6379");
        assert_eq!(
            (
                seen[0].trigger_index,
                seen[0].scalable_object_namespace.as_str()
            ),
            (0, DEFAULT_NAMESPACE)
        );
    }

    #[test]
    fn metadata_errors_name_the_trigger() {
        let (docs, so) = scaled_object("bad");
        let snapshot = ClusterSnapshot::from_documents(&docs);
        let hook = Recorder::default();
        let e = Validator::default()
            .with_metadata(&hook)
            .with_snapshot(&snapshot)
            .validate(&so)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "spec.triggers[0].metadata: Invalid value: redis: bad list"
        );
        // Without the snapshot the first trigger's inputs are unknown, so nothing is checked.
        assert!(
            Validator::default()
                .with_metadata(&hook)
                .validate(&so)
                .is_ok()
        );
    }
}
