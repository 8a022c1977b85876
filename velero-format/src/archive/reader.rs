//! Hardened streaming and indexed readers of backup tarballs.
//!
//! Velero's extractor (`UnzipAndExtractBackup`) only guards against entries escaping the
//! target directory and silently skips non-regular entries. This reader is stricter: absolute
//! paths, traversal, links and device/FIFO entries are typed errors; entry sizes, total
//! uncompressed size (decompression bombs) and entry counts are bounded by [`ReaderLimits`];
//! truncated or corrupt gzip and tar data are errors. PAX `path`/`size` records and GNU long
//! names are honoured.

use std::collections::BTreeMap;
use std::io::{self, Chain, Cursor, Read};

use flate2::read::MultiGzDecoder;

use super::paths::VERSION_FILE;
use super::tar::{BLOCK, RawHeader, decode_header, is_zero_block, padding, parse_pax};
use super::tree::{ArchiveTree, ResourceItems};
use crate::error::Error;

/// Bounds applied while reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderLimits {
    /// Largest accepted entry payload.
    pub max_entry_size: u64,
    /// Largest accepted uncompressed stream (decompression-bomb guard).
    pub max_total_size: u64,
    /// Most entries accepted.
    pub max_entries: u64,
}

impl Default for ReaderLimits {
    /// 64 MiB per entry, 8 GiB uncompressed, 10 million entries.
    fn default() -> Self {
        Self {
            max_entry_size: 64 << 20,
            max_total_size: 8 << 30,
            max_entries: 10_000_000,
        }
    }
}

/// One regular file of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Normalised path (no leading `/`, no `.`/`..` components).
    pub name: String,
    /// Mode bits from the header.
    pub mode: u64,
    /// Modification time (Unix seconds).
    pub mtime: u64,
    /// Payload.
    pub data: Vec<u8>,
}

/// Normalises an entry name; rejects absolute paths and names escaping the root.
pub fn sanitize_path(name: &str) -> Result<String, Error> {
    if name.starts_with('/') {
        return Err(Error::AbsolutePath(name.to_owned()));
    }
    if name.contains('\0') {
        return Err(Error::PathTraversal(name.to_owned()));
    }
    let mut parts: Vec<&str> = Vec::new();
    for p in name.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(Error::PathTraversal(name.to_owned()));
                }
            }
            other => parts.push(other),
        }
    }
    Ok(parts.join("/"))
}

type Source<R> = MultiGzDecoder<Chain<Cursor<Vec<u8>>, R>>;

/// Streaming reader: yields regular files one at a time; memory is bounded by the largest
/// entry.
pub struct ArchiveReader<R: Read> {
    src: Source<R>,
    limits: ReaderLimits,
    offset: u64,
    entries: u64,
    done: bool,
}

impl<R: Read> std::fmt::Debug for ArchiveReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveReader")
            .field("offset", &self.offset)
            .field("entries", &self.entries)
            .finish()
    }
}

fn map_gz(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        Error::Truncated(format!("gzip stream ends early: {e}"))
    } else {
        Error::Gzip(e.to_string())
    }
}

impl<R: Read> ArchiveReader<R> {
    /// Starts reading a gzip'd tar stream. Fails when the input is not gzip.
    pub fn new(mut input: R, limits: ReaderLimits) -> Result<Self, Error> {
        let mut magic = [0u8; 2];
        let mut got = 0;
        while got < 2 {
            let n = input
                .read(magic.get_mut(got..).unwrap_or_default())
                .map_err(|e| Error::io("reading archive", e))?;
            if n == 0 {
                break;
            }
            got += n;
        }
        if got < 2 || magic != [0x1f, 0x8b] {
            return Err(Error::Gzip("not a gzip stream (bad magic)".into()));
        }
        let src = MultiGzDecoder::new(Cursor::new(magic.to_vec()).chain(input));
        Ok(Self {
            src,
            limits,
            offset: 0,
            entries: 0,
            done: false,
        })
    }

