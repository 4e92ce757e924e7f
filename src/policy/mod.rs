//! Stage 1: the policy folder — load `policy.yaml`, check it, compile its
//! scripts. Everything later in the pipeline takes a [`LoadedPolicy`] and can
//! rely on it being consistent (KPIs referenced exist, weights sum to 100,
//! curves are increasing, scripts compile).

pub mod appeal;
mod check_plan;
pub use check_plan::EMPLOYEE_COLUMNS;

/// The most KPIs a policy may define: a KPI line holds its KPI's index in
/// a `u16` (a run holds one line per employee and KPI).
pub const MAX_KPIS: usize = u16::MAX as usize;
pub mod currency;
pub mod curve;
pub mod feedback;
pub mod health;
pub mod lint;
mod lint_guard;
pub mod locate;
pub mod matrix;
pub mod model;
pub mod modifier;
pub mod payrun;
pub mod plan;
pub mod proration;
mod recover;
pub mod state;
mod structure;
pub mod targets;
mod validate;
pub mod weight;

pub use currency::{CurrencyConversion, FxRateRule};
pub use feedback::{
    AwardKind, CompiledFeedback, Condition, Feedback, RecognitionRule, SuggestedAction,
};
pub use health::Health;
pub use matrix::{Axis, Matrix, MatrixMode};
pub use model::*;
pub use modifier::Modifier;
pub use plan::*;
pub use proration::{Proration, UnpaidLeave};
pub use state::{Draw, YearEnd};
pub use targets::*;
pub use weight::Weight;

use crate::error::{Diagnostic, Diagnostics, Error, Result};
use crate::script::{CompiledScript, Purpose, ScriptEngine};
use locate::Seg;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const POLICY_FILE: &str = "policy.yaml";

/// A file of the policy folder, kept byte for byte for hashing and archiving.
#[derive(Debug, Clone)]
pub struct PolicyFileBytes {
    /// Path relative to the policy folder, with `/` separators.
    pub rel: String,
    pub bytes: Vec<u8>,
}

pub struct LoadedPolicy {
    pub dir: PathBuf,
    pub policy: Policy,
    pub yaml_text: String,
    pub files: Vec<PolicyFileBytes>,
    pub engine: ScriptEngine,
    pub scripts: Scripts,
    /// Recognition rules, suggested actions and statement templates.
    pub feedback: CompiledFeedback,
    pub warnings: Vec<Diagnostic>,
}

/// Every script of the policy, compiled once with the variables its use provides.
pub struct Scripts {
    pub bonus: CompiledScript,
    /// By scoring name.
    pub scoring: BTreeMap<String, CompiledScript>,
    /// By file name (target scripts may be nested in max/min/fallback).
    pub target: BTreeMap<String, CompiledScript>,
    /// By role.
    pub weights: BTreeMap<String, CompiledScript>,
}

impl LoadedPolicy {
    pub fn yaml_path(&self) -> PathBuf {
        self.dir.join(POLICY_FILE)
    }
    pub fn kpi(&self, id: &str) -> Option<&Kpi> {
        self.policy.kpis.iter().find(|k| k.id == id)
    }
}

/// Reads every file below `dir` (sorted by relative path), except what
/// merit itself keeps there: a run folder written inside it, a staging
/// folder or lock of a run under way, a run ledger (SQLite) and its
/// journals; each is named in a warning so nothing is left out silently.
pub fn read_folder(dir: &Path) -> Result<(Vec<PolicyFileBytes>, Vec<Diagnostic>)> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    walk_policy(dir, dir, &mut out, &mut skipped)?;
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    let ledgers: Vec<String> = out
        .iter()
        .filter(|f| f.bytes.starts_with(SQLITE))
        .map(|f| f.rel.clone())
        .collect();
    out.retain(|f| {
        let journal = ["-journal", "-wal", "-shm"].iter().any(|j| {
            f.rel
                .strip_suffix(j)
                .is_some_and(|db| ledgers.iter().any(|l| l == db))
        });
        let keep = !(ledgers.contains(&f.rel) || journal);
        if !keep {
            skipped.push((f.rel.clone(), "a run ledger (SQLite database)"));
        }
        keep
    });
    skipped.sort();
    let warnings = skipped
        .into_iter()
        .map(|(rel, what)| {
            Diagnostic::warning(
                dir.join(&rel),
                format!("not read as part of the policy: {what}"),
            )
        })
        .collect();
    Ok((out, warnings))
}

