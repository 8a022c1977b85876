//! Resolution of a trigger's inputs (KEDA's `pkg/scaling/resolver`): the scale target's
//! container environment (`resolvedEnv`, with `$(VAR)` expansion) and the auth parameters of the
//! trigger's TriggerAuthentication / ClusterTriggerAuthentication (`authParams`, pod identity).
//!
//! Cluster objects are read through the [`ObjectLookup`] trait, so the same code runs against an
//! informer cache of a real cluster or the in-memory [`InMemoryObjects`] of tests and offline tools.
//! Sources that need a live external service (HashiCorp Vault, Azure Key Vault, GCP and AWS secret
//! managers) are reported as [`crate::Error::Unsupported`] rather than silently skipped.

mod auth;
mod env;
mod lookup;
mod pod;

pub use auth::{ResolveOptions, ResolvedAuth, resolve_auth_ref, resolve_auth_ref_and_pod_identity};
pub use env::{resolve_container_env, resolve_env, resolve_env_value};
pub use lookup::{InMemoryObjects, ObjectLookup};
pub use pod::{
    ConfigMapKeySelector, Container, EnvFromSource, EnvVar, EnvVarSource, LocalObjectReference,
    PodSpec, SecretKeySelector,
};
