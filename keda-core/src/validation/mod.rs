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
mod webhook;

pub use set::check_set;

pub use webhook::{
    check_fallback_valid, check_replica_count_bounds, validate_scaled_job, validate_scaled_object,
    validate_trigger_authentication_spec,
};

use crate::Result;
use crate::scaler::ScalerConfig;

/// Validates trigger metadata with the rules of the trigger's scaler.
///
/// `keda-scalers` implements this over its scaler registry; offline tools call it for every
/// trigger whose inputs are all known (no `...FromEnv` keys, no authentication reference).
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
}

impl std::fmt::Debug for Validator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("metadata", &self.metadata.is_some())
            .finish()
    }
}

impl<'a> Validator<'a> {
    /// A validator with the given metadata hook.
    pub fn with_metadata(mut self, v: &'a dyn MetadataValidator) -> Self {
        self.metadata = Some(v);
        self
    }

    /// Validates any KEDA resource; returns the webhook's warnings.
    pub fn validate(&self, manifest: &crate::manifest::Manifest) -> Result<Vec<String>> {
        use crate::manifest::Manifest;
        match manifest {
            Manifest::ScaledObject(so) => validate_scaled_object(so, self),
            Manifest::ScaledJob(sj) => validate_scaled_job(sj, self).map(|()| Vec::new()),
            Manifest::TriggerAuthentication(ta) => {
                schema::object_meta(&ta.metadata, true)?;
                validate_trigger_authentication_spec(&ta.spec).map(|()| Vec::new())
            }
            Manifest::ClusterTriggerAuthentication(ta) => {
                schema::object_meta(&ta.metadata, false)?;
                validate_trigger_authentication_spec(&ta.spec).map(|()| Vec::new())
            }
        }
    }
}
