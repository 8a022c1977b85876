//! `redis.json` and `redis_streams.json`: KEDA's `redis_scaler_test.go` and
//! `redis_streams_scaler_test.go` (metadata parsing, metric names, activity).

use keda_scalers::redis::{
    RedisConnectionInfo, RedisListMetadata, RedisStreamsMetadata, StreamScaleFactor,
    parse_redis_metadata, parse_redis_streams_metadata,
};
use serde_json::{Value, json};

use super::common::{at, config, error_iff, error_message, go_equal, string_map};
use crate::conformance::check::Checks;
use crate::conformance::{Case, Handler, Outcome, Table};

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "testRedisMetadata" => list_metadata,
        "redisMetricIdentifiers" => list_metric_identifiers,
        "TestParseRedisClusterMetadata.cases" | "TestParseRedisSentinelMetadata.cases" => {
            list_want_meta
        }
        "TestParseRedisStreamsMetadata.testCasesPending"
        | "TestParseRedisStreamsMetadata.testCasesLag" => streams_fields,
        "TestParseRedisStreamsMetadataForInvalidCases.testCases" => streams_invalid,
        "TestRedisStreamsGetMetricSpecForScaling.redisStreamMetricIdentifiers" => {
            streams_metric_identifiers
        }
        "TestParseRedisClusterStreamsMetadata.cases"
        | "TestParseRedisSentinelStreamsMetadata.cases" => streams_want_meta,
        "manual:TestActivityCount" => streams_activity,
        _ => return None,
    })
}

fn inputs(c: &Case) -> &Value {
    at(&c.data, "inputs")
}

fn expect(c: &Case) -> &Value {
    at(&c.data, "expect")
}

/// The table's `context.resolvedEnv`, used when a row has none.
fn context_env(t: &Table) -> &Value {
    at(at(&t.meta, "context"), "resolvedEnv")
}

/// `redisConnectionInfo` with Go's field names.
fn info_json(i: &RedisConnectionInfo) -> Value {
    json!({
        "Addresses": i.addresses, "Username": i.username, "Password": i.password,
        "SentinelUsername": i.sentinel_username, "SentinelPassword": i.sentinel_password,
        "SentinelMaster": i.sentinel_master, "Hosts": i.hosts, "Ports": i.ports,
        "EnableTLS": i.enable_tls, "UnsafeSsl": i.unsafe_ssl, "Cert": i.cert, "Key": i.key,
        "KeyPassword": i.key_password, "Ca": i.ca,
    })
}

/// `redisMetadata` with Go's field names (the TLS switches are cleared by `Validate`).
fn list_json(m: &RedisListMetadata) -> Value {
    json!({
        "ListLength": m.list_length, "ActivationListLength": m.activation_list_length,
        "ListName": m.list_name, "DatabaseIndex": m.database_index,
        "ConnectionInfo": info_json(&m.connection_info),
    })
}

/// `redisStreamsMetadata` with Go's field names.
fn streams_json(m: &RedisStreamsMetadata) -> Value {
    let factor = match m.scale_factor {
        StreamScaleFactor::PendingEntries => "xPendingFactor",
        StreamScaleFactor::StreamLength => "xLengthFactor",
        StreamScaleFactor::Lag => "lagFactor",
    };
    json!({
        "scaleFactor": factor, "TargetPendingEntriesCount": m.target_pending_entries_count,
        "TargetStreamLength": m.target_stream_length, "TargetLag": m.target_lag,
        "StreamName": m.stream_name, "ConsumerGroupName": m.consumer_group_name,
        "DatabaseIndex": m.database_index, "ConnectionInfo": info_json(&m.connection_info),
        "ActivationLagCount": m.activation_lag_count,
    })
}

/// Error iff isError; on success `EnableTLS`, and with TLS the certificates equal the auth params.
fn list_metadata(t: &Table, c: &Case) -> Outcome {
    let cfg = config("redis", inputs(c), context_env(t));
    let want_err = at(expect(c), "isError").as_bool().unwrap_or(false);
    error_iff(parse_redis_metadata(&cfg), want_err, |m| {
        let i = &m.connection_info;
        let mut k = Checks::default();
        k.eq(
            "EnableTLS",
            i.enable_tls,
            at(expect(c), "EnableTLS").as_bool().unwrap_or(false),
        );
        if i.enable_tls {
            let auth = string_map(at(inputs(c), "authParams"));
            let param = |name: &str| auth.get(name).cloned().unwrap_or_default();
            k.eq("Ca", i.ca.clone(), param("ca"));
            k.eq("Cert", i.cert.clone(), param("cert"));
            k.eq("Key", i.key.clone(), param("key"));
            k.eq("KeyPassword", i.key_password.clone(), param("keyPassword"));
        }
        k.outcome()
    })
}

