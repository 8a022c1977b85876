//! The Prometheus scaler against a real Prometheus scraping a real pushgateway: series are pushed
//! with the pushgateway's HTTP API, scraped by Prometheus, then queried by the scaler.

#![cfg(feature = "prometheus")]
#![recursion_limit = "256"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::time::Duration;

use keda_core::error::ScalerErrorKind;
use keda_core::scaler::Scaler;
use keda_scalers::ScalerRegistry;
use support::{error_kind, server_var, trigger, unique};

/// Pushes `body` (text exposition format) as job `job` to the pushgateway.
async fn push(job: &str, body: &str) {
    let url = format!(
        "{}/metrics/job/{job}",
        server_var("KEDA_TEST_PUSHGATEWAY_URL")
    );
    let resp = reqwest::Client::new()
        .put(url)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "push: {}", resp.status());
}

/// Waits until Prometheus has scraped `query` into `series` series (the scrape interval is 1 s).
async fn scraped(query: &str, series: usize) {
    let url = format!(
        "{}/api/v1/query?query={}",
        server_var("KEDA_TEST_PROMETHEUS_URL"),
        keda_core::go::query_escape(query)
    );
    for _ in 0..150 {
        let resp: serde_json::Value = reqwest::Client::new()
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if resp["data"]["result"].as_array().map(Vec::len) == Some(series) {
            // The scaler queries at the current second (KEDA truncates `time` to seconds): wait
            // until that second is after the first sample.
            tokio::time::sleep(Duration::from_millis(1100)).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("prometheus never scraped {query}");
}

fn prom(query: &str, extra: &[(&str, &str)]) -> keda_core::scaler::ScalerConfig {
    let server = server_var("KEDA_TEST_PROMETHEUS_URL");
    let mut meta = vec![
        ("serverAddress", server.as_str()),
        ("query", query),
        ("threshold", "10"),
    ];
    meta.extend_from_slice(extra);
    trigger("prometheus", &meta, &[])
}

async fn poll(s: &dyn Scaler) -> Result<(i64, bool), keda_core::Error> {
    let name = s.metric_specs()[0].metric_name.clone();
    let m = s.metrics_and_activity(&name).await?;
    Ok((m.values[0].value_milli, m.active))
}

#[tokio::test]
async fn scraped_series_give_metric_and_activity() {
    let job = unique("keda_job").replace('-', "_");
    push(
        &job,
        "keda_test_queue_depth{queue=\"a\"} 42.5\nkeda_test_queue_depth{queue=\"b\"} 3\n",
    )
    .await;
    let qa = format!("keda_test_queue_depth{{job=\"{job}\",queue=\"a\"}}");
    let qb = format!("keda_test_queue_depth{{job=\"{job}\",queue=\"b\"}}");
    scraped(&format!("keda_test_queue_depth{{job=\"{job}\"}}"), 2).await;
    let reg = ScalerRegistry::new();

    let s = reg
        .build(&prom(&qa, &[("activationThreshold", "40")]))
        .await
        .unwrap();
    assert_eq!(s.metric_specs()[0].metric_name, "s0-prometheus");
    assert_eq!(s.metric_specs()[0].target_milli, 10_000);
    assert_eq!(poll(s.as_ref()).await.unwrap(), (42_500, true));

    let s = reg
        .build(&prom(&qb, &[("activationThreshold", "40")]))
        .await
        .unwrap();
    assert_eq!(poll(s.as_ref()).await.unwrap(), (3_000, false));

    // PromQL arithmetic is evaluated by Prometheus.
    let sum = format!("sum(keda_test_queue_depth{{job=\"{job}\"}})");
    let s = reg.build(&prom(&sum, &[])).await.unwrap();
    assert_eq!(poll(s.as_ref()).await.unwrap(), (45_500, true));

    // Two series: KEDA's error.
    let both = format!("keda_test_queue_depth{{job=\"{job}\"}}");
    let err = poll(reg.build(&prom(&both, &[])).await.unwrap().as_ref())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("returned multiple elements"),
        "{err}"
    );
    assert_eq!(error_kind(&err), Some(ScalerErrorKind::Query));
}

#[tokio::test]
async fn empty_and_nan_results_follow_ignore_null_values() {
    let reg = ScalerRegistry::new();
    let absent = format!("keda_never_pushed_{}", std::process::id());
    let s = reg.build(&prom(&absent, &[])).await.unwrap();
    assert_eq!(
        poll(s.as_ref()).await.unwrap(),
        (0, false),
        "empty result reads as 0 by default"
    );
    let s = reg
        .build(&prom(&absent, &[("ignoreNullValues", "false")]))
        .await
        .unwrap();
    let err = poll(s.as_ref()).await.unwrap_err().to_string();
    assert!(err.contains("the result is empty"), "{err}");

    let nan = "vector(0) / 0";
    let s = reg.build(&prom(nan, &[])).await.unwrap();
    assert_eq!(poll(s.as_ref()).await.unwrap(), (0, false));
    let s = reg
        .build(&prom(nan, &[("ignoreNullValues", "false")]))
        .await
        .unwrap();
    let err = poll(s.as_ref()).await.unwrap_err().to_string();
    assert!(err.contains("prometheus query returns NaN"), "{err}");

    // A negative value is reported as 0 and is not active.
    let s = reg
        .build(&prom("vector(-5)", &[("activationThreshold", "-10")]))
        .await
        .unwrap();
    assert_eq!(
        poll(s.as_ref()).await.unwrap(),
        (0, true),
        "activity uses the raw value"
    );
}

#[tokio::test]
async fn http_errors_are_typed() {
    let reg = ScalerRegistry::new();
    // A bad query: Prometheus answers 400.
    let s = reg.build(&prom("sum(", &[])).await.unwrap();
    let err = poll(s.as_ref()).await.unwrap_err().to_string();
    assert!(
        err.contains("prometheus query api returned error. status: 400"),
        "{err}"
    );
}
