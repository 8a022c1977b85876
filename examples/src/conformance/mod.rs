//! The conformance runner: replays upstream test tables (JSON, in the formats of the
//! `conformance/` folder) through the workspace's crates.
//!
//! Three file formats exist, one per upstream project:
//! * Kubernetes HPA: `{cases: [{test, case, inputs, expected}]}`; a table is one `test`.
//! * KEDA: `{tables: [{table, harness, context?, cases}], manual_cases?: [...]}`; a table is one
//!   `table`, and manual cases are grouped by their `test` (or, for `it` cases, by the file title).
//! * Velero: `{groups: [{test, calls, asserts, cases}]}`; a table is one group.
//!
//! Each area module maps a table to a handler by the table's upstream name, so any file in these
//! formats runs, not only the ones shipped today. Tables without a handler are reported as
//! unsupported.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod hpa;
mod keda;
mod velero;

/// Which upstream project a vector file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Kubernetes HPA tests.
    Hpa,
    /// KEDA tests.
    Keda,
    /// Velero tests.
    Velero,
}

/// One upstream test table.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file it came from.
    pub file: PathBuf,
    /// The file's format.
    pub format: Format,
    /// The upstream table or test name (KEDA manual groups are prefixed `manual:`).
    pub name: String,
    /// The file-level object without its cases (conventions, harness, catalogs...).
    pub doc: Value,
    /// The table-level object without its cases (harness, context, calls, asserts...).
    pub meta: Value,
    /// The cases, in file order.
    pub cases: Vec<Case>,
}

/// One case of a table.
#[derive(Debug, Clone)]
pub struct Case {
    /// A readable id: the case name, or its index.
    pub id: String,
    /// The case as written.
    pub data: Value,
}

/// The result of one case.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Everything the upstream test asserts holds.
    Pass,
    /// Something it asserts does not hold; the text says what.
    Fail(String),
    /// Not run, for the reason given (e.g. skipped upstream).
    Skip(String),
}

/// Runs one case of a table.
pub type Handler = fn(&Table, &Case) -> Outcome;

/// The result of one case, with where it came from.
#[derive(Debug, Clone)]
pub struct CaseReport {
    /// The file of the case.
    pub file: PathBuf,
    /// The table name.
    pub table: String,
    /// The case id.
    pub case: String,
    /// What happened.
    pub outcome: Outcome,
}

/// The result of one table.
#[derive(Debug, Clone)]
pub struct TableReport {
    /// The file of the table.
    pub file: PathBuf,
    /// The table name.
    pub table: String,
    /// `Err(reason)` when no handler supports the table, else the per-case results.
    pub cases: Result<Vec<CaseReport>, String>,
}

impl TableReport {
    /// Number of passed cases.
    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Pass))
    }

    /// Number of failed cases.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Fail(_)))
    }

    /// Number of skipped cases.
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skip(_)))
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.cases
            .as_ref()
            .map_or(0, |c| c.iter().filter(|r| f(&r.outcome)).count())
    }
}

