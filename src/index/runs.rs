//! Posting runs: where an [`Index`](super::Index) keeps the band keys and passage
//! fingerprints of its documents, so that adding a batch costs the same in a small index
//! as in a large one.
//!
//! # Layout
//!
//! A committed batch adds one run: every `(key, document, position)` entry of its
//! documents, band keys and fingerprints apart ([`Kind`]), sorted, 16 bytes each, in
//! blocks of [`BLOCK_ENTRIES`], each with its checksum, 4 KiB apart in a file of its own
//! (`runs/{number}.run`). After the blocks the file holds, for each list, the first key
//! of every block and a Bloom filter of its keys ([`Filter`], 12 bits a key in a run
//! that holds more than half of all entries, 14 in the others); the run's header in the
//! database holds their checksum. Runs never change once written, so a reader loads a
//! run's filters once and keeps them, with the file open; a run holds the documents of a
//! range of document numbers, and runs are ordered by age, so entries come out by
//! document number, but for the runs of copies that took the place of removed first
//! copies (the `copies` module), which hold older numbers than the runs before them, and
//! the entries of long windows that documents take late (the `late` module).
//!
//! A run's file is written whole and flushed to disk before the transaction that lists
//! the run commits; the files of runs merged away are deleted after the transaction that
//! drops them commits ([`Folder::delete`]), and files that a crash or a failed write
//! left behind are deleted when a writer opens the index, and after a failed write
//! ([`Folder::clean`]). A reader that began its transaction before a writer deleted a
//! file the transaction lists finds the file gone ([`Runs::read`] gives `Err` with the
//! run's number) and begins another.
//!
//! # Merging
//!
//! Once a batch's run is committed, the newest [`FAN_IN`] (6) runs are merged into one
//! while the oldest of them holds at most twice the entries of the newest: runs of about
//! the same size are merged six at a time. With batches of b entries and n in all there
//! are at most about 5 log6(n/b) + 7 runs when each merge is done before the next batch
//! (a merge running beside the batches leaves theirs unmerged until it is committed,
//! and one merge runs at a time), and an entry is written about log6(n/b) + 1 times
//! (a third as often as merging two at a time, for more filters to ask; runs that hold
//! at most half of the entries have the larger filters). A merge ([`Merge`]) needs
//! nothing of later batches: [`Index::add_batch`](super::Index::add_batch) writes it on
//! a thread of its own while later batches add their runs, and installs it once done.
//! A merge reads its runs
//! [`MERGE_BLOCKS`] blocks (256 KiB) at a time, writes the merged run as it goes, and leaves out the entries of
//! removed documents; [`merge_all`] merges every run (compaction). A merged run takes the
//! number after every run listed when its merge began (runs added meanwhile take higher
//! ones), and is kept even when empty: committed run numbers never come back, so a
//! reader's runs, kept by number, are never stale.
//!
//! # Cost
//!
//! A lookup asks each run's filter (one cache line; a writer asks the runs of its own
//! documents only about the keys that its filters of them let through, the `seen`
//! module) and reads, in the runs that may hold the key, the block where its entries
//! start (one `pread` of 4 KiB, served by the operating system's page cache when the
//! block was read or written lately): one block in each run that holds the key, plus
//! about one in 225 of the largest run and one in 450 of each other. Asked the keys of
//! a whole batch in the order their bits lie in the filters, the filters are read front
//! to back instead of a cache miss a key. In memory, each run costs 10 or 14 bits per
//! entry for the filter and 8 bytes per block of 255 entries. Filters are built a part
//! at a time (keys sorted by their top bits first), since a large one taking keys in
//! random order would miss the cache on every key. Writing and merging runs is
//! sequential file I/O, in megabytes.

use super::seen::Seen;
pub(super) use crate::bloom::mix;
use crate::bloom::{Filter, Probe};
use crate::error::Error;
use redb::{ReadableTable, Table, TableDefinition};
use std::collections::HashMap;
use std::fs::File;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use xxhash_rust::xxh3::{Xxh3, xxh3_64_with_seed};

/// Run -> its header ([`Run::header`]), oldest run first.
pub(super) const RUNS: TableDefinition<u64, &[u8]> = TableDefinition::new("runs");
/// Removed documents whose entries a run may still hold: each is forgotten when the
/// runs that cover its number are merged.
pub(super) const REMOVED: TableDefinition<u64, ()> = TableDefinition::new("removed");

/// Bytes of a run's header ([`Run::header`]).
const HEADER_BYTES: usize = 48;
/// Entries in a block: with their checksum they fit a 4 KiB page.
const BLOCK_ENTRIES: usize = 255;
const ENTRY_BYTES: usize = 16;
/// Bytes from the start of one block of a run file to the next: the entries, their
/// checksum, and zeros up to 4 KiB.
pub(super) const BLOCK_BYTES: usize = 4096;
/// Bytes written at once, and read at once when a run's filters are loaded.
const IO_CHUNK: usize = 1 << 20;
/// Blocks a merge reads at once from each run it merges (256 KiB).
const MERGE_BLOCKS: usize = 64;
const _: () = assert!(BLOCK_ENTRIES * ENTRY_BYTES + 8 <= BLOCK_BYTES);
/// Filter bits per key of a run that holds more than half of all entries: about one
/// key in 225 that the run does not hold passes its filter. (10 bits, one in a hundred,
/// read more blocks: a million adds took 4 to 12% longer, in three runs alternately, and
/// the querying process held 144 MB instead of 170.)
const FILTER_BITS: u64 = 12;
/// Filter bits per key of the other runs: one in 450 passes. Every run's filter is asked
/// about every key looked up (in a reader; see the `seen` module for a writer), and a
/// key that passes costs a block read; the smaller runs
/// take the larger filters since they hold the fewer keys. (16 bits, one in 800, made no
/// measurable difference to a million adds.)
const SMALL_RUN_FILTER_BITS: u64 = 14;

/// The filter bits per key of a run of `entries` among `total`.
fn filter_bits(entries: u64, total: u64) -> u64 {
    if entries > total / 2 {
        FILTER_BITS
    } else {
        SMALL_RUN_FILTER_BITS
    }
}

/// The folder of an index's run files: run `id` is the file `{id}.run` in it.
#[derive(Clone, Debug)]
pub(super) struct Folder(PathBuf);

impl Folder {
    pub fn new(dir: PathBuf) -> Folder {
        Folder(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Run `id`'s file.
    fn file(&self, id: u64) -> PathBuf {
        self.0.join(format!("{id}.run"))
    }

    /// The run numbers of the files in the folder.
    fn ids(&self) -> Result<Vec<u64>, Error> {
        let io = |e| Error::io(&self.0, e);
        let mut ids = Vec::new();
        for entry in std::fs::read_dir(&self.0).map_err(io)? {
            let name = entry.map_err(io)?.file_name();
            let name = name.to_str().unwrap_or_default();
            let id = name
                .strip_suffix(".run")
                .and_then(|n| n.parse::<u64>().ok());
            // Only the names runs take ("5.run", not "05.run").
            if let Some(id) = id.filter(|&id| format!("{id}.run") == name) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Deletes the files of runs `ids`: once the transaction that dropped them has
    /// committed, or those a transaction that failed wrote. A file that cannot be
    /// deleted now (on some systems, while a reader holds it open) is left for
    /// [`clean`](Folder::clean): no committed transaction lists it.
    pub fn delete(&self, ids: &[u64]) {
        for &id in ids {
            let _ = std::fs::remove_file(self.file(id));
        }
    }

    /// Deletes every run file but those of `runs` and run `writing` (a merge's, not
    /// listed yet): what a crash left behind (the runs of a transaction that never
    /// committed, and runs merged away whose files were not yet deleted), or a write
    /// that failed. Only a writer calls this: when it opens the index, and after a write
    /// of its fails. As in [`delete`](Folder::delete), a file that cannot be deleted is
    /// left.
    pub fn clean(
        &self,
        runs: &impl ReadableTable<u64, &'static [u8]>,
        writing: Option<u64>,
    ) -> Result<(), Error> {
        let mut keep: Vec<u64> = writing.into_iter().collect();
        for entry in runs.iter().map_err(|e| Error::store(&self.0, e))? {
            keep.push(entry.map_err(|e| Error::store(&self.0, e))?.0.value());
        }
        let left: Vec<u64> = self
            .ids()?
            .into_iter()
            .filter(|id| !keep.contains(id))
            .collect();
        self.delete(&left);
        Ok(())
    }

    /// Makes the folder's new file names durable.
    fn sync(&self) -> Result<(), Error> {
        sync_dir(&self.0)
    }

    /// The error for run `id`, listed by a transaction, whose file is not there.
    pub fn missing(&self, id: u64) -> Error {
        Error::store(
            self.file(id),
            format!("run {id} is listed but its file is missing"),
        )
    }
}

/// Makes the names of a folder's new files durable (on Unix; elsewhere the file system
/// does it with the files).
pub(super) fn sync_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    match File::open(dir).and_then(|d| d.sync_all()) {
        // Some file systems (network, FUSE) cannot sync a folder.
        Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::Unsupported) => {}
        other => other.map_err(|e| Error::io(dir, e))?,
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(not(any(unix, windows)))]
compile_error!("the index reads its run files at offsets, which needs Unix or Windows");

/// Reads `buf.len()` bytes of `file` at `offset` (threads read the same file at once).
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        let mut done = 0;
        while done < buf.len() {
            match file.seek_read(&mut buf[done..], offset + done as u64)? {
                0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                n => done += n,
            }
        }
        Ok(())
    }
}

/// The checksum of a block's entries: `seed` names the block, so that a block read
/// from the wrong place fails it too.
fn block_sum(entries: &[u8], kind: Kind, b: usize) -> u64 {
    xxh3_64_with_seed(entries, ((kind as u64) << 32) | b as u64)
}

/// Run `id`'s file is not as written.
fn damaged(path: &Path, id: u64, why: &str) -> Error {
    Error::store(path, format!("run {id} is damaged ({why})"))
}

/// An error reading run `id`'s file: one that ends too soon is damaged.
fn read_error(path: &Path, id: u64, e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => damaged(path, id, "short"),
        _ => Error::io(path, e),
    }
}

