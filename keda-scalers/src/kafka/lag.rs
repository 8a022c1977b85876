//! Consumer-group lag: KEDA's `getLagForPartition` and `getTotalLag` (`kafka_scaler.go`,
//! `apache_kafka_scaler.go`) as pure functions over offset snapshots.
//!
//! Nothing here talks to a broker: the scaler fetches a [`OffsetsSnapshot`] through an
//! [`OffsetsSource`](super::OffsetsSource) and hands it to [`total_lag`].

use std::collections::BTreeMap;

use keda_core::{Error, Result};

/// The offset KEDA reads as "nothing committed" (Sarama and kafka-go both report `-1`).
pub const INVALID_OFFSET: i64 = -1;

/// Offsets per topic and partition.
pub type PartitionOffsets = BTreeMap<String, BTreeMap<i32, i64>>;

/// Which KEDA scaler's per-partition rules apply; they differ in a few corner cases (keda.md 4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The `kafka` trigger (Sarama client).
    Sarama,
    /// The `apache-kafka` trigger (kafka-go client).
    KafkaGo,
}

/// `offsetResetPolicy`: where a consumer without a committed offset would start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OffsetResetPolicy {
    /// Start at the end: an uncommitted partition counts as lag 1 (KEDA's default).
    #[default]
    Latest,
    /// Start at the beginning: the whole partition is lag.
    Earliest,
}

impl OffsetResetPolicy {
    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Latest => "latest",
            Self::Earliest => "earliest",
        }
    }
}

/// The lag rules of one trigger: the metadata fields that shape the computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LagRules {
    /// Which scaler's per-partition corner cases apply.
    pub dialect: Dialect,
    /// `lagThreshold` (> 0 after validation).
    pub lag_threshold: i64,
    /// `offsetResetPolicy`.
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
}

/// The consumer offsets (committed by the group) and producer offsets (latest per partition)
/// of one poll.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OffsetsSnapshot {
    /// Committed offset of the group per partition; [`INVALID_OFFSET`] when none is committed.
    /// A partition absent here is KEDA's "missing offset block".
    pub consumer: PartitionOffsets,
    /// Latest (high-watermark) offset per partition.
    pub producer: PartitionOffsets,
}

/// Remembers each partition's committed offset across polls, for `excludePersistentLag`
/// (KEDA's `previousOffsets` map, one per scaler).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersistentLagTracker {
    previous: PartitionOffsets,
}

/// The lag of one partition: what counts for the metric, and what counts for activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionLag {
    /// Lag used for the metric (0 for a partition stuck on the same offset with `excludePersistentLag`).
    pub lag: i64,
    /// Lag including persistent lag, used for activity.
    pub lag_with_persistent: i64,
}

impl PartitionLag {
    fn both(v: i64) -> Self {
        Self {
            lag: v,
            lag_with_persistent: v,
        }
    }
}

/// The result of one poll: KEDA's `getTotalLag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotalLag {
    /// The metric value, after the partition cap.
    pub total_lag: i64,
    /// The sum of lags including persistent lag; activity is `> activationLagThreshold`.
    pub total_lag_with_persistent: i64,
}