/// Collects the `.json` files under `paths` (files are taken as given, folders recursively), sorted.
pub fn collect_files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut stack = vec![p.clone()];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir)? {
                    let path = entry?.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if path.extension().is_some_and(|e| e == "json") {
                        out.push(path);
                    }
                }
            }
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Splits a parsed vector file into its tables. Errors if the format is not recognised.
pub fn tables_of(file: &Path, doc: &Value) -> Result<Vec<Table>, String> {
    let obj = doc.as_object().ok_or("top level is not a JSON object")?;
    let without = |key: &str| {
        let mut o = obj.clone();
        o.remove(key);
        o.remove("manual_cases");
        Value::Object(o)
    };
    let case_of = |i: usize, c: &Value, name_keys: &[&str]| Case {
        id: name_keys
            .iter()
            .find_map(|k| {
                c.get(*k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            })
            .or_else(|| {
                c.get("index")
                    .and_then(Value::as_i64)
                    .map(|n| format!("#{n}"))
            })
            .unwrap_or_else(|| format!("#{i}")),
        data: c.clone(),
    };
    let mut tables: Vec<Table> = Vec::new();
    let mut push = |format: Format, name: String, doc: &Value, meta: Value, case: Option<Case>| {
        if let Some(t) = tables
            .iter_mut()
            .find(|t| t.name == name && t.format == format)
        {
            t.cases.extend(case);
        } else {
            let cases = case.into_iter().collect();
            tables.push(Table {
                file: file.to_owned(),
                format,
                name,
                doc: doc.clone(),
                meta,
                cases,
            });
        }
    };
    if let Some(groups) = obj.get("groups").and_then(Value::as_array) {
        let d = without("groups");
        for g in groups {
            let name = g
                .get("test")
                .and_then(Value::as_str)
                .ok_or("group without `test`")?
                .to_owned();
            let mut meta = g.clone();
            if let Some(m) = meta.as_object_mut() {
                m.remove("cases");
            }
            let cases = g
                .get("cases")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            push(Format::Velero, name.clone(), &d, meta.clone(), None);
            for (i, c) in cases.iter().enumerate() {
                push(
                    Format::Velero,
                    name.clone(),
                    &d,
                    meta.clone(),
                    Some(case_of(i, c, &["name", "desc", "description"])),
                );
            }
        }
    } else if obj.contains_key("tables") || obj.contains_key("manual_cases") {
        let d = without("tables");
        for t in obj
            .get("tables")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = t
                .get("table")
                .and_then(Value::as_str)
                .ok_or("table without `table`")?
                .to_owned();
            let mut meta = t.clone();
            if let Some(m) = meta.as_object_mut() {
                m.remove("cases");
            }
            for (i, c) in t
                .get("cases")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                push(
                    Format::Keda,
                    name.clone(),
                    &d,
                    meta.clone(),
                    Some(case_of(i, c, &["name", "comment"])),
                );
            }
        }
        let title = obj
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("untitled");
        for (i, c) in obj
            .get("manual_cases")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let group = c.get("test").and_then(Value::as_str).unwrap_or(title);
            let name = format!("manual:{group}");
            push(
                Format::Keda,
                name,
                &d,
                Value::Null,
                Some(case_of(
                    i,
                    c,
                    &["it", "name", "function", "rule", "strategy"],
                )),
            );
        }
    } else if let Some(cases) = obj.get("cases").and_then(Value::as_array) {
        let d = without("cases");
        for (i, c) in cases.iter().enumerate() {
            let name = c
                .get("test")
                .and_then(Value::as_str)
                .ok_or("case without `test`")?
                .to_owned();
            push(
                Format::Hpa,
                name,
                &d,
                Value::Null,
                Some(case_of(i, c, &["case"])),
            );
        }
    } else {
        return Err("unrecognised vector format (no `cases`, `tables` or `groups`)".into());
    }
    Ok(tables)
}

/// Finds the handler for a table, if any area supports it.
pub fn handler_for(table: &Table) -> Result<Handler, String> {
    match table.format {
        Format::Hpa => hpa::lookup(table),
        Format::Keda => keda::lookup(table),
        Format::Velero => velero::lookup(table),
    }
}

/// Runs every case of a table through its handler.
pub fn run_table(table: &Table) -> TableReport {
    let cases = handler_for(table).map(|h| {
        table
            .cases
            .iter()
            .map(|c| {
                let outcome = std::panic::catch_unwind(|| h(table, c))
                    .unwrap_or_else(|_| Outcome::Fail("handler panicked".into()));
                CaseReport {
                    file: table.file.clone(),
                    table: table.name.clone(),
                    case: c.id.clone(),
                    outcome,
                }
            })
            .collect()
    });
    TableReport {
        file: table.file.clone(),
        table: table.name.clone(),
        cases,
    }
}

/// Reads and runs every table of one file.
pub fn run_file(file: &Path) -> Result<Vec<TableReport>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let tables = tables_of(file, &doc).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(tables.iter().map(run_table).collect())
}

/// Helpers shared by the area modules.
pub(crate) mod check {
    use serde_json::Value;

    use super::Outcome;

    /// Collects mismatches; `Pass` if there are none.
    #[derive(Default)]
    pub(crate) struct Checks(Vec<String>);

    impl Checks {
        /// Records a mismatch unless `got == want`.
        pub(crate) fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, got: T, want: T) {
            if got != want {
                self.0.push(format!("{what}: got {got:?}, want {want:?}"));
            }
        }

        /// Records a failure with a message.
        pub(crate) fn fail(&mut self, msg: impl Into<String>) {
            self.0.push(msg.into());
        }

        /// The outcome.
        pub(crate) fn outcome(self) -> Outcome {
            if self.0.is_empty() {
                Outcome::Pass
            } else {
                Outcome::Fail(self.0.join("; "))
            }
        }
    }

    /// `v[key]` as i64 (absent/null → None).
    pub(crate) fn i64_at(v: &Value, key: &str) -> Option<i64> {
        v.get(key).and_then(Value::as_i64)
    }

    /// `v[key]` as f64 (absent/null → None).
    pub(crate) fn f64_at(v: &Value, key: &str) -> Option<f64> {
        v.get(key).and_then(Value::as_f64)
    }

    /// `v[key]` as &str (absent/null → None).
    pub(crate) fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
        v.get(key).and_then(Value::as_str)
    }

    /// `v[key]` deserialized, with the key in the error.
    pub(crate) fn parse_at<T: serde::de::DeserializeOwned>(
        v: &Value,
        key: &str,
    ) -> Result<T, String> {
        serde_json::from_value(v.get(key).cloned().unwrap_or(Value::Null))
            .map_err(|e| format!("input `{key}`: {e}"))
    }
}
