//! Whole `autoscaling/v2` HorizontalPodAutoscaler manifests: parsed strictly (unknown fields
//! rejected, like `kubectl apply --validate=strict`), defaulted and validated as the API server
//! does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::defaults::{FeatureGates, set_defaults};
use super::spec::HpaSpec;
use super::validation::{ValidationOptions, validate_spec};
use crate::{Error, Result};

/// The object metadata the HPA math cares about.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectMeta {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Namespace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A HorizontalPodAutoscaler object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HorizontalPodAutoscaler {
    /// Must be `autoscaling/v2`.
    pub api_version: String,
    /// Must be `HorizontalPodAutoscaler`.
    pub kind: String,
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: HpaSpec,
}

impl HorizontalPodAutoscaler {
    /// Parses one YAML (or JSON) document strictly, applies API defaulting and validates;
    /// every validation error is returned, in upstream order.
    pub fn from_yaml(text: &str, gates: &FeatureGates) -> Result<Self> {
        let mut hpa: HorizontalPodAutoscaler =
            serde_saphyr::from_str(text).map_err(|e| Error::Parse(e.to_string()))?;
        if hpa.api_version != "autoscaling/v2" {
            return Err(Error::Unsupported {
                field: "apiVersion".into(),
                value: format!("{:?}", hpa.api_version),
                supported: r#""autoscaling/v2""#.into(),
            });
        }
        if hpa.kind != "HorizontalPodAutoscaler" {
            return Err(Error::Unsupported {
                field: "kind".into(),
                value: format!("{:?}", hpa.kind),
                supported: r#""HorizontalPodAutoscaler""#.into(),
            });
        }
        set_defaults(&mut hpa.spec);
        let errs = validate_spec(&hpa.spec, gates, &ValidationOptions::default());
        match errs.len() {
            0 => Ok(hpa),
            1 => Err(errs
                .into_iter()
                .next()
                .unwrap_or(Error::Parse(String::new()))),
            _ => Err(Error::Many(errs)),
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;

    const WALKTHROUGH: &str = r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      selectPolicy: Min
      policies: [{type: Percent, value: 50, periodSeconds: 60}, {type: Pods, value: 2, periodSeconds: 60}]
"#;

    #[test]
    fn parses_defaults_and_validates() {
        let hpa = HorizontalPodAutoscaler::from_yaml(WALKTHROUGH, &FeatureGates::default());
        let hpa = hpa.unwrap_or_else(|e| panic!("{e}"));
        let up = hpa
            .spec
            .behavior
            .as_ref()
            .and_then(|b| b.scale_up.as_ref())
            .map(|r| r.policies.clone());
        assert_eq!(up.flatten().map(|p| p.len()), Some(2), "scaleUp defaulted");
    }

    #[test]
    fn rejects_unknown_fields_and_bad_values_naming_the_field() {
        let unknown = WALKTHROUGH.replace("maxReplicas: 10", "maxReplicas: 10\n  maxReplica: 3");
        assert!(
            matches!(HorizontalPodAutoscaler::from_yaml(&unknown, &FeatureGates::default()), Err(Error::Parse(m)) if m.contains("maxReplica"))
        );
        let bad = WALKTHROUGH.replace("value: 50", "value: 0");
        let err = HorizontalPodAutoscaler::from_yaml(&bad, &FeatureGates::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("spec.behavior.scaleDown.policies[0].value: Invalid value: 0"),
            "{err}"
        );
        let quantity = WALKTHROUGH.replace("averageUtilization: 70", "averageValue: 12zz");
        let err = HorizontalPodAutoscaler::from_yaml(&quantity, &FeatureGates::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("spec.metrics[0].resource.target.averageValue: Invalid value: \"12zz\""),
            "{err}"
        );
    }
}
