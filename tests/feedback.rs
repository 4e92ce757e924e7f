//! Statements, recognition and report.html, through the real binary:
//! every employee gets both statements in both languages, recognition
//! follows the policy's rules, data is escaped, and policy mistakes in
//! conditions and templates are located.

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Rows of a CSV written by merit (no quoted commas in the columns used here).
fn rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn run_lang(policy: &Path, data: &Path, out: &Path, lang: Option<&str>) -> std::process::Output {
    let extra = lang.map(|l| vec!["--lang", l]).unwrap_or_default();
    run_with(policy, data, "2026-Q3", out, &extra, &[])
}

fn example(lang: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_lang(&example_policy(), &example_data(), &out, lang);
    assert!(o.status.success(), "{}", stderr(&o));
    (dir, out)
}

#[test]
fn every_employee_has_both_statements_in_chinese_and_in_english() {
    for (lang, heading, (lp, rp), kpi) in [
        (
            None,
            "# 绩效考核结果与奖金通知 · ",
            ("（", "）"),
            "| 交易额 |",
        ),
        (
            Some("en"),
            "# Performance and bonus statement · ",
            (" (", ")"),
            "| GMV |",
        ),
    ] {
        let (_dir, out) = example(lang);
        let payouts = rows(&read(&out, "payouts.csv"));
        // 39 employees: E040 is not employed in the quarter.
        assert_eq!(payouts.len(), 39);
        let files: BTreeSet<String> = all_statements(&out).into_iter().map(|(n, _)| n).collect();
        assert_eq!(files.len(), 78, "{files:?}");
        assert!(!files.contains("E040.md"));
        // One bundle per department, and the index.
        let mut folder: Vec<String> = std::fs::read_dir(out.join("feedback"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        folder.sort();
        assert_eq!(
            folder,
            [
                "commerce.zip",
                "community.zip",
                "content.zip",
                "growth.zip",
                "index.csv"
            ]
        );
        for p in &payouts {
            let id = &p["employee_id"];
            let md = statement(&out, id, "md");
            let html = statement(&out, id, "html");
            assert!(
                md.starts_with(&format!("{heading}{}{lp}{id}{rp}", p["name"])),
                "{md}"
            );
            // The statement's numbers are the run's numbers.
            assert!(md.contains(&format!("**{}**", p["score"])), "{id}: {md}");
            let total: rust_decimal::Decimal = p["total_payout"].parse().unwrap();
            let shown = format!("{:.2}", total);
            let grouped = if total >= rust_decimal::Decimal::from(1000) {
                let (int, frac) = shown.split_once('.').unwrap();
                let n = int.len();
                let mut g = String::new();
                for (i, c) in int.chars().enumerate() {
                    if i > 0 && (n - i) % 3 == 0 {
                        g.push(',');
                    }
                    g.push(c);
                }
                format!("{g}.{frac}")
            } else {
                shown
            };
            assert!(md.contains(&grouped), "{id}: total {grouped} missing\n{md}");
            assert!(html.contains(&grouped), "{id}");
            assert!(html.starts_with("<!DOCTYPE html>"), "{id}");
        }
        let manifest = read(&out, "manifest.json");
        let code = lang.unwrap_or("zh-CN");
        assert!(
            manifest.contains(&format!("\"language\": \"{code}\"")),
            "{manifest}"
        );
        assert!(manifest.contains("\"path\": \"feedback/community.zip\""));
        assert!(
            read(&out, "feedback/index.csv").contains("\nE039,community,feedback/community.zip\n")
        );
        // commerce roles weigh GMV; E011 is a commerce operator.
        assert!(statement(&out, "E011", "md").contains(kpi));
    }
}

#[test]
fn statement_snapshots_in_each_language() {
    let (_d1, zh) = example(None);
    let (_d2, en) = example(Some("en"));
    // E005: a project bonus, a manager review and recognition.
    insta::assert_snapshot!("statement_zh_E005_md", statement(&zh, "E005", "md"));
    insta::assert_snapshot!("statement_en_E005_md", statement(&en, "E005", "md"));
    insta::assert_snapshot!("statement_zh_E005_html", statement(&zh, "E005", "html"));
    insta::assert_snapshot!("recognition_q3", read(&zh, "recognition.csv"));
    // recognition.csv does not depend on the language
    assert_eq!(read(&zh, "recognition.csv"), read(&en, "recognition.csv"));
    // scores.csv names KPIs (and the review) in the run's language, and
    // nothing else in it changes (issue 17).
    let (zs, es) = (read(&zh, "scores.csv"), read(&en, "scores.csv"));
    assert!(
        zs.contains(",gmv,交易额,") && es.contains(",gmv,GMV,"),
        "{es}"
    );
    assert!(
        zs.contains(",manager_review,上级评价,") && es.contains(",manager_review,Manager review,")
    );
    let without_names = |t: &str| -> Vec<String> {
        t.lines()
            .map(|l| {
                let mut c: Vec<&str> = l.split(',').collect();
                c.remove(3);
                c.join(",")
            })
            .collect()
    };
    assert_eq!(without_names(&zs), without_names(&es));
}

#[test]
fn recognition_follows_the_policy_rules() {
    let (_dir, out) = example(None);
    let payouts = rows(&read(&out, "payouts.csv"));
    let awards = rows(&read(&out, "recognition.csv"));
    let got = |rule: &str| -> BTreeSet<String> {
        awards
            .iter()
            .filter(|a| a["rule"] == rule)
            .map(|a| a["employee_id"].clone())
            .collect()
    };
    let expect = |f: &dyn Fn(&BTreeMap<String, String>) -> bool| -> BTreeSet<String> {
        payouts
            .iter()
            .filter(|p| f(p))
            .map(|p| p["employee_id"].clone())
            .collect()
    };
    let score = |p: &BTreeMap<String, String>| p["score"].parse::<rust_decimal::Decimal>().unwrap();
    let s = expect(&|p| p["rating"] == "S");
    let sa = expect(&|p| p["rating"] == "S" || p["rating"] == "A");
    let low = expect(&|p| score(p) < rust_decimal::Decimal::from(90));
    let projects = expect(&|p| p["project_bonus"] != "0.00");
    assert_eq!(got("honour_certificate"), s);
    assert_eq!(got("public_praise"), sa);
    assert_eq!(got("growth_training"), low);
    assert_eq!(got("project_praise"), projects);
    // The example exercises the rules: each of these groups is non-empty.
    assert!(!s.is_empty() && sa.len() > s.len() && !low.is_empty() && !projects.is_empty());
    for a in &awards {
        if a["rule"] == "public_praise" {
            assert_eq!(a["award_zh"], "公开表扬");
            assert_eq!(a["award_en"], "Public praise");
            assert_eq!(a["kind"], "recognition");
        }
    }
    // Statements list the awards in the run's language.
    let first = awards
        .iter()
        .find(|a| a["rule"] == "honour_certificate")
        .unwrap();
    let md = statement(&out, first["employee_id"].as_str(), "md");
    assert!(
        md.contains("- **荣誉证书**：本期综合评级为卓越（S）"),
        "{md}"
    );
}

#[test]
fn report_has_totals_and_charts_and_fetches_nothing() {
    let (_dir, out) = example(None);
    let html = read(&out, "report.html");
    let manifest: serde_json::Value = serde_json::from_str(&read(&out, "manifest.json")).unwrap();
    let totals = &manifest["control_totals"];
    let grouped = |s: &str| {
        let (int, frac) = s.split_once('.').unwrap();
        let mut g = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                g.push(',');
            }
            g.push(c);
        }
        format!("{g}.{frac}")
    };
    for key in ["bonus", "project_bonus", "total_payout"] {
        let v = grouped(totals[key].as_str().unwrap());
        assert!(
            html.contains(&format!("<div class=\"value\">{v}</div>")),
            "{key} {v}"
        );
    }
    for id in [
        "payout-by-department",
        "score-distribution",
        "rating-distribution",
    ] {
        assert!(
            html.contains(&format!("<svg class=\"chart\" id=\"{id}\"")),
            "{id}"
        );
    }
    // Departments by name (fixtures/platform-ops/departments.csv), in id order.
    let mut at = Vec::new();
    for dept in ["电商运营部", "社区运营部", "内容运营部", "用户增长部"] {
        let label = format!(">{dept}</text>");
        assert!(html.contains(&label), "{dept}");
        at.push(html.find(&label).unwrap());
    }
    assert!(at.windows(2).all(|w| w[0] < w[1]), "id order: {at:?}");
    assert!(html.contains("<tr><td>用户增长部</td>"), "the totals table");
    assert!(html.contains("指标达成热力图") && html.contains("绩效最高与最低的员工"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("url("));
    let (_d2, en) = example(Some("en"));
    assert!(read(&en, "report.html").contains("KPI attainment heatmap"));
}

/// Replaces a department id everywhere it is a value in the data folder.
fn rename_department(data: &Path, from: &str, to: &str) {
    let e = data.join("employees.csv");
    let text = read(data, "employees.csv").replace(&format!(",{from},"), &format!(",{to},"));
    std::fs::write(e, text).unwrap();
    for f in ["metrics.csv", "targets.csv"] {
        let text: String = read(data, f)
            .lines()
            .map(|l| match l.strip_prefix(&format!("{from},")) {
                Some(rest) => format!("{to},{rest}\n"),
                None => format!("{l}\n"),
            })
            .collect();
        std::fs::write(data.join(f), text).unwrap();
    }
}

#[test]
fn values_from_data_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&example_data(), &data);
    // Every employee is named <script>alert(1)</script>, a department holds
    // markup, and so does a project name.
    let employees: String = read(&data, "employees.csv")
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut cols: Vec<&str> = l.split(',').collect();
            if i > 0 {
                cols[1] = "<script>alert(1)</script>";
            }
            cols.join(",") + "\n"
        })
        .collect();
    std::fs::write(data.join("employees.csv"), employees).unwrap();
    rename_department(&data, "growth", "R&D <b>\"growth\"</b>");
    edit(
        &data.join("projects.csv"),
        "双十一预热活动",
        "<img src=x onerror=alert(1)>",
    );
    let out = dir.path().join("out");
    let o = run_lang(&example_policy(), &data, &out, None);
    assert!(o.status.success(), "{}", stderr(&o));

    let report = read(&out, "report.html");
    let page = statement(&out, "E005", "html");
    for (name, html) in [("report.html", &report), ("E005.html", &page)] {
        assert!(!html.contains("<script"), "{name}");
        assert!(!html.contains("<b>"), "{name}");
        assert!(!html.contains("<img"), "{name}");
    }
    assert!(report.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(report.contains("R&amp;D &lt;b&gt;&quot;growth&quot;&lt;/b&gt;"));
    // minijinja also escapes '/'
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "{page}"
    );
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{page}"
    );
    let md = statement(&out, "E005", "md");
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "{md}");
    assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
    // Every '<' in the Markdown is escaped.
    assert!(
        md.match_indices('<').all(|(i, _)| md[..i].ends_with('\\')),
        "{md}"
    );
}

