//! `includes_excludes.json` and `wildcard_expand.json`.

use serde_json::Value;
use velero_format::includes_excludes::{
    IncludesExcludes, NamespaceIncludesExcludes, validate_includes_excludes,
    validate_namespace_includes_excludes, validate_scoped_includes_excludes,
};
use velero_format::resource_filter::{
    GlobalIncludesExcludes, IncludeExcludePolicy, ScopeIncludesExcludes,
};
use velero_format::wildcard;

use super::super::check::{Checks, str_at};
use super::super::{Case, Handler, Outcome, Table};
use super::{api_resources, opt_strings, sorted, strings};

fn discovery(v: &Value) -> velero_format::discovery::Discovery {
    velero_format::discovery::Discovery::exact(
        api_resources(v).into_iter().map(|(r, _)| r).collect(),
    )
}

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "TestShouldInclude" => should_include,
        "TestValidateIncludesExcludes" => {
            |_, c| validate_msgs(c, "want", validate_includes_excludes)
        }
        "TestValidateScopedIncludesExcludes" => {
            |_, c| validate_msgs(c, "wantErr", validate_scoped_includes_excludes)
        }
        "TestIncludeExcludeString" => include_exclude_string,
        "TestValidateNamespaceIncludesExcludes" => validate_namespace,
        "TestNamespaceScopedShouldInclude" | "TestClusterScopedShouldInclude" => {
            scoped_should_include
        }
        "TestGetScopedResourceIncludesExcludes" => scoped_lists,
        "TestScopeIncludesExcludes_CombineWithPolicy" => combine_with_policy,
        "TestUseOldResourceFilters" => use_old_filters,
        "TestShouldExcluded" => should_exclude,
        "TestExpandIncludesExcludes" => expand_includes_excludes,
        "TestResolveNamespaceList" | "TestResolveNamespaceListError" => resolve_namespace_list,
        "TestNamespaceIncludesExcludesShouldIncludeAfterWildcardExpansion" => {
            should_include_after_expansion
        }
        "TestShouldExpandWildcards" => should_expand,
        "TestExpandWildcards" => expand_wildcards,
        "TestExpandWildcardsPrivate" => expand_private,
        "TestValidateBracePatterns" => validate_braces,
        "TestExpandWildcardsEdgeCases" => edge_cases,
        _ => return None,
    })
}

