//! The `kafka` and `apache-kafka` scalers over an [`OffsetsSource`].

use std::sync::Mutex;

use keda_core::error::ScalerErrorKind;
use keda_core::scaler::{MetricTargetType, MetricsAndActivity, Scaler, ScalerMetricSpec};
use keda_core::scaler_common::{metric_spec, metric_value_milli};
use keda_core::{Error, Result};

use super::apache_metadata::ApacheKafkaMetadata;
use super::lag::{LagRules, OffsetsSnapshot, PersistentLagTracker, TotalLag, total_lag};
use super::metadata::KafkaMetadata;
use super::source::{OffsetsSource, TopicPartitions};

/// Which trigger a [`KafkaScaler`] serves, with its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KafkaTrigger {
    /// `kafka` (KEDA's Sarama scaler).
    Kafka(Box<KafkaMetadata>),
    /// `apache-kafka` (KEDA's kafka-go scaler).
    ApacheKafka(Box<ApacheKafkaMetadata>),
}

impl KafkaTrigger {
    /// The trigger type as written in manifests.
    pub fn trigger_type(&self) -> &'static str {
        match self {
            Self::Kafka(_) => "kafka",
            Self::ApacheKafka(_) => "apache-kafka",
        }
    }

    /// The metric name (`s{i}-kafka-...`).
    pub fn metric_name(&self) -> String {
        match self {
            Self::Kafka(m) => m.metric_name(),
            Self::ApacheKafka(m) => m.metric_name(),
        }
    }

    /// The lag rules.
    pub fn lag_rules(&self) -> LagRules {
        match self {
            Self::Kafka(m) => m.lag_rules(),
            Self::ApacheKafka(m) => m.lag_rules(),
        }
    }

    fn group(&self) -> &str {
        match self {
            Self::Kafka(m) => &m.consumer_group,
            Self::ApacheKafka(m) => &m.group,
        }
    }

    fn activation_lag_threshold(&self) -> i64 {
        match self {
            Self::Kafka(m) => m.activation_lag_threshold,
            Self::ApacheKafka(m) => m.activation_lag_threshold,
        }
    }
}

/// KEDA's `kafkaScaler` / `apacheKafkaScaler`: lag of a consumer group, capped per the trigger's
/// rules, with `excludePersistentLag` state kept across polls.
#[derive(Debug)]
pub struct KafkaScaler {
    trigger: KafkaTrigger,
    metric_type: MetricTargetType,
    source: Box<dyn OffsetsSource>,
    tracker: Mutex<PersistentLagTracker>,
}

impl KafkaScaler {
    /// A scaler for `trigger` reading offsets from `source`. `Utilization` is rejected as for
    /// every external scaler.
    pub fn new(
        trigger: KafkaTrigger,
        metric_type: MetricTargetType,
        source: Box<dyn OffsetsSource>,
    ) -> Result<Self> {
        let metric_type = crate::param_errors::external_metric_type(metric_type)?;
        Ok(Self {
            trigger,
            metric_type,
            source,
            tracker: Mutex::new(PersistentLagTracker::default()),
        })
    }

    /// The trigger this scaler serves.
    pub fn trigger(&self) -> &KafkaTrigger {
        &self.trigger
    }

    /// KEDA's `getTopicPartitions` for the trigger's dialect.
    pub async fn topic_partitions(&self) -> Result<TopicPartitions> {
        match &self.trigger {
            KafkaTrigger::Kafka(m) => {
                let topics = if m.topic.is_empty() {
                    self.source.group_topics().await?
                } else {
                    vec![m.topic.clone()]
                };
                let described = self.source.topic_partitions(Some(&topics)).await?;
                if !m.topic.is_empty() && described.len() != 1 {
                    return Err(self.query(format!(
                        "expected only 1 topic metadata, got {}",
                        described.len()
                    )));
                }
                let mut out = TopicPartitions::new();
                for (topic, partitions) in described {
                    let active: Vec<i32> = partitions
                        .into_iter()
                        .filter(|p| {
                            m.partition_limitation
                                .as_ref()
                                .is_none_or(|l| l.contains(p))
                        })
                        .collect();
                    if active.is_empty() {
                        return Err(self.query(format!(
                            "expected at least one active partition within the topic '{topic}'"
                        )));
                    }
                    out.insert(topic, active);
                }
                Ok(out)
            }
            KafkaTrigger::ApacheKafka(m) => {
                if m.topics.is_empty() {
                    let group = self.source.describe_group().await?;
                    if group.members == 0 {
                        return Err(self.query(format!(
                            "no active members in group {}, group-state is {}",
                            m.group, group.state
                        )));
                    }
                }
                let all = self.source.topic_partitions(None).await?;
                Ok(all
                    .into_iter()
                    .filter(|(topic, _)| m.topics.is_empty() || m.topics.contains(topic))
                    .map(|(topic, partitions)| {
                        let kept = partitions
                            .into_iter()
                            .filter(|p| {
                                m.partition_limitation.is_empty()
                                    || m.partition_limitation.contains(p)
                            })
                            .collect();
                        (topic, kept)
                    })
                    .collect())
            }
        }
    }

