//! Stage: bonus — the policy's Rhai formula over namespaced inputs, then the
//! cap, proration for partial periods and money rounding; plus approved
//! project bonuses.
//!
//! Order (documented in docs/policy.md): formula → cap (a multiple of the
//! full-period target bonus) → × days employed ÷ days in period → round to
//! the policy's money places in its mode.

use super::{inputs, EmployeeResult, KpiLine};
use crate::data::{Data, Employee};
use crate::decimal::round_fixed;
use crate::exact::{exact_mul, Exact, Num};
use crate::period::Period;
use crate::policy::Policy;
use crate::script::dec;
use rhai::{Dynamic, Map, Scope};
use rust_decimal::Decimal;

/// The employee's FTE from the policy's `bonus.fte` input.
pub fn fte(policy: &Policy, e: &Employee, name: &str) -> Option<Decimal> {
    e.input(policy, name)
        .and_then(crate::data::InputValue::number)
}

/// Days the employee is employed inside the period (all of it for a span:
/// what scripts see as `employee.days_employed`).
pub fn days_employed(e: &Employee, period: &Period) -> i64 {
    days_of(e.employment_in(period))
}

/// The days proration counts: those of the span, for a span; else
/// [`days_employed`].
pub fn span_days(e: &Employee, period: &Period) -> i64 {
    days_of(e.employed_in(period))
}

/// Days from the first to the last, both included; 0 when none.
fn days_of((start, end): (chrono::NaiveDate, chrono::NaiveDate)) -> i64 {
    ((end - start).num_days() + 1).max(0)
}

/// The period's share of the annual target bonus, exact:
/// base salary × target bonus % × months ÷ 1200.
pub fn target_bonus_exact(e: &Employee, period: &Period) -> Num {
    let months = Decimal::from(period.len);
    let den = Exact::from(Decimal::from(1200));
    match (&e.base_salary_exact, e.target_bonus_pct.checked_mul(months)) {
        (Num::Dec(b), Some(pct_months)) => Num::mul_div(*b, pct_months, Decimal::from(1200)),
        // Exact at any size (a huge percentage overflows a decimal); a
        // result too large for money is refused where it is summed.
        (b, _) => Num::Exact(b.exact() * e.target_bonus_pct * months / den).simplified(),
    }
}

/// [`target_bonus_exact`] for display (exact unless it has no finite decimal form).
pub fn target_bonus(e: &Employee, period: &Period) -> Decimal {
    target_bonus_exact(e, period).approx()
}

/// How a script reads one of its map variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Use {
    Unused,
    /// Only these keys, each read as `name.key`.
    Only(Vec<String>),
    All,
}

impl Use {
    pub fn wants(&self, key: &str) -> bool {
        match self {
            Use::Unused => false,
            Use::Only(keys) => keys.iter().any(|k| k == key),
            Use::All => true,
        }
    }

    /// One more use: `Some(key)` for `name.key`, `None` for any other.
    fn add(&mut self, key: Option<&str>) {
        *self = match (std::mem::replace(self, Use::Unused), key) {
            (Use::All, _) | (_, None) => Use::All,
            (Use::Unused, Some(k)) => Use::Only(vec![k.to_owned()]),
            (Use::Only(mut ks), Some(k)) => {
                if !ks.iter().any(|x| x == k) {
                    ks.push(k.to_owned());
                }
                Use::Only(ks)
            }
        };
    }
}

pub use crate::policy::lint::{KPI_KEYS, PERIOD_KEYS, REVIEW_KEYS};

/// The inputs a bonus script can read, found from its text. With strict
/// variables and no `eval`, a variable whose name never appears in the text
/// cannot be read, so it is not built for every employee; a map read only
/// as `name.key` (a known key, not a method call) gets only those keys.
/// Any other use — indexing, iteration, passing the map on, a comment or
/// string that mentions it — takes the whole map, so the scan can only
/// ever build more than needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptInputs {
    pub employee: Use,
    /// KPI ids of the `kpi` map.
    pub kpi: Use,
    /// Keys of each KPI's map (`kpi.gmv.achievement`).
    pub kpi_keys: Use,
    pub review: Use,
    pub period: Use,
    pub score: bool,
    pub rating: bool,
}

impl ScriptInputs {
    pub fn all() -> ScriptInputs {
        ScriptInputs {
            employee: Use::All,
            kpi: Use::All,
            kpi_keys: Use::All,
            review: Use::All,
            period: Use::All,
            score: true,
            rating: true,
        }
    }

