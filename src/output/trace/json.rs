//! The trace's JSON, written straight into a part's text: a million
//! employees' lines are tens of gigabytes, too many to build as records and
//! serialise. The bytes are those serde_json writes for the `schema`
//! records (the reader's types): keys in field order, no spaces, strings
//! escaped as serde_json escapes them, numbers as decimal text.

use crate::decimal::{push_decimal, push_plain};
use rust_decimal::Decimal;

/// The text of a part's lines, written value by value.
#[derive(Default)]
pub(super) struct Json {
    pub(super) text: String,
}

impl Json {
    /// A comma unless a value is the first of its object, list or line.
    fn sep(&mut self) {
        if !matches!(
            self.text.as_bytes().last(),
            None | Some(b'{' | b'[' | b'\n')
        ) {
            self.text.push(',');
        }
    }

    /// `"key":`, ready for its value; keys are plain field names.
    pub(super) fn key(&mut self, key: &str) -> &mut Self {
        self.sep();
        self.text.push('"');
        self.text.push_str(key);
        self.text.push_str("\":");
        self
    }

    /// The next element of a list.
    pub(super) fn item(&mut self) -> &mut Self {
        self.sep();
        self
    }

    pub(super) fn open(&mut self) {
        self.text.push('{');
    }

    pub(super) fn close(&mut self) {
        self.text.push('}');
    }

    pub(super) fn open_list(&mut self) {
        self.text.push('[');
    }

    pub(super) fn close_list(&mut self) {
        self.text.push(']');
    }

    /// Ends the line's object and the line.
    pub(super) fn end_line(&mut self) {
        self.text.push_str("}\n");
    }

    pub(super) fn str(&mut self, s: &str) {
        self.text.push('"');
        self.escaped(s);
        self.text.push('"');
    }

    pub(super) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.null(),
        }
    }

    /// A list of strings.
    pub(super) fn strs<S: AsRef<str>>(&mut self, list: &[S]) {
        self.open_list();
        for s in list {
            self.item().str(s.as_ref());
        }
        self.close_list();
    }

    /// A string written in pieces: `f` appends them, escaping its text
    /// with [`Json::escaped`].
    pub(super) fn quoted(&mut self, f: impl FnOnce(&mut Self)) {
        self.text.push('"');
        f(self);
        self.text.push('"');
    }

    /// A value's `Display` text, as a string.
    pub(super) fn shown(&mut self, v: impl std::fmt::Display) {
        use std::fmt::Write;
        self.text.push('"');
        let start = self.text.len();
        write!(self.text, "{v}").expect("writing to a String cannot fail");
        let raw = &self.text.as_bytes()[start..];
        if raw.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') {
            let raw = self.text.split_off(start);
            self.escaped(&raw);
        }
        self.text.push('"');
    }

    /// A decimal's `Display` text, as a string.
    pub(super) fn dec(&mut self, d: Decimal) {
        self.quoted(|j| push_decimal(&mut j.text, d));
    }

    /// A decimal without trailing zeros ([`crate::decimal::plain`]), as a string.
    pub(super) fn plain(&mut self, d: Decimal) {
        self.quoted(|j| push_plain(&mut j.text, d));
    }

    /// Money in the policy's places and rounding (`output::money`), as a string.
    pub(super) fn money(&mut self, d: Decimal, lp: &crate::policy::LoadedPolicy) {
        self.dec(crate::output::money_dec(d, lp));
    }

    pub(super) fn int(&mut self, n: i64) {
        if n < 0 {
            self.text.push('-');
        }
        self.digits(n.unsigned_abs());
    }

    /// The digits of `n`, as itoa (serde_json) writes them.
    pub(super) fn digits(&mut self, mut n: u64) {
        let mut out = [0u8; 20];
        let mut at = out.len();
        loop {
            at -= 1;
            out[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.text.extend(out[at..].iter().map(|&d| char::from(d)));
    }

    pub(super) fn bool(&mut self, b: bool) {
        self.text.push_str(if b { "true" } else { "false" });
    }

    pub(super) fn null(&mut self) {
        self.text.push_str("null");
    }

    /// Appends `s` escaped as inside a JSON string, exactly as serde_json
    /// does: `"` and `\`, the short escapes for backspace, tab, newline,
    /// form feed and carriage return, `\u00XX` (lower-case hex) for the
    /// other control characters; everything else as it is.
    pub(super) fn escaped(&mut self, s: &str) {
        let bytes = s.as_bytes();
        // Nearly every string has nothing to escape: one scan, one copy.
        let Some(first) = bytes
            .iter()
            .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        else {
            self.text.push_str(s);
            return;
        };
        self.text.push_str(&s[..first]);
        let mut start = first;
        for (i, &b) in bytes.iter().enumerate().skip(first) {
            let short = match b {
                b'"' => b'"',
                b'\\' => b'\\',
                0x08 => b'b',
                0x09 => b't',
                0x0A => b'n',
                0x0C => b'f',
                0x0D => b'r',
                0x00..=0x1F => b'u',
                _ => continue,
            };
            // Only ASCII bytes are cut around, so both sides are whole characters.
            self.text.push_str(&s[start..i]);
            self.text.push('\\');
            self.text.push(short as char);
            if short == b'u' {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.text.push_str("00");
                self.text.push(HEX[(b >> 4) as usize] as char);
                self.text.push(HEX[(b & 0xF) as usize] as char);
            }
            start = i + 1;
        }
        self.text.push_str(&s[start..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let all: String = (0u8..=0x7F).map(char::from).collect();
        for s in [
            all.as_str(),
            "林静宇 \"quoted\" back\\slash\u{7f}\u{2028}é",
            "",
            "\u{0}\u{1f}\r\n",
        ] {
            let mut j = Json::default();
            j.str(s);
            assert_eq!(j.text, serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn numbers_and_values_read_as_serde_json_writes_them() {
        let mut j = Json::default();
        j.open();
        j.key("a").int(i64::MIN);
        j.key("b").int(0);
        j.key("c").digits(u64::MAX);
        j.key("d").bool(false);
        j.key("e").opt_str(None);
        j.key("f").strs(&["x", "y"]);
        j.key("g").dec("-0.50".parse().unwrap());
        j.key("h").plain("12.500".parse().unwrap());
        j.key("i").open_list();
        j.close_list();
        j.end_line();
        let expected = serde_json::json!({
            "a": i64::MIN, "b": 0, "c": u64::MAX, "d": false, "e": null,
            "f": ["x", "y"], "g": "-0.50", "h": "12.5", "i": []
        });
        assert_eq!(j.text, format!("{expected}\n"));
    }
}
