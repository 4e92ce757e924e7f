//! The Rhai sandbox. Policy scripts are untrusted text written by HR, so the
//! engine is raw (no file access, no module import, no `eval`, no clock), every
//! limit is set explicitly (debug and release builds behave the same), unknown
//! variables are compile errors, a misspelt map property is a run-time error,
//! and numbers are exact decimals (`decimal` + `no_float`: `0.1 + 0.2 == 0.3`).
//!
//! One engine and one AST per script are shared by all workers; each
//! evaluation gets its own `Scope`.

use crate::decimal::round_fixed;
use crate::decimal::Rounding;
use crate::error::Diagnostic;
use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicIteratorPackage, BasicMapPackage, BasicMathPackage,
    BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{Dynamic, Engine, EvalAltResult, Map, ParseError, Position, Scope, AST, INT};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

mod hints;

/// Limits, documented in `docs/policy.md`.
pub const MAX_OPERATIONS: u64 = 200_000;
pub const MAX_STRING_SIZE: usize = 10_000;
pub const MAX_ARRAY_SIZE: usize = 1_000;
pub const MAX_MAP_SIZE: usize = 1_000;
pub const MAX_CALL_LEVELS: usize = 16;
pub const MAX_EXPR_DEPTH: usize = 64;
pub const MAX_FN_EXPR_DEPTH: usize = 32;
pub const MAX_VARIABLES: usize = 256;
pub const MAX_FUNCTIONS: usize = 64;

/// Wall time one script evaluation may take (one employee's formula).
pub const MAX_EVAL_TIME: std::time::Duration = std::time::Duration::from_secs(2);
/// Script operations a whole run may spend, over all employees and scripts.
pub const MAX_RUN_OPERATIONS: u64 = 2_000_000_000;

pub struct ScriptEngine {
    engine: Engine,
}

/// Why the current evaluation was stopped by the budget (0: it was not).
const STOPPED_TIME: u8 = 1;
const STOPPED_RUN: u8 = 2;
/// Another evaluation of the run was stopped for time: a runaway script
/// costs the run one time limit, not one per employee.
const STOPPED_EARLIER: u8 = 3;

/// What all evaluations of one run (one engine) share.
#[derive(Default)]
struct RunBudget {
    /// Operations spent so far.
    ops: std::sync::atomic::AtomicU64,
    /// Set once an evaluation ran over its time.
    timed_out: std::sync::atomic::AtomicBool,
}

thread_local! {
    /// The evaluation running on this thread: progress calls, its start,
    /// and why it was stopped. A stop is sticky: an error swallowed inside
    /// a sort comparator cannot let the script carry on.
    static EVAL: std::cell::Cell<(u64, Option<std::time::Instant>, u8)> =
        const { std::cell::Cell::new((0, None, 0)) };
}

/// Counts one operation against the evaluation's time and the run's budget.
fn progress(run: &RunBudget) -> Option<Dynamic> {
    use std::sync::atomic::Ordering::Relaxed;
    EVAL.with(|c| {
        let (mut calls, start, mut stopped) = c.get();
        calls += 1;
        if stopped == 0 && calls % 4096 == 0 {
            let spent = run.ops.fetch_add(4096, Relaxed);
            if spent > MAX_RUN_OPERATIONS {
                stopped = STOPPED_RUN;
            } else if run.timed_out.load(Relaxed) {
                stopped = STOPPED_EARLIER;
            } else if start.is_some_and(|s| s.elapsed() > MAX_EVAL_TIME) {
                stopped = STOPPED_TIME;
                run.timed_out.store(true, Relaxed);
            }
        }
        c.set((calls, start, stopped));
        (stopped != 0).then_some(Dynamic::UNIT)
    })
}

/// A compiled policy script.
pub struct CompiledScript {
    pub path: PathBuf,
    pub ast: AST,
    /// The source, to show the line of an error met while running.
    pub text: std::sync::Arc<str>,
}

