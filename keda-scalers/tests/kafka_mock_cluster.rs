//! The Kafka scalers against librdkafka's mock cluster: a real Kafka-protocol broker on loopback
//! TCP. Messages are produced per partition and the group's offsets committed per partition with
//! librdkafka's own producer and consumer; the scalers must then report KEDA's lag and activity.
#![cfg(feature = "kafka")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::field_reassign_with_default,
    clippy::indexing_slicing
)]

mod io_support;

use std::collections::BTreeMap;
use std::time::Duration;

use keda_core::Error;
use keda_core::error::ScalerErrorKind;
use keda_core::scaler::{Scaler, ScalerConfig};
use keda_scalers::kafka::KafkaScaler;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

const TOPIC: &str = "orders";
const GROUP: &str = "workers";
/// Messages produced per partition.
const PRODUCED: [i64; 4] = [30, 5, 0, 12];

struct Cluster {
    mock: MockCluster<'static, rdkafka::producer::DefaultProducerContext>,
}

impl Cluster {
    fn start() -> Self {
        let mock = MockCluster::new(3).expect("mock cluster");
        mock.create_topic(TOPIC, 4, 1).expect("topic");
        let cluster = Self { mock };
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", cluster.servers())
            .create()
            .expect("producer");
        for (partition, &count) in PRODUCED.iter().enumerate() {
            for i in 0..count {
                let payload = format!("m{i}");
                producer
                    .send(
                        BaseRecord::<(), _>::to(TOPIC)
                            .partition(partition as i32)
                            .payload(&payload),
                    )
                    .expect("enqueue");
            }
        }
        producer.flush(Duration::from_secs(10)).expect("flush");
        cluster
    }

    fn servers(&self) -> String {
        self.mock.bootstrap_servers()
    }

    /// Commits `offsets` (partition → offset) for `group` with a plain consumer.
    fn commit(&self, group: &str, offsets: &[(i32, i64)]) {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.servers())
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .create()
            .expect("consumer");
        let mut tpl = TopicPartitionList::new();
        for &(p, o) in offsets {
            tpl.add_partition_offset(TOPIC, p, Offset::Offset(o))
                .unwrap();
        }
        consumer.commit(&tpl, CommitMode::Sync).expect("commit");
    }

    fn config(&self, trigger_type: &str, extra: &[(&str, &str)]) -> ScalerConfig {
        let mut c = ScalerConfig::default();
        c.trigger_type = trigger_type.into();
        c.global_http_timeout = Duration::from_secs(2);
        c.trigger_metadata = BTreeMap::from([
            ("bootstrapServers".to_owned(), self.servers()),
            ("consumerGroup".to_owned(), GROUP.to_owned()),
            ("topic".to_owned(), TOPIC.to_owned()),
        ]);
        for (k, v) in extra {
            c.trigger_metadata.insert((*k).into(), (*v).into());
        }
        c
    }
}

/// Metric value (units) and activity of one poll.
async fn poll(scaler: &KafkaScaler) -> (i64, bool) {
    let name = scaler.metric_specs()[0].metric_name.clone();
    let m = tokio::time::timeout(Duration::from_secs(60), scaler.metrics_and_activity(&name))
        .await
        .expect("poll hung")
        .expect("poll failed");
    assert_eq!(m.values[0].metric_name, name);
    (m.values[0].value_milli / 1000, m.active)
}

