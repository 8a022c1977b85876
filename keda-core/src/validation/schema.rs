//! The CRD schema constraints of `config/crd/bases/keda.sh_*.yaml` that decoding does not enforce.

use crate::manifest::{ObjectMeta, ScaledJob, ScaledObject, Trigger};
use crate::{Error, Result};

fn minimum(field: &str, value: Option<i32>, min: i32) -> Result<()> {
    match value {
        Some(v) if v < min => Err(Error::invalid(
            field,
            v,
            format!(
                "spec.{} in body should be greater than or equal to {min}",
                field.trim_start_matches("spec.")
            ),
        )),
        _ => Ok(()),
    }
}

fn min_length(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(
            field,
            "\"\"",
            format!("{field} in body should be at least 1 chars long"),
        ));
    }
    Ok(())
}

/// `metadata.name` is required; namespaced kinds need a namespace only in the cluster (kubectl
/// fills it from the context), so only the name is checked.
pub(super) fn object_meta(meta: &ObjectMeta, _namespaced: bool) -> Result<()> {
    if meta.name().is_empty() && meta.generate_name.as_deref().unwrap_or_default().is_empty() {
        return Err(Error::required(
            "metadata.name",
            "name or generateName is required",
        ));
    }
    Ok(())
}

fn triggers(triggers: &[Trigger]) -> Result<()> {
    if triggers.is_empty() {
        return Err(Error::invalid(
            "spec.triggers",
            "[]",
            "spec.triggers in body should have at least 1 items",
        ));
    }
    for (i, t) in triggers.iter().enumerate() {
        min_length(&format!("spec.triggers[{i}].type"), &t.trigger_type)?;
        if let Some(a) = &t.authentication_ref
            && a.name.is_empty()
        {
            return Err(Error::required(
                format!("spec.triggers[{i}].authenticationRef.name"),
                "name is required",
            ));
        }
    }
    Ok(())
}

/// The ScaledObject CRD: minimums, `scaleTargetRef.name` non-empty, at least one trigger with a
/// type, the CEL rule `minReplicaCount <= (maxReplicaCount or 100)`, fallback minimums.
pub(super) fn scaled_object(so: &ScaledObject) -> Result<()> {
    let s = &so.spec;
    object_meta(&so.metadata, true)?;
    min_length("spec.scaleTargetRef.name", &s.scale_target_ref.name)?;
    minimum("spec.pollingInterval", s.polling_interval, 1)?;
    minimum("spec.initialCooldownPeriod", s.initial_cooldown_period, 0)?;
    minimum("spec.cooldownPeriod", s.cooldown_period, 0)?;
    minimum("spec.idleReplicaCount", s.idle_replica_count, 0)?;
    minimum("spec.minReplicaCount", s.min_replica_count, 0)?;
    minimum("spec.maxReplicaCount", s.max_replica_count, 1)?;
    if let Some(f) = &s.fallback {
        minimum(
            "spec.fallback.failureThreshold",
            Some(f.failure_threshold),
            0,
        )?;
        minimum("spec.fallback.replicas", Some(f.replicas), 0)?;
    }
    triggers(&s.triggers)?;
    if let Some(min) = s.min_replica_count
        && min > s.max_replica_count.unwrap_or(100)
    {
        return Err(Error::invalid(
            "spec",
            format!("minReplicaCount={min}"),
            "minReplicaCount must be less than or equal to maxReplicaCount",
        ));
    }
    Ok(())
}

/// The ScaledJob CRD: minimums, at least one trigger with a type, a pod template with containers.
pub(super) fn scaled_job(sj: &ScaledJob) -> Result<()> {
    let s = &sj.spec;
    object_meta(&sj.metadata, true)?;
    minimum("spec.pollingInterval", s.polling_interval, 1)?;
    minimum(
        "spec.successfulJobsHistoryLimit",
        s.successful_jobs_history_limit,
        0,
    )?;
    minimum(
        "spec.failedJobsHistoryLimit",
        s.failed_jobs_history_limit,
        0,
    )?;
    minimum("spec.minReplicaCount", s.min_replica_count, 0)?;
    minimum("spec.maxReplicaCount", s.max_replica_count, 1)?;
    let containers = s.job_target_ref.template.spec.get("containers");
    if containers.is_none_or(|c| c.as_array().is_none_or(|a| a.is_empty())) {
        return Err(Error::required(
            "spec.jobTargetRef.template.spec.containers",
            "a Job's pod template needs at least one container",
        ));
    }
    triggers(&s.triggers)
}
