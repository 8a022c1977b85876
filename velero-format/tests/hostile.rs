//! A corpus of crafted hostile archives, generated here, each rejected with a typed error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write;

use velero_format::Error;
use velero_format::archive::tar::{BLOCK, EntryHeader, encode_header};
use velero_format::archive::{ArchiveIndex, ArchiveReader, ReaderLimits, TarWriter};

fn header(name: &str, typeflag: u8, linkname: &str) -> EntryHeader {
    EntryHeader {
        name: name.into(),
        mode: 0o644,
        typeflag,
        mtime: 0,
        linkname: linkname.into(),
        size: 0,
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn tar_of(entries: &[(EntryHeader, &[u8])]) -> Vec<u8> {
    let mut w = TarWriter::new(Vec::new());
    for (h, d) in entries {
        w.append(h, d).unwrap();
    }
    w.finish().unwrap()
}

fn read(gz: &[u8]) -> Result<ArchiveIndex, Error> {
    ArchiveIndex::read(gz, ReaderLimits::default())
}

fn read_with(gz: &[u8], limits: ReaderLimits) -> Result<ArchiveIndex, Error> {
    ArchiveIndex::read(gz, limits)
}

#[test]
fn parent_traversal_is_rejected() {
    let gz = gzip(&tar_of(&[(header("../escape.txt", b'0', ""), b"data")]));
    let err = read(&gz).unwrap_err();
    assert!(
        matches!(err, Error::PathTraversal(ref n) if n == "../escape.txt"),
        "{err:?}"
    );
    assert!(err.to_string().contains("invalid archive path"));
    let gz = gzip(&tar_of(&[(
        header("resources/../../etc/passwd", b'0', ""),
        b"x",
    )]));
    assert!(matches!(read(&gz), Err(Error::PathTraversal(_))));
}

#[test]
fn inner_dot_dot_that_stays_inside_is_normalised() {
    let gz = gzip(&tar_of(&[(
        header("resources/x/../pods/cluster/a.json", b'0', ""),
        b"{}",
    )]));
    assert_eq!(
        read(&gz).unwrap().paths(),
        ["resources/pods/cluster/a.json"]
    );
}

#[test]
fn absolute_paths_are_rejected() {
    let gz = gzip(&tar_of(&[(header("/etc/cron.d/evil", b'0', ""), b"x")]));
    assert!(matches!(read(&gz), Err(Error::AbsolutePath(_))));
}

#[test]
fn links_are_rejected() {
    for flag in [b'1', b'2'] {
        let gz = gzip(&tar_of(&[(
            header("resources/pods/cluster/a.json", flag, "/etc/shadow"),
            b"",
        )]));
        assert!(
            matches!(read(&gz), Err(Error::Link { typeflag, .. }) if typeflag == char::from(flag)),
            "type {flag}"
        );
    }
}

#[test]
fn devices_and_fifos_are_rejected() {
    for flag in [b'3', b'4', b'6'] {
        let gz = gzip(&tar_of(&[(header("dev", flag, ""), b"")]));
        assert!(
            matches!(read(&gz), Err(Error::SpecialFile { .. })),
            "type {flag}"
        );
    }
}

#[test]
fn pax_path_traversal_is_rejected() {
    // A PAX record smuggling the real (hostile) name behind a harmless header name.
    let rec = "30 path=../../../../tmp/owned\n";
    let mut pax = encode_header(&EntryHeader {
        size: rec.len() as u64,
        ..header("PaxHeaders.0/x", b'x', "")
    });
    pax.extend_from_slice(rec.as_bytes());
    pax.resize(pax.len().div_ceil(BLOCK) * BLOCK, 0);
    let mut t = pax;
    t.extend(tar_of(&[(header("harmless", b'0', ""), b"x")]));
    assert!(matches!(read(&gzip(&t)), Err(Error::PathTraversal(ref n)) if n.contains("tmp/owned")));
}

#[test]
fn oversized_entry_is_rejected() {
    let data = vec![b'a'; 4096];
    let gz = gzip(&tar_of(&[(header("big", b'0', ""), &data)]));
    let limits = ReaderLimits {
        max_entry_size: 1024,
        ..ReaderLimits::default()
    };
    assert!(matches!(
        read_with(&gz, limits),
        Err(Error::EntryTooLarge {
            size: 4096,
            limit: 1024,
            ..
        })
    ));
}

#[test]
fn decompression_bomb_is_stopped_by_the_total_limit() {
    // 64 MiB of zeros compress to ~64 KiB; the reader must stop at the limit, not inflate it all.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    let mut t = encode_header(&EntryHeader {
        size: 64 << 20,
        ..header("bomb", b'0', "")
    });
    e.write_all(&t).unwrap();
    for _ in 0..64 {
        e.write_all(&zeros).unwrap();
    }
    t.clear();
    let gz = e.finish().unwrap();
    assert!(gz.len() < 200 << 10);
    let limits = ReaderLimits {
        max_entry_size: u64::MAX,
        max_total_size: 8 << 20,
        ..ReaderLimits::default()
    };
    assert!(matches!(read_with(&gz, limits), Err(Error::TooLarge { limit }) if limit == 8 << 20));
}

