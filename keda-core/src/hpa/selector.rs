//! Label selectors in their string form (`labels.Parse`), as `/scale` reports them.

use std::collections::BTreeMap;

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Equals(String),
    NotEquals(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
    Gt(i64),
    Lt(i64),
}

/// A parsed label selector: every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector(Vec<(String, Op)>);

fn valid_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 316
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
}

fn valid_value(s: &str) -> bool {
    s.is_empty() || valid_token(s)
}

impl Selector {
    /// Parses `a=b,c!=d,e in (f,g),!h,i`. Errors name the offending requirement.
    pub fn parse(s: &str) -> Result<Self> {
        let bad =
            |req: &str, why: &str| Error::invalid("selector", format!("{req:?}"), why.to_owned());
        let mut reqs = Vec::new();
        let mut depth = 0i32;
        let mut parts = Vec::new();
        let mut start = 0;
        for (i, ch) in s.char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&s[start..]);
        if parts.len() == 1 && parts.first().is_some_and(|p| p.trim().is_empty()) {
            return Ok(Selector::default());
        }
        for raw in parts {
            let req = raw.trim();
            let set_op = |kw: &str| -> Option<(String, Vec<String>)> {
                let (k, rest) = req.split_once(kw)?;
                let rest = rest.trim();
                let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
                Some((
                    k.trim().to_owned(),
                    inner.split(',').map(|v| v.trim().to_owned()).collect(),
                ))
            };
            let (key, op) = if let Some((k, vs)) = set_op(" notin ") {
                (k, Op::NotIn(vs))
            } else if let Some((k, vs)) = set_op(" in ") {
                (k, Op::In(vs))
            } else if let Some((k, v)) = req.split_once("!=") {
                (k.trim().to_owned(), Op::NotEquals(v.trim().to_owned()))
            } else if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
                (k.trim().to_owned(), Op::Equals(v.trim().to_owned()))
            } else if let Some((k, v)) = req.split_once('>') {
                (
                    k.trim().to_owned(),
                    Op::Gt(
                        v.trim()
                            .parse()
                            .map_err(|_| bad(req, "value must be an integer"))?,
                    ),
                )
            } else if let Some((k, v)) = req.split_once('<') {
                (
                    k.trim().to_owned(),
                    Op::Lt(
                        v.trim()
                            .parse()
                            .map_err(|_| bad(req, "value must be an integer"))?,
                    ),
                )
            } else if let Some(k) = req.strip_prefix('!') {
                (k.trim().to_owned(), Op::DoesNotExist)
            } else {
                (req.to_owned(), Op::Exists)
            };
            if !valid_token(&key) {
                return Err(bad(req, "invalid label key"));
            }
            let values_ok = match &op {
                Op::Equals(v) | Op::NotEquals(v) => valid_value(v),
                Op::In(vs) | Op::NotIn(vs) => vs.iter().all(|v| valid_value(v)),
                _ => true,
            };
            if !values_ok {
                return Err(bad(req, "invalid label value"));
            }
            reqs.push((key, op));
        }
        Ok(Selector(reqs))
    }

    /// A selector from `matchLabels`.
    pub fn from_match_labels(labels: &BTreeMap<String, String>) -> Self {
        Selector(
            labels
                .iter()
                .map(|(k, v)| (k.clone(), Op::Equals(v.clone())))
                .collect(),
        )
    }

    /// True when the labels satisfy every requirement (an empty selector matches everything).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|(k, op)| {
            let v = labels.get(k);
            match op {
                Op::Equals(x) => v == Some(x),
                Op::NotEquals(x) => v != Some(x),
                Op::In(xs) => v.is_some_and(|v| xs.contains(v)),
                Op::NotIn(xs) => v.is_none_or(|v| !xs.contains(v)),
                Op::Exists => v.is_some(),
                Op::DoesNotExist => v.is_none(),
                Op::Gt(n) => v
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|x| x > *n),
                Op::Lt(n) => v
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|x| x < *n),
            }
        })
    }
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

    fn labels(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn parses_and_matches() {
        let s = Selector::parse("name=test-pod,tier in (web, api),!canary,env!=prod")
            .unwrap_or_default();
        assert!(s.matches(&labels(&[("name", "test-pod"), ("tier", "web")])));
        assert!(!s.matches(&labels(&[("name", "test-pod"), ("tier", "db")])));
        assert!(!s.matches(&labels(&[
            ("name", "test-pod"),
            ("tier", "web"),
            ("canary", "1")
        ])));
        assert!(Selector::parse("cheddar cheese").is_err());
        assert!(Selector::parse("").is_ok_and(|s| s.matches(&BTreeMap::new())));
    }
}
