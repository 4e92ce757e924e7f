//! Five employees of the example, 2026-Q3, worked out by hand from the
//! fixture rows (fixtures/platform-ops/*.csv) and the policy
//! (policies/platform-ops/policy.yaml). Every step below was computed on
//! paper with exact decimals; the test asserts merit's output equals it.
//!
//! Rules used (docs/policy.md): achievement = actual ÷ target (lower is
//! better: 2 − actual ÷ target), rounded half-up to 4 places; ratio and mean
//! actuals rounded to 6 places; KPI and final scores rounded to 2 places;
//! contribution = score × weight ÷ 100; target bonus = base × pct ÷ 100 × 3 ÷ 12;
//! bonus = min(formula, 1.5 × target bonus) × days employed ÷ 92, rounded to cents.

mod common;
use common::*;
use std::collections::BTreeMap;

struct Run {
    payouts: BTreeMap<String, Vec<String>>,
    scores: BTreeMap<(String, String), Vec<String>>,
    _dir: tempfile::TempDir,
}

fn q3() -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&example_policy(), &example_data(), "2026-Q3", &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = |f: &str| -> Vec<Vec<String>> {
        std::fs::read_to_string(out.join(f))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect()
    };
    Run {
        payouts: rows("payouts.csv")
            .into_iter()
            .map(|r| (r[0].clone(), r))
            .collect(),
        scores: rows("scores.csv")
            .into_iter()
            .map(|r| ((r[0].clone(), r[2].clone()), r))
            .collect(),
        _dir: dir,
    }
}

impl Run {
    /// (actual, target, achievement, score, weight, contribution) of one KPI line.
    fn kpi(&self, emp: &str, kpi: &str) -> [&str; 6] {
        let r = &self.scores[&(emp.to_owned(), kpi.to_owned())];
        [&r[5], &r[6], &r[8], &r[9], &r[11], &r[12]]
    }
    /// (score, rating, bonus, project_bonus, total_payout)
    fn payout(&self, emp: &str) -> [&str; 5] {
        let r = &self.payouts[emp];
        [&r[5], &r[6], &r[7], &r[8], &r[9]]
    }
}

#[test]
fn e001_team_lead_full_quarter() {
    let r = q3();
    // new_users: registrations 562 + 683 + 706 = 1951; target 1785
    // 1951 / 1785 = 1.092997… → 1.0930; curve target→stretch: 100 + 0.0930 × 150 = 113.95; × 20% = 22.79
    assert_eq!(
        r.kpi("E001", "new_users"),
        ["1951", "1785", "1.0930", "113.95", "20", "22.79"]
    );
    // gmv: 268173.11 + 325699.56 + 336733.97 = 930606.64; / 850983 = 1.093566… → 1.0936
    // 100 + 0.0936 × 150 = 114.04; × 20% = 22.808
    assert_eq!(
        r.kpi("E001", "gmv"),
        ["930606.64", "850983", "1.0936", "114.04", "20", "22.808"]
    );
    // dau (department growth, mean): (93459 + 95682 + 105240) / 3 = 98127; / 105728 = 0.928107… → 0.9281
    // threshold→target: 60 + (0.9281 − 0.8) × 200 = 85.62; × 30% = 25.686
    assert_eq!(
        r.kpi("E001", "dau"),
        ["98127", "105728", "0.9281", "85.62", "30", "25.686"]
    );
    // complaint_rate (lower is better): 149 / 7362 = 0.0202390… → 0.020239
    // 2 − 0.020239 / 0.02 = 0.98805 → 0.9881; 50 + (0.9881 − 0.5) × 100 = 98.81; × 10% = 9.881
    assert_eq!(
        r.kpi("E001", "complaint_rate"),
        ["0.020239", "0.02", "0.9881", "98.81", "10", "9.881"]
    );
    // review: rating 3 → 100; × 20% = 20
    // score: 22.79 + 22.808 + 25.686 + 9.881 + 20 = 101.165 → 101.17 (half up) → band B (90 ≤ s < 105)
    // target bonus: 240000 × 25% × 3/12 = 15000; formula 15000 × 101.17% × 1.0 = 15175.50; cap 22500
    assert_eq!(
        r.payout("E001"),
        ["101.17", "B", "15175.50", "0.00", "15175.50"]
    );
}

#[test]
fn e010_hired_mid_quarter_is_prorated() {
    let r = q3();
    // hired 2026-08-17: rows for Aug and Sep only; targets cover those months.
    // new_users: 617 + 733 = 1350 / 1154 = 1.169844… → 1.1698 → 100 + 0.1698 × 150 = 125.47; × 30% = 37.641
    assert_eq!(
        r.kpi("E010", "new_users"),
        ["1350", "1154", "1.1698", "125.47", "30", "37.641"]
    );
    // retention: (261 + 285) / (617 + 733) = 546 / 1350 = 0.404444…; / 0.40 = 1.0111
    // 100 + 0.0111 × 150 = 101.665 → 101.67; × 20% = 20.334
    assert_eq!(
        r.kpi("E010", "retention"),
        ["0.404444", "0.4", "1.0111", "101.67", "20", "20.334"]
    );
    // uv: 35226 + 41890 = 77116 / 65878 = 1.170588… → 1.1706 → 125.59; × 10% = 12.559
    // dau: shared with the growth department: 85.62 × 10% = 8.562
    // complaint_rate: 44 / 3376 = 0.013033; 2 − 0.65165 = 1.34835 → 1.3484
    // 100 + 0.3484 × 40 = 113.936 → 113.94; × 10% = 11.394
    assert_eq!(
        r.kpi("E010", "complaint_rate"),
        ["0.013033", "0.02", "1.3484", "113.94", "10", "11.394"]
    );
    // review: rating 4 → 115 × 20% = 23
    // score: 37.641 + 20.334 + 12.559 + 8.562 + 11.394 + 23 = 113.49 → A (× 1.1)
    // target bonus 399000 × 20% × 3/12 = 19950; formula 19950 × 1.1349 × 1.1 = 24905.3805
    // proration: employed 2026-08-17..2026-09-30 = 15 + 30 = 45 of 92 days
    // 24905.3805 × 45 / 92 = 12181.979592… → 12181.98
    assert_eq!(
        r.payout("E010"),
        ["113.49", "A", "12181.98", "0.00", "12181.98"]
    );
}

