//! What a run found: per-document accounts, near-duplicate pairs with their shared
//! passages, passages repeated inside documents, clusters, and a summary; and a JSON Lines
//! writer for all of it.
//!
//! Everything is sorted (pairs by `(a, b)`, passages by position, clusters by their
//! representative), so the same corpus and configuration give a byte-identical report on
//! every run, thread count and platform.
//!
//! # JSON Lines
//!
//! [`Report::write_json_lines`] writes one object per line, in this order: every
//! `document`, every near-duplicate `pair`, every `reuse` pair (documents below the
//! threshold that share passages), every `repeat`, every `cluster`, every `passage` group,
//! then one `summary`. Offsets are half-open byte offsets `[start, end)` into the
//! document's original bytes; a passage runs from its first word's first byte to its last
//! word's last byte.
//!
//! ```text
//! {"type":"document","path":P,"bytes":N,"tokens":N,"status":"ok"|"skipped","reason":S|null}
//! {"type":"pair","a":P,"b":P,"jaccard":F,
//!  "passages":[{"a":[S,E],"b":[S,E],"tokens":N,"differing":N}]}
//! {"type":"reuse","a":P,"b":P,"jaccard":F,"passages":[...as in pair...]}
//! {"type":"repeat","path":P,"passages":[{"first":[S,E],"again":[S,E],"tokens":N,"differing":N}]}
//! {"type":"cluster","members":[P,..],"representative":P}
//! {"type":"passage","occurrences":[{"path":P,"span":[S,E]},..]}
//! {"type":"summary","documents":N,"ok":N,"skipped":N,"tokens":N,"candidate_pairs":N,
//!  "pairs":N,"shared_passages":N,"documents_with_repeats":N,"repeated_passages":N,
//!  "clusters":N,"duplicate_documents":N,"reuse_pairs":N,"passage_groups":N,
//!  "boilerplate_fingerprints":N}
//! ```
//!
//! In `pair` and `reuse`, `a` comes first in the corpus; `tokens` counts the words that
//! match exactly and `differing` the words changed between the copies. A `passage` group
//! lists every occurrence of one passage, in corpus order and then by position: the first
//! occurrence is the first copy, the one to keep.

use crate::corpus::{Corpus, DocId, Status};
use crate::reuse::PassageGroup;
use crate::text::Span;
use std::io::{self, Write};

/// A passage two documents share: the same normalized tokens at `a` in the first and at
/// `b` in the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Passage {
    /// Where it is in the first document, from its first token's first byte to its last
    /// token's last byte.
    pub a: Span,
    /// Where it is in the second document.
    pub b: Span,
    /// Tokens that match exactly (the passage's exact runs).
    pub tokens: usize,
    /// Tokens that differ between the copies: in each gap between exact runs, the larger
    /// of its two sides. 0 for an exact passage.
    pub differing: usize,
}

/// How two texts compare, from [`Detector::compare`](crate::Detector::compare).
///
/// With the `serde` feature this and the other report types serialize with their field
/// names; spans as `{"start":S,"end":E}`:
///
/// ```
/// # #[cfg(feature = "serde")] {
/// let det = neardup::Detector::builder().min_passage_tokens(5).build()?;
/// let c = det.compare(b"one two three four five six", b"one two three four five six");
/// let json = serde_json::to_value(&c).unwrap();
/// assert_eq!(json["jaccard"], 1.0);
/// assert_eq!(json["passages"][0]["a"], serde_json::json!({"start": 0, "end": 27}));
/// let settings = serde_json::to_value(det.settings()).unwrap();
/// assert_eq!(settings["min_passage_tokens"], 5);
/// # }
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Comparison {
    /// The exact Jaccard similarity of the two shingle sets (0 when either text has no
    /// token).
    pub jaccard: f64,
    /// The MinHash estimate of it: the fraction of equal signature slots.
    pub estimated_jaccard: f64,
    /// Whether `jaccard` reaches the detector's threshold.
    pub near_duplicate: bool,
    /// Whether the two share an LSH band key, so that [`Detector::run`](crate::Detector::run)
    /// checks them as a near-duplicate candidate.
    pub candidate: bool,
    /// The passages they share, verified, by position in the first text.
    pub passages: Vec<Passage>,
}

