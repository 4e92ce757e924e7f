//! The reference's own reading of `policy.yaml` (docs/policy.md), for the
//! subset it can evaluate exactly. Anything else is `Unsupported`, never
//! guessed.

use super::bonus::BonusScript;
use super::commission::{Commission, Input};
use super::num::{self, Mode, Q};
use super::period::Date;
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Debug)]
pub struct Rounding {
    pub money: u32,
    pub actual: u32,
    pub achievement: u32,
    pub score: u32,
    pub mode: Mode,
}

/// `missing_months` (docs/policy.md, Month coverage).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    Error,
    Zero,
    Prorate,
    Any,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Individual,
    Department,
    Company,
}

#[derive(Clone, Debug)]
pub enum Agg {
    Sum(String),
    Mean(String),
    Last(String),
    Max(String),
    Min(String),
    Ratio(String, String),
}

impl Agg {
    /// The metrics the aggregate reads.
    pub fn metrics(&self) -> Vec<&str> {
        match self {
            Agg::Sum(m) | Agg::Mean(m) | Agg::Last(m) | Agg::Max(m) | Agg::Min(m) => vec![m],
            Agg::Ratio(n, d) => vec![n, d],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statistic {
    Mean,
    Median,
    Max,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    Equal,
    BaseSalary,
}

#[derive(Clone, Debug)]
pub enum Target {
    Table,
    Fixed(Q),
    History {
        periods: i64,
        statistic: Statistic,
        growth: Q,
        fallback: Option<Box<Target>>,
    },
    Benchmark(Q),
    Cascade {
        from: Scope,
        share: Share,
    },
    Max(Vec<Target>),
    Min(Vec<Target>),
}

#[derive(Clone, Debug)]
pub struct Kpi {
    pub id: String,
    pub lower: bool,
    pub scope: Scope,
    pub agg: Agg,
    pub target: Target,
    pub scoring: String,
    pub missing: Missing,
}

#[derive(Clone, Debug)]
pub struct Step {
    pub from: Q,
    pub to: Option<Q>,
    /// `score` (whole_amount) or `rate` (marginal).
    pub value: Q,
}

#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Scoring {
    Curve {
        points: [(Q, Q); 3],
        below: Q,
        cap: Option<Q>,
    },
    Tiers {
        marginal: bool,
        steps: Vec<Step>,
        cap: Option<Q>,
    },
}

#[derive(Clone, Debug)]
pub struct Role {
    pub weights: Vec<(String, Q)>,
    pub review_weight: Q,
}

#[derive(Clone, Debug)]
pub struct Review {
    pub scale: Vec<(Q, Q)>,
    pub renormalize: bool,
}

#[derive(Clone, Debug)]
pub struct Band {
    pub code: String,
    pub min: Option<Q>,
}

#[derive(Clone, Debug, Default)]
pub struct Gate {
    pub kpi: String,
    pub min_actual: Option<Q>,
    pub below_actual: Option<Q>,
    pub min_achievement: Option<Q>,
    /// `pay_percent` (docs/policy.md, Partial gates): the percent of the
    /// formula kept while the gate is shut; `None` (or 0) stops the bonus.
    pub pay_percent: Option<Q>,
}

#[derive(Clone, Debug)]
pub struct Pool {
    pub scope: Scope,
    pub both: bool,
}

#[derive(Clone, Debug)]
pub struct Bonus {
    pub script: BonusScript,
    pub cap: Option<Q>,
    pub prorate: bool,
    pub gates: Vec<Gate>,
    pub pool: Option<Pool>,
    pub projects: bool,
}

#[derive(Clone, Debug)]
pub struct Calibration {
    pub scope: Scope,
    pub max_percent: BTreeMap<String, Q>,
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub currency: String,
    pub effective: (Option<Date>, Option<Date>),
    pub rounding: Rounding,
    pub kpis: Vec<Kpi>,
    pub scorings: BTreeMap<String, Scoring>,
    pub roles: BTreeMap<String, Role>,
    pub review: Option<Review>,
    pub bands: Vec<Band>,
    pub bonus: Bonus,
    pub calibration: Option<Calibration>,
    pub year_from_quarters: Option<Vec<Q>>,
    /// `currency_conversion.rate`: true for `period_average`.
    pub fx_average: Option<bool>,
    /// `inputs` (docs/policy.md, Plan inputs).
    pub inputs: Vec<Input>,
    /// `commissions` (docs/policy.md, Commissions); empty: none.
    pub commissions: Vec<Commission>,
}

impl Policy {
    pub fn kpi(&self, id: &str) -> &Kpi {
        self.kpis.iter().find(|k| k.id == id).expect("known kpi")
    }
}

/// Why the reference cannot read a policy: a feature outside its subset.
pub type Unsupported = String;

type R<T> = Result<T, Unsupported>;

pub fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping()?.get(Value::String(key.to_string()))
}

pub fn text(v: &Value) -> R<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("expected text, found {other:?}")),
    }
}

