//! `velero-archive`: create, inspect and plan restores of Velero backup tarballs offline.
//!
//! * `create --manifests DIR --backup BACKUP.yaml -o OUT.tar.gz`: back up the objects of a
//!   folder of YAML/JSON manifests as Velero would back up a cluster holding them;
//! * `inspect ARCHIVE [--details]`: like `velero backup describe --details`;
//! * `restore-plan ARCHIVE --restore RESTORE.yaml [--modifiers CM.yaml] [--priorities LIST]`:
//!   the ordered items a restore would create, their target namespaces and applied modifiers.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use velero_format::Error;
use velero_format::archive::{ArchiveIndex, ArchiveWriter, ReaderLimits, WriterOptions};
use velero_format::backup::actions::{BackupItemAction, PodVolumesAction, PvcVolumeAction};
use velero_format::backup::{BackupRequest, BackupSink, BackupSpec, ClusterSnapshot, backup};
use velero_format::modifiers::ResourceModifiers;
use velero_format::restore::engine::{
    InMemoryCluster, RestoreRequest, RestoreSpec, discovery_from_archive, restore,
};
use velero_format::restore::priorities::Priorities;

#[derive(Parser)]
#[command(
    name = "velero-archive",
    about = "Velero backup tarballs: create, inspect, plan restores"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Back up a folder of manifests into a Velero tarball.
    Create {
        /// Folder of `.yaml`/`.yml`/`.json` manifests (multi-document and `List`s allowed).
        #[arg(long)]
        manifests: PathBuf,
        /// A Backup CR (or just its spec) in YAML/JSON; absent = back up everything.
        #[arg(long)]
        backup: Option<PathBuf>,
        /// Output tarball.
        #[arg(short, long)]
        output: PathBuf,
        /// Entry modification time (Unix seconds); default: now.
        #[arg(long)]
        mtime: Option<i64>,
    },
    /// Describe a tarball's resources and items.
    Inspect {
        /// The tarball.
        archive: PathBuf,
        /// List every item.
        #[arg(long)]
        details: bool,
    },
    /// Show what a restore of the tarball would do.
    RestorePlan {
        /// The tarball.
        archive: PathBuf,
        /// A Restore CR (or just its spec) in YAML/JSON; absent = restore everything.
        #[arg(long)]
        restore: Option<PathBuf>,
        /// A resource-modifier ConfigMap (or the bare modifier document) in YAML.
        #[arg(long)]
        modifiers: Option<PathBuf>,
        /// `--restore-resource-priorities` syntax; default: Velero's list.
        #[arg(long)]
        priorities: Option<String>,
    },
}

fn read_docs(path: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if path.extension().is_some_and(|e| e == "json") {
        return serde_json::from_str(&text)
            .map(|v| vec![v])
            .map_err(|e| format!("{}: {e}", path.display()));
    }
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

fn manifests(dir: &Path) -> Result<Vec<Value>, String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
            let p = e.map_err(|e| e.to_string())?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    let bar = progress(files.len() as u64, "reading manifests");
    let mut out = Vec::new();
    for f in files {
        out.extend(read_docs(&f)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(out)
}

fn progress(len: u64, msg: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{msg:>18} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(msg);
    bar
}

/// The `spec` of a CR document, or the document itself when it is a bare spec.
fn spec_of(doc: Option<Value>) -> Value {
    match doc {
        Some(d) if d.get("spec").is_some() && d.get("kind").is_some() => {
            d.get("spec").cloned().unwrap_or(Value::Null)
        }
        Some(d) => d,
        None => Value::Object(serde_json::Map::new()),
    }
}

fn one_doc(path: Option<&PathBuf>) -> Result<Option<Value>, String> {
    match path {
        None => Ok(None),
        Some(p) => Ok(read_docs(p)?.into_iter().next()),
    }
}

/// A sink counting items on a progress bar.
struct Progress<'a, W: std::io::Write> {
    inner: ArchiveWriter<W>,
    bar: &'a ProgressBar,
}

impl<W: std::io::Write> BackupSink for Progress<'_, W> {
    fn write_version(&mut self) -> Result<(), Error> {
        self.inner.write_version()
    }
    fn write_item(
        &mut self,
        gr: &str,
        ns: &str,
        name: &str,
        v: &str,
        pref: &str,
        obj: &Value,
    ) -> Result<(), Error> {
        self.bar.inc(1);
        self.inner.write_item(gr, ns, name, v, pref, obj)
    }
}