    /// One poll: partitions, committed and latest offsets, then KEDA's `getTotalLag`.
    pub async fn total_lag(&self) -> Result<TotalLag> {
        let partitions = self.topic_partitions().await?;
        let consumer = self.source.committed_offsets(&partitions).await?;
        let producer = self.source.latest_offsets(&partitions).await?;
        let snapshot = OffsetsSnapshot { consumer, producer };
        let mut tracker = self
            .tracker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let total = total_lag(
            &self.trigger.lag_rules(),
            self.trigger.group(),
            &snapshot,
            &mut tracker,
        )?;
        tracing::debug!(
            scaler = self.trigger.trigger_type(),
            total_lag = total.total_lag,
            total_lag_with_persistent = total.total_lag_with_persistent,
            partitions = snapshot.producer.values().map(|p| p.len()).sum::<usize>(),
            "kafka lag"
        );
        Ok(total)
    }

    fn query(&self, message: String) -> Error {
        Error::scaler(self.trigger.trigger_type(), ScalerErrorKind::Query, message)
    }
}

#[async_trait::async_trait]
impl Scaler for KafkaScaler {
    fn metric_specs(&self) -> Vec<ScalerMetricSpec> {
        vec![metric_spec(
            self.trigger.metric_name(),
            self.metric_type,
            self.trigger.lag_rules().lag_threshold,
        )]
    }

    async fn metrics_and_activity(&self, metric_name: &str) -> Result<MetricsAndActivity> {
        let total = self.total_lag().await?;
        // The i64 → f64 conversion is KEDA's `float64(totalLag)`.
        #[allow(clippy::cast_precision_loss)]
        let value = total.total_lag as f64;
        Ok(MetricsAndActivity {
            values: vec![metric_value_milli(metric_name, value)],
            active: total.total_lag_with_persistent > self.trigger.activation_lag_threshold(),
        })
    }

    async fn close(&self) -> Result<()> {
        self.source.close().await
    }
}

/// Sarama's network timeouts (dial, read, write), used when the config has no HTTP timeout.
pub const DEFAULT_BROKER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

#[cfg(feature = "kafka")]
impl KafkaScaler {
    /// Builds the scaler of a `kafka` or `apache-kafka` trigger as KEDA's `NewKafkaScaler` /
    /// `NewApacheKafkaScaler` do: parse the metadata, create the librdkafka client and reach the
    /// cluster once. Broker calls are bounded by the config's `global_http_timeout`, or
    /// [`DEFAULT_BROKER_TIMEOUT`] when it is zero.
    pub async fn connect(config: &keda_core::scaler::ScalerConfig) -> Result<Self> {
        Self::connect_with_pod_identity(config, &crate::aws_auth::PodIdentity::none()).await
    }

    /// [`KafkaScaler::connect`] with the trigger authentication's pod identity.
    pub async fn connect_with_pod_identity(
        config: &keda_core::scaler::ScalerConfig,
        pod_identity: &crate::aws_auth::PodIdentity,
    ) -> Result<Self> {
        let metric_type = keda_core::scaler_common::metric_target_type(config)?;
        let (trigger, settings) = if config.trigger_type == "apache-kafka" {
            let m = ApacheKafkaMetadata::parse_with_pod_identity(config, pod_identity)?;
            let s = m.client_settings()?;
            (KafkaTrigger::ApacheKafka(Box::new(m)), s)
        } else {
            let m = KafkaMetadata::parse_with_pod_identity(config, pod_identity)?;
            let s = m.client_settings();
            (KafkaTrigger::Kafka(Box::new(m)), s)
        };
        let timeout = crate::param_errors::timeout_or(config, DEFAULT_BROKER_TIMEOUT);
        let source =
            super::RdKafkaSource::connect(&settings, trigger.trigger_type(), timeout).await?;
        Self::new(trigger, metric_type, Box::new(source))
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::field_reassign_with_default
)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::kafka::lag::PartitionOffsets;
    use crate::kafka::source::GroupDescription;

    /// An in-memory cluster state (our own trait, not a server).
    #[derive(Debug, Default)]
    struct Fixed {
        partitions: TopicPartitions,
        committed: PartitionOffsets,
        latest: PartitionOffsets,
        members: usize,
    }

