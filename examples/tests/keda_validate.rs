//! Runs the `keda-validate` binary over `examples/manifests/`: every document of every file under
//! `valid/` (copies of KEDA's documentation examples) must pass, and every file under `invalid/`
//! must fail with the error its first line announces (`# expect: <field path>: <message prefix>`).
#![allow(clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn manifests(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("manifests")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no manifests in {}", root.display());
    files
}

fn run(file: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_keda-validate"))
        .arg(file)
        .output()
        .expect("keda-validate runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn documentation_examples_pass() {
    let mut failures = Vec::new();
    for f in manifests("valid") {
        let (ok, stdout) = run(&f);
        let documents = stdout.lines().filter(|l| l.ends_with(": ok")).count();
        if !ok || documents == 0 || stdout.contains(": error: ") {
            failures.push(stdout);
        }
    }
    assert!(
        failures.is_empty(),
        "valid manifests rejected:\n{}",
        failures.join("")
    );
}

#[test]
fn broken_manifests_fail_naming_the_field() {
    let mut failures = Vec::new();
    for f in manifests("invalid") {
        let text = std::fs::read_to_string(&f).expect("readable");
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .expect("first line is `# expect: ...`");
        let (ok, stdout) = run(&f);
        if ok || !stdout.contains(&format!(": error: {expect}")) {
            failures.push(format!(
                "{}: want error `{expect}`, got (success={ok}):\n{stdout}",
                f.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
