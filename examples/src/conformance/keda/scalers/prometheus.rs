//! `prometheus.json`: KEDA's `prometheus_scaler_test.go`.

use std::sync::Arc;
use std::time::Duration;

use keda_core::clock::{Instant, ManualClock};
use keda_core::scaler::{MetricTargetType, Scaler};
use keda_scalers::auth::AuthMode;
use keda_scalers::prometheus::{PrometheusMetadata, PrometheusScaler, parse_prometheus_metadata};
use serde_json::Value;

use super::common::{at, block_on, config, error_iff, one_shot_http, string_map};
use crate::conformance::check::Checks;
use crate::conformance::{Case, Handler, Outcome, Table};

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "testPromMetadata" => metadata,
        "prometheusMetricIdentifiers" => metric_identifiers,
        "testPrometheusAuthMetadata" => auth_metadata,
        "testPromQueryResult" => query_result,
        "manual:TestPrometheusScalerCustomHeaders" => custom_headers,
        "manual:TestPrometheusScalerExecutePromQueryParameters" => query_parameters,
        _ => return None,
    })
}

fn inputs(c: &Case) -> &Value {
    at(&c.data, "inputs")
}

fn want_error(c: &Case) -> bool {
    at(at(&c.data, "expect"), "isError")
        .as_bool()
        .unwrap_or(false)
}

/// `parsePrometheusMetadata(TriggerMetadata=metadata)`: error iff isError.
fn metadata(_: &Table, c: &Case) -> Outcome {
    let cfg = config("prometheus", inputs(c), &Value::Null);
    error_iff(parse_prometheus_metadata(&cfg, ""), want_error(c), |_| {
        Outcome::Pass
    })
}

/// Parse, build the scaler, `spec[0]` name.
fn metric_identifiers(_: &Table, c: &Case) -> Outcome {
    let i = inputs(c);
    let mut cfg = config("prometheus", at(i, "metadataTestData"), &Value::Null);
    cfg.trigger_index = at(i, "triggerIndex").as_u64().unwrap_or(0) as usize;
    match PrometheusScaler::new(&cfg) {
        Ok(s) => {
            let mut k = Checks::default();
            let name = s.metric_specs().first().map(|m| m.metric_name.clone());
            k.eq(
                "name",
                name.as_deref(),
                at(at(&c.data, "expect"), "name").as_str(),
            );
            k.outcome()
        }
        Err(e) => Outcome::Fail(e.to_string()),
    }
}

/// Error iff isError; on success every enabled mode appears in the `authModes` text.
fn auth_metadata(_: &Table, c: &Case) -> Outcome {
    let i = inputs(c);
    let cfg = config("prometheus", i, &Value::Null);
    let pod_identity = at(i, "podIdentityProvider").as_str().unwrap_or_default();
    error_iff(
        parse_prometheus_metadata(&cfg, pod_identity),
        want_error(c),
        |m| {
            let written = cfg
                .trigger_metadata
                .get("authModes")
                .cloned()
                .unwrap_or_default();
            let modes = [
                (AuthMode::Bearer, "bearer"),
                (AuthMode::Basic, "basic"),
                (AuthMode::Tls, "tls"),
                (AuthMode::Custom, "custom"),
            ];
            let mut k = Checks::default();
            for (mode, name) in modes {
                if m.auth.enabled(mode) {
                    k.eq(
                        &format!("{name} in authModes"),
                        written.contains(name),
                        true,
                    );
                }
            }
            k.outcome()
        },
    )
}

/// A scaler over `metadata`, its query answered once by a loopback server.
fn run_query(
    metadata: PrometheusMetadata,
    status: u16,
    body: &str,
    clock: Arc<ManualClock>,
) -> Result<(Result<f64, keda_core::Error>, String), String> {
    let (url, request) = one_shot_http(status, body)?;
    let metadata = PrometheusMetadata {
        server_address: url,
        ..metadata
    };
    let scaler = PrometheusScaler::from_metadata(
        metadata,
        MetricTargetType::AverageValue,
        Duration::from_secs(5),
        clock,
    )
    .map_err(|e| e.to_string())?;
    let value = block_on(scaler.execute_query())?;
    let head = request
        .recv_timeout(Duration::from_secs(5))
        .map_err(|e| e.to_string())?;
    Ok((value, head))
}

