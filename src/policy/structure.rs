//! Structural checks of `policy.yaml` that report every problem at once.
//!
//! serde stops at the first error. To report all of them, each part of the
//! document (each KPI, scoring, role, band, and each other top-level key) is
//! deserialised on its own from the original text — a seed walks to the part
//! and ignores the rest — so every error keeps its real line and column.

use super::locate::Seg;
use super::model::*;
use super::{did_you_mean, yaml_error};
use crate::error::{Diagnostic, Diagnostics};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

/// Deserialises the value at `path` as `T`, ignoring everything else.
struct At<'p, T> {
    path: &'p [Seg<'p>],
    _t: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for At<'_, T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        match self.path.first() {
            None => T::deserialize(d).map(Some),
            Some(Seg::Key(_)) => d.deserialize_map(self),
            Some(Seg::Index(_)) => d.deserialize_seq(self),
        }
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for At<'_, T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping or a sequence")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let Some(Seg::Key(want)) = self.path.first() else {
            return Ok(None);
        };
        let mut found = None;
        while let Some(key) = map.next_key::<serde_yaml::Value>()? {
            let is = match &key {
                serde_yaml::Value::String(s) => s == want,
                other => serde_yaml::to_string(other).is_ok_and(|s| s.trim() == *want),
            };
            if is && found.is_none() {
                found = map.next_value_seed(At::<T> {
                    path: &self.path[1..],
                    _t: PhantomData,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
        let Some(Seg::Index(want)) = self.path.first() else {
            return Ok(None);
        };
        let mut found = None;
        let mut i = 0;
        loop {
            if i == *want {
                match seq.next_element_seed(At::<T> {
                    path: &self.path[1..],
                    _t: PhantomData,
                })? {
                    Some(v) => found = v,
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            i += 1;
        }
        Ok(found)
    }
}

fn check<'de, T: Deserialize<'de>>(
    file: &Path,
    text: &'de str,
    path: &[Seg],
    diags: &mut Diagnostics,
) {
    let seed = At::<T> {
        path,
        _t: PhantomData,
    };
    if let Err(e) = seed.deserialize(serde_yaml::Deserializer::from_str(text)) {
        diags.push(improve(yaml_error(file, text, &e)));
    }
}

/// Adds "did you mean" to serde's unknown-field message.
pub(super) fn improve(mut d: Diagnostic) -> Diagnostic {
    let msg = d.message.clone();
    if let Some(start) = msg.find("unknown variant `") {
        let rest = &msg[start + 17..];
        if let Some(end) = rest.find('`') {
            let expected: Vec<&str> = rest[end..].split('`').skip(2).step_by(2).collect();
            if let Some(c) = did_you_mean(&rest[..end], expected.iter().copied()) {
                d.message = format!("{msg} (did you mean '{c}'?)");
            }
        }
        return d;
    }
    if let Some(start) = msg.find("unknown field `") {
        let rest = &msg[start + 15..];
        if let Some(end) = rest.find('`') {
            let name = &rest[..end];
            let expected: Vec<&str> = rest[end..].split('`').skip(2).step_by(2).collect();
            let prefix = &msg[..start];
            let mut m = format!("{prefix}unknown key '{name}'");
            if let Some(c) = did_you_mean(name, expected.iter().copied()) {
                m.push_str(&format!(" (did you mean '{c}'?)"));
            }
            if !expected.is_empty() {
                m.push_str(&format!("; expected one of: {}", expected.join(", ")));
            }
            d.message = m;
        }
    }
    d
}

/// Checks each part of the document separately; `value` is the parsed YAML.
pub(super) fn check_parts(
    file: &Path,
    text: &str,
    value: &serde_yaml::Value,
    diags: &mut Diagnostics,
) {
    let Some(top) = value.as_mapping() else {
        diags.push(
            Diagnostic::error(
                file,
                "policy.yaml must be a mapping of keys such as id, kpis, roles",
            )
            .at(1, 1),
        );
        return;
    };
    top_keys(file, text, top, diags);
    items(file, text, top, diags);
    collections(file, text, top, diags);
    sections(file, text, top, diags);
}

/// Top-level keys the schema does not know, and required ones missing.
fn top_keys(file: &Path, text: &str, top: &serde_yaml::Mapping, diags: &mut Diagnostics) {
    use Seg::Key;
    let schema = schemars::schema_for!(Policy);
    let props: Vec<String> = schema
        .get("properties")
        .and_then(|p| p.as_object())
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let required: Vec<String> = schema
        .get("required")
        .and_then(|r| r.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for key in top.keys() {
        let name = key.as_str().unwrap_or_default();
        if !props.iter().any(|p| p == name) {
            let hint = did_you_mean(name, props.iter().map(String::as_str))
                .map(|c| format!(" (did you mean '{c}'?)"))
                .unwrap_or_default();
            let d = Diagnostic::error(file, format!("unknown key '{name}'{hint}"));
            let d = match super::locate::locate(text, &[Key(name)]) {
                Some((l, c)) => d.at(l, c).with_source(text),
                None => d,
            };
            diags.push(d);
        }
    }
    for req in &required {
        if !top.contains_key(req.as_str()) {
            diags.push(
                Diagnostic::error(file, format!("missing key '{req}'"))
                    .at(1, 1)
                    .with_source(text),
            );
        }
    }
}

/// Each KPI, rating band, scoring and role on its own.
fn items(file: &Path, text: &str, top: &serde_yaml::Mapping, diags: &mut Diagnostics) {
    use Seg::*;
    let len = |k: &str| top.get(k).and_then(|v| v.as_sequence()).map_or(0, Vec::len);
    let keys = |k: &str| -> Vec<String> {
        top.get(k)
            .and_then(|v| v.as_mapping())
            .map(|m| {
                m.keys()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    for i in 0..len("kpis") {
        check::<Kpi>(file, text, &[Key("kpis"), Index(i)], diags);
    }
    for i in 0..len("rating_bands") {
        check::<RatingBand>(file, text, &[Key("rating_bands"), Index(i)], diags);
    }
    for name in keys("scorings") {
        check::<Scoring>(file, text, &[Key("scorings"), Key(&name)], diags);
    }
    for name in keys("roles") {
        check::<Role>(file, text, &[Key("roles"), Key(&name)], diags);
    }
}

/// Collections whose items were checked one by one still need their own shape.
fn collections(file: &Path, text: &str, top: &serde_yaml::Mapping, diags: &mut Diagnostics) {
    use Seg::Key;
    for (k, is_seq) in [
        ("kpis", true),
        ("rating_bands", true),
        ("scorings", false),
        ("roles", false),
    ] {
        if let Some(v) = top.get(k) {
            let ok = if is_seq {
                v.is_sequence()
            } else {
                v.is_mapping()
            };
            if !ok {
                let what = if is_seq { "a list" } else { "a mapping" };
                let d = Diagnostic::error(file, format!("'{k}' must be {what}"));
                diags.push(match super::locate::locate(text, &[Key(k)]) {
                    Some((l, c)) => d.at(l, c).with_source(text),
                    None => d,
                });
            }
        }
    }
}

/// Every other top-level section, whole.
fn sections(file: &Path, text: &str, top: &serde_yaml::Mapping, diags: &mut Diagnostics) {
    use Seg::Key;
    macro_rules! whole {
        ($key:literal, $t:ty) => {
            if top.contains_key($key) {
                check::<$t>(file, text, &[Key($key)], diags);
            }
        };
    }
    whole!("id", String);
    whole!("version", String);
    whole!("title", Names);
    whole!("currency", String);
    whole!("language", Language);
    whole!("effective", Effective);
    whole!("rounding", Rounding);
    whole!("review", Review);
    whole!("bonus", Bonus);
}

/// Bytes a `policy.yaml` may have: real plans are a few kilobytes.
const MAX_POLICY_BYTES: usize = 1 << 20;
/// Nesting a `policy.yaml` may have, in flow brackets or indentation
/// columns: parsing time grows with the square of the depth (issue 15).
const MAX_FLOW_DEPTH: usize = 64;
const MAX_INDENT: usize = 256;

/// Refuses a policy too large or too deeply nested to be a plan, before the
/// YAML parser spends minutes on it.
pub fn check_size(file: &Path, text: &str) -> crate::error::Result<()> {
    let fail = |d: Diagnostic| Err(crate::error::Error::one(d));
    if text.len() > MAX_POLICY_BYTES {
        return fail(Diagnostic::error(
            file,
            format!("{} bytes: a policy.yaml may have at most 1 MiB", text.len()),
        ));
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent > MAX_INDENT {
            let m = format!(
                "indented {indent} columns: nesting deeper than {MAX_INDENT} columns is refused"
            );
            return fail(Diagnostic::error(file, m).at(n + 1, 1));
        }
        // A quote opens a scalar only where one starts (not `Let's`).
        let mut prev = ' ';
        for (col, c) in line.chars().enumerate() {
            let starts = matches!(prev, ' ' | ':' | '[' | '{' | ',' | '-');
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') if starts => quote = Some(c),
                (None, '#') if prev == ' ' => break,
                (None, '[' | '{') => depth += 1,
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            prev = c;
            if depth > MAX_FLOW_DEPTH {
                let m = format!("brackets nested more than {MAX_FLOW_DEPTH} deep are refused");
                return fail(Diagnostic::error(file, m).at(n + 1, col + 1));
            }
        }
        // Quoted scalars spanning lines are rare in plans; a stray quote
        // must not swallow the rest of the file.
        quote = None;
    }
    Ok(())
}
