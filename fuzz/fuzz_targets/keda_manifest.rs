//! ScaledObject / ScaledJob / TriggerAuthentication YAML: parse, decode strictly, validate, and
//! read every trigger parameter with the typed metadata parser. Nothing may panic, and a decoded
//! resource must survive a JSON round trip unchanged.
#![no_main]

use std::collections::BTreeMap;
use std::time::Duration;

use keda_core::manifest::{Manifest, Trigger, parse_documents};
use keda_core::scaler::ScalerConfig;
use keda_core::scaler_config::{MetadataParser, Param, Source, UrlValues};
use keda_core::validation::{Validator, check_set};
use libfuzzer_sys::fuzz_target;

fn exercise_metadata(index: usize, t: &Trigger) {
    let config = ScalerConfig { trigger_index: index, trigger_metadata: t.metadata.clone(), ..ScalerConfig::default() };
    let mut p = MetadataParser::new(&config);
    for name in t.metadata.keys() {
        let param = || Param::new(name.clone()).from(&[Source::TriggerMetadata, Source::ResolvedEnv]).optional();
        let _ = p.get::<i64>(param());
        let _ = p.get::<f64>(param());
        let _ = p.get::<bool>(param());
        let _ = p.get::<Duration>(param());
        let _ = p.get::<Vec<i32>>(param().range("-"));
        let _ = p.get::<BTreeMap<String, u16>>(param());
        let _ = p.get::<UrlValues>(param());
        let _ = p.get::<String>(param().one_of(&["a", "b"]).exclusive_set(&["a", "b"]));
    }
    let _ = p.unexpected_params();
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(docs) = parse_documents(text) else { return };
    let manifests: Vec<Manifest> = docs.into_iter().filter_map(|d| Manifest::from_value(d).ok()).collect();
    let _ = check_set(&manifests);
    for m in &manifests {
        let _ = Validator::default().validate(m);
        let (json, triggers) = match m {
            Manifest::ScaledObject(so) => (serde_json::to_value(so.as_ref()), so.spec.triggers.clone()),
            Manifest::ScaledJob(sj) => (serde_json::to_value(sj.as_ref()), sj.spec.triggers.clone()),
            Manifest::TriggerAuthentication(a) | Manifest::ClusterTriggerAuthentication(a) => (serde_json::to_value(a.as_ref()), Vec::new()),
            _ => continue,
        };
        let json = json.expect("a decoded resource serializes");
        let again = Manifest::from_value(json).expect("a serialized resource decodes");
        assert_eq!(&again, m, "JSON round trip changed the resource");
        for (i, t) in triggers.iter().enumerate() {
            exercise_metadata(i, t);
        }
    }
});
