//! The connection parameters shared by the Redis list and stream scalers (KEDA's
//! `redisConnectionInfo`, `validateRedisAddress` and `SetEnableTLS` in `redis_scaler.go`).

use keda_core::scaler_config::{Param, Source};

use crate::metadata::Fields;

const M: Source = Source::TriggerMetadata;
const E: Source = Source::ResolvedEnv;
const A: Source = Source::AuthParams;

/// KEDA's message when neither addresses nor hosts/ports are given.
pub const NO_ADDRESSES: &str = "no addresses or hosts given. address should be a comma separated list of host:port or set the host/port values";
/// KEDA's message when the host and port lists differ in length.
pub const UNEQUAL_HOSTS_AND_PORTS: &str =
    "not enough hosts or ports given. number of hosts should be equal to the number of ports";

/// Where and how to connect to Redis. `Debug` redacts the passwords and the private key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RedisConnectionInfo {
    /// `host:port` addresses: `address`/`addresses`, then `host`/`port` pairs appended.
    pub addresses: Vec<String>,
    /// ACL user of the data nodes.
    pub username: String,
    /// Password of the data nodes.
    pub password: String,
    /// ACL user of the sentinels.
    pub sentinel_username: String,
    /// Password of the sentinels.
    pub sentinel_password: String,
    /// Name of the master the sentinels monitor.
    pub sentinel_master: String,
    /// `host`/`hosts`, trimmed.
    pub hosts: Vec<String>,
    /// `port`/`ports`, trimmed.
    pub ports: Vec<String>,
    /// Whether to speak TLS (`enableTLS` metadata or `tls: enable` auth parameter).
    pub enable_tls: bool,
    /// Skip certificate verification.
    pub unsafe_ssl: bool,
    /// Client certificate (PEM), auth parameter `cert` or `Cert`.
    pub cert: String,
    /// Client private key (PEM).
    pub key: String,
    /// Password of an encrypted private key.
    pub key_password: String,
    /// CA certificate (PEM) to trust instead of the system roots.
    pub ca: String,
}

impl std::fmt::Debug for RedisConnectionInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |s: &str| if s.is_empty() { "" } else { "<redacted>" };
        f.debug_struct("RedisConnectionInfo")
            .field("addresses", &self.addresses)
            .field("username", &self.username)
            .field("password", &secret(&self.password))
            .field("sentinel_username", &self.sentinel_username)
            .field("sentinel_password", &secret(&self.sentinel_password))
            .field("sentinel_master", &self.sentinel_master)
            .field("hosts", &self.hosts)
            .field("ports", &self.ports)
            .field("enable_tls", &self.enable_tls)
            .field("unsafe_ssl", &self.unsafe_ssl)
            .field("cert", &secret(&self.cert))
            .field("key", &secret(&self.key))
            .field("key_password", &secret(&self.key_password))
            .field("ca", &secret(&self.ca))
            .finish()
    }
}

/// The raw TLS switches, checked by [`RedisConnectionInfo::validate`].
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsSwitches {
    /// `enableTLS` from the metadata.
    pub(crate) metadata: String,
    /// `tls` from the auth parameters.
    pub(crate) auth_param: String,
}

impl TlsSwitches {
    /// Reads `enableTLS` (metadata) and `tls` (auth parameters), both optional strings.
    pub(crate) fn parse(f: &mut Fields<'_>) -> Self {
        let metadata = f.get(Param::new("enableTLS").from(&[M]).optional());
        let auth_param = f.get(Param::new("tls").from(&[A]).optional());
        Self {
            metadata,
            auth_param,
        }
    }
}

impl RedisConnectionInfo {
    /// Reads the fields (KEDA's struct is tagged `keda:"optional"`, so none is required).
    pub(crate) fn parse(f: &mut Fields<'_>) -> Self {
        f.optional(|f| Self {
            addresses: f.get(Param::new("address").alias("addresses").from(&[M, A, E])),
            username: f.get(Param::new("username").from(&[M, E, A])),
            password: f.get(Param::new("password").from(&[M, E, A])),
            sentinel_username: f.get(Param::new("sentinelUsername").from(&[M, A, E])),
            sentinel_password: f.get(Param::new("sentinelPassword").from(&[M, A, E])),
            sentinel_master: f.get(Param::new("sentinelMaster").from(&[M, A, E])),
            hosts: f.get(Param::new("host").alias("hosts").from(&[M, E, A])),
            ports: f.get(Param::new("port").alias("ports").from(&[M, E, A])),
            enable_tls: false,
            unsafe_ssl: f.get(Param::new("unsafeSsl").from(&[M]).default("false")),
            cert: f.get(Param::new("Cert").alias("cert").from(&[A])),
            key: f.get(Param::new("key").from(&[A])),
            key_password: f.get(Param::new("keyPassword").from(&[A])),
            ca: f.get(Param::new("ca").from(&[A])),
        })
    }

