//! Fuzzes the hardened Velero tarball reader: arbitrary bytes, both as a gzip stream and as a
//! raw tar stream wrapped in gzip, must yield entries or a typed error, never a panic or an
//! unbounded allocation (tight limits). Accepted archives are also run through the parser and
//! the Go JSON re-encoder.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use velero_format::archive::{ArchiveIndex, ArchiveReader, ReaderLimits};

const LIMITS: ReaderLimits = ReaderLimits { max_entry_size: 1 << 20, max_total_size: 8 << 20, max_entries: 10_000 };

fn exercise(gz: &[u8]) {
    if let Ok(r) = ArchiveReader::new(gz, LIMITS) {
        for e in r {
            let Ok(e) = e else { break };
            assert!(!e.name.starts_with('/') && !e.name.split('/').any(|c| c == ".."));
        }
    }
    if let Ok(idx) = ArchiveIndex::read(gz, LIMITS) {
        let _ = idx.parse();
        let _ = idx.tree().parse_group_versions("");
        for p in idx.paths() {
            if let Ok(v) = idx.item(p) {
                let _ = velero_format::gojson::to_vec(&v);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    exercise(data);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if e.write_all(data).is_ok() {
        if let Ok(gz) = e.finish() {
            exercise(&gz);
        }
    }
});
