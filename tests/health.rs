//! Plan health (issue 19, item 3): each finding triggered by a crafted data
//! set or plan, none on a healthy one; shown in report.html with the policy
//! line to look at; thresholds overridable in `health:`.

mod common;

use common::*;
use std::path::PathBuf;

/// Ten reps in one department; two KPIs on one curve (threshold 0.8 → 50,
/// target 1 → 100, stretch 1.2 → 150 = cap), weights 50/50.
fn policy(extra: &str, bonus: &str) -> String {
    format!(
        r#"id: health
version: "1"
title: {{ zh: 健康, en: Health }}
currency: CNY
language: en
rounding: {{ money_places: 2, actual_places: 6, achievement_places: 4, score_places: 2, mode: half_up }}
kpis:
  - id: sales
    name: {{ zh: 销售额, en: Sales }}
    unit: CNY
    aggregate: {{ sum: sales }}
    target: {{ fixed: "100" }}
    scoring: std
  - id: nps
    name: {{ zh: 满意度, en: NPS }}
    unit: points
    aggregate: {{ mean: nps }}
    target: {{ fixed: "50" }}
    scoring: std
scorings:
  std:
    curve:
      threshold: {{ achievement: "0.8", score: 50 }}
      target: {{ achievement: "1", score: 100 }}
      stretch: {{ achievement: "1.2", score: 150 }}
      cap: 150
roles:
  rep:
    weights: {{ sales: 50, nps: 50 }}
rating_bands:
  - {{ band: A, min_score: 110 }}
  - {{ band: B, min_score: 90 }}
  - {{ band: C }}
bonus:
{bonus}  proration: days
{extra}"#
    )
}

