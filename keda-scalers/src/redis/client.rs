//! Connections to Redis, shared between triggers.
//!
//! KEDA opens one client per trigger (go-redis pools per client). Here every trigger that targets
//! the same server(s) with the same credentials, database and TLS settings shares ONE multiplexed
//! connection: concurrent commands from many triggers are pipelined on it. The connection is
//! dropped when the last scaler using it is dropped.
//!
//! * standalone: a [`ConnectionManager`] (reconnects by itself after a failure);
//! * cluster: a cluster connection (one multiplexed connection per node, slot routing);
//! * sentinel: the master's address is asked from the sentinels; after a failed command the next
//!   one asks again (so a failover or restart is followed).

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use keda_core::Error;
use keda_core::error::ScalerErrorKind;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use redis::{
    AsyncConnectionConfig, Client, ConnectionAddr, FromRedisValue, IntoConnectionInfo, RedisError,
    TlsCertificates, TlsMode,
};

use super::connection_info::{RedisConnectionInfo, split_address};

/// Which Redis deployment a trigger talks to (the `redis`, `redis-cluster` and `redis-sentinel`
/// trigger type families).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topology {
    /// One server: `addresses[0]`.
    Standalone,
    /// A Redis Cluster reached through any of the addresses.
    Cluster,
    /// Sentinels at the addresses, monitoring `sentinelMaster`.
    Sentinel,
}

/// Everything that makes two connections different. Holds credentials: never printed.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ConnKey {
    topology: Topology,
    info: KeyInfo,
    db: i64,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct KeyInfo {
    addresses: Vec<String>,
    username: String,
    password: String,
    sentinel_username: String,
    sentinel_password: String,
    sentinel_master: String,
    enable_tls: bool,
    unsafe_ssl: bool,
    cert: String,
    key: String,
    ca: String,
}

impl KeyInfo {
    fn of(i: &RedisConnectionInfo) -> Self {
        Self {
            addresses: i.addresses.clone(),
            username: i.username.clone(),
            password: i.password.clone(),
            sentinel_username: i.sentinel_username.clone(),
            sentinel_password: i.sentinel_password.clone(),
            sentinel_master: i.sentinel_master.clone(),
            enable_tls: i.enable_tls,
            unsafe_ssl: i.unsafe_ssl,
            cert: i.cert.clone(),
            key: i.key.clone(),
            ca: i.ca.clone(),
        }
    }
}

/// A pool of shared Redis connections, one per distinct target. Cheap to clone.
#[derive(Clone, Default)]
pub struct RedisConnections {
    map: Arc<tokio::sync::Mutex<HashMap<ConnKey, Weak<SharedConnection>>>>,
}

impl std::fmt::Debug for RedisConnections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConnections").finish_non_exhaustive()
    }
}

impl RedisConnections {
    /// An empty pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// The shared connection for these parameters, opened (and pinged, as KEDA does at scaler
    /// creation) if no live scaler holds one yet.
    pub(crate) async fn get(
        &self,
        scaler: &str,
        topology: Topology,
        info: &RedisConnectionInfo,
        db: i64,
        timeout: Duration,
    ) -> keda_core::Result<Arc<SharedConnection>> {
        let key = ConnKey {
            topology,
            info: KeyInfo::of(info),
            db,
        };
        let mut map = self.map.lock().await;
        map.retain(|_, w| w.strong_count() > 0);
        if let Some(conn) = map.get(&key).and_then(Weak::upgrade) {
            return Ok(conn);
        }
        let conn = Arc::new(SharedConnection::open(scaler, topology, info, db, timeout).await?);
        map.insert(key, Arc::downgrade(&conn));
        Ok(conn)
    }

    /// How many distinct connections are open.
    pub async fn open_connections(&self) -> usize {
        self.map
            .lock()
            .await
            .values()
            .filter(|w| w.strong_count() > 0)
            .count()
    }
}

/// One multiplexed connection (or cluster connection) shared by scalers.
pub(crate) struct SharedConnection {
    conn: Conn,
    timeout: Duration,
}

enum Conn {
    Standalone(ConnectionManager),
    Cluster(ClusterConnection),
    Sentinel(Box<SentinelConn>),
}

struct SentinelConn {
    client: tokio::sync::Mutex<SentinelClient>,
    current: std::sync::Mutex<Option<MultiplexedConnection>>,
    config: AsyncConnectionConfig,
}

impl SentinelConn {
    async fn connection(&self) -> Result<MultiplexedConnection, RedisError> {
        if let Some(c) = self.current.lock().ok().and_then(|g| g.clone()) {
            return Ok(c);
        }
        let mut client = self.client.lock().await;
        let c = client
            .async_get_client()
            .await?
            .get_multiplexed_async_connection_with_config(&self.config)
            .await?;
        if let Ok(mut g) = self.current.lock() {
            *g = Some(c.clone());
        }
        Ok(c)
    }