struct PolicyCopy {
    dir: tempfile::TempDir,
}

impl PolicyCopy {
    fn new() -> PolicyCopy {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&example_policy(), &dir.path().join("policy"));
        PolicyCopy { dir }
    }
    fn file(&self, f: &str) -> PathBuf {
        self.dir.path().join("policy").join(f)
    }
    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }
    fn run(&self, lang: Option<&str>) -> std::process::Output {
        run_lang(
            &self.dir.path().join("policy"),
            &example_data(),
            &self.out(),
            lang,
        )
    }
    /// Runs, expects exit 2 and no output; returns stderr.
    fn fails(&self) -> String {
        let o = self.run(None);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(!self.out().exists());
        err
    }
    fn line_of(&self, f: &str, needle: &str) -> usize {
        read(&self.dir.path().join("policy"), f)
            .lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle}"))
            + 1
    }
}

#[test]
fn condition_errors_are_located_in_policy_yaml() {
    // Unknown variable: a compile error at its column.
    let c = PolicyCopy::new();
    edit(
        &c.file("policy.yaml"),
        "when: \"score < 90\"",
        "when: \"scor < 90\"",
    );
    let err = c.fails();
    let line = c.line_of("policy.yaml", "scor < 90");
    assert!(
        err.contains(&format!(
            "policy.yaml:{line}:12: error: recognition rule 'growth_training': Undefined variable: scor"
        )),
        "{err}"
    );

    // A KPI some roles do not weigh, read without a guard: refused when
    // the policy is loaded, before any employee is evaluated.
    let c = PolicyCopy::new();
    edit(
        &c.file("policy.yaml"),
        "when: '\"dau\" in kpi && kpi.dau.achievement >= 1.05'",
        "when: 'kpi.gmv.achievement >= 1.05'",
    );
    let err = c.fails();
    let line = c.line_of("policy.yaml", "kpi.gmv.achievement >= 1.05");
    assert!(
        err.contains(&format!("policy.yaml:{line}:16: error: recognition rule 'team_activity': roles 'content' and 'user_growth' do not weigh 'gmv', so their employees have no kpi.gmv; guard the read: \"gmv\" in kpi && …")),
        "{err}"
    );
    assert_eq!(err.matches("team_activity").count(), 1, "{err}");

    // Not a boolean.
    let c = PolicyCopy::new();
    edit(
        &c.file("policy.yaml"),
        "when: 'rating == \"S\"'\n    reason: { zh: 本期",
        "when: 'score'\n    reason: { zh: 本期",
    );
    let err = c.fails();
    assert!(
        err.contains("recognition rule 'honour_certificate': while evaluating employee E001: the condition gave"),
        "{err}"
    );
    assert!(err.contains("expected true or false"), "{err}");

    // Assigning to an input is refused (inputs are constants).
    let c = PolicyCopy::new();
    edit(
        &c.file("policy.yaml"),
        "when: \"score < 90\"",
        "when: \"score = 1; true\"",
    );
    let err = c.fails();
    assert!(
        err.contains("recognition rule 'growth_training': a condition cannot change 'score'; to compare, write '=='"),
        "{err}"
    );
}