const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<ScriptEngine>();
    shareable::<CompiledScript>();
};

impl ScriptEngine {
    pub fn new(rounding: &Rounding) -> ScriptEngine {
        let mut e = Engine::new_raw();
        for m in [
            ArithmeticPackage::new().as_shared_module(),
            LogicPackage::new().as_shared_module(),
            BasicStringPackage::new().as_shared_module(),
            MoreStringPackage::new().as_shared_module(),
            BasicArrayPackage::new().as_shared_module(),
            BasicMapPackage::new().as_shared_module(),
            BasicMathPackage::new().as_shared_module(),
            BasicIteratorPackage::new().as_shared_module(),
        ] {
            e.register_global_module(m);
        }
        e.set_max_operations(MAX_OPERATIONS)
            .set_max_expr_depths(MAX_EXPR_DEPTH, MAX_FN_EXPR_DEPTH)
            .set_max_string_size(MAX_STRING_SIZE)
            .set_max_array_size(MAX_ARRAY_SIZE)
            .set_max_map_size(MAX_MAP_SIZE)
            .set_max_call_levels(MAX_CALL_LEVELS)
            .set_max_variables(MAX_VARIABLES)
            .set_max_functions(MAX_FUNCTIONS)
            .set_strict_variables(true)
            .set_fail_on_invalid_map_property(true);
        e.disable_symbol("eval");
        // Integer division truncates (1 / 2 == 0), which silently loses money;
        // overloading `/` needs the slow operator path, which checks scripts' functions first.
        e.set_fast_operators(false);
        e.register_fn("/", |a: INT, b: INT| -> Result<INT, Box<EvalAltResult>> {
            // checked: i64::MIN / -1 overflows (Rust panics on it).
            let (Some(q), Some(r)) = (a.checked_div(b), a.checked_rem(b)) else {
                return Err(if b == 0 {
                    EvalAltResult::ErrorArithmetic("Division by zero".into(), Position::NONE).into()
                } else {
                    format!("integer division {a} / {b} overflows").into()
                });
            };
            if r != 0 {
                return Err(format!("integer division {a} / {b} would truncate to {q}; write {a}.0 / {b} for an exact decimal").into());
            }
            Ok(q)
        });
        // Operations inside a sort or dedup comparator escape the operation
        // limit (its error is swallowed there): each evaluation also has a
        // wall-time limit and the run an operation budget (issue 15).
        let run = std::sync::Arc::new(RunBudget::default());
        e.on_progress(move |_| progress(&run));
        e.on_print(|s| tracing::info!(target: "merit::script", "{s}"));
        e.on_debug(|s, src, pos| tracing::debug!(target: "merit::script", "{}{pos}: {s}", src.unwrap_or("")));
        // Money rounding in the policy's places and mode, the same as merit's own.
        let (places, mode) = (rounding.money_places, rounding.mode);
        e.register_fn("round_money", move |x: Decimal| {
            round_fixed(x, places, mode)
        });
        e.register_fn("round_money", move |x: INT| {
            round_fixed(Decimal::from(x), places, mode)
        });
        crate::script_exact::register(&mut e, rounding);
        ScriptEngine { engine: e }
    }

    /// Compiles `text`; `scope` names the variables the script may read.
    pub fn compile(
        &self,
        path: &Path,
        text: &str,
        scope: &Scope,
    ) -> Result<CompiledScript, Diagnostic> {
        match self.engine.compile_with_scope(scope, text) {
            Ok(ast) => Ok(CompiledScript {
                path: path.to_path_buf(),
                ast,
                text: text.into(),
            }),
            Err(e) => Err(parse_error(path, text, &e)),
        }
    }

    /// Runs a script and returns its value.
    pub fn eval(
        &self,
        script: &CompiledScript,
        scope: &mut Scope,
        subject: &str,
    ) -> Result<Dynamic, Diagnostic> {
        self.eval_for(script, scope, &|| subject.to_owned())
    }

