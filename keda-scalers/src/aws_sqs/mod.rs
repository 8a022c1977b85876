//! KEDA's `aws-sqs-queue` scaler (keda.md 4.6).
//!
//! [`AwsSqsMetadata`] parses the trigger (queue name from the URL, region, flags, credentials);
//! [`queue_length`] sums the attributes; [`AwsSqsScaler`] reads them through a
//! [`QueueAttributesSource`], implemented over the AWS SDK by [`SdkQueueSource`] (feature
//! `aws-sqs`). Parsing compiles without the feature.

mod metadata;
mod queue_length;
mod queue_url;
mod scaler;
#[cfg(feature = "aws-sqs")]
mod sdk_source;
mod source;

pub use metadata::{AwsSqsMetadata, QueueAttribute};
pub use queue_length::queue_length;
pub use queue_url::{queue_name, request_uri_path};
pub use scaler::AwsSqsScaler;
#[cfg(feature = "aws-sqs")]
pub use sdk_source::{DEFAULT_SQS_TIMEOUT, SdkQueueSource};
pub use source::QueueAttributesSource;
