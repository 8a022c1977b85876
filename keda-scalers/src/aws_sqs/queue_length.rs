//! KEDA's `processQueueLengthFromSqsQueueAttributesOutput`: the sum of the requested attributes.

use std::collections::BTreeMap;

use keda_core::error::ScalerErrorKind;
use keda_core::{Error, Result};

use super::metadata::QueueAttribute;

/// Sums `attributes` as returned by `GetQueueAttributes`: each requested attribute must be
/// present and a 64-bit decimal integer (Go's `strconv.ParseInt(s, 10, 64)`), else a query error.
/// The sum saturates instead of wrapping.
pub fn queue_length(
    attributes: &BTreeMap<String, String>,
    requested: &[QueueAttribute],
) -> Result<i64> {
    let query = |m: String| Error::scaler("aws-sqs-queue", ScalerErrorKind::Query, m);
    requested.iter().try_fold(0i64, |sum, attr| {
        let text = attributes.get(attr.as_str()).ok_or_else(|| {
            query(format!(
                "metric {} not found in SQS queue attributes",
                attr.as_str()
            ))
        })?;
        let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
        let value = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<i64>().ok())
            .flatten()
            .ok_or_else(|| {
                query(format!(
                    "strconv.ParseInt: parsing {text:?}: invalid syntax or out of range"
                ))
            })?;
        Ok(sum.saturating_add(value))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use QueueAttribute::*;

    fn attrs(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
    }

    #[test]
    fn sums_requested_attributes_only() {
        let a = attrs(&[
            ("ApproximateNumberOfMessages", "200"),
            ("ApproximateNumberOfMessagesNotVisible", "100"),
            ("ApproximateNumberOfMessagesDelayed", "50"),
        ]);
        assert_eq!(queue_length(&a, &[Visible]).unwrap(), 200);
        assert_eq!(queue_length(&a, &[Visible, InFlight]).unwrap(), 300);
        assert_eq!(
            queue_length(&a, &[Visible, InFlight, Delayed]).unwrap(),
            350
        );
        assert_eq!(
            queue_length(
                &attrs(&[("ApproximateNumberOfMessages", "2147483648")]),
                &[Visible]
            )
            .unwrap(),
            2147483648
        );
    }

    #[test]
    fn missing_or_malformed_attributes_are_errors() {
        assert!(
            queue_length(&attrs(&[]), &[Visible])
                .unwrap_err()
                .to_string()
                .contains("not found")
        );
        for bad in ["NotInt", "1.5", "", " 1", "9223372036854775808", "1_0"] {
            assert!(
                queue_length(&attrs(&[("ApproximateNumberOfMessages", bad)]), &[Visible]).is_err(),
                "{bad}"
            );
        }
    }
}