    #[async_trait::async_trait]
    impl OffsetsSource for Fixed {
        async fn topic_partitions(&self, topics: Option<&[String]>) -> Result<TopicPartitions> {
            Ok(self
                .partitions
                .iter()
                .filter(|(t, _)| topics.is_none_or(|w| w.contains(t)))
                .map(|(t, p)| (t.clone(), p.clone()))
                .collect())
        }
        async fn group_topics(&self) -> Result<Vec<String>> {
            Ok(self.committed.keys().cloned().collect())
        }
        async fn committed_offsets(&self, _: &TopicPartitions) -> Result<PartitionOffsets> {
            Ok(self.committed.clone())
        }
        async fn latest_offsets(&self, p: &TopicPartitions) -> Result<PartitionOffsets> {
            Ok(self
                .latest
                .iter()
                .filter(|(t, _)| p.contains_key(*t))
                .map(|(t, o)| {
                    (
                        t.clone(),
                        o.iter()
                            .filter(|(id, _)| p[t.as_str()].contains(*id))
                            .map(|(a, b)| (*a, *b))
                            .collect(),
                    )
                })
                .collect())
        }
        async fn describe_group(&self) -> Result<GroupDescription> {
            Ok(GroupDescription {
                state: "Empty".into(),
                members: self.members,
            })
        }
    }

    fn config(trigger: &str, meta: &[(&str, &str)]) -> keda_core::scaler::ScalerConfig {
        let mut c = keda_core::scaler::ScalerConfig::default();
        c.trigger_type = trigger.into();
        c.trigger_metadata = [("bootstrapServers", "b:1"), ("consumerGroup", "g")]
            .iter()
            .chain(meta)
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        c
    }

    fn cluster(members: usize) -> Fixed {
        let offsets = |v: &[(i32, i64)]| v.iter().copied().collect::<BTreeMap<_, _>>();
        Fixed {
            partitions: BTreeMap::from([("a".into(), vec![0, 1]), ("b".into(), vec![0])]),
            committed: BTreeMap::from([
                ("a".into(), offsets(&[(0, 1), (1, 2)])),
                ("b".into(), offsets(&[(0, 0)])),
            ]),
            latest: BTreeMap::from([
                ("a".into(), offsets(&[(0, 5), (1, 2)])),
                ("b".into(), offsets(&[(0, 7)])),
            ]),
            members,
        }
    }

    #[tokio::test]
    async fn apache_kafka_without_topic_needs_members_then_reads_every_topic() {
        let m =
            ApacheKafkaMetadata::parse(&config("apache-kafka", &[("allowIdleConsumers", "true")]))
                .unwrap();
        let s = KafkaScaler::new(
            KafkaTrigger::ApacheKafka(Box::new(m.clone())),
            MetricTargetType::AverageValue,
            Box::new(cluster(0)),
        )
        .unwrap();
        let e = s.metrics_and_activity("x").await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "scaler apache-kafka: query failed: no active members in group g, group-state is Empty"
        );
        let s = KafkaScaler::new(
            KafkaTrigger::ApacheKafka(Box::new(m)),
            MetricTargetType::Value,
            Box::new(cluster(2)),
        )
        .unwrap();
        let r = s.metrics_and_activity("s0-kafka-g-topics").await.unwrap();
        assert_eq!((r.values[0].value_milli, r.active), (4000 + 7000, true));
        assert_eq!(s.metric_specs()[0].target_type, MetricTargetType::Value);
    }

    #[tokio::test]
    async fn kafka_topic_filters_and_partition_limitation() {
        let m = KafkaMetadata::parse(&config(
            "kafka",
            &[("topic", "a"), ("partitionLimitation", "1")],
        ))
        .unwrap();
        let s = KafkaScaler::new(
            KafkaTrigger::Kafka(Box::new(m)),
            MetricTargetType::AverageValue,
            Box::new(cluster(0)),
        )
        .unwrap();
        assert_eq!(
            s.topic_partitions().await.unwrap(),
            BTreeMap::from([("a".to_owned(), vec![1])])
        );
        let m = KafkaMetadata::parse(&config(
            "kafka",
            &[("topic", "a"), ("partitionLimitation", "9")],
        ))
        .unwrap();
        let s = KafkaScaler::new(
            KafkaTrigger::Kafka(Box::new(m)),
            MetricTargetType::AverageValue,
            Box::new(cluster(0)),
        )
        .unwrap();
        let e = s.topic_partitions().await.unwrap_err().to_string();
        assert!(
            e.ends_with("expected at least one active partition within the topic 'a'"),
            "{e}"
        );
        let m = KafkaMetadata::parse(&config("kafka", &[])).unwrap();
        assert!(
            KafkaScaler::new(
                KafkaTrigger::Kafka(Box::new(m)),
                MetricTargetType::Utilization,
                Box::new(cluster(0))
            )
            .is_err()
        );
    }
}
