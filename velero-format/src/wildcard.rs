//! Namespace wildcard expansion (`pkg/util/wildcard`): patterns in included/excluded namespace
//! lists are replaced by the live namespaces they match.

use std::collections::BTreeSet;

use crate::error::Error;
use crate::glob::Glob;

/// Whether expansion applies: includes non-empty, none is exactly `*`, and some include or
/// exclude contains `*`, `?` or `[` (`ShouldExpandWildcards`).
pub fn should_expand_wildcards(includes: &[String], excludes: &[String]) -> bool {
    if includes.is_empty() || includes.iter().any(|i| i == "*") {
        return false;
    }
    includes
        .iter()
        .chain(excludes)
        .any(|p| contains_wildcard(p))
}

fn contains_wildcard(p: &str) -> bool {
    p.contains(['*', '?', '['])
}

fn err(pattern: &str, message: &str) -> Error {
    Error::invalid("namespace pattern", pattern, message)
}

/// Validates a namespace pattern as Velero's `ValidateNamespaceName` does: no `|()!{},`, no
/// `**`, balanced non-empty brackets.
pub fn validate_namespace_pattern(pattern: &str) -> Result<(), Error> {
    if pattern.contains(['|', '(', ')', '!', '{', '}', ',']) {
        return Err(err(
            pattern,
            "wildcard pattern contains unsupported characters: |, (, ), !, {, }, ,",
        ));
    }
    if pattern.contains("**") {
        return Err(err(
            pattern,
            "wildcard pattern contains consecutive asterisks (only single * allowed)",
        ));
    }
    validate_brackets(pattern)
}

/// Bracket validation (`validateBracePatterns`): every `[` closed by a later `]` with
/// non-empty content; no stray `]`.
pub fn validate_brackets(pattern: &str) -> Result<(), Error> {
    let b = pattern.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'[' {
            let close = b
                .get(i + 1..)
                .and_then(|rest| rest.iter().position(|x| *x == b']'));
            match close {
                None => {
                    return Err(err(
                        pattern,
                        "wildcard pattern contains unclosed bracket '['",
                    ));
                }
                Some(0) => {
                    return Err(err(
                        pattern,
                        "wildcard pattern contains empty bracket pattern '[]'",
                    ));
                }
                Some(off) => i += off + 1,
            }
        } else if c == b']' {
            return Err(err(
                pattern,
                "wildcard pattern contains unmatched closing bracket ']'",
            ));
        }
        i += 1;
    }
    Ok(())
}

/// Expanded includes and excludes; `None` stands for Go's nil slice.
pub type Expanded = (Option<Vec<String>>, Option<Vec<String>>);

/// Expands both lists against `active` (`ExpandWildcards`).
pub fn expand_wildcards(
    active: &[String],
    includes: &[String],
    excludes: &[String],
) -> Result<Expanded, Error> {
    let inc = expand_patterns(includes, active)?;
    let exc = expand_patterns(excludes, active)?;
    Ok((inc, exc))
}

/// Expands one list (`expandWildcards`): literals kept as-is, patterns replaced by the active
/// namespaces they match; de-duplicated. `None` when `patterns` is empty.
pub fn expand_patterns(
    patterns: &[String],
    active: &[String],
) -> Result<Option<Vec<String>>, Error> {
    if patterns.is_empty() {
        return Ok(None);
    }
    for p in patterns {
        validate_namespace_pattern(p)?;
    }
    let mut out = BTreeSet::new();
    for p in patterns {
        if !contains_wildcard(p) {
            out.insert(p.clone());
            continue;
        }
        let g = Glob::compile(p, &[])?;
        out.extend(active.iter().filter(|ns| g.matches(ns)).cloned());
    }
    Ok(Some(out.into_iter().collect()))
}
