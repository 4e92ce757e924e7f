//! `spans.csv`: each span of the employees whose terms changed inside the
//! period (docs/outputs.md; docs/policy.md, Mid-period changes).

use super::csv::Csv;
use super::OutFile;
use crate::data::Data;
use crate::engine::RunResult;
use crate::policy::LoadedPolicy;

pub const COLUMNS: [&str; 13] = [
    "employee_id",
    "from",
    "to",
    "role",
    "department",
    "target_bonus",
    "score",
    "rating",
    "formula",
    "proration",
    "exact",
    "bonus",
    "gate",
];

/// The file, or `None` when nobody has more than one span.
pub fn csv(lp: &LoadedPolicy, data: &Data, run: &RunResult) -> Option<OutFile> {
    let r = &lp.policy.rounding;
    let fixed = |d, p| crate::decimal::round_fixed(d, p, r.mode);
    let mut c = Csv::with_header(&COLUMNS);
    let mut rows = 0;
    for er in run.employees.iter().filter(|er| !er.spans.is_empty()) {
        let id = &data.employees[er.employee].id;
        for s in &er.spans {
            c.text(id)
                .text(&s.from.to_string())
                .text(&s.to.to_string())
                .text(&s.role)
                .text(&s.department)
                .plain(s.target_bonus)
                .dec(fixed(s.score, r.score_places))
                .text(&s.band)
                .plain(s.formula)
                .text(&proration(s.proration))
                .plain(s.exact.approx())
                .dec(fixed(s.bonus, r.money_places))
                .text(s.gate_failed.as_deref().unwrap_or(""));
            c.end();
            rows += 1;
        }
    }
    (rows > 0).then(|| OutFile {
        rel: "spans.csv".into(),
        bytes: c.finish().into_bytes(),
        rows,
    })
}

/// A span's proration factor as written: `N/D`, or the rounded factor.
pub fn proration((num, den): (rust_decimal::Decimal, rust_decimal::Decimal)) -> String {
    match den == rust_decimal::Decimal::ONE {
        true => num.normalize().to_string(),
        false => format!("{}/{}", num.normalize(), den.normalize()),
    }
}

/// The `mid_period_change` exception: each span's terms and amount.
pub fn exception(
    r: &crate::engine::EmployeeResult,
    money: &dyn Fn(rust_decimal::Decimal) -> String,
) -> (String, String) {
    let spans: Vec<String> = r
        .spans
        .iter()
        .map(|s| {
            let capped = if s.capped { ", capped" } else { "" };
            let gate = s
                .gate_failed
                .as_ref()
                .map(|g| format!(", gate shut: {g}"))
                .unwrap_or_default();
            format!(
                "{} to {} as {} in {}, target bonus {}, score {} ({}){capped}{gate}, × {}",
                s.from,
                s.to,
                s.role,
                s.department,
                money(s.target_bonus),
                s.score,
                s.band,
                proration(s.proration)
            )
        })
        .collect();
    let detail = format!("{} spans: {}", r.spans.len(), spans.join("; "));
    let parts: Vec<String> = r.spans.iter().map(|s| money(s.bonus)).collect();
    let before_pool = r.pool.as_ref().map_or(r.bonus, |u| u.before);
    let effect = format!("bonus {} = {}", money(before_pool), parts.join(" + "));
    (detail, effect)
}
