//! `backup_tarball.json`: cluster + Backup spec → the exact list of tarball entries.

use serde_json::{Value, json};
use velero_format::archive::{ArchiveIndex, ArchiveWriter, ReaderLimits, WriterOptions};
use velero_format::backup::actions::{
    ActionSelector, BackupItemAction, ItemBlockAction, ResourceIdentifier, StaticAction,
};
use velero_format::backup::{BackupRequest, BackupResult, BackupSpec, ClusterSnapshot, backup};
use velero_format::discovery::GroupResource;

use super::super::check::Checks;
use super::super::{Case, Handler, Outcome, Table};
use super::{api_resources, sorted, strings};

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "TestBackupOldResourceFiltering"
        | "TestCRDInclusion"
        | "TestBackupResourceCohabitation"
        | "TestBackupActionAdditionalItems"
        | "TestItemBlockActionRelatedItems"
        | "TestBackupNewResourceFiltering"
        | "TestBackupNamespaces" => file_list,
        "TestBackupUsesNewCohabitatingResourcesForEachBackup" => cohabiting_twice,
        "TestBackupResourceOrdering" => ordering,
        "TestBackedUpItemsMatchesTarballContents" => matches_contents,
        _ => return None,
    })
}

fn catalog(t: &Table, key: &str) -> Value {
    let mut r = t
        .doc
        .pointer(&format!("/resource_catalog/{key}"))
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(o) = r.as_object_mut() {
        o.insert("items".into(), Value::Array(Vec::new()));
    }
    r
}

fn with_items(mut r: Value, items: Vec<Value>) -> Value {
    if let Some(o) = r.as_object_mut() {
        o.insert("items".into(), Value::Array(items));
    }
    r
}

