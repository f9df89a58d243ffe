//! Passage detection scored with the PAN measures (Potthast, Stein, Barrón-Cedeño & Rosso
//! 2010, "An evaluation framework for plagiarism detection"): character-level precision
//! and recall, granularity, and plagdet = F1 / log2(1 + granularity).
//!
//! ```text
//! cargo bench --bench passages            # the full table
//! cargo bench --bench passages -- --test  # a smaller run that asserts the targets
//! ```
//!
//! Passages of 40 to 150 words are copied at random word positions from source documents
//! into other documents (across) or later into the same document (within), exact or with
//! 5% or 10% of their words replaced. Documents are seeded made-up text, so the only
//! shared passages are the planted ones.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Rng, edit, text};
use neardup::text::tokens;
use neardup::{Corpus, Detector, Span};
use std::ops::Range;

#[derive(Clone, Debug)]
struct Case {
    src: (usize, Range<usize>),
    plg: (usize, Range<usize>),
    rate: f64,
    within: bool,
}

type Detection = ((usize, Span), (usize, Span));

/// Word spans of `t`.
fn words(t: &str) -> Vec<Range<usize>> {
    tokens(t.as_bytes())
        .map(|w| w.span.start..w.span.end)
        .collect()
}

fn trimmed(t: &str, r: Range<usize>) -> Range<usize> {
    let piece = &t[r.clone()];
    let start = r.start + piece.len()
        - piece
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .len();
    let end = r.start + piece.trim_end_matches(|c: char| !c.is_alphanumeric()).len();
    start..end.max(start)
}

/// Builds the corpus and its planted cases: `cases` source documents and `cases` target
/// documents. Case c copies a passage of source c into target c (across), or, for every
/// fourth case, a passage of target c's first half later into target c itself (within).
/// Each document serves one case at most, so no two cases share text.
fn plant(cases: usize, seed: u64) -> (Vec<String>, Vec<Case>) {
    let mut rng = Rng(seed);
    let rates = [0.0, 0.05, 0.10];
    let mut texts: Vec<String> = (0..2 * cases).map(|_| text(&mut rng, 400)).collect();
    let mut out = Vec::new();
    for c in 0..cases {
        let rate = rates[c % 3];
        let within = c % 4 == 0;
        let target = cases + c;
        let src_doc = if within { target } else { c };
        let src_words = words(&texts[src_doc]);
        let len = 40 + rng.below(111);
        let max_start = if within {
            (src_words.len() / 2).saturating_sub(len)
        } else {
            src_words.len() - len
        };
        let w0 = rng.below(max_start.max(1));
        let src_range = src_words[w0].start..src_words[w0 + len - 1].end;
        let pasted = edit(&mut rng, &texts[src_doc][src_range.clone()], rate);
        let target_words = words(&texts[target]);
        let first = if within { w0 + len + 5 } else { 0 };
        let at = target_words[first + rng.below(target_words.len() - first)].start;
        texts[target].insert_str(at, &format!("{pasted} "));
        let plg = trimmed(&texts[target], at..at + pasted.len());
        out.push(Case {
            src: (src_doc, src_range),
            plg: (target, plg),
            rate,
            within,
        });
    }
    (texts, out)
}

fn detections(texts: &[String]) -> Vec<Detection> {
    let mut corpus = Corpus::new();
    for (i, t) in texts.iter().enumerate() {
        corpus.add(format!("{i:04}"), t.clone());
    }
    let report = Detector::builder()
        .build()
        .expect("defaults are valid")
        .run(&corpus);
    let mut out = Vec::new();
    for pair in report.pairs().chain(report.reuse()) {
        for p in pair.passages() {
            out.push(((pair.a.index(), p.a), (pair.b.index(), p.b)));
        }
    }
    for r in report.repeats() {
        for p in r.passages() {
            out.push(((r.doc.index(), p.first), (r.doc.index(), p.again)));
        }
    }
    out
}

fn overlap(a: &Range<usize>, b: Span) -> usize {
    a.end.min(b.end).saturating_sub(a.start.max(b.start))
}

/// The parts of case `c` that detection `d` covers, (source, copy), when it detects it.
fn covered(c: &Case, d: &Detection) -> Option<(Range<usize>, Range<usize>)> {
    let ((dx, sx), (dy, sy)) = *d;
    for ((xd, xs), (yd, ys)) in [((dx, sx), (dy, sy)), ((dy, sy), (dx, sx))] {
        if xd == c.src.0 && yd == c.plg.0 && overlap(&c.src.1, xs) > 0 && overlap(&c.plg.1, ys) > 0
        {
            let s = c.src.1.start.max(xs.start)..c.src.1.end.min(xs.end);
            let p = c.plg.1.start.max(ys.start)..c.plg.1.end.min(ys.end);
            return Some((s, p));
        }
    }
    None
}

