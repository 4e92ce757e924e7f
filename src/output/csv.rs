//! A small CSV writer for outputs: RFC 4180 quoting, `\n` line ends, and
//! protection against spreadsheet formula injection on text fields.

/// Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return at the start) gets a leading `'`, which spreadsheets show
/// as text; so does text that starts with `'` itself, so that
/// [`unneutralise`] gives back exactly what was written. Numbers are
/// written by [`Csv::num`] and never pass through here.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// The text [`neutralise`] was given: a leading `'` before one of the
/// guarded characters is removed.
pub fn unneutralise(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if neutralise(rest).len() != rest.len() => rest,
        _ => text,
    }
}

fn push_quoted(buf: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        buf.push('"');
        buf.push_str(&field.replace('"', "\"\""));
        buf.push('"');
    } else {
        buf.push_str(field);
    }
}

/// A text field as [`Csv::text`] writes it.
pub fn escaped(field: &str) -> String {
    let mut s = String::new();
    push_quoted(&mut s, &neutralise(field));
    s
}

#[derive(Default)]
pub struct Csv {
    buf: String,
    fields_in_row: usize,
}

impl Csv {
    pub fn with_header(cols: &[&str]) -> Csv {
        let mut c = Csv::default();
        for col in cols {
            c.raw(col);
        }
        c.end();
        c
    }

    fn raw(&mut self, field: &str) {
        self.sep();
        push_quoted(&mut self.buf, field);
    }

    /// A field already made safe by [`escaped`], for text repeated on many rows.
    pub fn pre(&mut self, escaped: &str) -> &mut Self {
        self.sep();
        self.buf.push_str(escaped);
        self
    }

    /// A text field from data or policy: neutralised and quoted as needed.
    pub fn text(&mut self, field: &str) -> &mut Self {
        self.raw(&neutralise(field));
        self
    }

    /// A number (or other value merit formats itself): written as is.
    pub fn num(&mut self, field: impl std::fmt::Display) -> &mut Self {
        self.raw(&field.to_string());
        self
    }

    /// A decimal as its `Display` writes it.
    pub fn dec(&mut self, d: rust_decimal::Decimal) -> &mut Self {
        self.sep();
        crate::decimal::push_decimal(&mut self.buf, d);
        self
    }

    /// A decimal without trailing zeros ([`crate::decimal::plain`]).
    pub fn plain(&mut self, d: rust_decimal::Decimal) -> &mut Self {
        self.sep();
        crate::decimal::push_plain(&mut self.buf, d);
        self
    }

    fn sep(&mut self) {
        if self.fields_in_row > 0 {
            self.buf.push(',');
        }
        self.fields_in_row += 1;
    }

    /// Empties the buffer, keeping its memory for the next rows.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.fields_in_row = 0;
    }

    pub fn as_str(&self) -> &str {
        &self.buf
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn end(&mut self) {
        self.buf.push('\n');
        self.fields_in_row = 0;
    }

    pub fn finish(self) -> String {
        self.buf
    }
}

/// A CSV of `header` and the rows `row` writes for each item, given to
/// `sink` in pieces: built in parallel parts, passed on in item order (the
/// same bytes on any thread count). `row` returns how many rows it wrote;
/// the total is returned.
pub fn par_rows<T: Sync, E: Send>(
    header: &[&str],
    items: &[T],
    row: impl Fn(&mut Csv, &T) -> usize + Sync,
    sink: &mut (dyn FnMut(&str) -> Result<(), E> + Send),
) -> Result<usize, E> {
    use rayon::prelude::*;
    sink(&Csv::with_header(header).finish())?;
    // The most bytes an item took so far: each part's buffer is sized once
    // instead of doubling a few megabytes at a time (copies, page faults).
    let per_item = std::sync::atomic::AtomicUsize::new(0);
    let build = |batch: &[T]| -> Vec<(String, usize)> {
        use std::sync::atomic::Ordering::Relaxed;
        batch
            .par_chunks(2048)
            .map(|chunk| {
                let mut c = Csv::default();
                c.buf.reserve(per_item.load(Relaxed) * chunk.len());
                let n = chunk.iter().map(|it| row(&mut c, it)).sum();
                per_item.fetch_max(c.len().div_ceil(chunk.len()), Relaxed);
                (c.finish(), n)
            })
            .collect()
    };
    // Batches bound the text held at once; each is written (and hashed)
    // while the next is built.
    let mut rows = 0;
    let mut batches = items.chunks(1 << 15);
    let mut ready = batches.next().map(build).unwrap_or_default();
    loop {
        let next = batches.next();
        let (written, built) = rayon::join(
            || -> Result<usize, E> {
                let mut n = 0;
                for (text, k) in &ready {
                    sink(text)?;
                    n += k;
                }
                Ok(n)
            },
            || next.map(build),
        );
        rows += written?;
        match built {
            Some(b) => ready = b,
            None => return Ok(rows),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_neutralises() {
        let mut c = Csv::with_header(&["a", "b"]);
        c.text("=HYPERLINK(\"http://x\",\"y\")").num("-12.50");
        c.end();
        c.text("x,y").text("@me");
        c.end();
        assert_eq!(
            c.finish(),
            "a,b\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-12.50\n\"x,y\",'@me\n"
        );
    }

    #[test]
    fn neutralised_text_reads_back_exactly() {
        for t in [
            "-007", "=1+2", "'=1", "'", "''x", "'abc", "abc", "", "@", "\tx",
        ] {
            let n = neutralise(t);
            assert_eq!(unneutralise(&n), t, "{t:?} written as {n:?}");
        }
        assert_eq!(neutralise("'abc"), "''abc");
    }
}