/// Metric name of `metadataTestData` at `triggerIndex`.
fn metric_name_check(got: Result<String, keda_core::Error>, c: &Case) -> Outcome {
    match got {
        Ok(name) => {
            let mut k = Checks::default();
            k.eq("name", Some(name.as_str()), at(expect(c), "name").as_str());
            k.outcome()
        }
        Err(e) => Outcome::Fail(e.to_string()),
    }
}

fn data_config(trigger_type: &str, c: &Case, env: &Value) -> keda_core::scaler::ScalerConfig {
    let mut cfg = config(trigger_type, at(inputs(c), "metadataTestData"), env);
    cfg.trigger_index = at(inputs(c), "triggerIndex").as_u64().unwrap_or(0) as usize;
    cfg
}

fn list_metric_identifiers(t: &Table, c: &Case) -> Outcome {
    let cfg = data_config("redis", c, context_env(t));
    metric_name_check(parse_redis_metadata(&cfg).map(|m| m.metric_name()), c)
}

fn streams_metric_identifiers(_: &Table, c: &Case) -> Outcome {
    let cfg = data_config("redis-streams", c, &json!({"REDIS_SERVICE": "my-address"}));
    metric_name_check(
        parse_redis_streams_metadata(&cfg).map(|m| m.metric_name()),
        c,
    )
}

/// `wantErr`: the error contains its message, else no error; the parsed metadata deep-equals
/// `wantMeta` (null on error).
fn want_meta<M>(
    c: &Case,
    parsed: Result<M, keda_core::Error>,
    to_json: fn(&M) -> Value,
) -> Outcome {
    let e = expect(c);
    let mut k = Checks::default();
    let got = match (&parsed, error_message(at(e, "wantErr"))) {
        (Err(err), Some(want)) => {
            let text = err.to_string();
            if !text.contains(want) {
                k.fail(format!("error {text:?} does not contain {want:?}"));
            }
            Value::Null
        }
        (Err(err), None) => {
            k.fail(format!("unexpected error: {err}"));
            Value::Null
        }
        (Ok(m), want) => {
            if let Some(want) = want {
                k.fail(format!("expected an error containing {want:?}"));
            }
            to_json(m)
        }
    };
    let want = at(e, "wantMeta");
    if !go_equal(&got, want) {
        k.fail(format!("meta: got {got}, want {want}"));
    }
    k.outcome()
}

fn list_want_meta(_: &Table, c: &Case) -> Outcome {
    let cfg = config("redis-cluster", inputs(c), &Value::Null);
    want_meta(c, parse_redis_metadata(&cfg), list_json)
}

fn streams_want_meta(_: &Table, c: &Case) -> Outcome {
    let cfg = config("redis-cluster-streams", inputs(c), &Value::Null);
    want_meta(c, parse_redis_streams_metadata(&cfg), streams_json)
}

/// No error, and each `expect` field (dotted paths into the Go struct) equals the parsed one.
fn streams_fields(_: &Table, c: &Case) -> Outcome {
    let cfg = config("redis-streams", inputs(c), &Value::Null);
    match parse_redis_streams_metadata(&cfg) {
        Err(e) => Outcome::Fail(format!("unexpected error: {e}")),
        Ok(m) => {
            let got = streams_json(&m);
            let mut k = Checks::default();
            for (path, want) in expect(c).as_object().into_iter().flatten() {
                if path == "error" || path.starts_with('$') {
                    continue;
                }
                let value = path.split('.').fold(&got, |v, key| at(v, key));
                if !go_equal(value, want) {
                    k.fail(format!("{path}: got {value}, want {want}"));
                }
            }
            k.outcome()
        }
    }
}

/// Every row is an error.
fn streams_invalid(_: &Table, c: &Case) -> Outcome {
    let cfg = config("redis-streams", inputs(c), &Value::Null);
    error_iff(parse_redis_streams_metadata(&cfg), true, |_| Outcome::Pass)
}

/// The parsed metadata equals `wantMeta`, and each entries count's activity is as listed.
fn streams_activity(_: &Table, c: &Case) -> Outcome {
    let cfg = config("redis-cluster-streams", inputs(c), &Value::Null);
    let parsed = parse_redis_streams_metadata(&cfg);
    if let Outcome::Fail(f) = want_meta(c, parsed.clone(), streams_json) {
        return Outcome::Fail(f);
    }
    let Ok(m) = parsed else {
        return Outcome::Fail("no metadata".into());
    };
    let mut k = Checks::default();
    for row in at(expect(c), "activity").as_array().into_iter().flatten() {
        let n = at(row, "entriesCount").as_i64().unwrap_or(0);
        k.eq(
            &format!("active({n})"),
            m.is_active(n),
            at(row, "isActive").as_bool().unwrap_or(false),
        );
    }
    k.outcome()
}
