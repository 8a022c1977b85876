//! Invariants of the HPA math, checked with proptest.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use keda_core::clock::Instant;
use keda_core::hpa::metrics::StaticMetrics;
use keda_core::hpa::rate_limits::{RateArgs, ScaleEvent, convert_with_behavior_rate};
use keda_core::hpa::spec::{
    Behavior, MetricTargetType, ScalingPolicy, ScalingPolicySelect, ScalingRules,
};
use keda_core::hpa::stabilization::{Recommendation, stabilize, stabilize_with_behaviors};
use keda_core::hpa::{
    ControllerConfig, HpaController, HpaSpec, HpaStatus, MetricSpec, Observation, Scale,
};
use proptest::prelude::*;

const NOW: Instant = Instant::from_secs(1_000_000);

fn policy() -> impl Strategy<Value = ScalingPolicy> {
    (prop::bool::ANY, 1i32..300, 1i32..600).prop_map(|(pods, v, p)| {
        if pods {
            ScalingPolicy::pods(v, p)
        } else {
            ScalingPolicy::percent(v, p)
        }
    })
}

fn rules() -> impl Strategy<Value = ScalingRules> {
    (
        0i32..600,
        prop::sample::select(vec![
            ScalingPolicySelect::Max,
            ScalingPolicySelect::Min,
            ScalingPolicySelect::Disabled,
        ]),
        prop::collection::vec(policy(), 1..4),
    )
        .prop_map(|(w, s, p)| ScalingRules {
            stabilization_window_seconds: Some(w),
            select_policy: Some(s),
            policies: Some(p),
            tolerance: None,
        })
}

fn events() -> impl Strategy<Value = Vec<ScaleEvent>> {
    prop::collection::vec((1i32..50, 0i64..900), 0..20).prop_map(|v| {
        v.into_iter()
            .map(|(c, age)| ScaleEvent {
                change: c,
                at: NOW.minus_secs(age),
                outdated: false,
            })
            .collect()
    })
}

fn recommendations() -> impl Strategy<Value = Vec<Recommendation>> {
    prop::collection::vec((0i32..200, 0i64..900), 0..30).prop_map(|v| {
        v.into_iter()
            .map(|(r, age)| Recommendation {
                replicas: r,
                at: NOW.minus_secs(age),
            })
            .collect()
    })
}

fn spec(min: i32, max: i32, behavior: Option<Behavior>) -> HpaSpec {
    HpaSpec {
        min_replicas: Some(min),
        max_replicas: max,
        metrics: vec![MetricSpec::external(
            "queue",
            MetricTargetType::AverageValue,
            5000,
        )],
        behavior,
        ..HpaSpec::default()
    }
}

fn scale(current: i32) -> Scale {
    Scale {
        spec_replicas: current,
        status_replicas: current,
        ready_replicas: None,
        selector: "app=w".into(),
    }
}

