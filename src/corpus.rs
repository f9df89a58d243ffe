//! The documents to compare: names, bytes, and what happened to each input.
//!
//! A [`Corpus`] assigns dense ids ([`DocId`]) in insertion order; that order is the
//! "corpus order" every report is sorted by, so a corpus built the same way gives the same
//! report. Every input becomes a document, also the ones that cannot be compared (binary
//! data, unreadable files): those carry a [`Status::Skipped`] with a reason, so the report
//! accounts for every input.
//!
//! With the `walk` feature, [`Corpus::from_dir`] and [`Loader`] load a folder:
//! recursively in byte order of the file names, every regular file read, symbolic links
//! not followed unless asked (loops detected), FIFOs, sockets and devices never opened,
//! with optional glob, depth, hidden-file and ignore-file rules. Cost: one read per file;
//! the corpus holds every file's bytes.
//!
//! Texts live in memory ([`Corpus::new`]) or in a temporary file ([`Corpus::on_disk`]),
//! appended as documents are added and read back by offset when a stage needs one: a
//! corpus on disk holds about 150 bytes per document in memory (its name and place), not
//! its texts.

#[cfg(feature = "parquet")]
mod parquet_files;
#[cfg(feature = "jsonl")]
mod records;
pub(crate) mod spill;
#[cfg(feature = "walk")]
mod walk;

#[cfg(feature = "parquet")]
pub use self::parquet_files::ParquetFiles;
#[cfg(feature = "jsonl")]
pub use self::records::{Compression, JsonLines, extension, open};

#[cfg(feature = "walk")]
pub use self::walk::Loader;

use self::spill::Spill;
use crate::error::Error;
use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a document of a dataset came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Record {
    /// The file, as given (`-` for standard input).
    pub file: Arc<Path>,
    /// The line (JSON Lines) or row (Parquet), from 1.
    pub line: u64,
    /// The id field's value (a string, or a number written as JSON), when there is one.
    pub id: Option<String>,
}

/// A document's id: its position in the corpus, from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DocId(u32);

impl DocId {
    /// The id as an index into the corpus.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id as a `u32`.
    pub fn as_u32(self) -> u32 {
        self.0
    }

    pub(crate) fn from_index(i: usize) -> DocId {
        DocId(i as u32)
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a document was not compared.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum SkipReason {
    /// The bytes hold a NUL byte: binary data, not text.
    Binary,
    /// The bytes start with a UTF-16 byte order mark; UTF-16 text is not decoded.
    Utf16,
    /// The file is larger than the limit (at most 4 GiB, which offsets are kept in).
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Not a regular file (directory entries only): a symbolic link, FIFO, socket or device.
    NotAFile(&'static str),
    /// A followed symbolic link that leads back to a folder being walked.
    LinkLoop,
    /// Reading failed; the message says why.
    Unreadable(String),
    /// A dataset record that holds no text to compare: not JSON, no text field, or a text
    /// that is not a string; the message says which.
    BadRecord(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Binary => f.write_str("binary (contains NUL bytes)"),
            SkipReason::Utf16 => f.write_str("utf-16 text (byte order mark) is not supported"),
            SkipReason::TooLarge { limit } => write!(f, "larger than the limit of {limit} bytes"),
            SkipReason::NotAFile("symbolic link") => f.write_str("symbolic link (not followed)"),
            SkipReason::NotAFile(kind) => write!(f, "{kind} (not read)"),
            SkipReason::LinkLoop => f.write_str("symbolic link loop (not followed)"),
            SkipReason::Unreadable(why) => write!(f, "unreadable: {why}"),
            SkipReason::BadRecord(why) => write!(f, "bad record: {why}"),
        }
    }
}

/// Whether a document takes part in the comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Status {
    /// Tokenized and compared.
    Ok,
    /// Left out, for the reason given.
    Skipped(SkipReason),
}

/// One input document.
#[derive(Clone, Debug)]
pub struct Document {
    name: Box<str>,
    /// The exact relative path, for a document loaded from a folder.
    path: Option<Box<Path>>,
    /// Where a dataset record came from.
    record: Option<Record>,
    text: Text,
    /// The xxh3 hash of its bytes (0 for a skipped document).
    hash: u64,
    len: u64,
    /// Why it was skipped; `None` when it is compared (boxed: most documents are).
    skipped: Option<Box<Status>>,
}

/// Where a document's text is.
#[derive(Clone, Debug)]
enum Text {
    Memory(Box<[u8]>),
    /// At this offset of the corpus's spill file.
    Disk(u64),
}

impl Document {
    /// The name it was added under (a path relative to the folder, for [`Corpus::from_dir`]).
    pub fn name(&self) -> &str {
        // A record named by its id keeps the name once, as the id.
        match (&*self.name, &self.record) {
            ("", Some(Record { id: Some(id), .. })) => id,
            (name, _) => name,
        }
    }