/// A passage that occurs twice in one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RepeatedPassage {
    /// The first copy.
    pub first: Span,
    /// A later copy of the same normalized tokens (up to `differing` changed ones);
    /// never overlaps `first`.
    pub again: Span,
    /// Tokens that match exactly.
    pub tokens: usize,
    /// Tokens changed between the copies (0 for an exact repeat).
    pub differing: usize,
}

/// A confirmed near-duplicate pair.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Pair {
    /// The document that comes first in the corpus.
    pub a: DocId,
    /// The other one.
    pub b: DocId,
    /// The Jaccard similarity of the two shingle sets: exact for every near-duplicate
    /// pair; for a [reuse](Report::reuse) pair exact when
    /// [`jaccard_is_exact`](Pair::jaccard_is_exact), else estimated from the MinHash
    /// signatures (see there).
    pub jaccard: f64,
    pub(crate) jaccard_exact: bool,
    pub(crate) passages: Vec<Passage>,
}

impl Pair {
    /// Whether [`jaccard`](Pair::jaccard) is exact. Always true for near-duplicate
    /// pairs. A reuse pair is checked exactly when the LSH index proposed it or when
    /// its estimate came within five standard errors of the threshold; otherwise
    /// `jaccard` is the share of agreeing MinHash slots (low byte of each, corrected for
    /// chance agreement), with standard error about `sqrt(J(1-J)/k)` for k hashes.
    pub fn jaccard_is_exact(&self) -> bool {
        self.jaccard_exact
    }

    /// The passages the two share, by position in `a`; every token of either document is
    /// in at most one of them.
    pub fn passages(&self) -> &[Passage] {
        &self.passages
    }
}

/// The passages repeated inside one document.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Repeat {
    /// The document.
    pub doc: DocId,
    pub(crate) passages: Vec<RepeatedPassage>,
}

impl Repeat {
    /// The repeated passages, by first copy, then later copy.
    pub fn passages(&self) -> &[RepeatedPassage] {
        &self.passages
    }
}

/// A group of documents connected by confirmed pairs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Cluster {
    pub(crate) members: Vec<DocId>,
}

impl Cluster {
    /// The member that comes first in the corpus: the copy to keep.
    pub fn representative(&self) -> DocId {
        self.members[0]
    }

    /// All members in corpus order, the representative first.
    pub fn members(&self) -> &[DocId] {
        &self.members
    }
}

/// What happened to one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DocumentStats {
    /// Its number of tokens (0 when skipped).
    pub tokens: usize,
}

/// Counts over the whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Summary {
    /// Documents in the corpus.
    pub documents: usize,
    /// Documents compared.
    pub ok: usize,
    /// Documents skipped.
    pub skipped: usize,
    /// Tokens in all compared documents.
    pub tokens: usize,
    /// Pairs the LSH index proposed (near-duplicate candidates), all checked with exact
    /// Jaccard.
    pub candidate_pairs: usize,
    /// Pairs that share two passage fingerprints in a consistent order, or one long one
    /// (passage candidates): near-duplicates among them are aligned whole, the others
    /// around their shared fingerprints. A pair may be both kinds of candidate.
    pub passage_candidates: usize,
    /// Passage candidates that turned out to share at least one passage.
    pub passage_candidates_with_passages: usize,
    /// Near-duplicate pairs that the LSH index did not propose, found because they share
    /// passage fingerprints (see [`Builder::passage_reuse`](crate::DetectorBuilder::passage_reuse)).
    pub pairs_from_passages: usize,
    /// Pairs confirmed by exact Jaccard.
    pub pairs: usize,
    /// Documents whose bytes are those of an earlier document: each is paired with that
    /// first copy only (Jaccard 1), and takes no other part in the comparison.
    pub identical_documents: usize,
    /// Shared passages over all pairs.
    pub shared_passages: usize,
    /// Documents with at least one repeated passage.
    pub documents_with_repeats: usize,
    /// Repeated passages over all documents.
    pub repeated_passages: usize,
    /// Clusters.
    pub clusters: usize,
    /// Cluster members that are not their cluster's representative.
    pub duplicate_documents: usize,
    /// Pairs of documents below the threshold that share at least one passage.
    pub reuse_pairs: usize,
    /// Groups of passage occurrences.
    pub passage_groups: usize,
    /// Distinct fingerprints left out as boilerplate.
    pub boilerplate_fingerprints: usize,
}

