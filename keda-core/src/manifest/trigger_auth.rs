//! TriggerAuthentication and ClusterTriggerAuthentication
//! (`apis/keda/v1alpha1/triggerauthentication_types.go`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::meta::ObjectMeta;

/// A namespaced TriggerAuthentication.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TriggerAuthentication {
    /// `apiVersion` (`keda.sh/v1alpha1`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `kind`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `metadata`.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `spec`.
    pub spec: TriggerAuthenticationSpec,
    /// `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TriggerAuthenticationStatus>,
}

/// A cluster-scoped ClusterTriggerAuthentication: the same spec, usable from every namespace.
pub type ClusterTriggerAuthentication = TriggerAuthentication;

/// `TriggerAuthenticationSpec`: the sources of auth parameters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TriggerAuthenticationSpec {
    /// `podIdentity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<AuthPodIdentity>,
    /// `secretTargetRef`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_target_ref: Vec<AuthTargetRef>,
    /// `configMapTargetRef`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_map_target_ref: Vec<AuthTargetRef>,
    /// `env`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<AuthEnvironment>,
    /// `filePath` (ClusterTriggerAuthentication only): a JSON file of parameters.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub file_path: String,
    /// `hashiCorpVault`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashi_corp_vault: Option<HashiCorpVault>,
    /// `azureKeyVault`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_key_vault: Option<AzureKeyVault>,
    /// `gcpSecretManager`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp_secret_manager: Option<GcpSecretManager>,
    /// `awsSecretManager`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_secret_manager: Option<AwsSecretManager>,
    /// `boundServiceAccountToken`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bound_service_account_token: Vec<BoundServiceAccountToken>,
    /// `oauth2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<OAuth2>,
}

/// `status`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TriggerAuthenticationStatus {
    /// `scaledobjects`: comma-joined names.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scaledobjects: String,
    /// `scaledjobs`: comma-joined names.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scaledjobs: String,
}

/// `podIdentity`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthPodIdentity {
    /// `provider`.
    pub provider: PodIdentityProvider,
    /// `identityId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<String>,
    /// `identityTenantId` (requires identityId).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_tenant_id: Option<String>,
    /// `identityAuthorityHost` (requires identityTenantId).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_authority_host: Option<String>,
    /// `roleArn` (AWS; exclusive with identityOwner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// `externalID` (AWS, with roleArn).
    #[serde(
        default,
        rename = "externalID",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_id: Option<String>,
    /// `identityOwner` (`keda` or `workload`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_owner: Option<IdentityOwner>,
}

/// `podIdentity.provider`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PodIdentityProvider {
    /// `none`.
    #[default]
    #[serde(rename = "none")]
    None,
    /// `azure-workload`.
    #[serde(rename = "azure-workload")]
    AzureWorkload,
    /// `gcp`.
    #[serde(rename = "gcp")]
    Gcp,
    /// `aws`.
    #[serde(rename = "aws")]
    Aws,
    /// `aws-eks` (deprecated upstream).
    #[serde(rename = "aws-eks")]
    AwsEks,
}

impl PodIdentityProvider {
    /// The name as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::AzureWorkload => "azure-workload",
            Self::Gcp => "gcp",
            Self::Aws => "aws",
            Self::AwsEks => "aws-eks",
        }
    }
}

/// `podIdentity.identityOwner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentityOwner {
    /// KEDA's own identity.
    Keda,
    /// The scaled workload's identity.
    Workload,
}

/// `secretTargetRef[]` / `configMapTargetRef[]`: parameter ← key of a Secret or ConfigMap.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthTargetRef {
    /// `parameter`.
    pub parameter: String,
    /// `name` of the Secret or ConfigMap.
    pub name: String,
    /// `key`.
    pub key: String,
}

impl AuthTargetRef {
    /// A reference.
    pub fn new(
        parameter: impl Into<String>,
        name: impl Into<String>,
        key: impl Into<String>,
    ) -> Self {
        Self {
            parameter: parameter.into(),
            name: name.into(),
            key: key.into(),
        }
    }
}

/// `env[]`: parameter ← env var of the scale target's container.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthEnvironment {
    /// `parameter`.
    pub parameter: String,
    /// `name` of the env var.
    pub name: String,
    /// `containerName` (the env source container when empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub container_name: String,
}

/// `hashiCorpVault`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct HashiCorpVault {
    /// `address`.
    pub address: String,
    /// `authentication` (`token` or `kubernetes`).
    pub authentication: VaultAuthentication,
    /// `secrets` (at least one).
    pub secrets: Vec<VaultSecret>,
    /// `namespace`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// `credential`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<VaultCredential>,
    /// `role`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub role: String,
    /// `mount`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mount: String,
}

/// `hashiCorpVault.authentication`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum VaultAuthentication {
    /// A Vault token.
    #[default]
    Token,
    /// Kubernetes service-account login.
    Kubernetes,
}

/// `hashiCorpVault.credential`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct VaultCredential {
    /// `token`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
    /// `serviceAccount` (token path).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_account: String,
    /// `serviceAccountName`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_account_name: String,
}

/// `hashiCorpVault.secrets[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct VaultSecret {
    /// `parameter`.
    pub parameter: String,
    /// `path`.
    pub path: String,
    /// `key`.
    pub key: String,
    /// `type` (`""`, `secretV2`, `secret`, `pki`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub secret_type: Option<VaultSecretType>,
    /// `pkiData`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pki_data: Option<VaultPkiData>,
}

