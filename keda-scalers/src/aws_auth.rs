//! AWS credentials of a trigger: KEDA's `GetAwsAuthorization` (`pkg/scalers/aws/aws_common.go`),
//! shared by `aws-sqs-queue` and Kafka's MSK IAM authentication.

use std::collections::BTreeMap;

use keda_core::{Error, Result};

use crate::secret::Secret;

/// KEDA's message when no access key id is found.
pub const NO_ACCESS_KEY: &str = "awsAccessKeyID not found";
/// KEDA's message when no secret access key is found.
pub const NO_SECRET_ACCESS_KEY: &str = "awsSecretAccessKey not found";

/// The trigger authentication's `podIdentity`, reduced to what AWS scalers read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodIdentity {
    /// `provider`: `none` (or empty), `aws`, `azure-workload`, `gcp`, ...
    pub provider: String,
    /// `roleArn`, for the `aws` provider.
    pub role_arn: Option<String>,
    /// `externalID`, for the `aws` provider.
    pub external_id: Option<String>,
}

impl PodIdentity {
    /// No pod identity (`provider: none`).
    pub fn none() -> Self {
        Self::default()
    }

    /// The `aws` provider assuming `role_arn` (or KEDA's own role when `None`).
    pub fn aws(role_arn: Option<String>) -> Self {
        Self {
            provider: "aws".into(),
            role_arn,
            external_id: None,
        }
    }
}

/// How a scaler authenticates to AWS (KEDA's `AuthorizationMetadata`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AwsAuthorization {
    /// Role to assume (`awsRoleArn` or the pod identity's role).
    pub role_arn: String,
    /// External id for the role assumption.
    pub external_id: String,
    /// Static access key id.
    pub access_key_id: String,
    /// Static secret access key.
    pub secret_access_key: Secret,
    /// Static session token (temporary credentials).
    pub session_token: Secret,
    /// Region of the client.
    pub region: String,
    /// `identityOwner: pod` (KEDA's deprecated flag): credentials come from the trigger.
    pub pod_identity_owner: bool,
    /// The `aws` pod identity provider is used.
    pub using_pod_identity: bool,
}

impl AwsAuthorization {
    /// Whether static credentials (access key id + secret) were given.
    pub fn has_static_credentials(&self) -> bool {
        !self.access_key_id.is_empty() && !self.secret_access_key.is_empty()
    }
}

/// KEDA's `GetAwsAuthorization`: pod identity `aws` → its role (or `awsRoleArn`); else with
/// `identityOwner` empty or `pod`: `awsRoleArn`, or `awsAccessKeyID`/`awsAccessKeyId` +
/// `awsSecretAccessKey` [+ `awsSessionToken`] from auth params, or metadata `awsAccessKeyID` /
/// `awsAccessKeyIDFromEnv` + `awsSecretAccessKeyFromEnv`; `identityOwner: operator` uses the
/// default credential chain. Any other `identityOwner` also falls to the default chain.
pub fn aws_authorization(
    region: &str,
    pod_identity: &PodIdentity,
    metadata: &BTreeMap<String, String>,
    auth_params: &BTreeMap<String, String>,
    resolved_env: &BTreeMap<String, String>,
) -> Result<AwsAuthorization> {
    let get = |m: &BTreeMap<String, String>, k: &str| m.get(k).cloned().unwrap_or_default();
    let mut auth = AwsAuthorization {
        region: region.to_owned(),
        ..AwsAuthorization::default()
    };
    if pod_identity.provider == "aws" {
        auth.using_pod_identity = true;
        match pod_identity.role_arn.as_deref().filter(|r| !r.is_empty()) {
            Some(role) => {
                auth.role_arn = role.to_owned();
                auth.external_id = pod_identity.external_id.clone().unwrap_or_default();
            }
            None => auth.role_arn = get(auth_params, "awsRoleArn"),
        }
        return Ok(auth);
    }
    match metadata.get("identityOwner").map(String::as_str) {
        Some("operator") => auth.pod_identity_owner = false,
        None | Some("" | "pod") => {
            auth.pod_identity_owner = true;
            let key_id = [
                get(auth_params, "awsAccessKeyID"),
                get(auth_params, "awsAccessKeyId"),
            ]
            .into_iter()
            .find(|k| !k.is_empty());
            if !get(auth_params, "awsRoleArn").is_empty() {
                auth.role_arn = get(auth_params, "awsRoleArn");
            } else if let Some(key_id) = key_id {
                auth.access_key_id = key_id;
                auth.secret_access_key = Secret::new(get(auth_params, "awsSecretAccessKey"));
                auth.session_token = Secret::new(get(auth_params, "awsSessionToken"));
                if auth.secret_access_key.is_empty() {
                    return Err(param_error("awsSecretAccessKey", NO_SECRET_ACCESS_KEY));
                }
            } else {
                auth.access_key_id = match metadata.get("awsAccessKeyID").filter(|v| !v.is_empty())
                {
                    Some(v) => v.clone(),
                    None => from_env(metadata, resolved_env, "awsAccessKeyIDFromEnv"),
                };
                if auth.access_key_id.is_empty() {
                    return Err(param_error("awsAccessKeyID", NO_ACCESS_KEY));
                }
                auth.secret_access_key = Secret::new(from_env(
                    metadata,
                    resolved_env,
                    "awsSecretAccessKeyFromEnv",
                ));
                if auth.secret_access_key.is_empty() {
                    return Err(param_error("awsSecretAccessKey", NO_SECRET_ACCESS_KEY));
                }
            }
        }
        Some(_) => {}
    }
    Ok(auth)
}

