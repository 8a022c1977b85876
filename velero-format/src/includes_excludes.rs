//! Include/exclude lists (`pkg/util/collections/includes_excludes.go`).
//!
//! Patterns are gobwas globs without separators; excludes win; an empty include list means
//! everything; the literal `*` in includes means everything.

use std::collections::BTreeSet;

use crate::error::Error;
use crate::glob::Glob;
use crate::wildcard;

/// A sorted set of glob patterns, matched like Velero's `globStringSet.match`: patterns are
/// tried in sorted order and the first that fails to compile ends the scan with "no match".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobSet(BTreeSet<String>);

impl GlobSet {
    /// Whether any pattern matches `s`.
    pub fn matches(&self, s: &str) -> bool {
        for p in &self.0 {
            match Glob::compile(p, &[]) {
                Err(_) => return false,
                Ok(g) if g.matches(s) => return true,
                Ok(_) => {}
            }
        }
        false
    }

    /// Whether the literal string is in the set.
    pub fn has(&self, s: &str) -> bool {
        self.0.contains(s)
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The patterns, sorted.
    pub fn list(&self) -> Vec<String> {
        self.0.iter().cloned().collect()
    }

    fn insert<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, items: I) {
        self.0.extend(items.into_iter().map(Into::into));
    }
}

/// Plain include/exclude lists (`IncludesExcludes`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncludesExcludes {
    pub(crate) includes: GlobSet,
    pub(crate) excludes: GlobSet,
}

impl IncludesExcludes {
    /// An empty filter (includes everything).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds includes.
    pub fn includes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, items: I) -> Self {
        self.includes.insert(items);
        self
    }

    /// Adds excludes.
    pub fn excludes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, items: I) -> Self {
        self.excludes.insert(items);
        self
    }

    /// Adds includes in place.
    pub fn add_includes<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, items: I) {
        self.includes.insert(items);
    }

    /// Adds excludes in place.
    pub fn add_excludes<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, items: I) {
        self.excludes.insert(items);
    }

    /// The include patterns, sorted.
    pub fn get_includes(&self) -> Vec<String> {
        self.includes.list()
    }

    /// The exclude patterns, sorted.
    pub fn get_excludes(&self) -> Vec<String> {
        self.excludes.list()
    }

    /// The include set.
    pub fn include_set(&self) -> &GlobSet {
        &self.includes
    }

    /// The exclude set.
    pub fn exclude_set(&self) -> &GlobSet {
        &self.excludes
    }

    /// `ShouldInclude`: excluded → false; else includes empty, containing `*`, or matching.
    pub fn should_include(&self, s: &str) -> bool {
        if self.excludes.matches(s) {
            return false;
        }
        self.includes.is_empty() || self.includes.has("*") || self.includes.matches(s)
    }

    /// `IncludeEverything`: no excludes and includes empty or exactly `["*"]`.
    pub fn include_everything(&self) -> bool {
        self.excludes.is_empty()
            && (self.includes.is_empty() || (self.includes.len() == 1 && self.includes.has("*")))
    }

    /// Includes joined by `", "`, or `*` when empty.
    pub fn includes_string(&self) -> String {
        as_string(&self.get_includes(), "*")
    }

    /// Excludes joined by `", "`, or `<none>` when empty.
    pub fn excludes_string(&self) -> String {
        as_string(&self.get_excludes(), "<none>")
    }
}

fn as_string(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        empty.to_owned()
    } else {
        items.join(", ")
    }
}

/// Namespace include/exclude lists with wildcard expansion against the live namespaces
/// (`NamespaceIncludesExcludes`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceIncludesExcludes {
    active: Vec<String>,
    inner: IncludesExcludes,
    expanded: bool,
}

