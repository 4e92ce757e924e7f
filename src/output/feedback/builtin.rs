//! The built-in templates specialised for one language at load: each
//! `{{ t.NAME }}` (a label of the language's table) becomes the text it
//! prints. That saves a variable lookup, a label map search and an escape
//! per label, about a hundred per statement and format; the output is
//! the same bytes (tests below). Policy templates are never rewritten.

use minijinja::Environment;
use std::collections::BTreeMap;

/// Where the built-in templates pick their labels: what comes before it
/// is the label tables.
const PICK: &str = "{% set t = labels[lang] %}";
const OPEN: &str = "{{ t.";
const CLOSE: &str = " }}";
/// Separators in the probe's output; no label holds them.
const START: char = '\u{2}';
const SEP: char = '\u{1}';

/// `{{ t.NAME }}` in `source`: its byte range and NAME.
fn labels_used(source: &str) -> Vec<(usize, usize, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = source[from..].find(OPEN) {
        let start = from + i;
        let rest = &source[start + OPEN.len()..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        from = start + OPEN.len() + len;
        if len > 0 && rest[len..].starts_with(CLOSE) {
            found.push((start, from + CLOSE.len(), &rest[..len]));
        }
    }
    found
}

/// What each label used prints, by rendering the label tables and the
/// labels with `env` as the template `name` (so with its escaping).
fn printed<'a>(
    env: &Environment,
    name: &str,
    tables: &str,
    used: &[(usize, usize, &'a str)],
    lang: &str,
) -> Option<BTreeMap<&'a str, String>> {
    let mut probe = format!("{tables}{START}");
    for (i, (_, _, label)) in used.iter().enumerate() {
        if i > 0 {
            probe.push(SEP);
        }
        probe.push_str(&format!("{OPEN}{label}{CLOSE}"));
    }
    let ctx = minijinja::context! { lang => lang };
    let out = env.render_named_str(name, &probe, ctx).ok()?;
    let (_, labels) = out.split_once(START)?;
    let texts: Vec<&str> = labels.split(SEP).collect();
    (texts.len() == used.len()).then(|| {
        used.iter()
            .zip(texts)
            .map(|((_, _, l), t)| (*l, t.to_owned()))
            .collect()
    })
}

/// True when `text` reads the same as template text in place of the
/// expression at `start..end`: nothing a template would parse, and no
/// whitespace that a neighbouring `-` or the block options would strip.
fn inlinable(source: &str, start: usize, end: usize, text: &str) -> bool {
    let (before, after) = (&source[..start], &source[end..]);
    let plain =
        !text.is_empty() && !text.contains(['{', '}', '\n', '\r']) && !text.trim().is_empty();
    let strip_before = ["-%}", "-}}", "-#}"].iter().any(|m| before.ends_with(m));
    let strip_after = ["{%-", "{{-", "{#-"].iter().any(|m| after.starts_with(m));
    let edge = |c: Option<char>| c.is_some_and(char::is_whitespace);
    plain
        && !(strip_before && edge(text.chars().next()))
        && !(strip_after && edge(text.chars().next_back()))
}

/// `source`, the built-in template `name`, for `lang` (`zh-CN`, `en`):
/// unchanged when it does not pick its labels as the built-in ones do.
pub fn specialise(env: &Environment, name: &str, source: &str, lang: &str) -> String {
    let Some(pick) = source.find(PICK) else {
        return source.to_owned();
    };
    let body_start = pick + PICK.len();
    let used: Vec<_> = labels_used(&source[body_start..])
        .into_iter()
        .map(|(s, e, l)| (s + body_start, e + body_start, l))
        .collect();
    let Some(texts) = printed(env, name, &source[..body_start], &used, lang) else {
        return source.to_owned();
    };
    let mut out = String::with_capacity(source.len());
    let mut last = 0;
    for (start, end, label) in used {
        let text = &texts[label];
        if inlinable(source, start, end, text) {
            out.push_str(&source[last..start]);
            out.push_str(text);
            last = end;
        }
    }
    out.push_str(&source[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_found_and_only_plain_ones_inlined() {
        let src = "{{ t.a }}|{{ t.b|trim }}|{{ t.c }}{{- x }}|{{ u.d }}";
        let used = labels_used(src);
        let names: Vec<&str> = used.iter().map(|x| x.2).collect();
        assert_eq!(names, ["a", "c"]);
        assert!(inlinable(src, used[0].0, used[0].1, "x y"));
        assert!(!inlinable(src, used[0].0, used[0].1, " "));
        assert!(!inlinable(src, used[0].0, used[0].1, "{x}"));
        // `{{-` would strip the label's trailing space, not the output's.
        assert!(!inlinable(src, used[1].0, used[1].1, "so "));
        assert!(inlinable(src, used[1].0, used[1].1, " so"));
    }

    #[test]
    fn a_template_not_picking_labels_is_kept() {
        let env = Environment::new();
        let src = "{{ t.a }}";
        assert_eq!(specialise(&env, "x.md.j2", src, "en"), src);
    }
}