/// KEDA's `getLagForPartition`, with the [`Dialect`]'s corner cases, updating `tracker` when
/// `excludePersistentLag` is set.
///
/// Sarama rules: a missing consumer block is an error; with no committed offset, `latest` gives 1
/// (0 with `scaleToZeroOnInvalidOffset`) and `earliest` gives 0 with `scaleToZeroOnInvalidOffset`;
/// a topic or partition missing from the producer offsets gives 0; then `earliest` gives the
/// whole partition. kafka-go rules: empty offset maps and a topic missing from the producer
/// offsets are errors; a missing consumer offset reads as 0 and a missing producer offset as 0.
pub fn partition_lag(
    rules: &LagRules,
    group: &str,
    topic: &str,
    partition: i32,
    offsets: &OffsetsSnapshot,
    tracker: &mut PersistentLagTracker,
) -> Result<PartitionLag> {
    let invalid_lag = if rules.scale_to_zero_on_invalid_offset {
        0
    } else {
        1
    };
    let latest_offset = match rules.dialect {
        Dialect::Sarama => {
            let Some(&consumer) = offsets.consumer.get(topic).and_then(|p| p.get(&partition))
            else {
                return Err(query_error(format!(
                    "error finding offset block for topic {topic} and partition {partition} of group {group}"
                )));
            };
            if consumer == INVALID_OFFSET {
                match rules.offset_reset_policy {
                    OffsetResetPolicy::Latest => return Ok(PartitionLag::both(invalid_lag)),
                    OffsetResetPolicy::Earliest if rules.scale_to_zero_on_invalid_offset => {
                        return Ok(PartitionLag::both(0));
                    }
                    OffsetResetPolicy::Earliest => {}
                }
            }
            let Some(&latest) = offsets.producer.get(topic).and_then(|p| p.get(&partition)) else {
                return Ok(PartitionLag::both(0));
            };
            (consumer, latest)
        }
        Dialect::KafkaGo => {
            if offsets.consumer.is_empty() {
                return Err(query_error("consumerOffsets is empty".into()));
            }
            if offsets.producer.is_empty() {
                return Err(query_error("producerOffsets is empty".into()));
            }
            let consumer = offsets
                .consumer
                .get(topic)
                .and_then(|p| p.get(&partition))
                .copied()
                .unwrap_or(0);
            if consumer == INVALID_OFFSET && rules.offset_reset_policy == OffsetResetPolicy::Latest
            {
                return Ok(PartitionLag::both(invalid_lag));
            }
            let Some(topic_offsets) = offsets.producer.get(topic) else {
                return Err(query_error(format!(
                    "error finding partition offset for topic {topic}"
                )));
            };
            let latest = topic_offsets.get(&partition).copied().unwrap_or(0);
            if consumer == INVALID_OFFSET && rules.scale_to_zero_on_invalid_offset {
                return Ok(PartitionLag::both(0));
            }
            (consumer, latest)
        }
    };
    let (consumer, latest) = latest_offset;
    if consumer == INVALID_OFFSET {
        // Only `earliest` without scaleToZeroOnInvalidOffset gets here: the whole partition is lag.
        return Ok(PartitionLag::both(latest));
    }
    let lag = latest.saturating_sub(consumer);
    if rules.exclude_persistent_lag {
        let seen = tracker.previous.entry(topic.to_owned()).or_default();
        match seen.insert(partition, consumer) {
            Some(previous) if previous == consumer => {
                return Ok(PartitionLag {
                    lag: 0,
                    lag_with_persistent: lag,
                });
            }
            _ => {}
        }
    }
    Ok(PartitionLag::both(lag))
}

/// KEDA's `getTotalLag` over one snapshot: sums every partition of the producer offsets, then
/// applies the cap (keda.md 4.4):
///
/// ```text
/// if !allowIdleConsumers || limitToPartitionsWithLag || ensureEven:
///     upper = partitions
///     if ensureEven: totalLag = f × lagThreshold (f = smallest divisor of partitions with f×threshold ≥ totalLag)
///     if limitToPartitionsWithLag: upper = partitions with lag > 0
///     if totalLag / lagThreshold > upper (integer division): totalLag = upper × lagThreshold
/// ```
///
/// The first partition error aborts the poll, as in KEDA. Sums saturate instead of wrapping.
pub fn total_lag(
    rules: &LagRules,
    group: &str,
    offsets: &OffsetsSnapshot,
    tracker: &mut PersistentLagTracker,
) -> Result<TotalLag> {
    let mut total: i64 = 0;
    let mut total_with_persistent: i64 = 0;
    let mut partitions: i64 = 0;
    let mut partitions_with_lag: i64 = 0;
    for (topic, topic_offsets) in &offsets.producer {
        for &partition in topic_offsets.keys() {
            let l = partition_lag(rules, group, topic, partition, offsets, tracker)?;
            total = total.saturating_add(l.lag);
            total_with_persistent = total_with_persistent.saturating_add(l.lag_with_persistent);
            if l.lag > 0 {
                partitions_with_lag += 1;
            }
        }
        partitions += i64::try_from(topic_offsets.len()).unwrap_or(i64::MAX);
    }
    Ok(TotalLag {
        total_lag: cap_total_lag(rules, total, partitions, partitions_with_lag),
        total_lag_with_persistent: total_with_persistent,
    })
}

