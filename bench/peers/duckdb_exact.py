#!/usr/bin/env python3
"""Run the bench/policy plan as DuckDB SQL: duckdb_exact.sql (exact) or, with
--float, duckdb_float.sql (DOUBLE arithmetic).

    duckdb_exact.py DATA_DIR PERIOD OUT.csv [--float]

The SQL files hold the whole plan; this driver only turns the period label
(2026-Q1, 2026-H2, 2026, 2026-03) into its months, first and last day and
number of days, fills them in, and runs the script in one in-memory DuckDB
(on every core, DuckDB's default).
"""

import sys
from pathlib import Path

import duckdb

from periods import period  # bench/peers/periods.py


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 3:
        sys.exit("usage: duckdb_exact.py DATA_DIR PERIOD OUT.csv [--float]")
    data, label, out = args
    months, start, end = period(label)
    sql_file = "duckdb_float.sql" if "--float" in argv else "duckdb_exact.sql"
    sql = (Path(__file__).with_name(sql_file).read_text()
           .replace("{data}", str(Path(data).resolve()))
           .replace("{label}", label)
           .replace("{months}", ", ".join(f"'{m}'" for m in months))
           .replace("{n_months}", str(len(months)))
           .replace("{start}", start.isoformat())
           .replace("{end}", end.isoformat())
           .replace("{period_days}", str((end - start).days + 1))
           .replace("{out}", str(out)))
    duckdb.connect().execute(sql)


if __name__ == "__main__":
    main(sys.argv)
