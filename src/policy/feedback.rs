//! The policy's `recognition:` and `feedback:` sections — non-material
//! incentives and what statements say — with their load-time checks: each
//! Rhai condition is compiled once (errors located in `policy.yaml`), and the
//! statement templates of the policy folder are compiled and test-rendered.
//! Keys are documented in `docs/policy.md`.

use super::lint::Names as Lint;
use super::locate::{locate, Seg};
use super::model::{Language, Names, Policy};
use super::validate::Ctx;
use crate::error::{Diagnostic, Diagnostics};
use crate::script::{CompiledScript, ScriptEngine};
use rhai::{Map, Scope};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeSet;

/// A non-material incentive (公开表扬, 荣誉证书, training, promotion
/// nomination, …) awarded to every employee whose results meet `when`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecognitionRule {
    /// Identifier written to `recognition.csv` (lower-case letters, digits, `_`).
    pub id: String,
    /// What the employee receives, e.g. `{ zh: 公开表扬, en: Public praise }`.
    pub award: Names,
    /// Kind of incentive, from the source article's list.
    #[serde(default)]
    pub kind: AwardKind,
    /// Rhai expression over the bonus script's inputs plus `payout`; the
    /// award is given when it is `true`.
    pub when: String,
    /// Why the award is given, shown in statements.
    pub reason: Option<Names>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AwardKind {
    /// Recognition: public praise, honour certificate.
    #[default]
    Recognition,
    /// Career development: training courses.
    Training,
    /// Career development: promotion nomination.
    Promotion,
    /// More autonomy: a part in operating decisions.
    Autonomy,
    /// Team activities.
    TeamActivity,
}

impl AwardKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AwardKind::Recognition => "recognition",
            AwardKind::Training => "training",
            AwardKind::Promotion => "promotion",
            AwardKind::Autonomy => "autonomy",
            AwardKind::TeamActivity => "team_activity",
        }
    }
}

/// What statements list besides the numbers.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    /// How many of the best KPIs at or above target are listed as strengths.
    #[serde(default = "two")]
    pub strengths: usize,
    /// How many of the weakest KPIs below target are listed as areas to improve.
    #[serde(default = "two")]
    pub improvements: usize,
    /// Advice shown under "suggested actions" when its condition holds.
    #[serde(default)]
    pub suggested_actions: Vec<SuggestedAction>,
    /// How to question the result: whom to ask and by when (申诉).
    pub appeal: Option<super::appeal::Appeal>,
}

fn two() -> usize {
    2
}

