//! Property tests of the encoders and the glob matcher.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use serde_json::Value;
use velero_format::archive::tar::EntryHeader;
use velero_format::archive::{ArchiveIndex, ReaderLimits, TarWriter};
use velero_format::glob::Glob;
use velero_format::gojson;

proptest! {
    #[test]
    fn go_strings_round_trip_and_are_html_safe(s in any::<String>()) {
        let out = gojson::to_vec(&Value::String(s.clone()));
        prop_assert!(!out.iter().any(|b| matches!(b, b'<' | b'>' | b'&') || *b < 0x20));
        let has_ls = String::from_utf8(out.clone()).unwrap().contains('\u{2028}');
        prop_assert!(!has_ls);
        prop_assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), Value::String(s));
    }

    #[test]
    fn go_floats_round_trip(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let mut out = Vec::new();
        gojson::write_float(&mut out, f);
        let s = String::from_utf8(out).unwrap();
        prop_assert_eq!(s.parse::<f64>().unwrap(), f);
        prop_assert!(!s.contains("e-0") && !s.ends_with(".0"), "{}", s);
    }

    #[test]
    fn tar_names_round_trip(parts in proptest::collection::vec("[a-z0-9.:_-]{1,120}|caf\u{e9}", 1..5), data in proptest::collection::vec(any::<u8>(), 0..700)) {
        let name = parts.iter().filter(|p| *p != "." && *p != "..").cloned().collect::<Vec<_>>().join("/");
        prop_assume!(!name.is_empty());
        let mut w = TarWriter::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
        w.append(&EntryHeader { name: name.clone(), mode: 0o755, typeflag: b'0', mtime: 0, linkname: String::new(), size: 0 }, &data).unwrap();
        let gz = w.finish().unwrap().finish().unwrap();
        let idx = ArchiveIndex::read(gz.as_slice(), ReaderLimits::default()).unwrap();
        prop_assert_eq!(idx.paths(), [name.clone()]);
        prop_assert_eq!(&idx.get(&name).unwrap().data, &data);
    }

    #[test]
    fn literal_globs_match_only_themselves(a in "[a-z0-9.-]{0,20}", b in "[a-z0-9.-]{0,20}") {
        let g = Glob::compile(&a, &[]).unwrap();
        prop_assert!(g.matches(&a));
        prop_assert_eq!(g.matches(&b), a == b);
        let prefix_matches = Glob::compile(&format!("{a}*"), &[]).unwrap().matches(&format!("{a}{b}"));
        prop_assert!(prefix_matches);
    }
}
