//! The documents to compare: names, bytes, and what happened to each input.
//!
//! A [`Corpus`] assigns dense ids ([`DocId`]) in insertion order; that order is the
//! "corpus order" every report is sorted by, so a corpus built the same way gives the same
//! report. Every input becomes a document, also the ones that cannot be compared (binary
//! data, unreadable files): those carry a [`Status::Skipped`] with a reason, so the report
//! accounts for every input.
//!
//! [`Corpus::from_dir`] and [`Loader`] load a folder: recursively in byte order of the
//! file names, every regular file read, symbolic links not followed unless asked (loops
//! detected), FIFOs, sockets and devices never opened. Cost: one read per file; the corpus
//! holds every file's bytes.

use crate::error::Error;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

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
    name: String,
    /// The exact relative path, for a document loaded from a folder.
    path: Option<PathBuf>,
    bytes: Vec<u8>,
    len: u64,
    status: Status,
}

impl Document {
    /// The name it was added under (a path relative to the folder, for [`Corpus::from_dir`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The exact path relative to the folder it was loaded from (its bytes as the file
    /// system has them, where [`name`](Document::name) escapes what is not UTF-8); `None`
    /// for a document added by name.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Its bytes; empty for a skipped document.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
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
        &self.status
    }

    /// True when it is compared.
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
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
}

impl Corpus {
    /// An empty corpus.
    pub fn new() -> Corpus {
        Corpus::default()
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
        let len = bytes.len() as u64;
        let skip = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            Some(SkipReason::Utf16)
        } else if memchr::memchr(0, &bytes).is_some() {
            Some(SkipReason::Binary)
        } else if u32::try_from(bytes.len()).is_err() {
            Some(SkipReason::TooLarge {
                limit: MAX_DOCUMENT_BYTES,
            })
        } else {
            None
        };
        let (bytes, status) = match skip {
            Some(reason) => (Vec::new(), Status::Skipped(reason)),
            None => (bytes, Status::Ok),
        };
        self.push(Document {
            name: name.into(),
            path: None,
            bytes,
            len,
            status,
        })
    }

    /// Records an input that could not be compared, with its size when known (0 if not).
    pub fn add_skipped(&mut self, name: impl Into<String>, len: u64, reason: SkipReason) -> DocId {
        self.push(Document {
            name: name.into(),
            path: None,
            bytes: Vec::new(),
            len,
            status: Status::Skipped(reason),
        })
    }

    /// Records the exact relative path of the last document added (see
    /// [`Document::path`]).
    fn set_path(&mut self, id: DocId, path: PathBuf) {
        self.docs[id.index()].path = Some(path);
    }

    fn push(&mut self, doc: Document) -> DocId {
        assert!(self.docs.len() < u32::MAX as usize, "corpus is full");
        self.docs.push(doc);
        DocId::from_index(self.docs.len() - 1)
    }

    /// Loads every file below `dir` with the default [`Loader`]: recursively, symbolic
    /// links not followed. Errors only when `dir` itself cannot be listed.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Corpus, Error> {
        Loader::new().load(dir)
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

/// The largest document, in bytes: offsets are kept in `u32`.
pub const MAX_DOCUMENT_BYTES: u64 = u32::MAX as u64;

/// How [`Loader::load`] walks a folder.
///
/// ```
/// let corpus = neardup::corpus::Loader::new()
///     .follow_links(true)
///     .max_file_bytes(1 << 20)
///     .load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo"))?;
/// assert_eq!(corpus.len(), 6);
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Loader {
    follow_links: bool,
    max_file_bytes: u64,
}

impl Default for Loader {
    fn default() -> Loader {
        Loader {
            follow_links: false,
            max_file_bytes: MAX_DOCUMENT_BYTES,
        }
    }
}

impl Loader {
    /// The defaults: links not followed, files up to [`MAX_DOCUMENT_BYTES`].
    pub fn new() -> Loader {
        Loader::default()
    }

    /// Whether to follow symbolic links (default false). A followed link to a folder that
    /// is already being walked (a loop) is listed as skipped, not entered.
    pub fn follow_links(mut self, yes: bool) -> Loader {
        self.follow_links = yes;
        self
    }

