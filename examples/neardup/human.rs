//! The report for people (`--format human`), and `compare` likewise.

use neardup::corpus::Status;
use neardup::text::{LineIndex, Span};
use neardup::{Comparison, Detector, Report};
use std::cell::OnceCell;
use std::io::{self, Write};

/// A file name or a snippet for a terminal: control characters (which could move the
/// cursor, clear the screen or fake a line of the report) written as `\u{..}`.
pub fn shown(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// ", N differing" for an edited passage, nothing for an exact one.
fn differing(n: usize) -> String {
    match n {
        0 => String::new(),
        n => format!(", {n} differing"),
    }
}

/// Writes the report: pairs with their passages, passages shared across files, repeats,
/// clusters, skipped files and a summary line.
pub fn write_human<W: Write>(w: &mut W, report: &Report<'_>, det: &Detector) -> io::Result<()> {
    let corpus = report.corpus();
    // The lines of the files the report names, indexed when first named (most files
    // of a large folder are in no pair).
    let lines: Vec<OnceCell<LineIndex>> = (0..corpus.len()).map(|_| OnceCell::new()).collect();
    let place = |id: neardup::DocId, span: Span| {
        let idx = lines[id.index()].get_or_init(|| LineIndex::new(&corpus.text(id)));
        let (first, last) = (idx.line(span.start), idx.line(span.end.saturating_sub(1)));
        format!("{}:{first}-{last}", shown(corpus.get(id).name()))
    };
    let snippet = |id: neardup::DocId, span: Span| snippet_of(&corpus.text(id), span);

    let c = det.settings();
    writeln!(
        w,
        "near-duplicate pairs (exact Jaccard of {}-token shingles >= {}):",
        c.shingle_size(),
        c.threshold()
    )?;
    if report.pairs().len() == 0 {
        writeln!(w, "  none")?;
    }
    for pair in report.pairs() {
        let (a, b) = (
            shown(corpus.get(pair.a).name()),
            shown(corpus.get(pair.b).name()),
        );
        writeln!(w, "  {a}  ~  {b}   jaccard {:.3}", pair.jaccard)?;
        for p in pair.passages() {
            writeln!(
                w,
                "    shared {} = {} ({} tokens{}) \"{}\"",
                place(pair.a, p.a),
                place(pair.b, p.b),
                p.tokens,
                differing(p.differing),
                snippet(pair.a, p.a)
            )?;
        }
    }
    // Passages shared across files, each once, with its first copy first (pairs of
    // files that share them are in the JSON output as `reuse` lines).
    let across: Vec<_> = report
        .passage_groups()
        .filter(|g| g.occurrences().iter().any(|o| o.doc != g.first().doc))
        .collect();
    writeln!(w, "\npassages shared across files (first copy first):")?;
    if across.is_empty() {
        writeln!(w, "  none")?;
    }
    for g in across {
        let first = g.first();
        let others: Vec<String> = g.occurrences()[1..]
            .iter()
            .map(|o| place(o.doc, o.span))
            .collect();
        writeln!(
            w,
            "  {} also at {} \"{}\"",
            place(first.doc, first.span),
            others.join(", "),
            snippet(first.doc, first.span)
        )?;
    }
    writeln!(
        w,
        "\npassages repeated inside one file (>= {} tokens):",
        c.min_passage_tokens()
    )?;
    if report.repeats().len() == 0 {
        writeln!(w, "  none")?;
    }
    for repeat in report.repeats() {
        for p in repeat.passages() {
            writeln!(
                w,
                "  {} again at {} ({} tokens{}) \"{}\"",
                place(repeat.doc, p.first),
                place(repeat.doc, p.again),
                p.tokens,
                differing(p.differing),
                snippet(repeat.doc, p.first)
            )?;
        }
    }
    writeln!(w, "\nclusters:")?;
    if report.clusters().len() == 0 {
        writeln!(w, "  none")?;
    }
    for cluster in report.clusters() {
        let names: Vec<String> = cluster
            .members()
            .iter()
            .map(|&m| shown(corpus.get(m).name()))
            .collect();
        writeln!(
            w,
            "  keep {}; near-duplicates: {}",
            names[0],
            names[1..].join(", ")
        )?;
    }
    let skipped: Vec<_> = corpus
        .iter()
        .filter_map(|(_, d)| match d.status() {
            Status::Skipped(reason) => Some((shown(d.name()), reason)),
            Status::Ok => None,
        })
        .collect();
    if !skipped.is_empty() {
        writeln!(w, "\nskipped files:")?;
        for (name, reason) in skipped {
            writeln!(w, "  {name}: {reason}")?;
        }
    }
    let s = report.summary();
    writeln!(
        w,
        "\nsummary: {} files ({} compared, {} skipped), {} tokens; {} near-duplicate \
         candidates and {} passage candidates checked; {} near-duplicate pairs with {} \
         shared passages, {} clusters ({} files to drop); {} pairs of files share passages; \
         {} repeated passages in {} files",
        s.documents,
        s.ok,
        s.skipped,
        s.tokens,
        s.candidate_pairs,
        s.passage_candidates,
        s.pairs,
        s.shared_passages,
        s.clusters,
        s.duplicate_documents,
        s.reuse_pairs,
        s.repeated_passages,
        s.documents_with_repeats
    )
}

/// Writes a comparison of two files.
pub fn write_comparison<W: Write>(
    w: &mut W,
    (a, a_bytes): (&str, &[u8]),
    (b, b_bytes): (&str, &[u8]),
    c: &Comparison,
) -> io::Result<()> {
    let (la, lb) = (LineIndex::new(a_bytes), LineIndex::new(b_bytes));
    let lines = |idx: &LineIndex, s: Span| (idx.line(s.start), idx.line(s.end.saturating_sub(1)));
    writeln!(
        w,
        "{}  vs  {}: jaccard {:.3} (estimated {:.3}); {}; {}",
        shown(a),
        shown(b),
        c.jaccard,
        c.estimated_jaccard,
        if c.near_duplicate {
            "near-duplicates"
        } else {
            "not near-duplicates"
        },
        if c.candidate {
            "an LSH candidate"
        } else {
            "not an LSH candidate"
        }
    )?;
    if c.passages.is_empty() {
        writeln!(w, "  no shared passage")?;
    }
    for p in &c.passages {
        let ((a1, a2), (b1, b2)) = (lines(&la, p.a), lines(&lb, p.b));
        writeln!(
            w,
            "  shared {}:{a1}-{a2} = {}:{b1}-{b2} ({} tokens{}) \"{}\"",
            shown(a),
            shown(b),
            p.tokens,
            differing(p.differing),
            snippet_of(a_bytes, p.a)
        )?;
    }
    Ok(())
}

/// The words of a span, shortened to its first and last six.
fn snippet_of(bytes: &[u8], span: Span) -> String {
    let text = String::from_utf8_lossy(&bytes[span.start..span.end]);
    let words: Vec<&str> = text.split_whitespace().collect();
    shown(&if words.len() <= 12 {
        words.join(" ")
    } else {
        format!(
            "{} … {}",
            words[..6].join(" "),
            words[words.len() - 6..].join(" ")
        )
    })
}
