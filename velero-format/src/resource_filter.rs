//! Resource-type filters of a backup: the "old" model (`includedResources`,
//! `excludedResources`, `includeClusterResources`) and the "new" scoped model
//! (`GlobalIncludesExcludes` / `ScopeIncludesExcludes` in `includes_excludes.go`).

use serde::{Deserialize, Serialize};

use crate::discovery::Discovery;
use crate::includes_excludes::{IncludesExcludes, NamespaceIncludesExcludes};

const NAMESPACES: &str = "namespaces";

/// Resolves each string through discovery (unresolvable kept verbatim), as
/// `GetResourceIncludesExcludes` does: `*` is kept in includes and dropped from excludes.
pub fn resource_includes_excludes(
    d: &Discovery,
    includes: &[String],
    excludes: &[String],
) -> IncludesExcludes {
    let map = |s: &String| {
        if s == "*" {
            s.clone()
        } else {
            d.resolve_or_keep(s)
        }
    };
    let inc: Vec<String> = includes.iter().map(map).filter(|s| !s.is_empty()).collect();
    let exc: Vec<String> = excludes
        .iter()
        .filter(|s| *s != "*")
        .map(map)
        .filter(|s| !s.is_empty())
        .collect();
    IncludesExcludes::new().includes(inc).excludes(exc)
}

/// Resolution for scoped lists: `*` kept, strings resolving to the other scope dropped.
fn scoped_map(d: &Discovery, item: &str, namespaced: bool) -> Option<String> {
    if item == "*" {
        return Some(item.to_owned());
    }
    match d.resource_for(item) {
        None => Some(item.to_owned()),
        Some(r) if r.namespaced != namespaced => None,
        Some(r) => Some(r.group_resource().to_string()),
    }
}

/// The old model (`GlobalIncludesExcludes`).
#[derive(Debug, Clone)]
pub struct GlobalIncludesExcludes {
    /// The discovery-resolved resource lists.
    pub resource_filter: IncludesExcludes,
    /// `includeClusterResources` (None = auto).
    pub include_cluster_resources: Option<bool>,
    /// The backup's namespace filter.
    pub namespace_filter: NamespaceIncludesExcludes,
    discovery: Discovery,
}

impl GlobalIncludesExcludes {
    /// `GetGlobalResourceIncludesExcludes`.
    pub fn new(
        d: &Discovery,
        includes: &[String],
        excludes: &[String],
        include_cluster_resources: Option<bool>,
        namespace_filter: NamespaceIncludesExcludes,
    ) -> Self {
        Self {
            resource_filter: resource_includes_excludes(d, includes, excludes),
            include_cluster_resources,
            namespace_filter,
            discovery: d.clone(),
        }
    }

    /// Whether the resource type is listed (see the spec §4.4).
    pub fn should_include(&self, type_name: &str) -> bool {
        let Some(r) = self.discovery.resource_for(type_name) else {
            return false;
        };
        if !r.namespaced && self.include_cluster_resources == Some(false) {
            return false;
        }
        if type_name != NAMESPACES
            && !r.namespaced
            && self.include_cluster_resources.is_none()
            && !self.namespace_filter.include_everything()
        {
            return false;
        }
        self.resource_filter.should_include(type_name)
    }

    /// Whether a (cluster-scoped, additional) item of this type must be rejected.
    pub fn should_exclude(&self, type_name: &str) -> bool {
        if self.resource_filter.exclude_set().matches(type_name) {
            return true;
        }
        let Some(r) = self.discovery.resource_for(type_name) else {
            return true;
        };
        if !r.namespaced {
            if self.include_cluster_resources == Some(false) {
                return true;
            }
            if self.include_cluster_resources.is_none()
                && !self.resource_filter.should_include(type_name)
            {
                return true;
            }
        }
        false
    }
}

/// Resource policy include/exclude lists (`includeExcludePolicy` of a resource policy).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncludeExcludePolicy {
    /// Namespaced types to include.
    #[serde(default)]
    pub included_namespace_scoped_resources: Vec<String>,
    /// Namespaced types to exclude.
    #[serde(default)]
    pub excluded_namespace_scoped_resources: Vec<String>,
    /// Cluster-scoped types to include.
    #[serde(default)]
    pub included_cluster_scoped_resources: Vec<String>,
    /// Cluster-scoped types to exclude.
    #[serde(default)]
    pub excluded_cluster_scoped_resources: Vec<String>,
}

