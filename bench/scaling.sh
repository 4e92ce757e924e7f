#!/usr/bin/env bash
# The scaling curve: merit, the Rust baseline and (PEERS=1, default) the
# exact Python polars and DuckDB peers on the benchmark plan (12 KPIs) for a
# quarter (3 months) at growing sizes; results appended to bench/scaling.csv,
# then bench/plot.py draws docs/scaling.svg from it.
#
#   bench/scaling.sh [EMPLOYEES...]       default: 10000 30000 100000 300000 1000000
#   REPEAT=3 bench/scaling.sh ...         median of 3 interleaved rounds per size
#   LOCK=/tmp/merit-cargo.lock bench/scaling.sh ...
#                                         hold this flock while measuring each size
#                                         (and building); released between sizes
#   PEERS=0 bench/scaling.sh ...          merit and the baseline only
#
# Data is made by `merit gen --format parquet --seed 1` in $WORK (kept, so a
# second invocation reuses it; ~1 GB at 1,000,000 employees). Every run's
# payouts are compared with merit's byte for byte; a disagreement stops the
# script. seconds: median wall time of REPEAT rounds (GNU time), each run
# started after a `sync`; MiB: the largest peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/merit-target}"
WORK="${WORK:-$HOME/.cache/merit-bench-data}"; mkdir -p "$WORK"
REPEAT="${REPEAT:-1}"; PEERS="${PEERS:-1}"
CSV=bench/scaling.csv
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 30000 100000 300000 1000000)
period=2026-Q1; months=3; kpis=12

lock() { if [ -n "${LOCK:-}" ]; then exec 9>"$LOCK"; flock 9; fi; }
unlock() { if [ -n "${LOCK:-}" ]; then flock -u 9; exec 9>&-; fi; }

lock
cargo build --release --quiet --bin merit
cargo build --release --quiet --features baseline --example baseline
unlock
MERIT="$CARGO_TARGET_DIR/release/merit"
BASELINE="$CARGO_TARGET_DIR/release/examples/baseline"
. bench/venv.sh
[ -f "$CSV" ] || echo "date,machine,load1,employees,months,kpis,employee_kpi_months,metric_rows,program,seconds,peak_mib,runs,payouts" >"$CSV"
machine="$(nproc) cores $(free -g | awk '/Mem:/{print $2}') GiB"

for n in "${sizes[@]}"; do
  data="$WORK/data-$n-$months"
  [ -d "$data" ] || "$MERIT" gen --policy bench/policy --employees "$n" --months "$months" \
    --format parquet --seed 1 --out "$data" >/dev/null
  out="$WORK/out-$n"; rm -rf "$out"-* "$WORK"/t-*
  programs=(merit baseline); [ "$PEERS" = 1 ] && programs+=(polars duckdb)
  lock
  load=$(cut -d' ' -f1 /proc/loadavg)
  for rep in $(seq "$REPEAT"); do
    for p in "${programs[@]}"; do
      case "$p" in
        merit) cmd=("$MERIT" run --policy bench/policy --data "$data" --period "$period" \
                      --out "$out-$rep" --skip statements,trace,workbook) ;;
        baseline) cmd=("$BASELINE" "$data" "$period" "$out-baseline.csv") ;;
        *) cmd=("$PY" "bench/peers/${p}_exact.py" "$data" "$period" "$out-$p.csv") ;;
      esac
      # Not timed: no program pays for the writeback of an earlier run's files.
      sync
      /usr/bin/time -f "%e %M" -o "$WORK/time" "${cmd[@]}" >/dev/null 2>"$WORK/stderr" \
        || { cat "$WORK/stderr" >&2; exit 1; }
      cat "$WORK/time" >>"$WORK/t-$p"
    done
  done
  unlock
  cut -d, -f1-11 "$out-1/payouts.csv" >"$out-merit.csv"
  rows=$(python3 -c "import json;print([f['rows'] for f in json.load(open('$out-1/manifest.json'))['inputs'] if f['table']=='metrics'][0])")
  for p in "${programs[@]}"; do
    same=-; [ "$p" = merit ] || { cmp -s "$out-merit.csv" "$out-$p.csv" && same=agree || same=DIFFER; }
    read -r s mib < <(python3 -c "
rows = [l.split() for l in open('$WORK/t-$p') if l.strip()]
s = sorted(float(r[0]) for r in rows)
print(f'{s[len(s) // 2]:.2f} {max(int(r[1]) for r in rows) // 1024}')")
    echo "$(date -u +%F),$machine,$load,$n,$months,$kpis,$((n * months * kpis)),$rows,$p,$s,$mib,$REPEAT,$same" | tee -a "$CSV"
    [ "$same" != DIFFER ] || { echo "scaling: $p disagrees with merit at $n" >&2; exit 1; }
  done
  rm -rf "$out"-*
done
echo "now: python3 bench/plot.py (with matplotlib, e.g. $HOME/.cache/merit-bench-venv/bin/python)"
