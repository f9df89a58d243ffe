//! A few documents from any bytes (0xFF 0xFF separates them, each also added twice so
//! that pairs exist): no panic, every document accounted for, every passage the same
//! normalized text on both sides, JSON valid UTF-8, and the same report twice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neardup::text::{normalized, tokens};
use neardup::{Corpus, Detector, Span};

fn norm_tokens(bytes: &[u8], span: Span) -> Vec<String> {
    let piece = &bytes[span.start..span.end];
    tokens(piece).map(|t| normalized(piece, t.span)).collect()
}

fuzz_target!(|data: &[u8]| {
    let mut corpus = Corpus::new();
    for (i, doc) in data.split(|&b| b == 0xFE).take(6).enumerate() {
        corpus.add(format!("{i}"), doc.to_vec());
        let mut edited = doc.to_vec();
        edited.extend_from_slice(b" tail");
        corpus.add(format!("{i}e"), edited);
    }
    let det = Detector::builder()
        .min_passage_tokens(2)
        .shingle_size(2)
        .threshold(0.3)
        .max_gap(0) // exact passages only, so both sides must be the same tokens
        .build()
        .unwrap();
    let report = det.run(&corpus);
    assert_eq!(report.documents().len(), corpus.len());
    for pair in report.pairs().chain(report.reuse()) {
        let (a, b) = (corpus.get(pair.a).bytes(), corpus.get(pair.b).bytes());
        assert!((0.0..=1.0).contains(&pair.jaccard));
        for p in pair.passages() {
            assert_eq!(norm_tokens(a, p.a), norm_tokens(b, p.b));
        }
    }
    for r in report.repeats() {
        let t = corpus.get(r.doc).bytes();
        for p in r.passages() {
            assert!(p.first.end <= p.again.start);
            assert_eq!(norm_tokens(t, p.first), norm_tokens(t, p.again));
        }
    }
    let mut first = Vec::new();
    report.write_json_lines(&mut first).unwrap();
    assert!(std::str::from_utf8(&first).is_ok());
    let mut second = Vec::new();
    det.run(&corpus).write_json_lines(&mut second).unwrap();
    assert_eq!(first, second);
});