/// The marker output::atomic leaves in a staging folder, and the end of
/// its lock files' names (defined here, below output, so that both the
/// writer and the policy folder's reader use the one name).
pub const STAGING_MARKER: &str = ".merit-staging";
pub const LOCK_SUFFIX: &str = ".merit-lock";

/// The first bytes of every SQLite database file.
const SQLITE: &[u8] = b"SQLite format 3\0";

fn walk_policy(
    root: &Path,
    dir: &Path,
    out: &mut Vec<PolicyFileBytes>,
    skipped: &mut Vec<(String, &'static str)>,
) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
        let rel = path
            .strip_prefix(root)
            // read_dir(dir) yields dir/NAME, and dir lies below root.
            .expect("read_dir yields paths below root");
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if ft.is_dir() {
            if path.join("manifest.json").is_file() && path.join("archive").is_dir() {
                skipped.push((rel, "a run folder written inside the policy folder"));
            } else if path.join(STAGING_MARKER).exists() {
                skipped.push((rel, "the staging folder of a run under way"));
            } else {
                walk_policy(root, &path, out, skipped)?;
            }
        } else if rel.ends_with(LOCK_SUFFIX) {
            skipped.push((rel, "the lock of a run under way"));
        } else if ft.is_file() {
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            out.push(PolicyFileBytes { rel, bytes });
        } else {
            skipped.push((
                rel,
                "not a regular file (a link, FIFO or device); copy the file in",
            ));
        }
    }
    Ok(())
}

/// Loads and checks a policy folder; every problem found is returned at once.
pub fn load(dir: &Path) -> Result<LoadedPolicy> {
    load_with(dir, |_, _, _| ()).map(|(lp, ())| lp)
}

/// [`load`], with `extra` checking what a later stage reads from the folder
/// (statement templates) in the same pass, so that every problem is still
/// reported at once and the policy never depends on that stage.
pub fn load_with<T>(
    dir: &Path,
    extra: impl FnOnce(&Path, &[PolicyFileBytes], &mut Diagnostics) -> T,
) -> Result<(LoadedPolicy, T)> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "policy folder '{}' does not exist",
            dir.display()
        )));
    }
    let (files, skipped) = read_folder(dir)?;
    let yaml_path = dir.join(POLICY_FILE);
    let yaml_text = yaml_text(&files, &yaml_path)?;
    let (mut parsed, mut diags) = parse(&yaml_path, &yaml_text)?;
    for w in skipped {
        diags.push(w);
    }
    let Some(policy) = parsed.policy.take() else {
        return Err(Error::Invalid(diags));
    };

    // The semantic checks run on what could be read, so one pass shows all.
    let mut semantic = Diagnostics::default();
    let ctx = validate::Ctx {
        path: &yaml_path,
        text: &yaml_text,
    };
    validate::policy(&ctx, &policy, &mut semantic);
    let engine = ScriptEngine::new(&policy.rounding);
    let scripts = compile_scripts(&ctx, dir, &files, &policy, &engine, &mut semantic);
    let feedback = feedback::compile(&ctx, &policy, &engine, &mut semantic);
    let extra = extra(dir, &files, &mut semantic);
    semantic.0.retain(|d| !parsed.echoes_removed(d));
    diags.extend(semantic);
    let warnings = diags.into_result()?;
    let lp = LoadedPolicy {
        dir: dir.to_path_buf(),
        policy,
        yaml_text,
        files,
        engine,
        // compile_scripts returns None only after pushing an error, and into_result above returned on errors.
        scripts: scripts.expect("no errors means the script compiled"),
        feedback,
        warnings,
    };
    Ok((lp, extra))
}