/// The two lists a run holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// LSH band keys (position unused).
    Bands = 0,
    /// Passage fingerprints with the token position.
    Prints = 1,
}

const KINDS: [Kind; 2] = [Kind::Bands, Kind::Prints];

/// One posting: `key` is held by document `doc` at token `pos`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Entry {
    pub key: u64,
    pub doc: u32,
    pub pos: u32,
}

impl Entry {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.key.to_le_bytes());
        out.extend_from_slice(&self.doc.to_le_bytes());
        out.extend_from_slice(&self.pos.to_le_bytes());
    }

    /// Entry `i` of a block.
    fn at(block: &[u8], i: usize) -> Entry {
        let b = &block[i * ENTRY_BYTES..(i + 1) * ENTRY_BYTES];
        Entry {
            key: u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            doc: u32::from_le_bytes(b[8..12].try_into().expect("4 bytes")),
            pos: u32::from_le_bytes(b[12..].try_into().expect("4 bytes")),
        }
    }

    fn key_at(block: &[u8], i: usize) -> u64 {
        let b = &block[i * ENTRY_BYTES..i * ENTRY_BYTES + 8];
        u64::from_le_bytes(b.try_into().expect("8 bytes"))
    }
}

/// One list of a run, as a lookup needs it in memory.
#[derive(Clone, Debug, Default)]
struct List {
    entries: u64,
    first_keys: Vec<u64>,
    filter: Filter,
}

impl List {
    /// The words stored for the list, little-endian: the first key of every block
    /// (how many follows from the number of entries), then the filter.
    fn words(&self) -> impl Iterator<Item = u64> + '_ {
        self.first_keys.iter().copied().chain(self.filter.words())
    }
}

/// A [`List`] read back from its stored words, chunk by chunk, each word put straight in
/// its place.
struct Filling {
    list: List,
    blocks: usize,
    words: usize,
    /// Filter words filled so far.
    filled: usize,
}

impl Filling {
    /// A list of `entries` entries with a filter of `words` words (read from the
    /// file: nothing is allocated for them before the words come).
    /// (`None` when the number of blocks does not fit this machine's words.)
    fn new(entries: u64, words: usize) -> Option<Filling> {
        let blocks = usize::try_from(entries.div_ceil(BLOCK_ENTRIES as u64)).ok()?;
        Some(Filling {
            list: List {
                entries,
                first_keys: Vec::new(),
                filter: Filter::default(),
            },
            blocks,
            words,
            filled: 0,
        })
    }

    /// Makes room for every word.
    fn reserve(&mut self) {
        self.list.first_keys.reserve_exact(self.blocks);
        self.list.filter.reserve_words(self.words);
    }

    /// Takes the next stored bytes (whole words); false when they do not fit.
    fn fill(&mut self, bytes: &[u8]) -> bool {
        if bytes.len() % 8 != 0 {
            return false;
        }
        for w in bytes.chunks_exact(8) {
            let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            if self.list.first_keys.len() < self.blocks {
                self.list.first_keys.push(w);
            } else if self.filled < self.words {
                self.list.filter.push_word(w, self.filled);
                self.filled += 1;
            } else {
                return false;
            }
        }
        true
    }

    /// The list, when every word was filled.
    fn finish(self) -> Option<List> {
        let full = self.list.first_keys.len() == self.blocks;
        (full && self.filled == self.words).then_some(self.list)
    }
}

/// A run as lookups see it: its number, the documents it covers, its two lists and its
/// file, open.
///
/// The file holds the band keys' blocks, then the fingerprints', each [`BLOCK_BYTES`]
/// from the last (the entries, then their checksum); then each list's
/// [words](List::words). The header, in the index's `runs` table, holds the checksum of
/// the words, which are read whole when the run is loaded.
#[derive(Debug)]
pub(super) struct Run {
    pub id: u64,
    /// The smallest and largest document number with an entry (empty: `min > max`).
    pub docs: (u32, u32),
    lists: [List; 2],
    file: File,
    /// The file's path, for errors.
    path: PathBuf,
}

impl Run {
    /// The entries of `kind`.
    pub fn entries(&self, kind: Kind) -> u64 {
        self.lists[kind as usize].entries
    }