/// The result of [`Detector::run`](crate::Detector::run). Borrows the corpus for names.
#[derive(Clone, Debug)]
pub struct Report<'c> {
    pub(crate) corpus: &'c Corpus,
    pub(crate) stats: Vec<DocumentStats>,
    pub(crate) pairs: Vec<Pair>,
    pub(crate) repeats: Vec<Repeat>,
    pub(crate) clusters: Vec<Cluster>,
    pub(crate) passage_groups: Vec<PassageGroup>,
    pub(crate) reuse: Vec<Pair>,
    pub(crate) counts: Counts,
    /// The detector that made it, for plans that need its settings.
    pub(crate) detector: crate::Detector,
}

/// The counts that a run keeps besides its results.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counts {
    pub(crate) candidate_pairs: usize,
    pub(crate) passage_candidates: usize,
    pub(crate) passage_candidates_with_passages: usize,
    pub(crate) pairs_from_passages: usize,
    pub(crate) boilerplate_fingerprints: usize,
    pub(crate) identical_documents: usize,
}

impl<'c> Report<'c> {
    /// The corpus it is about.
    pub fn corpus(&self) -> &'c Corpus {
        self.corpus
    }

    /// Every document of the corpus with its stats, in corpus order.
    pub fn documents(&self) -> impl ExactSizeIterator<Item = (DocId, DocumentStats)> + '_ {
        self.stats
            .iter()
            .enumerate()
            .map(|(i, s)| (DocId::from_index(i), *s))
    }

    /// Confirmed near-duplicate pairs, sorted by `(a, b)`.
    pub fn pairs(&self) -> std::slice::Iter<'_, Pair> {
        self.pairs.iter()
    }

    /// Documents with repeated passages, in corpus order.
    pub fn repeats(&self) -> std::slice::Iter<'_, Repeat> {
        self.repeats.iter()
    }

    /// Clusters of two or more documents, by representative.
    pub fn clusters(&self) -> std::slice::Iter<'_, Cluster> {
        self.clusters.iter()
    }

    /// Pairs of documents below the threshold that share passages (a quote, a pasted
    /// block), sorted by `(a, b)`; `jaccard` is their exact Jaccard.
    pub fn reuse(&self) -> std::slice::Iter<'_, Pair> {
        self.reuse.iter()
    }

    /// Groups of occurrences of one passage, across and within documents, each with its
    /// first copy first; ordered by first copy.
    pub fn passage_groups(&self) -> std::slice::Iter<'_, PassageGroup> {
        self.passage_groups.iter()
    }

    /// The counts.
    pub fn summary(&self) -> Summary {
        let ok = self.corpus.iter().filter(|(_, d)| d.is_ok()).count();
        Summary {
            documents: self.corpus.len(),
            ok,
            skipped: self.corpus.len() - ok,
            tokens: self.stats.iter().map(|s| s.tokens).sum(),
            candidate_pairs: self.counts.candidate_pairs,
            passage_candidates: self.counts.passage_candidates,
            passage_candidates_with_passages: self.counts.passage_candidates_with_passages,
            pairs_from_passages: self.counts.pairs_from_passages,
            identical_documents: self.counts.identical_documents,
            pairs: self.pairs.len(),
            shared_passages: self.pairs.iter().map(|p| p.passages.len()).sum(),
            documents_with_repeats: self.repeats.len(),
            repeated_passages: self.repeats.iter().map(|r| r.passages.len()).sum(),
            clusters: self.clusters.len(),
            duplicate_documents: self.clusters.iter().map(|c| c.members.len() - 1).sum(),
            reuse_pairs: self.reuse.len(),
            passage_groups: self.passage_groups.len(),
            boilerplate_fingerprints: self.counts.boilerplate_fingerprints,
        }
    }

    /// Writes the report as JSON Lines (see the module docs for the schema).
    pub fn write_json_lines<W: Write>(&self, mut w: W) -> io::Result<()> {
        let name = |id: DocId| self.corpus.get(id).name();
        for (id, doc) in self.corpus.iter() {
            w.write_all(b"{\"type\":\"document\",\"path\":")?;
            write_str(&mut w, doc.name())?;
            w.write_all(b",\"bytes\":")?;
            write_num(&mut w, doc.len())?;
            w.write_all(b",\"tokens\":")?;
            write_num(&mut w, self.stats[id.index()].tokens as u64)?;
            w.write_all(b",")?;
            match doc.status() {
                Status::Ok => w.write_all(b"\"status\":\"ok\",\"reason\":null}\n")?,
                Status::Skipped(reason) => {
                    w.write_all(b"\"status\":\"skipped\",\"reason\":")?;
                    write_str(&mut w, &reason.to_string())?;
                    w.write_all(b"}\n")?;
                }
            }
        }
        for (kind, pair) in self
            .pairs
            .iter()
            .map(|p| ("pair", p))
            .chain(self.reuse.iter().map(|p| ("reuse", p)))
        {
            write!(w, "{{\"type\":\"{kind}\",\"a\":")?;
            write_str(&mut w, name(pair.a))?;
            w.write_all(b",\"b\":")?;
            write_str(&mut w, name(pair.b))?;
            write!(w, ",\"jaccard\":{}", pair.jaccard)?;
            if kind == "reuse" {
                write!(w, ",\"jaccard_exact\":{}", pair.jaccard_exact)?;
            }
            w.write_all(b",\"passages\":[")?;
            for (i, p) in pair.passages.iter().enumerate() {
                let ends = (("a", p.a), ("b", p.b));
                write_passage(&mut w, i == 0, ends, (p.tokens, p.differing))?;
            }
            w.write_all(b"]}\n")?;
        }
        for repeat in &self.repeats {
            w.write_all(b"{\"type\":\"repeat\",\"path\":")?;
            write_str(&mut w, name(repeat.doc))?;
            w.write_all(b",\"passages\":[")?;
            for (i, p) in repeat.passages.iter().enumerate() {
                let ends = (("first", p.first), ("again", p.again));
                write_passage(&mut w, i == 0, ends, (p.tokens, p.differing))?;
            }
            w.write_all(b"]}\n")?;
        }
        for cluster in &self.clusters {
            w.write_all(b"{\"type\":\"cluster\",\"members\":[")?;
            for (i, &m) in cluster.members.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                write_str(&mut w, name(m))?;
            }
            w.write_all(b"],\"representative\":")?;
            write_str(&mut w, name(cluster.representative()))?;
            w.write_all(b"}\n")?;
        }
        for group in &self.passage_groups {
            w.write_all(b"{\"type\":\"passage\",\"occurrences\":[")?;
            for (i, o) in group.occurrences().iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                w.write_all(b"{\"path\":")?;
                write_str(&mut w, name(o.doc))?;
                w.write_all(b",\"span\":")?;
                write_span(&mut w, o.span)?;
                w.write_all(b"}")?;
            }
            w.write_all(b"]}\n")?;
        }
        let s = self.summary();
        writeln!(
            w,
            "{{\"type\":\"summary\",\"documents\":{},\"ok\":{},\"skipped\":{},\"tokens\":{},\
             \"candidate_pairs\":{},\"passage_candidates\":{},\
             \"passage_candidates_with_passages\":{},\"pairs\":{},\"pairs_from_passages\":{},\
             \"identical_documents\":{},\
             \"shared_passages\":{},\
             \"documents_with_repeats\":{},\"repeated_passages\":{},\"clusters\":{},\
             \"duplicate_documents\":{},\"reuse_pairs\":{},\"passage_groups\":{},\
             \"boilerplate_fingerprints\":{}}}",
            s.documents,
            s.ok,
            s.skipped,
            s.tokens,
            s.candidate_pairs,
            s.passage_candidates,
            s.passage_candidates_with_passages,
            s.pairs,
            s.pairs_from_passages,
            s.identical_documents,
            s.shared_passages,
            s.documents_with_repeats,
            s.repeated_passages,
            s.clusters,
            s.duplicate_documents,
            s.reuse_pairs,
            s.passage_groups,
            s.boilerplate_fingerprints
        )
    }
}

