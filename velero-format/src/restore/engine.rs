//! The restore engine (`pkg/restore/restore.go`) against a [`Cluster`]: resource order,
//! selection, namespace mapping, the per-item pipeline and existing-resource handling.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::item::{
    determine_restore_status, is_completed, reset_metadata, reset_status,
    reset_volume_binding_info, set_label,
};
use super::priorities::{Priorities, ordered_resources};
use crate::archive::paths::item_file_path;
use crate::archive::reader::ArchiveIndex;
use crate::discovery::{Discovery, GroupResource};
use crate::error::Error;
use crate::includes_excludes::IncludesExcludes;
use crate::label::valid_name;
use crate::label_selector::{LabelSelector, labels_of};
use crate::modifiers::ResourceModifiers;
use crate::modifiers::merge_patch::merge_patch;
use crate::resource_filter::resource_includes_excludes;
use crate::wildcard;

/// Label carrying the backup name on restored objects.
pub const BACKUP_NAME_LABEL: &str = "velero.io/backup-name";
/// Label carrying the restore name on restored objects.
pub const RESTORE_NAME_LABEL: &str = "velero.io/restore-name";
const MUST_HAVE: [&str; 2] = [
    "datauploads.velero.io",
    "volumesnapshotcontents.snapshot.storage.k8s.io",
];

/// Resources the restore controller always excludes (`nonRestorableResources`).
pub const NON_RESTORABLE_RESOURCES: [&str; 9] = [
    "nodes",
    "events",
    "events.events.k8s.io",
    "backups.velero.io",
    "restores.velero.io",
    "resticrepositories.velero.io",
    "csinodes.storage.k8s.io",
    "volumeattachments.storage.k8s.io",
    "backuprepositories.velero.io",
];

/// `restoreStatus` of a restore spec.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreStatusSpec {
    /// Resources whose status is restored.
    #[serde(default)]
    pub included_resources: Vec<String>,
    /// Resources whose status is not restored.
    #[serde(default)]
    pub excluded_resources: Vec<String>,
}

/// The content-selecting part of a Restore spec.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreSpec {
    /// Backup to restore.
    #[serde(default)]
    pub backup_name: String,
    /// Namespace includes.
    #[serde(default)]
    pub included_namespaces: Vec<String>,
    /// Namespace excludes.
    #[serde(default)]
    pub excluded_namespaces: Vec<String>,
    /// Resource includes.
    #[serde(default)]
    pub included_resources: Vec<String>,
    /// Resource excludes.
    #[serde(default)]
    pub excluded_resources: Vec<String>,
    /// Cluster-scoped items switch (None = only for include-everything namespace filters).
    #[serde(default)]
    pub include_cluster_resources: Option<bool>,
    /// Original → target namespace.
    #[serde(default)]
    pub namespace_mapping: BTreeMap<String, String>,
    /// Label selector.
    #[serde(default)]
    pub label_selector: Option<LabelSelector>,
    /// OR of label selectors.
    #[serde(default)]
    pub or_label_selectors: Vec<LabelSelector>,
    /// `""`, `none` or `update`.
    #[serde(default)]
    pub existing_resource_policy: String,
    /// Status restore filter (None = never, unless annotated).
    #[serde(default)]
    pub restore_status: Option<RestoreStatusSpec>,
}

/// A target cluster the engine creates and updates objects in.
pub trait Cluster {
    /// The object, if it exists.
    fn get(&self, gr: &str, namespace: &str, name: &str) -> Option<Value>;
    /// Creates (or overwrites) an object.
    fn put(&mut self, gr: &str, obj: Value);
}

/// An in-memory cluster keyed by GR string, namespace and name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InMemoryCluster {
    /// Objects.
    pub objects: BTreeMap<(String, String, String), Value>,
    /// Order of `put` calls: (GR, namespace, name).
    pub writes: Vec<(String, String, String)>,
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

impl Cluster for InMemoryCluster {
    fn get(&self, gr: &str, namespace: &str, name: &str) -> Option<Value> {
        self.objects
            .get(&(gr.to_owned(), namespace.to_owned(), name.to_owned()))
            .cloned()
    }

    fn put(&mut self, gr: &str, obj: Value) {
        let key = (
            gr.to_owned(),
            meta_str(&obj, "namespace").to_owned(),
            meta_str(&obj, "name").to_owned(),
        );
        self.writes.push(key.clone());
        self.objects.insert(key, obj);
    }
}

