//! Parses, defaults and validates HPA manifests from YAML; then, for valid ones, runs one
//! decision so the compiled targets are exercised too. Must never panic.
#![no_main]

use keda_core::clock::Instant;
use keda_core::hpa::manifest::HorizontalPodAutoscaler;
use keda_core::hpa::metrics::StaticMetrics;
use keda_core::hpa::{ControllerConfig, FeatureGates, HpaController, HpaStatus, Observation, Scale};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(hpa) = HorizontalPodAutoscaler::from_yaml(text, &FeatureGates::default()) else { return };
    let scale = Scale { spec_replicas: 3, status_replicas: 3, ready_replicas: None, selector: "app=x".into() };
    let metrics = StaticMetrics::default();
    let obs = Observation { scale: Ok(&scale), pods: &[], metrics: &metrics, other_selectors: &[] };
    let mut status = HpaStatus::default();
    let _ = HpaController::new(ControllerConfig::default()).decide(Instant::from_secs(1), &hpa.spec, &mut status, &obs);
});
