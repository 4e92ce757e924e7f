//! Commissions, written from docs/policy.md (Commissions, Plan inputs,
//! Rounding point 8b, "Refunds and clawbacks" — its first case only: a
//! refund of a deal the run credits lowers the credit) and docs/data.md
//! (transactions, refunds, employees' input columns). Single runs only:
//! `ytd`, `pay_every`, `draw` and `clawback` are outside the subset.
//!
//! How it is computed (docs/policy.md, "How it is computed"): the credited
//! amount A (Σ amount × share ÷ 100 over the employee's rows in the period
//! that the filters keep, each deal's amount less its refunds dated up to
//! the period's end; or the KPI's actual), the quota Q (attainment only,
//! more than 0), the rate table with the bounds in money (× Q), the caps and
//! one rounding to money_places (per period, or per deal then summed).

use super::data::{Data, Employee, Txn};
use super::kpi::{Ctx, Stop};
use super::num::{self, Q};
use super::period::{Kind, Month, Period};
use super::policy::{self as yaml, Policy, Scope};
use num_traits::{Signed, Zero};
use serde_yaml::Value;

type R<T> = Result<T, String>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputType {
    Money,
    Decimal,
    Integer,
    Text,
}

/// A plan input (docs/policy.md, Plan inputs): a column of the employees
/// table.
#[derive(Clone, Debug)]
pub struct Input {
    pub id: String,
    pub kind: InputType,
    pub required: bool,
}

#[derive(Clone, Debug)]
pub enum On {
    /// `None`: no filter on that column.
    Transactions {
        products: Option<Vec<String>>,
        territories: Option<Vec<String>>,
    },
    Kpi(String),
}

#[derive(Clone, Debug)]
pub enum Quota {
    Input(String),
    Fixed(Q),
    Kpi(String),
}

/// A rate step `[from, to)`; bounds in attainment or money.
#[derive(Clone, Debug)]
pub struct Rate {
    pub from: Q,
    pub to: Option<Q>,
    pub rate: Q,
}

#[derive(Clone, Debug)]
pub struct Commission {
    pub id: String,
    /// `None`: every role.
    pub roles: Option<Vec<String>>,
    pub on: On,
    pub per_deal: bool,
    pub quota: Option<Quota>,
    /// `rates.basis: attainment` (else `amount`).
    pub attainment: bool,
    /// `rates.mode: marginal` (else `whole_amount`).
    pub marginal: bool,
    pub steps: Vec<Rate>,
    pub cap_deal: Option<Q>,
    pub cap_period: Option<Q>,
}

impl Commission {
    pub fn earns(&self, role: &str) -> bool {
        self.roles
            .as_ref()
            .is_none_or(|r| r.iter().any(|x| x == role))
    }

    /// Whether the filters keep a row: exact matches; a row without the
    /// value does not pass a filter on it.
    pub fn keeps(&self, t: &Txn) -> bool {
        let On::Transactions {
            products,
            territories,
        } = &self.on
        else {
            return false;
        };
        let pass = |f: &Option<Vec<String>>, v: &Option<String>| {
            f.as_ref()
                .is_none_or(|f| v.as_ref().is_some_and(|v| f.contains(v)))
        };
        pass(products, &t.product) && pass(territories, &t.territory)
    }

    /// The KPIs it reads (`on: kpi`, `quota: { kpi }`).
    pub fn kpis(&self) -> Vec<&str> {
        let mut v = vec![];
        if let On::Kpi(k) = &self.on {
            v.push(k.as_str());
        }
        if let Some(Quota::Kpi(k)) = &self.quota {
            v.push(k.as_str());
        }
        v
    }
}

/// One commission line of an employee.
#[derive(Clone, Debug)]
pub struct Line {
    pub id: String,
    pub amount: Q,
    /// The values met by the rounding (one per period, or one per deal).
    pub unrounded: Vec<Q>,
    /// A cap lowered it.
    pub capped: bool,
}

fn list(v: &Value) -> R<Vec<String>> {
    v.as_sequence()
        .ok_or("expected a list")?
        .iter()
        .map(yaml::text)
        .collect()
}