fn b(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

fn ie(d: &Value) -> IncludesExcludes {
    IncludesExcludes::new()
        .includes(strings(d, "includes"))
        .excludes(strings(d, "excludes"))
}

fn nie(d: &Value) -> NamespaceIncludesExcludes {
    NamespaceIncludesExcludes::new()
        .active_namespaces(strings(d, "activeNamespaces"))
        .includes(strings(d, "includes"))
        .excludes(strings(d, "excludes"))
}

fn should_include(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut k = Checks::default();
    k.eq(
        "ShouldInclude",
        ie(d).should_include(str_at(d, "item").unwrap_or_default()),
        b(d, "want"),
    );
    k.outcome()
}

fn validate_msgs(c: &Case, key: &str, f: fn(&[String], &[String]) -> Vec<String>) -> Outcome {
    let d = &c.data;
    let want: Vec<String> = d
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("error").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut k = Checks::default();
    k.eq(
        "errors",
        f(&strings(d, "includes"), &strings(d, "excludes")),
        want,
    );
    k.outcome()
}

fn include_exclude_string(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let f = ie(d);
    let mut k = Checks::default();
    k.eq(
        "IncludesString",
        f.includes_string().as_str(),
        str_at(d, "wantIncludes").unwrap_or_default(),
    );
    k.eq(
        "ExcludesString",
        f.excludes_string().as_str(),
        str_at(d, "wantExcludes").unwrap_or_default(),
    );
    k.outcome()
}

fn validate_namespace(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut k = Checks::default();
    let errs =
        validate_namespace_includes_excludes(&strings(d, "includes"), &strings(d, "excludes"));
    k.eq("has errors", !errs.is_empty(), b(d, "wantErr"));
    k.outcome()
}

fn scoped_should_include(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let ns = NamespaceIncludesExcludes::new().includes(strings(d, "nsIncludes"));
    let f = ScopeIncludesExcludes::new(
        &discovery(d),
        &strings(d, "namespaceScopedIncludes"),
        &strings(d, "namespaceScopedExcludes"),
        &strings(d, "clusterScopedIncludes"),
        &strings(d, "clusterScopedExcludes"),
        ns,
    );
    let mut k = Checks::default();
    k.eq(
        "ShouldInclude",
        f.should_include(str_at(d, "item").unwrap_or_default()),
        b(d, "want"),
    );
    k.outcome()
}

fn scope_of(d: &Value) -> ScopeIncludesExcludes {
    ScopeIncludesExcludes::new(
        &discovery(d),
        &strings(d, "namespaceScopedIncludes"),
        &strings(d, "namespaceScopedExcludes"),
        &strings(d, "clusterScopedIncludes"),
        &strings(d, "clusterScopedExcludes"),
        NamespaceIncludesExcludes::new(),
    )
}

fn scoped_lists(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let f = scope_of(d);
    let mut k = Checks::default();
    k.eq(
        "namespaced includes",
        f.namespace_scoped.get_includes(),
        strings(d, "expectedNamespaceScopedIncludes"),
    );
    k.eq(
        "namespaced excludes",
        f.namespace_scoped.get_excludes(),
        strings(d, "expectedNamespaceScopedExcludes"),
    );
    k.eq(
        "cluster includes",
        f.cluster_scoped.get_includes(),
        strings(d, "expectedClusterScopedIncludes"),
    );
    k.eq(
        "cluster excludes",
        f.cluster_scoped.get_excludes(),
        strings(d, "expectedClusterScopedExcludes"),
    );
    k.outcome()
}

fn combine_with_policy(t: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    // The Go test's discovery: Deployments, Pods, ConfigMaps, Secrets, PVs, CRDs, ServiceAccounts.
    let catalog = t
        .doc
        .get("resource_catalog")
        .cloned()
        .unwrap_or(Value::Null);
    let names = [
        "Deployments",
        "Pods",
        "ConfigMaps",
        "Secrets",
        "PVs",
        "CRDs",
        "ServiceAccounts",
    ];
    let api: Vec<Value> = names
        .iter()
        .filter_map(|n| catalog.get(*n).cloned())
        .collect();
    let mut with_api = d.clone();
    if let Some(o) = with_api.as_object_mut() {
        o.insert("apiResources".into(), Value::Array(api));
    }
    let mut f = scope_of(&with_api);
    let policy: Option<IncludeExcludePolicy> = match d.get("policy") {
        None | Some(Value::Null) => None,
        Some(p) => match serde_json::from_value(p.clone()) {
            Ok(p) => Some(p),
            Err(e) => return Outcome::Fail(format!("policy: {e}")),
        },
    };
    f.combine_with_policy(policy.as_ref());
    let mut k = Checks::default();
    for v in d
        .get("verify_all")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let item = str_at(v, "item").unwrap_or_default();
        let inner = if str_at(v, "filter") == Some("clusterScoped") {
            &f.cluster_scoped
        } else {
            &f.namespace_scoped
        };
        k.eq(
            &format!("{item} included"),
            inner.should_include(item),
            b(v, "shouldInclude"),
        );
    }
    k.outcome()
}

fn use_old_filters(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let spec: velero_format::backup::BackupSpec =
        match serde_json::from_value(d.pointer("/backup/spec").cloned().unwrap_or(Value::Null)) {
            Ok(s) => s,
            Err(e) => return Outcome::Fail(format!("backup spec: {e}")),
        };
    let mut k = Checks::default();
    k.eq(
        "UseOldResourceFilters",
        spec.use_old_resource_filters(),
        b(d, "useOldResourceFilters"),
    );
    k.outcome()
}

fn should_exclude(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let disc = discovery(d);
    let inc = strings(d, "clusterIncludes");
    let exc = strings(d, "clusterExcludes");
    let item = str_at(d, "resourceName").unwrap_or_default();
    let got = if str_at(d, "filterType") == Some("global") {
        let icr = d.get("includeClusterResources").and_then(Value::as_bool);
        GlobalIncludesExcludes::new(&disc, &inc, &exc, icr, NamespaceIncludesExcludes::new())
            .should_exclude(item)
    } else {
        ScopeIncludesExcludes::new(
            &disc,
            &[],
            &[],
            &inc,
            &exc,
            NamespaceIncludesExcludes::new(),
        )
        .should_exclude(item)
    };
    let mut k = Checks::default();
    k.eq("ShouldExclude", got, b(d, "resourceIsExcluded"));
    k.outcome()
}

fn expand_includes_excludes(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut f = nie(d);
    let res = f.expand();
    let mut k = Checks::default();
    if b(d, "expectError") {
        k.eq("error", res.is_err(), true);
        return k.outcome();
    }
    if let Err(e) = res {
        return Outcome::Fail(format!("unexpected error: {e}"));
    }
    k.eq(
        "expanded",
        f.is_wildcard_expanded(),
        b(d, "expectedWildcardExpanded"),
    );
    k.eq(
        "includes",
        sorted(f.get_includes()),
        sorted(strings(d, "expectedIncludes")),
    );
    k.eq(
        "excludes",
        sorted(f.get_excludes()),
        sorted(strings(d, "expectedExcludes")),
    );
    k.outcome()
}

