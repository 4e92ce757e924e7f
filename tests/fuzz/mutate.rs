//! Mutations of a byte string: flips, cuts, copies, splices and tokens
//! from a dictionary of what merit's inputs are made of (YAML keys, Rhai
//! syntax, numbers at the edges of every type, CSV quoting).

/// xorshift64*: small, seedable, the same sequence on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Tokens every target shares: numbers at the edges and odd text.
pub const COMMON: &[&str] = &[
    "0",
    "-1",
    "1",
    "0.005",
    "-0.005",
    "0.0000000000000000000000000001",
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "79228162514264337593543950336",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "1e28",
    "1e400",
    "NaN",
    "inf",
    "-0",
    "00",
    "1.",
    ".5",
    "99999999999999999999999999999999999999",
    "",
    " ",
    "\t",
    "\r\n",
    "\n",
    "\"",
    "\"\"",
    ",",
    ":",
    "'",
    "\\",
    "\u{feff}",
    "\u{1b}[2J",
    "\0",
    "运营",
    "é",
    "\u{202e}",
    "2026-02-30",
    "2026-13",
    "2026-Q5",
    "0000-01",
    "9999-12",
    "2026-Q3",
    "2026-09",
];

/// YAML structure and the keys of policy.yaml.
pub const YAML: &[&str] = &[
    "&a ",
    "*a",
    "<<: *a",
    "!!binary ",
    "? ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "|\n",
    ">\n",
    "~",
    "null",
    "true",
    "yes",
    "0x10",
    "0o7",
    ".inf",
    "---\n",
    "...\n",
    "#",
    "\n  ",
    "\n    - ",
    "kpis:",
    "weights:",
    "bands:",
    "curve:",
    "points:",
    "max:",
    "min:",
    "cap:",
    "floor:",
    "target:",
    "source:",
    "script:",
    "gates:",
    "pay_percent:",
    "pools:",
    "budget:",
    "calibration:",
    "rounding:",
    "money_places:",
    "mode:",
    "half_even",
    "periods:",
    "quarterly",
    "review:",
    "missing:",
    "recognition:",
    "when:",
    "ledger:",
    "approvals:",
    "export:",
    "currency:",
    "fx:",
    "projects:",
    "scoring:",
    "lower_is_better",
    "roles:",
    "bonus:",
    "weights_script:",
    "bonus.rhai",
    "../../etc/passwd",
    "/dev/zero",
];

/// Rhai syntax, including what has escaped limits before.
pub const RHAI: &[&str] = &[
    "loop { }",
    "while true { }",
    "for i in 0..1000000000 { }",
    "fn f(x) { f(x) } f(1)",
    "[3,1,2].sort(|a, b| { loop {} })",
    "[1,1].dedup(|a, b| { loop {} })",
    "(-9223372036854775807 - 1) / -1",
    "(-9223372036854775807 - 1) % -1",
    "1 / 0",
    "1 % 0",
    "1.0 / 0.0",
    "10 ** 100",
    "\"x\".pad(100000000, \"y\")",
    "\"x\" * 100000000",
    "[0].pad(100000000, 0)",
    "#{}",
    "#{a: 1}",
    "()",
    "score",
    "rating",
    "employee",
    "employee.target_bonus",
    "employee.role",
    "kpi",
    "value",
    "target",
    "actual",
    "import \"x\" as y;",
    "eval(\"1\")",
    "Fn(\"f\").call()",
    "let x = ",
    "; ",
    "if ",
    " else ",
    "switch x { _ => 1 }",
    "/* ",
    " */",
    "// ",
    "é/",
    "`",
    "${",
    "}",
    "to_decimal(",
    "to_int(",
    "parse_int(\"\")",
    "sqrt(-1.0)",
    "ln(0.0)",
    "0.1 + 0.2",
    "1e28 * 1e28",
];

/// CSV structure.
pub const CSV: &[&str] = &[
    ",",
    ",,",
    "\"",
    "\"\"",
    "\"a\nb\"",
    "\r",
    "\n",
    "\n\n",
    "x\"y",
    "\"x\"y",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(1)",
    "E001",
    "E999",
    "employee_id",
    "subject_id",
    "metric",
    "value",
    "month",
    "period",
    "rating",
    "base_salary",
    "target",
    "kpi",
    "currency",
    "CNY",
    "USD",
];

/// Applies 1–8 mutations, each at a random place inside one of `ranges`
/// (the whole input when empty), with tokens from `dict`.
pub fn mutate(
    rng: &mut Rng,
    input: &mut Vec<u8>,
    ranges: &[(usize, usize)],
    dict: &[&str],
    other: &[u8],
) {
    for _ in 0..1 + rng.below(8) {
        let (lo, hi) = match ranges.len() {
            0 => (0, input.len()),
            n => {
                let (a, b) = ranges[rng.below(n)];
                (a.min(input.len()), b.min(input.len()))
            }
        };
        let at = lo + rng.below(hi - lo + 1);
        let len = rng.below((hi - at).min(64) + 1);
        match rng.below(10) {
            0 if at < input.len() => input[at] ^= 1 << rng.below(8),
            1 if at < input.len() => input[at] = rng.next() as u8,
            2 => drop(input.drain(at..at + len)),
            3 => {
                let copy = input[at..at + len].to_vec();
                let to = lo + rng.below(hi - lo + 1);
                input.splice(
                    to..to,
                    copy.iter()
                        .copied()
                        .cycle()
                        .take(copy.len() * (1 + rng.below(4))),
                );
            }
            4 if !other.is_empty() => {
                let from = rng.below(other.len());
                let n = rng.below((other.len() - from).min(256) + 1);
                input.splice(at..at + len, other[from..from + n].iter().copied());
            }
            5 | 6 => {
                let t = pick(rng, dict);
                input.splice(at..at, t.bytes());
            }
            7 => {
                let t = pick(rng, dict);
                input.splice(at..at + len, t.bytes());
            }
            8 => replace_number(rng, input, lo, hi),
            _ => {
                let b = b"[{\n "[rng.below(4)];
                drop(input.splice(at..at, std::iter::repeat_n(b, 1 + rng.below(200))));
            }
        }
    }
}

fn pick<'a>(rng: &mut Rng, dict: &[&'a str]) -> &'a str {
    if rng.chance(3) {
        COMMON[rng.below(COMMON.len())]
    } else {
        dict[rng.below(dict.len())]
    }
}

/// Replaces a run of digits in `lo..hi` with a number at some edge.
fn replace_number(rng: &mut Rng, input: &mut Vec<u8>, lo: usize, hi: usize) {
    let hi = hi.min(input.len());
    let digits: Vec<usize> = (lo..hi).filter(|&i| input[i].is_ascii_digit()).collect();
    if digits.is_empty() {
        return;
    }
    let start = digits[rng.below(digits.len())];
    let end = (start..hi)
        .find(|&i| !input[i].is_ascii_digit())
        .unwrap_or(hi);
    let n = COMMON[rng.below(21)];
    input.splice(start..end, n.bytes());
}