/// Writes `n` in decimal, without the formatting machinery: a report of many passages
/// writes a few numbers for each, and formatting them took a fifth of its writing time.
fn write_num<W: Write>(w: &mut W, n: u64) -> io::Result<()> {
    let mut digits = [0u8; 20];
    let (mut n, mut i) = (n, digits.len());
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    w.write_all(&digits[i..])
}

/// Writes one passage of a list, `{"A":[s,e],"B":[s,e],"tokens":N,"differing":N}` for
/// its two ends named A and B (after a comma unless it is the `first` of its list).
fn write_passage<W: Write>(
    w: &mut W,
    first: bool,
    ((name_a, a), (name_b, b)): ((&str, Span), (&str, Span)),
    (tokens, differing): (usize, usize),
) -> io::Result<()> {
    w.write_all(if first { b"{\"" } else { b",{\"" })?;
    w.write_all(name_a.as_bytes())?;
    w.write_all(b"\":")?;
    write_span(w, a)?;
    w.write_all(b",\"")?;
    w.write_all(name_b.as_bytes())?;
    w.write_all(b"\":")?;
    write_span(w, b)?;
    w.write_all(b",\"tokens\":")?;
    write_num(w, tokens as u64)?;
    w.write_all(b",\"differing\":")?;
    write_num(w, differing as u64)?;
    w.write_all(b"}")
}

