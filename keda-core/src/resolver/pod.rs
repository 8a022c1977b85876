//! The parts of a Kubernetes PodSpec the resolver reads (lenient: other fields are ignored).

use serde::{Deserialize, Serialize};

/// The PodSpec fields KEDA's resolver uses.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PodSpec {
    /// `containers`.
    #[serde(default)]
    pub containers: Vec<Container>,
    /// `serviceAccountName` (`default` when empty).
    #[serde(default)]
    pub service_account_name: String,
}

impl PodSpec {
    /// Reads the resolver's fields from a pod spec written as JSON (e.g. a ScaledJob template).
    pub fn from_json(spec: &serde_json::Value) -> crate::Result<Self> {
        serde_json::from_value(spec.clone())
            .map_err(|e| crate::Error::Parse(format!("pod spec: {e}")))
    }
}

/// A container's name and environment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Container {
    /// `name`.
    #[serde(default)]
    pub name: String,
    /// `env`.
    #[serde(default)]
    pub env: Vec<EnvVar>,
    /// `envFrom`.
    #[serde(default)]
    pub env_from: Vec<EnvFromSource>,
}

impl Container {
    /// A container with literal env vars.
    pub fn with_env<K: Into<String>, V: Into<String>>(
        name: impl Into<String>,
        env: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            name: name.into(),
            env: env
                .into_iter()
                .map(|(k, v)| EnvVar {
                    name: k.into(),
                    value: v.into(),
                    value_from: None,
                })
                .collect(),
            env_from: Vec::new(),
        }
    }
}

/// `env[]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnvVar {
    /// `name`.
    pub name: String,
    /// `value`.
    #[serde(default)]
    pub value: String,
    /// `valueFrom`.
    #[serde(default)]
    pub value_from: Option<EnvVarSource>,
}

/// `env[].valueFrom` (fieldRef and resourceFieldRef are skipped, as KEDA does).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnvVarSource {
    /// `secretKeyRef`.
    #[serde(default)]
    pub secret_key_ref: Option<SecretKeySelector>,
    /// `configMapKeyRef`.
    #[serde(default)]
    pub config_map_key_ref: Option<ConfigMapKeySelector>,
}

/// `secretKeyRef`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SecretKeySelector {
    /// `name`.
    #[serde(default)]
    pub name: String,
    /// `key`.
    pub key: String,
    /// `optional`.
    #[serde(default)]
    pub optional: Option<bool>,
}

/// `configMapKeyRef`.
pub type ConfigMapKeySelector = SecretKeySelector;

/// `envFrom[]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnvFromSource {
    /// `prefix`.
    #[serde(default)]
    pub prefix: String,
    /// `configMapRef`.
    #[serde(default)]
    pub config_map_ref: Option<LocalObjectReference>,
    /// `secretRef`.
    #[serde(default)]
    pub secret_ref: Option<LocalObjectReference>,
}

/// `configMapRef` / `secretRef` of `envFrom`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LocalObjectReference {
    /// `name`.
    #[serde(default)]
    pub name: String,
    /// `optional`.
    #[serde(default)]
    pub optional: Option<bool>,
}
