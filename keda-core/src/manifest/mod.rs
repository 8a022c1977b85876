//! KEDA's custom resources (`keda.sh/v1alpha1`): ScaledObject, ScaledJob, TriggerAuthentication and
//! ClusterTriggerAuthentication, with KEDA's JSON field names and defaults.
//!
//! Decoding is strict, as `kubectl apply` with server-side strict field validation: an unknown
//! field anywhere (including `metadata`, whose only open-ended parts are labels and annotations)
//! is an error naming its path. Optional fields keep what was written (`None` when absent) and the
//! resources' accessors apply KEDA's defaults (`pollingInterval` 30, `cooldownPeriod` 300,
//! `minReplicaCount` 0, `maxReplicaCount` 100, fallback behavior `static`, ...).
//!
//! ```
//! use keda_core::manifest::{Manifest, parse_documents};
//!
//! let yaml = r#"
//! apiVersion: keda.sh/v1alpha1
//! kind: ScaledObject
//! metadata: {name: worker, namespace: jobs}
//! spec:
//!   scaleTargetRef: {name: worker}
//!   triggers:
//!     - type: redis
//!       metadata: {address: "redis:6379", listName: jobs}
//! "#;
//! let docs = parse_documents(yaml)?;
//! let Manifest::ScaledObject(so) = Manifest::from_value(docs[0].clone())? else { panic!() };
//! assert_eq!((so.polling_interval(), so.cooldown_period(), so.hpa_max_replicas()), (30, 300, 100));
//!
//! let typo = yaml.replace("triggers:", "trigers:");
//! let err = Manifest::from_value(parse_documents(&typo)?[0].clone()).unwrap_err();
//! assert_eq!(err.to_string(), "spec.trigers: unknown field");
//! # Ok::<(), keda_core::Error>(())
//! ```

pub mod annotations;
mod conditions;
mod derived_hpa;
mod meta;
mod scaled_job;
mod scaled_object;
mod trigger_auth;
mod triggers;

pub use crate::conditions::{Condition, ConditionStatus, ConditionType, Conditions};
pub use conditions::reasons;
pub use derived_hpa::{DerivedHpa, derive_hpa, external_metric_spec, hpa_labels};
pub use meta::{ObjectMeta, OwnerReference};
pub use scaled_job::*;
pub use scaled_object::*;
pub use trigger_auth::*;
pub use triggers::{
    AuthenticationKind, AuthenticationRef, Trigger, triggers_and_authentications_types,
    validate_triggers,
};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Error, Result};

/// One KEDA resource, dispatched on `apiVersion`/`kind`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Manifest {
    /// A ScaledObject.
    ScaledObject(Box<ScaledObject>),
    /// A ScaledJob.
    ScaledJob(Box<ScaledJob>),
    /// A TriggerAuthentication.
    TriggerAuthentication(Box<TriggerAuthentication>),
    /// A ClusterTriggerAuthentication.
    ClusterTriggerAuthentication(Box<ClusterTriggerAuthentication>),
}

/// The kinds [`Manifest::from_value`] accepts.
pub const KINDS: [&str; 4] = [
    "ScaledObject",
    "ScaledJob",
    "TriggerAuthentication",
    "ClusterTriggerAuthentication",
];

impl Manifest {
    /// Decodes one document strictly, choosing the type from `apiVersion` (must be
    /// `keda.sh/v1alpha1`) and `kind`.
    pub fn from_value(doc: Value) -> Result<Self> {
        let api_version = doc
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kind = doc
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if api_version.is_empty() {
            return Err(Error::required("apiVersion", "apiVersion must be set"));
        }
        if api_version != API_VERSION {
            return Err(Error::Unsupported {
                field: "apiVersion".into(),
                value: api_version.into(),
                supported: API_VERSION.into(),
            });
        }
        Ok(match kind.as_str() {
            "ScaledObject" => Self::ScaledObject(Box::new(from_value(doc)?)),
            "ScaledJob" => Self::ScaledJob(Box::new(from_value(doc)?)),
            "TriggerAuthentication" => Self::TriggerAuthentication(Box::new(from_value(doc)?)),
            "ClusterTriggerAuthentication" => {
                Self::ClusterTriggerAuthentication(Box::new(from_value(doc)?))
            }
            "" => return Err(Error::required("kind", "kind must be set")),
            other => {
                return Err(Error::Unsupported {
                    field: "kind".into(),
                    value: other.into(),
                    supported: KINDS.join(", "),
                });
            }
        })
    }

    /// The resource's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ScaledObject(_) => "ScaledObject",
            Self::ScaledJob(_) => "ScaledJob",
            Self::TriggerAuthentication(_) => "TriggerAuthentication",
            Self::ClusterTriggerAuthentication(_) => "ClusterTriggerAuthentication",
        }
    }

    /// The resource's metadata.
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Self::ScaledObject(o) => &o.metadata,
            Self::ScaledJob(o) => &o.metadata,
            Self::TriggerAuthentication(o) | Self::ClusterTriggerAuthentication(o) => &o.metadata,
        }
    }
}