    /// `[band entries u64][print entries u64][min doc u32][max doc u32][band filter
    /// words u64][print filter words u64][checksum of the words u64]`, little-endian. (A
    /// merged run's filter is sized before the entries of removed documents are left
    /// out.)
    fn header(&self, words_sum: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_BYTES);
        out.extend_from_slice(&self.lists[0].entries.to_le_bytes());
        out.extend_from_slice(&self.lists[1].entries.to_le_bytes());
        out.extend_from_slice(&self.docs.0.to_le_bytes());
        out.extend_from_slice(&self.docs.1.to_le_bytes());
        for list in &self.lists {
            out.extend_from_slice(&(list.filter.word_count() as u64).to_le_bytes());
        }
        out.extend_from_slice(&words_sum.to_le_bytes());
        out
    }

    /// Run `id`'s file, open; `None` when it is gone (a writer merged the run away
    /// since the transaction that lists it began, or it is missing).
    fn open(id: u64, folder: &Folder) -> Result<Option<File>, Error> {
        let path = folder.file(id);
        match File::open(&path) {
            Ok(file) => Ok(Some(file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            // A file deleted while another process holds it open stays, until closed,
            // a name that cannot be opened, where deleting it does not unlink it.
            #[cfg(windows)]
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Run `id` from its header and its [open](Run::open) file.
    fn load(id: u64, header: &[u8], file: File, folder: &Folder) -> Result<Run, Error> {
        let path = folder.file(id);
        let bad = |why: &str| damaged(&path, id, why);
        if header.len() != HEADER_BYTES {
            return Err(bad("header"));
        }
        let u64_at = |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().expect("8"));
        let u32_at = |at: usize| u32::from_le_bytes(header[at..at + 4].try_into().expect("4"));
        let mut lists = KINDS.map(|kind| {
            let words = u64_at(24 + 8 * kind as usize);
            // A filter has 8 words a block; more words than the file can hold are refused
            // below, before anything is allocated for them.
            let words = usize::try_from(words).ok().filter(|w| w % 8 == 0);
            words.and_then(|w| Filling::new(u64_at(8 * kind as usize), w))
        });
        let blocks: usize = lists.iter().flatten().map(|l| l.blocks).sum();
        let start = (blocks as u64).saturating_mul(BLOCK_BYTES as u64);
        let words: u64 = lists
            .iter()
            .flatten()
            .map(|l| (l.blocks as u64).saturating_add(l.words as u64))
            .fold(0, u64::saturating_add);
        let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        if lists.iter().any(Option::is_none) || start.saturating_add(words.saturating_mul(8)) != len
        {
            return Err(bad("length"));
        }
        // The words, a chunk at a time, each put straight in its place (a large filter
        // is not held twice).
        let (mut at, mut sum, mut chunk) = (start, Xxh3::new(), Vec::new());
        for list in lists.iter_mut().flatten() {
            list.reserve();
            let mut left = (list.blocks + list.words) * 8;
            while left > 0 {
                chunk.resize(left.min(IO_CHUNK), 0);
                read_at(&file, &mut chunk, at).map_err(|e| read_error(&path, id, e))?;
                sum.update(&chunk);
                if !list.fill(&chunk) {
                    return Err(bad("filters"));
                }
                at += chunk.len() as u64;
                left -= chunk.len();
            }
        }
        if sum.digest() != u64_at(40) {
            return Err(bad("checksum"));
        }
        let [bands, prints] = lists.map(|l| l.and_then(Filling::finish));
        let (Some(bands), Some(prints)) = (bands, prints) else {
            return Err(bad("filters"));
        };
        Ok(Run {
            id,
            docs: (u32_at(16), u32_at(20)),
            lists: [bands, prints],
            file,
            path,
        })
    }

    fn total(&self) -> u64 {
        self.lists.iter().map(|l| l.entries).sum()
    }

    /// Where block `b` of `kind` starts in the file, and its entries.
    fn block_at(&self, kind: Kind, b: usize) -> (u64, usize) {
        let before = match kind {
            Kind::Bands => 0,
            Kind::Prints => self.lists[0].first_keys.len(),
        };
        let entries = self.lists[kind as usize].entries as usize;
        let n = (entries - b * BLOCK_ENTRIES).min(BLOCK_ENTRIES);
        ((before + b) as u64 * BLOCK_BYTES as u64, n)
    }

    /// Reads blocks `b..b + count` of `kind` (as many as are left, at most) and appends
    /// their entries to `out`, each block checked against its checksum; `raw` is
    /// scratch space.
    fn read_blocks(
        &self,
        (kind, b, count): (Kind, usize, usize),
        (raw, out): (&mut Vec<u8>, &mut Vec<u8>),
    ) -> Result<(), Error> {
        let count = count.min(self.lists[kind as usize].first_keys.len() - b);
        if count == 0 {
            return Ok(());
        }
        let (start, _) = self.block_at(kind, b);
        let (last, n) = self.block_at(kind, b + count - 1);
        raw.resize((last - start) as usize + n * ENTRY_BYTES + 8, 0);
        read_at(&self.file, raw, start).map_err(|e| read_error(&self.path, self.id, e))?;
        for (i, block) in raw.chunks(BLOCK_BYTES).enumerate() {
            out.extend_from_slice(self.checked(block, (kind, b + i))?);
        }
        Ok(())
    }

    /// Reads block `b` of `kind` into `raw`, and gives its entries, checked against
    /// their checksum.
    fn read_block<'a>(
        &self,
        (kind, b): (Kind, usize),
        raw: &'a mut [u8; BLOCK_BYTES],
    ) -> Result<&'a [u8], Error> {
        let (start, n) = self.block_at(kind, b);
        let raw = &mut raw[..n * ENTRY_BYTES + 8];
        read_at(&self.file, raw, start).map_err(|e| read_error(&self.path, self.id, e))?;
        self.checked(raw, (kind, b))
    }

    /// The entries of `block`, block `b` of `kind` as read (its checksum after them),
    /// once they match their checksum.
    fn checked<'a>(&self, block: &'a [u8], (kind, b): (Kind, usize)) -> Result<&'a [u8], Error> {
        let n = self.block_at(kind, b).1 * ENTRY_BYTES;
        let sum = u64::from_le_bytes(block[n..n + 8].try_into().expect("8 bytes"));
        if sum != block_sum(&block[..n], kind, b) {
            let why = format!("block {b} fails its checksum");
            return Err(damaged(&self.path, self.id, &why));
        }
        Ok(&block[..n])
    }
}

/// The runs of one transaction, oldest first, and the removed documents to skip.
#[derive(Clone, Debug, Default)]
pub(super) struct Runs {
    pub list: Vec<Arc<Run>>,
    removed: Arc<Vec<u32>>,
    /// Runs merged away in the transaction: their files are deleted once it commits
    /// ([`Folder::delete`]).
    pub dropped: Vec<u64>,
}

/// Runs already loaded, by number, and the removed documents as last read: what a
/// reader keeps between transactions (runs never change).
#[derive(Debug, Default)]
pub(super) struct Cache {
    runs: HashMap<u64, Arc<Run>>,
    removed: Option<(u64, Arc<Vec<u32>>)>,
}

impl Runs {
    /// The runs of a transaction, from `cache` where it has them; `removed_gen` counts
    /// the changes to the removed documents (read again when it moved). The files of the
    /// runs missing from the cache are all opened first (an open file outlives its
    /// deletion), then loaded without holding the cache's lock (a large filter takes a
    /// while), so other queries go on meanwhile. `Err(id)` when run `id`'s file is gone:
    /// a writer merged it away since the transaction began (a new one will not list it),
    /// or it is missing.
    pub fn read(
        (runs, removed): (
            &impl ReadableTable<u64, &'static [u8]>,
            &impl ReadableTable<u64, ()>,
        ),
        removed_gen: u64,
        cache: &Mutex<Cache>,
        folder: &Folder,
    ) -> Result<Result<Runs, u64>, Error> {
        let store = |e: redb::StorageError| Error::store(&folder.0, e);
        let (known, known_removed) = {
            let c = cache.lock().unwrap_or_else(|e| e.into_inner());
            (c.runs.clone(), c.removed.clone())
        };
        let mut listed = Vec::new();
        for entry in runs.iter().map_err(store)? {
            let (id, header) = entry.map_err(store)?;
            let id = id.value();
            let run = match known.get(&id) {
                Some(run) => Ok(run.clone()),
                None => match Run::open(id, folder)? {
                    Some(file) => Err((header.value().to_vec(), file)),
                    None => return Ok(Err(id)),
                },
            };
            listed.push((id, run));
        }
        let mut list = Vec::with_capacity(listed.len());
        for (id, run) in listed {
            list.push(match run {
                Ok(run) => run,
                Err((header, file)) => Arc::new(Run::load(id, &header, file, folder)?),
            });
        }
        let removed = match known_removed {
            Some((generation, docs)) if generation == removed_gen => docs,
            _ => {
                let mut docs = Vec::new();
                for entry in removed.iter().map_err(store)? {
                    let n = entry.map_err(store)?.0.value();
                    let bad = || Error::store(&folder.0, "bad removal");
                    docs.push(u32::try_from(n).map_err(|_| bad())?);
                }
                Arc::new(docs)
            }
        };
        Ok(Ok(Runs {
            list,
            removed,
            dropped: Vec::new(),
        }))
    }

    /// Remembers these runs and removed documents in `cache`, as of generation
    /// `removed_gen` (after the transaction that made them commits).
    pub fn remember(&self, cache: &mut Cache, removed_gen: u64) {
        cache.runs = self.list.iter().map(|r| (r.id, r.clone())).collect();
        cache.removed = Some((removed_gen, self.removed.clone()));
    }

    /// For each of the keys, [mixed](mix), the runs (of the first 64) whose filters may
    /// hold it, as a bit mask (bit r for run r), for [`visit`](Runs::visit). Every
    /// filter is asked about every key in one go, so that the probes, each a cache miss
    /// in a large filter unless the keys come in the filters' order, overlap in memory.
    /// With `seen`, the runs it covers are asked only about the keys it may hold.
    pub fn probe_mixed(&self, kind: Kind, mixed: &[u64], seen: Option<&Seen>) -> Vec<u64> {
        let mut masks = vec![0u64; mixed.len()];
        // Each key's probe made once for all the filters.
        let probes: Vec<Probe> = mixed.iter().map(|&h| Probe::of(h)).collect();
        // The keys the runs `seen` covers are asked about, if it covers any.
        let seen = seen.filter(|seen| self.list.iter().take(64).any(|r| seen.covers(r)));
        let passed: Vec<usize> = match seen {
            Some(seen) => (0..mixed.len())
                .filter(|&i| seen.may_hold(kind, probes[i]))
                .collect(),
            None => Vec::new(),
        };
        for (r, run) in self.list.iter().take(64).enumerate() {
            let filter = &run.lists[kind as usize].filter;
            match seen {
                Some(seen) if seen.covers(run) => {
                    for &i in &passed {
                        masks[i] |= u64::from(filter.may_hold_probe(probes[i])) << r;
                    }
                }
                _ => {
                    for (mask, &p) in masks.iter_mut().zip(&probes) {
                        *mask |= u64::from(filter.may_hold_probe(p)) << r;
                    }
                }
            }
        }
        masks
    }

