//! Backup-storage-location layout (`pkg/persistence/object_store_layout.go`,
//! `object_store.go`) over the `object_store` crate: local filesystem by default, S3 with the
//! `s3` feature. Keys: `<prefix>/backups/<name>/...`, `<prefix>/restores/<name>/...`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::Arc;

use futures::StreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use serde_json::Value;

use crate::error::Error;
use crate::gojson;

/// Top-level folders Velero accepts under the prefix (`IsValid`).
pub const VALID_TOP_LEVEL_DIRS: [&str; 6] = [
    "backups", "restores", "restic", "kopia", "metadata", "plugins",
];

fn storage_err(what: impl Into<String>, e: impl std::fmt::Display) -> Error {
    Error::Storage {
        what: what.into(),
        message: e.to_string(),
    }
}

/// `gzip(json.NewEncoder(w).Encode(v))`: Go JSON, one trailing newline, Go's gzip header.
pub fn gzip_json(v: &Value) -> Result<Vec<u8>, Error> {
    let mut body = gojson::to_vec(v);
    body.push(b'\n');
    gzip_bytes(&body)
}

/// Gzips bytes with Go's header (`1f 8b 08 00 00000000 00 ff`).
pub fn gzip_bytes(body: &[u8]) -> Result<Vec<u8>, Error> {
    let mut gz = flate2::GzBuilder::new()
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::default());
    gz.write_all(body).map_err(|e| Error::io("gzip", e))?;
    gz.finish().map_err(|e| Error::io("gzip", e))
}

/// Gunzips bytes (bounded to `limit` bytes of output).
pub fn gunzip(bytes: &[u8], limit: u64) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::Gzip(e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(Error::TooLarge { limit });
    }
    Ok(out)
}

/// S3 connection settings (feature `s3`).
#[cfg(feature = "s3")]
#[derive(Debug, Clone, Default)]
pub struct S3Config {
    /// Bucket name.
    pub bucket: String,
    /// Region.
    pub region: String,
    /// Custom endpoint (MinIO, moto...); path-style requests are used with it.
    pub endpoint: Option<String>,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Allow plain HTTP endpoints.
    pub allow_http: bool,
}

/// The optional side files of a backup (`persistence.BackupInfo`), all uploaded under
/// `backups/<name>/`. JSON values are encoded as Go's `json.Encoder` would and gzipped.
#[derive(Debug, Clone, Default)]
pub struct BackupFiles {
    /// `velero-backup.json` (pretty JSON of the Backup CR, uploaded verbatim).
    pub metadata: Vec<u8>,
    /// The tarball `<name>.tar.gz`.
    pub tarball: Vec<u8>,
    /// Plain log text, gzipped to `<name>-logs.gz`.
    pub log: Option<Vec<u8>>,
    /// `<name>-resource-list.json.gz`.
    pub resource_list: Option<BTreeMap<String, Vec<String>>>,
    /// `<name>-results.gz`.
    pub results: Option<Value>,
    /// `<name>-podvolumebackups.json.gz` (`null` when none).
    pub pod_volume_backups: Option<Value>,
    /// `<name>-volumesnapshots.json.gz`.
    pub volume_snapshots: Option<Value>,
    /// `<name>-itemoperations.json.gz`.
    pub item_operations: Option<Value>,
    /// `<name>-volumeinfo.json.gz`.
    pub volume_info: Option<Value>,
}

/// The files of a restore, under `restores/<name>/`.
#[derive(Debug, Clone, Default)]
pub struct RestoreFiles {
    /// `restore-<name>-logs.gz`.
    pub log: Option<Vec<u8>>,
    /// `restore-<name>-results.gz`.
    pub results: Option<Value>,
    /// `restore-<name>-resource-list.json.gz`.
    pub resource_list: Option<BTreeMap<String, Vec<String>>>,
    /// `restore-<name>-itemoperations.json.gz`.
    pub item_operations: Option<Value>,
    /// `<name>-volumeinfo.json.gz` (no `restore-` prefix, as upstream).
    pub volume_info: Option<Value>,
}

/// Key layout of one backup storage location (`ObjectStoreLayout`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    prefix: String,
}

