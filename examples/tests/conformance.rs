//! Runs the repository's copies of the upstream vectors through the conformance runner, so a
//! regression in any crate fails `cargo test`.
//!
//! Every table must either pass completely or be listed, with its reason, in
//! `conformance_unsupported.txt` beside this file; a listed table that has become supported
//! fails too, so the list stays honest.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use examples::conformance::{self, Outcome};

fn vectors(area: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("conformance")
        .join(area)
}

fn listed_unsupported(area: &str) -> BTreeSet<String> {
    include_str!("conformance_unsupported.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once(" — ")
                .map(|(k, _)| k.trim().to_owned())
                .or(Some(l.to_owned()))
        })
        .filter(|k| k.starts_with(&format!("{area}/")))
        .collect()
}

fn run_area(area: &str) {
    let files = conformance::collect_files(&[vectors(area)]).expect("vector folder readable");
    assert!(!files.is_empty(), "no vectors for {area}");
    let mut failures = Vec::new();
    let mut unsupported = BTreeSet::new();
    let mut passed = 0;
    for file in files {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        for t in conformance::run_file(&file).expect("vector file parses") {
            match &t.cases {
                Err(_) => {
                    unsupported.insert(format!("{area}/{stem} {}", t.table));
                }
                Ok(cases) => {
                    for c in cases {
                        match &c.outcome {
                            Outcome::Fail(d) => {
                                failures.push(format!("{stem} {} {}: {d}", t.table, c.case))
                            }
                            Outcome::Pass => passed += 1,
                            Outcome::Skip(_) => {}
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let listed = listed_unsupported(area);
    let newly: Vec<_> = unsupported.difference(&listed).collect();
    let fixed: Vec<_> = listed.difference(&unsupported).collect();
    assert!(
        newly.is_empty(),
        "unsupported tables not listed in conformance_unsupported.txt: {newly:?}"
    );
    assert!(
        fixed.is_empty(),
        "tables listed as unsupported now run; remove them from the list: {fixed:?}"
    );
    eprintln!("{area}: {passed} cases passed");
}

#[test]
fn hpa_vectors() {
    run_area("hpa");
}

#[test]
fn keda_vectors() {
    run_area("keda");
}

#[test]
fn velero_vectors() {
    run_area("velero");
}
