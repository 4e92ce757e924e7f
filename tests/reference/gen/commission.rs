//! Random commissions and plan inputs (flag `commissions`): on
//! transactions (product and territory filters) or on an individual KPI,
//! per period or per deal, attainment (quota from an input, fixed or a
//! KPI's target) or amount bounds, marginal or whole-amount steps with
//! decimal bounds, per-deal and per-period caps, role lists. Rendered to
//! the YAML of docs/policy.md (Commissions, Plan inputs).

use super::Rng;
use crate::reference::commission::{Commission, Input, InputType, On, Quota, Rate};
use crate::reference::num::{self, Q};
use crate::reference::period::{Kind, Period};
use crate::reference::policy::{Agg, Policy, Scope};
use std::fmt::Write;

pub const PRODUCTS: [&str; 4] = ["licence", "subscription", "services", "hardware"];
pub const TERRITORIES: [&str; 4] = ["north", "south", "east", "west"];
/// The quota input of commissions on transactions, and of those on a KPI.
pub const QUOTA: &str = "quota";
pub const KPI_QUOTA: &str = "kpi_quota";

const RATES: [&str; 14] = [
    "0", "0.01", "0.02", "0.025", "0.03", "0.05", "0.08", "0.1", "0.12", "0.125", "0.15", "0.2",
    "0.005", "0.3333",
];

/// The scale of a commission's money: deal, period or KPI amounts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scale {
    Deal,
    Period,
    Kpi,
}

pub fn generate(rng: &mut Rng, p: &mut Policy, period: Period) {
    let yfq = p.year_from_quarters.is_some() && period.kind == Kind::Year;
    for i in 1..=rng.range(1, 3) {
        let c = one(rng, p, i, yfq);
        // `on: kpi` (and, by assumption, `quota: { kpi }`): every role of
        // the commission weighs the KPI; weight 0 where it did not
        let roles: Vec<String> = match &c.roles {
            Some(r) => r.clone(),
            None => p.roles.keys().cloned().collect(),
        };
        for k in c.kpis() {
            for r in &roles {
                let w = &mut p.roles.get_mut(r).unwrap().weights;
                if !w.iter().any(|(x, _)| x == k) {
                    w.push((k.to_string(), num::zero()));
                }
            }
        }
        p.commissions.push(c);
    }
    for id in [QUOTA, KPI_QUOTA] {
        let used = p
            .commissions
            .iter()
            .any(|c| matches!(&c.quota, Some(Quota::Input(i)) if i == id));
        if used {
            let kind = rng.pick(&[
                InputType::Money,
                InputType::Money,
                InputType::Decimal,
                InputType::Integer,
            ]);
            p.inputs.push(Input {
                id: id.into(),
                kind,
                required: true,
            });
        }
    }
    if rng.chance(25) {
        p.inputs.push(Input {
            id: "region".into(),
            kind: InputType::Text,
            required: false,
        });
    }
}

fn subset(rng: &mut Rng, all: &[&str], percent: u64) -> Option<Vec<String>> {
    if !rng.chance(percent) {
        return None;
    }
    let mut v: Vec<String> = all
        .iter()
        .filter(|_| rng.chance(50))
        .map(|s| s.to_string())
        .collect();
    if v.is_empty() {
        v.push(rng.pick(all).to_string());
    }
    Some(v)
}

fn one(rng: &mut Rng, p: &Policy, i: i64, yfq: bool) -> Commission {
    let role_names: Vec<&str> = p.roles.keys().map(String::as_str).collect();
    let mut roles = subset(rng, &role_names, 65);
    // individual KPIs on a money-like scale (a ratio is below 1)
    let kpis: Vec<String> = p
        .kpis
        .iter()
        .filter(|k| k.scope == Scope::Individual && !matches!(k.agg, Agg::Ratio(..)))
        .map(|k| k.id.clone())
        .collect();
    // a year from quarters stops a commission reading a KPI: rarely
    let kpi_ok = !kpis.is_empty() && (!yfq || rng.chance(10));
    let on_kpi = kpi_ok && rng.chance(30);
    let on = if on_kpi {
        On::Kpi(rng.pick(&kpis))
    } else {
        On::Transactions {
            products: subset(rng, &PRODUCTS, 50),
            territories: subset(rng, &TERRITORIES, 35),
        }
    };
    let per_deal = !on_kpi && rng.chance(35);
    let attainment = !per_deal && rng.chance(55);
    let scale = match (on_kpi, per_deal) {
        (true, _) => Scale::Kpi,
        (_, true) => Scale::Deal,
        _ => Scale::Period,
    };
    let quota = attainment.then(|| match rng.below(10) {
        0..=4 => Quota::Input(if on_kpi { KPI_QUOTA } else { QUOTA }.into()),
        5 | 6 if !on_kpi => Quota::Fixed(rng.pick_d(&["50000", "100000", "250000", "75000.5"])),
        5 | 6 => Quota::Fixed(rng.pick_d(&["500", "1000", "2500", "1234.5"])),
        7 if kpi_ok && !on_kpi => Quota::Kpi(rng.pick(&kpis)),
        _ => match &on {
            On::Kpi(k) => Quota::Kpi(k.clone()),
            _ => Quota::Input(QUOTA.into()),
        },
    });
    if yfq && (on_kpi || matches!(quota, Some(Quota::Kpi(_)))) {
        roles = None; // everyone earns it: the run stops
    }
    let steps = steps(rng, attainment, scale);
    let money = p.rounding.money;
    Commission {
        id: format!("c{i}"),
        roles,
        on,
        per_deal,
        quota,
        attainment,
        marginal: rng.chance(50),
        steps,
        cap_deal: (per_deal && rng.chance(45)).then(|| {
            let c = rng.pick_d(&["250", "500", "1000", "2500", "4000.5", "8000"]);
            // now and then one decimal more than money_places: the cap
            // applies before the deal's rounding
            if rng.chance(15) {
                c - num::ratio(5, 10i64.pow(money + 1))
            } else {
                num::round(&c, money, num::Mode::Down)
            }
        }),
        cap_period: rng.chance(30).then(|| {
            let c = match scale {
                Scale::Kpi => rng.pick_d(&["10", "50", "100", "250.5"]),
                _ => rng.pick_d(&["1000", "2000", "5000", "10000", "20000", "7777.77"]),
            };
            num::round(&c, money, num::Mode::Down)
        }),
    }
}