    /// Calls `f(doc, pos)` for every entry of `key` in the runs, oldest first (so by
    /// document number, but for copies that took a removed first copy's place and long
    /// windows that documents took late, in the runs of later batches), leaving
    /// out removed documents, until `f` returns false. `mask`
    /// is what [`probe_mixed`](Runs::probe_mixed) gave for the key.
    pub fn visit(
        &self,
        (kind, key, mask): (Kind, u64, u64),
        mut f: impl FnMut(u32, u32) -> bool,
    ) -> Result<(), Error> {
        let mut raw = [0u8; BLOCK_BYTES];
        for (r, run) in self.list.iter().enumerate() {
            let list = &run.lists[kind as usize];
            let maybe = match r {
                0..64 => mask >> r & 1 == 1,
                _ => list.filter.may_hold(mix(key)),
            };
            if !maybe {
                continue;
            }
            // The last block that starts before the key: its entries may start there.
            let mut b = list
                .first_keys
                .partition_point(|&k| k < key)
                .saturating_sub(1);
            while b < list.first_keys.len() {
                let block = run.read_block((kind, b), &mut raw)?;
                let n = block.len() / ENTRY_BYTES;
                let start = partition(n, |i| Entry::key_at(block, i) < key);
                let mut i = start;
                while i < n {
                    let e = Entry::at(block, i);
                    if e.key != key {
                        break;
                    }
                    if !self.is_removed(e.doc) && !f(e.doc, e.pos) {
                        return Ok(());
                    }
                    i += 1;
                }
                // The key's entries go on in the next block only if it starts with it.
                if i < n || list.first_keys.get(b + 1) != Some(&key) {
                    break;
                }
                b += 1;
            }
        }
        Ok(())
    }

    fn is_removed(&self, doc: u32) -> bool {
        !self.removed.is_empty() && self.removed.binary_search(&doc).is_ok()
    }

    /// The entries of all runs (removed documents' included).
    fn total(&self) -> u64 {
        self.list.iter().map(|r| r.total()).sum()
    }

    /// The number a new run takes.
    fn next_id(&self) -> u64 {
        self.list.last().map_or(0, |r| r.id + 1)
    }
}

/// The first `i` in `0..n` for which `before(i)` is false (`before` true then false).
fn partition(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The tables a writer changes, and the folder of the run files.
pub(super) struct Tables<'t> {
    pub runs: Table<'t, u64, &'static [u8]>,
    pub removed: Table<'t, u64, ()>,
    pub folder: Folder,
}

impl<'t> Tables<'t> {
    /// The tables of the runs in `txn`, open for writing, with their files in `folder`.
    pub fn open(
        txn: &'t redb::WriteTransaction,
        folder: &Folder,
    ) -> Result<Tables<'t>, redb::TableError> {
        Ok(Tables {
            runs: txn.open_table(RUNS)?,
            removed: txn.open_table(REMOVED)?,
            folder: folder.clone(),
        })
    }
}

/// A new run's file being written: blocks, then the lists' words.
struct RunFile {
    out: std::io::BufWriter<File>,
    path: PathBuf,
}

impl RunFile {
    fn create(folder: &Folder, id: u64) -> Result<RunFile, Error> {
        let path = folder.file(id);
        // A file of this number can only be one a crash or a failed transaction left
        // behind: it is written over.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let out = std::io::BufWriter::with_capacity(IO_CHUNK, file);
        Ok(RunFile { out, path })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.out
            .write_all(bytes)
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Writes the buffered bytes and makes the file durable; returns it, open for
    /// reading.
    fn finish(self) -> Result<(File, PathBuf), Error> {
        let path = self.path;
        let file = self
            .out
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        file.sync_data().map_err(|e| Error::io(&path, e))?;
        Ok((file, path))
    }
}

/// Writes one list of a new run, entries in sorted order.
struct ListWriter {
    kind: Kind,
    /// Filter bits per key.
    bits: u64,
    list: List,
    block: Vec<u8>,
    docs: (u32, u32),
    /// Keys (mixed) waiting to go into the filter, and scratch space for them.
    to_filter: Vec<u64>,
    scratch: Vec<u64>,
}

/// Keys gathered before they go into a filter together.
const FILTER_BATCH: usize = 1 << 20;

impl ListWriter {
    fn new(kind: Kind, entries: u64, bits: u64) -> ListWriter {
        ListWriter {
            kind,
            bits,
            list: List {
                entries: 0,
                first_keys: Vec::with_capacity(entries.div_ceil(BLOCK_ENTRIES as u64) as usize),
                filter: Filter::with_keys(entries, bits),
            },
            block: Vec::with_capacity(BLOCK_BYTES),
            docs: (u32::MAX, 0),
            to_filter: Vec::with_capacity(entries.min(FILTER_BATCH as u64) as usize),
            scratch: Vec::new(),
        }
    }

    fn push(&mut self, e: Entry, out: &mut RunFile) -> Result<(), Error> {
        if self.block.is_empty() {
            self.list.first_keys.push(e.key);
        }
        e.write(&mut self.block);
        self.to_filter.push(mix(e.key));
        if self.to_filter.len() == FILTER_BATCH {
            let filter = &mut self.list.filter;
            filter.insert_all_mixed(&mut self.to_filter, &mut self.scratch);
        }
        self.list.entries += 1;
        self.docs = (self.docs.0.min(e.doc), self.docs.1.max(e.doc));
        if self.block.len() == BLOCK_ENTRIES * ENTRY_BYTES {
            self.flush(out)?;
        }
        Ok(())
    }

    /// Writes the block: its entries, their checksum, zeros up to [`BLOCK_BYTES`].
    fn flush(&mut self, out: &mut RunFile) -> Result<(), Error> {
        if !self.block.is_empty() {
            let b = self.list.first_keys.len() - 1;
            let sum = block_sum(&self.block, self.kind, b);
            self.block.extend_from_slice(&sum.to_le_bytes());
            self.block.resize(BLOCK_BYTES, 0);
            out.write(&self.block)?;
            self.block.clear();
        }
        Ok(())
    }

    fn finish(mut self, out: &mut RunFile) -> Result<(List, (u32, u32)), Error> {
        self.flush(out)?;
        let filter = &mut self.list.filter;
        filter.insert_all_mixed(&mut self.to_filter, &mut self.scratch);
        filter.shrink_to(self.list.entries, self.bits);
        Ok((self.list, self.docs))
    }
}

/// Whether a write is to stop ([`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled)).
pub(super) type Stop<'s> = &'s (dyn Fn() -> bool + Sync);

/// Never stops.
const GO_ON: Stop<'static> = &|| false;

/// Entries written between two looks at whether to stop.
const STOP_EVERY: u64 = 1 << 16;

/// Writes the file of run `id` from each kind's entries (sorted), and returns the run
/// and its header (which goes in the `runs` table). `total` is the number of entries of
/// all runs with this one, which sets its filters' bits per key. Stops with
/// [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled) when `stop` says so.
fn write_run(
    (id, total): (u64, u64),
    mut sources: [&mut dyn EntrySource; 2],
    folder: &Folder,
    stop: Stop<'_>,
) -> Result<(Run, Vec<u8>), Error> {
    let mut lists: [List; 2] = Default::default();
    let mut docs = (u32::MAX, 0);
    let bits = filter_bits(sources.iter().map(|s| s.len()).sum(), total);
    let mut out = RunFile::create(folder, id)?;
    for kind in KINDS {
        let source = &mut sources[kind as usize];
        let mut w = ListWriter::new(kind, source.len(), bits);
        while let Some(e) = source.next()? {
            w.push(e, &mut out)?;
            if w.list.entries % STOP_EVERY == 0 && stop() {
                return Err(Error::cancelled());
            }
        }
        let (list, d) = w.finish(&mut out)?;
        lists[kind as usize] = list;
        docs = (docs.0.min(d.0), docs.1.max(d.1));
    }
    let mut sum = Xxh3::new();
    let mut words = Vec::with_capacity(IO_CHUNK);
    for list in &lists {
        for w in list.words() {
            words.extend_from_slice(&w.to_le_bytes());
            if words.len() == IO_CHUNK {
                sum.update(&words);
                out.write(&words)?;
                words.clear();
            }
        }
    }
    sum.update(&words);
    out.write(&words)?;
    let (file, path) = out.finish()?;
    folder.sync()?;
    let run = Run {
        id,
        docs,
        lists,
        file,
        path,
    };
    let header = run.header(sum.digest());
    Ok((run, header))
}

/// Lists a run written by [`write_run`] in the `runs` table and in `runs`.
fn push(runs: &mut Runs, (run, header): (Run, Vec<u8>), t: &mut Tables<'_>) -> Result<(), Error> {
    t.runs
        .insert(run.id, header.as_slice())
        .map_err(|e| Error::store(&t.folder.0, e))?;
    runs.list.push(Arc::new(run));
    Ok(())
}

/// Entries in sorted order, read from the run files as they are needed.
trait EntrySource {
    /// An upper bound on the entries left.
    fn len(&self) -> u64;
    fn next(&mut self) -> Result<Option<Entry>, Error>;
}

impl EntrySource for std::iter::Copied<std::slice::Iter<'_, Entry>> {
    fn len(&self) -> u64 {
        ExactSizeIterator::len(self) as u64
    }