fn create(
    dir: &Path,
    backup_spec: Option<&PathBuf>,
    output: &Path,
    mtime: Option<i64>,
) -> Result<(), String> {
    let spec: BackupSpec = serde_json::from_value(spec_of(one_doc(backup_spec)?))
        .map_err(|e| format!("backup spec: {e}"))?;
    let cluster = ClusterSnapshot::from_objects(manifests(dir)?);
    let (pod, pvc) = (PodVolumesAction::default(), PvcVolumeAction::default());
    let req = BackupRequest {
        spec,
        actions: vec![&pod as &dyn BackupItemAction, &pvc],
        ..BackupRequest::default()
    };
    let now = mtime.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| (d.as_millis() as i64 + 500) / 1000)
    });
    let file = File::create(output).map_err(|e| format!("{}: {e}", output.display()))?;
    let writer = ArchiveWriter::new_pipelined(BufWriter::new(file), WriterOptions::at(now))
        .map_err(|e| e.to_string())?;
    let bar = progress(cluster.len() as u64, "backing up");
    let mut sink = Progress {
        inner: writer,
        bar: &bar,
    };
    let result = backup(&cluster, &req, &mut sink).map_err(|e| e.to_string())?;
    sink.inner.finish().map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    println!(
        "wrote {} ({} items, {} objects in the manifests)",
        output.display(),
        result.items.len(),
        cluster.len()
    );
    for (k, v) in result.resource_list() {
        println!("  {k}: {}", v.len());
    }
    for w in &result.warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}

fn open(archive: &Path) -> Result<ArchiveIndex, String> {
    let f = File::open(archive).map_err(|e| format!("{}: {e}", archive.display()))?;
    ArchiveIndex::read(BufReader::new(f), ReaderLimits::default())
        .map_err(|e| format!("{}: {e}", archive.display()))
}

fn inspect(archive: &Path, details: bool) -> Result<(), String> {
    let idx = open(archive)?;
    let parsed = idx.parse().map_err(|e| e.to_string())?;
    let groups = idx
        .tree()
        .parse_group_versions("")
        .map_err(|e| e.to_string())?;
    println!(
        "Format version:  {}",
        idx.format_version().unwrap_or_else(|| "<none>".into())
    );
    println!("Entries:         {}", idx.paths().len());
    let mut by_kind: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut namespaces = std::collections::BTreeSet::new();
    for (dir, items) in &parsed {
        for (ns, names) in &items.items_by_namespace {
            if !ns.is_empty() {
                namespaces.insert(ns.clone());
            }
            for n in names {
                let path = velero_format::archive::paths::item_file_path("", dir, ns, n);
                let key = idx.item(&path).map_or_else(
                    |_| dir.clone(),
                    |o| {
                        format!(
                            "{}/{}",
                            o.get("apiVersion").and_then(Value::as_str).unwrap_or(""),
                            o.get("kind").and_then(Value::as_str).unwrap_or("")
                        )
                    },
                );
                by_kind.entry(key).or_default().push(if ns.is_empty() {
                    n.clone()
                } else {
                    format!("{ns}/{n}")
                });
            }
        }
    }
    println!(
        "Namespaces:      {}",
        if namespaces.is_empty() {
            "<none>".into()
        } else {
            namespaces.into_iter().collect::<Vec<_>>().join(", ")
        }
    );
    println!(
        "Total items:     {}",
        by_kind.values().map(Vec::len).sum::<usize>()
    );
    println!("\nResources:");
    for (dir, g) in &groups {
        let pref = if g.preferred_version.version.is_empty() {
            "legacy layout only".to_owned()
        } else {
            format!("preferred {}", g.preferred_version.version)
        };
        println!(
            "  {dir} ({pref}): {} items",
            parsed
                .get(dir)
                .map_or(0, |r| r.items_by_namespace.values().map(Vec::len).sum())
        );
    }
    if details {
        println!("\nResource List:");
        for (k, mut v) in by_kind {
            v.sort();
            println!("  {k}:");
            for i in v {
                println!("    - {i}");
            }
        }
    }
    Ok(())
}

