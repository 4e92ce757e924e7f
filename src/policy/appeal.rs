//! `feedback.appeal` — how an employee questions a statement (申诉): whom
//! to ask and by when. The deadline counts from the period's last day, not
//! from the run, so a statement is the same whenever it is rendered.

use super::locate::Seg;
use super::model::{Names, Policy};
use super::validate::Ctx;
use crate::error::Diagnostics;
use schemars::JsonSchema;
use serde::Deserialize;

/// The appeal paragraph of every statement.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Appeal {
    /// Whom to ask, in each language, e.g.
    /// `{ zh: 人力资源部王芳（wangfang@example.com）, en: "Wang Fang, HR (wangfang@example.com)" }`.
    pub contact: Names,
    /// Calendar days after the period's last day by which an appeal must
    /// reach the contact (1 to 366); the statement prints the date.
    #[schemars(range(min = 1, max = 366))]
    pub days: u32,
}

/// Days in 1..=366 and a contact in both languages.
pub(super) fn check(ctx: &Ctx, p: &Policy, diags: &mut Diagnostics) {
    use Seg::*;
    let Some(a) = &p.feedback.appeal else { return };
    let at = |k: &'static str| [Key("feedback"), Key("appeal"), Key(k)];
    if !(1..=366).contains(&a.days) {
        diags.push(ctx.error(
            &at("days"),
            format!("appeal days must be 1 to 366, not {}", a.days),
        ));
    }
    for (lang, text) in [("zh", &a.contact.zh), ("en", &a.contact.en)] {
        if text.trim().is_empty() {
            let m = format!("the appeal contact ({lang}) must not be empty");
            diags.push(ctx.error(
                &[Key("feedback"), Key("appeal"), Key("contact"), Key(lang)],
                m,
            ));
        }
    }
}