    pub fn of(text: &str, kpi_ids: &[&str]) -> ScriptInputs {
        let b = text.as_bytes();
        let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let skip_space = |mut i: usize| {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            i
        };
        // `.key` after position `i` when `key` is one of `keys` and not a
        // method call: the key and the position after it.
        let member = |i: usize, keys: &[&str]| -> Option<(usize, usize)> {
            let dot = skip_space(i);
            if b.get(dot) != Some(&b'.') {
                return None;
            }
            let start = skip_space(dot + 1);
            let mut end = start;
            while end < b.len() && ident(b[end]) {
                end += 1;
            }
            let key = keys.iter().position(|k| *k == &text[start..end])?;
            // Not a method call; a comment here could hide one (`x.f /**/ ()`).
            let at = skip_space(end);
            let comment = b.get(at) == Some(&b'/') && matches!(b.get(at + 1), Some(b'/' | b'*'));
            (b.get(at) != Some(&b'(') && !comment).then_some((key, end))
        };
        let mut inputs = ScriptInputs {
            employee: Use::Unused,
            kpi: Use::Unused,
            kpi_keys: Use::Unused,
            review: Use::Unused,
            period: Use::Unused,
            score: false,
            rating: false,
        };
        let mut i = 0;
        while i < b.len() {
            if !ident(b[i]) || (i > 0 && ident(b[i - 1])) {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && ident(b[i]) {
                i += 1;
            }
            let key = |keys: &[&'static str]| member(i, keys).map(|(k, _)| keys[k]);
            match &text[start..i] {
                "employee" => inputs.employee.add(key(&inputs::EMPLOYEE_KEYS)),
                "review" => inputs.review.add(key(&REVIEW_KEYS)),
                "period" => inputs.period.add(key(&PERIOD_KEYS)),
                "score" => inputs.score = true,
                "rating" => inputs.rating = true,
                "kpi" => match member(i, kpi_ids) {
                    Some((k, end)) => {
                        inputs.kpi.add(Some(kpi_ids[k]));
                        inputs
                            .kpi_keys
                            .add(member(end, &KPI_KEYS).map(|(f, _)| KPI_KEYS[f]));
                    }
                    None => {
                        inputs.kpi.add(None);
                        inputs.kpi_keys.add(None);
                    }
                },
                _ => {}
            }
        }
        inputs
    }
}

/// What a run's bonus script reads, resolved to flags by position once, so
/// filling a scope per employee compares no text and builds only those maps.
pub struct Inputs<'a> {
    policy: &'a crate::policy::Policy,
    kpi_ids: &'a [&'a str],
    period: &'a Period,
    employee: Option<[bool; 11]>,
    /// Per policy KPI.
    kpi: Option<Vec<bool>>,
    kpi_keys: [bool; 6],
    review: Option<[bool; 3]>,
    /// The `period` map with only the wanted keys, the same for everyone.
    period_map: Option<Map>,
    score: bool,
    rating: bool,
    /// Pushed as constants, so one condition cannot change what the next sees.
    constant: bool,
}

