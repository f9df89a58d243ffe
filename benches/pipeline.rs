//! Criterion benches, one group per stage plus end to end and pathological inputs.
//!
//! Every bench asserts its expected result once outside the timed loop, so
//! `cargo bench -- --test` checks them quickly in CI.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Markov, Rng, edit, paragraphs_in, system_text_files, text};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use neardup::shingle::{ShingleSet, shingles};
use neardup::text::{Token, tokenize_into, tokens};
use neardup::{Aligner, Corpus, Detector, LshIndex, MinHasher, lsh};
use std::hint::black_box;

/// A corpus of `n` documents of ~300 words: 2% are lightly edited copies of others, and
/// every 50th document repeats a paragraph of itself. Also returns how many planted
/// copies have exact Jaccard >= 0.85 with their source (the ones every layout must find).
fn corpus(n: usize, seed: u64) -> (Corpus, usize) {
    let mut rng = Rng(seed);
    let mut corpus = Corpus::new();
    let mut originals: Vec<String> = Vec::new();
    let mut planted = 0;
    for i in 0..n {
        let doc = if i % 50 == 25 && !originals.is_empty() {
            let src = &originals[rng.below(originals.len())];
            let copy = edit(&mut rng, src, 0.01);
            planted += (jaccard(src, &copy) >= 0.85) as usize;
            copy
        } else {
            let mut t = text(&mut rng, 300);
            if i % 50 == 0 {
                let para: String = t.chars().take(400).collect();
                t.push_str(&para);
            }
            originals.push(t.clone());
            t
        };
        corpus.add(format!("doc{i:07}"), doc);
    }
    (corpus, planted)
}

fn jaccard(a: &str, b: &str) -> f64 {
    let set = |t: &str| ShingleSet::new(&tokens(t.as_bytes()).collect::<Vec<_>>(), 5);
    set(a).jaccard(&set(b))
}

fn corpus_bytes(c: &Corpus) -> u64 {
    c.iter().map(|(_, d)| d.len()).sum()
}

fn all_tokens(c: &Corpus) -> Vec<Vec<Token>> {
    c.iter()
        .map(|(id, _)| tokens(&c.text(id)).collect())
        .collect()
}

fn bench_text(c: &mut Criterion) {
    let (corpus, _) = corpus(200, 1);
    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(corpus_bytes(&corpus)));
    let expected: usize = all_tokens(&corpus).iter().map(Vec::len).sum();
    let count = || {
        corpus
            .iter()
            .map(|(id, _)| tokens(&corpus.text(id)).count())
            .sum::<usize>()
    };
    assert_eq!(count(), expected);
    assert!(expected > 200 * 300);
    g.bench_function("tokenize/ascii", |b| b.iter(|| black_box(count())));
    // The same tokens, as the detector and the index make them.
    let mut out = Vec::new();
    let mut count_into = || {
        corpus
            .iter()
            .map(|(id, _)| {
                tokenize_into(&corpus.text(id), &mut out);
                out.len()
            })
            .sum::<usize>()
    };
    assert_eq!(count_into(), expected);
    g.bench_function("tokenize_into/ascii", |b| {
        b.iter(|| black_box(count_into()))
    });
    let mixed = "Größe café naïve ЖЁЛТЫЙ 東京都 ﬁne “quoted” ".repeat(2000);
    let mixed_tokens = tokens(mixed.as_bytes()).count();
    assert_eq!(mixed_tokens, 9 * 2000);
    g.throughput(Throughput::Bytes(mixed.len() as u64));
    g.bench_function("tokenize/unicode", |b| {
        b.iter(|| black_box(tokens(mixed.as_bytes()).count()))
    });
    g.finish();
}

