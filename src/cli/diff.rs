//! `merit diff RUN_A RUN_B`: what changed between two runs — the what-if
//! tool (run with a changed policy, then diff). Reads each run's manifest
//! and payouts.csv; recomputes nothing.

use super::runfolder::{file_sha256, Keyed, Listed, RunFolder};
use crate::decimal::parse_decimal;
use crate::error::{Diagnostic, Error, Result};
use crate::exact::Exact;
use clap::Args;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The earlier (or baseline) run folder.
    pub run_a: PathBuf,
    /// The later (or what-if) run folder.
    pub run_b: PathBuf,
}

pub fn main(args: DiffArgs) -> Result<ExitCode> {
    let a = RunFolder::open(&args.run_a)?;
    let b = RunFolder::open(&args.run_b)?;
    print!("{}", diff(&a, &b)?);
    Ok(ExitCode::SUCCESS)
}

/// One employee's payout row, as written.
struct Row {
    department: String,
    score: String,
    rating: String,
    total: Decimal,
    total_text: String,
}

struct Payouts {
    currency: String,
    /// Decimals of the widest total, for sums and changes.
    places: u32,
    rows: BTreeMap<String, Row>,
    /// Set when payouts.csv does not match the manifest.
    warning: Option<String>,
}

fn payouts(run: &RunFolder) -> Result<Payouts> {
    const FILE: &str = "payouts.csv";
    let path = run.dir.join(FILE);
    let text = run.read_text(FILE)?;
    let k = Keyed::parse(&text);
    for col in ["department", "score", "rating", "total_payout"] {
        if k.col(col).is_none() {
            return Err(Error::one(
                Diagnostic::error(&path, format!("no '{col}' column")).at(1, 1),
            ));
        }
    }
    let mut rows = BTreeMap::new();
    let mut currency = String::new();
    let mut places = 0;
    for (line, (id, r)) in k.rows.iter().enumerate() {
        let total_text = k.get(r, "total_payout").to_owned();
        let total = parse_decimal(&total_text).map_err(|m| {
            let col = k.col("total_payout").map_or(1, |i| i + 1);
            Error::one(Diagnostic::error(&path, format!("total_payout: {m}")).at(line + 2, col))
        })?;
        if currency.is_empty() {
            currency = k.get(r, "currency").to_owned();
        }
        places = places.max(total.scale());
        rows.insert(
            id.clone(),
            Row {
                department: k.get(r, "department").to_owned(),
                score: k.get(r, "score").to_owned(),
                rating: k.get(r, "rating").to_owned(),
                total,
                total_text,
            },
        );
    }
    let listed = run.listed("outputs")?;
    let warning = match listed.iter().find(|f| f.path == FILE) {
        Some(f) if file_sha256(&path).as_deref() != Some(f.sha256.as_str()) => Some(format!(
            "warning: {} does not match its manifest (modified after the run)",
            path.display()
        )),
        None => Some(format!(
            "warning: {} is not listed in its manifest",
            path.display()
        )),
        Some(_) => None,
    };
    Ok(Payouts {
        currency,
        places,
        rows,
        warning,
    })
}

/// A change, exact at any size (two totals near the largest decimal
/// differ by more than a decimal holds), with a sign when it is a rise.
fn signed(d: Exact, places: u32) -> String {
    let text = d.fixed(places);
    if d > Exact::zero() {
        format!("+{text}")
    } else {
        text
    }
}

/// Lines describing how two file lists differ by hash.
fn files_changed(a: &[Listed], b: &[Listed]) -> Vec<String> {
    let mut out = Vec::new();
    for f in a {
        match b.iter().find(|g| g.path == f.path) {
            None => out.push(format!("  removed  {}", f.path)),
            Some(g) if g.sha256 != f.sha256 => out.push(format!(
                "  changed  {}  sha256 {} → {}",
                f.path,
                &f.sha256[..f.sha256.len().min(12)],
                &g.sha256[..g.sha256.len().min(12)]
            )),
            Some(_) => {}
        }
    }
    for g in b.iter().filter(|g| !a.iter().any(|f| f.path == g.path)) {
        out.push(format!("  added    {}", g.path));
    }
    out
}

/// Terminal columns of a text: East Asian wide characters take two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

