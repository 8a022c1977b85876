//! Tar framing exactly as Go's `archive/tar` writer emits it for headers with an unset
//! `Format` (USTAR when representable, else a PAX extended header), and header decoding for
//! the reader.

use crate::error::Error;

/// Tar block size.
pub const BLOCK: usize = 512;
const NAME_SIZE: usize = 100;
const PREFIX_SIZE: usize = 155;

/// Regular file type flag.
pub const TYPE_REG: u8 = b'0';
/// PAX extended header type flag.
pub const TYPE_PAX: u8 = b'x';

/// The header fields a writer sets (everything else is zero, as in Velero's `tar.Header`s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHeader {
    /// Entry path.
    pub name: String,
    /// Permission bits (Velero: `0o755`).
    pub mode: u32,
    /// Type flag (`b'0'` regular).
    pub typeflag: u8,
    /// Modification time, Unix seconds (already rounded).
    pub mtime: i64,
    /// Link target (links only).
    pub linkname: String,
    /// Payload size.
    pub size: u64,
}

fn put_str(block: &mut [u8], off: usize, len: usize, s: &[u8]) {
    if let Some(field) = block.get_mut(off..off + len) {
        let n = s.len().min(len);
        if let (Some(dst), Some(src)) = (field.get_mut(..n), s.get(..n)) {
            dst.copy_from_slice(src);
        }
    }
}

/// Go's `formatOctal`: zero-padded octal leaving room for a NUL terminator.
fn put_octal(block: &mut [u8], off: usize, len: usize, x: u64) {
    let s = format!("{x:o}");
    let mut padded = format!("{}{s}", "0".repeat((len - 1).saturating_sub(s.len())));
    if padded.len() < len {
        padded.push('\0'); // Go's formatString NUL-terminates shorter strings
    }
    put_str(block, off, len, padded.as_bytes());
}

fn fits_octal(len: usize, x: u64) -> bool {
    let digits = len - 1;
    digits >= 22 || x < (1u64 << (3 * digits))
}

fn set_ustar_magic_and_checksum(block: &mut [u8; BLOCK]) {
    put_str(block, 257, 6, b"ustar\0");
    put_str(block, 263, 2, b"00");
    put_str(block, 148, 8, b"        ");
    let sum: u64 = block.iter().map(|b| u64::from(*b)).sum();
    put_octal(block, 148, 7, sum);
    put_str(block, 155, 1, b" ");
}

/// Go's `splitUSTARPath`.
fn split_ustar_path(name: &str) -> Option<(&str, &str)> {
    let b = name.as_bytes();
    let mut length = b.len();
    if length <= NAME_SIZE || !name.is_ascii() {
        return None;
    }
    if length > PREFIX_SIZE + 1 {
        length = PREFIX_SIZE + 1;
    } else if b.get(length - 1) == Some(&b'/') {
        length -= 1;
    }
    let i = name.get(..length)?.rfind('/')?;
    let nlen = b.len() - i - 1;
    if i == 0 || nlen > NAME_SIZE || nlen == 0 || i > PREFIX_SIZE {
        return None;
    }
    Some((name.get(..i)?, name.get(i + 1..)?))
}

/// Go's `formatPAXRecord`.
fn pax_record(k: &str, v: &str) -> String {
    let base = k.len() + v.len() + 3;
    let mut size = base + base.to_string().len();
    let mut rec = format!("{size} {k}={v}\n");
    if rec.len() != size {
        size = rec.len();
        rec = format!("{size} {k}={v}\n");
    }
    rec
}

fn to_ascii(s: &str) -> String {
    s.chars().filter(char::is_ascii).collect()
}

/// Go's `path.Join(dir, "PaxHeaders.0", file)` after `path.Split(name)`.
fn pax_header_name(name: &str) -> String {
    let (dir, file) = name.rsplit_once('/').map_or(("", name), |(d, f)| (d, f));
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    parts.push("PaxHeaders.0");
    if !file.is_empty() {
        parts.push(file);
    }
    let lead = if name.starts_with('/') { "/" } else { "" };
    format!("{lead}{}", parts.join("/"))
}

