//! Where queue attributes come from: the I/O edge of the SQS scaler.

use std::collections::BTreeMap;

use keda_core::Result;

use super::metadata::QueueAttribute;

/// `GetQueueAttributes` of one queue.
///
/// Implemented over the AWS SDK by [`SdkQueueSource`](super::SdkQueueSource) (feature `aws-sqs`).
/// Errors must be `Error::Scaler` with a kind saying whether the endpoint was unreachable, too
/// slow, or answered with an error, and must never contain credentials.
#[async_trait::async_trait]
pub trait QueueAttributesSource: Send + Sync + std::fmt::Debug {
    /// The requested attributes of the queue at `queue_url`, by SQS attribute name.
    async fn queue_attributes(
        &self,
        queue_url: &str,
        names: &[QueueAttribute],
    ) -> Result<BTreeMap<String, String>>;
}
