//! JSON encoding byte-identical to Go's `encoding/json.Marshal` of an unstructured object
//! (`map[string]interface{}`), which is how Velero writes every item into the tarball.
//!
//! * compact, object keys sorted bytewise (Go sorts map keys);
//! * HTML-safe string escaping: `<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026`, U+2028 and
//!   U+2029 as `\u2028`/`\u2029`; control characters as `\b \f \n \r \t` or `\u00xx`
//!   (lower-case hex, Go ≥ 1.22); `/` and DEL unescaped;
//! * integers that fit int64 printed as decimal; everything else as float64 the way Go's
//!   `floatEncoder` does (shortest digits; exponent form `1e+21` / `1e-7` only when
//!   |x| < 1e-6 or |x| ≥ 1e21). Integers above int64 become float64, as client-go's
//!   unstructured decoder makes them.

use serde_json::{Map, Number, Value};

/// Encodes `v` as Go's `json.Marshal` would.
pub fn to_vec(v: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, v);
    out
}

/// Appends the Go encoding of `v` to `out`.
pub fn write_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, x);
            }
            out.push(b']');
        }
        Value::Object(m) => write_object(out, m),
    }
}

fn write_object(out: &mut Vec<u8>, m: &Map<String, Value>) {
    out.push(b'{');
    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
    if !entries
        .windows(2)
        .all(|w| matches!(w, [a, b] if a.0.as_bytes() <= b.0.as_bytes()))
    {
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    }
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(out, k);
        out.push(b':');
        write_value(out, v);
    }
    out.push(b'}');
}

fn write_number(out: &mut Vec<u8>, n: &Number) {
    if let Some(i) = n.as_i64() {
        out.extend_from_slice(i.to_string().as_bytes());
    } else if let Some(f) = n.as_f64() {
        write_float(out, f);
    } else {
        out.extend_from_slice(n.to_string().as_bytes());
    }
}

/// Go's `encoding/json` float64 formatting.
pub fn write_float(out: &mut Vec<u8>, f: f64) {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        out.extend_from_slice(mant.as_bytes());
        out.push(b'e');
        match exp.strip_prefix('-') {
            Some(e) => {
                out.push(b'-');
                out.extend_from_slice(e.as_bytes());
            }
            None => {
                out.push(b'+');
                if exp.len() < 2 {
                    out.push(b'0');
                }
                out.extend_from_slice(exp.as_bytes());
            }
        }
    } else {
        out.extend_from_slice(format!("{f}").as_bytes());
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends a JSON string with Go's HTML-safe escaping.
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let flush = |out: &mut Vec<u8>, from: usize, to: usize| {
        if let Some(chunk) = bytes.get(from..to) {
            out.extend_from_slice(chunk);
        }
    };
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let esc: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0x08 => Some(b"\\b"),
            0x0c => Some(b"\\f"),
            _ => None,
        };
        if let Some(e) = esc {
            flush(out, start, i);
            out.extend_from_slice(e);
            i += 1;
            start = i;
        } else if b < 0x20 || b == b'<' || b == b'>' || b == b'&' {
            flush(out, start, i);
            out.extend_from_slice(b"\\u00");
            out.extend(HEX.get(usize::from(b >> 4)));
            out.extend(HEX.get(usize::from(b & 0xf)));
            i += 1;
            start = i;
        } else if b == 0xe2
            && bytes.get(i + 1) == Some(&0x80)
            && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9))
        {
            flush(out, start, i);
            out.extend_from_slice(if bytes.get(i + 2) == Some(&0xa8) {
                b"\\u2028"
            } else {
                b"\\u2029"
            });
            i += 3;
            start = i;
        } else {
            i += 1;
        }
    }
    flush(out, start, bytes.len());
    out.push(b'"');
}

/// Go's `json.MarshalIndent(v, "", "  ")` of a map-shaped value (keys sorted), without a
/// trailing newline.
pub fn to_vec_indent(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    indent(&mut out, v, 0);
    out
}

fn newline(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    out.extend(std::iter::repeat_n(b' ', depth * 2));
}

fn indent(out: &mut Vec<u8>, v: &Value, depth: usize) {
    match v {
        Value::Array(a) if !a.is_empty() => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, depth + 1);
                indent(out, x, depth + 1);
            }
            newline(out, depth);
            out.push(b']');
        }
        Value::Object(m) if !m.is_empty() => {
            out.push(b'{');
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, depth + 1);
                write_string(out, k);
                out.extend_from_slice(b": ");
                if let Some(x) = m.get(k) {
                    indent(out, x, depth + 1);
                }
            }
            newline(out, depth);
            out.push(b'}');
        }
        other => write_value(out, other),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn enc(v: Value) -> String {
        String::from_utf8(to_vec(&v)).unwrap()
    }

    #[test]
    fn html_and_control_escaping_matches_go() {
        let v =
            Value::String("<a href=\"x\">&amp;</a>\u{2028}\u{2029}\u{1}\u{7f}/é\u{8}\u{c}".into());
        assert_eq!(
            enc(v),
            r#""\u003ca href=\"x\"\u003e\u0026amp;\u003c/a\u003e\u2028\u2029\u0001/é\b\f""#
        );
    }

    #[test]
    fn keys_sorted_bytewise_and_compact() {
        let v: Value =
            serde_json::from_str(r#"{"b":1,"a":{"z":[1,2],"B":null},"A":true}"#).unwrap();
        assert_eq!(enc(v), r#"{"A":true,"a":{"B":null,"z":[1,2]},"b":1}"#);
    }

    #[test]
    fn floats_match_go() {
        let cases: [(f64, &str); 10] = [
            (1.0, "1"),
            (0.1, "0.1"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e300, "1.5e+300"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.234e-10, "1.234e-10"),
            (-2.5, "-2.5"),
            (123456789.125, "123456789.125"),
        ];
        for (f, want) in cases {
            let mut out = Vec::new();
            write_float(&mut out, f);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{f}");
        }
    }

    #[test]
    fn large_integers() {
        let v: Value =
            serde_json::from_str("[9223372036854775807,-9223372036854775808,18446744073709551615]")
                .unwrap();
        assert_eq!(
            enc(v),
            "[9223372036854775807,-9223372036854775808,18446744073709552000]"
        );
    }
}
