//! Byte-level checks of written archives against Go's `archive/tar` + `compress/gzip`
//! conventions as Velero uses them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Read;

use serde_json::json;
use velero_format::archive::{ArchiveIndex, ArchiveWriter, ReaderLimits, WriterOptions};

const MTIME: i64 = 1_700_000_000;

fn write(f: impl FnOnce(&mut ArchiveWriter<Vec<u8>>)) -> (Vec<u8>, Vec<u8>) {
    let mut w = ArchiveWriter::new(Vec::new(), WriterOptions::at(MTIME));
    f(&mut w);
    let gz = w.finish().unwrap();
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut tar)
        .unwrap();
    (gz, tar)
}

/// A USTAR header block built field by field from the Go writer's rules, independently of the
/// crate's encoder.
fn go_ustar_block(
    name: &str,
    prefix: &str,
    size: u64,
    mode: u32,
    typeflag: u8,
    mtime: i64,
) -> [u8; 512] {
    let mut b = [0u8; 512];
    let put = |b: &mut [u8; 512], off: usize, s: &[u8]| b[off..off + s.len()].copy_from_slice(s);
    put(&mut b, 0, name.as_bytes());
    put(&mut b, 100, format!("{mode:07o}\0").as_bytes());
    put(&mut b, 108, b"0000000\0");
    put(&mut b, 116, b"0000000\0");
    put(&mut b, 124, format!("{size:011o}\0").as_bytes());
    put(&mut b, 136, format!("{mtime:011o}\0").as_bytes());
    b[156] = typeflag;
    put(&mut b, 257, b"ustar\0");
    put(&mut b, 263, b"00");
    put(&mut b, 329, b"0000000\0");
    put(&mut b, 337, b"0000000\0");
    put(&mut b, 345, prefix.as_bytes());
    put(&mut b, 148, b"        ");
    let sum: u32 = b.iter().map(|x| u32::from(*x)).sum();
    put(&mut b, 148, format!("{sum:06o}\0 ").as_bytes());
    b
}

