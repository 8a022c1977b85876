//! The `kafka` trigger's metadata: KEDA's `kafkaMetadata` and its `Validate`
//! (`pkg/scalers/kafka_scaler.go`).

use std::collections::BTreeMap;

use keda_core::Result;
use keda_core::scaler::ScalerConfig;
use keda_core::scaler_config::{MAX_RANGE_ELEMENTS, MetadataParser, Param, Source};

use super::auth::{
    ClientSettings, ConnectionParams, KerberosSettings, OAuthTokenProvider, SaslMechanism,
    TlsSettings, TokenProvider, client_settings,
};
use super::lag::{Dialect, LagRules, OffsetResetPolicy};
use super::version::KafkaVersion;
use crate::aws_auth::{AwsAuthorization, PodIdentity, aws_authorization};
use crate::param_errors::{ParamErrors, invalid};
use crate::secret::Secret;

const M: &[Source] = &[Source::TriggerMetadata];
const ME: &[Source] = &[Source::TriggerMetadata, Source::ResolvedEnv];
const MA: &[Source] = &[Source::TriggerMetadata, Source::AuthParams];
const A: &[Source] = &[Source::AuthParams];

/// The parsed metadata of a `kafka` trigger.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct KafkaMetadata {
    /// `bootstrapServers` (M, E; required), split on `,`.
    pub bootstrap_servers: Vec<String>,
    /// `consumerGroup` (M, E; required).
    pub consumer_group: String,
    /// `topic` (M, E); empty means every topic the group has committed offsets for.
    pub topic: String,
    /// `partitionLimitation` (`1,2,5-7`); `None` when absent or when no topic is given.
    pub partition_limitation: Option<Vec<i32>>,
    /// `lagThreshold` [10], > 0.
    pub lag_threshold: i64,
    /// `activationLagThreshold` [0], ≥ 0.
    pub activation_lag_threshold: i64,
    /// `offsetResetPolicy` [latest].
    pub offset_reset_policy: OffsetResetPolicy,
    /// `allowIdleConsumers` [false].
    pub allow_idle_consumers: bool,
    /// `excludePersistentLag` [false].
    pub exclude_persistent_lag: bool,
    /// `scaleToZeroOnInvalidOffset` [false].
    pub scale_to_zero_on_invalid_offset: bool,
    /// `limitToPartitionsWithLag` [false].
    pub limit_to_partitions_with_lag: bool,
    /// `ensureEvenDistributionOfPartitions` [false].
    pub ensure_even_distribution_of_partitions: bool,
    /// `fullMetadata` [true].
    pub full_metadata: bool,
    /// `version` [1.0.0], Sarama's version syntax.
    pub version: KafkaVersion,
    /// TLS parameters.
    pub tls: TlsSettings,
    /// `sasl` [none].
    pub sasl: SaslMechanism,
    /// `username` (A).
    pub username: String,
    /// `password` (A).
    pub password: Secret,
    /// `saslTokenProvider` of `sasl: oauthbearer`.
    pub token_provider: OAuthTokenProvider,
    /// `scopes` split on `,` (set for the bearer provider).
    pub scopes: Vec<String>,
    /// `oauthTokenEndpointUri`.
    pub oauth_token_endpoint_uri: String,
    /// `oauthExtensions` (`k=v,...`).
    pub oauth_extensions: BTreeMap<String, String>,
    /// Kerberos parameters of `sasl: gssapi`.
    pub kerberos: KerberosSettings,
    /// `awsRegion` (M), for MSK IAM.
    pub aws_region: String,
    /// AWS credentials for `saslTokenProvider: aws_msk_iam`.
    pub aws_authorization: Option<AwsAuthorization>,
    /// The trigger's index (metric name prefix).
    pub trigger_index: usize,
}

impl KafkaMetadata {
    /// Parses a trigger's metadata as KEDA's `parseKafkaMetadata` does; `Utilization` is not
    /// checked here (the scaler does).
    pub fn parse(config: &ScalerConfig) -> Result<Self> {
        Self::parse_with_pod_identity(config, &PodIdentity::none())
    }

    /// [`KafkaMetadata::parse`] with the trigger authentication's pod identity (MSK IAM).
    pub fn parse_with_pod_identity(
        config: &ScalerConfig,
        pod_identity: &PodIdentity,
    ) -> Result<Self> {
        let mut meta = Self::default();
        meta.parse_into(config, pod_identity)?;
        Ok(meta)
    }

