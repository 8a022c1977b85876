//! The backup engine (`pkg/backup/backup.go`, `item_collector.go`, `item_backupper.go`):
//! discovery order, resource and namespace filters, label selectors, cohabiting resources,
//! namespace tracking, ordered resources, item blocks with related items, additional items
//! of actions, de-duplication and CRD inclusion.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;

use serde_json::Value;

use super::actions::{BackupItemAction, ItemBlockAction, ResourceIdentifier};
use super::cluster::ClusterSnapshot;
use super::spec::BackupSpec;
use crate::archive::writer::ArchiveWriter;
use crate::discovery::{ApiResource, GroupResource};
use crate::error::Error;
use crate::includes_excludes::NamespaceIncludesExcludes;
use crate::label_selector::labels_of;
use crate::resource_filter::{
    GlobalIncludesExcludes, IncludeExcludePolicy, ResourceFilter, ScopeIncludesExcludes,
};

/// Label that drops an item from backups when `"true"`.
pub const EXCLUDE_FROM_BACKUP_LABEL: &str = "velero.io/exclude-from-backup";
/// Annotation that makes additional items skip the inclusion checks.
pub const MUST_INCLUDE_ADDITIONAL_ITEMS: &str = "backup.velero.io/must-include-additional-items";
const CRDS: &str = "customresourcedefinitions.apiextensions.k8s.io";

/// Where backed-up items go.
pub trait BackupSink {
    /// Writes `metadata/version`.
    fn write_version(&mut self) -> Result<(), Error>;
    /// Writes one item at its paths.
    fn write_item(
        &mut self,
        gr: &str,
        namespace: &str,
        name: &str,
        version: &str,
        preferred: &str,
        obj: &Value,
    ) -> Result<(), Error>;
}

impl<W: Write> BackupSink for ArchiveWriter<W> {
    fn write_version(&mut self) -> Result<(), Error> {
        ArchiveWriter::write_version(self)
    }
    fn write_item(
        &mut self,
        gr: &str,
        namespace: &str,
        name: &str,
        version: &str,
        preferred: &str,
        obj: &Value,
    ) -> Result<(), Error> {
        ArchiveWriter::write_item(self, gr, namespace, name, version, preferred, obj)
    }
}

/// One backed-up item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackedUpItem {
    /// GR string (tarball directory).
    pub group_resource: String,
    /// `apiVersion` of the object.
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// Result of a backup run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupResult {
    /// Items in write order.
    pub items: Vec<BackedUpItem>,
    /// Warnings.
    pub warnings: Vec<String>,
}

impl BackupResult {
    /// The `<name>-resource-list.json.gz` content: `gv/Kind` → sorted `ns/name` or `name`.
    pub fn resource_list(&self) -> BTreeMap<String, Vec<String>> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for i in &self.items {
            let v = if i.namespace.is_empty() {
                i.name.clone()
            } else {
                format!("{}/{}", i.namespace, i.name)
            };
            m.entry(format!("{}/{}", i.api_version, i.kind))
                .or_default()
                .push(v);
        }
        for v in m.values_mut() {
            v.sort();
        }
        m
    }
}

/// Everything a backup needs besides the cluster.
#[derive(Default)]
pub struct BackupRequest<'a> {
    /// The Backup spec (used as given: no controller normalisation).
    pub spec: BackupSpec,
    /// Names used for namespace wildcard expansion; `None` = the cluster's Namespace objects.
    pub active_namespaces: Option<Vec<String>>,
    /// BackupItemActions.
    pub actions: Vec<&'a dyn BackupItemAction>,
    /// ItemBlockActions.
    pub item_block_actions: Vec<&'a dyn ItemBlockAction>,
    /// Resource policy include/exclude lists (new filter model only).
    pub policy: Option<IncludeExcludePolicy>,
}

impl std::fmt::Debug for BackupRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupRequest")
            .field("spec", &self.spec)
            .field("actions", &self.actions.len())
            .finish()
    }
}