/// A table with columns padded to their widest cell.
fn table(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| width(c))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for r in rows {
        let mut line = String::from(" ");
        for (i, c) in r.iter().enumerate() {
            line.push(' ');
            line.push_str(c);
            if i + 1 < r.len() {
                line.push_str(&" ".repeat(widths[i] - width(c) + 1));
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

pub fn diff(a: &RunFolder, b: &RunFolder) -> Result<String> {
    let mut s = String::new();
    let _ = writeln!(s, "merit diff {} → {}", a.dir.display(), b.dir.display());
    provenance(&mut s, a, b)?;
    let (pa, pb) = (payouts(a)?, payouts(b)?);
    for w in [&pa.warning, &pb.warning].into_iter().flatten() {
        let _ = writeln!(s, "{w}");
    }
    employees_added_removed(&mut s, &pa, &pb);
    changed_employees(&mut s, &pa, &pb);
    department_totals(&mut s, &pa, &pb);
    Ok(s)
}

/// Period, policy and engine of each run, and which policy files and
/// inputs differ.
fn provenance(s: &mut String, a: &RunFolder, b: &RunFolder) -> Result<()> {
    let pair = |p: &str| -> Result<String> {
        let (x, y) = (a.str_at(p)?, b.str_at(p)?);
        Ok(if x == y {
            x.to_owned()
        } else {
            format!("{x} → {y}")
        })
    };
    let _ = writeln!(s, "period: {}", pair("/period/label")?);
    let _ = writeln!(
        s,
        "policy: {} version {}",
        pair("/policy/id")?,
        pair("/policy/version")?
    );
    let _ = writeln!(s, "engine: merit {}", pair("/engine/version")?);
    for (key, what) in [("policy_files", "policy files"), ("inputs", "inputs")] {
        let changed = files_changed(&a.listed(key)?, &b.listed(key)?);
        if changed.is_empty() {
            let _ = writeln!(s, "{what}: identical");
        } else {
            let _ = writeln!(s, "{what}: {} differ", changed.len());
            for l in changed {
                let _ = writeln!(s, "{l}");
            }
        }
    }
    Ok(())
}

/// The headcount of each run, and each employee in only one of them.
fn employees_added_removed(s: &mut String, pa: &Payouts, pb: &Payouts) {
    let added: Vec<&String> = pb
        .rows
        .keys()
        .filter(|k| !pa.rows.contains_key(*k))
        .collect();
    let removed: Vec<&String> = pa
        .rows
        .keys()
        .filter(|k| !pb.rows.contains_key(*k))
        .collect();
    let _ = writeln!(
        s,
        "employees: {} → {} ({} added, {} removed)",
        pa.rows.len(),
        pb.rows.len(),
        added.len(),
        removed.len()
    );
    for id in &added {
        let r = &pb.rows[*id];
        let _ = writeln!(
            s,
            "  added    {id}  {}  score {}, rating {}, payout {}",
            r.department, r.score, r.rating, r.total_text
        );
    }
    for id in &removed {
        let r = &pa.rows[*id];
        let _ = writeln!(
            s,
            "  removed  {id}  {}  score {}, rating {}, payout {}",
            r.department, r.score, r.rating, r.total_text
        );
    }
}

/// A table of the employees in both runs whose score, rating or payout
/// changed.
fn changed_employees(s: &mut String, pa: &Payouts, pb: &Payouts) {
    let mut changed = vec![vec![
        "employee".to_string(),
        "department".into(),
        "score".into(),
        "rating".into(),
        "total_payout".into(),
        "change".into(),
    ]];
    for (id, x) in &pa.rows {
        let Some(y) = pb.rows.get(id) else { continue };
        if x.score == y.score && x.rating == y.rating && x.total == y.total {
            continue;
        }
        let arrow = |p: &str, q: &str| {
            if p == q {
                p.to_owned()
            } else {
                format!("{p} → {q}")
            }
        };
        changed.push(vec![
            id.clone(),
            arrow(&x.department, &y.department),
            arrow(&x.score, &y.score),
            arrow(&x.rating, &y.rating),
            arrow(&x.total_text, &y.total_text),
            signed(Exact::from(y.total) - x.total, pa.places.max(pb.places)),
        ]);
    }
    let _ = writeln!(s, "changed employees: {}", changed.len() - 1);
    if changed.len() > 1 {
        s.push_str(&table(&changed));
    }
}

/// Totals by department, each run grouped by its own departments, then
/// the company.
fn department_totals(s: &mut String, pa: &Payouts, pb: &Payouts) {
    let zero = || [(0usize, Exact::zero()), (0usize, Exact::zero())];
    let mut depts: BTreeMap<&str, [(usize, Exact); 2]> = BTreeMap::new();
    for (i, p) in [pa, pb].into_iter().enumerate() {
        for r in p.rows.values() {
            let e = depts.entry(r.department.as_str()).or_insert_with(zero);
            e[i].0 += 1;
            e[i].1 = &e[i].1 + &Exact::from(r.total);
        }
    }
    let places = pa.places.max(pb.places);
    let currency = if pa.currency == pb.currency {
        pa.currency.clone()
    } else {
        format!("{} → {}", pa.currency, pb.currency)
    };
    let _ = writeln!(s, "total payout by department ({currency}):");
    let mut rows = vec![vec![
        "department".to_string(),
        "headcount".into(),
        "run A".into(),
        "run B".into(),
        "change".into(),
    ]];
    let mut all = zero();
    for (d, t) in &depts {
        for i in 0..2 {
            all[i].0 += t[i].0;
            all[i].1 = &all[i].1 + &t[i].1;
        }
        rows.push(dept_row(d, t, places));
    }
    rows.push(dept_row("company", &all, places));
    s.push_str(&table(&rows));
}

fn dept_row(name: &str, t: &[(usize, Exact); 2], places: u32) -> Vec<String> {
    let heads = if t[0].0 == t[1].0 {
        t[0].0.to_string()
    } else {
        format!("{} → {}", t[0].0, t[1].0)
    };
    vec![
        name.to_owned(),
        heads,
        t[0].1.fixed(places),
        t[1].1.fixed(places),
        signed(&t[1].1 - &t[0].1, places),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_lists_compare_by_hash() {
        let l = |p: &str, h: &str| Listed {
            path: p.into(),
            sha256: h.into(),
        };
        let a = [
            l("policy.yaml", "aaaa"),
            l("bonus.rhai", "bbbb"),
            l("old.rhai", "cccc"),
        ];
        let b = [
            l("policy.yaml", "abab"),
            l("bonus.rhai", "bbbb"),
            l("new.rhai", "dddd"),
        ];
        assert_eq!(
            files_changed(&a, &b),
            [
                "  changed  policy.yaml  sha256 aaaa → abab",
                "  removed  old.rhai",
                "  added    new.rhai",
            ]
        );
    }

    #[test]
    fn tables_align_by_characters() {
        let t = table(&[
            vec!["a".into(), "bb".into(), "c".into()],
            vec!["运营".into(), "x".into(), "y".into()],
        ]);
        assert_eq!(t, "  a     bb  c\n  运营  x   y\n");
    }
}
