//! Backup-storage-location layout round trips: local filesystem always; S3 against moto
//! (`scripts/moto.sh`) with the `s3` feature. A missing moto fails the S3 test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use serde_json::json;
use velero_format::archive::{ArchiveIndex, ArchiveWriter, ReaderLimits, WriterOptions};
use velero_format::storage::{BackupFiles, BackupStore, RestoreFiles, gunzip};

fn tarball() -> Vec<u8> {
    let mut w = ArchiveWriter::new(Vec::new(), WriterOptions::at(1_700_000_000));
    w.write_version().unwrap();
    let pod =
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}});
    w.write_item("pods", "ns", "p", "v1", "v1", &pod).unwrap();
    w.finish().unwrap()
}

async fn exercise(store: &BackupStore, prefix: &str) {
    let tar = tarball();
    let list = BTreeMap::from([("v1/Pod".to_owned(), vec!["ns/p".to_owned()])]);
    let files = BackupFiles {
        metadata: br#"{
  "kind": "Backup",
  "apiVersion": "velero.io/v1"
}"#
        .to_vec(),
        tarball: tar.clone(),
        log: Some(b"time=now level=info msg=done\n".to_vec()),
        resource_list: Some(list.clone()),
        results: Some(json!({"errors": {}, "warnings": {}})),
        pod_volume_backups: Some(serde_json::Value::Null),
        volume_snapshots: Some(serde_json::Value::Null),
        item_operations: Some(json!([])),
        volume_info: Some(json!([])),
    };
    store.put_backup("b1", &files).await.unwrap();
    let keys = store.backup_keys("b1").await.unwrap();
    let want: Vec<String> = [
        "b1-itemoperations.json.gz",
        "b1-logs.gz",
        "b1-podvolumebackups.json.gz",
        "b1-resource-list.json.gz",
        "b1-results.gz",
        "b1-volumeinfo.json.gz",
        "b1-volumesnapshots.json.gz",
        "b1.tar.gz",
        "velero-backup.json",
    ]
    .iter()
    .map(|f| format!("{prefix}backups/b1/{f}"))
    .collect();
    assert_eq!(keys, want);
    assert_eq!(store.list_backups().await.unwrap(), ["b1"]);
    assert!(store.backup_exists("b1").await.unwrap());
    assert!(!store.backup_exists("b2").await.unwrap());
    assert_eq!(
        store.get_backup_metadata("b1").await.unwrap(),
        files.metadata
    );
    let got = store.get_backup_contents("b1").await.unwrap();
    assert_eq!(got, tar);
    let idx = ArchiveIndex::read(got.as_slice(), ReaderLimits::default()).unwrap();
    assert_eq!(idx.parse().unwrap()["pods"].items_by_namespace["ns"], ["p"]);
    // Side files: compact Go JSON plus one newline, gzipped.
    let raw = gunzip(
        &store
            .get(&format!("{prefix}backups/b1/b1-resource-list.json.gz"))
            .await
            .unwrap(),
        1 << 20,
    )
    .unwrap();
    assert_eq!(raw, b"{\"v1/Pod\":[\"ns/p\"]}\n");
    let pvb = gunzip(
        &store
            .get(&format!("{prefix}backups/b1/b1-podvolumebackups.json.gz"))
            .await
            .unwrap(),
        1 << 20,
    )
    .unwrap();
    assert_eq!(pvb, b"null\n");
    assert_eq!(
        store.get_backup_json("b1", "-results.gz").await.unwrap(),
        json!({"errors": {}, "warnings": {}})
    );
    assert!(store.is_valid().await.unwrap());

    // Streaming multipart upload of a larger tarball (several parts).
    let big: Vec<u8> = (0..12_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    assert_eq!(
        store.upload_tarball("b2", big.as_slice()).await.unwrap(),
        big.len() as u64
    );
    assert_eq!(store.get_backup_contents("b2").await.unwrap(), big);

    store
        .put_restore(
            "r1",
            &RestoreFiles {
                log: Some(b"log".to_vec()),
                results: Some(json!({})),
                resource_list: Some(BTreeMap::from([(
                    "v1/Pod".to_owned(),
                    vec!["ns/p(created)".to_owned()],
                )])),
                item_operations: Some(json!([])),
                volume_info: Some(json!([])),
            },
        )
        .await
        .unwrap();
    let rkeys = store.restore_keys("r1").await.unwrap();
    let want: Vec<String> = [
        "r1-volumeinfo.json.gz",
        "restore-r1-itemoperations.json.gz",
        "restore-r1-logs.gz",
        "restore-r1-resource-list.json.gz",
        "restore-r1-results.gz",
    ]
    .iter()
    .map(|f| format!("{prefix}restores/r1/{f}"))
    .collect();
    assert_eq!(rkeys, want);

    store.delete_backup("b1").await.unwrap();
    store.delete_backup("b2").await.unwrap();
    assert!(store.backup_keys("b1").await.unwrap().is_empty());
    assert!(!store.backup_exists("b1").await.unwrap());
    assert!(store.put_backup("../x", &files).await.is_err());
}

#[tokio::test]
async fn local_filesystem_layout_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    exercise(&BackupStore::local(dir.path(), "").unwrap(), "").await;
    let prefixed = BackupStore::local(dir.path(), "/team-a/velero/").unwrap();
    exercise(&prefixed, "team-a/velero/").await;
    // A foreign top-level folder makes the location invalid, as Velero's IsValid does.
    std::fs::create_dir_all(dir.path().join("team-a/velero/other")).unwrap();
    std::fs::write(dir.path().join("team-a/velero/other/x"), b"x").unwrap();
    assert!(!prefixed.is_valid().await.unwrap());
    assert!(dir.path().join("restores/r1/restore-r1-logs.gz").exists());
}

#[tokio::test]
async fn in_memory_layout_round_trip() {
    exercise(&BackupStore::in_memory("p"), "p/").await;
}

#[cfg(feature = "s3")]
mod s3 {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    use velero_format::storage::{BackupStore, S3Config};

    fn moto_endpoint() -> String {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/moto.sh");
        let out = std::process::Command::new("bash")
            .arg(script)
            .arg("start")
            .output()
            .expect("run scripts/moto.sh");
        assert!(
            out.status.success(),
            "moto did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Creates a bucket with a plain HTTP PUT (moto accepts unsigned requests).
    fn create_bucket(endpoint: &str, bucket: &str) {
        let host = endpoint.trim_start_matches("http://");
        let mut s = TcpStream::connect(host).unwrap();
        write!(s, "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        assert!(resp.starts_with("HTTP/1.1 200"), "create bucket: {resp}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn s3_layout_round_trip_against_moto() {
        let endpoint = moto_endpoint();
        let bucket = format!("velero-{}", std::process::id());
        create_bucket(&endpoint, &bucket);
        let cfg = S3Config {
            bucket,
            region: "us-east-1".into(),
            endpoint: Some(endpoint),
            access_key_id: "test".into(),
            secret_access_key: "test".into(),
            allow_http: true,
        };
        super::exercise(&BackupStore::s3(&cfg, "").unwrap(), "").await;
        super::exercise(&BackupStore::s3(&cfg, "cluster-1").unwrap(), "cluster-1/").await;
    }
}