/// The cap of [`total_lag`] alone: `total` lag over `partitions` partitions of which
/// `partitions_with_lag` have lag.
pub fn cap_total_lag(
    rules: &LagRules,
    total: i64,
    partitions: i64,
    partitions_with_lag: i64,
) -> i64 {
    let threshold = rules.lag_threshold;
    if threshold <= 0
        || (rules.allow_idle_consumers
            && !rules.limit_to_partitions_with_lag
            && !rules.ensure_even_distribution_of_partitions)
    {
        return total;
    }
    let mut total = total;
    let mut upper = partitions;
    if rules.ensure_even_distribution_of_partitions {
        total = next_factor_that_balances(total, partitions, threshold).saturating_mul(threshold);
    }
    if rules.limit_to_partitions_with_lag {
        upper = partitions_with_lag;
    }
    if total / threshold > upper {
        total = upper.saturating_mul(threshold);
    }
    total
}

/// KEDA's `getNextFactorThatBalancesConsumersToTopicPartitions`: the smallest divisor `f` of
/// `partitions` with `f × lag_threshold ≥ total_lag`, else `partitions`.
pub fn next_factor_that_balances(total_lag: i64, partitions: i64, lag_threshold: i64) -> i64 {
    find_factors(partitions)
        .into_iter()
        .find(|f| f.saturating_mul(lag_threshold) >= total_lag)
        .unwrap_or(partitions)
}

/// KEDA's `FindFactors`: the divisors of `n` in ascending order (none for `n < 1`).
pub fn find_factors(n: i64) -> Vec<i64> {
    if n < 1 {
        return Vec::new();
    }
    let mut low = Vec::new();
    let mut high = Vec::new();
    let mut i: i64 = 1;
    while i <= n / i {
        if n % i == 0 {
            low.push(i);
            if i != n / i {
                high.push(n / i);
            }
        }
        i += 1;
    }
    low.extend(high.into_iter().rev());
    low
}

