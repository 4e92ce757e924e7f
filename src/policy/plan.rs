//! Plan inputs and commissions (`inputs:`, `commissions:` in policy.yaml):
//! typed per-employee columns a plan reads, and rates on credited money.

use super::model::{Names, Policy, TierMode};
use super::targets::{CascadeTarget, Share, TargetSource};
use crate::decimal::Dec;
use schemars::JsonSchema;
use serde::Deserialize;

/// A per-employee fact the plan reads: a column of the employees table.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// How the column's cells are read.
    #[serde(rename = "type")]
    pub kind: InputType,
    /// Whether every row needs a value (default true).
    #[serde(default = "yes")]
    pub required: bool,
    /// Display names.
    pub name: Option<Names>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputType {
    /// A decimal, not negative.
    Money,
    /// Any decimal.
    Decimal,
    Integer,
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// yes/no, read like `projects.approved`.
    Flag,
}

impl InputType {
    /// Whether the input holds a number (a quota or target may read it).
    pub fn is_number(self) -> bool {
        matches!(self, Self::Money | Self::Decimal | Self::Integer)
    }
}

/// A rate on money: on an employee's credited deals or a money KPI.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Commission {
    /// Lower-case letters, digits and `_`; unique among commissions.
    pub id: String,
    /// Display names.
    pub name: Option<Names>,
    /// The roles that earn it; absent: every role.
    pub roles: Option<Vec<String>>,
    /// What it is paid on.
    pub on: CommissionBase,
    /// `period` (default): rates on the period's credited amount;
    /// `deal`: on each credited deal on its own.
    #[serde(default)]
    pub per: Per,
    /// The amount that is 100 % attainment (with `basis: attainment`).
    pub quota: Option<Quota>,
    /// The rate table.
    pub rates: Rates,
    /// Caps in money.
    #[serde(default)]
    pub cap: CommissionCap,
    /// Rates on the year-to-date credit, paying what the plan year has not
    /// paid yet.
    #[serde(default)]
    pub ytd: bool,
    /// A year-to-date commission paid only at the end of each quarter of
    /// the plan year (`quarter`), or in every run (`period`, the default).
    #[serde(default)]
    pub pay_every: PayEvery,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayEvery {
    /// Every run pays what the year to date comes to.
    #[default]
    Period,
    /// Runs ending on a quarter's last day pay; the others defer.
    Quarter,
}

/// What a commission is paid on, written as a one-key map.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(try_from = "CommissionBaseSpec")]
pub enum CommissionBase {
    /// The employee's credited amount from the `transactions` table.
    Transactions(TransactionFilter),
    /// The actual of an individual KPI.
    Kpi(String),
}

/// The YAML form of [`CommissionBase`]: exactly one key.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommissionBaseSpec {
    /// The credited deals of the `transactions` table, optionally filtered.
    pub transactions: Option<TransactionFilter>,
    /// The actual of an individual KPI.
    pub kpi: Option<String>,
}

impl TryFrom<CommissionBaseSpec> for CommissionBase {
    type Error = String;
    fn try_from(s: CommissionBaseSpec) -> Result<Self, String> {
        match (s.transactions, s.kpi) {
            (Some(t), None) => Ok(CommissionBase::Transactions(t)),
            (None, Some(k)) => Ok(CommissionBase::Kpi(k)),
            _ => Err("`on` takes exactly one of: transactions, kpi".into()),
        }
    }
}

/// Which transactions count; absent lists keep every row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionFilter {
    pub products: Option<Vec<String>>,
    pub territories: Option<Vec<String>>,
    /// Whose credit counts: the employee's own (default), their reports',
    /// their whole team's, or their territories'.
    #[serde(default)]
    pub from: CreditFrom,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CreditFrom {
    /// Their own rows, direct and overlay.
    #[default]
    Own,
    /// The direct credit of the people who report to them.
    Reports,
    /// The direct credit of everyone below them.
    Team,
    /// Every deal of the territories the `assignments` table gives them.
    Territory,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    #[default]
    Period,
    Deal,
}

/// The amount that is 100 % attainment, written as a one-key map.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(try_from = "QuotaSpec")]
pub enum Quota {
    /// A money, decimal or integer input.
    Input(String),
    /// The same quota for everyone.
    Fixed(Dec),
    /// That KPI's target for the employee.
    Kpi(String),
}

/// The YAML form of [`Quota`]: exactly one key.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaSpec {
    /// A money, decimal or integer input.
    pub input: Option<String>,
    /// The same quota for everyone.
    pub fixed: Option<Dec>,
    /// That KPI's target for the employee.
    pub kpi: Option<String>,
}

impl TryFrom<QuotaSpec> for Quota {
    type Error = String;
    fn try_from(s: QuotaSpec) -> Result<Self, String> {
        match (s.input, s.fixed, s.kpi) {
            (Some(i), None, None) => Ok(Quota::Input(i)),
            (None, Some(f), None) => Ok(Quota::Fixed(f)),
            (None, None, Some(k)) => Ok(Quota::Kpi(k)),
            _ => Err("a quota takes exactly one of: input, fixed, kpi".into()),
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rates {
    /// `attainment`: bounds are credited amount ÷ quota; `amount`: money.
    pub basis: Basis,
    /// `marginal`: each slice at its step's rate; `whole_amount`: the whole
    /// amount at the rate of the step the basis falls in.
    pub mode: TierMode,
    /// Half-open `[from, to)` steps from 0, the last open-ended.
    pub steps: Vec<RateStep>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Attainment,
    Amount,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateStep {
    pub from: Dec,
    pub to: Option<Dec>,
    /// A fraction of the money: "0.05" is 5 %.
    pub rate: Dec,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommissionCap {
    /// The most one deal's commission may be (`per: deal`).
    pub per_deal: Option<Dec>,
    /// The most the commission may be in the period.
    pub per_period: Option<Dec>,
}

impl Commission {
    /// Whether people of `role` earn it.
    pub fn applies_to(&self, role: &str) -> bool {
        self.roles
            .as_ref()
            .is_none_or(|r| r.iter().any(|x| x == role))
    }
}

impl Policy {
    /// Extra employees-table columns the policy reads as text (cascade
    /// share columns, the payroll export's cost centre when not
    /// `department`); one may also be an input, read by its type too.
    pub fn employee_columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        let cost_centre = &self.export.payroll.cost_centre;
        if cost_centre != "department" {
            out.push(cost_centre.clone());
        }
        for k in &self.kpis {
            k.target.walk(&mut |s| {
                if let TargetSource::Cascade(CascadeTarget {
                    share: Share::Column(c),
                    ..
                }) = s
                {
                    out.push(c.clone());
                }
            });
        }
        out.sort();
        out.dedup();
        out
    }
}
