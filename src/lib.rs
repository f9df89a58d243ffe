/*!
neardup finds near-duplicate documents and repeated passages in text collections, with
exact byte spans into the original texts.

# Overview

The pipeline, one module per stage, data flowing one way:

* [`text`]: bytes → normalized word tokens (NFKC, lowercase), each with its byte span in
  the original input; invalid UTF-8 only separates tokens.
* [`shingle`]: k consecutive tokens → one `u64` (a seeded polynomial over the tokens'
  hashes, then a 64-bit finalizer); the set of them is what Jaccard similarity is
  measured on.
* [`minhash`]: shingle set → [`Signature`] of k slots whose agreement estimates Jaccard.
* [`lsh`]: signatures → bands → [`LshIndex`] → candidate pairs, verified with the exact
  Jaccard of the shingle sets.
* [`align`]: confirmed pairs → the passages they share (exact runs, chained across small
  edits); every document → the passages repeated inside it. [`reuse`] finds, by winnowed
  fingerprints, the documents that share a passage whatever their overall similarity,
  and groups every passage's occurrences with its first copy first. [`cluster`] joins
  pairs into clusters; [`report`] says it all, also as JSON Lines.

[`Detector`] runs them all over a [`Corpus`].

# Example: near-duplicates

```
use neardup::{Corpus, Detector};

let original = "The council voted on Tuesday to close the old footbridge over the canal \
    after engineers found that two of its wooden supports had rotted through. A \
    temporary crossing will open near the lock gates next month, and the bridge \
    itself will be rebuilt in steel over the winter.";
let edited = original.replace("Tuesday", "Wednesday");

let mut corpus = Corpus::new();
corpus.add("original.txt", original);
corpus.add("edited.txt", edited);
corpus.add("other.txt", "Rain is expected across the region for most of the weekend.");

let report = Detector::builder().threshold(0.7).build()?.run(&corpus);
let pairs: Vec<_> = report.pairs().collect();
assert_eq!(pairs.len(), 1);
assert_eq!((pairs[0].a.index(), pairs[0].b.index()), (0, 1));
assert!(pairs[0].jaccard > 0.7 && pairs[0].jaccard < 1.0);
// The shared passage starts right after the edited word, as a byte span in each text.
let p = pairs[0].passages()[0];
assert_eq!(&original[p.a.start..p.a.start + 5], "to cl");
let cluster = report.clusters().next().unwrap();
assert_eq!(cluster.representative().index(), 0);
# Ok::<(), neardup::Error>(())
```

# Example: repeated passages

```
let paragraph = "Volunteers cleared eleven bags of litter from the beach on Saturday \
    morning, most of it plastic bottles and fishing line washed up by the storm.";
let article = format!("Beach clean-up.\n{paragraph}\nThanks to all who came.\n{paragraph}\n");

let det = neardup::Detector::builder().min_passage_tokens(10).build()?;
let repeats = det.repeats(article.as_bytes());
assert_eq!(repeats.len(), 1);
// Spans run from the first word's first byte to the last word's last byte.
let words = paragraph.trim_end_matches('.');
assert_eq!(&article[repeats[0].first.start..repeats[0].first.end], words);
assert_eq!(&article[repeats[0].again.start..repeats[0].again.end], words);
# Ok::<(), neardup::Error>(())
```

# Lower-level APIs

Each stage is usable alone: [`text::tokens`], [`shingle::ShingleSet`], [`MinHasher`],
[`LshIndex`] (insert, query, remove, candidate pairs), [`Aligner`] (shared passages and
repeats over any `u64` token sequence) and [`cluster::UnionFind`].

# Determinism

Every hash has a fixed seed (xxh3 for tokens and band keys, a seeded polynomial for
shingles, seeded permutations for MinHash), never `std`'s random hasher; output is sorted.
The same corpus and configuration give a byte-identical report on every run, thread count
and platform. Signatures ([`Signature::to_bytes`]) and band keys
([`lsh::Layout::band_keys`]) are plain, stable values, so signing can be sharded across
machines and band keys grouped by another engine, with verification done here.

# Performance

Signing costs one shingle hash per token and, per shingle, one xor and one multiply per
signature slot (k slots, vectorized 8 at a time); LSH O(n·b) for n documents and b bands;
verification and alignment run only on candidate pairs. See the README for measured
figures.

# Crate features

* `parallel` (default): spread per-document and per-pair work over all cores with rayon.
  The output is identical with or without it.
* `serde`: `Serialize` for the report, plan and settings types, `Serialize` and
  `Deserialize` for [`Signature`].
* `walk`: [`corpus::Loader`] and [`Corpus::from_dir`], folders walked with the `ignore`
  crate (ripgrep's walker) with glob, depth, hidden-file and ignore-file rules.
* `jsonl`: `corpus::JsonLines`, datasets of JSON Lines records (plain, `.gz`, `.zst`, or
  standard input) with a text field and an optional id field.
* `parquet`: `corpus::ParquetFiles`, datasets of Parquet files with a text column and an
  optional id column.

Texts can be kept in memory ([`Corpus::new`]) or in a temporary file read back when a
stage needs them ([`Corpus::on_disk`]), for datasets larger than memory.
*/

#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod align;
mod bloom;
pub mod cluster;
pub mod corpus;
pub mod detector;
mod error;
#[cfg(feature = "index")]
pub mod index;
#[allow(unsafe_code)]
mod kernel;
pub mod lsh;
pub mod minhash;
mod par;
pub mod plan;
pub mod progress;
pub mod report;
pub mod reuse;
pub mod shingle;
#[cfg(test)]
#[cfg_attr(
    not(any(feature = "index", feature = "parquet", feature = "walk")),
    allow(dead_code)
)]
mod test_scratch;
pub mod text;

pub use crate::align::Aligner;
pub use crate::corpus::{Corpus, DocId};
pub use crate::detector::{Detector, DetectorBuilder, Settings};
pub use crate::error::{Error, ErrorKind};
pub use crate::lsh::LshIndex;
pub use crate::minhash::{MinHasher, Signature};
pub use crate::report::{Comparison, Pair, Passage, Report};
pub use crate::text::Span;

/// A `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
