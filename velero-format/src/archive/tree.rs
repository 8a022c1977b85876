//! Velero's archive parser (`pkg/archive/parser.go`) over the set of paths an archive holds.
//! Directories are implied by file paths, as after extraction.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::paths::{
    CLUSTER_SCOPED_DIR, NAMESPACE_SCOPED_DIR, PREFERRED_VERSION_SUFFIX, RESOURCES_DIR,
    extract_group_name,
};
use crate::error::Error;

#[derive(Debug, Default, Clone)]
struct Dir {
    dirs: BTreeMap<String, Dir>,
    files: BTreeSet<String>,
}

impl Dir {
    fn child(&self, name: &str) -> Option<&Dir> {
        self.dirs.get(name)
    }

    /// Entries sorted by name (as `os.ReadDir`): `(name, is_dir)`.
    fn read_dir(&self) -> Vec<(&str, bool)> {
        let mut v: Vec<(&str, bool)> = self
            .dirs
            .keys()
            .map(|k| (k.as_str(), true))
            .chain(self.files.iter().map(|f| (f.as_str(), false)))
            .collect();
        v.sort();
        v
    }
}

/// A directory tree of archive paths.
#[derive(Debug, Default, Clone)]
pub struct ArchiveTree {
    root: Dir,
}

/// Items of one resource directory (`archive.ResourceItems`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceItems {
    /// The directory name (the GR string).
    pub group_resource: String,
    /// Namespace (`""` for cluster-scoped) → item names, in file-name order.
    pub items_by_namespace: BTreeMap<String, Vec<String>>,
}

/// One version entry of [`ApiGroup`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupVersionForDiscovery {
    /// `group/version` or `version`.
    pub group_version: String,
    /// The version.
    pub version: String,
}

/// `metav1.APIGroup` as built by `ParseGroupVersions`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroup {
    /// Group name.
    pub name: String,
    /// Versions in directory order.
    pub versions: Vec<GroupVersionForDiscovery>,
    /// The `-preferredversion` one.
    pub preferred_version: GroupVersionForDiscovery,
}

impl ArchiveTree {
    /// Adds a path; a trailing `/` adds a directory only.
    pub fn add(&mut self, path: &str) {
        let is_dir = path.ends_with('/');
        let parts: Vec<&str> = path
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        let mut cur = &mut self.root;
        let n = parts.len();
        for (i, p) in parts.into_iter().enumerate() {
            if i + 1 == n && !is_dir {
                cur.files.insert(p.to_owned());
            } else {
                cur = cur.dirs.entry(p.to_owned()).or_default();
            }
        }
    }

    /// Builds a tree from paths.
    pub fn from_paths<I: IntoIterator<Item = S>, S: AsRef<str>>(paths: I) -> Self {
        let mut t = Self::default();
        for p in paths {
            t.add(p.as_ref());
        }
        t
    }

    fn dir(&self, path: &str) -> Option<&Dir> {
        path.split('/')
            .filter(|p| !p.is_empty())
            .try_fold(&self.root, |d, p| d.child(p))
    }

    fn resources(&self, root: &str) -> Result<&Dir, Error> {
        let p = super::paths::join(&[root, RESOURCES_DIR]);
        self.dir(&p).ok_or(Error::NotExist(p))
    }

    /// `Parser.Parse(root)`.
    pub fn parse(&self, root: &str) -> Result<BTreeMap<String, ResourceItems>, Error> {
        let res = self.resources(root)?;
        let mut out = BTreeMap::new();
        for (name, d) in &res.dirs {
            let mut items = ResourceItems {
                group_resource: name.clone(),
                items_by_namespace: BTreeMap::new(),
            };
            if let Some(c) = d.child(CLUSTER_SCOPED_DIR) {
                let names = scope_items(c);
                if !names.is_empty() {
                    items.items_by_namespace.insert(String::new(), names);
                }
            }
            if let Some(nsd) = d.child(NAMESPACE_SCOPED_DIR) {
                for (ns, dir) in &nsd.dirs {
                    let names = scope_items(dir);
                    if !names.is_empty() {
                        items.items_by_namespace.insert(ns.clone(), names);
                    }
                }
            }
            out.insert(name.clone(), items);
        }
        Ok(out)
    }

    /// `Parser.ParseGroupVersions(root)`.
    pub fn parse_group_versions(&self, root: &str) -> Result<BTreeMap<String, ApiGroup>, Error> {
        let res = self.resources(root)?;
        let mut out = BTreeMap::new();
        for (name, is_dir) in res.read_dir() {
            let d = match (is_dir, res.child(name)) {
                (true, Some(d)) => d,
                _ => {
                    return Err(Error::NotExist(super::paths::join(&[
                        root,
                        RESOURCES_DIR,
                        name,
                    ])));
                }
            };
            let group = extract_group_name(name).to_owned();
            let mut g = ApiGroup {
                name: group.clone(),
                ..ApiGroup::default()
            };
            for (v, _) in d.read_dir() {
                if v == NAMESPACE_SCOPED_DIR || v == CLUSTER_SCOPED_DIR {
                    continue;
                }
                let gv = |ver: &str| {
                    if group.is_empty() {
                        ver.to_owned()
                    } else {
                        format!("{group}/{ver}")
                    }
                };
                let mut entry = GroupVersionForDiscovery {
                    group_version: gv(v),
                    version: v.to_owned(),
                };
                if v.contains(PREFERRED_VERSION_SUFFIX) {
                    let trimmed = v.strip_suffix(PREFERRED_VERSION_SUFFIX).unwrap_or(v);
                    entry = GroupVersionForDiscovery {
                        group_version: gv(trimmed),
                        version: trimmed.to_owned(),
                    };
                    g.preferred_version = entry.clone();
                }
                g.versions.push(entry);
            }
            out.insert(name.to_owned(), g);
        }
        Ok(out)
    }
}

fn scope_items(d: &Dir) -> Vec<String> {
    d.read_dir()
        .into_iter()
        .filter(|(_, is_dir)| !is_dir)
        .map(|(f, _)| f.strip_suffix(".json").unwrap_or(f).to_owned())
        .collect()
}
