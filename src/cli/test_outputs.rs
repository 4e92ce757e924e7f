//! `merit test`: what a run writes besides the results — `expect.exceptions`
//! (the kinds of `exceptions.csv` an employee gets) and, for a case that
//! names what an earlier run paid (`previous:`), `expect.adjustment` (the
//! employee's row of `adjustments.csv`). Both come from the same code that
//! writes those files (docs/policy.md, Test cases).

use super::test::{check_number, text, Mismatch};
use crate::data::Data;
use crate::decimal::parse_decimal;
use crate::engine::RunResult;
use crate::output::adjust::{self, DueLine, Previous};
use crate::output::exceptions::{self, Kind};
use crate::policy::LoadedPolicy;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// An employee's expected row of `adjustments.csv` (a case with `previous:`).
#[derive(Deserialize, Default, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub(super) struct AdjustmentExpect {
    paid_before: Option<serde_yaml::Value>,
    recomputed: Option<serde_yaml::Value>,
    difference: Option<serde_yaml::Value>,
    paid_now: Option<serde_yaml::Value>,
    balance_after: Option<serde_yaml::Value>,
}

/// The run's exceptions and due lines, as `merit run` (with `--previous`
/// when the case names a previous run) would write them.
pub(super) struct Outputs {
    /// Employee id → the distinct kinds of their exceptions.
    kinds: BTreeMap<String, BTreeSet<Kind>>,
    /// Employee id → (paid_before, recomputed, difference, paid_now, balance_after).
    due: BTreeMap<String, [Decimal; 5]>,
    rerun: bool,
}

/// `previous:` as a run folder's paid totals (employee → total paid).
pub(super) fn previous(
    rows: &Option<BTreeMap<String, serde_yaml::Value>>,
) -> Result<Option<Previous>, String> {
    let Some(rows) = rows else { return Ok(None) };
    let mut paid = BTreeMap::new();
    for (emp, v) in rows {
        let amount = parse_decimal(&text(v)).map_err(|m| format!("previous.{emp}: {m}"))?;
        paid.insert(emp.clone(), amount);
    }
    // Only the totals matter for what is due; the rest of a run folder
    // (its rows, hashes, files) feeds the `changes` columns and the archive.
    Ok(Some(Previous {
        dir: Default::default(),
        paid,
        rows: BTreeMap::new(),
        hashes: BTreeMap::new(),
        manifest_sha256: String::new(),
        files: Vec::new(),
    }))
}

pub(super) fn outputs(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    prev: Option<&Previous>,
) -> Outputs {
    let due = adjust::due(lp, data, run, prev);
    let mut kinds: BTreeMap<String, BTreeSet<Kind>> = BTreeMap::new();
    for x in exceptions::collect(lp, data, run, &due) {
        kinds.entry(x.employee_id).or_default().insert(x.kind);
    }
    let places = lp.policy.rounding.money_places;
    let mode = lp.policy.rounding.mode;
    let m = |d: Decimal| crate::decimal::round_fixed(d, places, mode);
    let row = |l: &DueLine| {
        let d = [l.paid_before, l.recomputed, l.difference(), l.paid_now];
        [m(d[0]), m(d[1]), m(d[2]), m(d[3]), m(l.balance)]
    };
    let due_rows = due.lines().map(|l| (l.employee_id.to_owned(), row(&l)));
    Outputs {
        kinds,
        due: due_rows.collect(),
        rerun: due.rerun(),
    }
}

/// The employee's exception kinds (any order, each once) and adjustment row.
pub(super) fn compare(
    o: &Outputs,
    emp: &str,
    exceptions: &Option<Vec<String>>,
    adjustment: &Option<AdjustmentExpect>,
    out: &mut Vec<Mismatch>,
) {
    if let Some(e) = exceptions {
        let unknown: Vec<&String> = e.iter().filter(|k| Kind::parse(k).is_none()).collect();
        for k in &unknown {
            let kinds = Kind::names().join(", ");
            out.push(Mismatch(
                format!("{emp} exceptions"),
                k.to_string(),
                format!("not an exception kind (one of {kinds})"),
            ));
        }
        // A misspelt kind never matches; saying so once is enough.
        let want: BTreeSet<&str> = e.iter().map(String::as_str).collect();
        let got: BTreeSet<&str> = o
            .kinds
            .get(emp)
            .into_iter()
            .flatten()
            .map(|k| k.name())
            .collect();
        if want != got && unknown.is_empty() {
            let (w, g) = (want.into_iter().collect::<Vec<_>>(), got.into_iter());
            out.push(Mismatch(
                format!("{emp} exceptions"),
                format!("{w:?}"),
                format!("{:?}", g.collect::<Vec<_>>()),
            ));
        }
    }
    let Some(a) = adjustment else { return };
    let Some(row) = o.due.get(emp).filter(|_| o.rerun) else {
        let why = match o.rerun {
            true => "no adjustments row (not in the run, not paid before)",
            false => "no adjustments.csv: the case names no `previous:` payouts",
        };
        out.push(Mismatch(
            format!("{emp} adjustment"),
            "a row".into(),
            why.into(),
        ));
        return;
    };
    let fields = [
        ("paid_before", &a.paid_before),
        ("recomputed", &a.recomputed),
        ("difference", &a.difference),
        ("paid_now", &a.paid_now),
        ("balance_after", &a.balance_after),
    ];
    for ((name, e), actual) in fields.into_iter().zip(row) {
        check_number(out, format!("{emp} adjustment.{name}"), e, *actual);
    }
}
