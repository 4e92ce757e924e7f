//! Stage: bonus pools — scale a group's bonuses to its budget and allocate
//! exactly to the cent by the largest-remainder method.

use super::{EmployeeResult, PoolUse};
use crate::data::{Data, COMPANY};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::period::Period;
use crate::policy::KpiScope;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{ToPrimitive, Zero};
use rust_decimal::Decimal;

/// Scales `amounts` (already rounded to `places`) so they sum exactly to
/// `budget` (at most `places` decimals): each gets ⌊amount × budget ÷ total⌋
/// at `places`, and the units left over go one each to the largest
/// remainders, ties broken by the order of `ids` (callers pass them sorted
/// by employee id). Integer arithmetic in units of the last place, so equal
/// remainders are equal. Returns the amounts unchanged when the total is zero.
pub fn allocate(ids: &[&str], amounts: &[Decimal], budget: Decimal, places: u32) -> Vec<Decimal> {
    let units = |d: Decimal| -> BigInt {
        let mut d = d;
        d.rescale(places);
        BigInt::from(d.mantissa())
    };
    let a: Vec<BigInt> = amounts.iter().map(|&x| units(x)).collect();
    let total: BigInt = a.iter().sum();
    if total.is_zero() {
        return amounts.to_vec();
    }
    let b = units(budget);
    let mut shares: Vec<(BigInt, BigInt)> = a.iter().map(|x| (x * &b).div_rem(&total)).collect();
    let allocated: BigInt = shares.iter().map(|(q, _)| q).sum();
    // The remainders sum to exactly `left` totals, each below one, so
    // `left` is smaller than the number of people with a remainder.
    let left = (&b - allocated).to_usize().unwrap_or(0);
    let mut order: Vec<usize> = (0..amounts.len()).collect();
    order.sort_by(|&x, &y| {
        shares[y]
            .1
            .cmp(&shares[x].1)
            .then_with(|| ids[x].cmp(ids[y]))
    });
    for &i in order.iter().take(left) {
        shares[i].0 += 1;
    }
    shares
        .into_iter()
        .map(|(q, _)| {
            // q ≤ the budget in units, itself a Decimal mantissa (96 bits).
            let q = q.to_i128().expect("an allocation is at most the budget");
            Decimal::from_i128_with_scale(q, places)
        })
        .collect()
}

/// A funded pool's budget: share × (the KPI's actual for `subject` − the
/// hurdle), not below 0, at most the cap, cut down to the cent.
fn funded(
    policy: &crate::policy::Policy,
    f: &crate::policy::modifier::Funding,
    data: &Data,
    aggs: &crate::data::metrics::Aggs,
    subject: &str,
) -> std::result::Result<Decimal, String> {
    let r = &policy.rounding;
    let k = policy
        .kpis
        .iter()
        .find(|k| k.id == f.kpi)
        .ok_or("unknown funding KPI")?;
    let ix = data.subjects.get(subject);
    let actual = super::kpi::actual(&k.aggregate, |m| aggs.get(ix, m), r.actual_places, r.mode)
        .map_err(|_| {
            format!(
                "the pool of '{subject}' is funded by KPI '{}', which has no value for it",
                f.kpi
            )
        })?;
    let above = (crate::exact::Exact::from(actual) - crate::exact::Exact::from(f.above.0))
        .max(crate::exact::Exact::zero());
    let mut budget = above * f.share.0;
    if let Some(cap) = f.cap {
        budget = budget.min(crate::exact::Exact::from(cap.0));
    }
    budget
        .round(r.money_places, crate::decimal::RoundingMode::Down)
        .ok_or_else(|| format!("the pool of '{subject}' is too large for a decimal"))
}