#[test]
fn e020_leaver_is_prorated() {
    let r = q3();
    // left 2026-08-15: employed 2026-07-01..2026-08-15 = 31 + 15 = 46 of 92 days
    // gmv 583803.74 / 530032 = 1.1014 → 115.21 × 30% = 34.563
    // orders 2378 / 2908 = 0.8177 → 60 + 0.0177 × 200 = 63.54 × 15% = 9.531
    // dau (commerce, mean): 480337 / 3 = 160112.333333; / 147456 = 1.0858 → 112.87 × 10% = 11.287
    assert_eq!(
        r.kpi("E020", "dau"),
        [
            "160112.333333",
            "147456",
            "1.0858",
            "112.87",
            "10",
            "11.287"
        ]
    );
    // purchase_conversion: 2378 / 64075 = 0.037113; / 0.05 = 0.7423 < 0.90 threshold → 0
    assert_eq!(
        r.kpi("E020", "purchase_conversion"),
        ["0.037113", "0.05", "0.7423", "0.00", "15", "0"]
    );
    // complaint_rate 36 / 2378 = 0.015139; 2 − 0.75695 = 1.2431 → 109.72 × 10% = 10.972; review 3 → 20
    // score: 34.563 + 9.531 + 11.287 + 0 + 10.972 + 20 = 86.353 → 86.35 → C (× 0.6)
    // target bonus 249000 × 12% × 3/12 = 7470; formula 7470 × 0.8635 × 0.6 = 3870.207
    // × 46 / 92 = 1935.1035 → 1935.10
    assert_eq!(
        r.payout("E020"),
        ["86.35", "C", "1935.10", "0.00", "1935.10"]
    );
}

#[test]
fn e030_missing_rating_renormalises_and_is_capped() {
    let r = q3();
    // No Q3 rating; review.missing = renormalize: KPI weights × 100 / (100 − 20) = × 1.25
    // retention 1213 / 2834 = 0.428017; / 0.4 = 1.0700 → 110.50 × 18.75% = 20.71875
    assert_eq!(
        r.kpi("E030", "retention"),
        ["0.428017", "0.4", "1.0700", "110.50", "18.75", "20.71875"]
    );
    // uv 216775 / 174144 = 1.2448 → above stretch: 100 + 0.2448 × 150 = 136.72 × 25% = 34.18
    assert_eq!(
        r.kpi("E030", "uv"),
        ["216775", "174144", "1.2448", "136.72", "25", "34.18"]
    );
    // pv 706187 / 522432 = 1.3517 → 152.755 → capped at 150 × 31.25% = 46.875
    assert_eq!(
        r.kpi("E030", "pv"),
        ["706187", "522432", "1.3517", "150.00", "31.25", "46.875"]
    );
    // dau (content) 210448 / 3 = 70149.333333; / 70354 = 0.9971 → 99.42 × 25% = 24.855
    // no review line at all (never a silent zero)
    assert!(!r
        .scores
        .contains_key(&("E030".into(), "manager_review".into())));
    // score 20.71875 + 34.18 + 46.875 + 24.855 = 126.62875 → 126.63 → S (× 1.2)
    // target bonus 397000 × 20% × 3/12 = 19850; formula 19850 × 1.2663 × 1.2 = 30163.266
    // cap 1.5 × 19850 = 29775 → 29775.00
    assert_eq!(
        r.payout("E030"),
        ["126.63", "S", "29775.00", "0.00", "29775.00"]
    );
}

#[test]
fn e012_with_an_approved_project_bonus() {
    let r = q3();
    // gmv 386565.60 / 358695 = 1.0777 → 111.655 → 111.66 × 30% = 33.498
    // orders 4244 / 4233 = 1.0026 → 100.39 × 15% = 15.0585
    // dau 112.87 × 10% = 11.287
    // purchase_conversion 4244 / 91290 = 0.046489; / 0.05 = 0.9298 → 70 + 0.0298 × 300 = 78.94 × 15% = 11.841
    assert_eq!(
        r.kpi("E012", "purchase_conversion"),
        ["0.046489", "0.05", "0.9298", "78.94", "15", "11.841"]
    );
    // complaint_rate 76 / 4244 = 0.017908; 2 − 0.8954 = 1.1046 → 104.184 → 104.18 × 10% = 10.418; review 3 → 20
    // score 33.498 + 15.0585 + 11.287 + 11.841 + 10.418 + 20 = 102.1025 → 102.10 → B (× 1.0)
    // target bonus 436000 × 20% × 3/12 = 21800; × 1.021 = 22257.80
    // project 会员体系上线, period 2026-08 (inside Q3), approved: 8000.00 → total 30257.80
    assert_eq!(
        r.payout("E012"),
        ["102.10", "B", "22257.80", "8000.00", "30257.80"]
    );
    // E025's project is not approved: no project bonus
    assert_eq!(r.payout("E025")[3], "0.00");
}

#[test]
fn not_employed_in_period_is_listed_not_paid() {
    let r = q3();
    // E040 is hired 2026-10-05, after Q3: no payout row, and named in the manifest.
    assert!(!r.payouts.contains_key("E040"));
    assert_eq!(r.payouts.len(), 39);
}
