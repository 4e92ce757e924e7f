#!/usr/bin/env python3
"""Split a data folder by department into N shards (the measurement behind
docs/scaling.md, "Sharded runs").

    python bench/shard.py DATA_DIR N OUT_DIR      # writes OUT_DIR/shard-01 ... shard-N (zero-padded)

Departments are taken in the order of their first employee and cut into N
consecutive groups of about equal headcount, so a department never spans
two shards. Each shard holds its employees and every row of the other tables
whose subject is one of its employees or departments (metrics, targets), or
one of its employees (ratings, projects); `company` rows go to every shard.
Parquet in, Parquet out (polars, bench/requirements.txt); other tables are
not handled.
"""

import sys
from pathlib import Path

import polars as pl


def main(data, n, out):
    data, n, out = Path(data), int(n), Path(out)
    emp = pl.read_parquet(data / "employees.parquet")
    heads = (emp.with_row_index("row").group_by("department", maintain_order=True)
             .agg(pl.col("row").min().alias("first"), pl.len().alias("people"))
             .sort("first")
             .with_columns((pl.col("people").cum_sum() - pl.col("people")).alias("before")))
    total = emp.height
    heads = heads.with_columns(shard=(pl.col("before") * n // total + 1).cast(pl.Int32))
    for s in range(1, n + 1):
        depts = heads.filter(pl.col("shard") == s)["department"]
        e = emp.filter(pl.col("department").is_in(depts.implode()))
        ids = e["employee_id"]
        subjects = pl.concat([ids, depts, pl.Series(["company"])])
        d = out / f"shard-{s:0{max(2, len(str(n)))}d}"
        d.mkdir(parents=True, exist_ok=True)
        e.write_parquet(d / "employees.parquet")
        for table, key, keys in [("metrics", "subject_id", subjects),
                                 ("targets", "subject_id", subjects),
                                 ("ratings", "employee_id", ids),
                                 ("projects", "employee_id", ids)]:
            src = data / f"{table}.parquet"
            if src.exists():
                (pl.scan_parquet(src).filter(pl.col(key).is_in(keys.implode()))
                 .sink_parquet(d / f"{table}.parquet"))
        print(f"{d}: {e.height} employees, {len(depts)} departments")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: shard.py DATA_DIR N OUT_DIR")
    main(*sys.argv[1:])
