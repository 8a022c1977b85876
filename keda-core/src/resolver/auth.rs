//! Auth parameters of a trigger (KEDA's `resolveAuthRef` and `ResolveAuthRefAndPodIdentity`).

use std::collections::BTreeMap;

use super::{ObjectLookup, PodSpec, resolve_container_env};
use crate::manifest::{
    AuthPodIdentity, AuthenticationKind, AuthenticationRef, IdentityOwner, PodIdentityProvider,
    TriggerAuthenticationSpec,
};
use crate::{Error, Result};

/// The AWS EKS role annotation on ServiceAccounts.
const EKS_ROLE_ANNOTATION: &str = "eks.amazonaws.com/role-arn";

/// Settings of the resolver that KEDA takes from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolveOptions {
    /// Where ClusterTriggerAuthentications read Secrets, ConfigMaps and ServiceAccounts
    /// (`KEDA_CLUSTER_OBJECT_NAMESPACE`, KEDA's own namespace, `keda` by default).
    pub cluster_object_namespace: String,
}

impl Default for ResolveOptions {
    fn default() -> Self {
        Self {
            cluster_object_namespace: "keda".into(),
        }
    }
}

/// The outcome of auth resolution.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct ResolvedAuth {
    /// The auth parameters (`authParams` of the scaler config). May hold secrets.
    pub params: BTreeMap<String, String>,
    /// The pod identity (provider `none` when not configured).
    pub pod_identity: AuthPodIdentity,
}

/// KEDA's `resolveAuthRef`: reads the referenced (Cluster)TriggerAuthentication and fills the
/// parameters from, in order (later sources overwrite earlier ones): `env` (from `pod`'s
/// containers; `""` without a pod spec or when unresolvable), `filePath` (replaces everything;
/// ClusterTriggerAuthentication only), `configMapTargetRef`, `secretTargetRef`,
/// `boundServiceAccountToken` and `oauth2`. A missing Secret, ConfigMap or key yields `""`; a
/// missing TriggerAuthentication yields no parameters (KEDA logs it). Namespaced references read
/// from `namespace`, cluster ones from [`ResolveOptions::cluster_object_namespace`].
pub fn resolve_auth_ref(
    lookup: &dyn ObjectLookup,
    auth_ref: Option<&AuthenticationRef>,
    pod: Option<&PodSpec>,
    namespace: &str,
    options: &ResolveOptions,
) -> Result<ResolvedAuth> {
    let mut out = ResolvedAuth::default();
    let Some(auth_ref) = auth_ref.filter(|r| !namespace.is_empty() && !r.name.is_empty()) else {
        return Ok(out);
    };
    let (spec, auth_namespace) = match auth_ref.kind() {
        AuthenticationKind::TriggerAuthentication => (
            lookup.trigger_authentication(namespace, &auth_ref.name),
            namespace,
        ),
        AuthenticationKind::ClusterTriggerAuthentication => (
            lookup.cluster_trigger_authentication(&auth_ref.name),
            options.cluster_object_namespace.as_str(),
        ),
    };
    let Some(spec) = spec else {
        return Ok(out);
    };
    if let Some(identity) = &spec.pod_identity {
        out.pod_identity = identity.clone();
    }
    for e in &spec.env {
        let value = pod
            .and_then(|p| resolve_container_env(p, &e.container_name, namespace, lookup).ok())
            .and_then(|env| env.get(&e.name).cloned())
            .unwrap_or_default();
        out.params.insert(e.parameter.clone(), value);
    }
    if !spec.file_path.is_empty() {
        if auth_ref.kind() != AuthenticationKind::ClusterTriggerAuthentication {
            return Err(Error::invalid(
                "spec.filePath",
                &spec.file_path,
                "filePath is only supported for ClusterTriggerAuthentication, got kind: TriggerAuthentication",
            ));
        }
        out.params = read_auth_file(lookup, &spec.file_path)?;
        return Ok(out);
    }
    let secret = |name: &str, key: &str| {
        if name.is_empty() || key.is_empty() {
            return String::new();
        }
        lookup
            .secret(auth_namespace, name)
            .and_then(|d| d.get(key).cloned())
            .unwrap_or_default()
    };
    for r in &spec.config_map_target_ref {
        let v = lookup
            .config_map(auth_namespace, &r.name)
            .and_then(|d| d.get(&r.key).cloned())
            .unwrap_or_default();
        out.params.insert(r.parameter.clone(), v);
    }
    for r in &spec.secret_target_ref {
        out.params
            .insert(r.parameter.clone(), secret(&r.name, &r.key));
    }
    unsupported_external_stores(&spec)?;
    for t in &spec.bound_service_account_token {
        let token = if t.service_account_name.is_empty()
            || lookup
                .service_account(auth_namespace, &t.service_account_name)
                .is_none()
        {
            String::new()
        } else {
            lookup
                .service_account_token(auth_namespace, &t.service_account_name)
                .unwrap_or_default()
        };
        out.params.insert(t.parameter.clone(), token);
    }
    if let Some(o) = &spec.oauth2 {
        let client_secret = o.client_secret.as_ref().map_or_else(String::new, |s| {
            secret(
                &s.value_from.secret_key_ref.name,
                &s.value_from.secret_key_ref.key,
            )
        });
        out.params
            .insert("oauthTokenURI".into(), o.token_url.clone());
        out.params.insert("clientID".into(), o.client_id.clone());
        out.params.insert("clientSecret".into(), client_secret);
        if !o.scopes.is_empty() {
            out.params.insert("scopes".into(), o.scopes.join(","));
        }
        if !o.token_url_params.is_empty() {
            // Go's url.Values.Encode: keys sorted, `k=v` query-escaped, joined with `&`.
            let encoded: Vec<String> = o
                .token_url_params
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        crate::go::query_escape(k),
                        crate::go::query_escape(v)
                    )
                })
                .collect();
            out.params
                .insert("endpointParams".into(), encoded.join("&"));
        }
    }
    Ok(out)
}

