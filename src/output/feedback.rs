//! Employee statements (`feedback/ID.md`, `feedback/ID.html`) and
//! `recognition.csv`.
//!
//! A statement is a [`Statement`] value rendered by a minijinja template.
//! The templates ship inside merit; a policy folder may replace them with
//! `templates/statement[.LANG].{md,html}.j2` (LANG `zh-CN` or `en`; the
//! language-specific file wins). Every value is escaped on output: HTML in
//! `.html` templates, Markdown in `.md` templates (`|safe` opts out).

use super::csv::Csv;
use super::display::{gap, md_escape, money, percent, trimmed, value};
use super::OutFile;
use crate::data::Data;
use crate::engine::blend::ReviewUse;
use crate::engine::recognition::EmployeeFeedback;
use crate::engine::{EmployeeResult, RunResult};
use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::policy::{Direction, KpiScope, Language, LoadedPolicy, PolicyFileBytes};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const BUILTIN_MD: &str = include_str!("templates/statement.md.j2");
const BUILTIN_HTML: &str = include_str!("templates/statement.html.j2");
const BUILTIN_PREFIX: &str = "builtin/";
pub const TEMPLATE_DIR: &str = "templates";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

impl Format {
    pub fn ext(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
    const ALL: [Format; 2] = [Format::Markdown, Format::Html];
}

/// Loads and checks a policy folder together with its statement templates,
/// every problem of both reported at once.
pub fn load_policy(dir: &Path) -> Result<(LoadedPolicy, Templates)> {
    crate::policy::load_with(dir, Templates::load)
}

/// The statement templates: built-in ones plus any in the policy folder.
pub struct Templates {
    env: Environment<'static>,
    /// Policy-folder templates present, by relative path.
    user: BTreeSet<String>,
    dir: PathBuf,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_debug(false);
    env.set_auto_escape_callback(|name| {
        let name = name.strip_suffix(".j2").unwrap_or(name);
        if name.ends_with(".md") {
            AutoEscape::Custom("markdown")
        } else if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, v| {
        if state.auto_escape() == AutoEscape::Custom("markdown") && !v.is_safe() {
            let text = v.to_string();
            out.write_str(&md_escape(&text))
                .map_err(|_| minijinja::Error::from(minijinja::ErrorKind::WriteFailure))
        } else {
            minijinja::escape_formatter(out, state, v)
        }
    });
    env
}

/// `templates/statement.en.md.j2` → Some((Some(En), Markdown)).
fn template_kind(rel: &str) -> Option<(Option<Language>, Format)> {
    let name = rel.strip_prefix("templates/")?.strip_prefix("statement.")?;
    let name = name.strip_suffix(".j2")?;
    let (rest, format) = if let Some(r) = name.strip_suffix("md") {
        (r, Format::Markdown)
    } else {
        (name.strip_suffix("html")?, Format::Html)
    };
    match rest {
        "" => Some((None, format)),
        r => Some((Some(Language::parse(r.strip_suffix('.')?)?), format)),
    }
}

fn user_name(lang: Option<Language>, format: Format) -> String {
    match lang {
        Some(l) => format!("{TEMPLATE_DIR}/statement.{}.{}.j2", l.code(), format.ext()),
        None => format!("{TEMPLATE_DIR}/statement.{}.j2", format.ext()),
    }
}

/// A template error located in its file. `range` is a byte range in `source`.
fn template_error(path: &Path, source: &str, e: &minijinja::Error, subject: &str) -> Diagnostic {
    let mut msg = e.kind().to_string();
    if let Some(detail) = e.detail() {
        msg = format!("{msg}: {detail}");
    }
    if !subject.is_empty() {
        msg = format!("while rendering {subject}: {msg}");
    }
    let d = Diagnostic::error(path, msg);
    match e.line() {
        Some(line) => {
            let col = e
                .range()
                .and_then(|r| {
                    let before = source.get(..r.start)?;
                    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                    Some(before[line_start..].chars().count() + 1)
                })
                .unwrap_or(1);
            d.at(line, col).with_source(source)
        }
        None => d,
    }
}

impl Templates {
    /// Compiles the built-in templates and the policy folder's; each of the
    /// latter is also rendered once with a sample statement in each
    /// language it serves, so that a misspelt variable is found at load.
    pub fn load(dir: &Path, files: &[PolicyFileBytes], diags: &mut Diagnostics) -> Templates {
        let mut env = environment();
        for format in Format::ALL {
            let source = match format {
                Format::Markdown => BUILTIN_MD,
                Format::Html => BUILTIN_HTML,
            };
            env.add_template_owned(
                format!("{BUILTIN_PREFIX}statement.{}.j2", format.ext()),
                source,
            )
            .expect("built-in templates compile");
        }
        let mut user = BTreeSet::new();
        let mut sources = Vec::new();
        for f in files {
            if !f.rel.starts_with("templates/") {
                continue;
            }
            let path = dir.join(&f.rel);
            let Some((lang, _)) = template_kind(&f.rel) else {
                diags.push(Diagnostic::warning(
                    &path,
                    "not used: statement templates are named templates/statement.md.j2, templates/statement.html.j2 or templates/statement.LANG.md.j2 / .html.j2 (LANG zh-CN or en)",
                ));
                continue;
            };
            let Ok(text) = String::from_utf8(f.bytes.clone()) else {
                diags.push(Diagnostic::error(&path, "not valid UTF-8 text"));
                continue;
            };
            match env.add_template_owned(f.rel.clone(), text.clone()) {
                Ok(()) => {
                    user.insert(f.rel.clone());
                    sources.push((f.rel.clone(), lang, text));
                }
                Err(e) => diags.push(template_error(&path, &text, &e, "")),
            }
        }
        let templates = Templates {
            env,
            user,
            dir: dir.to_path_buf(),
        };
        for (rel, lang, text) in &sources {
            let langs = lang.map_or(Language::ALL.to_vec(), |l| vec![l]);
            for lang in langs {
                let tmpl = templates.env.get_template(rel).expect("added above");
                if let Err(e) = tmpl.render(Statement::sample(lang)) {
                    let subject = format!("a sample {} statement", lang.code());
                    diags.push(template_error(&dir.join(rel), text, &e, &subject));
                    // One report per template: the other language fails alike.
                    break;
                }
            }
        }
        templates
    }

