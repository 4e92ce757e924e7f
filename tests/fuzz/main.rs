//! A mutation fuzzer on stable Rust for what merit reads from users
//! (issue 15; docs/security.md, "Fuzzing"). Each input runs on a worker
//! thread under `catch_unwind` with a time limit; a panic or a hang is a
//! finding, saved under `fuzz-findings/TARGET/` to be added to the corpus.
//!
//! - `cargo test --release --test fuzz` (CI): every corpus input and seed of
//!   every target, plus a short burst of mutations with a fixed seed.
//! - `MERIT_FUZZ_TARGET=policy MERIT_FUZZ_SECS=1800 cargo test --release
//!   --test fuzz -- --ignored --nocapture`: one target for a while
//!   (`MERIT_FUZZ_SEED` to repeat a session).

mod bundle;
mod mutate;
mod targets;

use mutate::{mutate, Rng};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use targets::{root, Target, TARGETS};

/// An in-process input taking longer than this is a hang.
const HANG: Duration = Duration::from_secs(30);

struct Session<'a> {
    target: &'a Target,
    scratch: tempfile::TempDir,
    inputs: Vec<Vec<u8>>,
    execs: u64,
    findings: Vec<String>,
}

impl Session<'_> {
    fn new(target: &Target) -> Session<'_> {
        let scratch = tempfile::tempdir().unwrap();
        let mut inputs = targets::seeds(target.name, scratch.path());
        inputs.extend(
            corpus(target.name)
                .into_iter()
                .map(|p| std::fs::read(p).unwrap()),
        );
        Session {
            target,
            scratch,
            inputs,
            execs: 0,
            findings: Vec::new(),
        }
    }

    /// Runs one input; records a finding (and saves the input) on a panic,
    /// a failure or a hang.
    fn exec(&mut self, input: Vec<u8>) {
        self.execs += 1;
        // Kept until the next input: an abort (a failed allocation, a stack
        // overflow) ends the process before anything else could save it.
        let findings = root().join("fuzz-findings").join(self.target.name);
        std::fs::create_dir_all(&findings).unwrap();
        std::fs::write(findings.join("last-input.bundle"), &input).unwrap();
        let dir = self.scratch.path().join(format!("x{}", self.execs));
        std::fs::create_dir_all(&dir).unwrap();
        let (tx, rx) = mpsc::channel();
        let run = self.target.run;
        let (work, moved) = (dir.clone(), input.clone());
        std::thread::spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&moved, &work)));
            let _ = tx.send(match r {
                Ok(r) => r,
                Err(p) => Err(format!("panic: {}", panic_text(&p))),
            });
        });
        match rx.recv_timeout(HANG) {
            Ok(Ok(())) => {}
            Ok(Err(why)) => self.found(&input, &why),
            Err(_) => {
                self.found(&input, &format!("hang: no answer in {} s", HANG.as_secs()));
                // The worker cannot be stopped; nothing more can be trusted.
                self.report();
                panic!(
                    "{}: a hang; input saved under fuzz-findings/",
                    self.target.name
                );
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn found(&mut self, input: &[u8], why: &str) {
        // The same failure again: counted, not saved a fourth time.
        let again = self.findings.iter().filter(|f| f.as_str() == why).count();
        self.findings.push(why.to_owned());
        if again >= 3 {
            return;
        }
        let dir = root().join("fuzz-findings").join(self.target.name);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("finding-{}.bundle", self.findings.len()));
        std::fs::write(&file, input).unwrap();
        eprintln!("{}: {why}\n  saved {}", self.target.name, file.display());
    }

    /// Mutates a random input and runs it, `n` times or until `until`.
    fn burst(&mut self, rng: &mut Rng, n: u64, until: Instant) {
        let all: Vec<u8> = self.inputs.concat();
        for _ in 0..n {
            if Instant::now() >= until {
                break;
            }
            let mut input = self.inputs[rng.below(self.inputs.len())].clone();
            let ranges = bundle::ranges(&input, &self.target.focus);
            mutate(rng, &mut input, &ranges, self.target.dict, &all);
            self.exec(input);
        }
    }

    fn report(&self) {
        eprintln!(
            "{}: {} executions, {} findings",
            self.target.name,
            self.execs,
            self.findings.len()
        );
        let mut distinct: Vec<&String> = self.findings.iter().collect();
        distinct.sort();
        distinct.dedup();
        for f in distinct {
            let n = self.findings.iter().filter(|x| *x == f).count();
            eprintln!("  {n}× {f}");
        }
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// The corpus of a target: `tests/fuzz/corpus/TARGET/*`, sorted.
fn corpus(name: &str) -> Vec<PathBuf> {
    let dir = root().join("tests/fuzz/corpus").join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_corpus_input_and_a_short_burst_run_clean() {
    // Panics print nothing here: each is recorded as a finding instead.
    std::panic::set_hook(Box::new(|_| {}));
    let mut all = Vec::new();
    for t in TARGETS {
        let mut s = Session::new(t);
        for input in s.inputs.clone() {
            s.exec(input);
        }
        let burst = if t.name == "archive" { 5 } else { 60 };
        s.burst(
            &mut Rng::new(0x5eed),
            burst,
            Instant::now() + Duration::from_secs(120),
        );
        s.report();
        all.extend(s.findings.iter().map(|f| format!("{}: {f}", t.name)));
    }
    assert!(all.is_empty(), "{all:#?}");
}

#[test]
#[ignore = "a fuzzing session: set MERIT_FUZZ_TARGET and MERIT_FUZZ_SECS"]
fn fuzz() {
    let name = std::env::var("MERIT_FUZZ_TARGET").unwrap_or_else(|_| "policy".into());
    let secs: u64 = std::env::var("MERIT_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let seed: u64 = std::env::var("MERIT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let target = TARGETS
        .iter()
        .find(|t| t.name == name)
        .expect("policy, data, rhai or archive");
    std::panic::set_hook(Box::new(|_| {}));
    eprintln!("{name}: seed {seed}, {secs} s");
    let mut s = Session::new(target);
    let until = Instant::now() + Duration::from_secs(secs);
    s.burst(&mut Rng::new(seed), u64::MAX, until);
    s.report();
    assert!(s.findings.is_empty(), "{:#?}", s.findings);
}
