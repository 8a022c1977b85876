//! Restore resource modifiers (`internal/resourcemodifiers`): ConfigMap format v1, rule
//! conditions, JSON patches, JSON merge patches and strategic merge patches.

pub mod json_patch;
pub mod merge_patch;
pub mod strategic;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;
use crate::glob::Glob;
use crate::includes_excludes::IncludesExcludes;
use crate::label_selector::{LabelSelector, labels_of};
use json_patch::{JsonPatch, PatchError};

/// A `matches` condition: a JSON-pointer `test`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchRule {
    /// JSON pointer.
    pub path: String,
    /// Expected value (rendered like a patch value).
    #[serde(default)]
    pub value: String,
}

/// Rule conditions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Conditions {
    /// Glob over the GR string with `.` as separator (required).
    #[serde(default)]
    pub group_resource: String,
    /// Go regexp matched (unanchored) against the name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_name_regex: String,
    /// Namespace globs (ignored for cluster-scoped objects).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Label selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<LabelSelector>,
    /// JSON-pointer tests, all must hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<MatchRule>,
}

/// A merge or strategic patch document (YAML or JSON text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchData {
    /// The patch text.
    pub patch_data: String,
}

/// One rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceModifierRule {
    /// When the rule applies.
    pub conditions: Conditions,
    /// RFC 6902 operations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<JsonPatch>,
    /// RFC 7386 patches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merge_patches: Vec<PatchData>,
    /// Strategic merge patches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strategic_patches: Vec<PatchData>,
}

/// A resource-modifier document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceModifiers {
    /// Must be `v1` (case-insensitive).
    pub version: String,
    /// The rules, applied in order.
    #[serde(default)]
    pub resource_modifier_rules: Vec<ResourceModifierRule>,
}

/// YAML (or JSON) text to a JSON value.
///
/// Like `sigs.k8s.io/yaml`, JSON text is accepted as is; text that starts like JSON (`{`/`[`)
/// and contains a `"` must be valid JSON (go-yaml rejects such malformed flow documents,
/// which a lenient YAML parser might read as plain scalars).
pub fn yaml_to_json(text: &str) -> Result<Value, Error> {
    let t = text.trim_start();
    if t.starts_with(['{', '[']) {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => return Ok(v),
            Err(e) if t.contains('"') => return Err(Error::json("patch data", e)),
            Err(_) => {}
        }
    }
    serde_saphyr::from_str::<Value>(text).map_err(|e| Error::Yaml {
        what: "patch data".into(),
        message: e.to_string(),
    })
}

impl ResourceModifiers {
    /// Parses the YAML document strictly (unknown fields are errors).
    pub fn from_yaml(text: &str) -> Result<Self, Error> {
        let mut rm: Self = serde_saphyr::from_str(text).map_err(|e| Error::Yaml {
            what: "resource modifiers".into(),
            message: e.to_string(),
        })?;
        // YAML "clip" chomping keeps the final line break only if the source has one; the YAML
        // parser adds it to a block scalar that ends the document without a newline.
        if !text.ends_with('\n') {
            let last_line = text.rsplit('\n').next().unwrap_or_default().trim();
            let last = rm.resource_modifier_rules.last_mut().and_then(|r| {
                r.strategic_patches
                    .last_mut()
                    .or(r.merge_patches.last_mut())
            });
            if let Some(p) = last
                && p.patch_data.ends_with(&format!("{last_line}\n"))
            {
                p.patch_data.pop();
            }
        }
        Ok(rm)
    }

    /// `GetResourceModifiersFromConfig`: the ConfigMap (JSON) must have exactly one data key.
    pub fn from_config_map(cm: Option<&Value>) -> Result<Self, Error> {
        let cm = cm.filter(|c| !c.is_null()).ok_or_else(|| {
            Error::invalid(
                "configmap",
                "nil",
                "could not parse config from nil configmap",
            )
        })?;
        let data = cm.get("data").and_then(Value::as_object);
        match data.map(|d| d.values().collect::<Vec<_>>()).as_deref() {
            Some([v]) => Self::from_yaml(v.as_str().unwrap_or_default()),
            _ => Err(Error::invalid(
                "configmap.data",
                format!("{:?}", data.map(|d| d.len())),
                "illegal resource modifiers configmap: needs exactly one key",
            )),
        }
    }

    /// `Validate`.
    pub fn validate(&self) -> Result<(), Error> {
        if !self.version.eq_ignore_ascii_case("v1") {
            return Err(Error::invalid(
                "version",
                &self.version,
                "unsupported resource modifier version",
            ));
        }
        if self.resource_modifier_rules.is_empty() {
            return Err(Error::invalid(
                "resourceModifierRules",
                "[]",
                "resource modifier rules cannot be empty",
            ));
        }
        for r in &self.resource_modifier_rules {
            if r.conditions.group_resource.is_empty() {
                return Err(Error::invalid(
                    "conditions.groupResource",
                    "",
                    "groupResource cannot be empty",
                ));
            }
            let kinds = [
                !r.patches.is_empty(),
                !r.merge_patches.is_empty(),
                !r.strategic_patches.is_empty(),
            ];
            if kinds.iter().filter(|k| **k).count() > 1 {
                return Err(Error::invalid(
                    "rule",
                    &r.conditions.group_resource,
                    "only one of patches, mergePatches, strategicPatches can be specified",
                ));
            }
            for p in &r.patches {
                p.validate()?;
            }
        }
        Ok(())
    }

