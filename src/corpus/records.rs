//! Loading JSON Lines datasets into a [`Corpus`] (feature `jsonl`).
//!
//! One record per line, a JSON object with a text field and optionally an id field (both
//! named by dotted paths into nested objects: `meta.id`). Files may be plain, gzip
//! (`.gz`) or zstd (`.zst`) compressed, told by their extension; `-` reads standard input.
//!
//! Every line that holds something is a document: a record is compared by its text; a line
//! that is not JSON, has no such field, or holds a non-string text is a skipped document
//! named after its file and line, with the reason. A file that cannot be opened or that
//! ends in the middle of its compression (a truncated download) becomes one skipped
//! document at the line where reading stopped; the other files are read. Blank lines are
//! not records. Each document keeps its [`Record`]: the file, the line and the id.
//!
//! Cost: one pass over each file; the corpus holds every text.

use super::{Corpus, MAX_DOCUMENT_BYTES, Record, SkipReason};
use crate::error::Error;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How [`JsonLines::load`] reads records.
///
/// ```
/// use neardup::corpus::JsonLines;
/// let dir = std::env::temp_dir().join(format!("neardup-doc-jsonl-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let file = dir.join("shard.jsonl");
/// std::fs::write(&file, concat!(
///     r#"{"meta":{"id":"a1"},"content":"the first text"}"#, "\n",
///     r#"{"meta":{"id":"a2"},"content":"the second text"}"#, "\n",
///     "not json\n",
/// ))?;
/// let corpus = JsonLines::new().text_field("content").id_field("meta.id").load(&file)?;
/// assert_eq!(corpus.len(), 3);
/// let (id, first) = corpus.iter().next().unwrap();
/// assert_eq!(first.name(), "a1");
/// assert_eq!(corpus.text(id), &b"the first text"[..]);
/// assert_eq!(first.record().unwrap().line, 1);
/// let (_, bad) = corpus.iter().nth(2).unwrap();
/// assert!(!bad.is_ok() && bad.name().ends_with("shard.jsonl:3"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct JsonLines {
    text: Vec<String>,
    id: Option<Vec<String>>,
    max_record_bytes: u64,
    texts_on_disk: Option<PathBuf>,
}

impl Default for JsonLines {
    fn default() -> JsonLines {
        JsonLines {
            text: vec!["text".into()],
            id: None,
            max_record_bytes: MAX_DOCUMENT_BYTES,
            texts_on_disk: None,
        }
    }
}

impl JsonLines {
    /// Text in the field `text`, no id field, lines up to [`MAX_DOCUMENT_BYTES`].
    pub fn new() -> JsonLines {
        JsonLines::default()
    }

    /// The text's field, as a dotted path (`"text"`, `"body.plain"`).
    pub fn text_field(mut self, path: &str) -> JsonLines {
        self.text = super::dotted(path);
        self
    }

    /// The id's field, as a dotted path; a document with an id is named by it, one
    /// without by its file and line.
    pub fn id_field(mut self, path: &str) -> JsonLines {
        self.id = Some(super::dotted(path));
        self
    }

    /// Lines longer than this are skipped as too large (default and maximum
    /// [`MAX_DOCUMENT_BYTES`]).
    pub fn max_record_bytes(mut self, n: u64) -> JsonLines {
        self.max_record_bytes = n.min(MAX_DOCUMENT_BYTES);
        self
    }

    /// Keeps the texts in a temporary file in `dir`, not in memory ([`Corpus::on_disk`]):
    /// a dataset larger than memory can be read. `None` (the default) keeps them in
    /// memory.
    pub fn texts_on_disk(mut self, dir: Option<PathBuf>) -> JsonLines {
        self.texts_on_disk = dir;
        self
    }

