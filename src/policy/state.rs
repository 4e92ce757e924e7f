//! Cross-period state (docs/policy.md, Year-to-date, draws and balances):
//! the plan year, draws and recovery. A plan with a `ytd` commission or a
//! draw is *stateful*: its runs form a chain (`merit run --after`).

use super::locate::Seg;
use super::model::Policy;
use super::validate::Ctx;
use crate::decimal::Dec;
use crate::error::Diagnostics;
use crate::period::Period;
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Deserialize;

/// When the plan year starts.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanYear {
    /// The month (1–12) the plan year starts (default January).
    #[serde(default = "january")]
    pub start_month: u32,
}

fn january() -> u32 {
    1
}

/// A draw: an advance on commissions, per month.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Draw {
    /// The draw per month: `{ input: ID }` or `{ fixed: AMOUNT }`.
    pub amount: DrawAmount,
    /// Whether a draw paid above the commissions is owed back.
    pub recoverable: bool,
    /// The roles that get it; absent: every role.
    pub roles: Option<Vec<String>>,
}

/// The draw per month, written as a one-key map.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawAmount {
    /// A money, decimal or integer input.
    pub input: Option<String>,
    /// The same amount for everyone.
    pub fixed: Option<Dec>,
}

/// Refunds recover what their deal paid, from the deal ledger
/// (`deals.csv`) the runs of the chain carry.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Clawback {
    /// A deal can be clawed back until the last day of the `months`-th
    /// month after the month of its date (1 to 120).
    #[schemars(range(min = 1, max = 120))]
    pub months: u32,
}

impl Clawback {
    /// The last day a refund of a deal dated `deal` recovers.
    pub fn window_end(&self, deal: NaiveDate) -> NaiveDate {
        let first = deal.with_day(1).unwrap_or(deal);
        first
            .checked_add_months(Months::new(self.months.saturating_add(1)))
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MAX)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum YearEnd {
    /// Written off.
    #[default]
    Forgive,
    /// Carried into the next plan year.
    Carry,
}

impl Draw {
    pub fn applies_to(&self, role: &str) -> bool {
        self.roles
            .as_ref()
            .is_none_or(|r| r.iter().any(|x| x == role))
    }
}

impl Policy {
    /// Whether runs of the plan carry state from one period to the next.
    pub fn is_stateful(&self) -> bool {
        self.draw.is_some() || self.clawback.is_some() || self.commissions.iter().any(|c| c.ytd)
    }

    /// The first day of the plan year `period` lies in, and whether the
    /// period is its first and its last; `Err` when the period crosses
    /// into the next plan year.
    pub fn plan_year(&self, period: &Period) -> Result<(NaiveDate, bool, bool), String> {
        let m = self.plan_year.as_ref().map_or(1, |p| p.start_month);
        let s = period.start();
        let year = if s.month() >= m {
            s.year()
        } else {
            s.year() - 1
        };
        // `check` keeps the month in 1–12.
        let start = NaiveDate::from_ymd_opt(year, m.clamp(1, 12), 1).unwrap_or(s);
        let next = start + Months::new(12);
        if period.end() >= next {
            return Err(format!(
                "the period {period} runs past the end of the plan year that starts {start}"
            ));
        }
        let last = period.end() + chrono::Days::new(1) == next;
        Ok((start, s == start, last))
    }

    /// Whether `period` ends on the last day of a quarter of its plan year.
    pub fn ends_plan_quarter(&self, period: &Period) -> bool {
        let start = self.plan_year.as_ref().map_or(1, |p| p.start_month);
        let last = period.end().month();
        (last + 12 - start.clamp(1, 12) + 1).is_multiple_of(3)
    }

    /// Whether what is owed is written off at the end of `period` (the
    /// plan year's last period with `year_end: forgive`).
    pub fn forgives_after(&self, period: &Period) -> bool {
        self.year_end == YearEnd::Forgive && self.plan_year(period).is_ok_and(|y| y.2)
    }

    /// At most this percent of a period's pay recovers what is owed.
    pub fn recovery_share(&self) -> Decimal {
        self.recovery_percent.map_or(Decimal::ONE_HUNDRED, |d| d.0)
    }
}

pub(super) fn check(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    if let Some(y) = &p.plan_year {
        if !(1..=12).contains(&y.start_month) {
            diags.push(ctx.error(
                &[Key("plan_year"), Key("start_month")],
                "start_month is a month, 1 to 12",
            ));
        }
    }
    if let Some(r) = p.recovery_percent {
        if r.0 <= Decimal::ZERO || r.0 > Decimal::ONE_HUNDRED {
            diags.push(ctx.error(
                &[Key("recovery_percent")],
                "recovery_percent is more than 0 and at most 100",
            ));
        }
    }
    for (i, c) in p.commissions.iter().enumerate() {
        let at = [Key("commissions"), Index(i), Key("ytd")];
        let on_deals = matches!(c.on, super::CommissionBase::Transactions(_));
        if c.ytd && (c.per != super::Per::Period || !on_deals) {
            diags.push(ctx.error(&at, format!("commission '{}': `ytd: true` needs `per: period` and `on: {{ transactions: … }}` (the year's deals are summed from the transactions table)", c.id)));
        }
        if c.pay_every == super::PayEvery::Quarter && !c.ytd {
            let at = [Key("commissions"), Index(i), Key("pay_every")];
            diags.push(ctx.error(&at, format!("commission '{}': `pay_every: quarter` defers a year-to-date commission; it needs `ytd: true`", c.id)));
        }
    }
    if let Some(c) = &p.clawback {
        if !(1..=120).contains(&c.months) {
            diags.push(ctx.error(
                &[Key("clawback"), Key("months")],
                "clawback months is 1 to 120",
            ));
        }
        let on_deals = p
            .commissions
            .iter()
            .any(|c| matches!(c.on, super::CommissionBase::Transactions(_)));
        if !on_deals {
            diags.push(ctx.error(
                &[Key("clawback")],
                "clawback recovers commissions paid on deals: the plan has no commission `on: { transactions: … }`",
            ));
        }
    }
    let Some(d) = &p.draw else { return };
    let at = |k: &'static str| [Key("draw"), Key(k)];
    match (&d.amount.input, &d.amount.fixed) {
        (Some(name), None) => match p.inputs.get(name) {
            Some(i) if i.kind.is_number() => {}
            _ => diags.push(ctx.error(
                &at("amount"),
                format!(
                    "draw amount: '{name}' is not a number input{}",
                    super::hint(name, p.inputs.keys().map(String::as_str))
                ),
            )),
        },
        (None, Some(v)) if v.0.is_sign_negative() => {
            diags.push(ctx.error(&at("amount"), "a draw must not be negative"))
        }
        (None, Some(_)) => {}
        _ => diags.push(ctx.error(
            &at("amount"),
            "a draw amount takes exactly one of: input, fixed",
        )),
    }
    for r in d.roles.iter().flatten() {
        if !p.roles.contains_key(r) {
            let h = super::hint(r, p.roles.keys().map(String::as_str));
            diags.push(ctx.error(&at("roles"), format!("draw: role '{r}' is not defined{h}")));
        }
    }
}
