//! `currency_conversion`: employees paid in another currency than the
//! policy's (docs/policy.md, Currencies).

use schemars::JsonSchema;
use serde::Deserialize;

/// Employees paid in another currency: their base salary is converted to
/// the policy currency with the `fx_rates` table, everything is computed in
/// the policy currency, and the payout is converted back for payroll.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrencyConversion {
    /// `period_end`: the rate of the period's last month; `period_average`:
    /// the mean of the period's monthly rates (every month needed).
    pub rate: FxRateRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FxRateRule {
    PeriodEnd,
    PeriodAverage,
}