    /// The documents of one file (`-`: standard input), in line order.
    ///
    /// Errors only when the file cannot be opened; bad lines are skipped documents.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<Corpus, Error> {
        self.load_all(&[path])
    }

    /// The documents of several files, one after another in the order given. A file
    /// that cannot be opened is an error.
    pub fn load_all<P: AsRef<Path>>(&self, paths: &[P]) -> Result<Corpus, Error> {
        let mut corpus = Corpus::with_texts_in(self.texts_on_disk.as_deref())?;
        for path in paths {
            let path = path.as_ref();
            let reader = open(path).map_err(|e| Error::io(path, e))?;
            self.read(reader, Arc::from(path), &mut corpus)?;
        }
        Ok(corpus)
    }

    /// Adds the records of one stream to `corpus`.
    fn read(
        &self,
        reader: Box<dyn BufRead>,
        file: Arc<Path>,
        corpus: &mut Corpus,
    ) -> Result<(), Error> {
        let mut lines = LimitedLines {
            reader,
            max: self.max_record_bytes,
        };
        // Lines are read in batches, parsed in parallel and added in order.
        let mut batch: Vec<(u64, Pending)> = Vec::new();
        let mut batch_bytes = 0;
        let mut line = 0u64;
        let mut buf = Vec::new();
        loop {
            line += 1;
            let next = lines.next_line(&mut buf);
            // A UTF-8 byte order mark (some Windows tools write one) is not part of the
            // first record.
            if line == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
                buf.drain(..3);
            }
            let end = match next {
                Ok(None) => true,
                Ok(Some(Line::TooLong(len))) => {
                    batch.push((line, Pending::TooLong(len)));
                    false
                }
                Ok(Some(Line::Text)) if buf.iter().all(u8::is_ascii_whitespace) => false,
                Ok(Some(Line::Text)) => {
                    batch_bytes += buf.len();
                    batch.push((line, Pending::Json(std::mem::take(&mut buf))));
                    false
                }
                Err(e) => {
                    batch.push((line, Pending::Stopped(e.to_string())));
                    true
                }
            };
            if end || batch.len() >= BATCH_LINES || batch_bytes >= BATCH_BYTES {
                self.add_batch(&batch, &file, corpus)?;
                batch.clear();
                batch_bytes = 0;
            }
            if end {
                return Ok(());
            }
        }
    }

    /// Parses a batch of lines in parallel and adds their documents in line order.
    fn add_batch(
        &self,
        batch: &[(u64, Pending)],
        file: &Arc<Path>,
        corpus: &mut Corpus,
    ) -> Result<(), Error> {
        let parsed = crate::par::map(batch, |(_, pending)| match pending {
            Pending::Json(bytes) => Some(self.parse_record(bytes)),
            _ => None,
        });
        for ((line, pending), parsed) in batch.iter().zip(parsed) {
            let place = format!("{}:{line}", file.display());
            let record = |id| Record {
                file: Arc::clone(file),
                line: *line,
                id,
            };
            match (pending, parsed) {
                (Pending::TooLong(len), _) => {
                    let reason = SkipReason::TooLarge {
                        limit: self.max_record_bytes,
                    };
                    let id = corpus.add_skipped(place, *len, reason);
                    corpus.set_record(id, record(None));
                }
                (Pending::Json(bytes), Some((id, parsed))) => {
                    let name = id.clone().unwrap_or(place);
                    let doc = match parsed {
                        Ok(text) => corpus.add(name, text),
                        Err(why) => {
                            let reason = SkipReason::BadRecord(why);
                            corpus.add_skipped(name, bytes.len() as u64, reason)
                        }
                    };
                    corpus.set_record(doc, record(id));
                    corpus.texts_written()?;
                }
                (Pending::Stopped(e), _) => {
                    let why = format!("reading stopped here: {e}");
                    let id = corpus.add_skipped(place, 0, SkipReason::Unreadable(why));
                    corpus.set_record(id, record(None));
                }
                (Pending::Json(_), None) => unreachable!("every JSON line is parsed"),
            }
        }
        Ok(())
    }

    /// One record's id (when the id field is set and present) and its text, or why it
    /// has none: what [`load`](JsonLines::load) reads from each line, for a caller that
    /// streams lines itself.
    ///
    /// ```
    /// let reader = neardup::corpus::JsonLines::new().text_field("doc.body").id_field("id");
    /// let (id, text) = reader.parse_record(br#"{"id": 7, "doc": {"body": "Hello"}}"#);
    /// assert_eq!((id.as_deref(), text.as_deref()), (Some("7"), Ok(&b"Hello"[..])));
    /// assert!(reader.parse_record(b"{\"id\": 8}").1.is_err());
    /// ```
    pub fn parse_record(&self, line: &[u8]) -> (Option<String>, Result<Vec<u8>, String>) {
        let value: serde_json::Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => return (None, Err(format!("not JSON: {e}"))),
        };
        let id = self
            .id
            .as_ref()
            .and_then(|path| id_text(field(&value, path)?));
        let text = match field(&value, &self.text) {
            Some(serde_json::Value::String(s)) => Ok(s.as_bytes().to_vec()),
            Some(other) => Err(format!(
                "field '{}' is {}, not a string",
                self.text.join("."),
                kind(other)
            )),
            None => Err(format!("no field '{}'", self.text.join("."))),
        };
        (id, text)
    }
}