    /// Files larger than this are skipped, unread, as too large (default and maximum
    /// [`MAX_DOCUMENT_BYTES`]).
    pub fn max_file_bytes(mut self, n: u64) -> Loader {
        self.max_file_bytes = n.min(MAX_DOCUMENT_BYTES);
        self
    }

    /// Loads every file below `dir`, recursively, named by its path relative to `dir`
    /// with `/` separators (bytes of a name that are not UTF-8 are written `\xHH`, a
    /// backslash `\\`); [`Document::path`] keeps the exact path.
    /// Entries are visited in byte order of their names, so the ids are the same on every
    /// run. Regular files are read (in parallel with the `parallel` feature) and added in
    /// that order.
    ///
    /// Every entry becomes a document: files that cannot be read, links, FIFOs, sockets
    /// and devices are skipped with a reason (special files are never opened; a regular
    /// file is opened without blocking and checked again after opening, in case it was
    /// replaced). A subfolder that cannot be listed becomes one skipped document named
    /// after it. Errors only when `dir` itself cannot be listed.
    pub fn load(&self, dir: impl AsRef<Path>) -> Result<Corpus, Error> {
        let dir = dir.as_ref();
        let entries = sorted_entries(dir).map_err(|e| Error::io(dir, e))?;
        let mut ancestors = Vec::new();
        if let Ok(md) = fs::metadata(dir) {
            ancestors.push(dir_id(&md, dir));
        }
        let mut listing = Vec::new();
        self.list(entries, ("", Path::new("")), &mut ancestors, &mut listing);
        let read = crate::par::map(&listing, |item| match item {
            Listed::File { path, .. } => Some(read_regular(path, self.max_file_bytes)),
            Listed::Skipped { .. } => None,
        });
        let mut corpus = Corpus::new();
        for (item, bytes) in listing.into_iter().zip(read) {
            let (id, rel) = match (item, bytes) {
                (Listed::File { name, rel, .. }, Some(Ok(bytes))) => (corpus.add(name, bytes), rel),
                (Listed::File { name, rel, .. }, Some(Err((len, reason)))) => {
                    (corpus.add_skipped(name, len, reason), rel)
                }
                (Listed::File { name, rel, .. }, None) => {
                    let reason = SkipReason::Unreadable("not read".into());
                    (corpus.add_skipped(name, 0, reason), rel)
                }
                (Listed::Skipped { name, rel, reason }, _) => {
                    (corpus.add_skipped(name, 0, reason), rel)
                }
            };
            corpus.set_path(id, rel);
        }
        Ok(corpus)
    }

    fn list(
        &self,
        entries: Vec<fs::DirEntry>,
        (prefix, rel_prefix): (&str, &Path),
        ancestors: &mut Vec<DirId>,
        out: &mut Vec<Listed>,
    ) {
        for entry in entries {
            let name = format!("{prefix}{}", escaped_name(&entry.file_name()));
            let rel = rel_prefix.join(entry.file_name());
            let path = entry.path();
            let skip = |reason| Listed::Skipped {
                name: name.clone(),
                rel: rel.clone(),
                reason,
            };
            let file_type = match entry.file_type() {
                Ok(t) => t,
                Err(e) => {
                    out.push(skip(SkipReason::Unreadable(e.to_string())));
                    continue;
                }
            };
            let (is_dir, is_file, kind) = if file_type.is_symlink() {
                if !self.follow_links {
                    out.push(skip(SkipReason::NotAFile("symbolic link")));
                    continue;
                }
                match fs::metadata(&path) {
                    Ok(md) => (md.is_dir(), md.is_file(), md.file_type()),
                    Err(e) => {
                        let why = format!("broken symbolic link: {e}");
                        out.push(skip(SkipReason::Unreadable(why)));
                        continue;
                    }
                }
            } else {
                (file_type.is_dir(), file_type.is_file(), file_type)
            };
            if is_dir {
                let id = match fs::metadata(&path) {
                    Ok(md) => dir_id(&md, &path),
                    Err(e) => {
                        out.push(skip(SkipReason::Unreadable(e.to_string())));
                        continue;
                    }
                };
                if ancestors.contains(&id) {
                    out.push(skip(SkipReason::LinkLoop));
                    continue;
                }
                match sorted_entries(&path) {
                    Ok(children) => {
                        ancestors.push(id);
                        self.list(children, (&format!("{name}/"), &rel), ancestors, out);
                        ancestors.pop();
                    }
                    Err(e) => out.push(skip(SkipReason::Unreadable(e.to_string()))),
                }
            } else if is_file {
                out.push(Listed::File { name, rel, path });
            } else {
                out.push(skip(SkipReason::NotAFile(special_kind(&kind))));
            }
        }
    }
}

