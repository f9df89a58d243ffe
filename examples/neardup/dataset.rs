//! Datasets of JSON Lines records: `dedup` writes the same records in the same format,
//! minus the dropped ones (or, with `--annotate`, all of them with what was found), and
//! `--ids-out` the ids of the dropped records.
//!
//! The output is written to a temporary file beside it (`.neardup-PID.partial`), flushed
//! to disk and renamed into place, so a failed run leaves no output. Kept records are
//! copied byte for byte (line endings too); a record is written again, with its keys in
//! their order, only when its text is cut or it is annotated. Lines that hold no record
//! (blank, not JSON, no text) are copied as they are.

use neardup::Report;
use neardup::corpus::{Compression, DocId, extension, open};
use neardup::plan::{Action, DedupPlan};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Whether `path` names a JSON Lines file (`.jsonl`, `.ndjson`, optionally `.gz`/`.zst`).
pub fn is_jsonl(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase());
    let Some(mut name) = name else {
        return false;
    };
    for ext in [".gz", ".zst", ".zstd"] {
        if let Some(stem) = name.strip_suffix(ext) {
            name = stem.to_owned();
        }
    }
    name.ends_with(".jsonl") || name.ends_with(".ndjson") || path == Path::new("-")
}

/// What one written dataset holds.
#[derive(Default)]
pub struct Written {
    pub kept: usize,
    pub passed: usize,
    pub dropped: usize,
    pub cut: usize,
    pub other_lines: usize,
}

/// How the records are written.
pub struct Options<'a> {
    /// The text field's dotted path (a cut record's text is put back there).
    pub text_field: &'a str,
    /// Keep every record and add `dup_cluster`, `dup_of`, `dup_jaccard` and
    /// `repeated_spans` to each.
    pub annotate: bool,
}

/// Checks OUT (a new file in a folder that exists) before any work.
pub fn check_out(out: &Path) -> Result<(), String> {
    if fs::symlink_metadata(out).is_ok() {
        return Err(format!(
            "OUT {}: already exists (choose a new file)",
            out.display()
        ));
    }
    let parent = parent_of(out);
    if !parent.is_dir() {
        return Err(format!("OUT {}: its folder does not exist", out.display()));
    }
    // The output goes to a temporary file beside OUT: make sure one can be made there
    // before any work.
    let probe = parent.join(format!(".neardup-{}.probe", std::process::id()));
    match File::options().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(format!(
            "OUT {}: cannot write beside it: {e}",
            out.display()
        )),
    }
}

/// Refuses an OUT whose name says another format than the input's (compression follows
/// OUT's name for JSON Lines).
pub fn check_out_name(out: &Path, kind: crate::cli::Kind) -> Result<(), String> {
    use crate::cli::Kind;
    let parquet_name = crate::table::is_parquet(out);
    let wrong = match kind {
        Kind::Jsonl => parquet_name,
        Kind::Parquet => !parquet_name && (is_jsonl(out) || extension(out) != Compression::None),
        Kind::Files => false,
    };
    match wrong {
        true => Err(format!(
            "OUT {}: its name says another format than IN's (dedup writes the format it reads)",
            out.display()
        )),
        false => Ok(()),
    }
}

/// Whether two paths that do not exist yet name the same place.
pub fn same_place(a: &Path, b: &Path) -> bool {
    let at = |p: &Path| {
        (
            fs::canonicalize(parent_of(p)).ok(),
            p.file_name().map(|n| n.to_owned()),
        )
    };
    a == b || at(a) == at(b)
}

pub fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `contents` to `out` through a temporary file beside it, renamed into place
/// once complete and on disk; on failure no `out` and no temporary file are left.
pub fn write_atomically(
    out: &Path,
    contents: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
) -> Result<(), String> {
    let tmp = parent_of(out).join(format!(".neardup-{}.partial", std::process::id()));
    let result = (|| {
        let file = File::options().write(true).create_new(true).open(&tmp)?;
        let mut w = BufWriter::with_capacity(1 << 16, file);
        contents(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, out)?;
        File::open(parent_of(out))?.sync_all()
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        format!("writing {}: {e} (nothing was written there)", out.display())
    })
}