#[test]
fn too_many_entries_are_rejected() {
    let entries: Vec<(EntryHeader, &[u8])> = (0..20)
        .map(|i| (header(&format!("f{i}"), b'0', ""), &b""[..]))
        .collect();
    let limits = ReaderLimits {
        max_entries: 10,
        ..ReaderLimits::default()
    };
    assert!(matches!(
        read_with(&gzip(&tar_of(&entries)), limits),
        Err(Error::TooManyEntries { limit: 10 })
    ));
}

#[test]
fn truncated_gzip_is_rejected() {
    let gz = gzip(&tar_of(&[(header("a", b'0', ""), &[7u8; 3000])]));
    for cut in [gz.len() - 4, gz.len() / 2, 12] {
        let err = read(&gz[..cut]).unwrap_err();
        assert!(
            matches!(err, Error::Truncated(_) | Error::Gzip(_)),
            "cut {cut}: {err:?}"
        );
    }
}

#[test]
fn corrupt_gzip_is_rejected() {
    let mut gz = gzip(&tar_of(&[(
        header("a", b'0', ""),
        b"some payload that compresses",
    )]));
    let n = gz.len();
    gz[n - 6] ^= 0xff; // CRC32 trailer
    assert!(matches!(
        read(&gz),
        Err(Error::Gzip(_) | Error::Truncated(_))
    ));
    let mut gz2 = gzip(&tar_of(&[(header("a", b'0', ""), b"x")]));
    gz2[12] ^= 0x55; // deflate data
    assert!(read(&gz2).is_err());
}

#[test]
fn not_gzip_is_rejected() {
    assert!(matches!(read(b""), Err(Error::Gzip(_))));
    assert!(matches!(
        read(&tar_of(&[(header("a", b'0', ""), b"x")])),
        Err(Error::Gzip(_))
    ));
}

#[test]
fn bad_header_checksum_is_rejected() {
    let mut t = tar_of(&[(header("a", b'0', ""), b"x")]);
    t[0] = b'b';
    assert!(matches!(
        read(&gzip(&t)),
        Err(Error::CorruptTar { offset: 0, .. })
    ));
}

#[test]
fn truncated_tar_payload_is_rejected() {
    let t = tar_of(&[(header("a", b'0', ""), &[1u8; 2000])]);
    assert!(matches!(read(&gzip(&t[..1024])), Err(Error::Truncated(_))));
}

#[test]
fn garbage_after_a_zero_block_is_rejected() {
    let mut t = vec![0u8; BLOCK];
    t.extend(tar_of(&[(header("a", b'0', ""), b"x")]));
    assert!(matches!(read(&gzip(&t)), Err(Error::CorruptTar { .. })));
}

#[test]
fn directories_are_skipped_and_files_streamed() {
    let gz = gzip(&tar_of(&[
        (header("resources/", b'5', ""), b""),
        (header("resources/a", b'0', ""), b"1"),
    ]));
    let names: Vec<String> = ArchiveReader::new(gz.as_slice(), ReaderLimits::default())
        .unwrap()
        .map(|e| e.unwrap().name)
        .collect();
    assert_eq!(names, ["resources/a"]);
}
