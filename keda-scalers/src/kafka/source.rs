//! Where offsets come from: the I/O edge of the Kafka scalers.

use std::collections::BTreeMap;

use keda_core::Result;

use super::lag::PartitionOffsets;

/// Partition ids per topic.
pub type TopicPartitions = BTreeMap<String, Vec<i32>>;

/// The state of a consumer group as DescribeGroups reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupDescription {
    /// The group state (`Stable`, `Empty`, `Dead`, ...).
    pub state: String,
    /// Number of active members.
    pub members: usize,
}

/// The broker queries the Kafka scalers need: cluster metadata, the group's committed offsets,
/// the partitions' latest offsets, and the group's members.
///
/// Implemented over librdkafka by [`RdKafkaSource`](super::RdKafkaSource) (feature `kafka`);
/// tests and embedders may supply their own. Errors must be `Error::Scaler` with a
/// [`ScalerErrorKind`](keda_core::error::ScalerErrorKind) that says whether the broker was
/// unreachable, too slow, or answered with an error, and must never contain credentials.
#[async_trait::async_trait]
pub trait OffsetsSource: Send + Sync + std::fmt::Debug {
    /// Partition ids of `topics` from cluster metadata, or of every topic when `None`.
    /// A topic the cluster does not know is an error.
    async fn topic_partitions(&self, topics: Option<&[String]>) -> Result<TopicPartitions>;

    /// The topics the group has committed offsets for (KEDA's `ListConsumerGroupOffsets(group, nil)`).
    async fn group_topics(&self) -> Result<Vec<String>>;

    /// The group's committed offset of each partition; [`INVALID_OFFSET`](super::INVALID_OFFSET)
    /// where nothing is committed.
    async fn committed_offsets(&self, partitions: &TopicPartitions) -> Result<PartitionOffsets>;

    /// The latest offset (high watermark) of each partition.
    async fn latest_offsets(&self, partitions: &TopicPartitions) -> Result<PartitionOffsets>;

    /// The group's state and member count.
    async fn describe_group(&self) -> Result<GroupDescription>;

    /// Releases connections.
    async fn close(&self) -> Result<()> {
        Ok(())
    }
}
