//! `merit model` (issue 19) through the real binary: a hand-made plan
//! change with hand-computed winners, losers and totals; the output folder
//! rules; bad input.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// A tiny plan: two KPIs with fixed targets on one curve, the built-in
/// formula (target bonus × score ÷ 100), weights `sales`/`nps`.
fn tiny_policy(dir: &Path, id: &str, sales: u32, nps: u32) {
    std::fs::create_dir_all(dir).unwrap();
    let yaml = format!(
        r#"id: {id}
version: "1"
title: {{ zh: 小方案, en: Tiny plan }}
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
    weights: {{ sales: {sales}, nps: {nps} }}
rating_bands:
  - {{ band: A, min_score: 110 }}
  - {{ band: B, min_score: 90 }}
  - {{ band: C }}
bonus:
  proration: days
"#
    );
    std::fs::write(dir.join("policy.yaml"), yaml).unwrap();
}

/// Four reps on a 1,000.00 monthly target bonus (120,000 × 10 % ÷ 12).
/// Achievements (sales, nps): E1 1.2/0.8, E2 1.0/1.2, E3 0.8/1.0, E4 1.1/0.9,
/// scoring 150/50, 100/150, 50/100, 125/75.
fn tiny_data(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("employees.csv"),
        "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date\n\
         E1,One,north,rep,120000,10,2020-01-01\n\
         E2,Two,north,rep,120000,10,2020-01-01\n\
         E3,Three,south,rep,120000,10,2020-01-01\n\
         E4,Four,south,rep,120000,10,2020-01-01\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("metrics.csv"),
        "subject_id,month,metric,value\n\
         E1,2026-03,sales,120\nE1,2026-03,nps,40\n\
         E2,2026-03,sales,100\nE2,2026-03,nps,60\n\
         E3,2026-03,sales,80\nE3,2026-03,nps,50\n\
         E4,2026-03,sales,110\nE4,2026-03,nps,45\n",
    )
    .unwrap();
}

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    /// Baseline weights 50/50, new plan 80/20.
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        tiny_policy(&dir.path().join("old"), "tiny", 50, 50);
        tiny_policy(&dir.path().join("new"), "tiny-sales", 80, 20);
        tiny_data(&dir.path().join("data"));
        Setup { dir }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn model(&self, out: &str, extra: &[&str]) -> std::process::Output {
        let (new, old, data, out) = (
            self.path("new"),
            self.path("old"),
            self.path("data"),
            self.path(out),
        );
        let mut args = vec![
            "model",
            "--policy",
            new.to_str().unwrap(),
            "--baseline",
            old.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        if !extra.contains(&"--period") {
            args.extend(["--period", "2026-03"]);
        }
        args.extend_from_slice(extra);
        merit(&args)
    }
    fn read(&self, out: &str, file: &str) -> String {
        std::fs::read_to_string(self.path(out).join(file)).unwrap()
    }
}

