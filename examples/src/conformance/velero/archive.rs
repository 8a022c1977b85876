//! `archive_parser.json`.

use serde_json::Value;
use velero_format::Error;
use velero_format::archive::paths::{
    extract_group_name, item_file_path, scope_dir, versioned_item_file_path,
};
use velero_format::archive::tar::EntryHeader;
use velero_format::archive::tree::ArchiveTree;
use velero_format::archive::{ArchiveIndex, ReaderLimits, TarWriter};

use super::super::check::{Checks, str_at};
use super::super::{Case, Handler, Outcome, Table};
use super::strings;

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "TestParse" => |_, c| parse(c, false),
        "TestParseGroupVersions" => |_, c| parse(c, true),
        "TestExtractGroupName" => extract_group,
        "TestGetItemFilePath" => item_path,
        "TestUnzipAndExtractBackup" => unzip,
        "TestUnzipAndExtractBackupRejectsPathTraversal" => traversal,
        _ => return None,
    })
}

fn parse(c: &Case, versions: bool) -> Outcome {
    let d = &c.data;
    let tree = ArchiveTree::from_paths(strings(d, "files"));
    let root = str_at(d, "dir")
        .or_else(|| str_at(d, "backupDir"))
        .unwrap_or_default();
    let got = if versions {
        tree.parse_group_versions(root)
            .and_then(|m| serde_json::to_value(m).map_err(|e| Error::json("result", e)))
    } else {
        tree.parse(root)
            .and_then(|m| serde_json::to_value(m).map_err(|e| Error::json("result", e)))
    };
    let mut k = Checks::default();
    match (got, d.get("wantErrMsg")) {
        (Err(Error::NotExist(p)), Some(_)) => k.eq(
            "missing dir",
            p,
            format!("{}/resources", root.trim_end_matches('/')),
        ),
        (Err(e), _) => k.fail(format!("unexpected error {e}")),
        (Ok(v), Some(_)) => k.fail(format!("expected ErrNotExist, got {v}")),
        (Ok(v), None) => k.eq("result", v, d.get("want").cloned().unwrap_or(Value::Null)),
    }
    k.outcome()
}

fn extract_group(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut k = Checks::default();
    k.eq(
        "group",
        extract_group_name(str_at(d, "rgDir").unwrap_or_default()),
        str_at(d, "want").unwrap_or_default(),
    );
    k.outcome()
}

fn item_path(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let a = strings(d, "args");
    let arg = |i: usize| a.get(i).map(String::as_str).unwrap_or_default();
    let got = match str_at(d, "fn") {
        Some("GetItemFilePath") => item_file_path(arg(0), arg(1), arg(2), arg(3)),
        Some("GetVersionedItemFilePath") => {
            versioned_item_file_path(arg(0), arg(1), arg(2), arg(3), arg(4))
        }
        Some("GetScopeDir") => scope_dir(arg(0)).to_owned(),
        other => return Outcome::Fail(format!("unknown fn {other:?}")),
    };
    let mut k = Checks::default();
    k.eq("path", got.as_str(), str_at(d, "want").unwrap_or_default());
    k.outcome()
}

fn gzip_tar(entries: &[(EntryHeader, Vec<u8>)]) -> Result<Vec<u8>, Error> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tw = TarWriter::new(gz);
    for (h, data) in entries {
        tw.append(h, data)?;
    }
    tw.finish()?.finish().map_err(|e| Error::io("gzip", e))
}

fn header(name: &str, mode: u32, typeflag: u8) -> EntryHeader {
    EntryHeader {
        name: name.to_owned(),
        mode,
        typeflag,
        mtime: 0,
        linkname: String::new(),
        size: 0,
    }
}

fn unzip(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let bytes = if d.get("IsTarball").and_then(Value::as_bool).unwrap_or(false) {
        let entries: Vec<_> = strings(d, "files")
            .iter()
            .map(|f| (header(f, 0o644, b'0'), Vec::new()))
            .collect();
        match gzip_tar(&entries) {
            Ok(b) => b,
            Err(e) => return Outcome::Fail(e.to_string()),
        }
    } else {
        Vec::new()
    };
    let mut k = Checks::default();
    let res = ArchiveIndex::read(bytes.as_slice(), ReaderLimits::default());
    k.eq(
        "error",
        res.is_err(),
        d.get("wantErr").and_then(Value::as_bool).unwrap_or(false),
    );
    k.outcome()
}

fn traversal(_: &Table, c: &Case) -> Outcome {
    let d = &c.data;
    let mut entries = Vec::new();
    for e in d
        .get("entries")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mode = str_at(e, "mode")
            .and_then(|m| u32::from_str_radix(m, 8).ok())
            .unwrap_or(0o644);
        let flag = str_at(e, "typeflag")
            .and_then(|t| t.bytes().next())
            .unwrap_or(b'0');
        entries.push((
            header(str_at(e, "name").unwrap_or_default(), mode, flag),
            str_at(e, "data").unwrap_or_default().as_bytes().to_vec(),
        ));
    }
    let bytes = match gzip_tar(&entries) {
        Ok(b) => b,
        Err(e) => return Outcome::Fail(e.to_string()),
    };
    let mut k = Checks::default();
    match ArchiveIndex::read(bytes.as_slice(), ReaderLimits::default()) {
        Ok(_) => k.fail("archive accepted"),
        Err(e) => {
            let want = str_at(d, "wantErrContains").unwrap_or_default();
            if !e.to_string().contains(want) {
                k.fail(format!("error {e:?} does not contain {want:?}"));
            }
        }
    }
    k.outcome()
}
