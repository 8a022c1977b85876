//! Kubernetes `resource.Quantity`: parsing and `MilliValue()`.

use crate::{Error, Result};

/// A Kubernetes quantity as written (`"500m"`, `"1.5Gi"`, `"2e3"`), kept verbatim so it
/// round-trips; parse it with [`Quantity::milli_value`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Quantity(pub String);

impl Quantity {
    /// A quantity of `milli` milli-units, written the way Kubernetes writes it (`"1500m"`,
    /// or whole units when exact).
    pub fn from_milli(milli: i64) -> Self {
        if milli % 1000 == 0 {
            Quantity((milli / 1000).to_string())
        } else {
            Quantity(format!("{milli}m"))
        }
    }

    /// The value in milli-units, rounded **up** to a whole milli as `Quantity.MilliValue()` does
    /// (`1.0001` → 1001). `field` names the quantity in the error.
    pub fn milli_value(&self, field: &str) -> Result<i64> {
        parse_milli(&self.0).map_err(|msg| Error::invalid(field, format!("{:?}", self.0), msg))
    }

    /// The value as a float (`Quantity.AsApproximateFloat64()`).
    pub fn as_f64(&self, field: &str) -> Result<f64> {
        parse_parts(&self.0)
            .map(|p| {
                let mant: f64 = p.mantissa_digits.parse().unwrap_or(0.0);
                let v = mant * 10f64.powi(p.exp10) * 2f64.powi(p.exp2);
                if p.negative { -v } else { v }
            })
            .map_err(|msg| Error::invalid(field, format!("{:?}", self.0), msg))
    }
}

impl std::fmt::Display for Quantity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A parsed quantity: `(-1)^negative × mantissa × 10^exp10 × 2^exp2`.
struct Parts {
    negative: bool,
    /// Decimal digits, without the point.
    mantissa_digits: String,
    exp10: i32,
    exp2: i32,
}

const QUANTITY_FORMAT: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/// Splits `<sign><digits>[.<digits>]<suffix>` as `resource.ParseQuantity` accepts it.
fn parse_parts(s: &str) -> std::result::Result<Parts, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Err("quantities must not be empty");
    }
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let num_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (num, suffix) = rest.split_at(num_end);
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    if (int_part.is_empty() && frac_part.is_empty()) || frac_part.contains('.') {
        return Err(QUANTITY_FORMAT);
    }
    let (exp10, exp2) = match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        other => {
            let exp = other.strip_prefix(['e', 'E']).ok_or(QUANTITY_FORMAT)?;
            let digits = exp.trim_start_matches(['+', '-']);
            if digits.is_empty()
                || !digits.bytes().all(|b| b.is_ascii_digit())
                || exp.len() - digits.len() > 1
            {
                return Err(QUANTITY_FORMAT);
            }
            let e: i32 = exp.parse().map_err(|_| "exponent out of range")?;
            (e, 0)
        }
    };
    let frac_len = i32::try_from(frac_part.len()).map_err(|_| "too many digits")?;
    let mut mantissa_digits = format!("{int_part}{frac_part}");
    let trimmed = mantissa_digits.trim_start_matches('0').len();
    mantissa_digits = mantissa_digits.split_off(mantissa_digits.len() - trimmed);
    if mantissa_digits.is_empty() {
        mantissa_digits.push('0');
    }
    Ok(Parts {
        negative,
        mantissa_digits,
        exp10: exp10.saturating_sub(frac_len),
        exp2,
    })
}

/// Milli-value with ceiling rounding; errors when it does not fit in an i64.
fn parse_milli(s: &str) -> std::result::Result<i64, &'static str> {
    const TOO_LARGE: &str = "quantity is too large";
    let p = parse_parts(s)?;
    if p.mantissa_digits == "0" {
        return Ok(0);
    }
    if p.mantissa_digits.len() > 38 {
        return Err(TOO_LARGE);
    }
    let mut mant: i128 = p.mantissa_digits.parse().map_err(|_| TOO_LARGE)?;
    // value × 1000 = mant × 10^(exp10+3) × 2^exp2
    let e10 = p.exp10 + 3;
    let mut den: i128 = 1;
    if e10 >= 0 {
        for _ in 0..e10 {
            mant = mant.checked_mul(10).ok_or(TOO_LARGE)?;
        }
    } else {
        for _ in 0..(-e10).min(40) {
            den = den.checked_mul(10).ok_or(TOO_LARGE)?;
        }
        if -e10 > 40 {
            // Far below a milli: any non-zero value rounds away from zero to 1m.
            return Ok(if p.negative { 0 } else { 1 });
        }
    }
    for _ in 0..p.exp2 {
        mant = mant.checked_mul(2).ok_or(TOO_LARGE)?;
    }
    // Ceiling toward +inf, as MilliValue rounds up.
    let q = if p.negative {
        -(mant / den)
    } else {
        let q = mant / den;
        if mant % den != 0 { q + 1 } else { q }
    };
    i64::try_from(q).map_err(|_| TOO_LARGE)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;

    fn m(s: &str) -> i64 {
        Quantity(s.into()).milli_value("q").unwrap_or(i64::MIN)
    }

    #[test]
    fn parses_suffixes_and_rounds_up_to_milli() {
        assert_eq!(m("500m"), 500);
        assert_eq!(m("1"), 1000);
        assert_eq!(m("1.0001"), 1001);
        assert_eq!(m("1Ki"), 1_024_000);
        assert_eq!(m("2e3"), 2_000_000);
        assert_eq!(m("1u"), 1);
        assert_eq!(m("-1.5"), -1500);
        assert_eq!(m("0.1"), 100);
        assert_eq!(m("100m"), 100);
        assert_eq!(m("+3k"), 3_000_000);
    }

    #[test]
    fn rejects_malformed_and_huge_values_naming_the_field() {
        for bad in ["", "abc", "1.2.3", "1Zi", "--1", "1e", "1e+-3", "."] {
            let err = Quantity(bad.into())
                .milli_value("spec.target.value")
                .unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("spec.target.value: Invalid value"),
                "{bad}: {err}"
            );
        }
        assert!(Quantity("10E".into()).milli_value("q").is_err());
    }

    #[test]
    fn approximate_float() {
        assert_eq!(Quantity("100m".into()).as_f64("t").ok(), Some(0.1));
        assert_eq!(Quantity("10".into()).as_f64("t").ok(), Some(10.0));
        assert!(Quantity("-0.001".into()).as_f64("t").is_ok_and(|v| v < 0.0));
    }

    #[test]
    fn from_milli_round_trips() {
        for v in [0, 1, 999, 1000, 1500, -2500, 15000] {
            assert_eq!(Quantity::from_milli(v).milli_value("q").ok(), Some(v));
        }
    }
}