/// The value at a dotted path in nested objects.
pub(crate) fn field<'v>(
    value: &'v serde_json::Value,
    path: &[String],
) -> Option<&'v serde_json::Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn id_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A file's lines, decompressed as its extension says (`.gz`, `.zst`); `-` is standard
/// input (plain).
pub fn open(path: &Path) -> std::io::Result<Box<dyn BufRead>> {
    if path == Path::new("-") {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(match extension(path) {
        Compression::Gzip => Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file))),
        Compression::Zstd => Box::new(BufReader::new(zstd::Decoder::new(file)?)),
        Compression::None => Box::new(BufReader::with_capacity(1 << 16, file)),
    })
}

/// How a file is compressed, told by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// zstd (`.zst`).
    Zstd,
}

/// The compression a file's name says.
pub fn extension(path: &Path) -> Compression {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("gz") => Compression::Gzip,
        Some("zst") | Some("zstd") => Compression::Zstd,
        _ => Compression::None,
    }
}

/// Lines parsed at a time (or fewer, up to [`BATCH_BYTES`]).
const BATCH_LINES: usize = 4096;
/// Bytes of lines parsed at a time.
const BATCH_BYTES: usize = 16 << 20;

/// A line read, before it is parsed.
enum Pending {
    Json(Vec<u8>),
    TooLong(u64),
    /// Reading failed here (a truncated stream); nothing after it is read.
    Stopped(String),
}

enum Line {
    Text,
    TooLong(u64),
}

/// Lines of a reader, each at most `max` bytes held (a longer one is read through and
/// reported by its length).
struct LimitedLines {
    reader: Box<dyn BufRead>,
    max: u64,
}

impl LimitedLines {
    fn next_line(&mut self, buf: &mut Vec<u8>) -> std::io::Result<Option<Line>> {
        buf.clear();
        let n = (&mut self.reader)
            .take(self.max + 1)
            .read_until(b'\n', buf)?;
        if n == 0 {
            return Ok(None);
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(Some(Line::Text));
        }
        if (buf.len() as u64) <= self.max {
            return Ok(Some(Line::Text)); // the last line, without a newline
        }
        // Too long: read on to the end of the line, counting.
        let mut len = buf.len() as u64;
        buf.clear();
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            match memchr::memchr(b'\n', chunk) {
                Some(i) => {
                    len += i as u64;
                    self.reader.consume(i + 1);
                    break;
                }
                None => {
                    let n = chunk.len();
                    len += n as u64;
                    self.reader.consume(n);
                }
            }
        }
        Ok(Some(Line::TooLong(len)))
    }
}
