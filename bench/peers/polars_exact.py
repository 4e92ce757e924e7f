#!/usr/bin/env python3
"""The bench/policy plan (12 KPIs) as an analyst would write it in Python polars.

    polars_exact.py DATA_DIR PERIOD OUT.csv [--float]

Reads the Parquet tables `merit gen` writes and writes payouts.csv in merit's
first 11 columns, sorted by employee id, so the output can be compared with
merit's byte for byte.

Exact by default: money and metrics are parsed as decimals and carried as
integers in fixed units (cents, millionths of an actual, ten-thousandths of
an achievement, hundredths of a score); every rounding point of the policy
(docs/policy.md, Rounding: actual 6 places, achievement 4, score 2, money 2,
mode half_up) is one integer division rounded half up, `(2n + d) // 2d`, of
the exact numerator and denominator. Nothing is ever rounded twice.

`--float` is the same plan written the obvious way with Float64 columns and
`.round(k)` at the same points: what most analysis notebooks do. It is here to
show how many employees such a script pays a different amount.
"""

import sys
from pathlib import Path

import polars as pl

from periods import period  # bench/peers/periods.py

# ---------------------------------------------------------------- the plan
KPIS = ["dau", "uv", "pv", "new_users", "retention", "gmv", "orders",
        "purchase_conversion", "dwell_time", "action_frequency",
        "complaint_rate", "user_rating"]
# role -> weights in KPIS order, review weight
ROLES = {
    "growth_ops":   ([8, 8, 4, 14, 10, 4, 4, 4, 6, 6, 6, 6], 20),
    "commerce_ops": ([5, 6, 4, 5, 5, 20, 12, 10, 3, 3, 8, 4], 15),
    "content_ops":  ([10, 10, 14, 6, 10, 3, 3, 3, 12, 9, 5, 5], 10),
    "ops_lead":     ([12, 6, 4, 8, 6, 10, 6, 6, 4, 4, 8, 6], 20),
}
# curves: (threshold, target, stretch) as (achievement, score), cap (None: flat)
STANDARD = ((0.80, 60), (1.00, 100), (1.20, 130), 150)
CONVERSION = ((0.90, 70), (1.00, 100), (1.10, 120), None)
COMPLAINTS = ((0.50, 50), (1.00, 100), (1.50, 120), 120)
CURVE = {k: STANDARD for k in KPIS} | {
    "purchase_conversion": CONVERSION, "user_rating": CONVERSION,
    "complaint_rate": COMPLAINTS}
REVIEW = {1: 40, 2: 70, 3: 100, 4: 115, 5: 130}
BANDS = [(120, "S", 1.3), (105, "A", 1.15), (90, "B", 1.0), (70, "C", 0.5)]  # else D, 0
METRICS = ["uv", "pv", "registrations", "retained_users", "cohort_users", "gmv",
           "orders", "visits", "dwell_minutes", "actions", "complaints", "user_rating"]


def last_month(col: str) -> pl.Expr:
    """The last month of a month, quarter, half or year label."""
    c = pl.col(col)
    y = c.str.slice(0, 4)
    k = c.str.slice(5, 1)
    n = c.str.slice(6).cast(pl.Int32, strict=False)
    m = (pl.when(c.str.len_chars() == 4).then(12)
         .when(k == "Q").then(3 * n)
         .when(k == "H").then(6 * n)
         .otherwise(c.str.slice(5, 2).cast(pl.Int32, strict=False)))
    return y + "-" + m.cast(pl.String).str.zfill(2)


