//! Employee statements (`ID.md`, `ID.html`, in a bundle per department or
//! as files in `feedback/`) and `recognition.csv`.
//!
//! A statement is a [`Statement`] value rendered by a minijinja template.
//! The templates ship inside merit; a policy folder may replace them with
//! `templates/statement[.LANG].{md,html}.j2` (LANG `zh-CN` or `en`; the
//! language-specific file wins). Every value is escaped on output: HTML in
//! `.html` templates, Markdown in `.md` templates (`|safe` opts out).

mod builtin;
mod bundle;
pub mod pdf;
mod recognition_csv;
mod render;
mod sample;
mod statement;
mod templates;
mod terms;

pub use recognition_csv::recognition_csv;
pub use render::{statements, Inputs, Layout};
pub use statement::{
    statement, AwardRow, BonusInfo, EmployeeInfo, Highlight, KpiRow, PeriodInfo, PolicyInfo,
    PoolInfo, ProjectRow, ReviewRow, Statement,
};
pub use templates::{Format, Templates, TEMPLATE_DIR};
pub use terms::{AppealInfo, RatingInfo};

use crate::error::Result;
use crate::policy::LoadedPolicy;
use std::path::Path;

/// Loads and checks a policy folder together with its statement templates,
/// every problem of both reported at once.
pub fn load_policy(dir: &Path) -> Result<(LoadedPolicy, Templates)> {
    crate::policy::load_with(dir, Templates::load)
}
