//! A persistent, incremental index: "have we seen this document before, and which of its
//! passages were copied?" asked one document at a time, across runs of a program.
//!
//! [`Index`] keeps, in one folder, the detector settings it was built with and for every
//! document its id, the time it was added, its text compressed with zstd (so that
//! candidates are verified exactly without the original files), the band keys of its
//! MinHash signature and its passage fingerprints. [`Index::add`] answers what a new
//! document matches among those already in, then adds it; [`Index::query`] answers
//! without adding.
//!
//! # Algorithm
//!
//! The same candidates as [`Detector::run`](crate::Detector::run): documents that share a
//! band key with the new one (near-duplicate candidates), and documents that share two of
//! its passage fingerprints in a consistent order, or one long one (below;
//! [`reuse::consistent`](crate::reuse::consistent)), leaving out a fingerprint that
//! more than `boilerplate_docs` documents of the index hold. Every candidate is then compared exactly
//! ([`Detector::compare`](crate::Detector::compare)): exact Jaccard, and the passages the
//! two share, verified, with byte spans in both.
//!
//! Identical texts are taken as a batch run takes them (the `copies` module): a
//! document whose bytes an earlier one holds is a copy of the first that held them, and
//! answers that one alone, a near-duplicate of Jaccard 1 sharing the whole text. A copy
//! adds no band key or fingerprint, so later documents pair with the first copy only,
//! and boilerplate is counted over distinct texts. When the first copy is removed, its
//! earliest copy takes its place and its keys.
//!
//! Unlike a batch run, boilerplate is decided when a document is added, from the documents
//! already in the index. As in a batch run, common text is found in two steps. First by
//! its pickers: a fingerprint is common once more than `boilerplate_docs` documents
//! picked it (the new one counted), as a batch run finds it
//! ([`Boilerplate`](crate::reuse::Boilerplate)); its pickers are stored until then, and
//! no more after (the one at which it turns common included, so that later documents
//! find it common: see the `late` module). Then by containment: winnowing at the edges of a
//! footer picks different windows in different documents, and counted only where
//! picked, those would pair documents through the footer long after it is common. As a
//! batch run does, a document that holds text common by its pickers counts the windows
//! near the ends of it that it did not pick, from the time it holds such text, stored as
//! holders that pair with nobody (the `edges` module): when it is added, around the text
//! common then, and at each later document where more of its text turns common, around
//! that text (a batch run counts them a step at a time too,
//! [`Detector::passage_windows`](crate::Detector::passage_windows)). A fingerprint that
//! more than `boilerplate_docs` documents hold, picked or contained, is boilerplate:
//! later additions no longer pair through it. So the first
//! `boilerplate_docs` documents that hold a footer pair through it (a batch run, which
//! sees them all, pairs none).
//!
//! A document that holds text common by its pickers when it is added also takes the
//! long windows ([`reuse::long_layout`](crate::reuse::long_layout), 30 tokens) over the
//! runs of those fingerprints it picked, as a batch run does
//! ([`Fingerprints::around_boilerplate`](crate::reuse::Fingerprints::around_boilerplate));
//! one is enough to align a pair: a run of common phrases that few documents hold in that
//! order is found (the footer with the word before it, say). It takes them over the
//! windows within `w - 1` of the ends of that text too, as a batch run does, so
//! that every document that holds the same common text takes the same long windows
//! over it. Text common by containment alone takes none, in the index as in a batch
//! run. Long
//! fingerprints become boilerplate as others do, once more than `boilerplate_docs`
//! documents hold them. The documents added before their text was common take the long
//! windows over it when it turns common (the `late` module), as a batch run over the
//! documents up to then takes them in every document: a footer that every document
//! holds pairs none once more than `boilerplate_docs` documents hold it, apart from the
//! rare runs that a batch run pairs through it too, and those runs pair the footer's
//! early holders as well as its later ones.
//!
//! Where the answers can still differ from a batch run's (the README measures how
//! often, on real text): the holders of a fingerprint read up to
//! 64 times `boilerplate_docs` documents (one that more hold is taken as common by
//! its pickers too, whoever picked it), the approximations of the `late` module's
//! docs, and differences not traced yet.
//!
//! A batch is matched in six steps: each document's keys (and repeats, and compressed
//! text) are made, in parallel, and its first copy looked up; the keys of all the
//! documents are looked up together in the committed index, through a read
//! transaction; the keys of the batch are sorted,
//! which tells for each document which documents before it in the batch hold its keys
//! (the `batch` module); each document's boilerplate is counted, in parallel (the
//! `boilerplate` module): what pickers make common and the windows each document then
//! counts by containment, then what is common by containment too (in a round again
//! where those windows took a fingerprint past the bound of reading its holders,
//! which changes what its pickers made common);
//! the documents that hold text common by its pickers take their long fingerprints over it (each
//! from the token hashes made to count its windows), and the earlier holders of what
//! turns common at a document take theirs (from their stored texts), which are looked
//! up and sorted as the others;
//! then every document's candidates are made, in parallel; the documents that several
//! are checked against are read and tokenized once for all of them (up to 8 MiB of
//! text a batch); and each document is checked against its candidates, in parallel.
//! The result is the same as adding the documents one at a time. Runs due a merge are
//! merged beside the batches, on a thread of their own (see Storage).
//!
//! # Storage
//!
//! The index is a folder: `index.redb` and `runs/`.
//!
//! `index.redb` is a [redb](https://docs.rs/redb) database, an embedded key-value store of
//! copy-on-write B-trees whose transactions are atomic and durable. It holds the
//! settings, the documents' records and texts, the zstd dictionary the texts are
//! compressed with (the `texts` module), and the list of runs. A batch
//! ([`Index::add_batch`]) is one write transaction: after a crash the index holds every
//! committed batch and nothing of the interrupted one. One process writes and any number
//! of others read at the same time (redb's single-writer mode, byte-range file locks): a
//! reader opened with [`Options::read_only`] sees every batch committed before its query
//! began and nothing of a batch being written. A second writer gets an
//! [`ErrorKind::Store`] error, and so does a write through a read-only index. Within a
//! process, [`Index::query`] takes `&self` and [`Index::add`] `&mut self`.
//!
//! Band keys and fingerprints are not B-tree entries: each committed batch writes them
//! as one sorted, immutable run, a file in `runs/`, and runs are merged six at a time as
//! they accumulate (the `runs` module), so that adding a batch costs about the same in a
//! small index as in a large one. A run's file is written, checksummed and flushed to
//! disk before the transaction that lists it commits, and the files of merged runs are
//! deleted after; files that a crash or a failed write left behind, listed by no
//! committed transaction, are deleted when a writer opens the index and after a write
//! of its fails.
//!
//! A merge runs beside the batches: once a batch commits and runs are due a merge, a
//! thread of its own writes the merged run's file while later batches are added, and
//! the first write that finds it done commits it, in a transaction of its own, in place
//! of the runs it merged (which were immutable meanwhile). Adding a batch never waits
//! for a merge (with the `parallel` feature; without it, the batch that begins a merge
//! writes it), so the other core does a merge's work while a batch's steps that use one
//! core run (writing, committing), and a large merge does not hold up the batches.
//! What the index answers does not change with a merge. A merge whose file
//! cannot be written is dropped (a later batch merges again when runs are due one), and
//! its error kept for [`Index::wait_for_merge`]. One merge runs at
//! a time; [`Index::wait_for_merge`] waits for it and commits it, and
//! [`remove`](Index::remove), [`prune`](Index::prune), [`compact`](Index::compact) and
//! dropping the index do so first. After a crash the merge's file, listed by no
//! transaction, is deleted, and a later batch begins a merge when runs are due one.
//!
//! # Cost
//!
//! Per document on disk: its compressed text, 16 bytes for the hash of its text (a
//! copy: two table entries naming its first copy, instead of any key), 16 bytes per
//! band key and per fingerprint (none for a copy; about 0.29 fingerprints per token; a
//! document that holds text common by its pickers also stores up
//! to `2(w - 1)` windows counted by containment per stretch of it, even where those are
//! boilerplate already, and about one long fingerprint per token of it, those not
//! boilerplate already, taken when it is added or later, when its text turns common;
//! and pickers are stored until more than `boilerplate_docs` picked a fingerprint,
//! also while it is common by containment only:
//! on the man pages 1.85 million fingerprint entries instead of 0.98), and in memory,
//! for every process that has the
//! index open, 12 bits per band key and fingerprint in a run that held more than half of
//! the entries when it was written and 14 in the others (the runs' Bloom filters; a
//! compacted index has one run, of 12) and a little for the runs' block keys. A writer
//! also keeps 12 bits for every key it adds, up to about three times that just after
//! its filters grow, while it is open (the `seen` module). A query tokenizes and signs
//! the new text (linear in its length), asks each run's filter about each key and reads
//! a block of the runs that may hold it (the holders of a fingerprint that more than
//! `boilerplate_docs` documents hold but fewer picked are read up to
//! 64 times `boilerplate_docs` documents, 3,200 by default, 16 bytes
//! each), and decompresses and compares each candidate.
//! A writer asks the runs of the documents it added itself only about the keys that its
//! own filters of their keys let through: most of a new document's fingerprints are in
//! no run, and those filters (about seven at a million documents) turn them away, where
//! otherwise every run's filter is asked and a block read for each key one lets through.
//! A batch asks the filters about the keys of all its documents at once, in the order of
//! their bits in the filters, and sorts its own keys (which tells each document which
//! documents before it in the batch hold them). A batch of b documents also writes its
//! run, and merges write each entry about log6(n/b) + 1 times over an index of n.

use crate::bloom::{by_top_bits, mix};
use crate::detector::{Detector, IndexScratch, Settings};
use crate::error::Error;
#[cfg(doc)]
use crate::error::ErrorKind;
use crate::progress::{Progress, Stage};
use crate::report::{Passage, RepeatedPassage};
use crate::reuse::Fingerprints;
use batch::BatchKeys;
use boilerplate::{BatchBoilerplate, Holders, reading_bound};
use candidates::{Candidate, LongOf, Often};
use edges::CONTAINED;
use redb::{
    ConcurrencyMode, Database, ReadOnlyDatabase, ReadTransaction, ReadableDatabase, ReadableTable,
    ReadableTableMetadata, TableDefinition,
};
use runs::{Entry, Kind, Runs};
use seen::Seen;
use smallvec::SmallVec;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};
use texts::{DICTS, Dictionary, Unpacker};

mod batch;
mod boilerplate;
mod candidates;
mod copies;
mod edges;
mod late;
mod runs;
mod seen;
mod texts;

/// The version of the index's layout, stored in it; an index of another version is
/// refused (version 1 kept band keys and fingerprints in B-trees, one entry each;
/// version 3 compressed texts without a dictionary; version 4 matched a copy of a text
/// as a document of its own; version 5 did not count the document at which a
/// fingerprint turned common among its holders: see the `late` module; version 6
/// stopped storing a fingerprint's pickers once it was common by containment, and
/// wrote the document at which it turned common as a containing one).
pub const FORMAT_VERSION: u32 = 7;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Document number -> [`Record`] bytes.
const DOCS: TableDefinition<u64, &[u8]> = TableDefinition::new("docs");
/// Document id -> document number.
const IDS: TableDefinition<&str, u64> = TableDefinition::new("ids");

