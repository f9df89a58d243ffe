//! Progress of a long run, for a caller to show while it works.
//!
//! A [`Progress`] is a few atomic counters that [`Detector::run_with_progress`] and
//! (with the `walk` feature) `Loader::load_with_progress` update as they go: the stage, and
//! how many of its items are done out of how many. Another thread reads them (a progress
//! bar polls them a few times a second); the run never waits on the reader. Cost: one
//! relaxed atomic add per document or block of work.
//!
//! The other thread can also [cancel](Progress::cancel) the run: it stops at the next
//! document or candidate pair, and [`Detector::try_run_with_progress`] returns
//! [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled) (a Ctrl-C handler, Python's
//! `KeyboardInterrupt`).
//!
//! [`Detector::try_run_with_progress`]: crate::Detector::try_run_with_progress
//!
//! [`Detector::run_with_progress`]: crate::Detector::run_with_progress

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};

/// What a run is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Not started.
    Waiting,
    /// Listing and reading files; items are files.
    Reading,
    /// Tokenizing, signing and fingerprinting; items are distinct texts.
    Signing,
    /// Grouping band keys and passage fingerprints; no item count.
    Indexing,
    /// Checking candidate pairs; items are pairs, and their count grows as the candidates
    /// of each block of documents are listed.
    Checking,
    /// Clustering and grouping passages; no item count.
    Grouping,
    /// Finished.
    Done,
}

impl Stage {
    /// A short lowercase name ("signing").
    pub fn name(self) -> &'static str {
        match self {
            Stage::Waiting => "waiting",
            Stage::Reading => "reading",
            Stage::Signing => "signing",
            Stage::Indexing => "indexing",
            Stage::Checking => "checking",
            Stage::Grouping => "grouping",
            Stage::Done => "done",
        }
    }

    fn from_u8(v: u8) -> Stage {
        [
            Stage::Waiting,
            Stage::Reading,
            Stage::Signing,
            Stage::Indexing,
            Stage::Checking,
            Stage::Grouping,
        ]
        .get(v as usize)
        .copied()
        .unwrap_or(Stage::Done)
    }
}

/// Counters of a run's progress, shared with the thread that shows them.
///
/// ```
/// use neardup::progress::{Progress, Stage};
/// let progress = Progress::new();
/// let mut corpus = neardup::Corpus::new();
/// corpus.add("a", "some words to compare with others");
/// let det = neardup::Detector::builder().build()?;
/// let report = det.run_with_progress(&corpus, &progress);
/// assert_eq!(progress.stage(), Stage::Done);
/// assert_eq!(report.summary().documents, 1);
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Progress {
    stage: AtomicU8,
    done: AtomicU64,
    total: AtomicU64,
    cancelled: AtomicBool,
}

impl Progress {
    /// Counters at [`Stage::Waiting`].
    pub fn new() -> Progress {
        Progress::default()
    }

    /// The current stage.
    pub fn stage(&self) -> Stage {
        Stage::from_u8(self.stage.load(Ordering::Relaxed))
    }

    /// Items of the current stage done so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Items in the current stage (0 when the stage has no count).
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Asks the run to stop at its next document or candidate pair. A run once cancelled
    /// stays cancelled: give the next run new counters.
    ///
    /// ```
    /// use neardup::progress::Progress;
    /// let progress = Progress::new();
    /// progress.cancel();
    /// let mut corpus = neardup::Corpus::new();
    /// corpus.add("a", "some words to compare with others");
    /// let det = neardup::Detector::builder().build()?;
    /// let err = det.try_run_with_progress(&corpus, &progress).unwrap_err();
    /// assert!(matches!(err.kind(), neardup::ErrorKind::Cancelled));
    /// # Ok::<(), neardup::Error>(())
    /// ```
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether [`cancel`](Progress::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Enters `stage` with `total` items, none done.
    pub(crate) fn start(&self, stage: Stage, total: usize) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total as u64, Ordering::Relaxed);
        self.stage.store(stage as u8, Ordering::Relaxed);
    }

    /// Counts `n` more items to do in the current stage (for a stage whose count grows
    /// as it goes).
    pub(crate) fn add_total(&self, n: usize) {
        self.total.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Counts `n` more items done.
    pub(crate) fn add(&self, n: usize) {
        self.done.fetch_add(n as u64, Ordering::Relaxed);
    }
}