impl Default for Feedback {
    fn default() -> Self {
        Feedback {
            strengths: two(),
            improvements: two(),
            suggested_actions: Vec::new(),
            appeal: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestedAction {
    /// Identifier (lower-case letters, digits, `_`).
    pub id: String,
    /// Rhai expression, as for recognition rules.
    pub when: String,
    /// The advice.
    pub text: Names,
}

impl Language {
    /// The code used in `policy.yaml`, `--lang` and templates.
    pub fn code(self) -> &'static str {
        match self {
            Language::ZhCn => "zh-CN",
            Language::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Language> {
        match s {
            "zh-CN" => Some(Language::ZhCn),
            "en" => Some(Language::En),
            _ => None,
        }
    }
    pub const ALL: [Language; 2] = [Language::ZhCn, Language::En];
}

impl Names {
    pub fn get(&self, lang: Language) -> &str {
        match lang {
            Language::ZhCn => &self.zh,
            Language::En => &self.en,
        }
    }
}

/// Where a condition's text starts in `policy.yaml`, to map Rhai positions
/// (relative to the expression) to the file.
#[derive(Debug, Clone, Copy)]
struct Origin {
    line: usize,
    col: usize,
    /// A `|` block: expression lines are file lines.
    literal_block: bool,
}

impl Origin {
    fn find(text: &str, at: &[Seg]) -> Option<Origin> {
        let (line, col) = locate(text, at)?;
        let src = text.lines().nth(line - 1)?;
        let chars: Vec<char> = src.chars().collect();
        let mut i = col - 1;
        while i < chars.len() && chars[i] != ':' {
            i += 1;
        }
        i += 1;
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        match chars.get(i) {
            Some('|' | '>') => {
                let literal_block = chars[i] == '|';
                let (n, next) = text
                    .lines()
                    .enumerate()
                    .skip(line)
                    .find(|(_, l)| !l.trim().is_empty())?;
                let indent = next.len() - next.trim_start_matches(' ').len();
                Some(Origin {
                    line: n + 1,
                    col: indent + 1,
                    literal_block,
                })
            }
            Some('\'' | '"') => Some(Origin {
                line,
                col: i + 2,
                literal_block: false,
            }),
            Some(_) => Some(Origin {
                line,
                col: i + 1,
                literal_block: false,
            }),
            None => Some(Origin {
                line,
                col,
                literal_block: false,
            }),
        }
    }

    fn map(&self, line: usize, col: usize) -> (usize, usize) {
        if self.literal_block {
            (self.line + line - 1, self.col + col - 1)
        } else if line == 1 {
            (self.line, self.col + col - 1)
        } else {
            (self.line, self.col)
        }
    }
}

/// A compiled `when` condition.
pub struct Condition {
    /// `recognition rule 'x'` or `suggested action 'x'`, for messages.
    pub what: String,
    pub script: CompiledScript,
    origin: Option<Origin>,
}

impl Condition {
    /// Places a diagnostic from the Rhai engine (positions relative to the
    /// expression) in `policy.yaml`, and names the rule.
    pub fn relocate(&self, mut d: Diagnostic, yaml_text: &str) -> Diagnostic {
        d.message = format!("{}: {}", self.what, d.message);
        d.source_line = None;
        if let Some(o) = &self.origin {
            let (line, col) = o.map(d.line.unwrap_or(1), d.col.unwrap_or(1));
            d = d.at(line, col).with_source(yaml_text);
        }
        d
    }
}

impl Condition {
    /// Reports what the static checks find in the compiled condition.
    fn lint(&self, names: &Lint, script: &CompiledScript, ctx: &Ctx, diags: &mut Diagnostics) {
        for f in names.check(&script.ast, true) {
            let (line, col) = (f.pos.line().unwrap_or(1), f.pos.position().unwrap_or(1));
            let d = match f.warning {
                true => Diagnostic::warning(ctx.path, f.message),
                false => Diagnostic::error(ctx.path, f.message),
            };
            let d = d.at(line, col);
            diags.push(self.relocate(d, ctx.text));
        }
    }
}

/// The recognition rules, suggested actions and templates, ready to run.
pub struct CompiledFeedback {
    /// One per `policy.recognition` rule, in order.
    pub recognition: Vec<Condition>,
    /// One per `policy.feedback.suggested_actions` entry, in order.
    pub actions: Vec<Condition>,
}

/// The variables a condition can read, for compiling with strict variables.
/// (Not constants here: the optimiser would fold the placeholders in.)
pub fn compile_scope(policy: &Policy) -> Scope<'static> {
    let _ = policy;
    let mut s = crate::script::Purpose::Bonus.compile_scope();
    s.push("payout", Map::new());
    s
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks and compiles the recognition rules and suggested actions
/// (statement templates are checked by the output stage, through
/// [`super::load_with`]); problems go to `diags`.
pub(super) fn compile(
    ctx: &Ctx,
    policy: &Policy,
    engine: &ScriptEngine,
    diags: &mut Diagnostics,
) -> CompiledFeedback {
    let scope = compile_scope(policy);
    let names = Lint::condition(policy);
    let condition =
        |section: &[Seg], i: usize, what: String, id: &str, when: &str, diags: &mut Diagnostics| {
            let mut at: Vec<Seg> = section.to_vec();
            at.extend([Seg::Index(i), Seg::Key("id")]);
            if !is_identifier(id) {
                diags.push(ctx.error(
                    &at,
                    format!("{what}: the id must be lower-case letters, digits and _"),
                ));
            }
            *at.last_mut().expect("non-empty") = Seg::Key("when");
            let origin = Origin::find(ctx.text, &at);
            let mut c = Condition {
                what,
                script: CompiledScript {
                    path: ctx.path.to_path_buf(),
                    ast: rhai::AST::empty(),
                    text: "".into(),
                },
                origin,
            };
            if when.trim().is_empty() {
                diags.push(ctx.error(&at, format!("{}: the condition is empty", c.what)));
                return c;
            }
            match engine.compile(ctx.path, when, &scope) {
                Ok(script) => {
                    c.lint(&names, &script, ctx, diags);
                    c.script = script;
                }
                Err(d) => diags.push(c.relocate(d, ctx.text)),
            }
            c
        };

    let mut seen = BTreeSet::new();
    let mut recognition = Vec::new();
    for (i, r) in policy.recognition.iter().enumerate() {
        let what = format!("recognition rule '{}'", r.id);
        if !seen.insert(r.id.as_str()) {
            diags.push(ctx.error(
                &[Seg::Key("recognition"), Seg::Index(i), Seg::Key("id")],
                format!("{what} is defined twice"),
            ));
        }
        recognition.push(condition(
            &[Seg::Key("recognition")],
            i,
            what,
            &r.id,
            &r.when,
            diags,
        ));
    }
    let mut seen = BTreeSet::new();
    let mut actions = Vec::new();
    let section = [Seg::Key("feedback"), Seg::Key("suggested_actions")];
    for (i, a) in policy.feedback.suggested_actions.iter().enumerate() {
        let what = format!("suggested action '{}'", a.id);
        if !seen.insert(a.id.as_str()) {
            diags.push(ctx.error(
                &[section[0], section[1], Seg::Index(i), Seg::Key("id")],
                format!("{what} is defined twice"),
            ));
        }
        actions.push(condition(&section, i, what, &a.id, &a.when, diags));
    }
    CompiledFeedback {
        recognition,
        actions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_of_inline_quoted_and_block_conditions() {
        let doc = "\
recognition:
  - id: a
    when: 'score >= 120'
  - id: b
    when: score > 1
  - id: c
    when: |
      let s = score;
      s > 1
";
        let at = |i| [Seg::Key("recognition"), Seg::Index(i), Seg::Key("when")];
        let o = Origin::find(doc, &at(0)).unwrap();
        // `score` starts at column 12 of line 3; Rhai column 7 is `>=`.
        assert_eq!(o.map(1, 1), (3, 12));
        assert_eq!(o.map(1, 7), (3, 18));
        let o = Origin::find(doc, &at(1)).unwrap();
        assert_eq!(o.map(1, 1), (5, 11));
        let o = Origin::find(doc, &at(2)).unwrap();
        assert_eq!(o.map(2, 3), (9, 9));
    }
}