pub fn inputs(v: Option<&Value>) -> R<Vec<Input>> {
    let Some(v) = v else { return Ok(vec![]) };
    yaml::entries(v)?
        .into_iter()
        .map(|(id, body)| {
            Ok(Input {
                kind: match yaml::text(yaml::req(body, "type")?)?.as_str() {
                    "money" => InputType::Money,
                    "decimal" => InputType::Decimal,
                    "integer" => InputType::Integer,
                    "text" => InputType::Text,
                    t => return Err(format!("input type {t}")),
                },
                required: yaml::get(body, "required").is_none_or(|r| r.as_bool() == Some(true)),
                id,
            })
        })
        .collect()
}

/// `commissions:`; the stateful keys (`ytd`, `pay_every`, `draw`,
/// `clawback` …) are outside the subset.
pub fn commissions(top: &Value) -> R<Vec<Commission>> {
    for k in [
        "draw",
        "clawback",
        "recovery_percent",
        "year_end",
        "plan_year",
    ] {
        if yaml::get(top, k).is_some() {
            return Err(format!("{k}: stateful plans are outside the subset"));
        }
    }
    let Some(v) = yaml::get(top, "commissions") else {
        return Ok(vec![]);
    };
    v.as_sequence()
        .ok_or("commissions: expected a list")?
        .iter()
        .map(commission)
        .collect()
}

fn commission(v: &Value) -> R<Commission> {
    for k in ["ytd", "pay_every"] {
        if yaml::get(v, k).is_some() {
            return Err(format!("commission {k}: outside the subset"));
        }
    }
    let (on_key, on_v) = yaml::one_key(yaml::req(v, "on")?)?;
    let on = match on_key.as_str() {
        "transactions" => On::Transactions {
            products: yaml::get(on_v, "products").map(list).transpose()?,
            territories: yaml::get(on_v, "territories").map(list).transpose()?,
        },
        "kpi" => On::Kpi(yaml::text(on_v)?),
        k => return Err(format!("on: {k}")),
    };
    let quota = match yaml::get(v, "quota") {
        None => None,
        Some(q) => Some(match yaml::one_key(q)? {
            (k, x) if k == "input" => Quota::Input(yaml::text(x)?),
            (k, x) if k == "fixed" => Quota::Fixed(yaml::number(x)?),
            (k, x) if k == "kpi" => Quota::Kpi(yaml::text(x)?),
            (k, _) => return Err(format!("quota: {k}")),
        }),
    };
    let rates = yaml::req(v, "rates")?;
    let word = |k| -> R<String> { yaml::text(yaml::req(rates, k)?) };
    let cap = yaml::get(v, "cap");
    let capn = |k| {
        cap.and_then(|c| yaml::get(c, k))
            .map(yaml::number)
            .transpose()
    };
    Ok(Commission {
        id: yaml::text(yaml::req(v, "id")?)?,
        roles: yaml::get(v, "roles").map(list).transpose()?,
        on,
        per_deal: match yaml::get(v, "per") {
            None => false,
            Some(p) => match yaml::text(p)?.as_str() {
                "deal" => true,
                "period" => false,
                p => return Err(format!("per: {p}")),
            },
        },
        quota,
        attainment: match word("basis")?.as_str() {
            "attainment" => true,
            "amount" => false,
            b => return Err(format!("basis: {b}")),
        },
        marginal: match word("mode")?.as_str() {
            "marginal" => true,
            "whole_amount" => false,
            m => return Err(format!("mode: {m}")),
        },
        steps: yaml::req(rates, "steps")?
            .as_sequence()
            .ok_or("steps: list")?
            .iter()
            .map(|s| {
                Ok(Rate {
                    from: yaml::number(yaml::req(s, "from")?)?,
                    to: yaml::get(s, "to").map(yaml::number).transpose()?,
                    rate: yaml::number(yaml::req(s, "rate")?)?,
                })
            })
            .collect::<R<_>>()?,
        cap_deal: capn("per_deal")?,
        cap_period: capn("per_period")?,
    })
}

