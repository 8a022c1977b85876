//! `keda-validate FILE...`: checks KEDA manifests (ScaledObject, ScaledJob, TriggerAuthentication,
//! ClusterTriggerAuthentication; multi-document YAML or JSON) offline, as the cluster would on
//! `kubectl apply`: strict field validation (unknown fields rejected), the CRD schema and KEDA's
//! admission webhook rules, plus the one-ScaledObject-per-target rule across all given files.
//!
//! Prints `FILE: ok` or `FILE: error: <field path>: <message>` per document (warnings go to
//! stderr; documents of other API groups, such as the Secrets and Deployments that often share a
//! file with KEDA resources, are reported as `FILE: skipped: ...`) and exits 1 if any document
//! fails, 2 if a file cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use keda_core::manifest::{Manifest, parse_documents};
use keda_core::validation::{Validator, check_set};

/// Validates KEDA manifests offline.
#[derive(Parser)]
#[command(name = "keda-validate")]
struct Args {
    /// Manifest files (YAML, `---`-separated documents, or JSON).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// One document: where it came from and what decoding it gave.
struct Doc {
    file: String,
    decoded: keda_core::Result<Manifest>,
}

/// `apiVersion/kind` of a document that is not a `keda.sh` resource (Secrets, Deployments...
/// often ship in the same file); such documents are reported as skipped, not validated.
fn foreign_kind(doc: &serde_json::Value) -> Option<String> {
    let api = doc.get("apiVersion").and_then(serde_json::Value::as_str)?;
    let kind = doc
        .get("kind")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("?");
    let keda = api.starts_with("keda.sh/") || keda_core::manifest::KINDS.contains(&kind);
    (!keda).then(|| format!("{api}/{kind}"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut docs = Vec::new();
    let mut failed = false;
    for path in &args.files {
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{file}: cannot read: {e}");
                return ExitCode::from(2);
            }
        };
        match parse_documents(&text) {
            Ok(values) if values.is_empty() => {
                println!("{file}: error: no documents");
                failed = true;
            }
            Ok(values) => {
                for v in values {
                    match foreign_kind(&v) {
                        Some(kind) => println!("{file}: skipped: {kind} is not a KEDA resource"),
                        None => docs.push(Doc {
                            file: file.clone(),
                            decoded: Manifest::from_value(v),
                        }),
                    }
                }
            }
            Err(e) => {
                println!("{file}: error: {e}");
                failed = true;
            }
        }
    }
    let validator = Validator::default();
    let decoded: Vec<Manifest> = docs
        .iter()
        .filter_map(|d| d.decoded.as_ref().ok().cloned())
        .collect();
    let mut set_results = check_set(&decoded).into_iter();
    for doc in &docs {
        let outcome = match &doc.decoded {
            Err(e) => Err(e.clone()),
            Ok(m) => {
                let set = set_results.next().unwrap_or(Ok(()));
                validator
                    .validate(m)
                    .and_then(|warnings| set.map(|()| warnings))
            }
        };
        match outcome {
            Ok(warnings) => {
                for w in warnings {
                    eprintln!("{}: warning: {w}", doc.file);
                }
                println!("{}: ok", doc.file);
            }
            Err(e) => {
                println!("{}: error: {e}", doc.file);
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