    /// [`ScriptEngine::eval`] naming the subject only if there is an error
    /// (no text is built per employee on the way).
    pub fn eval_for(
        &self,
        script: &CompiledScript,
        scope: &mut Scope,
        subject: &dyn Fn() -> String,
    ) -> Result<Dynamic, Diagnostic> {
        EVAL.with(|c| c.set((0, Some(std::time::Instant::now()), 0)));
        let out = self
            .engine
            .eval_ast_with_scope::<Dynamic>(scope, &script.ast);
        let stopped = EVAL.with(|c| c.replace((0, None, 0)).2);
        let why = match stopped {
            STOPPED_TIME => format!(
                "ran longer than {} s (an endless loop?)",
                MAX_EVAL_TIME.as_secs()
            ),
            STOPPED_RUN => {
                format!("the run's scripts spent their budget of {MAX_RUN_OPERATIONS} operations")
            }
            STOPPED_EARLIER => {
                "was not finished: another evaluation in this run ran longer than the limit".into()
            }
            _ => return out.map_err(|e| eval_error(script, &subject(), *e)),
        };
        Err(Diagnostic::error(
            &script.path,
            format!("while evaluating {}: stopped: the script {why}", subject()),
        ))
    }

    /// Runs a script that returns a number (INT or Decimal) as a Decimal.
    pub fn eval_decimal(
        &self,
        script: &CompiledScript,
        scope: &mut Scope,
        subject: &str,
    ) -> Result<Decimal, Diagnostic> {
        self.eval_decimal_for(script, scope, &|| subject.to_owned())
    }

    /// [`ScriptEngine::eval_decimal`] with the subject named only on error.
    pub fn eval_decimal_for(
        &self,
        script: &CompiledScript,
        scope: &mut Scope,
        subject: &dyn Fn() -> String,
    ) -> Result<Decimal, Diagnostic> {
        self.eval_exact_for(script, scope, subject)
            .map(|x| x.approx())
    }

    /// Runs a script that returns a number: INT, Decimal, or an exact value
    /// computed from one merit handed it.
    pub fn eval_exact_for(
        &self,
        script: &CompiledScript,
        scope: &mut Scope,
        subject: &dyn Fn() -> String,
    ) -> Result<crate::exact::Num, Diagnostic> {
        let out = self.eval_for(script, scope, subject)?;
        if let Some(x) = crate::script_exact::of(&out) {
            Ok(x)
        } else {
            Err(Diagnostic::error(
                &script.path,
                format!(
                    "while evaluating {}: the script returned {} ({}), expected a number",
                    subject(),
                    out,
                    out.type_name()
                ),
            ))
        }
    }
}

/// Number (INT or Decimal) → Decimal.
pub fn to_decimal(v: &Dynamic) -> Option<Decimal> {
    crate::script_exact::of(v).map(|x| x.approx())
}

/// Finds `INT / INT` between integer literals outside strings and comments:
/// Rhai truncates it (`1 / 2 == 0`), which is never what a money formula means.
pub fn literal_integer_divisions(path: &Path, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (ln, line) in text.lines().enumerate() {
        let code = strip_strings_and_comments(line);
        let b = code.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'/' {
                let left = int_literal_before(&code[..i]);
                let right = int_literal_after(&code[i + 1..]);
                if let (Some(l), Some(r)) = (left, right) {
                    let col = code[..i].chars().count() + 1;
                    out.push(
                        Diagnostic::error(path, format!("integer division {l} / {r} truncates in Rhai; write {l}.0 / {r} for an exact decimal"))
                            .at(ln + 1, col)
                            .with_source(text),
                    );
                }
            }
            i += 1;
        }
    }
    out
}