impl<'a> Inputs<'a> {
    pub fn new(
        policy: &'a crate::policy::Policy,
        inputs: ScriptInputs,
        kpi_ids: &'a [&'a str],
        period: &'a Period,
    ) -> Inputs<'a> {
        fn flags<const N: usize>(u: &Use, keys: [&str; N]) -> Option<[bool; N]> {
            (*u != Use::Unused).then(|| keys.map(|k| u.wants(k)))
        }
        Inputs {
            policy,
            kpi_ids,
            period,
            employee: flags(&inputs.employee, inputs::EMPLOYEE_KEYS),
            kpi: (inputs.kpi != Use::Unused)
                .then(|| kpi_ids.iter().map(|k| inputs.kpi.wants(k)).collect()),
            kpi_keys: KPI_KEYS.map(|k| inputs.kpi_keys.wants(k)),
            review: flags(&inputs.review, REVIEW_KEYS),
            period_map: (inputs.period != Use::Unused).then(|| {
                inputs::period_map(period)
                    .into_iter()
                    .filter(|(k, _)| inputs.period.wants(k))
                    .collect()
            }),
            score: inputs.score,
            rating: inputs.rating,
            constant: false,
        }
    }

    /// The same inputs, filled as constants.
    pub fn as_constants(mut self) -> Self {
        self.constant = true;
        self
    }

    /// Refills `s` with one employee's inputs.
    pub fn fill(
        &self,
        s: &mut Scope<'static>,
        e: &Employee,
        r: &EmployeeResult,
        lines: &[KpiLine],
    ) {
        s.clear();
        let put = |s: &mut Scope<'static>, name: &'static str, v: Dynamic| {
            match self.constant {
                true => s.push_constant_dynamic(name, v),
                false => s.push_dynamic(name, v),
            };
        };
        if let Some(m) = &self.employee {
            let employee = inputs::employee_fields(self.policy, m, e, self.period, r.days_employed);
            put(s, "employee", Dynamic::from_map(employee));
        }
        if let Some(wanted) = &self.kpi {
            let kpi: Map = lines
                .iter()
                .filter(|l| wanted[l.kpi_ix()])
                .map(|l| {
                    let m = masked(KPI_KEYS, &self.kpi_keys, |i| {
                        dec(match i {
                            0 => l.actual,
                            1 => l.target,
                            2 => l.achievement,
                            3 => l.score,
                            4 => l.weight,
                            _ => l.contribution,
                        })
                    });
                    (self.kpi_ids[l.kpi_ix()].into(), Dynamic::from_map(m))
                })
                .collect();
            put(s, "kpi", Dynamic::from_map(kpi));
        }
        if let Some(m) = &self.review {
            let review = match &r.review {
                super::blend::ReviewUse::Rated {
                    rating,
                    score,
                    weight,
                    ..
                } => Dynamic::from_map(masked(REVIEW_KEYS, m, |i| {
                    dec([*rating, *score, *weight][i])
                })),
                _ => Dynamic::UNIT,
            };
            put(s, "review", review);
        }
        if let Some(p) = &self.period_map {
            put(s, "period", Dynamic::from_map(p.clone()));
        }
        if self.score {
            put(s, "score", dec(r.score));
        }
        if self.rating {
            put(s, "rating", Dynamic::from(r.band.clone()));
        }
    }
}