fn actions(d: &Value, returns: &str) -> Vec<StaticAction> {
    d.get("actions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|a| a.get(returns).is_some())
        .map(|a| StaticAction {
            selector: serde_json::from_value::<ActionSelector>(
                a.get("selector").cloned().unwrap_or(json!({})),
            )
            .unwrap_or_default(),
            items: a
                .get(returns)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|i| {
                    let s = |k: &str| {
                        i.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    ResourceIdentifier {
                        group_resource: GroupResource::parse(&s("groupResource")),
                        namespace: s("namespace"),
                        name: s("name"),
                    }
                })
                .collect(),
        })
        .collect()
}

/// Runs the backup as the Go test does and returns the archive's paths in write order.
fn run(d: &Value) -> Result<(Vec<String>, BackupResult), String> {
    let cluster = ClusterSnapshot::new(api_resources(d));
    let spec: BackupSpec =
        serde_json::from_value(d.pointer("/backup/spec").cloned().unwrap_or(json!({})))
            .map_err(|e| format!("spec: {e}"))?;
    let bia = actions(d, "returnsAdditionalItems");
    let iba = actions(d, "returnsRelatedItems");
    let req = BackupRequest {
        spec,
        // The Go harness's controller-runtime client holds no Namespace objects.
        active_namespaces: Some(Vec::new()),
        actions: bia.iter().map(|a| a as &dyn BackupItemAction).collect(),
        item_block_actions: iba.iter().map(|a| a as &dyn ItemBlockAction).collect(),
        policy: None,
    };
    let mut w = ArchiveWriter::new(Vec::new(), WriterOptions::at(1_700_000_000));
    let res = backup(&cluster, &req, &mut w).map_err(|e| e.to_string())?;
    let bytes = w.finish().map_err(|e| e.to_string())?;
    let idx =
        ArchiveIndex::read(bytes.as_slice(), ReaderLimits::default()).map_err(|e| e.to_string())?;
    Ok((idx.paths().to_vec(), res))
}

fn check_files(d: &Value, want: Vec<String>) -> Outcome {
    let mut k = Checks::default();
    match run(d) {
        Err(e) => k.fail(e),
        Ok((paths, _)) => {
            k.eq(
                "metadata/version first",
                paths.first().map(String::as_str),
                Some("metadata/version"),
            );
            k.eq("files", sorted(paths), sorted(want));
        }
    }
    k.outcome()
}

fn file_list(_: &Table, c: &Case) -> Outcome {
    check_files(&c.data, strings(&c.data, "wantTarballFiles"))
}

fn object(api_version: &str, kind: &str, ns: &str, name: &str) -> Value {
    let mut meta = json!({"name": name});
    if !ns.is_empty() {
        meta["namespace"] = ns.into();
    }
    json!({"apiVersion": api_version, "kind": kind, "metadata": meta})
}

fn cohabiting_twice(t: &Table, c: &Case) -> Outcome {
    let case = json!({
        "backup": {"spec": {}},
        "apiResources": [
            with_items(catalog(t, "Deployments"), vec![object("apps/v1", "Deployment", "ns-1", "deploy-1")]),
            with_items(catalog(t, "ExtensionsDeployments"), vec![object("extensions/v1", "Deployment", "ns-1", "deploy-1")]),
        ],
    });
    // Run #n of the same harness: earlier runs must not leak state.
    let runs = c.data.get("backupRun").and_then(Value::as_u64).unwrap_or(1);
    for _ in 1..runs {
        if let Err(e) = run(&case) {
            return Outcome::Fail(e);
        }
    }
    check_files(&case, strings(&c.data, "wantTarballFiles"))
}

fn pods_pvcs_pvs_secrets(t: &Table) -> Value {
    let two = |av: &str, kind: &str| {
        vec![
            object(av, kind, "foo", "bar"),
            object(av, kind, "zoo", "raz"),
        ]
    };
    json!({
        "backup": {"spec": {}},
        "apiResources": [
            with_items(catalog(t, "Pods"), two("v1", "Pod")),
            with_items(catalog(t, "PVCs"), two("v1", "PersistentVolumeClaim")),
            with_items(catalog(t, "PVs"), vec![object("v1", "PersistentVolume", "", "bar"), object("v1", "PersistentVolume", "", "baz")]),
            with_items(catalog(t, "Secrets"), two("v1", "Secret")),
        ],
    })
}

fn ordering(t: &Table, c: &Case) -> Outcome {
    let want = strings(&c.data, "orderedResources");
    let mut k = Checks::default();
    match run(&pods_pvcs_pvs_secrets(t)) {
        Err(e) => k.fail(e),
        Ok((paths, _)) => {
            let rank = |p: &str| {
                let r = p.split('/').nth(1).unwrap_or_default();
                want.iter().position(|w| w == r).unwrap_or(want.len())
            };
            let res: Vec<&String> = paths
                .iter()
                .filter(|p| p.starts_with("resources/"))
                .collect();
            if res
                .windows(2)
                .any(|w| matches!(w, [a, b] if rank(a) > rank(b)))
            {
                k.fail(format!("tarball order {res:?} violates {want:?}"));
            }
        }
    }
    k.outcome()
}

fn matches_contents(t: &Table, c: &Case) -> Outcome {
    let two = |av: &str, kind: &str| {
        vec![
            object(av, kind, "foo", "bar"),
            object(av, kind, "zoo", "raz"),
        ]
    };
    let pv = |name: &str, ns: &str, claim: &str| {
        let mut o = object("v1", "PersistentVolume", "", name);
        o["spec"] = json!({"claimRef": {"namespace": ns, "name": claim}});
        o
    };
    let case = json!({
        "backup": {"spec": {}},
        "apiResources": [
            with_items(catalog(t, "Pods"), two("v1", "Pod")),
            with_items(catalog(t, "Deployments"), two("apps/v1", "Deployment")),
            with_items(catalog(t, "PVs"), vec![pv("bar", "foo", "pvc1"), pv("baz", "bar", "pvc2")]),
        ],
    });
    let mut k = Checks::default();
    match run(&case) {
        Err(e) => k.fail(e),
        Ok((paths, res)) => {
            let mut want = vec!["metadata/version".to_owned()];
            for i in &res.items {
                let Some(gr) = c
                    .data
                    .pointer("/gvkToResource")
                    .and_then(|m| m.get(format!("{}/{}", i.api_version, i.kind)))
                    .and_then(Value::as_str)
                else {
                    k.fail(format!(
                        "unexpected backed-up kind {}/{}",
                        i.api_version, i.kind
                    ));
                    continue;
                };
                let scope = if i.namespace.is_empty() {
                    "cluster".to_owned()
                } else {
                    format!("namespaces/{}", i.namespace)
                };
                want.push(format!("resources/{gr}/{scope}/{}.json", i.name));
                want.push(format!(
                    "resources/{gr}/v1-preferredversion/{scope}/{}.json",
                    i.name
                ));
            }
            k.eq("tarball", sorted(paths), sorted(want));
        }
    }
    k.outcome()
}
