//! The benchmark's yardstick: the payouts of the `bench/policy` plan (12
//! KPIs) computed by a hand-written program — polars for the data, exact
//! `rust_decimal` arithmetic for the money — with nothing read from the
//! policy (KPIs, weights, curves, bands and the bonus formula are written out
//! below) and no validation of the data. It is what a programmer would write
//! for this one plan: the practical limit merit is measured against.
//!
//! ```text
//! cargo build --release --features baseline --example baseline
//! baseline DATA_DIR PERIOD OUT.csv      # PERIOD: 2026-Q1, 2026-H1, 2026 or 2026-03
//! ```
//! Writes `payouts.csv` in merit's format, so the two can be compared byte for byte.
//! Every query runs on polars' streaming engine (faster and leaner here than
//! the in-memory one).

use polars::prelude::*;
use rayon::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

/// The 12 individual metrics, in the order of the arrays below.
const METRICS: [&str; 12] = [
    "uv",
    "pv",
    "registrations",
    "retained_users",
    "cohort_users",
    "gmv",
    "orders",
    "visits",
    "dwell_minutes",
    "actions",
    "complaints",
    "user_rating",
];
const UV: usize = 0;
const PV: usize = 1;
const REG: usize = 2;
const RETAINED: usize = 3;
const COHORT: usize = 4;
const GMV: usize = 5;
const ORDERS: usize = 6;
const VISITS: usize = 7;
const DWELL: usize = 8;
const ACTIONS: usize = 9;
const COMPLAINTS: usize = 10;
const USER_RATING: usize = 11;

/// KPIs in policy order: dau, uv, pv, new_users, retention, gmv, orders,
/// purchase_conversion, dwell_time, action_frequency, complaint_rate, user_rating.
const KPIS: usize = 12;
/// Table-sourced KPIs of employees (index into KPIs) and their names.
const TABLE_KPIS: [(usize, &str); 5] = [
    (1, "uv"),
    (2, "pv"),
    (3, "new_users"),
    (5, "gmv"),
    (6, "orders"),
];

/// Role weights per KPI (policy order) and review weight.
fn weights(role: &str) -> ([i64; KPIS], i64) {
    match role {
        "growth_ops" => ([8, 8, 4, 14, 10, 4, 4, 4, 6, 6, 6, 6], 20),
        "commerce_ops" => ([5, 6, 4, 5, 5, 20, 12, 10, 3, 3, 8, 4], 15),
        "content_ops" => ([10, 10, 14, 6, 10, 3, 3, 3, 12, 9, 5, 5], 10),
        _ => ([12, 6, 4, 8, 6, 10, 6, 6, 4, 4, 8, 6], 20), // ops_lead
    }
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal literal")
}

fn round(x: Decimal, places: u32) -> Decimal {
    let mut r = x.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(places);
    r
}

/// Piecewise-linear curve (threshold, target, stretch), floor and cap.
struct Curve {
    t: (Decimal, Decimal),
    g: (Decimal, Decimal),
    s: (Decimal, Decimal),
    below: Decimal,
    cap: Option<Decimal>,
}

impl Curve {
    fn score(&self, a: Decimal) -> Decimal {
        let lerp = |x: Decimal, (x0, y0): (Decimal, Decimal), (x1, y1): (Decimal, Decimal)| {
            y0 + (x - x0) * (y1 - y0) / (x1 - x0)
        };
        let raw = if a < self.t.0 {
            self.below
        } else if a <= self.g.0 {
            lerp(a, self.t, self.g)
        } else if a <= self.s.0 {
            lerp(a, self.g, self.s)
        } else {
            match self.cap {
                None => self.s.1,
                Some(cap) => lerp(a, self.g, self.s).min(cap),
            }
        };
        round(raw, 2)
    }
}

struct Period {
    label: String,
    first: (i32, u32),
    months: u32,
}

impl Period {
    fn parse(s: &str) -> Period {
        let y: i32 = s[..4].parse().expect("year");
        let (m, n) = match &s[4..] {
            "" => (1, 12),
            q if q.starts_with("-Q") => (3 * q[2..].parse::<u32>().expect("quarter") - 2, 3),
            h if h.starts_with("-H") => (6 * h[2..].parse::<u32>().expect("half") - 5, 6),
            m => (m[1..].parse().expect("month"), 1),
        };
        Period {
            label: s.to_owned(),
            first: (y, m),
            months: n,
        }
    }
    fn month_label(&self, i: u32) -> String {
        let m0 = self.first.0 * 12 + self.first.1 as i32 - 1 + i as i32;
        format!("{:04}-{:02}", m0.div_euclid(12), m0.rem_euclid(12) + 1)
    }
    fn start(&self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(self.first.0, self.first.1, 1).expect("date")
    }
    fn end(&self) -> chrono::NaiveDate {
        let next = self.first.0 * 12 + self.first.1 as i32 - 1 + self.months as i32;
        chrono::NaiveDate::from_ymd_opt(next.div_euclid(12), (next.rem_euclid(12) + 1) as u32, 1)
            .expect("date")
            .pred_opt()
            .expect("date")
    }
}

