//! Numbers as Go's `encoding/json` decodes them into `int`/`uint`/`float64` fields.
//!
//! KEDA's typed metadata parser converts numeric parameters with `json.Unmarshal`, so `"1.5"` is
//! not an int, `"+1"`, `"01"`, `".5"`, `"NaN"` and `"0x10"` are not numbers at all, and a value
//! that does not fit the field's type is an error.

/// Whether `s` is a JSON number literal (RFC 8259 grammar).
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn not_a_number(s: &str) -> String {
    format!("invalid JSON number {}", super::quote(s))
}

/// A signed integer as `json.Unmarshal` decodes it into an `int64`: a JSON number without
/// fraction or exponent that fits.
pub fn parse_json_int(s: &str) -> Result<i64, String> {
    if !is_json_number(s) {
        return Err(not_a_number(s));
    }
    s.parse::<i64>()
        .map_err(|_| format!("json: cannot unmarshal number {s} into Go value of type int"))
}

/// An unsigned integer as `json.Unmarshal` decodes it into a `uint64`.
pub fn parse_json_uint(s: &str) -> Result<u64, String> {
    if !is_json_number(s) {
        return Err(not_a_number(s));
    }
    s.parse::<u64>()
        .map_err(|_| format!("json: cannot unmarshal number {s} into Go value of type uint"))
}

/// A float as `json.Unmarshal` decodes it into a `float64` (or `float32` when `bits` is 32):
/// out-of-range values are errors, never infinities.
pub fn parse_json_float(s: &str, bits: u32) -> Result<f64, String> {
    if !is_json_number(s) {
        return Err(not_a_number(s));
    }
    let too_big = || format!("json: cannot unmarshal number {s} into Go value of type float{bits}");
    let v: f64 = s.parse().map_err(|_| too_big())?;
    let finite = if bits == 32 {
        (v as f32).is_finite()
    } else {
        v.is_finite()
    };
    if finite { Ok(v) } else { Err(too_big()) }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn ints_follow_json_grammar_and_range() {
        assert_eq!(parse_json_int("1"), Ok(1));
        assert_eq!(parse_json_int("-0"), Ok(0));
        assert_eq!(parse_json_int("-9223372036854775808"), Ok(i64::MIN));
        for bad in [
            "1.5",
            "1e2",
            "+1",
            "01",
            "",
            "-",
            "0x10",
            " 1",
            "1 ",
            "9223372036854775808",
            "null",
            "true",
        ] {
            assert!(parse_json_int(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_json_uint("18446744073709551615"), Ok(u64::MAX));
        assert!(parse_json_uint("-1").is_err());
    }

    #[test]
    fn floats_follow_json_grammar_and_range() {
        assert_eq!(parse_json_float("1.1", 64), Ok(1.1));
        assert_eq!(parse_json_float("1e3", 64), Ok(1000.0));
        assert_eq!(parse_json_float("-2.5E-1", 64), Ok(-0.25));
        for bad in ["NaN", "Inf", ".5", "5.", "1e", "1e400", "--1"] {
            assert!(parse_json_float(bad, 64).is_err(), "{bad}");
        }
        assert!(parse_json_float("1e39", 32).is_err());
        assert!(parse_json_float("1e39", 64).is_ok());
    }
}