fn v7_plus(h: &EntryHeader, name: &str, ustar_ids: bool) -> [u8; BLOCK] {
    let mut b = [0u8; BLOCK];
    put_str(&mut b, 0, NAME_SIZE, name.as_bytes());
    put_octal(&mut b, 100, 8, u64::from(h.mode));
    put_octal(&mut b, 108, 8, 0);
    put_octal(&mut b, 116, 8, 0);
    put_octal(&mut b, 124, 12, h.size);
    put_octal(&mut b, 136, 12, u64::try_from(h.mtime).unwrap_or(0));
    put_str(&mut b, 156, 1, &[h.typeflag]);
    put_str(&mut b, 157, NAME_SIZE, h.linkname.as_bytes());
    if ustar_ids {
        put_octal(&mut b, 329, 8, 0);
        put_octal(&mut b, 337, 8, 0);
    }
    b
}

/// Encodes the header block(s) Go writes for `h`: one USTAR block, or a PAX `x` header block,
/// its padded records, then the main block. Returns the bytes to write before the payload.
pub fn encode_header(h: &EntryHeader) -> Vec<u8> {
    let ascii = h.name.is_ascii();
    let fits = h.name.len() <= NAME_SIZE && ascii;
    let split = if fits {
        None
    } else {
        split_ustar_path(&h.name)
    };
    let size_ok = fits_octal(12, h.size);
    if (fits || split.is_some()) && size_ok && h.linkname.len() <= NAME_SIZE {
        let (prefix, name) = split.unwrap_or(("", h.name.as_str()));
        let mut b = v7_plus(h, name, true);
        put_str(&mut b, 345, PREFIX_SIZE, prefix.as_bytes());
        set_ustar_magic_and_checksum(&mut b);
        return b.to_vec();
    }
    let mut records = Vec::new();
    if !(fits || split.is_some()) {
        records.push(("path", h.name.clone()));
    }
    if !size_ok {
        records.push(("size", h.size.to_string()));
    }
    records.sort();
    let data: String = records.iter().map(|(k, v)| pax_record(k, v)).collect();
    let mut raw_name = to_ascii(&pax_header_name(&h.name));
    raw_name.truncate(NAME_SIZE);
    let raw_name = raw_name.trim_end_matches('/').to_owned();
    let mut pax = [0u8; BLOCK];
    put_str(&mut pax, 0, NAME_SIZE, raw_name.as_bytes());
    for (off, len) in [(100, 8), (108, 8), (116, 8)] {
        put_octal(&mut pax, off, len, 0);
    }
    put_octal(&mut pax, 124, 12, data.len() as u64);
    put_octal(&mut pax, 136, 12, 0);
    put_str(&mut pax, 156, 1, &[TYPE_PAX]);
    set_ustar_magic_and_checksum(&mut pax);
    let mut out = pax.to_vec();
    out.extend_from_slice(data.as_bytes());
    out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
    let mut main_name = to_ascii(&h.name);
    main_name.truncate(NAME_SIZE);
    let mut main = v7_plus(
        &EntryHeader {
            size: if size_ok { h.size } else { 0 },
            ..h.clone()
        },
        &main_name,
        true,
    );
    set_ustar_magic_and_checksum(&mut main);
    out.extend_from_slice(&main);
    out
}

/// Zero bytes needed to pad `size` to a block boundary.
pub fn padding(size: u64) -> usize {
    let rem = (size % BLOCK as u64) as usize;
    if rem == 0 { 0 } else { BLOCK - rem }
}

/// A decoded raw header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHeader {
    /// Name (USTAR prefix joined).
    pub name: String,
    /// Mode bits.
    pub mode: u64,
    /// Payload size.
    pub size: u64,
    /// Type flag.
    pub typeflag: u8,
    /// Modification time.
    pub mtime: u64,
    /// Link name.
    pub linkname: String,
}

fn cstr(b: &[u8]) -> &[u8] {
    let n = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    b.get(..n).unwrap_or_default()
}