    /// Fills `self` field by field in KEDA's order. On error the fields read so far keep their
    /// values, as KEDA's partially filled struct does (its tests observe them).
    pub fn parse_into(&mut self, config: &ScalerConfig, pod_identity: &PodIdentity) -> Result<()> {
        let mut p = MetadataParser::new(config);
        let mut errs = ParamErrors::default();
        self.trigger_index = config.trigger_index;
        self.bootstrap_servers = errs.get(&mut p, Param::new("bootstrapServers").from(ME));
        self.consumer_group = errs.get(&mut p, Param::new("consumerGroup").from(ME));
        self.topic = errs.get(&mut p, Param::new("topic").from(ME).optional());
        let limitation: String =
            errs.get(&mut p, Param::new("partitionLimitation").from(M).optional());
        self.lag_threshold = errs.get(&mut p, Param::new("lagThreshold").from(M).default("10"));
        self.activation_lag_threshold = errs.get(
            &mut p,
            Param::new("activationLagThreshold").from(M).default("0"),
        );
        let policy: String = errs.get(
            &mut p,
            Param::new("offsetResetPolicy")
                .from(M)
                .default("latest")
                .one_of(&["latest", "earliest"]),
        );
        self.offset_reset_policy = if policy == "earliest" {
            OffsetResetPolicy::Earliest
        } else {
            OffsetResetPolicy::Latest
        };
        let flag = |name: &str, default: &str| Param::new(name).from(M).default(default);
        self.allow_idle_consumers = errs.get(&mut p, flag("allowIdleConsumers", "false"));
        self.exclude_persistent_lag = errs.get(&mut p, flag("excludePersistentLag", "false"));
        self.scale_to_zero_on_invalid_offset =
            errs.get(&mut p, flag("scaleToZeroOnInvalidOffset", "false"));
        self.limit_to_partitions_with_lag =
            errs.get(&mut p, flag("limitToPartitionsWithLag", "false"));
        self.ensure_even_distribution_of_partitions =
            errs.get(&mut p, flag("ensureEvenDistributionOfPartitions", "false"));
        self.full_metadata = errs.get(&mut p, flag("fullMetadata", "true"));
        let version: String = errs.get(&mut p, Param::new("version").from(M).optional());
        let tls: String = errs.get(
            &mut p,
            Param::new("tls")
                .from(MA)
                .default("disable")
                .one_of(&["enable", "disable"]),
        );
        self.tls.unsafe_ssl = errs.get(&mut p, flag("unsafeSsl", "false"));
        let auth = |name: &str| Param::new(name).from(A).optional();
        self.tls.ca = errs.get(&mut p, auth("ca"));
        self.tls.cert = errs.get(&mut p, auth("cert"));
        self.tls.key = Secret::new(errs.get::<String>(&mut p, auth("key")));
        self.tls.key_password = Secret::new(errs.get::<String>(&mut p, auth("keyPassword")));
        let sasl: String = errs.get(
            &mut p,
            Param::new("sasl").from(MA).optional().one_of(&[
                "none",
                "plaintext",
                "scram_sha256",
                "scram_sha512",
                "oauthbearer",
                "gssapi",
            ]),
        );
        self.username = errs.get(&mut p, auth("username"));
        self.password = Secret::new(errs.get::<String>(&mut p, auth("password")));
        let token_provider: String = errs.get(
            &mut p,
            Param::new("saslTokenProvider")
                .from(MA)
                .optional()
                .one_of(&["bearer", "aws_msk_iam"]),
        );
        let scopes: String = errs.get(&mut p, auth("scopes"));
        self.oauth_token_endpoint_uri = errs.get(&mut p, auth("oauthTokenEndpointUri"));
        let extensions: String = errs.get(&mut p, auth("oauthExtensions"));
        self.kerberos.keytab = Secret::new(errs.get::<String>(&mut p, auth("keytab")));
        self.kerberos.realm = errs.get(&mut p, auth("realm"));
        self.kerberos.config = errs.get(&mut p, auth("kerberosConfig"));
        self.kerberos.service_name = errs.get(&mut p, auth("kerberosServiceName"));
        self.kerberos.disable_fast = errs.get(
            &mut p,
            Param::new("kerberosDisableFAST").from(A).default("false"),
        );
        self.aws_region = errs.get(&mut p, Param::new("awsRegion").from(M).optional());

        errs.check(self.validate(
            &limitation,
            &tls,
            &sasl,
            &token_provider,
            &scopes,
            &extensions,
        ));
        errs.finish()?;

        if !version.is_empty() {
            self.version = KafkaVersion::parse(&version)
                .map_err(|e| invalid("version", format!("error parsing kafka version: {e}")))?;
        }
        if self.sasl == SaslMechanism::OAuthBearer
            && self.token_provider == OAuthTokenProvider::AwsMskIam
        {
            let auth = aws_authorization(
                &self.aws_region,
                pod_identity,
                &config.trigger_metadata,
                &config.auth_params,
                &config.resolved_env,
            )
            .map_err(|e| {
                invalid(
                    "awsAccessKeyID",
                    format!("error getting AWS authorization: {e}"),
                )
            })?;
            self.aws_authorization = Some(auth);
        }
        Ok(())
    }

