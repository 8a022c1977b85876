//! Conversion of a parameter's text into Rust types, as KEDA's `setConfigValueHelper` does.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::time::Duration;

use super::Param;
use crate::go;

/// Upper bound on the elements one list parameter may expand to through ranges (`0-99999`).
///
/// KEDA has none, so `0-9223372036854775807` makes it loop until memory runs out; here such
/// input is an error instead (a deliberate difference).
pub const MAX_RANGE_ELEMENTS: usize = 100_000;

/// A type a trigger parameter can be read as.
///
/// Implemented for `String`, `bool` (Go `ParseBool`), the integer types and `f32`/`f64` (Go JSON
/// number rules), [`Duration`] (Go duration string, or bare integer milliseconds; negative rejected),
/// `Vec<T>` (split on the separator, elements trimmed, integer ranges expanded), `BTreeMap`/`HashMap`
/// (`k=v` pairs), [`UrlValues`] (a query string) and `Option<T>` (absent is `None`).
pub trait FromParam: Sized {
    /// Converts a present, trimmed, non-empty value. The error is the reason only; the caller
    /// adds the parameter name and value.
    fn from_param(value: &str, param: &Param) -> Result<Self, String>;

    /// The value of an absent optional parameter (Go's zero value).
    fn zero() -> Self;

    /// For signed integer types, the element for `n` when expanding a range; `None` for types
    /// that cannot be ranged.
    fn from_range_int(_n: i64) -> Option<Result<Self, String>> {
        None
    }
}

impl FromParam for String {
    fn from_param(value: &str, _: &Param) -> Result<Self, String> {
        Ok(value.to_owned())
    }
    fn zero() -> Self {
        String::new()
    }
}

impl FromParam for bool {
    fn from_param(value: &str, _: &Param) -> Result<Self, String> {
        go::parse_bool(value)
            .map_err(|e| format!("unable to parse boolean value {}: {e}", go::quote(value)))
    }
    fn zero() -> Self {
        false
    }
}

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl FromParam for $t {
            fn from_param(value: &str, _: &Param) -> Result<Self, String> {
                let wide = go::parse_json_int(value).map_err(|e| unmarshal_err(stringify!($t), &e))?;
                <$t>::try_from(wide).map_err(|_| unmarshal_err(stringify!($t), &format!("number {value} overflows {}", stringify!($t))))
            }
            fn zero() -> Self {
                0
            }
            fn from_range_int(n: i64) -> Option<Result<Self, String>> {
                Some(<$t>::try_from(n).map_err(|_| format!("range element {n} overflows {}", stringify!($t))))
            }
        }
    )*};
}
signed!(i8, i16, i32, i64, isize);

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl FromParam for $t {
            fn from_param(value: &str, _: &Param) -> Result<Self, String> {
                let wide = go::parse_json_uint(value).map_err(|e| unmarshal_err(stringify!($t), &e))?;
                <$t>::try_from(wide).map_err(|_| unmarshal_err(stringify!($t), &format!("number {value} overflows {}", stringify!($t))))
            }
            fn zero() -> Self {
                0
            }
        }
    )*};
}
unsigned!(u8, u16, u32, u64, usize);

impl FromParam for f64 {
    fn from_param(value: &str, _: &Param) -> Result<Self, String> {
        go::parse_json_float(value, 64).map_err(|e| unmarshal_err("float64", &e))
    }
    fn zero() -> Self {
        0.0
    }
}

impl FromParam for f32 {
    fn from_param(value: &str, _: &Param) -> Result<Self, String> {
        go::parse_json_float(value, 32)
            .map(|v| v as f32)
            .map_err(|e| unmarshal_err("float32", &e))
    }
    fn zero() -> Self {
        0.0
    }
}

fn unmarshal_err(ty: &str, e: &str) -> String {
    format!("unable to unmarshal to field type {ty}: {e}")
}

/// KEDA's duration parameters: a Go duration string (`30s`, `1m30s`) or, failing that, a bare
/// integer number of milliseconds; negative durations are rejected.
impl FromParam for Duration {
    fn from_param(value: &str, _: &Param) -> Result<Self, String> {
        if let Ok(nanos) = go::parse_duration(value) {
            return u64::try_from(nanos)
                .map(Duration::from_nanos)
                .map_err(|_| format!("duration cannot be negative: {}", go::quote(value)));
        }
        // Go's strconv.ParseInt(v, 10, 64): optional sign, decimal digits only.
        let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
        let millis: i64 = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            value.parse().map_err(|_| duration_err(value))?
        } else {
            return Err(duration_err(value));
        };
        u64::try_from(millis)
            .map(Duration::from_millis)
            .map_err(|_| format!("duration cannot be negative: {millis} milliseconds"))
    }
    fn zero() -> Self {
        Duration::ZERO
    }
}

