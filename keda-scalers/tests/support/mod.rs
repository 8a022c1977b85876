//! What the integration tests share: the addresses of the loopback servers started by
//! `scripts/servers.sh` (read from the environment, else from `.servers/env`), the servers' own
//! command-line clients, and config builders. A missing server fails the test; nothing skips.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use keda_core::scaler::ScalerConfig;

/// A server variable (`KEDA_TEST_*`): the process environment first, then `.servers/env`.
/// Panics with the fix when neither has it.
pub fn server_var(name: &str) -> String {
    if let Ok(v) = std::env::var(name) {
        return v;
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../.servers/env");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("{name} is not set: run `scripts/servers.sh start` first"))
}

/// A name unique to this test run, for keys and series.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// Runs `redis-cli` (the server's own client) against `addr` with `args`; returns stdout.
pub fn redis_cli(addr: &str, extra: &[&str], args: &[&str]) -> String {
    let (host, port) = addr.rsplit_once(':').unwrap();
    let out = Command::new("redis-cli")
        .args(["-h", host, "-p", port, "--no-auth-warning"])
        .args(extra)
        .args(args)
        .output()
        .expect("redis-cli runs");
    assert!(
        out.status.success(),
        "redis-cli {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !stdout.starts_with("ERR") && !stdout.starts_with("WRONGTYPE"),
        "redis-cli {args:?}: {stdout}"
    );
    stdout
}

/// A trigger config.
pub fn trigger(
    trigger_type: &str,
    metadata: &[(&str, &str)],
    auth: &[(&str, &str)],
) -> ScalerConfig {
    let map = |kv: &[(&str, &str)]| {
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>()
    };
    ScalerConfig {
        trigger_type: trigger_type.into(),
        trigger_metadata: map(metadata),
        auth_params: map(auth),
        global_http_timeout: Duration::from_secs(3),
        ..ScalerConfig::default()
    }
}

/// The kind of a scaler error (`None` for other errors).
pub fn error_kind(e: &keda_core::Error) -> Option<keda_core::error::ScalerErrorKind> {
    match e {
        keda_core::Error::Scaler { kind, .. } => Some(*kind),
        _ => None,
    }
}
