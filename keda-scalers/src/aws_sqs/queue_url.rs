//! The queue name of a `queueURL`, as KEDA derives it with Go's `url.ParseRequestURI`.

/// KEDA's rule: when `queue_url` parses as a request URI (an absolute URL or an absolute path),
/// its path must be exactly `/<account>/<name>` with a non-empty name, else `None` (KEDA's
/// "cannot get queueName from queueURL"); otherwise the whole string is the name.
pub fn queue_name(queue_url: &str) -> Option<String> {
    match request_uri_path(queue_url) {
        None => Some(queue_url.to_owned()),
        Some(path) => match path.split('/').collect::<Vec<_>>().as_slice() {
            [_, _, name] if !name.is_empty() => Some((*name).to_owned()),
            _ => None,
        },
    }
}

/// The (unescaped) path of `raw` when Go's `url.ParseRequestURI` accepts it, `None` when it
/// rejects it. Covers Go's rules: control bytes, empty input, `*`, scheme syntax, opaque URLs,
/// `//authority` with user info and port checks, query stripping and `%XX` escapes.
pub fn request_uri_path(raw: &str) -> Option<String> {
    if raw.is_empty() || raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return None;
    }
    if raw == "*" {
        return Some("*".into());
    }
    let (scheme, rest) = split_scheme(raw)?;
    let rest = rest.split_once('?').map_or(rest, |(before, _)| before);
    if !rest.starts_with('/') {
        // An opaque URL (`mailto:x`) has an empty path; a relative reference is rejected.
        return (!scheme.is_empty()).then(String::new);
    }
    let path = if !scheme.is_empty() && rest.starts_with("//") {
        let after = rest.get(2..).unwrap_or_default();
        let (authority, path) = after.find('/').map_or((after, ""), |i| after.split_at(i));
        valid_authority(authority).then_some(())?;
        path
    } else {
        rest
    };
    unescape(path)
}

/// Go's `getScheme`: letters, then letters, digits, `+ - .`, up to `:`.
fn split_scheme(raw: &str) -> Option<(&str, &str)> {
    for (i, c) in raw.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return None, // "missing protocol scheme"
            ':' => return Some((raw.get(..i)?, raw.get(i + 1..)?)),
            _ => return Some(("", raw)),
        }
    }
    Some(("", raw))
}

/// Go's `parseAuthority`: optional user info (Go's allowed characters) and a host whose port,
/// if any, is digits; bracketed IPv6 hosts.
fn valid_authority(authority: &str) -> bool {
    let (userinfo, host) = authority
        .rsplit_once('@')
        .map_or((None, authority), |(u, h)| (Some(u), h));
    if let Some(u) = userinfo
        && !u
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c))
    {
        return false;
    }
    let port = if let Some(inner) = host.strip_prefix('[') {
        let Some((_, after)) = inner.split_once(']') else {
            return false;
        };
        if after.is_empty() {
            return true;
        }
        match after.strip_prefix(':') {
            Some(p) => p,
            None => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((_, p)) => p,
            None => return unescape(host).is_some(),
        }
    };
    port.bytes().all(|b| b.is_ascii_digit())
}

/// Go's path unescaping: `%` must be followed by two hex digits.
fn unescape(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(
                u8::from_str_radix(hex, 16)
                    .ok()
                    .filter(|_| hex.bytes().all(|h| h.is_ascii_hexdigit()))?,
            );
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_urls_and_plain_names() {
        let url = "https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ";
        assert_eq!(queue_name(url).as_deref(), Some("DeleteArtifactQ"));
        assert_eq!(queue_name("my-queue").as_deref(), Some("my-queue"));
        let spaced = "http://localhost:4566/000000000000/q%20x?a=b";
        assert_eq!(queue_name(spaced).as_deref(), Some("q x"));
        // Go splits the unescaped path, so an escaped `/` adds a segment.
        assert_eq!(queue_name("http://localhost:4566/000000000000/q%2Fx"), None);
        assert_eq!(queue_name("/123/orders").as_deref(), Some("orders"));
        for bad in [
            "https://sqs.eu-west-1.amazonaws.com/account_id",
            "https://sqs.eu-west-1.amazonaws.com",
            "https://sqs.eu-west-1.amazonaws.com/a/b/c",
            "https://sqs.eu-west-1.amazonaws.com/a/",
            "mailto:someone",
        ] {
            assert_eq!(queue_name(bad), None, "{bad}");
        }
        // Not a request URI → the whole string is the name.
        for plain in ["1http://x/a/b", "http://host:port/a/b", "/a/%zz", "a/b/c"] {
            assert_eq!(queue_name(plain).as_deref(), Some(plain), "{plain}");
        }
    }
}
