//! `restore_ordering.json`, `restore_items.json` and `restore_filtering.json`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use velero_format::archive::tree::{ApiGroup, GroupVersionForDiscovery};
use velero_format::archive::{ArchiveIndex, ArchiveWriter, ReaderLimits, WriterOptions};
use velero_format::discovery::GroupResource;
use velero_format::includes_excludes::IncludesExcludes;
use velero_format::restore::engine::{
    InMemoryCluster, RestoreRequest, RestoreResult, RestoreSpec, restore,
};
use velero_format::restore::item::{
    determine_restore_status, is_completed, reset_metadata, reset_status, reset_volume_binding_info,
};
use velero_format::restore::priorities::{Priorities, ordered_resources};
use velero_format::restore::version_priority as vp;
use velero_format::{gojson, label};

use super::super::check::{Checks, str_at};
use super::super::{Case, Handler, Outcome, Table};
use super::{api_resources, discovery, sorted};

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "Test_getOrderedResources" => get_ordered,
        "TestRestoreResourcePriorities" => restore_priorities,
        "TestSetOfPriority" => set_priority,
        "TestK8sPrioritySort" => k8s_sort,
        "TestUserResourceGroupVersionPriorities" => user_priorities,
        "TestFindAPIGroup" => find_group,
        "TestFindSupportedUserVersion" => find_user_version,
        "TestVersionsContain" => versions_contain,
        "TestStringOfPriorities" => string_of,
        "TestRestoreItems" => restore_items,
        "TestResetMetadata" => reset_meta,
        "TestResetStatus" => reset_stat,
        "TestIsCompleted" => completed,
        "Test_resetVolumeBindingInfo" => binding,
        "TestDetermineRestoreStatus" => restore_status,
        "TestGetValidLabelName" => |_, c| label_fn(c, label::valid_name),
        "TestReturnNameOrHash" => |_, c| label_fn(c, label::name_or_hash),
        "TestRestoreResourceFiltering" | "TestRestoreNamespaceMapping" => filtering,
        _ => return None,
    })
}

fn parse<T: serde::de::DeserializeOwned>(d: &Value, ptr: &str) -> Result<T, Outcome> {
    serde_json::from_value(d.pointer(ptr).cloned().unwrap_or(Value::Null))
        .map_err(|e| Outcome::Fail(format!("{ptr}: {e}")))
}

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(o) => return o,
        }
    };
}

fn get_ordered(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let p: Priorities = tri!(parse(d, "/resourcePriorities"));
    let backup: Vec<String> = d
        .get("backupResources")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let want: Vec<String> = tri!(parse(d, "/want"));
    let mut k = Checks::default();
    k.eq(
        "order",
        ordered_resources(&p, backup.iter().map(String::as_str)),
        want,
    );
    k.outcome()
}

fn set_priority(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut p = Priorities::default();
    let res = p.set(str_at(d, "input").unwrap_or_default());
    let want: Priorities = tri!(parse(d, "/priorities"));
    let mut k = Checks::default();
    k.eq(
        "error",
        res.is_err(),
        d.get("hasErr").and_then(Value::as_bool).unwrap_or(false),
    );
    k.eq("priorities", p, want);
    k.outcome()
}

fn gvs(d: &Value, key: &str) -> Vec<GroupVersionForDiscovery> {
    d.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|g| GroupVersionForDiscovery {
            group_version: str_at(g, "groupVersion").unwrap_or_default().to_owned(),
            version: str_at(g, "version").unwrap_or_default().to_owned(),
        })
        .collect()
}

fn k8s_sort(_: &Table, c: &Case) -> Outcome {
    let mut v = gvs(&c.data, "orig");
    vp::k8s_priority_sort(&mut v);
    let mut k = Checks::default();
    k.eq("sorted", v, gvs(&c.data, "want"));
    k.outcome()
}

fn group_json(g: &ApiGroup) -> Value {
    let gv = |v: &GroupVersionForDiscovery| {
        let mut m = serde_json::Map::new();
        if !v.group_version.is_empty() {
            m.insert("groupVersion".into(), v.group_version.clone().into());
        }
        if !v.version.is_empty() {
            m.insert("version".into(), v.version.clone().into());
        }
        Value::Object(m)
    };
    let mut m = serde_json::Map::new();
    if !g.name.is_empty() {
        m.insert("name".into(), g.name.clone().into());
    }
    if !g.versions.is_empty() {
        m.insert("versions".into(), g.versions.iter().map(gv).collect());
    }
    if g.preferred_version != GroupVersionForDiscovery::default() {
        m.insert("preferredVersion".into(), gv(&g.preferred_version));
    }
    Value::Object(m)
}

