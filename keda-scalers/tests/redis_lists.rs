//! The Redis list scaler against real servers: standalone, ACL auth, TLS, cluster and sentinel.
//! States are produced with `redis-cli`.

#![cfg(feature = "redis")]
#![recursion_limit = "256"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use keda_core::error::ScalerErrorKind;
use keda_core::scaler::Scaler;
use keda_scalers::ScalerRegistry;
use support::{error_kind, redis_cli, server_var, trigger, unique};

/// (value in units, active) of one poll.
async fn poll(s: &dyn Scaler) -> (i64, bool) {
    let name = s.metric_specs()[0].metric_name.clone();
    let m = s.metrics_and_activity(&name).await.expect("poll succeeds");
    assert_eq!(m.values[0].metric_name, name);
    (m.values[0].value_milli / 1000, m.active)
}

fn push(addr: &str, extra: &[&str], key: &str, n: usize) {
    if n == 0 {
        return;
    }
    let items: Vec<String> = (0..n).map(|i| format!("item{i}")).collect();
    let mut args = vec!["RPUSH", key];
    args.extend(items.iter().map(String::as_str));
    redis_cli(addr, extra, &args);
}

#[tokio::test]
async fn standalone_list_length_and_activity() {
    let addr = server_var("KEDA_TEST_REDIS_ADDR");
    let key = unique("jobs");
    push(&addr, &[], &key, 7);
    let reg = ScalerRegistry::new();
    let cfg = trigger(
        "redis",
        &[
            ("address", &addr),
            ("listName", &key),
            ("listLength", "2"),
            ("activationListLength", "5"),
        ],
        &[],
    );
    let s = reg.build(&cfg).await.unwrap();
    let spec = &s.metric_specs()[0];
    assert_eq!(spec.metric_name, format!("s0-redis-{key}"));
    assert_eq!(spec.target_milli, 2000);
    assert_eq!(poll(s.as_ref()).await, (7, true));
    redis_cli(&addr, &[], &["LPOP", &key, "2"]);
    assert_eq!(
        poll(s.as_ref()).await,
        (5, false),
        "5 is not above the activation length 5"
    );
    redis_cli(&addr, &[], &["DEL", &key]);
    assert_eq!(
        poll(s.as_ref()).await,
        (0, false),
        "a missing key has length 0"
    );
}

#[tokio::test]
async fn other_key_types_and_databases() {
    let addr = server_var("KEDA_TEST_REDIS_ADDR");
    let reg = ScalerRegistry::new();
    let (set, zset, hash, string) = (unique("set"), unique("zset"), unique("hash"), unique("str"));
    redis_cli(&addr, &["-n", "3"], &["SADD", &set, "a", "b", "c"]);
    redis_cli(&addr, &["-n", "3"], &["ZADD", &zset, "1", "a", "2", "b"]);
    redis_cli(
        &addr,
        &["-n", "3"],
        &["HSET", &hash, "f1", "1", "f2", "2", "f3", "3", "f4", "4"],
    );
    redis_cli(&addr, &["-n", "3"], &["SET", &string, "x"]);
    for (key, want) in [(&set, 3), (&zset, 2), (&hash, 4)] {
        let cfg = trigger(
            "redis",
            &[
                ("address", &addr),
                ("listName", key),
                ("databaseIndex", "3"),
            ],
            &[],
        );
        let s = reg.build(&cfg).await.unwrap();
        assert_eq!(poll(s.as_ref()).await, (want, true), "{key}");
    }
    let cfg = trigger(
        "redis",
        &[
            ("address", &addr),
            ("listName", &string),
            ("databaseIndex", "3"),
        ],
        &[],
    );
    let s = reg.build(&cfg).await.unwrap();
    let err = s.metrics_and_activity("m").await.unwrap_err();
    assert!(
        err.to_string().contains("unsupported key type: string"),
        "{err}"
    );
    assert_eq!(error_kind(&err), Some(ScalerErrorKind::Query));
    // Database 0 does not hold these keys.
    let cfg = trigger("redis", &[("address", &addr), ("listName", &set)], &[]);
    assert_eq!(
        poll(reg.build(&cfg).await.unwrap().as_ref()).await,
        (0, false)
    );
}

#[tokio::test]
async fn acl_auth_from_auth_params_and_env() {
    let addr = server_var("KEDA_TEST_REDIS_AUTH_ADDR");
    let user = server_var("KEDA_TEST_REDIS_AUTH_USERNAME");
    let pass = server_var("KEDA_TEST_REDIS_AUTH_PASSWORD");
    let key = unique("auth");
    push(&addr, &["--user", &user, "--pass", &pass], &key, 3);
    let reg = ScalerRegistry::new();
    let cfg = trigger(
        "redis",
        &[("address", &addr), ("listName", &key)],
        &[("username", &user), ("password", &pass)],
    );
    assert_eq!(
        poll(reg.build(&cfg).await.unwrap().as_ref()).await,
        (3, true)
    );

    let mut cfg = trigger(
        "redis",
        &[
            ("address", &addr),
            ("listName", &key),
            ("passwordFromEnv", "REDIS_PW"),
        ],
        &[("username", &user)],
    );
    cfg.resolved_env.insert("REDIS_PW".into(), pass.clone());
    assert_eq!(
        poll(reg.build(&cfg).await.unwrap().as_ref()).await,
        (3, true)
    );

    let wrong = "not-the-password-4711";
    let cfg = trigger(
        "redis",
        &[("address", &addr), ("listName", &key)],
        &[("username", &user), ("password", wrong)],
    );
    let err = reg.build(&cfg).await.unwrap_err().to_string();
    assert!(err.contains("connection to redis failed"), "{err}");
    assert!(!err.contains(wrong), "the password leaked into {err}");
}