    /// KEDA's `validateRedisAddress` then `SetEnableTLS`: host/port pairs are joined and appended
    /// to the addresses; at least one non-empty address must result; `enableTLS` and `tls` are
    /// mutually exclusive.
    pub(crate) fn validate(&mut self, tls: &TlsSwitches) -> Result<(), String> {
        if !self.hosts.is_empty() && !self.ports.is_empty() {
            if self.hosts.len() != self.ports.len() {
                return Err(UNEQUAL_HOSTS_AND_PORTS.into());
            }
            for (h, p) in self.hosts.iter().zip(&self.ports) {
                self.addresses.push(join_host_port(h, p));
            }
        }
        if self.addresses.first().is_none_or(String::is_empty) {
            return Err(NO_ADDRESSES.into());
        }
        self.enable_tls = enable_tls(&tls.metadata, &tls.auth_param)?;
        Ok(())
    }
}

/// KEDA's `SetEnableTLS`.
fn enable_tls(metadata: &str, auth_param: &str) -> Result<bool, String> {
    if !metadata.is_empty() && !auth_param.is_empty() {
        return Err(
            "unable to set `tls` in both ScaledObject and TriggerAuthentication together".into(),
        );
    }
    let mut enabled = false;
    if !metadata.is_empty() {
        enabled = keda_core::go::parse_bool(metadata)
            .map_err(|e| format!("EnableTLS parsing error {e}"))?;
    }
    match auth_param {
        "" => {}
        "enable" => enabled = true,
        "disable" => enabled = false,
        other => return Err(format!("error incorrect TLS value given, got {other}")),
    }
    Ok(enabled)
}

/// Go's `net.JoinHostPort`: IPv6 hosts are bracketed.
fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Splits a `host:port` address as Go's dialer reads it: `[v6]:port`, and an empty host meaning
/// the local machine.
pub(crate) fn split_address(address: &str) -> Result<(String, u16), String> {
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| format!("address {address:?}: missing port in address"))?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("address {address:?}: invalid port {port:?}"))?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let host = if host.is_empty() { "localhost" } else { host };
    Ok((host.to_owned(), port))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_like_go() {
        assert_eq!(split_address("redis:6379").unwrap(), ("redis".into(), 6379));
        assert_eq!(split_address(":7001").unwrap(), ("localhost".into(), 7001));
        assert_eq!(split_address("[::1]:6380").unwrap(), ("::1".into(), 6380));
        assert!(split_address("redis").is_err());
        assert!(split_address("redis:99999").is_err());
        assert_eq!(join_host_port("::1", "1"), "[::1]:1");
    }

    #[test]
    fn tls_switches_follow_keda() {
        assert_eq!(enable_tls("", ""), Ok(false));
        assert_eq!(enable_tls("true", ""), Ok(true));
        assert_eq!(enable_tls("", "enable"), Ok(true));
        assert_eq!(enable_tls("", "disable"), Ok(false));
        assert!(enable_tls("true", "enable").is_err());
        assert!(enable_tls("", "yes").unwrap_err().contains("got yes"));
        assert!(enable_tls("maybe", "").is_err());
    }

    #[test]
    fn debug_redacts_secrets() {
        let info = RedisConnectionInfo {
            password: "p4ss".into(),
            sentinel_password: "s3nt".into(),
            key: "-----BEGIN PRIVATE KEY-----".into(),
            key_password: "kp".into(),
            ..Default::default()
        };
        let shown = format!("{info:?}");
        for s in ["p4ss", "s3nt", "BEGIN", "\"kp\""] {
            assert!(!shown.contains(s), "{shown}");
        }
    }
}
