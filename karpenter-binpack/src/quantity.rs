//! Kubernetes `resource.Quantity` parsing (apimachinery `ParseQuantity`), reduced to integer
//! milli-units rounded up, as Kubernetes' `MilliValue()` does.

use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A parsed quantity in milli-units (cpu "100m" = 100, memory "1Ki" = 1_024_000).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(pub i64);

impl Quantity {
    /// Parses Kubernetes quantity text: `<sign><digits>[.<digits>][<suffix>]`, suffix one of the
    /// binary SI (`Ki`..`Ei`), decimal SI (`n u m "" k M G T P E`) or a decimal exponent (`e3`, `E-2`).
    /// Fractions finer than a milli-unit round up (towards +infinity), as `MilliValue()` does.
    pub fn parse(field: &str, text: &str) -> Result<Self> {
        let err = |message: &str| Error::Quantity {
            field: field.to_string(),
            value: text.to_string(),
            message: message.to_string(),
        };
        let s = text.trim();
        if s.is_empty() {
            return Err(err("empty"));
        }
        let (negative, rest) = match s.as_bytes().first() {
            Some(b'-') => (true, s.get(1..).unwrap_or("")),
            Some(b'+') => (false, s.get(1..).unwrap_or("")),
            _ => (false, s),
        };
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(num_end);
        let (int_part, frac_part) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err("no digits"));
        }
        if frac_part.contains('.') {
            return Err(err("more than one decimal point"));
        }
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 30 {
            return Err(err("too many significant digits"));
        }
        let mantissa: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| err("bad digits"))?
        };
        let frac_len = i32::try_from(frac_part.len()).map_err(|_| err("too long"))?;
        // value = mantissa * 10^-frac_len * base^exp
        let (binary_exp, decimal_exp): (u32, i32) = match suffix {
            "" => (0, 0),
            "Ki" => (10, 0),
            "Mi" => (20, 0),
            "Gi" => (30, 0),
            "Ti" => (40, 0),
            "Pi" => (50, 0),
            "Ei" => (60, 0),
            "n" => (0, -9),
            "u" => (0, -6),
            "m" => (0, -3),
            "k" => (0, 3),
            "M" => (0, 6),
            "G" => (0, 9),
            "T" => (0, 12),
            "P" => (0, 15),
            "E" => (0, 18),
            other => {
                let exp = other
                    .strip_prefix('e')
                    .or_else(|| other.strip_prefix('E'))
                    .ok_or_else(|| err("unknown suffix"))?;
                let e: i32 = exp.parse().map_err(|_| err("bad exponent"))?;
                if !(-40..=40).contains(&e) {
                    return Err(err("exponent out of range"));
                }
                (0, e)
            }
        };
        // milli = mantissa * 1000 * 2^b * 10^(d - frac_len)
        let pow10 = decimal_exp + 3 - frac_len;
        let overflow = || err("out of range");
        let mut num = mantissa
            .checked_mul(1i128 << binary_exp)
            .ok_or_else(overflow)?;
        let mut den: i128 = 1;
        if pow10 >= 0 {
            let p = 10i128
                .checked_pow(pow10.unsigned_abs())
                .ok_or_else(overflow)?;
            num = num.checked_mul(p).ok_or_else(overflow)?;
        } else {
            den = 10i128
                .checked_pow(pow10.unsigned_abs())
                .ok_or_else(overflow)?;
        }
        let milli = (num + den - 1) / den;
        let milli = i64::try_from(milli).map_err(|_| overflow())?;
        Ok(Quantity(if negative { -milli } else { milli }))
    }

    /// Parses and rejects negative values (requests, capacities, limits).
    pub fn parse_non_negative(field: &str, text: &str) -> Result<Self> {
        let q = Self::parse(field, text)?;
        if q.0 < 0 {
            return Err(Error::NegativeQuantity {
                field: field.to_string(),
                value: text.to_string(),
            });
        }
        Ok(q)
    }

    /// Value in whole units, rounded up.
    pub fn value(self) -> i64 {
        self.0.div_euclid(1000) + i64::from(self.0.rem_euclid(1000) != 0)
    }
}

/// Quantity text as it appears in manifests: a string (`"100m"`) or a bare number (`2`, `0.5`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QuantityText(pub String);

impl<'de> Deserialize<'de> for QuantityText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            I(i64),
            F(f64),
        }
        Ok(QuantityText(match Raw::deserialize(d)? {
            Raw::S(s) => s,
            Raw::I(i) => i.to_string(),
            Raw::F(f) => f.to_string(),
        }))
    }
}

impl Serialize for QuantityText {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl From<&str> for QuantityText {
    fn from(s: &str) -> Self {
        QuantityText(s.to_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn q(s: &str) -> i64 {
        Quantity::parse("f", s).unwrap().0
    }

    #[test]
    fn suffixes() {
        assert_eq!(q("100m"), 100);
        assert_eq!(q("1"), 1000);
        assert_eq!(q("1.5"), 1500);
        assert_eq!(q("2Gi"), 2 * 1024 * 1024 * 1024 * 1000);
        assert_eq!(q("1k"), 1_000_000);
        assert_eq!(q("1e3"), 1_000_000);
        assert_eq!(q("1E-3"), 1);
        assert_eq!(q("1n"), 1, "rounds up to a milli-unit");
        assert_eq!(q("0.0001"), 1);
        assert_eq!(q("-1"), -1000);
        assert_eq!(q(".5"), 500);
    }

    #[test]
    fn malformed_is_typed() {
        for bad in [
            "",
            "abc",
            "1Qi",
            "1..2",
            "--1",
            "1e",
            "1e999",
            "99999999999999999999Ei",
        ] {
            let e = Quantity::parse("spec.cpu", bad).unwrap_err();
            assert!(matches!(e, Error::Quantity { .. }), "{bad}: {e}");
        }
        let e = Quantity::parse_non_negative("spec.cpu", "-1").unwrap_err();
        assert!(matches!(e, Error::NegativeQuantity { .. }));
        assert!(e.to_string().contains("spec.cpu"));
    }

    proptest::proptest! {
        #[test]
        fn integers_roundtrip(v in 0i64..1_000_000_000) {
            proptest::prop_assert_eq!(Quantity::parse("f", &v.to_string()).unwrap().0, v * 1000);
            proptest::prop_assert_eq!(Quantity::parse("f", &format!("{v}m")).unwrap().0, v);
        }

        #[test]
        fn never_panics(s in ".{0,20}") {
            let _ = Quantity::parse("f", &s);
        }
    }
}
