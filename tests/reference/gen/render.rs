//! `policy.yaml` text for a generated policy (keys as docs/policy.md
//! spells them). Decimals are quoted; whole numbers are sometimes plain.

use crate::reference::num::{self, Mode, Q};
use crate::reference::policy::*;
use std::fmt::Write;

/// A number as YAML: quoted decimal text (plain when whole and small, to
/// exercise both spellings).
fn n(q: &Q) -> String {
    let p = num::places_of(q).expect("terminating");
    let t = num::fixed(q, p);
    if p == 0 && t.len() <= 4 && !t.starts_with('-') {
        t
    } else {
        format!("\"{t}\"")
    }
}

fn scope(s: Scope) -> &'static str {
    match s {
        Scope::Individual => "individual",
        Scope::Department => "department",
        Scope::Company => "company",
    }
}

fn agg(a: &Agg) -> String {
    match a {
        Agg::Sum(m) => format!("{{ sum: {m} }}"),
        Agg::Mean(m) => format!("{{ mean: {m} }}"),
        Agg::Last(m) => format!("{{ last: {m} }}"),
        Agg::Max(m) => format!("{{ max: {m} }}"),
        Agg::Min(m) => format!("{{ min: {m} }}"),
        Agg::Ratio(a, b) => format!("{{ ratio: {{ numerator: {a}, denominator: {b} }} }}"),
    }
}

fn target(t: &Target, terse: bool) -> String {
    match t {
        Target::Table => "table".into(),
        Target::Fixed(v) => format!("{{ fixed: {} }}", n(v)),
        Target::Benchmark(f) if terse && *f == num::int(1) => "{ benchmark: {} }".into(),
        Target::Benchmark(f) => format!("{{ benchmark: {{ factor: {} }} }}", n(f)),
        Target::History {
            periods,
            statistic,
            growth,
            fallback,
        } => {
            let stat = match statistic {
                Statistic::Mean => "mean",
                Statistic::Median => "median",
                Statistic::Max => "max",
            };
            let fb = match fallback {
                None => String::new(),
                Some(f) => format!(", fallback: {}", target(f, terse)),
            };
            let growth = if terse && *growth == num::zero() {
                String::new()
            } else {
                format!(", growth: {}", n(growth))
            };
            format!("{{ history: {{ periods: {periods}, statistic: {stat}{growth}{fb} }} }}")
        }
        Target::Cascade { from, share } => {
            let share = match share {
                Share::Equal => "equal",
                Share::BaseSalary => "base_salary",
            };
            format!(
                "{{ cascade: {{ from: {}, share: {share} }} }}",
                scope(*from)
            )
        }
        Target::Max(list) | Target::Min(list) => {
            let k = if matches!(t, Target::Max(_)) {
                "max"
            } else {
                "min"
            };
            let items: Vec<String> = list.iter().map(|x| target(x, terse)).collect();
            format!("{{ {k}: [{}] }}", items.join(", "))
        }
    }
}

fn scoring(out: &mut String, name: &str, s: &Scoring, terse: bool) {
    let _ = writeln!(out, "  {name}:");
    match s {
        Scoring::Curve { points, below, cap } => {
            let _ = writeln!(out, "    curve:");
            for (key, (a, sc)) in ["threshold", "target", "stretch"].iter().zip(points) {
                let _ = writeln!(
                    out,
                    "      {key}: {{ achievement: {}, score: {} }}",
                    n(a),
                    n(sc)
                );
            }
            if !(terse && *below == num::zero()) {
                let _ = writeln!(out, "      below_threshold: {}", n(below));
            }
            if let Some(c) = cap {
                let _ = writeln!(out, "      cap: {}", n(c));
            }
        }
        Scoring::Tiers {
            marginal,
            steps,
            cap,
        } => {
            let mode = if *marginal {
                "marginal"
            } else {
                "whole_amount"
            };
            let key = if *marginal { "rate" } else { "score" };
            let _ = writeln!(out, "    tiers:\n      mode: {mode}\n      steps:");
            for st in steps {
                let to = st
                    .to
                    .as_ref()
                    .map_or(String::new(), |t| format!(", to: {}", n(t)));
                let _ = writeln!(
                    out,
                    "        - {{ from: {}{to}, {key}: {} }}",
                    n(&st.from),
                    n(&st.value)
                );
            }
            if let Some(c) = cap {
                let _ = writeln!(out, "      cap: {}", n(c));
            }
        }
    }
}

/// A KPI's first lines: id, name and unit — money when a commission reads
/// it (docs/policy.md: "a rate on money: … on a money KPI"), else `count`.
fn kpi_head(p: &Policy, k: &Kpi) -> String {
    let money = p
        .commissions
        .iter()
        .any(|c| c.kpis().contains(&k.id.as_str()));
    let unit = if money { p.currency.as_str() } else { "count" };
    format!(
        "  - id: {}\n    name: {{ zh: {0}, en: {0} }}\n    unit: {unit}\n",
        k.id
    )
}

