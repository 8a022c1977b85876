//! Credentials never appear in `Debug` output, errors or logs. Logs are captured with a tracing
//! subscriber at TRACE level while scalers with secrets are built, polled and fail.

#![cfg(all(feature = "redis", feature = "prometheus"))]
#![recursion_limit = "256"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use keda_scalers::ScalerRegistry;
use support::{server_var, trigger};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const TOKEN: &str = "bearer-secret-0xC0FFEE";
const BASIC: &str = "basic-secret-hunter2";
const URL_PASS: &str = "url-secret-pa55";
const CUSTOM: &str = "custom-secret-value";
const WRONG: &str = "wrong-secret-redis";

fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "{what} contains a credential: {text}");
    }
}

#[tokio::test]
async fn credentials_stay_out_of_debug_errors_and_logs() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let redis_pass = server_var("KEDA_TEST_REDIS_AUTH_PASSWORD");
    let secrets = [TOKEN, BASIC, URL_PASS, CUSTOM, WRONG, redis_pass.as_str()];
    let reg = ScalerRegistry::new();
    let mut shown = Vec::new();

    // Redis with the right and a wrong password.
    let addr = server_var("KEDA_TEST_REDIS_AUTH_ADDR");
    let user = server_var("KEDA_TEST_REDIS_AUTH_USERNAME");
    let ok = trigger(
        "redis",
        &[("address", &addr), ("listName", "l")],
        &[("username", &user), ("password", &redis_pass)],
    );
    shown.push(format!("{ok:?}"));
    let s = reg.build(&ok).await.unwrap();
    s.metrics_and_activity("m").await.unwrap();
    shown.push(format!("{s:?}"));
    shown.push(format!(
        "{:?}",
        keda_scalers::redis::parse_redis_metadata(&ok).unwrap()
    ));
    let bad = trigger(
        "redis",
        &[("address", &addr), ("listName", "l")],
        &[("username", &user), ("password", WRONG)],
    );
    shown.push(reg.build(&bad).await.unwrap_err().to_string());
    shown.push(format!("{:?}", reg.build(&bad).await.unwrap_err()));

    // Prometheus with bearer, basic and custom auth against the real server, and credentials in
    // the server address of an unreachable one.
    let prom = server_var("KEDA_TEST_PROMETHEUS_URL");
    for (mode, auth) in [
        ("bearer", vec![("bearerToken", TOKEN)]),
        ("basic", vec![("username", "u"), ("password", BASIC)]),
        (
            "custom",
            vec![("customAuthHeader", "X-Auth"), ("customAuthValue", CUSTOM)],
        ),
    ] {
        let cfg = trigger(
            "prometheus",
            &[
                ("serverAddress", &prom),
                ("query", "vector(1)"),
                ("threshold", "1"),
                ("authModes", mode),
            ],
            &auth,
        );
        let s = reg.build(&cfg).await.unwrap();
        assert!(s.metrics_and_activity("m").await.unwrap().active);
        shown.push(format!("{s:?}"));
        shown.push(format!(
            "{:?}",
            keda_scalers::prometheus::parse_prometheus_metadata(&cfg, "").unwrap()
        ));
    }
    let leaky = format!("http://user:{URL_PASS}@127.0.0.1:1");
    let cfg = trigger(
        "prometheus",
        &[
            ("serverAddress", &leaky),
            ("query", "up"),
            ("threshold", "1"),
            ("authModes", "basic"),
        ],
        &[("username", "u"), ("password", BASIC)],
    );
    let s = reg.build(&cfg).await.unwrap();
    shown.push(format!("{s:?}"));
    let err = s.metrics_and_activity("m").await.unwrap_err();
    shown.push(err.to_string());
    shown.push(format!("{err:?}"));

    for text in &shown {
        assert_clean("output", text, &secrets);
    }
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("prometheus query value") && logged.contains("redis list length"),
        "events were captured: {logged}"
    );
    assert_clean("the log", &logged, &secrets);
}
