//! KEDA's admission webhook rules (`scaledobject_webhook.go`, `scaledjob_webhook.go`,
//! `triggerauthentication_webhook.go`, `scaledobject_types.go`).

use super::{Validator, schema};
use crate::go::quote;
use crate::manifest::{
    IdentityOwner, OAuth2GrantType, PodIdentityProvider, ScaledJob, ScaledObject,
    TriggerAuthenticationSpec, validate_triggers,
};
use crate::modifiers::{CompiledModifiers, FormulaTrigger};
use crate::scaler::ScalerConfig;
use crate::{Error, Result};

/// Kubernetes' limit on label values: the ScaledObject name and HPA name are used as such.
const MAX_LABEL_VALUE_LENGTH: usize = 63;

/// KEDA's `CheckReplicaCountBoundsAreValid`: min (0 when unset, else the HPA min, i.e. at least
/// 1) ≤ max (100 when unset), and `idleReplicaCount` < that min.
pub fn check_replica_count_bounds(so: &ScaledObject) -> Result<()> {
    let min = if so.spec.min_replica_count.is_some() {
        so.hpa_min_replicas()
    } else {
        0
    };
    let max = so.hpa_max_replicas();
    if min > max {
        return Err(Error::invalid(
            "spec.minReplicaCount",
            min,
            format!("MinReplicaCount={min} must be less than MaxReplicaCount={max}"),
        ));
    }
    if let Some(idle) = so.spec.idle_replica_count
        && idle >= min
    {
        return Err(Error::invalid(
            "spec.idleReplicaCount",
            idle,
            format!("IdleReplicaCount={idle} must be less than MinReplicaCount={min}"),
        ));
    }
    Ok(())
}

/// KEDA's `CheckFallbackValid`: non-negative threshold and replicas, and (without
/// scalingModifiers) at least one trigger that is not cpu/memory.
pub fn check_fallback_valid(so: &ScaledObject) -> Result<()> {
    let Some(f) = &so.spec.fallback else {
        return Ok(());
    };
    if f.failure_threshold < 0 || f.replicas < 0 {
        return Err(Error::invalid(
            "spec.fallback",
            format!(
                "failureThreshold={} replicas={}",
                f.failure_threshold, f.replicas
            ),
            format!(
                "FailureThreshold={} & Replicas={} must both be greater than or equal to 0",
                f.failure_threshold, f.replicas
            ),
        ));
    }
    if !so.is_using_modifiers() && so.spec.triggers.iter().all(|t| t.is_cpu_or_memory()) {
        return Err(Error::invalid(
            "spec.fallback",
            "",
            "at least one trigger (that is not cpu or memory) has to have the `AverageValue` type for the fallback to be enabled",
        ));
    }
    Ok(())
}

/// KEDA's `verifyName`: the ScaledObject name and the derived HPA name fit a label value.
fn verify_name(so: &ScaledObject) -> Result<()> {
    let name = so.metadata.name();
    if name.len() > MAX_LABEL_VALUE_LENGTH {
        return Err(Error::invalid(
            "metadata.name",
            name,
            format!(
                "scaledobject name {} is {} characters long; must be no more than {MAX_LABEL_VALUE_LENGTH} characters because it is used as the \"scaledobject.keda.sh/name\" label value",
                quote(name),
                name.len()
            ),
        ));
    }
    let hpa = so.hpa_name();
    if hpa.len() > MAX_LABEL_VALUE_LENGTH {
        return Err(Error::invalid(
            "spec.advanced.horizontalPodAutoscalerConfig.name",
            &hpa,
            format!(
                "HPA name {} derived from scaledobject is {} characters long; must be no more than {MAX_LABEL_VALUE_LENGTH} characters; set spec.advanced.horizontalPodAutoscalerConfig.name to a shorter name or shorten the scaledobject name",
                quote(&hpa),
                hpa.len()
            ),
        ));
    }
    Ok(())
}