#[test]
fn policy_templates_replace_the_built_in_ones() {
    let c = PolicyCopy::new();
    std::fs::create_dir(c.file("templates")).unwrap();
    std::fs::write(
        c.file("templates/statement.en.md.j2"),
        "{{ employee.id }} {{ rating.band }} {{ bonus.total }}\n{% for a in recognition %}* {{ a.award }}\n{% endfor %}",
    )
    .unwrap();
    let o = c.run(Some("en"));
    assert!(o.status.success(), "{}", stderr(&o));
    let payouts = rows(&read(&c.out(), "payouts.csv"));
    let e1 = &payouts[0];
    let md = statement(&c.out(), "E001", "md");
    assert!(md.starts_with(&format!("E001 {} ", e1["rating"])), "{md}");
    // The HTML statement still uses the built-in template.
    assert!(statement(&c.out(), "E001", "html").contains("Performance and bonus statement"));
    // The template file is part of the policy in the manifest.
    assert!(read(&c.out(), "manifest.json").contains("\"path\": \"templates/statement.en.md.j2\""));
}

#[test]
fn template_errors_are_located_and_stop_the_run() {
    let c = PolicyCopy::new();
    std::fs::create_dir(c.file("templates")).unwrap();
    std::fs::write(
        c.file("templates/statement.html.j2"),
        "<h1>{{ employee.name }}</h1>\n<p>{% if score %}</p>\n",
    )
    .unwrap();
    std::fs::write(
        c.file("templates/statement.md.j2"),
        "# {{ employee.name }}\n\n{{ employee.salary }}\n",
    )
    .unwrap();
    let err = c.fails();
    assert!(
        err.contains("templates/statement.html.j2:") && err.contains("error: syntax error"),
        "{err}"
    );
    assert!(
        err.contains("templates/statement.md.j2:3:4: error: while rendering a sample zh-CN statement: undefined value"),
        "{err}"
    );
    assert_eq!(err.matches("statement.md.j2:").count(), 1, "{err}");
    assert!(
        err.contains("merit: 2 problems found; nothing was written"),
        "{err}"
    );
}

