//! scalingModifiers compile + evaluate: any formula, target and trigger set must yield a value or
//! an error naming the field, never a panic, hang or crash. (libfuzzer-sys aborts on any panic,
//! including ones `keda-core` would catch, so panics inside the expression engine surface here.)

#![no_main]

use arbitrary::Arbitrary;
use keda_core::modifiers::{CompiledModifiers, FormulaTrigger, FormulaVariables, ScalingModifiers};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    formula: String,
    target: String,
    activation_target: String,
    triggers: Vec<(String, bool)>,
    values: Vec<Option<f64>>,
    fallback_replicas: Option<i32>,
}

fuzz_target!(|input: Input| {
    let modifiers = ScalingModifiers {
        formula: input.formula,
        target: input.target,
        activation_target: input.activation_target,
        metric_type: None,
    };
    let triggers = input.triggers.iter().map(|(name, cpu)| FormulaTrigger {
        name,
        trigger_type: if *cpu { "cpu" } else { "prometheus" },
    });
    let Ok(compiled) = CompiledModifiers::validate_and_compile(&modifiers, triggers) else {
        return;
    };
    let vars: FormulaVariables = input
        .triggers
        .iter()
        .map(|(n, _)| n.clone())
        .zip(input.values.iter().copied())
        .collect();
    if let Ok(m) = compiled.composite(&vars, input.fallback_replicas) {
        let _ = compiled.is_active(&m);
    }
});
