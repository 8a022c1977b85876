//! SASL and TLS of the Kafka triggers, and the librdkafka client configuration built from them.
//!
//! KEDA hands these parameters to Sarama or kafka-go; here they become librdkafka properties
//! ([`ClientSettings`]). Secrets stay in [`Secret`]s so no `Debug` output shows them.

use std::collections::BTreeMap;

use crate::aws_auth::AwsAuthorization;
use crate::secret::Secret;

/// The `sasl` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SaslMechanism {
    /// No SASL (`none` or absent).
    #[default]
    None,
    /// `plaintext` (SASL/PLAIN).
    Plaintext,
    /// `scram_sha256`.
    ScramSha256,
    /// `scram_sha512`.
    ScramSha512,
    /// `oauthbearer` (`kafka` trigger only).
    OAuthBearer,
    /// `gssapi` (Kerberos).
    Gssapi,
    /// `aws_msk_iam` (`apache-kafka` trigger only).
    AwsMskIam,
}

impl SaslMechanism {
    /// Parses a value already checked against the trigger's enum.
    pub(crate) fn from_manifest(s: &str) -> Self {
        match s {
            "plaintext" => Self::Plaintext,
            "scram_sha256" => Self::ScramSha256,
            "scram_sha512" => Self::ScramSha512,
            "oauthbearer" => Self::OAuthBearer,
            "gssapi" => Self::Gssapi,
            "aws_msk_iam" => Self::AwsMskIam,
            _ => Self::None,
        }
    }

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Plaintext => "plaintext",
            Self::ScramSha256 => "scram_sha256",
            Self::ScramSha512 => "scram_sha512",
            Self::OAuthBearer => "oauthbearer",
            Self::Gssapi => "gssapi",
            Self::AwsMskIam => "aws_msk_iam",
        }
    }
}

/// The `saslTokenProvider` of `sasl: oauthbearer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OAuthTokenProvider {
    /// OAuth2 client credentials against `oauthTokenEndpointUri` (the default).
    #[default]
    Bearer,
    /// AWS MSK IAM signed tokens.
    AwsMskIam,
}

/// TLS parameters (`tls`, `ca`, `cert`, `key`, `keyPassword`, `unsafeSsl`); PEM contents as KEDA
/// takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// `tls: enable`.
    pub enabled: bool,
    /// CA certificate (PEM); empty uses the system roots.
    pub ca: String,
    /// Client certificate (PEM).
    pub cert: String,
    /// Client private key (PEM).
    pub key: Secret,
    /// Password of the private key.
    pub key_password: Secret,
    /// `unsafeSsl`: skip server certificate verification.
    pub unsafe_ssl: bool,
}

/// Kerberos parameters of `sasl: gssapi`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KerberosSettings {
    /// `keytab` contents.
    pub keytab: Secret,
    /// `realm`.
    pub realm: String,
    /// `kerberosConfig` contents (krb5.conf).
    pub config: String,
    /// `kerberosServiceName` (`kafka` when empty).
    pub service_name: String,
    /// `kerberosDisableFAST`.
    pub disable_fast: bool,
}

/// Where OAUTHBEARER tokens come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProvider {
    /// OAuth2 client credentials (username = client id, password = client secret).
    OAuthBearer {
        /// Token endpoint.
        token_endpoint: String,
        /// Requested scopes.
        scopes: Vec<String>,
        /// SASL extensions.
        extensions: BTreeMap<String, String>,
    },
    /// AWS MSK IAM.
    AwsMskIam {
        /// Region and credentials.
        authorization: AwsAuthorization,
    },
}

impl TokenProvider {
    /// The name Sarama's provider reports (`OAuthBearer`, `MSK`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::OAuthBearer { .. } => "OAuthBearer",
            Self::AwsMskIam { .. } => "MSK",
        }
    }
}

/// One librdkafka property value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    /// A value safe to show.
    Plain(String),
    /// A credential.
    Secret(Secret),
}

impl SettingValue {
    /// The value itself (never log a secret one).
    pub fn expose(&self) -> &str {
        match self {
            Self::Plain(s) => s,
            Self::Secret(s) => s.expose(),
        }
    }
}

/// The librdkafka configuration of a trigger's client, plus what librdkafka cannot express by
/// properties (the OAUTHBEARER token provider). `Debug` redacts credentials.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientSettings {
    properties: BTreeMap<String, SettingValue>,
    /// Whether SASL is enabled.
    pub sasl_enabled: bool,
    /// The OAUTHBEARER token provider, when `sasl: oauthbearer`.
    pub token_provider: Option<TokenProvider>,
    /// Sarama's `Metadata.Full`: refresh metadata for all topics, not only the trigger's.
    pub full_metadata: bool,
}

impl ClientSettings {
    /// The value of property `key`.
    pub fn get(&self, key: &str) -> Option<&SettingValue> {
        self.properties.get(key)
    }

    /// All properties, sorted by key.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &SettingValue)> {
        self.properties.iter().map(|(k, v)| (k.as_str(), v))
    }

    fn set(&mut self, key: &str, value: impl Into<String>) {
        self.properties
            .insert(key.to_owned(), SettingValue::Plain(value.into()));
    }

    fn set_secret(&mut self, key: &str, value: &Secret) {
        self.properties
            .insert(key.to_owned(), SettingValue::Secret(value.clone()));
    }
}

