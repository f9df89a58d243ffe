//! A corpus whose texts are on disk ([`Corpus::on_disk`]) gives the same report and plan
//! as one in memory, and a run over it does not hold the texts: a counting allocator
//! measures the peak of heap bytes during the run.

mod common;

use common::{Rng, edit, text};
use neardup::plan::Policy;
use neardup::{Corpus, Detector};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Texts of about `words` words: originals, edited copies (near-duplicates), quotes of
/// a stretch of an earlier text (shared passages) and texts that repeat a stretch of
/// their own.
fn texts(n: usize, words: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut out: Vec<String> = Vec::new();
    for i in 0..n {
        let t = match i % 10 {
            3 if i > 10 => edit(&mut rng, &out[i - 3], 0.02),
            6 if i > 10 => {
                let src: Vec<&str> = out[i - 5].split(' ').skip(40).take(60).collect();
                format!(
                    "{} {} {}",
                    text(&mut rng, words / 2),
                    src.join(" "),
                    text(&mut rng, words / 2)
                )
            }
            8 => {
                let t = text(&mut rng, words);
                let stretch: Vec<&str> = t.split(' ').skip(10).take(50).collect();
                format!("{t} {}", stretch.join(" "))
            }
            _ => text(&mut rng, words),
        };
        out.push(t);
    }
    out
}

fn corpus(texts: &[String], on_disk: bool) -> Corpus {
    let mut c = match on_disk {
        true => Corpus::on_disk(std::env::temp_dir()).unwrap(),
        false => Corpus::new(),
    };
    for (i, t) in texts.iter().enumerate() {
        c.add(format!("{i}.txt"), t.as_str());
    }
    c
}

/// The peak of heap bytes in use while `f` runs, above what was in use before it.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed) - before)
}

#[test]
fn texts_on_disk_give_the_same_results_and_are_not_held() {
    // One test in this file: the allocator's counts are for the whole process.
    let texts = texts(400, 3000, 7);
    let text_bytes: usize = texts.iter().map(String::len).sum();
    let det = Detector::builder().find_repeats(true).build().unwrap();
    let policy = Policy::new().cut_passages(false);

    let memory = corpus(&texts, false);
    let want = det.run(&memory);
    let want_plan = want.dedup_plan(&policy).unwrap();
    assert!(want.pairs().count() >= 30, "planted near-duplicates found");
    assert!(want.reuse().count() >= 30, "planted quotes found");
    assert!(want.repeats().count() >= 30, "planted repeats found");

    let (disk, add_peak) = peak_during(|| corpus(&texts, true));
    assert!(disk.is_on_disk());
    let (got, run_peak) = peak_during(|| det.run(&disk));
    let same = |a: &neardup::Report<'_>, b: &neardup::Report<'_>| {
        let pairs = |r: &neardup::Report<'_>| -> Vec<_> {
            r.pairs()
                .chain(r.reuse())
                .map(|p| (p.a, p.b, p.jaccard, p.passages().to_vec()))
                .collect()
        };
        let repeats = |r: &neardup::Report<'_>| -> Vec<_> {
            r.repeats()
                .map(|x| (x.doc, x.passages().to_vec()))
                .collect()
        };
        let clusters = |r: &neardup::Report<'_>| -> Vec<_> {
            r.clusters().map(|c| c.members().to_vec()).collect()
        };
        pairs(a) == pairs(b) && repeats(a) == repeats(b) && clusters(a) == clusters(b)
    };
    assert!(
        same(&want, &got),
        "the same pairs, passages, repeats and clusters"
    );
    assert_eq!(got.dedup_plan(&policy).unwrap(), want_plan);
    for (id, _) in disk.iter() {
        assert_eq!(disk.text(id), memory.text(id));
    }

    // Adding keeps a block of texts in memory, not all of them. A near-duplicate run
    // holds per-document state (signatures) and the texts of the pairs being checked,
    // not every text. Passage search adds its fingerprints and their index, about one
    // byte per byte of text (documented on `Corpus::on_disk`), still no text.
    let near = Detector::builder().passage_reuse(false).build().unwrap();
    let (_, near_peak) = peak_during(|| near.run(&disk));
    eprintln!("text {text_bytes} add {add_peak} near {near_peak} passages {run_peak}");
    assert!(
        add_peak < text_bytes / 4,
        "adding held {add_peak} of {text_bytes} bytes"
    );
    assert!(
        near_peak < text_bytes / 4,
        "the run held {near_peak} of {text_bytes} bytes"
    );
    assert!(
        run_peak < text_bytes * 3 / 2,
        "passages held {run_peak} of {text_bytes}"
    );
    // Cutting the repeats reads the kept texts again, a document at a time, keeping the
    // 64 used last (here, 18 KB documents: about 6 MB with their tokens), a filter of
    // the windows and a table of those repeated: not every text and every token, as a
    // first version did (49 MB here, 6.8 bytes per byte of text).
    let cut = Policy::new().cut_passages(true);
    let want_cuts = want.dedup_plan(&cut).unwrap();
    assert!(
        want_cuts
            .entries()
            .iter()
            .filter(|e| !e.cuts.is_empty())
            .count()
            >= 30,
        "planted repeats and quotes cut"
    );
    let (got_cuts, cut_peak) = peak_during(|| got.dedup_plan(&cut).unwrap());
    assert_eq!(got_cuts, want_cuts);
    eprintln!("cuts held {cut_peak}");
    assert!(
        cut_peak < text_bytes * 2,
        "cutting held {cut_peak} of {text_bytes} bytes"
    );
    let (_, memory_peak) = peak_during(|| corpus(&texts, false));
    assert!(
        memory_peak >= text_bytes,
        "in memory, the texts are held: {memory_peak}"
    );
}
