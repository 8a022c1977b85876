//! [`OffsetsSource`] over librdkafka (feature `kafka`).
//!
//! One `BaseConsumer` per trigger, configured from [`ClientSettings`], never subscribed (it does
//! not join the group): cluster metadata, `OffsetFetch` of the group's committed offsets,
//! `ListOffsets` (latest) batched per leader through `offsets_for_times`, and `DescribeGroups`.
//! librdkafka calls block, so each runs on tokio's blocking pool under the configured timeout.

use std::sync::Arc;
use std::time::Duration;

use keda_core::error::ScalerErrorKind;
use keda_core::{Error, Result};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::auth::{ClientSettings, TokenProvider};
use super::lag::{INVALID_OFFSET, PartitionOffsets};
use super::source::{GroupDescription, OffsetsSource, TopicPartitions};

/// Reads offsets from a Kafka cluster with librdkafka.
pub struct RdKafkaSource {
    consumer: Arc<BaseConsumer>,
    group: String,
    scaler: &'static str,
    timeout: Duration,
    full_metadata: bool,
}

impl std::fmt::Debug for RdKafkaSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RdKafkaSource")
            .field("group", &self.group)
            .field("scaler", &self.scaler)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RdKafkaSource {
    /// Creates the client and, as KEDA does when it builds the scaler, fetches cluster metadata
    /// once: an unreachable cluster fails here. `timeout` bounds every broker call.
    ///
    /// `saslTokenProvider: aws_msk_iam` is refused (no MSK IAM signer in this build); GSSAPI and
    /// OIDC OAUTHBEARER are refused by librdkafka itself when it was built without Cyrus SASL or
    /// libcurl. Both come back as `ScalerErrorKind::Config`.
    pub async fn connect(
        settings: &ClientSettings,
        scaler: &'static str,
        timeout: Duration,
    ) -> Result<Self> {
        if let Some(TokenProvider::AwsMskIam { .. }) = settings.token_provider {
            return Err(Error::scaler(
                scaler,
                ScalerErrorKind::Config,
                "SASL/OAUTHBEARER with the aws_msk_iam token provider is not supported by this client",
            ));
        }
        let mut config = ClientConfig::new();
        for (key, value) in settings.properties() {
            config.set(key, value.expose());
        }
        let ms = timeout.as_millis().clamp(10, 300_000).to_string();
        config.set("socket.timeout.ms", &ms);
        config.set("socket.connection.setup.timeout.ms", &ms);
        let consumer: BaseConsumer = config.create().map_err(|e| {
            Error::scaler(
                scaler,
                ScalerErrorKind::Config,
                format!("error creating kafka client: {e}"),
            )
        })?;
        let group = settings
            .get("group.id")
            .map(|v| v.expose().to_owned())
            .unwrap_or_default();
        let source = Self {
            consumer: Arc::new(consumer),
            group,
            scaler,
            timeout,
            full_metadata: settings.full_metadata,
        };
        source
            .blocking("fetching cluster metadata", |c, t| {
                c.fetch_metadata(None, t).map(|_| ())
            })
            .await?;
        Ok(source)
    }

    /// Runs a blocking librdkafka call on the blocking pool, bounded by the timeout.
    async fn blocking<T: Send + 'static>(
        &self,
        what: &'static str,
        call: impl FnOnce(&BaseConsumer, Duration) -> Result<T, KafkaError> + Send + 'static,
    ) -> Result<T> {
        let consumer = Arc::clone(&self.consumer);
        let timeout = self.timeout;
        let task = tokio::task::spawn_blocking(move || call(&consumer, timeout));
        // librdkafka honours the timeout itself; the outer bound only guards against a stuck call.
        match tokio::time::timeout(timeout.saturating_mul(2), task).await {
            Err(_) => Err(Error::scaler(
                self.scaler,
                ScalerErrorKind::Timeout,
                format!("{what}: no answer in {timeout:?}"),
            )),
            Ok(Err(join)) => Err(Error::scaler(
                self.scaler,
                ScalerErrorKind::Query,
                format!("{what}: {join}"),
            )),
            Ok(Ok(Err(e))) => Err(Error::scaler(
                self.scaler,
                error_kind(&e),
                format!("{what}: {e}"),
            )),
            Ok(Ok(Ok(v))) => Ok(v),
        }
    }

    fn query(&self, message: String) -> Error {
        Error::scaler(self.scaler, ScalerErrorKind::Query, message)
    }
}

