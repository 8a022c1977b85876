//! The Redis streams scaler against real servers: entries added with `XADD`, read by a consumer
//! group but not acknowledged, then measured as pending entries, lag and stream length.

#![cfg(feature = "redis")]
#![recursion_limit = "256"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use keda_core::scaler::Scaler;
use keda_scalers::ScalerRegistry;
use support::{redis_cli, server_var, trigger, unique};

async fn poll(s: &dyn Scaler) -> (i64, bool) {
    let name = s.metric_specs()[0].metric_name.clone();
    let m = s.metrics_and_activity(&name).await.expect("poll succeeds");
    (m.values[0].value_milli / 1000, m.active)
}

/// A stream of `total` entries whose group `group` has read `read` of them without acking.
fn stream_state(addr: &str, extra: &[&str], stream: &str, group: &str, total: usize, read: usize) {
    for i in 0..total {
        redis_cli(addr, extra, &["XADD", stream, "*", "n", &i.to_string()]);
    }
    redis_cli(addr, extra, &["XGROUP", "CREATE", stream, group, "0"]);
    if read > 0 {
        let count = read.to_string();
        redis_cli(
            addr,
            extra,
            &[
                "XREADGROUP",
                "GROUP",
                group,
                "worker-1",
                "COUNT",
                &count,
                "STREAMS",
                stream,
                ">",
            ],
        );
    }
}

async fn measure(reg: &ScalerRegistry, ty: &str, meta: &[(&str, &str)]) -> (i64, bool, i64) {
    let s = reg.build(&trigger(ty, meta, &[])).await.unwrap();
    let (v, active) = poll(s.as_ref()).await;
    (v, active, s.metric_specs()[0].target_milli / 1000)
}

#[tokio::test]
async fn pending_lag_and_length_modes() {
    let addr = server_var("KEDA_TEST_REDIS_ADDR");
    let (stream, group) = (unique("orders"), "workers");
    stream_state(&addr, &[], &stream, group, 10, 4);
    let reg = ScalerRegistry::new();
    let base = [("address", addr.as_str()), ("stream", stream.as_str())];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut m = base.to_vec();
        m.extend_from_slice(extra);
        m
    };
    // Pending entries: 4 delivered, unacknowledged; target pendingEntriesCount.
    let meta = [
        with(&[("pendingEntriesCount", "2")]),
        vec![("consumerGroup", group)],
    ]
    .concat();
    assert_eq!(measure(&reg, "redis-streams", &meta).await, (4, true, 2));
    let meta = [
        with(&[("activationLagCount", "4")]),
        vec![("consumerGroup", group)],
    ]
    .concat();
    assert_eq!(
        measure(&reg, "redis-streams", &meta).await,
        (4, false, 5),
        "4 is not above 4"
    );
    // Lag: 6 entries never delivered to the group; target lagCount.
    let meta = [with(&[("lagCount", "3")]), vec![("consumerGroup", group)]].concat();
    assert_eq!(measure(&reg, "redis-streams", &meta).await, (6, true, 3));
    // Stream length without a group; target streamLength.
    assert_eq!(
        measure(&reg, "redis-streams", &with(&[("streamLength", "4")])).await,
        (10, true, 4)
    );
    // Acknowledging two entries lowers the pending count.
    let pending = redis_cli(&addr, &[], &["XPENDING", &stream, group, "-", "+", "2"]);
    // Four lines per entry: id, consumer, idle time, deliveries.
    let ids: Vec<&str> = pending.lines().step_by(4).collect();
    assert_eq!(ids.len(), 2, "{pending}");
    let mut args = vec!["XACK", stream.as_str(), group];
    args.extend(ids.iter().copied());
    redis_cli(&addr, &[], &args);
    let meta = [with(&[]), vec![("consumerGroup", group)]].concat();
    assert_eq!(measure(&reg, "redis-streams", &meta).await.0, 2);
}

#[tokio::test]
async fn lag_mode_edge_cases() {
    let addr = server_var("KEDA_TEST_REDIS_ADDR");
    let reg = ScalerRegistry::new();
    let missing = unique("missing");
    let meta = [
        ("address", addr.as_str()),
        ("stream", missing.as_str()),
        ("consumerGroup", "g"),
        ("lagCount", "1"),
    ];
    assert_eq!(
        measure(&reg, "redis-streams", &meta).await.0,
        0,
        "a missing stream has lag 0"
    );
    // A stream without that group falls back to the stream length.
    let (stream, group) = (unique("nogroup"), "other");
    stream_state(&addr, &[], &stream, group, 3, 0);
    let meta = [
        ("address", addr.as_str()),
        ("stream", stream.as_str()),
        ("consumerGroup", "absent"),
        ("lagCount", "1"),
    ];
    assert_eq!(measure(&reg, "redis-streams", &meta).await.0, 3);
    // Pending mode on a missing group is an error (NOGROUP).
    let meta = [
        ("address", addr.as_str()),
        ("stream", stream.as_str()),
        ("consumerGroup", "absent"),
    ];
    let s = reg
        .build(&trigger("redis-streams", &meta, &[]))
        .await
        .unwrap();
    let err = s.metrics_and_activity("m").await.unwrap_err().to_string();
    assert!(err.contains("NOGROUP"), "{err}");
}

#[tokio::test]
async fn cluster_and_sentinel_streams() {
    let addrs = server_var("KEDA_TEST_REDIS_CLUSTER_ADDRS");
    let first = addrs.split(',').next().unwrap().to_owned();
    let reg = ScalerRegistry::new();
    let (stream, group) = (unique("cstream"), "cg");
    stream_state(&first, &["-c"], &stream, group, 5, 2);
    let base = [
        ("addresses", addrs.as_str()),
        ("stream", stream.as_str()),
        ("consumerGroup", group),
    ];
    assert_eq!(measure(&reg, "redis-cluster-streams", &base).await.0, 2);
    let lag = [base.as_slice(), &[("lagCount", "1")]].concat();
    assert_eq!(measure(&reg, "redis-cluster-streams", &lag).await.0, 3);

    let sentinel = server_var("KEDA_TEST_REDIS_SENTINEL_ADDR");
    let master = server_var("KEDA_TEST_REDIS_SENTINEL_MASTER");
    let data = server_var("KEDA_TEST_REDIS_ADDR");
    let (stream, group) = (unique("sstream"), "sg");
    stream_state(&data, &[], &stream, group, 7, 1);
    let meta = [
        ("address", sentinel.as_str()),
        ("sentinelMaster", master.as_str()),
        ("stream", stream.as_str()),
        ("consumerGroup", group),
        ("lagCount", "2"),
    ];
    assert_eq!(
        measure(&reg, "redis-sentinel-streams", &meta).await,
        (6, true, 2)
    );
}