    /// The exact path relative to the folder it was loaded from (its bytes as the file
    /// system has them, where [`name`](Document::name) escapes what is not UTF-8); `None`
    /// for a document added by name.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Where it came from, for a document read from a dataset.
    pub fn record(&self) -> Option<&Record> {
        self.record.as_ref()
    }

    /// Its bytes when they are in memory (empty for a skipped document), `None` when
    /// they are on disk: [`Corpus::text`] gives them in both cases.
    pub fn bytes_in_memory(&self) -> Option<&[u8]> {
        match &self.text {
            Text::Memory(b) => Some(b),
            Text::Disk(_) => None,
        }
    }

    /// The xxh3 hash of its bytes, for grouping identical texts (0 when skipped).
    pub(crate) fn hash(&self) -> u64 {
        self.hash
    }

    /// Its size in bytes as seen (also for skipped documents, when known).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when it has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether it is compared.
    pub fn status(&self) -> &Status {
        /// The status of every compared document.
        static OK: Status = Status::Ok;
        self.skipped.as_deref().unwrap_or(&OK)
    }

    /// True when it is compared.
    pub fn is_ok(&self) -> bool {
        self.skipped.is_none()
    }
}

/// An ordered collection of documents.
///
/// ```
/// let mut corpus = neardup::Corpus::new();
/// let a = corpus.add("a.txt", "some text");
/// let b = corpus.add("b.bin", b"\x00\x01binary".to_vec());
/// assert_eq!(corpus.len(), 2);
/// assert!(corpus.get(a).is_ok());
/// assert!(!corpus.get(b).is_ok());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    docs: Vec<Document>,
    /// Where texts go when they are kept on disk.
    spill: Option<Arc<Spill>>,
}

impl Corpus {
    /// An empty corpus.
    pub fn new() -> Corpus {
        Corpus::default()
    }

    /// An empty corpus that keeps texts in a temporary file in `dir` (the system's
    /// temporary folder: [`std::env::temp_dir`]), read back when a stage needs them: its
    /// memory holds the documents' names and places, not their texts. On Unix the file
    /// is removed from the folder at once, so nothing is left behind, even by a crash;
    /// its space is freed when the corpus (and every clone of it) is dropped.
    ///
    /// A text that cannot be written to the file (a full disk) makes its document a
    /// skipped one ([`SkipReason::Unreadable`]). A run with passage search writes the
    /// passage fingerprints to a second temporary file in the same folder (about 12
    /// bytes a fingerprint, 0.29 fingerprints a token: some 60% of the texts' size for
    /// English prose), kept in memory instead if it cannot be written.
    ///
    /// ```
    /// let mut corpus = neardup::Corpus::on_disk(std::env::temp_dir())?;
    /// let id = corpus.add("a", "some text");
    /// assert_eq!(corpus.get(id).bytes_in_memory(), None);
    /// assert_eq!(&*corpus.text(id), b"some text");
    /// # Ok::<(), neardup::Error>(())
    /// ```
    pub fn on_disk(dir: impl AsRef<Path>) -> Result<Corpus, Error> {
        let dir = dir.as_ref();
        let spill = Spill::new_in(dir).map_err(|e| Error::io(dir, e))?;
        Ok(Corpus {
            docs: Vec::new(),
            spill: Some(Arc::new(spill)),
        })
    }