/// KEDA's `ValidateAndCompileScalingModifiers` (formula mandatory and compiled with the named
/// non-cpu/memory triggers as variables, target a float > 0, metricType not Utilization; see
/// [`crate::modifiers::CompiledModifiers::validate_and_compile`]) and the
/// `fallback.behavior: scalingModifiers` rule.
fn verify_scaling_modifiers(so: &ScaledObject) -> Result<()> {
    if let Some(sm) = so.scaling_modifiers() {
        let triggers = so.spec.triggers.iter().map(|t| FormulaTrigger {
            name: &t.name,
            trigger_type: &t.trigger_type,
        });
        CompiledModifiers::validate_and_compile(&sm.into(), triggers)?;
    }
    if so.fallback_uses_scaling_modifiers()
        && so.scaling_modifiers().is_none_or(|m| m.formula.is_empty())
    {
        return Err(Error::invalid(
            "spec.fallback.behavior",
            "scalingModifiers",
            "scalingModifiers fallback behavior requires scalingModifiers.formula to be defined",
        ));
    }
    Ok(())
}

/// KEDA's `verifyCPUMemoryScalers`, the part that does not read the cluster: a Deployment or
/// StatefulSet target with only cpu/memory triggers cannot scale to zero.
fn verify_cpu_memory(so: &ScaledObject) -> Result<()> {
    let t = &so.spec.scale_target_ref;
    let workload = t.api_version() == "apps/v1" && matches!(t.kind(), "Deployment" | "StatefulSet");
    let triggers = &so.spec.triggers;
    if workload
        && !triggers.is_empty()
        && triggers.iter().all(|t| t.is_cpu_or_memory())
        && so.spec.min_replica_count.unwrap_or(0) == 0
    {
        return Err(Error::invalid(
            "spec.minReplicaCount",
            so.spec.min_replica_count.unwrap_or(0),
            "scaledobject has only cpu/memory triggers AND minReplica is 0 (scale to zero doesn't work in this case)",
        ));
    }
    Ok(())
}

/// KEDA's `verifyScaledObjects` warnings: `pollingInterval` / `cooldownPeriod` set but irrelevant.
fn warnings(so: &ScaledObject) -> Vec<String> {
    let s = &so.spec;
    let min = s.min_replica_count.unwrap_or(0);
    let idle_disabled = s.idle_replica_count.is_none();
    let cached = s.triggers.iter().any(|t| t.use_cached_metrics);
    let mut out = Vec::new();
    if s.polling_interval.is_some() && min > 0 && idle_disabled && !cached {
        out.push("PollingInterval is configured but is not relevant. PollingInterval is only relevant when minReplicaCount = 0, idleReplicaCount is set, or useCachedMetrics is enabled".into());
    }
    if s.cooldown_period.is_some() && min > 0 && idle_disabled {
        out.push("CooldownPeriod is configured but is not relevant. CooldownPeriod is only relevant when minReplicaCount = 0 or idleReplicaCount is set".into());
    }
    out
}

/// Each trigger's metadata parsed by its scaler, when the hook knows the scaler and every input
/// is in the manifest (no `...FromEnv` keys, no authentication reference).
fn verify_trigger_metadata(
    meta: &crate::manifest::ObjectMeta,
    kind: &str,
    triggers: &[crate::manifest::Trigger],
    v: &Validator<'_>,
    using_modifiers: bool,
) -> Result<()> {
    let Some(hook) = v.metadata else {
        return Ok(());
    };
    for (i, t) in triggers.iter().enumerate() {
        let self_contained =
            t.authentication_ref.is_none() && !t.metadata.keys().any(|k| k.ends_with("FromEnv"));
        if !self_contained || !hook.supports(&t.trigger_type) {
            continue;
        }
        let config = ScalerConfig {
            scalable_object_name: meta.name().to_owned(),
            scalable_object_namespace: meta.namespace().to_owned(),
            scalable_object_type: kind.to_owned(),
            trigger_name: t.name.clone(),
            trigger_type: t.trigger_type.clone(),
            trigger_index: i,
            trigger_metadata: t.metadata.clone(),
            metric_type: t.metric_type(),
            use_cached_metrics: t.use_cached_metrics,
            as_metric_source: using_modifiers,
            ..ScalerConfig::default()
        };
        hook.validate(&t.trigger_type, &config).map_err(|e| {
            Error::invalid(
                format!("spec.triggers[{i}].metadata"),
                &t.trigger_type,
                e.to_string(),
            )
        })?;
    }
    Ok(())
}