fn bench_shingle_and_floor(c: &mut Criterion) {
    let (corpus, _) = corpus(200, 2);
    let toks = all_tokens(&corpus);
    let bytes = corpus_bytes(&corpus);
    // Every hash is folded in, so that none can be skipped.
    let hash_all = || {
        toks.iter()
            .map(|t| shingles(t, 5).fold(0u64, |acc, h| acc.rotate_left(1) ^ h))
            .fold(0u64, |a, b| a ^ b)
    };
    let want = hash_all();
    assert!(toks.iter().map(|t| shingles(t, 5).len()).sum::<usize>() > 50_000);
    let mut g = c.benchmark_group("shingle");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("hash", |b| {
        b.iter(|| assert_eq!(black_box(hash_all()), want))
    });
    g.finish();
    // Winnowing the windows of 13 tokens 6 at a time, as a run picks each document's
    // passage fingerprints (the default `reuse::layout`), on one thread; `winnow` makes
    // a vector a document, where a run reuses its working space.
    let windows: Vec<Vec<u64>> = toks.iter().map(|t| shingles(t, 13).collect()).collect();
    let mut g = c.benchmark_group("winnow");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("13-tokens-6-windows", |b| {
        b.iter(|| {
            let picked: usize = windows
                .iter()
                .map(|w| neardup::reuse::winnow(black_box(w), 6).len())
                .sum();
            black_box(picked)
        })
    });
    g.finish();
    // The speed limit of signing: tokenize and hash every shingle, nothing else.
    let mut g = c.benchmark_group("floor");
    g.throughput(Throughput::Bytes(bytes));
    let floor = || {
        corpus
            .iter()
            .map(|(id, _)| {
                let t: Vec<Token> = tokens(&corpus.text(id)).collect();
                shingles(&t, 5).fold(0u64, |acc, h| acc ^ h)
            })
            .fold(0u64, |a, b| a ^ b)
    };
    let want = floor();
    g.bench_function("tokenize+shingle", |b| b.iter(|| assert_eq!(floor(), want)));
    g.finish();
}

fn bench_minhash(c: &mut Criterion) {
    let (corpus, _) = corpus(200, 3);
    let hashes: Vec<Vec<u64>> = all_tokens(&corpus)
        .iter()
        .map(|t| shingles(t, 5).collect())
        .collect();
    let total: usize = hashes.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("minhash");
    g.throughput(Throughput::Bytes(corpus_bytes(&corpus)));
    for k in [64usize, 128, 256] {
        let h = MinHasher::new(k, 1).unwrap();
        let sigs: Vec<_> = hashes.iter().map(|s| h.sign(s.iter().copied())).collect();
        assert!(sigs.iter().all(|s| s.len() == k && !s.is_empty_set()));
        g.bench_with_input(BenchmarkId::new("sign", k), &k, |b, _| {
            b.iter(|| {
                for s in &hashes {
                    black_box(h.sign(s.iter().copied()));
                }
            })
        });
    }
    g.finish();
    assert!(total > 0);
}

fn bench_lsh(c: &mut Criterion) {
    let (corpus, planted) = corpus(2000, 4);
    let det = Detector::builder().build().unwrap();
    let sigs: Vec<_> = corpus
        .iter()
        .map(|(id, _)| det.sign(&corpus.text(id)).unwrap())
        .collect();
    let config = lsh::Layout::for_threshold(0.8, 128).unwrap();
    let build = || {
        let mut index = LshIndex::new(config);
        for (i, s) in sigs.iter().enumerate() {
            index.insert(i as u32, s).unwrap();
        }
        index
    };
    let index = build();
    let n_candidates = index.candidate_pairs().len();
    assert!(
        n_candidates >= planted,
        "{n_candidates} candidates, {planted} planted"
    );
    let mut g = c.benchmark_group("lsh");
    g.throughput(Throughput::Elements(sigs.len() as u64));
    g.bench_function("build", |b| b.iter(|| black_box(build().len())));
    g.bench_function("query", |b| {
        b.iter(|| {
            let found: usize = sigs.iter().map(|s| index.query(s).unwrap().len()).sum();
            assert!(found >= sigs.len());
        })
    });
    g.bench_function("candidate_pairs", |b| {
        b.iter(|| black_box(index.candidate_pairs()))
    });
    g.finish();
}

