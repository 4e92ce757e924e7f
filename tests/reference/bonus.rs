//! The family of bonus scripts the reference evaluates exactly:
//!
//! ```text
//! [if score < T { 0 } else {]
//!     let m = switch rating { "S" => 1.3, "A" => 1.1, _ => 0.5 };
//!     //  or: let m = if rating == "S" { 1.3 } else if … else { 0.5 };
//!     employee.target_bonus * score / 100 * m
//! [}]
//! ```
//!
//! `parse` reads exactly this shape (comments and layout free) and refuses
//! anything else; `render` writes it.

use super::num::{self, Q};

#[derive(Clone, Debug, PartialEq)]
pub struct BonusScript {
    /// `if score < T { 0 }`: below T the formula is zero.
    pub threshold: Option<Q>,
    /// Band → multiplier, in script order; `default` for the rest.
    pub multipliers: Vec<(String, Q)>,
    pub default: Q,
}

impl BonusScript {
    /// The formula's value, exact.
    pub fn eval(&self, target_bonus: &Q, score: &Q, rating: &str) -> Q {
        if let Some(t) = &self.threshold {
            if score < t {
                return num::zero();
            }
        }
        let m = self
            .multipliers
            .iter()
            .find(|(b, _)| b == rating)
            .map_or(&self.default, |(_, m)| m);
        target_bonus * score / num::int(100) * m
    }

    /// The script text (switch form).
    pub fn render(&self) -> String {
        let mut arms: Vec<String> = self
            .multipliers
            .iter()
            .map(|(b, m)| format!("\"{b}\" => {}", lit(m)))
            .collect();
        arms.push(format!("_ => {}", lit(&self.default)));
        let body = format!(
            "let m = switch rating {{ {} }};\nemployee.target_bonus * score / 100 * m\n",
            arms.join(", ")
        );
        match &self.threshold {
            None => format!("// reference family: switch multiplier\n{body}"),
            Some(t) => format!(
                "// reference family: threshold then switch multiplier\nif score < {} {{ 0 }} else {{\n{body}}}\n",
                lit(t)
            ),
        }
    }

    pub fn parse(text: &str) -> Result<BonusScript, String> {
        let toks = tokens(text)?;
        let mut p = P { t: &toks, i: 0 };
        let script = p.script().ok_or_else(|| {
            format!(
                "bonus script outside the reference family (at token {} of {:?})",
                p.i, toks
            )
        })?;
        if p.i != toks.len() {
            return Err(format!("bonus script: trailing tokens {:?}", &toks[p.i..]));
        }
        Ok(script)
    }
}

/// A Rhai literal: decimals keep a point so that Rhai reads a decimal.
fn lit(q: &Q) -> String {
    num::fixed(q, num::places_of(q).expect("terminating literal"))
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Id(String),
    Num(String),
    Str(String),
    Sym(String),
}

fn tokens(text: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = text.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch.is_ascii_alphabetic() || ch == '_' {
            let s = i;
            while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Id(c[s..i].iter().collect()));
        } else if ch.is_ascii_digit() {
            let s = i;
            while i < c.len() && (c[i].is_ascii_digit() || c[i] == '.') {
                i += 1;
            }
            out.push(Tok::Num(c[s..i].iter().collect()));
        } else if ch == '"' {
            let s = i + 1;
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += 1;
            }
            out.push(Tok::Str(c[s..i].iter().collect()));
            i += 1;
        } else {
            let two: String = c[i..(i + 2).min(c.len())].iter().collect();
            if ["=>", "=="].contains(&two.as_str()) {
                out.push(Tok::Sym(two));
                i += 2;
            } else {
                out.push(Tok::Sym(ch.to_string()));
                i += 1;
            }
        }
    }
    Ok(out)
}

struct P<'a> {
    t: &'a [Tok],
    i: usize,
}

