//! The expression half of scalingModifiers: wrapping, compiling and running a formula with the
//! `expr-lang` crate (a Rust port of `github.com/expr-lang/expr`, the library KEDA uses).
//!
//! The port still has `unwrap`/`panic!` sites and recursive descent parsing, so formulas are
//! screened before they reach it (length and nesting limits, which also bound the parser's stack
//! depth) and every call into it runs under `catch_unwind`: a formula that trips a panic is an
//! error naming the field, never a crashed controller.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use expr::{Context, ContextProvider, Program, Value};

use crate::{Error, Result};

/// JSON path of the formula field, used in every error about it.
pub const FORMULA_FIELD: &str = "spec.advanced.scalingModifiers.formula";

/// Longest formula accepted (bytes). KEDA has no limit; real formulas are a few dozen bytes.
pub const MAX_FORMULA_LEN: usize = 4096;

/// Deepest bracket nesting accepted; bounds the parser's recursion.
pub const MAX_FORMULA_NESTING: usize = 48;

/// Name of the `let` binding KEDA wraps `??` formulas in.
const RESULT_BINDING: &str = "_kedaCompositeResult";

/// Casts the formula's result to float the way KEDA's webhook does (`castToFloatIfNecessary`):
/// formulas with `??` become `let _kedaCompositeResult = (F); _kedaCompositeResult == nil ? nil :
/// float(_kedaCompositeResult)` (unless already in that form) so a `nil` result survives; other
/// formulas are wrapped in `float(...)` unless they already start with `float(`.
pub fn cast_to_float_if_necessary(formula: &str) -> String {
    if formula.contains("??") {
        if formula.starts_with("let _kedaCompositeResult = ") {
            return formula.to_owned();
        }
        return format!(
            "let {RESULT_BINDING} = ({formula}); {RESULT_BINDING} == nil ? nil : float({RESULT_BINDING})"
        );
    }
    if formula.starts_with("float(") {
        formula.to_owned()
    } else {
        format!("float({formula})")
    }
}

/// A compiled formula (KEDA's cached `CompiledFormula`), already wrapped by
/// [`cast_to_float_if_necessary`].
#[derive(Debug, Clone)]
pub struct CompiledFormula {
    source: String,
    program: Program,
}

/// Values of the formula's variables: trigger name → metric value, `None` for `nil` (a trigger past
/// its failure threshold under `fallback.behavior: scalingModifiers`).
pub type FormulaVariables = BTreeMap<String, Option<f64>>;

/// What a formula evaluated to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FormulaResult {
    /// A float.
    Value(f64),
    /// `nil` (only possible for `??` formulas).
    Nil,
}

impl CompiledFormula {
    /// Wraps and compiles `formula`. Errors name [`FORMULA_FIELD`] and the formula.
    pub fn compile(formula: &str) -> Result<Self> {
        screen(formula)?;
        let source = cast_to_float_if_necessary(formula);
        let program = guarded(formula, || expr::compile(&source))?;
        Ok(Self { source, program })
    }

    /// The wrapped source that was compiled.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Runs the formula. A result that is neither a number nor `nil` is an error, as in KEDA
    /// (`formula returned non-float result`); an integer result cannot occur after the float cast
    /// but is accepted as a float.
    pub fn run(&self, vars: &FormulaVariables) -> Result<FormulaResult> {
        let ctx = Vars::new(vars);
        let value = guarded(&self.source, || expr::run(&self.program, &ctx))?;
        match value {
            Value::Float(f) => Ok(FormulaResult::Value(f)),
            Value::Integer(i) => Ok(FormulaResult::Value(i as f64)),
            Value::Nil => Ok(FormulaResult::Nil),
            other => Err(Error::invalid(
                FORMULA_FIELD,
                &self.source,
                format!("formula returned non-float result {other:?}"),
            )),
        }
    }
}