fn bench_align(c: &mut Criterion) {
    let mut rng = Rng(5);
    let a = text(&mut rng, 5000);
    let b = edit(&mut rng, &a, 0.01);
    let ha: Vec<u64> = tokens(a.as_bytes()).map(|t| t.hash).collect();
    let hb: Vec<u64> = tokens(b.as_bytes()).map(|t| t.hash).collect();
    let aligner = Aligner::new(25).unwrap();
    let shared = aligner.shared(&ha, &hb);
    let covered: usize = shared.iter().map(|m| m.len).sum();
    assert!(covered > ha.len() * 7 / 10, "{covered} of {}", ha.len());
    let mut g = c.benchmark_group("align");
    g.throughput(Throughput::Bytes((a.len() + b.len()) as u64));
    g.bench_function("shared/5k-tokens", |bn| {
        bn.iter(|| black_box(aligner.shared(&ha, &hb)))
    });
    // The common case: a document without repeats, which costs two linear passes.
    assert!(aligner.repeats(&ha).is_empty());
    g.bench_function("repeats/5k-tokens-none", |bn| {
        bn.iter(|| black_box(aligner.repeats(&ha)))
    });
    let doubled: Vec<u64> = ha.iter().chain(&ha).copied().collect();
    assert_eq!(aligner.repeats(&doubled).len(), 1);
    g.bench_function("repeats/10k-tokens", |bn| {
        bn.iter(|| black_box(aligner.repeats(&doubled)))
    });
    g.finish();
}

fn bench_end_to_end(c: &mut Criterion) {
    let mut g = c.benchmark_group("end_to_end");
    g.sample_size(10);
    for n in [1_000usize, 10_000, 50_000] {
        let (corpus, planted) = corpus(n, 6);
        let det = Detector::builder().build().unwrap();
        let report = det.run(&corpus);
        let s = report.summary();
        assert!(s.pairs >= planted, "{} pairs, {planted} planted", s.pairs);
        assert!(s.documents_with_repeats >= n / 50 - 1);
        g.throughput(Throughput::Bytes(corpus_bytes(&corpus)));
        g.bench_with_input(BenchmarkId::new("run", n), &n, |b, _| {
            b.iter(|| black_box(det.run(&corpus).summary()))
        });
    }
    g.finish();
}

/// Shared-passage search on real text and on Markov text, against the same run with it
/// off: what passages cost. The real text is the machine's own (read at bench time, never
/// copied into the project): `/usr/share/doc/*/copyright` and `/usr/share/common-licenses`.
fn bench_reuse(c: &mut Criterion) {
    let mut g = c.benchmark_group("reuse");
    g.sample_size(10);
    let on = Detector::builder().build().unwrap();
    let off = Detector::builder().passage_reuse(false).build().unwrap();
    let files = system_text_files();
    let mut real = Corpus::new();
    for f in &files {
        if let Ok(bytes) = std::fs::read(f) {
            real.add(f.display().to_string(), bytes);
        }
    }
    // Order-2 Markov text over the prose of those files (or, on a machine without them,
    // over made-up paragraphs), 10,000 documents of about 330 words.
    let mut paragraphs = paragraphs_in(&files);
    if paragraphs.len() < 100 {
        let mut rng = Rng(90);
        paragraphs = (0..2000).map(|_| text(&mut rng, 60)).collect();
    }
    let chain = Markov::new(&paragraphs).backoff(0.3);
    let mut rng = Rng(91);
    let mut markov = Corpus::new();
    for i in 0..10_000 {
        markov.add(format!("{i:05}"), chain.text(&mut rng, 330));
    }
    for (name, corpus) in [("real-text", &real), ("markov", &markov)] {
        if corpus.len() < 50 {
            eprintln!("reuse/{name}: skipped, the machine has no text under /usr/share/doc");
            continue;
        }
        let (with, without) = (on.run(corpus).summary(), off.run(corpus).summary());
        assert!(
            with.reuse_pairs > 0 && with.passage_groups > 0,
            "{name}: {with:?}"
        );
        assert_eq!(without.reuse_pairs, 0);
        eprintln!(
            "reuse/{name}: {} documents, {:.1} MB; {} reuse pairs, {} passage groups",
            corpus.len(),
            corpus_bytes(corpus) as f64 / 1e6,
            with.reuse_pairs,
            with.passage_groups
        );
        g.throughput(Throughput::Bytes(corpus_bytes(corpus)));
        g.bench_function(BenchmarkId::new(name, "passages-on"), |b| {
            b.iter(|| black_box(on.run(corpus).summary()))
        });
        g.bench_function(BenchmarkId::new(name, "passages-off"), |b| {
            b.iter(|| black_box(off.run(corpus).summary()))
        });
    }
    g.finish();
}

