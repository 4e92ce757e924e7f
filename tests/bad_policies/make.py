#!/usr/bin/env python3
"""Writes the bad-policy corpus: one folder per mistake HR can make, each a
small valid policy with one (or, for `many_problems`, several) defects.
`tests/bad_policies.rs` snapshots what `merit check` says about each."""
from pathlib import Path
import shutil

BASE = """id: shop
version: "1"
title: { zh: 店铺运营, en: Shop operations }
currency: CNY
kpis:
  - id: gmv
    name: { zh: 交易额, en: GMV }
    unit: CNY
    aggregate: { sum: gmv }
    target: table
    scoring: standard
  - id: conversion
    name: { zh: 购买转化率, en: Conversion }
    unit: ratio
    aggregate: { ratio: { numerator: orders, denominator: uv } }
    target: { fixed: "0.05" }
    scoring: steps
  - id: complaint_rate
    name: { zh: 投诉率, en: Complaint rate }
    unit: ratio
    direction: lower
    aggregate: { ratio: { numerator: complaints, denominator: orders } }
    target: { fixed: "0.02" }
    scoring: standard
scorings:
  standard:
    curve:
      threshold: { achievement: "0.8", score: 60 }
      target: { achievement: 1, score: 100 }
      stretch: { achievement: "1.2", score: 130 }
      cap: 150
  steps:
    tiers:
      mode: marginal
      steps:
        - { from: 0, to: "0.9", rate: 50 }
        - { from: "0.9", to: 1, rate: 550 }
        - { from: 1, rate: 200 }
roles:
  operator:
    weights:
      gmv: 40
      conversion: 30
      complaint_rate: 10
    review_weight: 20
review:
  scale:
    - { rating: 1, score: 40 }
    - { rating: 3, score: 100 }
    - { rating: 5, score: 130 }
  missing: renormalize
rating_bands:
  - { band: A, min_score: 110 }
  - { band: B, min_score: 85 }
  - { band: C }
bonus:
  script: bonus.rhai
  cap: { target_multiple: 2 }
  gates:
    - { kpi: complaint_rate, below_actual: "0.05" }
"""
BONUS = "// bonus\nemployee.target_bonus * score / 100\n"

# Conditions for the cases below that get them wrong.
RECOGNITION = """recognition:
  - id: star
    award: { zh: 荣誉证书, en: Certificate }
    when: 'rating == "A"'
feedback:
  suggested_actions:
    - id: complaints
      when: '"complaint_rate" in kpi && kpi.complaint_rate.achievement < 1'
      text: { zh: 降低投诉率, en: Bring complaints down }
"""

def add(text):
    return lambda p: p + text

def sub(old, new, count=1):
    def f(p):
        assert old in p, old
        return p.replace(old, new, count)
    return f