    /// KEDA's `kafkaMetadata.Validate` (including `parseTLS` and `parseSASL`).
    fn validate(
        &mut self,
        limitation: &str,
        tls: &str,
        sasl: &str,
        token_provider: &str,
        scopes: &str,
        extensions: &str,
    ) -> Result<()> {
        if self.lag_threshold <= 0 {
            return Err(invalid(
                "lagThreshold",
                "\"lagThreshold\" must be positive number",
            ));
        }
        if self.activation_lag_threshold < 0 {
            return Err(invalid(
                "activationLagThreshold",
                "\"activationLagThreshold\" must be a non-negative number",
            ));
        }
        if !limitation.is_empty() {
            self.partition_limitation = Some(parse_partition_limitation(limitation)?);
        }
        if self.topic.is_empty() {
            self.partition_limitation = None;
        }
        if self.allow_idle_consumers && self.limit_to_partitions_with_lag {
            return Err(invalid(
                "limitToPartitionsWithLag",
                "allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously",
            ));
        }
        if self.topic.is_empty() && self.limit_to_partitions_with_lag {
            return Err(invalid(
                "topic",
                "topic must be specified when using limitToPartitionsWithLag",
            ));
        }
        if self.limit_to_partitions_with_lag && self.ensure_even_distribution_of_partitions {
            return Err(invalid(
                "ensureEvenDistributionOfPartitions",
                "limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set simultaneously",
            ));
        }
        if self.topic.is_empty() && self.ensure_even_distribution_of_partitions {
            return Err(invalid(
                "topic",
                "topic must be specified when using ensureEvenDistributionOfPartitions",
            ));
        }
        if !self.full_metadata && self.topic.is_empty() {
            return Err(invalid(
                "topic",
                "topic must be specified when fullMetadata is false",
            ));
        }
        // parseTLS
        self.tls.enabled = false;
        if tls == "enable" {
            if !self.tls.cert.is_empty() && self.tls.key.is_empty() {
                return Err(invalid("key", "key must be provided with cert"));
            }
            if !self.tls.key.is_empty() && self.tls.cert.is_empty() {
                return Err(invalid("cert", "cert must be provided with key"));
            }
            self.tls.enabled = true;
        }
        // parseSASL
        self.sasl = SaslMechanism::None;
        let mode = SaslMechanism::from_manifest(sasl);
        match mode {
            SaslMechanism::Plaintext | SaslMechanism::ScramSha256 | SaslMechanism::ScramSha512 => {
                self.require_credentials()?;
            }
            SaslMechanism::OAuthBearer => self
                .parse_oauth(token_provider, scopes, extensions)
                .map_err(|e| {
                    invalid(
                        "sasl",
                        format!("error parsing OAuth token provider configuration: {e}"),
                    )
                })?,
            SaslMechanism::Gssapi => self.validate_gssapi()?,
            SaslMechanism::None | SaslMechanism::AwsMskIam => return Ok(()),
        }
        self.sasl = mode;
        Ok(())
    }

    fn require_credentials(&self) -> Result<()> {
        if self.username.is_empty() {
            return Err(invalid("username", "no username given"));
        }
        if self.password.is_empty() {
            return Err(invalid("password", "no password given"));
        }
        Ok(())
    }

