//! Invariants of the Go parsing rules and the typed metadata parser.

use std::collections::BTreeMap;
use std::time::Duration;

use keda_core::go;
use keda_core::resolver::resolve_env_value;
use keda_core::scaler::ScalerConfig;
use keda_core::scaler_config::{MetadataParser, Param, Source};
use proptest::prelude::*;

proptest! {
    #[test]
    fn json_ints_round_trip(n in any::<i64>()) {
        prop_assert_eq!(go::parse_json_int(&n.to_string()), Ok(n));
    }

    #[test]
    fn json_floats_round_trip(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        prop_assert_eq!(go::parse_json_float(&format!("{x:e}"), 64), Ok(x));
    }

    #[test]
    fn durations_add_up(h in 0i64..1000, m in 0i64..1000, s in 0i64..1000, ms in 0i64..1000) {
        let want = ((h * 3600 + m * 60 + s) * 1000 + ms) * 1_000_000;
        prop_assert_eq!(go::parse_duration(&format!("{h}h{m}m{s}s{ms}ms")), Ok(want));
        prop_assert_eq!(go::parse_duration(&format!("-{h}h{m}m{s}s{ms}ms")), Ok(-want));
    }

    #[test]
    fn query_escape_round_trips(s in ".*") {
        prop_assert_eq!(go::query_unescape(&go::query_escape(&s)), Ok(s));
    }

    #[test]
    fn parsers_never_panic(s in ".*") {
        let _ = go::parse_bool(&s);
        let _ = go::parse_duration(&s);
        let _ = go::parse_query(&s);
        let _ = go::parse_json_float(&s, 32);
    }

    #[test]
    fn env_values_without_dollar_are_unchanged(s in "[^$]*") {
        prop_assert_eq!(resolve_env_value(&s, &BTreeMap::new()), s);
    }

    #[test]
    fn ranges_expand_inclusively(a in -1000i64..1000, len in 0i64..200) {
        let b = a + len;
        let config = ScalerConfig {
            trigger_metadata: [("p".to_owned(), format!("{a}..{b}"))].into_iter().collect(),
            ..ScalerConfig::default()
        };
        let got: Vec<i64> = MetadataParser::new(&config)
            .get(Param::new("p").from(&[Source::TriggerMetadata]).range(".."))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(got, (a..=b).collect::<Vec<_>>());
    }

    #[test]
    fn millisecond_durations_match_go(ms in 0u64..u64::from(u32::MAX)) {
        let config = ScalerConfig {
            trigger_metadata: [("t".to_owned(), ms.to_string())].into_iter().collect(),
            ..ScalerConfig::default()
        };
        let got: Duration = MetadataParser::new(&config)
            .get(Param::new("t").from(&[Source::TriggerMetadata]))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(got, Duration::from_millis(ms));
    }
}