    fn next(&mut self) -> Result<Option<Entry>, Error> {
        Ok(Iterator::next(self))
    }
}

/// The entries of one list of a stored run, [`MERGE_BLOCKS`] blocks at a time,
/// removed documents left out.
struct Cursor<'r> {
    run: &'r Run,
    kind: Kind,
    /// The next block to read.
    block: usize,
    at: usize,
    raw: Vec<u8>,
    bytes: Vec<u8>,
    removed: &'r [u32],
    /// The entry the cursor is at (`None` before the first [`advance`](Cursor::advance)
    /// and at the end).
    head: Option<Entry>,
}

impl Cursor<'_> {
    /// Moves to the next entry (the first, the first time), reading the next blocks
    /// when it has used those it read.
    fn advance(&mut self) -> Result<(), Error> {
        loop {
            if self.at * ENTRY_BYTES >= self.bytes.len() {
                let list = &self.run.lists[self.kind as usize];
                if self.block >= list.first_keys.len() {
                    self.head = None;
                    return Ok(());
                }
                let count = MERGE_BLOCKS;
                self.bytes.clear();
                let to = (&mut self.raw, &mut self.bytes);
                self.run.read_blocks((self.kind, self.block, count), to)?;
                self.block += count;
                self.at = 0;
                continue;
            }
            let e = Entry::at(&self.bytes, self.at);
            self.at += 1;
            if self.removed.is_empty() || self.removed.binary_search(&e.doc).is_err() {
                self.head = Some(e);
                return Ok(());
            }
        }
    }
}

/// Runs' cursors merged: entries in order (key, then document, so the older run's
/// first among equal keys).
struct Merged<'r> {
    cursors: Vec<Cursor<'r>>,
    left: u64,
    started: bool,
}

impl EntrySource for Merged<'_> {
    fn len(&self) -> u64 {
        self.left
    }

    fn next(&mut self) -> Result<Option<Entry>, Error> {
        if !self.started {
            self.started = true;
            for c in &mut self.cursors {
                c.advance()?;
            }
        }
        let mut best: Option<(usize, Entry)> = None;
        for (i, c) in self.cursors.iter().enumerate() {
            if let Some(e) = c.head
                && best.is_none_or(|(_, b)| e < b)
            {
                best = Some((i, e));
            }
        }
        let Some((i, e)) = best else {
            return Ok(None);
        };
        self.cursors[i].advance()?;
        self.left = self.left.saturating_sub(1);
        Ok(Some(e))
    }
}

/// Runs merged at once.
const FAN_IN: usize = 6;

