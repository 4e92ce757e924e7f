//! Statements read as Chinese and English HR documents do (issue 18):
//! full-width punctuation in Chinese prose, money as `¥…` / `CNY …`,
//! department names from the `departments` table, how the rating band was
//! reached and its multiplier, and the appeal paragraph from the policy.
//! `--pdf` is refused up front without a browser (printing itself is in
//! tests/browser.rs).

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Runs Q3 of `policy` on `data` in `lang`; the output folder.
fn q3(dir: &Path, policy: &Path, data: &Path, lang: &str) -> PathBuf {
    let out = dir.join(format!("out-{lang}"));
    let o = run_with(policy, data, "2026-Q3", &out, &["--lang", lang], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c)
}

/// Half-width `,:;()` touching a Chinese character, with its line.
fn half_width_in_chinese(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            if !",:;()".contains(c) {
                continue;
            }
            let before = i.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i + 1).copied();
            if before.is_some_and(is_cjk) || after.is_some_and(is_cjk) {
                found.push(format!("{c:?} in {line}"));
            }
        }
    }
    found
}

#[test]
fn chinese_statements_and_report_use_full_width_punctuation_names_and_yuan() {
    let dir = tempfile::tempdir().unwrap();
    let zh = q3(dir.path(), &example_policy(), &example_data(), "zh-CN");
    let mut checked = 0;
    for (name, text) in all_statements(&zh) {
        let bad = half_width_in_chinese(&text);
        assert!(bad.is_empty(), "{name}: {bad:#?}");
        checked += 1;
    }
    assert_eq!(checked, 78);
    let report = read(&zh, "report.html");
    let bad = half_width_in_chinese(&report);
    assert!(bad.is_empty(), "report.html: {bad:#?}");
    assert!(report.contains("平台运营绩效与激励方案（platform-ops 2026.1）"));
    // The detector itself.
    assert_eq!(half_width_in_chinese("上级评价 (评分 3)").len(), 1);

    let md = statement(&zh, "E005", "md");
    for expected in [
        "部门：平台运营中心 / 用户增长部 · 成本中心：CC-1101",
        "**应发奖金合计（税前）：¥14,975.97**",
        "| 项目 | 金额（元） |",
        "综合得分110.43分，达到A档分数线（105分），绩效等级为A（优秀）；达到120分可评为S档。",
        "请于2026年10月15日前（考核周期结束后15日内）向人力资源部绩效组（hr-performance@example.com）提出申诉。",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in\n{md}");
    }
    // The lowest band has no minimum of its own: the next band's is named.
    // E014 scored 47.66 (band D).
    let md = statement(&zh, "E014", "md");
    assert!(
        md.contains("综合得分47.66分，未达到C档分数线（70分），绩效等级为D（不合格）。"),
        "{md}"
    );
}

#[test]
fn english_statements_name_departments_and_write_money_with_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let en = q3(dir.path(), &example_policy(), &example_data(), "en");
    let md = statement(&en, "E005", "md");
    for expected in [
        "Department: Platform Operations / User Growth · Cost centre: CC-1101",
        "**Total bonus (before tax): CNY 14,975.97**",
        "Your final score of 110.43 reaches the minimum for band A (105), so your rating is A (Excellent); a score of 120 reaches band S.",
        "raise it with the HR performance team (hr-performance@example.com) by 15 October 2026 (15 days after the period ends).",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in\n{md}");
    }
    let html = statement(&en, "E005", "html");
    assert!(html.contains("@page { size: A4;"), "A4 print size");
    assert!(
        html.contains("\"Noto Sans CJK SC\""),
        "a CJK face in the stack"
    );
}

#[test]
fn without_a_departments_table_or_appeal_the_ids_show_and_no_appeal_is_promised() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&example_data(), &data);
    std::fs::remove_file(data.join("departments.csv")).unwrap();
    let policy = dir.path().join("policy");
    copy_dir(&example_policy(), &policy);
    let yaml = std::fs::read_to_string(policy.join("policy.yaml")).unwrap();
    let start = yaml.find("  # 申诉").unwrap();
    let end = yaml[start..].find("    days: 15\n").unwrap() + start + "    days: 15\n".len();
    std::fs::write(
        policy.join("policy.yaml"),
        format!("{}{}", &yaml[..start], &yaml[end..]),
    )
    .unwrap();
    let zh = q3(dir.path(), &policy, &data, "zh-CN");
    let md = statement(&zh, "E005", "md");
    assert!(md.contains(" · 部门：growth · 岗位："), "{md}");
    assert!(!md.contains("申诉"), "{md}");
}