/// A YAML number or quoted decimal as an exact rational. Plain floats are
/// read through their shortest decimal form (docs: at most 15 digits).
pub fn number(v: &Value) -> R<Q> {
    let t = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => format!("{}", n.as_f64().unwrap()),
        Value::Number(n) => n.to_string(),
        other => return Err(format!("expected a number, found {other:?}")),
    };
    num::dec(&t).ok_or_else(|| format!("not a decimal: {t}"))
}

pub fn req<'a>(v: &'a Value, key: &str) -> R<&'a Value> {
    get(v, key).ok_or_else(|| format!("missing key {key}"))
}

pub fn entries(v: &Value) -> R<Vec<(String, &Value)>> {
    let m = v.as_mapping().ok_or("expected a map")?;
    m.iter().map(|(k, v)| Ok((text(k)?, v))).collect()
}

/// The single key of a one-key map.
pub fn one_key(v: &Value) -> R<(String, &Value)> {
    let e = entries(v)?;
    match e.as_slice() {
        [(k, v)] => Ok((k.clone(), v)),
        _ => Err(format!("expected one key, found {}", e.len())),
    }
}

fn scope(s: &str) -> R<Scope> {
    Ok(match s {
        "individual" => Scope::Individual,
        "department" => Scope::Department,
        "company" => Scope::Company,
        _ => return Err(format!("unknown scope {s}")),
    })
}

pub fn load(dir: &Path) -> R<Policy> {
    let yaml = std::fs::read_to_string(dir.join("policy.yaml")).map_err(|e| e.to_string())?;
    let v: Value = serde_yaml::from_str(&yaml).map_err(|e| e.to_string())?;
    let bonus = req(&v, "bonus")?;
    let script_file = text(req(bonus, "script")?)?;
    let script_text = std::fs::read_to_string(dir.join(&script_file)).map_err(|e| e.to_string())?;
    let p = Policy {
        currency: text(req(&v, "currency")?)?,
        effective: effective(get(&v, "effective"))?,
        rounding: rounding(get(&v, "rounding"))?,
        kpis: req(&v, "kpis")?
            .as_sequence()
            .ok_or("kpis: expected a list")?
            .iter()
            .map(kpi)
            .collect::<R<_>>()?,
        scorings: entries(req(&v, "scorings")?)?
            .into_iter()
            .map(|(k, s)| Ok((k, scoring(s)?)))
            .collect::<R<_>>()?,
        roles: entries(req(&v, "roles")?)?
            .into_iter()
            .map(|(k, r)| Ok((k, role(r)?)))
            .collect::<R<_>>()?,
        review: get(&v, "review").map(review).transpose()?,
        bands: bands(req(&v, "rating_bands")?)?,
        bonus: Bonus {
            script: BonusScript::parse(&script_text)?,
            cap: match get(bonus, "cap") {
                Some(c) => Some(number(req(c, "target_multiple")?)?),
                None => None,
            },
            prorate: match get(bonus, "proration") {
                None => true,
                Some(p) => text(p)? == "days",
            },
            gates: match get(bonus, "gates") {
                None => vec![],
                Some(g) => g
                    .as_sequence()
                    .ok_or("gates: list")?
                    .iter()
                    .map(gate)
                    .collect::<R<_>>()?,
            },
            pool: get(bonus, "pool").map(pool).transpose()?,
            projects: get(bonus, "project_bonuses").is_none_or(|p| p.as_bool() == Some(true)),
        },
        calibration: get(&v, "calibration").map(calibration).transpose()?,
        year_from_quarters: match get(&v, "evaluation").and_then(|e| get(e, "year_from_quarters")) {
            None => None,
            Some(list) => Some(
                list.as_sequence()
                    .ok_or("year_from_quarters: list")?
                    .iter()
                    .map(number)
                    .collect::<R<_>>()?,
            ),
        },
        fx_average: match get(&v, "currency_conversion") {
            None => None,
            Some(c) => Some(text(req(c, "rate")?)? == "period_average"),
        },
        inputs: super::commission::inputs(get(&v, "inputs"))?,
        commissions: super::commission::commissions(&v)?,
    };
    super::commission::check(&p)?;
    Ok(p)
}