/// One entry found by the walk: its name, its path relative to the folder, and for a
/// file the path to read.
enum Listed {
    File {
        name: String,
        rel: PathBuf,
        path: PathBuf,
    },
    Skipped {
        name: String,
        rel: PathBuf,
        reason: SkipReason,
    },
}

/// What identifies a folder, to detect link loops.
#[cfg(unix)]
type DirId = (u64, u64);
#[cfg(not(unix))]
type DirId = PathBuf;

#[cfg(unix)]
fn dir_id(md: &fs::Metadata, _path: &Path) -> DirId {
    use std::os::unix::fs::MetadataExt;
    (md.dev(), md.ino())
}

#[cfg(not(unix))]
fn dir_id(_md: &fs::Metadata, path: &Path) -> DirId {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A file name as text: UTF-8 as is, any other byte as `\xHH` and a backslash as `\\`,
/// so that a name that is not UTF-8 can still be found, two different names never read
/// the same, and JSON output stays valid.
fn escaped_name(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(&chunk.valid().replace('\\', "\\\\"));
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02X}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// Reads a file that was listed as regular, without blocking if it has been replaced by a
/// FIFO meanwhile, and without reading more than `max` bytes.
fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, (u64, SkipReason)> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| (0, SkipReason::Unreadable(e.to_string()));
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(unreadable)?;
    let md = file.metadata().map_err(unreadable)?;
    if !md.is_file() {
        return Err((0, SkipReason::NotAFile(special_kind(&md.file_type()))));
    }
    if md.len() > max {
        return Err((md.len(), SkipReason::TooLarge { limit: max }));
    }
    let mut bytes = Vec::with_capacity(md.len() as usize);
    // A file that grew since: read at most one byte past the limit to notice.
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > max {
        return Err((bytes.len() as u64, SkipReason::TooLarge { limit: max }));
    }
    Ok(bytes)
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<fs::DirEntry>> {
    let mut entries = fs::read_dir(dir)?.collect::<std::io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

fn special_kind(t: &fs::FileType) -> &'static str {
    if t.is_symlink() {
        return "symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "fifo";
        }
        if t.is_socket() {
            return "socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "device";
        }
    }
    "special file"
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

    #[test]
    fn a_file_that_vanished_after_listing_is_unreadable() {
        let path = std::env::temp_dir().join(format!("neardup-gone-{}", std::process::id()));
        let (_, reason) = read_regular(&path, 10).unwrap_err();
        assert!(matches!(reason, SkipReason::Unreadable(_)), "{reason}");
    }

    #[test]
    fn reads_stop_at_the_limit() {
        let path = std::env::temp_dir().join(format!("neardup-limit-{}", std::process::id()));
        std::fs::write(&path, "0123456789").unwrap();
        assert_eq!(read_regular(&path, 10).unwrap(), b"0123456789");
        let (len, reason) = read_regular(&path, 9).unwrap_err();
        assert_eq!((len, reason), (10, SkipReason::TooLarge { limit: 9 }));
        std::fs::remove_file(&path).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_are_escaped() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"a\xFFb\xC3.txt");
        assert_eq!(escaped_name(name), "a\\xFFb\\xC3.txt");
        assert_eq!(escaped_name(std::ffi::OsStr::new("é.txt")), "é.txt");
        // A name that spells an escape is told apart from the byte it spells.
        let literal = std::ffi::OsStr::new("a\\xFFb");
        assert_eq!(escaped_name(literal), "a\\\\xFFb");
        assert_ne!(
            escaped_name(literal),
            escaped_name(std::ffi::OsStr::from_bytes(b"a\xFFb"))
        );
    }

    #[test]
    fn missing_folder_is_an_error() {
        let e = Corpus::from_dir("/definitely/not/here").unwrap_err();
        assert!(e.to_string().contains("/definitely/not/here"), "{e}");
    }
}