#[test]
fn gzip_header_is_gos() {
    let (gz, _) = write(|w| w.write_version().unwrap());
    assert_eq!(&gz[..10], &[0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
}

#[test]
fn version_entry_bytes_equal_go_writer_output() {
    let (_, tar) = write(|w| w.write_version().unwrap());
    assert_eq!(
        &tar[..512],
        &go_ustar_block("metadata/version", "", 6, 0o755, b'0', MTIME)
    );
    assert_eq!(&tar[512..518], b"1.1.0\n");
    assert!(
        tar[518..1024].iter().all(|b| *b == 0),
        "payload padded with NUL to 512"
    );
    // End of archive: exactly two zero blocks, no 10 KiB record padding.
    assert_eq!(tar.len(), 1024 + 1024);
    assert!(tar[1024..].iter().all(|b| *b == 0));
}

#[test]
fn item_paths_legacy_then_preferred_with_identical_go_json() {
    let obj = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p<1>", "namespace": "ns", "annotations": {"a": "x&y"}}, "spec": {"n": 1e21, "m": 0.5, "big": 9007199254740993_i64}});
    let (_, tar) = write(|w| {
        w.write_item("pods", "ns", "p<1>", "v1", "v1", &obj)
            .unwrap()
    });
    let want = br#"{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"a":"x\u0026y"},"name":"p\u003c1\u003e","namespace":"ns"},"spec":{"big":9007199254740993,"m":0.5,"n":1e+21}}"#;
    let size = want.len() as u64;
    assert_eq!(
        &tar[..512],
        &go_ustar_block(
            "resources/pods/namespaces/ns/p<1>.json",
            "",
            size,
            0o755,
            b'0',
            MTIME
        )
    );
    assert_eq!(&tar[512..512 + want.len()], want);
    let second = 512 + (want.len().div_ceil(512)) * 512;
    assert_eq!(
        &tar[second..second + 512],
        &go_ustar_block(
            "resources/pods/v1-preferredversion/namespaces/ns/p<1>.json",
            "",
            size,
            0o755,
            b'0',
            MTIME
        )
    );
}

#[test]
fn non_preferred_version_goes_to_version_dir_only() {
    let obj =
        json!({"apiVersion": "apps/v1beta1", "kind": "Deployment", "metadata": {"name": "d"}});
    let (gz, _) = write(|w| {
        w.write_item("deployments.apps", "ns", "d", "v1beta1", "v1", &obj)
            .unwrap()
    });
    let idx = ArchiveIndex::read(gz.as_slice(), ReaderLimits::default()).unwrap();
    assert_eq!(
        idx.paths(),
        ["resources/deployments.apps/v1beta1/namespaces/ns/d.json"]
    );
}

#[test]
fn long_names_use_ustar_prefix_split() {
    let ns = "n".repeat(60);
    let name = "x".repeat(60);
    let path = format!("resources/pods/namespaces/{ns}/{name}.json");
    assert!(path.len() > 100);
    let (_, tar) = write(|w| w.write_file(&path, b"{}").unwrap());
    let (prefix, base) = path.rsplit_once('/').unwrap();
    assert_eq!(
        &tar[..512],
        &go_ustar_block(base, prefix, 2, 0o755, b'0', MTIME)
    );
}

#[test]
fn overlong_final_component_uses_pax_header_like_go() {
    let name = "y".repeat(120);
    let path = format!("resources/configmaps/namespaces/ns/{name}.json");
    let (gz, tar) = write(|w| w.write_file(&path, b"{}").unwrap());
    let pax_name = format!("resources/configmaps/namespaces/ns/PaxHeaders.0/{name}.json");
    let record = {
        let body = format!(" path={path}\n");
        let n = body.len() + 3; // "NNN" digits for this length
        format!("{n}{body}")
    };
    assert_eq!(
        record.len(),
        record.split(' ').next().unwrap().parse::<usize>().unwrap()
    );
    let mut pax = [0u8; 512];
    pax[..100].copy_from_slice(&pax_name.as_bytes()[..100]);
    pax[100..108].copy_from_slice(b"0000000\0");
    pax[108..116].copy_from_slice(b"0000000\0");
    pax[116..124].copy_from_slice(b"0000000\0");
    pax[124..136].copy_from_slice(format!("{:011o}\0", record.len()).as_bytes());
    pax[136..148].copy_from_slice(b"00000000000\0");
    pax[156] = b'x';
    pax[257..263].copy_from_slice(b"ustar\0");
    pax[263..265].copy_from_slice(b"00");
    pax[148..156].copy_from_slice(b"        ");
    let sum: u32 = pax.iter().map(|x| u32::from(*x)).sum();
    pax[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    assert_eq!(&tar[..512], &pax);
    assert_eq!(&tar[512..512 + record.len()], record.as_bytes());
    let main = &tar[1024..1536];
    assert_eq!(
        &main[..100],
        &path.as_bytes()[..100],
        "main header holds the truncated name"
    );
    assert_eq!(main[156], b'0');
    assert_eq!(&main[345..500], &[0u8; 155][..], "no prefix in PAX format");
    let idx = ArchiveIndex::read(gz.as_slice(), ReaderLimits::default()).unwrap();
    assert_eq!(idx.paths(), [path]);
}

#[test]
fn non_ascii_names_use_pax() {
    let path = "resources/configmaps/namespaces/ns/caf\u{e9}.json";
    let (gz, tar) = write(|w| w.write_file(path, b"{}").unwrap());
    assert_eq!(tar[156], b'x');
    let idx = ArchiveIndex::read(gz.as_slice(), ReaderLimits::default()).unwrap();
    assert_eq!(idx.paths(), [path]);
}

#[test]
fn no_directory_entries_and_version_first() {
    let obj = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"}});
    let (_, tar) = write(|w| {
        w.write_version().unwrap();
        w.write_item("persistentvolumes", "", "pv", "v1", "v1", &obj)
            .unwrap();
    });
    let mut off = 0;
    let mut names = Vec::new();
    while off + 512 <= tar.len() && tar[off..off + 512].iter().any(|b| *b != 0) {
        assert_eq!(tar[off + 156], b'0', "regular files only");
        let n = tar[off..off + 100]
            .iter()
            .position(|b| *b == 0)
            .unwrap_or(100);
        names.push(String::from_utf8(tar[off..off + n].to_vec()).unwrap());
        let size = u64::from_str_radix(std::str::from_utf8(&tar[off + 124..off + 135]).unwrap(), 8)
            .unwrap();
        off += 512 + (size as usize).div_ceil(512) * 512;
    }
    assert_eq!(
        names,
        [
            "metadata/version",
            "resources/persistentvolumes/cluster/pv.json",
            "resources/persistentvolumes/v1-preferredversion/cluster/pv.json"
        ]
    );
}
