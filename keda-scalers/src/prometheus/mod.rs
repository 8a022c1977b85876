//! The Prometheus scaler (`prometheus`; KEDA's `prometheus_scaler.go`): one instant query, its
//! single value compared with `threshold` and `activationThreshold`.
//!
//! Authentication: bearer, basic, custom header and TLS client certificates (`authModes`), plus
//! `unsafeSsl` and a CA. KEDA's cloud transports (Azure/GCP workload identity, AWS SigV4) are not
//! reproduced.

mod metadata;
mod response;

use std::sync::Arc;
use std::time::Duration;

use keda_core::Error;
use keda_core::clock::Clock;
use keda_core::error::ScalerErrorKind;
use keda_core::go::query_escape;
use keda_core::scaler::{
    MetricTargetType, MetricsAndActivity, Scaler, ScalerConfig, ScalerMetricSpec,
};
use keda_core::scaler_common::{
    is_active, metric_name_with_index, metric_spec_milli, metric_value_milli,
};

pub use metadata::{PrometheusMetadata, parse_prometheus_metadata};
pub use response::parse_query_response;

use crate::auth::AuthMode;
use crate::clock::SystemClock;
use crate::metadata::{config_error, external_metric_type};

const SCALER: &str = "prometheus";

/// Scales on the value of a Prometheus query.
pub struct PrometheusScaler {
    metadata: PrometheusMetadata,
    metric_type: MetricTargetType,
    client: reqwest::Client,
    timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for PrometheusScaler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrometheusScaler")
            .field("metadata", &self.metadata)
            .field("metric_type", &self.metric_type)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl PrometheusScaler {
    /// Parses the trigger and builds the HTTP client (KEDA's `NewPrometheusScaler`); the wall
    /// clock is the system's.
    pub fn new(config: &ScalerConfig) -> keda_core::Result<Self> {
        let metric_type = external_metric_type(config)?;
        let metadata = parse_prometheus_metadata(config, "")?;
        let timeout = if metadata.timeout.is_zero() {
            config.global_http_timeout
        } else {
            metadata.timeout
        };
        Self::from_metadata(metadata, metric_type, timeout, Arc::new(SystemClock))
    }

    /// A scaler over already parsed metadata. `timeout` bounds each query (zero: 3 s, KEDA's
    /// default global HTTP timeout); `clock` gives the query's `time` (Unix milliseconds).
    pub fn from_metadata(
        metadata: PrometheusMetadata,
        metric_type: MetricTargetType,
        timeout: Duration,
        clock: Arc<dyn Clock>,
    ) -> keda_core::Result<Self> {
        let timeout = if timeout.is_zero() {
            Duration::from_secs(3)
        } else {
            timeout
        };
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .danger_accept_invalid_certs(metadata.unsafe_ssl);
        let auth = &metadata.auth;
        if !auth.disabled() && (!auth.ca.is_empty() || auth.enabled(AuthMode::Tls)) {
            if !auth.ca.is_empty() {
                let ca = reqwest::Certificate::from_pem(auth.ca.as_bytes()).map_err(|e| {
                    config_error(
                        SCALER,
                        format!("ca: invalid certificate: {}", e.without_url()),
                    )
                })?;
                builder = builder.add_root_certificate(ca);
            }
            if auth.enabled(AuthMode::Tls) {
                let pem = format!("{}\n{}", auth.cert, auth.key);
                let id = reqwest::Identity::from_pem(pem.as_bytes()).map_err(|e| {
                    config_error(
                        SCALER,
                        format!("cert/key: invalid client certificate: {}", e.without_url()),
                    )
                })?;
                builder = builder.identity(id);
            }
        }
        let client = builder
            .build()
            .map_err(|e| config_error(SCALER, format!("http client: {}", e.without_url())))?;
        Ok(Self {
            metadata,
            metric_type,
            client,
            timeout,
            clock,
        })
    }

    /// The parsed metadata.
    pub fn metadata(&self) -> &PrometheusMetadata {
        &self.metadata
    }

    /// The query URL at `now_unix_ms`, built as KEDA builds it: `query` escaped, `time` in RFC 3339
    /// (UTC, seconds), `namespace` appended verbatim, each query parameter escaped.
    pub fn query_url(&self, now_unix_ms: i64) -> String {
        let m = &self.metadata;
        let mut url = format!(
            "{}/api/v1/query?query={}&time={}",
            m.server_address,
            query_escape(&m.query),
            rfc3339_utc(now_unix_ms)
        );
        if !m.namespace.is_empty() {
            url.push_str(&format!("&namespace={}", m.namespace));
        }
        for (k, v) in &m.query_parameters {
            url.push_str(&format!("&{}={}", query_escape(k), query_escape(v)));
        }
        url
    }

    /// Runs the query and reads its value (KEDA's `ExecutePromQuery`). Errors never contain
    /// credentials (URLs are stripped from transport errors).
    pub async fn execute_query(&self) -> keda_core::Result<f64> {
        let url = self.query_url(self.clock.now().as_millis());
        let mut req = self.client.get(&url);
        for (k, v) in &self.metadata.custom_headers {
            req = req.header(k, v);
        }
        let auth = &self.metadata.auth;
        if auth.enabled(AuthMode::Bearer) {
            req = req.header("Authorization", format!("Bearer {}", auth.bearer_token));
        } else if auth.enabled(AuthMode::Basic) {
            req = req.basic_auth(&auth.username, Some(&auth.password));
        } else if auth.enabled(AuthMode::Custom) {
            req = req.header(&auth.custom_auth_header, &auth.custom_auth_value);
        }
        let transport = |e: reqwest::Error| {
            let kind = if e.is_timeout() {
                ScalerErrorKind::Timeout
            } else {
                ScalerErrorKind::Connection
            };
            Error::scaler(SCALER, kind, e.without_url().to_string())
        };
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(transport)?;
        parse_query_response(
            status,
            &body,
            &self.metadata.query,
            self.metadata.ignore_null_values,
        )
        .map_err(|e| Error::scaler(SCALER, ScalerErrorKind::Query, e))
    }
}

#[async_trait::async_trait]
impl Scaler for PrometheusScaler {
    /// `s{i}-prometheus`, target `threshold` (milli precision).
    fn metric_specs(&self) -> Vec<ScalerMetricSpec> {
        let name = metric_name_with_index(self.metadata.trigger_index, "prometheus");
        vec![metric_spec_milli(
            name,
            self.metric_type,
            self.metadata.threshold,
        )]
    }

    async fn metrics_and_activity(
        &self,
        metric_name: &str,
    ) -> keda_core::Result<MetricsAndActivity> {
        let v = self.execute_query().await?;
        tracing::debug!(scaler = SCALER, value = v, "prometheus query value");
        Ok(MetricsAndActivity {
            values: vec![metric_value_milli(metric_name, v)],
            active: is_active(v, self.metadata.activation_threshold),
        })
    }
}

/// Go's `time.Now().UTC().Format(time.RFC3339)`: `2006-01-02T15:04:05Z`.
fn rfc3339_utc(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_go() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400_999), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_795_340_096_000), "2026-11-22T09:34:56Z");
        assert_eq!(rfc3339_utc(-1000), "1969-12-31T23:59:59Z");
    }
}
