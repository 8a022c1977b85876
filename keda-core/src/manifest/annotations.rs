//! The annotations KEDA reads on ScaledObjects and ScaledJobs, and their truthiness rule.

use std::collections::BTreeMap;

use crate::{Error, Result};

/// `autoscaling.keda.sh/paused`: stop autoscaling (truthy).
pub const PAUSED: &str = "autoscaling.keda.sh/paused";
/// `autoscaling.keda.sh/paused-replicas`: stop autoscaling and hold this many replicas.
pub const PAUSED_REPLICAS: &str = "autoscaling.keda.sh/paused-replicas";
/// `autoscaling.keda.sh/paused-scale-in`: block scale-in only (truthy).
pub const PAUSED_SCALE_IN: &str = "autoscaling.keda.sh/paused-scale-in";
/// `autoscaling.keda.sh/paused-scale-out`: block scale-out only (truthy).
pub const PAUSED_SCALE_OUT: &str = "autoscaling.keda.sh/paused-scale-out";
/// `autoscaling.keda.sh/force-activation`: treat the object as active (truthy).
pub const FORCE_ACTIVATION: &str = "autoscaling.keda.sh/force-activation";
/// `scaledobject.keda.sh/transfer-hpa-ownership`: adopt an existing HPA of the same name.
pub const TRANSFER_HPA_OWNERSHIP: &str = "scaledobject.keda.sh/transfer-hpa-ownership";
/// `validations.keda.sh/hpa-ownership`: `"false"` disables the webhook's other-HPA check.
pub const VALIDATIONS_HPA_OWNERSHIP: &str = "validations.keda.sh/hpa-ownership";
/// `scaledobject.keda.sh/hpa-excluded-labels`: labels not copied to the HPA.
pub const HPA_EXCLUDED_LABELS: &str = "scaledobject.keda.sh/hpa-excluded-labels";
/// `scaledobject.keda.sh/name`: the label KEDA puts on the HPA and its metric selectors.
pub const SCALED_OBJECT_NAME_LABEL: &str = "scaledobject.keda.sh/name";
/// `scaledjob.keda.sh/job-excluded-labels`: labels not copied to created Jobs.
pub const JOB_EXCLUDED_LABELS: &str = "scaledjob.keda.sh/job-excluded-labels";

/// KEDA's boolean annotation rule (`getBoolAnnotation`): absent is false; present is Go
/// `ParseBool`, and a value that does not parse counts as **true**.
pub fn bool_annotation(annotations: &BTreeMap<String, String>, key: &str) -> bool {
    annotations
        .get(key)
        .is_some_and(|v| crate::go::parse_bool(v).unwrap_or(true))
}

/// `HasPausedAnnotation`: `paused` or `paused-replicas` is present, whatever its value.
pub fn has_paused_annotation(annotations: &BTreeMap<String, String>) -> bool {
    annotations.contains_key(PAUSED) || annotations.contains_key(PAUSED_REPLICAS)
}

/// `NeedToBePausedByAnnotation`: `paused-replicas` is present (any value), or `paused` is truthy.
pub fn need_to_be_paused(annotations: &BTreeMap<String, String>) -> bool {
    annotations.contains_key(PAUSED_REPLICAS) || bool_annotation(annotations, PAUSED)
}

/// `GetPausedReplicaCount`: the `paused-replicas` value as a Go `ParseInt(v, 10, 32)`, `None`
/// when absent; an unparseable value is an error naming the annotation.
pub fn paused_replica_count(annotations: &BTreeMap<String, String>) -> Result<Option<i32>> {
    let Some(v) = annotations.get(PAUSED_REPLICAS) else {
        return Ok(None);
    };
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            format!("metadata.annotations[{PAUSED_REPLICAS}]"),
            v,
            "must be an integer",
        ));
    }
    v.parse::<i32>().map(Some).map_err(|_| {
        Error::invalid(
            format!("metadata.annotations[{PAUSED_REPLICAS}]"),
            v,
            "value out of range for int32",
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ann(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn unparseable_bool_annotation_is_true() {
        assert!(bool_annotation(
            &ann(&[(PAUSED_SCALE_IN, "yes")]),
            PAUSED_SCALE_IN
        ));
        assert!(!bool_annotation(
            &ann(&[(PAUSED_SCALE_IN, "False")]),
            PAUSED_SCALE_IN
        ));
        assert!(!bool_annotation(&ann(&[]), PAUSED_SCALE_IN));
    }

    #[test]
    fn paused_replicas_wins_over_paused_false() {
        assert!(need_to_be_paused(&ann(&[
            (PAUSED, "false"),
            (PAUSED_REPLICAS, "3")
        ])));
        assert!(!need_to_be_paused(&ann(&[(PAUSED, "false")])));
        assert_eq!(
            paused_replica_count(&ann(&[(PAUSED_REPLICAS, "+3")])).unwrap(),
            Some(3)
        );
        assert!(paused_replica_count(&ann(&[(PAUSED_REPLICAS, "3000000000")])).is_err());
        assert!(paused_replica_count(&ann(&[(PAUSED_REPLICAS, " 3")])).is_err());
    }
}