/// The policy's YAML; `terse` leaves out keys whose value is the default
/// (rounding, below_threshold, scope, target table, growth, factor,
/// proration, pool scale, project_bonuses), so defaults are read too; it
/// also writes a gate's `pay_percent` as a plain YAML number (`12.5`, not
/// `"12.5"`: docs/policy.md accepts plain numbers up to 15 significant
/// digits), so both spellings are read.
pub fn yaml(p: &Policy, terse: bool) -> String {
    let mut o = String::new();
    o.push_str("# generated by tests/reference_compare.rs\nid: generated\nversion: \"1\"\n");
    o.push_str("title: { zh: 生成的方案, en: Generated plan }\n");
    let _ = writeln!(o, "currency: {}", p.currency);
    if p.effective.0.is_some() || p.effective.1.is_some() {
        let mut parts = vec![];
        if let Some(f) = p.effective.0 {
            parts.push(format!("from: \"{f}\""));
        }
        if let Some(t) = p.effective.1 {
            parts.push(format!("to: \"{t}\""));
        }
        let _ = writeln!(o, "effective: {{ {} }}", parts.join(", "));
    }
    let r = &p.rounding;
    let default = (r.money, r.actual, r.achievement, r.score, r.mode) == (2, 6, 4, 2, Mode::HalfUp);
    if !(terse && default) {
        let _ = writeln!(
            o,
            "rounding: {{ money_places: {}, actual_places: {}, achievement_places: {}, score_places: {}, mode: {} }}",
            r.money,
            r.actual,
            r.achievement,
            r.score,
            r.mode.name()
        );
    }
    o.push_str("kpis:\n");
    for k in &p.kpis {
        o.push_str(&kpi_head(p, k));
        if k.lower {
            o.push_str("    direction: lower\n");
        }
        if !(terse && k.scope == Scope::Individual) {
            let _ = writeln!(o, "    scope: {}", scope(k.scope));
        }
        let _ = writeln!(o, "    aggregate: {}", agg(&k.agg));
        if !(terse && matches!(k.target, Target::Table)) {
            let _ = writeln!(o, "    target: {}", target(&k.target, terse));
        }
        let _ = writeln!(o, "    scoring: {}", k.scoring);
        let missing = match k.missing {
            Missing::Error => "error",
            Missing::Zero => "zero",
            Missing::Prorate => "prorate",
            Missing::Any => "any",
        };
        if !(terse && k.missing == Missing::Error) {
            let _ = writeln!(o, "    missing_months: {missing}");
        }
    }
    o.push_str("scorings:\n");
    for (name, s) in &p.scorings {
        scoring(&mut o, name, s, terse);
    }
    o.push_str("roles:\n");
    for (name, role) in &p.roles {
        let w: Vec<String> = role
            .weights
            .iter()
            .map(|(k, w)| format!("{k}: {}", n(w)))
            .collect();
        let _ = writeln!(o, "  {name}:\n    weights: {{ {} }}", w.join(", "));
        if role.review_weight > num::zero() {
            let _ = writeln!(o, "    review_weight: {}", n(&role.review_weight));
        }
    }
    if let Some(rv) = &p.review {
        o.push_str("review:\n  scale:\n");
        for (rating, score) in &rv.scale {
            let _ = writeln!(o, "    - {{ rating: {}, score: {} }}", n(rating), n(score));
        }
        let missing = if rv.renormalize {
            "renormalize"
        } else {
            "fail"
        };
        let _ = writeln!(o, "  missing: {missing}");
    }
    o.push_str("rating_bands:\n");
    for b in &p.bands {
        match &b.min {
            Some(m) => writeln!(o, "  - {{ band: {}, min_score: {} }}", b.code, n(m)),
            None => writeln!(o, "  - {{ band: {} }}", b.code),
        }
        .unwrap();
    }
    rest(&mut o, p, terse);
    o
}

fn rest(o: &mut String, p: &Policy, terse: bool) {
    if let Some(c) = &p.calibration {
        let caps: Vec<String> = c
            .max_percent
            .iter()
            .map(|(b, v)| format!("{b}: {}", n(v)))
            .collect();
        let _ = writeln!(
            o,
            "calibration:\n  scope: {}\n  max_percent: {{ {} }}",
            scope(c.scope),
            caps.join(", ")
        );
    }
    if let Some(w) = &p.year_from_quarters {
        let w: Vec<String> = w.iter().map(n).collect();
        let _ = writeln!(o, "evaluation:\n  year_from_quarters: [{}]", w.join(", "));
    }
    if let Some(avg) = p.fx_average {
        let rate = if avg { "period_average" } else { "period_end" };
        let _ = writeln!(o, "currency_conversion:\n  rate: {rate}");
    }
    let b = &p.bonus;
    o.push_str("bonus:\n  script: bonus.rhai\n");
    if let Some(c) = &b.cap {
        let _ = writeln!(o, "  cap: {{ target_multiple: {} }}", n(c));
    }
    if !(terse && b.prorate) {
        let _ = writeln!(
            o,
            "  proration: {}",
            if b.prorate { "days" } else { "none" }
        );
    }
    if !b.gates.is_empty() {
        o.push_str("  gates:\n");
        for g in &b.gates {
            let mut parts = vec![format!("kpi: {}", g.kpi)];
            for (k, v) in [
                ("min_actual", &g.min_actual),
                ("below_actual", &g.below_actual),
                ("min_achievement", &g.min_achievement),
            ] {
                if let Some(v) = v {
                    parts.push(format!("{k}: {}", n(v)));
                }
            }
            if let Some(pp) = &g.pay_percent {
                let t = if terse {
                    num::fixed(pp, num::places_of(pp).expect("terminating"))
                } else {
                    n(pp)
                };
                parts.push(format!("pay_percent: {t}"));
            }
            let _ = writeln!(o, "    - {{ {} }}", parts.join(", "));
        }
    }
    if let Some(pool) = &b.pool {
        let scale = match (pool.both, terse) {
            (true, _) => ", scale: both",
            (false, true) => "",
            (false, false) => ", scale: down_only",
        };
        let _ = writeln!(o, "  pool: {{ scope: {}{scale} }}", scope(pool.scope));
    }
    if !(terse && b.projects) {
        let _ = writeln!(o, "  project_bonuses: {}", b.projects);
    }
    super::commission::render(o, p, terse);
}