fn strip_strings_and_comments(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_str = false;
    let mut prev = ' ';
    for c in line.chars() {
        if in_str {
            if c == '"' && prev != '\\' {
                in_str = false;
            }
            out.push(' ');
        } else if c == '"' {
            in_str = true;
            out.push(' ');
        } else if c == '/' && prev == '/' {
            out.pop();
            break;
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

fn int_literal_before(s: &str) -> Option<&str> {
    let t = s.trim_end();
    // The byte after the last non-digit, which may be several bytes long.
    let start = t
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_ascii_digit() && *c != '_')
        .map_or(0, |(i, c)| i + c.len_utf8());
    let lit = &t[start..];
    let before = t[..start].chars().last();
    (!lit.is_empty() && !matches!(before, Some(c) if c == '.' || c.is_alphanumeric() || c == '_'))
        .then_some(lit)
}

fn int_literal_after(s: &str) -> Option<&str> {
    let t = s.trim_start();
    let end = t
        .find(|c: char| !c.is_ascii_digit() && c != '_')
        .unwrap_or(t.len());
    let lit = &t[..end];
    let after = t[end..].chars().next();
    (!lit.is_empty() && !matches!(after, Some(c) if c == '.' || c.is_alphanumeric())).then_some(lit)
}

fn located(d: Diagnostic, pos: Position, text: Option<&str>) -> Diagnostic {
    match pos.line() {
        Some(line) => {
            let d = d.at(line, pos.position().unwrap_or(1));
            match text {
                Some(t) => d.with_source(t),
                None => d,
            }
        }
        None => d,
    }
}

fn parse_error(path: &Path, text: &str, e: &ParseError) -> Diagnostic {
    let pos = e.position();
    let line = pos
        .line()
        .and_then(|l| text.lines().nth(l - 1))
        .unwrap_or("");
    let hint = hints::parse_hint(line, pos.position().unwrap_or(1))
        .map(|h| format!(" ({h})"))
        .unwrap_or_default();
    located(
        Diagnostic::error(path, format!("{}{hint}", e.err_type())),
        pos,
        Some(text),
    )
}

fn eval_error(script: &CompiledScript, subject: &str, mut e: EvalAltResult) -> Diagnostic {
    let pos = e.take_position();
    let inner_pos = match &e {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => inner.position(),
        _ => Position::NONE,
    };
    let mut msg = e.to_string();
    if !inner_pos.is_none() {
        msg = msg.replace(&format!(" ({inner_pos})"), "");
    }
    if let Some(plain) = hints::eval_message(&e) {
        msg = plain;
    }
    let why = match e {
        EvalAltResult::ErrorTooManyOperations(_) => {
            format!(" (limit: {MAX_OPERATIONS} operations; is there an endless loop?)")
        }
        EvalAltResult::ErrorDataTooLarge(..) => {
            " (strings hold at most 10000 bytes, arrays and maps 1000 items)".to_string()
        }
        _ => String::new(),
    };
    let pos = if inner_pos.is_none() { pos } else { inner_pos };
    located(
        Diagnostic::error(
            &script.path,
            format!("while evaluating {subject}: {msg}{why}"),
        ),
        pos,
        Some(&script.text),
    )
}

/// A map from string keys, for building script inputs.
pub fn map<I: IntoIterator<Item = (&'static str, Dynamic)>>(items: I) -> Map {
    items.into_iter().map(|(k, v)| (k.into(), v)).collect()
}

pub fn dec(d: Decimal) -> Dynamic {
    Dynamic::from_decimal(d)
}

/// What a script is for; each use has a fixed set of variables, and scripts
/// are compiled against exactly that set (strict variables), so a misspelt
/// name fails at `merit check`, not at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The bonus formula: `employee`, `kpi`, `review`, `period`, `score`, `rating`.
    Bonus,
    /// A scoring rule: `actual`, `target`, `achievement`, `subject`.
    Scoring,
    /// A target: `subject`, `employee` (map or `()`), `period`.
    Target,
    /// A role's weights: `employee`, `period`; returns a map KPI id → weight.
    Weights,
}

impl Purpose {
    pub fn variables(self) -> &'static [&'static str] {
        match self {
            Purpose::Bonus => &["employee", "kpi", "review", "period", "score", "rating"],
            Purpose::Scoring => &["actual", "target", "achievement", "subject"],
            Purpose::Target => &["subject", "employee", "period"],
            Purpose::Weights => &["employee", "period"],
        }
    }

    /// Placeholder values with the right names, for compiling.
    pub fn compile_scope(self) -> Scope<'static> {
        let mut s = Scope::new();
        for v in self.variables() {
            s.push_dynamic(*v, Dynamic::UNIT);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Result<Decimal, Diagnostic> {
        let e = ScriptEngine::new(&Rounding::default());
        let scope = Scope::new();
        let s = e.compile(Path::new("t.rhai"), src, &scope)?;
        e.eval_decimal(&s, &mut scope.clone(), "employee E1")
    }

    #[test]
    fn literals_are_exact_decimals() {
        assert_eq!(
            run("if 0.1 + 0.2 == 0.3 { 1 } else { 0 }").unwrap(),
            Decimal::ONE
        );
        assert_eq!(run("0.1 + 0.2").unwrap().to_string(), "0.3");
        assert_eq!(run("round_money(2.345)").unwrap().to_string(), "2.35");
        assert_eq!(run("1000 * 0.15").unwrap().to_string(), "150.00");
    }

    #[test]
    fn sandbox_rejects_eval_import_and_endless_loops() {
        assert!(run("eval(\"1\")").unwrap_err().message.contains("eval"));
        assert!(run("import \"x\" as y; 1").is_err());
        let e = run("let x = 0;\nloop { x += 1; }").unwrap_err();
        assert!(
            e.message.contains("employee E1") && e.message.contains("operations"),
            "{e}"
        );
        assert_eq!(e.line, Some(2));
        let e = run("let s = \"x\"; loop { s += s; }").unwrap_err();
        assert!(e.message.contains("Length of string"), "{e}");
        let e = run("undefined_var + 1").unwrap_err();
        assert!(e.message.contains("Undefined variable"), "{e}");
    }

    #[test]
    fn integer_division_is_reported() {
        // At run time: truncating division is an error, exact division is fine.
        let e = run("let x = 1;\nlet y = 2;\nx / y").unwrap_err();
        assert!(
            e.message
                .contains("integer division 1 / 2 would truncate to 0"),
            "{e}"
        );
        assert_eq!(run("let x = 10; x / 2").unwrap(), Decimal::from(5));
        assert_eq!(run("1.0 / 4").unwrap(), "0.25".parse::<Decimal>().unwrap());
        // At check time: literals.
        let d = literal_integer_divisions(
            Path::new("b.rhai"),
            "let a = 0.5;\nscore * 3 / 4 // 1 / 2 in a comment\n\"1/2\"",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].line, d[0].col), (Some(2), Some(11)));
        assert!(
            literal_integer_divisions(Path::new("b.rhai"), "x / 2; 1.5 / 3; 3 / 2.0").is_empty()
        );
    }

    #[test]
    fn hostile_integer_division_and_text_do_not_panic() {
        // i64::MIN / -1 overflows: an error, not a panic (issue 15).
        let e = run("let m = -9223372036854775807 - 1; let d = -1; m / d").unwrap_err();
        assert!(e.message.contains("overflows"), "{e}");
        let e = run("let x = 7; let z = 0; x / z").unwrap_err();
        assert!(e.message.contains("division by zero"), "{e}");
        // A multi-byte character right before `/` in the check-time scan.
        for text in ["é/2", "\"é\"/2", "let 数 = 1; 数/2", "α 1/2"] {
            let _ = literal_integer_divisions(Path::new("c.rhai"), text);
        }
        let d = literal_integer_divisions(Path::new("c.rhai"), "// é\nlet x = é1/2;");
        assert!(d.is_empty(), "{d:?}");
    }
}