fn group_of(v: &Value) -> ApiGroup {
    let pv = v.get("preferredVersion").cloned().unwrap_or(Value::Null);
    ApiGroup {
        name: str_at(v, "name").unwrap_or_default().to_owned(),
        versions: gvs(v, "versions"),
        preferred_version: GroupVersionForDiscovery {
            group_version: str_at(&pv, "groupVersion").unwrap_or_default().to_owned(),
            version: str_at(&pv, "version").unwrap_or_default().to_owned(),
        },
    }
}

fn user_priorities(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let got = vp::user_priorities(
        d.pointer("/cm/data/restoreResourcesVersionPriority")
            .and_then(Value::as_str),
    );
    let got = got.map_or(Value::Null, |m| {
        m.iter()
            .map(|(k, g)| (k.clone(), group_json(g)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    });
    let mut k = Checks::default();
    k.eq(
        "priorities",
        got,
        d.get("want").cloned().unwrap_or(Value::Null),
    );
    k.outcome()
}

fn find_group(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let groups: Vec<ApiGroup> = d
        .get("targetGrps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(group_of)
        .collect();
    let got = vp::find_api_group(&groups, str_at(d, "grpName").unwrap_or_default());
    let mut k = Checks::default();
    k.eq(
        "group",
        group_json(&got),
        d.get("want").cloned().unwrap_or(Value::Null),
    );
    k.outcome()
}

fn find_user_version(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let got = vp::find_supported_user_version(
        &gvs(d, "userGVs"),
        &gvs(d, "targetGVs"),
        &gvs(d, "sourceGVs"),
    );
    let mut k = Checks::default();
    k.eq(
        "version",
        got.as_str(),
        str_at(d, "want").unwrap_or_default(),
    );
    k.outcome()
}

fn versions_contain(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut k = Checks::default();
    k.eq(
        "contains",
        vp::versions_contain(&gvs(d, "GVs"), str_at(d, "ver").unwrap_or_default()),
        d.get("want").and_then(Value::as_bool).unwrap_or(false),
    );
    k.outcome()
}

fn string_of(_: &Table, c: &Case) -> Outcome {
    let p: Priorities = tri!(parse(&c.data, "/priorities"));
    let mut k = Checks::default();
    k.eq(
        "String",
        p.to_string().as_str(),
        str_at(&c.data, "want").unwrap_or_default(),
    );
    k.outcome()
}

fn reset_meta(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut obj = d.get("obj").cloned().unwrap_or(Value::Null);
    let res = reset_metadata(&mut obj);
    let mut k = Checks::default();
    let want_err = d
        .get("expectedErr")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    k.eq("error", res.is_err(), want_err);
    if !want_err {
        k.eq(
            "object",
            obj,
            d.get("expectedRes").cloned().unwrap_or(Value::Null),
        );
    }
    k.outcome()
}

fn reset_stat(_: &Table, c: &Case) -> Outcome {
    let mut obj = c.data.get("obj").cloned().unwrap_or(Value::Null);
    reset_status(&mut obj);
    let mut k = Checks::default();
    k.eq(
        "object",
        obj,
        c.data.get("expectedRes").cloned().unwrap_or(Value::Null),
    );
    k.outcome()
}

fn completed(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let obj: Value = tri!(
        serde_json::from_str(str_at(d, "content").unwrap_or_default())
            .map_err(|e| Outcome::Fail(e.to_string()))
    );
    let gr = GroupResource::new(
        d.pointer("/groupResource/Group")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        d.pointer("/groupResource/Resource")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    );
    let mut k = Checks::default();
    k.eq(
        "completed",
        is_completed(&obj, &gr),
        d.get("expected").and_then(Value::as_bool).unwrap_or(false),
    );
    k.outcome()
}

fn binding(_: &Table, c: &Case) -> Outcome {
    let mut obj = c.data.get("obj").cloned().unwrap_or(Value::Null);
    reset_volume_binding_info(&mut obj);
    let mut k = Checks::default();
    k.eq(
        "object",
        obj,
        c.data.get("expected").cloned().unwrap_or(Value::Null),
    );
    k.outcome()
}

fn restore_status(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut obj = serde_json::json!({"metadata": {}});
    if let (Some(a), Some(m)) = (
        d.get("annotations").filter(|a| !a.is_null()),
        obj.get_mut("metadata").and_then(Value::as_object_mut),
    ) {
        m.insert("annotations".into(), a.clone());
    }
    let filter = d
        .get("restoreSpecIncludes")
        .and_then(Value::as_bool)
        .map(|inc| {
            if inc {
                IncludesExcludes::new().includes(["*"])
            } else {
                IncludesExcludes::new().excludes(["*"])
            }
        });
    let mut k = Checks::default();
    k.eq(
        "decision",
        determine_restore_status(&obj, filter.as_ref(), "testGroupResource"),
        d.get("expectedDecision")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    );
    k.outcome()
}

fn label_fn(c: &Case, f: fn(&str) -> String) -> Outcome {
    let mut k = Checks::default();
    k.eq(
        "label",
        f(str_at(&c.data, "label").unwrap_or_default()).as_str(),
        str_at(&c.data, "expectedLabel").unwrap_or_default(),
    );
    k.outcome()
}

/// Writes the case's `tarball` entries with the crate's writer and reads them back.
fn tarball(d: &Value) -> Result<ArchiveIndex, Outcome> {
    let mut w = ArchiveWriter::new(Vec::new(), WriterOptions::at(0));
    for e in d
        .pointer("/tarball/tarball")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let obj = e.get("object").cloned().unwrap_or(Value::Null);
        w.write_file(str_at(e, "path").unwrap_or_default(), &gojson::to_vec(&obj))
            .map_err(|e| Outcome::Fail(e.to_string()))?;
    }
    let bytes = w.finish().map_err(|e| Outcome::Fail(e.to_string()))?;
    ArchiveIndex::read(bytes.as_slice(), ReaderLimits::default())
        .map_err(|e| Outcome::Fail(e.to_string()))
}

fn run(d: &Value, priorities: &Priorities) -> Result<(InMemoryCluster, RestoreResult), Outcome> {
    let index = tarball(d)?;
    let disc = discovery(d);
    let mut cluster = InMemoryCluster::default();
    for (r, items) in api_resources(d) {
        for item in items {
            use velero_format::restore::engine::Cluster;
            cluster.put(&r.group_resource().to_string(), item);
        }
    }
    cluster.writes.clear();
    let spec: RestoreSpec = parse(d, "/restore/spec")?;
    let name = d
        .pointer("/restore/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let req = RestoreRequest {
        name,
        spec: &spec,
        archive: &index,
        discovery: &disc,
        priorities,
        modifiers: None,
    };
    let res = restore(&req, &mut cluster).map_err(|e| Outcome::Fail(format!("restore: {e}")))?;
    Ok((cluster, res))
}

fn restore_priorities(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let p: Priorities = tri!(parse(d, "/resourcePriorities"));
    let (cluster, _) = tri!(run(d, &p));
    let want: Vec<String> = tri!(parse(d, "/expectedCreationOrder"));
    let rank = |gr: &str| want.iter().position(|w| w == gr).unwrap_or(want.len());
    let mut k = Checks::default();
    let order: Vec<&str> = cluster
        .writes
        .iter()
        .map(|(gr, _, _)| gr.as_str())
        .filter(|gr| *gr != "namespaces")
        .collect();
    if order
        .windows(2)
        .any(|w| matches!(w, [a, b] if rank(a) > rank(b)))
    {
        k.fail(format!("creation order {order:?} violates {want:?}"));
    }
    k.outcome()
}

fn strip(mut v: Value, creation: bool) -> Value {
    if let Some(m) = v.as_object_mut() {
        m.remove("status");
    }
    if creation {
        if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("creationTimestamp");
        }
    }
    v
}

fn restore_items(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let (cluster, res) = tri!(run(d, &Priorities::default_restore()));
    let mut k = Checks::default();
    k.eq("warnings", res.warnings.clone(), vec![]);
    k.eq("errors", res.errors.clone(), vec![]);
    for (r, items) in api_resources(
        &serde_json::json!({"apiResources": d.get("want").cloned().unwrap_or(Value::Null)}),
    ) {
        let gr = r.group_resource().to_string();
        for want in items {
            let ns = want
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let name = want
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            use velero_format::restore::engine::Cluster;
            match cluster.get(&gr, ns, name) {
                None => k.fail(format!("{gr} {ns}/{name} not in cluster")),
                Some(got) => k.eq(
                    &format!("{gr} {ns}/{name}"),
                    strip(got, false),
                    strip(want.clone(), true),
                ),
            }
        }
    }
    if let Some(exp) = d
        .get("expectedRestoreItems")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
    {
        let got: BTreeSet<String> = res
            .items
            .iter()
            .map(|i| {
                let mut s = serde_json::json!({"action": i.action, "itemExists": i.item_exists});
                if !i.created_name.is_empty() {
                    s["createdName"] = i.created_name.clone().into();
                }
                serde_json::json!({"resource": i.resource, "namespace": i.namespace, "name": i.name, "status": s}).to_string()
            })
            .collect();
        let want: BTreeSet<String> = exp.iter().map(Value::to_string).collect();
        k.eq("restored items", got, want);
    }
    k.outcome()
}

fn filtering(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let (cluster, res) = tri!(run(d, &Priorities::default_restore()));
    let mut k = Checks::default();
    k.eq("warnings", res.warnings.clone(), vec![]);
    k.eq("errors", res.errors.clone(), vec![]);
    let want: BTreeMap<String, Vec<String>> = tri!(parse(d, "/want"));
    for (gr, names) in want {
        let got: Vec<String> = cluster
            .objects
            .keys()
            .filter(|(g, _, _)| *g == gr)
            .map(|(_, ns, n)| format!("{ns}/{n}"))
            .collect();
        k.eq(&gr, sorted(got), sorted(names));
    }
    k.outcome()
}