/// The class of a librdkafka failure.
fn error_kind(e: &KafkaError) -> ScalerErrorKind {
    use RDKafkaErrorCode as C;
    match e.rdkafka_error_code() {
        Some(C::OperationTimedOut | C::RequestTimedOut | C::MessageTimedOut) => {
            ScalerErrorKind::Timeout
        }
        Some(
            C::AllBrokersDown
            | C::BrokerTransportFailure
            | C::NetworkException
            | C::Resolve
            | C::BrokerNotAvailable
            | C::CoordinatorNotAvailable
            | C::NotCoordinator
            | C::Authentication
            | C::SSL,
        ) => ScalerErrorKind::Connection,
        _ => ScalerErrorKind::Query,
    }
}

fn partition_list(
    partitions: &TopicPartitions,
    offset: Option<Offset>,
) -> Result<TopicPartitionList, KafkaError> {
    let mut tpl = TopicPartitionList::new();
    for (topic, ids) in partitions {
        for &p in ids {
            match offset {
                Some(o) => tpl.add_partition_offset(topic, p, o)?,
                None => {
                    tpl.add_partition(topic, p);
                }
            }
        }
    }
    Ok(tpl)
}

/// Offsets of a list, `None` (librdkafka's invalid/unset offset) as KEDA's `-1`; a per-partition
/// error fails the whole call, as a Sarama block error does.
fn offsets_of(tpl: &TopicPartitionList) -> Result<PartitionOffsets, String> {
    let mut out = PartitionOffsets::new();
    for e in tpl.elements() {
        if let Err(err) = e.error() {
            return Err(format!(
                "topic {} partition {}: {err}",
                e.topic(),
                e.partition()
            ));
        }
        let offset = match e.offset() {
            Offset::Offset(n) => n,
            _ => INVALID_OFFSET,
        };
        out.entry(e.topic().to_owned())
            .or_default()
            .insert(e.partition(), offset);
    }
    Ok(out)
}

#[async_trait::async_trait]
impl OffsetsSource for RdKafkaSource {
    async fn topic_partitions(&self, topics: Option<&[String]>) -> Result<TopicPartitions> {
        let single = match topics {
            Some([one]) if !self.full_metadata => Some(one.clone()),
            _ => None,
        };
        let metadata = self
            .blocking("describing topics", move |c, t| {
                c.fetch_metadata(single.as_deref(), t)
            })
            .await?;
        let mut out = TopicPartitions::new();
        for topic in metadata.topics() {
            if topics.is_some_and(|wanted| !wanted.iter().any(|w| w == topic.name())) {
                continue;
            }
            if let Some(err) = topic.error() {
                let code = RDKafkaErrorCode::from(err);
                return Err(self.query(format!(
                    "error describing topics: topic {}: {code}",
                    topic.name()
                )));
            }
            out.insert(
                topic.name().to_owned(),
                topic.partitions().iter().map(|p| p.id()).collect(),
            );
        }
        if let Some(missing) = topics.and_then(|w| w.iter().find(|t| !out.contains_key(*t))) {
            return Err(self.query(format!(
                "error describing topics: topic {missing} not found"
            )));
        }
        Ok(out)
    }

    async fn group_topics(&self) -> Result<Vec<String>> {
        // librdkafka has no "all committed offsets of a group" call: ask for every partition of
        // every topic and keep the topics where the group committed something.
        let all = self.topic_partitions(None).await?;
        let committed = self.committed_offsets(&all).await?;
        Ok(committed
            .into_iter()
            .filter(|(_, parts)| parts.values().any(|&o| o != INVALID_OFFSET))
            .map(|(topic, _)| topic)
            .collect())
    }

    async fn committed_offsets(&self, partitions: &TopicPartitions) -> Result<PartitionOffsets> {
        let tpl = partition_list(partitions, None)
            .map_err(|e| self.query(format!("error listing consumer group offsets: {e}")))?;
        let result = self
            .blocking("listing consumer group offsets", move |c, t| {
                c.committed_offsets(tpl, t)
            })
            .await?;
        offsets_of(&result)
            .map_err(|e| self.query(format!("error listing consumer group offsets: {e}")))
    }

    async fn latest_offsets(&self, partitions: &TopicPartitions) -> Result<PartitionOffsets> {
        let tpl = partition_list(partitions, Some(Offset::End))
            .map_err(|e| self.query(format!("error listing latest offsets: {e}")))?;
        let result = self
            .blocking("listing latest offsets", move |c, t| {
                c.offsets_for_times(tpl, t)
            })
            .await?;
        offsets_of(&result).map_err(|e| self.query(format!("error listing latest offsets: {e}")))
    }

    async fn describe_group(&self) -> Result<GroupDescription> {
        let group = self.group.clone();
        self.blocking("describing group", move |c, t| {
            let list = c.fetch_group_list(Some(&group), t)?;
            Ok(list
                .groups()
                .iter()
                .find(|g| g.name() == group)
                .map(|g| GroupDescription {
                    state: g.state().to_owned(),
                    members: g.members().len(),
                })
                .unwrap_or_default())
        })
        .await
    }
}
