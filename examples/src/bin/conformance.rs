//! `conformance PATH... [--json]`: replays upstream test tables through the workspace.
//!
//! Prints one line per table (passed/failed/skipped counts and failing case ids), the tables it
//! does not support, and closes with `N passed, M failed`. Exits non-zero if any case failed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use examples::conformance::{self, Outcome};

/// Replays upstream conformance vectors.
#[derive(Parser)]
#[command(name = "conformance")]
struct Args {
    /// Vector files or folders (searched recursively for `.json`).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Print one JSON object per case instead of the table summary.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let files = match conformance::collect_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut unsupported = Vec::new();
    for file in &files {
        let reports = match conformance::run_file(file) {
            Ok(r) => r,
            Err(e) => {
                unsupported.push(e);
                continue;
            }
        };
        for t in reports {
            let Ok(cases) = &t.cases else {
                let why = t.cases.as_ref().err().cloned().unwrap_or_default();
                unsupported.push(format!("{} {}: {why}", file.display(), t.table));
                continue;
            };
            passed += t.passed();
            failed += t.failed();
            skipped += t.skipped();
            if args.json {
                for c in cases {
                    let (pass, detail) = match &c.outcome {
                        Outcome::Pass => (serde_json::Value::Bool(true), String::new()),
                        Outcome::Fail(d) => (serde_json::Value::Bool(false), d.clone()),
                        Outcome::Skip(d) => (serde_json::Value::Null, format!("skipped: {d}")),
                    };
                    let line = serde_json::json!({
                        "file": c.file.display().to_string(), "table": c.table, "case": c.case,
                        "pass": pass, "detail": detail,
                    });
                    println!("{line}");
                }
            } else {
                let failing: Vec<&str> = cases
                    .iter()
                    .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
                    .map(|c| c.case.as_str())
                    .collect();
                let mut line = format!(
                    "{} {}: {} passed, {} failed, {} skipped",
                    file.display(),
                    t.table,
                    t.passed(),
                    t.failed(),
                    t.skipped()
                );
                if !failing.is_empty() {
                    line.push_str(&format!(" [failing: {}]", failing.join(" | ")));
                }
                println!("{line}");
            }
        }
    }
    if !unsupported.is_empty() && !args.json {
        println!("unsupported tables ({}):", unsupported.len());
        for u in &unsupported {
            println!("  {u}");
        }
    }
    if !args.json {
        println!("{passed} passed, {failed} failed, {skipped} skipped");
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