    /// Bytes of uncompressed tar consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut got = 0;
        while got < buf.len() {
            let n = self
                .src
                .read(buf.get_mut(got..).unwrap_or_default())
                .map_err(map_gz)?;
            if n == 0 {
                break;
            }
            got += n;
        }
        self.offset += got as u64;
        if self.offset > self.limits.max_total_size {
            return Err(Error::TooLarge {
                limit: self.limits.max_total_size,
            });
        }
        Ok(got)
    }

    fn read_exact(&mut self, buf: &mut [u8], what: &str) -> Result<(), Error> {
        if self.fill(buf)? < buf.len() {
            return Err(Error::Truncated(format!(
                "{what} at offset {}",
                self.offset
            )));
        }
        Ok(())
    }

    fn read_payload(&mut self, name: &str, size: u64) -> Result<Vec<u8>, Error> {
        if size > self.limits.max_entry_size {
            return Err(Error::EntryTooLarge {
                name: name.to_owned(),
                size,
                limit: self.limits.max_entry_size,
            });
        }
        if self.offset.saturating_add(size) > self.limits.max_total_size {
            return Err(Error::TooLarge {
                limit: self.limits.max_total_size,
            });
        }
        let len = usize::try_from(size).map_err(|_| Error::TooLarge {
            limit: self.limits.max_total_size,
        })?;
        let mut data = vec![0u8; len];
        self.read_exact(&mut data, &format!("payload of {name:?}"))?;
        let mut pad = [0u8; BLOCK];
        let p = padding(size);
        self.read_exact(pad.get_mut(..p).unwrap_or_default(), "padding")?;
        Ok(data)
    }

    /// Reads the stream to its end so the gzip trailer (CRC32, length) is verified and a
    /// truncated stream is detected; bounded by the total-size limit.
    fn drain(&mut self) -> Result<(), Error> {
        let mut buf = [0u8; 8192];
        while self.fill(&mut buf)? > 0 {}
        Ok(())
    }

    fn next_header(&mut self) -> Result<Option<(RawHeader, u64)>, Error> {
        let mut block = [0u8; BLOCK];
        let at = self.offset;
        let n = self.fill(&mut block)?;
        if n == 0 {
            return Ok(None);
        }
        if n < BLOCK {
            return Err(Error::Truncated(format!("header at offset {at}")));
        }
        if is_zero_block(&block) {
            // End of archive: a second zero block (or EOF) must follow.
            let n2 = self.fill(&mut block)?;
            if n2 == 0 || (n2 == BLOCK && is_zero_block(&block)) {
                return Ok(None);
            }
            return Err(Error::CorruptTar {
                offset: at,
                message: "data after a zero block".into(),
            });
        }
        Ok(Some((decode_header(&block, at)?, at)))
    }

    /// The next regular file, or `None` at the end. Directory entries are validated and
    /// skipped; PAX global headers are ignored.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, Error> {
        if self.done {
            return Ok(None);
        }
        let mut pax_path: Option<String> = None;
        let mut pax_size: Option<u64> = None;
        let mut long_name: Option<String> = None;
        loop {
            let Some((h, at)) = self.next_header()? else {
                self.done = true;
                self.drain()?;
                return Ok(None);
            };
            self.entries += 1;
            if self.entries > self.limits.max_entries {
                return Err(Error::TooManyEntries {
                    limit: self.limits.max_entries,
                });
            }
            let raw_name = long_name
                .take()
                .or(pax_path.take())
                .unwrap_or_else(|| h.name.clone());
            let size = pax_size.take().unwrap_or(h.size);
            match h.typeflag {
                b'x' | b'g' => {
                    if h.size > 1 << 20 {
                        return Err(Error::EntryTooLarge {
                            name: h.name,
                            size: h.size,
                            limit: 1 << 20,
                        });
                    }
                    let data = self.read_payload(&h.name, h.size)?;
                    if h.typeflag == b'x' {
                        for (k, v) in parse_pax(&data, at)? {
                            match k.as_str() {
                                "path" => pax_path = Some(v),
                                "size" => {
                                    pax_size = Some(v.parse().map_err(|_| Error::CorruptTar {
                                        offset: at,
                                        message: format!("PAX size {v:?}"),
                                    })?);
                                }
                                _ => {}
                            }
                        }
                    }
                }
                b'L' => {
                    if h.size > 1 << 16 {
                        return Err(Error::EntryTooLarge {
                            name: h.name,
                            size: h.size,
                            limit: 1 << 16,
                        });
                    }
                    let data = self.read_payload(&h.name, h.size)?;
                    let n = data.iter().position(|c| *c == 0).unwrap_or(data.len());
                    long_name = Some(
                        String::from_utf8_lossy(data.get(..n).unwrap_or_default()).into_owned(),
                    );
                }
                b'0' | 0 | b'7' => {
                    let name = sanitize_path(&raw_name)?;
                    if name.is_empty() {
                        return Err(Error::PathTraversal(raw_name));
                    }
                    let data = self.read_payload(&name, size)?;
                    return Ok(Some(Entry {
                        name,
                        mode: h.mode,
                        mtime: h.mtime,
                        data,
                    }));
                }
                b'5' => {
                    sanitize_path(&raw_name)?;
                    self.read_payload(&raw_name, size)?;
                }
                b'1' | b'2' | b'K' => {
                    return Err(Error::Link {
                        name: raw_name,
                        typeflag: char::from(h.typeflag),
                    });
                }
                other => {
                    return Err(Error::SpecialFile {
                        name: raw_name,
                        typeflag: char::from(other),
                    });
                }
            }
        }
    }
}

