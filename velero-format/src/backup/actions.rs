//! Backup item actions and item-block actions: which items they apply to (Velero's
//! `ResourceSelector` / `ShouldUse`) and which further items they return.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::discovery::{Discovery, GroupResource};
use crate::includes_excludes::IncludesExcludes;
use crate::label_selector::{LabelSelector, labels_of};
use crate::resource_filter::resource_includes_excludes;

/// An item reference (`velero.ResourceIdentifier`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceIdentifier {
    /// Group resource.
    pub group_resource: GroupResource,
    /// Namespace (`""` for cluster-scoped).
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// What an action applies to (`velero.ResourceSelector`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActionSelector {
    /// Resources (resolved through discovery).
    #[serde(default)]
    pub included_resources: Vec<String>,
    /// Excluded resources.
    #[serde(default)]
    pub excluded_resources: Vec<String>,
    /// Namespace globs.
    #[serde(default)]
    pub included_namespaces: Vec<String>,
    /// Excluded namespace globs.
    #[serde(default)]
    pub excluded_namespaces: Vec<String>,
    /// Label selector.
    #[serde(default)]
    pub label_selector: Option<LabelSelector>,
}

impl ActionSelector {
    /// `ShouldUse`: resource included; namespaced items need an included namespace and
    /// cluster-scoped items an include-everything namespace selector; labels match.
    pub fn applies(&self, d: &Discovery, gr: &str, namespace: &str, obj: &Value) -> bool {
        if !resource_includes_excludes(d, &self.included_resources, &self.excluded_resources)
            .should_include(gr)
        {
            return false;
        }
        let ns = IncludesExcludes::new()
            .includes(self.included_namespaces.clone())
            .excludes(self.excluded_namespaces.clone());
        if namespace.is_empty() && !ns.include_everything() {
            return false;
        }
        if !namespace.is_empty() && !ns.should_include(namespace) {
            return false;
        }
        self.label_selector
            .as_ref()
            .is_none_or(|s| s.matches(&labels_of(obj)))
    }
}

/// A BackupItemAction: may return additional items to back up with an item.
pub trait BackupItemAction {
    /// The selector.
    fn selector(&self) -> &ActionSelector;
    /// Additional items for `obj`.
    fn additional_items(&self, obj: &Value) -> Vec<ResourceIdentifier>;
}

/// An ItemBlockAction: may return related items to keep in the same item block.
pub trait ItemBlockAction {
    /// The selector.
    fn selector(&self) -> &ActionSelector;
    /// Related items of `obj`.
    fn related_items(&self, obj: &Value) -> Vec<ResourceIdentifier>;
}

/// An action returning a fixed list for every item it applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaticAction {
    /// Where it applies.
    pub selector: ActionSelector,
    /// What it returns.
    pub items: Vec<ResourceIdentifier>,
}

impl BackupItemAction for StaticAction {
    fn selector(&self) -> &ActionSelector {
        &self.selector
    }
    fn additional_items(&self, _: &Value) -> Vec<ResourceIdentifier> {
        self.items.clone()
    }
}

impl ItemBlockAction for StaticAction {
    fn selector(&self) -> &ActionSelector {
        &self.selector
    }
    fn related_items(&self, _: &Value) -> Vec<ResourceIdentifier> {
        self.items.clone()
    }
}

/// Velero's built-in `velero.io/pod` (a pod's PVCs) and `velero.io/pv` (a PVC's PV) actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeActions {
    pods: ActionSelector,
    pvcs: ActionSelector,
}

impl Default for VolumeActions {
    fn default() -> Self {
        let sel = |r: &str| ActionSelector {
            included_resources: vec![r.to_owned()],
            ..ActionSelector::default()
        };
        Self {
            pods: sel("pods"),
            pvcs: sel("persistentvolumeclaims"),
        }
    }
}

/// The pod → PVC action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodVolumesAction(VolumeActions);

impl BackupItemAction for PodVolumesAction {
    fn selector(&self) -> &ActionSelector {
        &self.0.pods
    }
    fn additional_items(&self, obj: &Value) -> Vec<ResourceIdentifier> {
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        obj.pointer("/spec/volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| {
                v.pointer("/persistentVolumeClaim/claimName")
                    .and_then(Value::as_str)
            })
            .map(|c| ResourceIdentifier {
                group_resource: GroupResource::new("", "persistentvolumeclaims"),
                namespace: ns.to_owned(),
                name: c.to_owned(),
            })
            .collect()
    }
}

/// The PVC → PV action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PvcVolumeAction(VolumeActions);

impl BackupItemAction for PvcVolumeAction {
    fn selector(&self) -> &ActionSelector {
        &self.0.pvcs
    }
    fn additional_items(&self, obj: &Value) -> Vec<ResourceIdentifier> {
        obj.pointer("/spec/volumeName")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(|v| ResourceIdentifier {
                group_resource: GroupResource::new("", "persistentvolumes"),
                namespace: String::new(),
                name: v.to_owned(),
            })
            .into_iter()
            .collect()
    }
}
