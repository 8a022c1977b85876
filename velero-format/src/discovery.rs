//! API discovery: the resources a cluster serves and how user-supplied resource strings resolve
//! to them (Velero's `discovery.Helper.ResourceFor`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A Kubernetes group + resource. Displays as Velero's GR string: `resource` for the core
/// group, else `resource.group`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct GroupResource {
    /// API group (`""` for core).
    pub group: String,
    /// Plural resource name.
    pub resource: String,
}

impl GroupResource {
    /// Builds a group resource.
    pub fn new(group: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            resource: resource.into(),
        }
    }

    /// `schema.ParseGroupResource`: split at the FIRST dot (`deployments.apps`).
    pub fn parse(s: &str) -> Self {
        match s.split_once('.') {
            Some((r, g)) => Self::new(g, r),
            None => Self::new("", s),
        }
    }
}

impl fmt::Display for GroupResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

/// One served resource (discovery's `APIResource` plus its group/version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiResource {
    /// API group.
    pub group: String,
    /// The preferred (served) version.
    pub version: String,
    /// Plural name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Short names (`po`, `deploy`...).
    #[serde(default)]
    pub short_names: Vec<String>,
    /// Singular name; empty means "plural minus a trailing `s`".
    #[serde(default)]
    pub singular: String,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
}

impl ApiResource {
    /// The group resource.
    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(&self.group, &self.name)
    }

    /// `group/version`, or `version` for the core group.
    pub fn group_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    fn singular_name(&self) -> String {
        if self.singular.is_empty() {
            self.name.strip_suffix('s').unwrap_or(&self.name).to_owned()
        } else {
            self.singular.clone()
        }
    }

    fn answers_to(&self, resource: &str) -> bool {
        let r = resource.to_ascii_lowercase();
        self.name.eq_ignore_ascii_case(&r)
            || self.singular_name().eq_ignore_ascii_case(&r)
            || self.short_names.iter().any(|s| s.eq_ignore_ascii_case(&r))
    }
}

/// The served resources, in discovery order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    resources: Vec<ApiResource>,
    exact: bool,
}

impl Discovery {
    /// Discovery over exactly these resources (order = discovery order).
    pub fn new(resources: Vec<ApiResource>) -> Self {
        Self {
            resources,
            exact: false,
        }
    }

    /// Discovery that resolves only exact `resource.group` plural names (no short or singular
    /// names, no group inference), like Velero's `FakeDiscoveryHelper` over a REST mapper.
    pub fn exact(resources: Vec<ApiResource>) -> Self {
        Self {
            resources,
            exact: true,
        }
    }

    /// All resources, in discovery order.
    pub fn resources(&self) -> &[ApiResource] {
        &self.resources
    }

    /// Resolves a user string (`pods`, `po`, `pod`, `deployments.apps`, `Deployments`) to a
    /// served resource; `None` when unresolvable (Velero then keeps the string verbatim).
    /// Without a group, the core group wins, then discovery order.
    pub fn resource_for(&self, s: &str) -> Option<&ApiResource> {
        let gr = GroupResource::parse(s);
        if self.exact {
            return self
                .resources
                .iter()
                .find(|r| r.group == gr.group && r.name == gr.resource);
        }
        let candidates = self.resources.iter().filter(|r| r.answers_to(&gr.resource));
        if !gr.group.is_empty() {
            let group = gr.group.to_ascii_lowercase();
            return candidates.into_iter().find(|r| r.group == group);
        }
        let all: Vec<&ApiResource> = candidates.collect();
        all.iter()
            .find(|r| r.group.is_empty())
            .or_else(|| all.first())
            .copied()
    }

    /// The canonical GR string of `s`, or `s` itself when unresolvable.
    pub fn resolve_or_keep(&self, s: &str) -> String {
        self.resource_for(s)
            .map_or_else(|| s.to_owned(), |r| r.group_resource().to_string())
    }

    /// Looks a resource up by its exact group resource.
    pub fn by_group_resource(&self, gr: &GroupResource) -> Option<&ApiResource> {
        self.resources
            .iter()
            .find(|r| r.group == gr.group && r.name == gr.resource)
    }
}