/// A persistent index of documents. See the [module docs](self).
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("neardup-index-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("news.ndx");
/// # let _ = std::fs::remove_dir_all(&path);
/// use neardup::index::Index;
///
/// let story = "The council voted on Tuesday to close the old bridge to traffic after \
///              engineers found cracks in two of its piers during a routine inspection.";
/// let mut index = Index::create(&path, &neardup::Detector::builder().build()?)?;
/// assert!(index.add("a1", story.as_bytes())?.is_empty());
/// let copy = format!("{story} More to follow.");
/// let matches = index.add("a2", copy.as_bytes())?;
/// assert_eq!(matches.near_duplicates[0].id, "a1");
/// drop(index);
/// // Later, in another run: the same index, its settings read back from its folder.
/// let index = Index::open(&path)?;
/// assert_eq!(index.len()?, 2);
/// assert_eq!(index.get("a1")?.as_deref(), Some(story.as_bytes()));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), neardup::Error>(())
/// ```
pub struct Index {
    db: Store,
    /// The index's folder.
    path: PathBuf,
    /// Its run files.
    folder: runs::Folder,
    detector: Detector,
    /// The runs loaded so far (they never change once written).
    cache: Mutex<runs::Cache>,
    /// The merge running beside the adds, if any (a writer's).
    merging: Option<Background>,
    /// Why the last merge that failed did, for [`wait_for_merge`](Index::wait_for_merge).
    merge_error: Option<Error>,
    /// The dictionary new texts are compressed with, once the index has one (the
    /// `texts` module).
    packing: Option<Arc<Dictionary>>,
    /// What reads stored texts back.
    unpacker: Unpacker,
    /// The keys this writer added, from its first batch on (the `seen` module).
    seen: Option<Seen>,
    /// How many documents the holders of a fingerprint are read up to ([`Holders`]):
    /// [`reading_bound`] for the detector (lower in tests, to reach the bound with few
    /// documents, but never below `boilerplate_docs`).
    read_at_most: usize,
}

/// A merge of runs that [`Index::add_batch`] began after a commit, written on a thread
/// of its own while later batches go on, and installed by the next write that finds it
/// done (or waits for it: [`Index::wait_for_merge`]).
struct Background {
    /// The merged run's number: runs written meanwhile take higher ones.
    id: u64,
    job: Job,
}

/// A merge and what writing its file gave.
type Merged = (runs::Merge, Result<(), Error>);

enum Job {
    #[cfg(feature = "parallel")]
    Running(std::thread::JoinHandle<Merged>),
    #[cfg(not(feature = "parallel"))]
    Done(Merged),
}

impl Background {
    /// Begins `merge` on a thread of its own; `None` when no thread can be made (the
    /// merge is then begun again after a later batch). Without the `parallel` feature
    /// the merge is written here and now.
    fn begin(mut merge: runs::Merge, folder: &runs::Folder) -> Option<Background> {
        let id = merge.id();
        #[cfg(feature = "parallel")]
        let job = {
            let folder = folder.clone();
            let handle = std::thread::Builder::new()
                .name("neardup-merge".into())
                .spawn(move || {
                    let written = merge.write(&folder, &|| false);
                    (merge, written)
                })
                .ok()?;
            Job::Running(handle)
        };
        #[cfg(not(feature = "parallel"))]
        let job = {
            let written = merge.write(folder, &|| false);
            Job::Done((merge, written))
        };
        Some(Background { id, job })
    }

    /// Whether the merge's file is written (or writing it failed).
    fn is_done(&self) -> bool {
        match &self.job {
            #[cfg(feature = "parallel")]
            Job::Running(handle) => handle.is_finished(),
            #[cfg(not(feature = "parallel"))]
            Job::Done(_) => true,
        }
    }

    /// Waits for the merge to be written; `None` when its thread panicked.
    fn join(self) -> Option<Merged> {
        match self.job {
            #[cfg(feature = "parallel")]
            Job::Running(handle) => handle.join().ok(),
            #[cfg(not(feature = "parallel"))]
            Job::Done(merged) => Some(merged),
        }
    }
}

impl Drop for Index {
    /// Waits for a merge running beside the batches and commits it, as
    /// [`wait_for_merge`](Index::wait_for_merge) does but without its errors: a program
    /// that opens an index, adds a batch and stops, again and again, has its runs merged.
    /// While a panic unwinds, the merge is waited for and dropped.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = self.install_merge(true);
        } else if let Some(background) = self.merging.take() {
            let id = background.id;
            drop(background.join());
            self.folder.delete(&[id]);
        }
    }
}

/// The open database: a writer, or a reader beside another process's writer.
enum Store {
    Writer(Database),
    Reader(ReadOnlyDatabase),
}

impl Store {
    fn begin_read(&self) -> Result<ReadTransaction, redb::TransactionError> {
        match self {
            Store::Writer(db) => db.begin_read(),
            Store::Reader(db) => db.begin_read(),
        }
    }
}

/// How an [`Index`] is opened: the size of its page cache, and whether it only reads (so
/// that it can be open while another process adds).
///
/// ```
/// use neardup::index::{Index, Options};
/// # let dir = std::env::temp_dir().join(format!("neardup-options-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("news.ndx");
/// let det = neardup::Detector::builder().build()?;
/// let mut writer = Options::new().cache_bytes(32 << 20).create(&path, &det)?;
/// writer.add("a1", b"the river rose overnight and the old mill road was under water")?;
/// // Another process (or this one) reads while the writer stays open.
/// let reader = Options::new().read_only(true).open(&path)?;
/// assert_eq!(reader.len()?, 1);
/// assert!(reader.query(b"anything").is_ok());
/// # drop((writer, reader));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Options {
    cache_bytes: usize,
    read_only: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            cache_bytes: CACHE_BYTES,
            read_only: false,
        }
    }
}

impl Options {
    /// A writer with a page cache of 128 MB.
    pub fn new() -> Options {
        Options::default()
    }

    /// The page cache in bytes (default 128 MB): pages of the B-trees and texts kept in
    /// memory between transactions. More makes queries and adds on a large index faster,
    /// and the process larger.
    pub fn cache_bytes(mut self, n: usize) -> Options {
        self.cache_bytes = n;
        self
    }

    /// Open for reading only (default false): any number of readers, in any processes,
    /// can be open beside one writer. Adding, removing and compacting through a
    /// read-only index are errors.
    pub fn read_only(mut self, yes: bool) -> Options {
        self.read_only = yes;
        self
    }

    /// [`Index::create`] with these options; a read-only index cannot be created.
    pub fn create(&self, path: impl AsRef<Path>, detector: &Detector) -> Result<Index, Error> {
        let path = path.as_ref();
        if self.read_only {
            return Err(Error::store(path, "a read-only index cannot be created"));
        }
        Index::create_with(self, path, detector)
    }

    /// [`Index::open`] with these options.
    pub fn open(&self, path: impl AsRef<Path>) -> Result<Index, Error> {
        Index::open_with(self, path.as_ref())
    }

    fn builder(&self) -> redb::Builder {
        let mut b = Database::builder();
        b.set_cache_size(self.cache_bytes);
        b.set_concurrency_mode(ConcurrencyMode::SingleWriter);
        b
    }
}

/// What a document matched in an [`Index`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Matches {
    /// Documents whose exact Jaccard with it reaches the threshold, by id.
    pub near_duplicates: Vec<Match>,
    /// Other documents that share a verified passage with it, by id.
    pub shared: Vec<Match>,
    /// Passages repeated inside it (when the detector finds repeats).
    pub repeats: Vec<RepeatedPassage>,
}

impl Matches {
    /// True when it matched nothing: no near-duplicate, no shared passage, no repeat.
    pub fn is_empty(&self) -> bool {
        self.near_duplicates.is_empty() && self.shared.is_empty() && self.repeats.is_empty()
    }
}

/// One indexed document that a new document matched.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// Its id.
    pub id: String,
    /// The exact Jaccard similarity of the two shingle sets.
    pub jaccard: f64,
    /// The passages the two share, verified: `a` in the new document, `b` in this one
    /// (`tokens` and `differing` counted in this one, as a batch run counts them in the
    /// earlier document of a pair).
    pub passages: Vec<Passage>,
}

/// What an [`Index`] holds ([`Index::stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Documents.
    pub documents: u64,
    /// Band-key entries (one per band per document with a token, none for a copy of an
    /// earlier text; the key of the text each other document puts in the runs is not
    /// counted).
    pub band_keys: u64,
    /// Fingerprint entries (about 0.29 per token, and about one per token of the
    /// common text a document held when it was added: its long fingerprints), with the
    /// windows counted at the edges of boilerplate.
    pub fingerprints: u64,
    /// The documents' texts, uncompressed.
    pub text_bytes: u64,
    /// The documents' records as stored (id, time, compressed text).
    pub stored_bytes: u64,
    /// The index on disk: the database and the run files (with the file of a merge
    /// being written, which counts until the merge is committed).
    pub file_bytes: u64,
    /// Runs of band keys and fingerprints: a lookup asks each one's filter (a writer,
    /// those of the runs of its own documents only about some keys).
    /// [`compact`](Index::compact) merges them into one.
    pub runs: u64,
}

/// A stored document, as the `DOCS` table holds it.
struct Record {
    id: String,
    added: u64,
    /// The text's length.
    len: u64,
    /// The band keys and fingerprints it put in the runs.
    entries: (u32, u32),
    /// The text (empty when only the header was read).
    text: Vec<u8>,
}

/// Bytes of a record before its compressed text, besides the id.
const RECORD_HEAD: usize = 28;

impl Record {
    /// `[id length u32][id][added u64][text length u64][band keys u32][fingerprints u32]
    /// [zstd text]`, little-endian; the text is compressed as the `texts` module says.
    fn encode(id: &str, added: u64, len: usize, entries: (u32, u32), packed: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(RECORD_HEAD + id.len() + packed.len());
        out.extend_from_slice(&(id.len() as u32).to_le_bytes());
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(&added.to_le_bytes());
        out.extend_from_slice(&(len as u64).to_le_bytes());
        out.extend_from_slice(&entries.0.to_le_bytes());
        out.extend_from_slice(&entries.1.to_le_bytes());
        out.extend_from_slice(packed);
        out
    }

    /// The bytes of a record with its counts of band keys and fingerprints set to
    /// `entries`.
    fn with_entries(bytes: &[u8], entries: (u32, u32)) -> Result<Vec<u8>, Error> {
        let header = Record::header(bytes)?;
        let at = RECORD_HEAD - 8 + header.id.len();
        let mut out = bytes.to_vec();
        out[at..at + 4].copy_from_slice(&entries.0.to_le_bytes());
        out[at + 4..at + 8].copy_from_slice(&entries.1.to_le_bytes());
        Ok(out)
    }

    /// The id, time and text length of a record, its text left compressed (empty).
    fn header(bytes: &[u8]) -> Result<Record, Error> {
        Record::read(bytes, None)
    }

    /// The compressed text of a record's bytes.
    fn packed_text(bytes: &[u8]) -> Result<&[u8], Error> {
        let id_len = bytes
            .get(..4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4")));
        id_len
            .and_then(|n| bytes.get(RECORD_HEAD + n as usize..))
            .ok_or_else(|| Error::malformed("index record", "short"))
    }

    /// The record, with its text when `unpack` is given (it turns the stored,
    /// compressed text into the text).
    fn read(bytes: &[u8], unpack: Option<&Unpack<'_>>) -> Result<Record, Error> {
        let bad = |why: &str| Error::malformed("index record", why.to_string());
        let take = |at: usize, n: usize| bytes.get(at..at + n).ok_or_else(|| bad("short"));
        let u64_at = |at| take(at, 8).map(|b| u64::from_le_bytes(b.try_into().expect("8")));
        let u32_at = |at| take(at, 4).map(|b| u32::from_le_bytes(b.try_into().expect("4")));
        let id_len = u32_at(0)? as usize;
        let id = std::str::from_utf8(take(4, id_len)?).map_err(|_| bad("id not UTF-8"))?;
        let mut record = Record {
            id: id.to_string(),
            added: u64_at(4 + id_len)?,
            len: u64_at(12 + id_len)?,
            entries: (u32_at(20 + id_len)?, u32_at(24 + id_len)?),
            text: Vec::new(),
        };
        if let Some(unpack) = unpack {
            record.text = unpack(Record::packed_text(bytes)?)?;
            if record.text.len() as u64 != record.len {
                return Err(bad("text length"));
            }
        }
        Ok(record)
    }
}

/// What turns a record's stored, compressed text into the text.
type Unpack<'a> = dyn Fn(&[u8]) -> Result<Vec<u8>, Error> + 'a;

/// The table of the documents' records.
type StoredDocs = redb::ReadOnlyTable<u64, &'static [u8]>;

/// The documents of a batch being added, not yet in the tables: what later documents of
/// the batch are matched against (see [`batch`]).
#[derive(Default)]
struct Pending<'a> {
    /// The number of the batch's first document.
    first: u64,
    docs: &'a [(&'a str, &'a [u8])],
    bands: BatchKeys,
    /// Fingerprints, tagged with their positions.
    prints: BatchKeys,
}

