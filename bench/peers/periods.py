"""The months, first and last day of a period label (2026-Q1, 2026-H2,
2026, 2026-03), shared by the peers."""

from datetime import date, timedelta


def period(label: str):
    y, rest = int(label[:4]), label[4:]
    if rest == "":
        first, n = 1, 12
    elif rest.startswith("-Q"):
        first, n = 3 * int(rest[2:]) - 2, 3
    elif rest.startswith("-H"):
        first, n = 6 * int(rest[2:]) - 5, 6
    else:
        first, n = int(rest[1:]), 1
    months = [f"{y + (first - 1 + i) // 12:04d}-{(first - 1 + i) % 12 + 1:02d}" for i in range(n)]
    start = date(y, first, 1)
    end = date(y + (first - 1 + n) // 12, (first - 1 + n) % 12 + 1, 1) - timedelta(days=1)
    return months, start, end
