//! Random policies in the reference's subset.

use super::{inexact, Flags, Rng};
use crate::reference::bonus::BonusScript;
use crate::reference::num::{self, Mode, Q};
use crate::reference::period::{Kind, Period};
use crate::reference::policy::*;
use std::collections::BTreeMap;

pub const BAND_CODES: [&str; 5] = ["S", "A", "B", "C", "D"];

pub fn generate(rng: &mut Rng, f: &Flags, period: Period) -> Policy {
    let rounding = rounding(&mut rng.fork(1), f);
    let scorings = scorings(&mut rng.fork(2), f);
    let kpis = kpis(&mut rng.fork(3), f, &scorings);
    let roles = roles(&mut rng.fork(4), f, &kpis);
    let bands = bands(&mut rng.fork(5));
    let mut r = rng.fork(6);
    Policy {
        currency: "CNY".into(),
        effective: (None, None),
        rounding,
        review: roles
            .values()
            .any(|r| r.review_weight > num::zero())
            .then(|| review(&mut r)),
        bonus: bonus(&mut rng.fork(7), f, &kpis, &bands),
        calibration: f.calibration.then(|| calibration(&mut rng.fork(8), &bands)),
        year_from_quarters: (f.quarters && period.kind == Kind::Year).then(|| {
            let choices: &[[i64; 4]] = if inexact() {
                &[
                    [20, 20, 30, 30],
                    [25, 25, 25, 25],
                    [10, 20, 30, 40],
                    [20, 30, 30, 20],
                ]
            } else {
                // every run of consecutive quarters sums to 20, 50, 80 or 100
                &[[20, 30, 30, 20]]
            };
            rng.fork(9)
                .pick(choices)
                .iter()
                .map(|&w| num::int(w))
                .collect()
        }),
        fx_average: f.fx.then(|| rng.fork(10).chance(50)),
        inputs: vec![],
        commissions: vec![],
        kpis,
        scorings,
        roles,
        bands,
    }
}

fn rounding(rng: &mut Rng, f: &Flags) -> Rounding {
    if !f.rounding {
        return Rounding {
            money: 2,
            actual: 6,
            achievement: 4,
            score: 2,
            mode: Mode::HalfUp,
        };
    }
    Rounding {
        money: rng.pick(&[0, 1, 2, 2, 3]),
        actual: rng.pick(&[2, 3, 4, 6, 8]),
        achievement: rng.pick(&[2, 3, 4, 4, 5]),
        score: rng.pick(&[0, 1, 2, 2, 3]),
        mode: rng.pick(&[Mode::HalfUp, Mode::HalfEven, Mode::Down, Mode::Up]),
    }
}

/// Spans between curve points: 1 ÷ span terminates unless inexact.
fn span(rng: &mut Rng) -> Q {
    if inexact() && rng.chance(40) {
        rng.pick_d(&["0.3", "0.15", "0.35", "0.45"])
    } else {
        rng.pick_d(&["0.1", "0.2", "0.25", "0.4", "0.5"])
    }
}

fn curve(rng: &mut Rng) -> Scoring {
    let a1 = rng.pick_d(&["1", "1", "1", "0.9", "1.1"]);
    let a0 = &a1 - span(rng);
    let a2 = &a1 + span(rng);
    let s0 = rng.pick_d(&["0", "40", "50", "60", "62.5", "70", "80"]);
    let s1 = rng.pick_d(&["100", "100", "90", "105"]);
    let s2 = &s1 + rng.pick_d(&["10", "20", "30", "50", "12.5"]);
    let below = rng.pick_d(&["0", "0", "10", "20"]);
    let below = if below > s0 { num::zero() } else { below };
    let cap = rng
        .chance(50)
        .then(|| &s2 + rng.pick_d(&["0", "10", "20", "50"]));
    Scoring::Curve {
        points: [(a0, s0), (a1, s1), (a2, s2)],
        below,
        cap,
    }
}