/// Scales each pool's bonuses to its budget (`bonus.pool`), after cap,
/// proration and rounding; records how each bonus changed.
pub fn apply(
    policy: &crate::policy::Policy,
    pool: &crate::policy::Pool,
    data: &Data,
    period: &Period,
    aggs: &crate::data::metrics::Aggs,
    employees: &mut [EmployeeResult],
) -> Result<()> {
    let mut groups: std::collections::BTreeMap<String, Vec<usize>> =
        std::collections::BTreeMap::new();
    for (i, r) in employees.iter().enumerate() {
        let e = &data.employees[r.employee];
        let key = if pool.scope == KpiScope::Company {
            COMPANY.to_owned()
        } else {
            e.department.clone()
        };
        groups.entry(key).or_default().push(i);
    }
    let mut diags = Diagnostics::default();
    let budgets_file = data.file_path("budgets");
    for (subject, idx) in groups {
        let budget = match &pool.funding {
            Some(f) => funded(policy, f, data, aggs, &subject),
            None => data
                .budgets
                .get(&(subject.clone(), period.label.clone()))
                .copied()
                .ok_or_else(|| format!("no bonus pool budget for '{subject}' in {period}")),
        };
        let budget = match budget {
            Ok(b) => b,
            Err(m) => {
                // A funded pool reads the metrics, not the budgets table.
                let file = match pool.funding {
                    Some(_) => data.file_path("metrics"),
                    None => budgets_file.clone(),
                };
                diags.push(Diagnostic::error(file, m));
                continue;
            }
        };
        let amounts: Vec<Decimal> = idx.iter().map(|&i| employees[i].bonus).collect();
        let requested: Decimal = amounts.iter().sum();
        let scale = match pool.scale {
            crate::policy::PoolScale::DownOnly => requested > budget,
            crate::policy::PoolScale::Both => requested != budget,
        };
        if scale && requested.is_zero() {
            diags.push(Diagnostic::error(
                &budgets_file,
                format!("the pool of '{subject}' for {period} must pay its budget ({budget}) in proportion to the bonuses, but its {} bonuses sum to zero", idx.len()),
            ));
            continue;
        }
        if !scale {
            continue;
        }
        let ids: Vec<&str> = idx
            .iter()
            .map(|&i| data.employees[employees[i].employee].id.as_str())
            .collect();
        let pooled = allocate(&ids, &amounts, budget, policy.rounding.money_places);
        for (&i, v) in idx.iter().zip(pooled) {
            let r = &mut employees[i];
            r.pool = Some(Box::new(PoolUse {
                pool: subject.clone(),
                budget,
                requested,
                before: r.bonus,
            }));
            r.bonus = v;
        }
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn hand_worked_pool() {
        // Three bonuses 1000.00, 2000.00, 3000.00 (total 6000) into a 5000.00 budget:
        // exact shares 833.333…, 1666.666…, 2500; floors 833.33, 1666.66, 2500.00 = 4999.99;
        // one cent left goes to the largest remainder, 0.00666… (B) → 833.33, 1666.67, 2500.00.
        let got = allocate(
            &["A", "B", "C"],
            &[d("1000.00"), d("2000.00"), d("3000.00")],
            d("5000.00"),
            2,
        );
        assert_eq!(got, vec![d("833.33"), d("1666.67"), d("2500.00")]);
        assert_eq!(got.iter().sum::<Decimal>(), d("5000.00"));
        // Equal remainders: ties go by employee id.
        let got = allocate(&["E1", "E2", "E3"], &[d("1"), d("1"), d("1")], d("1.00"), 2);
        assert_eq!(got, vec![d("0.34"), d("0.33"), d("0.33")]);
        // Equal remainders are equal however large the share: 4.00, 1.00 and
        // 1.00 into 2.00 give 1.333…, 0.333…, 0.333…; floors sum to 1.99 and
        // the cent goes by id to E1. (Quotients cut at 28 digits made E2's
        // remainder 0.00333…3 look larger than E1's 0.00333…, one digit shorter.)
        let got = allocate(
            &["E1", "E2", "E3"],
            &[d("4.00"), d("1.00"), d("1.00")],
            d("2.00"),
            2,
        );
        assert_eq!(got, vec![d("1.34"), d("0.33"), d("0.33")]);
    }

    fn cents() -> impl Strategy<Value = Decimal> {
        (0i64..5_000_000).prop_map(|c| Decimal::new(c, 2))
    }

    proptest! {
        #[test]
        fn pools_sum_exactly_to_the_budget(amounts in proptest::collection::vec(cents(), 1..40), budget in (1i64..100_000_000).prop_map(|c| Decimal::new(c, 2))) {
            let ids: Vec<String> = (0..amounts.len()).map(|i| format!("E{i:03}")).collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let total: Decimal = amounts.iter().sum();
            let got = allocate(&ids, &amounts, budget, 2);
            if total.is_zero() {
                prop_assert_eq!(&got, &amounts);
            } else {
                prop_assert_eq!(got.iter().sum::<Decimal>(), budget);
                for (i, (a, g)) in amounts.iter().zip(&got).enumerate() {
                    prop_assert!(*g >= Decimal::ZERO);
                    prop_assert_eq!(g.scale(), 2);
                    // scaling down never raises anyone; scaling up never lowers anyone
                    if budget <= total { prop_assert!(g <= a, "{} {} {}", i, a, g); } else { prop_assert!(g >= a); }
                    // a larger bonus never ends with a smaller share
                    for (b, h) in amounts.iter().zip(&got) {
                        if a > b { prop_assert!(g >= h, "{} > {} but {} < {}", a, b, g, h); }
                    }
                }
            }
        }
    }
}