    fn forget(&self) {
        if let Ok(mut g) = self.current.lock() {
            *g = None;
        }
    }
}

/// Runs `$body` with `$c` bound to a `&mut` connection of any kind.
macro_rules! with_conn {
    ($self:expr, $c:ident => $body:expr) => {
        match &$self.conn {
            Conn::Standalone(m) => {
                let $c = &mut m.clone();
                $body.await
            }
            Conn::Cluster(cc) => {
                let $c = &mut cc.clone();
                $body.await
            }
            Conn::Sentinel(s) => {
                let r = match s.connection().await {
                    Ok(mut conn) => {
                        let $c = &mut conn;
                        $body.await
                    }
                    Err(e) => Err(e),
                };
                if r.as_ref()
                    .is_err_and(|e: &RedisError| e.is_io_error() || e.is_connection_dropped())
                {
                    s.forget();
                }
                r
            }
        }
    };
}

impl SharedConnection {
    async fn open(
        scaler: &str,
        topology: Topology,
        info: &RedisConnectionInfo,
        db: i64,
        timeout: Duration,
    ) -> keda_core::Result<Self> {
        let fail = |what: &str, e: String| {
            Error::scaler(scaler, ScalerErrorKind::Connection, format!("{what}: {e}"))
        };
        if info.enable_tls {
            // Redis' rustls needs a process-wide crypto provider; keep one that is already set.
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        }
        let certs = tls_certificates(info)
            .map_err(|e| Error::scaler(scaler, ScalerErrorKind::Config, e))?;
        let tls_mode = if info.unsafe_ssl {
            TlsMode::Insecure
        } else {
            TlsMode::Secure
        };
        let nodes = info
            .addresses
            .iter()
            .map(|a| node_info(a, info, db))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::scaler(scaler, ScalerErrorKind::Config, e))?;
        let conn = match topology {
            Topology::Standalone => {
                let first = nodes.into_iter().next().ok_or_else(|| {
                    Error::scaler(
                        scaler,
                        ScalerErrorKind::Config,
                        super::connection_info::NO_ADDRESSES,
                    )
                })?;
                let client = match &certs {
                    Some(c) => Client::build_with_tls(first, c.clone()),
                    None => Client::open(first),
                }
                .map_err(|e| fail("connection to redis failed", e.to_string()))?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout))
                    .set_number_of_retries(1)
                    .set_max_delay(timeout);
                let m = tokio::time::timeout(
                    timeout,
                    ConnectionManager::new_with_config(client, config),
                )
                .await
                .map_err(|_| {
                    fail(
                        "connection to redis failed",
                        format!("no connection within {timeout:?}"),
                    )
                })?
                .map_err(|e| fail("connection to redis failed", e.to_string()))?;
                Conn::Standalone(m)
            }
            Topology::Cluster => {
                let mut b = ClusterClientBuilder::new(nodes)
                    .connection_timeout(timeout)
                    .response_timeout(timeout)
                    .retries(1);
                if !info.username.is_empty() {
                    b = b.username(&info.username);
                }
                if !info.password.is_empty() {
                    b = b.password(&info.password);
                }
                if info.enable_tls {
                    b = b.tls(tls_mode);
                    if let Some(c) = &certs {
                        b = b.certs(c.clone());
                    }
                }
                let client = b
                    .build()
                    .map_err(|e| fail("connection to redis cluster failed", e.to_string()))?;
                let c = tokio::time::timeout(timeout, client.get_async_connection())
                    .await
                    .map_err(|_| {
                        fail(
                            "connection to redis cluster failed",
                            format!("no connection within {timeout:?}"),
                        )
                    })?
                    .map_err(|e| fail("connection to redis cluster failed", e.to_string()))?;
                Conn::Cluster(c)
            }
            Topology::Sentinel => {
                let addrs = info
                    .addresses
                    .iter()
                    .map(|a| address(a, info))
                    .collect::<Result<Vec<_>, String>>()
                    .map_err(|e| Error::scaler(scaler, ScalerErrorKind::Config, e))?;
                let mut b = SentinelClientBuilder::new(
                    addrs,
                    &info.sentinel_master,
                    SentinelServerType::Master,
                )
                .map_err(|e| fail("connection to redis sentinel failed", e.to_string()))?
                .set_client_to_redis_db(db);
                if !info.username.is_empty() {
                    b = b.set_client_to_redis_username(&info.username);
                }
                if !info.password.is_empty() {
                    b = b.set_client_to_redis_password(&info.password);
                }
                if !info.sentinel_username.is_empty() {
                    b = b.set_client_to_sentinel_username(&info.sentinel_username);
                }
                if !info.sentinel_password.is_empty() {
                    b = b.set_client_to_sentinel_password(&info.sentinel_password);
                }
                if info.enable_tls {
                    b = b
                        .set_client_to_redis_tls_mode(tls_mode)
                        .set_client_to_sentinel_tls_mode(tls_mode);
                    if let Some(c) = &certs {
                        b = b
                            .set_client_to_redis_certificates(c.clone())
                            .set_client_to_sentinel_certificates(c.clone());
                    }
                }
                let client = b
                    .build()
                    .map_err(|e| fail("connection to redis sentinel failed", e.to_string()))?;
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout));
                Conn::Sentinel(Box::new(SentinelConn {
                    client: tokio::sync::Mutex::new(client),
                    current: std::sync::Mutex::new(None),
                    config,
                }))
            }
        };
        let shared = Self { conn, timeout };
        let what = match topology {
            Topology::Standalone => "connection to redis failed",
            Topology::Cluster => "connection to redis cluster failed",
            Topology::Sentinel => "connection to redis sentinel failed",
        };
        shared
            .query::<String>(scaler, &redis::cmd("PING"))
            .await
            .map_err(|e| fail(what, e.to_string()))?;
        Ok(shared)
    }

    /// Runs one command, bounded by the connection's timeout.
    pub(crate) async fn query<T: FromRedisValue>(
        &self,
        scaler: &str,
        cmd: &redis::Cmd,
    ) -> keda_core::Result<T> {
        let fut = async { with_conn!(self, c => cmd.query_async::<T>(c)) };
        self.bounded(scaler, fut).await
    }

    /// Runs a script with one key (EVALSHA, loading it on NOSCRIPT), bounded by the timeout.
    pub(crate) async fn script<T: FromRedisValue>(
        &self,
        scaler: &str,
        script: &redis::Script,
        key: &str,
    ) -> keda_core::Result<T> {
        let fut = async { with_conn!(self, c => script.key(key).invoke_async::<T>(c)) };
        self.bounded(scaler, fut).await
    }

    async fn bounded<T>(
        &self,
        scaler: &str,
        fut: impl Future<Output = Result<T, RedisError>>,
    ) -> keda_core::Result<T> {
        match tokio::time::timeout(self.timeout, fut).await {
            Err(_) => Err(Error::scaler(
                scaler,
                ScalerErrorKind::Timeout,
                format!("no answer from redis within {:?}", self.timeout),
            )),
            Ok(Err(e)) => Err(redis_error(scaler, &e)),
            Ok(Ok(v)) => Ok(v),
        }
    }
}