impl P<'_> {
    fn eat(&mut self, want: &Tok) -> Option<()> {
        (self.t.get(self.i)? == want).then(|| self.i += 1)
    }
    fn sym(&mut self, s: &str) -> Option<()> {
        self.eat(&Tok::Sym(s.into()))
    }
    fn id(&mut self, s: &str) -> Option<()> {
        self.eat(&Tok::Id(s.into()))
    }
    fn num(&mut self) -> Option<Q> {
        match self.t.get(self.i)? {
            Tok::Num(n) => {
                self.i += 1;
                num::dec(n)
            }
            _ => None,
        }
    }
    fn string(&mut self) -> Option<String> {
        match self.t.get(self.i)? {
            Tok::Str(s) => {
                self.i += 1;
                Some(s.clone())
            }
            _ => None,
        }
    }
    fn ident(&mut self) -> Option<String> {
        match self.t.get(self.i)? {
            Tok::Id(s) => {
                self.i += 1;
                Some(s.clone())
            }
            _ => None,
        }
    }

    fn script(&mut self) -> Option<BonusScript> {
        let save = self.i;
        if self.id("if").is_some() && self.id("score").is_some() && self.sym("<").is_some() {
            let t = self.num()?;
            self.sym("{")?;
            (self.num()? == num::zero()).then_some(())?;
            self.sym("}")?;
            self.id("else")?;
            self.sym("{")?;
            let mut s = self.body()?;
            self.sym("}")?;
            s.threshold = Some(t);
            return Some(s);
        }
        self.i = save;
        self.body()
    }

    fn body(&mut self) -> Option<BonusScript> {
        self.id("let")?;
        let var = self.ident()?;
        self.sym("=")?;
        let (multipliers, default) = if self.id("switch").is_some() {
            self.switch()?
        } else {
            self.if_chain()?
        };
        self.sym(";")?;
        for want in ["employee", ".", "target_bonus", "*", "score", "/"] {
            match want {
                "." | "*" | "/" => self.sym(want)?,
                _ => self.id(want)?,
            }
        }
        (self.num()? == num::int(100)).then_some(())?;
        self.sym("*")?;
        self.id(&var)?;
        let _ = self.sym(";");
        Some(BonusScript {
            threshold: None,
            multipliers,
            default,
        })
    }

    fn switch(&mut self) -> Option<(Vec<(String, Q)>, Q)> {
        self.id("rating")?;
        self.sym("{")?;
        let mut arms = vec![];
        loop {
            if self.id("_").is_some() {
                self.sym("=>")?;
                let d = self.num()?;
                let _ = self.sym(",");
                self.sym("}")?;
                return Some((arms, d));
            }
            let b = self.string()?;
            self.sym("=>")?;
            arms.push((b, self.num()?));
            self.sym(",")?;
        }
    }

    fn if_chain(&mut self) -> Option<(Vec<(String, Q)>, Q)> {
        let mut arms = vec![];
        self.id("if")?;
        loop {
            self.id("rating")?;
            self.sym("==")?;
            let b = self.string()?;
            self.sym("{")?;
            arms.push((b, self.num()?));
            self.sym("}")?;
            self.id("else")?;
            if self.id("if").is_none() {
                break;
            }
        }
        self.sym("{")?;
        let d = self.num()?;
        self.sym("}")?;
        Some((arms, d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_examples_and_its_own_output() {
        let ex = "// c\nlet multiplier = if rating == \"A\" {\n 1.2\n} else if rating == \"B\" {\n 1.0\n} else {\n 0.5\n};\nemployee.target_bonus * score / 100 * multiplier";
        let s = BonusScript::parse(ex).unwrap();
        assert_eq!(s.multipliers.len(), 2);
        assert_eq!(s.default, num::d("0.5"));
        let sw = "let m = switch rating { \"S\" => 1.3, \"A\" => 1.1, \"B\" => 1.0, _ => 0.5 };\nemployee.target_bonus * score / 100 * m";
        let s = BonusScript::parse(sw).unwrap();
        assert_eq!(s.multipliers[0], ("S".into(), num::d("1.3")));
        let t = BonusScript {
            threshold: Some(num::int(60)),
            ..s
        };
        assert_eq!(BonusScript::parse(&t.render()).unwrap(), t);
        assert!(BonusScript::parse("employee.target_bonus * 2").is_err());
    }
}
