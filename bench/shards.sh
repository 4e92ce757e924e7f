#!/usr/bin/env bash
# Sharded runs against one run (docs/scaling.md, "Byte-identical results"):
# `merit run` on a whole data folder, then on N department shards of it
# (bench/shard.py), one after the other; the shards' per-employee files
# merged (header once, rows in shard order: the shards are ranges of
# employee ids) and compared with the whole run's byte for byte.
#
#   bench/shards.sh DATA_DIR N [PERIOD]          PERIOD default 2026-Q1
#   LOCK=/tmp/merit-cargo.lock bench/shards.sh …  hold this flock while timing
#
# Prints per shard seconds and peak MiB (GNU time), their sum and maximum,
# the whole run's, and for payouts.csv, scores.csv, recognition.csv,
# exceptions.csv and the department rows of summary.csv: identical or DIFFER.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/merit-target}"
data=$1; n=$2; period=${3:-2026-Q1}
MERIT="$CARGO_TARGET_DIR/release/merit"
PY="${VENV:-$HOME/.cache/merit-bench-venv}/bin/python"
WORK="${WORK:-$(mktemp -d)}"; mkdir -p "$WORK"
shards="$WORK/shards-$(basename "$data")-$n"
[ -d "$shards" ] || "$PY" bench/shard.py "$data" "$n" "$shards" >/dev/null
[ -z "${LOCK:-}" ] || { exec 9>"$LOCK"; flock 9; }
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
timed() { /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }; cat "$WORK/time"; }
rm -rf "$WORK"/whole "$WORK"/shard-*
read -r ws wk < <(timed "$MERIT" run --policy bench/policy --data "$data" --period "$period" \
  --out "$WORK/whole" --skip statements,trace,workbook)
echo "whole: $ws s, $((wk / 1024)) MiB"
sum=0; max=0; maxk=0
for d in "$shards"/shard-*; do
  s=$(basename "$d")
  read -r t k < <(timed "$MERIT" run --policy bench/policy --data "$d" --period "$period" \
    --out "$WORK/$s" --skip statements,trace,workbook)
  echo "$s: $(tail -n +2 "$WORK/$s/payouts.csv" | wc -l) employees, $t s, $((k / 1024)) MiB"
  sum=$(python3 -c "print(round($sum + $t, 2))"); max=$(python3 -c "print(max($max, $t))")
  [ "$k" -le "$maxk" ] || maxk=$k
done
[ -z "${LOCK:-}" ] || flock -u 9
echo "shards: sum $sum s, slowest $max s, largest peak $((maxk / 1024)) MiB"
for f in payouts.csv scores.csv recognition.csv exceptions.csv; do
  first=$(ls -d "$WORK"/shard-* | head -1)
  { head -1 "$first/$f"; for d in "$WORK"/shard-*; do tail -n +2 "$d/$f"; done; } >"$WORK/merged-$f"
  cmp -s "$WORK/merged-$f" "$WORK/whole/$f" && r=identical || r=DIFFER
  echo "$f: merged shards vs whole run: $r ($(wc -c <"$WORK/whole/$f") bytes)"
done
{ for d in "$WORK"/shard-*; do grep '^department,' "$d/summary.csv"; done; } | LC_ALL=C sort >"$WORK/merged-dept"
grep '^department,' "$WORK/whole/summary.csv" | LC_ALL=C sort | cmp -s - "$WORK/merged-dept" && r=identical || r=DIFFER
echo "summary.csv department rows: $r"
# The outputs (1.7 GB at 1,000,000 employees, twice) go unless KEEP=1.
[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"/whole "$WORK"/shard-* "$WORK"/merged-* "$WORK"/time "$WORK"/err
