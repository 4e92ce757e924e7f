//! Static checks of conditions and bonus scripts against what the policy
//! provides, so `check` finds what `run` would otherwise find (or, worse,
//! silently compute): a misspelt KPI or key, a band or role that does not
//! exist, a comparison between a number and text (Rhai answers `false`
//! whatever the values), an assignment to an input, and a read of a KPI or
//! of the review that some role does not provide, without a guard.

use super::lint_guard::{
    guarded, is_kpi_guard, is_method, is_review_assert, is_role_test, is_var, Scan,
};
use super::model::Policy;
use crate::error::hint;
use rhai::{ASTNode, Expr, FnCallExpr, Position, Stmt, AST};

/// What a condition or bonus script can read, from the policy.
pub struct Names<'p> {
    policy: &'p Policy,
    /// `payout` exists (conditions, not the bonus script).
    payout: bool,
}

/// A problem at a position in the script's own text.
#[derive(Debug)]
pub struct Finding {
    pub pos: Position,
    pub message: String,
    /// Not certain: the script tests the KPI, the review or the role
    /// somewhere this check cannot follow (`let has = "x" in kpi; if has …`).
    pub warning: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Number,
    Text,
    Flag,
    Other,
}

impl Ty {
    fn say(self) -> &'static str {
        match self {
            Ty::Number => "a number",
            Ty::Text => "text",
            Ty::Flag => "true/false",
            Ty::Other => "a value",
        }
    }
}

/// The keys of each `kpi.*` entry scripts and conditions see.
pub const KPI_KEYS: [&str; 6] = [
    "actual",
    "target",
    "achievement",
    "score",
    "weight",
    "contribution",
];
/// The keys of `review`.
pub const REVIEW_KEYS: [&str; 3] = ["rating", "score", "weight"];
/// The keys of `period`.
pub const PERIOD_KEYS: [&str; 6] = ["label", "kind", "months", "days", "start", "end"];
/// The keys of `employee.*` besides the policy's inputs.
pub const EMPLOYEE_KEYS: [&str; 11] = [
    "id",
    "name",
    "department",
    "role",
    "base_salary",
    "target_bonus_pct",
    "target_bonus",
    "hire_date",
    "termination_date",
    "days_employed",
    "tenure_months",
];
const PAYOUT_KEYS: [&str; 4] = ["bonus", "project_bonus", "commission", "total"];
const READ_ONLY: [&str; 7] = [
    "employee", "kpi", "review", "period", "score", "rating", "payout",
];

impl<'p> Names<'p> {
    pub fn condition(policy: &'p Policy) -> Self {
        Names {
            policy,
            payout: true,
        }
    }
    pub fn bonus(policy: &'p Policy) -> Self {
        Names {
            policy,
            payout: false,
        }
    }

    /// Every finding in `ast`, in the order of the text.
    pub fn check(&self, ast: &AST, conditions: bool) -> Vec<Finding> {
        let scan = Scan::of(ast);
        let mut out = Vec::new();
        scan.each_node(ast, &mut |path: &[ASTNode]| {
            match path.last() {
                Some(ASTNode::Expr(e)) => self.expr(e, (path, &scan), &mut out),
                Some(ASTNode::Stmt(Stmt::FnCall(f, pos))) => self.call(f, *pos, &scan, &mut out),
                Some(ASTNode::Stmt(Stmt::Assignment(a))) if conditions => {
                    if let Some((root, pos)) = chain(&a.1.lhs).first() {
                        if READ_ONLY.contains(&root.as_str()) && !scan.shadows(root) {
                            out.push(Finding {
                                pos: *pos,
                                warning: false,
                                message: format!(
                                    "a condition cannot change '{root}'; to compare, write '=='"
                                ),
                            });
                        }
                    }
                }
                _ => {}
            }
            true
        });
        out.sort_by_key(|f| (f.pos.line(), f.pos.position()));
        out.dedup_by(|a, b| a.pos == b.pos && a.message == b.message);
        out
    }

    fn expr(&self, e: &Expr, at: (&[ASTNode], &Scan), out: &mut Vec<Finding>) {
        match e {
            Expr::Dot(b, ..) if is_method(&b.rhs, "contains") && is_var(&b.lhs, "kpi", at.1) => {
                // kpi.contains("x")
                if let Expr::MethodCall(f, _) = &b.rhs {
                    if let Some(Expr::StringConstant(s, pos)) = f.args.first() {
                        self.kpi_id(s, *pos, out);
                    }
                }
            }
            Expr::Dot(b, ..) | Expr::Index(b, ..) if matches!(b.lhs, Expr::Variable(..)) => {
                self.read(&chain(e), at, out)
            }
            Expr::FnCall(f, pos) => self.call(f, *pos, at.1, out),
            _ => {}
        }
    }

