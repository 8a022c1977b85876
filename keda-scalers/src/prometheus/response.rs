//! Reading a Prometheus `/api/v1/query` answer into one number, with KEDA's rules
//! (`ExecutePromQuery` in `prometheus_scaler.go`).

use serde::Deserialize;

#[derive(Deserialize, Default)]
struct QueryResponse {
    #[serde(default)]
    data: Option<QueryData>,
}

#[derive(Deserialize, Default)]
struct QueryData {
    #[serde(default)]
    result: Option<Vec<Series>>,
}

#[derive(Deserialize, Default)]
struct Series {
    #[serde(default)]
    value: Option<Vec<serde_json::Value>>,
}

/// The value of a query answer with HTTP status `status`, as KEDA reads it:
///
/// * a non-2xx status is an error;
/// * no series, or a series with an empty `value`, is 0 when `ignore_null_values`, else an error;
/// * more than one series, or a `value` with fewer than two elements, is an error;
/// * `value[1]` is parsed as a float; NaN and ±Inf are 0 when `ignore_null_values`, else an error;
/// * quirk kept: a JSON `null` in `value[1]` yields −1 without error (reported as 0 by the
///   metric encoding, and never active).
///
/// KEDA panics when `value[1]` is neither a string nor null (a Go type assertion); here that is
/// an error (a deliberate difference).
pub fn parse_query_response(
    status: u16,
    body: &[u8],
    query: &str,
    ignore_null_values: bool,
) -> Result<f64, String> {
    if !(200..=299).contains(&status) {
        return Err(format!(
            "prometheus query api returned error. status: {status}"
        ));
    }
    let response: QueryResponse = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let result = response.data.and_then(|d| d.result).unwrap_or_default();
    let series = match result.as_slice() {
        [] if ignore_null_values => return Ok(0.0),
        [] => {
            return Err(
                "prometheus metrics 'prometheus' target may be lost, the result is empty".into(),
            );
        }
        [one] => one,
        _ => {
            return Err(format!(
                "prometheus query {query} returned multiple elements"
            ));
        }
    };
    let value = series.value.as_deref().unwrap_or_default();
    let raw = match value {
        [] if ignore_null_values => return Ok(0.0),
        [] => {
            return Err(
                "prometheus metrics 'prometheus' target may be lost, the value list is empty"
                    .into(),
            );
        }
        [_] => {
            return Err(format!(
                "prometheus query {query} didn't return enough values"
            ));
        }
        [_, v, ..] => v,
    };
    let v = match raw {
        serde_json::Value::Null => -1.0,
        serde_json::Value::String(s) => parse_go_float(s)
            .ok_or_else(|| format!("strconv.ParseFloat: parsing {s:?}: invalid syntax"))?,
        other => {
            return Err(format!(
                "prometheus query {query} returned a non-string value {other}"
            ));
        }
    };
    if v.is_nan() || v.is_infinite() {
        if ignore_null_values {
            return Ok(0.0);
        }
        return Err(format!("prometheus query returns {}", go_percent_f(v)));
    }
    Ok(v)
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms Prometheus writes (including `NaN`,
/// `+Inf`, `-Inf`, case-insensitively, and `infinity`).
fn parse_go_float(s: &str) -> Option<f64> {
    if s.is_empty() || s.contains('_') {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Go's `%f` of a special float.
fn go_percent_f(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v > 0.0 {
        "+Inf".into()
    } else {
        "-Inf".into()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn q(body: &str, ignore: bool) -> Result<f64, String> {
        parse_query_response(200, body.as_bytes(), "up", ignore)
    }

    #[test]
    fn follows_kedas_rules() {
        assert_eq!(
            q(r#"{"data":{"result":[{"value":[1,"42.5"]}]}}"#, false),
            Ok(42.5)
        );
        assert_eq!(q("{}", true), Ok(0.0));
        assert!(q("{}", false).unwrap_err().contains("the result is empty"));
        assert!(
            q(r#"{"data":{"result":[{},{}]}}"#, true)
                .unwrap_err()
                .contains("multiple elements")
        );
        assert!(
            q(r#"{"data":{"result":[{"value":["1"]}]}}"#, true)
                .unwrap_err()
                .contains("enough values")
        );
        assert_eq!(
            q(r#"{"data":{"result":[{"value":["1","NaN"]}]}}"#, true),
            Ok(0.0)
        );
        assert_eq!(
            q(r#"{"data":{"result":[{"value":["1","-Inf"]}]}}"#, false),
            Err("prometheus query returns -Inf".into())
        );
        assert_eq!(
            q(r#"{"data":{"result":[{"value":["1",null]}]}}"#, false),
            Ok(-1.0)
        );
        assert!(q(r#"{"data":{"result":[{"value":["1",5]}]}}"#, false).is_err());
        assert!(q(r#"{"data":{"result":[{"value":["1","abc"]}]}}"#, false).is_err());
        assert!(q("not json", true).is_err());
        assert_eq!(
            parse_query_response(503, b"{}", "up", true),
            Err("prometheus query api returned error. status: 503".into())
        );
    }
}
