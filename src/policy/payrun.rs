//! The pay-run keys of `policy.yaml`: who must approve a run before its
//! money moves (`approvals`), and how payroll and journal exports are laid
//! out (`export`).

use super::locate::Seg;
use super::validate::Ctx;
use crate::error::Diagnostics;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeSet;

/// How `merit export` writes payroll and journal files.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Export {
    #[serde(default)]
    pub payroll: PayrollExport,
    #[serde(default)]
    pub journal: JournalExport,
}

/// One row per employee and pay code, columns as the payroll system imports them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PayrollExport {
    /// The file's columns in order: each a header `name` and the `field` it holds.
    #[serde(default = "default_columns")]
    pub columns: Vec<PayrollColumn>,
    /// The payroll system's pay codes.
    #[serde(default)]
    pub pay_codes: PayCodes,
    /// The employees-table column that holds the cost centre [default: department].
    #[serde(default = "default_cost_centre")]
    pub cost_centre: String,
}

impl Default for PayrollExport {
    fn default() -> Self {
        PayrollExport {
            columns: default_columns(),
            pay_codes: PayCodes::default(),
            cost_centre: default_cost_centre(),
        }
    }
}

fn default_cost_centre() -> String {
    "department".into()
}

fn default_columns() -> Vec<PayrollColumn> {
    use PayrollField::*;
    [
        ("employee_id", EmployeeId),
        ("pay_code", PayCode),
        ("amount", Amount),
        ("currency", Currency),
        ("pay_period", PayPeriod),
        ("cost_centre", CostCentre),
    ]
    .into_iter()
    .map(|(name, field)| PayrollColumn {
        name: name.into(),
        field,
    })
    .collect()
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PayrollColumn {
    /// The header the payroll system expects.
    pub name: String,
    pub field: PayrollField,
}

/// What a payroll column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayrollField {
    EmployeeId,
    Name,
    Department,
    PayCode,
    Amount,
    Currency,
    PayPeriod,
    CostCentre,
}

/// Pay codes of the payroll system.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PayCodes {
    /// The performance bonus [default: BONUS].
    #[serde(default = "code_bonus")]
    pub bonus: String,
    /// Project bonuses [default: PROJECT].
    #[serde(default = "code_project")]
    pub project_bonus: String,
    /// A re-run's amount due now [default: ADJUSTMENT].
    #[serde(default = "code_adjustment")]
    pub adjustment: String,
    /// Commissions [default: COMMISSION].
    #[serde(default = "code_commission")]
    pub commission: String,
}

fn code_commission() -> String {
    "COMMISSION".into()
}

fn code_bonus() -> String {
    "BONUS".into()
}
fn code_project() -> String {
    "PROJECT".into()
}
fn code_adjustment() -> String {
    "ADJUSTMENT".into()
}

impl Default for PayCodes {
    fn default() -> Self {
        PayCodes {
            bonus: code_bonus(),
            project_bonus: code_project(),
            adjustment: code_adjustment(),
            commission: code_commission(),
        }
    }
}

/// The accounts of the journal entry.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JournalExport {
    /// Debited per cost centre [default: bonus_expense].
    #[serde(default = "acct_expense")]
    pub expense_account: String,
    /// Credited with the total [default: accrued_bonus].
    #[serde(default = "acct_liability")]
    pub liability_account: String,
}

fn acct_expense() -> String {
    "bonus_expense".into()
}
fn acct_liability() -> String {
    "accrued_bonus".into()
}

impl Default for JournalExport {
    fn default() -> Self {
        JournalExport {
            expense_account: acct_expense(),
            liability_account: acct_liability(),
        }
    }
}

/// Approval roles: lower-case identifiers, each once; export column
/// headers: non-empty, each once; codes and accounts non-empty.
pub(super) fn check(ctx: &Ctx, approvals: &[String], export: &Export, diags: &mut Diagnostics) {
    check_approvals(ctx, approvals, diags);
    check_export(ctx, export, diags);
}

fn check_approvals(ctx: &Ctx, approvals: &[String], diags: &mut Diagnostics) {
    use Seg::*;
    let mut seen = BTreeSet::new();
    for (i, role) in approvals.iter().enumerate() {
        let ok = !role.is_empty()
            && role
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
        if !ok || !seen.insert(role.as_str()) {
            let why = if ok {
                "is listed twice"
            } else {
                "must be lower-case letters, digits and _"
            };
            diags.push(ctx.error(
                &[Key("approvals"), Index(i)],
                format!("approval role '{role}' {why}"),
            ));
        }
    }
}

fn check_export(ctx: &Ctx, export: &Export, diags: &mut Diagnostics) {
    use Seg::*;
    let mut names = BTreeSet::new();
    for (i, c) in export.payroll.columns.iter().enumerate() {
        if c.name.trim().is_empty() || !names.insert(c.name.as_str()) {
            let at = [
                Key("export"),
                Key("payroll"),
                Key("columns"),
                Index(i),
                Key("name"),
            ];
            let m = format!("payroll column name '{}' is empty or used twice", c.name);
            diags.push(ctx.error(&at, m));
        }
    }
    let (codes, j) = (&export.payroll.pay_codes, &export.journal);
    let pay = |k| vec![Key("export"), Key("payroll"), Key("pay_codes"), Key(k)];
    let journal = |k| vec![Key("export"), Key("journal"), Key(k)];
    for (v, at) in [
        (&codes.bonus, pay("bonus")),
        (&codes.project_bonus, pay("project_bonus")),
        (&codes.adjustment, pay("adjustment")),
        (&codes.commission, pay("commission")),
        (&j.expense_account, journal("expense_account")),
        (&j.liability_account, journal("liability_account")),
    ] {
        if v.trim().is_empty() {
            diags.push(ctx.error(&at, "must not be empty"));
        }
    }
}