fn restore_plan(
    archive: &Path,
    spec: Option<&PathBuf>,
    modifiers: Option<&PathBuf>,
    priorities: Option<&str>,
) -> Result<(), String> {
    let idx = open(archive)?;
    let doc = one_doc(spec)?;
    let name = doc
        .as_ref()
        .and_then(|d| d.pointer("/metadata/name"))
        .and_then(Value::as_str)
        .unwrap_or("restore")
        .to_owned();
    let spec: RestoreSpec =
        serde_json::from_value(spec_of(doc)).map_err(|e| format!("restore spec: {e}"))?;
    let mods = match modifiers {
        None => None,
        Some(p) => {
            let doc = one_doc(Some(p))?;
            let rm = if doc.as_ref().is_some_and(|d| d.get("data").is_some()) {
                ResourceModifiers::from_config_map(doc.as_ref())
            } else {
                std::fs::read_to_string(p)
                    .map_err(|e| e.to_string())
                    .and_then(|t| ResourceModifiers::from_yaml(&t).map_err(|e| e.to_string()))
                    .map_err(|e| Error::invalid("modifiers", p.display().to_string(), e))
            };
            let rm = rm.map_err(|e| e.to_string())?;
            rm.validate().map_err(|e| e.to_string())?;
            Some(rm)
        }
    };
    let mut prio = Priorities::default_restore();
    if let Some(p) = priorities {
        prio = Priorities::default();
        prio.set(p).map_err(|e| e.to_string())?;
    }
    let discovery = discovery_from_archive(&idx).map_err(|e| e.to_string())?;
    let req = RestoreRequest {
        name: &name,
        spec: &spec,
        archive: &idx,
        discovery: &discovery,
        priorities: &prio,
        modifiers: mods.as_ref(),
    };
    let mut cluster = InMemoryCluster::default();
    let res = restore(&req, &mut cluster).map_err(|e| e.to_string())?;
    println!("Restore {name:?}: {} items in order", res.items.len());
    for (i, it) in res.items.iter().enumerate() {
        let from = if it.original_namespace.is_empty() || it.original_namespace == it.namespace {
            String::new()
        } else {
            format!(" (from {})", it.original_namespace)
        };
        let target = if it.namespace.is_empty() {
            it.name.clone()
        } else {
            format!("{}/{}", it.namespace, it.name)
        };
        let mods = if it.modifiers_applied.is_empty() {
            String::new()
        } else {
            format!("  modifiers {:?}", it.modifiers_applied)
        };
        println!(
            "{:>5}. {:<8} {:<40} {target}{from}{mods}",
            i + 1,
            it.action,
            it.resource
        );
    }
    for w in &res.warnings {
        println!("warning: {w}");
    }
    for e in &res.errors {
        println!("error: {e}");
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let res = match &cli.cmd {
        Cmd::Create {
            manifests,
            backup,
            output,
            mtime,
        } => create(manifests, backup.as_ref(), output, *mtime),
        Cmd::Inspect { archive, details } => inspect(archive, *details),
        Cmd::RestorePlan {
            archive,
            restore,
            modifiers,
            priorities,
        } => restore_plan(
            archive,
            restore.as_ref(),
            modifiers.as_ref(),
            priorities.as_deref(),
        ),
    };
    match res {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("velero-archive: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
