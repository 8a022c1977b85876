//! The `apache-kafka` trigger's metadata: KEDA's `apacheKafkaMetadata`, its `Validate` and
//! `parseApacheKafkaAuthParams` (`pkg/scalers/apache_kafka_scaler.go`).

use keda_core::Result;
use keda_core::scaler::ScalerConfig;
use keda_core::scaler_config::{MetadataParser, Param, Source};

use super::auth::{
    ClientSettings, ConnectionParams, KerberosSettings, SaslMechanism, TlsSettings, TokenProvider,
    client_settings,
};
use super::lag::{Dialect, LagRules, OffsetResetPolicy};
use crate::aws_auth::{AwsAuthorization, PodIdentity, aws_authorization};
use crate::param_errors::{ParamErrors, invalid};
use crate::secret::Secret;

const M: &[Source] = &[Source::TriggerMetadata];
const ME: &[Source] = &[Source::TriggerMetadata, Source::ResolvedEnv];
const MA: &[Source] = &[Source::TriggerMetadata, Source::AuthParams];
const A: &[Source] = &[Source::AuthParams];

/// The parsed metadata of an `apache-kafka` trigger.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ApacheKafkaMetadata {
    /// `bootstrapServers` (M, E; required).
    pub bootstrap_servers: Vec<String>,
    /// `consumerGroup` (M, E; required).
    pub group: String,
    /// `topic` (M, E), a comma list; empty means every topic of the cluster (the group must have
    /// active members).
    pub topics: Vec<String>,
    /// `partitionLimitation` (`1,2,5-7`); empty when absent or when no topic is given.
    pub partition_limitation: Vec<i32>,
    /// `lagThreshold` [10], > 0.
    pub lag_threshold: i64,
    /// `activationLagThreshold` [0], ≥ 0.
    pub activation_lag_threshold: i64,
    /// `offsetResetPolicy` [latest].
    pub offset_reset_policy: OffsetResetPolicy,
    /// `allowIdleConsumers`.
    pub allow_idle_consumers: bool,
    /// `excludePersistentLag`.
    pub exclude_persistent_lag: bool,
    /// `scaleToZeroOnInvalidOffset`.
    pub scale_to_zero_on_invalid_offset: bool,
    /// `limitToPartitionsWithLag`.
    pub limit_to_partitions_with_lag: bool,
    /// `ensureEvenDistributionOfPartitions`.
    pub ensure_even_distribution_of_partitions: bool,
    /// `sasl` [none]: none, plaintext, scram_sha256, scram_sha512, gssapi, aws_msk_iam.
    pub sasl: SaslMechanism,
    /// `username` (A).
    pub username: String,
    /// `password` (A).
    pub password: Secret,
    /// `awsRegion` (M), for MSK IAM.
    pub aws_region: String,
    /// AWS credentials of `sasl: aws_msk_iam`.
    pub aws_authorization: Option<AwsAuthorization>,
    /// TLS parameters (`unsafeSsl` is not read by this trigger).
    pub tls: TlsSettings,
    /// The trigger's index (metric name prefix).
    pub trigger_index: usize,
}

impl ApacheKafkaMetadata {
    /// Parses a trigger's metadata as KEDA's `parseApacheKafkaMetadata` does.
    pub fn parse(config: &ScalerConfig) -> Result<Self> {
        Self::parse_with_pod_identity(config, &PodIdentity::none())
    }

    /// [`ApacheKafkaMetadata::parse`] with the trigger authentication's pod identity (MSK IAM).
    pub fn parse_with_pod_identity(
        config: &ScalerConfig,
        pod_identity: &PodIdentity,
    ) -> Result<Self> {
        let mut meta = Self::default();
        meta.parse_into(config, pod_identity)?;
        Ok(meta)
    }

