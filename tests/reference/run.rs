//! A whole run: every employee's weighted score, band, calibration, bonus,
//! pool, project bonuses and currency (docs/policy.md: Roles and weights,
//! Manager review, Rating bands, Calibration, Bonus, Bonus pools,
//! Currencies, Evaluation periods).

use super::data::Employee;
use super::kpi::{Ctx, Stop, Value};
use super::num::{self, Q};
use super::period::{Kind, Period};
use super::policy::{Gate, Scope};
use num_traits::{Signed, Zero};
use std::collections::BTreeMap;

/// A weighted KPI line (`quarter`: set in a year scored from quarters).
#[derive(Clone, Debug)]
pub struct Line {
    pub kpi: String,
    pub quarter: Option<String>,
    pub v: Value,
    pub weight: Q,
    pub contribution: Q,
}

/// One employee's evaluation of one period, before the money.
#[derive(Clone, Debug)]
pub struct Scored {
    pub lines: Vec<Line>,
    pub score: Q,
    pub renormalized: bool,
    /// Every gate holds (a shut partial gate is not passed).
    pub gate_passed: bool,
    /// The part of the formula the gates let through (docs/policy.md,
    /// Partial gates): 1 when every gate holds, 0 when a gate without
    /// `pay_percent` (or with 0) is shut, else Π P ÷ 100 over the shut
    /// partial gates; for a year from quarters, the lowest over the quarters.
    pub gate_factor: Q,
    /// (rating, review score, review weight) when the review counts.
    pub review: Option<(Q, Q, Q)>,
}

#[derive(Clone, Debug)]
pub struct Payout {
    pub id: String,
    pub score: Q,
    pub band: String,
    pub calibrated_from: Option<String>,
    pub gate_passed: bool,
    /// See `Scored::gate_factor`.
    pub gate_factor: Q,
    pub renormalized: bool,
    pub target_bonus: Q,
    /// The bonus after cap and proration, before its rounding.
    pub bonus_exact: Q,
    /// Rounded bonus before any pool.
    pub bonus_before_pool: Q,
    pub bonus: Q,
    pub project_bonus: Q,
    /// Σ of the commission lines; `None` for a plan without commissions.
    pub commission: Option<Q>,
    pub commission_lines: Vec<super::commission::Line>,
    pub total: Q,
    pub payout_currency: String,
    pub fx_rate: Q,
    pub payout_in_currency: Q,
    pub lines: Vec<Line>,
    pub review: Option<(Q, Q, Q)>,
}