CASES = {
    "yaml_syntax": [sub("  - id: conversion\n", "  - id: conversion\n   name: [broken\n")],
    "unknown_top_level_key": [sub("bonus:\n  script", "bonuss: yes\nbonus:\n  script")],
    "unknown_kpi_key": [sub("    scoring: steps", "    scorring: steps")],
    "bad_decimal": [sub('target: { fixed: "0.05" }', 'target: { fixed: "5%" }')],
    "unquoted_long_number": [sub("target_multiple: 2", "target_multiple: 12345678901234567.89")],
    "title_not_names": [sub("title: { zh: 店铺运营, en: Shop operations }", "title: Shop operations")],
    "missing_bonus": [lambda p: p[: p.index("bonus:\n  script")]],
    "unknown_enum_value": [sub("    direction: lower", "    direction: lowr")],
    "undefined_scoring": [sub("    scoring: steps", "    scoring: step")],
    "weight_for_unknown_kpi": [sub("      conversion: 30", "      convertion: 30")],
    "weights_not_100": [sub("      gmv: 40", "      gmv: 45")],
    "curve_not_increasing": [sub('stretch: { achievement: "1.2", score: 130 }', 'stretch: { achievement: "0.95", score: 130 }')],
    "curve_cap_below_stretch": [sub("      cap: 150", "      cap: 120")],
    "tiers_gap": [sub('- { from: "0.9", to: 1, rate: 550 }', '- { from: "0.95", to: 1, rate: 550 }')],
    "tiers_overlap": [sub('- { from: 1, rate: 200 }', '- { from: "0.99", rate: 200 }')],
    "tiers_without_mode": [sub("      mode: marginal\n", "")],
    "tiers_not_from_zero": [sub('- { from: 0, to: "0.9", rate: 50 }', '- { from: "0.5", to: "0.9", rate: 50 }')],
    "tiers_last_not_open": [sub('- { from: 1, rate: 200 }', '- { from: 1, to: 2, rate: 200 }')],
    "tiers_breakpoints_decrease": [sub('- { from: 0, to: "0.9", rate: 50 }\n        - { from: "0.9", to: 1, rate: 550 }', '- { from: 0, to: "0.9", rate: 50 }\n        - { from: "0.9", to: "0.8", rate: 550 }')],
    "tiers_score_in_marginal_mode": [sub('- { from: 1, rate: 200 }', '- { from: 1, score: 200 }')],
    "script_not_found": [sub("script: bonus.rhai", "script: bonus.rhia")],
    "script_syntax_error": [("bonus.rhai", "let x = employee.target_bonus *;\nx\n")],
    "script_unknown_variable": [("bonus.rhai", "// typo in a variable name\nemployee.target_bonus * scor / 100\n")],
    "script_import": [("bonus.rhai", "import \"helpers\" as h;\nemployee.target_bonus\n")],
    "script_eval": [("bonus.rhai", "eval(\"employee.target_bonus\")\n")],
    "script_integer_division": [("bonus.rhai", "// half the target bonus, per score point\nemployee.target_bonus * score / 100 * 1 / 2\n")],
    "bands_not_decreasing": [sub("  - { band: B, min_score: 85 }", "  - { band: B, min_score: 115 }")],
    "last_band_with_min_score": [sub("  - { band: C }", "  - { band: C, min_score: 0 }")],
    "duplicate_kpi_id": [sub("  - id: complaint_rate", "  - id: gmv")],
    "review_weight_without_review": [lambda p: p[: p.index("review:\n  scale")] + p[p.index("rating_bands:"):]],
    "gate_on_unknown_kpi": [sub("{ kpi: complaint_rate, below_actual", "{ kpi: complaints, below_actual")],
    "bad_currency": [sub("currency: CNY", "currency: yuan")],
    "weights_and_script": [sub("    review_weight: 20\nreview", "    weights_script: weights.rhai\n    review_weight: 20\nreview"), ("weights.rhai", "#{ gmv: 50, conversion: 30 }\n")],
    # Rules `merit check` makes and docs/policy.schema.json says too
    # (tests/schema_parity.rs): a one-key map, a range, a pattern.
    "aggregate_two_keys": [sub("aggregate: { sum: gmv }", "aggregate: { sum: gmv, mean: gmv }")],
    "plan_year_month_13": [sub("kpis:\n", "plan_year: { start_month: 13 }\nkpis:\n")],
    "kpi_id_not_identifier": [sub("  - id: conversion", "  - id: Conversion"), sub("      conversion: 30", "      Conversion: 30")],
    "effective_not_a_date": [sub("kpis:\n", "effective: { from: \"2026-01-01\", to: \"31/12/2026\" }\nkpis:\n")],
    "rounding_places_too_many": [sub("kpis:\n", "rounding: { money_places: 12 }\nkpis:\n")],
    "recovery_percent_zero": [sub("kpis:\n", "recovery_percent: 0\nkpis:\n")],
    "negative_weight": [sub("      gmv: 40", "      gmv: 60"), sub("      complaint_rate: 10", "      complaint_rate: -10")],
    "fixed_target_zero": [sub('target: { fixed: "0.05" }', 'target: { fixed: "0" }')],
    "gate_without_bound": [sub('{ kpi: complaint_rate, below_actual: "0.05" }', '{ kpi: complaint_rate }')],
    "no_rating_bands": [sub("rating_bands:\n  - { band: A, min_score: 110 }\n  - { band: B, min_score: 85 }\n  - { band: C }\n", "rating_bands: []\n")],
    "cap_multiple_zero": [sub("target_multiple: 2", "target_multiple: 0")],
    "calibration_percent_over_100": [sub("bonus:\n  script", "calibration:\n  scope: department\n  max_percent: { A: 120 }\nbonus:\n  script")],
    "approval_role_twice": [sub("bonus:\n  script", "approvals: [hr, hr]\nbonus:\n  script")],
    "commission_rates_not_from_zero": [sub("bonus:\n  script", "commissions:\n  - id: sales\n    name: { zh: 提成, en: Sales commission }\n    roles: [operator]\n    on: { transactions: {} }\n    rates:\n      basis: amount\n      mode: marginal\n      steps:\n        - { from: 1000, rate: \"0.05\" }\nbonus:\n  script")],
    "many_problems": [sub("    scoring: steps", "    scorring: steps"), sub("    direction: lower", "    direction: lowr"), sub("      cap: 150", "      cap: high"), sub("bonus:\n  script", "bonuss: 1\nbonus:\n  script")],
    "condition_assignment": [add(RECOGNITION), sub("rating == \"A\"", "rating = \"A\"")],
    "condition_unknown_kpi": [add(RECOGNITION), sub("kpi.complaint_rate.", "kpi.complaints_rate.")],
    "condition_unknown_band": [add(RECOGNITION), sub("rating == \"A\"", "rating == \"S\"")],
    "condition_number_vs_text": [add(RECOGNITION), sub("rating == \"A\"", "score >= \"110\"")],
    "condition_unknown_payout_key": [add(RECOGNITION), sub("rating == \"A\"", "payout.totl > 0")],
    "script_reads_review_unguarded": [("bonus.rhai", "// the manager's rating counts twice\nemployee.target_bonus * (score + review.score) / 200\n")],
    "script_reads_kpi_not_weighed": [sub("review:\n  scale", "  trainee:\n    weights: { gmv: 80 }\n    review_weight: 20\nreview:\n  scale"), ("bonus.rhai", "employee.target_bonus * kpi.conversion.score / 100\n")],
    # One of each kind, all reported by one `check`.
    "ten_mistakes": [
        sub("    scoring: steps", "    scorring: steps"),
        sub("    direction: lower", "    direction: lowr"),
        sub("      cap: 150", "      cap: high"),
        sub("bonus:\n  script", "bonuss: 1\nbonus:\n  script"),
        sub("      gmv: 40", "      gmv: 45"),
        sub("{ kpi: complaint_rate, below_actual", "{ kpi: complaints, below_actual"),
        add(RECOGNITION),
        sub("rating == \"A\"", "rating = \"A\""),
        sub("kpi.complaint_rate.", "kpi.complaint_rat."),
        sub("  suggested_actions:", "  strenghts: 3\n  suggested_actions:"),
        ("bonus.rhai", "// typo in a variable name\nemployee.target_bonus * scor / 100\n"),
    ],
}

here = Path(__file__).parent
for name, edits in CASES.items():
    d = here / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir()
    policy, files = BASE, {"bonus.rhai": BONUS}
    for e in edits:
        if isinstance(e, tuple):
            files[e[0]] = e[1]
        else:
            policy = e(policy)
    (d / "policy.yaml").write_text(policy, encoding="utf-8")
    for f, t in files.items():
        (d / f).write_text(t, encoding="utf-8")