/// Cheap pre-checks that keep hostile input away from the parser.
fn screen(formula: &str) -> Result<()> {
    if formula.len() > MAX_FORMULA_LEN {
        return Err(Error::invalid(
            FORMULA_FIELD,
            format!("<{} bytes>", formula.len()),
            format!("formula longer than {MAX_FORMULA_LEN} bytes"),
        ));
    }
    let mut depth = 0usize;
    for b in formula.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_FORMULA_NESTING {
                    return Err(Error::invalid(
                        FORMULA_FIELD,
                        formula,
                        format!("brackets nested deeper than {MAX_FORMULA_NESTING}"),
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Runs `f`, turning both its error and any panic inside the expression library into an error
/// naming the formula field.
fn guarded<T>(formula: &str, f: impl FnOnce() -> expr::Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Error::invalid(FORMULA_FIELD, formula, e.to_string())),
        Err(_) => Err(Error::invalid(
            FORMULA_FIELD,
            formula,
            "the expression engine failed on this formula",
        )),
    }
}

/// The variables as an expr context, without copying them into an `expr::Context` per lookup.
struct Vars {
    values: Vec<(String, Value)>,
}

impl Vars {
    fn new(vars: &FormulaVariables) -> Self {
        Self {
            values: vars
                .iter()
                .map(|(k, v)| (k.clone(), v.map_or(Value::Nil, Value::Float)))
                .collect(),
        }
    }
}

impl ContextProvider for Vars {
    fn get(&self, key: &str) -> Option<&Value> {
        // `values` is sorted by key (it comes from a BTreeMap).
        self.values
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .and_then(|i| self.values.get(i))
            .map(|(_, v)| v)
    }

    fn to_context(&self) -> Context {
        let mut ctx = Context::default();
        for (k, v) in &self.values {
            ctx.insert(k.clone(), v.clone());
        }
        ctx
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, Option<f64>)]) -> FormulaVariables {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn wraps_like_keda() {
        assert_eq!(cast_to_float_if_necessary("a + b"), "float(a + b)");
        assert_eq!(cast_to_float_if_necessary("float(a)"), "float(a)");
        assert_eq!(
            cast_to_float_if_necessary("a ?? b"),
            "let _kedaCompositeResult = (a ?? b); _kedaCompositeResult == nil ? nil : float(_kedaCompositeResult)"
        );
        let already = "let _kedaCompositeResult = (a ?? 1); _kedaCompositeResult";
        assert_eq!(cast_to_float_if_necessary(already), already);
    }

    #[test]
    fn evaluates_arithmetic_ternary_and_nil_coalescing() {
        let f = CompiledFormula::compile("a + b").unwrap();
        assert_eq!(
            f.run(&vars(&[("a", Some(2.0)), ("b", Some(5.0))])).unwrap(),
            FormulaResult::Value(7.0)
        );
        let t = CompiledFormula::compile("a > 3 ? 10 : 1").unwrap();
        assert_eq!(
            t.run(&vars(&[("a", Some(4.0))])).unwrap(),
            FormulaResult::Value(10.0)
        );
        let n = CompiledFormula::compile("a ?? b ?? 5").unwrap();
        assert_eq!(
            n.run(&vars(&[("a", None), ("b", None)])).unwrap(),
            FormulaResult::Value(5.0)
        );
        assert_eq!(
            n.run(&vars(&[("a", None), ("b", Some(3.0))])).unwrap(),
            FormulaResult::Value(3.0)
        );
        let nil = CompiledFormula::compile("a ?? b").unwrap();
        assert_eq!(
            nil.run(&vars(&[("a", None), ("b", None)])).unwrap(),
            FormulaResult::Nil
        );
    }

    #[test]
    fn errors_name_the_field() {
        let e = CompiledFormula::compile("a +* b").unwrap_err();
        assert!(e.to_string().starts_with(FORMULA_FIELD), "{e}");
        let f = CompiledFormula::compile("a + missing").unwrap();
        let e = f.run(&vars(&[("a", Some(1.0))])).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
        let s = CompiledFormula::compile("float(a) + 'x'");
        if let Ok(s) = s {
            assert!(s.run(&vars(&[("a", Some(1.0))])).is_err());
        }
    }

    #[test]
    fn rejects_oversized_and_deeply_nested_formulas() {
        assert!(CompiledFormula::compile(&"1+".repeat(MAX_FORMULA_LEN)).is_err());
        let deep = format!(
            "{}1{}",
            "(".repeat(MAX_FORMULA_NESTING + 1),
            ")".repeat(MAX_FORMULA_NESTING + 1)
        );
        assert!(CompiledFormula::compile(&deep).is_err());
        let ok = format!("{}1{}", "(".repeat(10), ")".repeat(10));
        assert!(CompiledFormula::compile(&ok).is_ok());
    }
}