/// Validates a ScaledObject as the API server (CRD schema) and KEDA's webhook would; returns the
/// webhook's warnings.
pub fn validate_scaled_object(so: &ScaledObject, v: &Validator<'_>) -> Result<Vec<String>> {
    schema::scaled_object(so)?;
    validate_triggers(&so.spec.triggers)?;
    verify_name(so)?;
    check_replica_count_bounds(so)?;
    check_fallback_valid(so)?;
    verify_scaling_modifiers(so)?;
    verify_cpu_memory(so)?;
    verify_trigger_metadata(
        &so.metadata,
        "ScaledObject",
        &so.spec.triggers,
        v,
        so.is_using_modifiers(),
    )?;
    Ok(warnings(so))
}

/// Validates a ScaledJob: CRD schema and KEDA's webhook (`ValidateTriggers`).
pub fn validate_scaled_job(sj: &ScaledJob, v: &Validator<'_>) -> Result<()> {
    schema::scaled_job(sj)?;
    validate_triggers(&sj.spec.triggers)?;
    verify_trigger_metadata(&sj.metadata, "ScaledJob", &sj.spec.triggers, v, false)
}

/// KEDA's `validateSpec` for (Cluster)TriggerAuthentications: pod-identity consistency and, unless
/// the provider is neither `aws` nor `azure-workload` (a KEDA quirk: other providers skip the
/// rest), the oauth2 settings.
pub fn validate_trigger_authentication_spec(spec: &TriggerAuthenticationSpec) -> Result<()> {
    if let Some(id) = &spec.pod_identity {
        let set = |o: &Option<String>| o.as_deref().is_some_and(|s| !s.is_empty());
        match id.provider {
            PodIdentityProvider::AzureWorkload => {
                if id.identity_id.as_deref() == Some("") {
                    return Err(Error::invalid(
                        "spec.podIdentity.identityId",
                        "\"\"",
                        "identityId of PodIdentity should not be empty. If it's set, identityId has to be different than \"\"",
                    ));
                }
                if set(&id.identity_authority_host) {
                    if !set(&id.identity_tenant_id) {
                        return Err(Error::required(
                            "spec.podIdentity.identityTenantId",
                            "identityTenantID of PodIdentity should not be nil or empty when identityAuthorityHost of PodIdentity is set",
                        ));
                    }
                } else if id.identity_tenant_id.as_deref() == Some("") {
                    return Err(Error::invalid(
                        "spec.podIdentity.identityTenantId",
                        "\"\"",
                        "identityTenantId of PodIdentity should not be empty. If it's set, identityTenantId has to be different than \"\"",
                    ));
                }
            }
            PodIdentityProvider::Aws => {
                if set(&id.role_arn) && id.identity_owner == Some(IdentityOwner::Workload) {
                    return Err(Error::invalid(
                        "spec.podIdentity.roleArn",
                        id.role_arn.as_deref().unwrap_or_default(),
                        "roleArn of PodIdentity can't be set if KEDA isn't identityOwner",
                    ));
                }
                if set(&id.external_id) && !set(&id.role_arn) {
                    return Err(Error::required(
                        "spec.podIdentity.roleArn",
                        "externalID of PodIdentity requires roleArn to be set",
                    ));
                }
            }
            _ => return Ok(()),
        }
    }
    if let Some(o) = &spec.oauth2 {
        if o.grant_type.unwrap_or_default() != OAuth2GrantType::ClientCredentials {
            return Err(Error::invalid(
                "spec.oauth2.type",
                "",
                "oauth2.type must be 'clientCredentials'",
            ));
        }
        if o.client_id.is_empty() {
            return Err(Error::required(
                "spec.oauth2.clientId",
                "oauth2.clientId is required when oauth2 is configured",
            ));
        }
        if o.token_url.is_empty() {
            return Err(Error::required(
                "spec.oauth2.tokenUrl",
                "oauth2.tokenUrl is required when oauth2 is configured",
            ));
        }
        if !is_http_url(&o.token_url) {
            return Err(Error::invalid(
                "spec.oauth2.tokenUrl",
                &o.token_url,
                "oauth2.tokenUrl must be a valid http or https URL",
            ));
        }
    }
    Ok(())
}

/// Go's `url.Parse` followed by KEDA's check: scheme `http`/`https` and a non-empty host.
fn is_http_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https")
        && !host.is_empty()
        && !s.contains(|c: char| c.is_ascii_control() || c == ' ')
}