/// What `merit check` refuses (docs/policy.md, Commissions and Plan
/// inputs). The reference does not model how merit refuses a policy: such
/// a policy is outside its subset (the generator never writes one).
pub fn check(p: &Policy) -> R<()> {
    let mut ids = vec![];
    for c in &p.commissions {
        let bad = |why: &str| Err(format!("commission {}: {why}", c.id));
        if ids.contains(&&c.id) {
            return bad("id twice");
        }
        ids.push(&c.id);
        let roles: Vec<&String> = match &c.roles {
            Some(r) => r.iter().collect(),
            None => p.roles.keys().collect(),
        };
        if roles.iter().any(|r| !p.roles.contains_key(*r)) {
            return bad("unknown role");
        }
        if c.per_deal && (c.attainment || matches!(c.on, On::Kpi(_))) {
            return bad("per: deal needs on: transactions and basis: amount");
        }
        if c.cap_deal.is_some() && !c.per_deal {
            return bad("cap.per_deal without per: deal");
        }
        if c.cap_period
            .as_ref()
            .is_some_and(|x| !num::has_places(x, p.rounding.money))
        {
            return bad("cap.per_period with more than money_places decimals");
        }
        if c.quota.is_some() != c.attainment {
            return bad("quota iff basis attainment");
        }
        steps(&c.steps).map_err(|e| format!("commission {}: {e}", c.id))?;
        if let On::Transactions {
            products,
            territories,
        } = &c.on
        {
            if [products, territories]
                .iter()
                .any(|f| f.as_ref().is_some_and(Vec::is_empty))
            {
                return bad("an empty filter list");
            }
        }
        for k in c.kpis() {
            let kpi = p.kpis.iter().find(|x| x.id == k).ok_or("unknown kpi")?;
            // `on: kpi`: an individual KPI every role of the commission
            // weighs (weight 0 allowed). Assumption: the same for `quota: {kpi}`.
            let weighed = roles
                .iter()
                .all(|r| p.roles[*r].weights.iter().any(|(w, _)| w == k));
            if kpi.scope != Scope::Individual || !weighed {
                return bad("kpi not individual or not weighed by its roles");
            }
        }
        if let Some(Quota::Input(i)) = &c.quota {
            let input = p
                .inputs
                .iter()
                .find(|x| &x.id == i)
                .ok_or("unknown input")?;
            if input.kind == InputType::Text {
                return bad("a text input as quota");
            }
        }
    }
    Ok(())
}

/// Steps: the first starts at 0, each `to` is the next `from` and above
/// it, only the last has no `to`; rates not negative.
fn steps(s: &[Rate]) -> R<()> {
    if s.is_empty() || !s[0].from.is_zero() {
        return Err("steps must start at 0".into());
    }
    for (i, st) in s.iter().enumerate() {
        if st.rate.is_negative() {
            return Err("negative rate".into());
        }
        match (&st.to, s.get(i + 1)) {
            (Some(t), Some(next)) if *t == next.from && *t > st.from => {}
            (None, None) => {}
            _ => return Err(format!("step {i}: gap, overlap or bad bound")),
        }
    }
    Ok(())
}

/// The rate table on amount `a`, bounds × `q` (attainment) or as written.
pub fn rate_table(c: &Commission, a: &Q, q: Option<&Q>) -> Q {
    let money = |b: &Q| q.map_or_else(|| b.clone(), |q| b * q);
    if c.marginal {
        c.steps.iter().fold(num::zero(), |acc, s| {
            let top =
                s.to.as_ref()
                    .map_or_else(|| a.clone(), |t| num::min(money(t), a.clone()));
            let part = top - money(&s.from);
            if part.is_positive() {
                acc + part * &s.rate
            } else {
                acc
            }
        })
    } else {
        c.steps
            .iter()
            .find(|s| &money(&s.from) <= a && s.to.as_ref().is_none_or(|t| a < &money(t)))
            .map_or_else(num::zero, |s| a * &s.rate)
    }
}

pub fn month_of(d: super::period::Date) -> Month {
    Month { y: d.y, m: d.m }
}

