//! RFC 6902 JSON Patch as applied by evanphx/json-patch v5, plus Velero's `JSONPatch`
//! rendering quirk (`ToString`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;

/// One patch operation of a resource-modifier rule (all fields are strings, as in Velero).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonPatch {
    /// `add`, `remove`, `replace`, `test`, `move` or `copy`.
    pub operation: String,
    /// Source path of `move`/`copy`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub from: String,
    /// Target JSON pointer.
    pub path: String,
    /// Value, rendered per [`JsonPatch::to_patch_string`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
}

/// Velero's `addQuotes`: whether the value is emitted as a JSON string (and the possibly
/// unwrapped text).
fn add_quotes(value: &str) -> (bool, &str) {
    if value.is_empty() {
        return (true, value);
    }
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        return (true, value.get(1..value.len() - 1).unwrap_or_default());
    }
    if value == "null" || value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
    {
        return (false, value);
    }
    if value.starts_with('{') || value.starts_with('[') || go_parse_float_ok(value) {
        return (false, value);
    }
    (true, value)
}

/// Whether Go's `strconv.ParseFloat(s, 64)` accepts `s` (decimal, hex floats, underscores
/// between digits with a base prefix aside, `Inf`/`Infinity`/`NaN`, optional sign).
fn go_parse_float_ok(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = t.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return true;
    }
    if let Some(hex) = lower.strip_prefix("0x") {
        let (mant, exp) = hex
            .split_once('p')
            .map_or((hex, None), |(m, e)| (m, Some(e)));
        let mant_ok = !mant.is_empty()
            && mant.chars().filter(|c| *c == '.').count() <= 1
            && mant.chars().any(|c| c.is_ascii_hexdigit())
            && mant.chars().all(|c| c.is_ascii_hexdigit() || c == '.');
        let exp_ok = exp.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
        });
        return mant_ok && exp_ok;
    }
    !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && t.parse::<f64>().is_ok()
}

impl JsonPatch {
    /// `JSONPatch.ToString`: `{"op": "<op>", "from": "<from>", "path": "<path>", "value": <v>}`
    /// with Velero's quoting rule and no escaping (a value containing `"` yields invalid JSON).
    pub fn to_patch_string(&self) -> String {
        let (quote, v) = add_quotes(&self.value);
        let value = if quote {
            format!("\"{v}\"")
        } else {
            v.to_owned()
        };
        format!(
            r#"{{"op": "{}", "from": "{}", "path": "{}", "value": {value}}}"#,
            self.operation, self.from, self.path
        )
    }

    /// `JSONPatch.Validate`.
    pub fn validate(&self) -> Result<(), Error> {
        if self.operation.is_empty() {
            return Err(Error::invalid(
                "patches.operation",
                "",
                "operation cannot be empty",
            ));
        }
        if !["add", "remove", "replace", "test", "move", "copy"]
            .contains(&self.operation.to_lowercase().as_str())
        {
            return Err(Error::invalid(
                "patches.operation",
                &self.operation,
                "unsupported operation",
            ));
        }
        if self.path.is_empty() {
            return Err(Error::invalid("patches.path", "", "path cannot be empty"));
        }
        Ok(())
    }
}

/// Outcome of applying a patch document.
#[derive(Debug)]
pub enum PatchError {
    /// A `test` operation did not hold (`ErrTestFailed`).
    TestFailed,
    /// A path does not exist (`ErrMissing`).
    Missing(String),
    /// Anything else.
    Other(String),
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn split_pointer(path: &str) -> Result<(Vec<String>, String), PatchError> {
    if path.is_empty() {
        return Err(PatchError::Other("empty path".into()));
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| PatchError::Other(format!("invalid pointer {path:?}")))?;
    let mut parts: Vec<String> = rest.split('/').map(unescape).collect();
    let last = parts.pop().unwrap_or_default();
    Ok((parts, last))
}

fn navigate<'a>(
    doc: &'a mut Value,
    parts: &[String],
    path: &str,
) -> Result<&'a mut Value, PatchError> {
    let mut cur = doc;
    for p in parts {
        cur = match cur {
            Value::Object(m) => m.get_mut(p),
            Value::Array(a) => p.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| PatchError::Missing(path.to_owned()))?;
    }
    Ok(cur)
}

