//! Loading folders into a [`Corpus`] (feature `walk`).
//!
//! The walk is the `ignore` crate's (ripgrep's walker), single-threaded and sorted by file
//! name so that ids are the same on every run, on a thread of its own; the files it lists
//! are read in parallel, a block at a time, while it goes on (so a folder that cannot be
//! listed, given after others, fails the load once those are read). By default every
//! entry under the folder is listed (hidden files too, ignore files not consulted), so
//! that every input is accounted for; glob, depth, hidden-file and ignore-file rules
//! narrow what is listed, and what they leave out is not a document.
//!
//! Every listed entry becomes a document: regular files are read, everything else is
//! skipped with a reason. Special files (FIFOs, sockets, devices) are never opened; a
//! regular file is opened without blocking and checked again after opening, in case it
//! was replaced. Cost: one `stat` per entry and one read per file.

use super::{Corpus, Examined, MAX_DOCUMENT_BYTES, SkipReason};
use crate::error::Error;
use crate::progress::{Progress, Stage};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files read in parallel at a time.
const READ_BLOCK: usize = 1024;

/// Blocks of files listed and waiting to be read, at most.
const LISTED_AHEAD: usize = 4;

/// How [`Loader::load`] walks a folder.
///
/// ```
/// let corpus = neardup::corpus::Loader::new()
///     .follow_links(true)
///     .max_file_bytes(1 << 20)
///     .glob("*.txt")
///     .load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo"))?;
/// assert_eq!(corpus.len(), 6);
/// let only_library = neardup::corpus::Loader::new()
///     .glob("library-*")
///     .load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo"))?;
/// assert_eq!(only_library.len(), 2);
/// # Ok::<(), neardup::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Loader {
    follow_links: bool,
    max_file_bytes: u64,
    max_depth: Option<usize>,
    skip_hidden: bool,
    ignore_files: bool,
    globs: Vec<String>,
    texts_on_disk: Option<PathBuf>,
}

impl Default for Loader {
    fn default() -> Loader {
        Loader {
            follow_links: false,
            max_file_bytes: MAX_DOCUMENT_BYTES,
            max_depth: None,
            skip_hidden: false,
            ignore_files: false,
            globs: Vec::new(),
            texts_on_disk: None,
        }
    }
}

impl Loader {
    /// The defaults: every entry listed, links not followed, files up to
    /// [`MAX_DOCUMENT_BYTES`].
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

    /// How deep to descend: `Some(1)` lists the folder's own entries only. Default: no
    /// limit.
    pub fn max_depth(mut self, depth: Option<usize>) -> Loader {
        self.max_depth = depth;
        self
    }

    /// Whether to leave out hidden files and folders (names starting with a dot).
    /// Default false.
    pub fn skip_hidden(mut self, yes: bool) -> Loader {
        self.skip_hidden = yes;
        self
    }

    /// Whether to honour the `.gitignore` and `.ignore` files of the folder and its
    /// subfolders and the folder's `.git/info/exclude`, with git's rules (also outside a
    /// git repository; not the global gitignore or those of parent folders). They are read
    /// as inputs are: a FIFO or device in their place is never opened. Default false.
    pub fn ignore_files(mut self, yes: bool) -> Loader {
        self.ignore_files = yes;
        self
    }

    /// Adds a glob in gitignore syntax, matched against paths relative to the folder: a
    /// file is listed only if it matches some glob without `!` (when there is one) and
    /// no glob with `!` (`"*.txt"`, `"!drafts/**"`); the last matching glob wins, as in
    /// ripgrep's `--glob`. An invalid glob is an error of [`load`](Loader::load).
    pub fn glob(mut self, pattern: impl Into<String>) -> Loader {
        self.globs.push(pattern.into());
        self
    }

    /// Keeps the texts in a temporary file in `dir`, not in memory ([`Corpus::on_disk`]).
    /// `None` (the default) keeps them in memory.
    pub fn texts_on_disk(mut self, dir: Option<PathBuf>) -> Loader {
        self.texts_on_disk = dir;
        self
    }