impl<'a> Pending<'a> {
    /// The batch `docs`, numbered from `first`, with their keys.
    fn new(first: u64, docs: &'a [(&'a str, &'a [u8])], keys: &[Keys]) -> Pending<'a> {
        let (bands, prints) = crate::par::join(
            || BatchKeys::new(keys.len(), |d| keys[d].bands.iter().copied().zip(0..)),
            || BatchKeys::new(keys.len(), |d| keys[d].prints.iter()),
        );
        Pending {
            first,
            docs,
            bands,
            prints,
        }
    }

    /// The number of the batch's document `d`.
    fn number(&self, d: u32) -> u64 {
        self.first + u64::from(d)
    }

    /// Document `n` of the batch: its id and text.
    fn doc(&self, n: u64) -> Option<(&'a str, &'a [u8])> {
        let d = usize::try_from(n.checked_sub(self.first)?).ok()?;
        self.docs.get(d).copied()
    }

    /// The batch's entries for a new run: band keys and fingerprints, each sorted,
    /// without the fingerprints that more than the limit picked before each document
    /// ([`BatchBoilerplate::keeps`]), with the long fingerprints that it did not find
    /// boilerplate, with the windows counted by containment, and with the long windows
    /// that documents took late (the `late` module).
    fn entries(&self, boilerplate: &BatchBoilerplate, long: &Long) -> [Vec<Entry>; 2] {
        let kept = |d: usize, key: u64| boilerplate.keeps(d, key);
        let long_kept = |d: usize, key: u64| long.boilerplate[d].binary_search(&key).is_err();
        let prints = || {
            let picked = self.prints.entries(self.first, true, kept);
            let picked = merged(picked, long.pending.entries(self.first, true, long_kept));
            let counted = boilerplate.counted.iter().map(|&(key, d)| Entry {
                key,
                // Numbers were checked to fit when the documents were numbered.
                doc: (self.first + u64::from(d)) as u32,
                pos: CONTAINED,
            });
            merged(merged(picked, counted), long.late.entries())
        };
        crate::par::join(
            || self.bands.entries(self.first, false, |_, _| true),
            prints,
        )
        .into()
    }
}

/// What a matched batch writes, and answers.
struct Batch<'a> {
    answers: Vec<Matches>,
    /// `(document number, record)`: the batch's, by number, then those of earlier
    /// documents that took entries late (the `late` module), with their new counts.
    records: Vec<(u64, Vec<u8>)>,
    /// `(id, document number)`, by id.
    ids: Vec<(&'a str, u64)>,
    /// The batch's run.
    entries: [Vec<Entry>; 2],
    /// Its first copies and copies.
    copies: copies::BatchCopies,
    /// The number of the batch's first document.
    first: u64,
    /// The document number after the batch's.
    next: u64,
}

/// What a document contributes to the lookup tables.
struct Keys {
    bands: Vec<u64>,
    prints: Fingerprints,
    /// The passages it repeats (the answer's `repeats`, which depend on it alone).
    repeats: Vec<RepeatedPassage>,
}

impl Keys {
    /// The band keys, fingerprints and repeats of `text`, as `detector` makes them.
    fn of(detector: &Detector, text: &[u8], scratch: &mut IndexScratch) -> Keys {
        let (bands, prints, repeats) = detector.index_keys(text, scratch);
        Keys {
            bands,
            prints,
            repeats,
        }
    }
}

/// What a batch's documents give alone, before they are matched: their keys and their
/// compressed texts. [`Index::add_batches`] makes a batch's while the batch before it is
/// added.
struct Prepared {
    keys: Vec<Keys>,
    packed: Vec<Vec<u8>>,
    /// The dictionary the batch trained (the index had none), which it stores.
    trained: Option<Arc<Dictionary>>,
}

impl Prepared {
    /// The keys and compressed texts of `documents`, in parallel, the texts with
    /// `dictionary` (when the index has none, the batch trains one, with `earlier` if
    /// it is too small alone: the `texts` module); an error for a document longer than
    /// [`MAX_DOCUMENT_BYTES`](crate::corpus::MAX_DOCUMENT_BYTES).
    ///
    /// `earlier`: when the batch is too small to train a dictionary alone but the index
    /// has grown enough for one, texts of the index to train it with before the batch's
    /// (see [`Index::training_texts`]).
    fn of(
        detector: &Detector,
        documents: &[(&str, &[u8])],
        dictionary: Option<&Arc<Dictionary>>,
        earlier: Option<&[Vec<u8>]>,
    ) -> Result<Prepared, Error> {
        if let Some((id, text)) = documents
            .iter()
            .find(|(_, text)| text.len() as u64 > crate::corpus::MAX_DOCUMENT_BYTES)
        {
            return Err(Error::invalid(
                "document length",
                format!("at most {} bytes", crate::corpus::MAX_DOCUMENT_BYTES),
                format!("{} bytes for {id:?}", text.len()),
            ));
        }
        let batch = documents.iter().map(|d| d.1);
        let trained = match (dictionary, earlier) {
            (Some(_), _) => None,
            (None, Some(earlier)) => {
                Dictionary::train(earlier.iter().map(Vec::as_slice).chain(batch)).map(Arc::new)
            }
            (None, None) if documents.len() >= texts::TRAIN_MIN_DOCS => {
                Dictionary::train(batch).map(Arc::new)
            }
            (None, None) => None,
        };
        let packing = dictionary.or(trained.as_ref()).map(|d| &**d);
        let init = || (texts::compressor(packing), IndexScratch::default());
        let made = crate::par::map_init(documents, init, |(c, scratch), &(_, text)| {
            Ok::<_, Error>((Keys::of(detector, text, scratch), texts::pack(text, c)?))
        });
        let (keys, packed) = made
            .into_iter()
            .collect::<Result<Vec<_>, Error>>()?
            .into_iter()
            .unzip();
        Ok(Prepared {
            keys,
            packed,
            trained,
        })
    }

    /// The first documents of `documents` made with `dictionary`, a part of
    /// [`AHEAD_PART`] at a time, until `stop()` says so: [`Index::add_batches`] makes
    /// the batch after the next while a batch is written, so that the pool has work
    /// through the steps of writing that use one core (a batch's run file, its commit).
    /// `None` when no part was made, or when a document is too long (the batch's turn
    /// reports it).
    fn ahead(
        detector: &Detector,
        documents: &[(&str, &[u8])],
        dictionary: &Arc<Dictionary>,
        stop: impl Fn() -> bool,
    ) -> Option<Prepared> {
        let mut part: Option<Prepared> = None;
        while !stop() {
            let done = part.as_ref().map_or(0, |p| p.keys.len());
            let to = (done + AHEAD_PART).min(documents.len());
            if done == to {
                break;
            }
            let made = Prepared::of(detector, &documents[done..to], Some(dictionary), None).ok()?;
            part = Some(match part {
                Some(p) => p.joined(made),
                None => made,
            });
        }
        part
    }

    /// This part of `documents` (their first, made by [`ahead`](Prepared::ahead) with
    /// the same `dictionary`) with the rest made.
    fn finished(
        self,
        detector: &Detector,
        documents: &[(&str, &[u8])],
        dictionary: Option<&Arc<Dictionary>>,
    ) -> Result<Prepared, Error> {
        debug_assert!(self.keys.len() <= documents.len());
        debug_assert!(dictionary.is_some() || self.keys.is_empty());
        let rest = &documents[self.keys.len().min(documents.len())..];
        Ok(self.joined(Prepared::of(detector, rest, dictionary, None)?))
    }

