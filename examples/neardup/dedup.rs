//! `neardup dedup IN OUT`: the library's plan, written so that nothing is lost or
//! corrupted.
//!
//! * IN and OUT are checked before any work: IN must be a folder; OUT must not exist, its
//!   parent must be a folder, and it must not lie inside IN (the copy would become part
//!   of the input).
//! * Everything is written into a temporary folder beside OUT (`.neardup-PID.partial`)
//!   and moved into place with one rename once every file and the manifest are complete
//!   and flushed to disk: a run that fails leaves no OUT (and removes the temporary
//!   folder; one that is killed leaves only the temporary folder).
//! * Each file keeps its permissions and modification time; empty folders are not
//!   copied.
//! * Files are written under their exact paths (bytes, not the escaped names of the
//!   report), each created new, so no two inputs can end up in one file.
//! * The manifest is `OUT/.neardup-manifest.jsonl`; an input with that path is refused
//!   before any work.

use neardup::Report;
use neardup::corpus::Corpus;
use neardup::plan::{Action, DedupPlan, passes_through};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The manifest's name inside OUT.
pub const MANIFEST: &str = ".neardup-manifest.jsonl";

/// Where a de-duplicated copy goes.
pub struct Target {
    out: PathBuf,
    tmp: PathBuf,
}

impl Target {
    /// Checks IN and OUT and makes the temporary folder beside OUT. Without globs (which
    /// could leave it out), a manifest-named entry at the top of IN is refused here.
    pub fn prepare(dir: &Path, out: &Path, globs: bool) -> Result<Target, String> {
        match fs::metadata(dir) {
            Ok(md) if md.is_dir() => {}
            Ok(_) => return Err(format!("IN {}: not a folder", dir.display())),
            Err(e) => return Err(format!("IN {}: {e}", dir.display())),
        }
        if !globs && fs::symlink_metadata(dir.join(MANIFEST)).is_ok() {
            return Err(manifest_in_input());
        }
        let fail = |why: &str| format!("OUT {}: {why}", out.display());
        if fs::symlink_metadata(out).is_ok() {
            return Err(fail("already exists (choose a new folder)"));
        }
        let name = out
            .file_name()
            .ok_or_else(|| fail("is not a folder name"))?
            .to_owned();
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let parent = fs::canonicalize(&parent)
            .map_err(|e| fail(&format!("its parent folder cannot be used: {e}")))?;
        let dir = fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let out = parent.join(&name);
        if out.starts_with(&dir) {
            return Err(fail("lies inside IN; the copy would be read as input"));
        }
        // Short, so that an OUT name near the length limit still has a sibling.
        let tmp = parent.join(format!(".neardup-{}.partial", std::process::id()));
        fs::create_dir(&tmp).map_err(|e| fail(&format!("cannot write beside it: {e}")))?;
        Ok(Target { out, tmp })
    }

    /// Refuses a corpus with a file where the manifest goes (or in a folder of its name).
    pub fn check_names(&self, corpus: &Corpus) -> Result<(), String> {
        match corpus
            .iter()
            .find(|(_, d)| d.path().is_some_and(|p| p.starts_with(MANIFEST)))
        {
            Some(_) => Err(manifest_in_input()),
            None => Ok(()),
        }
    }