    /// KEDA's `parseOAuthParams`.
    fn parse_oauth(&mut self, token_provider: &str, scopes: &str, extensions: &str) -> Result<()> {
        let provider = if token_provider == "aws_msk_iam" {
            OAuthTokenProvider::AwsMskIam
        } else {
            OAuthTokenProvider::Bearer
        };
        match provider {
            OAuthTokenProvider::Bearer => {
                self.require_credentials()?;
                if self.oauth_token_endpoint_uri.is_empty() {
                    return Err(invalid(
                        "oauthTokenEndpointUri",
                        "no oauth token endpoint uri given",
                    ));
                }
                self.scopes = scopes.split(',').map(str::to_owned).collect();
                self.oauth_extensions.clear();
                if !extensions.is_empty() {
                    for ext in extensions.split(',') {
                        let kv: Vec<&str> = ext.split('=').collect();
                        let [k, v] = kv.as_slice() else {
                            return Err(invalid(
                                "oauthExtensions",
                                "invalid OAuthBearer extension, must be of format key=value",
                            ));
                        };
                        self.oauth_extensions
                            .insert((*k).to_owned(), (*v).to_owned());
                    }
                }
            }
            OAuthTokenProvider::AwsMskIam => {
                if !self.tls.enabled {
                    return Err(invalid("tls", "TLS is required for AWS MSK authentication"));
                }
                if self.aws_region.is_empty() {
                    return Err(invalid("awsRegion", "no awsRegion given"));
                }
            }
        }
        self.token_provider = provider;
        Ok(())
    }

    /// KEDA's `parseGSSAPIParams`.
    fn validate_gssapi(&self) -> Result<()> {
        if self.username.is_empty() {
            return Err(invalid("username", "no username given"));
        }
        if self.password.is_empty() == self.kerberos.keytab.is_empty() {
            return Err(invalid(
                "keytab",
                "exactly one of 'password' or 'keytab' must be provided for GSSAPI authentication",
            ));
        }
        if self.kerberos.realm.is_empty() {
            return Err(invalid("realm", "no realm given"));
        }
        if self.kerberos.config.is_empty() {
            return Err(invalid(
                "kerberosConfig",
                "no Kerberos configuration file (kerberosConfig) given",
            ));
        }
        Ok(())
    }

    /// The metric name: `s{index}-kafka-{topic}`, or `s{index}-kafka-{group}-topics` without topic.
    pub fn metric_name(&self) -> String {
        let name = if self.topic.is_empty() {
            format!("kafka-{}-topics", self.consumer_group)
        } else {
            format!("kafka-{}", self.topic)
        };
        keda_core::scaler_common::metric_name_with_index(
            self.trigger_index,
            &keda_core::scaler_common::normalize_string(&name),
        )
    }

    /// The lag rules of this trigger.
    pub fn lag_rules(&self) -> LagRules {
        LagRules {
            dialect: Dialect::Sarama,
            lag_threshold: self.lag_threshold,
            offset_reset_policy: self.offset_reset_policy,
            allow_idle_consumers: self.allow_idle_consumers,
            exclude_persistent_lag: self.exclude_persistent_lag,
            scale_to_zero_on_invalid_offset: self.scale_to_zero_on_invalid_offset,
            limit_to_partitions_with_lag: self.limit_to_partitions_with_lag,
            ensure_even_distribution_of_partitions: self.ensure_even_distribution_of_partitions,
        }
    }

    /// The librdkafka client configuration (KEDA's `getKafkaClientConfig`).
    pub fn client_settings(&self) -> ClientSettings {
        let token_provider =
            (self.sasl == SaslMechanism::OAuthBearer).then(|| match self.token_provider {
                OAuthTokenProvider::Bearer => TokenProvider::OAuthBearer {
                    token_endpoint: self.oauth_token_endpoint_uri.clone(),
                    scopes: self.scopes.clone(),
                    extensions: self.oauth_extensions.clone(),
                },
                OAuthTokenProvider::AwsMskIam => TokenProvider::AwsMskIam {
                    authorization: self.aws_authorization.clone().unwrap_or_default(),
                },
            });
        let mut s = client_settings(
            ConnectionParams {
                bootstrap_servers: &self.bootstrap_servers,
                group: &self.consumer_group,
                tls: &self.tls,
                sasl: self.sasl,
                username: &self.username,
                password: &self.password,
                kerberos: &self.kerberos,
            },
            token_provider,
        );
        s.full_metadata = self.full_metadata;
        s
    }
}

