//! The dependency direction of `docs/architecture.md`, enforced.
//!
//! Each top-level module of `src/` sits in a layer; a module may name
//! (`crate::…`, in `use` lines or inline paths) only modules of a lower layer
//! or of its own group. Unit tests (`#[cfg(test)]` modules) are exempt: they
//! may use anything to build their cases.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// (group, layer, modules), lowest layer first. Keep in step with
/// docs/architecture.md, "Dependency direction".
const LAYERS: &[(&str, u8, &[&str])] = &[
    (
        "core",
        0,
        &[
            "error",
            "decimal",
            "exact",
            "exact_small",
            "period",
            "memory",
            "progress",
        ],
    ),
    ("script", 1, &["script", "script_exact"]),
    ("policy", 2, &["policy"]),
    ("data", 3, &["data"]),
    ("engine", 4, &["engine"]),
    ("output", 5, &["output"]),
    ("gen", 5, &["gen"]),
    ("ledger", 5, &["ledger"]),
    ("cli", 6, &["cli"]),
];

fn group_of(module: &str) -> Option<(&'static str, u8)> {
    LAYERS
        .iter()
        .find(|(_, _, ms)| ms.contains(&module))
        .map(|(g, l, _)| (*g, *l))
}

/// Whether `from` may name `to`.
fn allowed(from: &str, to: &str) -> bool {
    match (group_of(from), group_of(to)) {
        (Some((gf, lf)), Some((gt, lt))) => gf == gt || lt < lf,
        // A module missing from the table is itself a failure (reported below).
        _ => false,
    }
}

/// The text of a file without comments and `#[cfg(test)]` modules.
fn production_text(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            // Skip the attributed item: up to its matching closing brace, or
            // its `;` for `mod tests;`.
            let mut depth = 0i32;
            for l in lines.by_ref() {
                depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
                if depth <= 0 && (l.contains('}') || l.trim_end().ends_with(';')) {
                    break;
                }
            }
            continue;
        }
        let code = match t.find("//") {
            Some(_) if t.starts_with("//") => "",
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// Every top-level module named through `crate::`, with its line.
fn named_modules(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a::x, b}`: the names at the first level.
                let end = group.find('}').unwrap_or(group.len());
                let mut depth = 0;
                let mut start = true;
                for (j, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => start = true,
                        c if start && (c.is_ascii_alphabetic() || c == '_') => {
                            let name: String = group[j..]
                                .chars()
                                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                                .collect();
                            found.push((n + 1, name));
                            start = false;
                        }
                        _ => {}
                    }
                    if j > end {
                        break;
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                found.push((n + 1, name));
            }
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`None` for the crate root).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// Test-only files (a `#[cfg(test)] #[path = …] mod tests;`).
fn is_test_file(file: &Path) -> bool {
    let name = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    name == "tests" || name.ends_with("_tests")
}

fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    let mut unknown = BTreeSet::new();
    for file in files.iter().filter(|f| !is_test_file(f)) {
        let Some(from) = module_of(src, file) else {
            continue;
        };
        if group_of(&from).is_none() {
            unknown.insert(from.clone());
            continue;
        }
        let text = production_text(&std::fs::read_to_string(file).unwrap());
        for (line, to) in named_modules(&text) {
            if to != from && !allowed(&from, &to) {
                bad.push(format!(
                    "{}:{line}: `{from}` names `crate::{to}` against the documented direction",
                    file.display()
                ));
            }
        }
    }
    for m in unknown {
        bad.push(format!(
            "src/{m}: a top-level module with no layer in tests/architecture.rs and docs/architecture.md"
        ));
    }
    bad
}

#[test]
fn dependencies_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = violations(&src);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_checker_sees_backward_arrows() {
    let dir = std::env::temp_dir().join(format!("merit-arch-{}", std::process::id()));
    let policy = dir.join("src/policy");
    std::fs::create_dir_all(&policy).unwrap();
    std::fs::write(
        policy.join("mod.rs"),
        "use crate::{decimal::Dec, engine::inputs};\n\
         // crate::output in a comment is not a dependency\n\
         fn f() { crate::script::x(); crate::cli::y(); }\n\
         #[cfg(test)]\nmod tests {\n    use crate::gen::rng;\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/newthing.rs"), "").unwrap();
    let bad = violations(&dir.join("src"));
    std::fs::remove_dir_all(&dir).unwrap();
    let names: Vec<&str> = bad
        .iter()
        .map(|b| b.split('`').nth(3).unwrap_or(b.as_str()))
        .collect();
    assert_eq!(
        names,
        ["crate::engine", "crate::cli", "src/newthing: a top-level module with no layer in tests/architecture.rs and docs/architecture.md"],
        "{bad:#?}"
    );
}

/// Files of `src/` longer than `max` lines (unit-test files exempt).
fn long_files(src: &Path, max: usize) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    files
        .iter()
        .filter(|f| !is_test_file(f))
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > max).then(|| format!("{}: {n} lines (at most {max})", f.display()))
        })
        .collect()
}

/// Functions longer than `max` lines, from a `fn` line to the closing brace
/// at its indentation (rustfmt's layout).
fn long_functions(file: &Path, text: &str, max: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let indent = &line[..line.len() - t.len()];
        let t = t
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("const ")
            .trim_start_matches("async ");
        let Some(name) = t.strip_prefix("fn ") else {
            continue;
        };
        if line.trim_end().ends_with(';') || line.trim_end().ends_with('}') {
            continue;
        }
        let close = format!("{indent}}}");
        let end = lines[i + 1..]
            .iter()
            .position(|l| l.trim_end() == close)
            .map_or(lines.len(), |j| i + 1 + j);
        let n = end - i + 1;
        if n > max {
            let name: String = name
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(format!(
                "{}:{}: fn {name} is {n} lines (at most {max})",
                file.display(),
                i + 1
            ));
        }
    }
    out
}

#[test]
fn files_and_functions_stay_short() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bad = long_files(&src, 600);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    for f in &files {
        bad.extend(long_functions(f, &std::fs::read_to_string(f).unwrap(), 80));
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_length_checker_counts_a_function_to_its_brace() {
    let mut text = String::from("impl X {\n    pub(super) fn long(&self) -> u8 {\n");
    for _ in 0..79 {
        text.push_str("        let _ = 1;\n");
    }
    text.push_str("    }\n    fn short() {}\n}\n");
    let found = long_functions(Path::new("x.rs"), &text, 80);
    assert_eq!(found, ["x.rs:2: fn long is 81 lines (at most 80)"]);
    assert!(long_functions(Path::new("x.rs"), &text, 81).is_empty());
}