impl Layout {
    /// The prefix is trimmed of `/`; a non-empty prefix gets one trailing `/`.
    pub fn new(prefix: &str) -> Self {
        let p = prefix.trim_matches('/');
        Self {
            prefix: if p.is_empty() {
                String::new()
            } else {
                format!("{p}/")
            },
        }
    }

    /// `<prefix>backups/<name>/`.
    pub fn backup_dir(&self, name: &str) -> String {
        format!("{}backups/{name}/", self.prefix)
    }

    /// `<prefix>restores/<name>/`.
    pub fn restore_dir(&self, name: &str) -> String {
        format!("{}restores/{name}/", self.prefix)
    }

    /// `backups/<name>/velero-backup.json`.
    pub fn backup_metadata_key(&self, name: &str) -> String {
        format!("{}velero-backup.json", self.backup_dir(name))
    }

    /// `backups/<name>/<name>.tar.gz`.
    pub fn backup_contents_key(&self, name: &str) -> String {
        format!("{}{name}.tar.gz", self.backup_dir(name))
    }

    /// `backups/<name>/<name><suffix>` (side files such as `-logs.gz`).
    pub fn backup_file_key(&self, name: &str, suffix: &str) -> String {
        format!("{}{name}{suffix}", self.backup_dir(name))
    }

    /// `restores/<name>/restore-<name><suffix>`.
    pub fn restore_file_key(&self, name: &str, suffix: &str) -> String {
        format!("{}restore-{name}{suffix}", self.restore_dir(name))
    }

    /// `restores/<name>/<name>-volumeinfo.json.gz`.
    pub fn restore_volume_info_key(&self, name: &str) -> String {
        format!("{}{name}-volumeinfo.json.gz", self.restore_dir(name))
    }
}

/// A backup storage location.
#[derive(Debug, Clone)]
pub struct BackupStore {
    store: Arc<dyn ObjectStore>,
    layout: Layout,
}

fn check_name(kind: &str, name: &str) -> Result<(), Error> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(Error::invalid(
            kind,
            name,
            "must be a non-empty name without '/'",
        ));
    }
    Ok(())
}

impl BackupStore {
    /// A location on the local filesystem rooted at `root` (created if missing).
    pub fn local(root: &std::path::Path, prefix: &str) -> Result<Self, Error> {
        std::fs::create_dir_all(root)
            .map_err(|e| Error::io(format!("creating {}", root.display()), e))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(root)
            .map_err(|e| storage_err("opening local root", e))?;
        Ok(Self {
            store: Arc::new(fs),
            layout: Layout::new(prefix),
        })
    }

    /// An in-memory location (tests, dry runs).
    pub fn in_memory(prefix: &str) -> Self {
        Self {
            store: Arc::new(object_store::memory::InMemory::new()),
            layout: Layout::new(prefix),
        }
    }

    /// An S3 location.
    #[cfg(feature = "s3")]
    pub fn s3(cfg: &S3Config, prefix: &str) -> Result<Self, Error> {
        if cfg.bucket.trim_matches('/').contains('/') {
            return Err(Error::invalid(
                "bucket",
                &cfg.bucket,
                "bucket must not contain '/'",
            ));
        }
        let mut b = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(cfg.bucket.trim_matches('/'))
            .with_region(&cfg.region)
            .with_access_key_id(&cfg.access_key_id)
            .with_secret_access_key(&cfg.secret_access_key)
            .with_allow_http(cfg.allow_http);
        if let Some(e) = &cfg.endpoint {
            b = b.with_endpoint(e).with_virtual_hosted_style_request(false);
        }
        let s3 = b.build().map_err(|e| storage_err("configuring S3", e))?;
        Ok(Self {
            store: Arc::new(s3),
            layout: Layout::new(prefix),
        })
    }