/// Healthy: achievements spread around target, none piled anywhere.
const SALES: [&str; 10] = [
    "85", "90", "95", "100", "105", "108", "112", "115", "118", "125",
];
const NPS: [&str; 10] = ["42", "45", "47", "50", "52", "55", "57", "58", "60", "61"];

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(sales: &[&str], nps: &[&str], extra: &str, bonus: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("plan");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("policy.yaml"), policy(extra, bonus)).unwrap();
        if !bonus.is_empty() {
            let script = bonus.trim().trim_start_matches("script: ");
            let formula = match script {
                "flat.rhai" => "employee.target_bonus",
                _ => "employee.target_bonus * (200 - score) / 100",
            };
            std::fs::write(p.join(script), formula).unwrap();
        }
        let d = dir.path().join("data");
        std::fs::create_dir_all(&d).unwrap();
        let mut emp =
            "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date\n".to_owned();
        let mut met = "subject_id,month,metric,value\n".to_owned();
        for i in 0..10 {
            let id = format!("E{:02}", i + 1);
            emp.push_str(&format!("{id},N{i},north,rep,120000,10,2020-01-01\n"));
            met.push_str(&format!("{id},2026-03,sales,{}\n", sales[i]));
            met.push_str(&format!("{id},2026-03,nps,{}\n", nps[i]));
        }
        std::fs::write(d.join("employees.csv"), emp).unwrap();
        std::fs::write(d.join("metrics.csv"), met).unwrap();
        Case { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// `merit model` of the plan against itself: the new plan's findings
    /// (kind, subject, location, key) from health.csv.
    fn findings(&self) -> Vec<(String, String, String, String)> {
        let (plan, data, out) = (self.path("plan"), self.path("data"), self.path("out"));
        let o = merit(&[
            "model",
            "--policy",
            plan.to_str().unwrap(),
            "--baseline",
            plan.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--period",
            "2026-03",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = std::fs::read_to_string(out.join("health.csv")).unwrap();
        // The message, last, is the only quoted column.
        text.lines()
            .skip(1)
            .map(|l| l.splitn(7, ',').map(str::to_owned).collect::<Vec<_>>())
            .filter(|r| r[0] == "new")
            .map(|r| (r[2].clone(), r[3].clone(), r[4].clone(), r[5].clone()))
            .collect()
    }

    /// `policy.yaml:LINE:COL` of the first line containing `text`, at the
    /// column of its first non-blank character (after a `- `).
    fn at(&self, text: &str) -> String {
        let yaml = std::fs::read_to_string(self.path("plan/policy.yaml")).unwrap();
        let (i, line) = yaml
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(text))
            .unwrap();
        let col = line.len() - line.trim_start_matches([' ', '-']).len() + 1;
        format!("policy.yaml:{}:{col}", i + 1)
    }
}

fn kinds(f: &[(String, String, String, String)]) -> Vec<&str> {
    f.iter().map(|x| x.0.as_str()).collect()
}

#[test]
fn a_healthy_plan_has_no_findings() {
    let c = Case::new(&SALES, &NPS, "", "");
    assert_eq!(c.findings(), []);
}

#[test]
fn a_target_almost_everyone_maxes_is_too_easy() {
    let sales = [
        "120", "121", "125", "130", "140", "122", "126", "124", "123", "90",
    ];
    // NPS below stretch for all: the curve's cap holds 9 of 20 scores.
    let nps = ["42", "45", "47", "50", "52", "55", "57", "58", "59", "44"];
    let c = Case::new(&sales, &nps, "", "");
    let f = c.findings();
    assert_eq!(kinds(&f), ["target_too_easy"], "{f:?}");
    assert_eq!(f[0].1, "sales");
    assert_eq!(f[0].2, c.at("target: { fixed: \"100\" }"));
    assert_eq!(f[0].3, "kpis[0].target");
    // Nine in ten is not enough when the policy asks for 95 %.
    let c = Case::new(&sales, &nps, "health: { maxed_percent: 95 }\n", "");
    assert_eq!(c.findings(), []);
}

#[test]
fn a_target_almost_everyone_misses_is_too_hard() {
    let nps = ["30", "31", "32", "33", "34", "35", "36", "37", "38", "55"];
    let c = Case::new(&SALES, &nps, "", "");
    let f = c.findings();
    // Eight in ten below the threshold; the curve's floor holds 8 of 20 scores.
    assert_eq!(kinds(&f), ["target_too_hard"], "{f:?}");
    assert_eq!(
        (f[0].1.as_str(), f[0].3.as_str()),
        ("nps", "kpis[1].target")
    );
    assert_eq!(f[0].2, c.at("target: { fixed: \"50\" }"));
}

#[test]
fn a_weight_that_moves_nobody_is_found() {
    // Everyone exactly at the NPS target: the same 50 points each.
    let c = Case::new(&SALES, &["50"; 10], "", "");
    let f = c.findings();
    assert_eq!(kinds(&f), ["weight_moves_nobody"], "{f:?}");
    assert_eq!(
        (f[0].1.as_str(), f[0].3.as_str()),
        ("nps", "roles.rep.weights.nps")
    );
    // The flow mapping's entry: `nps: 50 }` on the weights line.
    let line = c.at("weights: { sales: 50, nps: 50 }");
    let (l, _) = line.rsplit_once(':').unwrap();
    assert_eq!(
        f[0].2,
        format!("{l}:{}", "    weights: { sales: 50, ".len() + 1)
    );
}

#[test]
fn scores_piled_at_the_cap_or_the_floor_are_found() {
    // Six in ten at or above stretch on both KPIs: 12 of the curve's 20
    // scores at its cap (60 %), neither KPI at 80 %.
    let sales = [
        "120", "125", "130", "121", "122", "135", "100", "95", "105", "110",
    ];
    let nps = ["60", "61", "62", "63", "64", "65", "50", "48", "52", "55"];
    let c = Case::new(&sales, &nps, "", "");
    let f = c.findings();
    assert_eq!(kinds(&f), ["scores_at_cap"], "{f:?}");
    assert_eq!(
        (f[0].1.as_str(), f[0].3.as_str()),
        ("std", "scorings.std.curve.cap")
    );
    assert_eq!(f[0].2, c.at("cap: 150"));
    // Six in ten below the threshold on both.
    let sales = [
        "50", "60", "70", "75", "79", "40", "100", "95", "105", "110",
    ];
    let nps = ["20", "25", "30", "35", "39", "10", "50", "48", "52", "55"];
    let c = Case::new(&sales, &nps, "", "");
    let f = c.findings();
    assert_eq!(kinds(&f), ["scores_at_floor"], "{f:?}");
    assert_eq!(f[0].3, "scorings.std.curve.threshold");
    assert_eq!(f[0].2, c.at("threshold: { achievement"));
}

#[test]
fn a_department_over_the_forced_distribution_is_found() {
    // Scores ≥ 110 (band A) for E05–E10 (111.25 to 137.5): 6 of 10 where
    // 20 % allows 2.
    let cal = "calibration: { scope: department, max_percent: { A: 20 } }\n";
    let c = Case::new(&SALES, &NPS, cal, "");
    let f = c.findings();
    assert_eq!(kinds(&f), ["forced_distribution"], "{f:?}");
    assert_eq!(f[0].1, "north");
    assert_eq!(f[0].3, "calibration.max_percent.A");
    // The line of the flow mapping (at its `max_percent` key).
    let line = c.at("calibration:");
    let line = line.rsplit_once(':').unwrap().0;
    assert_eq!(
        f[0].2,
        format!("{line}:{}", "calibration: { scope: department, ".len() + 1)
    );
    let text = std::fs::read_to_string(c.path("out/health.csv")).unwrap();
    assert!(text.contains("department 'north': 6 of 10 employees score band A before calibration; the forced distribution allows at most 20% (2); calibration moves the excess down"), "{text}");
    // 60 % allows 6: nothing to say.
    let cal = "calibration: { scope: department, max_percent: { A: 60 } }\n";
    assert_eq!(Case::new(&SALES, &NPS, cal, "").findings(), []);
}

#[test]
fn pay_that_does_not_rise_or_falls_with_the_score_is_found() {
    let c = Case::new(&SALES, &NPS, "", "  script: flat.rhai\n");
    let f = c.findings();
    assert_eq!(kinds(&f), ["pay_flat"], "{f:?}");
    assert_eq!(
        (f[0].1.as_str(), f[0].3.as_str()),
        ("bonus", "bonus.script")
    );
    assert_eq!(f[0].2, c.at("script: flat.rhai"));
    let c = Case::new(&SALES, &NPS, "", "  script: falls.rhai\n");
    assert_eq!(kinds(&c.findings()), ["pay_flat", "pay_falls"]);
}

#[test]
fn the_report_shows_the_findings_and_the_line_to_look_at() {
    let c = Case::new(&SALES, &["50"; 10], "", "");
    let out = c.path("run");
    let o = run_with(
        &c.path("plan"),
        &c.path("data"),
        "2026-03",
        &out,
        &["--ledger", c.path("ledger.sqlite").to_str().unwrap()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let section = &html[html.find("<section class=\"health\">").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("<h2>Plan health</h2>"), "{section}");
    assert!(
        section.contains("<td>weight_moves_nobody</td>"),
        "{section}"
    );
    assert!(
        section.contains("KPI &#39;nps&#39;: its weight moves the score of 0 of 10 employees (0%)"),
        "{section}"
    );
    assert!(section.contains("roles.rep.weights.nps"), "{section}");
    // A healthy run says there is nothing to report.
    let c = Case::new(&SALES, &NPS, "", "");
    let out = c.path("run");
    let ledger = c.path("ledger.sqlite");
    let o = run_with(
        &c.path("plan"),
        &c.path("data"),
        "2026-03",
        &out,
        &["--ledger", ledger.to_str().unwrap()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("No findings"), "healthy report");
}

#[test]
fn bad_thresholds_are_located() {
    let c = Case::new(
        &SALES,
        &NPS,
        "health: { maxed_percent: 120, pay_drop_points: \"-1\" }\n",
        "",
    );
    let plan = c.path("plan");
    let o = merit(&["check", "--policy", plan.to_str().unwrap()]);
    let err = stderr(&o);
    assert_ne!(o.status.code(), Some(0), "{err}");
    let yaml = plan.join("policy.yaml").display().to_string();
    let line = c.at("health:");
    let (l, _) = line.rsplit_once(':').unwrap();
    let l = l.trim_start_matches("policy.yaml:");
    assert!(err.contains(&format!("{yaml}:{l}:")), "{err}");
    assert!(err.contains("health.maxed_percent is 120"), "{err}");
    assert!(err.contains("health.pay_drop_points is -1"), "{err}");
}
