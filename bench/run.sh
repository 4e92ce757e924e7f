#!/usr/bin/env bash
# The benchmark: synthetic data for bench/policy (12 KPIs) made by `merit gen`
# (Parquet), then, on the same data and interleaved, merit and its peers —
# the hand-written Rust polars baseline (examples/baseline.rs) and the same
# plan written by an analyst in Python polars, DuckDB SQL and pandas
# (bench/peers/, exact decimals) — with wall time and peak RSS from GNU
# time, and a byte comparison of every peer's payouts with merit's. The
# float versions of the Python peers run too, to count the employees they
# pay a different amount.
#
#   bench/run.sh [EMPLOYEES...]                 default: 10000 100000
#   PERIODS="2026-Q1 2026" bench/run.sh 1000000 a quarter (3 months of data)
#                                               and a year (12 months)
#   REPEAT=3 bench/run.sh ...                   3 interleaved rounds (below)
#   PEERS=0 bench/run.sh ...                    merit and the Rust baseline only
#   FLOATS=0 bench/run.sh ...                   skip the float versions
#   FULL=0 bench/run.sh ...                     skip the all-outputs run
#
# Timing: each round runs every program once, one after the other, in the
# same order; REPEAT rounds. A program's seconds are the median of its
# REPEAT wall times (the upper median for an even REPEAT), its MiB the
# largest peak RSS of its runs. On this shared 2-core box take the lock
# other builds use so nothing compiles while it measures:
#   flock /tmp/merit-cargo.lock bench/run.sh
#
# Per size and period it prints one row per program:
#   merit      `merit run --skip statements,trace,workbook`: payouts, scores,
#              summary, recognition, report, manifest with hashes, archive
#   baseline   examples/baseline.rs: the same payouts, hand-written in Rust
#              (polars for the data, rust_decimal for the money)
#   polars     bench/peers/polars_exact.py   (Python polars, exact)
#   duckdb     bench/peers/duckdb_exact.py   (DuckDB SQL, exact)
#   pandas     bench/peers/pandas_exact.py   (pandas, decimal.Decimal)
#   *-float    the same scripts with --float (float64 and round())
#   merit-full `merit run` with every output (the compressed trace, two
#              statements per employee in a zip per department, workbook);
#              by default only up to 100,000 employees; its stages' times
#              and bytes (from the manifest) go to stderr
# with `merit/peer` = merit's seconds ÷ the peer's, and `payouts`: `agree`
# when the peer's payouts.csv equals merit's first 11 columns byte for byte;
# for a float version, the employees whose total payout is off by ≥ 1 cent.
# Exits non-zero when the baseline or an exact peer disagrees with merit.
#
# Python peers run in a venv at $HOME/.cache/merit-bench-venv (VENV=…),
# created with pip from bench/requirements.txt when missing or outdated.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/merit-target}"
command -v /usr/bin/time >/dev/null || { apt-get update && apt-get install -y time; }
cargo build --release --quiet --bin merit
# The baseline needs polars' lazy API: a build of its own (docs/performance.md).
cargo build --release --quiet --features baseline --example baseline
MERIT="$CARGO_TARGET_DIR/release/merit"
BASELINE="$CARGO_TARGET_DIR/release/examples/baseline"
WORK="${WORK:-$(mktemp -d)}"; mkdir -p "$WORK"
PERIODS="${PERIODS:-2026-Q1}"
REPEAT="${REPEAT:-1}"
PEERS="${PEERS:-1}"; FLOATS="${FLOATS:-$PEERS}"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)

. bench/venv.sh

