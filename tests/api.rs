//! Integration tests through the public API, on fixtures written for this project
//! (examples/demo) and on generated text.

mod common;

use common::{Rng, edit, text};
use neardup::corpus::{SkipReason, Status};
use neardup::{Corpus, Detector, Report};
use std::path::Path;

fn demo() -> Corpus {
    Corpus::from_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo")).unwrap()
}

fn names<'a>(report: &Report<'a>) -> Vec<(&'a str, &'a str)> {
    let c = report.corpus();
    report
        .pairs()
        .map(|p| (c.get(p.a).name(), c.get(p.b).name()))
        .collect()
}

fn json(report: &Report<'_>) -> String {
    let mut out = Vec::new();
    report.write_json_lines(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn demo_folder_finds_the_reprint_and_the_doubled_paragraphs() {
    let corpus = demo();
    let report = Detector::builder().build().unwrap().run(&corpus);
    assert_eq!(
        names(&report),
        [("library-opening.txt", "library-reprint.txt")]
    );
    let pair = report.pairs().next().unwrap();
    assert!(
        pair.jaccard >= 0.8 && pair.jaccard < 1.0,
        "{}",
        pair.jaccard
    );
    // Three one-word edits: one edit-tolerant passage over the whole article ...
    let [whole] = pair.passages() else {
        panic!("one passage expected: {:?}", pair.passages());
    };
    assert_eq!(whole.differing, 3);
    let a = corpus.text(pair.a);
    assert!(a[whole.a.start..].starts_with(b"New library opens"));
    assert_eq!(
        whole.a.end,
        a.len() - 2,
        "up to the last word, before '.\\n'"
    );
    // ... and four exact passages in exact-only mode.
    let exact = Detector::builder().max_gap(0).build().unwrap().run(&corpus);
    let passages = exact.pairs().next().unwrap().passages();
    assert_eq!(passages.len(), 4);
    assert!(passages.iter().all(|p| p.differing == 0));

    let repeats: Vec<_> = report.repeats().collect();
    assert_eq!(repeats.len(), 1);
    let doc = corpus.get(repeats[0].doc);
    assert_eq!(doc.name(), "harbour-festival.txt");
    let [p] = repeats[0].passages() else {
        panic!("one repeated passage expected: {:?}", repeats[0].passages());
    };
    // Lines 2-4 appear again as lines 6-8: the spans run from the first word of line 2 to
    // the last word of line 4, and the same for 6-8.
    let bytes = corpus.text(repeats[0].doc);
    let text = std::str::from_utf8(&bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let first = &text[p.first.start..p.first.end];
    assert!(first.starts_with(lines[1].split(' ').next().unwrap()));
    assert_eq!(
        &text[p.first.start..p.first.end],
        &text[p.again.start..p.again.end]
    );
    assert_eq!(
        first,
        format!("{}\n{}\n{}", lines[1], lines[2], lines[3]).trim_end_matches('.')
    );

    let clusters: Vec<_> = report.clusters().collect();
    assert_eq!(clusters.len(), 1);
    assert_eq!(
        corpus.get(clusters[0].representative()).name(),
        "library-opening.txt"
    );
}

#[test]
fn unrelated_texts_make_no_pair() {
    let mut rng = Rng(1);
    let mut corpus = Corpus::new();
    for i in 0..50 {
        corpus.add(format!("{i}"), text(&mut rng, 300));
    }
    let report = Detector::builder().build().unwrap().run(&corpus);
    assert_eq!(report.pairs().len(), 0);
    assert_eq!(report.clusters().len(), 0);
    assert_eq!(report.summary().ok, 50);
}

#[test]
fn edited_copies_are_found_with_exact_jaccard() {
    let mut rng = Rng(2);
    let mut corpus = Corpus::new();
    let mut planted = Vec::new();
    for i in 0..40 {
        let original = text(&mut rng, 400);
        let a = corpus.add(format!("orig{i}"), original.clone());
        if i % 4 == 0 {
            let b = corpus.add(format!("copy{i}"), edit(&mut rng, &original, 0.01));
            planted.push((a, b));
        }
    }
    let report = Detector::builder()
        .threshold(0.7)
        .build()
        .unwrap()
        .run(&corpus);
    let found: Vec<_> = report.pairs().map(|p| (p.a, p.b)).collect();
    assert_eq!(found, planted);
    for pair in report.pairs() {
        let (a, b) = (corpus.text(pair.a), corpus.text(pair.b));
        let k = 5;
        let ta: Vec<_> = neardup::text::tokens(&a).collect();
        let tb: Vec<_> = neardup::text::tokens(&b).collect();
        let exact = neardup::shingle::ShingleSet::new(&ta, k)
            .jaccard(&neardup::shingle::ShingleSet::new(&tb, k));
        assert_eq!(pair.jaccard, exact);
        assert!(!pair.passages().is_empty());
    }
}

#[test]
fn bad_bytes_and_empty_documents_are_accounted_for() {
    let mut corpus = Corpus::new();
    let good = "alpha beta gamma delta epsilon zeta eta theta iota kappa";
    corpus.add("empty", "");
    corpus.add("plain", good);
    let mut broken = good.as_bytes().to_vec();
    broken.splice(11..11, [0xFF, 0xC3]);
    corpus.add("broken", broken);
    corpus.add("binary", b"PK\x03\x04\x00\x00binary".to_vec());
    corpus.add("only-punctuation", "... --- !!! ???");
    corpus.add_skipped(
        "unreadable",
        12,
        SkipReason::Unreadable("permission denied".into()),
    );
    let report = Detector::builder().build().unwrap().run(&corpus);

    let s = report.summary();
    assert_eq!((s.documents, s.ok, s.skipped), (6, 4, 2));
    let stats: Vec<usize> = report.documents().map(|(_, st)| st.tokens).collect();
    assert_eq!(stats, [0, 10, 10, 0, 0, 0]);
    assert_eq!(
        corpus.iter().nth(3).unwrap().1.status(),
        &Status::Skipped(SkipReason::Binary)
    );
    // The two readable copies of the same words pair up despite the invalid bytes.
    assert_eq!(names(&report), [("plain", "broken")]);

    let out = json(&report);
    let docs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["type"] == "document")
        .collect();
    assert_eq!(docs.len(), 6);
    assert_eq!(docs[3]["status"], "skipped");
    assert_eq!(docs[3]["reason"], "binary (contains NUL bytes)");
    assert_eq!(docs[5]["reason"], "unreadable: permission denied");
    assert_eq!(docs[0]["status"], "ok");
    assert_eq!(docs[0]["tokens"], 0);
}

#[test]
fn json_lines_follow_the_schema() {
    let corpus = demo();
    let report = Detector::builder().build().unwrap().run(&corpus);
    let out = json(&report);
    let objects: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = objects
        .iter()
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "document", "document", "document", "document", "document", "document", "pair",
            "reuse", "repeat", "cluster", "passage", "passage", "passage", "summary"
        ]
    );
    let pair = &objects[6];
    let a = corpus.get(report.pairs().next().unwrap().a);
    for p in pair["passages"].as_array().unwrap() {
        let s = p["a"][0].as_u64().unwrap() as usize;
        let e = p["a"][1].as_u64().unwrap() as usize;
        assert!(s < e && e as u64 <= a.len());
    }
    // The letter quotes a paragraph of the allotment report: reuse, not a near-duplicate.
    assert_eq!(objects[7]["a"], "allotment-water.txt");
    assert_eq!(objects[7]["b"], "letters-page.txt");
    assert!(objects[7]["jaccard"].as_f64().unwrap() < 0.5);
    assert_eq!(objects[9]["representative"], "library-opening.txt");
    // Passage groups, each with its first copy first: the quoted paragraph, the harbour
    // article's doubled block, and the reprinted article.
    let first = |i: usize, j: usize| objects[i]["occurrences"][j]["path"].as_str().unwrap();
    assert_eq!(
        (first(10, 0), first(10, 1)),
        ("allotment-water.txt", "letters-page.txt")
    );
    assert_eq!(first(11, 0), "harbour-festival.txt");
    assert_eq!(
        (first(12, 0), first(12, 1)),
        ("library-opening.txt", "library-reprint.txt")
    );
    let summary = &objects[13];
    assert_eq!(
        (summary["pairs"].as_u64(), summary["reuse_pairs"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(summary["documents"], 6);
    assert_eq!(summary["passage_groups"], 3);
}

#[test]
fn reports_are_identical_across_runs_and_input_order() {
    let mut rng = Rng(3);
    let mut docs = Vec::new();
    for i in 0..30 {
        let t = text(&mut rng, 200);
        docs.push((format!("d{i:02}"), t.clone()));
        if i % 3 == 0 {
            docs.push((format!("e{i:02}"), edit(&mut rng, &t, 0.02)));
        }
    }
    let det = Detector::builder().threshold(0.6).build().unwrap();
    let build = |order: &[(String, String)]| {
        let mut c = Corpus::new();
        for (n, t) in order {
            c.add(n.clone(), t.clone());
        }
        c
    };
    let c1 = build(&docs);
    let first = json(&det.run(&c1));
    assert_eq!(first, json(&det.run(&c1)));

    let mut shuffled = docs.clone();
    shuffled.reverse();
    let c2 = build(&shuffled);
    let r2 = det.run(&c2);
    let mut a: Vec<_> = names(&det.run(&c1))
        .into_iter()
        .map(|(x, y)| if x < y { (x, y) } else { (y, x) })
        .collect();
    let mut b: Vec<_> = names(&r2)
        .into_iter()
        .map(|(x, y)| if x < y { (x, y) } else { (y, x) })
        .collect();
    a.sort();
    b.sort();
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

/// The report is byte-identical whatever the number of threads.
#[test]
fn one_thread_and_many_give_identical_reports() {
    let mut rng = Rng(9);
    let mut corpus = Corpus::new();
    for i in 0..300 {
        let t = text(&mut rng, 150 + i % 100);
        corpus.add(format!("{i:03}"), t.clone());
        if i % 7 == 0 {
            corpus.add(format!("{i:03}-copy"), edit(&mut rng, &t, 0.02));
        }
    }
    let det = Detector::builder().threshold(0.6).build().unwrap();
    let run_on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| json(&det.run(&corpus)))
    };
    let one = run_on(1);
    assert!(one.contains("\"type\":\"pair\""));
    assert_eq!(one, run_on(2));
    assert_eq!(one, run_on(4));
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Detector>();
    check::<Corpus>();
    check::<Report<'static>>();
    check::<neardup::LshIndex>();
    check::<neardup::MinHasher>();
    check::<neardup::Signature>();
    check::<neardup::Aligner>();
    check::<neardup::Error>();
}

/// Signatures and band keys are a stored format: these values must never change without
/// a new format version (a signature written today must compare with one made tomorrow).
#[test]
fn signature_and_band_keys_are_stable_values() {
    let det = Detector::builder().build().unwrap();
    let sig = det
        .sign(b"the quick brown fox jumps over the lazy dog near the river bank")
        .unwrap();
    let digest = xxhash_rust::xxh3::xxh3_64(&sig.to_bytes());
    assert_eq!(
        &sig.values()[..4],
        [873625427, 304056208, 1629250830, 166229609]
    );
    assert_eq!(digest, 7347103913979334095);
    let keys: Vec<u64> = det.layout().band_keys(&sig).unwrap().take(2).collect();
    assert_eq!(keys, [12048498817466699104, 18101496896249013704]);
}

#[test]
fn large_groups_of_near_copies_are_checked_as_a_star() {
    let mut rng = Rng(4);
    let doc = text(&mut rng, 100);
    let mut corpus = Corpus::new();
    for i in 0..30 {
        // Each copy has its own last word: near-duplicates, no two identical.
        corpus.add(format!("{i}"), format!("{doc} end{i}"));
    }
    // Up to max_group near-copies every pair is listed ...
    let all = Detector::builder().build().unwrap().run(&corpus);
    assert_eq!(all.summary().pairs, 30 * 29 / 2);
    // ... above it, the first max_group copies pairwise and the first copy against each
    // later one; the cluster is the same.
    let star = Detector::builder()
        .max_group(10)
        .passage_reuse(false)
        .build()
        .unwrap()
        .run(&corpus);
    let from_first = star.pairs().filter(|p| p.a.index() == 0).count();
    assert_eq!(from_first, 29);
    let first_ten = star
        .pairs()
        .filter(|p| p.a.index() < 10 && p.b.index() < 10)
        .count();
    assert_eq!(first_ten, 45);
    // A few band keys held by fewer documents add some pairs among the later ones, far
    // from all 435.
    assert!(star.summary().pairs < 150, "{}", star.summary().pairs);
    for r in [&all, &star] {
        let clusters: Vec<_> = r.clusters().collect();
        assert_eq!(clusters.len(), 1);
        assert_eq!(clusters[0].members().len(), 30);
    }
}

/// Identical texts are grouped before any pairwise work: every copy is paired with the
/// first one only, whatever the group size, with one passage over the whole text.
#[test]
fn identical_copies_pair_with_the_first_copy_only() {
    let mut rng = Rng(5);
    let doc = text(&mut rng, 100);
    let other = text(&mut rng, 100);
    let mut corpus = Corpus::new();
    for i in 0..300 {
        corpus.add(
            format!("{i:03}"),
            if i % 3 == 1 {
                other.clone()
            } else {
                doc.clone()
            },
        );
    }
    let report = Detector::builder().build().unwrap().run(&corpus);
    let s = report.summary();
    assert_eq!(s.identical_documents, 298);
    assert_eq!(s.pairs, 298);
    for p in report.pairs() {
        let first = if p.b.index() % 3 == 1 { 1 } else { 0 };
        assert_eq!((p.a.index(), p.jaccard), (first, 1.0));
        assert_eq!(p.passages().len(), 1);
        let bytes = corpus.text(p.b);
        let q = p.passages()[0];
        assert_eq!((q.a, q.differing), (q.b, 0));
        assert_eq!(
            &bytes[q.b.start..q.b.end],
            doc_or_other(&doc, &other, p.b.index())
                .trim_end_matches(['.', '\n'])
                .as_bytes()
        );
    }
    assert_eq!(s.clusters, 2);
    assert_eq!(s.reuse_pairs, 0);
}

fn doc_or_other<'a>(doc: &'a str, other: &'a str, i: usize) -> &'a str {
    if i % 3 == 1 { other } else { doc }
}

/// Passages shared by documents that are otherwise unrelated: found whatever the
/// documents' Jaccard, grouped once with the first copy first; boilerplate alone makes no
/// pair.
#[test]
fn quoted_and_syndicated_passages_are_grouped_with_the_first_copy_first() {
    let mut rng = Rng(21);
    let release = text(&mut rng, 80).replace('\n', " ");
    let footer = text(&mut rng, 40).replace('\n', " ");
    let mut corpus = Corpus::new();
    let mut carriers = Vec::new();
    for i in 0..70 {
        let mut doc = text(&mut rng, 400);
        if i % 10 == 3 {
            // Seven articles paste the press release in the middle, one with edits.
            let mid = doc.len() / 2;
            let cut = doc[mid..].find(' ').unwrap() + mid + 1;
            let pasted = if i == 33 {
                edit(&mut rng, &release, 0.04)
            } else {
                release.clone()
            };
            doc.insert_str(cut, &format!("{pasted} "));
            carriers.push(i);
        }
        // Every article ends with the same footer: boilerplate.
        doc.push_str(&footer);
        corpus.add(format!("{i:02}"), doc);
    }
    let report = Detector::builder().build().unwrap().run(&corpus);
    assert_eq!(report.pairs().len(), 0, "no near-duplicates");
    let s = report.summary();
    assert!(s.boilerplate_fingerprints > 0);
    // Every pair of carriers shares the release.
    let release_pairs: Vec<(usize, usize)> = report
        .reuse()
        .filter(|p| carriers.contains(&p.a.index()) && carriers.contains(&p.b.index()))
        .map(|p| (p.a.index(), p.b.index()))
        .collect();
    assert_eq!(release_pairs.len(), 7 * 6 / 2);
    // Any other pair shares more than the footer: a run that only the two hold (here a
    // word or two that happen to end both articles before the footer).
    let footer_words = neardup::text::tokens(footer.as_bytes()).count();
    for p in report.reuse() {
        if !(carriers.contains(&p.a.index()) && carriers.contains(&p.b.index())) {
            assert!(
                p.passages().iter().all(|q| q.tokens > footer_words),
                "{p:?}"
            );
        }
    }
    let groups: Vec<_> = report
        .passage_groups()
        .filter(|g| {
            g.occurrences()
                .iter()
                .any(|o| carriers.contains(&o.doc.index()))
        })
        .collect();
    assert_eq!(groups.len(), 1, "{groups:?}");
    let docs: Vec<usize> = groups[0]
        .occurrences()
        .iter()
        .map(|o| o.doc.index())
        .collect();
    assert_eq!(docs, carriers);
    // The first copy is the first carrier, and it is the release, word for word.
    let first = groups[0].first();
    let bytes = corpus.text(first.doc);
    assert_eq!(
        &bytes[first.span.start..first.span.end],
        release.trim_end_matches(['.', ' ']).as_bytes()
    );
}

/// The plan keeps one member per cluster by the policy's rule, drops the others for it
/// with a real Jaccard, and refuses ranks that do not fit the corpus.
#[test]
fn dedup_plans_follow_their_policy() {
    use neardup::plan::{Action, Keep, Policy};
    let mut rng = Rng(31);
    let base = text(&mut rng, 200);
    let mut corpus = Corpus::new();
    corpus.add("a", base.clone());
    corpus.add("b", format!("{base} and a longer ending here"));
    corpus.add("c", base.clone());
    corpus.add("d", text(&mut rng, 200));
    let report = Detector::builder().build().unwrap().run(&corpus);
    let kept_of = |keep: Keep| -> Vec<Option<usize>> {
        let plan = report.dedup_plan(&Policy::new().keep(keep)).unwrap();
        let clusters: Vec<Option<usize>> = plan.entries().iter().map(|e| e.cluster).collect();
        assert_eq!(clusters, [Some(0), Some(0), Some(0), None]);
        plan.entries()
            .iter()
            .map(|e| match &e.action {
                Action::Drop(d) => {
                    assert!(d.jaccard.is_finite() && d.jaccard > 0.8);
                    assert_eq!(d.identical, corpus.text(d.kept) == corpus.text(e.doc));
                    Some(d.kept.index())
                }
                Action::Keep => None,
                Action::Pass(_) => panic!("all are text"),
            })
            .collect()
    };
    assert_eq!(kept_of(Keep::First), [None, Some(0), Some(0), None]);
    assert_eq!(kept_of(Keep::Longest), [Some(1), None, Some(1), None]);
    assert_eq!(
        kept_of(Keep::Ranked(vec![5, 5, 1, 0])),
        [Some(2), Some(2), None, None]
    );
    let e = report
        .dedup_plan(&Policy::new().keep(Keep::Ranked(vec![1])))
        .unwrap_err();
    assert!(e.to_string().contains("'ranks'"), "{e}");
}

/// Cuts go from the kept documents only, the first copy of a passage stays, and the kept
/// text holds no repeat any more.
#[test]
fn dedup_plan_cuts_leave_one_copy() {
    use neardup::plan::{Action, Policy};
    let mut rng = Rng(32);
    let quote = text(&mut rng, 60).replace('\n', " ");
    let mut corpus = Corpus::new();
    corpus.add(
        "first",
        format!("{} {quote} {}", text(&mut rng, 100), text(&mut rng, 100)),
    );
    corpus.add(
        "second",
        format!("{} {quote} {quote} {quote}", text(&mut rng, 100)),
    );
    corpus.add("binary", b"\x00\x01".to_vec());
    let det = Detector::builder().build().unwrap();
    let report = det.run(&corpus);
    let plan = report
        .dedup_plan(&Policy::new().cut_passages(true))
        .unwrap();
    assert!(matches!(plan.entries()[2].action, Action::Pass(_)));
    assert!(plan.entries()[0].cuts.is_empty(), "the first copy stays");
    let second = &plan.entries()[1];
    assert_eq!(second.action, Action::Keep);
    assert!(!second.cuts.is_empty());
    let kept = plan.kept_bytes(&corpus.text(second.doc), second);
    let words = |t: &[u8]| neardup::text::tokens(t).count();
    let quote_words = words(quote.as_bytes());
    assert!(words(&kept) < words(&corpus.text(second.doc)) - 2 * quote_words);
    assert!(det.repeats(&kept).is_empty());
    for c in &second.cuts {
        assert_eq!(
            c.first.doc.index(),
            0,
            "every cut names the first copy, in 'first'"
        );
    }
}

/// `fingerprint_tokens` (through `min_passage_tokens`) sets the shortest shared run that
/// is found; `boilerplate_docs` how many documents may share a phrase before it stops
/// proposing pairs.
#[test]
fn passage_settings_change_what_is_found() {
    let mut rng = Rng(41);
    let short_run = text(&mut rng, 16).replace('\n', " ");
    let mut corpus = Corpus::new();
    for i in 0..2 {
        let (before, after) = (text(&mut rng, 100), text(&mut rng, 100));
        corpus.add(
            "x",
            format!("{before} edge{i}a {short_run} edge{i}b {after}"),
        );
    }
    let reuse = |b: neardup::DetectorBuilder| b.build().unwrap().run(&corpus).summary().reuse_pairs;
    assert_eq!(
        reuse(Detector::builder()),
        0,
        "16 words is below the default 25"
    );
    assert_eq!(reuse(Detector::builder().min_passage_tokens(16)), 1);

    let phrase = text(&mut rng, 40).replace('\n', " ");
    let mut shared = Corpus::new();
    for i in 0..6 {
        // Words of its own on both sides, so no two documents share more than the phrase.
        let (before, after) = (text(&mut rng, 100), text(&mut rng, 100));
        shared.add(
            format!("{i}"),
            format!("{before} edge{i}a {phrase} edge{i}b {after}"),
        );
    }
    let run = |n: usize| {
        Detector::builder()
            .boilerplate_docs(n)
            .build()
            .unwrap()
            .run(&shared)
            .summary()
    };
    let (common, rare) = (run(5), run(6));
    assert_eq!(common.reuse_pairs, 0);
    assert!(common.boilerplate_fingerprints > 0);
    assert_eq!(rare.reuse_pairs, 15, "six holders pair up all together");
    assert_eq!(rare.passage_groups, 1);
}

/// Every setting at the edges of its type either builds a detector that runs (overflow
/// checks are on in tests) or is refused with an error naming the setting; never a panic.
#[test]
fn extreme_settings_are_refused_or_work() {
    use neardup::DetectorBuilder;
    let mut rng = Rng(51);
    let base = text(&mut rng, 300);
    let mut corpus = Corpus::new();
    corpus.add("a", base.clone());
    corpus.add("b", edit(&mut rng, &base, 0.02));
    corpus.add("c", format!("{base}{base}"));
    corpus.add("d", "");
    let sizes = [
        0,
        1,
        2,
        3,
        64,
        65,
        4096,
        4097,
        1 << 24,
        (1 << 24) + 1,
        usize::MAX,
    ];
    type Set = fn(DetectorBuilder, usize) -> DetectorBuilder;
    let setters: [(&str, Set); 11] = [
        ("shingle_size", |b, n| b.shingle_size(n)),
        ("num_hashes", |b, n| b.num_hashes(n)),
        ("bands", |b, n| b.bands(n).rows(1)),
        ("rows", |b, n| b.bands(1).rows(n)),
        ("min_passage_tokens", |b, n| b.min_passage_tokens(n)),
        ("max_group", |b, n| b.max_group(n)),
        ("fingerprint_tokens", |b, n| b.fingerprint_tokens(n)),
        ("boilerplate_docs", |b, n| b.boilerplate_docs(n)),
        ("seed_tokens", |b, n| b.seed_tokens(n)),
        ("max_gap", |b, n| b.max_gap(n)),
        ("seed", |b, n| b.seed(n as u64)),
    ];
    for (name, set) in setters {
        for &n in &sizes {
            match set(Detector::builder(), n).build() {
                Ok(det) => {
                    let s = det.run(&corpus).summary();
                    assert_eq!(s.documents, 4, "{name} = {n}");
                }
                Err(e) => {
                    let named = ["bands", "rows"].contains(&name)
                        && e.to_string().contains("'rows'")
                        || e.to_string().contains(&format!("'{name}'"));
                    assert!(named, "{name} = {n}: {e}");
                }
            }
        }
    }
    for t in [
        f64::NAN,
        f64::INFINITY,
        -0.0,
        0.0,
        f64::MIN_POSITIVE,
        1.0,
        1.0 + f64::EPSILON,
    ] {
        let built = Detector::builder().threshold(t).build();
        assert_eq!(built.is_ok(), t > 0.0 && t <= 1.0, "threshold {t}");
        let built = Detector::builder().false_negative_weight(t).build();
        assert_eq!(built.is_ok(), t > 0.0 && t < 1.0, "weight {t}");
    }
}