fn tiers(rng: &mut Rng) -> Scoring {
    let all = ["0.5", "0.6", "0.8", "0.9", "1", "1.1", "1.2", "1.5"];
    let mut cuts: Vec<Q> = all
        .iter()
        .filter(|_| rng.chance(35))
        .map(|s| num::d(s))
        .collect();
    if cuts.is_empty() {
        cuts.push(num::int(1));
    }
    let marginal = rng.chance(50);
    let mut froms = vec![num::zero()];
    froms.extend(cuts);
    let mut level = num::zero();
    let steps = (0..froms.len())
        .map(|i| {
            let value = if marginal {
                rng.pick_d(&[
                    "0", "20", "50", "80", "100", "120", "150", "200", "300", "550",
                ])
            } else {
                level += rng.pick_d(&["0", "5", "10", "20", "25", "30", "12.5"]);
                level.clone()
            };
            Step {
                from: froms[i].clone(),
                to: froms.get(i + 1).cloned(),
                value,
            }
        })
        .collect();
    Scoring::Tiers {
        marginal,
        steps,
        cap: rng
            .chance(50)
            .then(|| rng.pick_d(&["100", "120", "130", "150"])),
    }
}

fn scorings(rng: &mut Rng, f: &Flags) -> BTreeMap<String, Scoring> {
    (1..=rng.range(1, 3))
        .map(|i| {
            let s = if f.tiers && rng.chance(50) {
                tiers(rng)
            } else {
                curve(rng)
            };
            (format!("s{i}"), s)
        })
        .collect()
}

fn simple_target(rng: &mut Rng, agg: &Agg) -> Target {
    if rng.chance(50) {
        return Target::Table;
    }
    Target::Fixed(match agg {
        Agg::Ratio(..) => rng.pick_d(&["0.05", "0.4", "0.125", "0.02", "1.5"]),
        _ => rng.pick_d(&["100", "250", "1000", "1200.5", "80", "5000"]),
    })
}

fn target(rng: &mut Rng, f: &Flags, agg: &Agg, scope: Scope) -> Target {
    let mut kinds = vec![0];
    if f.history {
        kinds.extend([1, 1]);
    }
    if f.benchmark {
        kinds.push(2);
    }
    if f.cascade && scope == Scope::Individual {
        kinds.extend([3, 3]);
    }
    if f.history && f.benchmark {
        kinds.push(4);
    }
    match rng.pick(&kinds) {
        1 => history(rng, agg, true),
        2 => Target::Benchmark(rng.pick_d(&["1", "0.9", "1.05", "0.5"])),
        3 => Target::Cascade {
            from: if rng.chance(70) {
                Scope::Department
            } else {
                Scope::Company
            },
            share: if rng.chance(50) {
                Share::Equal
            } else {
                Share::BaseSalary
            },
        },
        4 => {
            let list = vec![
                history(rng, agg, false),
                Target::Benchmark(rng.pick_d(&["1", "0.9", "0.5"])),
            ];
            if rng.chance(50) {
                Target::Max(list)
            } else {
                Target::Min(list)
            }
        }
        _ => simple_target(rng, agg),
    }
}

fn has_history(t: &Target) -> bool {
    match t {
        Target::History { .. } => true,
        Target::Max(l) | Target::Min(l) => l.iter().any(has_history),
        _ => false,
    }
}

fn history(rng: &mut Rng, agg: &Agg, may_fall_back: bool) -> Target {
    let fallback = match rng.below(4) {
        0 if may_fall_back => Some(Box::new(simple_target(rng, agg))),
        1 => Some(Box::new(Target::Benchmark(num::int(1)))),
        _ => None,
    };
    Target::History {
        // the mean of 3 past periods does not terminate
        periods: if inexact() {
            rng.range(1, 4)
        } else {
            rng.pick(&[1, 2, 4])
        },
        statistic: rng.pick(&[Statistic::Mean, Statistic::Median, Statistic::Max]),
        growth: rng.pick_d(&["0", "0.05", "0.08", "-0.1", "0.125"]),
        fallback,
    }
}

