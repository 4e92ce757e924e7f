//! Finds where a value sits in a block-style YAML file, so that problems
//! found after deserialising (weights that do not sum to 100, an unknown KPI
//! in a role) are reported at `file:line:col` like syntax errors are.
//!
//! serde_yaml keeps no spans after deserialising; policy files are written in
//! block style by people, which a line scan reads reliably. Flow mappings
//! (`{ a: 1 }`) are searched within their line.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

struct Line<'a> {
    raw_indent: usize,
    /// Indent of the first key on the line, after any `- ` item markers.
    key_indent: usize,
    content: &'a str,
    is_item: bool,
}

fn parse_line(text: &str) -> Option<Line<'_>> {
    let raw_indent = text.len() - text.trim_start_matches(' ').len();
    let mut rest = &text[raw_indent..];
    if rest.is_empty() || rest.starts_with('#') {
        return None;
    }
    let is_item = rest.starts_with("- ") || rest == "-";
    let mut key_indent = raw_indent;
    while let Some(r) = rest.strip_prefix("- ") {
        let trimmed = r.trim_start_matches(' ');
        key_indent += 2 + (r.len() - trimmed.len());
        rest = trimmed;
    }
    Some(Line {
        raw_indent,
        key_indent,
        content: rest,
        is_item,
    })
}

fn key_matches(content: &str, key: &str) -> bool {
    for quoted in [key.to_string(), format!("\"{key}\""), format!("'{key}'")] {
        if let Some(r) = content.strip_prefix(&quoted) {
            if r.trim_start().starts_with(':') {
                return true;
            }
        }
    }
    false
}

/// Returns the 1-based (line, column) of the key or item at `path`, or of the
/// deepest ancestor found when the full path is not there.
pub fn locate(text: &str, path: &[Seg]) -> Option<(usize, usize)> {
    let lines: Vec<Option<Line>> = text.lines().map(parse_line).collect();
    let mut start = 0;
    let mut end = lines.len();
    let mut found: Option<(usize, usize)> = None;
    for seg in path {
        let in_range = || (start..end).filter_map(|i| lines[i].as_ref().map(|l| (i, l)));
        let hit = match *seg {
            Seg::Key(key) => {
                let min = in_range().map(|(_, l)| l.key_indent).min();
                let block = in_range()
                    .find(|(_, l)| Some(l.key_indent) == min && key_matches(l.content, key))
                    .map(|(i, l)| (i, l.key_indent, l.raw_indent, false));
                block.or_else(|| {
                    // A flow mapping on the parent's line: `weights: { gmv: 30 }`.
                    let (pl, _) = found?;
                    let line = text.lines().nth(pl - 1)?;
                    let pat = format!("{key}:");
                    let brace = line.find('{')?;
                    let at = line[brace..].find(&pat)? + brace;
                    Some((pl - 1, line[..at].chars().count(), usize::MAX, true))
                })
            }
            Seg::Index(n) => {
                let min = in_range()
                    .filter(|(_, l)| l.is_item)
                    .map(|(_, l)| l.raw_indent)
                    .min();
                in_range()
                    .filter(|(_, l)| l.is_item && Some(l.raw_indent) == min)
                    .nth(n)
                    .map(|(i, l)| (i, l.raw_indent, l.raw_indent, true))
            }
        };
        let Some((line, col, raw, is_item_or_flow)) = hit else {
            return found;
        };
        found = Some((line + 1, col + 1));
        if raw == usize::MAX {
            return found;
        }
        // The child's block: following lines until one at or above its level.
        let mut e = line + 1;
        while e < end {
            if let Some(l) = &lines[e] {
                let ends = if is_item_or_flow {
                    l.raw_indent <= raw
                } else {
                    l.raw_indent < raw || (l.raw_indent == raw && !l.is_item)
                };
                if ends {
                    break;
                }
            }
            e += 1;
        }
        start = if is_item_or_flow { line } else { line + 1 };
        end = e;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use Seg::*;

    const DOC: &str = "\
id: x
kpis:
  - id: gmv
    name: { zh: 交易额, en: GMV }
    scoring: std
  - id: orders
    scoring: missing
roles:
  operator:
    weights:
      gmv: 60
      orders: 30
  lead:
    weights: { gmv: 50, orders: 50 }
";

    #[test]
    fn finds_keys_items_and_flow_entries() {
        assert_eq!(locate(DOC, &[Key("id")]), Some((1, 1)));
        assert_eq!(locate(DOC, &[Key("kpis"), Index(1)]), Some((6, 3)));
        assert_eq!(
            locate(DOC, &[Key("kpis"), Index(1), Key("scoring")]),
            Some((7, 5))
        );
        assert_eq!(
            locate(DOC, &[Key("kpis"), Index(0), Key("id")]),
            Some((3, 5))
        );
        assert_eq!(
            locate(
                DOC,
                &[Key("roles"), Key("operator"), Key("weights"), Key("orders")]
            ),
            Some((12, 7))
        );
        assert_eq!(
            locate(
                DOC,
                &[Key("roles"), Key("lead"), Key("weights"), Key("orders")]
            ),
            Some((14, 25))
        );
        assert_eq!(
            locate(DOC, &[Key("kpis"), Index(0), Key("name"), Key("en")]),
            Some((4, 22))
        );
        // Missing tail: the deepest ancestor found.
        assert_eq!(locate(DOC, &[Key("roles"), Key("nobody")]), Some((8, 1)));
    }
}