fn from_env(
    metadata: &BTreeMap<String, String>,
    env: &BTreeMap<String, String>,
    key: &str,
) -> String {
    metadata
        .get(key)
        .filter(|k| !k.is_empty())
        .and_then(|k| env.get(k))
        .cloned()
        .unwrap_or_default()
}

fn param_error(param: &str, message: &str) -> Error {
    Error::TriggerParam {
        param: param.to_owned(),
        message: message.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn map(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn static_credentials_from_auth_params_either_spelling() {
        let none = BTreeMap::new();
        for key in ["awsAccessKeyID", "awsAccessKeyId"] {
            let a = aws_authorization(
                "eu-west-1",
                &PodIdentity::none(),
                &none,
                &map(&[
                    (key, "AKIA"),
                    ("awsSecretAccessKey", "s3cr3t"),
                    ("awsSessionToken", "tok"),
                ]),
                &none,
            )
            .unwrap();
            assert_eq!(a.access_key_id, "AKIA");
            assert_eq!(a.secret_access_key.expose(), "s3cr3t");
            assert!(a.pod_identity_owner && a.has_static_credentials());
            let shown = format!("{a:?}");
            assert!(
                !shown.contains("s3cr3t") && !shown.contains("tok\""),
                "{shown}"
            );
        }
    }

    #[test]
    fn missing_parts_give_kedas_errors() {
        let none = BTreeMap::new();
        let e = aws_authorization(
            "r",
            &PodIdentity::none(),
            &none,
            &map(&[("awsAccessKeyId", "x")]),
            &none,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), NO_SECRET_ACCESS_KEY);
        let e = aws_authorization(
            "r",
            &PodIdentity::none(),
            &none,
            &map(&[("awsSecretAccessKey", "x")]),
            &none,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), NO_ACCESS_KEY);
    }

    #[test]
    fn env_credentials_role_operator_and_pod_identity() {
        let meta = map(&[
            ("awsAccessKeyIDFromEnv", "ID"),
            ("awsSecretAccessKeyFromEnv", "SECRET"),
        ]);
        let env = map(&[("ID", "AKIA"), ("SECRET", "shh")]);
        let a =
            aws_authorization("r", &PodIdentity::none(), &meta, &BTreeMap::new(), &env).unwrap();
        assert_eq!(
            (a.access_key_id.as_str(), a.secret_access_key.expose()),
            ("AKIA", "shh")
        );
        let role = aws_authorization(
            "r",
            &PodIdentity::none(),
            &BTreeMap::new(),
            &map(&[("awsRoleArn", "arn")]),
            &env,
        )
        .unwrap();
        assert_eq!(role.role_arn, "arn");
        let op = aws_authorization(
            "r",
            &PodIdentity::none(),
            &map(&[("identityOwner", "operator")]),
            &BTreeMap::new(),
            &env,
        )
        .unwrap();
        assert!(!op.pod_identity_owner && !op.has_static_credentials());
        let pi = aws_authorization(
            "r",
            &PodIdentity::aws(Some("arn:pod".into())),
            &BTreeMap::new(),
            &BTreeMap::new(),
            &env,
        )
        .unwrap();
        assert!(pi.using_pod_identity);
        assert_eq!(pi.role_arn, "arn:pod");
    }
}