fn kpis(rng: &mut Rng, f: &Flags, scorings: &BTreeMap<String, Scoring>) -> Vec<Kpi> {
    let names: Vec<&String> = scorings.keys().collect();
    (1..=rng.range(1, 4))
        .map(|i| {
            let id = format!("k{i}");
            let agg = match rng.below(6) {
                0 => Agg::Sum(format!("{id}_v")),
                1 => Agg::Mean(format!("{id}_v")),
                2 => Agg::Last(format!("{id}_v")),
                3 => Agg::Max(format!("{id}_v")),
                4 => Agg::Min(format!("{id}_v")),
                _ => Agg::Ratio(format!("{id}_n"), format!("{id}_d")),
            };
            let scope = match rng.below(10) {
                0..=2 if f.team => Scope::Department,
                3 if f.team => Scope::Company,
                _ => Scope::Individual,
            };
            let target = target(rng, f, &agg, scope);
            // past means and ratios (a third, say) do not terminate
            let agg = match agg {
                Agg::Mean(_) | Agg::Ratio(..) if has_history(&target) && !inexact() => {
                    Agg::Sum(format!("{id}_v"))
                }
                a => a,
            };
            // Mostly the default; the others where data leaves gaps.
            let missing = match rng.below(8) {
                0 => Missing::Zero,
                1 => Missing::Prorate,
                2 => Missing::Any,
                _ => Missing::Error,
            };
            Kpi {
                target,
                missing,
                lower: f.lower && rng.chance(40),
                scoring: rng.pick(&names).clone(),
                id,
                agg,
                scope,
            }
        })
        .collect()
}

/// Splits `total` into `n` positive parts (whole numbers, or halves).
fn split(rng: &mut Rng, total: &Q, n: usize) -> Vec<Q> {
    let unit = if rng.chance(25) {
        num::ratio(1, 2)
    } else {
        num::int(1)
    };
    let units = (total / &unit).to_integer();
    let units: i64 = units.try_into().unwrap();
    let mut cuts: Vec<i64> = (0..n - 1).map(|_| rng.range(1, units - 1)).collect();
    cuts.sort();
    cuts.dedup();
    if cuts.len() < n - 1 {
        // collisions: fall back to evenly spread cuts
        cuts = (1..n as i64).map(|k| k * units / n as i64).collect();
    }
    let mut prev = 0;
    let mut out = vec![];
    for c in cuts.into_iter().chain([units]) {
        out.push(num::int(c - prev) * &unit);
        prev = c;
    }
    out
}

fn roles(rng: &mut Rng, f: &Flags, kpis: &[Kpi]) -> BTreeMap<String, Role> {
    (1..=rng.range(1, 3))
        .map(|_| {
            let mut chosen: Vec<&Kpi> = kpis.iter().filter(|_| rng.chance(60)).collect();
            if chosen.is_empty() {
                chosen.push(&kpis[rng.below(kpis.len() as u64) as usize]);
            }
            let rw = if f.review && rng.chance(80) {
                if inexact() && rng.chance(50) {
                    rng.pick_d(&["10", "25", "30", "40", "70"])
                } else {
                    // 100 − rw has only the factors 2 and 5
                    rng.pick_d(&["20", "20", "50", "60", "75", "80"])
                }
            } else {
                num::zero()
            };
            let parts = split(rng, &(num::int(100) - &rw), chosen.len());
            Role {
                weights: chosen.iter().map(|k| k.id.clone()).zip(parts).collect(),
                review_weight: rw,
            }
        })
        .map({
            let mut n = 0;
            move |r| {
                n += 1;
                (format!("r{n}"), r)
            }
        })
        .collect()
}

fn review(rng: &mut Rng) -> Review {
    let mut scale = vec![];
    let mut score = num::int(rng.pick(&[20, 30, 40]));
    for rating in 1..=5 {
        if rating == 3 || rng.chance(70) {
            scale.push((num::int(rating), score.clone()));
        }
        score += rng.pick_d(&["10", "15", "20", "30", "12.5"]);
    }
    Review {
        scale,
        renormalize: rng.chance(90),
    }
}