fn masked<const N: usize>(
    keys: [&'static str; N],
    mask: &[bool; N],
    value: impl Fn(usize) -> Dynamic,
) -> Map {
    (0..N)
        .filter(|&i| mask[i])
        .map(|i| (keys[i].into(), value(i)))
        .collect()
}

/// Cap, proration and rounding of the formula's result, exact until the
/// one rounding; fills the result's bonus fields. `None` when the bonus
/// does not fit a decimal.
pub fn finish(
    policy: &Policy,
    formula: &Num,
    target_bonus: &Num,
    r: &mut EmployeeResult,
    factor: (Decimal, Decimal),
) -> Option<()> {
    r.formula_bonus = formula.approx();
    let (num, den) = factor;
    r.proration = (num, den);
    let rounding = &policy.rounding;
    let multiple = policy.bonus.cap.as_ref().map(|c| c.target_multiple.0);
    // The common case in decimals: every value exact, nothing divided.
    if let (Num::Dec(f), Num::Dec(tb), true) = (formula, target_bonus, num == den) {
        if let Some(cap) = multiple.map_or(Some(None), |m| exact_mul(m, *tb).map(Some)) {
            r.cap = cap;
            let capped = cap.map_or(*f, |c| (*f).min(c));
            r.capped = capped != *f;
            r.bonus = match (policy.bonus.min_amount, policy.bonus.max_amount) {
                (None, None) => round_fixed(capped, rounding.money_places, rounding.mode),
                _ => limits(policy, Exact::from(capped), r)
                    .round(rounding.money_places, rounding.mode)?,
            };
            return Some(());
        }
    }
    let prorated = capped(policy, formula, target_bonus, r, factor) * num / Exact::from(den);
    r.bonus = limits(policy, prorated, r).round(rounding.money_places, rounding.mode)?;
    Some(())
}

/// The formula capped, exact (step 3), the proration factor recorded: a
/// span's amount before its factor (docs/policy.md, Mid-period changes).
pub fn capped(
    policy: &Policy,
    formula: &Num,
    target_bonus: &Num,
    r: &mut EmployeeResult,
    factor: (Decimal, Decimal),
) -> Exact {
    r.formula_bonus = formula.approx();
    r.proration = factor;
    let multiple = policy.bonus.cap.as_ref().map(|c| c.target_multiple.0);
    let formula = formula.exact();
    let cap = multiple.map(|m| target_bonus.exact() * m);
    // Shown as the decimal product where it is one (`1.5 × 7470 = 11205.0`).
    r.cap = cap.as_ref().map(|c| match (multiple, target_bonus) {
        (Some(m), Num::Dec(tb)) => exact_mul(m, *tb).unwrap_or_else(|| c.approx()),
        _ => c.approx(),
    });
    let capped = cap.map_or(formula.clone(), |c| formula.clone().min(c));
    r.capped = capped != formula;
    capped
}

/// `min_amount` raises a bonus above zero, `max_amount` lowers one, after
/// cap and proration (docs/policy.md, Qualifiers and money limits); a
/// change is recorded as (before, the limit).
pub(super) fn limits(policy: &Policy, v: Exact, r: &mut EmployeeResult) -> Exact {
    let before = v.clone();
    let mut v = v;
    if let Some(lo) = policy.bonus.min_amount {
        if !v.is_zero() && !v.is_negative() {
            v = v.max(Exact::from(lo.0));
        }
    }
    if let Some(hi) = policy.bonus.max_amount {
        v = v.min(Exact::from(hi.0));
    }
    if v != before {
        r.limited = Some((before.approx(), v.approx()));
    }
    v
}

/// Approved project bonuses of the period (rows whose period — a month,
/// quarter, half or year — ends in a month of the run's period), each
/// rounded to money places, and their sum; `None` when the sum does not fit
/// a decimal.
pub fn projects(
    policy: &Policy,
    data: &Data,
    (i, e): (usize, &Employee),
    period: &Period,
) -> Option<(Decimal, Vec<(String, Decimal)>)> {
    if !policy.bonus.project_bonuses {
        return Some((Decimal::ZERO, Vec::new()));
    }
    let items: Vec<(String, Decimal)> = (data.projects_of(i, &e.id).iter())
        // Paid by the run whose period holds the project period's last
        // month: once at any one cadence of runs.
        .filter(|p| {
            p.approved && Period::parse(&p.period).is_ok_and(|pp| period.contains(pp.last()))
        })
        .map(|p| (p.project.clone(), p.amount))
        .collect();
    // Each project bonus is rounded on its own, then summed.
    let (places, mode) = (policy.rounding.money_places, policy.rounding.mode);
    let items: Vec<(String, Decimal)> = items
        .into_iter()
        .map(|(p, a)| (p, round_fixed(a, places, mode)))
        .collect();
    let total = items
        .iter()
        .try_fold(Decimal::ZERO, |s, (_, a)| s.checked_add(*a))?;
    Some((round_fixed(total, places, mode), items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_inputs_are_found_from_the_text() {
        let ids = ["gmv", "uv", "len"];
        let i = ScriptInputs::of(
            "let m = switch rating { \"S\" => 1.2, _ => 1 };\nemployee.target_bonus * score / 100 * m + (if kpi.gmv.achievement > 1 { 1 } else { 0 })",
            &ids,
        );
        assert!(i.score && i.rating);
        assert_eq!(i.employee, Use::Only(vec!["target_bonus".into()]));
        assert_eq!(i.kpi, Use::Only(vec!["gmv".into()]));
        assert_eq!(i.kpi_keys, Use::Only(vec!["achievement".into()]));
        assert_eq!((i.review, i.period), (Use::Unused, Use::Unused));
        // Any other use of a map needs all of it.
        for text in [
            "kpi[\"gmv\"]",
            "kpi.keys()",
            "kpi .len()",
            "let k = kpi; 1",
            "kpi?.gmv",
            "kpi.gmv + kpi.other",
            "kpi.gmv /* a comment */ ()",
            "kpi.gmv // a comment\n()",
            "kpi /**/ .gmv",
        ] {
            assert_eq!(ScriptInputs::of(text, &ids).kpi, Use::All, "{text}");
        }
        let i = ScriptInputs::of(
            "let g = kpi.gmv; kpi . uv . score + employee.len() + period",
            &ids,
        );
        assert_eq!(i.kpi, Use::Only(vec!["gmv".into(), "uv".into()]));
        assert_eq!(i.kpi_keys, Use::All);
        assert_eq!((i.employee, i.period), (Use::All, Use::All));
        assert!(i.score);
        // A division after a key is no method call.
        let i = ScriptInputs::of("kpi.gmv.score / 100", &ids);
        assert_eq!(i.kpi, Use::Only(vec!["gmv".into()]));
        assert_eq!(i.kpi_keys, Use::Only(vec!["score".into()]));
        // Names inside longer identifiers are not uses.
        let i = ScriptInputs::of("my_employee_score + kpis", &ids);
        assert!(!i.score && i.employee == Use::Unused && i.kpi == Use::Unused);
    }
}