#[derive(Debug, Clone)]
struct Collected {
    gr: GroupResource,
    preferred: String,
    namespace: String,
    name: String,
    obj: Value,
    ordered: bool,
    in_block: bool,
}

fn meta<'a>(obj: &'a Value, f: &str) -> &'a str {
    obj.pointer(&format!("/metadata/{f}"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn version_of(obj: &Value) -> &str {
    let av = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    av.rsplit_once('/').map_or(av, |(_, v)| v)
}

type ItemKey = (String, String, String);

fn item_key(obj: &Value) -> ItemKey {
    let s = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or_default();
    (
        format!("{}/{}", s("apiVersion"), s("kind")),
        meta(obj, "namespace").to_owned(),
        meta(obj, "name").to_owned(),
    )
}

/// Discovery order as Velero's helper presents it: groups in first-seen order with
/// `extensions` last; core resources re-ordered pods, PVCs, PVs, then the rest.
fn ordered_groups(resources: &[ApiResource]) -> Vec<Vec<&ApiResource>> {
    let mut groups: Vec<(String, Vec<&ApiResource>)> = Vec::new();
    for r in resources {
        match groups.iter_mut().find(|(g, _)| *g == r.group_version()) {
            Some((_, v)) => v.push(r),
            None => groups.push((r.group_version(), vec![r])),
        }
    }
    groups.sort_by_key(|(gv, _)| gv.starts_with("extensions/"));
    for (gv, v) in &mut groups {
        if !gv.contains('/') {
            v.sort_by_key(|r| match r.name.as_str() {
                "pods" => 0,
                "persistentvolumeclaims" => 1,
                "persistentvolumes" => 2,
                _ => 3,
            });
        }
    }
    groups.into_iter().map(|(_, v)| v).collect()
}

struct Engine<'a, S: BackupSink> {
    cluster: &'a ClusterSnapshot,
    req: &'a BackupRequest<'a>,
    ns_filter: NamespaceIncludesExcludes,
    filter: ResourceFilter,
    sink: &'a mut S,
    backed_up: HashSet<ItemKey>,
    result: BackupResult,
}

/// Runs a backup of `cluster` into `sink` (which receives `metadata/version` first).
pub fn backup<S: BackupSink>(
    cluster: &ClusterSnapshot,
    req: &BackupRequest<'_>,
    sink: &mut S,
) -> Result<BackupResult, Error> {
    let spec = &req.spec;
    let d = cluster.discovery();
    let active = match &req.active_namespaces {
        Some(a) => a.clone(),
        None => cluster
            .list("namespaces", "", None)
            .iter()
            .map(|n| meta(n, "name").to_owned())
            .collect(),
    };
    let mut ns_filter = NamespaceIncludesExcludes::new()
        .active_namespaces(active)
        .includes(spec.included_namespaces.clone())
        .excludes(spec.excluded_namespaces.clone());
    ns_filter.expand()?;
    let filter = if spec.use_old_resource_filters() {
        ResourceFilter::Global(GlobalIncludesExcludes::new(
            d,
            &spec.included_resources,
            &spec.excluded_resources,
            spec.include_cluster_resources,
            ns_filter.clone(),
        ))
    } else {
        let mut s = ScopeIncludesExcludes::new(
            d,
            &spec.included_namespace_scoped_resources,
            &spec.excluded_namespace_scoped_resources,
            &spec.included_cluster_scoped_resources,
            &spec.excluded_cluster_scoped_resources,
            ns_filter.clone(),
        );
        s.combine_with_policy(req.policy.as_ref());
        ResourceFilter::Scope(s)
    };
    sink.write_version()?;
    let mut e = Engine {
        cluster,
        req,
        ns_filter,
        filter,
        sink,
        backed_up: HashSet::new(),
        result: BackupResult::default(),
    };
    let mut items = e.collect();
    e.process(&mut items)?;
    Ok(e.result)
}

impl<S: BackupSink> Engine<'_, S> {
    fn collect(&mut self) -> Vec<Collected> {
        let d = self.cluster.discovery();
        let spec = &self.req.spec;
        let mut cohabiting: HashMap<&str, (&str, &str, bool)> = HashMap::from([
            ("deployments", ("extensions", "apps", false)),
            ("daemonsets", ("extensions", "apps", false)),
            ("replicasets", ("extensions", "apps", false)),
            (
                "networkpolicies",
                ("extensions", "networking.k8s.io", false),
            ),
            ("events", ("", "events.k8s.io", false)),
        ]);
        let mut tracked: BTreeSet<String> = BTreeSet::new();
        let mut out = Vec::new();
        for group in ordered_groups(d.resources()) {
            for r in group {
                let gr = r.group_resource();
                let grs = gr.to_string();
                if !self.filter.should_include(&grs) {
                    continue;
                }
                if let Some((g1, g2, seen)) = cohabiting.get_mut(r.name.as_str())
                    && (r.group == *g1 || r.group == *g2)
                {
                    if *seen {
                        continue;
                    }
                    *seen = true;
                }
                let preferred = d
                    .resource_for(&grs)
                    .map_or_else(|| r.version.clone(), |p| p.version.clone());
                let mut items = Vec::new();
                if grs == "namespaces" {
                    for ns in self.cluster.list("namespaces", "", None) {
                        let name = meta(ns, "name");
                        if self.track_namespace(ns) {
                            tracked.insert(name.to_owned());
                        }
                        items.push(collected(&gr, &preferred, "", name, ns));
                    }
                } else {
                    // "" lists cluster-scoped resources, or namespaced ones across all namespaces.
                    let namespaces = if !r.namespaced || self.ns_filter.should_include("*") {
                        vec![String::new()]
                    } else {
                        self.ns_filter
                            .get_includes()
                            .into_iter()
                            .filter(|i| self.ns_filter.should_include(i))
                            .collect()
                    };
                    for ns in namespaces {
                        let listed: Vec<&Value> = if spec.or_label_selectors.is_empty() {
                            self.cluster.list(&grs, &ns, spec.label_selector.as_ref())
                        } else {
                            spec.or_label_selectors
                                .iter()
                                .flat_map(|s| self.cluster.list(&grs, &ns, Some(s)))
                                .collect()
                        };
                        for obj in listed {
                            let ins = meta(obj, "namespace");
                            if !ins.is_empty() {
                                tracked.insert(ins.to_owned());
                            }
                            items.push(collected(&gr, &preferred, ins, meta(obj, "name"), obj));
                        }
                    }
                }
                if let Some(order) = spec
                    .ordered_resources
                    .get(&r.name)
                    .filter(|o| !o.is_empty())
                {
                    items = sort_by_order(items, order);
                }
                out.extend(items);
            }
        }
        out.retain(|c| c.gr.to_string() != "namespaces" || tracked.contains(&c.name));
        out
    }

    /// `nsTracker.init` for one Namespace object.
    fn track_namespace(&self, ns: &Value) -> bool {
        if ns.pointer("/status/phase").and_then(Value::as_str) != Some("Active") {
            return false;
        }
        let spec = &self.req.spec;
        let labels = labels_of(ns);
        if spec
            .label_selector
            .as_ref()
            .is_some_and(|s| s.matches(&labels))
        {
            return true;
        }
        if spec.or_label_selectors.iter().any(|s| s.matches(&labels)) {
            return true;
        }
        if self.ns_filter.include_everything()
            && (spec.label_selector.is_some() || !spec.or_label_selectors.is_empty())
        {
            return false;
        }
        self.ns_filter.should_include(meta(ns, "name"))
    }

    fn process(&mut self, items: &mut [Collected]) -> Result<(), Error> {
        let mut index: HashMap<(GroupResource, String, String), Vec<usize>> = HashMap::new();
        for (i, c) in items.iter().enumerate() {
            index
                .entry((c.gr.clone(), c.namespace.clone(), c.name.clone()))
                .or_default()
                .push(i);
        }
        let mut backed_up_grs: BTreeSet<String> = BTreeSet::new();
        let mut block: Vec<(GroupResource, String, Value)> = Vec::new();
        for i in 0..items.len() {
            let Some(cur) = items.get(i).cloned() else {
                continue;
            };
            if !cur.in_block {
                let key = (cur.gr.clone(), cur.namespace.clone(), cur.name.clone());
                let mut first: Option<Value> = None;
                for j in index.get(&key).cloned().unwrap_or_default() {
                    if let Some(c) = items.get_mut(j).filter(|c| !c.in_block) {
                        c.in_block = true;
                        block.push((c.gr.clone(), c.preferred.clone(), c.obj.clone()));
                        first.get_or_insert_with(|| c.obj.clone());
                    }
                }
                if let Some(obj) = first {
                    self.related_items(
                        &obj,
                        &cur.gr,
                        &cur.namespace,
                        items,
                        &mut index,
                        &mut block,
                    );
                }
            }
            let next_same = items
                .get(i + 1)
                .is_some_and(|n| cur.ordered && n.ordered && n.gr == cur.gr);
            if !block.is_empty() && !next_same {
                for (gr, preferred, obj) in std::mem::take(&mut block) {
                    if self.backup_item(&gr, &preferred, &obj, false, 0)? {
                        backed_up_grs.insert(gr.to_string());
                    }
                }
            }
        }
        if !self.filter.should_exclude(CRDS) && !self.filter.should_include(CRDS) {
            let crd = self.cluster.discovery().resource_for(CRDS).cloned();
            if let Some(crd) = crd {
                for gr in backed_up_grs {
                    if let Some(obj) = self
                        .cluster
                        .get(&crd.group_resource().to_string(), "", &gr)
                        .cloned()
                    {
                        self.backup_item(&crd.group_resource(), &crd.version, &obj, false, 0)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn related_items(
        &mut self,
        obj: &Value,
        gr: &GroupResource,
        namespace: &str,
        items: &mut [Collected],
        index: &mut HashMap<(GroupResource, String, String), Vec<usize>>,
        block: &mut Vec<(GroupResource, String, Value)>,
    ) {
        let d = self.cluster.discovery();
        let grs = gr.to_string();
        let mut found = Vec::new();
        for a in &self.req.item_block_actions {
            if a.selector().applies(d, &grs, namespace, obj) {
                found.extend(a.related_items(obj));
            }
        }
        for rel in found {
            let key = (
                rel.group_resource.clone(),
                rel.namespace.clone(),
                rel.name.clone(),
            );
            if let Some(idx) = index.get(&key).cloned() {
                let mut first = None;
                for j in idx {
                    if let Some(c) = items.get_mut(j).filter(|c| !c.in_block) {
                        c.in_block = true;
                        block.push((c.gr.clone(), c.preferred.clone(), c.obj.clone()));
                        first.get_or_insert_with(|| c.obj.clone());
                    }
                }
                if let Some(o) = first {
                    self.related_items(
                        &o,
                        &rel.group_resource,
                        &rel.namespace,
                        items,
                        index,
                        block,
                    );
                }
                continue;
            }
            let Some(res) = d.resource_for(&rel.group_resource.to_string()).cloned() else {
                continue;
            };
            let rgr = res.group_resource();
            let Some(item) = self
                .cluster
                .get(&rgr.to_string(), &rel.namespace, &rel.name)
                .cloned()
            else {
                continue;
            };
            index.insert(key, Vec::new());
            if !self.inclusion_checks(&item, &rgr, false) {
                continue;
            }
            block.push((rgr.clone(), res.version.clone(), item.clone()));
            self.related_items(&item, &rgr, &rel.namespace, items, index, block);
        }
    }

    /// `itemInclusionChecks`.
    fn inclusion_checks(&self, obj: &Value, gr: &GroupResource, must_include: bool) -> bool {
        if !must_include {
            if labels_of(obj)
                .get(EXCLUDE_FROM_BACKUP_LABEL)
                .is_some_and(|v| v == "true")
            {
                return false;
            }
            let ns = meta(obj, "namespace");
            let grs = gr.to_string();
            if !ns.is_empty() && !self.ns_filter.should_include(ns) {
                return false;
            }
            if ns.is_empty() && grs != "namespaces" && self.filter.should_exclude(&grs) {
                return false;
            }
            if !ns.is_empty() && !self.filter.should_include(&grs) {
                return false;
            }
        }
        obj.pointer("/metadata/deletionTimestamp")
            .is_none_or(Value::is_null)
    }

    fn backup_item(
        &mut self,
        gr: &GroupResource,
        preferred: &str,
        obj: &Value,
        must_include: bool,
        depth: usize,
    ) -> Result<bool, Error> {
        if !self.inclusion_checks(obj, gr, must_include) {
            return Ok(false);
        }
        let key = item_key(obj);
        if !self.backed_up.insert(key) {
            return Ok(true);
        }
        let d = self.cluster.discovery();
        let grs = gr.to_string();
        let ns = meta(obj, "namespace").to_owned();
        let mut obj = obj.clone();
        let must = obj
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(MUST_INCLUDE_ADDITIONAL_ITEMS))
            .and_then(Value::as_str)
            == Some("true");
        if let Some(a) = obj
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
        {
            a.remove(MUST_INCLUDE_ADDITIONAL_ITEMS);
        }
        let mut additional = Vec::new();
        for a in &self.req.actions {
            if a.selector().applies(d, &grs, &ns, &obj) {
                additional.extend(a.additional_items(&obj));
            }
        }
        for ResourceIdentifier {
            group_resource,
            namespace,
            name,
        } in additional
        {
            if depth > 64 {
                self.result.warnings.push(format!(
                    "additional items nested too deeply at {grs} {ns}/{name}"
                ));
                break;
            }
            let Some(res) = d.resource_for(&group_resource.to_string()).cloned() else {
                self.result.warnings.push(format!(
                    "additional item {group_resource}: resource not served"
                ));
                continue;
            };
            let Some(item) = self
                .cluster
                .get(&res.group_resource().to_string(), &namespace, &name)
                .cloned()
            else {
                self.result.warnings.push(format!(
                    "additional item {group_resource} {namespace}/{name} not found"
                ));
                continue;
            };
            self.backup_item(&res.group_resource(), &res.version, &item, must, depth + 1)?;
        }
        let name = meta(&obj, "name").to_owned();
        self.sink
            .write_item(&grs, &ns, &name, version_of(&obj), preferred, &obj)?;
        let s = |k: &str| {
            obj.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        self.result.items.push(BackedUpItem {
            group_resource: grs,
            api_version: s("apiVersion"),
            kind: s("kind"),
            namespace: ns,
            name,
        });
        Ok(true)
    }
}

fn collected(gr: &GroupResource, preferred: &str, ns: &str, name: &str, obj: &Value) -> Collected {
    Collected {
        gr: gr.clone(),
        preferred: preferred.to_owned(),
        namespace: ns.to_owned(),
        name: name.to_owned(),
        obj: obj.clone(),
        ordered: false,
        in_block: false,
    }
}

/// `sortResourcesByOrder`: listed names first in the given order (marked ordered), the rest in
/// list order.
fn sort_by_order(items: Vec<Collected>, order: &str) -> Vec<Collected> {
    let full = |c: &Collected| {
        if c.namespace.is_empty() {
            c.name.clone()
        } else {
            format!("{}/{}", c.namespace, c.name)
        }
    };
    let mut rest: Vec<Option<Collected>> = items.into_iter().map(Some).collect();
    let mut out = Vec::new();
    let mut taken = BTreeSet::new();
    for want in order.split(',') {
        if let Some(slot) = rest
            .iter_mut()
            .rev()
            .find(|s| s.as_ref().is_some_and(|c| full(c) == want))
            && let Some(mut c) = slot.take()
        {
            c.ordered = true;
            taken.insert(want.to_owned());
            out.push(c);
        }
    }
    // Like Velero's name-keyed map, other items sharing an ordered name are dropped.
    out.extend(
        rest.into_iter()
            .flatten()
            .filter(|c| !taken.contains(&full(c))),
    );
    out
}
