//! Invariants of the KEDA decisions, over arbitrary inputs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use keda_core::clock::Instant;
use keda_core::lifecycle::{
    ExecutorInput, ExecutorSpec, ExecutorStatus, HpaObservation, ScaleAnnotations, ScaleReason,
    request_scale,
};
use keda_core::modifiers::{CompiledModifiers, FormulaTrigger, FormulaVariables, ScalingModifiers};
use keda_core::scaledjob::{
    JobInfo, JobPod, JobScaleState, ScaledJobSpec, ScalingStrategy, request_job_scale,
};
use proptest::prelude::*;

fn strategy() -> impl Strategy<Value = ScalingStrategy> {
    prop_oneof![
        Just(ScalingStrategy::Default),
        Just(ScalingStrategy::Accurate),
        Just(ScalingStrategy::Eager),
        (proptest::option::of(-5i32..20), 0.0f64..2.0).prop_map(|(deduction, percentage)| {
            ScalingStrategy::Custom {
                deduction,
                percentage,
            }
        }),
    ]
}

proptest! {
    /// Jobs are created only while active, never a negative number, never more than asked for
    /// (`scaleTo`, or the missing minimum) nor more than the job budget allows.
    #[test]
    fn scaled_job_creates_a_bounded_number_of_jobs(
        min in proptest::option::of(0i32..20),
        max in proptest::option::of(0i32..50),
        strategy in strategy(),
        active in any::<bool>(),
        scale_to in 0i64..200,
        max_scale in 0i64..200,
        running in 0usize..30,
        pending in 0usize..30,
    ) {
        let spec = ScaledJobSpec { min_replica_count: min, max_replica_count: max, strategy, ..Default::default() };
        let state = JobScaleState { is_active: active, scale_to, max_scale, max_value: max_scale as f64 };
        let pending = pending.min(running);
        let jobs: Vec<JobInfo> = (0..running)
            .map(|i| JobInfo {
                name: format!("j{i}"),
                pods: vec![JobPod { phase: if i < pending { "Pending" } else { "Running" }.into(), true_conditions: vec![] }],
                ..Default::default()
            })
            .collect();
        let d = request_job_scale(&spec, &state, false, &jobs, Instant::ZERO);
        prop_assert!(d.jobs_to_create >= 0);
        if !active {
            prop_assert_eq!(d.jobs_to_create, 0);
        }
        let (effective, to) = spec.scaling_decision(running as i64, scale_to, max_scale, pending as i64);
        prop_assert!(d.jobs_to_create <= effective.max(0) && d.jobs_to_create <= to.max(0));
    }

    /// The executor only ever writes min-or-1 (activation), idle-or-min (deactivation) or min
    /// (enforcement); never writes while paused; never scales to zero while erroring with a
    /// non-zero fallback.
    #[test]
    fn executor_writes_only_keda_targets(
        min in proptest::option::of(0i32..10),
        idle in proptest::option::of(0i32..3),
        fallback in proptest::option::of(0i32..5),
        paused in any::<bool>(),
        scale_in in any::<bool>(),
        scale_out in any::<bool>(),
        force in any::<bool>(),
        active in any::<bool>(),
        error in any::<bool>(),
        current in 0i32..20,
        last_active in proptest::option::of(0i64..1000),
        now in 0i64..2000,
    ) {
        let annotations = ScaleAnnotations { paused, paused_replicas: None, pause_scale_in: scale_in, pause_scale_out: scale_out, force_activation: force };
        let spec = ExecutorSpec { min_replica_count: min, idle_replica_count: idle, fallback_replicas: fallback, annotations, ..Default::default() };
        let status = ExecutorStatus { last_active_time: last_active.map(Instant::from_secs), creation_time: Instant::ZERO };
        let input = ExecutorInput { is_active: active, is_error: error, current_replicas: Ok(current), active_triggers: &[], hpa: HpaObservation::Unobservable, now: Instant::from_secs(now) };
        let d = request_scale(&spec, &status, &input);
        let m = min.unwrap_or(0);
        if let Some(w) = d.write {
            prop_assert!(!paused);
            match w.reason {
                ScaleReason::Activate => { prop_assert!(!scale_out); prop_assert_eq!(w.replicas, m.max(1)); }
                ScaleReason::Deactivate => {
                    prop_assert!(!scale_in);
                    prop_assert_eq!(w.replicas, idle.unwrap_or(m));
                    prop_assert!(!(error && fallback.is_some_and(|f| f != 0)));
                }
                ScaleReason::EnforceMin => prop_assert_eq!(w.replicas, m),
            }
        }
    }

    /// A formula that is just a trigger's name yields that value, truncated to milli.
    #[test]
    fn identity_formula_truncates_to_milli(v in -1.0e12f64..1.0e12) {
        let sm = ScalingModifiers { formula: "q".into(), target: "1".into(), ..Default::default() };
        let c = CompiledModifiers::validate_and_compile(&sm, [FormulaTrigger { name: "q", trigger_type: "redis" }]).unwrap();
        let m = c.composite(&FormulaVariables::from([("q".to_owned(), Some(v))]), None).unwrap();
        prop_assert_eq!(m.value_milli, (v * 1000.0) as i64);
    }
}