    /// Fills `self` field by field in KEDA's order; on error the fields read so far keep their values.
    pub fn parse_into(&mut self, config: &ScalerConfig, pod_identity: &PodIdentity) -> Result<()> {
        let mut p = MetadataParser::new(config);
        let mut errs = ParamErrors::default();
        self.trigger_index = config.trigger_index;
        self.bootstrap_servers = errs.get(&mut p, Param::new("bootstrapServers").from(ME));
        self.group = errs.get(&mut p, Param::new("consumerGroup").from(ME));
        self.topics = errs.get(&mut p, Param::new("topic").from(ME).optional());
        self.partition_limitation = errs.get(
            &mut p,
            Param::new("partitionLimitation")
                .from(M)
                .optional()
                .range("-"),
        );
        self.lag_threshold = errs.get(&mut p, Param::new("lagThreshold").from(M).default("10"));
        self.activation_lag_threshold = errs.get(
            &mut p,
            Param::new("activationLagThreshold").from(M).default("0"),
        );
        let policy: String = errs.get(
            &mut p,
            Param::new("offsetResetPolicy")
                .from(M)
                .one_of(&["earliest", "latest"])
                .default("latest"),
        );
        self.offset_reset_policy = if policy == "earliest" {
            OffsetResetPolicy::Earliest
        } else {
            OffsetResetPolicy::Latest
        };
        let flag = |name: &str| Param::new(name).from(M).optional();
        self.allow_idle_consumers = errs.get(&mut p, flag("allowIdleConsumers"));
        self.exclude_persistent_lag = errs.get(&mut p, flag("excludePersistentLag"));
        self.scale_to_zero_on_invalid_offset = errs.get(&mut p, flag("scaleToZeroOnInvalidOffset"));
        self.limit_to_partitions_with_lag = errs.get(&mut p, flag("limitToPartitionsWithLag"));
        self.ensure_even_distribution_of_partitions =
            errs.get(&mut p, flag("ensureEvenDistributionOfPartitions"));
        let sasl: String = errs.get(
            &mut p,
            Param::new("sasl")
                .from(MA)
                .one_of(&[
                    "none",
                    "plaintext",
                    "scram_sha256",
                    "scram_sha512",
                    "gssapi",
                    "aws_msk_iam",
                ])
                .default("none"),
        );
        self.sasl = SaslMechanism::from_manifest(&sasl);
        let auth = |name: &str| Param::new(name).from(A).optional();
        self.username = errs.get(&mut p, auth("username"));
        self.password = Secret::new(errs.get::<String>(&mut p, auth("password")));
        self.aws_region = errs.get(&mut p, Param::new("awsRegion").from(M).optional());
        let tls: String = errs.get(
            &mut p,
            Param::new("tls")
                .from(MA)
                .one_of(&["enable", "disable"])
                .default("disable"),
        );
        self.tls.enabled = tls == "enable";
        self.tls.cert = errs.get(&mut p, auth("cert"));
        self.tls.key = Secret::new(errs.get::<String>(&mut p, auth("key")));
        self.tls.key_password = Secret::new(errs.get::<String>(&mut p, auth("keyPassword")));
        self.tls.ca = errs.get(&mut p, auth("ca"));
        errs.check(self.validate());
        errs.finish()?;

        let set_in_both = |k: &str| {
            config
                .trigger_metadata
                .get(k)
                .is_some_and(|v| !v.is_empty())
                && config.auth_params.get(k).is_some_and(|v| !v.is_empty())
        };
        if set_in_both("sasl") {
            return Err(invalid(
                "sasl",
                "unable to set `sasl` in both ScaledObject and TriggerAuthentication together",
            ));
        }
        if set_in_both("tls") {
            return Err(invalid(
                "tls",
                "unable to set `tls` in both ScaledObject and TriggerAuthentication together",
            ));
        }
        if self.sasl == SaslMechanism::AwsMskIam {
            self.aws_authorization = Some(aws_authorization(
                &self.aws_region,
                pod_identity,
                &config.trigger_metadata,
                &config.auth_params,
                &config.resolved_env,
            )?);
        }
        Ok(())
    }

    /// KEDA's `apacheKafkaMetadata.Validate`.
    fn validate(&mut self) -> Result<()> {
        if self.lag_threshold <= 0 {
            return Err(invalid(
                "lagThreshold",
                "lagThreshold must be a positive number",
            ));
        }
        if self.activation_lag_threshold < 0 {
            return Err(invalid(
                "activationLagThreshold",
                "activationLagThreshold must be a positive number",
            ));
        }
        if self.allow_idle_consumers && self.limit_to_partitions_with_lag {
            return Err(invalid(
                "limitToPartitionsWithLag",
                "allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously",
            ));
        }
        if self.topics.is_empty() && self.limit_to_partitions_with_lag {
            return Err(invalid(
                "topic",
                "topic must be specified when using limitToPartitionsWithLag",
            ));
        }
        if self.topics.is_empty() {
            self.partition_limitation.clear();
        }
        if self.tls.enabled && (self.tls.cert.is_empty() != self.tls.key.is_empty()) {
            return Err(invalid(
                "cert",
                "can't set only one of cert or key when using TLS",
            ));
        }
        match self.sasl {
            SaslMechanism::Plaintext if self.username.is_empty() || self.password.is_empty() => {
                Err(invalid(
                    "username",
                    "username and password must be set when using SASL/PLAINTEXT",
                ))
            }
            SaslMechanism::AwsMskIam if self.aws_region.is_empty() => Err(invalid(
                "awsRegion",
                "awsRegion must be set when using AWS MSK IAM",
            )),
            SaslMechanism::AwsMskIam if !self.tls.enabled => {
                Err(invalid("tls", "TLS must be enabled when using AWS MSK IAM"))
            }
            _ => Ok(()),
        }
    }

