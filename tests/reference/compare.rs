//! Comparing merit's `payouts.csv` and `scores.csv` with the reference, as
//! exact decimals, and reporting a mismatch with the inputs that matter.

use super::gen::Case;
use super::num::{self, Q};
use super::run::Payout;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Row = BTreeMap<String, String>;

/// RFC 4180 rows as maps by header.
pub fn csv_rows(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut records: Vec<Vec<String>> = vec![];
    let (mut rec, mut field, mut quoted) = (vec![], String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => rec.push(std::mem::take(&mut field)),
            '\n' if !quoted => {
                rec.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut rec));
            }
            _ => field.push(c),
        }
    }
    let header = records.remove(0);
    records
        .into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

/// Equal as decimals; a non-terminating expected value (shown by merit to
/// 28 digits) only has to agree to 1e-20. With the `inexact` class on, a
/// difference below 1e-20 is that known class (a 28-digit intermediate
/// shown in scores.csv) and passes, so that rounding flips stand out.
fn same(expected: &Q, got: &str) -> bool {
    let Some(g) = num::dec(got) else { return false };
    if num::places_of(expected).is_some() && !super::gen::enabled("inexact") {
        return &g == expected;
    }
    let diff = &g - expected;
    num::to_f64(&diff).abs() < 1e-20
}

struct Diffs(Vec<String>);

impl Diffs {
    fn num(&mut self, what: &str, expected: &Q, row: &Row, col: &str) {
        let got = row.get(col).map_or("<no column>", String::as_str);
        if !same(expected, got) {
            self.0.push(format!(
                "{what} {col}: reference {} merit {got}",
                num::show(expected)
            ));
        }
    }
    fn text(&mut self, what: &str, expected: &str, row: &Row, col: &str) {
        let got = row.get(col).map_or("<no column>", String::as_str);
        if expected != got {
            self.0
                .push(format!("{what} {col}: reference {expected} merit {got}"));
        }
    }
}

pub fn outputs(pays: &[Payout], out: &Path) -> Vec<String> {
    let mut d = Diffs(vec![]);
    let rows = csv_rows(&out.join("payouts.csv"));
    let by_id: BTreeMap<&str, &Row> = rows
        .iter()
        .map(|r| (r["employee_id"].as_str(), r))
        .collect();
    let ours: BTreeSet<&str> = pays.iter().map(|p| p.id.as_str()).collect();
    let theirs: BTreeSet<&str> = by_id.keys().copied().collect();
    if ours != theirs {
        d.0.push(format!("payout rows: reference {ours:?} merit {theirs:?}"));
    }
    for p in pays {
        let Some(row) = by_id.get(p.id.as_str()) else {
            continue;
        };
        let w = p.id.as_str();
        d.num(w, &p.score, row, "score");
        d.text(w, &p.band, row, "rating");
        d.num(w, &p.bonus, row, "bonus");
        d.num(w, &p.project_bonus, row, "project_bonus");
        // docs/outputs.md: the column only for plans with commissions
        match &p.commission {
            Some(c) => d.num(w, c, row, "commission"),
            None if row.contains_key("commission") => d.0.push(format!(
                "{w}: a commission column in a plan without commissions"
            )),
            None => {}
        }
        d.num(w, &p.total, row, "total_payout");
        d.text(w, &p.payout_currency, row, "payout_currency");
        d.num(w, &p.fx_rate, row, "fx_rate");
        d.num(w, &p.payout_in_currency, row, "payout_in_currency");
    }
    scores(pays, out, &mut d);
    d.0
}

fn scores(pays: &[Payout], out: &Path, d: &mut Diffs) {
    let rows = csv_rows(&out.join("scores.csv"));
    let key = |r: &Row| {
        (
            r["employee_id"].clone(),
            r["period"].clone(),
            r["kpi"].clone(),
        )
    };
    let by_key: BTreeMap<(String, String, String), &Row> =
        rows.iter().map(|r| (key(r), r)).collect();
    let period = rows
        .first()
        .map(|r| r["period"].clone())
        .unwrap_or_default();
    let mut seen = BTreeSet::new();
    for p in pays {
        for l in &p.lines {
            let k = (
                p.id.clone(),
                l.quarter.clone().unwrap_or_else(|| period.clone()),
                l.kpi.clone(),
            );
            let what = format!("{} {} {}", k.0, k.1, k.2);
            let Some(row) = by_key.get(&k) else {
                if !rows.is_empty() {
                    d.0.push(format!("{what}: no scores.csv row"));
                }
                continue;
            };
            seen.insert(k.clone());
            d.num(&what, &l.v.actual, row, "actual");
            d.num(&what, &l.v.target, row, "target");
            d.num(&what, &l.v.achievement, row, "achievement");
            d.num(&what, &l.v.score, row, "score");
            d.num(&what, &l.weight, row, "weight");
            d.num(&what, &l.contribution, row, "contribution");
        }
        if let Some((rating, score, weight)) = &p.review {
            let k = (p.id.clone(), period.clone(), "manager_review".to_string());
            match by_key.get(&k) {
                None => {
                    d.0.push(format!("{} manager_review: no scores.csv row", p.id))
                }
                Some(row) => {
                    seen.insert(k.clone());
                    let what = format!("{} manager_review", p.id);
                    d.num(&what, rating, row, "actual");
                    d.num(&what, score, row, "score");
                    d.num(&what, weight, row, "weight");
                    d.num(
                        &what,
                        &(score * weight / num::int(100)),
                        row,
                        "contribution",
                    );
                }
            }
        }
    }
    for k in by_key.keys() {
        if !seen.contains(k) && pays.iter().any(|p| p.id == k.0) {
            d.0.push(format!(
                "{} {} {}: scores.csv row the reference does not expect",
                k.0, k.1, k.2
            ));
        }
    }
}

/// The failing case with the lines of each table that mention the
/// employees (or their departments) named in the problems.
pub fn report(case: &Case, problems: &[String], pol: &Path, data: &Path) -> String {
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for p in problems {
        for w in p.split(|c: char| !c.is_ascii_alphanumeric()) {
            if w.len() == 3 && w.starts_with('E') {
                ids.insert(w.to_string());
            }
        }
    }
    let emp = case.tables.get("employees").cloned().unwrap_or_default();
    let mut subjects: BTreeSet<String> = ids.clone();
    for line in emp.lines() {
        let cells: Vec<&str> = line.split(',').collect();
        if ids.contains(cells[0]) {
            subjects.insert(cells[2].to_string());
        }
    }
    subjects.insert("company".into());
    let mut s = format!(
        "MISMATCH (period {}, edge {:?}; folders {} and {})\n",
        case.period,
        case.edge,
        pol.display(),
        data.display()
    );
    for p in problems.iter().take(40) {
        s.push_str(&format!("  {p}\n"));
    }
    s.push_str(&format!(
        "--- policy.yaml\n{}--- bonus.rhai\n{}",
        case.policy_yaml, case.bonus_rhai
    ));
    for (name, text) in &case.tables {
        s.push_str(&format!("--- {name}.csv (lines for {subjects:?})\n"));
        for (i, line) in text.lines().enumerate() {
            let cells: BTreeSet<&str> = line.split(',').collect();
            let all = ids.is_empty()
                || ["benchmarks", "fx_rates", "budgets", "refunds"].contains(&name.as_str());
            if i == 0 || all || subjects.iter().any(|x| cells.contains(x.as_str())) {
                s.push_str(line);
                s.push('\n');
            }
        }
    }
    s
}
