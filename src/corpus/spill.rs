//! Texts kept on disk: one temporary file that texts are appended to as documents are
//! added, read back by offset when a stage needs one.
//!
//! The file is created in a folder the caller names (the system's temporary folder by
//! default), under a name no other file has, and on Unix removed from the folder at once:
//! it lives as long as the corpus holds it open and nothing is left behind by a crash.
//! Appends go through a buffer; a read of bytes still in it flushes it first. Reads use
//! positioned reads (`pread`), so threads read texts at once without a shared cursor.
//! Cost: one copy of every text to the file; one read per text fetched. The operating
//! system's page cache, not the process, holds what it has room for.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Texts are written to the file in blocks of about this many bytes.
const BLOCK: usize = 1 << 20;

/// An append-only file of texts, read back by offset.
#[derive(Debug)]
pub(crate) struct Spill {
    file: File,
    pending: Mutex<Pending>,
    /// Where the file is: removed at once on Unix, on drop elsewhere.
    path: PathBuf,
}

/// The texts appended since the last write to the file.
#[derive(Debug, Default)]
struct Pending {
    bytes: Vec<u8>,
    /// The file offset of `bytes[0]`.
    start: u64,
    /// Why a write failed: every later append fails too.
    failed: Option<String>,
}

/// Texts that could not be written: those from offset `from` on (the text being appended
/// and those still pending), or the text being appended alone when `from` is `None`.
#[derive(Debug)]
pub(crate) struct Lost {
    pub(crate) from: Option<u64>,
    pub(crate) why: String,
}

impl Spill {
    /// A new, empty spill file in `dir`.
    pub(crate) fn new_in(dir: &Path) -> io::Result<Spill> {
        let pid = std::process::id();
        let mut n = 0u32;
        let (file, path) = loop {
            let path = dir.join(format!(".neardup-texts-{pid}-{n}"));
            match OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(f) => break (f, path),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 10_000 => n += 1,
                Err(e) => return Err(e),
            }
        };
        // Unlinked now, the file's space is freed when the corpus drops it, also if the
        // process is killed.
        #[cfg(unix)]
        std::fs::remove_file(&path)?;
        Ok(Spill {
            file,
            pending: Mutex::new(Pending::default()),
            path,
        })
    }

    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `bytes` and returns their offset.
    pub(crate) fn append(&self, bytes: &[u8]) -> Result<u64, Lost> {
        let mut p = self.pending();
        if let Some(why) = &p.failed {
            let why = why.clone();
            return Err(Lost { from: None, why });
        }
        let at = p.start + p.bytes.len() as u64;
        p.bytes.extend_from_slice(bytes);
        if p.bytes.len() >= BLOCK {
            if let Err(e) = write_all_at(&self.file, &p.bytes, p.start) {
                let why = e.to_string();
                p.failed = Some(why.clone());
                p.bytes = Vec::new();
                return Err(Lost {
                    from: Some(p.start),
                    why,
                });
            }
            p.start += p.bytes.len() as u64;
            p.bytes.clear();
        }
        Ok(at)
    }

    /// Appends `bytes` straight to the file (after any buffered bytes) and returns their
    /// offset. On an error nothing counts as appended and the file stays usable: the
    /// caller still holds the bytes.
    pub(crate) fn append_now(&self, bytes: &[u8]) -> io::Result<u64> {
        let mut p = self.pending();
        if !p.bytes.is_empty() {
            write_all_at(&self.file, &p.bytes, p.start)?;
            p.start += p.bytes.len() as u64;
            p.bytes.clear();
        }
        let at = p.start;
        write_all_at(&self.file, bytes, at)?;
        p.start += bytes.len() as u64;
        Ok(at)
    }

    /// Reads the `len` bytes at offset `at`.
    pub(crate) fn read(&self, at: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.read_into(at, len, &mut buf)?;
        Ok(buf)
    }

    /// Reads the `len` bytes at offset `at` into `buf` (replacing what it held).
    pub(crate) fn read_into(&self, at: u64, len: usize, buf: &mut Vec<u8>) -> io::Result<()> {
        buf.clear();
        {
            let p = self.pending();
            if at >= p.start {
                let from = (at - p.start) as usize;
                let Some(b) = p.bytes.get(from..from + len) else {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                };
                buf.extend_from_slice(b);
                return Ok(());
            }
        }
        buf.resize(len, 0);
        read_exact_at(&self.file, buf, at)
    }

    /// Why a write failed, once one has: every text appended since is lost.
    #[cfg_attr(
        not(any(feature = "jsonl", feature = "parquet", feature = "walk")),
        allow(dead_code)
    )]
    pub(crate) fn failure(&self) -> Option<String> {
        self.pending().failed.clone()
    }

    /// The folder the file was made in.
    pub(crate) fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Where the file was made (for messages).
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        #[cfg(not(unix))]
        let _ = std::fs::remove_file(&self.path);
    }
}

// Positioned reads and writes: no shared cursor (Windows' seek_read moves it, so writes
// are positioned too).
#[cfg(unix)]
fn write_all_at(file: &File, buf: &[u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, at)
}

#[cfg(windows)]
fn write_all_at(file: &File, mut buf: &[u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_write(buf, at) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                buf = &buf[n..];
                at += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, at) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                at += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

// Elsewhere no positioned I/O: texts on disk are not supported.
#[cfg(not(any(unix, windows)))]
fn write_all_at(_: &File, _: &[u8], _: u64) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(not(any(unix, windows)))]
fn read_exact_at(_: &File, _: &mut [u8], _: u64) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_read_back_by_offset_before_and_after_a_flush() {
        let s = Spill::new_in(&std::env::temp_dir()).unwrap();
        let a = s.append(b"first text").unwrap();
        let b = s.append(b"").unwrap();
        let c = s.append(b"third").unwrap();
        assert_eq!((a, b, c), (0, 10, 10));
        assert_eq!(s.read(c, 5).unwrap(), b"third");
        // A text larger than a block writes the pending ones to the file with it.
        let big = vec![b'x'; BLOCK + 3];
        let d = s.append(&big).unwrap();
        let e = s.append(b"fifth").unwrap();
        assert_eq!(s.pending().start, d + big.len() as u64, "written");
        assert_eq!(s.read(d, big.len()).unwrap(), big);
        assert_eq!(s.read(e, 5).unwrap(), b"fifth");
        assert_eq!(s.read(a, 10).unwrap(), b"first text");
        assert!(s.read(e, 6).is_err(), "past the end");
        // Written at once, after what was buffered.
        let f = s.append_now(b"sixth").unwrap();
        assert_eq!(f, e + 5);
        assert_eq!(s.pending().start, f + 5);
        assert_eq!(s.read(e, 10).unwrap(), b"fifthsixth");
        #[cfg(unix)]
        assert!(!s.path().exists(), "unlinked at once");
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let dir = std::env::temp_dir().join("neardup-no-such-folder/x");
        assert!(Spill::new_in(&dir).is_err());
    }
}