    /// Removes the temporary folder (a run that stops before writing).
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.tmp);
    }

    /// Writes the plan's copy of `dir` and moves it into place; on failure removes the
    /// temporary folder and leaves no OUT.
    pub fn write(self, dir: &Path, report: &Report<'_>, plan: &DedupPlan) -> Result<(), String> {
        match self.write_all(dir, report, plan) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = fs::remove_dir_all(&self.tmp);
                Err(format!(
                    "writing the de-duplicated copy {}: {e} (nothing was written there)",
                    self.out.display()
                ))
            }
        }
    }

    fn write_all(&self, dir: &Path, report: &Report<'_>, plan: &DedupPlan) -> io::Result<()> {
        let corpus = report.corpus();
        let mut folders = vec![self.tmp.clone()];
        let mut written = Vec::new();
        for entry in plan.entries() {
            let doc = corpus.get(entry.doc);
            let rel = doc
                .path()
                .map_or_else(|| PathBuf::from(doc.name()), Path::to_path_buf);
            let to = self.tmp.join(&rel);
            match &entry.action {
                Action::Drop(_) => continue,
                Action::Pass(reason) if !passes_through(reason) => continue,
                _ => {}
            }
            let at = |e: io::Error, path: &Path| {
                io::Error::new(e.kind(), format!("{}: {e}", path.display()))
            };
            if let Some(parent) = to.parent()
                && !parent.exists()
            {
                fs::create_dir_all(parent).map_err(|e| at(e, parent))?;
                folders.extend(
                    parent
                        .ancestors()
                        .take_while(|p| *p != self.tmp)
                        .map(Path::to_path_buf),
                );
            }
            let from = dir.join(&rel);
            let source = fs::metadata(&from).map_err(|e| at(e, &from))?;
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&to)
                .map_err(|e| at(e, &to))?;
            match &entry.action {
                Action::Keep => file.write_all(&plan.kept_bytes(&corpus.text(entry.doc), entry)),
                _ => File::open(&from)
                    .map_err(|e| at(e, &from))
                    .and_then(|mut f| io::copy(&mut f, &mut file).map(drop)),
            }
            .map_err(|e| at(e, &to))?;
            // The copy keeps the file's modification time and permissions.
            if let Ok(modified) = source.modified() {
                file.set_modified(modified).map_err(|e| at(e, &to))?;
            }
            drop(file);
            fs::set_permissions(&to, source.permissions()).map_err(|e| at(e, &to))?;
            written.push(to);
        }
        // Flushed once all are written: the disk takes the writes together.
        sync_files(&written)?;
        let mut manifest = BufWriter::new(
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(self.tmp.join(MANIFEST))?,
        );
        plan.write_json_lines(report, &mut manifest)?;
        manifest
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        folders.sort();
        folders.dedup();
        for f in folders.iter().rev() {
            sync_folder(f)?;
        }
        fs::rename(&self.tmp, &self.out)?;
        sync_folder(self.out.parent().unwrap_or(Path::new(".")))
    }
}

fn manifest_in_input() -> String {
    format!(
        "IN holds {MANIFEST} at its top, where the copy's manifest goes (a manifest of an \
         earlier copy? leave it out with --glob '!/{MANIFEST}')"
    )
}

/// Flushes the files to disk, several at a time (each flush mostly waits on the disk).
fn sync_files(paths: &[PathBuf]) -> io::Result<()> {
    const THREADS: usize = 16;
    let per = paths.len().div_ceil(THREADS).max(1);
    std::thread::scope(|s| {
        let jobs: Vec<_> = paths
            .chunks(per)
            .map(|chunk| s.spawn(move || chunk.iter().try_for_each(|p| File::open(p)?.sync_all())))
            .collect();
        jobs.into_iter().try_for_each(|j| {
            j.join()
                .unwrap_or_else(|_| Err(io::Error::other("sync failed")))
        })
    })
}

/// Flushes a folder's entries to disk (where the platform can).
fn sync_folder(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(path)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// What the copy holds, in one line for people.
pub fn write_summary<W: Write>(
    w: &mut W,
    report: &Report<'_>,
    plan: &DedupPlan,
    out: &Path,
) -> io::Result<()> {
    let corpus = report.corpus();
    let (mut kept, mut removed, mut passed, mut left, mut cuts, mut cut_bytes) = (0, 0, 0, 0, 0, 0);
    for e in plan.entries() {
        match &e.action {
            Action::Keep => {
                kept += 1;
                cuts += e.cuts.len();
                let left = plan.kept_bytes(&corpus.text(e.doc), e).len();
                cut_bytes += corpus.text(e.doc).len() - left;
            }
            Action::Drop(_) => removed += 1,
            Action::Pass(r) if passes_through(r) => passed += 1,
            Action::Pass(_) => left += 1,
        }
    }
    writeln!(
        w,
        "wrote {}: {kept} files kept ({cuts} repeated passages cut, {cut_bytes} bytes), \
         {removed} removed as copies, {passed} passed through unread, {left} not copied; \
         what was done to each file is in {}",
        out.display(),
        out.join(MANIFEST).display()
    )
}