/// The size of the union of ranges.
fn union_len(mut ranges: Vec<Range<usize>>) -> usize {
    ranges.sort_by_key(|r| r.start);
    let (mut total, mut end) = (0, 0);
    for r in ranges {
        let start = r.start.max(end);
        if r.end > start {
            total += r.end - start;
        }
        end = end.max(r.end);
    }
    total
}

struct Scores {
    precision: f64,
    recall: f64,
    granularity: f64,
    plagdet: f64,
    cases: usize,
}

/// PAN scores of `cases` (a subset of `all`): precision counts the detections of these
/// cases and the detections of no planted case at all (false positives).
fn score(cases: &[&Case], all: &[Case], dets: &[Detection]) -> Scores {
    let mut recall = 0.0;
    let (mut detected, mut gran) = (0usize, 0usize);
    for c in cases {
        let hits: Vec<_> = dets.iter().filter_map(|d| covered(c, d)).collect();
        let (s, p): (Vec<_>, Vec<_>) = hits.iter().cloned().unzip();
        let size = c.src.1.len() + c.plg.1.len();
        recall += (union_len(s) + union_len(p)) as f64 / size as f64;
        if !hits.is_empty() {
            detected += 1;
            gran += hits.len();
        }
    }
    let relevant: Vec<&Detection> = dets
        .iter()
        .filter(|d| {
            cases.iter().any(|c| covered(c, d).is_some())
                || all.iter().all(|c| covered(c, d).is_none())
        })
        .collect();
    let mut precision = 0.0;
    for d in &relevant {
        let hits: Vec<_> = cases.iter().filter_map(|c| covered(c, d)).collect();
        let (s, p): (Vec<_>, Vec<_>) = hits.into_iter().unzip();
        let size = (d.0.1.end - d.0.1.start) + (d.1.1.end - d.1.1.start);
        precision += (union_len(s) + union_len(p)) as f64 / size as f64;
    }
    let n = cases.len().max(1) as f64;
    let recall = recall / n;
    let precision = if relevant.is_empty() {
        1.0
    } else {
        precision / relevant.len() as f64
    };
    let granularity = if detected == 0 {
        1.0
    } else {
        gran as f64 / detected as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Scores {
        precision,
        recall,
        granularity,
        plagdet: f1 / (1.0 + granularity).log2(),
        cases: cases.len(),
    }
}

fn print_row(kind: &str, rate: f64, s: &Scores) {
    println!(
        "| {kind} | {:.0}% | {} | {:.4} | {:.4} | {:.4} | {:.4} |",
        rate * 100.0,
        s.cases,
        s.precision,
        s.recall,
        s.granularity,
        s.plagdet
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let n = if quick { 120 } else { 600 };
    let (texts, cases) = plant(n, 2010);
    let docs = texts.len();
    let start = std::time::Instant::now();
    let dets = detections(&texts);
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "PAN measures, {docs} documents, {} planted passages of 40-150 words, default settings \
         ({} detections in {seconds:.2} s)",
        cases.len(),
        dets.len()
    );
    println!("| passages | edits | cases | precision | recall | granularity | plagdet |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let mut by_rate = Vec::new();
    for rate in [0.0, 0.05, 0.10] {
        for within in [false, true] {
            let sel: Vec<&Case> = cases
                .iter()
                .filter(|c| c.rate == rate && c.within == within)
                .collect();
            let kind = if within {
                "within a document"
            } else {
                "across documents"
            };
            print_row(kind, rate, &score(&sel, &cases, &dets));
        }
        let sel: Vec<&Case> = cases.iter().filter(|c| c.rate == rate).collect();
        let s = score(&sel, &cases, &dets);
        print_row("all", rate, &s);
        by_rate.push((rate, s.plagdet));
    }
    // The targets: exact passages >= 0.99, 5% word edits >= 0.95.
    assert!(
        by_rate[0].1 >= 0.99,
        "plagdet on exact passages {}",
        by_rate[0].1
    );
    assert!(by_rate[1].1 >= 0.95, "plagdet at 5% edits {}", by_rate[1].1);
}
