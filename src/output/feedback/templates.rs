//! The statement templates: merit's built-in ones, a policy folder's
//! replacements, and how each output format escapes values.

use super::Statement;
use crate::error::{Diagnostic, Diagnostics};
use crate::output::display::md_escape;
use crate::policy::{Language, PolicyFileBytes};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const BUILTIN_MD: &str = include_str!("../templates/statement.md.j2");
const BUILTIN_HTML: &str = include_str!("../templates/statement.html.j2");
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
    pub(super) const ALL: [Format; 2] = [Format::Markdown, Format::Html];
}

/// The statement templates: built-in ones plus any in the policy folder.
pub struct Templates {
    env: Environment<'static>,
    /// The built-in templates specialised per language (builtin.rs), apart
    /// so that policy templates see the same environment as before.
    builtin: Environment<'static>,
    /// Policy-folder templates present, by relative path.
    user: BTreeSet<String>,
    dir: PathBuf,
}

/// Template instructions one statement may run: the built-in templates need
/// a few thousand; a runaway loop stops here instead of hanging (issue 15).
const STATEMENT_FUEL: u64 = 20_000_000;
/// Bytes one rendered statement may have.
const MAX_STATEMENT_BYTES: usize = 4 << 20;

/// A rendered statement, refused when larger than [`MAX_STATEMENT_BYTES`].
fn bounded(text: String) -> std::result::Result<String, minijinja::Error> {
    if text.len() <= MAX_STATEMENT_BYTES {
        return Ok(text);
    }
    Err(minijinja::Error::new(
        minijinja::ErrorKind::InvalidOperation,
        format!(
            "the statement is {} bytes, over the limit of {} MiB",
            text.len(),
            MAX_STATEMENT_BYTES >> 20
        ),
    ))
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(STATEMENT_FUEL));
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
        // Markdown is the only custom mode: matched without comparing names.
        if matches!(state.auto_escape(), AutoEscape::Custom(_)) && !v.is_safe() {
            // Most values are text: escaped without a copy made first.
            let written = match v.as_str() {
                Some(text) => out.write_str(&md_escape(text)),
                None => out.write_str(&md_escape(&v.to_string())),
            };
            written.map_err(|_| minijinja::Error::from(minijinja::ErrorKind::WriteFailure))
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

fn builtin(format: Format) -> &'static str {
    match format {
        Format::Markdown => BUILTIN_MD,
        Format::Html => BUILTIN_HTML,
    }
}

