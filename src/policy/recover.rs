//! Recovery after structural errors, so one `check` reports everything.
//!
//! serde stops at the first error. Here the parsed YAML tree is deserialised
//! again and again: each error is reported at its key, then the part it sits
//! in is set aside and the rest is tried once more. What is left is a
//! policy the semantic checks can still read; their findings that only echo
//! a part set aside (a role weighing a KPI that was dropped for a typo) are
//! left out, as a compiler does after a syntax error.

use super::locate::{locate, Seg};
use super::model::Policy;
use super::structure::improve;
use crate::error::{did_you_mean, Diagnostic};
use serde_path_to_error::Segment;
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// More problems than this in one file are not worth listing.
const MAX_ROUNDS: usize = 200;

/// A path step in the original document (indices before any removal).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    Index(usize),
}

/// What recovery found.
pub(super) struct Recovered {
    /// The policy without the parts set aside; `None` when a required part
    /// of the policy itself could not be read.
    pub policy: Option<Policy>,
    /// One error per problem, located in `policy.yaml`.
    pub diags: Vec<Diagnostic>,
    /// The ids and keys of the parts set aside (KPIs, roles, scorings…).
    pub removed: Vec<String>,
}

/// Reads `value` as a policy, setting aside each part that fails.
pub(super) fn recover(file: &Path, text: &str, value: &Value) -> Recovered {
    let mut doc = value.clone();
    let mut gone: BTreeMap<Vec<Step>, Vec<usize>> = BTreeMap::new();
    let mut set_aside: Vec<Vec<Step>> = Vec::new();
    let mut out = Recovered {
        policy: None,
        diags: Vec::new(),
        removed: Vec::new(),
    };
    for _ in 0..MAX_ROUNDS {
        let err = match serde_path_to_error::deserialize::<_, Policy>(&doc) {
            Ok(p) => {
                out.policy = Some(p);
                return out;
            }
            Err(e) => e,
        };
        let (here, orig) = paths(err.path(), &gone);
        let message = err.inner().to_string();
        match missing_field(&message) {
            // A required key set aside earlier: that is already reported.
            Some(f) if already_said(&set_aside, &orig, f) => {}
            Some(f) => out
                .diags
                .push(located(file, text, &orig, format!("missing key '{f}'"))),
            // A part that fails only because something inside it was set
            // aside (`target: { fixed: "5%" }` left as `target: {}`).
            None if set_aside
                .iter()
                .any(|p| p.len() > orig.len() && p.starts_with(&orig)) => {}
            None => out.diags.push(located(file, text, &orig, message)),
        }
        if here.is_empty() {
            return out;
        }
        out.removed.extend(names(value, &orig));
        remove(&mut doc, &here);
        if let Some(Step::Index(i)) = orig.last() {
            gone.entry(orig[..orig.len() - 1].to_vec())
                .or_default()
                .push(*i);
        }
        set_aside.push(orig);
    }
    out
}

/// A required key `f` of `parent` was itself set aside, or a misspelling of
/// it was (`ident` for `id`): its absence is already reported.
fn already_said(set_aside: &[Vec<Step>], parent: &[Step], f: &str) -> bool {
    set_aside.iter().any(|p| match p.split_last() {
        Some((Step::Key(k), up)) => up == parent && (k == f || did_you_mean(k, [f]).is_some()),
        _ => false,
    })
}

fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

/// The error's path in the current tree (cut at the first enum, which is
/// set aside whole) and in the original document.
fn paths(
    path: &serde_path_to_error::Path,
    gone: &BTreeMap<Vec<Step>, Vec<usize>>,
) -> (Vec<Step>, Vec<Step>) {
    let mut here = Vec::new();
    let mut orig = Vec::new();
    for seg in path.iter() {
        let (h, o) = match seg {
            Segment::Map { key } => (Step::Key(key.clone()), Step::Key(key.clone())),
            Segment::Seq { index } => {
                let mut i = *index;
                let mut removed = gone.get(&orig).cloned().unwrap_or_default();
                removed.sort_unstable();
                for r in removed {
                    if r <= i {
                        i += 1;
                    }
                }
                (Step::Index(*index), Step::Index(i))
            }
            Segment::Enum { .. } | Segment::Unknown => break,
        };
        here.push(h);
        orig.push(o);
    }
    (here, orig)
}

fn located(file: &Path, text: &str, at: &[Step], message: String) -> Diagnostic {
    // serde_yaml names an unknown key's parent, not the key: say it alike.
    let named = match message.starts_with("unknown field") {
        true => &at[..at.len().saturating_sub(1)],
        false => at,
    };
    let prefix = shown(named);
    let message = match prefix.is_empty() {
        true => message,
        false => format!("{prefix}: {message}"),
    };
    let d = improve(Diagnostic::error(file, message));
    let segs: Vec<Seg> = at
        .iter()
        .map(|s| match s {
            Step::Key(k) => Seg::Key(k),
            Step::Index(i) => Seg::Index(*i),
        })
        .collect();
    match locate(text, &segs) {
        Some((l, c)) => d.at(l, c).with_source(text),
        None => d,
    }
}