/// Writes the records of `input` that the plan keeps to `out` (compressed as its name
/// says), reading `input` again line by line.
pub fn write_records(
    input: &Path,
    out: &Path,
    report: &Report<'_>,
    plan: &DedupPlan,
    options: &Options<'_>,
) -> Result<Written, String> {
    let corpus = report.corpus();
    // The documents of `input`, by line (in line order, as they were read).
    let docs: Vec<(u64, DocId)> = corpus
        .iter()
        .filter_map(|(id, d)| {
            let r = d.record()?;
            (*r.file == *input).then_some((r.line, id))
        })
        .collect();
    let text_path: Vec<String> = options.text_field.split('.').map(str::to_owned).collect();
    let mut written = Written::default();
    let annotations = Annotations::new(report, plan);
    write_atomically(out, |w| {
        let mut w = compressed(w, extension(out))?;
        let mut reader = open(input)?;
        let mut next = docs.iter().peekable();
        let mut raw = Vec::new();
        let mut line = 0u64;
        loop {
            raw.clear();
            // A read error here is the one the corpus met: the records stop there too.
            match reader.read_until(b'\n', &mut raw) {
                Ok(0) | Err(_) => break,
                Ok(_) => line += 1,
            }
            let doc = next.next_if(|(l, _)| *l == line).map(|&(_, id)| id);
            let Some(doc) = doc else {
                written.other_lines += 1;
                w.write_all(&raw)?;
                continue;
            };
            let entry = plan.entry(doc);
            let dropped = matches!(entry.action, Action::Drop(_));
            match (&entry.action, options.annotate) {
                (Action::Drop(_), false) => {
                    written.dropped += 1;
                    continue;
                }
                (Action::Keep, false) if entry.cuts.is_empty() => w.write_all(&raw)?,
                (Action::Pass(_), _) => {
                    written.passed += 1;
                    w.write_all(&raw)?;
                    continue;
                }
                _ => {
                    let mut value: serde_json::Value = serde_json::from_slice(&raw)
                        .map_err(|e| io::Error::other(format!("line {line}: {e}")))?;
                    if !entry.cuts.is_empty() && !dropped {
                        let kept = plan.kept_bytes(&corpus.text(doc), entry);
                        let text = String::from_utf8(kept).map_err(io::Error::other)?;
                        set_field(&mut value, &text_path, text.into());
                        written.cut += 1;
                    }
                    if options.annotate {
                        annotate(&mut value, annotations.of(doc), line)?;
                    }
                    serde_json::to_writer(&mut *w, &value)?;
                    w.write_all(if raw.ends_with(b"\r\n") {
                        b"\r\n"
                    } else {
                        b"\n"
                    })?;
                }
            }
            if dropped {
                written.dropped += 1;
            } else {
                written.kept += 1;
            }
        }
        w.finish()
    })?;
    Ok(written)
}

/// Writes the ids (names, for records without an id) of the dropped records, one per
/// line.
pub fn write_ids(out: &Path, report: &Report<'_>, plan: &DedupPlan) -> Result<usize, String> {
    let corpus = report.corpus();
    let mut n = 0;
    write_atomically(out, |w| {
        for e in plan.entries() {
            if matches!(e.action, Action::Drop(_)) {
                let d = corpus.get(e.doc);
                let id = d.record().and_then(|r| r.id.as_deref()).unwrap_or(d.name());
                writeln!(w, "{id}")?;
                n += 1;
            }
        }
        Ok(())
    })?;
    Ok(n)
}

/// What was found of one record: its cluster, the record it is a copy of and their
/// Jaccard (none when kept), and the byte spans in its text of passages it repeats.
pub struct Annotation {
    pub cluster: Option<usize>,
    pub of: Option<String>,
    pub jaccard: Option<f64>,
    pub spans: Vec<[usize; 2]>,
}

