//! `cron.json`: KEDA's `cron_scaler_test.go`. The wall-clock tests run at chosen instants
//! through an injected clock.

use std::sync::Arc;

use keda_core::clock::{Instant, ManualClock};
use keda_core::scaler::Scaler;
use keda_scalers::cron::{CronScaler, parse_cron_metadata};
use serde_json::Value;

use super::common::{at, block_on, config, error_iff};
use crate::conformance::check::Checks;
use crate::conformance::{Case, Handler, Outcome, Table};

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "testCronMetadata" => metadata,
        "cronMetricIdentifiers" => metric_identifiers,
        "manual:TestIsActive / TestGetMetrics" => thursday,
        "manual:TestIsActiveRange / TestGetMetricsRange" => even_hours,
        _ => return None,
    })
}

/// `parseCronMetadata`: error iff isError.
fn metadata(_: &Table, c: &Case) -> Outcome {
    let cfg = config("cron", at(&c.data, "inputs"), &Value::Null);
    let want = at(at(&c.data, "expect"), "isError")
        .as_bool()
        .unwrap_or(false);
    error_iff(parse_cron_metadata(&cfg), want, |_| Outcome::Pass)
}

fn metric_identifiers(_: &Table, c: &Case) -> Outcome {
    let i = at(&c.data, "inputs");
    let mut cfg = config("cron", at(i, "metadataTestData"), &Value::Null);
    cfg.trigger_index = at(i, "triggerIndex").as_u64().unwrap_or(0) as usize;
    match parse_cron_metadata(&cfg) {
        Ok(m) => {
            let mut k = Checks::default();
            k.eq(
                "name",
                Some(m.metric_name().as_str()),
                at(at(&c.data, "expect"), "name").as_str(),
            );
            k.outcome()
        }
        Err(e) => Outcome::Fail(e.to_string()),
    }
}

/// `GetMetricsAndActivity(ctx, "ReplicaCount")` at Unix second `at_s`: (active, value, name).
fn read_at(c: &Case, at_s: i64) -> Result<(bool, i64, String), String> {
    let cfg = config("cron", at(&c.data, "inputs"), &Value::Null);
    let clock = Arc::new(ManualClock::new(Instant::from_secs(at_s)));
    let scaler = CronScaler::with_clock(&cfg, clock).map_err(|e| e.to_string())?;
    let m = block_on(scaler.metrics_and_activity("ReplicaCount"))?.map_err(|e| e.to_string())?;
    let v = m.values.first().ok_or("no metric value")?;
    Ok((m.active, v.value_milli / 1000, v.metric_name.clone()))
}

/// Checks activity and value at each `(label, unix seconds, expectation)`.
fn check_at(c: &Case, points: &[(&str, i64, &Value)]) -> Outcome {
    let mut k = Checks::default();
    for (label, t, want) in points {
        match read_at(c, *t) {
            Ok((active, value, name)) => {
                k.eq(
                    &format!("{label}: isActive"),
                    active,
                    at(want, "isActive").as_bool().unwrap_or(false),
                );
                k.eq(
                    &format!("{label}: value"),
                    value,
                    at(want, "metricValue").as_i64().unwrap_or(-1),
                );
                if let Some(echo) = at(at(&c.data, "expect"), "metricNameEchoed").as_str() {
                    k.eq(&format!("{label}: metric name"), name.as_str(), echo);
                }
            }
            Err(e) => k.fail(format!("{label}: {e}")),
        }
    }
    k.outcome()
}

/// Thursday 00:00 → 23:59 UTC: active with 10 all Thursday except its last minute; inactive on
/// other days. 2026-11-19 is a Thursday (00:00 UTC = 1_795_046_400).
fn thursday(_: &Table, c: &Case) -> Outcome {
    let e = at(&c.data, "expect");
    let thu = at(e, "whenTodayIsThursdayUTC");
    let thu0 = 1_795_046_400;
    check_at(
        c,
        &[
            ("Thursday 00:00:00", thu0, thu),
            ("Thursday 12:34:56", thu0 + 45_296, thu),
            ("Thursday 23:58:59", thu0 + 86_339, thu),
            (
                "Thursday 23:59:30",
                thu0 + 86_370,
                at(thu, "exceptDuringLastMinute"),
            ),
            ("Friday 12:00", thu0 + 86_400 + 43_200, at(e, "otherwise")),
            ("Wednesday 23:59:59", thu0 - 1, at(e, "otherwise")),
        ],
    )
}

/// Even UTC hours active with 10, odd hours inactive.
fn even_hours(_: &Table, c: &Case) -> Outcome {
    let e = at(&c.data, "expect");
    let day = 1_795_046_400;
    check_at(
        c,
        &[
            ("00:00", day, at(e, "whenCurrentUTCHourEven")),
            (
                "06:59:59",
                day + 6 * 3600 + 3599,
                at(e, "whenCurrentUTCHourEven"),
            ),
            ("07:00", day + 7 * 3600, at(e, "whenOdd")),
            ("23:30", day + 23 * 3600 + 1800, at(e, "whenOdd")),
        ],
    )
}