/// Vault and cloud secret managers need their live services; resolving them offline would
/// silently drop parameters, so it is an error naming the source.
fn unsupported_external_stores(spec: &TriggerAuthenticationSpec) -> Result<()> {
    let used = [
        (
            "spec.hashiCorpVault",
            spec.hashi_corp_vault
                .as_ref()
                .is_some_and(|v| !v.secrets.is_empty()),
        ),
        (
            "spec.azureKeyVault",
            spec.azure_key_vault
                .as_ref()
                .is_some_and(|v| !v.secrets.is_empty()),
        ),
        (
            "spec.gcpSecretManager",
            spec.gcp_secret_manager
                .as_ref()
                .is_some_and(|v| !v.secrets.is_empty()),
        ),
        (
            "spec.awsSecretManager",
            spec.aws_secret_manager
                .as_ref()
                .is_some_and(|v| !v.secrets.is_empty()),
        ),
    ];
    match used.iter().find(|(_, u)| *u) {
        Some((field, _)) => Err(Error::Unsupported {
            field: (*field).into(),
            value: "secrets".into(),
            supported: "env, configMapTargetRef, secretTargetRef, boundServiceAccountToken, oauth2, podIdentity, filePath (external secret stores need a live service)".into(),
        }),
        None => Ok(()),
    }
}

/// KEDA's `readAuthParamsFromFile`: a relative path without `..`, holding a JSON string map.
fn read_auth_file(lookup: &dyn ObjectLookup, path: &str) -> Result<BTreeMap<String, String>> {
    if path.starts_with('/') || path.contains("..") {
        return Err(Error::invalid(
            "spec.filePath",
            path,
            "filePath must be relative and not contain '..'",
        ));
    }
    let text = lookup
        .auth_file(path)
        .ok_or_else(|| Error::invalid("spec.filePath", path, "failed to read auth file"))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::invalid(
            "spec.filePath",
            path,
            format!("failed to unmarshal auth params: {e}"),
        )
    })
}

/// KEDA's `ResolveAuthRefAndPodIdentity`: [`resolve_auth_ref`], then with a pod template the
/// pod-identity specifics: `aws` copies `roleArn` into `awsRoleArn` (an error when the workload
/// owns the identity) or, with `identityOwner: workload`, reads the role from the pod's
/// ServiceAccount annotation; `aws-eks` reads that annotation; `azure-workload` rejects an empty
/// `identityId`.
pub fn resolve_auth_ref_and_pod_identity(
    lookup: &dyn ObjectLookup,
    auth_ref: Option<&AuthenticationRef>,
    pod: Option<&PodSpec>,
    namespace: &str,
    options: &ResolveOptions,
) -> Result<ResolvedAuth> {
    let mut resolved = resolve_auth_ref(lookup, auth_ref, pod, namespace, options)?;
    let Some(pod) = pod else {
        return Ok(resolved);
    };
    let id = resolved.pod_identity.clone();
    let workload_owner = id.identity_owner == Some(IdentityOwner::Workload);
    let account = if pod.service_account_name.is_empty() {
        "default"
    } else {
        pod.service_account_name.as_str()
    };
    let role_annotation = |required: bool| -> Result<String> {
        let annotations = lookup.service_account(namespace, account).ok_or_else(|| {
            Error::invalid(
                "serviceAccountName",
                account,
                format!("error getting service account: '{account}'"),
            )
        })?;
        match annotations.get(EKS_ROLE_ANNOTATION) {
            Some(v) => Ok(v.clone()),
            None if required => Err(Error::invalid(
                "serviceAccountName",
                account,
                format!("annotation '{EKS_ROLE_ANNOTATION}' not found"),
            )),
            None => Ok(String::new()),
        }
    };
    match id.provider {
        PodIdentityProvider::Aws => {
            if let Some(role) = &id.role_arn {
                if workload_owner {
                    return Err(Error::invalid(
                        "podIdentity.roleArn",
                        role,
                        "roleArn can't be set if KEDA isn't identity owner, current value: 'workload'",
                    ));
                }
                resolved.params.insert("awsRoleArn".into(), role.clone());
            }
            if workload_owner {
                resolved
                    .params
                    .insert("awsRoleArn".into(), role_annotation(true)?);
            }
        }
        PodIdentityProvider::AwsEks => {
            resolved
                .params
                .insert("awsRoleArn".into(), role_annotation(false)?);
        }
        PodIdentityProvider::AzureWorkload if id.identity_id.as_deref() == Some("") => {
            return Err(Error::invalid(
                "podIdentity.identityId",
                "",
                "IdentityID of PodIdentity should not be empty",
            ));
        }
        _ => {}
    }
    Ok(resolved)
}