    /// The template used for `lang` and `format`.
    pub fn pick(&self, lang: Language, format: Format) -> String {
        for name in [user_name(Some(lang), format), user_name(None, format)] {
            if self.user.contains(&name) {
                return name;
            }
        }
        format!("{BUILTIN_PREFIX}statement.{}.j2", format.ext())
    }

    pub fn render(
        &self,
        name: &str,
        statement: &Statement,
        subject: &str,
    ) -> std::result::Result<String, Diagnostic> {
        let tmpl = self
            .env
            .get_template(name)
            .expect("picked from known names");
        tmpl.render(statement).map_err(|e| {
            let (path, source) = match name.strip_prefix(BUILTIN_PREFIX) {
                Some(n) => (
                    PathBuf::from(format!("<merit built-in {n}>")),
                    tmpl.source(),
                ),
                None => (self.dir.join(name), tmpl.source()),
            };
            template_error(&path, source, &e, subject)
        })
    }
}

/// What a statement template sees. Numbers are preformatted text (grouped
/// digits, percentages, money in the policy's places); `*_exact` fields
/// hold the exact decimals.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    /// `zh-CN` or `en`.
    pub lang: &'static str,
    pub policy: PolicyInfo,
    pub period: PeriodInfo,
    pub currency: String,
    pub employee: EmployeeInfo,
    pub kpis: Vec<KpiRow>,
    /// The manager review, when it was part of the score.
    pub review: Option<ReviewRow>,
    /// No rating for the period: KPI weights were scaled up to 100%.
    pub review_missing: bool,
    pub score: String,
    pub rating: RatingInfo,
    pub bonus: BonusInfo,
    pub recognition: Vec<AwardRow>,
    /// Best KPIs at or above target, best first.
    pub strengths: Vec<Highlight>,
    /// Weakest KPIs below target, weakest first.
    pub improvements: Vec<Highlight>,
    /// Suggested actions whose condition holds.
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyInfo {
    pub id: String,
    pub version: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodInfo {
    pub label: String,
    pub start: String,
    pub end: String,
    pub days: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EmployeeInfo {
    pub id: String,
    pub name: String,
    pub department: String,
    pub role: String,
    pub role_name: String,
    pub hire_date: String,
    pub termination_date: Option<String>,
    pub manager_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KpiRow {
    pub id: String,
    pub name: String,
    /// A department or company KPI shared by the team.
    pub team: bool,
    pub unit: String,
    /// `higher` or `lower` is better.
    pub direction: &'static str,
    pub actual: String,
    pub target: String,
    pub target_source: String,
    pub achievement: String,
    pub score: String,
    pub weight: String,
    pub contribution: String,
    /// Target reached (achievement ≥ 100%).
    pub met: bool,
    /// Bar length for an achievement chart: 200 at 100%, 300 at 150% or more.
    pub bar: String,
    pub actual_exact: String,
    pub target_exact: String,
    pub achievement_exact: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewRow {
    pub rating: String,
    pub score: String,
    pub weight: String,
    pub contribution: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RatingInfo {
    pub band: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BonusInfo {
    /// The period's target bonus (base × target % × months ÷ 12).
    pub target_bonus: String,
    /// What the policy's formula gave, before cap and proration.
    pub formula_bonus: String,
    /// The cap amount, when the policy has one.
    pub cap: Option<String>,
    /// The formula's result was above the cap.
    pub capped: bool,
    pub days_employed: i64,
    pub period_days: i64,
    /// Employed for part of the period only.
    pub prorated: bool,
    /// Department pool scaling, when the policy has pools.
    pub pool: Option<PoolInfo>,
    pub bonus: String,
    pub projects: Vec<ProjectRow>,
    pub project_bonus: String,
    pub total: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolInfo {
    pub pool: String,
    pub factor: String,
    pub before: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectRow {
    pub name: String,
    pub amount: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AwardRow {
    pub id: String,
    pub kind: &'static str,
    pub award: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Highlight {
    pub name: String,
    pub team: bool,
    pub actual: String,
    pub target: String,
    pub achievement: String,
    /// How far from target (areas to improve only).
    pub gap: Option<String>,
}

/// Achievement chart bar: 200 px at 100%, at most 300 px (150%).
fn bar(achievement: Decimal) -> String {
    let clamped = achievement.clamp(Decimal::ZERO, Decimal::new(15, 1));
    trimmed(clamped * Decimal::from(200), 1, Default::default())
}

fn names_of(lp: &LoadedPolicy, lang: Language, role: &str) -> String {
    lp.policy
        .roles
        .get(role)
        .and_then(|r| r.name.as_ref())
        .map_or_else(|| role.to_owned(), |n| n.get(lang).to_owned())
}

/// Builds one employee's statement.
pub fn statement(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    r: &EmployeeResult,
    fb: &EmployeeFeedback,
    lang: Language,
) -> Statement {
    let p = &lp.policy;
    let e = &data.employees[r.employee];
    let mode = p.rounding.mode;
    let kpi_rows: Vec<(Decimal, usize, KpiRow)> = r
        .kpis
        .iter()
        .map(|l| {
            let k = &p.kpis[l.kpi];
            let row = KpiRow {
                id: k.id.clone(),
                name: k.name.get(lang).to_owned(),
                team: k.scope != KpiScope::Individual,
                unit: k.unit.clone(),
                direction: match k.direction {
                    Direction::Higher => "higher",
                    Direction::Lower => "lower",
                },
                actual: value(l.actual, &k.unit, lp),
                target: value(l.target, &k.unit, lp),
                target_source: l.target_source.to_string(),
                achievement: percent(l.achievement, mode),
                score: l.score.to_string(),
                weight: format!("{}%", trimmed(l.weight, 2, mode)),
                contribution: trimmed(l.contribution, 4, mode),
                met: l.achievement >= Decimal::ONE,
                bar: bar(l.achievement),
                actual_exact: trimmed(l.actual, 28, mode),
                target_exact: trimmed(l.target, 28, mode),
                achievement_exact: l.achievement.to_string(),
            };
            (l.achievement, l.kpi, row)
        })
        .collect();
    let highlight = |(_, k, row): &(Decimal, usize, KpiRow), with_gap: bool| {
        let kpi = &p.kpis[*k];
        let line = r.kpis.iter().find(|l| l.kpi == *k).expect("from r.kpis");
        Highlight {
            name: row.name.clone(),
            team: row.team,
            actual: row.actual.clone(),
            target: row.target.clone(),
            achievement: row.achievement.clone(),
            gap: with_gap
                .then(|| gap(line.actual, line.target, kpi.direction, &kpi.unit, lang, lp)),
        }
    };
    // Best first (ties: policy order); weakest first.
    let mut best: Vec<&(Decimal, usize, KpiRow)> = kpi_rows
        .iter()
        .filter(|(a, ..)| *a >= Decimal::ONE)
        .collect();
    best.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    let mut weak: Vec<&(Decimal, usize, KpiRow)> = kpi_rows
        .iter()
        .filter(|(a, ..)| *a < Decimal::ONE)
        .collect();
    weak.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.cmp(&y.1)));
    let strengths = best
        .iter()
        .take(p.feedback.strengths)
        .map(|x| highlight(x, false))
        .collect();
    let improvements = weak
        .iter()
        .take(p.feedback.improvements)
        .map(|x| highlight(x, true))
        .collect();

    let (review, review_missing) = match &r.review {
        ReviewUse::Rated {
            rating,
            score,
            weight,
            contribution,
        } => (
            Some(ReviewRow {
                rating: rating.normalize().to_string(),
                score: score.normalize().to_string(),
                weight: format!("{}%", trimmed(*weight, 2, mode)),
                contribution: trimmed(*contribution, 4, mode),
            }),
            false,
        ),
        ReviewUse::MissingRenormalized { .. } => (None, true),
        ReviewUse::NotWeighed => (None, false),
    };
    let band_name = p
        .rating_bands
        .iter()
        .find(|b| b.band == r.band)
        .and_then(|b| b.name.as_ref())
        .map_or_else(String::new, |n| n.get(lang).to_owned());
    let (num, den) = r.proration;
    Statement {
        lang: lang.code(),
        policy: PolicyInfo {
            id: p.id.clone(),
            version: p.version.clone(),
            title: p.title.get(lang).to_owned(),
        },
        period: PeriodInfo {
            label: run.period.label.clone(),
            start: run.period.start().to_string(),
            end: run.period.end().to_string(),
            days: run.period.days(),
        },
        currency: p.currency.clone(),
        employee: EmployeeInfo {
            id: e.id.clone(),
            name: e.name.clone(),
            department: e.department.clone(),
            role: e.role.clone(),
            role_name: names_of(lp, lang, &e.role),
            hire_date: e.hire_date.to_string(),
            termination_date: e.termination_date.map(|d| d.to_string()),
            manager_id: e.manager_id.clone(),
        },
        kpis: kpi_rows.into_iter().map(|(_, _, row)| row).collect(),
        review,
        review_missing,
        score: r.score.to_string(),
        rating: RatingInfo {
            band: r.band.clone(),
            name: band_name,
        },
        bonus: BonusInfo {
            target_bonus: money(r.target_bonus, lp),
            formula_bonus: money(r.formula_bonus, lp),
            cap: r.cap.map(|c| money(c, lp)),
            capped: r.capped,
            days_employed: r.days_employed,
            period_days: run.period.days(),
            prorated: num != den,
            pool: r.pool.as_ref().map(|p| PoolInfo {
                pool: p.pool.clone(),
                factor: if p.requested.is_zero() {
                    "1".into()
                } else {
                    (p.budget / p.requested).round_dp(6).normalize().to_string()
                },
                before: crate::decimal::round_fixed(
                    p.before,
                    lp.policy.rounding.money_places,
                    lp.policy.rounding.mode,
                )
                .to_string(),
            }),
            bonus: money(r.bonus, lp),
            projects: r
                .projects
                .iter()
                .map(|(name, amount)| ProjectRow {
                    name: name.clone(),
                    amount: money(*amount, lp),
                })
                .collect(),
            project_bonus: money(r.project_bonus, lp),
            total: money(r.total, lp),
        },
        recognition: fb
            .awards
            .iter()
            .map(|&i| {
                let rule = &p.recognition[i];
                AwardRow {
                    id: rule.id.clone(),
                    kind: rule.kind.as_str(),
                    award: rule.award.get(lang).to_owned(),
                    reason: rule.reason.as_ref().map(|n| n.get(lang).to_owned()),
                }
            })
            .collect(),
        strengths,
        improvements,
        actions: fb
            .actions
            .iter()
            .map(|&i| p.feedback.suggested_actions[i].text.get(lang).to_owned())
            .collect(),
    }
}

/// Every employee's statements, `feedback/ID.md` and `feedback/ID.html`,
/// in employee order.
/// Renders every statement and hands each file to `sink` as soon as its
/// chunk of employees is rendered, so a large run never holds them all.
pub fn statements(
    lp: &LoadedPolicy,
    templates: &Templates,
    data: &Data,
    run: &RunResult,
    feedback: &[EmployeeFeedback],
    lang: Language,
    staging: &super::atomic::Staging,
) -> Result<Vec<super::manifest::FileHash>> {
    staging.create_dir("feedback")?;
    let names: Vec<(Format, String)> = Format::ALL
        .iter()
        .map(|&f| (f, templates.pick(lang, f)))
        .collect();
    let mut diags = Diagnostics::default();
    type Rendered = std::result::Result<Vec<(OutFile, super::manifest::FileHash)>, Diagnostic>;
    // Rendered and hashed on every core; written by one thread (parallel
    // creates in one folder only contend for it), each chunk while the next
    // is rendered; listed in employee order.
    let render = |(employees, fbs): (&[EmployeeResult], &[EmployeeFeedback])| -> Vec<Rendered> {
        employees
            .par_iter()
            .zip(fbs)
            .map(|(r, fb)| {
                let st = statement(lp, data, run, r, fb, lang);
                let subject = format!("the statement of employee {}", st.employee.id);
                names
                    .iter()
                    .map(|(format, name)| {
                        let text = templates.render(name, &st, &subject)?;
                        let f = OutFile {
                            rel: format!("feedback/{}.{}", st.employee.id, format.ext()),
                            bytes: text.into_bytes(),
                            rows: 1,
                        };
                        let hash = super::manifest::hash(&f);
                        Ok((f, hash))
                    })
                    .collect()
            })
            .collect()
    };
    let mut hashes = Vec::with_capacity(2 * run.employees.len());
    let mut chunks = run.employees.chunks(4096).zip(feedback.chunks(4096));
    let mut ready = chunks.next().map(render).unwrap_or_default();
    loop {
        let next = chunks.next();
        let write = |ready: Vec<Rendered>,
                     diags: &mut Diagnostics,
                     hashes: &mut Vec<super::manifest::FileHash>|
         -> Result<()> {
            for r in ready {
                match r {
                    Ok(files) if !diags.has_errors() => {
                        for (f, hash) in files {
                            staging.write_in_existing(&f.rel, &f.bytes)?;
                            hashes.push(hash);
                        }
                    }
                    Ok(_) => {}
                    // One template error usually hits every employee: report it once.
                    Err(d) if diags.0.iter().any(|x| x.line == d.line && x.file == d.file) => {}
                    Err(d) => diags.push(d),
                }
            }
            Ok(())
        };
        let (written, rendered) = rayon::join(
            || write(std::mem::take(&mut ready), &mut diags, &mut hashes),
            || next.map(render),
        );
        written?;
        match rendered {
            Some(r) => ready = r,
            None => break,
        }
    }
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    Ok(hashes)
}

/// `recognition.csv`: one row per award, by employee then rule order.
pub fn recognition_csv(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    feedback: &[EmployeeFeedback],
) -> OutFile {
    let mut c = Csv::with_header(&[
        "employee_id",
        "name",
        "department",
        "period",
        "rule",
        "kind",
        "award_zh",
        "award_en",
    ]);
    let mut rows = 0;
    for (r, fb) in run.employees.iter().zip(feedback) {
        let e = &data.employees[r.employee];
        for &i in &fb.awards {
            let rule = &lp.policy.recognition[i];
            c.text(&e.id)
                .text(&e.name)
                .text(&e.department)
                .text(&run.period.label)
                .text(&rule.id)
                .text(rule.kind.as_str())
                .text(&rule.award.zh)
                .text(&rule.award.en);
            c.end();
            rows += 1;
        }
    }
    OutFile {
        rel: "recognition.csv".into(),
        bytes: c.finish().into_bytes(),
        rows,
    }
}

impl Statement {
    /// A statement with every optional part present, for checking templates.
    pub fn sample(lang: Language) -> Statement {
        let s = |x: &str| x.to_string();
        let kpi = |id: &str, name: &str, met: bool| KpiRow {
            id: s(id),
            name: s(name),
            team: !met,
            unit: s("count"),
            direction: "higher",
            actual: s("1,050"),
            target: s("1,000"),
            target_source: s("targets table"),
            achievement: s("105.00%"),
            score: s("107.50"),
            weight: s("30%"),
            contribution: s("32.25"),
            met,
            bar: s("210"),
            actual_exact: s("1050"),
            target_exact: s("1000"),
            achievement_exact: s("1.0500"),
        };
        let hl = |gap: Option<&str>| Highlight {
            name: s("GMV"),
            team: false,
            actual: s("1,050"),
            target: s("1,000"),
            achievement: s("105.00%"),
            gap: gap.map(s),
        };
        Statement {
            lang: lang.code(),
            policy: PolicyInfo {
                id: s("sample"),
                version: s("1"),
                title: s("Sample plan"),
            },
            period: PeriodInfo {
                label: s("2026-Q3"),
                start: s("2026-07-01"),
                end: s("2026-09-30"),
                days: 92,
            },
            currency: s("CNY"),
            employee: EmployeeInfo {
                id: s("E000"),
                name: s("Sample"),
                department: s("growth"),
                role: s("commerce"),
                role_name: s("Commerce"),
                hire_date: s("2020-01-01"),
                termination_date: Some(s("2026-09-15")),
                manager_id: Some(s("E001")),
            },
            kpis: vec![kpi("gmv", "GMV", true), kpi("dau", "DAU", false)],
            review: Some(ReviewRow {
                rating: s("4"),
                score: s("115"),
                weight: s("20%"),
                contribution: s("23"),
            }),
            review_missing: true,
            score: s("101.25"),
            rating: RatingInfo {
                band: s("B"),
                name: s("Good"),
            },
            bonus: BonusInfo {
                target_bonus: s("10,000.00"),
                formula_bonus: s("10,125.00"),
                cap: Some(s("15,000.00")),
                capped: true,
                days_employed: 77,
                period_days: 92,
                prorated: true,
                pool: Some(PoolInfo {
                    pool: s("growth"),
                    factor: s("0.95"),
                    before: s("8,474.18"),
                }),
                bonus: s("8,050.47"),
                projects: vec![ProjectRow {
                    name: s("Launch"),
                    amount: s("1,000.00"),
                }],
                project_bonus: s("1,000.00"),
                total: s("9,050.47"),
            },
            recognition: vec![AwardRow {
                id: s("public_praise"),
                kind: "recognition",
                award: s("Public praise"),
                reason: Some(s("Rated A")),
            }],
            strengths: vec![hl(None)],
            improvements: vec![hl(Some("50"))],
            actions: vec![s("Pair with a mentor")],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names() {
        assert_eq!(
            template_kind("templates/statement.md.j2"),
            Some((None, Format::Markdown))
        );
        assert_eq!(
            template_kind("templates/statement.zh-CN.html.j2"),
            Some((Some(Language::ZhCn), Format::Html))
        );
        assert_eq!(template_kind("templates/statement.fr.md.j2"), None);
        assert_eq!(template_kind("templates/statment.md.j2"), None);
        assert_eq!(template_kind("templates/statement.txt.j2"), None);
    }

    fn loaded(files: &[(&str, &str)]) -> (Templates, Diagnostics) {
        let files: Vec<PolicyFileBytes> = files
            .iter()
            .map(|(rel, text)| PolicyFileBytes {
                rel: rel.to_string(),
                bytes: text.as_bytes().to_vec(),
            })
            .collect();
        let mut diags = Diagnostics::default();
        let t = Templates::load(Path::new("pol"), &files, &mut diags);
        (t, diags)
    }

    #[test]
    fn builtin_templates_render_the_sample_in_both_languages() {
        let (t, diags) = loaded(&[]);
        assert!(diags.0.is_empty(), "{diags}");
        for lang in Language::ALL {
            for f in Format::ALL {
                let name = t.pick(lang, f);
                assert!(name.starts_with(BUILTIN_PREFIX));
                let out = t.render(&name, &Statement::sample(lang), "x").unwrap();
                assert!(out.contains("Sample"), "{out}");
                assert!(out.contains("8,050.47"), "{out}");
                assert!(out.contains("Pair with a mentor"), "{out}");
            }
        }
    }

    #[test]
    fn policy_templates_win_and_their_errors_are_located() {
        let (t, diags) = loaded(&[
            ("templates/statement.md.j2", "{{ employee.name }}\n"),
            ("templates/statement.en.md.j2", "EN {{ employee.name }}\n"),
        ]);
        assert!(diags.0.is_empty(), "{diags}");
        assert_eq!(
            t.pick(Language::En, Format::Markdown),
            "templates/statement.en.md.j2"
        );
        assert_eq!(
            t.pick(Language::ZhCn, Format::Markdown),
            "templates/statement.md.j2"
        );
        let mut st = Statement::sample(Language::En);
        st.employee.name = "<b>|x|</b>".into();
        assert_eq!(
            t.render("templates/statement.md.j2", &st, "x").unwrap(),
            "\\<b\\>\\|x\\|\\</b\\>\n"
        );

        let (_, diags) = loaded(&[(
            "templates/statement.html.j2",
            "<p>\n{{ employee.name }\n</p>",
        )]);
        let d = diags.errors().next().expect("a syntax error");
        assert_eq!(
            d.file,
            Path::new("pol/templates/statement.html.j2")
                .display()
                .to_string()
        );
        assert_eq!(d.line, Some(2), "{d}");
        assert!(d.message.contains("syntax error"), "{d}");

        let (_, diags) = loaded(&[(
            "templates/statement.html.j2",
            "<p>\n  {{ employee.nmae }}\n</p>",
        )]);
        let d = diags.errors().next().expect("an undefined variable");
        assert_eq!((d.line, d.col), (Some(2), Some(6)), "{d}");
        assert!(d.message.contains("while rendering a sample"), "{d}");
        assert!(d.message.contains("undefined"), "{d}");

        let (_, diags) = loaded(&[("templates/statment.md.j2", "x")]);
        assert!(!diags.has_errors());
        assert!(diags.0[0].message.contains("not used"), "{diags}");
    }
}
