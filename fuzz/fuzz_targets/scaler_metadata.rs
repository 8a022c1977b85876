//! Every metadata parser of keda-scalers (prometheus, redis lists and streams in all topologies,
//! cron, cpu/memory) on arbitrary metadata, auth parameters and environment; plus the cron
//! schedule grammar and window evaluation at arbitrary instants, and the Prometheus answer reader
//! on arbitrary bodies. Nothing may panic.
#![no_main]

use arbitrary::Arbitrary;
use keda_core::scaler::{MetricTargetType, ScalerConfig};
use keda_scalers::ScalerRegistry;
use keda_scalers::cron::{Schedule, is_within_window, parse_cron_metadata};
use keda_scalers::prometheus::parse_query_response;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    trigger: u8,
    metric_type: u8,
    metadata: Vec<(String, String)>,
    auth: Vec<(String, String)>,
    env: Vec<(String, String)>,
    now_ms: i64,
    status: u16,
    body: Vec<u8>,
    ignore_null: bool,
}

fuzz_target!(|input: Input| {
    let types = ScalerRegistry::supported_types();
    let Some(trigger_type) = types.get(usize::from(input.trigger) % types.len().max(1)) else {
        return;
    };
    let metric_type = match input.metric_type % 3 {
        0 => MetricTargetType::AverageValue,
        1 => MetricTargetType::Value,
        _ => MetricTargetType::Utilization,
    };
    let config = ScalerConfig {
        trigger_type: (*trigger_type).to_owned(),
        trigger_metadata: input.metadata.iter().cloned().collect(),
        auth_params: input.auth.iter().cloned().collect(),
        resolved_env: input.env.iter().cloned().collect(),
        metric_type,
        ..ScalerConfig::default()
    };
    let _ = ScalerRegistry::validate(&config);
    for (_, v) in &input.metadata {
        let _ = Schedule::parse(v);
    }
    if let Ok(m) = parse_cron_metadata(&config) {
        let _ = is_within_window(&m, input.now_ms);
    }
    let _ = parse_query_response(input.status, &input.body, "q", input.ignore_null);
});
