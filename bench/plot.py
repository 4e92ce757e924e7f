#!/usr/bin/env python3
"""Draw docs/scaling.svg from bench/scaling.csv (written by bench/scaling.sh).

    python bench/plot.py [bench/scaling.csv] [docs/scaling.svg]

Two log-log panels against employees × KPIs × months: wall seconds and peak
MiB of each program, with a dotted line of slope 1 (cost proportional to the
size) through merit's value at the largest size. When a size was measured
more than once, the last measurement counts. Needs matplotlib (bench/requirements.txt).
"""

import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

LABELS = {"merit": "merit run", "baseline": "Rust baseline (hand-written)",
          "polars": "Python polars (exact)", "duckdb": "DuckDB SQL (exact)",
          "pandas": "pandas (exact)"}
STYLE = {"merit": ("C3", "o"), "baseline": ("C0", "s"), "polars": ("C2", "^"),
         "duckdb": ("C1", "D"), "pandas": ("C4", "v")}


def main(src="bench/scaling.csv", dst="docs/scaling.svg"):
    series: dict[str, dict[int, tuple[int, float, int]]] = {}
    with open(src, newline="") as f:
        for r in csv.DictReader(f):
            series.setdefault(r["program"], {})[int(r["employee_kpi_months"])] = (
                int(r["employees"]), float(r["seconds"]), int(r["peak_mib"]))
    plt.rcParams["svg.hashsalt"] = "merit"  # the same data gives the same file
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    for ax, i, title, unit in [(axes[0], 1, "Wall time", "seconds"),
                               (axes[1], 2, "Peak memory (RSS)", "MiB")]:
        for prog, pts in series.items():
            xs = sorted(pts)
            color, marker = STYLE.get(prog, ("k", "x"))
            ax.plot(xs, [pts[x][i] for x in xs], marker=marker, color=color,
                    label=LABELS.get(prog, prog))
        if "merit" in series:
            pts = series["merit"]
            x1 = max(pts)
            y1 = pts[x1][i]
            x0 = min(pts)
            ax.plot([x0, x1], [y1 * x0 / x1, y1], ":", color="grey",
                    label="linear (slope 1) through merit's largest")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("employees × KPIs × months (12 KPIs, a quarter)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        if "merit" in series:
            xs = sorted(series["merit"])
            top = ax.secondary_xaxis("top", functions=(lambda x: x / 36, lambda e: e * 36))
            top.set_xlabel("employees")
    axes[0].legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(dst, metadata={"Date": None})
    print(f"plot: {dst}")


if __name__ == "__main__":
    main(*sys.argv[1:])