impl<R: Read> Iterator for ArchiveReader<R> {
    type Item = Result<Entry, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_entry() {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// A fully read archive with random access by path (bounded by [`ReaderLimits`]).
#[derive(Debug, Clone, Default)]
pub struct ArchiveIndex {
    order: Vec<String>,
    files: BTreeMap<String, Entry>,
}

impl ArchiveIndex {
    /// Reads a whole gzip'd tar stream. A later entry with the same path replaces an earlier one
    /// (as extraction would).
    pub fn read<R: Read>(input: R, limits: ReaderLimits) -> Result<Self, Error> {
        let mut idx = Self::default();
        for e in ArchiveReader::new(input, limits)? {
            let e = e?;
            if !idx.files.contains_key(&e.name) {
                idx.order.push(e.name.clone());
            }
            idx.files.insert(e.name.clone(), e);
        }
        Ok(idx)
    }

    /// Paths in archive order.
    pub fn paths(&self) -> &[String] {
        &self.order
    }

    /// An entry by path.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.files.get(path)
    }

    /// The directory tree of the archive.
    pub fn tree(&self) -> ArchiveTree {
        ArchiveTree::from_paths(&self.order)
    }

    /// `metadata/version` content, trimmed (`1.1.0`, or `1` for format 1).
    pub fn format_version(&self) -> Option<String> {
        self.get(VERSION_FILE)
            .map(|e| String::from_utf8_lossy(&e.data).trim().to_owned())
    }

    /// Velero's `Parser.Parse` over this archive.
    pub fn parse(&self) -> Result<BTreeMap<String, ResourceItems>, Error> {
        self.tree().parse("")
    }

    /// Decodes the item at `path` as JSON.
    pub fn item(&self, path: &str) -> Result<serde_json::Value, Error> {
        let e = self
            .get(path)
            .ok_or_else(|| Error::NotExist(path.to_owned()))?;
        serde_json::from_slice(&e.data).map_err(|err| Error::json(path, err))
    }

    /// Extracts every file under `dir` (created as needed), like `UnzipAndExtractBackup`.
    pub fn extract_to(&self, dir: &std::path::Path) -> Result<(), Error> {
        for (name, e) in &self.files {
            let p = dir.join(name);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|err| Error::io(format!("creating {}", parent.display()), err))?;
            }
            std::fs::write(&p, &e.data)
                .map_err(|err| Error::io(format!("writing {}", p.display()), err))?;
        }
        Ok(())
    }
}