#[test]
fn runaway_templates_stop_with_a_located_error() {
    // Issue 15: nested loops made even `merit check` hang; a huge string
    // wrote ~95 MB per statement.
    let c = PolicyCopy::new();
    std::fs::create_dir(c.file("templates")).unwrap();
    std::fs::write(
        c.file("templates/statement.md.j2"),
        "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}\n",
    )
    .unwrap();
    std::fs::write(
        c.file("templates/statement.html.j2"),
        "{{ \"x\" * 10000000 }}\n",
    )
    .unwrap();
    let start = std::time::Instant::now();
    let err = c.fails();
    assert!(start.elapsed().as_secs() < 60, "took {:?}", start.elapsed());
    assert!(
        err.contains("templates/statement.md.j2:") && err.contains("fuel"),
        "{err}"
    );
    assert!(
        err.contains("templates/statement.html.j2:") && err.contains("over the limit of 4 MiB"),
        "{err}"
    );
}

#[test]
fn unknown_language_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_lang(&example_policy(), &example_data(), &out, Some("fr"));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("invalid value 'fr' for '--lang"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn check_with_a_period_finds_what_only_the_data_shows_in_conditions() {
    // Issue 17: `check --period` passed a policy whose recognition rule
    // then stopped `run`; it now evaluates the rules as `run` does.
    let c = PolicyCopy::new();
    edit(
        &c.file("policy.yaml"),
        "when: 'rating == \"S\"'\n    reason: { zh: 本期",
        "when: 'score'\n    reason: { zh: 本期",
    );
    let policy = c.dir.path().join("policy");
    let data = example_data();
    let (p, d) = (policy.to_str().unwrap(), data.to_str().unwrap());
    // Without data nothing can tell: `score` is a number only when it runs.
    let o = merit(&["check", "--policy", p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = merit(&["check", "--policy", p, "--data", d, "--period", "2026-Q3"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let ran = c.fails();
    let line = |s: &str| {
        s.lines()
            .find(|l| l.contains("recognition rule 'honour_certificate'"))
            .map(str::to_owned)
    };
    assert!(line(&err).is_some(), "{err}");
    assert_eq!(line(&err), line(&ran), "check and run say the same");
}
