//! How partial periods are paid (`bonus.proration`, `bonus.unpaid_leave`,
//! `bonus.proration_places`; docs/policy.md, Bonus).

use super::locate::Seg;
use super::model::Policy;
use super::validate::Ctx;
use crate::error::Diagnostics;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Proration {
    /// bonus × days employed in the period ÷ days in the period.
    #[default]
    Days,
    /// bonus × weekdays (Monday to Friday) employed ÷ weekdays in the period.
    Weekdays,
    /// bonus × calendar months employed on every day ÷ months in the period.
    Months,
    /// No proration.
    None,
}

/// Whether days of unpaid leave (the `leave` table) are employed time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnpaidLeave {
    /// Leave is employed time; the table is not read for pay.
    #[default]
    Count,
    /// Days of leave are not employed days.
    Exclude,
}

/// The most decimals a rounded proration factor may have.
pub const MAX_PLACES: u32 = 10;

pub(super) fn check(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    if p.bonus.proration_places.is_some_and(|n| n > MAX_PLACES) {
        diags.push(ctx.error(
            &[Seg::Key("bonus"), Seg::Key("proration_places")],
            format!("proration_places is 0 to {MAX_PLACES}"),
        ));
    }
}
