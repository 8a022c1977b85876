//! The HPA walk-through reproduces the expected replica timeline.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use examples::walkthrough::{DEMAND, replica_steps, run};

#[test]
fn walkthrough_timeline() {
    let ticks = run();
    assert_eq!(replica_steps(&ticks), vec![2, 4, 6, 4, 2]);
    let at = |replicas: i32| {
        ticks
            .iter()
            .find(|t| t.replicas == replicas && t.replicas_before != replicas)
            .map(|t| t.second)
    };
    let stop = DEMAND.last().map_or(0, |d| d.0);
    // Scale-up is immediate: 4 at the first step, 6 at the second.
    assert_eq!(at(4), Some(60));
    assert_eq!(at(6), Some(120));
    // Scale-down waits until the last high recommendation (the last tick under load, 15 s
    // before the stop) leaves the 300 s window; the Min policy then allows 2 pods per 60 s.
    let last_high = stop - 15;
    let down_to_4 = ticks
        .iter()
        .find(|t| t.replicas_before == 6 && t.replicas == 4)
        .map(|t| t.second)
        .unwrap_or(0);
    let down_to_2 = ticks
        .iter()
        .find(|t| t.replicas_before == 4 && t.replicas == 2 && t.second > down_to_4)
        .map(|t| t.second)
        .unwrap_or(0);
    assert_eq!(down_to_4, last_high + 300, "6 -> 4");
    assert_eq!(down_to_2, down_to_4 + 60, "4 -> 2");
    let limited = ticks
        .iter()
        .find(|t| t.second == down_to_4)
        .map(|t| t.limited_reason.clone());
    assert_eq!(limited.as_deref(), Some("ScaleDownLimit"));
}
