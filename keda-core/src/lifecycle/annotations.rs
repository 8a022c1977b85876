//! The `autoscaling.keda.sh/*` annotations that steer a ScaledObject's scale loop
//! (KEDA's `NeedToBePausedByAnnotation`, `NeedToPauseScaleIn/Out`, `NeedToForceActivation`,
//! `GetPausedReplicaCount`).

use std::collections::BTreeMap;

use crate::{Error, Result};

/// `autoscaling.keda.sh/paused`.
pub const PAUSED: &str = "autoscaling.keda.sh/paused";
/// `autoscaling.keda.sh/paused-replicas`.
pub const PAUSED_REPLICAS: &str = "autoscaling.keda.sh/paused-replicas";
/// `autoscaling.keda.sh/paused-scale-in`.
pub const PAUSED_SCALE_IN: &str = "autoscaling.keda.sh/paused-scale-in";
/// `autoscaling.keda.sh/paused-scale-out`.
pub const PAUSED_SCALE_OUT: &str = "autoscaling.keda.sh/paused-scale-out";
/// `autoscaling.keda.sh/force-activation`.
pub const FORCE_ACTIVATION: &str = "autoscaling.keda.sh/force-activation";

/// The scale-loop annotations of one object, decoded once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScaleAnnotations {
    /// Fully paused: `paused-replicas` present, or `paused` truthy.
    pub paused: bool,
    /// `paused-replicas` when present and parseable.
    pub paused_replicas: Option<i32>,
    /// `paused-scale-in` truthy: no scale to zero/idle.
    pub pause_scale_in: bool,
    /// `paused-scale-out` truthy: no scale from zero/idle.
    pub pause_scale_out: bool,
    /// `force-activation` truthy: act as if triggers were active.
    pub force_activation: bool,
}

impl ScaleAnnotations {
    /// Decodes the annotations. An unparseable `paused-replicas` is an error naming it (KEDA's
    /// reconciler fails the same way); it still counts as paused.
    pub fn from_map(annotations: &BTreeMap<String, String>) -> Result<Self> {
        let paused_replicas = match annotations.get(PAUSED_REPLICAS) {
            None => None,
            Some(v) => Some(v.parse::<i32>().map_err(|e| {
                Error::invalid(
                    format!("metadata.annotations[{PAUSED_REPLICAS}]"),
                    v,
                    e.to_string(),
                )
            })?),
        };
        Ok(Self {
            paused: annotations.contains_key(PAUSED_REPLICAS) || truthy(annotations, PAUSED),
            paused_replicas,
            pause_scale_in: truthy(annotations, PAUSED_SCALE_IN),
            pause_scale_out: truthy(annotations, PAUSED_SCALE_OUT),
            force_activation: truthy(annotations, FORCE_ACTIVATION),
        })
    }
}

/// KEDA's `getBoolAnnotation`: absent → false; Go `ParseBool` value; unparseable → true.
pub fn truthy(annotations: &BTreeMap<String, String>, key: &str) -> bool {
    annotations
        .get(key)
        .is_some_and(|v| crate::go::parse_bool(v).unwrap_or(true))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn decodes_like_keda() {
        assert_eq!(
            ScaleAnnotations::from_map(&map(&[])).unwrap(),
            ScaleAnnotations::default()
        );
        let a =
            ScaleAnnotations::from_map(&map(&[(PAUSED, "false"), (PAUSED_REPLICAS, "3")])).unwrap();
        assert!(a.paused && a.paused_replicas == Some(3));
        assert!(
            ScaleAnnotations::from_map(&map(&[(PAUSED, "yes")]))
                .unwrap()
                .paused
        );
        assert!(
            !ScaleAnnotations::from_map(&map(&[(PAUSED, "0")]))
                .unwrap()
                .paused
        );
        assert!(
            ScaleAnnotations::from_map(&map(&[(FORCE_ACTIVATION, "T")]))
                .unwrap()
                .force_activation
        );
        let e = ScaleAnnotations::from_map(&map(&[(PAUSED_REPLICAS, "x")])).unwrap_err();
        assert!(e.to_string().contains(PAUSED_REPLICAS), "{e}");
    }
}