fn table(dir: &Path, name: &str) -> Option<PathBuf> {
    ["parquet", "csv"]
        .iter()
        .map(|e| dir.join(format!("{name}.{e}")))
        .find(|p| p.is_file())
}

fn scan(path: &Path) -> LazyFrame {
    let p = PlRefPath::new(path.to_str().expect("utf-8 path"));
    if path.extension().is_some_and(|e| e == "csv") {
        LazyCsvReader::new(p)
            .with_infer_schema_length(Some(0))
            .finish()
            .expect("scan csv")
    } else {
        LazyFrame::scan_parquet(p, Default::default()).expect("scan parquet")
    }
}

fn strs<'a>(df: &'a DataFrame, name: &str) -> &'a StringChunked {
    df.column(name).expect(name).str().expect("string column")
}

struct Emp {
    id: String,
    name: String,
    dept: usize,
    role: String,
    target_bonus: Decimal,
    days: i64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, period, out] = &args[..] else {
        eprintln!("usage: baseline DATA_DIR PERIOD OUT.csv");
        std::process::exit(2);
    };
    let t0 = Instant::now();
    let dir = Path::new(dir);
    let p = Period::parse(period);
    let (first, last) = (p.month_label(0), p.month_label(p.months - 1));
    let in_period = |c: Expr| {
        c.clone()
            .gt_eq(lit(first.as_str()))
            .and(c.lt_eq(lit(last.as_str())))
    };

    // Employees employed on some day of the period.
    let emp_df = scan(&table(dir, "employees").expect("employees table"))
        .collect_with_engine(Engine::Streaming)
        .map(|r| r.unwrap_single())
        .expect("employees");
    let (start, end) = (p.start(), p.end());
    let period_days = (end - start).num_days() + 1;
    let mut depts: PlHashMap<String, usize> = PlHashMap::default();
    let mut emps: Vec<Emp> = Vec::with_capacity(emp_df.height());
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    for (((((((id, name), dept), role), salary), pct), hire), term) in strs(&emp_df, "employee_id")
        .iter()
        .zip(strs(&emp_df, "name").iter())
        .zip(strs(&emp_df, "department").iter())
        .zip(strs(&emp_df, "role").iter())
        .zip(strs(&emp_df, "base_salary").iter())
        .zip(strs(&emp_df, "target_bonus_pct").iter())
        .zip(strs(&emp_df, "hire_date").iter())
        .zip(strs(&emp_df, "termination_date").iter())
    {
        let from = date(hire.unwrap_or_default()).max(start);
        let to = term
            .filter(|t| !t.is_empty())
            .map_or(end, |t| date(t).min(end));
        let days = (to - from).num_days() + 1;
        if days <= 0 {
            continue;
        }
        let n = depts.len();
        let dept = *depts
            .entry(dept.unwrap_or_default().to_owned())
            .or_insert(n);
        emps.push(Emp {
            id: id.unwrap_or_default().to_owned(),
            name: name.unwrap_or_default().to_owned(),
            dept,
            role: role.unwrap_or_default().to_owned(),
            target_bonus: d(salary.unwrap_or_default()) * d(pct.unwrap_or_default())
                / Decimal::ONE_HUNDRED
                * Decimal::from(p.months)
                / Decimal::from(12),
            days,
        });
    }
    emps.sort_by(|a, b| a.id.cmp(&b.id));
    let mut dept_names = vec![""; depts.len()];
    for (name, i) in &depts {
        dept_names[*i] = name.as_str();
    }
    drop(emp_df);
    let index: PlHashMap<&str, usize> = emps
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    eprintln!("baseline: employees {:.3} s", t0.elapsed().as_secs_f64());

    // Metric sums of the period: one polars group-by over the whole table.
    let t = Instant::now();
    let sums = scan(&table(dir, "metrics").expect("metrics table"))
        .filter(in_period(col("month")))
        .group_by([col("subject_id"), col("metric")])
        .agg([
            col("value")
                .cast(DataType::Decimal(38, 2))
                .sum()
                .alias("sum"),
            len().alias("n"),
        ])
        .collect_with_engine(Engine::Streaming)
        .map(|r| r.unwrap_single())
        .expect("metrics");
    eprintln!(
        "baseline: metrics group-by {:.3} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut m = vec![[0i128; 12]; emps.len()];
    let mut rating_months = vec![0u32; emps.len()];
    let mut dau = vec![(0i128, 0u32); depts.len()];
    let sum_col = sums
        .column("sum")
        .expect("sum")
        .decimal()
        .expect("decimal")
        .physical()
        .clone();
    let n_col = sums.column("n").expect("n").u32().expect("u32").clone();
    for (((s, k), v), n) in strs(&sums, "subject_id")
        .iter()
        .zip(strs(&sums, "metric").iter())
        .zip(sum_col.iter())
        .zip(n_col.iter())
    {
        let (s, k, v) = (
            s.unwrap_or_default(),
            k.unwrap_or_default(),
            v.unwrap_or_default(),
        );
        if k == "dau" {
            if let Some(&di) = depts.get(s) {
                dau[di] = (v, n.unwrap_or(0));
            }
        } else if let (Some(&e), Some(mi)) = (index.get(s), METRICS.iter().position(|x| *x == k)) {
            m[e][mi] = v;
            if mi == USER_RATING {
                rating_months[e] = n.unwrap_or(0);
            }
        }
    }
    drop(sums);

    // Targets, ratings and projects of the period.
    let targets = scan(&table(dir, "targets").expect("targets table"))
        .filter(col("period").eq(lit(p.label.as_str())))
        .collect_with_engine(Engine::Streaming)
        .map(|r| r.unwrap_single())
        .expect("targets");
    let mut tg = vec![[Decimal::ZERO; KPIS]; emps.len()];
    let mut dau_target = vec![Decimal::ZERO; depts.len()];
    for ((s, k), v) in strs(&targets, "subject_id")
        .iter()
        .zip(strs(&targets, "kpi").iter())
        .zip(strs(&targets, "target").iter())
    {
        let (s, k, v) = (
            s.unwrap_or_default(),
            k.unwrap_or_default(),
            d(v.unwrap_or_default()),
        );
        if k == "dau" {
            if let Some(&di) = depts.get(s) {
                dau_target[di] = v;
            }
        } else if let (Some(&e), Some(&(ki, _))) =
            (index.get(s), TABLE_KPIS.iter().find(|(_, n)| *n == k))
        {
            tg[e][ki] = v;
        }
    }
    drop(targets);
    let ratings = scan(&table(dir, "ratings").expect("ratings table"))
        .filter(col("period").eq(lit(p.label.as_str())))
        .collect_with_engine(Engine::Streaming)
        .map(|r| r.unwrap_single())
        .expect("ratings");
    let mut rating = vec![None; emps.len()];
    for (e, r) in strs(&ratings, "employee_id")
        .iter()
        .zip(strs(&ratings, "rating").iter())
    {
        if let Some(&i) = index.get(e.unwrap_or_default()) {
            rating[i] = r.and_then(|r| r.parse::<u8>().ok());
        }
    }
    // A row dated by quarter is paid by the run containing its last month.
    let mut paid = in_period(col("period")).or(col("period").eq(lit(p.label.as_str())));
    for i in (0..p.months).filter(|i| (p.first.1 + i).is_multiple_of(3)) {
        let m = p.month_label(i);
        let q = format!("{}-Q{}", &m[..4], m[5..].parse::<u32>().expect("month") / 3);
        paid = paid.or(col("period").eq(lit(q)));
    }
    let projects = scan(&table(dir, "projects").expect("projects table"))
        .filter(col("approved").eq(lit("yes")).and(paid))
        .collect_with_engine(Engine::Streaming)
        .map(|r| r.unwrap_single())
        .expect("projects");
    let mut project = vec![Decimal::ZERO; emps.len()];
    for (e, a) in strs(&projects, "employee_id")
        .iter()
        .zip(strs(&projects, "amount").iter())
    {
        if let Some(&i) = index.get(e.unwrap_or_default()) {
            project[i] += d(a.unwrap_or_default());
        }
    }
    eprintln!(
        "baseline: targets, ratings, projects {:.3} s",
        t.elapsed().as_secs_f64()
    );

    // The plan, written out.
    let t = Instant::now();
    let standard = Curve {
        t: (d("0.80"), d("60")),
        g: (d("1.00"), d("100")),
        s: (d("1.20"), d("130")),
        below: Decimal::ZERO,
        cap: Some(d("150")),
    };
    let conversion = Curve {
        t: (d("0.90"), d("70")),
        g: (d("1.00"), d("100")),
        s: (d("1.10"), d("120")),
        below: Decimal::ZERO,
        cap: None,
    };
    let complaints = Curve {
        t: (d("0.50"), d("50")),
        g: (d("1.00"), d("100")),
        s: (d("1.50"), d("120")),
        below: Decimal::ZERO,
        cap: Some(d("120")),
    };
    let review_score = [d("40"), d("70"), d("100"), d("115"), d("130")];
    let dec = |v: i128| Decimal::from_i128_with_scale(v, 2);
    let fixed = [d("0.40"), d("0.05"), d("3.5"), d("6"), d("0.02"), d("4.5")];
    let bands = [
        (d("120"), "S", d("1.3")),
        (d("105"), "A", d("1.15")),
        (d("90"), "B", d("1.0")),
        (d("70"), "C", d("0.5")),
    ];
    let (kicker_at, kicker, cap) = (d("1.2"), d("0.05"), d("1.5"));
    let actual = |x: Decimal| x.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero);
    let achieve = |a: Decimal, t: Decimal| round((a / t).max(Decimal::ZERO), 4);
    let achieve_lower =
        |a: Decimal, t: Decimal| round((Decimal::TWO - a / t).max(Decimal::ZERO), 4);
    let rows: Vec<String> = emps
        .par_iter()
        .enumerate()
        .map(|(i, e)| {
            let v = &m[i];
            let (dsum, dn) = dau[e.dept];
            let a: [Decimal; KPIS] = [
                achieve(actual(dec(dsum) / Decimal::from(dn)), dau_target[e.dept]),
                achieve(actual(dec(v[UV])), tg[i][1]),
                achieve(actual(dec(v[PV])), tg[i][2]),
                achieve(actual(dec(v[REG])), tg[i][3]),
                achieve(actual(dec(v[RETAINED]) / dec(v[COHORT])), fixed[0]),
                achieve(actual(dec(v[GMV])), tg[i][5]),
                achieve(actual(dec(v[ORDERS])), tg[i][6]),
                achieve(actual(dec(v[ORDERS]) / dec(v[UV])), fixed[1]),
                achieve(actual(dec(v[DWELL]) / dec(v[VISITS])), fixed[2]),
                achieve(actual(dec(v[ACTIONS]) / dec(v[VISITS])), fixed[3]),
                achieve_lower(actual(dec(v[COMPLAINTS]) / dec(v[ORDERS])), fixed[4]),
                achieve(
                    actual(dec(v[USER_RATING]) / Decimal::from(rating_months[i])),
                    fixed[5],
                ),
            ];
            let curves = [
                &standard,
                &standard,
                &standard,
                &standard,
                &standard,
                &standard,
                &standard,
                &conversion,
                &standard,
                &standard,
                &complaints,
                &conversion,
            ];
            let (w, rw) = weights(&e.role);
            // Σ score × weight (+ review score × its weight), divided once:
            // by 100, or by 100 − review weight when the rating is missing.
            let (den, review) = match rating[i] {
                Some(r) => (
                    Decimal::ONE_HUNDRED,
                    review_score[r as usize - 1] * Decimal::from(rw),
                ),
                None => (Decimal::ONE_HUNDRED - Decimal::from(rw), Decimal::ZERO),
            };
            let mut weighted = review;
            for k in 0..KPIS {
                weighted += curves[k].score(a[k]) * Decimal::from(w[k]);
            }
            let total = weighted / den;
            let score = round(total, 2);
            let (band, multiplier) = bands
                .iter()
                .find(|(min, _, _)| score >= *min)
                .map_or(("D", Decimal::ZERO), |(_, b, m)| (*b, *m));
            let mut bonus = e.target_bonus * score / Decimal::ONE_HUNDRED * multiplier;
            if a[5] >= kicker_at {
                bonus += e.target_bonus * kicker;
            }
            let bonus = round(
                bonus.min(cap * e.target_bonus) * Decimal::from(e.days)
                    / Decimal::from(period_days),
                2,
            );
            let projects = round(project[i], 2);
            format!(
                "{},{},{},{},{},{},{},{},{},{},CNY\n",
                e.id,
                e.name,
                dept_names[e.dept],
                e.role,
                p.label,
                score,
                band,
                bonus,
                projects,
                round(bonus + projects, 2)
            )
        })
        .collect();
    let mut f = std::io::BufWriter::new(std::fs::File::create(out).expect("create output"));
    f.write_all(b"employee_id,name,department,role,period,score,rating,bonus,project_bonus,total_payout,currency\n")
        .expect("write");
    for r in &rows {
        f.write_all(r.as_bytes()).expect("write");
    }
    f.flush().expect("write");
    eprintln!("baseline: payouts {:.3} s", t.elapsed().as_secs_f64());
    eprintln!(
        "baseline: {} employees in {:.3} s",
        emps.len(),
        t0.elapsed().as_secs_f64()
    );
}
