//! The shape of a CSV table, checked before polars reads it (issue 15):
//! polars fills a short row with empty cells, renames a repeated column,
//! reads a blank line as a row of empty cells, and its own messages quote
//! whole fields. Here every record is counted with its line, so that a
//! problem names file, line and field without echoing a cell, and cells
//! after a quoted field with line breaks keep their true line numbers.

use crate::error::{Diagnostic, Diagnostics};
use std::path::Path;

/// Shape problems listed per table; the rest are counted.
const MAX_LISTED: usize = 20;

/// Where each data row starts in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lines {
    /// The header's line (blank lines before it are skipped, as polars does).
    pub header: usize,
    /// `(row, line)` wherever a row does not start on the line after the
    /// previous row's (a quoted field with line breaks came before).
    jumps: Vec<(usize, usize)>,
}

impl Lines {
    /// The line a 0-based data row starts on.
    pub fn of_row(&self, row: usize) -> usize {
        match self.jumps.partition_point(|&(r, _)| r <= row) {
            0 => self.header + 1 + row,
            i => {
                let (r, line) = self.jumps[i - 1];
                line + (row - r)
            }
        }
    }
}

/// The scanner's position: byte offset and line.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
    line: usize,
}

/// One record: its first line, its fields (their text only for the header)
/// and the first problem in it, if any.
struct Record {
    line: usize,
    fields: usize,
    names: Vec<String>,
    problem: Option<(usize, usize, &'static str)>,
}

/// Checks the table's shape and maps its rows to lines; every problem
/// (up to a limit, then a count) is a located diagnostic.
pub fn scan(path: &Path, bytes: &[u8]) -> Result<Lines, Diagnostics> {
    let mut diags = Diagnostics::default();
    if let Err(e) = std::str::from_utf8(bytes) {
        let (line, field) = locate(bytes, e.valid_up_to());
        diags.push(
            Diagnostic::error(path, "not UTF-8 text: save the table as UTF-8 (CSV UTF-8)")
                .at(line, field),
        );
        return Err(diags);
    }
    let mut c = Cursor {
        b: bytes,
        at: 0,
        line: 1,
    };
    while c.at < bytes.len() && matches!(bytes[c.at], b'\n' | b'\r') {
        c.newline();
    }
    let header = c.record(true);
    let mut lines = Lines {
        header: header.line,
        jumps: Vec::new(),
    };
    let mut problems = 0usize;
    let mut report = |d: Diagnostic| {
        problems += 1;
        if problems <= MAX_LISTED {
            diags.push(d);
        }
    };
    if let Some((line, field, msg)) = header.problem {
        report(Diagnostic::error(path, msg).at(line, field));
    }
    for (i, name) in header.names.iter().enumerate() {
        if header.names[..i].contains(name) {
            let msg = format!("column '{name}' appears twice in the header");
            report(Diagnostic::error(path, msg).at(header.line, i + 1));
        }
    }
    let mut row = 0;
    while c.at < bytes.len() {
        if c.rest_is_blank() {
            break;
        }
        let r = c.record(false);
        if lines.of_row(row) != r.line {
            lines.jumps.push((row, r.line));
        }
        if let Some((line, field, msg)) = r.problem {
            report(Diagnostic::error(path, msg).at(line, field));
        } else if r.fields != header.fields {
            report(short_or_long(path, &r, header.fields));
        }
        row += 1;
    }
    if problems > MAX_LISTED {
        let more = format!(
            "{} more problems with the shape of rows not listed",
            problems - MAX_LISTED
        );
        diags.push(Diagnostic::error(path, more));
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(lines)
    }
}

fn short_or_long(path: &Path, r: &Record, want: usize) -> Diagnostic {
    let msg = if r.fields == 1 && r.problem.is_none() {
        format!("this row has 1 field, the header has {want} (a blank or broken line?)")
    } else {
        format!("this row has {} fields, the header has {want}", r.fields)
    };
    let field = if r.fields == 1 {
        1
    } else {
        r.fields.min(want) + 1
    };
    Diagnostic::error(path, msg).at(r.line, field)
}

/// Line and field number of a byte offset (for a bad byte).
fn locate(bytes: &[u8], offset: usize) -> (usize, usize) {
    let mut c = Cursor {
        b: bytes,
        at: 0,
        line: 1,
    };
    let mut field = 1;
    while c.at < offset {
        match bytes[c.at] {
            b'\n' => {
                c.newline();
                field = 1;
                continue;
            }
            b',' => field += 1,
            _ => {}
        }
        c.at += 1;
    }
    (c.line, field)
}

impl Cursor<'_> {
    fn newline(&mut self) {
        self.at += 1;
        self.line += 1;
    }

    /// Only line breaks left: trailing blank lines end the table (the
    /// reader drops them too).
    fn rest_is_blank(&self) -> bool {
        self.b[self.at..].iter().all(|&b| b == b'\n' || b == b'\r')
    }