fn bench_pathological(c: &mut Criterion) {
    let mut g = c.benchmark_group("pathological");
    g.sample_size(10);
    let det = Detector::builder().build().unwrap();

    let same_word = "a ".repeat(1_000_000);
    let reps = det.repeats(same_word.as_bytes());
    assert!(!reps.is_empty() && reps.len() <= 1_000_000 / 25);
    g.throughput(Throughput::Bytes(same_word.len() as u64));
    g.bench_function("one-word-1m", |b| {
        b.iter(|| black_box(det.repeats(same_word.as_bytes())))
    });

    // A whole document on one 1 MB line, and 10 MB of one character (one token).
    let mut rng = Rng(70);
    let line = text(&mut rng, 170_000).replace('\n', " ");
    assert!(line.len() > 1_000_000 && !line.trim_end().contains('\n'));
    let one_char = "x".repeat(10_000_000);
    let mut odd = Corpus::new();
    odd.add("line", line);
    odd.add("x", one_char);
    let report = det.run(&odd);
    let tokens: Vec<usize> = report.documents().map(|(_, s)| s.tokens).collect();
    assert!(tokens[0] >= 170_000 && tokens[1] == 1);
    g.throughput(Throughput::Bytes(corpus_bytes(&odd)));
    g.bench_function("1mb-line-and-10mb-char", |b| {
        b.iter(|| black_box(det.run(&odd).summary()))
    });

    // Mixed scripts: Han, Arabic, Thai, emoji with joiners, combining marks.
    let mixed = "東京で会議 مرحبا بالعالم สวัสดีครับ 👩\u{200D}💻 cafe\u{301} ".repeat(20_000);
    let n = neardup::text::tokens(mixed.as_bytes()).count();
    assert_eq!(n, 20_000 * 15); // 5 Han/Kana, 2 Arabic, 7 Thai (marks attached), 1 Latin
    g.throughput(Throughput::Bytes(mixed.len() as u64));
    g.bench_function("mixed-scripts", |b| {
        b.iter(|| black_box(det.repeats(mixed.as_bytes())))
    });

    let mut rng = Rng(7);
    let doc = text(&mut rng, 300);
    let mut identical = Corpus::new();
    for i in 0..10_000 {
        identical.add(format!("{i}"), doc.clone());
    }
    // One star of 9,999 pairs, not 50 million.
    let report = det.run(&identical);
    assert_eq!(report.clusters().len(), 1);
    assert_eq!(report.summary().pairs, 9_999);
    g.throughput(Throughput::Bytes(corpus_bytes(&identical)));
    g.bench_function("10k-identical-docs", |b| {
        b.iter(|| black_box(det.run(&identical).summary()))
    });

    // Copies of one 240 KB text: grouped by a content hash before any pairwise work, so
    // 2,000 copies cost ten times 200 (same MB/s), not a hundred times.
    let mut rng = Rng(73);
    let long = text(&mut rng, 40_000);
    assert!((230_000..250_000).contains(&long.len()), "{}", long.len());
    for n in [200usize, 2_000] {
        let mut copies = Corpus::new();
        for i in 0..n {
            copies.add(format!("{i}"), long.clone());
        }
        let s = det.run(&copies).summary();
        assert_eq!(
            (s.clusters, s.pairs, s.identical_documents),
            (1, n - 1, n - 1)
        );
        g.throughput(Throughput::Bytes(corpus_bytes(&copies)));
        g.bench_with_input(BenchmarkId::new("identical-240kb-copies", n), &n, |b, _| {
            b.iter(|| black_box(det.run(&copies).summary()))
        });
    }

    // Every document carries the same boilerplate paragraph: its fingerprints are capped,
    // it makes no pair on its own (only documents that also share the word before it do),
    // and the cost stays that of the documents alone.
    let mut rng = Rng(71);
    let footer = text(&mut rng, 60);
    let footer_words = neardup::text::tokens(footer.as_bytes()).count();
    let mut boiler = Corpus::new();
    for i in 0..2000 {
        boiler.add(format!("{i}"), format!("{}{footer}", text(&mut rng, 250)));
    }
    let report = det.run(&boiler);
    let s = report.summary();
    assert!(s.boilerplate_fingerprints > 0);
    assert_eq!(s.pairs, 0);
    assert!(
        report
            .reuse()
            .all(|p| p.passages().iter().all(|q| q.tokens > footer_words))
    );
    g.throughput(Throughput::Bytes(corpus_bytes(&boiler)));
    g.bench_function("shared-boilerplate-2k", |b| {
        b.iter(|| black_box(det.run(&boiler).summary()))
    });

    // Every document shares one 6-word phrase with 39 others, a different phrase for
    // every 40 documents: no passage to report, and no pair is proposed (a phrase is
    // shorter than a fingerprint), so the cost grows with the documents alone.
    for n in [5_000usize, 20_000] {
        let mut rng = Rng(72);
        let phrases: Vec<String> = (0..n / 40)
            .map(|_| text(&mut rng, 6).replace(".\n", " "))
            .collect();
        let mut shared = Corpus::new();
        for i in 0..n {
            let body = text(&mut rng, 120);
            let cut = body.find(' ').map_or(0, |p| p + 1);
            shared.add(
                format!("{i}"),
                format!(
                    "{}{} {}",
                    &body[..cut],
                    phrases[i / 40].trim_end(),
                    &body[cut..]
                ),
            );
        }
        let s = det.run(&shared).summary();
        assert_eq!(
            (s.pairs, s.reuse_pairs, s.passage_candidates),
            (0, 0, 0),
            "{s:?}"
        );
        g.throughput(Throughput::Bytes(corpus_bytes(&shared)));
        g.bench_with_input(BenchmarkId::new("shared-6-word-phrases", n), &n, |b, _| {
            b.iter(|| black_box(det.run(&shared).summary()))
        });
    }

    let (unrelated, _) = corpus(2000, 8);
    let mut none = Corpus::new();
    for (i, (id, d)) in unrelated.iter().enumerate() {
        if i % 50 != 25 {
            none.add(d.name(), unrelated.text(id).to_vec());
        }
    }
    assert_eq!(det.run(&none).summary().pairs, 0);
    g.throughput(Throughput::Bytes(corpus_bytes(&none)));
    g.bench_function("no-duplicates-2k", |b| {
        b.iter(|| black_box(det.run(&none).summary()))
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_text,
    bench_shingle_and_floor,
    bench_minhash,
    bench_lsh,
    bench_align,
    bench_end_to_end,
    bench_reuse,
    bench_pathological
);
criterion_main!(benches);
