//! `resource_modifiers.json`.

use serde_json::Value;
use velero_format::modifiers::json_patch::JsonPatch;
use velero_format::modifiers::{
    PatchData, ResourceModifiers, json_merge_patches, strategic_patches,
};

use super::super::check::{Checks, str_at};
use super::super::{Case, Handler, Outcome, Table};

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "TestGetResourceModifiersFromConfig" => from_config,
        "TestResourceModifiers_ApplyResourceModifierRules" => {
            |_, c| apply(c, "fields", "/args/obj", "/args/groupResource")
        }
        "TestResourceModifiers_ApplyResourceModifierRules_StrategicMergePatch"
        | "TestResourceModifiers_ApplyResourceModifierRules_JSONMergePatch"
        | "TestResourceModifiers_wildcard_in_GroupResource"
        | "TestResourceModifiers_conditional_patches" => {
            |_, c| apply(c, "rm", "/obj", "/groupResource")
        }
        "TestJSONPatch_ToString" => to_string,
        "TestResourceModifiers_Validate" => validate,
        "TestJsonMergePatchFailure" => |_, c| patch_failure(c, false),
        "TestStrategicMergePatchFailure" => |_, c| patch_failure(c, true),
        "TestJsonPatch_Validate" => json_patch_validate,
        _ => return None,
    })
}

fn want_err(d: &Value) -> bool {
    d.get("wantErr").and_then(Value::as_bool).unwrap_or(false)
}

fn from_config(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut k = Checks::default();
    match ResourceModifiers::from_config_map(d.pointer("/args/cm")) {
        Err(e) => k.eq(&format!("error ({e})"), true, want_err(d)),
        Ok(rm) => {
            k.eq("error", false, want_err(d));
            k.eq(
                "result",
                serde_json::to_value(&rm).unwrap_or(Value::Null),
                d.get("want").cloned().unwrap_or(Value::Null),
            );
        }
    }
    k.outcome()
}

fn apply(c: &Case, rm_key: &str, obj_ptr: &str, gr_ptr: &str) -> Outcome {
    let d = &c.data;
    let rm: ResourceModifiers =
        match serde_json::from_value(d.get(rm_key).cloned().unwrap_or(Value::Null)) {
            Ok(r) => r,
            Err(e) => return Outcome::Fail(format!("{rm_key}: {e}")),
        };
    let mut obj = d.pointer(obj_ptr).cloned().unwrap_or(Value::Null);
    let errs = rm.apply(
        &mut obj,
        d.pointer(gr_ptr)
            .and_then(Value::as_str)
            .unwrap_or_default(),
    );
    let mut k = Checks::default();
    k.eq(
        &format!("has errors {errs:?}"),
        !errs.is_empty(),
        want_err(d),
    );
    k.eq(
        "object",
        obj,
        d.get("wantObj").cloned().unwrap_or(Value::Null),
    );
    k.outcome()
}

fn patch_of(d: &Value) -> Result<JsonPatch, Outcome> {
    serde_json::from_value(d.get("fields").cloned().unwrap_or(Value::Null))
        .map_err(|e| Outcome::Fail(format!("fields: {e}")))
}

fn to_string(_: &Table, c: &Case) -> Outcome {
    let p = match patch_of(&c.data) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let mut k = Checks::default();
    k.eq(
        "ToString",
        p.to_patch_string().as_str(),
        str_at(&c.data, "want").unwrap_or_default(),
    );
    k.outcome()
}

fn json_patch_validate(_: &Table, c: &Case) -> Outcome {
    let p = match patch_of(&c.data) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let mut k = Checks::default();
    k.eq("error", p.validate().is_err(), want_err(&c.data));
    k.outcome()
}

fn validate(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut k = Checks::default();
    let res: Result<ResourceModifiers, _> =
        serde_json::from_value(d.get("fields").cloned().unwrap_or(Value::Null));
    k.eq(
        "error",
        res.map_err(|e| e.to_string())
            .and_then(|r| r.validate().map_err(|e| e.to_string()))
            .is_err(),
        want_err(d),
    );
    k.outcome()
}

fn patch_failure(c: &Case, strategic: bool) -> Outcome {
    let d = &c.data;
    let patches = [PatchData {
        patch_data: str_at(d, "data").unwrap_or_default().to_owned(),
    }];
    let mut k = Checks::default();
    let res = if strategic {
        let mut obj =
            serde_json::json!({"apiVersion": "v1", "kind": str_at(d, "kind").unwrap_or_default()});
        strategic_patches(&mut obj, &patches)
    } else {
        json_merge_patches(&mut serde_json::json!({}), &patches)
    };
    k.eq("error", res.is_err(), true);
    k.outcome()
}