    /// An empty corpus that keeps texts where this one does (on disk in the same folder).
    pub(crate) fn empty_like(&self) -> Result<Corpus, Error> {
        match &self.spill {
            None => Ok(Corpus::new()),
            Some(spill) => Corpus::on_disk(spill.dir()),
        }
    }

    /// An error once texts could not be written to disk (a full disk): the loaders stop
    /// there rather than turn every later document into a skipped one.
    #[cfg_attr(
        not(any(feature = "jsonl", feature = "parquet", feature = "walk")),
        allow(dead_code)
    )]
    pub(crate) fn texts_written(&self) -> Result<(), Error> {
        match self.spill.as_ref().and_then(|s| s.failure()) {
            None => Ok(()),
            Some(why) => {
                let spill = self.spill.as_ref().expect("failed, so there is one");
                let why = format!("writing texts to the temporary file: {why}");
                Err(Error::io(spill.path(), std::io::Error::other(why)))
            }
        }
    }

    /// An empty corpus with texts on disk in `dir` when one is given, in memory otherwise
    /// (the loaders' `texts_on_disk` option).
    #[cfg_attr(
        not(any(feature = "jsonl", feature = "parquet", feature = "walk")),
        allow(dead_code)
    )]
    pub(crate) fn with_texts_in(dir: Option<&Path>) -> Result<Corpus, Error> {
        match dir {
            Some(dir) => Corpus::on_disk(dir),
            None => Ok(Corpus::new()),
        }
    }

    /// Whether texts are kept on disk ([`Corpus::on_disk`]).
    pub fn is_on_disk(&self) -> bool {
        self.spill.is_some()
    }

    /// The folder of the file that holds the texts, when they are on disk: a run keeps
    /// its own working files there too.
    pub(crate) fn spill_dir(&self) -> Option<&std::path::Path> {
        self.spill.as_ref().map(|s| s.dir())
    }

    /// The text of document `id`: borrowed when in memory, read back when on disk; empty
    /// for a skipped document.
    ///
    /// # Panics
    ///
    /// When `id` is not from this corpus, or reading the corpus's own temporary file
    /// back fails (an I/O error of the disk under it); [`try_text`](Corpus::try_text)
    /// returns that error instead.
    pub fn text(&self, id: DocId) -> Cow<'_, [u8]> {
        self.try_text(id).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The text of document `id`, read into `buf` when it is on disk (a buffer reused from
    /// one document to the next), borrowed when in memory.
    pub(crate) fn text_in<'a>(&'a self, id: DocId, buf: &'a mut Vec<u8>) -> &'a [u8] {
        let doc = &self.docs[id.index()];
        match (&doc.text, &self.spill) {
            (Text::Memory(b), _) => b,
            (&Text::Disk(at), Some(spill)) => {
                if let Err(e) = spill.read_into(at, doc.len as usize, buf) {
                    panic!("{}", Error::io(spill.path(), e));
                }
                buf
            }
            (Text::Disk(_), None) => unreachable!("a text on disk comes with its file"),
        }
    }

    /// [`text`](Corpus::text), with an error when the text cannot be read back from disk.
    pub fn try_text(&self, id: DocId) -> Result<Cow<'_, [u8]>, Error> {
        let doc = &self.docs[id.index()];
        match (&doc.text, &self.spill) {
            (Text::Memory(b), _) => Ok(Cow::Borrowed(b)),
            (&Text::Disk(at), Some(spill)) => spill
                .read(at, doc.len as usize)
                .map(Cow::Owned)
                .map_err(|e| Error::io(spill.path(), e)),
            (Text::Disk(_), None) => unreachable!("a text on disk comes with its file"),
        }
    }

    /// Adds a document and returns its id. Bytes with a NUL byte are kept as a skipped
    /// binary document, bytes with a UTF-16 byte order mark as skipped UTF-16; anything
    /// else is compared (invalid UTF-8 only separates tokens).
    ///
    /// # Panics
    ///
    /// When the corpus already holds `u32::MAX` documents.
    pub fn add(&mut self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> DocId {
        let bytes = bytes.into();
        let examined = Examined::of(&bytes);
        self.add_examined(name, bytes, examined)
    }

    /// [`add`](Corpus::add) of bytes already [examined](Examined::of) (on another
    /// thread, by a loader that reads files in parallel).
    pub(crate) fn add_examined(
        &mut self,
        name: impl Into<String>,
        bytes: Vec<u8>,
        Examined { skip, hash }: Examined,
    ) -> DocId {
        let len = bytes.len() as u64;
        let (text, hash, skipped) = match (skip, &self.spill) {
            (Some(reason), _) => (Text::Memory(Box::default()), 0, Some(reason)),
            (None, None) => (Text::Memory(bytes.into()), hash, None),
            (None, Some(spill)) => match spill.append(&bytes) {
                Ok(at) => (Text::Disk(at), hash, None),
                Err(lost) => {
                    let why = format!("writing to {}: {}", spill.path().display(), lost.why);
                    if let Some(from) = lost.from {
                        self.lose_texts_from(from, &why);
                    }
                    let reason = SkipReason::Unreadable(why);
                    (Text::Memory(Box::default()), 0, Some(reason))
                }
            },
        };
        self.push(Document {
            name: name.into().into_boxed_str(),
            path: None,
            record: None,
            text,
            hash,
            len,
            skipped: skipped.map(|r| Box::new(Status::Skipped(r))),
        })
    }

    /// Makes the documents whose texts were at offset `from` or later of the spill file,
    /// and were lost with a failed write, skipped ones.
    fn lose_texts_from(&mut self, from: u64, why: &str) {
        for doc in self.docs.iter_mut().rev() {
            match doc.text {
                Text::Disk(at) if at >= from => {
                    doc.text = Text::Memory(Box::default());
                    doc.hash = 0;
                    doc.skipped = Some(Box::new(Status::Skipped(SkipReason::Unreadable(
                        why.to_owned(),
                    ))));
                }
                Text::Disk(_) => break,
                Text::Memory(_) => {}
            }
        }
    }

    /// Records an input that could not be compared, with its size when known (0 if not).
    pub fn add_skipped(&mut self, name: impl Into<String>, len: u64, reason: SkipReason) -> DocId {
        self.push(Document {
            name: name.into().into_boxed_str(),
            path: None,
            record: None,
            text: Text::Memory(Box::default()),
            hash: 0,
            len,
            skipped: Some(Box::new(Status::Skipped(reason))),
        })
    }

    /// Records the exact relative path of the last document added (see
    /// [`Document::path`]).
    #[cfg_attr(not(feature = "walk"), allow(dead_code))]
    fn set_path(&mut self, id: DocId, path: PathBuf) {
        self.docs[id.index()].path = Some(path.into_boxed_path());
    }

    /// Records where the document `id` came from.
    #[cfg_attr(not(any(feature = "jsonl", feature = "parquet")), allow(dead_code))]
    fn set_record(&mut self, id: DocId, record: Record) {
        let doc = &mut self.docs[id.index()];
        if record.id.as_deref() == Some(&*doc.name) {
            doc.name = Box::default();
        }
        doc.record = Some(record);
    }

    fn push(&mut self, doc: Document) -> DocId {
        assert!(self.docs.len() < u32::MAX as usize, "corpus is full");
        self.docs.push(doc);
        DocId::from_index(self.docs.len() - 1)
    }

    /// Loads every file below `dir` with the default [`Loader`]: recursively, symbolic
    /// links not followed. Errors only when `dir` itself cannot be listed.
    #[cfg(feature = "walk")]
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Corpus, Error> {
        Loader::new().load(dir)
    }

    /// The id of the document at position `index` (the order of adding), or `None` past
    /// the end.
    ///
    /// ```
    /// let mut corpus = neardup::Corpus::new();
    /// let a = corpus.add("a.txt", "one text");
    /// assert_eq!(corpus.id(0), Some(a));
    /// assert_eq!(corpus.id(1), None);
    /// ```
    pub fn id(&self, index: usize) -> Option<DocId> {
        (index < self.len()).then(|| DocId::from_index(index))
    }

    /// The document with id `id`.
    ///
    /// # Panics
    ///
    /// When `id` is not from this corpus.
    pub fn get(&self, id: DocId) -> &Document {
        &self.docs[id.index()]
    }

    /// The documents in corpus order, with their ids.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (DocId, &Document)> {
        self.docs
            .iter()
            .enumerate()
            .map(|(i, d)| (DocId::from_index(i), d))
    }

    /// The number of documents, skipped ones included.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when it holds no document.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