#[test]
fn a_band_multiplier_given_as_a_modifier_is_shown_and_pays_the_same() {
    // The example's script multiplies by the band itself, which merit
    // cannot see; the same factors as `bonus.modifiers` are shown.
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy");
    copy_dir(&example_policy(), &policy);
    std::fs::write(
        policy.join("bonus.rhai"),
        "employee.target_bonus * score / 100\n",
    )
    .unwrap();
    edit(
        &policy.join("policy.yaml"),
        "  cap: { target_multiple: \"1.5\" }\n",
        "  cap: { target_multiple: \"1.5\" }\n  modifiers:\n    - band: { S: \"1.2\", A: \"1.1\", B: 1, C: \"0.6\", D: 0 }\n",
    );
    let with = q3(dir.path(), &policy, &example_data(), "zh-CN");
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let example = q3(&plain, &example_policy(), &example_data(), "zh-CN");
    assert_eq!(read(&with, "payouts.csv"), read(&example, "payouts.csv"));
    let md = statement(&with, "E005", "md");
    assert!(md.contains("**绩效系数：1.1**"), "{md}");
    assert!(md.contains("A档的绩效系数为1.1，已计入绩效奖金。"), "{md}");
    assert!(
        md.contains("| 按绩效核算的奖金（绩效系数 1.1） | 9,975.97 |"),
        "{md}"
    );
    let en = q3(dir.path(), &policy, &example_data(), "en");
    let md = statement(&en, "E005", "md");
    assert!(
        md.contains("Band A multiplies the performance bonus by 1.1; the bonus below includes it."),
        "{md}"
    );
    // Without the modifier there is no multiplier to show.
    assert!(!statement(&example, "E005", "md").contains("绩效系数"));
}

#[test]
fn a_bad_departments_table_is_reported_cell_by_cell() {
    let c = Case::new();
    std::fs::write(
        c.data("departments.csv"),
        "department_id,name,name_en,parent,cost_centre\n\
         growth,用户增长部,User Growth,platform,CC-1\n\
         growth,增长二部,,,\n\
         ,无编号部门,,,\n\
         content,,Content,content,\n",
    )
    .unwrap();
    let err = c.fails("2026-Q3");
    let file = c.data("departments.csv").display().to_string();
    for expected in [
        format!("{file}:2:4: error: column 'parent': parent 'platform' is not a department_id of this table"),
        format!("{file}:3:1: error: duplicate department 'growth'"),
        format!("{file}:4:1: error: column 'department_id': empty value where one is required"),
        format!("{file}:5:2: error: column 'name': empty value where one is required"),
        format!("{file}:5:4: error: column 'parent': a department cannot be its own parent"),
    ] {
        assert!(err.contains(&expected), "missing {expected}\n{err}");
    }
    // Names are not echoed (only ids and column positions).
    assert!(
        !err.contains("增长二部") && !err.contains("无编号部门"),
        "{err}"
    );
}

#[test]
fn appeal_keys_are_checked_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy");
    copy_dir(&example_policy(), &policy);
    edit(
        &policy.join("policy.yaml"),
        "    days: 15\n",
        "    days: 0\n",
    );
    edit(
        &policy.join("policy.yaml"),
        "en: the HR performance team (hr-performance@example.com) }",
        "en: \" \" }",
    );
    let out = dir.path().join("out");
    let o = run(&policy, &example_data(), "2026-Q3", &out);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!out.exists());
    let yaml = read(&policy, "policy.yaml");
    let line_of = |needle: &str| 1 + yaml.lines().position(|l| l.contains(needle)).unwrap();
    let days = format!(
        "policy.yaml:{}:5: error: appeal days must be 1 to 366, not 0",
        line_of("    days: 0")
    );
    assert!(err.contains(&days), "missing {days}\n{err}");
    assert!(
        err.contains("error: the appeal contact (en) must not be empty"),
        "{err}"
    );
}

#[test]
fn pdf_is_refused_before_anything_is_written_without_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_with(
        &example_policy(),
        &example_data(),
        "2026-Q3",
        &out,
        &["--pdf"],
        &[("PATH", "/nonexistent")],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--pdf prints the statements with headless Chromium, which was not found"),
        "{err}"
    );
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let o = run_with(
        &example_policy(),
        &example_data(),
        "2026-Q3",
        &out,
        &["--pdf", "--skip", "statements"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--pdf prints the statements, which --skip statements leaves out"));
    assert!(!out.exists());
}
