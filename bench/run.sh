#!/usr/bin/env bash
# The benchmark: synthetic data for bench/policy (12 KPIs) made by `merit gen`,
# then `merit run` and the hand-written polars baseline (examples/baseline.rs)
# on the same data, back to back, with wall time and peak RSS from GNU time.
#
#   bench/run.sh [EMPLOYEES...]            default: 10000 100000
#   PERIODS="2026-Q1 2026" bench/run.sh    (a year needs 12 months of data)
#
# Prints one line per run; payouts of merit and the baseline are compared.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/merit-target}"
command -v /usr/bin/time >/dev/null || { apt-get update && apt-get install -y time; }
cargo build --release --quiet --bin merit --examples
MERIT="$CARGO_TARGET_DIR/release/merit"
BASELINE="$CARGO_TARGET_DIR/release/examples/baseline"
WORK="${WORK:-$(mktemp -d)}"
PERIODS="${PERIODS:-2026-Q1}"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
months=3; for p in $PERIODS; do [ ${#p} -eq 4 ] && months=12; done

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr"; exit 1; }
  read -r secs kb <"$WORK/time"
  echo "$secs $kb"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%-9s %-8s %-9s %10s %10s %8s %12s %10s %10s\n' employees period rows merit_s baseline_s ratio rows_per_s merit_MB base_MB
for n in "${sizes[@]}"; do
  data="$WORK/data-$n"
  [ -d "$data" ] || "$MERIT" gen --policy bench/policy --employees "$n" --months "$months" --format parquet --seed 1 --out "$data" >/dev/null
  for period in $PERIODS; do
    read -r ms mkb < <(measure merit "$MERIT" run --policy bench/policy --data "$data" --period "$period" --out "$WORK/out-$n-$period" --force)
    read -r bs bkb < <(measure baseline "$BASELINE" "$data" "$period" "$WORK/base-$n-$period.csv")
    mrows=$(python3 -c "import json;print([f['rows'] for f in json.load(open('$WORK/out-$n-$period/manifest.json'))['inputs'] if f['table']=='metrics'][0])")
    if cut -d, -f1-11 "$WORK/out-$n-$period/payouts.csv" | cmp -s - "$WORK/base-$n-$period.csv"; then same=agree; else same=DIFFER; fi
    printf '%-9s %-8s %-9s %10s %10s %8s %12s %10s %10s  payouts %s\n' "$n" "$period" "$mrows" "$ms" "$bs" \
      "$(python3 -c "print(round($ms/$bs,1))")" "$(python3 -c "print(int($mrows/$ms))")" "$((mkb/1024))" "$((bkb/1024))" "$same"
  done
done