fn effective(v: Option<&Value>) -> R<(Option<Date>, Option<Date>)> {
    let Some(v) = v else { return Ok((None, None)) };
    let date = |k| -> R<Option<Date>> {
        get(v, k)
            .map(|d| Date::parse(&text(d)?).ok_or_else(|| format!("bad date in effective.{k}")))
            .transpose()
    };
    Ok((date("from")?, date("to")?))
}

fn rounding(v: Option<&Value>) -> R<Rounding> {
    let places = |k, default| -> R<u32> {
        match v.and_then(|v| get(v, k)) {
            None => Ok(default),
            Some(p) => p.as_u64().map(|p| p as u32).ok_or(format!("{k}: integer")),
        }
    };
    let mode = match v.and_then(|v| get(v, "mode")) {
        None => Mode::HalfUp,
        Some(m) => Mode::parse(&text(m)?).ok_or("unknown rounding mode")?,
    };
    Ok(Rounding {
        money: places("money_places", 2)?,
        actual: places("actual_places", 6)?,
        achievement: places("achievement_places", 4)?,
        score: places("score_places", 2)?,
        mode,
    })
}

fn kpi(v: &Value) -> R<Kpi> {
    let (agg_key, agg_v) = one_key(req(v, "aggregate")?)?;
    let agg = match agg_key.as_str() {
        "sum" => Agg::Sum(text(agg_v)?),
        "mean" => Agg::Mean(text(agg_v)?),
        "last" => Agg::Last(text(agg_v)?),
        "max" => Agg::Max(text(agg_v)?),
        "min" => Agg::Min(text(agg_v)?),
        "ratio" => Agg::Ratio(
            text(req(agg_v, "numerator")?)?,
            text(req(agg_v, "denominator")?)?,
        ),
        other => return Err(format!("aggregate {other}")),
    };
    Ok(Kpi {
        id: text(req(v, "id")?)?,
        lower: match get(v, "direction") {
            None => false,
            Some(d) => text(d)? == "lower",
        },
        scope: match get(v, "scope") {
            None => Scope::Individual,
            Some(s) => scope(&text(s)?)?,
        },
        agg,
        target: match get(v, "target") {
            None => Target::Table,
            Some(t) => target(t)?,
        },
        scoring: text(req(v, "scoring")?)?,
        missing: match get(v, "missing_months") {
            None => Missing::Error,
            Some(m) => match text(m)?.as_str() {
                "error" => Missing::Error,
                "zero" => Missing::Zero,
                "prorate" => Missing::Prorate,
                "any" => Missing::Any,
                other => return Err(format!("missing_months: {other}")),
            },
        },
    })
}

fn target(v: &Value) -> R<Target> {
    if let Value::String(s) = v {
        return match s.as_str() {
            "table" => Ok(Target::Table),
            other => Err(format!("target {other}")),
        };
    }
    let (k, body) = one_key(v)?;
    Ok(match k.as_str() {
        "table" => Target::Table,
        "fixed" => Target::Fixed(number(body)?),
        "history" => Target::History {
            periods: req(body, "periods")?.as_i64().ok_or("history.periods")?,
            statistic: match text(req(body, "statistic")?)?.as_str() {
                "mean" => Statistic::Mean,
                "median" => Statistic::Median,
                "max" => Statistic::Max,
                s => return Err(format!("statistic {s}")),
            },
            growth: get(body, "growth")
                .map(number)
                .transpose()?
                .unwrap_or_else(num::zero),
            fallback: get(body, "fallback").map(target).transpose()?.map(Box::new),
        },
        "benchmark" => Target::Benchmark(
            get(body, "factor")
                .map(number)
                .transpose()?
                .unwrap_or_else(|| num::int(1)),
        ),
        "cascade" => Target::Cascade {
            from: scope(&text(req(body, "from")?)?)?,
            share: match req(body, "share")? {
                Value::String(s) if s == "equal" => Share::Equal,
                Value::String(s) if s == "base_salary" => Share::BaseSalary,
                other => return Err(format!("cascade share {other:?}")),
            },
        },
        "max" | "min" => {
            let list = body
                .as_sequence()
                .ok_or("max/min: list")?
                .iter()
                .map(target)
                .collect::<R<Vec<_>>>()?;
            if k == "max" {
                Target::Max(list)
            } else {
                Target::Min(list)
            }
        }
        other => return Err(format!("target source {other}")),
    })
}

