//! Guards for `lint.rs`: whether a read of `kpi.x` or `review.*` is
//! protected by a test, which names a script declares itself (and so are
//! not the inputs), and what each statement tests for the guards a static
//! check cannot follow.

use super::lint::{chain, is_comparison};
use rhai::{ASTNode, Expr, Stmt, AST};
use std::collections::BTreeSet;

/// What one top-level statement tests.
#[derive(Default)]
pub(super) struct Tests {
    /// Its string literals (`"gmv"` of `let has = "gmv" in kpi`).
    pub strings: BTreeSet<String>,
    /// It tests `employee.role` (a comparison, `in`, a `switch`).
    pub role: bool,
    /// It tests whether `review` is there.
    pub review: bool,
}

/// What a script declares and tests, statement by statement. Function
/// bodies are not walked: their parameters are not the inputs.
pub(super) struct Scan {
    tests: Vec<Tests>,
    statements: Vec<*const Stmt>,
    /// Names the script declares (`let`, `const`, `for`): not the inputs.
    shadowed: BTreeSet<String>,
    /// A `switch` on the role somewhere: its arms choose roles.
    role_switch: bool,
}

impl Scan {
    pub fn of(ast: &AST) -> Scan {
        let mut scan = Scan {
            tests: Vec::new(),
            statements: ast.statements().iter().map(|s| s as *const Stmt).collect(),
            shadowed: BTreeSet::new(),
            role_switch: false,
        };
        for stmt in ast.statements() {
            let mut t = Tests::default();
            let (shadowed, role_switch) = (&mut scan.shadowed, &mut scan.role_switch);
            stmt.walk(&mut Vec::new(), &mut |path: &[ASTNode]| {
                match path.last() {
                    Some(ASTNode::Stmt(Stmt::Var(v, ..))) => {
                        shadowed.insert(v.0.name.to_string());
                    }
                    Some(ASTNode::Stmt(Stmt::For(f, _))) => {
                        shadowed.insert(f.0.name.to_string());
                        if let Some(i) = &f.1 {
                            shadowed.insert(i.name.to_string());
                        }
                    }
                    Some(ASTNode::Stmt(Stmt::Switch(sw, _))) => *role_switch |= is_role(&sw.0),
                    Some(ASTNode::Expr(e)) => {
                        if let Expr::StringConstant(s, _) = e {
                            t.strings.insert(s.to_string());
                        }
                        t.role |= is_role_test(e);
                        t.review |= is_review_assert(e) || mentions_review_type(e);
                    }
                    _ => {}
                }
                true
            });
            scan.tests.push(t);
        }
        scan
    }

    /// Walks the script's own statements (not function bodies).
    pub fn each_node(&self, ast: &AST, f: &mut dyn FnMut(&[ASTNode]) -> bool) {
        for stmt in ast.statements() {
            stmt.walk(&mut Vec::new(), f);
        }
    }

    /// Whether the script declares `name` itself.
    pub fn shadows(&self, name: &str) -> bool {
        self.shadowed.contains(name)
    }

    /// Whether a statement other than the one `path` is in tests what
    /// `what` asks, or the script switches on the role anywhere.
    pub fn elsewhere(&self, path: &[ASTNode], what: impl Fn(&Tests) -> bool) -> bool {
        if self.role_switch {
            return true;
        }
        let here = match path.first() {
            Some(ASTNode::Stmt(s)) => self.statements.iter().position(|p| std::ptr::eq(*p, *s)),
            _ => None,
        };
        self.tests
            .iter()
            .enumerate()
            .any(|(i, t)| Some(i) != here && what(t))
    }
}

/// Whether an earlier operand of an `&&` around the read, or the condition
/// of an `if` whose then-branch holds it, asserts `guard`.
pub(super) fn guarded(path: &[ASTNode], guard: &dyn Fn(&Expr) -> bool) -> bool {
    path.iter().enumerate().any(|(i, node)| {
        let child = path.get(i + 1);
        match (node, child) {
            (ASTNode::Expr(Expr::And(ops, _)), Some(ASTNode::Expr(c))) => ops
                .iter()
                .take_while(|op| !std::ptr::eq(*op, *c))
                .any(|op| asserts(op, guard)),
            (ASTNode::Stmt(Stmt::If(f, _)), Some(ASTNode::Stmt(c))) => {
                let in_then = f.body.statements().iter().any(|s| std::ptr::eq(s, *c));
                in_then && asserts(&f.expr, guard)
            }
            _ => false,
        }
    })
}

