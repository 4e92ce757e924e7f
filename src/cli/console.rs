//! What `merit run` prints: the totals per currency, a line per department
//! when there are few, the exceptions per kind, and where the files are —
//! a screenful at any size; the details are in the files.

use super::run::RunConfig;
use crate::output;
use crate::output::exceptions::Kind;

/// What to pay now leads; a re-run then says what was paid before and
/// the entitlement (adjustments.csv per employee).
pub fn print_totals(cfg: &RunConfig, totals: &output::ControlTotals) {
    let cur = &totals.currency;
    let head = format!(
        "merit: {} {} → {}",
        cfg.period,
        cfg.policy.display(),
        cfg.out.display()
    );
    let mut parts = format!("bonus {}", totals.bonus);
    if let Some(c) = &totals.commission {
        parts.push_str(&format!(" + commissions {c}"));
    }
    if let Some(c) = &totals.clawback {
        parts.push_str(&format!(" + clawbacks {c}"));
    }
    if let (Some(d), Some(r), Some(c)) = (&totals.draw, &totals.recovered, &totals.carried) {
        parts.push_str(&format!(" + draw {d} − recovered {r} + carried {c}"));
    }
    parts.push_str(&format!(" + projects {}", totals.project_bonus));
    if totals.rerun {
        println!(
            "{head}: to pay now {} {cur} (adjustments.csv); already paid {}, entitlement {}, balance carried {} {cur}",
            totals.to_pay_now, totals.already_paid, totals.entitlement, totals.balance_carried
        );
        println!(
            "entitlement: {}, {parts} = total payout {} {cur}",
            crate::error::counted(totals.headcount, "employee", "employees"),
            totals.total_payout
        );
    } else {
        println!(
            "{head}: {}, {parts} = total payout {} {cur}, all to pay now",
            crate::error::counted(totals.headcount, "employee", "employees"),
            totals.total_payout
        );
    }
    println!("control totals:");
    // A re-run adds what to pay now to each line; the amounts before it
    // are the entitlement.
    let now = |t: &output::GroupTotals| {
        if totals.rerun {
            format!("  to pay now {:>14}", t.to_pay_now)
        } else {
            String::new()
        }
    };
    // A long list belongs in summary.csv, not on the console.
    if totals.by_department.len() > MAX_DEPARTMENTS_SHOWN {
        println!(
            "  {} departments: their totals are in summary.csv",
            totals.by_department.len()
        );
    }
    let shown = match totals.by_department.len() > MAX_DEPARTMENTS_SHOWN {
        true => 0,
        false => totals.by_department.len(),
    };
    for (dept, t) in totals.by_department.iter().take(shown) {
        println!(
            "  department {dept:<16} {:>13}  {:>16} {cur}{}",
            crate::error::counted(t.headcount, "person", "people"),
            t.total_payout,
            now(t)
        );
    }
    for (c, t) in &totals.by_currency {
        println!(
            "  paid in {c:<18} {:>13}  {:>16} {c}{}",
            crate::error::counted(t.headcount, "person", "people"),
            t.total_payout,
            now(t)
        );
    }
}

/// More departments than this are summed up in one console line.
const MAX_DEPARTMENTS_SHOWN: usize = 12;

/// The count of each kind found (exceptions.csv has the rows).
pub fn print_exceptions(counts: &[(Kind, usize)]) {
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    if total == 0 {
        println!("exceptions: none");
        return;
    }
    println!("exceptions: {total} (exceptions.csv)");
    for (k, n) in counts.iter().filter(|(_, n)| *n > 0) {
        println!("  {:<24} {n:>6}", k.name());
    }
}