/// Writes `span` as `[start,end]`.
fn write_span<W: Write>(w: &mut W, span: Span) -> io::Result<()> {
    w.write_all(b"[")?;
    write_num(w, span.start as u64)?;
    w.write_all(b",")?;
    write_num(w, span.end as u64)?;
    w.write_all(b"]")
}

/// `s` as a JSON string literal.
pub(crate) fn json_str(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    write_str(&mut out, s).expect("writing to a Vec does not fail");
    String::from_utf8(out).expect("the escaped string is UTF-8")
}

/// Writes `s` as a JSON string literal.
fn write_str<W: Write>(w: &mut W, s: &str) -> io::Result<()> {
    w.write_all(b"\"")?;
    let mut last = 0;
    for (i, c) in s.char_indices() {
        let escape: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        w.write_all(&s.as_bytes()[last..i])?;
        match escape {
            Some(e) => w.write_all(e.as_bytes())?,
            None => write!(w, "\\u{:04x}", c as u32)?,
        }
        last = i + c.len_utf8();
    }
    w.write_all(&s.as_bytes()[last..])?;
    w.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [
            0,
            7,
            10,
            99,
            100,
            123_456_789,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut out = Vec::new();
            write_num(&mut out, n).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), n.to_string());
        }
        let mut out = Vec::new();
        write_span(&mut out, Span::new(3, 41)).unwrap();
        assert_eq!(out, b"[3,41]");
    }

    #[test]
    fn json_strings_are_escaped() {
        let cases = [
            ("plain", r#""plain""#),
            ("q\"b\\", r#""q\"b\\""#),
            ("line\nx\t", r#""line\nx\t""#),
            ("\u{1}é", "\"\\u0001é\""),
        ];
        for (input, want) in cases {
            let mut out = Vec::new();
            write_str(&mut out, input).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }
}