/// `e` holds only when `guard` does: `guard` itself, or one operand of `&&`.
fn asserts(e: &Expr, guard: &dyn Fn(&Expr) -> bool) -> bool {
    match e {
        Expr::And(ops, _) => ops.iter().any(|o| asserts(o, guard)),
        _ => guard(e),
    }
}

/// `"x" in kpi` or `kpi.contains("x")`.
pub(super) fn is_kpi_guard(e: &Expr, id: &str) -> bool {
    let is_id = |a: &Expr| matches!(a, Expr::StringConstant(s, _) if s.as_str() == id);
    match e {
        Expr::FnCall(f, _) => {
            f.name == "contains"
                && f.args.len() == 2
                && matches!(&f.args[0], Expr::Variable(v, ..) if v.1 == "kpi")
                && is_id(&f.args[1])
        }
        Expr::Dot(b, ..) => {
            matches!(&b.lhs, Expr::Variable(v, ..) if v.1 == "kpi")
                && matches!(&b.rhs, Expr::MethodCall(f, _) if f.name == "contains" && f.args.first().is_some_and(is_id))
        }
        _ => false,
    }
}

fn is_role(e: &Expr) -> bool {
    chain(e)
        .iter()
        .map(|(n, _)| n.as_str())
        .eq(["employee", "role"])
}

/// `employee.role == "x"`, `employee.role in [...]`, `[...].contains(employee.role)`:
/// the author chose the roles (`!=` chooses all but one: not a guard).
pub(super) fn is_role_test(e: &Expr) -> bool {
    match e {
        Expr::FnCall(f, _) => {
            (f.name == "contains" || (is_comparison(&f.name) && f.name != "!="))
                && f.args.iter().any(is_role)
        }
        Expr::Dot(b, ..) => {
            matches!(&b.rhs, Expr::MethodCall(f, _) if f.name == "contains" && f.args.iter().any(is_role))
        }
        _ => false,
    }
}

/// `type_of(review) == "map"`, `type_of(review) != "()"`, `review != ()`,
/// `"rating" in review`: true only when the review is there.
pub(super) fn is_review_assert(e: &Expr) -> bool {
    let Expr::FnCall(f, _) = e else {
        return false;
    };
    let review = |a: &Expr| matches!(a, Expr::Variable(v, ..) if v.1 == "review");
    let type_of = |a: &Expr| matches!(a, Expr::FnCall(t, _) if t.name == "type_of" && t.args.first().is_some_and(review));
    let text = |a: &Expr, want: &str| matches!(a, Expr::StringConstant(s, _) if s.as_str() == want);
    let unit = |a: &Expr| matches!(a, Expr::Unit(_));
    let [x, y] = f.args.as_slice() else {
        return false;
    };
    match f.name.as_str() {
        "==" => (type_of(x) && text(y, "map")) || (type_of(y) && text(x, "map")),
        "!=" => {
            (type_of(x) && text(y, "()"))
                || (type_of(y) && text(x, "()"))
                || (review(x) && unit(y))
                || (review(y) && unit(x))
        }
        "contains" => review(x),
        _ => false,
    }
}

/// Any `type_of(review)`, however used (for the warning, not the guard).
fn mentions_review_type(e: &Expr) -> bool {
    matches!(e, Expr::FnCall(t, _) if t.name == "type_of"
        && matches!(t.args.first(), Some(Expr::Variable(v, ..)) if v.1 == "review"))
}

/// `e` is a call of method `name` (`x.contains(…)`).
pub(super) fn is_method(e: &Expr, name: &str) -> bool {
    matches!(e, Expr::MethodCall(f, _) if f.name == name)
}

/// `e` is the input variable `name`, not one the script declares.
pub(super) fn is_var(e: &Expr, name: &str, scan: &Scan) -> bool {
    matches!(e, Expr::Variable(v, ..) if v.1 == name) && !scan.shadows(name)
}
