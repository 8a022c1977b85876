//! Streaming backup tarball writer: gzip(tar) laid out as Velero's Go code writes it. Memory
//! use is independent of the number of items: each entry goes straight to the compressor.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::paths::{
    FORMAT_VERSION_CONTENT, PREFERRED_VERSION_SUFFIX, VERSION_FILE, versioned_item_file_path,
};
use super::tar::{BLOCK, EntryHeader, TYPE_REG, encode_header, padding};
use crate::error::Error;

/// Mode of every entry Velero writes.
pub const VELERO_MODE: u32 = 0o755;

/// Where an item is written (see [`ArchiveWriter::write_item`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathLayout {
    /// v1.11+: legacy path then `<v>-preferredversion` path.
    LegacyThenPreferred,
    /// v1.4–v1.10: `<v>-preferredversion` path then legacy path.
    PreferredThenLegacy,
    /// Format 1 (before v1.4): legacy path only.
    LegacyOnly,
}

/// Writes a tar stream (no compression) with Go's framing.
#[derive(Debug)]
pub struct TarWriter<W: Write> {
    inner: W,
}

impl<W: Write> TarWriter<W> {
    /// Wraps a sink.
    pub fn new(inner: W) -> Self {
        Self { inner }
    }

    /// Appends one entry (header, payload, padding).
    pub fn append(&mut self, header: &EntryHeader, data: &[u8]) -> Result<(), Error> {
        let h = EntryHeader {
            size: data.len() as u64,
            ..header.clone()
        };
        self.write(&encode_header(&h))?;
        self.write(data)?;
        self.write([0u8; BLOCK].get(..padding(h.size)).unwrap_or_default())
    }

    /// Appends raw bytes (for crafting unusual archives in tests and tools).
    pub fn append_raw(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.write(bytes)
    }

    fn write(&mut self, b: &[u8]) -> Result<(), Error> {
        self.inner
            .write_all(b)
            .map_err(|e| Error::io("writing tar stream", e))
    }

    /// Writes the two zero end blocks (no 10 KiB record padding, as Go) and returns the sink.
    pub fn finish(mut self) -> Result<W, Error> {
        self.write(&[0u8; 2 * BLOCK])?;
        Ok(self.inner)
    }
}

/// Options of [`ArchiveWriter`].
#[derive(Debug, Clone, Copy)]
pub struct WriterOptions {
    /// Entry modification time, Unix seconds (Velero: `time.Now()` rounded to the second).
    pub mtime: i64,
    /// Deflate level (Go's default is 6).
    pub level: u32,
    /// Item path layout.
    pub layout: PathLayout,
}

impl WriterOptions {
    /// Velero v1.11+ layout, level 6, at the given time.
    pub fn at(mtime: i64) -> Self {
        Self {
            mtime,
            level: 6,
            layout: PathLayout::LegacyThenPreferred,
        }
    }
}

/// Streaming Velero backup tarball writer.
#[derive(Debug)]
pub struct ArchiveWriter<W: Write> {
    tar: TarWriter<GzEncoder<W>>,
    opts: WriterOptions,
    scratch: Vec<u8>,
    entries: u64,
}

impl<W: Write> ArchiveWriter<W> {
    /// Starts an archive. The gzip header is Go's: `1f 8b 08 00 00000000 00 ff`.
    pub fn new(sink: W, opts: WriterOptions) -> Self {
        let gz = flate2::GzBuilder::new()
            .operating_system(255)
            .mtime(0)
            .write(sink, Compression::new(opts.level));
        Self {
            tar: TarWriter::new(gz),
            opts,
            scratch: Vec::with_capacity(4096),
            entries: 0,
        }
    }

    /// Writes a regular file entry with Velero's header fields.
    pub fn write_file(&mut self, name: &str, data: &[u8]) -> Result<(), Error> {
        let h = EntryHeader {
            name: name.to_owned(),
            mode: VELERO_MODE,
            typeflag: TYPE_REG,
            mtime: self.opts.mtime,
            linkname: String::new(),
            size: data.len() as u64,
        };
        self.entries += 1;
        self.tar.append(&h, data)
    }

    /// Writes `metadata/version` (`1.1.0\n`); Velero writes it first.
    pub fn write_version(&mut self) -> Result<(), Error> {
        self.write_file(VERSION_FILE, FORMAT_VERSION_CONTENT)
    }

    /// Writes one item: its Go JSON encoding at the legacy and/or `-preferredversion` paths
    /// (or only at `resources/<gr>/<version>/...` when `version` is not the preferred one).
    pub fn write_item(
        &mut self,
        group_resource: &str,
        namespace: &str,
        name: &str,
        version: &str,
        preferred_version: &str,
        obj: &serde_json::Value,
    ) -> Result<(), Error> {
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        crate::gojson::write_value(&mut buf, obj);
        let res = self.write_item_bytes(
            group_resource,
            namespace,
            name,
            version,
            preferred_version,
            &buf,
        );
        self.scratch = buf;
        res
    }

    /// Like [`Self::write_item`] with pre-encoded JSON bytes.
    pub fn write_item_bytes(
        &mut self,
        group_resource: &str,
        namespace: &str,
        name: &str,
        version: &str,
        preferred_version: &str,
        json: &[u8],
    ) -> Result<(), Error> {
        let legacy = versioned_item_file_path("", group_resource, namespace, name, "");
        if version != preferred_version {
            let p = versioned_item_file_path("", group_resource, namespace, name, version);
            return self.write_file(&p, json);
        }
        let pref = versioned_item_file_path(
            "",
            group_resource,
            namespace,
            name,
            &format!("{version}{PREFERRED_VERSION_SUFFIX}"),
        );
        match self.opts.layout {
            PathLayout::LegacyThenPreferred => {
                self.write_file(&legacy, json)?;
                self.write_file(&pref, json)
            }
            PathLayout::PreferredThenLegacy => {
                self.write_file(&pref, json)?;
                self.write_file(&legacy, json)
            }
            PathLayout::LegacyOnly => self.write_file(&legacy, json),
        }
    }

    /// Entries written so far.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Writes the end blocks, finishes gzip and returns the sink.
    pub fn finish(self) -> Result<W, Error> {
        let gz = self.tar.finish()?;
        gz.finish()
            .map_err(|e| Error::io("finishing gzip stream", e))
    }
}