/// A built-in template, specialised for `lang` (builtin.rs).
fn builtin_name(lang: Language, format: Format) -> String {
    format!(
        "{BUILTIN_PREFIX}{}/statement.{}.j2",
        lang.code(),
        format.ext()
    )
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
        let mut specialised = environment();
        // The built-in templates are tested to compile (templates::tests).
        for format in Format::ALL {
            let name = format!("{BUILTIN_PREFIX}statement.{}.j2", format.ext());
            env.add_template_owned(name, builtin(format))
                .expect("built-in templates compile");
            for lang in Language::ALL {
                // Cannot fail on any policy: specialise() only replaces
                // whole `{{ t.NAME }}` expressions by brace-free text, and
                // the `specialised` tests render every result.
                let name = builtin_name(lang, format);
                let source = super::builtin::specialise(&env, &name, builtin(format), lang.code());
                specialised
                    .add_template_owned(name, source)
                    .expect("built-in templates compile");
            }
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
            builtin: specialised,
            user,
            dir: dir.to_path_buf(),
        };
        for (rel, lang, text) in &sources {
            let langs = lang.map_or(Language::ALL.to_vec(), |l| vec![l]);
            for lang in langs {
                // Every rel in sources was added to env just above.
                let tmpl = templates.env.get_template(rel).expect("added above");
                if let Err(e) = tmpl.render(Statement::sample(lang)).and_then(bounded) {
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
        builtin_name(lang, format)
    }

    /// Renders a statement, given as a [`Statement`] or, to render several
    /// formats of one statement, as the `minijinja::Value` made from it once.
    pub fn render<S: serde::Serialize>(
        &self,
        name: &str,
        statement: &S,
        subject: &str,
    ) -> std::result::Result<String, Diagnostic> {
        let env = match name.starts_with(BUILTIN_PREFIX) {
            true => &self.builtin,
            false => &self.env,
        };
        let tmpl = env
            .get_template(name)
            // pick() returns a user template present in env or a built-in one.
            .expect("picked from known names");
        tmpl.render(statement).and_then(bounded).map_err(|e| {
            let (path, source) = match name.strip_prefix(BUILTIN_PREFIX) {
                Some(n) => (
                    PathBuf::from(format!(
                        "<merit built-in {}>",
                        n.rsplit('/').next().unwrap_or(n)
                    )),
                    tmpl.source(),
                ),
                None => (self.dir.join(name), tmpl.source()),
            };
            template_error(&path, source, &e, subject)
        })
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

#[cfg(test)]
mod specialised {
    use super::*;
    use crate::output::feedback::statement::{BalanceRows, ClawbackRow, CommissionRow, SpanRow};

    /// The sample with every optional part absent, and one with the rows
    /// of commission, clawback, draw and span plans.
    fn variants(lang: Language) -> Vec<Statement> {
        let full = Statement::sample(lang);
        let mut bare = full.clone();
        bare.review = None;
        bare.review_missing = false;
        let r = &mut bare.rating;
        (r.min_score, r.next_band, r.next_min_score) = (None, None, None);
        (r.calibrated_from, r.multiplier, r.name) = (None, None, String::new());
        let b = &mut bare.bonus;
        (b.cap, b.pool, b.proration_den, b.prorated) = (None, None, None, false);
        (bare.recognition, bare.strengths, bare.improvements) = (vec![], vec![], vec![]);
        (bare.actions, bare.appeal) = (vec![], None);
        bare.employee.parent_department = None;
        bare.employee.cost_centre = None;
        let mut plans = full.clone();
        let b = &mut plans.bonus;
        b.proration_den = None;
        b.commissions = vec![CommissionRow {
            name: "Deals".into(),
            credited: "1,000.00".into(),
            quota: Some("900.00".into()),
            amount: "50.00".into(),
        }];
        b.clawbacks = vec![ClawbackRow {
            deal: "D1".into(),
            refunded: "10.00".into(),
            deal_amount: "100.00".into(),
            amount: "-1.00".into(),
        }];
        b.balance = Some(BalanceRows {
            draw: "5.00".into(),
            recovered: "1.00".into(),
            carried: "0.00".into(),
            owed_after: "4.00".into(),
        });
        b.spans = vec![SpanRow {
            from: "2026-07-01".into(),
            to: "2026-08-15".into(),
            role_name: "Commerce".into(),
            target_bonus: "5,000.00".into(),
            score: "101".into(),
            band: "B".into(),
            proration: "46/92".into(),
            bonus: "2,500.00".into(),
        }];
        vec![full, bare, plans]
    }

    #[test]
    fn builtin_templates_print_what_their_unspecialised_source_does() {
        let mut generic = environment();
        for f in Format::ALL {
            let name = format!("generic/statement.{}.j2", f.ext());
            generic.add_template_owned(name, builtin(f)).unwrap();
        }
        let t = Templates::load(Path::new("pol"), &[], &mut Diagnostics::default());
        for lang in Language::ALL {
            for f in Format::ALL {
                let name = t.pick(lang, f);
                let labels = |s: &str| s.matches("{{ t.").count();
                let tmpl = t.builtin.get_template(&name).unwrap();
                assert!(
                    labels(tmpl.source()) * 4 < labels(builtin(f)),
                    "labels inlined"
                );
                let g = generic
                    .get_template(&format!("generic/statement.{}.j2", f.ext()))
                    .unwrap();
                for st in variants(lang) {
                    let want = g.render(&st).unwrap();
                    assert_eq!(t.render(&name, &st, "x").unwrap(), want);
                }
            }
        }
    }
}
