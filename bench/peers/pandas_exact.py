#!/usr/bin/env python3
"""The bench/policy plan (12 KPIs) as an analyst would write it in pandas.

    pandas_exact.py DATA_DIR PERIOD OUT.csv [--float]

Reads the Parquet tables `merit gen` writes (pyarrow) and writes payouts.csv
in merit's first 11 columns, sorted by employee id.

Exact by default: every number is a Python `decimal.Decimal` (object
columns; pandas applies + − × ÷ and comparisons element by element), with
50 significant digits, so no quotient is rounded before the policy's own
rounding points (docs/policy.md, Rounding), where `quantize(...,
ROUND_HALF_UP)` rounds it: actual 6 places, achievement 4, score 2, money 2.

`--float` is the same plan with float64 columns and `.round(k)`: what a
notebook usually does, kept to show how many employees it pays a different
amount.
"""

import sys
from decimal import ROUND_HALF_UP, Decimal, getcontext
from pathlib import Path

import numpy as np
import pandas as pd

from periods import period  # bench/peers/periods.py

getcontext().prec = 50

KPIS = ["dau", "uv", "pv", "new_users", "retention", "gmv", "orders",
        "purchase_conversion", "dwell_time", "action_frequency",
        "complaint_rate", "user_rating"]
WEIGHTS = pd.DataFrame(
    [["growth_ops", 8, 8, 4, 14, 10, 4, 4, 4, 6, 6, 6, 6, 20],
     ["commerce_ops", 5, 6, 4, 5, 5, 20, 12, 10, 3, 3, 8, 4, 15],
     ["content_ops", 10, 10, 14, 6, 10, 3, 3, 3, 12, 9, 5, 5, 10],
     ["ops_lead", 12, 6, 4, 8, 6, 10, 6, 6, 4, 4, 8, 6, 20]],
    columns=["role", *[f"w_{k}" for k in KPIS], "review_weight"]).set_index("role")
# (threshold, target, stretch) as (achievement, score), cap (None: flat above stretch)
STANDARD = (("0.80", 60), ("1.00", 100), ("1.20", 130), 150)
CONVERSION = (("0.90", 70), ("1.00", 100), ("1.10", 120), None)
COMPLAINTS = (("0.50", 50), ("1.00", 100), ("1.50", 120), 120)
CURVE = {k: STANDARD for k in KPIS} | {
    "purchase_conversion": CONVERSION, "user_rating": CONVERSION, "complaint_rate": COMPLAINTS}
FIXED = {"retention": "0.40", "purchase_conversion": "0.05", "dwell_time": "3.5",
         "action_frequency": "6", "complaint_rate": "0.02", "user_rating": "4.5"}
REVIEW = {1: 40, 2: 70, 3: 100, 4: 115, 5: 130}
BANDS = [(120, "S", "1.3"), (105, "A", "1.15"), (90, "B", "1.0"), (70, "C", "0.5")]  # else D, 0


def last_month(label: str) -> str:
    if len(label) == 4:
        return label + "-12"
    if label[5] in "QH":
        return f"{label[:4]}-{int(label[6:]) * (3 if label[5] == 'Q' else 6):02d}"
    return label


class Num:
    """Exact (Decimal) or float arithmetic: the only difference between the two modes."""

    def __init__(self, exact: bool):
        self.exact = exact

    def parse(self, s: pd.Series) -> pd.Series:
        return s.map(Decimal) if self.exact else s.astype("float64")

    def const(self, x):
        return Decimal(str(x)) if self.exact else float(x)

    def round(self, s: pd.Series, places: int) -> pd.Series:
        if not self.exact:
            return s.round(places)
        q = Decimal(1).scaleb(-places)
        return s.map(lambda x: x.quantize(q, rounding=ROUND_HALF_UP))

    def text(self, s: pd.Series) -> pd.Series:
        return s.map(lambda x: f"{x:.2f}")