    /// These documents, then those of `more`.
    fn joined(mut self, more: Prepared) -> Prepared {
        self.keys.extend(more.keys);
        self.packed.extend(more.packed);
        self.trained = self.trained.or(more.trained);
        self
    }
}

/// The documents [`Prepared::ahead`] makes at once.
const AHEAD_PART: usize = 256;

/// What matching gives for one document of a batch.
struct Matched {
    answer: Matches,
    record: Vec<u8>,
}

/// The batch's ids with their document numbers (from `first`), sorted by id; an error
/// naming the first document, in order, whose id the index holds (`in_index`) or an
/// earlier document of the batch has.
fn numbered_ids<'a>(
    documents: &[(&'a str, &[u8])],
    in_index: &[bool],
    first: u64,
) -> Result<Vec<(&'a str, u64)>, Error> {
    let mut ids: Vec<(&str, u64)> = documents.iter().map(|&(id, _)| id).zip(first..).collect();
    ids.sort_unstable();
    let twice = ids.windows(2).filter(|w| w[0].0 == w[1].0).map(|w| w[1].1);
    let held = in_index.iter().zip(first..).filter(|(held, _)| **held);
    match twice.chain(held.map(|(_, n)| n)).min() {
        Some(n) => Err(Error::id_exists(documents[(n - first) as usize].0)),
        None => Ok(ids),
    }
}

/// A batch's long fingerprints ([`Index::long`]): those each document takes over its
/// text common by its pickers, what the runs hold of them, the batch's, and those each document
/// finds boilerplate (sorted).
#[derive(Default)]
struct Long {
    prints: Vec<Fingerprints>,
    found: Vec<Vec<(usize, Holders)>>,
    pending: BatchKeys,
    boilerplate: Vec<Vec<u64>>,
    /// Those that earlier documents take late (the `late` module).
    late: late::LateWindows,
}

/// What the runs hold for a document's fingerprints ([`Found`]) and for its long ones.
type FoundBoth = (Found, Vec<(usize, Holders)>);

/// What the committed runs hold for a document's keys ([`Index::found`]).
#[derive(Default)]
struct Found {
    /// The holders of each band key, in the order of the document's keys (at most
    /// `max_group`).
    bands: Vec<SmallVec<[u64; 2]>>,
    /// For each fingerprint the runs hold (its index among the document's
    /// fingerprints), its holders.
    prints: Vec<(usize, Holders)>,
}

impl Index {
    /// Opens the index in folder `path` for `detector`'s settings, making a new one when
    /// the folder does not exist or is empty (a folder that holds other files is
    /// refused). An existing index built with other settings is refused
    /// ([`ErrorKind::IndexMismatch`]).
    pub fn create(path: impl AsRef<Path>, detector: &Detector) -> Result<Index, Error> {
        Options::new().create(path, detector)
    }

    /// Whether `path` holds an index (what [`open`](Index::open) opens, unless it is
    /// damaged): its database and its `runs` folder, made once the settings are in. A
    /// creation cut short is not an index yet: [`create`](Index::create) completes it.
    pub fn exists(path: impl AsRef<Path>) -> bool {
        let (db, folder) = files(path.as_ref());
        db.is_file() && folder.path().is_dir()
    }

    fn create_with(options: &Options, path: &Path, detector: &Detector) -> Result<Index, Error> {
        let path = path.to_path_buf();
        if path.as_os_str().is_empty() {
            return Err(Error::store(&path, "an empty path"));
        }
        let (db_path, folder) = files(&path);
        if !db_path.exists() {
            if path.is_file() {
                return Err(Error::store(&path, NOT_A_FOLDER));
            }
            match std::fs::read_dir(&path).map(|mut entries| entries.next().is_some()) {
                Ok(true) => return Err(Error::store(&path, NOT_AN_INDEX)),
                Ok(false) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    std::fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
                }
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        let db = options
            .builder()
            .create(&db_path)
            .map_err(|e| Error::store(&path, e))?;
        let mut index = Index {
            db: Store::Writer(db),
            path,
            folder,
            detector: detector.clone(),
            cache: Mutex::default(),
            merging: None,
            merge_error: None,
            packing: None,
            unpacker: Unpacker::default(),
            seen: None,
            read_at_most: reading_bound(detector),
        };
        let want = detector.settings().encode();
        // Compared as read back, so that an index written before a setting existed
        // (which then takes its default) still opens.
        let as_read = |text: &str| -> Result<String, Error> {
            Ok(Settings::decode(text)?.build()?.settings().encode())
        };
        match index.stored_settings()? {
            Some(stored) if as_read(&stored)? != want => {
                Err(Error::index_mismatch(one_line(&stored), one_line(&want)))
            }
            Some(_) => {
                index.make_runs_folder()?;
                index.clean()?;
                index.packing = index.stored_dictionary()?;
                Ok(index)
            }
            None => {
                let txn = index.writer()?.begin_write().map_err(|e| index.store(e))?;
                {
                    let mut meta = txn.open_table(META).map_err(|e| index.store(e))?;
                    let version = FORMAT_VERSION.to_le_bytes();
                    let put = |m: &mut redb::Table<&str, &[u8]>, k, v: &[u8]| {
                        m.insert(k, v).map(|_| ()).map_err(|e| index.store(e))
                    };
                    put(&mut meta, "format", &version)?;
                    put(&mut meta, "settings", want.as_bytes())?;
                    put(&mut meta, "next", &0u64.to_le_bytes())?;
                }
                index.open_all(&txn)?;
                txn.commit().map_err(|e| index.store(e))?;
                // Last, so that a folder with `runs` holds settings ([`Index::exists`]).
                index.make_runs_folder()?;
                Ok(index)
            }
        }
    }

    /// Makes the `runs` folder (when a creation was cut short before it), and the new
    /// names durable: the index folder's in its parent, the database's and the runs'
    /// in the index folder.
    fn make_runs_folder(&self) -> Result<(), Error> {
        let runs = self.folder.path();
        if runs.is_dir() {
            return Ok(());
        }
        std::fs::create_dir_all(runs).map_err(|e| Error::io(runs, e))?;
        let parent = self.path.parent().filter(|p| !p.as_os_str().is_empty());
        runs::sync_dir(parent.unwrap_or(Path::new(".")))?;
        runs::sync_dir(&self.path)
    }

    /// Opens an existing index with the settings it was built with.
    pub fn open(path: impl AsRef<Path>) -> Result<Index, Error> {
        Options::new().open(path)
    }

    fn open_with(options: &Options, path: &Path) -> Result<Index, Error> {
        let path = path.to_path_buf();
        if !path.exists() {
            let gone = std::io::Error::new(std::io::ErrorKind::NotFound, "no such index");
            return Err(Error::io(&path, gone));
        }
        if path.is_file() {
            return Err(Error::store(&path, NOT_A_FOLDER));
        }
        let (db_path, folder) = files(&path);
        if !db_path.is_file() || !folder.path().is_dir() {
            return Err(Error::store(&path, NOT_AN_INDEX));
        }
        let b = options.builder();
        let db = if options.read_only {
            Store::Reader(
                b.open_read_only(&db_path)
                    .map_err(|e| Error::store(&path, e))?,
            )
        } else {
            Store::Writer(b.open(&db_path).map_err(|e| Error::store(&path, e))?)
        };
        let mut index = Index {
            db,
            path,
            folder,
            detector: Detector::builder().build()?,
            cache: Mutex::default(),
            merging: None,
            merge_error: None,
            packing: None,
            unpacker: Unpacker::default(),
            seen: None,
            read_at_most: 0,
        };
        let stored = index
            .stored_settings()?
            .ok_or_else(|| index.store("not a neardup index (no settings)"))?;
        index.detector = Settings::decode(&stored)?.build()?;
        index.read_at_most = reading_bound(&index.detector);
        if !options.read_only {
            index.clean()?;
            index.packing = index.stored_dictionary()?;
        }
        Ok(index)
    }

    /// Deletes the run files that no committed transaction lists: what a crash left
    /// behind (a writer's first step), or a failed write ([`cleaned`](Index::cleaned)).
    fn clean(&self) -> Result<(), Error> {
        let txn = self.db.begin_read().map_err(|e| self.store(e))?;
        let runs = txn.open_table(runs::RUNS).map_err(|e| self.store(e))?;
        // The file of the merge running beside the batches is not listed yet.
        self.folder
            .clean(&runs, self.merging.as_ref().map(|m| m.id))
    }

    /// The detector the index was built with.
    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    /// The number of documents in the index.
    pub fn len(&self) -> Result<usize, Error> {
        let txn = self.db.begin_read().map_err(|e| self.store(e))?;
        let docs = txn.open_table(DOCS).map_err(|e| self.store(e))?;
        Ok(docs.len().map_err(|e| self.store(e))? as usize)
    }

    /// True when the index holds no document.
    pub fn is_empty(&self) -> Result<bool, Error> {
        Ok(self.len()? == 0)
    }

    /// Whether the index holds document `id`.
    pub fn contains(&self, id: &str) -> Result<bool, Error> {
        let txn = self.db.begin_read().map_err(|e| self.store(e))?;
        let ids = txn.open_table(IDS).map_err(|e| self.store(e))?;
        Ok(ids.get(id).map_err(|e| self.store(e))?.is_some())
    }

    /// The texts that a batch of `batch` documents, too few to train a dictionary alone,
    /// trains one with before its own, when the index has no dictionary and the batch
    /// takes its count of documents past 1,000, 2,000, 4,000 and so on (zstd can fail to
    /// train one on too little text): the first [`SAMPLE_BYTES`](texts::SAMPLE_BYTES) of
    /// each of the index's texts, then of those of `pending` (a batch being written),
    /// in order, until they hold [`TRAIN_BYTES`](texts::TRAIN_BYTES). `None` when the
    /// batch trains none. A text that does not read back is left out: a dictionary is
    /// worth no failed add.
    fn training_texts(
        &self,
        batch: usize,
        pending: &[(&str, &[u8])],
    ) -> Result<Option<Vec<Vec<u8>>>, Error> {
        if self.packing.is_some() || batch == 0 || batch >= texts::TRAIN_MIN_DOCS {
            return Ok(None);
        }
        let before = self.len()? + pending.len();
        if !texts::passes_a_doubling(before, before + batch) {
            return Ok(None);
        }
        let txn = self.db.begin_read().map_err(|e| self.store(e))?;
        let docs = txn.open_table(DOCS).map_err(|e| self.store(e))?;
        let (mut samples, mut total) = (Vec::new(), 0);
        let mut keep = |sample: Vec<u8>| {
            total += sample.len();
            if !sample.is_empty() {
                samples.push(sample);
            }
            total < texts::TRAIN_BYTES
        };
        let limit = texts::SAMPLE_BYTES as u64;
        for entry in docs.iter().map_err(|e| self.store(e))? {
            let entry = entry.map_err(|e| self.store(e))?;
            let stored = |id| self.dictionary_bytes(&txn, id);
            let sample = Record::packed_text(entry.1.value())
                .and_then(|p| self.unpacker.unpack_start(p, limit, stored));
            if let Ok(sample) = sample
                && !keep(sample)
            {
                return Ok(Some(samples));
            }
        }
        for (_, text) in pending {
            if !keep(text[..text.len().min(texts::SAMPLE_BYTES)].to_vec()) {
                break;
            }
        }
        Ok(Some(samples))
    }

    /// The text of document `id`, or `None` when the index does not hold it.
    pub fn get(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.stored(id, true)?.map(|r| r.text))
    }

    /// The seconds since the Unix epoch at which document `id` was added.
    pub fn added(&self, id: &str) -> Result<Option<u64>, Error> {
        Ok(self.stored(id, false)?.map(|r| r.added))
    }

    /// Document `id`'s record (with its text when `text` is set).
    fn stored(&self, id: &str, text: bool) -> Result<Option<Record>, Error> {
        let txn = self.db.begin_read().map_err(|e| self.store(e))?;
        let ids = txn.open_table(IDS).map_err(|e| self.store(e))?;
        let docs = txn.open_table(DOCS).map_err(|e| self.store(e))?;
        let Some(n) = ids.get(id).map_err(|e| self.store(e))? else {
            return Ok(None);
        };
        let n = n.value();
        let record = self.record(&docs, n, text.then_some(&txn))?;
        record
            .map(Some)
            .ok_or_else(|| self.store(format!("document {n} is listed but missing")))
    }

    /// What `text` matches among the indexed documents, without adding it.
    pub fn query(&self, text: &[u8]) -> Result<Matches, Error> {
        let (txn, runs) = self.snapshot()?;
        let docs = txn.open_table(DOCS).map_err(|e| self.store(e))?;
        let keys = Keys::of(&self.detector, text, &mut IndexScratch::default());
        // A copy of an indexed text answers that text alone (see the `copies` module).
        if let Some(first) = self.first_copy_of(text, (&docs, &txn, &runs))? {
            return Ok(Matches {
                near_duplicates: self.copy_answer(Some(&first), text).into_iter().collect(),
                repeats: keys.repeats,
                ..Matches::default()
            });
        }
        let found = self.found(std::slice::from_ref(&keys), &runs)?;
        let pending = Pending::default();
        // Matched as a batch of one document, numbered past every indexed one, whose
        // entries are not written.
        let (query, first) = ([("", text)], u64::MAX);
        let one = std::slice::from_ref(&keys);
        let stored = (&docs, &txn, &runs);
        let common = self.batch_boilerplate((&query, first), (one, &found), &pending, stored)?;
        let progress = Progress::new();
        let mut long = self.long(
            (&query, first),
            (one, &common.picked),
            &common.tokens,
            common.late,
            &runs,
            &progress,
        )?;
        let long_found = long.found.pop().unwrap_or_default();
        let long_of = LongOf {
            prints: &long.prints[0],
            pending: &long.pending,
            boilerplate: &long.boilerplate[0],
            late: &long.late,
        };
        let found = (found.into_iter().next().unwrap_or_default(), long_found);
        let boilerplate = &common.fingerprints[0];
        let proposals = self.proposals(&keys, found, (&pending, 0), (boilerplate, &long_of));
        let candidates = self.candidates(&proposals);
        let earlier = (&docs, &txn, &Often::new());
        let mut matches = self.verify(text, &candidates, earlier, &pending)?;
        matches.repeats = keys.repeats;
        Ok(matches)
    }

    /// A read transaction and the runs it sees. A reader beside a writer may begin one
    /// just before the writer commits a merge and deletes the merged runs' files; it
    /// then begins another, which lists the merged run instead.
    ///
    /// A run file that a new transaction still lists once it is found gone is missing
    /// (a writer deletes a merged run's file only after the commit that drops it): an
    /// error naming it.
    fn snapshot(&self) -> Result<(ReadTransaction, Runs), Error> {
        let mut gone = None;
        for _ in 0..SNAPSHOT_TRIES {
            let txn = self.db.begin_read().map_err(|e| self.store(e))?;
            match self.committed_runs(&txn)? {
                Ok(runs) => return Ok((txn, runs)),
                Err(id) if gone == Some(id) => return Err(self.folder.missing(id)),
                Err(id) => gone = Some(id),
            }
        }
        Err(self.store(format!(
            "{SNAPSHOT_TRIES} transactions in a row found a run merged away before they \
             could read it: the index changes faster than it is read; try again"
        )))
    }

    /// The runs a read transaction sees, through the cache, which keeps them; `Err(id)`
    /// when run `id`'s file is gone ([`Runs::read`]).
    fn committed_runs(&self, txn: &ReadTransaction) -> Result<Result<Runs, u64>, Error> {
        let generation = self.removed_gen(&txn.open_table(META).map_err(|e| self.store(e))?)?;
        let tables = (
            &txn.open_table(runs::RUNS).map_err(|e| self.store(e))?,
            &txn.open_table(runs::REMOVED).map_err(|e| self.store(e))?,
        );
        let runs = Runs::read(tables, generation, &self.cache, &self.folder)?;
        if let Ok(runs) = &runs {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            runs.remember(&mut cache, generation);
        }
        Ok(runs)
    }

    /// The runs at the start of a write transaction, through the cache (which keeps
    /// only committed runs: see [`commit`](Index::commit)). The writer deletes run files,
    /// so every file its transaction lists is there, or missing.
    fn read_runs(
        &self,
        t: &runs::Tables<'_>,
        meta: &impl ReadableTable<&'static str, &'static [u8]>,
    ) -> Result<Runs, Error> {
        let generation = self.removed_gen(meta)?;
        Runs::read((&t.runs, &t.removed), generation, &self.cache, &self.folder)?
            .map_err(|id| self.folder.missing(id))
    }

    /// How many times documents were removed (0 for an index that never removed one).
    fn removed_gen(
        &self,
        meta: &impl ReadableTable<&'static str, &'static [u8]>,
    ) -> Result<u64, Error> {
        match meta.get("removed").map_err(|e| self.store(e))? {
            Some(v) => read_u64(v.value()).ok_or_else(|| self.store("bad 'removed' counter")),
            None => Ok(0),
        }
    }

    /// Adds document `id` and returns what it matched among the documents already in the
    /// index. An id the index holds is refused ([`ErrorKind::IdExists`]), and so is a text
    /// over 4 GiB ([`ErrorKind::InvalidParameter`]).
    pub fn add(&mut self, id: &str, text: &[u8]) -> Result<Matches, Error> {
        let mut out = self.add_batch([(id, text)])?;
        Ok(out.pop().expect("one document in, one answer out"))
    }

    /// Adds the documents in order, in one transaction: each is matched against the index
    /// and the documents before it in the batch. Either all are added or, on an error,
    /// none.
    ///
    /// The documents' keys and compressed texts are made in parallel, the keys of all of
    /// them looked up in the index together and sorted (which tells each document's
    /// holders among the documents before it in the batch), each document's
    /// boilerplate counted, then its candidates made, the documents that several are
    /// checked against tokenized once, and each document checked, in parallel; the
    /// batch's band keys and fingerprints (and the windows counted at the edges of
    /// boilerplate) are written as one run at the end. A merge of runs that an earlier
    /// batch began and that is done by then is committed first, in a transaction of its
    /// own; once the batch commits, a merge of the runs due one begins on a thread of its
    /// own (with the `parallel` feature; without it, it is written before this returns;
    /// see the [module docs](self)).
    pub fn add_batch<'a>(
        &mut self,
        documents: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<Vec<Matches>, Error> {
        self.add_batch_with_progress(documents, &Progress::new())
    }

    /// [`add_batch`](Index::add_batch), counting the documents matched in `progress`
    /// (stage [`Checking`](Stage::Checking)). A batch that another thread
    /// [cancels](Progress::cancel) before it commits adds nothing and returns
    /// [`ErrorKind::Cancelled`].
    pub fn add_batch_with_progress<'a>(
        &mut self,
        documents: impl IntoIterator<Item = (&'a str, &'a [u8])>,
        progress: &Progress,
    ) -> Result<Vec<Matches>, Error> {
        let documents: Vec<(&str, &[u8])> = documents.into_iter().collect();
        let added = self.write_batch(&documents, progress);
        self.cleaned(added)
    }

    /// Adds batches one after another, each in one transaction as
    /// [`add_batch`](Index::add_batch) adds it, and gives each batch, with what its
    /// documents matched, to `answered` once it is committed (before the next batch
    /// commits). The keys and compressed texts of the next batch are made while a batch
    /// is added, and once the index has a dictionary (with the `parallel` feature),
    /// those of the first documents of the batch after it too, until the batch is
    /// committed; so that the steps of adding that use one core (writing, committing)
    /// leave the other cores work: for bulk loads.
    ///
    /// Stops at the first error, of a batch or of `answered` (whose error type takes
    /// this crate's), and returns it: the batches given to `answered` are committed, the
    /// others are not added. The next batch, and the one after it once the index has a
    /// dictionary, are taken from `batches` (on this thread) before a batch is added,
    /// so they cannot depend on that batch's answers; a panic while either is made
    /// ready comes out once the batch being added is committed, before it is given to
    /// `answered`.
    ///
    /// ```
    /// # fn main() -> Result<(), neardup::Error> {
    /// use neardup::{Detector, index::Index};
    /// let name = format!("neardup-doc-batches-{}", std::process::id());
    /// let dir = std::env::temp_dir().join(name);
    /// let mut index = Index::create(&dir, &Detector::builder().build()?)?;
    /// let batches = vec![
    ///     vec![("a", "the cat sat on the mat and looked at the dog".as_bytes())],
    ///     vec![("b", "the cat sat on the mat and looked at the dog".as_bytes())],
    /// ];
    /// let mut matched = Vec::new();
    /// index.add_batches(batches, |batch, answers| -> Result<(), neardup::Error> {
    ///     for ((id, _), m) in batch.iter().zip(answers) {
    ///         matched.push((id.to_string(), m.near_duplicates.len()));
    ///     }
    ///     Ok(())
    /// })?;
    /// assert_eq!(matched, [("a".to_string(), 0), ("b".to_string(), 1)]);
    /// # drop(index);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_batches<B, S, T, E>(
        &mut self,
        batches: impl IntoIterator<Item = B>,
        mut answered: impl FnMut(B, Vec<Matches>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        B: AsRef<[(S, T)]>,
        S: AsRef<str> + Sync,
        T: AsRef<[u8]> + Sync,
        E: From<Error>,
    {
        fn views<S: AsRef<str>, T: AsRef<[u8]>>(batch: &[(S, T)]) -> Vec<(&str, &[u8])> {
            batch
                .iter()
                .map(|(s, t)| (s.as_ref(), t.as_ref()))
                .collect()
        }
        self.writer()?;
        // A copy of the settings, which the next batch is prepared with while this
        // index adds the one before.
        let detector = self.detector.clone();
        let mut batches = batches.into_iter().fuse();
        let Some(mut batch) = batches.next() else {
            return Ok(());
        };
        let first = views(batch.as_ref());
        let earlier = self.training_texts(first.len(), &[])?;
        let mut prepared =
            Prepared::of(&detector, &first, self.packing.as_ref(), earlier.as_deref())?;
        drop((first, earlier));
        let mut next = batches.next();
        // The first documents of `next`, made while the batch before this one was added.
        let mut ahead: Option<Prepared> = None;
        loop {
            // The next batch is compressed with the dictionary this one trains, if any.
            let packing = prepared.trained.clone().or_else(|| self.packing.clone());
            // With a dictionary known for the batch after the next, its first documents
            // are made too, while this one's are written (see `Prepared::ahead`).
            let ahead_of_next = cfg!(feature = "parallel") && next.is_some() && packing.is_some();
            let after = ahead_of_next.then(|| batches.next()).flatten();
            let documents = views(batch.as_ref());
            let next_documents = next.as_ref().map(|b| views(b.as_ref()));
            let after_documents = after.as_ref().map(|b| views(b.as_ref()));
            // The texts the next batch trains a dictionary with, if it does: the
            // committed ones, then this batch's.
            let earlier = match &next_documents {
                Some(next) if packing.is_none() => self.training_texts(next.len(), &documents)?,
                _ => None,
            };
            let progress = Progress::new();
            // The batch after the next is made until this one is written, and never on
            // the thread that writes it (which may take the job while it waits for its
            // own parallel steps).
            let (written, writer) = (AtomicBool::new(false), OnceLock::new());
            let stop = || {
                written.load(Ordering::Relaxed)
                    || writer.get() == Some(&std::thread::current().id())
            };
            // Both on the pool. (Making the next batch ready on a thread of its own while
            // this one writes the batch, so that no thread of the pool waits for the
            // commit, was slower: a million adds 54.8 s against 51.3 s, and more CPU.)
            let (added, made) = crate::par::join(
                || {
                    writer.get_or_init(|| std::thread::current().id());
                    let added = self.write_prepared(&documents, prepared, &progress);
                    written.store(true, Ordering::Relaxed);
                    self.cleaned(added)
                },
                || {
                    let next = next_documents.as_ref()?;
                    let made = match ahead.take() {
                        Some(part) => part.finished(&detector, next, packing.as_ref()),
                        None => Prepared::of(&detector, next, packing.as_ref(), earlier.as_deref()),
                    };
                    let part = (after_documents.as_ref()).zip(packing.as_ref()).and_then(
                        |(after, dictionary)| Prepared::ahead(&detector, after, dictionary, stop),
                    );
                    Some((made, part))
                },
            );
            drop((documents, next_documents, after_documents, earlier));
            answered(batch, added?)?;
            match (next, made) {
                (Some(next_batch), Some((made, part))) => {
                    (batch, prepared, ahead) = (next_batch, made?, part);
                    next = after.or_else(|| batches.next());
                }
                _ => return Ok(()),
            }
        }
    }

    /// [`add_batch_with_progress`](Index::add_batch_with_progress), but for the run files
    /// a failure leaves.
    fn write_batch(
        &mut self,
        documents: &[(&str, &[u8])],
        progress: &Progress,
    ) -> Result<Vec<Matches>, Error> {
        progress.start(Stage::Checking, documents.len());
        self.writer()?;
        let earlier = self.training_texts(documents.len(), &[])?;
        let packing = self.packing.as_ref();
        let prepared = Prepared::of(&self.detector, documents, packing, earlier.as_deref())?;
        self.write_prepared(documents, prepared, progress)
    }

    /// Adds a batch whose keys and texts are [prepared](Prepared::of), in one
    /// transaction.
    fn write_prepared(
        &mut self,
        documents: &[(&str, &[u8])],
        prepared: Prepared,
        progress: &Progress,
    ) -> Result<Vec<Matches>, Error> {
        let added = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // A merge done since the last batch goes in first, in a transaction of its own.
        self.install_merge(false)?;
        // What the batch is matched against: the committed documents, read in parallel
        // through a read transaction (the writer is this one, so it sees what the write
        // transaction below starts from).
        let (read, mut runs) = self.snapshot()?;
        let txn = self.writer()?.begin_write().map_err(|e| self.store(e))?;
        let trained = prepared.trained.clone();
        let batch = self.match_batch((documents, prepared), (&read, &runs), added, progress)?;
        // The batch's run file is written on a second thread while its records go in,
        // numbered after the merge running beside, if any, and its keys go into the
        // filters of the keys this writer added (before the run is listed; a failed
        // batch's stay: they only let more through).
        let floor = self.merging.as_ref().map_or(0, |m| m.id + 1);
        let mut seen = self.seen.take().unwrap_or_else(|| Seen::new(batch.first));
        let (new, put) = crate::par::beside(
            || runs::NewRun::write(&runs, floor, &batch.entries, &self.folder),
            || {
                seen.insert(&batch.entries);
                self.put_records(&txn, &batch.records, &batch.ids, batch.next)
            },
        );
        self.seen = Some(seen);
        put?;
        self.put_copies(&txn, &batch.copies, batch.first)?;
        if let Some(d) = &trained {
            self.put_dictionary(&txn, d)?;
        }
        let new = new?;
        let new_id = new.id();
        runs::add(&mut runs, new, &mut self.tables(&txn)?)?;
        if progress.is_cancelled() {
            return Err(Error::cancelled());
        }
        self.commit(txn, &runs)?;
        if let (Some(seen), Some(id)) = (self.seen.as_mut(), new_id) {
            seen.wrote(id);
        }
        if trained.is_some() {
            self.packing = trained;
        }
        // The runs due a merge are merged beside the batches that follow: a merge moves
        // entries, it changes no answer.
        if self.merging.is_none() {
            self.merging = runs::Merge::due(&runs).and_then(|m| Background::begin(m, &self.folder));
        }
        progress.start(Stage::Done, 0);
        Ok(batch.answers)
    }

    /// Waits for the merge of runs that [`add_batch`](Index::add_batch) runs beside
    /// later batches, if one is running, and commits it. Adding does not wait for a
    /// merge (with the `parallel` feature), and what the index answers does not change
    /// with one: this is for a program that wants the merging work done at a time of its
    /// choosing, or its errors (dropping the index waits for the merge too, but cannot
    /// report them). Returns the error of the last merge that failed since a merge last
    /// succeeded, once: a failed merge changes nothing, and a later batch merges again.
    /// [`remove`](Index::remove), [`prune`](Index::prune) and
    /// [`compact`](Index::compact) wait for it themselves.
    pub fn wait_for_merge(&mut self) -> Result<(), Error> {
        self.install_merge(true)?;
        self.merge_error.take().map_or(Ok(()), Err)
    }

    /// Commits the merge running beside the batches once it is done (`wait`: waits for
    /// it), in a transaction of its own. A merge whose file could not be written (or
    /// whose thread panicked) is dropped and its file deleted: the runs stay as they
    /// were, a later batch begins a merge when runs are due one, and the error is kept
    /// for [`wait_for_merge`](Index::wait_for_merge) (until a merge succeeds). An error
    /// of the transaction that installs it is returned, after the merge's file is
    /// deleted: the write that called this has changed nothing yet.
    fn install_merge(&mut self, wait: bool) -> Result<(), Error> {
        let Some(background) = self.merging.take_if(|m| wait || m.is_done()) else {
            return Ok(());
        };
        let merge = match background.join() {
            Some((merge, Ok(()))) => merge,
            failed => {
                let e = match failed {
                    Some((_, Err(e))) => e,
                    _ => self.store("the thread merging runs panicked"),
                };
                self.merge_error = self.cleaned(Err::<(), _>(e)).err();
                return Ok(());
            }
        };
        // A merge of runs whose keys all went into this writer's filters is covered too.
        let (id, merged) = merge.runs();
        let covered = (self.seen.as_ref()).is_some_and(|s| merged.iter().all(|r| s.covers(r)));
        let installed = (|| {
            let txn = self.writer()?.begin_write().map_err(|e| self.store(e))?;
            let runs = {
                let meta = txn.open_table(META).map_err(|e| self.store(e))?;
                let mut t = self.tables(&txn)?;
                let mut runs = self.read_runs(&t, &meta)?;
                merge.install(&mut runs, &mut t, &self.path)?;
                runs
            };
            self.commit(txn, &runs)
        })();
        self.cleaned(installed)?;
        if let Some(seen) = self.seen.as_mut().filter(|_| covered) {
            seen.wrote(id);
        }
        self.merge_error = None;
        Ok(())
    }

    /// Puts a batch's records and ids in their tables, and the next document number.
    fn put_records(
        &self,
        txn: &redb::WriteTransaction,
        records: &[(u64, Vec<u8>)],
        ids: &[(&str, u64)],
        next: u64,
    ) -> Result<(), Error> {
        let mut docs = txn.open_table(DOCS).map_err(|e| self.store(e))?;
        for (n, record) in records {
            docs.insert(*n, record.as_slice())
                .map_err(|e| self.store(e))?;
        }
        let mut table = txn.open_table(IDS).map_err(|e| self.store(e))?;
        for &(id, n) in ids {
            table.insert(id, n).map_err(|e| self.store(e))?;
        }
        let mut meta = txn.open_table(META).map_err(|e| self.store(e))?;
        meta.insert("next", next.to_le_bytes().as_slice())
            .map_err(|e| self.store(e))?;
        Ok(())
    }

    /// Stores `dictionary`, the one new texts are compressed with from now on. Another
    /// dictionary with its id (zstd's ids are hashes of their content, so all but never)
    /// is refused rather than replaced: texts compressed with it would read back wrong.
    fn put_dictionary(&self, txn: &redb::WriteTransaction, d: &Dictionary) -> Result<(), Error> {
        let mut dicts = txn.open_table(DICTS).map_err(|e| self.store(e))?;
        let there = dicts.get(d.id).map_err(|e| self.store(e))?;
        if there.is_some_and(|b| b.value() != d.bytes.as_slice()) {
            return Err(self.store(format!("another dictionary {} is stored", d.id)));
        }
        dicts
            .insert(d.id, d.bytes.as_slice())
            .map_err(|e| self.store(e))?;
        let mut meta = txn.open_table(META).map_err(|e| self.store(e))?;
        meta.insert("dictionary", d.id.to_le_bytes().as_slice())
            .map_err(|e| self.store(e))?;
        Ok(())
    }

    /// The dictionary new texts are compressed with, as the index stores it: `None`
    /// before it has one.
    fn stored_dictionary(&self) -> Result<Option<Arc<Dictionary>>, Error> {
        let txn = self.db.begin_read().map_err(|e| self.store(e))?;
        let meta = txn.open_table(META).map_err(|e| self.store(e))?;
        let Some(id) = meta.get("dictionary").map_err(|e| self.store(e))? else {
            return Ok(None);
        };
        let id = id.value().try_into().map(u32::from_le_bytes);
        let id = id.map_err(|_| self.store("bad dictionary id"))?;
        let bytes = self.dictionary_bytes(&txn, id)?;
        let d = bytes.and_then(Dictionary::new);
        d.map(Arc::new)
            .map(Some)
            .ok_or_else(|| self.store(format!("dictionary {id} is missing or damaged")))
    }

    /// Dictionary `id`'s bytes as `txn` sees them.
    fn dictionary_bytes(&self, txn: &ReadTransaction, id: u32) -> Result<Option<Vec<u8>>, Error> {
        let dicts = txn.open_table(DICTS).map_err(|e| self.store(e))?;
        let bytes = dicts.get(id).map_err(|e| self.store(e))?;
        Ok(bytes.map(|b| b.value().to_vec()))
    }

    /// Matches a batch against the committed documents (`read`, whose runs are `runs`)
    /// and against the documents of the batch before each; returns what each matched
    /// and what the batch writes. Reads only.
    fn match_batch<'a>(
        &self,
        (documents, prepared): (&[(&'a str, &'a [u8])], Prepared),
        (read, runs): (&ReadTransaction, &Runs),
        added: u64,
        progress: &Progress,
    ) -> Result<Batch<'a>, Error> {
        let stored_docs = read.open_table(DOCS).map_err(|e| self.store(e))?;
        let ids = read.open_table(IDS).map_err(|e| self.store(e))?;
        let first = match read
            .open_table(META)
            .map_err(|e| self.store(e))?
            .get("next")
            .map_err(|e| self.store(e))?
        {
            Some(v) => read_u64(v.value()).ok_or_else(|| self.store("bad 'next' counter"))?,
            None => return Err(self.store("not a neardup index (no counter)")),
        };
        let next = first.saturating_add(documents.len() as u64);
        if next > u64::from(u32::MAX) {
            return Err(Error::invalid(
                "documents added",
                format!("at most {} over the index's life", u32::MAX),
                format!("{next}"),
            ));
        }
        let Prepared {
            mut keys, packed, ..
        } = prepared;
        let in_index = crate::par::map(documents, |&(id, _)| {
            Ok::<_, Error>(ids.get(id).map_err(|e| self.store(e))?.is_some())
        });
        let in_index = in_index.into_iter().collect::<Result<Vec<bool>, Error>>()?;
        let ids = numbered_ids(documents, &in_index, first)?;
        // A copy of an earlier text takes no part in matching: it has no keys.
        let copies = self.first_copies(documents, first, (&stored_docs, read, runs))?;
        for (d, k) in keys.iter_mut().enumerate() {
            if copies.is_copy(d) {
                (k.bands, k.prints) = Default::default();
            }
        }
        let repeats: Vec<Vec<RepeatedPassage>> = keys
            .iter_mut()
            .map(|k| std::mem::take(&mut k.repeats))
            .collect();
        // The keys looked up in the runs while the batch's own are sorted.
        let (found, pending) = crate::par::join(
            || self.found(&keys, runs),
            || Pending::new(first, documents, &keys),
        );
        let found = found?;
        let stored = (&stored_docs, read, runs);
        let mut boilerplate =
            self.batch_boilerplate((documents, first), (&keys, &found), &pending, stored)?;
        let tokens = std::mem::take(&mut boilerplate.tokens);
        let late = std::mem::take(&mut boilerplate.late);
        let mut long = self.long(
            (documents, first),
            (&keys, &boilerplate.picked),
            &tokens,
            late,
            runs,
            progress,
        )?;
        drop(tokens);
        let long_found = std::mem::take(&mut long.found);
        // Each document matched against the runs and the batch before it, and checked
        // against its candidates, in parallel (each takes what the runs hold for it).
        // First every document's candidates, so that a document that several are
        // checked against is read and tokenized once for all of them.
        let mut listed: Vec<(FoundBoth, Vec<Candidate>)> = found
            .into_iter()
            .zip(long_found)
            .map(|f| (f, Vec::new()))
            .collect();
        crate::par::for_each_mut(&mut listed, |d, (found, out)| {
            if progress.is_cancelled() {
                return;
            }
            // Boilerplate: it proposes no pair.
            let full = &boilerplate.fingerprints[d];
            let long = LongOf {
                prints: &long.prints[d],
                pending: &long.pending,
                boilerplate: &long.boilerplate[d],
                late: &long.late,
            };
            let found = std::mem::take(found);
            let proposals = self.proposals(&keys[d], found, (&pending, d), (full, &long));
            *out = self.candidates(&proposals);
        });
        let candidates: Vec<Vec<Candidate>> = listed.into_iter().map(|l| l.1).collect();
        if progress.is_cancelled() {
            return Err(Error::cancelled());
        }
        let often = self.checked_often(&candidates, (&stored_docs, read), &pending);
        // The entries each document takes late, in the batch or before it.
        let late = long.late.per_holder();
        let late_of = |n: u64| {
            late.binary_search_by_key(&n, |l| l.0)
                .map_or(0, |k| late[k].1)
        };
        let mut slots: Vec<Option<Result<Matched, Error>>> = Vec::new();
        slots.resize_with(documents.len(), || None);
        crate::par::for_each_mut(&mut slots, |d, out| {
            if progress.is_cancelled() {
                *out = Some(Err(Error::cancelled()));
                return;
            }
            let ((id, text), keys) = (documents[d], &keys[d]);
            let earlier = (&stored_docs, read, &often);
            *out = Some(
                self.verify(text, &candidates[d], earlier, &pending)
                    .map(|answer| {
                        let prints = keys.prints.hashes().iter();
                        let prints = prints.filter(|&&h| boilerplate.keeps(d, h));
                        let long_kept = long.prints[d].hashes().iter();
                        let long_full = &long.boilerplate[d];
                        let long_kept = long_kept.filter(|h| long_full.binary_search(h).is_err());
                        let prints =
                            prints.count() + boilerplate.contained[d].len() + long_kept.count();
                        let prints = prints as u32 + late_of(first + d as u64);
                        let entries = (keys.bands.len() as u32, prints);
                        let record = Record::encode(id, added, text.len(), entries, &packed[d]);
                        Matched { answer, record }
                    }),
            );
            progress.add(1);
        });
        let mut answers = Vec::with_capacity(documents.len());
        let mut records = Vec::with_capacity(documents.len());
        for ((out, repeats), n) in slots.into_iter().zip(repeats).zip(first..) {
            let unmatched = || self.store("a document of the batch was not matched");
            let mut one = out.ok_or_else(unmatched)??;
            one.answer.repeats = repeats;
            let d = (n - first) as usize;
            if let Some(m) = self.copy_answer(copies.first[d].as_ref(), documents[d].1) {
                one.answer.near_duplicates = vec![m];
            }
            answers.push(one.answer);
            records.push((n, one.record));
        }
        // The records of earlier documents that took entries late, with their counts.
        for &(n, more) in late.iter().filter(|l| l.0 < first) {
            let bytes = stored_docs.get(n).map_err(|e| self.store(e))?;
            let bytes = bytes.ok_or_else(|| self.store(format!("document {n} is missing")))?;
            let (bands, prints) = Record::header(bytes.value())?.entries;
            let entries = (bands, prints.saturating_add(more));
            records.push((n, Record::with_entries(bytes.value(), entries)?));
        }
        let entries = {
            let [bands, prints] = pending.entries(&boilerplate, &long);
            [merged(bands, copies.entries(first)), prints]
        };
        Ok(Batch {
            answers,
            records,
            ids,
            entries,
            copies,
            first,
            next,
        })
    }

