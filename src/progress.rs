//! Progress of long stages: a bar per stage on stderr when stderr is a
//! terminal (never when it is piped or redirected), and every stage's wall
//! time logged at info level (`merit -v …`) with the process's CPU time
//! over it (a stage running beside another, the workbook beside the trace
//! and the statements, counts both).

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Stages smaller than this finish too fast for a bar to help.
const MIN_BAR_ITEMS: u64 = 50_000;

/// Every bar, drawn on stderr one line each: stages can run at once (the
/// workbook beside the statements).
fn bars() -> &'static MultiProgress {
    static BARS: std::sync::OnceLock<MultiProgress> = std::sync::OnceLock::new();
    BARS.get_or_init(MultiProgress::new)
}

pub struct Stage {
    name: &'static str,
    bar: Option<ProgressBar>,
    start: Instant,
    cpu: Option<f64>,
}

/// Resident and peak resident memory in GiB, where the system tells (Linux).
fn memory_gib() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = |key: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse::<f64>().ok()
    };
    let gib = 1024.0 * 1024.0;
    Some((kib("VmRSS:")? / gib, kib("VmHWM:")? / gib))
}

/// CPU seconds (user + system) the process has used, where the system tells.
fn cpu_seconds() -> Option<f64> {
    // Linux: fields 14 and 15 of /proc/self/stat, in clock ticks (100 a second).
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut f = rest.split(' ').skip(11);
    let user: f64 = f.next()?.parse().ok()?;
    let system: f64 = f.next()?.parse().ok()?;
    Some((user + system) / 100.0)
}

impl Stage {
    /// A stage of `total` items (rows, employees); 0 when unknown.
    pub fn new(name: &'static str, total: u64) -> Stage {
        let bar = (total >= MIN_BAR_ITEMS && std::io::stderr().is_terminal()).then(|| {
            let bar = bars().add(ProgressBar::new(total));
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>16} [{bar:32}] {human_pos}/{human_len} {per_sec:0} {elapsed} (eta {eta})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_prefix(name);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Stage::start(name, bar)
    }

    /// A stage of `items` rows that reports no progress on the way: a
    /// spinner with the count and the time taken so far.
    pub fn work(name: &'static str, items: u64) -> Stage {
        let bar = (items >= MIN_BAR_ITEMS && std::io::stderr().is_terminal()).then(|| {
            let bar = bars().add(ProgressBar::no_length());
            bar.set_style(
                ProgressStyle::with_template("{prefix:>16} {spinner} {msg} {elapsed}")
                    .expect("valid template"),
            );
            bar.set_prefix(name);
            bar.set_message(format!("{} rows", indicatif::HumanCount(items)));
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Stage::start(name, bar)
    }

    fn start(name: &'static str, bar: Option<ProgressBar>) -> Stage {
        Stage {
            name,
            bar,
            start: Instant::now(),
            cpu: tracing::enabled!(tracing::Level::INFO)
                .then(cpu_seconds)
                .flatten(),
        }
    }

    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    pub fn set(&self, pos: u64) {
        if let Some(b) = &self.bar {
            b.set_position(pos);
        }
    }

    pub fn finish(self) -> Duration {
        let elapsed = self.start.elapsed();
        if let Some(b) = &self.bar {
            b.finish_and_clear();
            bars().remove(b);
        }
        // Bars of stages still running are hidden while the line is written.
        bars().suspend(|| match (self.cpu, cpu_seconds(), memory_gib()) {
            (Some(a), Some(b), Some((rss, peak))) => tracing::info!(
                "{}: {:.3} s (cpu {:.2} s, rss {rss:.2} GiB, peak {peak:.2} GiB)",
                self.name,
                elapsed.as_secs_f64(),
                b - a
            ),
            _ => tracing::info!("{}: {:.3} s", self.name, elapsed.as_secs_f64()),
        });
        elapsed
    }
}