/// What happened to one item (`RestoredItems` entry).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoredItem {
    /// `apiVersion/Kind`.
    pub resource: String,
    /// Target namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `created`, `updated`, `skipped` or `failed`.
    pub action: String,
    /// Whether the object exists afterwards.
    pub item_exists: bool,
    /// Name given at creation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created_name: String,
    /// Original namespace in the backup.
    pub original_namespace: String,
    /// GR string.
    pub group_resource: String,
    /// Indices of the resource-modifier rules that matched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers_applied: Vec<usize>,
}

/// Result of a restore run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestoreResult {
    /// Items in processing order.
    pub items: Vec<RestoredItem>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Errors.
    pub errors: Vec<String>,
}

/// Everything a restore needs.
#[derive(Debug, Clone)]
pub struct RestoreRequest<'a> {
    /// Restore name.
    pub name: &'a str,
    /// Restore spec.
    pub spec: &'a RestoreSpec,
    /// The backup tarball.
    pub archive: &'a ArchiveIndex,
    /// Target cluster discovery.
    pub discovery: &'a Discovery,
    /// Resource priorities.
    pub priorities: &'a Priorities,
    /// Resource modifiers.
    pub modifiers: Option<&'a ResourceModifiers>,
}

struct Ctx<'a, C: Cluster> {
    req: &'a RestoreRequest<'a>,
    cluster: &'a mut C,
    ns_filter: IncludesExcludes,
    res_filter: IncludesExcludes,
    status_filter: Option<IncludesExcludes>,
    handled: BTreeSet<(String, String, String)>,
    result: RestoreResult,
}

fn api_version_kind(obj: &Value) -> String {
    let s = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or_default();
    format!("{}/{}", s("apiVersion"), s("kind"))
}

/// Runs a restore against `cluster`.
pub fn restore<C: Cluster>(
    req: &RestoreRequest<'_>,
    cluster: &mut C,
) -> Result<RestoreResult, Error> {
    let parsed = req.archive.parse()?;
    let spec = req.spec;
    let backup_namespaces: Vec<String> = parsed
        .values()
        .flat_map(|r| r.items_by_namespace.keys())
        .filter(|k| !k.is_empty())
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (mut inc, mut exc) = (
        spec.included_namespaces.clone(),
        spec.excluded_namespaces.clone(),
    );
    if wildcard::should_expand_wildcards(&inc, &exc) {
        if exc.iter().any(|e| e == "*") {
            return Err(Error::invalid(
                "excludedNamespaces",
                "*",
                "wildcard '*' is not allowed in restore excludes",
            ));
        }
        let (i, e) = wildcard::expand_wildcards(&backup_namespaces, &inc, &exc)?;
        inc = i.unwrap_or_default();
        exc = e.unwrap_or_default();
    }
    let excluded: Vec<String> = spec
        .excluded_resources
        .iter()
        .filter(|e| *e != "*")
        .cloned()
        .collect();
    let status_filter = spec.restore_status.as_ref().map(|s| {
        resource_includes_excludes(req.discovery, &s.included_resources, &s.excluded_resources)
    });
    let mut ctx = Ctx {
        req,
        cluster,
        ns_filter: IncludesExcludes::new().includes(inc).excludes(exc),
        res_filter: resource_includes_excludes(req.discovery, &spec.included_resources, &excluded),
        status_filter,
        handled: BTreeSet::new(),
        result: RestoreResult::default(),
    };
    let crd = req.discovery.resolve_or_keep("customresourcedefinitions");
    let mut order = vec![crd];
    order.extend(ordered_resources(
        req.priorities,
        parsed.keys().map(String::as_str),
    ));
    let mut done = BTreeSet::new();
    for entry in order {
        let gr = req.discovery.resolve_or_keep(&entry);
        if !done.insert(gr.clone()) {
            continue;
        }
        if let Some(items) = parsed.get(&gr) {
            ctx.restore_resource(&gr, &items.items_by_namespace);
        }
    }
    Ok(ctx.result)
}