fn parse_numeric(field: &[u8], offset: u64, what: &str) -> Result<u64, Error> {
    let corrupt = |m: String| Error::CorruptTar { offset, message: m };
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        // GNU base-256.
        let mut v: u64 = u64::from(field.first().copied().unwrap_or(0) & 0x7f);
        for b in field.get(1..).unwrap_or_default() {
            v = v
                .checked_mul(256)
                .and_then(|x| x.checked_add(u64::from(*b)))
                .ok_or_else(|| corrupt(format!("{what} overflows")))?;
        }
        return Ok(v);
    }
    let s =
        std::str::from_utf8(cstr(field)).map_err(|_| corrupt(format!("{what} is not ASCII")))?;
    let s = s.trim_matches(|c| c == ' ' || c == '\0');
    if s.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(s, 8).map_err(|_| corrupt(format!("{what} {s:?} is not octal")))
}

/// Whether a block is all zeros.
pub fn is_zero_block(b: &[u8]) -> bool {
    b.iter().all(|x| *x == 0)
}

/// Decodes and checksum-verifies a header block at uncompressed `offset`.
pub fn decode_header(b: &[u8; BLOCK], offset: u64) -> Result<RawHeader, Error> {
    let field = |off: usize, len: usize| b.get(off..off + len).unwrap_or_default();
    let want = parse_numeric(field(148, 8), offset, "checksum")?;
    let unsigned: u64 = b
        .iter()
        .enumerate()
        .map(|(i, x)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(*x)
            }
        })
        .sum();
    let signed: i64 = b
        .iter()
        .enumerate()
        .map(|(i, x)| {
            if (148..156).contains(&i) {
                32
            } else {
                i64::from(*x as i8)
            }
        })
        .sum();
    if want != unsigned && i64::try_from(want).ok() != Some(signed) {
        return Err(Error::CorruptTar {
            offset,
            message: format!("checksum mismatch (header says {want}, computed {unsigned})"),
        });
    }
    let name = String::from_utf8_lossy(cstr(field(0, NAME_SIZE))).into_owned();
    let magic = field(257, 6);
    let prefix = if magic == b"ustar\0" || magic == b"ustar " {
        String::from_utf8_lossy(cstr(field(345, PREFIX_SIZE))).into_owned()
    } else {
        String::new()
    };
    let name = if prefix.is_empty() || magic == b"ustar " {
        name
    } else {
        format!("{prefix}/{name}")
    };
    Ok(RawHeader {
        name,
        mode: parse_numeric(field(100, 8), offset, "mode")?,
        size: parse_numeric(field(124, 12), offset, "size")?,
        typeflag: field(156, 1).first().copied().unwrap_or(0),
        mtime: parse_numeric(field(136, 12), offset, "mtime")?,
        linkname: String::from_utf8_lossy(cstr(field(157, NAME_SIZE))).into_owned(),
    })
}

/// Parses PAX records (`"<len> key=value\n"`...).
pub fn parse_pax(data: &[u8], offset: u64) -> Result<Vec<(String, String)>, Error> {
    let corrupt = |m: &str| Error::CorruptTar {
        offset,
        message: format!("PAX records: {m}"),
    };
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let sp = rest
            .iter()
            .position(|c| *c == b' ')
            .ok_or_else(|| corrupt("missing length"))?;
        let len: usize = std::str::from_utf8(rest.get(..sp).unwrap_or_default())
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| corrupt("bad length"))?;
        if len <= sp + 1 || len > rest.len() {
            return Err(corrupt("length out of range"));
        }
        let rec = rest
            .get(sp + 1..len)
            .ok_or_else(|| corrupt("length out of range"))?;
        let rec = rec
            .strip_suffix(b"\n")
            .ok_or_else(|| corrupt("record not newline-terminated"))?;
        let eq = rec
            .iter()
            .position(|c| *c == b'=')
            .ok_or_else(|| corrupt("record without '='"))?;
        let k = String::from_utf8_lossy(rec.get(..eq).unwrap_or_default()).into_owned();
        let v = String::from_utf8(rec.get(eq + 1..).unwrap_or_default().to_vec())
            .map_err(|_| corrupt("value is not UTF-8"))?;
        out.push((k, v));
        rest = rest.get(len..).unwrap_or_default();
    }
    Ok(out)
}