fn steps(rng: &mut Rng, attainment: bool, scale: Scale) -> Vec<Rate> {
    let bounds: &[&str] = match (attainment, scale) {
        (true, _) => &[
            "0.5", "0.75", "0.8", "0.9", "1", "1.1", "1.2", "1.25", "1.5", "2",
        ],
        (_, Scale::Deal) => &[
            "1000", "2500.5", "5000", "10000", "20000", "50000", "100000",
        ],
        (_, Scale::Period) => &["10000", "25000", "50000", "100000", "150000.75", "200000"],
        (_, Scale::Kpi) => &["50", "100", "250", "500", "1000", "2500", "5000"],
    };
    let mut froms = vec![num::zero()];
    froms.extend(bounds.iter().filter(|_| rng.chance(30)).map(|b| num::d(b)));
    (0..froms.len())
        .map(|i| Rate {
            from: froms[i].clone(),
            to: froms.get(i + 1).cloned(),
            rate: rng.pick_d(&RATES),
        })
        .collect()
}

/// A number as YAML: quoted decimal, plain when whole and small.
fn n(q: &Q) -> String {
    let p = num::places_of(q).expect("terminating");
    let t = num::fixed(q, p);
    if p == 0 && t.len() <= 4 {
        t
    } else {
        format!("\"{t}\"")
    }
}

fn inputs(o: &mut String, p: &Policy, terse: bool) {
    if p.inputs.is_empty() {
        return;
    }
    o.push_str("inputs:\n");
    for i in &p.inputs {
        let kind = match i.kind {
            InputType::Money => "money",
            InputType::Decimal => "decimal",
            InputType::Integer => "integer",
            InputType::Text => "text",
        };
        let req = match (i.required, terse) {
            (false, _) => ", required: false",
            (true, false) => ", required: true",
            (true, true) => "",
        };
        let name = if terse {
            String::new()
        } else {
            format!(", name: {{ zh: 输入{0}, en: Input {0} }}", i.id)
        };
        let _ = writeln!(o, "  {}: {{ type: {kind}{req}{name} }}", i.id);
    }
}

fn on(c: &Commission) -> String {
    match &c.on {
        On::Kpi(k) => format!("{{ kpi: {k} }}"),
        On::Transactions {
            products,
            territories,
        } => {
            let mut parts = vec![];
            for (k, f) in [("products", products), ("territories", territories)] {
                if let Some(f) = f {
                    parts.push(format!("{k}: [{}]", f.join(", ")));
                }
            }
            if parts.is_empty() {
                "{ transactions: {} }".into()
            } else {
                format!("{{ transactions: {{ {} }} }}", parts.join(", "))
            }
        }
    }
}

/// `inputs:` and `commissions:` (appended to the policy's YAML).
pub fn render(o: &mut String, p: &Policy, terse: bool) {
    inputs(o, p, terse);
    if p.commissions.is_empty() {
        return;
    }
    o.push_str("commissions:\n");
    for c in &p.commissions {
        let _ = writeln!(o, "  - id: {}", c.id);
        if !terse {
            let _ = writeln!(o, "    name: {{ zh: 佣金{0}, en: Commission {0} }}", c.id);
        }
        if let Some(r) = &c.roles {
            let _ = writeln!(o, "    roles: [{}]", r.join(", "));
        }
        let _ = writeln!(o, "    on: {}", on(c));
        if c.per_deal {
            o.push_str("    per: deal\n");
        } else if !terse {
            o.push_str("    per: period\n");
        }
        match &c.quota {
            Some(Quota::Input(i)) => writeln!(o, "    quota: {{ input: {i} }}"),
            Some(Quota::Fixed(q)) => writeln!(o, "    quota: {{ fixed: {} }}", n(q)),
            Some(Quota::Kpi(k)) => writeln!(o, "    quota: {{ kpi: {k} }}"),
            None => Ok(()),
        }
        .unwrap();
        let basis = if c.attainment { "attainment" } else { "amount" };
        let mode = if c.marginal {
            "marginal"
        } else {
            "whole_amount"
        };
        let _ = writeln!(
            o,
            "    rates:\n      basis: {basis}\n      mode: {mode}\n      steps:"
        );
        for s in &c.steps {
            let to =
                s.to.as_ref()
                    .map_or(String::new(), |t| format!(", to: {}", n(t)));
            let _ = writeln!(
                o,
                "        - {{ from: {}{to}, rate: {} }}",
                n(&s.from),
                n(&s.rate)
            );
        }
        let mut caps = vec![];
        if let Some(x) = &c.cap_deal {
            caps.push(format!("per_deal: {}", n(x)));
        }
        if let Some(x) = &c.cap_period {
            caps.push(format!("per_period: {}", n(x)));
        }
        if !caps.is_empty() {
            let _ = writeln!(o, "    cap: {{ {} }}", caps.join(", "));
        }
    }
}