fn obs<'a>(scale: &'a Scale, metrics: &'a StaticMetrics) -> Observation<'a> {
    Observation {
        scale: Ok(scale),
        pods: &[],
        metrics,
        other_selectors: &[],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// With scaling enabled (current > 0) the decision stays within [min, max].
    #[test]
    fn decision_within_bounds(min in 1i32..20, extra in 0i32..80, current in 1i32..150, queue in 0i64..10_000_000,
                              with_behavior in prop::bool::ANY, up in rules(), down in rules(), recs in recommendations(),
                              ups in events(), downs in events()) {
        let max = min + extra;
        let behavior = with_behavior.then_some(Behavior { scale_up: Some(up), scale_down: Some(down) });
        let s = spec(min, max, behavior);
        let metrics = StaticMetrics { external: BTreeMap::from([("queue".to_owned(), vec![queue])]), ..StaticMetrics::default() };
        let mut ctl = HpaController::new(ControllerConfig::default());
        ctl.set_recommendations(recs);
        ctl.set_scale_events(ups, downs);
        let mut status = HpaStatus::default();
        let sc = scale(current);
        let out = ctl.decide(NOW, &s, &mut status, &obs(&sc, &metrics));
        prop_assert!(out.desired_replicas >= min && out.desired_replicas <= max, "{} not in [{min}, {max}]", out.desired_replicas);
    }

    /// Over a random load history, the net change inside any policy period never exceeds what
    /// the (single) policy of that direction allows.
    #[test]
    fn changes_respect_policies(up_pods in 1i32..10, up_period in 15i32..300, down_pods in 1i32..10, down_period in 15i32..300,
                                loads in prop::collection::vec((0i64..2_000_000, 1i64..120), 1..60)) {
        let rules = |v, p| ScalingRules { stabilization_window_seconds: Some(0), select_policy: Some(ScalingPolicySelect::Max), policies: Some(vec![ScalingPolicy::pods(v, p)]), tolerance: None };
        let s = spec(1, 200, Some(Behavior { scale_up: Some(rules(up_pods, up_period)), scale_down: Some(rules(down_pods, down_period)) }));
        let mut ctl = HpaController::new(ControllerConfig::default());
        let mut status = HpaStatus::default();
        let (mut now, mut current) = (NOW, 1i32);
        let mut changes: Vec<(Instant, i32)> = Vec::new();
        for (load, dt) in loads {
            now = now.plus_secs(dt);
            let metrics = StaticMetrics { external: BTreeMap::from([("queue".to_owned(), vec![load])]), ..StaticMetrics::default() };
            let sc = scale(current);
            let out = ctl.decide(now, &s, &mut status, &obs(&sc, &metrics));
            if out.desired_replicas != current {
                changes.push((now, out.desired_replicas - current));
                let net = |period: i32| changes.iter().filter(|(t, _)| *t > now.minus_secs(i64::from(period))).map(|(_, d)| *d).sum::<i32>();
                if out.desired_replicas > current {
                    prop_assert!(net(up_period) <= up_pods, "net up {} > {up_pods} in {up_period}s", net(up_period));
                } else {
                    prop_assert!(-net(down_period) <= down_pods, "net down {} > {down_pods} in {down_period}s", -net(down_period));
                }
                current = out.desired_replicas;
            }
        }
    }

    /// Stabilization never leaves the range spanned by the window's recommendations (the
    /// proposal included), unless it keeps the current count inside that range.
    #[test]
    fn stabilization_stays_in_window_range(recs in recommendations(), current in 0i32..200, proposal in 0i32..200, up_w in 0i64..600, down_w in 0i64..600) {
        let in_window = |w: i64| recs.iter().filter(move |r| r.at > NOW.minus_secs(w)).map(|r| r.replicas);
        let lo = in_window(up_w).chain(in_window(down_w)).chain([proposal]).min().unwrap_or(proposal);
        let hi = in_window(up_w).chain(in_window(down_w)).chain([proposal]).max().unwrap_or(proposal);
        let mut h = recs.clone();
        let (got, _) = stabilize_with_behaviors(&mut h, current, proposal, up_w * 1000, down_w * 1000, NOW);
        prop_assert!(got >= lo && got <= hi, "{got} outside [{lo}, {hi}]");

        let mut h = recs.clone();
        let hi_classic = recs.iter().filter(|r| r.at >= NOW.minus_secs(down_w)).map(|r| r.replicas).chain([proposal]).max().unwrap_or(proposal);
        let got = stabilize(&mut h, proposal, down_w * 1000, NOW);
        prop_assert!(got >= proposal && got <= hi_classic);
    }

    /// Rate limits never turn a scale-up into a scale-down or the reverse.
    #[test]
    fn rate_limits_keep_direction(min in 0i32..20, extra in 0i32..100, cur_off in 0i32..100, desired in 0i32..300,
                                  up in rules(), down in rules(), ups in events(), downs in events()) {
        let max = min + extra;
        let current = min + cur_off.min(extra);
        let (got, _) = convert_with_behavior_rate(RateArgs { current, desired, min, max, scale_up: &up, scale_down: &down }, &ups, &downs, NOW);
        if desired > current { prop_assert!(got >= current, "up {current}->{desired} became {got}"); }
        if desired < current { prop_assert!(got <= current, "down {current}->{desired} became {got}"); }
        if desired == current { prop_assert_eq!(got, current); }
    }
}
