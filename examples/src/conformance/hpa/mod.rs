//! Kubernetes HPA tables. Unit tables dispatch by test name; calculator and controller tables
//! by the shape of their cases (`inputs.function`, `inputs.specReplicas`), so new tests of those
//! kinds run without code changes.

// `serde_json::Value[key]` yields `Null` for absent keys and never panics.
#![allow(clippy::indexing_slicing)]

use serde_json::Value;

use super::{Handler, Table};
use keda_core::clock::Instant;

mod behavior;
mod calculator;
mod reconcile;

/// The instant the upstream fixtures call "now".
pub(super) const FIXTURE_NOW: Instant = Instant::from_secs(1_700_000_000);

/// The instant the code under test reads: upstream fixtures compute their times with
/// `time.Now()` before the code reads the clock again, so an entry exactly one window old is
/// already past the window. One millisecond reproduces that ordering.
pub(super) const EVAL_NOW: Instant = FIXTURE_NOW.plus_millis(1);

/// Go's zero time, relative to the Unix-epoch instants used here.
pub(super) const GO_ZERO_TIME: Instant = Instant::from_secs(-62_135_596_800);

/// `ageSeconds` before the fixture's now; `null` is Go's zero time.
pub(super) fn age(v: &Value) -> Instant {
    v.as_f64().map_or(GO_ZERO_TIME, |s| {
        FIXTURE_NOW.minus_millis((s * 1000.0) as i64)
    })
}

/// The handler for an HPA table, or why there is none.
pub(super) fn lookup(table: &Table) -> Result<Handler, String> {
    let by_name: Option<Handler> = match table.name.as_str() {
        "TestScalingWithRules" => Some(behavior::convert_rate),
        "TestCalculateScaleUpLimitWithScalingRules"
        | "TestCalculateScaleDownLimitWithBehaviors" => Some(behavior::limits),
        "TestConvertDesiredReplicasWithRules" => Some(behavior::convert_rules),
        "TestStoreScaleEvents" => Some(behavior::store_events),
        "TestNormalizeDesiredReplicasWithBehavior" | "TestNormalizeDesiredReplicas" => {
            Some(behavior::stabilization)
        }
        "TestGenerateScaleUpRules" | "TestGenerateScaleDownRules" => Some(behavior::generate_rules),
        "TestGroupPods" => Some(calculator::group),
        "TestCalculateRequests" => Some(calculator::requests),
        n if n.starts_with("TestValidate") => Some(behavior::validation),
        _ => None,
    };
    if let Some(h) = by_name {
        return Ok(h);
    }
    let first = table.cases.first().and_then(|c| c.data.get("inputs"));
    match first {
        Some(i) if i.get("function").is_some() => Ok(calculator::replicas),
        Some(i) if i.get("specReplicas").is_some() => Ok(reconcile::reconcile),
        _ => Err(format!("no handler for HPA test {}", table.name)),
    }
}