/// `kpis[1].direction`, as serde_yaml names a place.
fn shown(at: &[Step]) -> String {
    let mut s = String::new();
    for step in at {
        match step {
            Step::Key(k) if s.is_empty() => s.push_str(k),
            Step::Key(k) => s.push_str(&format!(".{k}")),
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn node<'v>(doc: &'v Value, at: &[Step]) -> Option<&'v Value> {
    at.iter().try_fold(doc, |v, step| match step {
        Step::Key(k) => v.as_mapping()?.get(k.as_str()),
        Step::Index(i) => v.as_sequence()?.get(*i),
    })
}

/// The names a part set aside goes by, so that findings echoing it are
/// dropped: its key, its `id` (or what a misspelt `id` key holds) and the
/// names it refers to (`scoring`, `kpi`, scripts). Not every word in it:
/// a real problem elsewhere may quote `target` or `score` too.
fn names(doc: &Value, at: &[Step]) -> Vec<String> {
    const REFERS: [&str; 4] = ["scoring", "kpi", "script", "weights_script"];
    let mut out = Vec::new();
    // A named entry (`roles.lead`), not a field (`kpis[1].target`).
    if let [Step::Key(top), Step::Key(k)] = at {
        if ["scorings", "roles", "inputs"].contains(&top.as_str()) {
            out.push(k.clone());
        }
    }
    let Some(map) = node(doc, at).and_then(Value::as_mapping) else {
        return out;
    };
    for (k, v) in map {
        let (Some(k), Some(v)) = (k.as_str(), v.as_str()) else {
            continue;
        };
        if k == "id"
            || did_you_mean(k, ["id"]).is_some()
            || REFERS.contains(&k)
            || did_you_mean(k, REFERS).is_some()
        {
            out.push(v.to_owned());
        }
    }
    out
}

fn remove(doc: &mut Value, at: &[Step]) {
    let Some((last, parent)) = at.split_last() else {
        return;
    };
    let mut v = doc;
    for step in parent {
        let next = match step {
            Step::Key(k) => v.as_mapping_mut().and_then(|m| m.get_mut(k.as_str())),
            Step::Index(i) => v.as_sequence_mut().and_then(|s| s.get_mut(*i)),
        };
        let Some(n) = next else { return };
        v = n;
    }
    match (last, v) {
        (Step::Key(k), Value::Mapping(m)) => {
            m.remove(k.as_str());
        }
        (Step::Index(i), Value::Sequence(s)) if *i < s.len() => {
            s.remove(*i);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(doc: &str) -> Recovered {
        let v: Value = serde_yaml::from_str(doc).unwrap();
        recover(Path::new("policy.yaml"), doc, &v)
    }

    #[test]
    fn every_example_policy_reads_the_same_from_the_tree() {
        for dir in std::fs::read_dir("policies").unwrap() {
            let file = dir.unwrap().path().join("policy.yaml");
            let text = std::fs::read_to_string(&file).unwrap();
            let r = run(&text);
            assert!(r.diags.is_empty(), "{}: {:?}", file.display(), r.diags);
            let direct: Policy = serde_yaml::from_str(&text).unwrap();
            let p = r.policy.expect("a policy");
            assert_eq!(format!("{p:?}"), format!("{direct:?}"));
        }
    }

    #[test]
    fn a_kpi_set_aside_does_not_shift_where_later_problems_are_shown() {
        let text = std::fs::read_to_string("policies/platform-ops/policy.yaml").unwrap();
        // Break the first KPI (a required key goes) and the third (a typo).
        let mut kpis = text.match_indices("\n  - id: ").map(|(i, _)| i + 1);
        let (first, third) = (kpis.next().unwrap(), kpis.nth(1).unwrap());
        let mut doc = text.clone();
        doc.insert_str(third + 4, "colour: red\n    ");
        doc.replace_range(first + 4..first + 6, "idd");
        let r = run(&doc);
        let lines: Vec<usize> = r.diags.iter().map(|d| d.line.unwrap()).collect();
        let line_of = |at: usize| doc[..at].lines().count() + 1;
        assert_eq!(lines, [line_of(first), line_of(third)], "{:?}", r.diags);
        assert!(r.diags[0]
            .message
            .contains("unknown key 'idd' (did you mean 'id'?)"));
        assert!(r.diags[1].message.contains("unknown key 'colour'"));
        assert!(r.policy.is_some());
    }
}
