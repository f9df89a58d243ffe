//! The progress bar on stderr: drawn by indicatif from the library's counters, only when
//! stderr is a terminal and `--quiet` is off, never on stdout.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
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

/// Redraws the bar ten times a second: the stage, items done of how many, the rate and
/// the time left; a spinner for stages without a count.
fn follow(progress: &Progress, stop: &AtomicBool, target: ProgressDrawTarget) {
    let counted =
        ProgressStyle::with_template("{prefix:>9} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
            .expect("a valid template")
            .progress_chars("=> ");
    let spinning =
        ProgressStyle::with_template("{prefix:>9} {spinner} {elapsed}").expect("a valid template");
    let bar = ProgressBar::with_draw_target(None, target);
    let mut shown = None;
    while !stop.load(Ordering::Relaxed) {
        let (stage, done, total) = (progress.stage(), progress.done(), progress.total());
        if shown != Some(stage) {
            shown = Some(stage);
            bar.reset();
            bar.set_prefix(stage.name());
            bar.set_style(if total > 0 {
                counted.clone()
            } else {
                spinning.clone()
            });
        }
        if stage == Stage::Done {
            break;
        }
        bar.set_length(total);
        bar.set_position(done);
        bar.tick();
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}
