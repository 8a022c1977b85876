//! Prometheus trigger metadata (KEDA's `prometheusMetadata` / `parsePrometheusMetadata`).

use std::collections::BTreeMap;
use std::time::Duration;

use keda_core::scaler::ScalerConfig;
use keda_core::scaler_config::{Param, Source};

use crate::auth::AuthConfig;
use crate::metadata::{Fields, META, config_error};

/// The parsed metadata of a `prometheus` trigger.
#[derive(Clone, Default, PartialEq)]
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

impl std::fmt::Debug for PrometheusMetadata {
    /// Redacts the user info of the server address and the values of custom headers, which may
    /// carry credentials (the auth block redacts itself).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: BTreeMap<&str, &str> = self
            .custom_headers
            .keys()
            .map(|k| (k.as_str(), "<redacted>"))
            .collect();
        f.debug_struct("PrometheusMetadata")
            .field("auth", &self.auth)
            .field("server_address", &redact_userinfo(&self.server_address))
            .field("query", &self.query)
            .field("query_parameters", &self.query_parameters)
            .field("threshold", &self.threshold)
            .field("activation_threshold", &self.activation_threshold)
            .field("namespace", &self.namespace)
            .field("custom_headers", &headers)
            .field("ignore_null_values", &self.ignore_null_values)
            .field("unsafe_ssl", &self.unsafe_ssl)
            .field("timeout", &self.timeout)
            .field("trigger_index", &self.trigger_index)
            .finish_non_exhaustive()
    }
}

/// `scheme://user:pass@host/...` → `scheme://<redacted>@host/...`.
fn redact_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest.get(..authority_end).and_then(|a| a.rfind('@')) {
        Some(at) => format!(
            "{scheme}://<redacted>{}",
            rest.get(at..).unwrap_or_default()
        ),
        None => url.to_owned(),
    }
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

#[cfg(test)]
mod tests {
    use super::redact_userinfo;

    #[test]
    fn userinfo_is_redacted() {
        assert_eq!(
            redact_userinfo("http://u:p@h:9090/x@y"),
            "http://<redacted>@h:9090/x@y"
        );
        assert_eq!(redact_userinfo("http://h:9090/a@b"), "http://h:9090/a@b");
        assert_eq!(redact_userinfo("h@x"), "h@x");
    }
}
