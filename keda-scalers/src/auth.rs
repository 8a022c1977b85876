//! KEDA's shared HTTP authentication block (`pkg/scalers/authentication`, `authentication.Config`):
//! `authModes` and the parameters of each mode, with its `Validate()`.

use keda_core::scaler_config::{Param, Source, UrlValues};

use crate::metadata::Fields;

const M: Source = Source::TriggerMetadata;
const A: Source = Source::AuthParams;

/// An authentication mode (`authModes` element).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// `apiKey`.
    ApiKey,
    /// `basic`.
    Basic,
    /// `tls` (client certificate).
    Tls,
    /// `bearer`.
    Bearer,
    /// `custom` (one header).
    Custom,
    /// `oauth` (client credentials).
    OAuth,
}

impl AuthMode {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "apiKey" => Self::ApiKey,
            "basic" => Self::Basic,
            "tls" => Self::Tls,
            "bearer" => Self::Bearer,
            "custom" => Self::Custom,
            "oauth" => Self::OAuth,
            _ => return None,
        })
    }
}

/// The parsed authentication parameters. `Debug` redacts every secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthConfig {
    /// Enabled modes; empty means authentication is disabled.
    pub modes: Vec<AuthMode>,
    /// `bearerToken` / `token`.
    pub bearer_token: String,
    /// Basic auth user.
    pub username: String,
    /// Basic auth password.
    pub password: String,
    /// Client certificate (PEM).
    pub cert: String,
    /// Client key (PEM).
    pub key: String,
    /// CA certificate (PEM).
    pub ca: String,
    /// OAuth token endpoint.
    pub oauth_token_uri: String,
    /// OAuth scopes (blank ones dropped).
    pub scopes: Vec<String>,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
    /// Extra OAuth token request parameters.
    pub endpoint_params: UrlValues,
    /// Header name of custom auth.
    pub custom_auth_header: String,
    /// Header value of custom auth.
    pub custom_auth_value: String,
    /// API key.
    pub api_key: String,
    /// `header` or `query`.
    pub api_key_method: String,
    /// Header or query parameter carrying the API key.
    pub key_param_name: String,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |s: &str| if s.is_empty() { "" } else { "<redacted>" };
        f.debug_struct("AuthConfig")
            .field("modes", &self.modes)
            .field("bearer_token", &secret(&self.bearer_token))
            .field("username", &self.username)
            .field("password", &secret(&self.password))
            .field("cert", &secret(&self.cert))
            .field("key", &secret(&self.key))
            .field("ca", &secret(&self.ca))
            .field("oauth_token_uri", &self.oauth_token_uri)
            .field("scopes", &self.scopes)
            .field("client_id", &self.client_id)
            .field("client_secret", &secret(&self.client_secret))
            .field("custom_auth_header", &self.custom_auth_header)
            .field("custom_auth_value", &secret(&self.custom_auth_value))
            .field("api_key", &secret(&self.api_key))
            .field("api_key_method", &self.api_key_method)
            .field("key_param_name", &self.key_param_name)
            .finish_non_exhaustive()
    }
}

impl AuthConfig {
    /// Reads the block as KEDA does for a `keda:"optional"` `*authentication.Config` field, then
    /// runs its `Validate()`.
    pub(crate) fn parse(f: &mut Fields<'_>) -> Self {
        let mut c = f.optional(|f| {
            let modes: Vec<String> = f.get(
                Param::new("authModes")
                    .alias("authMode")
                    .from(&[M, A])
                    .one_of(&["apiKey", "basic", "tls", "bearer", "custom", "oauth"])
                    .exclusive_set(&["bearer", "basic", "oauth"]),
            );
            Self {
                modes: modes.iter().filter_map(|m| AuthMode::parse(m)).collect(),
                bearer_token: f.get(Param::new("bearerToken").alias("token").from(&[A])),
                username: f.get(Param::new("username").from(&[A])),
                password: f.get(Param::new("password").from(&[A])),
                cert: f.get(Param::new("cert").from(&[A])),
                key: f.get(Param::new("key").from(&[A])),
                ca: f.get(Param::new("ca").from(&[A])),
                oauth_token_uri: f.get(Param::new("oauthTokenURI").from(&[A])),
                scopes: f.get(Param::new("scopes").alias("scope").from(&[A])),
                client_id: f.get(Param::new("clientID").from(&[A])),
                client_secret: f.get(Param::new("clientSecret").from(&[A])),
                endpoint_params: f.get(Param::new("endpointParams").from(&[A])),
                custom_auth_header: f.get(Param::new("customAuthHeader").from(&[A])),
                custom_auth_value: f.get(Param::new("customAuthValue").from(&[A])),
                api_key: f.get(Param::new("apiKey").from(&[M, A])),
                api_key_method: f.get(
                    Param::new("method")
                        .from(&[M, A])
                        .default("header")
                        .one_of(&["header", "query"]),
                ),
                key_param_name: f.get(Param::new("keyParamName").from(&[M, A]).optional()),
            }
        });
        let valid = c.validate();
        f.check(valid);
        c
    }

    /// No mode enabled.
    pub fn disabled(&self) -> bool {
        self.modes.is_empty()
    }

    /// Whether `mode` is enabled.
    pub fn enabled(&self, mode: AuthMode) -> bool {
        self.modes.contains(&mode)
    }

    /// KEDA's `Config.Validate` (it normalizes the scopes first).
    fn validate(&mut self) -> Result<(), String> {
        if self.disabled() {
            return Ok(());
        }
        self.scopes.retain(|s| !s.trim().is_empty());
        for s in &mut self.scopes {
            *s = s.trim().to_owned();
        }
        let presence = |s: &str| if s.is_empty() { "<empty>" } else { "<present>" };
        if self.enabled(AuthMode::Bearer) && self.bearer_token.is_empty() {
            return Err(format!(
                "bearer token={} is required when bearer auth is enabled",
                presence(&self.bearer_token)
            ));
        }
        if self.enabled(AuthMode::Basic) && self.username.is_empty() {
            return Err(format!(
                "username={} is required when basic auth is enabled",
                presence(&self.username)
            ));
        }
        if self.enabled(AuthMode::Tls) && (self.cert.is_empty() || self.key.is_empty()) {
            return Err(format!(
                "cert={} and key={} are required when tls auth is enabled",
                presence(&self.cert),
                presence(&self.key)
            ));
        }
        if self.enabled(AuthMode::OAuth)
            && (self.oauth_token_uri.is_empty() || self.client_id.is_empty())
        {
            return Err(format!(
                "oauthTokenURI={} and clientID={} are required when oauth is enabled",
                presence(&self.oauth_token_uri),
                presence(&self.client_id)
            ));
        }
        if self.enabled(AuthMode::Custom)
            && (self.custom_auth_header.is_empty() || self.custom_auth_value.is_empty())
        {
            return Err(format!(
                "customAuthHeader={} and customAuthValue={} are required when custom auth is enabled",
                presence(&self.custom_auth_header),
                presence(&self.custom_auth_value)
            ));
        }
        if self.enabled(AuthMode::ApiKey) && self.api_key.is_empty() {
            return Err("apiKey is required when apiKey auth is enabled".into());
        }
        Ok(())
    }
}
