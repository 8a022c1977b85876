//! Faults: a server that stops, hangs or restarts while a scaler polls it. Every failure is a
//! typed error returned within the configured timeout (no panic), and the scaler recovers once
//! the server is back. Each test runs its own private server so others are not disturbed.

#![recursion_limit = "256"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use keda_core::error::ScalerErrorKind;
use keda_scalers::ScalerRegistry;
use support::{error_kind, redis_cli, server_var, trigger};

/// The kind of the scaler error of a poll.
fn kind(r: Result<keda_core::scaler::MetricsAndActivity, keda_core::Error>) -> ScalerErrorKind {
    let err = r.expect_err("the poll fails");
    error_kind(&err).unwrap_or_else(|| panic!("not a scaler error: {err}"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private redis-server on `port`, killed on drop.
struct PrivateRedis(Child);

impl PrivateRedis {
    fn start(port: u16) -> Self {
        let server = Self(
            Command::new(server_var("KEDA_TEST_REDIS_SERVER_BIN"))
                .args([
                    "--port",
                    &port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .stdout(Stdio::null())
                .spawn()
                .expect("redis-server starts"),
        );
        for _ in 0..100 {
            let out = Command::new("redis-cli")
                .args(["-p", &port.to_string(), "ping"])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&out.stdout).trim() == "PONG" {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("private redis-server on {port} did not come up");
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.0.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig}");
    }

    fn stop(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_then_restarted() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let server = PrivateRedis::start(port);
    redis_cli(&addr, &[], &["RPUSH", "q", "a", "b", "c", "d"]);
    let timeout = Duration::from_secs(1);
    let mut cfg = trigger("redis", &[("address", &addr), ("listName", "q")], &[]);
    cfg.global_http_timeout = timeout;
    let reg = ScalerRegistry::new();
    let s = reg.build(&cfg).await.unwrap();
    assert_eq!(
        s.metrics_and_activity("m").await.unwrap().values[0].value_milli,
        4000
    );

    server.stop();
    for _ in 0..3 {
        let started = tokio::time::Instant::now();
        let k = kind(s.metrics_and_activity("m").await);
        assert!(
            matches!(k, ScalerErrorKind::Connection | ScalerErrorKind::Timeout),
            "{k:?}"
        );
        // Bounded by the configured timeout (plus scheduling slack), never a hang.
        assert!(
            started.elapsed() <= timeout + Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }

    let _server = PrivateRedis::start(port);
    redis_cli(&addr, &[], &["RPUSH", "q", "x", "y"]);
    let mut recovered = None;
    for _ in 0..50 {
        if let Ok(m) = s.metrics_and_activity("m").await {
            recovered = Some(m);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let m = recovered.expect("the scaler recovers after the restart");
    assert_eq!((m.values[0].value_milli, m.active), (2000, true));
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_hanging_times_out_then_resumes() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let server = PrivateRedis::start(port);
    redis_cli(&addr, &[], &["RPUSH", "q", "a"]);
    let timeout = Duration::from_millis(700);
    let mut cfg = trigger("redis-streams", &[("address", &addr), ("stream", "s")], &[]);
    cfg.global_http_timeout = timeout;
    let reg = ScalerRegistry::new();
    let s = reg.build(&cfg).await.unwrap();
    assert_eq!(
        s.metrics_and_activity("m").await.unwrap().values[0].value_milli,
        0
    );

    server.signal("-STOP");
    let started = tokio::time::Instant::now();
    assert_eq!(
        kind(s.metrics_and_activity("m").await),
        ScalerErrorKind::Timeout
    );
    assert!(
        started.elapsed() <= timeout + Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    server.signal("-CONT");

    redis_cli(&addr, &[], &["XADD", "s", "*", "k", "v"]);
    let mut value = None;
    for _ in 0..50 {
        if let Ok(m) = s.metrics_and_activity("m").await {
            value = Some(m.values[0].value_milli);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        value,
        Some(1000),
        "the scaler recovers once the server answers again"
    );
    server.stop();
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_down_at_creation_is_a_connection_error() {
    let addr = format!("127.0.0.1:{}", free_port());
    let mut cfg = trigger("redis", &[("address", &addr), ("listName", "q")], &[]);
    cfg.global_http_timeout = Duration::from_millis(500);
    let err = ScalerRegistry::new().build(&cfg).await.unwrap_err();
    assert_eq!(error_kind(&err), Some(ScalerErrorKind::Connection), "{err}");
    assert!(
        err.to_string().contains("connection to redis failed"),
        "{err}"
    );
}

#[cfg(feature = "prometheus")]
#[tokio::test]
async fn prometheus_hanging_or_closed() {
    // A server that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hanging = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let reg = ScalerRegistry::new();
    let cfg = trigger(
        "prometheus",
        &[
            ("serverAddress", &hanging),
            ("query", "up"),
            ("threshold", "1"),
            ("timeout", "400ms"),
        ],
        &[],
    );
    let s = reg.build(&cfg).await.unwrap();
    let started = tokio::time::Instant::now();
    assert_eq!(
        kind(s.metrics_and_activity("m").await),
        ScalerErrorKind::Timeout
    );
    assert!(
        started.elapsed() <= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );

    let closed = format!("http://127.0.0.1:{}", free_port());
    let cfg = trigger(
        "prometheus",
        &[
            ("serverAddress", &closed),
            ("query", "up"),
            ("threshold", "1"),
        ],
        &[],
    );
    let s = reg.build(&cfg).await.unwrap();
    assert_eq!(
        kind(s.metrics_and_activity("m").await),
        ScalerErrorKind::Connection
    );
}
