//! The progress bar on stderr: drawn by indicatif from the library's counters, only when
//! stderr is a terminal and `--quiet` is off, never on stdout.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use neardup::progress::{Progress, Stage};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A bar that follows a [`Progress`] from its own thread until dropped.
pub struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Bar {
    /// Starts showing `progress`, unless `quiet` or stderr is not a terminal (then it
    /// shows nothing and costs nothing).
    pub fn start(progress: Arc<Progress>, quiet: bool) -> Bar {
        let stop = Arc::new(AtomicBool::new(false));
        if quiet || !std::io::stderr().is_terminal() {
            return Bar { stop, thread: None };
        }
        let flag = Arc::clone(&stop);
        let target = ProgressDrawTarget::stderr();
        let thread = std::thread::spawn(move || follow(&progress, &flag, target));
        Bar {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A bar for a count the command keeps itself, of `total` items, with the style of a
/// [`Bar`]'s counted stages, drawn under the same conditions (hidden when `quiet` or
/// when stderr is not a terminal).
pub fn counting(prefix: &'static str, total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    ProgressBar::new(total)
        .with_style(counted_style())
        .with_prefix(prefix)
}

/// A bar with the items done of how many, the rate and the time left.
fn counted_style() -> ProgressStyle {
    let rate = |state: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.0}/s", state.per_sec());
    };
    ProgressStyle::with_template("{prefix:>9} [{bar:30}] {human_pos}/{human_len} {rate} eta {eta}")
        .expect("a valid template")
        .with_key("rate", rate)
        .progress_chars("=> ")
}

/// Redraws ten times a second: a bar per stage with the items done of how many, the rate
/// and the time left, or a spinner for a stage without a count. A stage gets a new bar
/// when it starts or when its count becomes known, so no frame shows another stage's
/// style.
fn follow(progress: &Progress, stop: &AtomicBool, target: ProgressDrawTarget) {
    let counted = counted_style();
    let spinning =
        ProgressStyle::with_template("{prefix:>9} {spinner} {elapsed}").expect("a valid template");
    let mut target = Some(target);
    let mut bar: Option<(Stage, bool, ProgressBar)> = None;
    while !stop.load(Ordering::Relaxed) {
        let (stage, done, total) = (progress.stage(), progress.done(), progress.total());
        if stage == Stage::Done {
            break;
        }
        let counted_now = total > 0;
        if stage != Stage::Waiting
            && bar
                .as_ref()
                .is_none_or(|(s, c, _)| (*s, *c) != (stage, counted_now))
        {
            let draw_to = match bar.take() {
                Some((_, _, old)) => {
                    old.finish_and_clear();
                    ProgressDrawTarget::stderr()
                }
                None => target.take().unwrap_or_else(ProgressDrawTarget::stderr),
            };
            let style = if counted_now {
                counted.clone()
            } else {
                spinning.clone()
            };
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
                .with_style(style)
                .with_prefix(stage.name());
            b.set_draw_target(draw_to);
            bar = Some((stage, counted_now, b));
        }
        if let Some((_, _, b)) = &bar {
            b.set_length(total);
            b.set_position(done);
            b.tick();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if let Some((_, _, b)) = bar {
        b.finish_and_clear();
    }
}