    /// Loads every file below `dir`, recursively, named by its path relative to `dir`
    /// with `/` separators (bytes of a name that are not UTF-8 are written `\xHH`, a
    /// backslash `\\`); [`Document::path`](super::Document::path) keeps the exact path.
    /// Entries are visited in byte order of their names, so the ids are the same on every
    /// run. Regular files are read (in parallel with the `parallel` feature) and added in
    /// that order. `dir` may also be a single file.
    ///
    /// Every listed entry becomes a document: files that cannot be read, links, FIFOs,
    /// sockets and devices are skipped with a reason. A subfolder that cannot be listed
    /// becomes one skipped document named after it. Errors only when `dir` itself cannot
    /// be read or a glob is invalid.
    pub fn load(&self, dir: impl AsRef<Path>) -> Result<Corpus, Error> {
        self.load_all(&[dir])
    }

    /// As [`load`](Loader::load) for several folders or files, listed in the order given
    /// into one corpus. With more than one, each name starts with its folder as given
    /// (`a/x.txt`, `b/x.txt`).
    pub fn load_all<P: AsRef<Path>>(&self, roots: &[P]) -> Result<Corpus, Error> {
        self.load_with_progress(roots, &Progress::new())
    }

    /// [`load_all`](Loader::load_all), counting the files read in `progress`
    /// ([`Stage::Reading`]) for another thread to show.
    pub fn load_with_progress<P: AsRef<Path>>(
        &self,
        roots: &[P],
        progress: &Progress,
    ) -> Result<Corpus, Error> {
        progress.start(Stage::Reading, 0);
        let mut corpus = Corpus::with_texts_in(self.texts_on_disk.as_deref())?;
        let roots: Vec<&Path> = roots.iter().map(AsRef::as_ref).collect();
        // The folders are listed on a thread of their own while the files listed so far
        // are read, in parallel a block at a time (so that texts bound for disk are not
        // all in memory at once).
        let list = |send: &mut dyn FnMut(Vec<Listed>) -> bool| {
            let mut block = Vec::with_capacity(READ_BLOCK);
            let mut sending = true;
            for &root in &roots {
                let prefix =
                    (roots.len() > 1).then(|| display_path(root).trim_end_matches('/').to_owned());
                self.list(root, prefix, &mut |item| {
                    block.push(item);
                    if block.len() == READ_BLOCK {
                        sending = send(std::mem::take(&mut block));
                    }
                    sending
                })?;
                if !sending {
                    return Ok(());
                }
            }
            if !block.is_empty() {
                send(block);
            }
            Ok::<(), Error>(())
        };
        let (listed, read) = crate::par::pipeline(LISTED_AHEAD, list, |block| {
            progress.add_total(block.len());
            self.add_block(block, &mut corpus, progress);
            corpus.texts_written()
        });
        listed?;
        read?;
        Ok(corpus)
    }

