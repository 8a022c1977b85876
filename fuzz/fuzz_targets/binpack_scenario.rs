//! Scenario parsing and solving must never panic: arbitrary JSON/YAML text is decoded as a
//! scenario, as a catalog and as a pod list; small decoded scenarios are also planned.
#![no_main]

use karpenter_binpack::catalog::{CatalogOptions, load_any};
use karpenter_binpack::model::Options;
use karpenter_binpack::pod::{Pod, decode_list};
use karpenter_binpack::scenario::Scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = load_any(text, &CatalogOptions::default());
    let _ = decode_list::<Pod>("pods", text);
    if let Ok(s) = Scenario::from_text(text)
        && s.pods.len() <= 64
        && s.instance_types.len() <= 64
        && s.nodes.len() <= 16
    {
        let _ = s.plan(Options::default());
        let _ = s.plan(Options { ignore_preferences: true, ..Default::default() });
    }
});
