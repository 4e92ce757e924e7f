//! A folder as one byte string, so that one mutation can touch any of its
//! files (and the boundaries between them): `\0\0FILE rel\n` then the bytes.

use std::path::Path;

const MARK: &[u8] = b"\0\0FILE ";

/// The files below `dir` (sorted), except those `skip` names.
pub fn pack(dir: &Path, skip: &dyn Fn(&str) -> bool) -> Vec<u8> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files);
    files.sort();
    let mut out = Vec::new();
    for rel in files.into_iter().filter(|r| !skip(r)) {
        out.extend_from_slice(MARK);
        out.extend_from_slice(rel.as_bytes());
        out.push(b'\n');
        out.extend(std::fs::read(dir.join(&rel)).unwrap());
    }
    out
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            collect(root, &p, out);
        } else {
            out.push(
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

/// Writes a bundle's files into the empty folder `dir`. Names that would
/// leave it (absolute, `..`, empty parts) or collide are dropped: the
/// fuzzer must never write outside its temporary folder.
pub fn unpack(bundle: &[u8], dir: &Path) {
    for part in split(bundle) {
        let Some(nl) = part.iter().position(|&b| b == b'\n') else {
            continue;
        };
        let Ok(rel) = std::str::from_utf8(&part[..nl]) else {
            continue;
        };
        let safe = !rel.is_empty()
            && rel.len() < 200
            && rel
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('\0'));
        if !safe {
            continue;
        }
        let path = dir.join(rel);
        if path.exists() {
            continue;
        }
        if let Some(parent) = path.parent() {
            if std::fs::create_dir_all(parent).is_err() {
                continue;
            }
        }
        let _ = std::fs::write(&path, &part[nl + 1..]);
    }
}

fn split(bundle: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut at = match find(bundle, 0) {
        Some(i) => i + MARK.len(),
        None => return parts,
    };
    while let Some(next) = find(bundle, at) {
        parts.push(&bundle[at..next]);
        at = next + MARK.len();
    }
    parts.push(&bundle[at..]);
    parts
}

fn find(hay: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(MARK.len())
        .position(|w| w == MARK)
        .map(|i| from + i)
}

/// The byte ranges of the bundle's files whose names satisfy `keep`
/// (contents only), for mutations aimed at some files.
pub fn ranges(bundle: &[u8], keep: &dyn Fn(&str) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(m) = find(bundle, at) {
        let name_at = m + MARK.len();
        let Some(nl) = bundle[name_at..].iter().position(|&b| b == b'\n') else {
            break;
        };
        let start = name_at + nl + 1;
        let end = find(bundle, start).unwrap_or(bundle.len());
        if std::str::from_utf8(&bundle[name_at..name_at + nl]).is_ok_and(keep) {
            out.push((start, end));
        }
        at = end;
    }
    out
}