#[test]
fn a_weight_change_has_the_hand_computed_winners_losers_and_totals() {
    let s = Setup::new();
    let o = s.model("out", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Old scores 100, 125, 75, 100 (× 10.00 each); new 0.8/0.2 weights:
    // 130, 110, 60, 115.
    assert_eq!(
        s.read("out", "employees.csv"),
        "period,employee_id,department,band_old,band_new,score_old,score_new,payout_old,payout_new,change,change_pct\n\
         2026-03,E1,north,B,A,100.00,130.00,1000.00,1300.00,300.00,30.00\n\
         2026-03,E2,north,A,A,125.00,110.00,1250.00,1100.00,-150.00,-12.00\n\
         2026-03,E3,south,C,C,75.00,60.00,750.00,600.00,-150.00,-20.00\n\
         2026-03,E4,south,B,A,100.00,115.00,1000.00,1150.00,150.00,15.00\n"
    );
    assert_eq!(
        s.read("out", "summary.csv"),
        "period,level,name,headcount_old,headcount_new,payout_old,payout_new,change,change_pct\n\
         2026-03,department,north,2,2,2250.00,2400.00,150.00,6.67\n\
         2026-03,department,south,2,2,1750.00,1750.00,0.00,0.00\n\
         2026-03,band,A,1,3,1250.00,3550.00,2300.00,184.00\n\
         2026-03,band,B,2,0,2000.00,0.00,-2000.00,-100.00\n\
         2026-03,band,C,1,1,750.00,600.00,-150.00,-20.00\n\
         2026-03,company,company,4,4,4000.00,4150.00,150.00,3.75\n"
    );
    let out = stdout(&o);
    assert!(
        out.contains("cost 4000.00 → 4150.00 CNY (+150.00); 2 paid more, 2 paid less"),
        "{out}"
    );
}

#[test]
fn the_page_shows_cost_moves_kpi_hits_and_the_chart() {
    let s = Setup::new();
    assert!(s.model("out", &[]).status.success());
    let html = s.read("out", "model.html");
    for want in [
        "<div class=\"label\">Baseline cost</div><div class=\"value\">4,000.00</div>",
        "<div class=\"label\">New plan cost</div><div class=\"value\">4,150.00</div>",
        "<div class=\"value\">+150.00 (+3.75%)</div>",
        "<div class=\"label\">Paid more</div><div class=\"value\">2</div>",
        // The largest rise first: E1 +300, then E4 +150.
        "<td class=\"who\">E1</td><td>2026-03</td><td>north</td><td>B → A</td><td class=\"n\">100.00 → 130.00</td><td class=\"n\">1000.00 → 1300.00</td><td class=\"n\">+300.00</td>",
        // sales: all four ≥ threshold 0.8, E1, E2, E4 ≥ target, E1 ≥ stretch.
        "<td>Baseline</td><td class=\"n\">4</td><td class=\"n\">4 (100%)</td><td class=\"n\">3 (75%)</td><td class=\"n\">1 (25%)</td>",
        // nps: 0.8, 1.2, 1.0, 0.9.
        "<td class=\"n\">4</td><td class=\"n\">4 (100%)</td><td class=\"n\">2 (50%)</td><td class=\"n\">1 (25%)</td>",
        "id=\"pay-for-performance\"",
        "role=\"img\"",
    ] {
        assert!(html.contains(want), "model.html lacks {want}");
    }
    let rises = html.find("Largest rises").unwrap();
    let e4 = html[rises..].find("<td class=\"who\">E4</td>").unwrap();
    let e1 = html[rises..].find("<td class=\"who\">E1</td>").unwrap();
    assert!(e1 < e4, "E1 (+300) before E4 (+150)");
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));
    // Four dots per plan.
    assert_eq!(html.matches("<circle").count(), 8);
}