    /// The tables of the runs, open for writing.
    fn tables<'t>(&self, txn: &'t redb::WriteTransaction) -> Result<runs::Tables<'t>, Error> {
        runs::Tables::open(txn, &self.folder).map_err(|e| self.store(e))
    }

    /// Commits a write transaction whose runs are now `runs`, and remembers them.
    fn commit(&self, txn: redb::WriteTransaction, runs: &Runs) -> Result<(), Error> {
        let generation = {
            let meta = txn.open_table(META).map_err(|e| self.store(e))?;
            self.removed_gen(&meta)?
        };
        txn.commit().map_err(|e| self.store(e))?;
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        runs.remember(&mut cache, generation);
        self.folder.delete(&runs.dropped);
        Ok(())
    }

    /// Removes document `id`; false when the index does not hold it. When it is the
    /// first copy of a text that later documents copy, the earliest of those takes its
    /// place (see the [module docs](self)).
    pub fn remove(&mut self, id: &str) -> Result<bool, Error> {
        let removed = self.remove_where(|r| r.id == id, Some(id));
        Ok(self.cleaned(removed)? == 1)
    }

    /// Removes every document added before `before` (seconds since the Unix epoch), in
    /// one transaction, and returns how many. A removed first copy's earliest copy left
    /// takes its place, as [`remove`](Index::remove) says.
    pub fn prune(&mut self, before: u64) -> Result<usize, Error> {
        let removed = self.remove_where(|r| r.added < before, None);
        self.cleaned(removed)
    }

    /// What the index holds.
    pub fn stats(&self) -> Result<IndexStats, Error> {
        let txn = self.db.begin_read().map_err(|e| self.store(e))?;
        let docs = txn.open_table(DOCS).map_err(|e| self.store(e))?;
        let mut stats = IndexStats {
            documents: docs.len().map_err(|e| self.store(e))?,
            file_bytes: self.bytes_on_disk(),
            runs: (txn.open_table(runs::RUNS).map_err(|e| self.store(e))?)
                .len()
                .map_err(|e| self.store(e))?,
            ..IndexStats::default()
        };
        for entry in docs.iter().map_err(|e| self.store(e))? {
            let (_, v) = entry.map_err(|e| self.store(e))?;
            let v = v.value();
            let header = Record::header(v)?;
            stats.stored_bytes += v.len() as u64;
            stats.text_bytes += header.len;
            stats.band_keys += u64::from(header.entries.0);
            stats.fingerprints += u64::from(header.entries.1);
        }
        Ok(stats)
    }

    /// Merges the band keys and fingerprints into one run, leaving out those of removed
    /// documents, and gives the database's free pages back to the file system.
    pub fn compact(&mut self) -> Result<(), Error> {
        self.install_merge(true)?;
        let merged = self.merge_all();
        self.cleaned(merged)?;
        let path = self.path.clone();
        let db = match &mut self.db {
            Store::Writer(db) => db,
            Store::Reader(_) => return Err(Error::store(path, READ_ONLY)),
        };
        db.compact().map_err(|e| Error::store(&path, e))?;
        Ok(())
    }

    /// Merges every run into one, in one transaction.
    fn merge_all(&self) -> Result<(), Error> {
        let txn = self.writer()?.begin_write().map_err(|e| self.store(e))?;
        let runs = {
            let meta = txn.open_table(META).map_err(|e| self.store(e))?;
            let mut t = self.tables(&txn)?;
            let mut runs = self.read_runs(&t, &meta)?;
            runs::merge_all(&mut runs, &mut t, &self.path)?;
            runs
        };
        self.commit(txn, &runs)
    }

    /// `result`, once the run files that a write transaction of this writer left are
    /// deleted when it is an error ([`clean`](Index::clean): every file that the
    /// committed transactions list is kept, so this is right whether or not a failed
    /// commit took effect).
    fn cleaned<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        if result.is_err() && matches!(self.db, Store::Writer(_)) {
            // At worst the files stay until the next writer opens the index.
            let _ = self.clean();
        }
        result
    }

    /// Removes, in one transaction, every document whose record `doomed` picks (only the
    /// one named `id` when given, found through the id table); returns how many. Their
    /// band keys and fingerprints stay in the runs, skipped by lookups, until a merge
    /// leaves them out.
    fn remove_where(
        &mut self,
        doomed: impl Fn(&Record) -> bool,
        id: Option<&str>,
    ) -> Result<usize, Error> {
        // Committed first, so that the merge's work is not lost to the removal's own
        // merges (a merge installed later would still be right: it forgets only the
        // documents it left out).
        self.install_merge(true)?;
        // What the index held before: the texts of the copies that take the place of
        // removed first copies.
        let read = self.db.begin_read().map_err(|e| self.store(e))?;
        let stored = read.open_table(DOCS).map_err(|e| self.store(e))?;
        // The run of the copies promoted, if any.
        let mut written = None;
        let txn = self.writer()?.begin_write().map_err(|e| self.store(e))?;
        let (removed, runs) = {
            let mut meta = txn.open_table(META).map_err(|e| self.store(e))?;
            let mut docs = txn.open_table(DOCS).map_err(|e| self.store(e))?;
            let mut ids = txn.open_table(IDS).map_err(|e| self.store(e))?;
            let mut t = self.tables(&txn)?;
            let mut runs = self.read_runs(&t, &meta)?;
            let numbers: Vec<u64> = match id {
                Some(id) => match ids.get(id).map_err(|e| self.store(e))? {
                    Some(n) => vec![n.value()],
                    None => Vec::new(),
                },
                None => {
                    let mut all = Vec::new();
                    for entry in docs.iter().map_err(|e| self.store(e))? {
                        all.push(entry.map_err(|e| self.store(e))?.0.value());
                    }
                    all
                }
            };
            let mut removed = Vec::new();
            for n in numbers {
                let missing = || self.store(format!("no document {n}"));
                let header = self.record(&docs, n, None)?.ok_or_else(missing)?;
                if doomed(&header) {
                    ids.remove(header.id.as_str()).map_err(|e| self.store(e))?;
                    docs.remove(n).map_err(|e| self.store(e))?;
                    removed.push(n);
                }
            }
            if !removed.is_empty() {
                runs::remove(&mut runs, &removed, &mut t, &self.path)?;
                let generation = self.removed_gen(&meta)? + 1;
                meta.insert("removed", generation.to_le_bytes().as_slice())
                    .map_err(|e| self.store(e))?;
                // A removed first copy's earliest copy takes its place, with keys.
                let promoted = self.remove_copies(&txn, (&stored, &read, &runs), &removed)?;
                for (n, record) in &promoted.records {
                    docs.insert(*n, record.as_slice())
                        .map_err(|e| self.store(e))?;
                }
                let new = runs::NewRun::write(&runs, 0, &promoted.entries, &self.folder)?;
                if let Some(seen) = &mut self.seen {
                    seen.insert(&promoted.entries);
                }
                written = new.id();
                runs::add(&mut runs, new, &mut t)?;
            }
            (removed.len(), runs)
        };
        self.commit(txn, &runs)?;
        if let (Some(seen), Some(id)) = (self.seen.as_mut(), written) {
            seen.wrote(id);
        }
        Ok(removed)
    }

    /// What the committed runs hold for the keys of each document: the first step of
    /// matching, which reads only committed data. The keys of all the documents are asked
    /// of the filters together, in the order their bits lie in every filter (see
    /// [`probe_order`]), so that a large filter is read front to back instead of missing
    /// the cache on every key; then the runs that may hold a key are read, in parallel.
    fn found(&self, keys: &[Keys], runs: &Runs) -> Result<Vec<Found>, Error> {
        let settings = self.detector.settings();
        let max_group = settings.max_group().max(2);
        let mut found: Vec<Found> = keys
            .iter()
            .map(|k| Found {
                bands: vec![SmallVec::new(); k.bands.len()],
                prints: Vec::new(),
            })
            .collect();
        let bands = || {
            self.look_up(
                (Kind::Bands, keys.iter().map(|k| k.bands.as_slice())),
                runs,
                |holders: &mut SmallVec<[u64; 2]>, n, _| {
                    holders.push(u64::from(n));
                    holders.len() < max_group
                },
            )
        };
        let prints = || self.held(keys.iter().map(|k| k.prints.hashes()), runs);
        // A batch's two kinds side by side (each orders its keys on one thread before
        // it probes them on all); a query's on this thread.
        let (bands, prints) = match keys.len() {
            0..=1 => (bands(), prints()),
            _ => crate::par::join(bands, prints),
        };
        for (d, i, holders) in bands? {
            found[d].bands[i] = holders;
        }
        for (f, prints) in found.iter_mut().zip(prints?) {
            f.prints = prints;
        }
        Ok(found)
    }

    /// For the keys of `kind` of every document (`lists`), what the runs hold: `fold`
    /// takes each entry `(document, position)` of a key, oldest first, into the key's
    /// value (from `T::default()`) until it returns false. Returns `(document, index of the key
    /// in its list, value)` for every key that some run's filter may hold, by document
    /// and index.
    fn look_up<'k, T: Default + Send>(
        &self,
        (kind, lists): (Kind, impl Iterator<Item = &'k [u64]>),
        runs: &Runs,
        fold: impl Fn(&mut T, u32, u32) -> bool + Sync,
    ) -> Result<Vec<(usize, usize, T)>, Error> {
        let lists: Vec<&[u64]> = lists.collect();
        let order = probe_order(&lists);
        let mixed: Vec<u64> = order.iter().map(|p| p.0).collect();
        let parts: Vec<&[u64]> = mixed.chunks(PROBE_PART).collect();
        // One document (a query) is looked up on this thread.
        let parallel = lists.len() > 1;
        let masks: Vec<u64> = crate::par::map_if(parallel, &parts, |part| {
            runs.probe_mixed(kind, part, self.seen.as_ref())
        })
        .into_iter()
        .flatten()
        .collect();
        // A run past the 64th has no bit in the mask: `visit` asks its filter itself.
        let every = runs.list.len() > 64;
        let hits: Vec<(usize, usize, u64)> = order
            .iter()
            .zip(masks)
            .filter(|&(_, mask)| mask != 0 || every)
            .map(|(&(_, d, i), mask)| (d as usize, i as usize, mask))
            .collect();
        let mut read = crate::par::map_if(parallel, &hits, |&(d, i, mask)| {
            let key = lists[d][i];
            let mut value = T::default();
            runs.visit((kind, key, mask), |n, pos| fold(&mut value, n, pos))?;
            Ok::<_, Error>((d, i, value))
        })
        .into_iter()
        .collect::<Result<Vec<_>, Error>>()?;
        read.sort_unstable_by_key(|&(d, i, _)| (d, i));
        Ok(read)
    }

    /// The long fingerprints of the batch's `documents` (see [`Long`]), whose
    /// fingerprints are `keys` and those common by their pickers `picked`
    /// ([`Common::picked`](boilerplate::Common::picked)): a document that holds such
    /// takes every long window over it ([`Detector::long_fingerprints`]), as a batch
    /// run does, so that a run of rare length made of common text is found. A long
    /// fingerprint that more than `boilerplate_docs - 1` other documents hold, in the
    /// runs or before it in the batch, is boilerplate too. `tokens` holds the token
    /// hashes that [`batch_boilerplate`](Index::batch_boilerplate) made of the
    /// documents that hold text common by its pickers (a document's is made again
    /// where it is missing). The documents are numbered from `first`; `late` are the
    /// long windows that earlier documents take at them (the `late` module), counted
    /// and paired through from there on.
    #[allow(clippy::too_many_arguments)]
    fn long(
        &self,
        (documents, first): (&[(&str, &[u8])], u64),
        (keys, picked): (&[Keys], &[Vec<u64>]),
        tokens: &[Option<Vec<u64>>],
        late: Vec<late::Late>,
        runs: &Runs,
        progress: &Progress,
    ) -> Result<Long, Error> {
        let docs: Vec<usize> = (0..documents.len()).collect();
        let prints = crate::par::map(&docs, |&d| {
            let at = positions_of(&keys[d].prints, &picked[d]);
            if at.is_empty() {
                return Fingerprints::default();
            }
            let made;
            let tokens = match &tokens[d] {
                Some(t) => t,
                None => {
                    made = Detector::token_hashes(documents[d].1);
                    &made
                }
            };
            self.detector.long_fingerprints(tokens, &at)
        });
        if prints.iter().all(Fingerprints::is_empty) && late.is_empty() {
            return Ok(Long {
                found: docs.iter().map(|_| Vec::new()).collect(),
                boilerplate: vec![Vec::new(); docs.len()],
                prints,
                ..Long::default()
            });
        }
        if progress.is_cancelled() {
            return Err(Error::cancelled());
        }
        let late_prints = late.iter().map(|l| l.prints.hashes());
        let all: Vec<&[u64]> = (prints.iter().map(Fingerprints::hashes))
            .chain(late_prints)
            .collect();
        let mut found = self.held(all.into_iter(), runs)?;
        let late_found = found.split_off(prints.len());
        let pending = BatchKeys::new(prints.len(), |d| prints[d].iter());
        let limit = self.detector.settings().boilerplate_docs();
        let late = late::LateWindows::new(&late, late_found, (&pending, first), limit);
        let boilerplate = crate::par::map(&docs, |&d| {
            let counted = late.counts(d, &prints[d]);
            self.boilerplate((&prints[d], &found[d]), (&pending, d), &counted)
        });
        Ok(Long {
            prints,
            found,
            pending,
            boilerplate,
            late,
        })
    }

    /// Document `n`'s record, `None` when there is no document `n`; with its text when
    /// `with_text` gives the read transaction that `docs` is a table of (a text
    /// compressed with a dictionary is read back with the dictionary it holds).
    fn record(
        &self,
        docs: &impl ReadableTable<u64, &'static [u8]>,
        n: u64,
        with_text: Option<&ReadTransaction>,
    ) -> Result<Option<Record>, Error> {
        let Some(bytes) = docs.get(n).map_err(|e| self.store(e))? else {
            return Ok(None);
        };
        let Some(txn) = with_text else {
            return Record::header(bytes.value()).map(Some);
        };
        let unpack = |packed: &[u8]| {
            let stored = |id| self.dictionary_bytes(txn, id);
            self.unpacker.unpack(packed, stored)
        };
        Record::read(bytes.value(), Some(&unpack)).map(Some)
    }

    /// The bytes of the database and the run files.
    fn bytes_on_disk(&self) -> u64 {
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let runs = std::fs::read_dir(self.folder.path()).into_iter().flatten();
        let runs: u64 = runs.flatten().map(|e| size(&e.path())).sum();
        size(&files(&self.path).0) + runs
    }

    /// The stored settings, checking the format version; `None` for a new index.
    fn stored_settings(&self) -> Result<Option<String>, Error> {
        let txn = self.db.begin_read().map_err(|e| self.store(e))?;
        let meta = match txn.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(self.store(e)),
        };
        let version = meta.get("format").map_err(|e| self.store(e))?;
        let version = version
            .and_then(|v| v.value().try_into().ok().map(u32::from_le_bytes))
            .ok_or_else(|| self.store("not a neardup index (no format version)"))?;
        if version != FORMAT_VERSION {
            let made_by = if version < FORMAT_VERSION {
                "an earlier neardup: add its documents to a new index"
            } else {
                "a later neardup"
            };
            return Err(Error::index_mismatch(
                format!("format version {version} (made by {made_by})"),
                format!("format version {FORMAT_VERSION} (this build)"),
            ));
        }
        let settings = meta.get("settings").map_err(|e| self.store(e))?;
        let settings = settings.ok_or_else(|| self.store("not a neardup index (no settings)"))?;
        let text = std::str::from_utf8(settings.value())
            .map_err(|_| self.store("settings are not UTF-8"))?;
        Ok(Some(text.to_string()))
    }

    /// Makes every table, so that readers of a new index find them.
    fn open_all(&self, txn: &redb::WriteTransaction) -> Result<(), Error> {
        txn.open_table(DOCS).map_err(|e| self.store(e))?;
        txn.open_table(IDS).map_err(|e| self.store(e))?;
        txn.open_table(DICTS).map_err(|e| self.store(e))?;
        txn.open_table(copies::COPY_OF).map_err(|e| self.store(e))?;
        txn.open_table(copies::COPIES).map_err(|e| self.store(e))?;
        self.tables(txn)?;
        Ok(())
    }

    fn store(&self, e: impl std::fmt::Display) -> Error {
        Error::store(&self.path, e)
    }

    /// The writable store, or an error for a read-only index.
    fn writer(&self) -> Result<&Database, Error> {
        match &self.db {
            Store::Writer(db) => Ok(db),
            Store::Reader(_) => Err(self.store(READ_ONLY)),
        }
    }
}