fn query_error(message: String) -> Error {
    Error::scaler("kafka", keda_core::error::ScalerErrorKind::Query, message)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rules(dialect: Dialect) -> LagRules {
        LagRules {
            dialect,
            lag_threshold: 10,
            offset_reset_policy: OffsetResetPolicy::Latest,
            allow_idle_consumers: false,
            exclude_persistent_lag: false,
            scale_to_zero_on_invalid_offset: false,
            limit_to_partitions_with_lag: false,
            ensure_even_distribution_of_partitions: false,
        }
    }

    fn snapshot(parts: &[(i32, i64, i64)]) -> OffsetsSnapshot {
        let mut s = OffsetsSnapshot::default();
        for &(p, consumer, producer) in parts {
            s.consumer
                .entry("t".into())
                .or_default()
                .insert(p, consumer);
            s.producer
                .entry("t".into())
                .or_default()
                .insert(p, producer);
        }
        s
    }

    fn total(r: &LagRules, s: &OffsetsSnapshot) -> TotalLag {
        total_lag(r, "g", s, &mut PersistentLagTracker::default()).unwrap()
    }

    #[test]
    fn worked_examples_of_the_spec() {
        let r = rules(Dialect::Sarama);
        // lags [50,0,0] → capped at 3 partitions × 10.
        let s = snapshot(&[(0, 0, 50), (1, 5, 5), (2, 7, 7)]);
        assert_eq!(total(&r, &s).total_lag, 30);
        let limited = LagRules {
            limit_to_partitions_with_lag: true,
            ..r
        };
        assert_eq!(total(&limited, &s).total_lag, 10);
        // 10 partitions, lag 105: 105/10 = 10 is not > 10 → unchanged.
        let ten: Vec<_> = (0..10)
            .map(|p| (p, 0, if p == 0 { 15 } else { 10 }))
            .collect();
        assert_eq!(total(&r, &snapshot(&ten)).total_lag, 105);
        // 4 partitions with nothing committed, latest → 1 each.
        let none = snapshot(&[(0, -1, 9), (1, -1, 9), (2, -1, 0), (3, -1, 3)]);
        let t = total(&r, &none);
        assert_eq!((t.total_lag, t.total_lag_with_persistent), (4, 4));
        // ensureEven: 6 partitions, lag 25 → factor 3 → 30.
        let even = LagRules {
            ensure_even_distribution_of_partitions: true,
            ..r
        };
        let six: Vec<_> = (0..6)
            .map(|p| (p, 0, if p == 0 { 25 } else { 0 }))
            .collect();
        assert_eq!(total(&even, &snapshot(&six)).total_lag, 30);
    }

    #[test]
    fn allow_idle_consumers_disables_the_cap() {
        let r = LagRules {
            allow_idle_consumers: true,
            ..rules(Dialect::Sarama)
        };
        assert_eq!(total(&r, &snapshot(&[(0, 0, 500)])).total_lag, 500);
    }

    #[test]
    fn factors_match_kedas_table() {
        assert_eq!(find_factors(10), [1, 2, 5, 10]);
        assert_eq!(find_factors(25), [1, 5, 25]);
        assert_eq!(find_factors(100), [1, 2, 4, 5, 10, 20, 25, 50, 100]);
        assert!(find_factors(0).is_empty());
        assert_eq!(next_factor_that_balances(101, 100, 10), 20);
        assert_eq!(next_factor_that_balances(99, 100, 10), 10);
        assert_eq!(next_factor_that_balances(5000, 3, 10), 3);
    }

    #[test]
    fn sarama_invalid_offset_rules() {
        let mut r = rules(Dialect::Sarama);
        let s = snapshot(&[(0, -1, 150)]);
        let mut t = PersistentLagTracker::default();
        assert_eq!(
            partition_lag(&r, "g", "t", 0, &s, &mut t).unwrap(),
            PartitionLag::both(1)
        );
        r.offset_reset_policy = OffsetResetPolicy::Earliest;
        assert_eq!(
            partition_lag(&r, "g", "t", 0, &s, &mut t).unwrap(),
            PartitionLag::both(150)
        );
        r.scale_to_zero_on_invalid_offset = true;
        assert_eq!(
            partition_lag(&r, "g", "t", 0, &s, &mut t).unwrap(),
            PartitionLag::both(0)
        );
        // Missing consumer block is an error; missing producer offset is lag 0.
        assert!(partition_lag(&r, "g", "t", 7, &s, &mut t).is_err());
        let mut missing = s.clone();
        missing.producer.get_mut("t").unwrap().clear();
        r.scale_to_zero_on_invalid_offset = false;
        assert_eq!(
            partition_lag(&r, "g", "t", 0, &missing, &mut t).unwrap(),
            PartitionLag::both(0)
        );
    }

    #[test]
    fn kafka_go_rules_differ_where_the_spec_says() {
        let mut r = rules(Dialect::KafkaGo);
        let mut t = PersistentLagTracker::default();
        assert!(partition_lag(&r, "g", "t", 0, &OffsetsSnapshot::default(), &mut t).is_err());
        let s = snapshot(&[(0, -1, 150)]);
        assert!(partition_lag(&r, "g", "other", 0, &s, &mut t).is_err());
        // A consumer offset missing from the response reads as 0.
        let mut missing = s.clone();
        missing.consumer.get_mut("t").unwrap().clear();
        missing
            .consumer
            .insert("x".into(), BTreeMap::from([(0, 1)]));
        assert_eq!(
            partition_lag(&r, "g", "t", 0, &missing, &mut t).unwrap(),
            PartitionLag::both(150)
        );
        r.offset_reset_policy = OffsetResetPolicy::Earliest;
        assert_eq!(
            partition_lag(&r, "g", "t", 0, &s, &mut t).unwrap(),
            PartitionLag::both(150)
        );
        r.scale_to_zero_on_invalid_offset = true;
        assert_eq!(
            partition_lag(&r, "g", "t", 0, &s, &mut t).unwrap(),
            PartitionLag::both(0)
        );
    }

    #[test]
    fn persistent_lag_is_excluded_from_the_metric_but_not_from_activity() {
        let r = LagRules {
            exclude_persistent_lag: true,
            allow_idle_consumers: true,
            ..rules(Dialect::Sarama)
        };
        let mut tracker = PersistentLagTracker::default();
        let first = total_lag(&r, "g", &snapshot(&[(0, 10, 30), (1, 0, 5)]), &mut tracker).unwrap();
        assert_eq!((first.total_lag, first.total_lag_with_persistent), (25, 25));
        // Partition 0 stuck at 10, partition 1 moved.
        let second =
            total_lag(&r, "g", &snapshot(&[(0, 10, 40), (1, 2, 5)]), &mut tracker).unwrap();
        assert_eq!(
            (second.total_lag, second.total_lag_with_persistent),
            (3, 33)
        );
        // Partition 0 moves again → counted.
        let third = total_lag(&r, "g", &snapshot(&[(0, 11, 40), (1, 2, 5)]), &mut tracker).unwrap();
        assert_eq!((third.total_lag, third.total_lag_with_persistent), (29, 32));
    }

    proptest! {
        #[test]
        fn cap_never_exceeds_upper_bound_and_never_raises_lag(
            total in 0i64..1_000_000, partitions in 1i64..200, with_lag_frac in 0.0f64..=1.0,
            threshold in 1i64..1000, limit in any::<bool>(), idle in any::<bool>(),
        ) {
            let with_lag = ((partitions as f64) * with_lag_frac) as i64;
            let r = LagRules { lag_threshold: threshold, limit_to_partitions_with_lag: limit && !idle,
                allow_idle_consumers: idle, ..rules(Dialect::Sarama) };
            let capped = cap_total_lag(&r, total, partitions, with_lag);
            prop_assert!(capped <= total);
            if !idle {
                let upper = if limit { with_lag } else { partitions };
                // Integer division: the capped value may exceed upper×threshold by < threshold.
                prop_assert!(capped / threshold <= upper);
            }
        }

        #[test]
        fn even_distribution_yields_a_divisor_multiple(total in 0i64..100_000, partitions in 1i64..120, threshold in 1i64..100) {
            let r = LagRules { ensure_even_distribution_of_partitions: true, lag_threshold: threshold, ..rules(Dialect::Sarama) };
            let capped = cap_total_lag(&r, total, partitions, partitions);
            prop_assert_eq!(capped % threshold, 0);
            prop_assert_eq!(partitions % (capped / threshold), 0);
        }

        #[test]
        fn factors_divide_and_are_sorted(n in 1i64..100_000) {
            let f = find_factors(n);
            prop_assert!(f.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(f.iter().all(|d| n % d == 0));
            prop_assert_eq!(f.first().copied(), Some(1));
            prop_assert_eq!(f.last().copied(), Some(n));
        }
    }
}
