//! `history` with `merit gen --changes`: about 3 % of the employees get a
//! raise on a day inside the generated months (5–12 %, to the hundred), a
//! third of those also a target bonus two points higher — the mid-period
//! changes of docs/policy.md. The plan's money inputs follow the new salary
//! as the employees table derives them (a quota three times the salary, a
//! draw half a month's), so a commission plan's quotas and draws change
//! inside the period too (docs/policy.md, Commissions and draws across
//! spans). Roles do not change: a new role would need metrics the generator
//! wrote only for the old one.

use super::rng::Rng;
use super::table::{per_employee_chunks, Rows, TableFile};
use super::{Model, Written, S_HISTORY};
use crate::error::Result;
use crate::progress::Stage;
use chrono::Days;
use std::path::Path;

pub(super) fn history(m: &Model, dir: &Path) -> Result<Option<Written>> {
    if !m.cfg.changes {
        return Ok(None);
    }
    let n = m.cfg.employees;
    let stage = Stage::new("gen history", n as u64);
    let policy = &m.lp.policy;
    let draw = policy.draw.as_ref().and_then(|d| d.amount.input.as_ref());
    // (name, is the draw) of each money input, in the policy's order.
    let money: Vec<(&str, bool)> = policy
        .inputs
        .iter()
        .filter(|(_, i)| i.kind == crate::policy::InputType::Money)
        .map(|(n, _)| (n.as_str(), draw == Some(n)))
        .collect();
    let mut columns = vec![
        "employee_id",
        "effective",
        "base_salary",
        "target_bonus_pct",
    ];
    columns.extend(money.iter().map(|(n, _)| *n));
    let columns = &columns[..];
    let mut t = TableFile::create(dir, "history", columns, m.cfg.format)?;
    per_employee_chunks(n, &mut t, &stage, |range| {
        let mut rows = Rows::new(columns.len());
        for i in range {
            let mut r = Rng::stream(m.cfg.seed, S_HISTORY, i as u64);
            if !r.chance(30) {
                continue;
            }
            let e = m.employee(i);
            // After the hire date (the history table refuses a change on
            // it) and not after the last day employed.
            let from = e.hire.max(m.start());
            let to = e.term.map_or(m.end(), |t| t.min(m.end()));
            let days = (to - from).num_days();
            if e.active.is_none() || days < 1 {
                continue;
            }
            let effective = from + Days::new(r.range(1, days) as u64);
            let p = m.profile(i, &e);
            let salary = p.salary * r.range(105, 112) / 100 / 100 * 100;
            rows.cell(&e.id);
            rows.cell(&effective.to_string());
            rows.cell(&salary.to_string());
            let pct = r.chance(333).then(|| (p.pct + 2).to_string());
            rows.cell(pct.as_deref().unwrap_or(""));
            for (_, is_draw) in &money {
                let v = if *is_draw { salary / 24 } else { salary * 3 };
                rows.cell(&v.to_string());
            }
        }
        rows
    })?;
    stage.finish();
    t.finish().map(Some)
}
