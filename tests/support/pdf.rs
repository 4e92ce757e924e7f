//! Just enough PDF reading for the browser test: the pages' MediaBox
//! sizes and the names of the embedded fonts, from the file's text and its
//! Flate streams (Chromium keeps fonts in compressed object streams). Not
//! a general parser.

use super::png::inflate_zlib;
use std::collections::BTreeSet;

/// The file's bytes followed by every Flate stream it holds, inflated.
fn texts(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![pdf.to_vec()];
    let mut at = 0;
    while let Some(i) = find(&pdf[at..], b"stream") {
        let start = at + i + b"stream".len();
        at = start;
        // `endstream` contains `stream`: skip it.
        if pdf[..start].ends_with(b"endstream") {
            continue;
        }
        let body = match pdf.get(start..) {
            Some(b) if b.starts_with(b"\r\n") => &b[2..],
            Some(b) if b.starts_with(b"\n") => &b[1..],
            _ => continue,
        };
        let Some(end) = find(body, b"endstream") else {
            break;
        };
        if let Ok(inflated) = inflate_zlib(&body[..end]) {
            out.push(inflated);
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The numbers after each `/MediaBox [` of the file: (x0, y0, x1, y1).
pub fn media_boxes(pdf: &[u8]) -> Vec<[f64; 4]> {
    let mut boxes = Vec::new();
    for text in texts(pdf) {
        let text = String::from_utf8_lossy(&text);
        for (i, _) in text.match_indices("/MediaBox") {
            let rest = text[i + "/MediaBox".len()..].trim_start();
            let Some(inner) = rest.strip_prefix('[').and_then(|r| r.split(']').next()) else {
                continue;
            };
            let n: Vec<f64> = inner
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            if let [a, b, c, d] = n[..] {
                boxes.push([a, b, c, d]);
            }
        }
    }
    boxes
}

/// The `/BaseFont` and `/FontName` names, subset prefixes (`ABCDEF+`) removed.
pub fn font_names(pdf: &[u8]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for text in texts(pdf) {
        let text = String::from_utf8_lossy(&text);
        for key in ["/BaseFont", "/FontName"] {
            for (i, _) in text.match_indices(key) {
                let rest = text[i + key.len()..].trim_start();
                let Some(name) = rest.strip_prefix('/') else {
                    continue;
                };
                let name: String = name
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || "+-_".contains(*c))
                    .collect();
                let name = name.split_once('+').map_or(name.as_str(), |(_, n)| n);
                names.insert(name.to_owned());
            }
        }
    }
    names
}