async fn scaler(cluster: &Cluster, trigger_type: &str, extra: &[(&str, &str)]) -> KafkaScaler {
    KafkaScaler::connect(&cluster.config(trigger_type, extra))
        .await
        .expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_per_partition_with_invalid_offsets() {
    let cluster = Cluster::start();
    // p0: 10 of 30 consumed → 20; p1: all 5 consumed → 0; p2, p3: nothing committed.
    cluster.commit(GROUP, &[(0, 10), (1, 5)]);

    for trigger in ["kafka", "apache-kafka"] {
        let s = scaler(&cluster, trigger, &[]).await;
        assert_eq!(s.metric_specs()[0].metric_name, "s0-kafka-orders");
        assert_eq!(s.metric_specs()[0].target_milli, 10_000);
        // latest: each uncommitted partition counts 1 → 20 + 0 + 1 + 1.
        assert_eq!(poll(&s).await, (22, true), "{trigger}");

        // earliest: an uncommitted partition is all lag → 20 + 0 + 0 + 12.
        let s = scaler(&cluster, trigger, &[("offsetResetPolicy", "earliest")]).await;
        assert_eq!(poll(&s).await, (32, true), "{trigger}");

        // scaleToZeroOnInvalidOffset: uncommitted partitions count 0.
        let s = scaler(&cluster, trigger, &[("scaleToZeroOnInvalidOffset", "true")]).await;
        assert_eq!(poll(&s).await, (20, true), "{trigger}");
        let s = scaler(
            &cluster,
            trigger,
            &[
                ("scaleToZeroOnInvalidOffset", "true"),
                ("activationLagThreshold", "20"),
            ],
        )
        .await;
        assert_eq!(
            poll(&s).await,
            (20, false),
            "{trigger}: activity is strictly greater"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cap_limit_to_partitions_with_lag_and_partition_limitation() {
    let cluster = Cluster::start();
    cluster.commit(GROUP, &[(0, 0), (1, 5), (2, 0), (3, 12)]);
    // Lags [30, 0, 0, 0]: 30/5 = 6 > 4 partitions → 4 × 5.
    let s = scaler(&cluster, "kafka", &[("lagThreshold", "5")]).await;
    assert_eq!(poll(&s).await, (20, true));
    // limitToPartitionsWithLag: one partition has lag → 1 × 5.
    let s = scaler(
        &cluster,
        "kafka",
        &[("lagThreshold", "5"), ("limitToPartitionsWithLag", "true")],
    )
    .await;
    assert_eq!(poll(&s).await, (5, true));
    // allowIdleConsumers: no cap.
    let s = scaler(
        &cluster,
        "kafka",
        &[("lagThreshold", "5"), ("allowIdleConsumers", "true")],
    )
    .await;
    assert_eq!(poll(&s).await, (30, true));
    // ensureEvenDistributionOfPartitions: 4 partitions, lag 30, threshold 5 → factors 1,2,4 → 4 × 5.
    let s = scaler(
        &cluster,
        "kafka",
        &[
            ("lagThreshold", "5"),
            ("ensureEvenDistributionOfPartitions", "true"),
        ],
    )
    .await;
    assert_eq!(poll(&s).await, (20, true));
    // partitionLimitation 1-3: only partitions without lag → inactive.
    for trigger in ["kafka", "apache-kafka"] {
        let s = scaler(&cluster, trigger, &[("partitionLimitation", "1-3")]).await;
        assert_eq!(poll(&s).await, (0, false), "{trigger}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_discovery_and_persistent_lag() {
    let cluster = Cluster::start();
    cluster.commit(GROUP, &[(0, 25), (1, 5), (2, 0), (3, 12)]);
    // No topic: the topics the group committed offsets for.
    let mut c = cluster.config("kafka", &[]);
    c.trigger_metadata.remove("topic");
    let s = KafkaScaler::connect(&c).await.unwrap();
    assert_eq!(s.metric_specs()[0].metric_name, "s0-kafka-workers-topics");
    assert_eq!(poll(&s).await, (5, true));

    // excludePersistentLag: the second poll sees partition 0 stuck at 25 → metric 0, still active.
    let s = scaler(&cluster, "kafka", &[("excludePersistentLag", "true")]).await;
    assert_eq!(poll(&s).await, (5, true));
    assert_eq!(poll(&s).await, (0, true));
    cluster.commit(GROUP, &[(0, 27)]);
    assert_eq!(poll(&s).await, (3, true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_topic_and_empty_group_are_query_errors() {
    let cluster = Cluster::start();
    let s = scaler(&cluster, "kafka", &[("topic", "missing-topic")]).await;
    let err = s
        .metrics_and_activity("s0-kafka-missing-topic")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Scaler {
                kind: ScalerErrorKind::Query,
                ..
            }
        ),
        "{err}"
    );

    // apache-kafka without topic first describes the group; the mock broker does not implement
    // DescribeGroups, which must surface as a typed query error (the no-member rule itself is
    // covered by the scaler's unit tests).
    let mut c = cluster.config("apache-kafka", &[]);
    c.trigger_metadata.remove("topic");
    let s = KafkaScaler::connect(&c).await.unwrap();
    let err = s
        .metrics_and_activity("s0-kafka-workers-topics")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Scaler {
                kind: ScalerErrorKind::Query,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("describing group"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_down_gives_a_typed_error_then_recovers() {
    let cluster = Cluster::start();
    cluster.commit(GROUP, &[(0, 10), (1, 5), (2, 0), (3, 0)]);
    let s = scaler(&cluster, "kafka", &[]).await;
    assert_eq!(poll(&s).await, (32, true));

    cluster.mock.broker_down(-1).unwrap();
    // The guard only detects a hang; the error itself must come from the 2 s broker timeout.
    let err = tokio::time::timeout(
        Duration::from_secs(60),
        s.metrics_and_activity("s0-kafka-orders"),
    )
    .await
    .expect("no answer while the brokers are down")
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Scaler {
                kind: ScalerErrorKind::Timeout | ScalerErrorKind::Connection,
                ..
            }
        ),
        "{err:?}"
    );

    cluster.mock.broker_up(-1).unwrap();
    let mut recovered = None;
    for _ in 0..30 {
        if let Ok(m) = s.metrics_and_activity("s0-kafka-orders").await {
            recovered = Some((m.values[0].value_milli / 1000, m.active));
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(recovered, Some((32, true)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_cluster_fails_at_build_and_credentials_stay_hidden() {
    const PASSWORD: &str = "hunter2-pw";
    let (logs, _guard) = io_support::capture_logs();
    let auth = || {
        BTreeMap::from([
            ("username".to_owned(), "admin".to_owned()),
            ("password".to_owned(), PASSWORD.to_owned()),
        ])
    };
    let mut shown = Vec::new();

    // Unreachable brokers: KEDA's scaler creation connects, so building fails.
    let mut c = ScalerConfig::default();
    c.trigger_type = "kafka".into();
    c.global_http_timeout = Duration::from_millis(500);
    c.trigger_metadata = BTreeMap::from([
        ("bootstrapServers".to_owned(), "127.0.0.1:1".to_owned()),
        ("consumerGroup".to_owned(), GROUP.to_owned()),
        ("topic".to_owned(), TOPIC.to_owned()),
        ("sasl".to_owned(), "scram_sha512".to_owned()),
    ]);
    c.auth_params = auth();
    shown.push(format!("{c:?}"));
    let err = tokio::time::timeout(Duration::from_secs(60), KafkaScaler::connect(&c))
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::Scaler { .. }), "{err:?}");
    shown.push(format!("{err} {err:?}"));

    // A scaler over the plaintext mock cluster with SASL configured: whatever happens, the
    // password shows nowhere.
    let cluster = Cluster::start();
    let mut c = cluster.config("apache-kafka", &[("sasl", "plaintext")]);
    c.auth_params = auth();
    match KafkaScaler::connect(&c).await {
        Ok(s) => {
            shown.push(format!("{s:?}"));
            shown.push(format!(
                "{:?}",
                s.metrics_and_activity("s0-kafka-orders").await
            ));
        }
        Err(e) => shown.push(format!("{e} {e:?}")),
    }
    let logged = logs.text();
    io_support::assert_no_secret(shown.iter().chain([&logged]), &[PASSWORD]);
}