/// The page cache of an open index, in bytes (redb's default, 1 GiB, made a process that
/// queries a 100,000-document index hold 900 MB; with this one it holds 173 MB and queries
/// take twice as long, still well under a millisecond).
const CACHE_BYTES: usize = 128 << 20;

const READ_ONLY: &str = "the index is open read-only";

const NOT_AN_INDEX: &str = "a folder that is not a neardup index";

const NOT_A_FOLDER: &str = "not a neardup index: a file (an index is a folder since format \
     version 3; an index made before is one file: add its documents to a new index)";

/// Read transactions begun, each after a writer deleted a file the one before listed,
/// before a query gives up (a writer deletes files once a merge commits, a few times a
/// batch at most).
const SNAPSHOT_TRIES: usize = 8;

/// The database and the run files of the index in folder `path`.
fn files(path: &Path) -> (PathBuf, runs::Folder) {
    (
        path.join("index.redb"),
        runs::Folder::new(path.join("runs")),
    )
}

/// Keys asked of the filters per part, a part per task.
const PROBE_PART: usize = 1 << 16;

/// Two sorted lists as one, sorted (`b` taken from any sorted iterator).
fn merged<T: Ord>(a: Vec<T>, b: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut b = b.into_iter().peekable();
    if b.peek().is_none() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.size_hint().0);
    let mut a = a.into_iter().peekable();
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        let next = if x <= y { a.next() } else { b.next() };
        out.extend(next);
    }
    out.extend(a);
    out.extend(b);
    out
}