/// The text of `policy.yaml`, which every policy folder has.
fn yaml_text(files: &[PolicyFileBytes], yaml_path: &Path) -> Result<String> {
    let Some(yaml) = files.iter().find(|f| f.rel == POLICY_FILE) else {
        return Err(Error::one(Diagnostic::error(
            yaml_path,
            format!("a policy folder needs a {POLICY_FILE}"),
        )));
    };
    match String::from_utf8(yaml.bytes.clone()) {
        Ok(t) => Ok(t),
        Err(_) => Err(Error::one(Diagnostic::error(
            yaml_path,
            "not valid UTF-8 text",
        ))),
    }
}

/// What `policy.yaml` gave: the policy, or after structural errors what
/// recovery could read of it and the names of the parts it set aside.
struct Parsed {
    policy: Option<Policy>,
    removed: Vec<String>,
}

impl Parsed {
    /// A later finding about something set aside (quoted by name) only
    /// repeats a structural error already reported.
    fn echoes_removed(&self, d: &Diagnostic) -> bool {
        self.removed.iter().any(|n| {
            ["'", "`", "\""]
                .iter()
                .any(|q| d.message.contains(&format!("{q}{n}{q}")))
        })
    }
}

/// Parses `policy.yaml`, part by part and then recovering after each error,
/// so that every structural error is reported at once; the warnings found
/// so far come back with the policy.
fn parse(yaml_path: &Path, yaml_text: &str) -> Result<(Parsed, Diagnostics)> {
    structure::check_size(yaml_path, yaml_text)?;
    let value: serde_yaml::Value = serde_yaml::from_str(yaml_text)
        .map_err(|e| Error::one(yaml_error(yaml_path, yaml_text, &e)))?;
    let mut diags = Diagnostics::default();
    structure::check_parts(yaml_path, yaml_text, &value, &mut diags);
    match serde_yaml::from_str::<Policy>(yaml_text) {
        Ok(policy) if !diags.has_errors() => {
            let parsed = Parsed {
                policy: Some(policy),
                removed: Vec::new(),
            };
            return Ok((parsed, diags));
        }
        Ok(_) => {}
        Err(e) => push_new(
            &mut diags,
            structure::improve(yaml_error(yaml_path, yaml_text, &e)),
        ),
    }
    let rec = recover::recover(yaml_path, yaml_text, &value);
    for d in rec.diags {
        push_new(&mut diags, d);
    }
    diags.0.sort_by_key(|d| (d.line, d.col));
    let parsed = Parsed {
        policy: rec.policy,
        removed: rec.removed,
    };
    Ok((parsed, diags))
}

/// The same problem found by two passes is reported once, at the more
/// specific place (`kpis[0].aggregate: …` rather than `kpis[0]: …`); the
/// same message at two unrelated places (`recognition[0]`, `[6]`) is two.
fn push_new(diags: &mut Diagnostics, d: Diagnostic) {
    fn split(m: &str) -> (&str, String) {
        let (place, body) = match m.split_once(": ") {
            Some((place, body)) if !place.contains(' ') => (place, body),
            _ => ("", m),
        };
        // serde's "missing field `x`" and recovery's "missing key 'x'".
        (
            place,
            body.replace("missing field `", "missing key '")
                .replace('`', "'"),
        )
    }
    let (place, body) = split(&d.message);
    let related = |p: &str| p.starts_with(place) || place.starts_with(p);
    let same = |x: &Diagnostic| {
        let (p, b) = split(&x.message);
        (b == body && related(p)) || (x.line.is_some() && (x.line, x.col) == (d.line, d.col))
    };
    match diags.0.iter().position(same) {
        Some(i)
            if split(&diags.0[i].message).0.len() < place.len()
                && split(&diags.0[i].message).1 == body =>
        {
            diags.0[i] = d
        }
        Some(_) => {}
        None => diags.push(d),
    }
}