# run NAME CMD...: one timed run, appended to $WORK/t-NAME as "seconds kib".
# `@N` in the command becomes the round's number, so every run writes a new
# folder: outputs are deleted only at the end, because deleting hundreds of
# thousands of files keeps the file system busy for a while afterwards and
# slows the next run's writes. Each run starts after a `sync` (not timed), so
# no program pays for the writeback of an earlier run's files (merit's are
# 1.7 GB at 1 M employees, the peers' 0.1 GB).
run() {
  local name=$1; shift
  sync
  /usr/bin/time -f "%e %M" -o "$WORK/time" "${@//@N/$rep}" >/dev/null 2>"$WORK/stderr" \
    || { echo "bench: $name failed:" >&2; cat "$WORK/stderr" >&2; exit 1; }
  cat "$WORK/time" >>"$WORK/t-$name"
}
# stat NAME: "median_seconds max_MiB" of NAME's runs.
stat() {
  python3 -c "
import sys
rows = [l.split() for l in open('$WORK/t-$1') if l.strip()]
s = sorted(float(r[0]) for r in rows)
print(f'{s[len(s) // 2]:.2f} {max(int(r[1]) for r in rows) // 1024}')"
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

# Outputs of an earlier invocation are removed first, with time to settle.
if compgen -G "$WORK/out-*" >/dev/null; then rm -rf "$WORK"/out-*; sync; sleep 30; fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "seconds: median of $REPEAT interleaved run(s); MiB: largest peak RSS"
[ "$PEERS" = 1 ] && echo "peers: $("$PY" -c 'import polars, duckdb, pandas, sys; print(f"Python {sys.version.split()[0]}, polars {polars.__version__}, duckdb {duckdb.__version__}, pandas {pandas.__version__}")')"
all="merit baseline"
[ "$PEERS" = 1 ] && all="$all polars duckdb pandas"
[ "$FLOATS" = 1 ] && all="$all polars-float duckdb-float pandas-float"
all="$all merit-full"
summary="$WORK/summary.md"
: >"$summary"
for n in "${sizes[@]}"; do
  for period in $PERIODS; do
    months=3; [ ${#period} -eq 4 ] && months=12
    data="$WORK/data-$n-$months"
    [ -d "$data" ] || "$MERIT" gen --policy bench/policy --employees "$n" --months "$months" \
      --format parquet --seed 1 --out "$data" >/dev/null
    out="$WORK/out-$n-$period"
    rm -f "$WORK"/t-*
    full=0
    if [ "${FULL:-auto}" = 1 ] || { [ "${FULL:-auto}" = auto ] && [ "$n" -le 100000 ]; }; then full=1; fi
    programs=(merit baseline)
    [ "$PEERS" = 1 ] && programs+=(polars duckdb pandas)
    [ "$FLOATS" = 1 ] && programs+=(polars-float duckdb-float pandas-float)
    [ "$full" = 1 ] && programs+=(merit-full)
    for rep in $(seq "$REPEAT"); do
      run merit "$MERIT" run --policy bench/policy --data "$data" --period "$period" \
        --out "$out-@N" --skip statements,trace,workbook
      run baseline "$BASELINE" "$data" "$period" "$out-baseline.csv"
      if [ "$PEERS" = 1 ]; then
        for peer in polars duckdb pandas; do
          run "$peer" "$PY" "bench/peers/${peer}_exact.py" "$data" "$period" "$out-$peer.csv"
        done
      fi
      if [ "$FLOATS" = 1 ]; then
        for peer in polars duckdb pandas; do
          run "$peer-float" "$PY" "bench/peers/${peer}_exact.py" "$data" "$period" "$out-$peer-float.csv" --float
        done
      fi
      [ "$full" = 0 ] || run merit-full "$MERIT" run --policy bench/policy --data "$data" \
        --period "$period" --out "$out-full-@N"
    done
    cut -d, -f1-11 "$out-1/payouts.csv" >"$out-merit.csv"
    rows=$(python3 -c "import json;print([f['rows'] for f in json.load(open('$out-1/manifest.json'))['inputs'] if f['table']=='metrics'][0])")
    read -r ms mmib < <(stat merit)
    echo
    echo "== $n employees, $period: $rows metric rows, merit $(python3 -c "print(int($rows/$ms))") rows/s"
    printf '%-13s %8s %9s %11s  %s\n' program seconds peak_MiB merit/peer payouts
    line="| $n | $period |"
    for p in $all; do
      if [[ " ${programs[*]} " != *" $p "* ]]; then line="$line – |"; continue; fi
      read -r s mib < <(stat "$p")
      case "$p" in
        merit) same=-; r=1.00 ;;
        merit-full) cmp -s "$out-1/payouts.csv" "$out-full-1/payouts.csv" && same=agree || same=DIFFER; r=- ;;
        *-float) same=$(python3 bench/peers/compare.py "$out-merit.csv" "$out-$p.csv"); r=$(ratio "$ms" "$s") ;;
        *) cmp -s "$out-merit.csv" "$out-$p.csv" && same=agree || same=DIFFER; r=$(ratio "$ms" "$s") ;;
      esac
      printf '%-13s %8s %9s %11s  %s\n' "$p" "$s" "$mib" "$r" "$same"
      # A baseline or an exact peer that computes other payouts makes every ratio meaningless.
      if [ "$same" = DIFFER ]; then echo "bench: $p disagrees with merit ($n, $period)" >&2; failed=1; fi
      case "$p" in *-float) line="$line ${same%% *} |" ;; *) line="$line $s s, $mib MiB ($same) |" ;; esac
    done
    echo "$line" >>"$summary"
    if [ "$full" = 1 ]; then
      # Each stage's wall time and bytes written, from the full run's manifest.
      python3 -c "import json; m=json.load(open('$out-full-1/manifest.json')); print('  stages ($n, $period, full):', ', '.join(f\"{s['stage']} {s['ms']/1000:.2f} s {s['bytes']/1e6:.0f} MB\" for s in m['invocation']['stages']))" >&2
    fi
  done
done
echo
echo "markdown (employees | period | $all):"
cat "$summary"
rm -rf "$WORK"/out-*
exit "${failed:-0}"