fn resolve_namespace_list(t: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut f = nie(d);
    let mut k = Checks::default();
    if b(d, "preExpandWildcards") {
        if let Err(e) = f.expand() {
            return Outcome::Fail(format!("expand: {e}"));
        }
    }
    let res = f.resolve_namespace_list();
    if t.name == "TestResolveNamespaceListError" {
        k.eq("error", res.is_err(), true);
    } else {
        match res {
            Ok(ns) => k.eq(
                "namespaces",
                sorted(ns),
                sorted(strings(d, "expectedNamespaces")),
            ),
            Err(e) => k.fail(format!("unexpected error: {e}")),
        }
    }
    k.outcome()
}

fn should_include_after_expansion(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut f = nie(d);
    if let Err(e) = f.expand() {
        return Outcome::Fail(format!("expand: {e}"));
    }
    let mut k = Checks::default();
    k.eq(
        "ShouldInclude",
        f.should_include(str_at(d, "testNamespace").unwrap_or_default()),
        b(d, "expectedResult"),
    );
    k.outcome()
}

fn should_expand(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut k = Checks::default();
    k.eq(
        "ShouldExpandWildcards",
        wildcard::should_expand_wildcards(&strings(d, "includes"), &strings(d, "excludes")),
        b(d, "expected"),
    );
    k.outcome()
}

fn cmp_opt(k: &mut Checks, what: &str, got: Option<Vec<String>>, want: Option<Vec<String>>) {
    k.eq(
        what,
        got.map(sorted).unwrap_or_default(),
        want.map(sorted).unwrap_or_default(),
    );
}

fn expand_wildcards(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut k = Checks::default();
    let res = wildcard::expand_wildcards(
        &strings(d, "activeNamespaces"),
        &strings(d, "includes"),
        &strings(d, "excludes"),
    );
    match res {
        Err(_) => k.eq("error", true, b(d, "expectError")),
        Ok((i, e)) => {
            k.eq("error", false, b(d, "expectError"));
            cmp_opt(&mut k, "includes", i, opt_strings(d, "expectedIncludes"));
            cmp_opt(&mut k, "excludes", e, opt_strings(d, "expectedExcludes"));
        }
    }
    k.outcome()
}

fn check_private(
    k: &mut Checks,
    patterns: &[String],
    active: &[String],
    want_err: bool,
    expected: Option<Vec<String>>,
) {
    match wildcard::expand_patterns(patterns, active) {
        Err(_) => k.eq("error", true, want_err),
        Ok(got) => {
            k.eq("error", false, want_err);
            if !want_err {
                match expected {
                    None => k.eq("nil result", got.is_none(), true),
                    Some(w) => k.eq("result", got.map(sorted).unwrap_or_default(), sorted(w)),
                }
            }
        }
    }
}

fn expand_private(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut k = Checks::default();
    check_private(
        &mut k,
        &strings(d, "patterns"),
        &strings(d, "activeNamespaces"),
        b(d, "expectError"),
        opt_strings(d, "expected"),
    );
    k.outcome()
}

fn validate_braces(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut k = Checks::default();
    match wildcard::validate_brackets(str_at(d, "pattern").unwrap_or_default()) {
        Ok(()) => k.eq("error", false, b(d, "expectError")),
        Err(e) => {
            k.eq("error", true, b(d, "expectError"));
            let want = str_at(d, "errorMsg").unwrap_or_default();
            if !e.to_string().contains(want) {
                k.fail(format!("error {e} does not contain {want:?}"));
            }
        }
    }
    k.outcome()
}

fn edge_cases(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut k = Checks::default();
    let call = str_at(d, "call").unwrap_or_default();
    if call.starts_with("ExpandWildcards(nil") {
        match wildcard::expand_wildcards(&[], &[], &[]) {
            Ok((i, e)) => {
                k.eq("includes nil", i.is_none(), true);
                k.eq("excludes nil", e.is_none(), true);
            }
            Err(e) => k.fail(format!("unexpected error {e}")),
        }
    } else if let Some(p) = str_at(d, "pattern") {
        let res = wildcard::expand_patterns(&[p.to_owned()], &["test".to_owned()]);
        k.eq("error", res.is_err(), b(d, "shouldError"));
    } else {
        check_private(
            &mut k,
            &strings(d, "patterns"),
            &strings(d, "activeNamespaces"),
            false,
            opt_strings(d, "expected"),
        );
    }
    k.outcome()
}