fn epoch_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Instant::ZERO))
}

/// `ExecutePromQuery` against a server answering `responseStatus`/`bodyStr`: value (−1 with an
/// error) and error iff isError.
fn query_result(_: &Table, c: &Case) -> Outcome {
    let i = inputs(c);
    let metadata = PrometheusMetadata {
        query: "up".into(),
        ignore_null_values: at(i, "ignoreNullValues").as_bool().unwrap_or(false),
        unsafe_ssl: at(i, "unsafeSsl").as_bool().unwrap_or(false),
        ..PrometheusMetadata::default()
    };
    let status = at(i, "responseStatus").as_u64().unwrap_or(200) as u16;
    let body = at(i, "bodyStr").as_str().unwrap_or_default();
    let (result, _) = match run_query(metadata, status, body, epoch_clock()) {
        Ok(r) => r,
        Err(e) => return Outcome::Fail(e),
    };
    let expect = at(&c.data, "expect");
    let mut k = Checks::default();
    k.eq("isError", result.is_err(), want_error(c));
    k.eq(
        "value",
        result.unwrap_or(-1.0),
        at(expect, "expectedValue").as_f64().unwrap_or(f64::NAN),
    );
    k.outcome()
}

/// The request head's header value `name` (case-insensitive).
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

/// Custom headers are sent on the query request.
fn custom_headers(_: &Table, c: &Case) -> Outcome {
    let i = inputs(c);
    let metadata = PrometheusMetadata {
        query: "up".into(),
        custom_headers: string_map(at(i, "customHeaders")),
        ignore_null_values: at(i, "ignoreNullValues").as_bool().unwrap_or(false),
        ..PrometheusMetadata::default()
    };
    let body = at(i, "responseBody").as_str().unwrap_or_default();
    let (result, head) = match run_query(metadata, 200, body, epoch_clock()) {
        Ok(r) => r,
        Err(e) => return Outcome::Fail(e),
    };
    let expect = at(&c.data, "expect");
    let mut k = Checks::default();
    k.eq(
        "error",
        result.is_err(),
        at(expect, "error").as_bool().unwrap_or(false),
    );
    for (name, value) in string_map(at(expect, "requestHeadersContain")) {
        k.eq(
            &format!("header {name}"),
            header(&head, &name),
            Some(value.as_str()),
        );
    }
    k.outcome()
}

/// The request goes to `/api/v1/query` with the extra query parameters and `time` = the clock's
/// current time, UTC, RFC 3339 to the second.
fn query_parameters(_: &Table, c: &Case) -> Outcome {
    let i = inputs(c);
    let metadata = PrometheusMetadata {
        query: "up".into(),
        query_parameters: string_map(at(i, "queryParameters")),
        ignore_null_values: at(i, "ignoreNullValues").as_bool().unwrap_or(false),
        ..PrometheusMetadata::default()
    };
    let body = at(i, "responseBody").as_str().unwrap_or_default();
    // 2026-11-22T09:34:56.789Z
    let clock = Arc::new(ManualClock::new(Instant::from_millis(1_795_340_096_789)));
    let (result, head) = match run_query(metadata, 200, body, clock) {
        Ok(r) => r,
        Err(e) => return Outcome::Fail(e),
    };
    let target = head
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let params = keda_core::go::parse_query(query).unwrap_or_default();
    let param = |k: &str| params.get(k).and_then(|v| v.first()).map(String::as_str);
    let expect = at(&c.data, "expect");
    let mut k = Checks::default();
    k.eq(
        "error",
        result.is_err(),
        at(expect, "error").as_bool().unwrap_or(false),
    );
    k.eq("path", Some(path), at(expect, "requestPath").as_str());
    for (name, value) in string_map(at(expect, "queryParamsContain")) {
        k.eq(
            &format!("query param {name}"),
            param(&name),
            Some(value.as_str()),
        );
    }
    k.eq("time", param("time"), Some("2026-11-22T09:34:56Z"));
    k.outcome()
}
