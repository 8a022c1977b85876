//! The `autoscaling.keda.sh/*` annotations that steer a ScaledObject's scale loop
//! (KEDA's `NeedToBePausedByAnnotation`, `NeedToPauseScaleIn/Out`, `NeedToForceActivation`,
//! `GetPausedReplicaCount`).

use std::collections::BTreeMap;

use crate::Result;
pub use crate::manifest::annotations::{
    FORCE_ACTIVATION, PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT,
};
use crate::manifest::annotations::{bool_annotation, need_to_be_paused, paused_replica_count};

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
        Ok(Self {
            paused: need_to_be_paused(annotations),
            paused_replicas: paused_replica_count(annotations)?,
            pause_scale_in: bool_annotation(annotations, PAUSED_SCALE_IN),
            pause_scale_out: bool_annotation(annotations, PAUSED_SCALE_OUT),
            force_activation: bool_annotation(annotations, FORCE_ACTIVATION),
        })
    }
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