/// The positions of the fingerprints among `prints` whose hashes are in `of` (sorted),
/// ascending.
fn positions_of(prints: &Fingerprints, of: &[u64]) -> Vec<u32> {
    let mut positions: Vec<u32> = prints
        .iter()
        .filter(|(h, _)| of.binary_search(h).is_ok())
        .map(|(_, p)| p)
        .collect();
    positions.sort_unstable();
    positions
}

/// Every key of every list as `(mixed key, list, index in the list)`, in the order in
/// which the filters hold them ([`by_top_bits`]), so that every filter is read from
/// front to back, a few blocks at a time.
///
/// Ordered by the top 16 bits at most, about one key to a value: a batch's million
/// keys then come within a few blocks of the last in a filter of millions of blocks,
/// which the processor fetches ahead. (By 12 bits they wander over 21 KB of such a
/// filter: asking seven filters of 0.9 to 58 million keys about 900,000 keys took 47 ms
/// on one core, against 33 ms by 16 bits and 25 ms by 20, whose sort costs more than that
/// gains.) A query's few keys are ordered by a few bits, with as few counters to clear.
fn probe_order(lists: &[&[u64]]) -> Vec<(u64, u32, u32)> {
    let mut mixed = Vec::with_capacity(lists.iter().map(|l| l.len()).sum());
    for (d, list) in lists.iter().enumerate() {
        // A document holds fewer than 2^32 keys (it is at most 4 GB).
        mixed.extend((list.iter().enumerate()).map(|(i, &key)| (mix(key), d as u32, i as u32)));
    }
    let bits = (usize::BITS - mixed.len().leading_zeros()).clamp(1, 16);
    let mut order = Vec::new();
    by_top_bits(&mixed, bits, |p| p.0, &mut order);
    order
}