def load(data: Path, label: str, exact: bool) -> tuple[pl.DataFrame, int, int]:
    """One row per employee in the period: the period's metric sums, targets, rating, projects."""
    months, start, end = period(label)
    period_days = (end - start).days + 1
    money = pl.Decimal(38, 2) if exact else pl.Float64

    emp = (
        pl.scan_parquet(data / "employees.parquet")
        .select("employee_id", "name", "department", "role", "base_salary",
                "target_bonus_pct", "hire_date", "termination_date")
        .with_columns(
            pl.max_horizontal(pl.col("hire_date").str.to_date(), pl.lit(start)).alias("from"),
            pl.min_horizontal(pl.col("termination_date").replace("", None).str.to_date(),
                              pl.lit(end)).alias("to"),
        )
        .with_columns(days=(pl.col("to") - pl.col("from")).dt.total_days() + 1)
        .filter(pl.col("days") > 0)
    )

    # Σ and count of months per (subject, metric) over the period, then one column per metric.
    sums = (
        pl.scan_parquet(data / "metrics.parquet")
        .filter(pl.col("month").is_in(months))
        .group_by("subject_id", "metric")
        .agg(pl.col("value").cast(money).sum().alias("sum"), pl.len().alias("n"))
        .collect()
    )
    person = (sums.filter(pl.col("metric") != "dau")
              .pivot("metric", index="subject_id", values="sum")
              .join(sums.filter(pl.col("metric") == "user_rating")
                    .select("subject_id", pl.col("n").alias("rating_months")), on="subject_id"))
    dau = (sums.filter(pl.col("metric") == "dau")
           .select(pl.col("subject_id").alias("department"),
                   pl.col("sum").alias("dau"), pl.col("n").alias("dau_months")))

    targets = (
        pl.scan_parquet(data / "targets.parquet")
        .filter(pl.col("period") == label)
        .with_columns(pl.col("target").cast(money))
        .collect()
    )
    own_targets = (targets.filter(pl.col("kpi") != "dau")
                   .pivot("kpi", index="subject_id", values="target")
                   .rename(lambda c: c if c == "subject_id" else f"t_{c}"))
    dau_target = (targets.filter(pl.col("kpi") == "dau")
                  .select(pl.col("subject_id").alias("department"), pl.col("target").alias("t_dau")))

    ratings = (
        pl.scan_parquet(data / "ratings.parquet")
        .filter(pl.col("period") == label)
        .select("employee_id", pl.col("rating").cast(pl.Int32))
    )
    projects = (
        pl.scan_parquet(data / "projects.parquet")
        .filter(pl.col("approved").str.strip_chars().str.to_lowercase().is_in(["true", "yes", "y", "1"]))
        .filter(last_month("period").is_in(months))
        .group_by("employee_id")
        .agg(pl.col("amount").cast(money).sum().alias("projects"))
    )

    df = (
        emp.join(person.lazy(), left_on="employee_id", right_on="subject_id", how="left")
        .join(own_targets.lazy(), left_on="employee_id", right_on="subject_id", how="left")
        .join(dau.lazy(), on="department", how="left")
        .join(dau_target.lazy(), on="department", how="left")
        .join(ratings, on="employee_id", how="left")
        .join(projects, on="employee_id", how="left")
        .with_columns(pl.col("projects").fill_null(0))
        .sort("employee_id")
        .collect()
    )
    return df, len(months), period_days


# ---------------------------------------------------------------- exact
def cents(c) -> pl.Expr:
    """A Decimal(38, 2) column as integer hundredths."""
    c = pl.col(c) if isinstance(c, str) else c
    return (c * 100).cast(pl.Int128)


def div(n: pl.Expr, d) -> pl.Expr:
    """n ÷ d rounded half up to an integer (n, d integers, d > 0)."""
    return (2 * n + d) // (2 * d)


def curve(a: pl.Expr, c) -> pl.Expr:
    """Score in hundredths at an achievement in ten-thousandths."""
    (x0, y0), (x1, y1), (x2, y2), cap = c
    x0, x1, x2 = round(x0 * 10_000), round(x1 * 10_000), round(x2 * 10_000)
    lo = y0 * 100 + div((a - x0) * (y1 - y0) * 100, x1 - x0)
    hi = y1 * 100 + div((a - x1) * (y2 - y1) * 100, x2 - x1)
    above = pl.lit(y2 * 100) if cap is None else pl.min_horizontal(hi, pl.lit(cap * 100))
    return (pl.when(a < x0).then(0).when(a <= x1).then(lo).when(a <= x2).then(hi)
            .otherwise(above))