/// The new scoped model (`ScopeIncludesExcludes`).
#[derive(Debug, Clone)]
pub struct ScopeIncludesExcludes {
    /// Namespaced resource lists.
    pub namespace_scoped: IncludesExcludes,
    /// Cluster-scoped resource lists.
    pub cluster_scoped: IncludesExcludes,
    /// The backup's namespace filter.
    pub namespace_filter: NamespaceIncludesExcludes,
    discovery: Discovery,
}

impl ScopeIncludesExcludes {
    /// `GetScopeResourceIncludesExcludes`.
    pub fn new(
        d: &Discovery,
        ns_includes: &[String],
        ns_excludes: &[String],
        cluster_includes: &[String],
        cluster_excludes: &[String],
        namespace_filter: NamespaceIncludesExcludes,
    ) -> Self {
        let map = |v: &[String], namespaced: bool| {
            v.iter()
                .filter_map(|s| scoped_map(d, s, namespaced))
                .collect::<Vec<_>>()
        };
        Self {
            namespace_scoped: IncludesExcludes::new()
                .includes(map(ns_includes, true))
                .excludes(map(ns_excludes, true)),
            cluster_scoped: IncludesExcludes::new()
                .includes(map(cluster_includes, false))
                .excludes(map(cluster_excludes, false)),
            namespace_filter,
            discovery: d.clone(),
        }
    }

    /// Whether the resource type is listed (spec §4.5).
    pub fn should_include(&self, type_name: &str) -> bool {
        let Some(r) = self.discovery.resource_for(type_name) else {
            return false;
        };
        if r.namespaced {
            let f = &self.namespace_scoped;
            if f.exclude_set().has("*") || f.exclude_set().matches(type_name) {
                return false;
            }
            return f.include_set().is_empty()
                || f.include_set().has("*")
                || f.include_set().matches(type_name);
        }
        let c = &self.cluster_scoped;
        if c.exclude_set().has("*") || c.exclude_set().matches(type_name) {
            return false;
        }
        if c.include_set().is_empty()
            && c.exclude_set().is_empty()
            && self.namespace_filter.include_everything()
            && self.namespace_scoped.include_everything()
        {
            return true;
        }
        c.include_set().has("*") || c.include_set().matches(type_name) || type_name == NAMESPACES
    }

    /// Only explicit excludes of the matching scope.
    pub fn should_exclude(&self, type_name: &str) -> bool {
        let Some(r) = self.discovery.resource_for(type_name) else {
            return true;
        };
        if r.namespaced {
            self.namespace_scoped.exclude_set().matches(type_name)
        } else {
            self.cluster_scoped.exclude_set().matches(type_name)
        }
    }

    /// `CombineWithPolicy`: policy entries are added only where the spec's own lists neither
    /// include nor exclude them.
    pub fn combine_with_policy(&mut self, policy: Option<&IncludeExcludePolicy>) {
        let Some(p) = policy else { return };
        let d = self.discovery.clone();
        let add = |f: &mut IncludesExcludes, items: &[String], namespaced: bool, include: bool| {
            for item in items {
                let Some(r) = scoped_map(&d, item, namespaced) else {
                    continue;
                };
                if !f.include_set().matches(&r) && !f.exclude_set().matches(&r) {
                    if include {
                        f.add_includes([r])
                    } else {
                        f.add_excludes([r])
                    }
                }
            }
        };
        add(
            &mut self.namespace_scoped,
            &p.excluded_namespace_scoped_resources,
            true,
            false,
        );
        add(
            &mut self.namespace_scoped,
            &p.included_namespace_scoped_resources,
            true,
            true,
        );
        add(
            &mut self.cluster_scoped,
            &p.excluded_cluster_scoped_resources,
            false,
            false,
        );
        add(
            &mut self.cluster_scoped,
            &p.included_cluster_scoped_resources,
            false,
            true,
        );
    }
}

/// Either filter model (`IncludesExcludesInterface`).
#[derive(Debug, Clone)]
pub enum ResourceFilter {
    /// Old model.
    Global(GlobalIncludesExcludes),
    /// New scoped model.
    Scope(ScopeIncludesExcludes),
}

impl ResourceFilter {
    /// Whether the resource type is listed.
    pub fn should_include(&self, type_name: &str) -> bool {
        match self {
            Self::Global(g) => g.should_include(type_name),
            Self::Scope(s) => s.should_include(type_name),
        }
    }

    /// Whether items of the type are rejected when reached as additional items.
    pub fn should_exclude(&self, type_name: &str) -> bool {
        match self {
            Self::Global(g) => g.should_exclude(type_name),
            Self::Scope(s) => s.should_exclude(type_name),
        }
    }
}