/// KEDA's `parsePartitionLimitation`: comma-separated partition ids and inclusive ranges `a-b`
/// (32-bit integers; `b < a` gives nothing).
///
/// Deliberate difference: KEDA has no bound and `0-2147483647` exhausts memory; here a list
/// expanding to more than [`MAX_RANGE_ELEMENTS`] ids is an error.
pub fn parse_partition_limitation(value: &str) -> Result<Vec<i32>> {
    let bad = |part: &str| {
        invalid(
            "partitionLimitation",
            format!("invalid partition limitation: {part}"),
        )
    };
    let mut out = Vec::new();
    for part in value.split(',') {
        let part = part.trim();
        if part.contains('-') {
            let bounds: Vec<&str> = part.split('-').collect();
            let [start, end] = bounds.as_slice() else {
                return Err(invalid(
                    "partitionLimitation",
                    format!("invalid partition limitation range: {part}"),
                ));
            };
            let start: i32 = go_parse_i32(start.trim()).ok_or_else(|| bad(part))?;
            let end: i32 = go_parse_i32(end.trim()).ok_or_else(|| bad(part))?;
            if start <= end {
                let len =
                    usize::try_from(i64::from(end) - i64::from(start) + 1).unwrap_or(usize::MAX);
                if len.saturating_add(out.len()) > MAX_RANGE_ELEMENTS {
                    return Err(invalid(
                        "partitionLimitation",
                        format!(
                            "invalid partition limitation range: {part}: more than {MAX_RANGE_ELEMENTS} partitions"
                        ),
                    ));
                }
                out.extend(start..=end);
            }
        } else {
            out.push(go_parse_i32(part).ok_or_else(|| bad(part))?);
        }
    }
    Ok(out)
}

/// Go's `strconv.ParseInt(s, 10, 32)`: optional sign, decimal digits, in range.
fn go_parse_i32(s: &str) -> Option<i32> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config(meta: &[(&str, &str)], auth: &[(&str, &str)]) -> ScalerConfig {
        crate::param_errors::test_config("kafka", meta, auth)
    }

    const BASE: [(&str, &str); 3] = [
        ("bootstrapServers", "a:9092,b:9092"),
        ("consumerGroup", "g"),
        ("topic", "t"),
    ];

    #[test]
    fn defaults_are_kedas() {
        let m = KafkaMetadata::parse(&config(&BASE, &[])).unwrap();
        assert_eq!(m.bootstrap_servers, ["a:9092", "b:9092"]);
        assert_eq!((m.lag_threshold, m.activation_lag_threshold), (10, 0));
        assert_eq!(m.offset_reset_policy, OffsetResetPolicy::Latest);
        assert!(m.full_metadata && !m.allow_idle_consumers && !m.tls.enabled);
        assert_eq!(m.version, KafkaVersion::parse("1.0.0").unwrap());
        assert_eq!(m.metric_name(), "s0-kafka-t");
    }

    #[test]
    fn validation_messages_are_kedas() {
        let e = KafkaMetadata::parse(&config(
            &[BASE[0], BASE[1], BASE[2], ("lagThreshold", "0")],
            &[],
        ))
        .unwrap_err();
        assert_eq!(e.to_string(), "\"lagThreshold\" must be positive number");
        let e = KafkaMetadata::parse(&config(&BASE, &[("sasl", "plaintext"), ("username", "u")]))
            .unwrap_err();
        assert_eq!(e.to_string(), "no password given");
        let e = KafkaMetadata::parse(&config(&[BASE[0], BASE[1], ("fullMetadata", "false")], &[]))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "topic must be specified when fullMetadata is false"
        );
    }

    #[test]
    fn partial_struct_survives_an_error() {
        let mut m = KafkaMetadata::default();
        let r = m.parse_into(
            &config(&[("bootstrapServers", "x:1")], &[]),
            &PodIdentity::none(),
        );
        assert!(r.is_err());
        assert_eq!(m.bootstrap_servers, ["x:1"]);
    }

    #[test]
    fn partition_limitation_lists_and_ranges() {
        assert_eq!(
            parse_partition_limitation("1-4,8,10-12").unwrap(),
            [1, 2, 3, 4, 8, 10, 11, 12]
        );
        assert_eq!(
            parse_partition_limitation("3-1").unwrap(),
            Vec::<i32>::new()
        );
        assert_eq!(
            parse_partition_limitation("a-3").unwrap_err().to_string(),
            "invalid partition limitation: a-3"
        );
        assert_eq!(
            parse_partition_limitation("1-2-3").unwrap_err().to_string(),
            "invalid partition limitation range: 1-2-3"
        );
        assert!(parse_partition_limitation("0-2147483647").is_err());
        assert!(parse_partition_limitation("2147483648").is_err());
    }

    #[test]
    fn password_never_in_debug() {
        let m = KafkaMetadata::parse(&config(
            &BASE,
            &[
                ("sasl", "plaintext"),
                ("username", "u"),
                ("password", "hunter2"),
            ],
        ))
        .unwrap();
        assert!(!format!("{m:?}").contains("hunter2"));
        assert!(!format!("{:?}", m.client_settings()).contains("hunter2"));
    }
}
