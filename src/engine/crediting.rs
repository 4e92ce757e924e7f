//! Crediting: whose deals a commission pays an employee on (`on.transactions.from`,
//! docs/policy.md, Commissions) — their own rows, their reports' or
//! whole team's direct credit rolled up per deal, or every deal of the
//! territories the `assignments` table gives them on the deal's date.

use crate::data::{Credit, Data, Employee};
use crate::exact::Exact;
use crate::policy::{CommissionBase, CreditFrom, LoadedPolicy, TransactionFilter};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// The days a report reports to a manager: first and last (`None`: open).
type Window = (Option<NaiveDate>, Option<NaiveDate>);

/// Managers over time (`spans::Plan::managers`): employee id → (first day,
/// manager), in date order.
pub type Managers = std::collections::HashMap<String, Vec<Move>>;

/// From a day (`None`: the start of time), a manager (`None`: none).
pub type Move = (Option<NaiveDate>, Option<String>);

/// Lookups built once per run, only for the kinds of credit the plan uses.
#[derive(Default)]
pub struct Crediting<'a> {
    /// Manager id → (index into `Data::employees`, when) of their direct
    /// reports: a report whose manager changed is listed under each, for
    /// the days it held (docs/policy.md, Commissions and draws across spans).
    reports: BTreeMap<String, Vec<(usize, Window)>>,
    /// Territory → one row per deal, by date.
    by_territory: BTreeMap<&'a str, Vec<&'a Credit>>,
}

impl<'a> Crediting<'a> {
    pub fn new(lp: &LoadedPolicy, data: &'a Data, managers: &Managers) -> Crediting<'a> {
        let uses = |k: CreditFrom| {
            lp.policy
                .commissions
                .iter()
                .any(|c| matches!(&c.on, CommissionBase::Transactions(f) if f.from == k))
        };
        let mut c = Crediting::default();
        if uses(CreditFrom::Reports) || uses(CreditFrom::Team) {
            for (i, e) in data.employees.iter().enumerate() {
                match managers.get(&e.id) {
                    Some(timeline) => c.add_timeline(i, timeline),
                    None => {
                        if let Some(m) = &e.manager_id {
                            c.reports
                                .entry(m.clone())
                                .or_default()
                                .push((i, (None, None)));
                        }
                    }
                }
            }
        }
        if uses(CreditFrom::Territory) {
            let mut seen = BTreeSet::new();
            for cr in &data.credits {
                if let (Some(t), true) = (&cr.territory, seen.insert(cr.deal_id.as_str())) {
                    c.by_territory.entry(t.as_str()).or_default().push(cr);
                }
            }
            for list in c.by_territory.values_mut() {
                list.sort_by(|a, b| (a.date, &a.deal_id).cmp(&(b.date, &b.deal_id)));
            }
        }
        c
    }

    /// Report `i` under each manager of its timeline, for the days each held.
    fn add_timeline(&mut self, i: usize, timeline: &[Move]) {
        for (k, (from, m)) in timeline.iter().enumerate() {
            let to = timeline
                .get(k + 1)
                .and_then(|(next, _)| next.and_then(|d| d.pred_opt()));
            if let Some(m) = m {
                self.reports
                    .entry(m.clone())
                    .or_default()
                    .push((i, (*from, to)));
            }
        }
    }
}

/// The days both windows hold, if any.
fn overlap(a: Window, b: Window) -> Option<Window> {
    let from = match (a.0, b.0) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let to = match (a.1, b.1) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    match (from, to) {
        (Some(f), Some(t)) if f > t => None,
        _ => Some((from, to)),
    }
}

fn holds(w: &Window, d: NaiveDate) -> bool {
    w.0.is_none_or(|f| d >= f) && w.1.is_none_or(|t| d <= t)
}

/// The rows a commission with filter `f` credits employee `e` with,
/// dated from `from` to `to`.
pub fn credits(
    data: &Data,
    crediting: &Crediting,
    e: &Employee,
    (from, to): (NaiveDate, NaiveDate),
    f: &TransactionFilter,
) -> Vec<Credit> {
    let inside = |c: &Credit| c.date >= from && c.date <= to && super::commission::keeps(f, c);
    // Credit inferred from reports or territories stops when the employee
    // is not employed (own rows are explicit and count as written).
    let employed =
        |c: &Credit| c.date >= e.hire_date && e.termination_date.is_none_or(|t| c.date <= t);
    match f.from {
        CreditFrom::Own => own(data, &e.id).filter(|c| inside(c)).cloned().collect(),
        CreditFrom::Reports | CreditFrom::Team => {
            let team = members(data, crediting, e, f.from == CreditFrom::Team);
            let rows = team.iter().flat_map(|(i, when)| {
                own(data, &data.employees[*i].id)
                    .filter(move |c| when.iter().any(|w| holds(w, c.date)))
            });
            rolled_up(
                rows.filter(|c| !c.overlay && inside(c) && employed(c)),
                &e.id,
            )
        }
        CreditFrom::Territory => territory(data, crediting, e, (from, to))
            .into_iter()
            .filter(|c| inside(c) && employed(c))
            .collect(),
    }
}

/// An employee's own credit rows (`Data::credits` is sorted by employee).
fn own<'d>(data: &'d Data, id: &str) -> impl Iterator<Item = &'d Credit> + use<'d> {
    let all = &data.credits;
    let lo = all.partition_point(|c| c.employee_id.as_str() < id);
    let hi = all.partition_point(|c| c.employee_id.as_str() <= id);
    all[lo..hi].iter()
}