fn read_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

/// Settings text on one line, for messages.
fn one_line(settings: &str) -> String {
    settings.trim_end().replace('\n', ", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::test_scratch::Scratch;

    /// A test's own empty folder and the path of an index folder in it; the folder is
    /// removed when the first value is dropped.
    pub(super) fn temp(name: &str) -> (Scratch, PathBuf) {
        let dir = Scratch::new(&format!("index-{name}"));
        let path = dir.join("i.ndx");
        (dir, path)
    }

    #[test]
    fn records_round_trip_and_reject_bad_bytes() {
        let packed = texts::pack(b"some text", &mut texts::compressor(None)).unwrap();
        let bytes = Record::encode("ü-1", 7, 9, (16, 3), &packed);
        let plain = |p: &[u8]| Unpacker::default().unpack(p, |_| Ok(None));
        let text = Some(&plain as &Unpack<'_>);
        let r = Record::read(&bytes, text).unwrap();
        let h = Record::header(&bytes).unwrap();
        assert_eq!((h.id.as_str(), h.added, h.text.len()), ("ü-1", 7, 0));
        assert_eq!((h.len, h.entries), (9, (16, 3)));
        let lying = Record::encode("x", 7, 10, (16, 3), &packed);
        assert!(
            Record::read(&lying, text).is_err(),
            "the text length is checked"
        );
        assert!(Record::header(&bytes[..6]).is_err());
        assert_eq!(
            (r.id.as_str(), r.added, r.text.as_slice()),
            ("ü-1", 7, &b"some text"[..])
        );
        assert!(Record::read(&bytes[..10], text).is_err());
        assert!(Record::read(&[], text).is_err());
    }

    #[test]
    fn a_batch_made_ahead_in_parts_is_the_batch_made_at_once() {
        let det = Detector::builder().build().unwrap();
        let owned: Vec<(String, String)> = (0..600)
            .map(|i| {
                (
                    format!("d{i}"),
                    format!("text {i} of words {} and more", i * 7),
                )
            })
            .collect();
        let docs: Vec<(&str, &[u8])> = owned.iter().map(|(i, t)| (&i[..], t.as_bytes())).collect();
        let dict = Arc::new(Dictionary::train(docs.iter().map(|d| d.1)).unwrap());
        let whole = Prepared::of(&det, &docs, Some(&dict), None).unwrap();
        let summary = |p: &Prepared| -> Vec<(Vec<u64>, Vec<u64>, Vec<u8>)> {
            (p.keys.iter().zip(&p.packed))
                .map(|(k, t)| (k.bands.clone(), k.prints.hashes().to_vec(), t.clone()))
                .collect()
        };
        // Not stopped: every part is made; stopped at once: none is.
        let all = Prepared::ahead(&det, &docs, &dict, || false).unwrap();
        assert_eq!(summary(&all), summary(&whole));
        assert!(Prepared::ahead(&det, &docs, &dict, || true).is_none());
        // A first part, finished with the rest.
        let part = Prepared::of(&det, &docs[..AHEAD_PART], Some(&dict), None).unwrap();
        let finished = part.finished(&det, &docs, Some(&dict)).unwrap();
        assert_eq!(summary(&finished), summary(&whole));
        assert!(finished.trained.is_none());
    }

    #[test]
    fn settings_round_trip() {
        let det = Detector::builder()
            .threshold(0.7)
            .bands(20)
            .rows(6)
            .find_repeats(false)
            .build()
            .unwrap();
        let text = det.settings().encode();
        let back = Settings::decode(&text).unwrap().build().unwrap();
        assert_eq!(back.settings().encode(), text);
        // Settings missing from an older index take their defaults.
        let old = Settings::decode("shingle_size=5\nthreshold=0.8\n").unwrap();
        let default = Detector::builder().build().unwrap().settings().encode();
        assert_eq!(old.build().unwrap().settings().encode(), default);
        assert!(Settings::decode("threshold=x").is_err());
        assert!(Settings::decode("colour=red").is_err());
    }

    #[test]
    fn a_file_that_is_not_an_index_is_a_typed_error() {
        let (_dir, path) = temp("garbage");
        std::fs::write(&path, vec![7u8; 10_000]).unwrap();
        let e = Index::open(&path).err().expect("refused");
        assert!(matches!(e.kind(), ErrorKind::Store { .. }), "{e}");
        let e = Index::open(path.with_file_name("absent.ndx"))
            .err()
            .expect("refused");
        assert!(matches!(e.kind(), ErrorKind::Io { .. }), "{e}");
    }

    /// An index of a few documents in one run (made by one batch), and a text that
    /// shares band keys and passages with them.
    fn one_run(name: &str) -> (Scratch, PathBuf, String) {
        let (dir, path) = temp(name);
        let det = Detector::builder().build().unwrap();
        let mut index = Index::create(&path, &det).unwrap();
        let texts: Vec<String> = (0..40)
            .map(|d| {
                (0..120)
                    .map(|w| format!("w{}x{} ", d, w % 60 + d))
                    .collect()
            })
            .collect();
        let batch = texts.iter().enumerate().map(|(i, t)| (i, t.as_bytes()));
        let ids: Vec<String> = (0..40).map(|i| format!("d{i}")).collect();
        index
            .add_batch(batch.map(|(i, t)| (ids[i].as_str(), t)))
            .unwrap();
        // Not d7's text itself, which a query finds as a copy, without the runs.
        let near = format!("{} more", texts[7]);
        assert!(finds_d7(&index, &near));
        (dir, path, near)
    }

    /// Whether the index answers `text` (a near-duplicate of document d7's) with d7.
    fn finds_d7(index: &Index, text: &str) -> bool {
        let found = index.query(text.as_bytes()).unwrap();
        found.near_duplicates.iter().any(|m| m.id == "d7")
    }

    /// The run files of the index at `path`.
    fn run_files(path: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path.join("runs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }

    fn store_error(e: Error) -> String {
        assert!(matches!(e.kind(), ErrorKind::Store { .. }), "{e}");
        e.to_string()
    }

    #[test]
    fn a_damaged_block_is_a_typed_error() {
        let (_dir, path, text) = one_run("damaged-block");
        let files = run_files(&path);
        assert_eq!(files.len(), 1);
        // A byte changed in every block (the 21st of a block is an entry's, or the
        // checksum's of a block of one entry).
        // The index has loaded the run (its filters, checked) before the blocks change.
        let index = Index::open(&path).unwrap();
        assert!(finds_d7(&index, &text));
        let mut bytes = std::fs::read(&files[0]).unwrap();
        for b in 0..bytes.len() / runs::BLOCK_BYTES {
            bytes[b * runs::BLOCK_BYTES + 20] ^= 1;
        }
        std::fs::write(&files[0], &bytes).unwrap();
        let e = index.query(text.as_bytes()).expect_err("refused");
        assert!(store_error(e).contains("fails its checksum"));
    }

    #[test]
    fn damaged_filters_a_short_file_and_a_missing_one_are_typed_errors() {
        let (_dir, path, text) = one_run("damaged-filters");
        let file = run_files(&path).remove(0);
        let bytes = std::fs::read(&file).unwrap();
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        std::fs::write(&file, &flipped).unwrap();
        let e = Index::open(&path).unwrap().query(text.as_bytes()).err();
        assert!(store_error(e.expect("refused")).contains("checksum"));
        std::fs::write(&file, &bytes[..bytes.len() - 8]).unwrap();
        let e = Index::open(&path).unwrap().query(text.as_bytes()).err();
        assert!(store_error(e.expect("refused")).contains("length"));
        std::fs::remove_file(&file).unwrap();
        let e = Index::open(&path).unwrap().query(text.as_bytes()).err();
        let e = e.expect("refused");
        assert!(
            matches!(e.kind(), ErrorKind::Store { path, .. } if *path == file),
            "{e}"
        );
        assert!(e.to_string().contains("missing"), "{e}");
        // Put back, it answers again.
        std::fs::write(&file, &bytes).unwrap();
        assert!(finds_d7(&Index::open(&path).unwrap(), &text));
    }

    #[test]
    fn a_writer_deletes_run_files_no_transaction_lists() {
        let (_dir, path, text) = one_run("leftovers");
        let listed = run_files(&path);
        let left = path.join("runs").join("999.run");
        std::fs::write(&left, b"left by a crash").unwrap();
        let reader = Options::new().read_only(true).open(&path).unwrap();
        assert!(left.exists(), "a reader deletes nothing");
        assert!(finds_d7(&reader, &text));
        drop(reader);
        let writer = Index::open(&path).unwrap();
        assert_eq!(run_files(&path), listed);
        assert!(finds_d7(&writer, &text));
    }

    #[test]
    fn a_folder_that_holds_other_files_is_not_made_an_index() {
        let (dir, _) = temp("busy-folder");
        std::fs::write(dir.join("notes.txt"), b"mine").unwrap();
        let det = Detector::builder().build().unwrap();
        let e = Index::create(&*dir, &det).err().expect("refused");
        assert!(store_error(e).contains("not a neardup index"));
        assert!(!dir.join("index.redb").exists());
        let e = Index::open(&*dir).err().expect("refused");
        assert!(store_error(e).contains("not a neardup index"));
    }

    #[test]
    fn a_stale_transaction_finds_its_runs_gone_and_a_new_one_reads() {
        let (_dir, path) = temp("merged-away");
        let det = Detector::builder().build().unwrap();
        let mut writer = Index::create(&path, &det).unwrap();
        let text = |i: usize| format!("batch {i} makes a small run of its own, as each does");
        writer.add("first", text(0).as_bytes()).unwrap();
        let reader = Options::new().read_only(true).open(&path).unwrap();
        // A transaction begun before the writer merges the first run away and deletes
        // its file.
        let before = reader.db.begin_read().unwrap();
        for i in 1..8 {
            writer
                .add(&format!("more {i}"), text(i).as_bytes())
                .unwrap();
        }
        assert!(reader.committed_runs(&before).unwrap().is_err());
        drop(before);
        let (_, runs) = reader.snapshot().unwrap();
        assert!(runs.list.len() < 8, "merged: {} runs", runs.list.len());
        let found = reader.query(text(0).as_bytes()).unwrap();
        assert_eq!(found.near_duplicates[0].id, "first");
    }

    #[test]
    fn a_folder_with_a_damaged_database_is_a_typed_error() {
        let (_dir, path, _) = one_run("damaged-database");
        std::fs::write(path.join("index.redb"), vec![7u8; 10_000]).unwrap();
        let e = Index::open(&path).err().expect("refused");
        store_error(e);
        let det = Detector::builder().build().unwrap();
        store_error(Index::create(&path, &det).err().expect("refused"));
    }
}
