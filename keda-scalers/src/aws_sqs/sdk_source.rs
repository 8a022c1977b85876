//! [`QueueAttributesSource`] over the AWS SDK (feature `aws-sqs`), KEDA's `createSqsClient` and
//! `GetAwsConfig`.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sqs::config::{Credentials, Region};
use aws_sdk_sqs::error::{DisplayErrorContext, SdkError};
use aws_sdk_sqs::types::QueueAttributeName;
use keda_core::error::ScalerErrorKind;
use keda_core::{Error, Result};

use super::metadata::{AwsSqsMetadata, QueueAttribute};
use super::source::QueueAttributesSource;
use crate::aws_auth::AwsAuthorization;

/// Operation timeout (retries included) when the config has no HTTP timeout.
pub const DEFAULT_SQS_TIMEOUT: Duration = Duration::from_secs(3);

const SCALER: &str = "aws-sqs-queue";

/// Reads queue attributes with `aws-sdk-sqs`.
#[derive(Debug)]
pub struct SdkQueueSource {
    client: aws_sdk_sqs::Client,
}

impl SdkQueueSource {
    /// Builds the client: region, `awsEndpoint` override, and credentials as KEDA chooses them —
    /// static keys from the trigger, else a role assumed through STS (`awsRoleArn` or the pod
    /// identity's role), else the default chain (environment, profile, web identity, IMDS).
    /// `timeout` bounds each call, retries included.
    pub async fn new(metadata: &AwsSqsMetadata, timeout: Duration) -> Result<Self> {
        let auth = &metadata.authorization;
        let region = Region::new(auth.region.clone());
        let timeouts = TimeoutConfig::builder()
            .operation_timeout(timeout)
            .connect_timeout(timeout)
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(region.clone())
            .timeout_config(timeouts);
        if auth.has_static_credentials() {
            loader = loader.credentials_provider(static_credentials(auth));
        } else if !auth.role_arn.is_empty() && (auth.pod_identity_owner || auth.using_pod_identity)
        {
            let base = aws_config::defaults(BehaviorVersion::latest())
                .region(region.clone())
                .load()
                .await;
            let mut role = aws_config::sts::AssumeRoleProvider::builder(auth.role_arn.clone())
                .configure(&base)
                .session_name("keda-rs");
            if !auth.external_id.is_empty() {
                role = role.external_id(auth.external_id.clone());
            }
            loader = loader.credentials_provider(role.build().await);
        }
        let shared = loader.load().await;
        let mut config = aws_sdk_sqs::config::Builder::from(&shared);
        if !metadata.aws_endpoint.is_empty() {
            config = config.endpoint_url(metadata.aws_endpoint.clone());
        }
        Ok(Self {
            client: aws_sdk_sqs::Client::from_conf(config.build()),
        })
    }
}

fn static_credentials(auth: &AwsAuthorization) -> Credentials {
    let token = (!auth.session_token.is_empty()).then(|| auth.session_token.expose().to_owned());
    Credentials::new(
        auth.access_key_id.clone(),
        auth.secret_access_key.expose().to_owned(),
        token,
        None,
        "keda-trigger",
    )
}

/// The class of an SDK failure.
fn error_kind<E>(e: &SdkError<E>) -> ScalerErrorKind {
    match e {
        SdkError::TimeoutError(_) => ScalerErrorKind::Timeout,
        SdkError::DispatchFailure(d) if d.is_timeout() => ScalerErrorKind::Timeout,
        SdkError::DispatchFailure(d) if d.is_io() => ScalerErrorKind::Connection,
        SdkError::ConstructionFailure(_) => ScalerErrorKind::Config,
        _ => ScalerErrorKind::Query,
    }
}

#[async_trait::async_trait]
impl QueueAttributesSource for SdkQueueSource {
    async fn queue_attributes(
        &self,
        queue_url: &str,
        names: &[QueueAttribute],
    ) -> Result<BTreeMap<String, String>> {
        let mut request = self.client.get_queue_attributes().queue_url(queue_url);
        for name in names {
            request = request.attribute_names(QueueAttributeName::from(name.as_str()));
        }
        let output = request.send().await.map_err(|e| {
            Error::scaler(
                SCALER,
                error_kind(&e),
                format!(
                    "GetQueueAttributes {queue_url}: {}",
                    DisplayErrorContext(&e)
                ),
            )
        })?;
        Ok(output
            .attributes
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k.as_str().to_owned(), v))
            .collect())
    }
}

impl super::AwsSqsScaler {
    /// Builds the scaler of an `aws-sqs-queue` trigger as KEDA's `NewAwsSqsQueueScaler` does. Calls
    /// are bounded by the config's `global_http_timeout`, or [`DEFAULT_SQS_TIMEOUT`] when zero.
    pub async fn connect(config: &keda_core::scaler::ScalerConfig) -> Result<Self> {
        Self::connect_with_pod_identity(config, &crate::aws_auth::PodIdentity::none()).await
    }

    /// [`AwsSqsScaler::connect`](super::AwsSqsScaler::connect) with the trigger authentication's pod identity.
    pub async fn connect_with_pod_identity(
        config: &keda_core::scaler::ScalerConfig,
        pod_identity: &crate::aws_auth::PodIdentity,
    ) -> Result<Self> {
        let metric_type = keda_core::scaler_common::metric_target_type(config)?;
        let metadata = AwsSqsMetadata::parse_with_pod_identity(config, pod_identity)?;
        let timeout = crate::param_errors::timeout_or(config, DEFAULT_SQS_TIMEOUT);
        let source = SdkQueueSource::new(&metadata, timeout).await?;
        Self::new(metadata, metric_type, Box::new(source))
    }
}