    /// Reads the files of `block` in parallel and adds them to `corpus` in order.
    fn add_block(&self, block: Vec<Listed>, corpus: &mut Corpus, progress: &Progress) {
        // Each file is read and examined (a scan for NUL bytes, a hash) on the threads,
        // then added in order.
        let read = crate::par::map(&block, |item| {
            let bytes = match item {
                Listed::File { path, .. } => {
                    Some(read_regular(path, self.max_file_bytes).map(|b| {
                        let examined = Examined::of(&b);
                        (b, examined)
                    }))
                }
                Listed::Skipped { .. } => None,
            };
            progress.add(1);
            bytes
        });
        for (item, bytes) in block.into_iter().zip(read) {
            let (id, rel) = match (item, bytes) {
                (Listed::File { name, rel, .. }, Some(Ok((bytes, examined)))) => {
                    (corpus.add_examined(name, bytes, examined), rel)
                }
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
    }

    /// Lists one root: a file as itself, a folder by walking it. Stops when `out`
    /// returns false.
    fn list(
        &self,
        root: &Path,
        prefix: Option<String>,
        out: &mut dyn FnMut(Listed) -> bool,
    ) -> Result<(), Error> {
        let md = fs::metadata(root).map_err(|e| Error::io(root, e))?;
        if !md.is_dir() {
            let name = prefix.unwrap_or_else(|| display_path(root));
            out(match md.is_file() {
                true => Listed::File {
                    name,
                    rel: root.to_path_buf(),
                    path: root.to_path_buf(),
                },
                false => Listed::Skipped {
                    name,
                    rel: root.to_path_buf(),
                    reason: SkipReason::NotAFile(special_kind(&md.file_type())),
                },
            });
            return Ok(());
        }
        // The folder itself must be listable; below it, failures become documents.
        fs::read_dir(root).map_err(|e| Error::io(root, e))?;
        let prefix = prefix.map_or_else(String::new, |p| format!("{p}/"));
        for result in self.walker(root)? {
            let more = match result {
                Ok(entry) if entry.depth() == 0 => true,
                Ok(entry) => {
                    let rel = relative(entry.path(), root);
                    match self.classify(&entry, named(&prefix, rel), rel) {
                        Some(item) => out(item),
                        None => true,
                    }
                }
                Err(err) => out(skipped_for(&err, root, &prefix)),
            };
            if !more {
                break;
            }
        }
        Ok(())
    }

    fn walker(&self, root: &Path) -> Result<ignore::Walk, Error> {
        let mut overrides = ignore::overrides::OverrideBuilder::new(root);
        for g in &self.globs {
            overrides.add(g).map_err(|e| {
                Error::invalid("glob", "a glob in gitignore syntax", format!("'{g}' ({e})"))
            })?;
        }
        let overrides = overrides
            .build()
            .map_err(|e| Error::invalid("glob", "a glob in gitignore syntax", e))?;
        let mut builder = ignore::WalkBuilder::new(root);
        // Hidden files and ignore files are this module's rules, applied after the globs
        // (so `*.txt` does not bring a hidden or ignored file back), and the ignore files
        // are read as any input is: never a FIFO or device, never more than 1 MB.
        let skip_hidden = self.skip_hidden;
        let rules = self.ignore_files.then(|| IgnoreRules::new(root));
        builder.filter_entry(move |e| {
            if e.depth() == 0 {
                return true;
            }
            if skip_hidden && e.file_name().as_encoded_bytes().starts_with(b".") {
                return false;
            }
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            rules.as_ref().is_none_or(|r| !r.ignored(e.path(), is_dir))
        });
        Ok(builder
            .standard_filters(false)
            .follow_links(self.follow_links)
            .max_depth(self.max_depth)
            .overrides(overrides)
            // By name: the entries compared are in one folder, so their paths are the
            // same bytes up to the names. Compared as paths' bytes, they need no parse
            // to find the names (100 million instructions for 5,000 files, measured,
            // and the sort of a folder comes before any of its files can be read).
            .sort_by_file_path(|a, b| a.as_os_str().cmp(b.as_os_str()))
            .build())
    }

    /// A listed entry as a file to read or a skipped document; `None` for a folder (its
    /// entries follow).
    fn classify(&self, entry: &ignore::DirEntry, name: String, rel: &Path) -> Option<Listed> {
        let skip = |reason| Listed::Skipped {
            name: name.clone(),
            rel: rel.to_path_buf(),
            reason,
        };
        let Some(kind) = entry.file_type() else {
            return Some(skip(SkipReason::NotAFile("special file")));
        };
        if entry.path_is_symlink() && !self.follow_links {
            return Some(skip(SkipReason::NotAFile("symbolic link")));
        }
        if kind.is_dir() {
            None
        } else if kind.is_file() {
            Some(Listed::File {
                name,
                rel: rel.to_path_buf(),
                path: entry.path().to_path_buf(),
            })
        } else {
            Some(skip(SkipReason::NotAFile(special_kind(&kind))))
        }
    }
}

/// The `.gitignore` and `.ignore` files of the folders under a root (and the root's
/// `.git/info/exclude`), read once per folder, matched as git does: the deepest folder
/// whose rules match a path decides, and within a folder the last matching line (`.ignore`
/// lines come after `.gitignore` lines).
struct IgnoreRules {
    root: PathBuf,
    by_dir: std::sync::Mutex<HashMap<PathBuf, Option<Arc<Gitignore>>>>,
}

impl IgnoreRules {
    fn new(root: &Path) -> IgnoreRules {
        IgnoreRules {
            root: root.to_path_buf(),
            by_dir: Default::default(),
        }
    }

    fn ignored(&self, path: &Path, is_dir: bool) -> bool {
        let Some(parent) = path.parent() else {
            return false;
        };
        for dir in parent.ancestors().take_while(|d| d.starts_with(&self.root)) {
            if let Some(rules) = self.of(dir) {
                match rules.matched(path, is_dir) {
                    ignore::Match::Ignore(_) => return true,
                    ignore::Match::Whitelist(_) => return false,
                    ignore::Match::None => {}
                }
            }
        }
        false
    }

    fn of(&self, dir: &Path) -> Option<Arc<Gitignore>> {
        let mut cache = self.by_dir.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let mut files = vec![dir.join(".gitignore"), dir.join(".ignore")];
                if dir == self.root {
                    files.insert(0, dir.join(".git/info/exclude"));
                }
                let mut builder = GitignoreBuilder::new(dir);
                let mut any = false;
                for f in files {
                    // Read as an input: a FIFO or device is never opened blocking.
                    if let Ok(bytes) = read_regular(&f, 1 << 20) {
                        for line in String::from_utf8_lossy(&bytes).lines() {
                            any |= builder.add_line(Some(f.clone()), line).is_ok();
                        }
                    }
                }
                any.then(|| builder.build().ok().map(Arc::new)).flatten()
            })
            .clone()
    }
}

