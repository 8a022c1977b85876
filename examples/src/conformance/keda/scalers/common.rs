//! Helpers shared by the scaler handlers: building a `ScalerConfig` from a row, Go-style
//! deep equality, a one-shot HTTP server.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use keda_core::scaler::ScalerConfig;
use serde_json::Value;

use crate::conformance::Outcome;

/// `v[key]`, or `null` when absent.
pub(crate) fn at<'a>(v: &'a Value, key: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    v.get(key).unwrap_or(&NULL)
}

/// A JSON object of strings as a map (`null`/absent → empty).
pub(crate) fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A config of trigger type `trigger_type` from a row's `metadata`, `authParams` and
/// `resolvedEnv` (the latter falling back to `default_env`) and `triggerIndex`.
pub(crate) fn config(trigger_type: &str, inputs: &Value, default_env: &Value) -> ScalerConfig {
    let env = at(inputs, "resolvedEnv");
    ScalerConfig {
        trigger_type: trigger_type.into(),
        trigger_metadata: string_map(at(inputs, "metadata")),
        auth_params: string_map(at(inputs, "authParams")),
        resolved_env: string_map(if env.is_null() { default_env } else { env }),
        trigger_index: at(inputs, "triggerIndex").as_u64().unwrap_or(0) as usize,
        ..ScalerConfig::default()
    }
}

/// Go's deep equality of two JSON values where an absent or `null` field equals the other
/// side's zero value (`""`, `0`, `false`, empty list, empty object).
pub(crate) fn go_equal(got: &Value, want: &Value) -> bool {
    fn zero(v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::Bool(b) => !b,
            Value::Number(n) => n.as_f64() == Some(0.0),
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.values().all(zero),
        }
    }
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => g
            .keys()
            .chain(w.keys())
            .all(|k| go_equal(at(got, k), at(want, k))),
        (Value::Null, other) | (other, Value::Null) => zero(other),
        (Value::Array(g), Value::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(a, b)| go_equal(a, b))
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => got == want,
    }
}

/// The message of a `{"$error": "..."}` value.
pub(crate) fn error_message(v: &Value) -> Option<&str> {
    v.get("$error").and_then(Value::as_str)
}

/// Checks `error iff want_error`, then runs `on_ok` on success.
pub(crate) fn error_iff<T>(
    result: Result<T, keda_core::Error>,
    want_error: bool,
    on_ok: impl FnOnce(T) -> Outcome,
) -> Outcome {
    match (result, want_error) {
        (Ok(v), false) => on_ok(v),
        (Err(_), true) => Outcome::Pass,
        (Ok(_), true) => Outcome::Fail("expected an error, got none".into()),
        (Err(e), false) => Outcome::Fail(format!("unexpected error: {e}")),
    }
}

/// A one-request HTTP server on loopback answering `status` and `body`; the receiver yields the
/// request head (request line and headers) it got.
pub(crate) fn one_shot_http(
    status: u16,
    body: &str,
) -> Result<(String, mpsc::Receiver<String>), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let (tx, rx) = mpsc::channel();
    let body = body.to_owned();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(buf.get(..n).unwrap_or_default()),
            }
        }
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(response.as_bytes());
        let _ = tx.send(String::from_utf8_lossy(&head).into_owned());
    });
    Ok((url, rx))
}

/// Runs a future to completion on a fresh single-threaded runtime.
pub(crate) fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(|rt| rt.block_on(f))
        .map_err(|e| e.to_string())
}