    /// The key layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), Error> {
        self.store
            .put(&Path::from(key), PutPayload::from(bytes))
            .await
            .map_err(|e| storage_err(format!("put {key}"), e))?;
        Ok(())
    }

    /// Reads one object.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, Error> {
        let r = self
            .store
            .get(&Path::from(key))
            .await
            .map_err(|e| storage_err(format!("get {key}"), e))?;
        Ok(r.bytes()
            .await
            .map_err(|e| storage_err(format!("get {key}"), e))?
            .to_vec())
    }

    async fn delete(&self, key: &str) -> Result<(), Error> {
        self.store
            .delete(&Path::from(key))
            .await
            .map_err(|e| storage_err(format!("delete {key}"), e))
    }

    /// Uploads a backup in Velero's order: log, metadata, tarball, then the side files. A failed
    /// tarball upload removes the metadata; a failed side file removes tarball and metadata.
    pub async fn put_backup(&self, name: &str, files: &BackupFiles) -> Result<(), Error> {
        check_name("backup name", name)?;
        let l = &self.layout;
        if let Some(log) = &files.log {
            // Logs are best effort upstream; a failure here is reported but not fatal.
            let _ = self
                .put(&l.backup_file_key(name, "-logs.gz"), gzip_bytes(log)?)
                .await;
        }
        self.put(&l.backup_metadata_key(name), files.metadata.clone())
            .await?;
        if let Err(e) = self
            .put(&l.backup_contents_key(name), files.tarball.clone())
            .await
        {
            let _ = self.delete(&l.backup_metadata_key(name)).await;
            return Err(e);
        }
        let list = files
            .resource_list
            .as_ref()
            .map(|m| serde_json::to_value(m).unwrap_or(Value::Null));
        let side: [(&str, Option<&Value>); 6] = [
            ("-resource-list.json.gz", list.as_ref()),
            ("-results.gz", files.results.as_ref()),
            (
                "-podvolumebackups.json.gz",
                files.pod_volume_backups.as_ref(),
            ),
            ("-volumesnapshots.json.gz", files.volume_snapshots.as_ref()),
            ("-itemoperations.json.gz", files.item_operations.as_ref()),
            ("-volumeinfo.json.gz", files.volume_info.as_ref()),
        ];
        for (suffix, v) in side {
            let Some(v) = v else { continue };
            let res = match gzip_json(v) {
                Ok(b) => self.put(&l.backup_file_key(name, suffix), b).await,
                Err(e) => Err(e),
            };
            if let Err(e) = res {
                let _ = self.delete(&l.backup_contents_key(name)).await;
                let _ = self.delete(&l.backup_metadata_key(name)).await;
                return Err(e);
            }
        }
        Ok(())
    }

    /// Streams a tarball to `backups/<name>/<name>.tar.gz` with a multipart upload (memory
    /// bounded by the part size).
    pub async fn upload_tarball<R: Read>(&self, name: &str, mut reader: R) -> Result<u64, Error> {
        check_name("backup name", name)?;
        let key = self.layout.backup_contents_key(name);
        let up = self
            .store
            .put_multipart(&Path::from(key.as_str()))
            .await
            .map_err(|e| storage_err(format!("put {key}"), e))?;
        let mut w = WriteMultipart::new(up);
        let mut buf = vec![0u8; 1 << 20];
        let mut total = 0u64;
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| Error::io("reading tarball", e))?;
            if n == 0 {
                break;
            }
            w.wait_for_capacity(4)
                .await
                .map_err(|e| storage_err(format!("put {key}"), e))?;
            w.write(buf.get(..n).unwrap_or_default());
            total += n as u64;
        }
        w.finish()
            .await
            .map_err(|e| storage_err(format!("put {key}"), e))?;
        Ok(total)
    }

    /// `velero-backup.json` of a backup.
    pub async fn get_backup_metadata(&self, name: &str) -> Result<Vec<u8>, Error> {
        self.get(&self.layout.backup_metadata_key(name)).await
    }

    /// The tarball of a backup.
    pub async fn get_backup_contents(&self, name: &str) -> Result<Vec<u8>, Error> {
        self.get(&self.layout.backup_contents_key(name)).await
    }

    /// A gzipped JSON side file of a backup, decoded.
    pub async fn get_backup_json(&self, name: &str, suffix: &str) -> Result<Value, Error> {
        let body = gunzip(
            &self.get(&self.layout.backup_file_key(name, suffix)).await?,
            1 << 30,
        )?;
        serde_json::from_slice(&body).map_err(|e| Error::json(suffix, e))
    }

    /// Backup names (common prefixes under `backups/`), sorted.
    pub async fn list_backups(&self) -> Result<Vec<String>, Error> {
        self.list_dirs(&format!("{}backups", self.layout.prefix))
            .await
    }

    /// Whether `backups/<name>/velero-backup.json` exists.
    pub async fn backup_exists(&self, name: &str) -> Result<bool, Error> {
        match self
            .store
            .head(&Path::from(self.layout.backup_metadata_key(name)))
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(storage_err("head velero-backup.json", e)),
        }
    }

    /// Deletes every object under `backups/<name>/`.
    pub async fn delete_backup(&self, name: &str) -> Result<(), Error> {
        check_name("backup name", name)?;
        self.delete_prefix(&self.layout.backup_dir(name)).await
    }

    /// Uploads a restore's files.
    pub async fn put_restore(&self, name: &str, files: &RestoreFiles) -> Result<(), Error> {
        check_name("restore name", name)?;
        let l = &self.layout;
        if let Some(log) = &files.log {
            self.put(&l.restore_file_key(name, "-logs.gz"), gzip_bytes(log)?)
                .await?;
        }
        if let Some(v) = &files.results {
            self.put(&l.restore_file_key(name, "-results.gz"), gzip_json(v)?)
                .await?;
        }
        if let Some(m) = &files.resource_list {
            let v = serde_json::to_value(m).map_err(|e| Error::json("resource list", e))?;
            self.put(
                &l.restore_file_key(name, "-resource-list.json.gz"),
                gzip_json(&v)?,
            )
            .await?;
        }
        if let Some(v) = &files.item_operations {
            self.put(
                &l.restore_file_key(name, "-itemoperations.json.gz"),
                gzip_json(v)?,
            )
            .await?;
        }
        if let Some(v) = &files.volume_info {
            self.put(&l.restore_volume_info_key(name), gzip_json(v)?)
                .await?;
        }
        Ok(())
    }

    /// All keys under `restores/<name>/`, sorted.
    pub async fn restore_keys(&self, name: &str) -> Result<Vec<String>, Error> {
        self.keys_under(&self.layout.restore_dir(name)).await
    }

    /// All keys under `backups/<name>/`, sorted.
    pub async fn backup_keys(&self, name: &str) -> Result<Vec<String>, Error> {
        self.keys_under(&self.layout.backup_dir(name)).await
    }

    /// `IsValid`: no top-level folder under the prefix other than Velero's.
    pub async fn is_valid(&self) -> Result<bool, Error> {
        let root = self.layout.prefix.trim_end_matches('/');
        let dirs = self.list_dirs(root).await?;
        Ok(dirs
            .iter()
            .all(|d| VALID_TOP_LEVEL_DIRS.contains(&d.as_str())))
    }

    async fn list_dirs(&self, prefix: &str) -> Result<Vec<String>, Error> {
        let p = if prefix.is_empty() {
            None
        } else {
            Some(Path::from(prefix))
        };
        let res = self
            .store
            .list_with_delimiter(p.as_ref())
            .await
            .map_err(|e| storage_err(format!("list {prefix}"), e))?;
        let mut out: Vec<String> = res
            .common_prefixes
            .iter()
            .filter_map(|c| c.filename().map(str::to_owned))
            .collect();
        out.sort();
        Ok(out)
    }

    async fn keys_under(&self, dir: &str) -> Result<Vec<String>, Error> {
        let p = Path::from(dir.trim_end_matches('/'));
        let mut out = Vec::new();
        let mut s = self.store.list(Some(&p));
        while let Some(m) = s.next().await {
            out.push(
                m.map_err(|e| storage_err(format!("list {dir}"), e))?
                    .location
                    .to_string(),
            );
        }
        out.sort();
        Ok(out)
    }

    async fn delete_prefix(&self, dir: &str) -> Result<(), Error> {
        for k in self.keys_under(dir).await? {
            self.delete(&k).await?;
        }
        Ok(())
    }
}