/// Direct reports, or everyone below at any depth, each with the days
/// the chain up to `e` held (each once per window, whatever loops the
/// `manager_id` column has), by index.
fn members(
    data: &Data,
    crediting: &Crediting,
    e: &Employee,
    deep: bool,
) -> Vec<(usize, Vec<Window>)> {
    let mut out: BTreeMap<usize, Vec<Window>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut queue = vec![(e.id.as_str(), (None, None))];
    while let Some((m, path)) = queue.pop() {
        for &(i, w) in crediting.reports.get(m).map_or(&[][..], Vec::as_slice) {
            let id = data.employees[i].id.as_str();
            let Some(w) = overlap(path, w) else {
                continue;
            };
            if id != e.id && seen.insert((i, w)) {
                out.entry(i).or_default().push(w);
                if deep {
                    queue.push((id, w));
                }
            }
        }
    }
    out.into_iter().collect()
}

/// One row per deal for `to`: the deal's facts, the members' shares summed.
fn rolled_up<'d>(rows: impl Iterator<Item = &'d Credit>, to: &str) -> Vec<Credit> {
    let mut deals: BTreeMap<&str, Credit> = BTreeMap::new();
    for c in rows {
        match deals.get_mut(c.deal_id.as_str()) {
            Some(d) => d.share = d.share.clone() + c.share.clone(),
            None => {
                let mut d = c.clone();
                d.employee_id = to.to_owned();
                deals.insert(c.deal_id.as_str(), d);
            }
        }
    }
    let mut out: Vec<Credit> = deals.into_values().collect();
    for d in &mut out {
        d.share_text = d.share.approx().normalize().to_string();
    }
    out.sort_by(|a, b| (a.date, &a.deal_id).cmp(&(b.date, &b.deal_id)));
    out
}

/// Every deal of a territory the employee covers on the deal's date, 100 %,
/// dated from `from` to `to` (a territory's deals are sorted by date: only
/// that window is walked).
fn territory(
    data: &Data,
    crediting: &Crediting,
    e: &Employee,
    (from, to): (NaiveDate, NaiveDate),
) -> Vec<Credit> {
    let Some(covers) = data.assignments.get(&e.id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (t, start, end) in covers {
        let all = crediting
            .by_territory
            .get(t.as_str())
            .map_or(&[][..], Vec::as_slice);
        let (first, last) = (from.max(*start), end.map_or(to, |x| x.min(to)));
        let lo = all.partition_point(|c| c.date < first);
        let hi = all.partition_point(|c| c.date <= last).max(lo);
        for c in &all[lo..hi] {
            let mut d = (*c).clone();
            d.employee_id = e.id.clone();
            d.share = Exact::from(100);
            d.share_text = "100".into();
            d.overlay = false;
            out.push(d);
        }
    }
    out.sort_by(|a, b| (a.date, &a.deal_id).cmp(&(b.date, &b.deal_id)));
    out
}
