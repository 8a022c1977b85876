//! Prometheus trigger metadata (KEDA's `prometheusMetadata` / `parsePrometheusMetadata`).

use std::collections::BTreeMap;
use std::time::Duration;

use keda_core::scaler::ScalerConfig;
use keda_core::scaler_config::{Param, Source};

use crate::auth::AuthConfig;
use crate::metadata::{Fields, META, config_error};

/// The parsed metadata of a `prometheus` trigger.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrometheusMetadata {
    /// Authentication (`authModes` and its parameters).
    pub auth: AuthConfig,
    /// `serverAddress`, e.g. `http://prometheus:9090`.
    pub server_address: String,
    /// `query` (PromQL; must return at most one series).
    pub query: String,
    /// `queryParameters`: extra query string parameters.
    pub query_parameters: BTreeMap<String, String>,
    /// `threshold`: the HPA target.
    pub threshold: f64,
    /// `activationThreshold` (default 0).
    pub activation_threshold: f64,
    /// `namespace`: appended as `&namespace=` (Thanos tenancy).
    pub namespace: String,
    /// `customHeaders`: added to the request.
    pub custom_headers: BTreeMap<String, String>,
    /// `ignoreNullValues` (default true): empty, NaN and infinite results read as 0.
    pub ignore_null_values: bool,
    /// `unsafeSsl`: skip certificate verification.
    pub unsafe_ssl: bool,
    /// `awsRegion` (Amazon Managed Prometheus; not supported here, see the crate docs).
    pub aws_region: String,
    /// `timeout`: HTTP timeout overriding the global one (0 = unset).
    pub timeout: Duration,
    /// `identityOwner`.
    pub identity_owner: String,
    /// The trigger's index.
    pub trigger_index: usize,
}

/// Parses a `prometheus` trigger as KEDA's `parsePrometheusMetadata` does.
///
/// `pod_identity_provider` is the trigger's `podIdentity.provider` (`""` or `none` when unset):
/// KEDA rejects pod identity combined with any `authModes`.
pub fn parse_prometheus_metadata(
    config: &ScalerConfig,
    pod_identity_provider: &str,
) -> keda_core::Result<PrometheusMetadata> {
    let mut f = Fields::new(config);
    let m = PrometheusMetadata {
        auth: AuthConfig::parse(&mut f),
        server_address: f.meta("serverAddress"),
        query: f.meta("query"),
        query_parameters: f.get(Param::new("queryParameters").from(META).optional()),
        threshold: f.meta("threshold"),
        activation_threshold: f.get(Param::new("activationThreshold").from(META).optional()),
        namespace: f.get(Param::new("namespace").from(META).optional()),
        custom_headers: f.get(Param::new("customHeaders").from(META).optional()),
        ignore_null_values: f.get(Param::new("ignoreNullValues").from(META).default("true")),
        unsafe_ssl: f.get(Param::new("unsafeSsl").from(META).optional()),
        aws_region: f.get(
            Param::new("awsRegion")
                .from(&[Source::TriggerMetadata, Source::AuthParams])
                .optional(),
        ),
        timeout: f.get(Param::new("timeout").from(META).optional()),
        identity_owner: f.get(Param::new("identityOwner").from(META).optional()),
        trigger_index: config.trigger_index,
    };
    let m = f.finish(&config.trigger_type, "error parsing prometheus metadata", m)?;
    if !m.auth.disabled() && !matches!(pod_identity_provider, "" | "none") {
        return Err(config_error(
            &config.trigger_type,
            "pod identity cannot be enabled with other auth types",
        ));
    }
    Ok(m)
}