fn bands(rng: &mut Rng) -> Vec<Band> {
    let n = rng.range(2, 5) as usize;
    let mut mins: Vec<Q> = vec![];
    let pool = [
        "130", "120", "115", "110", "105", "100", "99.5", "95", "90", "85", "80", "70", "60",
    ];
    while mins.len() < n - 1 {
        let m = rng.pick_d(&pool);
        if !mins.contains(&m) {
            mins.push(m);
        }
    }
    mins.sort_by(|a, b| b.cmp(a));
    let codes = &BAND_CODES[5 - n..];
    codes
        .iter()
        .enumerate()
        .map(|(i, c)| Band {
            code: c.to_string(),
            min: mins.get(i).cloned(),
        })
        .collect()
}

fn bonus(rng: &mut Rng, f: &Flags, kpis: &[Kpi], bands: &[Band]) -> Bonus {
    let mults = [
        "0", "0.5", "0.6", "0.8", "1", "1", "1.1", "1.2", "1.25", "1.3", "1.5",
    ];
    let script = BonusScript {
        threshold: (f.threshold && rng.chance(70))
            .then(|| rng.pick_d(&["50", "60", "70", "80.5", "100"])),
        multipliers: {
            let mut m = vec![];
            for b in bands {
                if rng.chance(75) {
                    m.push((b.code.clone(), rng.pick_d(&mults)));
                }
            }
            m
        },
        default: rng.pick_d(&mults),
    };
    let gates = if f.gates {
        (0..rng.range(1, 2)).map(|_| gate(rng, kpis)).collect()
    } else {
        vec![]
    };
    Bonus {
        script,
        cap: (f.cap && rng.chance(80)).then(|| rng.pick_d(&["1", "1.2", "1.25", "1.5", "2"])),
        prorate: !rng.chance(20),
        gates,
        pool: f.pool.then(|| Pool {
            scope: if rng.chance(60) {
                Scope::Department
            } else {
                Scope::Company
            },
            both: rng.chance(50),
        }),
        projects: !rng.chance(15),
    }
}

fn gate(rng: &mut Rng, kpis: &[Kpi]) -> Gate {
    let k = rng.pick(kpis);
    let mut g = Gate {
        kpi: k.id.clone(),
        ..Gate::default()
    };
    match rng.below(4) {
        0 => g.min_actual = Some(rng.pick_d(&["0", "50", "100", "0.04"])),
        1 => g.below_actual = Some(rng.pick_d(&["1000", "100", "0.05", "5000"])),
        2 => g.min_achievement = Some(rng.pick_d(&["0.8", "0.9", "1", "0.5"])),
        _ => {
            g.min_achievement = Some(rng.pick_d(&["0.7", "0.9"]));
            g.below_actual = Some(rng.pick_d(&["10000", "2000"]));
        }
    }
    // Partial gates (docs/policy.md): about half the gates keep P % of the
    // formula when shut; 0 behaves as a full gate, 100 is refused by check.
    // Drawn from a fork so the rest of the bonus section is unchanged.
    let mut pr = rng.fork(0x9a7e);
    if pr.chance(50) {
        g.pay_percent = Some(pr.pick_d(&["0", "25", "50", "80", "33.3333", "66.6667", "12.5"]));
    }
    g
}

fn calibration(rng: &mut Rng, bands: &[Band]) -> Calibration {
    let top = &bands[..bands.len() - 1];
    let mut max_percent: BTreeMap<String, Q> = BTreeMap::new();
    for b in top.iter().take(2) {
        if max_percent.is_empty() || rng.chance(60) {
            max_percent.insert(
                b.code.clone(),
                rng.pick_d(&["0", "10", "20", "25", "30", "40", "50", "12.5"]),
            );
        }
    }
    Calibration {
        scope: if rng.chance(60) {
            Scope::Department
        } else {
            Scope::Company
        },
        max_percent,
    }
}
