//! The `aws-sqs-queue` trigger's metadata: KEDA's `parseAwsSqsQueueMetadata`
//! (`pkg/scalers/aws_sqs_queue_scaler.go`).

use keda_core::Result;
use keda_core::scaler::ScalerConfig;
use keda_core::scaler_config::{MetadataParser, Param, Source};

use super::queue_url::queue_name;
use crate::aws_auth::{AwsAuthorization, PodIdentity, aws_authorization};
use crate::param_errors::{ParamErrors, invalid};

/// A queue attribute the scaler sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueAttribute {
    /// `ApproximateNumberOfMessages`: visible messages.
    Visible,
    /// `ApproximateNumberOfMessagesNotVisible`: in flight (received, not deleted).
    InFlight,
    /// `ApproximateNumberOfMessagesDelayed`: delayed.
    Delayed,
}

impl QueueAttribute {
    /// The SQS attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visible => "ApproximateNumberOfMessages",
            Self::InFlight => "ApproximateNumberOfMessagesNotVisible",
            Self::Delayed => "ApproximateNumberOfMessagesDelayed",
        }
    }
}

/// The parsed metadata of an `aws-sqs-queue` trigger.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AwsSqsMetadata {
    /// `queueLength` [5]: the target per replica.
    pub queue_length: i64,
    /// `activationQueueLength` [0].
    pub activation_queue_length: i64,
    /// `queueURL` (M, E; required).
    pub queue_url: String,
    /// The queue name (metric name).
    pub queue_name: String,
    /// `awsRegion` (M, A; required).
    pub aws_region: String,
    /// `awsEndpoint`: a custom endpoint (LocalStack, moto).
    pub aws_endpoint: String,
    /// `scaleOnInFlight` [true].
    pub scale_on_in_flight: bool,
    /// `scaleOnDelayed` [false].
    pub scale_on_delayed: bool,
    /// `identityOwner` (`pod` or `operator`).
    pub identity_owner: String,
    /// The attributes summed: visible, then in flight and delayed per the flags.
    pub attributes: Vec<QueueAttribute>,
    /// Credentials.
    pub authorization: AwsAuthorization,
    /// The trigger's index (metric name prefix).
    pub trigger_index: usize,
}

impl AwsSqsMetadata {
    /// Parses a trigger's metadata as KEDA's `parseAwsSqsQueueMetadata` does.
    pub fn parse(config: &ScalerConfig) -> Result<Self> {
        Self::parse_with_pod_identity(config, &PodIdentity::none())
    }

    /// [`AwsSqsMetadata::parse`] with the trigger authentication's pod identity.
    pub fn parse_with_pod_identity(
        config: &ScalerConfig,
        pod_identity: &PodIdentity,
    ) -> Result<Self> {
        const M: &[Source] = &[Source::TriggerMetadata];
        let mut p = MetadataParser::new(config);
        let mut errs = ParamErrors::default();
        let mut meta = Self {
            trigger_index: config.trigger_index,
            ..Self::default()
        };
        meta.queue_length = errs.get(&mut p, Param::new("queueLength").from(M).default("5"));
        meta.activation_queue_length = errs.get(
            &mut p,
            Param::new("activationQueueLength").from(M).default("0"),
        );
        meta.queue_url = errs.get(
            &mut p,
            Param::new("queueURL").from(&[Source::TriggerMetadata, Source::ResolvedEnv]),
        );
        meta.aws_region = errs.get(
            &mut p,
            Param::new("awsRegion").from(&[Source::TriggerMetadata, Source::AuthParams]),
        );
        meta.aws_endpoint = errs.get(&mut p, Param::new("awsEndpoint").from(M).optional());
        meta.scale_on_in_flight = errs.get(
            &mut p,
            Param::new("scaleOnInFlight").from(M).default("true"),
        );
        meta.scale_on_delayed = errs.get(
            &mut p,
            Param::new("scaleOnDelayed").from(M).default("false"),
        );
        meta.identity_owner = errs.get(&mut p, Param::new("identityOwner").from(M).optional());
        errs.finish()?;

        meta.attributes = vec![QueueAttribute::Visible];
        if meta.scale_on_in_flight {
            meta.attributes.push(QueueAttribute::InFlight);
        }
        if meta.scale_on_delayed {
            meta.attributes.push(QueueAttribute::Delayed);
        }
        meta.queue_name = queue_name(&meta.queue_url)
            .ok_or_else(|| invalid("queueURL", "cannot get queueName from queueURL"))?;
        meta.authorization = aws_authorization(
            &meta.aws_region,
            pod_identity,
            &config.trigger_metadata,
            &config.auth_params,
            &config.resolved_env,
        )?;
        Ok(meta)
    }

    /// The metric name: `s{index}-aws-sqs-{queueName}`.
    pub fn metric_name(&self) -> String {
        keda_core::scaler_common::metric_name_with_index(
            self.trigger_index,
            &keda_core::scaler_common::normalize_string(&format!("aws-sqs-{}", self.queue_name)),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config(meta: &[(&str, &str)], auth: &[(&str, &str)]) -> ScalerConfig {
        crate::param_errors::test_config("aws-sqs-queue", meta, auth)
    }

    #[test]
    fn defaults_flags_and_name() {
        let keys = [("awsAccessKeyID", "AKIA"), ("awsSecretAccessKey", "shh")];
        let m = AwsSqsMetadata::parse(&config(
            &[
                (
                    "queueURL",
                    "https://sqs.eu-west-1.amazonaws.com/123/DeleteArtifactQ",
                ),
                ("awsRegion", "eu-west-1"),
            ],
            &keys,
        ))
        .unwrap();
        assert_eq!((m.queue_length, m.activation_queue_length), (5, 0));
        assert_eq!(
            m.attributes,
            [QueueAttribute::Visible, QueueAttribute::InFlight]
        );
        assert_eq!(m.metric_name(), "s0-aws-sqs-DeleteArtifactQ");
        assert!(!format!("{m:?}").contains("shh"));
        let m = AwsSqsMetadata::parse(&config(
            &[
                ("queueURL", "q"),
                ("awsRegion", "r"),
                ("scaleOnInFlight", "false"),
                ("scaleOnDelayed", "true"),
            ],
            &keys,
        ))
        .unwrap();
        assert_eq!(
            m.attributes,
            [QueueAttribute::Visible, QueueAttribute::Delayed]
        );
    }

    #[test]
    fn region_is_required_and_not_derived_from_the_url() {
        let e = AwsSqsMetadata::parse(&config(
            &[("queueURL", "https://sqs.eu-west-1.amazonaws.com/123/q")],
            &[("awsAccessKeyID", "a"), ("awsSecretAccessKey", "b")],
        ))
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("missing required parameter \"awsRegion\""),
            "{e}"
        );
    }
}