    /// Reads one record up to and including its line break.
    fn record(&mut self, keep_names: bool) -> Record {
        let mut r = Record {
            line: self.line,
            fields: 0,
            names: Vec::new(),
            problem: None,
        };
        loop {
            r.fields += 1;
            let start = self.at;
            let quoted = self.b.get(self.at) == Some(&b'"');
            if quoted {
                if let Err((line, msg)) = self.quoted() {
                    r.problem.get_or_insert((line, r.fields, msg));
                    self.skip_line();
                    return r;
                }
            } else {
                self.at = memchr::memchr2(b',', b'\n', &self.b[self.at..])
                    .map_or(self.b.len(), |i| self.at + i);
            }
            if keep_names {
                r.names.push(name(&self.b[start..self.at], quoted));
            }
            match self.b.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'\n') => {
                    self.newline();
                    return r;
                }
                // A closing quote followed by something else: `"x"y`.
                Some(_) => {
                    let msg = "text after a closing quote (a quote inside a quoted field is written twice: \"\")";
                    r.problem.get_or_insert((self.line, r.fields, msg));
                    self.skip_line();
                    return r;
                }
                None => return r,
            }
        }
    }

    /// Moves past a quoted field; on success the cursor is after the
    /// closing quote (and a `\r` before a line break).
    fn quoted(&mut self) -> Result<(), (usize, &'static str)> {
        let open = self.line;
        self.at += 1;
        loop {
            let Some(i) = memchr::memchr2(b'"', b'\n', &self.b[self.at..]) else {
                self.at = self.b.len();
                return Err((open, "a quoted field is never closed"));
            };
            self.at += i;
            if self.b[self.at] == b'\n' {
                self.newline();
            } else if self.b.get(self.at + 1) == Some(&b'"') {
                self.at += 2;
            } else {
                self.at += 1;
                if self.b[self.at..].starts_with(b"\r\n") {
                    self.at += 1;
                }
                return Ok(());
            }
        }
    }

    /// After a problem: on to the next line break outside quotes' reach.
    fn skip_line(&mut self) {
        if self.at >= self.b.len() {
            return;
        }
        self.at = memchr::memchr(b'\n', &self.b[self.at..]).map_or(self.b.len(), |i| self.at + i);
        if self.at < self.b.len() {
            self.newline();
        }
    }
}

/// A header field's text (for the repeated-column check).
fn name(raw: &[u8], quoted: bool) -> String {
    let s = String::from_utf8_lossy(raw);
    let s = s.strip_suffix('\r').unwrap_or(&s);
    if quoted && s.len() >= 2 {
        // A quoted field read whole starts and ends with `"` (one byte each).
        s[1..s.len() - 1].replace("\"\"", "\"")
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match scan(Path::new("t.csv"), text.as_bytes()) {
            Ok(_) => Vec::new(),
            Err(d) => d.0.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn rows_keep_their_lines_after_multi_line_fields() {
        let text = "\n\nid,comment\n1,\"two\nlines\"\n2,x\n3,\"a\r\nb\r\nc\"\r\n4,y\n\n";
        let lines = scan(Path::new("t.csv"), text.as_bytes()).unwrap();
        assert_eq!(lines.header, 3);
        let rows: Vec<usize> = (0..4).map(|r| lines.of_row(r)).collect();
        assert_eq!(rows, [4, 6, 7, 10]);
    }

    #[test]
    fn shape_problems_are_located_without_echoing_cells() {
        let text = "id,b\n1,2\nsecret\n3,4,secret\n\n5,6\n7,\"x\"secret\n8,\"open\n";
        assert_eq!(
            problems(text),
            [
                "t.csv:3:1: error: this row has 1 field, the header has 2 (a blank or broken line?)",
                "t.csv:4:3: error: this row has 3 fields, the header has 2",
                "t.csv:5:1: error: this row has 1 field, the header has 2 (a blank or broken line?)",
                "t.csv:7:2: error: text after a closing quote (a quote inside a quoted field is written twice: \"\")",
                "t.csv:8:2: error: a quoted field is never closed",
            ]
        );
    }

    #[test]
    fn repeated_columns_bad_bytes_and_floods_are_reported() {
        assert_eq!(
            problems("id,b,\"id\"\n1,2,3\n"),
            ["t.csv:1:3: error: column 'id' appears twice in the header"]
        );
        let bad = scan(Path::new("t.csv"), b"id,b\n1,2\n3,\xffsecret\n").unwrap_err();
        assert_eq!(
            bad.to_string().trim(),
            "t.csv:3:2: error: not UTF-8 text: save the table as UTF-8 (CSV UTF-8)"
        );
        let flood = format!("a,b\n{}", "1\n".repeat(25));
        let p = problems(&flood);
        assert_eq!(p.len(), 21);
        assert_eq!(
            p[20],
            "t.csv: error: 5 more problems with the shape of rows not listed"
        );
    }

    #[test]
    fn a_well_formed_table_passes() {
        let text = "id,\"a,b\"\r\n1,\"x \"\"q\"\" y\"\r\n2,x\"y\r\n3,\r\n";
        let lines = scan(Path::new("t.csv"), text.as_bytes()).unwrap();
        assert_eq!(
            lines,
            Lines {
                header: 1,
                jumps: Vec::new()
            }
        );
    }
}