/// The employee's credited parts of the deals of `period` the commission
/// keeps, by deal id: (amount − refunds dated up to the period's end) ×
/// share ÷ 100.
pub fn credited(d: &Data, c: &Commission, employee: &str, period: Period) -> Vec<(String, Q)> {
    let end = period.end_date();
    d.transactions
        .iter()
        .filter(|t| t.employee == employee && period.contains(month_of(t.date)) && c.keeps(t))
        .map(|t| {
            let refunded = d
                .refunds
                .iter()
                .filter(|r| r.deal == t.deal && r.date <= end)
                .fold(num::zero(), |a, r| a + &r.amount);
            let share = t.share.clone().unwrap_or_else(|| num::int(100));
            (
                t.deal.clone(),
                (&t.amount - refunded) * share / num::int(100),
            )
        })
        .collect()
}

impl Ctx<'_> {
    fn yfq(&self, period: Period) -> bool {
        period.kind == Kind::Year && self.p.year_from_quarters.is_some()
    }

    /// The employee's commission lines; `None` for a plan without
    /// commissions. Every commission the role earns is listed, 0 included.
    pub fn commissions(&self, e: &Employee, period: Period) -> Result<Option<Vec<Line>>, Stop> {
        if self.p.commissions.is_empty() {
            return Ok(None);
        }
        let mut out = vec![];
        for c in self.p.commissions.iter().filter(|c| c.earns(&e.role)) {
            out.push(self.commission(c, e, period)?);
        }
        Ok(Some(out))
    }

    fn quota(&self, c: &Commission, e: &Employee, period: Period) -> Result<Option<Q>, Stop> {
        let Some(src) = &c.quota else { return Ok(None) };
        let q = match src {
            Quota::Fixed(q) => q.clone(),
            Quota::Input(i) => self
                .d
                .inputs
                .get(&(e.id.clone(), i.clone()))
                .and_then(|s| num::dec(s))
                .ok_or_else(|| format!("{}: no value of input {i}", e.id))?,
            // a year from quarters has no year value of the KPI
            Quota::Kpi(_) if self.yfq(period) => {
                return Err(format!(
                    "commission {}: quota kpi in a year from quarters",
                    c.id
                ))
            }
            Quota::Kpi(k) => self.value(self.p.kpi(k), e, period)?.target,
        };
        if !q.is_positive() {
            return Err(format!(
                "commission {}: quota of {} is not above 0",
                c.id, e.id
            ));
        }
        Ok(Some(q))
    }

    fn commission(&self, c: &Commission, e: &Employee, period: Period) -> Result<Line, Stop> {
        let r = &self.p.rounding;
        let round = |x: &Q| num::round(x, r.money, r.mode);
        let capped = |x: Q, cap: &Option<Q>| match cap {
            Some(m) if &x > m => (m.clone(), true),
            _ => (x, false),
        };
        let quota = self.quota(c, e, period)?;
        let mut line = Line {
            id: c.id.clone(),
            amount: num::zero(),
            unrounded: vec![],
            capped: false,
        };
        if c.per_deal {
            let mut sum = num::zero();
            for (_, part) in credited(self.d, c, &e.id, period) {
                let (x, hit) = capped(rate_table(c, &part, None), &c.cap_deal);
                line.capped |= hit;
                sum += round(&x);
                line.unrounded.push(x);
            }
            let (x, hit) = capped(sum, &c.cap_period);
            line.capped |= hit;
            line.amount = x;
            return Ok(line);
        }
        let a = match &c.on {
            On::Kpi(_) if self.yfq(period) => {
                return Err(format!(
                    "commission {}: on kpi in a year from quarters",
                    c.id
                ))
            }
            On::Kpi(k) => {
                let a = self.value(self.p.kpi(k), e, period)?.actual;
                if a.is_negative() {
                    return Err(format!("commission {}: negative actual for {}", c.id, e.id));
                }
                a
            }
            On::Transactions { .. } => credited(self.d, c, &e.id, period)
                .into_iter()
                .fold(num::zero(), |s, (_, x)| s + x),
        };
        let (x, hit) = capped(rate_table(c, &a, quota.as_ref()), &c.cap_period);
        line.capped = hit;
        line.amount = round(&x);
        line.unrounded.push(x);
        Ok(line)
    }
}