/// Maps a client error to a typed scaler error.
pub(crate) fn redis_error(scaler: &str, e: &RedisError) -> Error {
    let kind = if e.is_timeout() {
        ScalerErrorKind::Timeout
    } else if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() {
        ScalerErrorKind::Connection
    } else {
        ScalerErrorKind::Query
    };
    Error::scaler(scaler, kind, e.to_string())
}

/// The address to dial, with TLS when enabled.
fn address(address: &str, info: &RedisConnectionInfo) -> Result<ConnectionAddr, String> {
    let (host, port) = split_address(address)?;
    Ok(if info.enable_tls {
        ConnectionAddr::TcpTls {
            host,
            port,
            insecure: info.unsafe_ssl,
            tls_params: None,
        }
    } else {
        ConnectionAddr::Tcp(host, port)
    })
}

/// The connection info of one data node (not used for sentinels).
fn node_info(
    address: &str,
    info: &RedisConnectionInfo,
    db: i64,
) -> Result<redis::ConnectionInfo, String> {
    let addr = self::address(address, info)?;
    let mut settings = redis::RedisConnectionInfo::default().set_db(db);
    if !info.username.is_empty() {
        settings = settings.set_username(&info.username);
    }
    if !info.password.is_empty() {
        settings = settings.set_password(&info.password);
    }
    Ok(addr
        .into_connection_info()
        .map_err(|e| e.to_string())?
        .set_redis_settings(settings))
}

/// The CA and client certificate to use, when TLS is on and any is given.
///
/// KEDA decrypts password-protected private keys (`keyPassword`, legacy PEM encryption); rustls
/// cannot, so a `keyPassword` is rejected with a configuration error (a deliberate difference).
fn tls_certificates(info: &RedisConnectionInfo) -> Result<Option<TlsCertificates>, String> {
    if !info.enable_tls {
        return Ok(None);
    }
    if !info.key_password.is_empty() {
        return Err(
            "keyPassword: encrypted private keys are not supported; provide an unencrypted key"
                .into(),
        );
    }
    // As KEDA's `NewTLSConfigWithPassword`: a client certificate is used only with its key.
    let client_tls =
        (!info.cert.is_empty() && !info.key.is_empty()).then(|| redis::ClientTlsConfig {
            client_cert: info.cert.as_bytes().to_vec(),
            client_key: info.key.as_bytes().to_vec(),
        });
    let root_cert = (!info.ca.is_empty()).then(|| info.ca.as_bytes().to_vec());
    if client_tls.is_none() && root_cert.is_none() {
        return Ok(None);
    }
    Ok(Some(TlsCertificates {
        client_tls,
        root_cert,
    }))
}