#[tokio::test]
async fn tls_with_ca_and_unsafe_ssl() {
    let addr = server_var("KEDA_TEST_REDIS_TLS_ADDR");
    let ca_path = server_var("KEDA_TEST_REDIS_TLS_CA");
    let ca = std::fs::read_to_string(&ca_path).unwrap();
    let key = unique("tls");
    push(&addr, &["--tls", "--cacert", &ca_path], &key, 4);
    let reg = ScalerRegistry::new();
    let cfg = trigger(
        "redis",
        &[
            ("address", &addr),
            ("listName", &key),
            ("enableTLS", "true"),
        ],
        &[("ca", &ca)],
    );
    assert_eq!(
        poll(reg.build(&cfg).await.unwrap().as_ref()).await,
        (4, true)
    );
    let cfg = trigger(
        "redis",
        &[("address", &addr), ("listName", &key)],
        &[("tls", "enable"), ("ca", &ca)],
    );
    assert_eq!(
        poll(reg.build(&cfg).await.unwrap().as_ref()).await,
        (4, true)
    );
    let cfg = trigger(
        "redis",
        &[
            ("address", &addr),
            ("listName", &key),
            ("enableTLS", "true"),
            ("unsafeSsl", "true"),
        ],
        &[],
    );
    assert_eq!(
        poll(reg.build(&cfg).await.unwrap().as_ref()).await,
        (4, true)
    );
    // Without the CA the self-signed certificate is rejected.
    let cfg = trigger(
        "redis",
        &[
            ("address", &addr),
            ("listName", &key),
            ("enableTLS", "true"),
        ],
        &[],
    );
    let err = reg.build(&cfg).await.unwrap_err();
    assert_eq!(error_kind(&err), Some(ScalerErrorKind::Connection), "{err}");
}

#[tokio::test]
async fn cluster_routes_each_key_to_its_node() {
    let addrs = server_var("KEDA_TEST_REDIS_CLUSTER_ADDRS");
    let first = addrs.split(',').next().unwrap().to_owned();
    let reg = ScalerRegistry::new();
    for (i, n) in [3usize, 5, 8, 13].into_iter().enumerate() {
        let key = unique(&format!("cluster{i}"));
        push(&first, &["-c"], &key, n);
        let cfg = trigger(
            "redis-cluster",
            &[("addresses", &addrs), ("listName", &key)],
            &[],
        );
        let s = reg.build(&cfg).await.unwrap();
        assert_eq!(poll(s.as_ref()).await, (n as i64, true), "{key}");
    }
    // hosts/ports form
    let key = unique("cluster-hp");
    push(&first, &["-c"], &key, 2);
    let ports: Vec<&str> = addrs
        .split(',')
        .map(|a| a.rsplit_once(':').unwrap().1)
        .collect();
    let hosts = vec!["127.0.0.1"; ports.len()].join(",");
    let cfg = trigger(
        "redis-cluster",
        &[
            ("hosts", &hosts),
            ("ports", &ports.join(",")),
            ("listName", &key),
        ],
        &[],
    );
    assert_eq!(
        poll(reg.build(&cfg).await.unwrap().as_ref()).await,
        (2, true)
    );
}

#[tokio::test]
async fn sentinel_finds_the_master() {
    let sentinel = server_var("KEDA_TEST_REDIS_SENTINEL_ADDR");
    let master = server_var("KEDA_TEST_REDIS_SENTINEL_MASTER");
    let data = server_var("KEDA_TEST_REDIS_ADDR");
    let key = unique("sentinel");
    push(&data, &[], &key, 6);
    let reg = ScalerRegistry::new();
    let cfg = trigger(
        "redis-sentinel",
        &[
            ("address", &sentinel),
            ("sentinelMaster", &master),
            ("listName", &key),
        ],
        &[],
    );
    assert_eq!(
        poll(reg.build(&cfg).await.unwrap().as_ref()).await,
        (6, true)
    );
    let cfg = trigger(
        "redis-sentinel",
        &[
            ("address", &sentinel),
            ("sentinelMaster", "no-such-master"),
            ("listName", &key),
        ],
        &[],
    );
    assert!(reg.build(&cfg).await.is_err());
}

#[tokio::test]
async fn triggers_on_one_server_share_one_connection() {
    let addr = server_var("KEDA_TEST_REDIS_ADDR");
    let reg = ScalerRegistry::new();
    let mut scalers = Vec::new();
    for i in 0..50 {
        let key = unique(&format!("shared{i}"));
        push(&addr, &[], &key, i % 7);
        let cfg = trigger("redis", &[("address", &addr), ("listName", &key)], &[]);
        let s: Arc<dyn Scaler> = Arc::from(reg.build(&cfg).await.unwrap());
        scalers.push((i % 7, s));
    }
    assert_eq!(reg.redis_connections().open_connections().await, 1);
    // All polled at once: their commands are pipelined on the one connection.
    let mut polls = tokio::task::JoinSet::new();
    for (n, s) in &scalers {
        let (n, s) = (*n as i64, s.clone());
        polls.spawn(async move { (n, poll(s.as_ref()).await.0) });
    }
    while let Some(r) = polls.join_next().await {
        let (want, got) = r.unwrap();
        assert_eq!(got, want);
    }
    // Another database is another connection; dropping every scaler closes both.
    let cfg = trigger(
        "redis",
        &[
            ("address", &addr),
            ("listName", "x"),
            ("databaseIndex", "2"),
        ],
        &[],
    );
    let other = reg.build(&cfg).await.unwrap();
    assert_eq!(reg.redis_connections().open_connections().await, 2);
    drop(scalers);
    drop(other);
    assert_eq!(reg.redis_connections().open_connections().await, 0);
}
