#!/usr/bin/env bash
# The benchmark: synthetic data for bench/policy (12 KPIs) made by `merit gen`
# (Parquet), then `merit run` and the hand-written polars baseline
# (examples/baseline.rs) on the same data, back to back, with wall time and
# peak RSS from GNU time, and a byte comparison of their payouts.
#
#   bench/run.sh [EMPLOYEES...]                 default: 10000 100000
#   PERIODS="2026-Q1 2026" bench/run.sh 1000000 a quarter (3 months of data)
#                                               and a year (12 months)
#   FULL=0 bench/run.sh ...                     skip the all-outputs run
#   REPEAT=2 bench/run.sh ...                   best of 2 for each program
#
# Per size and period it prints:
#   merit     `merit run --skip statements,trace,workbook`: payouts, scores,
#             summary, recognition, report, manifest with hashes, archive
#   baseline  the same payouts, hand-written, writing only payouts.csv
#   ratio     merit / baseline
#   full      `merit run` with every output (the compressed trace, two
#             statements per employee in a zip per department, workbook);
#             by default only up to 100,000 employees (FULL=1: any size up to
#             Excel's 1,048,575 rows); its stages' times and bytes (from the
#             manifest) go to stderr
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
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)

# Best wall time and its peak RSS (KiB) of REPEAT runs: "seconds kib".
# `@N` in the command becomes the repetition's number, so every run writes a
# new folder: outputs are deleted only at the end, because deleting
# hundreds of thousands of files keeps the file system busy for a while
# afterwards and slows the next run's writes.
measure() {
  local best="" kib=""
  for rep in $(seq "$REPEAT"); do
    /usr/bin/time -f "%e %M" -o "$WORK/time" "${@//@N/$rep}" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr" >&2; exit 1; }
    read -r secs k <"$WORK/time"
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $secs < $best else 1)"; then best=$secs; kib=$k; fi
  done
  echo "$best $kib"
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
mib() { echo $(($1 / 1024)); }

# Outputs of an earlier invocation are removed first, with time to settle.
if compgen -G "$WORK/out-*" >/dev/null; then rm -rf "$WORK"/out-*; sync; sleep 30; fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %-8s %11s %8s %10s %6s %11s %9s %9s %-8s %8s %9s\n' \
  employees period metric_rows merit_s baseline_s ratio rows_per_s merit_MiB base_MiB payouts full_s full_MiB
for n in "${sizes[@]}"; do
  for period in $PERIODS; do
    months=3; [ ${#period} -eq 4 ] && months=12
    data="$WORK/data-$n-$months"
    [ -d "$data" ] || "$MERIT" gen --policy bench/policy --employees "$n" --months "$months" \
      --format parquet --seed 1 --out "$data" >/dev/null
    out="$WORK/out-$n-$period"; base="$WORK/base-$n-$period.csv"
    read -r ms mkb < <(measure "$MERIT" run --policy bench/policy --data "$data" --period "$period" \
      --out "$out-@N" --skip statements,trace,workbook)
    read -r bs bkb < <(measure "$BASELINE" "$data" "$period" "$base")
    rows=$(python3 -c "import json;print([f['rows'] for f in json.load(open('$out-1/manifest.json'))['inputs'] if f['table']=='metrics'][0])")
    if cut -d, -f1-11 "$out-1/payouts.csv" | cmp -s - "$base"; then same=agree; else same=DIFFER; fi
    full_s=-; full_mib=-
    if [ "${FULL:-auto}" = 1 ] || { [ "${FULL:-auto}" = auto ] && [ "$n" -le 100000 ]; }; then
      read -r fs fkb < <(measure "$MERIT" run --policy bench/policy --data "$data" --period "$period" --out "$out-full-@N")
      cmp -s "$out-1/payouts.csv" "$out-full-1/payouts.csv" || same="$same,FULL-DIFFERS"
      full_s=$fs; full_mib=$(mib "$fkb")
      # Each stage's wall time and bytes written, from the full run's manifest.
      python3 -c "import json; m=json.load(open('$out-full-1/manifest.json')); print('  stages ($n, $period, full):', ', '.join(f\"{s['stage']} {s['ms']/1000:.2f} s {s['bytes']/1e6:.0f} MB\" for s in m['invocation']['stages']))" >&2
    fi
    printf '%-9s %-8s %11s %8s %10s %6s %11s %9s %9s %-8s %8s %9s\n' "$n" "$period" "$rows" "$ms" "$bs" \
      "$(ratio "$ms" "$bs")" "$(python3 -c "print(int($rows/$ms))")" "$(mib "$mkb")" "$(mib "$bkb")" "$same" "$full_s" "$full_mib"
    # A baseline that computes other payouts makes every ratio meaningless.
    case "$same" in agree) ;; *) echo "bench: merit and the baseline disagree ($n, $period)" >&2; failed=1 ;; esac
  done
done
rm -rf "$WORK"/out-*
exit "${failed:-0}"