fn duration_err(value: &str) -> String {
    format!(
        "unable to parse duration value {}: must be either a duration string (e.g. '30s', '5m') or a number of milliseconds",
        go::quote(value)
    )
}

impl<T: FromParam> FromParam for Option<T> {
    fn from_param(value: &str, param: &Param) -> Result<Self, String> {
        T::from_param(value, param).map(Some)
    }
    fn zero() -> Self {
        None
    }
}

impl<T: FromParam> FromParam for Vec<T> {
    fn from_param(value: &str, param: &Param) -> Result<Self, String> {
        let mut out = Vec::new();
        for (i, element) in value.split(param.element_separator()).enumerate() {
            let element = element.trim();
            let range_sep = param
                .range_separator
                .as_deref()
                .filter(|s| !s.is_empty() && element.contains(*s));
            match (range_sep, T::from_range_int(0)) {
                (Some(sep), Some(_)) => expand_range(element, sep, &mut out)
                    .map_err(|e| format!("slice element {i}: {e}"))?,
                _ => out.push(
                    T::from_param(element, param).map_err(|e| format!("slice element {i}: {e}"))?,
                ),
            }
        }
        Ok(out)
    }
    fn zero() -> Self {
        Vec::new()
    }
}

/// KEDA's `setConfigValueRange`: `start<sep>end`, both JSON integers, expanded inclusively
/// (nothing when start > end).
fn expand_range<T: FromParam>(element: &str, sep: &str, out: &mut Vec<T>) -> Result<(), String> {
    let parts: Vec<&str> = element.split(sep).collect();
    let [start, end] = parts.as_slice() else {
        return Err(format!(
            "expected format start{sep}end, got {}",
            go::quote(element)
        ));
    };
    let parse = |what: &str, s: &str| {
        go::parse_json_int(s.trim())
            .map_err(|e| format!("unable to parse {what} value {}: {e}", go::quote(s)))
    };
    let (start, end) = (parse("start", start)?, parse("end", end)?);
    if start > end {
        return Ok(());
    }
    let len = u128::try_from(i128::from(end) - i128::from(start) + 1).unwrap_or(u128::MAX);
    if len.saturating_add(out.len() as u128) > MAX_RANGE_ELEMENTS as u128 {
        return Err(format!(
            "range {} expands to more than {MAX_RANGE_ELEMENTS} elements",
            go::quote(element)
        ));
    }
    for n in start..=end {
        if let Some(v) = T::from_range_int(n) {
            out.push(v?);
        }
    }
    Ok(())
}

/// KEDA's `setConfigValueMap`: separator-split `key=value` pairs, each side trimmed.
fn parse_pairs<K: FromParam, V: FromParam>(
    value: &str,
    param: &Param,
    mut insert: impl FnMut(K, V),
) -> Result<(), String> {
    for element in value.split(param.element_separator()) {
        let element = element.trim();
        let kv: Vec<&str> = element.split('=').collect();
        let [k, v] = kv.as_slice() else {
            return Err(format!(
                "expected format key=value, got {}",
                go::quote(element)
            ));
        };
        let (k, v) = (k.trim(), v.trim());
        let key = K::from_param(k, param).map_err(|e| format!("map key {}: {e}", go::quote(k)))?;
        let val = V::from_param(v, param)
            .map_err(|e| format!("map key {}, value {}: {e}", go::quote(k), go::quote(v)))?;
        insert(key, val);
    }
    Ok(())
}

impl<K: FromParam + Ord, V: FromParam> FromParam for BTreeMap<K, V> {
    fn from_param(value: &str, param: &Param) -> Result<Self, String> {
        let mut out = BTreeMap::new();
        parse_pairs(value, param, |k, v| {
            out.insert(k, v);
        })?;
        Ok(out)
    }
    fn zero() -> Self {
        BTreeMap::new()
    }
}

impl<K: FromParam + Eq + Hash, V: FromParam> FromParam for HashMap<K, V> {
    fn from_param(value: &str, param: &Param) -> Result<Self, String> {
        let mut out = HashMap::new();
        parse_pairs(value, param, |k, v| {
            out.insert(k, v);
        })?;
        Ok(out)
    }
    fn zero() -> Self {
        HashMap::new()
    }
}

/// A parameter holding a URL query string (KEDA's `url.Values` fields, e.g. `endpointParams`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UrlValues(pub go::QueryValues);

impl std::ops::Deref for UrlValues {
    type Target = go::QueryValues;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl FromParam for UrlValues {
    fn from_param(value: &str, _: &Param) -> Result<Self, String> {
        go::parse_query(value).map(UrlValues).map_err(|e| {
            format!(
                "expected url.Values, unable to parse query {}: {e}",
                go::quote(value)
            )
        })
    }
    fn zero() -> Self {
        UrlValues::default()
    }
}
