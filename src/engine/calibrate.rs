//! Stage: calibration — a forced distribution applied after banding.
//!
//! Within each group (department or company) people are ranked by score,
//! highest first, ties by employee id. Going down the bands from the best,
//! a band holding more than its cap (⌊group size × percent ÷ 100⌋) sends its
//! lowest-ranked members down one band; they count in the next band, which
//! may overflow in turn. The result does not depend on input order.

use super::scorecard::Scored;
use crate::data::{Data, COMPANY};
use crate::policy::{Calibration, KpiScope, Policy};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub group: String,
    pub id: String,
    pub score: Decimal,
    pub band: String,
    /// The original band, when moved.
    pub moved_from: Option<String>,
}

/// The stage: each scored employee's band calibrated within its group, the
/// band before recorded when it moved.
pub(super) fn stage(policy: &Policy, c: &Calibration, data: &Data, scored: &mut [Scored]) {
    let mut view: Vec<Member> = scored
        .iter()
        .map(|s| {
            let e = &data.employees[s.employee];
            Member {
                group: if c.scope == KpiScope::Company {
                    COMPANY.to_owned()
                } else {
                    e.department.clone()
                },
                id: e.id.clone(),
                score: s.score,
                band: s.band.clone(),
                moved_from: None,
            }
        })
        .collect();
    apply(policy, c, &mut view);
    for (s, m) in scored.iter_mut().zip(view) {
        s.band = m.band;
        s.calibrated_from = m.moved_from;
    }
}

pub fn apply(policy: &Policy, c: &Calibration, members: &mut [Member]) {
    let bands: Vec<&str> = policy
        .rating_bands
        .iter()
        .map(|b| b.band.as_str())
        .collect();
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, m) in members.iter().enumerate() {
        groups.entry(m.group.clone()).or_default().push(i);
    }
    for idx in groups.values_mut() {
        idx.sort_by(|&a, &b| {
            members[b]
                .score
                .cmp(&members[a].score)
                .then_with(|| members[a].id.cmp(&members[b].id))
        });
        let n = Decimal::from(idx.len());
        for (level, band) in bands.iter().enumerate().take(bands.len().saturating_sub(1)) {
            let Some(pct) = c.max_percent.get(*band) else {
                continue;
            };
            let cap = (n * pct.0 / Decimal::ONE_HUNDRED)
                .floor()
                .to_usize()
                .unwrap_or(0);
            let holders: Vec<usize> = idx
                .iter()
                .copied()
                .filter(|&i| members[i].band == *band)
                .collect();
            for &i in holders.iter().skip(cap) {
                let m = &mut members[i];
                if m.moved_from.is_none() {
                    m.moved_from = Some(m.band.clone());
                }
                m.band = bands[level + 1].to_owned();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Dec;
    use crate::policy::KpiScope;

    fn policy() -> Policy {
        let yaml = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/policies/platform-ops/policy.yaml"
        ))
        .unwrap();
        serde_yaml::from_str(&yaml).unwrap()
    }

    #[test]
    fn caps_move_the_lowest_ranked_down_deterministically() {
        let p = policy();
        // Bands S ≥ 120, A ≥ 105, B ≥ 90 … At most 10% S and 20% A in a group of 10: 1 S, 2 A.
        let c = Calibration {
            scope: KpiScope::Department,
            max_percent: [
                ("S".to_string(), Dec("10".parse().unwrap())),
                ("A".to_string(), Dec("20".parse().unwrap())),
            ]
            .into(),
        };
        let scores = [
            "130", "125", "121", "110", "110", "108", "95", "92", "80", "60",
        ];
        let bands = ["S", "S", "S", "A", "A", "A", "B", "B", "C", "D"];
        let mut m: Vec<Member> = scores
            .iter()
            .zip(bands)
            .enumerate()
            .map(|(i, (s, b))| Member {
                group: "g".into(),
                id: format!("E{:02}", 10 - i),
                score: s.parse().unwrap(),
                band: b.into(),
                moved_from: None,
            })
            .rev()
            .collect();
        apply(&p, &c, &mut m);
        m.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
        let got: Vec<(&str, &str, Option<&str>)> = m
            .iter()
            .map(|x| (x.id.as_str(), x.band.as_str(), x.moved_from.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("E10", "S", None),
                // 125 and 121 exceed the one S place: down to A, which now holds 5 for 2 places
                ("E09", "A", Some("S")),
                ("E08", "A", Some("S")),
                // the two 110s tie: E06 ranks before E07 by id, both move on to B
                ("E06", "B", Some("A")),
                ("E07", "B", Some("A")),
                ("E05", "B", Some("A")),
                ("E04", "B", None),
                ("E03", "B", None),
                ("E02", "C", None),
                ("E01", "D", None),
            ]
        );
    }
}
