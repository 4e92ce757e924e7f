#!/usr/bin/env python3
"""How a peer's payouts.csv differs from merit's (both in merit's first 11 columns).

    compare.py MERIT.csv PEER.csv

Prints one line: `agree` when the files are equal byte for byte; otherwise
`N/M` — the employees whose total payout differs by at least one cent, of
the employees in merit's file — followed by how many rows differ in any
column (score, band, bonus ...) and the largest difference of a total.
Standard library only.
"""

import csv
import sys
from decimal import Decimal


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {r["employee_id"]: r for r in csv.DictReader(f)}


def main(merit_csv, peer_csv):
    with open(merit_csv, "rb") as a, open(peer_csv, "rb") as b:
        if a.read() == b.read():
            print("agree")
            return
    merit, peer = rows(merit_csv), rows(peer_csv)
    off = differ = 0
    worst = Decimal(0)
    for eid, m in merit.items():
        p = peer.get(eid)
        if p is None:
            off += 1
            differ += 1
            continue
        if any(m[k] != p.get(k) for k in m):
            differ += 1
        d = abs(Decimal(m["total_payout"]) - Decimal(p["total_payout"]))
        worst = max(worst, d)
        if d >= Decimal("0.01"):
            off += 1
    extra = len(set(peer) - set(merit))
    print(f"{off}/{len(merit)} off>=1ct ({100 * off / len(merit):.1f}%), rows differing {differ}"
          f"{f', {extra} extra' if extra else ''}, largest {worst}")


if __name__ == "__main__":
    main(*sys.argv[1:])