def curve(num: Num, a: pd.Series, c) -> pd.Series:
    (x0, y0), (x1, y1), (x2, y2), cap = c
    x0, x1, x2 = num.const(x0), num.const(x1), num.const(x2)
    y0, y1, y2 = num.const(y0), num.const(y1), num.const(y2)
    lo = y0 + (a - x0) * (y1 - y0) / (x1 - x0)
    hi = y1 + (a - x1) * (y2 - y1) / (x2 - x1)
    above = hi.clip(upper=num.const(cap)) if cap is not None else pd.Series(y2, index=a.index)
    raw = pd.Series(np.select([a < x0, a <= x1, a <= x2], [num.const(0), lo, hi], above),
                    index=a.index)
    return num.round(raw, 2)


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 3:
        sys.exit("usage: pandas_exact.py DATA_DIR PERIOD OUT.csv [--float]")
    data, label, out = Path(args[0]), args[1], args[2]
    num = Num("--float" not in argv)
    months, start, end = period(label)
    n_months, period_days = len(months), (end - start).days + 1

    emp = pd.read_parquet(data / "employees.parquet",
                          columns=["employee_id", "name", "department", "role", "base_salary",
                                   "target_bonus_pct", "hire_date", "termination_date"])
    frm = pd.to_datetime(emp["hire_date"]).clip(lower=pd.Timestamp(start))
    to = pd.to_datetime(emp["termination_date"].replace("", None)).fillna(pd.Timestamp(end))
    emp["days"] = (to.clip(upper=pd.Timestamp(end)) - frm).dt.days + 1
    emp = emp[emp["days"] > 0].set_index("employee_id").sort_index()

    metrics = pd.read_parquet(data / "metrics.parquet")
    metrics = metrics[metrics["month"].isin(months)]
    metrics["value"] = num.parse(metrics["value"])
    agg = metrics.groupby(["subject_id", "metric"])["value"].agg(["sum", "count"])
    sums = agg["sum"].unstack("metric")
    counts = agg["count"].unstack("metric")

    targets = pd.read_parquet(data / "targets.parquet")
    targets = targets[targets["period"] == label]
    targets = targets.pivot(index="subject_id", columns="kpi", values="target")
    ratings = pd.read_parquet(data / "ratings.parquet")
    ratings = ratings[ratings["period"] == label]
    ratings = ratings.set_index("employee_id")["rating"].astype(int)
    projects = pd.read_parquet(data / "projects.parquet")
    projects = projects[projects["approved"].str.strip().str.lower().isin(["true", "yes", "y", "1"])
                        & projects["period"].map(last_month).isin(months)]
    project_sum = num.parse(projects["amount"]).groupby(projects["employee_id"]).sum()

    df = emp.join(sums.drop(columns="dau")).join(counts["user_rating"].rename("rating_months"))
    dept = df["department"]
    df["dau"] = dept.map(sums["dau"])
    df["dau_months"] = dept.map(counts["dau"])
    df["t_dau"] = num.parse(dept.map(targets["dau"]))
    for k in ["uv", "pv", "new_users", "gmv", "orders"]:
        df[f"t_{k}"] = num.parse(targets[k].reindex(df.index))
    df["rating"] = ratings.reindex(df.index)
    df["projects"] = project_sum.reindex(df.index).fillna(num.const(0))
    df = df.join(WEIGHTS, on="role")

    actual = {
        "dau": df["dau"] / df["dau_months"].map(num.const),
        "uv": df["uv"], "pv": df["pv"], "new_users": df["registrations"],
        "retention": df["retained_users"] / df["cohort_users"],
        "gmv": df["gmv"], "orders": df["orders"],
        "purchase_conversion": df["orders"] / df["uv"],
        "dwell_time": df["dwell_minutes"] / df["visits"],
        "action_frequency": df["actions"] / df["visits"],
        "complaint_rate": df["complaints"] / df["orders"],
        "user_rating": df["user_rating"] / df["rating_months"].map(num.const),
    }
    weighted = pd.Series(num.const(0), index=df.index)
    for k in KPIS:
        a = num.round(actual[k], 6)
        t = num.const(FIXED[k]) if k in FIXED else df[f"t_{k}"]
        if k == "complaint_rate":  # lower is better
            ach = (num.const(2) - a / t).clip(lower=num.const(0))
        else:
            ach = a / t
        ach = num.round(ach, 4)
        df[f"a_{k}"] = ach
        weighted = weighted + curve(num, ach, CURVE[k]) * df[f"w_{k}"].map(num.const)

    has_review = df["rating"].notna()
    review = df["rating"].map(REVIEW).fillna(0).astype(int).map(num.const)
    rw = df["review_weight"].map(num.const)
    hundred = num.const(100)
    total = pd.Series(np.where(has_review, (weighted + review * rw) / hundred,
                               weighted / (hundred - rw)), index=df.index)
    score = num.round(total, 2)
    band = pd.Series("D", index=df.index)
    mult = pd.Series(num.const(0), index=df.index)
    for lo, b, x in reversed(BANDS):
        band = band.mask(score >= lo, b)
        mult = mult.mask(score >= lo, num.const(x))

    # target bonus = salary × pct × months ÷ 1200; the formula is target bonus × f with
    # f = score ÷ 100 × multiplier (+ 0.05 when GMV achievement ≥ 1.2), capped at f = 1.5.
    kicker = pd.Series(num.const(0), index=df.index).mask(df["a_gmv"] >= num.const("1.2"),
                                                          num.const("0.05"))
    f = (score / hundred * mult + kicker).clip(upper=num.const("1.5"))
    salary_pct = num.parse(df["base_salary"]) * num.parse(df["target_bonus_pct"])
    if num.exact:
        # Divide once, last: a Decimal quotient is rounded to the context's digits, so
        # 1/12 taken first (a month's target bonus) can land just below a half cent that
        # the exact amount reaches, and round down where merit rounds up.
        bonus = num.round(salary_pct * n_months * f * df["days"].map(num.const)
                          / Decimal(1200 * period_days), 2)
    else:
        tb = salary_pct / 100 * n_months / 12
        bonus = num.round(tb * f * df["days"] / period_days, 2)
    project_bonus = num.round(df["projects"], 2)

    outdf = pd.DataFrame({
        "employee_id": df.index, "name": df["name"], "department": df["department"],
        "role": df["role"], "period": label, "score": num.text(score), "rating": band,
        "bonus": num.text(bonus), "project_bonus": num.text(project_bonus),
        "total_payout": num.text(num.round(bonus + project_bonus, 2)), "currency": "CNY"})
    outdf.to_csv(out, index=False, lineterminator="\n")


if __name__ == "__main__":
    main(sys.argv)