def exact(df: pl.DataFrame, label: str, months: int, period_days: int) -> pl.DataFrame:
    m = {k: cents(k) for k in METRICS}
    # actuals in millionths: a sum is exact, a mean or ratio rounded to 6 places
    actual = {
        "dau": div(cents("dau") * 10_000, pl.col("dau_months")),
        "uv": m["uv"] * 10_000,
        "pv": m["pv"] * 10_000,
        "new_users": m["registrations"] * 10_000,
        "retention": div(m["retained_users"] * 1_000_000, m["cohort_users"]),
        "gmv": m["gmv"] * 10_000,
        "orders": m["orders"] * 10_000,
        "purchase_conversion": div(m["orders"] * 1_000_000, m["uv"]),
        "dwell_time": div(m["dwell_minutes"] * 1_000_000, m["visits"]),
        "action_frequency": div(m["actions"] * 1_000_000, m["visits"]),
        "complaint_rate": div(m["complaints"] * 1_000_000, m["orders"]),
        "user_rating": div(m["user_rating"] * 10_000, pl.col("rating_months")),
    }
    fixed = {"retention": 400_000, "purchase_conversion": 50_000, "dwell_time": 3_500_000,
             "action_frequency": 6_000_000, "complaint_rate": 20_000, "user_rating": 4_500_000}
    ach = {}
    for k in KPIS:
        if k == "complaint_rate":  # lower is better: max(0, 2 - actual / target)
            t = fixed[k]
            ach[k] = pl.max_horizontal(div((2 * t - actual[k]) * 10_000, t), pl.lit(0))
        elif k in fixed:
            ach[k] = div(actual[k] * 10_000, fixed[k])
        else:  # a table target in cents: (a / 1e6) / (t / 100) in 1e-4 units is a / t
            ach[k] = div(actual[k], cents(f"t_{k}"))
    df = df.with_columns(**{f"a_{k}": ach[k] for k in KPIS})
    df = df.with_columns(**{f"s_{k}": curve(pl.col(f"a_{k}"), CURVE[k]) for k in KPIS})

    def per_role(i):
        return pl.col("role").replace_strict({r: w[i] for r, (w, _) in ROLES.items()})
    rw = pl.col("role").replace_strict({r: w for r, (_, w) in ROLES.items()})
    review = pl.col("rating").replace_strict(REVIEW, default=None)
    weighted = pl.sum_horizontal([pl.col(f"s_{k}") * per_role(i) for i, k in enumerate(KPIS)])
    df = df.with_columns(
        score=pl.when(review.is_null()).then(div(weighted, 100 - rw))
        .otherwise(div(weighted + review * 100 * rw, pl.lit(100))))
    band = pl.lit("D")
    mult = pl.lit(0)
    for lo, b, x in reversed(BANDS):
        band = pl.when(pl.col("score") >= lo * 100).then(pl.lit(b)).otherwise(band)
        mult = pl.when(pl.col("score") >= lo * 100).then(round(x * 100)).otherwise(mult)
    # target bonus = salary × pct × months ÷ 1200; formula and cap in millionths of it:
    # score/100 × multiplier + 0.05 if GMV achievement ≥ 1.2, at most 1.5
    f = pl.min_horizontal(
        pl.col("score") * mult + pl.when(pl.col("a_gmv") >= 12_000).then(50_000).otherwise(0),
        pl.lit(1_500_000))
    tb = cents("base_salary") * cents("target_bonus_pct") * months  # × 1e-4 / 1200 CNY
    bonus = div(tb * f * pl.col("days"), pl.lit(12_000_000 * 1_000_000 // 100 * period_days,
                                                 dtype=pl.Int128))
    df = df.with_columns(rating=band, bonus=bonus, project_bonus=cents("projects"))
    df = df.with_columns(total_payout=pl.col("bonus") + pl.col("project_bonus"))

    def money_text(c):
        v = pl.col(c)
        return (v // 100).cast(pl.String) + "." + (v % 100).cast(pl.String).str.zfill(2)
    return df.select(
        "employee_id", "name", "department", "role", pl.lit(label).alias("period"),
        money_text("score").alias("score"), "rating", money_text("bonus").alias("bonus"),
        money_text("project_bonus").alias("project_bonus"),
        money_text("total_payout").alias("total_payout"), pl.lit("CNY").alias("currency"))


# ---------------------------------------------------------------- float
def fcurve(a: pl.Expr, c) -> pl.Expr:
    (x0, y0), (x1, y1), (x2, y2), cap = c
    lo = y0 + (a - x0) * (y1 - y0) / (x1 - x0)
    hi = y1 + (a - x1) * (y2 - y1) / (x2 - x1)
    above = pl.lit(float(y2)) if cap is None else pl.min_horizontal(hi, pl.lit(float(cap)))
    return (pl.when(a < x0).then(0.0).when(a <= x1).then(lo).when(a <= x2).then(hi)
            .otherwise(above)).round(2)


def floats(df: pl.DataFrame, label: str, months: int, period_days: int) -> pl.DataFrame:
    c = pl.col
    actual = {
        "dau": c("dau") / c("dau_months"), "uv": c("uv"), "pv": c("pv"),
        "new_users": c("registrations"), "retention": c("retained_users") / c("cohort_users"),
        "gmv": c("gmv"), "orders": c("orders"), "purchase_conversion": c("orders") / c("uv"),
        "dwell_time": c("dwell_minutes") / c("visits"),
        "action_frequency": c("actions") / c("visits"),
        "complaint_rate": c("complaints") / c("orders"),
        "user_rating": c("user_rating") / c("rating_months"),
    }
    fixed = {"retention": 0.40, "purchase_conversion": 0.05, "dwell_time": 3.5,
             "action_frequency": 6.0, "complaint_rate": 0.02, "user_rating": 4.5}
    ach = {}
    for k in KPIS:
        a = actual[k].round(6)
        t = pl.lit(fixed[k]) if k in fixed else c(f"t_{k}")
        ach[k] = ((2 - a / t).clip(lower_bound=0) if k == "complaint_rate" else a / t).round(4)
    df = df.with_columns(**{f"a_{k}": ach[k] for k in KPIS})
    df = df.with_columns(**{f"s_{k}": fcurve(c(f"a_{k}"), CURVE[k]) for k in KPIS})
    weights = pl.DataFrame({"role": list(ROLES),
                            **{f"w_{k}": [float(w[i]) for w, _ in ROLES.values()]
                               for i, k in enumerate(KPIS)},
                            "rw": [float(rw) for _, rw in ROLES.values()]})
    df = df.join(weights, on="role")
    review = c("rating").replace_strict(REVIEW, default=None, return_dtype=pl.Float64)
    weighted = pl.sum_horizontal([c(f"s_{k}") * c(f"w_{k}") for k in KPIS])
    df = df.with_columns(score=pl.when(review.is_null()).then(weighted / (100 - c("rw")))
                         .otherwise((weighted + review * c("rw")) / 100).round(2))
    band, mult = pl.lit("D"), pl.lit(0.0)
    for lo, b, x in reversed(BANDS):
        band = pl.when(c("score") >= lo).then(pl.lit(b)).otherwise(band)
        mult = pl.when(c("score") >= lo).then(x).otherwise(mult)
    tb = c("base_salary") * c("target_bonus_pct") / 100 * months / 12
    formula = tb * c("score") / 100 * mult + pl.when(c("a_gmv") >= 1.2).then(tb * 0.05).otherwise(0)
    bonus = (pl.min_horizontal(formula, 1.5 * tb) * c("days") / period_days).round(2)
    df = df.with_columns(rating=band, bonus=bonus, project_bonus=c("projects").round(2))
    df = df.with_columns(total_payout=(c("bonus") + c("project_bonus")).round(2))
    return df.select(
        "employee_id", "name", "department", "role", pl.lit(label).alias("period"),
        two_places("score"), "rating", two_places("bonus"), two_places("project_bonus"),
        two_places("total_payout"), pl.lit("CNY").alias("currency"))


def two_places(c: str) -> pl.Expr:
    """A float already rounded to 2 places, printed with both places."""
    v = (pl.col(c) * 100).round(0).cast(pl.Int64)
    return ((v // 100).cast(pl.String) + "." + (v % 100).cast(pl.String).str.zfill(2)).alias(c)


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 3:
        sys.exit("usage: polars_exact.py DATA_DIR PERIOD OUT.csv [--float]")
    data, label, out = Path(args[0]), args[1], args[2]
    exact_mode = "--float" not in argv
    df, months, period_days = load(data, label, exact_mode)
    if exact_mode:
        df = df.with_columns(pl.col(pl.Decimal).cast(pl.Decimal(38, 2)),
                             pl.col("base_salary", "target_bonus_pct").cast(pl.Decimal(38, 2)))
        res = exact(df, label, months, period_days)
    else:
        df = df.with_columns(pl.col("base_salary", "target_bonus_pct").cast(pl.Float64))
        res = floats(df, label, months, period_days)
    res.write_csv(out)


if __name__ == "__main__":
    main(sys.argv)