impl NamespaceIncludesExcludes {
    /// An empty filter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the live namespace list used by expansion and [`Self::resolve_namespace_list`].
    pub fn active_namespaces<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ns: I) -> Self {
        self.active = ns.into_iter().map(Into::into).collect();
        self
    }

    /// Adds includes.
    pub fn includes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, items: I) -> Self {
        self.inner.add_includes(items);
        self
    }

    /// Adds excludes.
    pub fn excludes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, items: I) -> Self {
        self.inner.add_excludes(items);
        self
    }

    /// Whether wildcard expansion happened.
    pub fn is_wildcard_expanded(&self) -> bool {
        self.expanded
    }

    /// The include patterns (expanded, if expansion happened), sorted.
    pub fn get_includes(&self) -> Vec<String> {
        self.inner.get_includes()
    }

    /// The exclude patterns, sorted.
    pub fn get_excludes(&self) -> Vec<String> {
        self.inner.get_excludes()
    }

    /// The plain filter inside.
    pub fn inner(&self) -> &IncludesExcludes {
        &self.inner
    }

    /// `ShouldInclude`, where an include list that expanded to nothing includes nothing.
    pub fn should_include(&self, ns: &str) -> bool {
        if self.expanded && self.inner.includes.is_empty() {
            return false;
        }
        self.inner.should_include(ns)
    }

    /// `IncludeEverything` of the inner lists (ignores the expansion flag, as upstream does).
    pub fn include_everything(&self) -> bool {
        self.inner.include_everything()
    }

    /// `ExpandIncludesExcludes`: replaces patterns by matching active namespaces when
    /// [`wildcard::should_expand_wildcards`] says so.
    pub fn expand(&mut self) -> Result<(), Error> {
        let inc = self.get_includes();
        let exc = self.get_excludes();
        if wildcard::should_expand_wildcards(&inc, &exc) {
            let (i, e) = wildcard::expand_wildcards(&self.active, &inc, &exc)?;
            self.inner.includes = GlobSet::default();
            self.inner.includes.insert(i.unwrap_or_default());
            self.inner.excludes = GlobSet::default();
            self.inner.excludes.insert(e.unwrap_or_default());
            self.expanded = true;
        }
        Ok(())
    }

    /// `ResolveNamespaceList`: expands if not yet done, then the active namespaces included.
    pub fn resolve_namespace_list(&mut self) -> Result<Vec<String>, Error> {
        if !self.expanded {
            self.expand()?;
        }
        Ok(self
            .active
            .iter()
            .filter(|ns| self.should_include(ns))
            .cloned()
            .collect())
    }
}

fn dedup_sorted(items: &[String]) -> BTreeSet<&str> {
    items.iter().map(String::as_str).collect()
}

/// `ValidateIncludesExcludes`: messages in Velero's order.
pub fn validate_includes_excludes(includes: &[String], excludes: &[String]) -> Vec<String> {
    let inc = dedup_sorted(includes);
    let exc = dedup_sorted(excludes);
    let mut errs = Vec::new();
    if inc.len() > 1 && inc.contains("*") {
        errs.push(
            "includes list must either contain '*' only, or a non-empty list of items".to_owned(),
        );
    }
    if exc.contains("*") {
        errs.push("excludes list cannot contain '*'".to_owned());
    }
    errs.extend(in_both(&inc, &exc));
    errs
}

fn in_both(inc: &BTreeSet<&str>, exc: &BTreeSet<&str>) -> Vec<String> {
    exc.iter()
        .filter(|e| inc.contains(*e))
        .map(|e| format!("excludes list cannot contain an item in the includes list: {e}"))
        .collect()
}

/// `ValidateScopedIncludesExcludes` (new scoped resource filters).
pub fn validate_scoped_includes_excludes(includes: &[String], excludes: &[String]) -> Vec<String> {
    let inc = dedup_sorted(includes);
    let exc = dedup_sorted(excludes);
    let mut errs = Vec::new();
    if inc.len() > 1 && inc.contains("*") {
        errs.push(
            "includes list must either contain '*' only, or a non-empty list of items".to_owned(),
        );
    }
    if exc.len() > 1 && exc.contains("*") {
        errs.push(
            "excludes list must either contain '*' only, or a non-empty list of items".to_owned(),
        );
    }
    if !inc.is_empty() && exc.contains("*") {
        errs.push("when exclude is '*', include cannot have value".to_owned());
    }
    errs.extend(in_both(&inc, &exc));
    errs
}

/// `ValidateNamespaceIncludesExcludes`: the plain checks plus per-name pattern and DNS-1123
/// label validation (after replacing `* ? [ ]` with `x`).
pub fn validate_namespace_includes_excludes(
    includes: &[String],
    excludes: &[String],
) -> Vec<String> {
    let mut errs = validate_includes_excludes(includes, excludes);
    for ns in dedup_sorted(includes)
        .into_iter()
        .chain(dedup_sorted(excludes))
    {
        if ns.is_empty() {
            continue;
        }
        if let Err(e) = wildcard::validate_namespace_pattern(ns) {
            errs.push(e.to_string());
            continue;
        }
        let tmp: String = ns
            .chars()
            .map(|c| {
                if matches!(c, '*' | '?' | '[' | ']') {
                    'x'
                } else {
                    c
                }
            })
            .collect();
        errs.extend(
            dns1123_label_errors(&tmp)
                .into_iter()
                .map(|m| format!("invalid namespace {ns:?}: {m}")),
        );
    }
    errs
}

/// Kubernetes DNS-1123 label validation (namespace names).
pub fn dns1123_label_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_owned());
    }
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let ok = !b.is_empty()
        && b.first().is_some_and(alnum)
        && b.last().is_some_and(alnum)
        && b.iter().all(|c| alnum(c) || *c == b'-');
    if !ok {
        errs.push(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
                .to_owned(),
        );
    }
    errs
}