/// The skipped document for an entry the walk could not list: a link loop, a broken
/// link, a folder that cannot be read.
fn skipped_for(err: &ignore::Error, root: &Path, prefix: &str) -> Listed {
    let (path, reason) = match innermost(err) {
        (path, ignore::Error::Loop { child, .. }) => {
            (Some(child.clone()).or(path), SkipReason::LinkLoop)
        }
        #[cfg(unix)]
        (path, ignore::Error::Io(e)) if e.raw_os_error() == Some(libc::ELOOP) => {
            (path, SkipReason::LinkLoop)
        }
        (Some(path), ignore::Error::Io(e)) if is_symlink(&path) => {
            let why = format!("broken symbolic link: {e}");
            (Some(path), SkipReason::Unreadable(why))
        }
        (path, ignore::Error::Io(e)) => (path, SkipReason::Unreadable(e.to_string())),
        (path, other) => (path, SkipReason::Unreadable(other.to_string())),
    };
    let path = path.unwrap_or_else(|| root.to_path_buf());
    let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
    Listed::Skipped {
        name: named(prefix, &rel),
        rel,
        reason,
    }
}

/// The error inside the path and depth wrappers, with the path they named.
fn innermost(mut err: &ignore::Error) -> (Option<PathBuf>, &ignore::Error) {
    let mut path = None;
    loop {
        match err {
            ignore::Error::WithPath {
                path: p,
                err: inner,
            } => {
                path = Some(p.clone());
                err = inner;
            }
            ignore::Error::WithDepth { err: inner, .. }
            | ignore::Error::WithLineNumber { err: inner, .. } => {
                err = inner;
            }
            other => return (path, other),
        }
    }
}

fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|md| md.file_type().is_symlink())
}

/// A relative path as a document name: components escaped, joined by `/`.
fn named(prefix: &str, rel: &Path) -> String {
    let mut out = String::with_capacity(prefix.len() + rel.as_os_str().len());
    out.push_str(prefix);
    for (i, part) in rel.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        escape_into(&mut out, part);
    }
    out
}

/// `path` less the folder `root` it was found under, as `Path::strip_prefix` gives it
/// (`path` itself where `root` is no prefix). The walk joins each name to its folder's
/// path, so `root`'s bytes begin `path`'s, then a separator (or `root` ends with one),
/// then names joined by single separators: that rest is cut off as bytes, where
/// `strip_prefix` would compare every component of the two (1,500 instructions a file,
/// measured on 51,000 files). Any other path is left to `strip_prefix`.
fn relative<'p>(path: &'p Path, root: &Path) -> &'p Path {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let (p, r) = (path.as_os_str().as_bytes(), root.as_os_str().as_bytes());
        if let Some(rest) = p.strip_prefix(r).filter(|_| !r.is_empty()) {
            let rest = match rest.strip_prefix(b"/") {
                Some(rest) => rest,
                None if r.ends_with(b"/") => rest,
                None => b"",
            };
            // Names joined by single separators: no empty or `.` component.
            let plain = !rest.is_empty()
                && (rest.split(|&b| b == b'/')).all(|name| !name.is_empty() && name != b".");
            if plain {
                return Path::new(std::ffi::OsStr::from_bytes(rest));
            }
        }
    }
    path.strip_prefix(root).unwrap_or(path)
}