/// The annotations of a report's documents.
pub struct Annotations<'r> {
    report: &'r Report<'r>,
    plan: &'r DedupPlan,
    /// The repeated spans of each document that has some.
    spans: HashMap<DocId, Vec<[usize; 2]>>,
}

impl<'r> Annotations<'r> {
    pub fn new(report: &'r Report<'r>, plan: &'r DedupPlan) -> Annotations<'r> {
        let mut spans: HashMap<DocId, Vec<[usize; 2]>> = HashMap::new();
        for r in report.repeats() {
            let s = spans.entry(r.doc).or_default();
            s.extend(r.passages().iter().map(|p| [p.again.start, p.again.end]));
        }
        Annotations {
            report,
            plan,
            spans,
        }
    }

    pub fn of(&self, doc: DocId) -> Annotation {
        let corpus = self.report.corpus();
        let entry = self.plan.entry(doc);
        let name_of = |id: DocId| {
            let d = corpus.get(id);
            d.record()
                .and_then(|r| r.id.clone())
                .unwrap_or_else(|| d.name().to_owned())
        };
        let (of, jaccard) = match &entry.action {
            Action::Drop(d) => (Some(name_of(d.kept)), Some(d.jaccard)),
            _ => (None, None),
        };
        Annotation {
            cluster: entry.cluster,
            of,
            jaccard,
            spans: self.spans.get(&doc).cloned().unwrap_or_default(),
        }
    }
}

/// Adds the annotation of one record to it; an error when it has such a field already
/// (overwriting it would lose the record's own value).
fn annotate(value: &mut serde_json::Value, a: Annotation, line: u64) -> io::Result<()> {
    if let serde_json::Value::Object(map) = value {
        let names = ["dup_cluster", "dup_of", "dup_jaccard", "repeated_spans"];
        if let Some(name) = names.iter().find(|n| map.contains_key(**n)) {
            return Err(io::Error::other(format!(
                "line {line}: the record already has a field {name}, which --annotate would add"
            )));
        }
        map.insert("dup_cluster".into(), a.cluster.into());
        map.insert("dup_of".into(), a.of.into());
        map.insert("dup_jaccard".into(), a.jaccard.into());
        map.insert("repeated_spans".into(), serde_json::json!(a.spans));
    }
    Ok(())
}

fn set_field(value: &mut serde_json::Value, path: &[String], text: serde_json::Value) {
    let mut at = value;
    for key in path {
        match at.get_mut(key) {
            Some(next) => at = next,
            None => return,
        }
    }
    *at = text;
}

/// A writer that compresses as `how` says; `finish` ends the stream.
trait Finish: Write {
    fn finish(self: Box<Self>) -> io::Result<()>;
}

impl<W: Write> Finish for flate2::write::GzEncoder<W> {
    fn finish(self: Box<Self>) -> io::Result<()> {
        flate2::write::GzEncoder::finish(*self).map(drop)
    }
}

impl<W: Write> Finish for zstd::Encoder<'_, W> {
    fn finish(self: Box<Self>) -> io::Result<()> {
        zstd::Encoder::finish(*self).map(drop)
    }
}

struct Plain<W>(W);

impl<W: Write> Write for Plain<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write> Finish for Plain<W> {
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.0.flush()
    }
}

fn compressed<'w>(w: &'w mut dyn Write, how: Compression) -> io::Result<Box<dyn Finish + 'w>> {
    Ok(match how {
        Compression::Gzip => Box::new(flate2::write::GzEncoder::new(
            w,
            flate2::Compression::default(),
        )),
        Compression::Zstd => {
            // Compressed on every worker thread: one thread would be the bottleneck.
            let mut e = zstd::Encoder::new(w, 3)?;
            e.multithread(rayon::current_num_threads() as u32)?;
            Box::new(e)
        }
        _ => Box::new(Plain(w)),
    })
}