/// `hashiCorpVault.secrets[].type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VaultSecretType {
    /// `""`: generic.
    #[serde(rename = "")]
    Generic,
    /// `secretV2`.
    #[serde(rename = "secretV2")]
    SecretV2,
    /// `secret`.
    #[serde(rename = "secret")]
    Secret,
    /// `pki`.
    #[serde(rename = "pki")]
    Pki,
}

/// `hashiCorpVault.secrets[].pkiData`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct VaultPkiData {
    /// `commonName`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub common_name: String,
    /// `altNames`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alt_names: String,
    /// `ipSans`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ip_sans: String,
    /// `uriSans`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uri_sans: String,
    /// `otherSans`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub other_sans: String,
    /// `ttl`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ttl: String,
    /// `format`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub format: String,
}

/// A `valueFrom.secretKeyRef` holder (`clientSecret`, `accessKey`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ValueFrom {
    /// `valueFrom`.
    pub value_from: ValueFromSecret,
}

/// `valueFrom`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ValueFromSecret {
    /// `secretKeyRef`.
    pub secret_key_ref: SecretKeyRef,
}

/// `secretKeyRef`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SecretKeyRef {
    /// `name` of the Secret.
    pub name: String,
    /// `key`.
    pub key: String,
}

/// `azureKeyVault`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AzureKeyVault {
    /// `vaultUri`.
    pub vault_uri: String,
    /// `secrets` (at least one).
    pub secrets: Vec<AzureKeyVaultSecret>,
    /// `credentials`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<AzureKeyVaultCredentials>,
    /// `podIdentity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<AuthPodIdentity>,
    /// `cloud`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<AzureKeyVaultCloudInfo>,
}

/// `azureKeyVault.credentials`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AzureKeyVaultCredentials {
    /// `clientId`.
    pub client_id: String,
    /// `tenantId`.
    pub tenant_id: String,
    /// `clientSecret`.
    pub client_secret: Option<ValueFrom>,
}

/// `azureKeyVault.secrets[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AzureKeyVaultSecret {
    /// `parameter`.
    pub parameter: String,
    /// `name`.
    pub name: String,
    /// `version`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
}

/// `azureKeyVault.cloud`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AzureKeyVaultCloudInfo {
    /// `type`.
    #[serde(rename = "type")]
    pub cloud_type: String,
    /// `keyVaultResourceURL`.
    #[serde(
        default,
        rename = "keyVaultResourceURL",
        skip_serializing_if = "String::is_empty"
    )]
    pub key_vault_resource_url: String,
    /// `activeDirectoryEndpoint`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub active_directory_endpoint: String,
}

/// `gcpSecretManager`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct GcpSecretManager {
    /// `secrets` (at least one).
    pub secrets: Vec<GcpSecretManagerSecret>,
    /// `credentials` (`clientSecret.valueFrom.secretKeyRef`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<GcpCredentials>,
    /// `podIdentity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<AuthPodIdentity>,
}

/// `gcpSecretManager.credentials`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct GcpCredentials {
    /// `clientSecret`.
    pub client_secret: ValueFrom,
}

/// `gcpSecretManager.secrets[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct GcpSecretManagerSecret {
    /// `parameter`.
    pub parameter: String,
    /// `id`.
    pub id: String,
    /// `version`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
}

/// `awsSecretManager`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AwsSecretManager {
    /// `secrets` (at least one).
    pub secrets: Vec<AwsSecretManagerSecret>,
    /// `credentials`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<AwsSecretManagerCredentials>,
    /// `podIdentity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<AuthPodIdentity>,
    /// `region`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
}

/// `awsSecretManager.credentials`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AwsSecretManagerCredentials {
    /// `accessKey`.
    pub access_key: Option<ValueFrom>,
    /// `accessSecretKey`.
    pub access_secret_key: Option<ValueFrom>,
    /// `accessToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<ValueFrom>,
}

/// `awsSecretManager.secrets[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AwsSecretManagerSecret {
    /// `parameter`.
    pub parameter: String,
    /// `name`.
    pub name: String,
    /// `versionId`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version_id: String,
    /// `versionStage`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version_stage: String,
    /// `secretKey`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub secret_key: String,
}

/// `boundServiceAccountToken[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct BoundServiceAccountToken {
    /// `parameter`.
    pub parameter: String,
    /// `serviceAccountName`.
    pub service_account_name: String,
}

/// `oauth2`: client-credentials settings turned into OAuth parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct OAuth2 {
    /// `type` (`clientCredentials`, the CRD default).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<OAuth2GrantType>,
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<ValueFrom>,
    /// `tokenUrl`.
    pub token_url: String,
    /// `scopes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// `tokenUrlParams`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub token_url_params: BTreeMap<String, String>,
}

/// `oauth2.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OAuth2GrantType {
    /// The client-credentials grant.
    #[default]
    ClientCredentials,
}

impl TriggerAuthentication {
    /// A TriggerAuthentication `namespace/name` with `spec`.
    pub fn new(
        name: impl Into<String>,
        namespace: impl Into<String>,
        spec: TriggerAuthenticationSpec,
    ) -> Self {
        Self {
            api_version: super::scaled_object::API_VERSION.into(),
            kind: "TriggerAuthentication".into(),
            metadata: ObjectMeta::named(name, namespace),
            spec,
            status: None,
        }
    }
}