/// A dotted field path (`"meta.id"`) as its parts, for the dataset readers.
#[cfg_attr(not(any(feature = "jsonl", feature = "parquet")), allow(dead_code))]
fn dotted(path: &str) -> Vec<String> {
    path.split('.').map(str::to_owned).collect()
}

/// The largest document, in bytes: offsets are kept in `u32`.
pub const MAX_DOCUMENT_BYTES: u64 = u32::MAX as u64;

/// What [`Corpus::add`] finds in a text before it keeps it: why it is skipped, if it
/// is (UTF-16, binary, too large), and the hash that finds identical copies.
pub(crate) struct Examined {
    skip: Option<SkipReason>,
    hash: u64,
}

impl Examined {
    /// Examines `bytes`: O(n), a scan for a NUL byte and a hash.
    pub(crate) fn of(bytes: &[u8]) -> Examined {
        let skip = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            Some(SkipReason::Utf16)
        } else if memchr::memchr(0, bytes).is_some() {
            Some(SkipReason::Binary)
        } else if u32::try_from(bytes.len()).is_err() {
            Some(SkipReason::TooLarge {
                limit: MAX_DOCUMENT_BYTES,
            })
        } else {
            None
        };
        let hash = match skip {
            None => xxhash_rust::xxh3::xxh3_64(bytes),
            Some(_) => 0,
        };
        Examined { skip, hash }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_bytes() {
        let mut c = Corpus::new();
        let cases: &[(&[u8], Status)] = &[
            (b"plain text", Status::Ok),
            (b"", Status::Ok),
            (b"bad \xFF utf8", Status::Ok),
            (b"nul\x00inside", Status::Skipped(SkipReason::Binary)),
            (b"\xFF\xFEh\x00i\x00", Status::Skipped(SkipReason::Utf16)),
        ];
        for (bytes, want) in cases {
            let id = c.add("x", bytes.to_vec());
            assert_eq!(c.get(id).status(), want, "{bytes:?}");
            assert_eq!(c.get(id).len(), bytes.len() as u64);
        }
        assert_eq!(c.len(), cases.len());
    }

    #[test]
    fn ids_are_dense_in_insertion_order() {
        let mut c = Corpus::new();
        assert_eq!(c.add("a", "x").index(), 0);
        assert_eq!(
            c.add_skipped("b", 3, SkipReason::Unreadable("no".into()))
                .index(),
            1
        );
        let names: Vec<&str> = c.iter().map(|(_, d)| d.name()).collect();
        assert_eq!(names, ["a", "b"]);
    }
}
