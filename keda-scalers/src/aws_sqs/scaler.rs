//! The `aws-sqs-queue` scaler over a [`QueueAttributesSource`].

use keda_core::Result;
use keda_core::scaler::{MetricTargetType, MetricsAndActivity, Scaler, ScalerMetricSpec};
use keda_core::scaler_common::{metric_spec, metric_value_milli};

use super::metadata::AwsSqsMetadata;
use super::queue_length::queue_length;
use super::source::QueueAttributesSource;

/// KEDA's `awsSqsQueueScaler`: visible (+ in-flight, + delayed per the flags) messages of a queue.
#[derive(Debug)]
pub struct AwsSqsScaler {
    metadata: AwsSqsMetadata,
    metric_type: MetricTargetType,
    source: Box<dyn QueueAttributesSource>,
}

impl AwsSqsScaler {
    /// A scaler for `metadata` reading attributes from `source`; `Utilization` is rejected.
    pub fn new(
        metadata: AwsSqsMetadata,
        metric_type: MetricTargetType,
        source: Box<dyn QueueAttributesSource>,
    ) -> Result<Self> {
        let metric_type = crate::param_errors::external_metric_type(metric_type)?;
        Ok(Self {
            metadata,
            metric_type,
            source,
        })
    }

    /// The trigger's metadata.
    pub fn metadata(&self) -> &AwsSqsMetadata {
        &self.metadata
    }

    /// KEDA's `getAwsSqsQueueLength`.
    pub async fn queue_length(&self) -> Result<i64> {
        let attributes = self
            .source
            .queue_attributes(&self.metadata.queue_url, &self.metadata.attributes)
            .await?;
        let length = queue_length(&attributes, &self.metadata.attributes)?;
        tracing::debug!(queue = %self.metadata.queue_name, length, "sqs queue length");
        Ok(length)
    }
}

#[async_trait::async_trait]
impl Scaler for AwsSqsScaler {
    fn metric_specs(&self) -> Vec<ScalerMetricSpec> {
        vec![metric_spec(
            self.metadata.metric_name(),
            self.metric_type,
            self.metadata.queue_length,
        )]
    }

    async fn metrics_and_activity(&self, metric_name: &str) -> Result<MetricsAndActivity> {
        let length = self.queue_length().await?;
        // KEDA's `float64(queuelen)`.
        #[allow(clippy::cast_precision_loss)]
        let value = length as f64;
        Ok(MetricsAndActivity {
            values: vec![metric_value_milli(metric_name, value)],
            active: length > self.metadata.activation_queue_length,
        })
    }
}
