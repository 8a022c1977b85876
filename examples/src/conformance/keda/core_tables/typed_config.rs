//! `typed_config.json`: KEDA's generic metadata parser (`typed_config_test.go`, manual cases).
//!
//! Each case lists Go struct fields with their `keda:"..."` tag; the handler reads each field with
//! [`Param::from_tag`] and the Rust type matching the Go type, as the struct would be filled.

use std::collections::BTreeMap;
use std::time::Duration;

use keda_core::scaler::ScalerConfig;
use keda_core::scaler_config::{MetadataParser, Param, UrlValues};
use serde_json::{Map, Value, json};

use super::super::super::check::{Checks, str_at};
use super::super::super::{Case, Handler, Outcome, Table};
use super::at;

pub(super) fn lookup(name: &str) -> Option<Handler> {
    match name {
        "manual:TestWrongNestedStruct" => Some(wrong_nesting),
        n if n.starts_with("manual:Test") => {
            let test = n.trim_start_matches("manual:");
            const KNOWN: &[&str] = &[
                "TestBasicTypedConfig",
                "TestParsingOrder",
                "TestMissing",
                "TestDeprecatedAnnounce",
                "TestDefaultValue",
                "TestMap",
                "TestEnum",
                "TestEnum (invalid)",
                "TestExclusive (invalid)",
                "TestURLValues",
                "TestNestedStruct / TestEmbeddedStruct / TestNestedPointer",
                "TestNoParsingOrder",
                "TestNoParsingOrder (default)",
                "TestRange",
                "TestMultiName",
                "TestUnexpectedOptional (KEDA_CHECK_UNEXPECTED_SCALERS_PARAMS=enabled)",
            ];
            KNOWN.contains(&test).then_some(typed_config as Handler)
        }
        _ => None,
    }
}

/// A nested struct field whose type is not a struct is a reflection error in Go; in Rust a nested
/// group is a closure over the parser, so the mistake cannot be written.
fn wrong_nesting(_: &Table, _: &Case) -> Outcome {
    Outcome::Skip(
        "a non-struct nested field is a compile-time impossibility in the Rust API".into(),
    )
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn config_of(inputs: &Value) -> ScalerConfig {
    ScalerConfig {
        trigger_metadata: string_map(at(inputs, "triggerMetadata")),
        resolved_env: string_map(at(inputs, "resolvedEnv")),
        auth_params: string_map(at(inputs, "authParams")),
        trigger_type: str_at(inputs, "triggerType").unwrap_or_default().to_owned(),
        ..ScalerConfig::default()
    }
}

/// Reads `param` as the Rust type standing for Go type `ty`, as JSON for comparison.
fn read(p: &mut MetadataParser<'_>, ty: &str, param: Param) -> Result<Value, keda_core::Error> {
    Ok(match ty {
        "string" => json!(p.get::<String>(param)?),
        "int" => json!(p.get::<i64>(param)?),
        "bool" => json!(p.get::<bool>(param)?),
        "float64" => json!(p.get::<f64>(param)?),
        "[]string" => json!(p.get::<Vec<String>>(param)?),
        "[]int" => json!(p.get::<Vec<i64>>(param)?),
        "map[string]int" => json!(p.get::<BTreeMap<String, i64>>(param)?),
        "url.Values" => json!(p.get::<UrlValues>(param)?.0),
        "time.Duration" => json!(p.get::<Duration>(param)?.as_nanos() as u64),
        other => {
            return Err(keda_core::Error::Parse(format!(
                "no Rust type for Go type {other}"
            )));
        }
    })
}

fn is_nested(tag: &str) -> bool {
    tag.starts_with("keda:\"\"")
}

/// Fills the described struct: returns the field values and the joined errors, as KEDA does.
fn fill(
    fields: &Map<String, Value>,
    p: &mut MetadataParser<'_>,
) -> (Map<String, Value>, Vec<String>) {
    // Nested struct fields are written `TypeName.Field`; they are reported as `FieldName.Field`.
    let mut nested_types: BTreeMap<String, String> = BTreeMap::new();
    let (mut out, mut errors) = (Map::new(), Vec::new());
    for (decl, tag) in fields {
        let tag = tag.as_str().unwrap_or_default();
        let mut words = decl.split_whitespace();
        let field = words.next().unwrap_or_default();
        let ty = words.next().unwrap_or("string");
        if is_nested(tag) {
            nested_types.insert(ty.trim_start_matches('*').to_owned(), field.to_owned());
            continue;
        }
        let (reported, nested) = match field.split_once('.') {
            Some((ty, f)) => (
                format!("{}.{f}", nested_types.get(ty).map_or(ty, String::as_str)),
                true,
            ),
            None => (field.to_owned(), false),
        };
        let result = Param::from_tag(tag).and_then(|param| {
            if nested {
                p.nested(false, |p| read(p, ty, param))
            } else {
                read(p, ty, param)
            }
        });
        match result {
            Ok(v) => {
                out.insert(reported, v);
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    (out, errors)
}

fn same(got: &Value, want: &Value) -> bool {
    match (got.as_f64(), want.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => got == want,
    }
}

fn typed_config(_: &Table, c: &Case) -> Outcome {
    let Some(fields) = at(&c.data, "fields").as_object() else {
        return Outcome::Fail("case without fields".into());
    };
    if let Some(rows) = at(&c.data, "cases").as_array() {
        let mut k = Checks::default();
        for (i, row) in rows.iter().enumerate() {
            let config = config_of(row);
            let mut p = MetadataParser::new(&config);
            let (out, errors) = fill(fields, &mut p);
            k.eq(&format!("row {i} errors"), errors, Vec::<String>::new());
            let got = out.values().next().cloned().unwrap_or(Value::Null);
            k.eq(&format!("row {i} value"), &got, at(row, "expect"));
        }
        return k.outcome();
    }
    let config = config_of(at(&c.data, "inputs"));
    let mut p = MetadataParser::new(&config);
    let (out, errors) = fill(fields, &mut p);
    let joined = errors.join("\n");
    let expect = at(&c.data, "expect");
    let mut k = Checks::default();
    match (
        expect.get("error").and_then(Value::as_str),
        str_at(expect, "errorContains"),
    ) {
        (Some(want), _) => k.eq("error", joined.as_str(), want),
        (None, Some(part)) => {
            if !joined.contains(part) {
                k.fail(format!("error {joined:?} does not contain {part:?}"));
            }
        }
        (None, None) => k.eq("error", joined.as_str(), ""),
    }
    if let Some(event) = str_at(expect, "event") {
        k.eq(
            "announcements",
            p.announcements().to_vec(),
            vec![event.to_owned()],
        );
    }
    if let Some(warnings) = expect.get("warningEvents").and_then(Value::as_array) {
        let mut want: Vec<&str> = warnings.iter().filter_map(Value::as_str).collect();
        want.sort_unstable();
        let got = p.unexpected_params();
        k.eq(
            "warning events",
            got.iter().map(String::as_str).collect::<Vec<_>>(),
            want,
        );
    }
    for (key, want) in expect.as_object().into_iter().flatten() {
        // `pointerAllocated`: a nested group is always present in Rust (no nil pointer to allocate).
        if matches!(
            key.as_str(),
            "error" | "errorContains" | "event" | "warningEvents" | "note" | "pointerAllocated"
        ) {
            continue;
        }
        match out.get(key) {
            Some(got) if same(got, want) => {}
            got => k.fail(format!("{key}: got {got:?}, want {want}")),
        }
    }
    k.outcome()
}