/// Splits a YAML stream (`---`-separated documents, or a single JSON document) into JSON values,
/// skipping empty documents as kubectl does.
pub fn parse_documents(text: &str) -> Result<Vec<Value>> {
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(text).map_err(|e| Error::Parse(e.to_string()))?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// Decodes one KEDA resource strictly from JSON; errors name the field path.
pub fn from_value<T: DeserializeOwned>(doc: Value) -> Result<T> {
    serde_path_to_error::deserialize(doc).map_err(|e| {
        let path = field_path(e.path());
        decode_error(&path, &e.inner().to_string())
    })
}

/// Decodes one KEDA resource strictly from a YAML (or JSON) document.
pub fn from_yaml_str<T: DeserializeOwned>(text: &str) -> Result<T> {
    let value: Value = serde_saphyr::from_str(text).map_err(|e| Error::Parse(e.to_string()))?;
    from_value(value)
}

/// A path as Kubernetes prints it: `spec.triggers[0].metadata`, map keys that are not plain
/// identifiers in brackets (`metadata.annotations[autoscaling.keda.sh/paused]`).
fn field_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Map { key } => out.push_str(&format!("[{key}]")),
            Segment::Enum { variant } => out.push_str(&format!(".{variant}")),
            Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

/// The text between the first pair of backticks of a serde message.
fn quoted(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let len = msg.get(start..)?.find('`')?;
    msg.get(start..start + len)
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// Turns serde's messages into the API server's vocabulary.
fn decode_error(path: &str, msg: &str) -> Error {
    let at = || {
        if path.is_empty() {
            "<root>".to_owned()
        } else {
            path.to_owned()
        }
    };
    if msg.starts_with("unknown field") {
        // The path already ends at the unknown key.
        let field = quoted(msg).unwrap_or("?");
        let full = if path.ends_with(field) {
            path.to_owned()
        } else {
            join(path, field)
        };
        return Error::UnknownField { field: full };
    }
    if msg.starts_with("missing field") {
        return Error::required(
            join(path, quoted(msg).unwrap_or("?")),
            "required field is missing",
        );
    }
    if let Some(rest) = msg.strip_prefix("unknown variant") {
        let value = quoted(msg).unwrap_or_default().to_owned();
        let supported = rest
            .split_once("expected ")
            .map_or(String::new(), |(_, s)| s.replace('`', "\""));
        return Error::Unsupported {
            field: at(),
            value: format!("\"{value}\""),
            supported,
        };
    }
    Error::Invalid {
        field: at(),
        value: quoted(msg).unwrap_or_default().to_owned(),
        message: msg.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn decode(yaml: &str) -> Result<Manifest> {
        Manifest::from_value(parse_documents(yaml)?.remove(0))
    }

    const SO: &str = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: a\nspec:\n  scaleTargetRef:\n    name: t\n  triggers:\n  - type: cpu\n    metricType: Utilization\n    metadata:\n      value: '50'\n";

    #[test]
    fn decodes_and_round_trips() {
        let m = decode(SO).unwrap();
        let Manifest::ScaledObject(so) = &m else {
            panic!("{m:?}")
        };
        assert_eq!(so.spec.triggers[0].metadata["value"], "50");
        let json = serde_json::to_value(so.as_ref()).unwrap();
        assert_eq!(Manifest::from_value(json).unwrap(), m);
    }

    #[test]
    fn errors_name_the_path() {
        let e = decode(&SO.replace("    name: t", "    name: t\n    replicas: 3")).unwrap_err();
        assert_eq!(e.to_string(), "spec.scaleTargetRef.replicas: unknown field");
        let e = decode(&SO.replace("    metadata:\n      value: '50'\n", "")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "spec.triggers[0].metadata: Required value: required field is missing"
        );
        let e = decode(&SO.replace("Utilization", "Percent")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("spec.triggers[0].metricType: Unsupported value: \"Percent\""),
            "{e}"
        );
        let e = decode(&SO.replace(
            "  name: a",
            "  name: a\n  annotations:\n    autoscaling.keda.sh/paused: true",
        ))
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("metadata.annotations[autoscaling.keda.sh/paused]: Invalid value"),
            "{e}"
        );
        let e = decode(&SO.replace("  name: a", "  name: a\n  labels2: {}")).unwrap_err();
        assert_eq!(e.to_string(), "metadata.labels2: unknown field");
    }

    #[test]
    fn kind_dispatch_rejects_foreign_resources() {
        let e = decode(&SO.replace("kind: ScaledObject", "kind: Deployment")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("kind: Unsupported value: Deployment"),
            "{e}"
        );
        let e = decode(&SO.replace("keda.sh/v1alpha1", "apps/v1")).unwrap_err();
        assert!(
            e.to_string().starts_with("apiVersion: Unsupported value"),
            "{e}"
        );
        assert_eq!(parse_documents("---\n---\n").unwrap().len(), 0);
    }
}