/// Everything that shapes a client connection, common to both Kafka triggers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionParams<'a> {
    pub bootstrap_servers: &'a [String],
    pub group: &'a str,
    pub tls: &'a TlsSettings,
    pub sasl: SaslMechanism,
    pub username: &'a str,
    pub password: &'a Secret,
    pub kerberos: &'a KerberosSettings,
}

/// Builds the librdkafka properties: brokers, group, `security.protocol` from TLS and SASL,
/// `sasl.mechanism` and credentials, PEM material, and `enable.ssl.certificate.verification=false`
/// for `unsafeSsl`.
pub(crate) fn client_settings(
    c: ConnectionParams<'_>,
    token_provider: Option<TokenProvider>,
) -> ClientSettings {
    let mut s = ClientSettings::default();
    s.set("bootstrap.servers", c.bootstrap_servers.join(","));
    s.set("group.id", c.group);
    s.set("enable.auto.commit", "false");
    s.sasl_enabled = c.sasl != SaslMechanism::None;
    let protocol = match (c.tls.enabled, s.sasl_enabled) {
        (false, false) => "plaintext",
        (true, false) => "ssl",
        (false, true) => "sasl_plaintext",
        (true, true) => "sasl_ssl",
    };
    s.set("security.protocol", protocol);
    if c.tls.enabled {
        if !c.tls.ca.is_empty() {
            s.set("ssl.ca.pem", &c.tls.ca);
        }
        if !c.tls.cert.is_empty() {
            s.set("ssl.certificate.pem", &c.tls.cert);
            s.set_secret("ssl.key.pem", &c.tls.key);
        }
        if !c.tls.key_password.is_empty() {
            s.set_secret("ssl.key.password", &c.tls.key_password);
        }
        if c.tls.unsafe_ssl {
            s.set("enable.ssl.certificate.verification", "false");
            s.set("ssl.endpoint.identification.algorithm", "none");
        }
    }
    let mechanism = match c.sasl {
        SaslMechanism::None => None,
        SaslMechanism::Plaintext => Some("PLAIN"),
        SaslMechanism::ScramSha256 => Some("SCRAM-SHA-256"),
        SaslMechanism::ScramSha512 => Some("SCRAM-SHA-512"),
        SaslMechanism::OAuthBearer | SaslMechanism::AwsMskIam => Some("OAUTHBEARER"),
        SaslMechanism::Gssapi => Some("GSSAPI"),
    };
    if let Some(m) = mechanism {
        s.set("sasl.mechanism", m);
    }
    match c.sasl {
        SaslMechanism::Plaintext | SaslMechanism::ScramSha256 | SaslMechanism::ScramSha512 => {
            s.set("sasl.username", c.username);
            s.set_secret("sasl.password", c.password);
        }
        SaslMechanism::Gssapi => {
            let service = if c.kerberos.service_name.is_empty() {
                "kafka"
            } else {
                &c.kerberos.service_name
            };
            s.set("sasl.kerberos.service.name", service);
            s.set(
                "sasl.kerberos.principal",
                format!("{}@{}", c.username, c.kerberos.realm),
            );
        }
        _ => {}
    }
    if let Some(TokenProvider::OAuthBearer {
        token_endpoint,
        scopes,
        extensions,
    }) = &token_provider
    {
        s.set("sasl.oauthbearer.method", "oidc");
        s.set("sasl.oauthbearer.client.id", c.username);
        s.set_secret("sasl.oauthbearer.client.secret", c.password);
        s.set("sasl.oauthbearer.token.endpoint.url", token_endpoint);
        let scope = scopes
            .iter()
            .filter(|x| !x.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        if !scope.is_empty() {
            s.set("sasl.oauthbearer.scope", scope);
        }
        if !extensions.is_empty() {
            let ext: Vec<String> = extensions.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.set("sasl.oauthbearer.extensions", ext.join(","));
        }
    }
    s.token_provider = token_provider;
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sasl_ssl_settings_carry_credentials_but_debug_hides_them() {
        let tls = TlsSettings {
            enabled: true,
            ca: "CA".into(),
            cert: "CERT".into(),
            key: Secret::new("PRIVKEY"),
            key_password: Secret::new("kp"),
            unsafe_ssl: true,
        };
        let s = client_settings(
            ConnectionParams {
                bootstrap_servers: &["a:1".into(), "b:2".into()],
                group: "g",
                tls: &tls,
                sasl: SaslMechanism::ScramSha512,
                username: "admin",
                password: &Secret::new("hunter2"),
                kerberos: &KerberosSettings::default(),
            },
            None,
        );
        let get = |k: &str| s.get(k).unwrap().expose().to_owned();
        assert_eq!(get("security.protocol"), "sasl_ssl");
        assert_eq!(get("sasl.mechanism"), "SCRAM-SHA-512");
        assert_eq!(get("sasl.password"), "hunter2");
        assert_eq!(get("ssl.key.pem"), "PRIVKEY");
        assert_eq!(get("bootstrap.servers"), "a:1,b:2");
        assert_eq!(get("enable.ssl.certificate.verification"), "false");
        let shown = format!("{s:?}");
        for secret in ["hunter2", "PRIVKEY", "\"kp\""] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
