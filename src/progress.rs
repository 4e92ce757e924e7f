//! Progress of long stages: a bar per stage on stderr when stderr is a
//! terminal (never when it is piped or redirected), and every stage's wall
//! time logged at info level (`merit -v …`).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Stages smaller than this finish too fast for a bar to help.
const MIN_BAR_ITEMS: u64 = 50_000;

pub struct Stage {
    name: &'static str,
    bar: Option<ProgressBar>,
    start: Instant,
}

impl Stage {
    /// A stage of `total` items (rows, employees); 0 when unknown.
    pub fn new(name: &'static str, total: u64) -> Stage {
        let bar = (total >= MIN_BAR_ITEMS && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>16} [{bar:32}] {human_pos}/{human_len} {per_sec} {elapsed}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_prefix(name);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Stage {
            name,
            bar,
            start: Instant::now(),
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
        }
        tracing::info!("{}: {:.3} s", self.name, elapsed.as_secs_f64());
        elapsed
    }
}