    /// `ApplyResourceModifierRules`: conditions are evaluated on the object as it was before any
    /// rule applied; patches apply cumulatively. Returns the per-rule errors.
    pub fn apply(&self, obj: &mut Value, group_resource: &str) -> Vec<Error> {
        let origin = obj.clone();
        let mut errs = Vec::new();
        for rule in &self.resource_modifier_rules {
            match rule.matches(&origin, group_resource) {
                Err(e) => errs.push(e),
                Ok(false) => {}
                Ok(true) => {
                    if let Err(e) = rule.apply_patch(obj) {
                        errs.push(e);
                    }
                }
            }
        }
        errs
    }
}

impl ResourceModifierRule {
    /// Whether the rule's conditions hold for `obj`.
    pub fn matches(&self, obj: &Value, group_resource: &str) -> Result<bool, Error> {
        let c = &self.conditions;
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !ns.is_empty()
            && !IncludesExcludes::new()
                .includes(c.namespaces.clone())
                .should_include(ns)
        {
            return Ok(false);
        }
        if !Glob::compile(&c.group_resource, &['.'])?.matches(group_resource) {
            return Ok(false);
        }
        if !c.resource_name_regex.is_empty() {
            let re = regex::Regex::new(&c.resource_name_regex).map_err(|e| {
                Error::invalid(
                    "conditions.resourceNameRegex",
                    &c.resource_name_regex,
                    e.to_string(),
                )
            })?;
            let name = obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !re.is_match(name) {
                return Ok(false);
            }
        }
        if let Some(sel) = &c.label_selector {
            sel.validate()?;
            if !sel.matches(&labels_of(obj)) {
                return Ok(false);
            }
        }
        if c.matches.is_empty() {
            return Ok(true);
        }
        if c.matches.iter().any(|m| m.path.is_empty()) {
            return Err(Error::invalid(
                "conditions.matches.path",
                "",
                "path is required for match rule",
            ));
        }
        let tests: Vec<JsonPatch> = c
            .matches
            .iter()
            .map(|m| JsonPatch {
                operation: "test".into(),
                from: String::new(),
                path: m.path.clone(),
                value: m.value.clone(),
            })
            .collect();
        let doc = json_patch::render(&tests)?;
        let mut copy = obj.clone();
        match json_patch::apply_patch(&mut copy, &doc) {
            Ok(()) => Ok(true),
            Err(PatchError::TestFailed | PatchError::Missing(_)) => Ok(false),
            Err(PatchError::Other(m)) => Err(Error::Patch(m)),
        }
    }

    fn apply_patch(&self, obj: &mut Value) -> Result<(), Error> {
        if !self.patches.is_empty() {
            let doc = json_patch::render(&self.patches)?;
            let mut out = obj.clone();
            return match json_patch::apply_patch(&mut out, &doc) {
                Ok(()) => {
                    *obj = out;
                    Ok(())
                }
                Err(PatchError::TestFailed) => Ok(()),
                Err(PatchError::Missing(p)) => Err(Error::Patch(format!(
                    "error in applying JSON Patch: missing path {p}"
                ))),
                Err(PatchError::Other(m)) => {
                    Err(Error::Patch(format!("error in applying JSON Patch {m}")))
                }
            };
        }
        if !self.merge_patches.is_empty() {
            return json_merge_patches(obj, &self.merge_patches);
        }
        if !self.strategic_patches.is_empty() {
            return strategic_patches(obj, &self.strategic_patches);
        }
        Err(Error::Patch("no patch data found".into()))
    }
}

/// `JSONMergePatcher.Patch`: each patch (YAML or JSON) applied in order.
pub fn json_merge_patches(obj: &mut Value, patches: &[PatchData]) -> Result<(), Error> {
    let mut out = obj.clone();
    for p in patches {
        merge_patch::merge_patch(&mut out, &yaml_to_json(&p.patch_data)?);
    }
    *obj = out;
    Ok(())
}

/// `StrategicMergePatcher.Patch`: each patch (YAML or JSON) applied in order.
pub fn strategic_patches(obj: &mut Value, patches: &[PatchData]) -> Result<(), Error> {
    let mut out = obj.clone();
    for p in patches {
        let patch = yaml_to_json(&p.patch_data)?;
        out = strategic::strategic_merge(&out, &patch)?;
    }
    *obj = out;
    Ok(())
}