#[test]
fn a_model_is_not_a_pay_run_and_keeps_to_its_folder() {
    let s = Setup::new();
    assert!(s.model("out", &[]).status.success());
    let mut files: Vec<String> = std::fs::read_dir(s.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            ".merit-model",
            "employees.csv",
            "health.csv",
            "model.html",
            "summary.csv"
        ]
    );
    // No ledger beside --out or in the policy folders.
    for dir in ["", "new", "old"] {
        assert!(!s.path(dir).join("merit-ledger.sqlite").exists());
    }
    // The same command again: refused without --force, replaced with it.
    let again = s.model("out", &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("is not empty"),
        "{}",
        stderr(&again)
    );
    assert!(s.model("out", &["--force"]).status.success());
    // A folder merit model did not write is never replaced.
    std::fs::create_dir_all(s.path("mine")).unwrap();
    std::fs::write(s.path("mine/notes.txt"), "keep").unwrap();
    let o = s.model("mine", &["--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("has no .merit-model"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(s.path("mine/notes.txt")).unwrap(),
        "keep"
    );
    // Nor one holding a file model did not write.
    std::fs::write(s.path("out/extra.txt"), "x").unwrap();
    let o = s.model("out", &["--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("extra.txt"), "{}", stderr(&o));
    // Never into an input.
    let o = s.model("data/out", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--data"), "{}", stderr(&o));
}

#[test]
fn several_periods_are_modelled_and_summed() {
    let s = Setup::new();
    // April: everyone exactly at target on both KPIs (score 100 either way).
    let mut m = std::fs::read_to_string(s.path("data/metrics.csv")).unwrap();
    for e in ["E1", "E2", "E3", "E4"] {
        m.push_str(&format!("{e},2026-04,sales,100\n{e},2026-04,nps,50\n"));
    }
    std::fs::write(s.path("data/metrics.csv"), m).unwrap();
    let o = s.model("out", &["--period", "2026-03,2026-04"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let emp = s.read("out", "employees.csv");
    assert!(emp.contains("\n2026-04,E1,north,B,B,100.00,100.00,1000.00,1000.00,0.00,0.00\n"));
    let summary = s.read("out", "summary.csv");
    assert!(summary.contains("\n2026-04,company,company,4,4,4000.00,4000.00,0.00,0.00\n"));
    assert!(
        summary.contains("\nall,company,company,8,8,8000.00,8150.00,150.00,1.88\n"),
        "{summary}"
    );
    assert!(s.read("out", "model.html").contains("Cost by period"));
}

#[test]
fn bad_input_exits_2_with_a_location_and_writes_nothing() {
    let s = Setup::new();
    edit(&s.path("new/policy.yaml"), "nps: 20 }", "nps: 10 }");
    let o = s.model("out", &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let policy = s.path("new/policy.yaml");
    assert!(
        err.contains(&format!("{}:", policy.display())) && err.contains("90"),
        "{err}"
    );
    let line = err
        .lines()
        .find(|l| l.starts_with(&policy.display().to_string()))
        .unwrap();
    let loc: Vec<&str> = line[policy.display().to_string().len() + 1..]
        .splitn(3, ':')
        .collect();
    assert!(
        loc[0].parse::<usize>().is_ok() && loc[1].parse::<usize>().is_ok(),
        "{line}"
    );
    assert!(!s.path("out").exists());
    assert!(!err.contains("panicked"));

    let s = Setup::new();
    let o = s.model("out", &["--period", "2026-13"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!s.path("out").exists());

    // A bad cell in the data: file, line and column.
    let s = Setup::new();
    edit(
        &s.path("data/metrics.csv"),
        "E3,2026-03,sales,80",
        "E3,2026-03,sales,eighty",
    );
    let o = s.model("out", &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("metrics.csv:6:4"), "{err}");
    assert!(!s.path("out").exists());
}

#[test]
fn plans_in_different_currencies_are_refused() {
    let s = Setup::new();
    edit(&s.path("new/policy.yaml"), "currency: CNY", "currency: USD");
    let o = s.model("out", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("one currency"), "{}", stderr(&o));
    assert!(!s.path("out").exists());
}

/// E1's sales grow 5 % a month (100, 105, 110.25) and its NPS is flat; E2's
/// sales are flat and its NPS grows 10 % (40, 44, 48.4): every draw of
/// April is the same.
fn steady_data(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("employees.csv"),
        "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date\n\
         E1,One,north,rep,120000,10,2020-01-01\n\
         E2,Two,south,rep,120000,10,2020-01-01\n",
    )
    .unwrap();
    let mut m = "subject_id,month,metric,value\n".to_owned();
    for (month, s1, n2) in [
        ("01", "100", "40"),
        ("02", "105", "44"),
        ("03", "110.25", "48.4"),
    ] {
        m.push_str(&format!(
            "E1,2026-{month},sales,{s1}\nE1,2026-{month},nps,50\nE2,2026-{month},sales,100\nE2,2026-{month},nps,{n2}\n"
        ));
    }
    std::fs::write(dir.join("metrics.csv"), m).unwrap();
}

#[test]
fn a_steady_history_simulates_to_the_hand_computed_cost() {
    let s = Setup::new();
    std::fs::remove_dir_all(s.path("data")).unwrap();
    steady_data(&s.path("data"));
    let o = s.model("out", &["--simulate", "5", "--seed", "42"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // April: E1 sales 110.25 × 1.05 = 115.7625 → 115.76 (the metric's two
    // places), achievement 1.1576, score 100 + 0.1576 ÷ 0.2 × 50 = 139.40;
    // NPS 50, score 100. E2 sales 100 (100), NPS 48.4 × 1.1 = 53.24 → 53.2,
    // achievement 1.064, score 116.
    // Baseline 50/50: E1 119.70 → 1197.00, E2 108 → 1080.00.
    // New 80/20: E1 131.52 → 1315.20, E2 103.20 → 1032.00.
    assert_eq!(
        s.read("out", "simulation.csv"),
        "period,plan,level,name,draws,p10,p50,p90\n\
         2026-04,baseline,company,company,5,2277.00,2277.00,2277.00\n\
         2026-04,new,company,company,5,2347.20,2347.20,2347.20\n\
         2026-04,change,company,company,5,70.20,70.20,70.20\n\
         2026-04,baseline,department,north,5,1197.00,1197.00,1197.00\n\
         2026-04,new,department,north,5,1315.20,1315.20,1315.20\n\
         2026-04,change,department,north,5,118.20,118.20,118.20\n\
         2026-04,baseline,department,south,5,1080.00,1080.00,1080.00\n\
         2026-04,new,department,south,5,1032.00,1032.00,1032.00\n\
         2026-04,change,department,south,5,-48.00,-48.00,-48.00\n"
    );
    let draws = s.read("out", "simulation_draws.csv");
    assert_eq!(draws.lines().count(), 6);
    assert!(draws.ends_with("\n5,2277.00,2347.20,70.20\n"), "{draws}");
    let html = s.read("out", "model.html");
    assert!(html.contains("<section id=\"simulation\">"));
    assert!(html.contains("5 draws (seed 42)"));
}

/// Three months of history with growth that differs month to month.
fn varied_data(dir: &Path) {
    tiny_data(dir);
    let mut m = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    for (i, e) in ["E1", "E2", "E3", "E4"].iter().enumerate() {
        for (k, month) in ["01", "02"].iter().enumerate() {
            let sales = 80 + (i * 17 + k * 29) % 50;
            let nps = 35 + (i * 11 + k * 7) % 30;
            m.push_str(&format!(
                "{e},2026-{month},sales,{sales}\n{e},2026-{month},nps,{nps}\n"
            ));
        }
    }
    std::fs::write(dir.join("metrics.csv"), m).unwrap();
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_seeded_simulation_is_reproduced_byte_for_byte() {
    let s = Setup::new();
    std::fs::remove_dir_all(s.path("data")).unwrap();
    varied_data(&s.path("data"));
    let args = ["--simulate", "40", "--seed", "7", "--period", "2026-03"];
    assert!(s.model("a", &args).status.success());
    let (new, old, data, b) = (s.path("new"), s.path("old"), s.path("data"), s.path("b"));
    // Again on one thread.
    let o = merit_env(
        &[
            "model",
            "--policy",
            new.to_str().unwrap(),
            "--baseline",
            old.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--out",
            b.to_str().unwrap(),
            "--simulate",
            "40",
            "--seed",
            "7",
            "--period",
            "2026-03",
        ],
        &[("RAYON_NUM_THREADS", "1")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files(&s.path("a")), files(&s.path("b")));
    // The draws differ from one another, and another seed draws otherwise.
    let draws = s.read("a", "simulation_draws.csv");
    let totals: std::collections::BTreeSet<&str> = draws
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert!(totals.len() > 5, "{draws}");
    let args = ["--simulate", "40", "--seed", "8", "--period", "2026-03"];
    assert!(s.model("c", &args).status.success());
    assert_ne!(draws, s.read("c", "simulation_draws.csv"));
    // P10 ≤ P50 ≤ P90 in every row.
    for line in s.read("a", "simulation.csv").lines().skip(1) {
        let c: Vec<f64> = line
            .split(',')
            .skip(5)
            .map(|x| x.parse().unwrap())
            .collect();
        assert!(c[0] <= c[1] && c[1] <= c[2], "{line}");
    }
}

/// One KPI whose target is the mean of the three months before × 1.10.
fn history_policy(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("policy.yaml"),
        r#"id: hist
version: "1"
title: { zh: 历史, en: History }
currency: CNY
language: en
kpis:
  - id: sales
    name: { zh: 销售额, en: Sales }
    unit: CNY
    aggregate: { sum: sales }
    target: { history: { periods: 3, statistic: mean, growth: "0.10" } }
    scoring: std
scorings:
  std:
    curve:
      threshold: { achievement: "0.8", score: 50 }
      target: { achievement: "1", score: 100 }
      stretch: { achievement: "1.2", score: 150 }
roles:
  rep:
    weights: { sales: 100 }
rating_bands:
  - { band: A, min_score: 110 }
  - { band: B }
bonus:
  proration: days
"#,
    )
    .unwrap();
}

#[test]
fn suggested_growth_puts_the_chosen_share_at_target() {
    let s = Setup::new();
    history_policy(&s.path("new"));
    let data = s.path("data");
    let mut emp =
        "employee_id,name,department,role,base_salary,target_bonus_pct,hire_date\n".to_owned();
    let mut met = "subject_id,month,metric,value\n".to_owned();
    // Every history mean is 100, so April's target is 110 and each
    // employee's break-even growth is April's actual ÷ 100 − 1.
    let april = [
        "95", "100", "102", "104", "106", "108", "110", "112", "115", "120",
    ];
    for (i, a) in april.iter().enumerate() {
        let id = format!("E{:02}", i + 1);
        let dept = if i < 5 { "north" } else { "south" };
        emp.push_str(&format!("{id},N,{dept},rep,120000,10,2020-01-01\n"));
        for (m, v) in [("01", "90"), ("02", "100"), ("03", "110")] {
            met.push_str(&format!("{id},2026-{m},sales,{v}\n"));
        }
        met.push_str(&format!("{id},2026-04,sales,{a}\n"));
    }
    std::fs::write(data.join("employees.csv"), emp).unwrap();
    std::fs::write(data.join("metrics.csv"), met).unwrap();
    // The baseline is the same plan; only the suggestions matter here.
    std::fs::remove_dir_all(s.path("old")).unwrap();
    history_policy(&s.path("old"));
    let o = s.model("out", &["--period", "2026-04", "--suggest-targets"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Everyone: ⌈0.6 × 10⌉ = 6th largest break-even of 0.20, 0.15, 0.12,
    // 0.10, 0.08, 0.06, … is 0.06; 4 meet 110 now (110, 112, 115, 120).
    // north (95–106): 3rd of 0.06, 0.04, 0.02 → 0.02; none meets 110 now.
    // south (108–120): 3rd of 0.20, 0.15, 0.12 → 0.12; 4 meet now.
    assert_eq!(
        s.read("out", "suggestions.csv"),
        "period,kpi,department,employees,share,growth_now,met_now,growth_suggested,met_suggested,history\n\
         2026-04,sales,all,10,0.6,0.1,4,0.06,6,history: mean of 2026-01 to 2026-03 × (1 + 0.1)\n\
         2026-04,sales,north,5,0.6,0.1,0,0.02,3,history: mean of 2026-01 to 2026-03 × (1 + 0.1)\n\
         2026-04,sales,south,5,0.6,0.1,4,0.12,3,history: mean of 2026-01 to 2026-03 × (1 + 0.1)\n"
    );
    assert!(s
        .read("out", "model.html")
        .contains("<section id=\"suggestions\">"));
    // Another share; a bad share is refused.
    let o = s.model(
        "out2",
        &["--period", "2026-04", "--suggest-targets", "--share", "0.9"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // ⌈0.9 × 10⌉ = 9th largest: E02's 100 → growth 0, met by 9.
    assert!(s
        .read("out2", "suggestions.csv")
        .contains("\n2026-04,sales,all,10,0.9,0.1,4,0,9,"));
    let o = s.model(
        "out3",
        &["--period", "2026-04", "--suggest-targets", "--share", "1.5"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--share '1.5'"), "{}", stderr(&o));
}

#[test]
fn a_new_hire_without_history_takes_a_colleagues_draw() {
    let s = Setup::new();
    std::fs::remove_dir_all(s.path("data")).unwrap();
    steady_data(&s.path("data"));
    let emp = s.path("data/employees.csv");
    let mut text = std::fs::read_to_string(&emp).unwrap();
    text.push_str("E3,Three,south,rep,120000,10,2026-04-01\n");
    std::fs::write(&emp, text).unwrap();
    let o = s.model("out", &["--simulate", "20", "--seed", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // E3 is paid as E1 (1197.00) or E2 (1080.00) in each draw: the
    // baseline total is 2277.00 plus one of them; both occur.
    let draws = s.read("out", "simulation_draws.csv");
    let totals: std::collections::BTreeSet<&str> = draws
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(
        totals.into_iter().collect::<Vec<_>>(),
        ["3357.00", "3474.00"],
        "{draws}"
    );
}