/// A path as given, escaped like a name.
fn display_path(path: &Path) -> String {
    escaped_name(path.as_os_str())
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

/// A file name as text: UTF-8 as is, any other byte as `\xHH` and a backslash as `\\`,
/// so that a name that is not UTF-8 can still be found, two different names never read
/// the same, and JSON output stays valid.
fn escaped_name(name: &std::ffi::OsStr) -> String {
    let mut out = String::new();
    escape_into(&mut out, name);
    out
}

/// [`escaped_name`], appended to `out`.
fn escape_into(out: &mut String, name: &std::ffi::OsStr) {
    #[cfg(unix)]
    {
        use std::fmt::Write;
        use std::os::unix::ffi::OsStrExt;
        for chunk in name.as_bytes().utf8_chunks() {
            for (i, piece) in chunk.valid().split('\\').enumerate() {
                if i > 0 {
                    out.push_str("\\\\");
                }
                out.push_str(piece);
            }
            for b in chunk.invalid() {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\x{b:02X}");
            }
        }
    }
    #[cfg(not(unix))]
    {
        out.push_str(&name.to_string_lossy());
    }
}

/// Reads a file that was listed as regular, without blocking if it has been replaced by a
/// FIFO meanwhile, and without reading more than `max` bytes. The file is read as long
/// as it was when it was opened: bytes appended while it is read are left out (a file
/// that says it is empty, as those of /proc do, is read to its end).
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
    // A file that says it is empty may not be (/proc): it is read to its end, at most
    // one byte past the limit to notice one too large. Any other is read as long as it
    // was when opened: `take` ends the read there, with no read made to find its end
    // (a read a file saved).
    let limit = if md.len() == 0 { max + 1 } else { md.len() };
    let mut bytes = Vec::with_capacity(md.len() as usize);
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > max {
        return Err((bytes.len() as u64, SkipReason::TooLarge { limit: max }));
    }
    Ok(bytes)
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
    use crate::test_scratch::Scratch;

    /// A path under a root, cut as bytes, is what `strip_prefix` gives, for roots
    /// written in every way and paths joined as the walk joins them or not; a name is
    /// its components escaped and joined by `/`.
    #[test]
    fn a_path_less_its_root_is_what_strip_prefix_gives() {
        let roots = [
            "docs", "docs/", "docs//", "./docs", "docs/.", "docs/./", ".", "./", "/", "/tmp/x",
            "a/b", "..", "../docs",
        ];
        let tails = [
            "a",
            "a.txt",
            "sub/a.txt",
            "x/y/z",
            ".hidden",
            "..",
            "a/../b",
            "./a",
            "a/./b",
            "a//b",
            "a/",
            "a/.",
            "\\n",
        ];
        for root in roots {
            for tail in tails {
                for path in [
                    Path::new(root).join(tail),
                    PathBuf::from(format!("{root}{tail}")),
                    PathBuf::from(format!("{root}/{tail}")),
                    PathBuf::from(format!("{root}//{tail}")),
                ] {
                    let want = path.strip_prefix(root).unwrap_or(&path);
                    let got = relative(&path, Path::new(root));
                    assert_eq!(got.as_os_str(), want.as_os_str(), "{path:?} under {root:?}");
                    let joined: Vec<String> = got.iter().map(escaped_name).collect();
                    assert_eq!(named("p/", got), format!("p/{}", joined.join("/")));
                }
            }
        }
        // Not under the root: the path as it is.
        assert_eq!(
            relative(Path::new("a/bc/d"), Path::new("a/b")),
            Path::new("a/bc/d")
        );
    }

    #[test]
    fn a_file_that_vanished_after_listing_is_unreadable() {
        let path = std::env::temp_dir().join(format!("neardup-gone-{}", std::process::id()));
        let (_, reason) = read_regular(&path, 10).unwrap_err();
        assert!(matches!(reason, SkipReason::Unreadable(_)), "{reason}");
    }

    #[test]
    fn reads_stop_at_the_limit() {
        let dir = Scratch::new("walk-limit");
        let path = dir.join("ten.txt");
        std::fs::write(&path, "0123456789").unwrap();
        assert_eq!(read_regular(&path, 10).unwrap(), b"0123456789");
        let (len, reason) = read_regular(&path, 9).unwrap_err();
        assert_eq!((len, reason), (10, SkipReason::TooLarge { limit: 9 }));
        // Long, and empty.
        let long = vec![b'x'; 300_000];
        std::fs::write(&path, &long).unwrap();
        assert_eq!(read_regular(&path, 300_000).unwrap(), long);
        std::fs::write(&path, "").unwrap();
        assert_eq!(read_regular(&path, 0).unwrap(), b"");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_that_tells_no_length_is_read_to_its_end() {
        // Files in /proc say they are empty, and are not.
        let status = read_regular(Path::new("/proc/self/status"), 1 << 20).unwrap();
        assert!(
            status.starts_with(b"Name:"),
            "{:?}",
            &status[..status.len().min(20)]
        );
        let (_, reason) = read_regular(Path::new("/proc/self/status"), 10).unwrap_err();
        assert!(
            matches!(reason, SkipReason::TooLarge { limit: 10 }),
            "{reason}"
        );
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
    fn a_folder_is_listed_by_the_bytes_of_its_names_each_subfolder_in_its_place() {
        let dir = Scratch::new("walk-order");
        for name in ["b", "a.txt", "a-b", "A", "é", "ab/x", "a/z", "a/y"] {
            let path = dir.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, name).unwrap();
        }
        let corpus = Loader::new().load_all(&[&*dir]).unwrap();
        let root = format!("{}/", display_path(&dir).trim_end_matches('/'));
        let got: Vec<String> = (names(&corpus).iter())
            .map(|n| n.strip_prefix(&root).unwrap_or(n).to_owned())
            .collect();
        assert_eq!(got, ["A", "a/y", "a/z", "a-b", "a.txt", "ab/x", "b", "é"]);
    }

    #[test]
    fn blocks_listed_beside_reading_keep_the_order_across_roots() {
        // More files than a block in the first root, a block that spans two roots.
        let (a, b) = (Scratch::new("walk-blocks-a"), Scratch::new("walk-blocks-b"));
        for i in 0..READ_BLOCK + 30 {
            fs::write(a.join(format!("{i:05}.txt")), format!("text {i}")).unwrap();
        }
        for i in 0..3 {
            fs::write(b.join(format!("{i}.txt")), format!("other {i}")).unwrap();
        }
        let roots: [&Path; 2] = [&a, &b];
        let corpus = Loader::new().load_all(&roots).unwrap();
        assert_eq!(corpus.len(), READ_BLOCK + 33);
        let got = names(&corpus);
        let (pa, pb) = (display_path(&a), display_path(&b));
        assert_eq!(got[0], format!("{}/00000.txt", pa.trim_end_matches('/')));
        assert_eq!(
            got[READ_BLOCK + 29],
            format!("{}/{:05}.txt", pa.trim_end_matches('/'), READ_BLOCK + 29)
        );
        assert_eq!(
            got[READ_BLOCK + 30],
            format!("{}/0.txt", pb.trim_end_matches('/'))
        );
        let third = corpus.text(corpus.id(READ_BLOCK + 32).unwrap());
        assert_eq!(&*third, b"other 2");
        // A later root that cannot be listed fails the load after the first was read.
        let missing = b.join("not-here");
        let roots: [&Path; 2] = [&a, &missing];
        let e = Loader::new().load_all(&roots).unwrap_err();
        assert!(e.to_string().contains("not-here"), "{e}");
    }

    #[cfg(feature = "walk")]
    #[test]
    fn missing_folder_is_an_error() {
        let e = Corpus::from_dir("/definitely/not/here").unwrap_err();
        assert!(e.to_string().contains("/definitely/not/here"), "{e}");
    }

    /// A small tree: `a.txt`, `.hidden.txt`, `notes.log`, `sub/b.txt`, `sub/deep/c.txt`,
    /// and a `.gitignore` that ignores `*.log`, in a folder removed when dropped.
    fn tree(name: &str) -> Scratch {
        let dir = Scratch::new(&format!("walk-{name}"));
        fs::create_dir_all(dir.join("sub/deep")).unwrap();
        for (path, text) in [
            ("a.txt", "a"),
            (".hidden.txt", "h"),
            ("notes.log", "n"),
            ("sub/b.txt", "b"),
            ("sub/deep/c.txt", "c"),
            (".gitignore", "*.log\n"),
        ] {
            fs::write(dir.join(path), text).unwrap();
        }
        dir
    }

    fn names(c: &Corpus) -> Vec<&str> {
        c.iter().map(|(_, d)| d.name()).collect()
    }

    #[test]
    fn rules_narrow_what_is_listed() {
        let dir = tree("rules");
        let all = Loader::new().load(&dir).unwrap();
        assert_eq!(
            names(&all),
            [
                ".gitignore",
                ".hidden.txt",
                "a.txt",
                "notes.log",
                "sub/b.txt",
                "sub/deep/c.txt"
            ]
        );
        let load = |l: Loader| Loader::load(&l, &dir).unwrap();
        assert_eq!(
            names(&load(Loader::new().glob("*.txt").skip_hidden(true))),
            ["a.txt", "sub/b.txt", "sub/deep/c.txt"]
        );
        assert_eq!(
            names(&load(Loader::new().glob("!sub/**").glob("!.*"))),
            ["a.txt", "notes.log"]
        );
        assert_eq!(
            names(&load(Loader::new().max_depth(Some(1)).skip_hidden(true))),
            ["a.txt", "notes.log"]
        );
        assert_eq!(
            names(&load(Loader::new().ignore_files(true).skip_hidden(true))),
            ["a.txt", "sub/b.txt", "sub/deep/c.txt"]
        );
        let e = Loader::new().glob("a{").load(&dir).unwrap_err();
        assert!(e.to_string().contains("'glob'"), "{e}");
    }

    #[test]
    fn several_roots_and_single_files() {
        let dir = tree("roots");
        let (sub, a) = (dir.join("sub"), dir.join("a.txt"));
        let c = Loader::new().load_all(&[&sub, &a]).unwrap();
        let want_sub = display_path(&sub);
        assert_eq!(
            names(&c),
            [
                format!("{want_sub}/b.txt"),
                format!("{want_sub}/deep/c.txt"),
                display_path(&a)
            ]
        );
        assert_eq!(c.text(c.iter().next().unwrap().0), &b"b"[..]);
        let one = Loader::new().load(&a).unwrap();
        assert_eq!(
            (one.len(), &*one.text(one.iter().next().unwrap().0)),
            (1, &b"a"[..])
        );
    }

    #[cfg(unix)]
    #[test]
    fn ignore_files_that_are_fifos_or_devices_are_not_opened() {
        let dir = tree("fifo");
        fs::remove_file(dir.join(".gitignore")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.join(".gitignore"))
            .status();
        if !made.is_ok_and(|s| s.success()) {
            return;
        }
        std::os::unix::fs::symlink("/dev/zero", dir.join("sub/.ignore")).unwrap();
        let c = Loader::new()
            .ignore_files(true)
            .skip_hidden(true)
            .load(&dir)
            .unwrap();
        assert_eq!(
            names(&c),
            ["a.txt", "notes.log", "sub/b.txt", "sub/deep/c.txt"]
        );
    }

    #[test]
    fn nested_ignore_files_and_negations() {
        let dir = tree("nested");
        fs::write(dir.join("sub/.gitignore"), "*.txt\n!b.txt\n").unwrap();
        fs::write(dir.join("sub/deep/.ignore"), "!c.txt\n").unwrap();
        let c = Loader::new()
            .ignore_files(true)
            .skip_hidden(true)
            .load(&dir)
            .unwrap();
        assert_eq!(names(&c), ["a.txt", "sub/b.txt", "sub/deep/c.txt"]);
        fs::write(dir.join("sub/deep/.ignore"), "").unwrap();
        let c = Loader::new()
            .ignore_files(true)
            .skip_hidden(true)
            .load(&dir)
            .unwrap();
        assert_eq!(names(&c), ["a.txt", "sub/b.txt"]);
    }
}