impl Ctx<'_> {
    /// Checks of whole tables, before anything is evaluated.
    ///
    /// Assumption: a zero (or negative) `targets` row and a rating that is
    /// not on the review scale are data errors wherever they are, used by
    /// this run or not ("Missing and bad data": the run stops before
    /// writing anything).
    fn validate(&self) -> Result<(), Stop> {
        for ((s, p, k), t) in &self.d.targets {
            if !t.is_positive() {
                return Err(format!("target row {s} {p} {k} is not positive"));
            }
        }
        // docs (Bonus pools): a budget has at most money_places decimals,
        // or the run stops naming the budgets row — any row.
        let money = self.p.rounding.money;
        for ((s, p), b) in &self.d.budgets {
            if !super::num::has_places(b, money) {
                return Err(format!("budget of {s} in {p} has more than {money} places"));
            }
        }
        if let Some(rv) = &self.p.review {
            for ((e, p), r) in &self.d.ratings {
                if !rv.scale.iter().any(|(k, _)| k == r) {
                    return Err(format!("rating {r} of {e} in {p} is not on the scale"));
                }
            }
        }
        Ok(())
    }

    pub fn run(&self, period: Period) -> Result<Vec<Payout>, Stop> {
        self.validate()?;
        self.check_deals(period)?;
        let (from, to) = self.p.effective;
        if from.is_some_and(|f| period.start_date() < f)
            || to.is_some_and(|t| period.end_date() > t)
        {
            return Err(format!(
                "{} outside the policy's effective dates",
                period.label()
            ));
        }
        // docs: an empty required table, or a period none of whose months
        // has a metric row, stops the run.
        let any_row = self
            .d
            .metrics
            .values()
            .any(|by_month| by_month.keys().any(|m| period.contains(*m)));
        if !any_row {
            return Err(format!("no metric rows in {}", period.label()));
        }
        let mut staff: Vec<&Employee> = self
            .d
            .employees
            .iter()
            .filter(|e| self.days_employed(e, period) > 0)
            .collect();
        staff.sort_by(|a, b| a.id.cmp(&b.id));
        let yfq = period.kind == Kind::Year && self.p.year_from_quarters.is_some();
        let mut scored = vec![];
        for e in &staff {
            if !self.p.roles.contains_key(&e.role) {
                return Err(format!("unknown role {} of {}", e.role, e.id));
            }
            scored.push(if yfq {
                self.year_of_quarters(e, period)?
            } else {
                self.scored(e, period)?
            });
        }
        let mut bands: Vec<(String, Option<String>)> =
            scored.iter().map(|s| (self.band(&s.score), None)).collect();
        self.calibrate(&staff, &scored, &mut bands);
        let mut out = vec![];
        for ((e, s), (band, from)) in staff.iter().zip(scored).zip(bands) {
            out.push(self.money(e, period, s, band, from)?);
        }
        self.pools(&staff, period, &mut out)?;
        for (e, pay) in staff.iter().zip(out.iter_mut()) {
            self.finish(e, period, pay)?;
        }
        Ok(out)
    }

    /// KPI lines, the review blend and the final score of one period.
    pub fn scored(&self, e: &Employee, period: Period) -> Result<Scored, Stop> {
        let r = &self.p.rounding;
        let role = &self.p.roles[&e.role];
        let rw = role.review_weight.clone();
        let hundred = num::int(100);
        let mut factor = num::int(1);
        let mut review = None;
        let mut renormalized = false;
        if rw.is_positive() {
            let rv = self
                .p
                .review
                .as_ref()
                .ok_or("review weight without review")?;
            match self.d.ratings.get(&(e.id.clone(), period.label())) {
                Some(rating) => {
                    let score = rv
                        .scale
                        .iter()
                        .find(|(k, _)| k == rating)
                        .map(|(_, s)| s.clone())
                        .ok_or_else(|| format!("rating {rating} of {} not on the scale", e.id))?;
                    review = Some((rating.clone(), score));
                }
                None if rv.renormalize => {
                    factor = &hundred / (&hundred - &rw);
                    renormalized = true;
                }
                None => return Err(format!("no rating for {} in {}", e.id, period.label())),
            }
        }
        let mut lines = vec![];
        let mut total = num::zero();
        for (k, w) in &role.weights {
            let v = self.value(self.p.kpi(k), e, period)?;
            let weight = w * &factor;
            let contribution = &v.score * &weight / &hundred;
            total += &contribution;
            lines.push(Line {
                kpi: k.clone(),
                quarter: None,
                v,
                weight,
                contribution,
            });
        }
        if let Some((_, rs)) = &review {
            total += rs * &rw / &hundred;
        }
        let (gate_passed, gate_factor) = self.gates(e, period)?;
        Ok(Scored {
            lines,
            score: num::round(&total, r.score, r.mode),
            renormalized,
            gate_passed,
            gate_factor,
            review: review.map(|(rating, score)| (rating, score, rw)),
        })
    }

    /// Whether every gate holds for `e` in `period`, and the factor of the
    /// formula the gates let through (docs/policy.md, Bonus `gates` and
    /// Partial gates). Every gate is evaluated (every shut gate is recorded).
    fn gates(&self, e: &Employee, period: Period) -> Result<(bool, Q), Stop> {
        let mut passed = true;
        let mut factor = num::int(1);
        for g in &self.p.bonus.gates {
            let v = self.value(self.p.kpi(&g.kpi), e, period)?;
            if gate_holds(g, &v) {
                continue;
            }
            passed = false;
            // a full gate (no pay_percent, or 0) makes the factor zero
            factor *= match &g.pay_percent {
                Some(p) => p / num::int(100),
                None => num::zero(),
            };
        }
        Ok((passed, factor))
    }

    /// A year as the weighted sum of its quarters' (rounded) final scores;
    /// quarters without employment or with weight 0 are left out of the
    /// score and the weights of the others re-normalised (exactly). Gates
    /// are checked in every quarter the person was employed in, weight 0
    /// included, and the year keeps the lowest quarter's factor.
    fn year_of_quarters(&self, e: &Employee, year: Period) -> Result<Scored, Stop> {
        let r = &self.p.rounding;
        let weights = self
            .p
            .year_from_quarters
            .as_ref()
            .expect("year_from_quarters");
        let mut parts = vec![];
        let mut gate_passed = true;
        let mut gate_factor = num::int(1);
        for (q, w) in year.quarters().into_iter().zip(weights) {
            if self.days_employed(e, q) == 0 {
                continue;
            }
            // Assumption: a weight-0 quarter is not scored (its lines are
            // not listed), only its gates are evaluated — so a gate KPI that
            // cannot be evaluated in it (no rows, no target) stops the run.
            let (passed, factor) = if w.is_zero() {
                self.gates(e, q)?
            } else {
                let s = self.scored(e, q)?;
                let g = (s.gate_passed, s.gate_factor.clone());
                parts.push((q, w.clone(), s));
                g
            };
            gate_passed &= passed;
            gate_factor = num::min(gate_factor, factor);
        }
        let wsum = parts.iter().fold(num::zero(), |a, (_, w, _)| a + w);
        let mut total = num::zero();
        let mut lines = vec![];
        let mut renormalized = false;
        for (q, w, s) in parts {
            let share = &w / &wsum;
            total += &s.score * &share;
            renormalized |= s.renormalized;
            lines.extend(s.lines.into_iter().map(|mut l| {
                l.quarter = Some(q.label());
                l.contribution = &l.contribution * &share;
                l
            }));
        }
        Ok(Scored {
            lines,
            score: num::round(&total, r.score, r.mode),
            renormalized,
            gate_passed,
            gate_factor,
            review: None,
        })
    }

    pub fn band(&self, score: &Q) -> String {
        let b = self
            .p
            .bands
            .iter()
            .find(|b| b.min.as_ref().is_none_or(|m| score >= m));
        b.unwrap_or_else(|| self.p.bands.last().expect("bands"))
            .code
            .clone()
    }

    /// Forced distribution: per group, going down the bands, a band over its
    /// cap (⌊percent × group size ÷ 100⌋) sends its lowest-ranked members
    /// (rank: score descending, then employee id ascending) down one band.
    fn calibrate(
        &self,
        staff: &[&Employee],
        scored: &[Scored],
        bands: &mut [(String, Option<String>)],
    ) {
        let Some(c) = &self.p.calibration else { return };
        let codes: Vec<&String> = self.p.bands.iter().map(|b| &b.code).collect();
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, e) in staff.iter().enumerate() {
            let key = if c.scope == Scope::Department {
                e.department.clone()
            } else {
                String::new()
            };
            groups.entry(key).or_default().push(i);
        }
        for members in groups.values() {
            let mut rank = members.clone();
            rank.sort_by(|&a, &b| {
                scored[b]
                    .score
                    .cmp(&scored[a].score)
                    .then(staff[a].id.cmp(&staff[b].id))
            });
            let n = num::int(rank.len() as i64);
            for (bi, code) in codes.iter().enumerate().take(codes.len() - 1) {
                let Some(pct) = c.max_percent.get(*code) else {
                    continue;
                };
                let cap = (pct * &n / num::int(100)).floor().to_integer();
                let holders: Vec<usize> = rank
                    .iter()
                    .copied()
                    .filter(|&i| &bands[i].0 == *code)
                    .collect();
                let cap = usize::try_from(cap).unwrap_or(0);
                for &i in holders.iter().skip(cap) {
                    if bands[i].1.is_none() {
                        bands[i].1 = Some(bands[i].0.clone());
                    }
                    bands[i].0 = codes[bi + 1].to_string();
                }
            }
        }
    }

    /// The base salary in the policy currency and the payout's rate (1 for
    /// the policy currency).
    pub fn fx(&self, e: &Employee, period: Period) -> Result<(String, Q), Stop> {
        let cur = e
            .currency
            .clone()
            .unwrap_or_else(|| self.p.currency.clone());
        if cur == self.p.currency {
            return Ok((cur, num::int(1)));
        }
        let avg = self
            .p
            .fx_average
            .ok_or("foreign currency without currency_conversion")?;
        let rate = |m| {
            self.d
                .fx
                .get(&(cur.clone(), m))
                .cloned()
                .ok_or_else(|| format!("no rate for {cur} in {m}"))
        };
        let r = if avg {
            let months = period.months();
            let mut sum = num::zero();
            for m in &months {
                sum += rate(*m)?;
            }
            sum / num::int(months.len() as i64)
        } else {
            rate(period.last_month())?
        };
        Ok((cur, r))
    }

    /// Target bonus, formula (× the gates' factor), cap, proration and the
    /// one rounding (docs/policy.md, the order of the money steps).
    fn money(
        &self,
        e: &Employee,
        period: Period,
        s: Scored,
        band: String,
        from: Option<String>,
    ) -> Result<Payout, Stop> {
        let r = &self.p.rounding;
        let b = &self.p.bonus;
        let (cur, rate) = self.fx(e, period)?;
        let base = &e.base_salary * &rate;
        let tb = base * &e.target_bonus_pct / num::int(100) * num::int(period.kind.months())
            / num::int(12);
        // step 2: a full gate shut → zero, the script is not run; otherwise
        // the script's result × P ÷ 100 per shut partial gate, exact.
        let formula = if s.gate_factor.is_zero() {
            num::zero()
        } else {
            let result = b.script.eval(&tb, &s.score, &band);
            if result.is_negative() {
                return Err(format!("negative bonus for {}", e.id));
            }
            result * &s.gate_factor
        };
        let capped = match &b.cap {
            Some(m) => num::min(formula, m * &tb),
            None => formula,
        };
        let prorated = if b.prorate {
            capped * num::int(self.days_employed(e, period)) / num::int(period.days())
        } else {
            capped
        };
        let bonus = num::round(&prorated, r.money, r.mode);
        let bonus_exact = prorated;
        Ok(Payout {
            id: e.id.clone(),
            score: s.score,
            band,
            calibrated_from: from,
            gate_passed: s.gate_passed,
            gate_factor: s.gate_factor,
            renormalized: s.renormalized,
            target_bonus: tb,
            bonus_exact,
            bonus_before_pool: bonus.clone(),
            bonus,
            project_bonus: num::zero(),
            commission: None,
            commission_lines: vec![],
            total: num::zero(),
            payout_currency: cur,
            fx_rate: rate,
            payout_in_currency: num::zero(),
            lines: s.lines,
            review: s.review,
        })
    }

    /// Project bonuses, commissions (docs/policy.md, Commissions), the total
    /// and the payout in the employee's currency.
    fn finish(&self, e: &Employee, period: Period, pay: &mut Payout) -> Result<(), Stop> {
        let r = &self.p.rounding;
        if self.p.bonus.projects {
            for pr in self
                .d
                .projects
                .iter()
                .filter(|p| p.employee == e.id && p.approved)
            {
                let pp = Period::parse(&pr.period)
                    .ok_or_else(|| format!("bad project period {}", pr.period))?;
                // paid by the run whose period holds the project's last month
                if period.contains(pp.last_month()) {
                    pay.project_bonus += num::round(&pr.amount, r.money, r.mode);
                }
            }
        }
        if let Some(lines) = self.commissions(e, period)? {
            pay.commission = Some(lines.iter().fold(num::zero(), |a, l| a + &l.amount));
            pay.commission_lines = lines;
        }
        let commission = pay.commission.clone().unwrap_or_else(num::zero);
        pay.total = &pay.bonus + &commission + &pay.project_bonus;
        pay.payout_in_currency = num::round(&(&pay.total / &pay.fx_rate), r.money, r.mode);
        Ok(())
    }
}

fn gate_holds(g: &Gate, v: &Value) -> bool {
    g.min_actual.as_ref().is_none_or(|m| &v.actual >= m)
        && g.below_actual.as_ref().is_none_or(|m| &v.actual < m)
        && g.min_achievement
            .as_ref()
            .is_none_or(|m| &v.achievement >= m)
}
