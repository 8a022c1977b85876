//! `net/url` query strings: `url.ParseQuery`, `url.QueryUnescape`, `url.QueryEscape`.

use std::collections::BTreeMap;

use super::quote;

/// Go's `url.Values`: every key with its values in order of appearance.
pub type QueryValues = BTreeMap<String, Vec<String>>;

/// Go's `url.ParseQuery`: `&`-separated `key=value` pairs, each side query-unescaped (`+` is a
/// space); empty segments are skipped; a `;` in a segment or a bad `%` escape is an error.
/// Like Go, parsing continues after an error, but only the values are returned when there is none.
pub fn parse_query(s: &str) -> Result<QueryValues, String> {
    let mut out = QueryValues::new();
    let mut first_err = None;
    for segment in s.split('&') {
        if segment.is_empty() {
            continue;
        }
        if segment.contains(';') {
            first_err.get_or_insert_with(|| "invalid semicolon separator in query".to_owned());
            continue;
        }
        let (k, v) = segment.split_once('=').unwrap_or((segment, ""));
        match (query_unescape(k), query_unescape(v)) {
            (Ok(k), Ok(v)) => out.entry(k).or_default().push(v),
            (Err(e), _) | (_, Err(e)) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Go's `url.QueryUnescape`: `+` becomes a space and `%XX` a byte; the result must be UTF-8
/// (Go would keep invalid bytes; here they are replaced, the only difference).
pub fn query_unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'%' => {
                let hex = |j: usize| b.get(j).and_then(|h| (*h as char).to_digit(16));
                match (hex(i + 1), hex(i + 2)) {
                    (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                    _ => {
                        let bad: String = s.get(i..).unwrap_or_default().chars().take(3).collect();
                        return Err(format!("invalid URL escape {}", quote(&bad)));
                    }
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `url.QueryEscape`: everything but `A-Z a-z 0-9 - _ . ~` is `%XX`-escaped, spaces become `+`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn parse_query_groups_repeated_keys() {
        let q = parse_query("key1=value1&key2=value2&key1=value3&&flag").unwrap();
        assert_eq!(q["key1"], ["value1", "value3"]);
        assert_eq!(q["key2"], ["value2"]);
        assert_eq!(q["flag"], [""]);
        assert_eq!(parse_query("a=b%20c+d").unwrap()["a"], ["b c d"]);
    }

    #[test]
    fn parse_query_errors_like_go() {
        assert_eq!(
            parse_query("a=1;b=2").unwrap_err(),
            "invalid semicolon separator in query"
        );
        assert_eq!(
            parse_query("a=%zz").unwrap_err(),
            "invalid URL escape \"%zz\""
        );
        assert_eq!(
            parse_query("a=%4").unwrap_err(),
            "invalid URL escape \"%4\""
        );
    }

    #[test]
    fn query_escape_round_trips() {
        assert_eq!(query_escape("namespace/name"), "namespace%2Fname");
        assert_eq!(query_escape("a b~"), "a+b~");
        assert_eq!(query_unescape(&query_escape("ü/ +%")).unwrap(), "ü/ +%");
    }
}