/// Merges the runs due a merge ([`is_merge_due`]) at once, one merge after another: the
/// merges of [`Index::add_batch`](super::Index::add_batch) as if each were done before
/// the next batch. `stop` stops it ([`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled)).
#[cfg(test)]
pub(super) fn merge_due(
    runs: &mut Runs,
    t: &mut Tables<'_>,
    (path, stop): (&Path, Stop<'_>),
) -> Result<(), Error> {
    while is_merge_due(runs) {
        merge_newest(runs, FAN_IN, t, (path, stop))?;
    }
    Ok(())
}

/// Whether the newest [`FAN_IN`] runs are due a merge: while the oldest of them holds at
/// most twice the entries of the newest. Runs of about the same size are merged six at a
/// time, so with batches of b entries and n in all there are at most about
/// 5 log6(n/b) + 7 runs (12 after 100 batches in a simulation, the batch's own run
/// counted), and an entry is written about log6(n/b) + 1 times.
fn is_merge_due(runs: &Runs) -> bool {
    match runs.list.len().checked_sub(FAN_IN) {
        Some(oldest) => runs.list[oldest].total() <= 2 * runs.list[runs.list.len() - 1].total(),
        None => false,
    }
}

/// A batch's run of `entries` (each kind's sorted), written to its file after `runs`
/// and not yet listed (see [`add`]); `None` inside for a batch without entries. Writing
/// it needs no table, so that it is written while the batch's records go into theirs.
pub(super) struct NewRun(Option<(Run, Vec<u8>)>);

impl NewRun {
    /// The run's number; `None` when the batch had no entries and no run was written.
    pub fn id(&self) -> Option<u64> {
        self.0.as_ref().map(|(run, _)| run.id)
    }

    /// Writes the run, numbered after every run of `runs` and at least `floor` (past the
    /// number of a [`Merge`] not yet installed).
    pub fn write(
        runs: &Runs,
        floor: u64,
        entries: &[Vec<Entry>; 2],
        folder: &Folder,
    ) -> Result<NewRun, Error> {
        let [bands, prints] = entries;
        if bands.is_empty() && prints.is_empty() {
            return Ok(NewRun(None));
        }
        let id = runs.next_id().max(floor);
        let total = runs.total() + (bands.len() + prints.len()) as u64;
        let (mut bands, mut prints) = (bands.iter().copied(), prints.iter().copied());
        let sources: [&mut dyn EntrySource; 2] = [&mut bands, &mut prints];
        Ok(NewRun(Some(write_run(
            (id, total),
            sources,
            folder,
            GO_ON,
        )?)))
    }
}

/// Adds a batch's run, [written](NewRun::write) after `runs`, to them.
pub(super) fn add(runs: &mut Runs, new: NewRun, t: &mut Tables<'_>) -> Result<(), Error> {
    match new.0 {
        Some(new) => push(runs, new, t),
        None => Ok(()),
    }
}

/// Merges every run into one (compaction), leaving out removed documents: no removed
/// document is left to remember.
pub(super) fn merge_all(runs: &mut Runs, t: &mut Tables<'_>, path: &Path) -> Result<(), Error> {
    if runs.list.len() > 1 || !runs.removed.is_empty() {
        merge_newest(runs, runs.list.len(), t, (path, GO_ON))?;
    }
    Ok(())
}

fn cursor<'r>(run: &'r Run, kind: Kind, removed: &'r [u32]) -> Cursor<'r> {
    Cursor {
        run,
        kind,
        block: 0,
        at: 0,
        raw: Vec::new(),
        bytes: Vec::new(),
        removed,
        head: None,
    }
}

/// Merges the newest `k` runs into one with a new number, leaving out removed documents.
fn merge_newest(
    runs: &mut Runs,
    k: usize,
    t: &mut Tables<'_>,
    (path, stop): (&Path, Stop<'_>),
) -> Result<(), Error> {
    if k == 0 {
        return Ok(());
    }
    let mut merge = Merge::newest(runs, k);
    merge.write(&t.folder, stop)?;
    merge.install(runs, t, path)
}

/// A merge of the newest runs into one, in two steps: [`write`](Merge::write) writes the
/// merged run's file and needs no table, so that it can run on a thread of its own while
/// later batches add their runs; [`install`](Merge::install) then puts the merged run in
/// place of the runs it merged, in a write transaction. The merged run takes the number
/// after every run listed when the merge began: later runs must take higher ones (see
/// [`NewRun::write`]), so that the list, in order of number, stays in order of age. A
/// number that was never committed may be taken again once its merge is dropped: no
/// reader has seen it.
pub(super) struct Merge {
    /// The runs merged, oldest first.
    merged: Vec<Arc<Run>>,
    /// The removed documents as the merge began: their entries are left out.
    removed: Arc<Vec<u32>>,
    /// The merged run's number, and the entries of all runs (which set its filter bits).
    id: u64,
    total: u64,
    written: Option<(Run, Vec<u8>)>,
}

impl Merge {
    /// The merged run's number, and the runs it merges.
    pub fn runs(&self) -> (u64, &[Arc<Run>]) {
        (self.id, &self.merged)
    }

    /// The merge of the newest `k` runs (at least one) of `runs`.
    pub fn newest(runs: &Runs, k: usize) -> Merge {
        Merge {
            merged: runs.list[runs.list.len() - k..].to_vec(),
            removed: runs.removed.clone(),
            id: runs.next_id(),
            total: runs.total(),
            written: None,
        }
    }

    /// The merge of the newest runs when they are due one ([`is_merge_due`]).
    pub fn due(runs: &Runs) -> Option<Merge> {
        is_merge_due(runs).then(|| Merge::newest(runs, FAN_IN))
    }

    /// The merged run's number.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Writes the merged run's file; [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled)
    /// once `stop` says so.
    pub fn write(&mut self, folder: &Folder, stop: Stop<'_>) -> Result<(), Error> {
        let mut sources = KINDS.map(|kind| Merged {
            cursors: self
                .merged
                .iter()
                .map(|r| cursor(r, kind, &self.removed))
                .collect(),
            left: self.merged.iter().map(|r| r.entries(kind)).sum(),
            started: false,
        });
        let [a, b] = &mut sources;
        self.written = Some(write_run((self.id, self.total), [a, b], folder, stop)?);
        Ok(())
    }

    /// Puts the merged run, [written](Merge::write), in place of the runs it merged,
    /// which `runs` must still list one after another. The removed documents it forgets
    /// are those it left out: one removed since the merge began stays removed (its
    /// entries are in the merged run).
    pub fn install(self, runs: &mut Runs, t: &mut Tables<'_>, path: &Path) -> Result<(), Error> {
        let changed = || Error::store(path, "the runs changed under a merge");
        let (Some((run, header)), Some(first)) = (self.written, self.merged.first()) else {
            return Err(changed());
        };
        let at = runs.list.iter().position(|r| r.id == first.id);
        let at = match at {
            Some(at)
                if runs.list[at..]
                    .iter()
                    .map(|r| r.id)
                    .take(self.merged.len())
                    .eq(self.merged.iter().map(|r| r.id)) =>
            {
                at
            }
            _ => return Err(changed()),
        };
        if !runs.list[at + self.merged.len()..]
            .iter()
            .all(|r| r.id > run.id)
        {
            return Err(changed());
        }
        for old in &self.merged {
            t.runs.remove(old.id).map_err(|e| Error::store(path, e))?;
            runs.dropped.push(old.id);
        }
        // The merge left out the entries of the documents removed when it began: they are
        // gone from the runs unless a run it did not merge may hold some (its range takes
        // them in; a copy that took a removed first copy's place holds its keys in a run
        // newer than its number, the `copies` module).
        let (merged, left_out) = (&self.merged, &self.removed);
        let others: Vec<(u32, u32)> = (runs.list.iter())
            .filter(|r| !merged.iter().any(|m| m.id == r.id))
            .map(|r| r.docs)
            .collect();
        let gone = |d: u32| {
            left_out.binary_search(&d).is_ok() && !others.iter().any(|&(a, b)| a <= d && d <= b)
        };
        forget(runs, gone, t, path)?;
        // Kept even when empty: run numbers must never come back (readers keep runs by
        // number), and the newest listed run gives the next number.
        t.runs
            .insert(run.id, header.as_slice())
            .map_err(|e| Error::store(&t.folder.0, e))?;
        runs.list
            .splice(at..at + self.merged.len(), [Arc::new(run)]);
        // A document removed while the merge ran, with no entries, may now be in no
        // run's range.
        forget_removed(runs, t, path)
    }
}

/// Forgets the removed documents that no run covers.
fn forget_removed(runs: &mut Runs, t: &mut Tables<'_>, path: &Path) -> Result<(), Error> {
    let list = runs.list.clone();
    let uncovered = |d: u32| !list.iter().any(|r| r.docs.0 <= d && d <= r.docs.1);
    forget(runs, uncovered, t, path)
}

/// Forgets the removed documents that `gone` picks (no run holds their entries).
fn forget(
    runs: &mut Runs,
    gone: impl Fn(u32) -> bool,
    t: &mut Tables<'_>,
    path: &Path,
) -> Result<(), Error> {
    let (gone, keep): (Vec<u32>, Vec<u32>) = runs.removed.iter().partition(|&&d| gone(d));
    for d in gone {
        t.removed
            .remove(d as u64)
            .map_err(|e| Error::store(path, e))?;
    }
    runs.removed = Arc::new(keep);
    Ok(())
}

/// Marks documents removed: their entries stay in the runs until a merge leaves them
/// out, and lookups skip them meanwhile.
pub(super) fn remove(
    runs: &mut Runs,
    docs: &[u64],
    t: &mut Tables<'_>,
    path: &Path,
) -> Result<(), Error> {
    let mut removed: Vec<u32> = runs.removed.as_ref().clone();
    for &d in docs {
        let d = u32::try_from(d).map_err(|_| Error::store(path, "bad document number"))?;
        t.removed
            .insert(d as u64, ())
            .map_err(|e| Error::store(path, e))?;
        removed.push(d);
    }
    removed.sort_unstable();
    removed.dedup();
    runs.removed = Arc::new(removed);
    forget_removed(runs, t, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_scratch::Scratch;
    use proptest::prelude::*;
    use redb::{Database, ReadableDatabase, ReadableTableMetadata};

    /// Writes `entries` as a batch's run, numbered at least `floor`, and adds it to `runs`.
    fn add_run(
        (runs, t): (&mut Runs, &mut Tables<'_>),
        floor: u64,
        entries: &[Vec<Entry>; 2],
        folder: &Folder,
    ) {
        let new = NewRun::write(runs, floor, entries, folder).unwrap();
        add(runs, new, t).unwrap();
    }

    /// A run's entries: band keys `(key, document)`, no fingerprints.
    fn bands(keys: impl IntoIterator<Item = (u64, u32)>) -> [Vec<Entry>; 2] {
        let bands = keys
            .into_iter()
            .map(|(key, doc)| Entry { key, doc, pos: 0 });
        [bands.collect(), Vec::new()]
    }

    /// Every visit of every key in `keys` through runs read back from the database.
    fn visit_all(db: &Database, keys: &[u64], folder: &Folder) -> Vec<(u64, Vec<(u32, u32)>)> {
        let txn = db.begin_read().unwrap();
        let tables = (
            &txn.open_table(RUNS).unwrap(),
            &txn.open_table(REMOVED).unwrap(),
        );
        let runs = Runs::read(tables, 0, &Mutex::default(), folder)
            .unwrap()
            .unwrap();
        let mut out = Vec::new();
        for kind in KINDS {
            for &key in keys {
                let mut seen = Vec::new();
                let mask = runs.probe_mixed(kind, &[mix(key)], None)[0];
                runs.visit((kind, key, mask), |d, p| {
                    seen.push((d, p));
                    true
                })
                .unwrap();
                out.push((key, seen));
            }
        }
        out
    }

    /// A database and a folder for its run files, in `dir`.
    fn store(dir: &Path) -> (Database, Folder, PathBuf) {
        let path = dir.join("runs.redb");
        let folder = Folder::new(dir.join("runs"));
        std::fs::create_dir_all(&folder.0).unwrap();
        (Database::create(&path).unwrap(), folder, path)
    }

    /// Applies one step (a batch of entries, or removals) to the runs in `db`, and
    /// deletes the files of the runs merged away.
    fn step(db: &Database, folder: &Folder, batch: Option<[Vec<Entry>; 2]>, removed: &[u64]) {
        let path = &folder.0;
        let txn = db.begin_write().unwrap();
        let dropped = {
            let mut t = Tables::open(&txn, folder).unwrap();
            let mut runs = Runs::read((&t.runs, &t.removed), 0, &Mutex::default(), folder)
                .unwrap()
                .unwrap();
            match batch {
                Some(entries) => {
                    merge_due(&mut runs, &mut t, (path, GO_ON)).unwrap();
                    add_run((&mut runs, &mut t), 0, &entries, folder);
                }
                None if removed.is_empty() => merge_all(&mut runs, &mut t, path).unwrap(),
                None => remove(&mut runs, removed, &mut t, path).unwrap(),
            }
            runs.dropped
        };
        txn.commit().unwrap();
        folder.delete(&dropped);
    }

    /// A batch of `size` random entries (keys below 40, documents `first..first + 5`),
    /// each kind's sorted and deduplicated, also pushed to `oracle`.
    fn random_batch(
        size: usize,
        first: u32,
        draw: &mut impl FnMut(u64) -> u64,
        oracle: &mut Vec<(Kind, Entry)>,
    ) -> [Vec<Entry>; 2] {
        let mut entries: [Vec<Entry>; 2] = Default::default();
        for _ in 0..size {
            let kind = KINDS[draw(2) as usize];
            let e = Entry {
                key: draw(40),
                doc: first + draw(5) as u32,
                pos: draw(3) as u32,
            };
            entries[kind as usize].push(e);
            oracle.push((kind, e));
        }
        for list in &mut entries {
            list.sort_unstable();
            list.dedup();
        }
        entries
    }

    /// What [`visit_all`] should give for `keys`: the entries of `oracle` but those of
    /// `removed` documents, by kind then key, each key's by document.
    fn expected(
        mut oracle: Vec<(Kind, Entry)>,
        removed: &[u32],
        keys: &[u64],
    ) -> Vec<(u64, Vec<(u32, u32)>)> {
        oracle.sort_unstable_by_key(|&(k, e)| (k as u8, e));
        oracle.dedup();
        let mut want = Vec::new();
        for kind in KINDS {
            for &key in keys {
                let list: Vec<(u32, u32)> = oracle
                    .iter()
                    .filter(|(k, e)| *k == kind && e.key == key && !removed.contains(&e.doc))
                    .map(|(_, e)| (e.doc, e.pos))
                    .collect();
                want.push((key, list));
            }
        }
        want
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Batches of entries (keys from a small range, so that they repeat across runs
        /// and blocks), removals and compactions: every key's entries, read through the
        /// runs, are those of a plain list, by document.
        #[test]
        fn runs_answer_like_a_list_of_entries(
            batches in proptest::collection::vec((1usize..700, 0u8..4), 1..40),
            seed in any::<u64>(),
        ) {
            let dir = Scratch::new("runs-oracle");
            let (db, folder, _) = store(&dir);
            let mut oracle: Vec<(Kind, Entry)> = Vec::new();
            let mut removed: Vec<u32> = Vec::new();
            let mut next_doc = 0u32;
            let mut rng = seed;
            let mut draw = |n: u64| {
                rng = mix(rng.wrapping_add(0x9e37_79b9_7f4a_7c15));
                rng % n
            };
            for (size, action) in batches {
                let entries = random_batch(size, next_doc, &mut draw, &mut oracle);
                next_doc += 5;
                step(&db, &folder, Some(entries), &[]);
                match action {
                    0 => {
                        let gone: Vec<u64> = (0..3).map(|_| draw(next_doc as u64)).collect();
                        removed.extend(gone.iter().map(|&d| d as u32));
                        step(&db, &folder, None, &gone);
                    }
                    1 => step(&db, &folder, None, &[]),
                    _ => {}
                }
            }
            let keys: Vec<u64> = (0..40).collect();
            let got = visit_all(&db, &keys, &folder);
            let want = expected(oracle, &removed, &keys);
            prop_assert_eq!(got, want);
        }
    }

    /// One write to the runs as [`Index`](super::Index) makes it, with a merge begun
    /// after a batch commits (written at once, as if its thread were done) and installed
    /// in a transaction of its own at a later batch that finds it `done`, or before a
    /// compaction. Removals do not install it first, so that documents are removed while
    /// a merge is pending.
    enum Op {
        Batch([Vec<Entry>; 2], bool),
        Remove(Vec<u64>),
        Compact,
    }

    fn apply(db: &Database, folder: &Folder, merging: &mut Option<Merge>, op: Op) {
        let path = &folder.0;
        let read = |t: &Tables<'_>| {
            Runs::read((&t.runs, &t.removed), 0, &Mutex::default(), folder)
                .unwrap()
                .unwrap()
        };
        let commit = |txn: redb::WriteTransaction, dropped: &[u64]| {
            txn.commit().unwrap();
            folder.delete(dropped);
        };
        if matches!(op, Op::Batch(_, true) | Op::Compact)
            && let Some(merge) = merging.take()
        {
            let txn = db.begin_write().unwrap();
            let dropped = {
                let mut t = Tables::open(&txn, folder).unwrap();
                let mut runs = read(&t);
                merge.install(&mut runs, &mut t, path).unwrap();
                runs.dropped
            };
            commit(txn, &dropped);
        }
        let txn = db.begin_write().unwrap();
        let (dropped, due) = {
            let mut t = Tables::open(&txn, folder).unwrap();
            let mut runs = read(&t);
            let batch = matches!(op, Op::Batch(..));
            match op {
                Op::Batch(entries, _) => {
                    let floor = merging.as_ref().map_or(0, |m| m.id() + 1);
                    add_run((&mut runs, &mut t), floor, &entries, folder);
                }
                Op::Remove(docs) => remove(&mut runs, &docs, &mut t, path).unwrap(),
                Op::Compact => merge_all(&mut runs, &mut t, path).unwrap(),
            }
            let due = if batch && merging.is_none() {
                Merge::due(&runs)
            } else {
                None
            };
            (runs.dropped, due)
        };
        commit(txn, &dropped);
        if let Some(mut merge) = due {
            merge.write(folder, GO_ON).unwrap();
            *merging = Some(merge);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// As [`runs_answer_like_a_list_of_entries`], with merges installed after later
        /// batches and removals, as an index makes them.
        #[test]
        fn runs_merged_beside_batches_answer_like_a_list(
            batches in proptest::collection::vec((1usize..300, 0u8..6), 1..50),
            seed in any::<u64>(),
        ) {
            let dir = Scratch::new("runs-beside");
            let (db, folder, _) = store(&dir);
            let mut merging = None;
            let mut oracle: Vec<(Kind, Entry)> = Vec::new();
            let mut removed: Vec<u32> = Vec::new();
            let mut next_doc = 0u32;
            let mut rng = seed;
            let mut draw = |n: u64| {
                rng = mix(rng.wrapping_add(0x9e37_79b9_7f4a_7c15));
                rng % n
            };
            for (size, action) in batches {
                let entries = random_batch(size, next_doc, &mut draw, &mut oracle);
                next_doc += 5;
                apply(&db, &folder, &mut merging, Op::Batch(entries, draw(3) > 0));
                match action {
                    0 | 1 => {
                        let gone: Vec<u64> = (0..3).map(|_| draw(next_doc as u64)).collect();
                        removed.extend(gone.iter().map(|&d| d as u32));
                        apply(&db, &folder, &mut merging, Op::Remove(gone));
                    }
                    2 => apply(&db, &folder, &mut merging, Op::Compact),
                    _ => {}
                }
            }
            let keys: Vec<u64> = (0..40).collect();
            let want = expected(oracle, &removed, &keys);
            prop_assert_eq!(visit_all(&db, &keys, &folder), want.clone());
            // And once the pending merge, if any, is installed and everything compacted:
            // no removed document is left to remember, and the files are the runs.
            apply(&db, &folder, &mut merging, Op::Compact);
            prop_assert_eq!(visit_all(&db, &keys, &folder), want);
            let txn = db.begin_read().unwrap();
            prop_assert!(txn.open_table(REMOVED).unwrap().is_empty().unwrap());
            let listed: Vec<u64> = txn.open_table(RUNS).unwrap().iter().unwrap()
                .map(|e| e.unwrap().0.value()).collect();
            let mut files = folder.ids().unwrap();
            files.sort_unstable();
            prop_assert_eq!(files, listed);
        }
    }

    #[test]
    fn clean_keeps_listed_runs_and_the_merge_being_written() {
        let dir = Scratch::new("runs-clean");
        let (db, folder, _) = store(&dir);
        let txn = db.begin_write().unwrap();
        {
            let mut t = Tables::open(&txn, &folder).unwrap();
            let mut runs = Runs::default();
            add_run((&mut runs, &mut t), 0, &bands([(1, 0)]), &folder);
        }
        txn.commit().unwrap();
        for id in [5, 6, 7] {
            std::fs::write(folder.file(id), b"left").unwrap();
        }
        let txn = db.begin_read().unwrap();
        folder
            .clean(&txn.open_table(RUNS).unwrap(), Some(6))
            .unwrap();
        let mut ids = folder.ids().unwrap();
        ids.sort_unstable();
        assert_eq!(ids, [0, 6]);
    }

    /// A writer's filters of the keys it added: a run they cover is asked only about
    /// the keys they may hold; one they do not cover, about every key.
    #[test]
    fn covered_runs_are_asked_only_about_keys_the_writer_added() {
        let dir = Scratch::new("runs-seen");
        let (db, folder, _) = store(&dir);
        let txn = db.begin_write().unwrap();
        let mut t = Tables::open(&txn, &folder).unwrap();
        let mut runs = Runs::default();
        // Run 0: key 5 of document 0; run 1: key 7 of document 10.
        for (key, doc) in [(5, 0), (7, 10)] {
            add_run((&mut runs, &mut t), 0, &bands([(key, doc)]), &folder);
        }
        let keys = [mix(5), mix(7)];
        assert_eq!(runs.probe_mixed(Kind::Bands, &keys, None), [0b01, 0b10]);
        // A writer that added documents from 10 on covers run 1: with nothing in its
        // filters, run 1 is not asked about key 7 (which it holds: a writer puts every
        // key it adds in its filters first); run 0 still is about key 5.
        let mut seen = Seen::new(10);
        assert!(!seen.covers(&runs.list[0]) && seen.covers(&runs.list[1]));
        assert_eq!(runs.probe_mixed(Kind::Bands, &keys, Some(&seen)), [0b01, 0]);
        seen.insert(&bands([(7, 10)]));
        assert_eq!(
            runs.probe_mixed(Kind::Bands, &keys, Some(&seen)),
            [0b01, 0b10]
        );
    }

    /// More runs than a probe's mask has bits (an index whose batches were never
    /// merged): the runs past the 64th are asked through their own filters.
    #[test]
    fn runs_past_the_64th_are_found() {
        let dir = Scratch::new("runs-past-64");
        let (db, folder, _) = store(&dir);
        let txn = db.begin_write().unwrap();
        {
            let mut t = Tables::open(&txn, &folder).unwrap();
            let mut runs = Runs::default();
            // Run r holds keys r and 1000 (document r): 70 runs, no merge.
            for r in 0..70u32 {
                add_run(
                    (&mut runs, &mut t),
                    0,
                    &bands([(u64::from(r), r), (1000, r)]),
                    &folder,
                );
            }
            assert_eq!(runs.list.len(), 70);
        }
        txn.commit().unwrap();
        let got = visit_all(&db, &[3, 66, 69, 1000], &folder);
        let bands: Vec<(u64, Vec<(u32, u32)>)> = got.into_iter().take(4).collect();
        let every: Vec<(u32, u32)> = (0..70).map(|d| (d, 0)).collect();
        assert_eq!(
            bands,
            vec![
                (3, vec![(3, 0)]),
                (66, vec![(66, 0)]),
                (69, vec![(69, 0)]),
                (1000, every)
            ]
        );
    }

    /// Runs longer than a merge reads at once, merged: every key's entries come out
    /// whole, across the reads and the blocks.
    #[test]
    fn merges_read_long_runs_in_parts() {
        let dir = Scratch::new("runs-long");
        let (db, folder, _) = store(&dir);
        let per_run = 3 * MERGE_BLOCKS * BLOCK_ENTRIES + 7;
        let mut oracle: Vec<Entry> = Vec::new();
        for r in 0..3u32 {
            let mut prints: Vec<Entry> = (0..per_run as u32)
                .map(|i| Entry {
                    key: mix(u64::from(i % 5000)) >> 3,
                    doc: r * 1000 + i % 1000,
                    pos: i,
                })
                .collect();
            prints.sort_unstable();
            oracle.extend(&prints);
            step(&db, &folder, Some([Vec::new(), prints]), &[]);
        }
        step(&db, &folder, None, &[]);
        let keys: Vec<u64> = (0..5000).map(|k| mix(k) >> 3).collect();
        let got = visit_all(&db, &keys, &folder);
        oracle.sort_unstable_by_key(|e| (e.key, e.doc, e.pos));
        for (key, seen) in got.into_iter().skip(keys.len()) {
            let want: Vec<(u32, u32)> = oracle
                .iter()
                .filter(|e| e.key == key)
                .map(|e| (e.doc, e.pos))
                .collect();
            assert_eq!(seen, want, "key {key}");
        }
    }

    /// A merge written while later batches add their runs, then installed: the runs
    /// stay in order of age, and answer like a list of the entries.
    #[test]
    fn a_merge_installed_after_later_runs_answers_like_a_list() {
        let dir = Scratch::new("runs-merge-beside");
        let (db, folder, path) = store(&dir);
        let batch = |r: u32| {
            let mut bands: Vec<Entry> = (0..40u32)
                .map(|i| Entry {
                    key: u64::from((i * 7 + r) % 50),
                    doc: r,
                    pos: i,
                })
                .collect();
            bands.sort_unstable();
            [bands, Vec::new()]
        };
        let read = |t: &Tables<'_>| {
            Runs::read((&t.runs, &t.removed), 0, &Mutex::default(), &folder)
                .unwrap()
                .unwrap()
        };
        // Six runs of one document each, then a merge of them begun.
        let mut merge = None;
        for r in 0..9u32 {
            let txn = db.begin_write().unwrap();
            {
                let mut t = Tables::open(&txn, &folder).unwrap();
                let mut runs = read(&t);
                let floor = merge.as_ref().map_or(0, |m: &Merge| m.id() + 1);
                add_run((&mut runs, &mut t), floor, &batch(r), &folder);
                if r == 5 {
                    let mut m = Merge::due(&runs).expect("six runs of a size are due");
                    m.write(&folder, GO_ON).unwrap();
                    merge = Some(m);
                }
            }
            txn.commit().unwrap();
        }
        let txn = db.begin_write().unwrap();
        let dropped = {
            let mut t = Tables::open(&txn, &folder).unwrap();
            let mut runs = read(&t);
            merge
                .take()
                .unwrap()
                .install(&mut runs, &mut t, &path)
                .unwrap();
            let ids: Vec<u64> = runs.list.iter().map(|r| r.id).collect();
            assert_eq!(ids, [6, 7, 8, 9]);
            let docs: Vec<(u32, u32)> = runs.list.iter().map(|r| r.docs).collect();
            assert_eq!(docs, [(0, 5), (6, 6), (7, 7), (8, 8)]);
            runs.dropped
        };
        txn.commit().unwrap();
        folder.delete(&dropped);
        let mut ids = folder.ids().unwrap();
        ids.sort_unstable();
        assert_eq!(ids, [6, 7, 8, 9]);
        let keys: Vec<u64> = (0..50).collect();
        for (key, seen) in visit_all(&db, &keys, &folder).into_iter().take(keys.len()) {
            let want: Vec<(u32, u32)> = (0..9)
                .flat_map(|r| batch(r)[0].clone())
                .filter(|e| e.key == key)
                .map(|e| (e.doc, e.pos))
                .collect();
            assert!(!want.is_empty());
            assert_eq!(seen, want, "key {key}");
        }
    }

    #[test]
    fn lists_round_trip_and_reject_bad_bytes() {
        let mut f = Filter::with_keys(300, FILTER_BITS);
        f.insert(5);
        let list = List {
            entries: 300,
            first_keys: vec![1, 9],
            filter: f,
        };
        let bytes: Vec<u8> = list.words().flat_map(u64::to_le_bytes).collect();
        let f_words = list.filter.word_count();
        let mut back = Filling::new(300, f_words).unwrap();
        // In two pieces, as chunks come.
        assert!(back.fill(&bytes[..16]) && back.fill(&bytes[16..]));
        let back = back.finish().unwrap();
        assert_eq!(back.first_keys, vec![1, 9]);
        assert!(back.filter.may_hold(mix(5)));
        let mut short = Filling::new(300, f_words).unwrap();
        assert!(short.fill(&bytes[..bytes.len() - 8]) && short.finish().is_none());
        assert!(
            !Filling::new(300, f_words).unwrap().fill(&bytes[..7]),
            "a part of a word"
        );
        let mut long = Filling::new(300, f_words).unwrap();
        assert!(
            long.fill(&bytes) && !long.fill(&bytes[..8]),
            "a word too many"
        );
    }
}