    /// A call, as an expression or (at the top of a condition) a statement.
    fn call(&self, f: &FnCallExpr, pos: Position, scan: &Scan, out: &mut Vec<Finding>) {
        if f.args.len() != 2 {
            return;
        }
        if is_comparison(&f.name) {
            self.compare(&f.args[0], &f.args[1], pos, scan, out)
        } else if f.name == "contains" {
            match (&f.args[0], &f.args[1]) {
                (v, Expr::StringConstant(s, pos)) if is_var(v, "kpi", scan) => {
                    self.kpi_id(s, *pos, out);
                }
                // rating in ["S", "A"], employee.role in [...]
                (Expr::Array(items, _), x) => {
                    for item in items.iter() {
                        self.compare(x, item, pos, scan, out);
                    }
                }
                // an array of constants is folded into one value
                (Expr::DynamicConstant(d, apos), x) if d.is_array() => {
                    for item in d.clone().into_array().unwrap_or_default() {
                        if let Ok(s) = item.into_immutable_string() {
                            self.compare(x, &Expr::StringConstant(s, *apos), pos, scan, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn kpi_id(&self, id: &str, pos: Position, out: &mut Vec<Finding>) -> bool {
        let ids = self.policy.kpis.iter().map(|k| k.id.as_str());
        if self.policy.kpis.iter().any(|k| k.id == id) {
            return true;
        }
        out.push(Finding {
            pos,
            warning: false,
            message: format!("there is no KPI '{id}'{}", hint(id, ids)),
        });
        false
    }

    /// `root.a.b…`: each name must exist, and a KPI or the review that some
    /// role does not provide must be guarded.
    fn read(&self, c: &[(String, Position)], at: (&[ASTNode], &Scan), out: &mut Vec<Finding>) {
        let [(root, _), (key, pos), rest @ ..] = c else {
            return;
        };
        if at.1.shadows(root) {
            return;
        }
        let bad = |keys: &[&str], what: &str, out: &mut Vec<Finding>| {
            if !keys.contains(&key.as_str()) {
                out.push(Finding {
                    pos: *pos,
                    warning: false,
                    message: format!(
                        "{what} has no '{key}'{}; it has: {}",
                        hint(key, keys.iter().copied()),
                        keys.join(", ")
                    ),
                });
            }
        };
        match root.as_str() {
            "kpi" => {
                if !self.kpi_id(key, *pos, out) {
                    return;
                }
                if let Some((field, fpos)) = rest.first() {
                    if !KPI_KEYS.contains(&field.as_str()) {
                        out.push(Finding {
                            pos: *fpos,
                            warning: false,
                            message: format!(
                                "a KPI has no '{field}'{}; it has: {}",
                                hint(field, KPI_KEYS),
                                KPI_KEYS.join(", ")
                            ),
                        });
                    }
                }
                self.kpi_guarded(key, *pos, at, out);
            }
            "employee" => {
                let mut keys: Vec<&str> = EMPLOYEE_KEYS.to_vec();
                keys.extend(self.policy.inputs.keys().map(String::as_str));
                bad(&keys, "employee", out);
            }
            "review" => {
                bad(&REVIEW_KEYS, "review", out);
                self.review_guarded(*pos, at, out);
            }
            "period" => bad(&PERIOD_KEYS, "period", out),
            "payout" if self.payout => bad(&PAYOUT_KEYS, "payout", out),
            _ => {}
        }
    }

    /// Roles whose `kpi` lacks `id` (roles with a weights script may weigh
    /// anything, so they are not counted).
    fn roles_without(&self, id: &str) -> Vec<&'p str> {
        let p = self.policy;
        p.roles
            .iter()
            .filter(|(_, r)| r.weights_script.is_none() && !r.weights.contains_key(id))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    fn kpi_guarded(
        &self,
        id: &str,
        pos: Position,
        at: (&[ASTNode], &Scan),
        out: &mut Vec<Finding>,
    ) {
        let (path, scan) = at;
        let lacking = self.roles_without(id);
        if lacking.is_empty() || guarded(path, &|e| is_kpi_guard(e, id) || is_role_test(e)) {
            return;
        }
        let unsure = scan.elsewhere(path, |t| t.role || t.strings.contains(id));
        let quoted: Vec<String> = lacking.iter().map(|r| format!("'{r}'")).collect();
        let who = match quoted.split_last() {
            Some((last, [])) => format!("role {last} does not weigh '{id}', so its employees have"),
            Some((last, init)) => format!(
                "roles {} and {last} do not weigh '{id}', so their employees have",
                init.join(", ")
            ),
            None => return,
        };
        out.push(Finding {
            pos,
            message: format!("{who} no kpi.{id}; guard the read: \"{id}\" in kpi && …"),
            warning: unsure,
        });
    }

    fn review_guarded(&self, pos: Position, at: (&[ASTNode], &Scan), out: &mut Vec<Finding>) {
        let (path, scan) = at;
        let p = self.policy;
        let without: Vec<&str> = p
            .roles
            .iter()
            .filter(|(_, r)| r.review_weight.0.is_zero())
            .map(|(n, _)| n.as_str())
            .collect();
        let may_miss = p
            .review
            .as_ref()
            .is_some_and(|r| matches!(r.missing, super::model::MissingReview::Renormalize));
        if (without.is_empty() && !may_miss)
            || guarded(path, &|e| is_review_assert(e) || is_role_test(e))
        {
            return;
        }
        let why = match without.first() {
            Some(r) => format!("role '{r}' has no review (review_weight 0)"),
            None => "an employee without a rating has none (missing: renormalize)".into(),
        };
        out.push(Finding {
            pos,
            warning: scan.elsewhere(path, |t| t.role || t.review),
            message: format!(
                "{why}, so review is () there; guard the read: type_of(review) == \"map\" && …"
            ),
        });
    }

    fn compare(&self, a: &Expr, b: &Expr, pos: Position, scan: &Scan, out: &mut Vec<Finding>) {
        if [a, b]
            .iter()
            .any(|e| chain(e).first().is_some_and(|(r, _)| scan.shadows(r)))
        {
            return;
        }
        let (ta, tb) = (self.ty(a), self.ty(b));
        if ta != Ty::Other && tb != Ty::Other && ta != tb {
            out.push(Finding {
                pos,
                warning: false,
                message: format!(
                    "compares {} with {}: Rhai answers false for values of different types, whatever they are",
                    ta.say(),
                    tb.say()
                ),
            });
            return;
        }
        for (x, y) in [(a, b), (b, a)] {
            let Expr::StringConstant(s, spos) = y else {
                continue;
            };
            let names = chain(x);
            let names: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
            let (what, known): (&str, Vec<&str>) = match names.as_slice() {
                ["rating"] => (
                    "rating band",
                    self.policy
                        .rating_bands
                        .iter()
                        .map(|b| b.band.as_str())
                        .collect(),
                ),
                ["employee", "role"] => (
                    "role",
                    self.policy.roles.keys().map(String::as_str).collect(),
                ),
                _ => continue,
            };
            if !known.contains(&s.as_str()) {
                out.push(Finding {
                    pos: *spos,
                    warning: false,
                    message: format!(
                        "there is no {what} '{s}'{}; there are: {}",
                        hint(s, known.iter().copied()),
                        known.join(", ")
                    ),
                });
            }
        }
    }

    /// The type of a value whose type the policy fixes, else `Other`.
    fn ty(&self, e: &Expr) -> Ty {
        match e {
            Expr::IntegerConstant(..) => return Ty::Number,
            Expr::DynamicConstant(d, _) if d.is_decimal() || d.is_int() => return Ty::Number,
            Expr::StringConstant(..) => return Ty::Text,
            Expr::BoolConstant(..) => return Ty::Flag,
            _ => {}
        }
        let c = chain(e);
        let names: Vec<&str> = c.iter().map(|(n, _)| n.as_str()).collect();
        match names.as_slice() {
            ["score"] => Ty::Number,
            ["rating"] => Ty::Text,
            ["kpi", _, f] if KPI_KEYS.contains(f) => Ty::Number,
            ["review", "rating" | "score" | "weight"] => Ty::Number,
            ["payout", _] if self.payout => Ty::Number,
            ["period", "months" | "days"] => Ty::Number,
            ["period", "label" | "kind" | "start" | "end"] => Ty::Text,
            ["employee", f] => self.employee_ty(f),
            _ => Ty::Other,
        }
    }

    fn employee_ty(&self, f: &str) -> Ty {
        use super::plan::InputType as I;
        match f {
            "id" | "name" | "department" | "role" | "hire_date" | "termination_date" => Ty::Text,
            "base_salary" | "target_bonus_pct" | "target_bonus" | "days_employed"
            | "tenure_months" => Ty::Number,
            _ => match self.policy.inputs.get(f).map(|i| i.kind) {
                Some(I::Money | I::Decimal | I::Integer) => Ty::Number,
                Some(I::Text | I::Date) => Ty::Text,
                Some(I::Flag) => Ty::Flag,
                None => Ty::Other,
            },
        }
    }
}

pub(super) fn is_comparison(name: &str) -> bool {
    matches!(name, "==" | "!=" | "<" | "<=" | ">" | ">=")
}

/// `root.a.b` or `root["a"].b` as names with positions; stops at anything
/// else (a method call, a computed index).
pub(super) fn chain(e: &Expr) -> Vec<(String, Position)> {
    let mut out = Vec::new();
    fn walk(e: &Expr, out: &mut Vec<(String, Position)>) -> bool {
        match e {
            Expr::Variable(v, _, pos) => {
                out.push((v.1.to_string(), *pos));
                true
            }
            Expr::Property(p, pos) => {
                out.push((p.2.to_string(), *pos));
                true
            }
            Expr::Dot(b, ..) => walk(&b.lhs, out) && walk(&b.rhs, out),
            Expr::Index(b, ..) => {
                walk(&b.lhs, out)
                    && match &b.rhs {
                        Expr::StringConstant(s, pos) => {
                            out.push((s.to_string(), *pos));
                            true
                        }
                        Expr::Index(..) | Expr::Dot(..) => walk(&b.rhs, out),
                        _ => false,
                    }
            }
            _ => false,
        }
    }
    walk(e, &mut out);
    out
}

#[cfg(test)]
#[path = "lint_tests.rs"]
mod tests;
