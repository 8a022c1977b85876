//! Round trips: 100,000 items written and read back identical; a backup through the engine
//! read back and parsed by Velero's parser.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::{Value, json};
use velero_format::archive::{
    ArchiveIndex, ArchiveReader, ArchiveWriter, ReaderLimits, WriterOptions,
};
use velero_format::backup::{BackupRequest, BackupSpec, ClusterSnapshot, backup};
use velero_format::discovery::ApiResource;
use velero_format::gojson;

fn pod(i: usize) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": format!("pod-{i}"), "namespace": format!("ns-{}", i % 97), "labels": {"app": "a<b>&c", "i": i.to_string()}, "uid": format!("{i:032x}")},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27", "resources": {"limits": {"cpu": 0.25, "memory": 1_073_741_824}}}]},
        "status": {"phase": "Running", "startTime": "2026-01-01T00:00:00Z"}
    })
}

#[test]
fn hundred_thousand_items_round_trip_identically() {
    const N: usize = 100_000;
    // Fast deflate level: the tar bytes (what this test checks) do not depend on it.
    let mut w = ArchiveWriter::new(
        Vec::new(),
        WriterOptions {
            level: 1,
            ..WriterOptions::at(1_700_000_000)
        },
    );
    w.write_version().unwrap();
    for i in 0..N {
        let p = pod(i);
        w.write_item(
            "pods",
            p["metadata"]["namespace"].as_str().unwrap(),
            &format!("pod-{i}"),
            "v1",
            "v1",
            &p,
        )
        .unwrap();
    }
    assert_eq!(w.entries(), 1 + 2 * N as u64);
    let gz = w.finish().unwrap();
    let mut r = ArchiveReader::new(gz.as_slice(), ReaderLimits::default()).unwrap();
    let v = r.next_entry().unwrap().unwrap();
    assert_eq!(
        (v.name.as_str(), v.data.as_slice()),
        ("metadata/version", &b"1.1.0\n"[..])
    );
    for i in 0..N {
        let want = pod(i);
        let bytes = gojson::to_vec(&want);
        let ns = format!("ns-{}", i % 97);
        for dir in ["", "v1-preferredversion/"] {
            let e = r.next_entry().unwrap().unwrap();
            assert_eq!(
                e.name,
                format!("resources/pods/{dir}namespaces/{ns}/pod-{i}.json")
            );
            assert_eq!(e.mode, 0o755);
            assert_eq!(e.mtime, 1_700_000_000);
            assert_eq!(e.data, bytes, "item {i}");
            assert_eq!(serde_json::from_slice::<Value>(&e.data).unwrap(), want);
        }
    }
    assert!(r.next_entry().unwrap().is_none());
}

fn res(group: &str, name: &str, kind: &str, namespaced: bool) -> ApiResource {
    ApiResource {
        group: group.into(),
        version: "v1".into(),
        name: name.into(),
        kind: kind.into(),
        short_names: vec![],
        singular: String::new(),
        namespaced,
    }
}

#[test]
fn engine_backup_reads_back_through_the_parser() {
    let cluster = ClusterSnapshot::new(vec![
        (res("", "pods", "Pod", true), (0..50).map(pod).collect()),
        (res("", "namespaces", "Namespace", false), (0..97).map(|i| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": format!("ns-{i}")}, "status": {"phase": "Active"}})).collect()),
    ]);
    let req = BackupRequest {
        spec: BackupSpec {
            included_namespaces: vec!["ns-1*".into()],
            ..BackupSpec::default()
        },
        ..BackupRequest::default()
    };
    let mut w = ArchiveWriter::new(Vec::new(), WriterOptions::at(0));
    let result = backup(&cluster, &req, &mut w).unwrap();
    let idx = ArchiveIndex::read(w.finish().unwrap().as_slice(), ReaderLimits::default()).unwrap();
    assert_eq!(idx.format_version().as_deref(), Some("1.1.0"));
    let parsed = idx.parse().unwrap();
    // ns-1 and ns-10..ns-19 hold pods 1, 10..19 (of 0..50); their Namespace objects are included.
    let pods = &parsed["pods"].items_by_namespace;
    let mut got: Vec<String> = pods
        .iter()
        .flat_map(|(ns, names)| names.iter().map(move |n| format!("{ns}/{n}")))
        .collect();
    got.sort();
    let mut want: Vec<String> = [1]
        .into_iter()
        .chain(10..20)
        .map(|i| format!("ns-{i}/pod-{i}"))
        .collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(parsed["namespaces"].items_by_namespace[""].len(), 11);
    assert_eq!(result.resource_list()["v1/Pod"].len(), 11);
    for (path, e) in idx
        .paths()
        .iter()
        .zip(idx.paths().iter().map(|p| idx.get(p).unwrap()))
    {
        if path.ends_with(".json") {
            let v: Value = serde_json::from_slice(&e.data).unwrap();
            assert_eq!(
                gojson::to_vec(&v),
                e.data,
                "{path} is stored in Go's encoding"
            );
        }
    }
}