/// Compiles every script the policy names, each once with the variables of
/// its purpose. `None` when the bonus script failed, which `diags` then says.
fn compile_scripts(
    ctx: &validate::Ctx,
    dir: &Path,
    files: &[PolicyFileBytes],
    policy: &Policy,
    engine: &ScriptEngine,
    diags: &mut Diagnostics,
) -> Option<Scripts> {
    use Seg::Key;
    let texts: BTreeMap<&str, &[u8]> = files
        .iter()
        .map(|f| (f.rel.as_str(), f.bytes.as_slice()))
        .collect();
    let bonus = match policy.bonus.script.as_str() {
        // No script: the built-in formula, reported against policy.yaml.
        "" => engine
            .compile(
                ctx.path,
                model::BUILTIN_BONUS,
                &Purpose::Bonus.compile_scope(),
            )
            .map_err(|d| diags.push(d))
            .ok(),
        file => validate::script(
            ctx,
            dir,
            &[Key("bonus"), Key("script")],
            file,
            &texts,
            engine,
            Purpose::Bonus,
            diags,
        ),
    };
    if let (Some(b), false) = (&bonus, policy.bonus.script.is_empty()) {
        for f in lint::Names::bonus(policy).check(&b.ast, false) {
            let (line, col) = (f.pos.line().unwrap_or(1), f.pos.position().unwrap_or(1));
            let d = match f.warning {
                true => Diagnostic::warning(&b.path, f.message),
                false => Diagnostic::error(&b.path, f.message),
            };
            diags.push(d.at(line, col).with_source(&b.text));
        }
    }
    let mut compile = |at: &[Seg], file: &str, purpose: Purpose| {
        validate::script(ctx, dir, at, file, &texts, engine, purpose, diags)
    };
    let scoring = scoring_scripts(policy, &mut compile);
    let target = target_scripts(policy, &mut compile);
    let weights = weights_scripts(policy, &mut compile);
    Some(Scripts {
        bonus: bonus?,
        scoring,
        target,
        weights,
    })
}

/// Compiles one script: where the policy names it, its file, its purpose.
type Compile<'c> = dyn FnMut(&[Seg], &str, Purpose) -> Option<CompiledScript> + 'c;

fn scoring_scripts(policy: &Policy, compile: &mut Compile) -> BTreeMap<String, CompiledScript> {
    use Seg::Key;
    let mut scoring = BTreeMap::new();
    for (name, rule) in &policy.scorings {
        if let Scoring::Script(file) = rule {
            if let Some(s) = compile(
                &[Key("scorings"), Key(name), Key("script")],
                file,
                Purpose::Scoring,
            ) {
                scoring.insert(name.clone(), s);
            }
        }
    }
    scoring
}

/// By file: a script shared by several KPIs (or nested in max/min) is
/// compiled once, located at the first KPI that uses it.
fn target_scripts(policy: &Policy, compile: &mut Compile) -> BTreeMap<String, CompiledScript> {
    use Seg::{Index, Key};
    let mut target = BTreeMap::new();
    for (i, k) in policy.kpis.iter().enumerate() {
        let mut files = Vec::new();
        k.target.walk(&mut |s| {
            if let TargetSource::Script(file) = s {
                files.push(file.clone());
            }
        });
        for file in files {
            if let std::collections::btree_map::Entry::Vacant(slot) = target.entry(file) {
                let at = [Key("kpis"), Index(i), Key("target")];
                if let Some(s) = compile(&at, slot.key(), Purpose::Target) {
                    slot.insert(s);
                }
            }
        }
    }
    target
}

fn weights_scripts(policy: &Policy, compile: &mut Compile) -> BTreeMap<String, CompiledScript> {
    use Seg::Key;
    let mut weights = BTreeMap::new();
    for (role, r) in &policy.roles {
        if let Some(file) = &r.weights_script {
            if let Some(s) = compile(
                &[Key("roles"), Key(role), Key("weights_script")],
                file,
                Purpose::Weights,
            ) {
                weights.insert(role.clone(), s);
            }
        }
    }
    weights
}

pub(crate) fn yaml_error(path: &Path, text: &str, e: &serde_yaml::Error) -> Diagnostic {
    let mut msg = e.to_string();
    // serde_yaml appends " at line L column C"; the location goes in front instead.
    if let Some(i) = msg.find(" at line ") {
        msg.truncate(i);
    }
    let d = Diagnostic::error(path, msg);
    match e.location() {
        Some(loc) => d.at(loc.line(), loc.column()).with_source(text),
        None => d,
    }
}

pub use crate::error::{did_you_mean, hint};