impl<C: Cluster> Ctx<'_, C> {
    fn restore_resource(&mut self, gr: &str, by_ns: &BTreeMap<String, Vec<String>>) {
        let must_have = MUST_HAVE.contains(&gr);
        if !must_have && !self.res_filter.should_include(gr) {
            return;
        }
        if gr == "namespaces" {
            return; // Namespaces are rebuilt on demand, never restored as items.
        }
        for (ns, names) in by_ns {
            if !ns.is_empty() && !must_have && !self.ns_filter.should_include(ns) {
                continue;
            }
            if ns.is_empty() {
                match self.req.spec.include_cluster_resources {
                    Some(false) => continue,
                    None if !self.ns_filter.include_everything() => continue,
                    _ => {}
                }
            }
            for name in names {
                let path = item_file_path("", gr, ns, name);
                let obj = match self.req.archive.item(&path) {
                    Ok(o) => o,
                    Err(e) => {
                        self.result.errors.push(e.to_string());
                        continue;
                    }
                };
                if !must_have && !self.selected(&obj) {
                    continue;
                }
                self.restore_item(gr, ns, obj);
            }
        }
    }

    fn selected(&self, obj: &Value) -> bool {
        let labels = labels_of(obj);
        let spec = self.req.spec;
        if spec
            .label_selector
            .as_ref()
            .is_some_and(|s| !s.matches(&labels))
        {
            return false;
        }
        spec.or_label_selectors.is_empty()
            || spec.or_label_selectors.iter().any(|s| s.matches(&labels))
    }

    fn target_ns(&self, ns: &str) -> String {
        self.req
            .spec
            .namespace_mapping
            .get(ns)
            .cloned()
            .unwrap_or_else(|| ns.to_owned())
    }

    fn record(
        &mut self,
        obj: &Value,
        gr: &str,
        orig_ns: &str,
        action: &str,
        created: bool,
        mods: Vec<usize>,
    ) {
        let name = meta_str(obj, "name").to_owned();
        self.result.items.push(RestoredItem {
            resource: api_version_kind(obj),
            namespace: meta_str(obj, "namespace").to_owned(),
            created_name: if created { name.clone() } else { String::new() },
            name,
            action: action.to_owned(),
            item_exists: action != "failed",
            original_namespace: orig_ns.to_owned(),
            group_resource: gr.to_owned(),
            modifiers_applied: mods,
        });
    }

    fn ensure_namespace(&mut self, orig: &str) {
        let target = self.target_ns(orig);
        if self.cluster.get("namespaces", "", &target).is_some() {
            return;
        }
        let backed = self
            .req
            .archive
            .item(&item_file_path("", "namespaces", "", orig))
            .ok();
        let mut meta = Map::new();
        meta.insert("name".into(), Value::String(target.clone()));
        let mut ns = json!({"apiVersion": "v1", "kind": "Namespace"});
        if let Some(b) = backed {
            for k in ["labels", "annotations"] {
                if let Some(v) = b.pointer(&format!("/metadata/{k}")) {
                    meta.insert(k.into(), v.clone());
                }
            }
            if let (Some(spec), Some(o)) = (b.get("spec"), ns.as_object_mut()) {
                o.insert("spec".into(), spec.clone());
            }
        }
        if let Some(o) = ns.as_object_mut() {
            o.insert("metadata".into(), Value::Object(meta));
        }
        self.cluster.put("namespaces", ns.clone());
        self.record(&ns, "namespaces", "", "created", true, Vec::new());
    }

    fn restore_item(&mut self, gr: &str, orig_ns: &str, mut obj: Value) {
        let grp = GroupResource::parse(gr);
        if is_completed(&obj, &grp) {
            return;
        }
        if gr == "pods"
            && obj
                .pointer("/metadata/annotations/kubernetes.io~1config.mirror")
                .is_some()
        {
            return;
        }
        let target = self.target_ns(orig_ns);
        let key = (
            api_version_kind(&obj),
            target.clone(),
            meta_str(&obj, "name").to_owned(),
        );
        if !self.handled.insert(key) {
            return;
        }
        if !orig_ns.is_empty() {
            self.ensure_namespace(orig_ns);
        }
        if let Err(e) = reset_metadata(&mut obj) {
            self.result.errors.push(e.to_string());
            return;
        }
        let status = obj.get("status").cloned();
        reset_status(&mut obj);
        if gr == "persistentvolumes"
            && let Some(ns) = obj
                .pointer("/spec/claimRef/namespace")
                .and_then(Value::as_str)
                .map(str::to_owned)
        {
            let mapped = self.target_ns(&ns);
            if let Some(v) = obj.pointer_mut("/spec/claimRef/namespace") {
                *v = Value::String(mapped);
            }
        }
        if gr == "persistentvolumes" || gr == "persistentvolumeclaims" {
            reset_volume_binding_info(&mut obj);
        }
        if gr == "services" {
            service_action(&mut obj);
        }
        let mut mods = Vec::new();
        if let Some(m) = self.req.modifiers {
            let before = obj.clone();
            for (i, rule) in m.resource_modifier_rules.iter().enumerate() {
                if rule.matches(&before, gr).unwrap_or(false) {
                    mods.push(i);
                }
            }
            for e in m.apply(&mut obj, gr) {
                self.result
                    .errors
                    .push(format!("{gr} {orig_ns}/{}: {e}", meta_str(&obj, "name")));
            }
        }
        if !target.is_empty()
            && let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut)
        {
            m.insert("namespace".into(), Value::String(target.clone()));
        }
        let backup_label = valid_name(&self.req.spec.backup_name);
        let restore_label = valid_name(self.req.name);
        set_label(&mut obj, BACKUP_NAME_LABEL, &backup_label);
        set_label(&mut obj, RESTORE_NAME_LABEL, &restore_label);
        let name = meta_str(&obj, "name").to_owned();
        let restore_status = determine_restore_status(&obj, self.status_filter.as_ref(), gr);
        let with_status = |mut o: Value| {
            if let (true, Some(s), Some(m)) = (restore_status, status.clone(), o.as_object_mut()) {
                m.insert("status".into(), s);
            }
            o
        };
        let Some(existing) = self.cluster.get(gr, &target, &name) else {
            self.cluster.put(gr, with_status(obj.clone()));
            self.record(&obj, gr, orig_ns, "created", true, mods);
            return;
        };
        let mut live = existing.clone();
        let _ = reset_metadata(&mut live);
        reset_status(&mut live);
        for k in [BACKUP_NAME_LABEL, RESTORE_NAME_LABEL] {
            set_label(
                &mut live,
                k,
                if k == BACKUP_NAME_LABEL {
                    &backup_label
                } else {
                    &restore_label
                },
            );
        }
        let policy = self.req.spec.existing_resource_policy.as_str();
        if live == obj {
            if policy == "update" {
                let mut updated = existing;
                set_label(&mut updated, BACKUP_NAME_LABEL, &backup_label);
                set_label(&mut updated, RESTORE_NAME_LABEL, &restore_label);
                self.cluster.put(gr, updated);
                self.record(&obj, gr, orig_ns, "updated", false, mods);
            } else {
                self.record(&obj, gr, orig_ns, "skipped", false, mods);
            }
            return;
        }
        if gr == "serviceaccounts" {
            let mut updated = existing;
            for field in ["secrets", "imagePullSecrets"] {
                let add: Vec<Value> = obj
                    .get(field)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if let Some(m) = updated.as_object_mut() {
                    let list = m.entry(field).or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(l) = list {
                        for a in add {
                            if !l.contains(&a) {
                                l.push(a);
                            }
                        }
                    }
                }
            }
            self.cluster.put(gr, updated);
            self.record(&obj, gr, orig_ns, "updated", false, mods);
            return;
        }
        if policy == "update" {
            let mut from = live.clone();
            if let Some(l) = from
                .pointer_mut("/metadata/labels")
                .and_then(Value::as_object_mut)
            {
                l.remove(BACKUP_NAME_LABEL);
                l.remove(RESTORE_NAME_LABEL);
            }
            let patch = create_merge_patch(&from, &obj);
            let mut updated = existing;
            merge_patch(&mut updated, &patch);
            self.cluster.put(gr, updated);
            self.record(&obj, gr, orig_ns, "updated", false, mods);
            return;
        }
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
        self.result.warnings.push(if policy == "none" {
            format!("could not restore, {kind} \"{name}\" already exists. Warning: the in-cluster version is different than the backed-up version")
        } else {
            format!("could not restore, {kind}:{name} already exists. Warning: the in-cluster version is different than the backed-up version")
        });
        self.record(&obj, gr, orig_ns, "skipped", false, mods);
    }
}

/// `velero.io/service` restore action: drops `spec.clusterIP`/`clusterIPs` unless headless and
/// node ports unless `preserveNodePorts` (simplified: without last-applied-configuration).
fn service_action(obj: &mut Value) {
    if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut)
        && spec.get("clusterIP").and_then(Value::as_str) != Some("None")
    {
        spec.remove("clusterIP");
        spec.remove("clusterIPs");
    }
}

/// RFC 7386 merge patch turning `from` into `to`.
pub fn create_merge_patch(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let mut out = Map::new();
            for (k, va) in a {
                match b.get(k) {
                    None => {
                        out.insert(k.clone(), Value::Null);
                    }
                    Some(vb) if vb != va => {
                        out.insert(k.clone(), create_merge_patch(va, vb));
                    }
                    _ => {}
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    out.insert(k.clone(), vb.clone());
                }
            }
            Value::Object(out)
        }
        (_, b) => b.clone(),
    }
}