    /// The metric name: `s{index}-kafka-{topics joined by ","}`, or `s{index}-kafka-{group}-topics`.
    pub fn metric_name(&self) -> String {
        let name = if self.topics.is_empty() {
            format!("kafka-{}-topics", self.group)
        } else {
            format!("kafka-{}", self.topics.join(","))
        };
        keda_core::scaler_common::metric_name_with_index(
            self.trigger_index,
            &keda_core::scaler_common::normalize_string(&name),
        )
    }

    /// The lag rules of this trigger.
    pub fn lag_rules(&self) -> LagRules {
        LagRules {
            dialect: Dialect::KafkaGo,
            lag_threshold: self.lag_threshold,
            offset_reset_policy: self.offset_reset_policy,
            allow_idle_consumers: self.allow_idle_consumers,
            exclude_persistent_lag: self.exclude_persistent_lag,
            scale_to_zero_on_invalid_offset: self.scale_to_zero_on_invalid_offset,
            limit_to_partitions_with_lag: self.limit_to_partitions_with_lag,
            ensure_even_distribution_of_partitions: self.ensure_even_distribution_of_partitions,
        }
    }

    /// The librdkafka client configuration (KEDA's `getApacheKafkaClient`). `gssapi` passes
    /// parsing but fails here, with KEDA's message.
    pub fn client_settings(&self) -> Result<ClientSettings> {
        if self.sasl == SaslMechanism::Gssapi {
            return Err(invalid(
                "sasl",
                format!("err sasl type {:?} given", self.sasl.as_str()),
            ));
        }
        let token_provider =
            (self.sasl == SaslMechanism::AwsMskIam).then(|| TokenProvider::AwsMskIam {
                authorization: self.aws_authorization.clone().unwrap_or_default(),
            });
        // kafka-go's TLS config is built with unsafeSsl = false.
        let tls = TlsSettings {
            unsafe_ssl: false,
            ..self.tls.clone()
        };
        Ok(client_settings(
            ConnectionParams {
                bootstrap_servers: &self.bootstrap_servers,
                group: &self.group,
                tls: &tls,
                sasl: self.sasl,
                username: &self.username,
                password: &self.password,
                kerberos: &KerberosSettings::default(),
            },
            token_provider,
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config(meta: &[(&str, &str)], auth: &[(&str, &str)]) -> ScalerConfig {
        crate::param_errors::test_config("apache-kafka", meta, auth)
    }

    #[test]
    fn topics_list_ranges_and_metric_name() {
        let m = ApacheKafkaMetadata::parse(&config(
            &[
                ("bootstrapServers", "b:1"),
                ("consumerGroup", "g"),
                ("topic", "a, b.c"),
                ("partitionLimitation", "1-3,7"),
            ],
            &[],
        ))
        .unwrap();
        assert_eq!(m.topics, ["a", "b.c"]);
        assert_eq!(m.partition_limitation, [1, 2, 3, 7]);
        assert_eq!(m.metric_name(), "s0-kafka-a,b-c");
    }

    #[test]
    fn oauthbearer_rejected_and_gssapi_fails_at_client() {
        let base = [("bootstrapServers", "b:1"), ("consumerGroup", "g")];
        let e = ApacheKafkaMetadata::parse(&config(&base, &[("sasl", "oauthbearer")])).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("parameter \"sasl\" value \"oauthbearer\" must be one of"),
            "{e}"
        );
        let m = ApacheKafkaMetadata::parse(&config(&base, &[("sasl", "gssapi")])).unwrap();
        assert_eq!(
            m.client_settings().unwrap_err().to_string(),
            "err sasl type \"gssapi\" given"
        );
        let both = [base[0], base[1], ("sasl", "plaintext")];
        let e = ApacheKafkaMetadata::parse(&config(
            &both,
            &[("sasl", "plaintext"), ("username", "u"), ("password", "p")],
        ))
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("in both ScaledObject and TriggerAuthentication"),
            "{e}"
        );
    }
}