fn point(v: &Value) -> R<(Q, Q)> {
    Ok((number(req(v, "achievement")?)?, number(req(v, "score")?)?))
}

fn scoring(v: &Value) -> R<Scoring> {
    let (k, body) = one_key(v)?;
    let cap = get(body, "cap").map(number).transpose()?;
    match k.as_str() {
        "curve" => Ok(Scoring::Curve {
            points: [
                point(req(body, "threshold")?)?,
                point(req(body, "target")?)?,
                point(req(body, "stretch")?)?,
            ],
            below: get(body, "below_threshold")
                .map(number)
                .transpose()?
                .unwrap_or_else(num::zero),
            cap,
        }),
        "tiers" => {
            let marginal = match text(req(body, "mode")?)?.as_str() {
                "marginal" => true,
                "whole_amount" => false,
                m => return Err(format!("tiers mode {m}")),
            };
            let key = if marginal { "rate" } else { "score" };
            let steps = req(body, "steps")?
                .as_sequence()
                .ok_or("steps: list")?
                .iter()
                .map(|s| {
                    Ok(Step {
                        from: number(req(s, "from")?)?,
                        to: get(s, "to").map(number).transpose()?,
                        value: number(req(s, key)?)?,
                    })
                })
                .collect::<R<_>>()?;
            Ok(Scoring::Tiers {
                marginal,
                steps,
                cap,
            })
        }
        other => Err(format!("scoring {other}")),
    }
}

fn role(v: &Value) -> R<Role> {
    if get(v, "weights_script").is_some() {
        return Err("weights_script".into());
    }
    Ok(Role {
        weights: entries(req(v, "weights")?)?
            .into_iter()
            .map(|(k, w)| Ok((k, number(w)?)))
            .collect::<R<_>>()?,
        review_weight: get(v, "review_weight")
            .map(number)
            .transpose()?
            .unwrap_or_else(num::zero),
    })
}

fn review(v: &Value) -> R<Review> {
    Ok(Review {
        scale: req(v, "scale")?
            .as_sequence()
            .ok_or("scale: list")?
            .iter()
            .map(|s| Ok((number(req(s, "rating")?)?, number(req(s, "score")?)?)))
            .collect::<R<_>>()?,
        renormalize: text(req(v, "missing")?)? == "renormalize",
    })
}

fn bands(v: &Value) -> R<Vec<Band>> {
    v.as_sequence()
        .ok_or("rating_bands: list")?
        .iter()
        .map(|b| {
            Ok(Band {
                code: text(req(b, "band")?)?,
                min: get(b, "min_score").map(number).transpose()?,
            })
        })
        .collect()
}

fn gate(v: &Value) -> R<Gate> {
    let n = |k| get(v, k).map(number).transpose();
    let pay_percent = n("pay_percent")?;
    // docs (Partial gates): 0 to 100, at most 4 decimals, and 100 is refused
    // by `check`. The reference does not model how merit refuses a policy,
    // so such a policy is outside its subset (the generator never writes one).
    if let Some(p) = &pay_percent {
        if *p < num::zero() || *p >= num::int(100) || !num::has_places(p, 4) {
            return Err(format!("invalid gate pay_percent {}", num::show(p)));
        }
    }
    Ok(Gate {
        kpi: text(req(v, "kpi")?)?,
        min_actual: n("min_actual")?,
        below_actual: n("below_actual")?,
        min_achievement: n("min_achievement")?,
        pay_percent,
    })
}

fn pool(v: &Value) -> R<Pool> {
    Ok(Pool {
        scope: scope(&text(req(v, "scope")?)?)?,
        both: match get(v, "scale") {
            None => false,
            Some(s) => text(s)? == "both",
        },
    })
}

fn calibration(v: &Value) -> R<Calibration> {
    Ok(Calibration {
        scope: scope(&text(req(v, "scope")?)?)?,
        max_percent: entries(req(v, "max_percent")?)?
            .into_iter()
            .map(|(k, p)| Ok((k, number(p)?)))
            .collect::<R<_>>()?,
    })
}