fn get(doc: &Value, path: &str) -> Option<Value> {
    if path.is_empty() {
        return Some(doc.clone());
    }
    doc.pointer(path).cloned()
}

fn index(a: &[Value], key: &str, path: &str, allow_end: bool) -> Result<usize, PatchError> {
    if key == "-" && allow_end {
        return Ok(a.len());
    }
    let i: usize = key
        .parse()
        .map_err(|_| PatchError::Other(format!("invalid index {key:?} in {path}")))?;
    let max = if allow_end {
        a.len()
    } else {
        a.len().saturating_sub(1)
    };
    if i > max || (!allow_end && a.is_empty()) {
        return Err(PatchError::Other(format!(
            "index {i} out of range in {path}"
        )));
    }
    Ok(i)
}

fn add(doc: &mut Value, path: &str, v: Value) -> Result<(), PatchError> {
    if path.is_empty() {
        *doc = v;
        return Ok(());
    }
    let (parts, last) = split_pointer(path)?;
    match navigate(doc, &parts, path)? {
        Value::Object(m) => {
            m.insert(last, v);
            Ok(())
        }
        Value::Array(a) => {
            let i = index(a, &last, path, true)?;
            a.insert(i, v);
            Ok(())
        }
        _ => Err(PatchError::Missing(path.to_owned())),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, PatchError> {
    let (parts, last) = split_pointer(path)?;
    match navigate(doc, &parts, path)? {
        Value::Object(m) => m
            .remove(&last)
            .ok_or_else(|| PatchError::Missing(path.to_owned())),
        Value::Array(a) => {
            let i = index(a, &last, path, false)?;
            Ok(a.remove(i))
        }
        _ => Err(PatchError::Missing(path.to_owned())),
    }
}

/// Applies an RFC 6902 patch document (a JSON array of operations) to `doc`.
pub fn apply_patch(doc: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let ops = patch
        .as_array()
        .ok_or_else(|| PatchError::Other("patch is not an array".into()))?;
    for op in ops {
        let s = |k: &str| op.get(k).and_then(Value::as_str).unwrap_or_default();
        let path = s("path");
        let value = || op.get("value").cloned().unwrap_or(Value::Null);
        match s("op") {
            "add" => add(doc, path, value())?,
            "remove" => {
                remove(doc, path)?;
            }
            "replace" => {
                if get(doc, path).is_none() {
                    return Err(PatchError::Missing(path.to_owned()));
                }
                if path.is_empty() {
                    *doc = value();
                } else {
                    remove(doc, path)?;
                    add(doc, path, value())?;
                }
            }
            "move" => {
                let v = remove(doc, s("from"))?;
                add(doc, path, v)?;
            }
            "copy" => {
                let v =
                    get(doc, s("from")).ok_or_else(|| PatchError::Missing(s("from").to_owned()))?;
                add(doc, path, v)?;
            }
            "test" => match get(doc, path) {
                Some(v) if v == value() => {}
                None if value().is_null() => {}
                _ => return Err(PatchError::TestFailed),
            },
            other => return Err(PatchError::Other(format!("unexpected operation {other:?}"))),
        }
    }
    Ok(())
}

/// Renders `patches` with [`JsonPatch::to_patch_string`] and decodes them as one document.
pub fn render(patches: &[JsonPatch]) -> Result<Value, Error> {
    let s = format!(
        "[{}]",
        patches
            .iter()
            .map(JsonPatch::to_patch_string)
            .collect::<Vec<_>>()
            .join(",\n")
    );
    serde_json::from_str(&s).map_err(|e| Error::Patch(format!("error in decoding json patch {e}")))
}
