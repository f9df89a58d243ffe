//! neardup's Python bindings: the module `neardup._neardup`, re-exported by the package
//! `neardup` (python/neardup/__init__.py, typed in __init__.pyi).
//!
//! Every class wraps the library's type of the same name; the work is the library's.
//! What is done here: Python values in (str, bytes, `(id, text)` pairs, Arrow arrays), the
//! GIL released around every run, signature and index call, `KeyboardInterrupt` turned
//! into [`Progress::cancel`], and spans given both as byte offsets into the UTF-8 text and
//! as offsets into the object the caller passed (code points for a `str`, bytes for
//! `bytes`), so that `text[span.start:span.end]` is the passage.

mod engine;

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use neardup::corpus::SkipReason;
use neardup::plan::{Action, Keep, Policy};
use neardup::progress::Progress;
use neardup::{Corpus, ErrorKind};
use pyo3::PyClass;
use pyo3::exceptions::{PyKeyError, PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};

/// The library's error as the Python exception a caller expects: `OSError` for a file or
/// store that cannot be used, `KeyError` for an id the index holds, `ValueError` for
/// everything else (a bad setting, mismatched signatures, malformed bytes).
fn py_err(e: neardup::Error) -> PyErr {
    match e.kind() {
        ErrorKind::Io { .. } | ErrorKind::Store { .. } => PyOSError::new_err(e.to_string()),
        ErrorKind::IdExists { .. } => PyKeyError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// A non-negative integer argument: a negative or too large `int` is a `ValueError`
/// naming the argument (where plain extraction would raise `OverflowError`), another type
/// a `TypeError`.
fn count<T: TryFrom<u64>>(name: &str, v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<T>> {
    let Some(v) = v else { return Ok(None) };
    let bad = || {
        PyValueError::new_err(format!(
            "invalid value for '{name}': expected a non-negative integer that fits in {} bits, got {v}",
            8 * std::mem::size_of::<T>()
        ))
    };
    match v.extract::<u64>() {
        Ok(n) => T::try_from(n).map(Some).map_err(|_| bad()),
        Err(_) if v.is_instance_of::<PyInt>() => Err(bad()),
        Err(e) => Err(e),
    }
}

/// Runs `work` on another thread with the GIL released, checking for signals (Ctrl-C) a
/// few times a second: on `KeyboardInterrupt` the run is cancelled, waited for (it stops
/// at its next document or pair) and the exception raised.
fn interruptible<T: Send>(
    py: Python<'_>,
    progress: &Progress,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        scope.spawn(move || {
            let _ = tx.send(work());
        });
        let mut rx = rx;
        loop {
            let (back, got) = py.detach(move || {
                let got = rx.recv_timeout(Duration::from_millis(50));
                (rx, got)
            });
            rx = back;
            match got {
                Ok(out) => return Ok(out),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(e) = py.check_signals() {
                        progress.cancel();
                        return Err(e);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyValueError::new_err("the run failed (a worker panicked)"));
                }
            }
        }
    })
}

/// Byte offsets into a UTF-8 text turned into code-point offsets: a count of code points
/// every 64 bytes, then a count of the bytes that start one. ASCII texts need no table.
pub(crate) struct CharIndex {
    text: Arc<[u8]>,
    every64: Option<Vec<u32>>,
}

impl CharIndex {
    pub(crate) fn new(text: Arc<[u8]>) -> CharIndex {
        let every64 = (!text.is_ascii()).then(|| {
            let mut counts = Vec::with_capacity(text.len() / 64 + 1);
            let mut n = 0u32;
            for block in text.chunks(64) {
                counts.push(n);
                n += starts(block);
            }
            counts.push(n);
            counts
        });
        CharIndex { text, every64 }
    }

    pub(crate) fn at(&self, byte: usize) -> usize {
        match &self.every64 {
            None => byte,
            Some(counts) => {
                let block = byte / 64;
                counts[block] as usize + starts(&self.text[block * 64..byte]) as usize
            }
        }
    }
}

/// How many bytes of `bytes` start a code point.
pub(crate) fn starts(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u32
}

/// One input document: its id as given and whether its offsets count code points.
struct Input {
    id: Py<PyAny>,
    is_str: bool,
    /// The bytes of a document the library did not compare (binary, UTF-16), which it
    /// does not keep, so that a plan passes them on unchanged; `None` for a compared one
    /// and for a null Arrow value.
    skipped: Option<Vec<u8>>,
}

/// Adds a document and its input: the bytes are kept aside when the corpus skips it.
fn add_input(
    corpus: &mut Corpus,
    inputs: &mut Vec<Input>,
    id: Py<PyAny>,
    name: String,
    bytes: Vec<u8>,
    is_str: bool,
) {
    let doc = corpus.add(name, bytes.as_slice());
    let skipped = (!corpus.get(doc).is_ok()).then_some(bytes);
    inputs.push(Input {
        id,
        is_str,
        skipped,
    });
}

/// A text as given: `str` (kept as UTF-8) or `bytes`.
fn text_of(obj: &Bound<'_, PyAny>, what: &dyn Fn() -> String) -> PyResult<(Vec<u8>, bool)> {
    text_as(obj, what, "str or bytes")
}

/// [`text_of`], saying what else would have been accepted.
fn text_as(
    obj: &Bound<'_, PyAny>,
    what: &dyn Fn() -> String,
    expected: &str,
) -> PyResult<(Vec<u8>, bool)> {
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s
            .to_cow()
            .map_err(|e| PyValueError::new_err(format!("{}: {e}", what())))?;
        Ok((s.as_bytes().to_vec(), true))
    } else if let Ok(b) = obj.cast::<PyBytes>() {
        Ok((b.as_bytes().to_vec(), false))
    } else {
        Err(PyTypeError::new_err(format!(
            "{}: expected {expected}, got {}",
            what(),
            obj.get_type().name()?
        )))
    }
}

/// The documents of `docs` (an iterable of `str`, `bytes` or `(id, text)` pairs) in a
/// corpus; a document's id is its position when none is given.
fn corpus_of(docs: &Bound<'_, PyAny>) -> PyResult<(Corpus, Vec<Input>)> {
    let py = docs.py();
    if docs.is_instance_of::<PyString>() || docs.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "docs: expected an iterable of documents, got one {} (put it in a list)",
            docs.get_type().name()?
        )));
    }
    let mut corpus = Corpus::new();
    let mut inputs = Vec::new();
    for (i, item) in docs.try_iter()?.enumerate() {
        let item = item?;
        let what = || format!("document {i}");
        let (id, text) = if item.is_instance_of::<PyTuple>() || item.is_instance_of::<PyList>() {
            if item.len()? != 2 {
                return Err(PyTypeError::new_err(format!(
                    "document {i}: a pair must be (id, text), got {} items",
                    item.len()?
                )));
            }
            (item.get_item(0)?, item.get_item(1)?)
        } else {
            (i.into_pyobject(py)?.into_any(), item)
        };
        let (bytes, is_str) = text_as(&text, &what, "str, bytes or an (id, text) pair")?;
        let name = id.str()?.to_cow()?.into_owned();
        add_input(&mut corpus, &mut inputs, id.unbind(), name, bytes, is_str);
    }
    Ok((corpus, inputs))
}

/// The texts of an Arrow array (string, large string, string view, or the binary
/// kinds), one document per row; a null row is a skipped document.
fn corpus_of_arrow(
    py: Python<'_>,
    chunks: &[ArrayRef],
    ids: Option<Vec<Py<PyAny>>>,
) -> PyResult<(Corpus, Vec<Input>)> {
    let rows: usize = chunks.iter().map(|c| c.len()).sum();
    if let Some(ids) = &ids
        && ids.len() != rows
    {
        return Err(PyValueError::new_err(format!(
            "ids: expected one per row ({rows}), got {}",
            ids.len()
        )));
    }
    let mut corpus = Corpus::new();
    let mut inputs = Vec::with_capacity(rows);
    let mut ids = ids.map(|v| v.into_iter());
    for chunk in chunks {
        // The type is checked before any row (an empty array of numbers is refused too).
        check_textual(chunk.data_type())?;
        let string =
            |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
        let is_str = match chunk.data_type() {
            DataType::Dictionary(_, values) => string(values),
            t => string(t),
        };
        for row in 0..chunk.len() {
            let i = inputs.len();
            let id = match ids.as_mut().and_then(|it| it.next()) {
                Some(id) => id,
                None => i.into_pyobject(py)?.into_any().unbind(),
            };
            let name = id.bind(py).str()?.to_cow()?.into_owned();
            match value(chunk, row)? {
                Some(bytes) => {
                    add_input(&mut corpus, &mut inputs, id, name, bytes.to_vec(), is_str)
                }
                None => {
                    corpus.add_skipped(name, 0, SkipReason::BadRecord("null text".into()));
                    inputs.push(Input {
                        id,
                        is_str,
                        skipped: None,
                    });
                }
            }
        }
    }
    Ok((corpus, inputs))
}

/// An Arrow type that holds texts (strings, binary, a dictionary of them, or nulls), or
/// a `TypeError` saying what was given.
fn check_textual(t: &DataType) -> PyResult<()> {
    match t {
        DataType::Dictionary(_, values) => check_textual(values),
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::Null => Ok(()),
        DataType::Struct(_) => Err(PyTypeError::new_err(format!(
            "expected an Arrow array of strings or binary, got a table or struct ({t}): \
             pass one column, e.g. table[\"text\"]"
        ))),
        other => Err(PyTypeError::new_err(format!(
            "expected an Arrow array of strings or binary, got {other}"
        ))),
    }
}

/// Row `row` of a string or binary array (or a dictionary of them), `None` when null.
pub(crate) fn value(array: &ArrayRef, row: usize) -> PyResult<Option<&[u8]>> {
    if array.is_null(row) || array.data_type() == &DataType::Null {
        return Ok(None);
    }
    if let Some(dict) = array.as_any_dictionary_opt() {
        let key = dict.normalized_keys()[row];
        return value(dict.values(), key);
    }
    let bytes = match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(row).as_bytes(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(row).as_bytes(),
        DataType::Utf8View => array.as_string_view().value(row).as_bytes(),
        DataType::Binary => array.as_binary::<i32>().value(row),
        DataType::LargeBinary => array.as_binary::<i64>().value(row),
        DataType::BinaryView => array.as_binary_view().value(row),
        other => {
            check_textual(other)?;
            return Err(PyTypeError::new_err(format!(
                "unexpected Arrow type {other}"
            )));
        }
    };
    Ok(Some(bytes))
}

/// A byte range of a document, and the same range as offsets into the object that was
/// passed in (code points for a `str`, bytes for `bytes`): `text[span.start:span.end]`.
#[pyclass(frozen, get_all, eq, module = "neardup")]
#[derive(Clone, PartialEq)]
struct Span {
    /// First position, in the units of the text passed in.
    start: usize,
    /// One past the last position, in the units of the text passed in.
    end: usize,
    /// First byte of the UTF-8 text.
    byte_start: usize,
    /// One past the last byte of the UTF-8 text.
    byte_end: usize,
}

#[pymethods]
impl Span {
    fn __repr__(&self) -> String {
        format!(
            "Span(start={}, end={}, byte_start={}, byte_end={})",
            self.start, self.end, self.byte_start, self.byte_end
        )
    }

    fn __len__(&self) -> usize {
        self.end - self.start
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("start", self.start)?;
        d.set_item("end", self.end)?;
        d.set_item("byte_start", self.byte_start)?;
        d.set_item("byte_end", self.byte_end)?;
        Ok(d)
    }
}

/// Makes [`Span`]s for the documents of one answer, building each document's code-point
/// table once.
struct Spans<'a> {
    text: &'a dyn Fn(usize) -> Option<Arc<[u8]>>,
    is_str: &'a dyn Fn(usize) -> bool,
    tables: HashMap<usize, CharIndex>,
}

impl Spans<'_> {
    fn span(&mut self, doc: usize, s: neardup::Span) -> Span {
        let (start, end) = if (self.is_str)(doc) {
            let table = match self.tables.entry(doc) {
                std::collections::hash_map::Entry::Occupied(e) => Some(e.into_mut()),
                std::collections::hash_map::Entry::Vacant(e) => {
                    (self.text)(doc).map(|t| e.insert(CharIndex::new(t)))
                }
            };
            match table {
                Some(t) => (t.at(s.start), t.at(s.end)),
                None => (s.start, s.end),
            }
        } else {
            (s.start, s.end)
        };
        Span {
            start,
            end,
            byte_start: s.start,
            byte_end: s.end,
        }
    }

    fn passage(&mut self, a: usize, b: usize, p: &neardup::Passage) -> Passage {
        Passage {
            a: self.span(a, p.a),
            b: self.span(b, p.b),
            tokens: p.tokens,
            differing: p.differing,
        }
    }

    fn repeated(&mut self, doc: usize, p: &neardup::report::RepeatedPassage) -> RepeatedPassage {
        RepeatedPassage {
            first: self.span(doc, p.first),
            again: self.span(doc, p.again),
            tokens: p.tokens,
            differing: p.differing,
        }
    }
}

/// A passage two documents share: `a` in the first, `b` in the second.
#[pyclass(frozen, get_all, module = "neardup")]
#[derive(Clone)]
struct Passage {
    /// Where it is in the first document.
    a: Span,
    /// Where it is in the second document.
    b: Span,
    /// Its length in tokens (in `a`).
    tokens: usize,
    /// Tokens of `a` that differ in `b` (0 for an exact copy).
    differing: usize,
}

#[pymethods]
impl Passage {
    fn __repr__(&self) -> String {
        format!(
            "Passage(a={}, b={}, tokens={}, differing={})",
            self.a.__repr__(),
            self.b.__repr__(),
            self.tokens,
            self.differing
        )
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("a", self.a.to_dict(py)?)?;
        d.set_item("b", self.b.to_dict(py)?)?;
        d.set_item("tokens", self.tokens)?;
        d.set_item("differing", self.differing)?;
        Ok(d)
    }
}

/// A passage that occurs twice in one document: `first`, then `again`.
#[pyclass(frozen, get_all, module = "neardup")]
#[derive(Clone)]
struct RepeatedPassage {
    /// The first occurrence.
    first: Span,
    /// The later occurrence.
    again: Span,
    /// Its length in tokens.
    tokens: usize,
    /// Tokens that differ between the two (0 for an exact repeat).
    differing: usize,
}

#[pymethods]
impl RepeatedPassage {
    fn __repr__(&self) -> String {
        format!(
            "RepeatedPassage(first={}, again={}, tokens={}, differing={})",
            self.first.__repr__(),
            self.again.__repr__(),
            self.tokens,
            self.differing
        )
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("first", self.first.to_dict(py)?)?;
        d.set_item("again", self.again.to_dict(py)?)?;
        d.set_item("tokens", self.tokens)?;
        d.set_item("differing", self.differing)?;
        Ok(d)
    }
}

/// Two documents that are near-duplicates (in `Report.pairs`) or share passages (in
/// `Report.reuse`), by position in the input and by id.
#[pyclass(frozen, get_all, module = "neardup")]
struct Pair {
    /// The first document's position in the input.
    a: usize,
    /// The second document's position (always after `a`).
    b: usize,
    /// The first document's id (its position when none was given).
    a_id: Py<PyAny>,
    /// The second document's id.
    b_id: Py<PyAny>,
    /// Jaccard similarity of the two shingle sets.
    jaccard: f64,
    /// Whether `jaccard` is exact (false: estimated from the signatures).
    jaccard_is_exact: bool,
    /// The passages the two share, in `a`'s order.
    passages: Vec<Passage>,
}

#[pymethods]
impl Pair {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Pair(a={}, b={}, a_id={}, b_id={}, jaccard={:.4}, passages={})",
            self.a,
            self.b,
            self.a_id.bind(py).repr()?,
            self.b_id.bind(py).repr()?,
            self.jaccard,
            self.passages.len()
        ))
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("a", self.a)?;
        d.set_item("b", self.b)?;
        d.set_item("a_id", &self.a_id)?;
        d.set_item("b_id", &self.b_id)?;
        d.set_item("jaccard", self.jaccard)?;
        d.set_item("jaccard_is_exact", self.jaccard_is_exact)?;
        let passages: PyResult<Vec<_>> = self.passages.iter().map(|p| p.to_dict(py)).collect();
        d.set_item("passages", passages?)?;
        Ok(d)
    }
}

/// A document with passages repeated inside it.
#[pyclass(frozen, get_all, module = "neardup")]
struct Repeat {
    /// Its position in the input.
    doc: usize,
    /// Its id.
    id: Py<PyAny>,
    /// The repeated passages.
    passages: Vec<RepeatedPassage>,
}

#[pymethods]
impl Repeat {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Repeat(doc={}, id={}, passages={})",
            self.doc,
            self.id.bind(py).repr()?,
            self.passages.len()
        ))
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("doc", self.doc)?;
        d.set_item("id", &self.id)?;
        let passages: PyResult<Vec<_>> = self.passages.iter().map(|p| p.to_dict(py)).collect();
        d.set_item("passages", passages?)?;
        Ok(d)
    }
}

/// Near-duplicate documents joined through confirmed pairs.
#[pyclass(frozen, get_all, module = "neardup")]
struct Cluster {
    /// The first member in input order.
    representative: usize,
    /// Every member's position, in input order.
    members: Vec<usize>,
}

#[pymethods]
impl Cluster {
    fn __repr__(&self) -> String {
        format!(
            "Cluster(representative={}, members={:?})",
            self.representative, self.members
        )
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("representative", self.representative)?;
        d.set_item("members", &self.members)?;
        Ok(d)
    }
}

/// One occurrence of a passage.
#[pyclass(frozen, get_all, module = "neardup")]
struct Occurrence {
    /// The document's position in the input.
    doc: usize,
    /// Where the passage is in it.
    span: Span,
}

#[pymethods]
impl Occurrence {
    fn __repr__(&self) -> String {
        format!(
            "Occurrence(doc={}, span={})",
            self.doc,
            self.span.__repr__()
        )
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("doc", self.doc)?;
        d.set_item("span", self.span.to_dict(py)?)?;
        Ok(d)
    }
}

/// One input document: its id, how many tokens it has, and why it was skipped (`None`
/// when it was compared).
#[pyclass(frozen, get_all, module = "neardup")]
struct Document {
    /// Its position in the input.
    index: usize,
    /// Its id.
    id: Py<PyAny>,
    /// Its normalized word tokens.
    tokens: usize,
    /// Why it was not compared (binary bytes, a null Arrow value, ...), or `None`.
    skipped: Option<String>,
}

#[pymethods]
impl Document {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Document(index={}, id={}, tokens={}, skipped={})",
            self.index,
            self.id.bind(py).repr()?,
            self.tokens,
            match &self.skipped {
                Some(why) => PyString::new(py, why).repr()?.to_string(),
                None => "None".to_owned(),
            }
        ))
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("index", self.index)?;
        d.set_item("id", &self.id)?;
        d.set_item("tokens", self.tokens)?;
        d.set_item("skipped", &self.skipped)?;
        Ok(d)
    }
}

/// A report borrows the corpus it was made from: the Python object owns both.
type LibReport<'c> = neardup::Report<'c>;

self_cell::self_cell!(
    struct Ran {
        owner: Corpus,
        #[covariant]
        dependent: LibReport,
    }
);

/// What a run found, with the inputs' ids and kinds to answer in the caller's terms.
struct Run {
    ran: Ran,
    inputs: Vec<Input>,
}

impl Run {
    fn report(&self) -> &neardup::Report<'_> {
        self.ran.borrow_dependent()
    }

    fn text(&self, doc: usize) -> Option<Arc<[u8]>> {
        let corpus = self.ran.borrow_owner();
        let id = corpus.id(doc)?;
        corpus
            .get(id)
            .is_ok()
            .then(|| Arc::from(corpus.text(id).as_ref()))
    }

    fn with_spans<T>(&self, f: impl FnOnce(&mut Spans<'_>) -> T) -> T {
        let text = |d: usize| self.text(d);
        let is_str = |d: usize| self.inputs[d].is_str;
        f(&mut Spans {
            text: &text,
            is_str: &is_str,
            tables: HashMap::new(),
        })
    }

    fn id(&self, py: Python<'_>, doc: neardup::DocId) -> Py<PyAny> {
        self.inputs[doc.index()].id.clone_ref(py)
    }

    fn pairs<'a>(
        &self,
        py: Python<'_>,
        pairs: impl Iterator<Item = &'a neardup::Pair>,
    ) -> Vec<Pair> {
        self.with_spans(|spans| {
            pairs
                .map(|p| {
                    let (a, b) = (p.a.index(), p.b.index());
                    Pair {
                        a,
                        b,
                        a_id: self.id(py, p.a),
                        b_id: self.id(py, p.b),
                        jaccard: p.jaccard,
                        jaccard_is_exact: p.jaccard_is_exact(),
                        passages: p
                            .passages()
                            .iter()
                            .map(|x| spans.passage(a, b, x))
                            .collect(),
                    }
                })
                .collect()
        })
    }

    /// The text after a plan's cuts, as the caller gave it (`str` or `bytes`).
    fn kept_text<'py>(
        &self,
        py: Python<'py>,
        plan: &neardup::plan::DedupPlan,
        doc: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let corpus = self.ran.borrow_owner();
        let id = corpus
            .id(doc)
            .expect("a plan entry names a document of its corpus");
        let input = &self.inputs[doc];
        let bytes = match (&input.skipped, corpus.get(id).is_ok()) {
            (_, true) => plan.kept_bytes(&corpus.text(id), plan.entry(id)),
            (Some(original), false) => original.clone(),
            (None, false) => return Ok(py.None().into_bound(py)),
        };
        if input.is_str {
            // Cuts are whole tokens of valid UTF-8 (and a skipped str is its own UTF-8),
            // so what is left is valid UTF-8.
            let s = String::from_utf8_lossy(&bytes);
            Ok(PyString::new(py, &s).into_any())
        } else {
            Ok(PyBytes::new(py, &bytes).into_any())
        }
    }
}

/// The result of `Detector.run`: near-duplicate pairs, pairs that share passages,
/// passages repeated inside documents, clusters, passage groups and counts.
#[pyclass(frozen, module = "neardup")]
struct Report {
    run: Arc<Run>,
    /// The lists made on first access (a report's lists are read in loops).
    cache: Cache,
}

#[derive(Default)]
struct Cache {
    documents: OnceLock<Vec<Py<Document>>>,
    pairs: OnceLock<Vec<Py<Pair>>>,
    reuse: OnceLock<Vec<Py<Pair>>>,
    repeats: OnceLock<Vec<Py<Repeat>>>,
}

/// The objects in `cell`, made by `make` the first time.
fn cached<T: PyClass + Into<pyo3::PyClassInitializer<T>>>(
    py: Python<'_>,
    cell: &OnceLock<Vec<Py<T>>>,
    make: impl FnOnce() -> Vec<T>,
) -> PyResult<Vec<Py<T>>> {
    if cell.get().is_none() {
        let made: Vec<Py<T>> = make()
            .into_iter()
            .map(|x| Py::new(py, x))
            .collect::<PyResult<_>>()?;
        let _ = cell.set(made);
    }
    let all = cell.get().expect("set above");
    Ok(all.iter().map(|x| x.clone_ref(py)).collect())
}

impl Report {
    fn make_documents(&self, py: Python<'_>) -> Vec<Document> {
        let report = self.run.report();
        report
            .documents()
            .map(|(id, stats)| Document {
                index: id.index(),
                id: self.run.id(py, id),
                tokens: stats.tokens,
                skipped: match report.corpus().get(id).status() {
                    neardup::corpus::Status::Ok => None,
                    neardup::corpus::Status::Skipped(why) => Some(why.to_string()),
                },
            })
            .collect()
    }

    fn make_repeats(&self, py: Python<'_>) -> Vec<Repeat> {
        self.run.with_spans(|spans| {
            self.run
                .report()
                .repeats()
                .map(|r| Repeat {
                    doc: r.doc.index(),
                    id: self.run.id(py, r.doc),
                    passages: r
                        .passages()
                        .iter()
                        .map(|p| spans.repeated(r.doc.index(), p))
                        .collect(),
                })
                .collect()
        })
    }
}

#[pymethods]
impl Report {
    /// Every input document, in input order.
    #[getter]
    fn documents(&self, py: Python<'_>) -> PyResult<Vec<Py<Document>>> {
        cached(py, &self.cache.documents, || self.make_documents(py))
    }

    /// Confirmed near-duplicate pairs (exact Jaccard at or above the threshold), sorted by
    /// `(a, b)`.
    #[getter]
    fn pairs(&self, py: Python<'_>) -> PyResult<Vec<Py<Pair>>> {
        cached(py, &self.cache.pairs, || {
            self.run.pairs(py, self.run.report().pairs())
        })
    }

    /// Pairs below the threshold that share verified passages, sorted by `(a, b)`.
    #[getter]
    fn reuse(&self, py: Python<'_>) -> PyResult<Vec<Py<Pair>>> {
        cached(py, &self.cache.reuse, || {
            self.run.pairs(py, self.run.report().reuse())
        })
    }

    /// Documents with passages repeated inside them, in input order.
    #[getter]
    fn repeats(&self, py: Python<'_>) -> PyResult<Vec<Py<Repeat>>> {
        cached(py, &self.cache.repeats, || self.make_repeats(py))
    }

    /// Clusters of two or more near-duplicate documents.
    #[getter]
    fn clusters(&self) -> Vec<Cluster> {
        self.run
            .report()
            .clusters()
            .map(|c| Cluster {
                representative: c.representative().index(),
                members: c.members().iter().map(|d| d.index()).collect(),
            })
            .collect()
    }

    /// Every passage that occurs more than once (across or inside documents) with all its
    /// occurrences, the first copy first.
    #[getter]
    fn passages(&self) -> Vec<Vec<Occurrence>> {
        self.run.with_spans(|spans| {
            self.run
                .report()
                .passage_groups()
                .map(|g| {
                    g.occurrences()
                        .iter()
                        .map(|o| Occurrence {
                            doc: o.doc.index(),
                            span: spans.span(o.doc.index(), o.span),
                        })
                        .collect()
                })
                .collect()
        })
    }

    /// The run's counts, by name (documents, ok, skipped, pairs, shared_passages, ...).
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.run.report().summary();
        let d = PyDict::new(py);
        for (name, value) in [
            ("documents", s.documents),
            ("ok", s.ok),
            ("skipped", s.skipped),
            ("tokens", s.tokens),
            ("candidate_pairs", s.candidate_pairs),
            ("passage_candidates", s.passage_candidates),
            (
                "passage_candidates_with_passages",
                s.passage_candidates_with_passages,
            ),
            ("pairs_from_passages", s.pairs_from_passages),
            ("pairs", s.pairs),
            ("identical_documents", s.identical_documents),
            ("shared_passages", s.shared_passages),
            ("documents_with_repeats", s.documents_with_repeats),
            ("repeated_passages", s.repeated_passages),
            ("clusters", s.clusters),
            ("duplicate_documents", s.duplicate_documents),
            ("reuse_pairs", s.reuse_pairs),
            ("passage_groups", s.passage_groups),
            ("boilerplate_fingerprints", s.boilerplate_fingerprints),
        ] {
            d.set_item(name, value)?;
        }
        Ok(d)
    }

    /// Everything as plain dicts and lists: `{"documents": [...], "pairs": [...],
    /// "reuse": [...], "repeats": [...], "clusters": [...], "passages": [...],
    /// "summary": {...}}`.
    fn to_dicts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let docs: PyResult<Vec<_>> = self
            .documents(py)?
            .iter()
            .map(|x| x.get().to_dict(py))
            .collect();
        d.set_item("documents", docs?)?;
        let pairs: PyResult<Vec<_>> = self
            .pairs(py)?
            .iter()
            .map(|x| x.get().to_dict(py))
            .collect();
        d.set_item("pairs", pairs?)?;
        let reuse: PyResult<Vec<_>> = self
            .reuse(py)?
            .iter()
            .map(|x| x.get().to_dict(py))
            .collect();
        d.set_item("reuse", reuse?)?;
        let repeats: PyResult<Vec<_>> = self
            .repeats(py)?
            .iter()
            .map(|x| x.get().to_dict(py))
            .collect();
        d.set_item("repeats", repeats?)?;
        let clusters: PyResult<Vec<_>> = self.clusters().iter().map(|x| x.to_dict(py)).collect();
        d.set_item("clusters", clusters?)?;
        let groups: PyResult<Vec<Vec<_>>> = self
            .passages()
            .iter()
            .map(|g| g.iter().map(|o| o.to_dict(py)).collect())
            .collect();
        d.set_item("passages", groups?)?;
        d.set_item("summary", self.summary(py)?)?;
        Ok(d)
    }

    /// The de-duplication plan: for each document keep, drop (as a copy of a kept one) or
    /// pass (not compared), and with `cut_passages=True` the later copies of passages to
    /// cut from kept documents.
    ///
    /// `keep` chooses which member of a cluster stays: `"first"` (input order),
    /// `"longest"`, or a sequence of ranks, one per document, the lowest kept.
    #[pyo3(signature = (keep = None, cut_passages = false))]
    fn dedup_plan(&self, keep: Option<&Bound<'_, PyAny>>, cut_passages: bool) -> PyResult<Plan> {
        let keep = match keep {
            None => Keep::First,
            Some(k) => match k.extract::<String>() {
                Ok(s) if s == "first" => Keep::First,
                Ok(s) if s == "longest" => Keep::Longest,
                Ok(s) => {
                    return Err(PyValueError::new_err(format!(
                        "keep: expected \"first\", \"longest\" or one rank per document, got {s:?}"
                    )));
                }
                Err(_) if k.is_instance_of::<PyBytes>() => {
                    return Err(PyTypeError::new_err(
                        "keep: expected \"first\", \"longest\" or a sequence of ranks, got bytes",
                    ));
                }
                Err(_) => Keep::Ranked(k.extract::<Vec<u64>>().map_err(|_| {
                    PyValueError::new_err(
                        "keep: expected \"first\", \"longest\" or a sequence of non-negative \
                         integer ranks",
                    )
                })?),
            },
        };
        if let Keep::Ranked(ranks) = &keep
            && ranks.len() != self.run.inputs.len()
        {
            return Err(PyValueError::new_err(format!(
                "keep: expected one rank per document ({}), got {}",
                self.run.inputs.len(),
                ranks.len()
            )));
        }
        let policy = Policy::new().keep(keep).cut_passages(cut_passages);
        let plan = self.run.report().dedup_plan(&policy).map_err(py_err)?;
        Ok(Plan {
            run: Arc::clone(&self.run),
            plan,
        })
    }

    fn __repr__(&self) -> String {
        let s = self.run.report().summary();
        format!(
            "Report(documents={}, pairs={}, reuse_pairs={}, documents_with_repeats={}, clusters={})",
            s.documents, s.pairs, s.reuse_pairs, s.documents_with_repeats, s.clusters
        )
    }
}

/// The decision for one document of a plan.
#[pyclass(frozen, get_all, module = "neardup")]
struct PlanEntry {
    /// Its position in the input.
    doc: usize,
    /// Its id.
    id: Py<PyAny>,
    /// `"keep"`, `"drop"` or `"pass"` (not compared: passed through unchanged).
    action: &'static str,
    /// For a dropped document, the kept document it copies.
    kept: Option<usize>,
    /// For a dropped document, the exact Jaccard similarity with `kept`.
    jaccard: Option<f64>,
    /// For a dropped document, whether its bytes equal `kept`'s.
    identical: bool,
    /// For a dropped document, the documents between it and `kept` on the shortest chain
    /// of confirmed pairs.
    via: Vec<usize>,
    /// Its cluster's index in `Report.clusters`, or `None`.
    cluster: Option<usize>,
    /// For a kept document, the spans to cut (later copies of passages that stay
    /// elsewhere).
    cuts: Vec<Span>,
    /// For a passed document, why it was not compared.
    reason: Option<String>,
}

#[pymethods]
impl PlanEntry {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "PlanEntry(doc={}, id={}, action='{}', kept={}, cuts={})",
            self.doc,
            self.id.bind(py).repr()?,
            self.action,
            self.kept.map_or("None".to_owned(), |k| k.to_string()),
            self.cuts.len()
        ))
    }
}

/// A de-duplication plan (`Report.dedup_plan`): one entry per input document.
#[pyclass(frozen, module = "neardup")]
struct Plan {
    run: Arc<Run>,
    plan: neardup::plan::DedupPlan,
}

#[pymethods]
impl Plan {
    /// One entry per input document, in input order.
    #[getter]
    fn entries(&self, py: Python<'_>) -> Vec<PlanEntry> {
        self.run.with_spans(|spans| {
            self.plan
                .entries()
                .iter()
                .map(|e| {
                    let doc = e.doc.index();
                    let mut entry = PlanEntry {
                        doc,
                        id: self.run.id(py, e.doc),
                        action: "keep",
                        kept: None,
                        jaccard: None,
                        identical: false,
                        via: Vec::new(),
                        cluster: e.cluster,
                        cuts: e.cuts.iter().map(|c| spans.span(doc, c.span)).collect(),
                        reason: None,
                    };
                    match &e.action {
                        Action::Keep => {}
                        Action::Drop(d) => {
                            entry.action = "drop";
                            entry.kept = Some(d.kept.index());
                            entry.jaccard = Some(d.jaccard);
                            entry.identical = d.identical;
                            entry.via = d.via.iter().map(|v| v.index()).collect();
                        }
                        Action::Pass(why) => {
                            entry.action = "pass";
                            entry.reason = Some(why.to_string());
                        }
                    }
                    entry
                })
                .collect()
        })
    }

    /// The de-duplicated output: `(id, text)` for every kept document in input order,
    /// its cuts applied, and every passed one unchanged (binary or UTF-16 bytes as given;
    /// `None` for a null Arrow value); dropped documents left out.
    fn output<'py>(&self, py: Python<'py>) -> PyResult<Vec<(Py<PyAny>, Bound<'py, PyAny>)>> {
        let mut out = Vec::new();
        for e in self.plan.entries() {
            let doc = e.doc.index();
            match &e.action {
                Action::Keep => out.push((
                    self.run.id(py, e.doc),
                    self.run.kept_text(py, &self.plan, doc)?,
                )),
                Action::Pass(why) if neardup::plan::passes_through(why) => out.push((
                    self.run.id(py, e.doc),
                    self.run.kept_text(py, &self.plan, doc)?,
                )),
                _ => {}
            }
        }
        Ok(out)
    }

    /// How many documents are kept, dropped and passed.
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let mut counts = [0usize; 3];
        for e in self.plan.entries() {
            counts[match e.action {
                Action::Keep => 0,
                Action::Drop(_) => 1,
                Action::Pass(_) => 2,
            }] += 1;
        }
        let d = PyDict::new(py);
        for (name, n) in ["keep", "drop", "pass"].into_iter().zip(counts) {
            d.set_item(name, n)?;
        }
        Ok(d)
    }

    fn __len__(&self) -> usize {
        self.plan.entries().len()
    }
}

/// What `compare` found for two texts.
#[pyclass(frozen, get_all, module = "neardup")]
struct Comparison {
    /// Exact Jaccard similarity of the two shingle sets.
    jaccard: f64,
    /// The signatures' estimate of it.
    estimated_jaccard: f64,
    /// Whether `jaccard` reaches the threshold.
    near_duplicate: bool,
    /// Whether the two share a band key (a run would have checked them).
    candidate: bool,
    /// The passages the two share.
    passages: Vec<Passage>,
}

#[pymethods]
impl Comparison {
    fn __repr__(&self) -> String {
        format!(
            "Comparison(jaccard={:.4}, estimated_jaccard={:.4}, near_duplicate={}, candidate={}, passages={})",
            self.jaccard,
            self.estimated_jaccard,
            if self.near_duplicate { "True" } else { "False" },
            if self.candidate { "True" } else { "False" },
            self.passages.len()
        )
    }
}

/// Finds near-duplicate documents, passages shared between documents and passages
/// repeated inside a document. Every setting of the library is a keyword; `None` keeps
/// the library's default:
///
/// - threshold (0.8): exact Jaccard of the shingle sets at or above which two documents
///   are near-duplicates.
/// - shingle_size (5): words per shingle.
/// - num_hashes (128): MinHash slots per signature.
/// - seed: the MinHash seed (the library's fixed default).
/// - min_passage_tokens (25): the shortest passage reported, in words.
/// - find_repeats (True): look for passages repeated inside each document.
/// - passage_reuse (True): look for passages shared by documents that are not
///   near-duplicates (False: near-duplicates only, faster).
/// - bands, rows: the LSH layout (chosen from the threshold unless both are given).
/// - false_negative_weight (0.95; 0.999 with passage_reuse=False, whose band keys alone
///   must find every pair): how the chosen layout trades missed pairs for candidates.
/// - max_group (200): a band bucket with more documents proposes its first with each
///   other, not all pairs.
/// - fingerprint_tokens (min_passage_tokens): the span of a passage fingerprint.
/// - boilerplate_docs (50): a fingerprint held by more documents is boilerplate.
/// - seed_tokens, max_gap: how the aligner seeds and chains exact runs.
///
/// Detectors compare equal when their settings do, and pickle by their settings.
#[pyclass(frozen, eq, module = "neardup")]
struct Detector {
    inner: neardup::Detector,
}

impl PartialEq for Detector {
    fn eq(&self, other: &Detector) -> bool {
        self.inner.settings() == other.inner.settings()
    }
}

#[pymethods]
impl Detector {
    #[new]
    #[pyo3(signature = (
        threshold = None, shingle_size = None, num_hashes = None, seed = None,
        min_passage_tokens = None, find_repeats = None, passage_reuse = None,
        bands = None, rows = None, false_negative_weight = None, max_group = None,
        fingerprint_tokens = None, boilerplate_docs = None, seed_tokens = None,
        max_gap = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        threshold: Option<f64>,
        shingle_size: Option<&Bound<'_, PyAny>>,
        num_hashes: Option<&Bound<'_, PyAny>>,
        seed: Option<&Bound<'_, PyAny>>,
        min_passage_tokens: Option<&Bound<'_, PyAny>>,
        find_repeats: Option<bool>,
        passage_reuse: Option<bool>,
        bands: Option<&Bound<'_, PyAny>>,
        rows: Option<&Bound<'_, PyAny>>,
        false_negative_weight: Option<f64>,
        max_group: Option<&Bound<'_, PyAny>>,
        fingerprint_tokens: Option<&Bound<'_, PyAny>>,
        boilerplate_docs: Option<&Bound<'_, PyAny>>,
        seed_tokens: Option<&Bound<'_, PyAny>>,
        max_gap: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Detector> {
        let shingle_size: Option<usize> = count("shingle_size", shingle_size)?;
        let num_hashes: Option<usize> = count("num_hashes", num_hashes)?;
        let seed: Option<u64> = count("seed", seed)?;
        let min_passage_tokens: Option<usize> = count("min_passage_tokens", min_passage_tokens)?;
        let bands: Option<usize> = count("bands", bands)?;
        let rows: Option<usize> = count("rows", rows)?;
        let max_group: Option<usize> = count("max_group", max_group)?;
        let fingerprint_tokens: Option<usize> = count("fingerprint_tokens", fingerprint_tokens)?;
        let boilerplate_docs: Option<usize> = count("boilerplate_docs", boilerplate_docs)?;
        let seed_tokens: Option<usize> = count("seed_tokens", seed_tokens)?;
        let max_gap: Option<usize> = count("max_gap", max_gap)?;
        let mut b = neardup::Detector::builder();
        macro_rules! set {
            ($($name:ident),*) => {$(
                if let Some(v) = $name {
                    b = b.$name(v);
                }
            )*};
        }
        set!(
            threshold,
            shingle_size,
            num_hashes,
            seed,
            min_passage_tokens,
            find_repeats,
            passage_reuse,
            bands,
            rows,
            false_negative_weight,
            max_group,
            fingerprint_tokens,
            boilerplate_docs,
            seed_tokens,
            max_gap
        );
        Ok(Detector {
            inner: b.build().map_err(py_err)?,
        })
    }

    /// Runs every stage over `docs`: an iterable of `str`, `bytes` or `(id, text)` pairs.
    /// The GIL is released while it works; Ctrl-C (`KeyboardInterrupt`) stops it.
    fn run(&self, py: Python<'_>, docs: &Bound<'_, PyAny>) -> PyResult<Report> {
        let (corpus, inputs) = corpus_of(docs)?;
        self.run_corpus(py, corpus, inputs)
    }

    /// `run` over an Arrow array of strings (or binary) from pyarrow, polars, pandas or
    /// Spark: any object with `__arrow_c_array__` or `__arrow_c_stream__`. The texts are
    /// read from the Arrow buffers, with no Python object per row; a null row is a
    /// skipped document. `ids`, if given, holds one id per row (a sequence, or an Arrow
    /// array with `to_pylist`).
    #[pyo3(signature = (array, ids = None))]
    fn run_arrow(
        &self,
        py: Python<'_>,
        array: pyo3_arrow::input::AnyArray,
        ids: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Report> {
        let chunked = array.into_chunked_array()?;
        let ids = match ids {
            None => None,
            Some(ids) => {
                let ids = if ids.hasattr("to_pylist")? {
                    ids.call_method0("to_pylist")?
                } else {
                    ids.clone()
                };
                Some(
                    ids.try_iter()?
                        .map(|x| x.map(Bound::unbind))
                        .collect::<PyResult<Vec<_>>>()?,
                )
            }
        };
        let (corpus, inputs) = corpus_of_arrow(py, chunked.chunks(), ids)?;
        self.run_corpus(py, corpus, inputs)
    }

    /// Compares two texts (`str` or `bytes`): exact and estimated Jaccard and the
    /// passages they share.
    fn compare(
        &self,
        py: Python<'_>,
        a: &Bound<'_, PyAny>,
        b: &Bound<'_, PyAny>,
    ) -> PyResult<Comparison> {
        let (ta, a_str) = text_of(a, &|| "a".to_owned())?;
        let (tb, b_str) = text_of(b, &|| "b".to_owned())?;
        let c = py.detach(|| self.inner.compare(&ta, &tb));
        let texts: [Arc<[u8]>; 2] = [ta.into(), tb.into()];
        let text = |d: usize| Some(Arc::clone(&texts[d]));
        let is_str = |d: usize| [a_str, b_str][d];
        let mut spans = Spans {
            text: &text,
            is_str: &is_str,
            tables: HashMap::new(),
        };
        Ok(Comparison {
            jaccard: c.jaccard,
            estimated_jaccard: c.estimated_jaccard,
            near_duplicate: c.near_duplicate,
            candidate: c.candidate,
            passages: c.passages.iter().map(|p| spans.passage(0, 1, p)).collect(),
        })
    }

    /// The passages repeated inside one text.
    fn repeats(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Vec<RepeatedPassage>> {
        let (bytes, is_str) = text_of(text, &|| "text".to_owned())?;
        let found = py.detach(|| self.inner.repeats(&bytes));
        let bytes: Arc<[u8]> = bytes.into();
        let text = |_: usize| Some(Arc::clone(&bytes));
        let str_of = |_: usize| is_str;
        let mut spans = Spans {
            text: &text,
            is_str: &str_of,
            tables: HashMap::new(),
        };
        Ok(found.iter().map(|p| spans.repeated(0, p)).collect())
    }

    /// The MinHash signature of a text under this detector's settings, or `None` for a
    /// text with no token.
    fn sign(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Option<MinHash>> {
        let (bytes, _) = text_of(text, &|| "text".to_owned())?;
        let sig = py.detach(|| self.inner.sign(&bytes));
        Ok(sig.map(|sig| MinHash {
            hasher: self.inner.hasher().clone(),
            sig,
        }))
    }

    /// The keywords that make this detector again (pickle calls it).
    fn __getnewargs_ex__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyTuple>, Bound<'py, PyDict>)> {
        let s = self.inner.settings();
        let d = PyDict::new(py);
        d.set_item("threshold", s.threshold())?;
        d.set_item("shingle_size", s.shingle_size())?;
        d.set_item("num_hashes", s.num_hashes())?;
        d.set_item("seed", s.seed())?;
        d.set_item("min_passage_tokens", s.min_passage_tokens())?;
        d.set_item("find_repeats", s.find_repeats())?;
        d.set_item("passage_reuse", s.passage_reuse())?;
        d.set_item("bands", s.bands())?;
        d.set_item("rows", s.rows())?;
        d.set_item("false_negative_weight", s.false_negative_weight())?;
        d.set_item("max_group", s.max_group())?;
        // Left to follow min_passage_tokens when it does (the setting's default).
        if s.fingerprint_tokens() != s.min_passage_tokens() {
            d.set_item("fingerprint_tokens", s.fingerprint_tokens())?;
        }
        d.set_item("boilerplate_docs", s.boilerplate_docs())?;
        d.set_item("seed_tokens", s.seed_tokens())?;
        d.set_item("max_gap", s.max_gap())?;
        Ok((PyTuple::empty(py), d))
    }

    /// For engines that group keys themselves (`neardup.spark`): per row of the `text`
    /// column of a pyarrow RecordBatch, what it contributes to a run (tokens, whole span,
    /// band keys, fingerprints and their positions, a 128-bit content hash, why it is
    /// skipped). See the library's `detector::engine`.
    fn keys_batch(&self, py: Python<'_>, batch: pyo3_arrow::PyRecordBatch) -> PyResult<Py<PyAny>> {
        engine::document_keys(py, &self.inner, batch)
    }

    /// For engines: per candidate pair (columns `text_a`, `text_b`, `lsh`, `pos_a`,
    /// `pos_b`, optionally `long`), whether a run reports it, its Jaccard and its
    /// passages (byte spans).
    fn check_batch(&self, py: Python<'_>, batch: pyo3_arrow::PyRecordBatch) -> PyResult<Py<PyAny>> {
        engine::check_candidates(py, &self.inner, batch)
    }

    /// For engines: per row of the `text` column, whether it holds some of
    /// `boilerplate` (an int64 or uint64 array of fingerprints) and, when it does, its
    /// fingerprints taken again around it (`fp_hash`, `fp_pos`, `fp_long`).
    fn around_batch(
        &self,
        py: Python<'_>,
        batch: pyo3_arrow::PyRecordBatch,
        boilerplate: pyo3_arrow::PyArray,
    ) -> PyResult<Py<PyAny>> {
        engine::fingerprints_around(py, &self.inner, batch, boilerplate)
    }

    /// For engines: per row of the `text` column (`doc` its place in corpus order), the
    /// distinct hashes of the windows it counts by containment (`windows`), given
    /// `boilerplate` and, for each, the `doc` at which it turned common (`turning`).
    fn windows_batch(
        &self,
        py: Python<'_>,
        batch: pyo3_arrow::PyRecordBatch,
        boilerplate: pyo3_arrow::PyArray,
        turning: pyo3_arrow::PyArray,
    ) -> PyResult<Py<PyAny>> {
        engine::passage_windows(py, &self.inner, batch, (boilerplate, turning))
    }

    /// For engines: per row of the `text` column, the passages repeated inside it.
    fn repeats_batch(
        &self,
        py: Python<'_>,
        batch: pyo3_arrow::PyRecordBatch,
    ) -> PyResult<Py<PyAny>> {
        engine::repeats(py, &self.inner, batch)
    }

    /// The settings, by keyword.
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.settings();
        let d = PyDict::new(py);
        d.set_item("threshold", s.threshold())?;
        d.set_item("shingle_size", s.shingle_size())?;
        d.set_item("num_hashes", s.num_hashes())?;
        d.set_item("seed", s.seed())?;
        d.set_item("min_passage_tokens", s.min_passage_tokens())?;
        d.set_item("find_repeats", s.find_repeats())?;
        d.set_item("passage_reuse", s.passage_reuse())?;
        d.set_item("bands", self.inner.layout().bands())?;
        d.set_item("rows", self.inner.layout().rows())?;
        d.set_item("false_negative_weight", s.false_negative_weight())?;
        d.set_item("max_group", s.max_group())?;
        d.set_item("fingerprint_tokens", s.fingerprint_tokens())?;
        d.set_item("boilerplate_docs", s.boilerplate_docs())?;
        d.set_item("seed_tokens", s.seed_tokens())?;
        d.set_item("max_gap", s.max_gap())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let s = self.inner.settings();
        format!(
            "Detector(threshold={}, shingle_size={}, num_hashes={}, min_passage_tokens={})",
            s.threshold(),
            s.shingle_size(),
            s.num_hashes(),
            s.min_passage_tokens()
        )
    }
}

impl Detector {
    fn run_corpus(&self, py: Python<'_>, corpus: Corpus, inputs: Vec<Input>) -> PyResult<Report> {
        let progress = Progress::new();
        let det = &self.inner;
        let ran = interruptible(py, &progress, || {
            Ran::try_new(corpus, |c| det.try_run_with_progress(c, &progress))
        })?
        .map_err(py_err)?;
        Ok(Report {
            run: Arc::new(Run { ran, inputs }),
            cache: Cache::default(),
        })
    }
}

/// Compares two texts with a detector's settings (the default detector when none is
/// given).
#[pyfunction]
#[pyo3(signature = (a, b, detector = None))]
fn compare(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    detector: Option<&Detector>,
) -> PyResult<Comparison> {
    match detector {
        Some(d) => d.compare(py, a, b),
        None => Detector::new(
            None, None, None, None, None, None, None, None, None, None, None, None, None, None,
            None,
        )?
        .compare(py, a, b),
    }
}

/// A MinHash signature, for users who come from datasketch: fed shingles one at a time
/// (`update`) or a text at once (`Detector.sign`), compared with `jaccard`, stored with
/// `to_bytes` or pickle.
#[pyclass(module = "neardup")]
#[derive(Clone)]
struct MinHash {
    hasher: neardup::MinHasher,
    sig: neardup::Signature,
}

/// The 64-bit value a shingle given from Python stands for: xxh3 of its bytes (UTF-8 for
/// a `str`), an `int` as it is.
fn shingle_value(obj: &Bound<'_, PyAny>) -> PyResult<u64> {
    if obj.is_instance_of::<PyInt>() {
        return obj.extract::<u64>().map_err(|_| {
            PyValueError::new_err(format!(
                "shingle: an int shingle is a 64-bit hash (0 to 2**64 - 1), got {obj}"
            ))
        });
    }
    let (bytes, _) = text_as(obj, &|| "shingle".to_owned(), "str, bytes or int")?;
    Ok(xxhash_rust::xxh3::xxh3_64(&bytes))
}

#[pymethods]
impl MinHash {
    /// An empty signature of `num_perm` slots; `seed` defaults to the library's (the one
    /// `Detector` and `LshIndex` use).
    #[new]
    #[pyo3(signature = (num_perm = None, seed = None))]
    fn new(
        num_perm: Option<&Bound<'_, PyAny>>,
        seed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<MinHash> {
        let num_perm = count("num_perm", num_perm)?.unwrap_or(128);
        let seed = count("seed", seed)?.unwrap_or(neardup::minhash::DEFAULT_SEED);
        let hasher = hasher(num_perm, seed)?;
        let sig = hasher.sign(std::iter::empty());
        Ok(MinHash { hasher, sig })
    }

    /// Adds one shingle (`str`, `bytes`, or a 64-bit `int` hash).
    fn update(&mut self, shingle: &Bound<'_, PyAny>) -> PyResult<()> {
        let one = self.hasher.sign([shingle_value(shingle)?]);
        self.sig = self.sig.union(&one).map_err(py_err)?;
        Ok(())
    }

    /// Adds many shingles at once (faster than `update` in a loop).
    fn update_batch(&mut self, py: Python<'_>, shingles: &Bound<'_, PyAny>) -> PyResult<()> {
        let values: PyResult<Vec<u64>> = shingles.try_iter()?.map(|s| shingle_value(&s?)).collect();
        let values = values?;
        let more = py.detach(|| self.hasher.sign(values));
        self.sig = self.sig.union(&more).map_err(py_err)?;
        Ok(())
    }

    /// Adds every shingle of `other` (the signature of the union of the two sets).
    fn merge(&mut self, other: &MinHash) -> PyResult<()> {
        self.sig = self.sig.union(&other.sig).map_err(py_err)?;
        Ok(())
    }

    /// The signatures' estimate of the Jaccard similarity of the two shingle sets (0 when
    /// either is empty).
    fn jaccard(&self, other: &MinHash) -> PyResult<f64> {
        self.sig.jaccard(&other.sig).map_err(py_err)
    }

    /// The slot values.
    fn digest(&self) -> Vec<u32> {
        self.sig.values().to_vec()
    }

    /// Whether no shingle was added.
    fn is_empty(&self) -> bool {
        self.sig.is_empty_set()
    }

    /// The number of slots.
    #[getter]
    fn num_perm(&self) -> usize {
        self.hasher.num_hashes()
    }

    /// The hasher's seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.hasher.seed()
    }

    /// The signature's stable bytes (the same on every platform and run).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.sig.to_bytes())
    }

    /// A signature read back from `to_bytes`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<MinHash> {
        let sig = neardup::Signature::from_bytes(data).map_err(py_err)?;
        let hasher = neardup::MinHasher::new(sig.len(), sig.seed()).map_err(py_err)?;
        Ok(MinHash { hasher, sig })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from_bytes = slf.get_type().getattr("from_bytes")?;
        Ok((from_bytes, (slf.borrow().to_bytes(slf.py()),)))
    }

    fn __eq__(&self, other: &MinHash) -> bool {
        self.sig == other.sig
    }

    fn __len__(&self) -> usize {
        self.sig.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "MinHash(num_perm={}, seed={}, empty={})",
            self.hasher.num_hashes(),
            self.hasher.seed(),
            if self.sig.is_empty_set() {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// A MinHash hasher, its errors naming `num_perm` as the Python API calls it.
fn hasher(num_perm: usize, seed: u64) -> PyResult<neardup::MinHasher> {
    neardup::MinHasher::new(num_perm, seed)
        .map_err(|e| PyValueError::new_err(e.to_string().replace("'num_hashes'", "'num_perm'")))
}

/// An LSH index of MinHash signatures, for users who come from datasketch: keys are any
/// hashable Python values.
#[pyclass(module = "neardup")]
struct LshIndex {
    inner: neardup::LshIndex,
    keys: Vec<Option<Py<PyAny>>>,
    ids: Py<PyDict>,
}

#[pymethods]
impl LshIndex {
    /// An index for signatures of `num_perm` slots made with `seed` (default: the
    /// library's), with the band layout that suits `threshold` (or `bands` x `rows` when
    /// both are given).
    #[new]
    #[pyo3(signature = (threshold = 0.8, num_perm = None, bands = None, rows = None, seed = None))]
    fn new(
        py: Python<'_>,
        threshold: f64,
        num_perm: Option<&Bound<'_, PyAny>>,
        bands: Option<&Bound<'_, PyAny>>,
        rows: Option<&Bound<'_, PyAny>>,
        seed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<LshIndex> {
        let num_perm = count("num_perm", num_perm)?.unwrap_or(128);
        let (bands, rows) = (count("bands", bands)?, count("rows", rows)?);
        let seed: Option<u64> = count("seed", seed)?;
        // The signatures it takes must be possible.
        hasher(num_perm, seed.unwrap_or(neardup::minhash::DEFAULT_SEED))?;
        let layout = match (bands, rows) {
            (Some(b), Some(r)) => neardup::lsh::Layout::new(b, r, num_perm),
            (None, None) => neardup::lsh::Layout::for_threshold(threshold, num_perm),
            _ => {
                return Err(PyValueError::new_err(
                    "bands and rows: give both or neither",
                ));
            }
        }
        .map_err(py_err)?
        .with_seed(seed.unwrap_or(neardup::minhash::DEFAULT_SEED));
        Ok(LshIndex {
            inner: neardup::LshIndex::new(layout),
            keys: Vec::new(),
            ids: PyDict::new(py).unbind(),
        })
    }

    /// Inserts `minhash` under `key`; a key already present is a `ValueError`.
    fn insert(
        &mut self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        minhash: &MinHash,
    ) -> PyResult<()> {
        let ids = self.ids.bind(py);
        if ids.contains(key)? {
            return Err(PyValueError::new_err(format!(
                "key {} is already in the index",
                key.repr()?
            )));
        }
        let id = u32::try_from(self.keys.len())
            .map_err(|_| PyValueError::new_err("the index holds 2^32 keys"))?;
        self.inner.insert(id, &minhash.sig).map_err(py_err)?;
        ids.set_item(key, id)?;
        self.keys.push(Some(key.clone().unbind()));
        Ok(())
    }

    /// The keys whose signatures share a band with `minhash` (candidates, not verified).
    fn query(&self, py: Python<'_>, minhash: &MinHash) -> PyResult<Vec<Py<PyAny>>> {
        let found = self.inner.query(&minhash.sig).map_err(py_err)?;
        Ok(found
            .into_iter()
            .filter_map(|id| self.keys[id as usize].as_ref().map(|k| k.clone_ref(py)))
            .collect())
    }

    /// Removes `key`; returns whether it was there.
    fn remove(&mut self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        let ids = self.ids.bind(py);
        let Some(id) = ids.get_item(key)? else {
            return Ok(false);
        };
        let id: u32 = id.extract()?;
        ids.del_item(key)?;
        self.keys[id as usize] = None;
        Ok(self.inner.remove(id))
    }

    /// Every pair of keys that share a band, each once.
    fn candidate_pairs(&self, py: Python<'_>) -> Vec<(Py<PyAny>, Py<PyAny>)> {
        let pairs = py.detach(|| self.inner.candidate_pairs());
        pairs
            .into_iter()
            .filter_map(|(a, b)| {
                let a = self.keys[a as usize].as_ref()?;
                let b = self.keys[b as usize].as_ref()?;
                Some((a.clone_ref(py), b.clone_ref(py)))
            })
            .collect()
    }

    fn __contains__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.ids.bind(py).contains(key)
    }

    /// The keys, in insertion order.
    fn keys(&self, py: Python<'_>) -> Vec<Py<PyAny>> {
        self.keys
            .iter()
            .flatten()
            .map(|k| k.clone_ref(py))
            .collect()
    }

    fn __repr__(&self) -> String {
        let layout = self.inner.layout();
        format!(
            "LshIndex(keys={}, bands={}, rows={}, num_perm={})",
            self.inner.len(),
            layout.bands(),
            layout.rows(),
            layout.num_hashes()
        )
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// One indexed document that a new document matched.
#[pyclass(frozen, get_all, module = "neardup")]
#[derive(Clone)]
struct Match {
    /// Its id.
    id: String,
    /// Exact Jaccard similarity with the new document.
    jaccard: f64,
    /// The passages the two share: `a` in the new document, `b` in this one.
    passages: Vec<Passage>,
}

#[pymethods]
impl Match {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Match(id={}, jaccard={:.4}, passages={})",
            PyString::new(py, &self.id).repr()?,
            self.jaccard,
            self.passages.len()
        ))
    }
}

/// What a document matched in an `Index`.
#[pyclass(frozen, get_all, module = "neardup")]
struct Matches {
    /// Indexed documents whose exact Jaccard with it reaches the threshold.
    near_duplicates: Vec<Match>,
    /// Other indexed documents that share a verified passage with it.
    shared: Vec<Match>,
    /// Passages repeated inside it.
    repeats: Vec<RepeatedPassage>,
}

#[pymethods]
impl Matches {
    fn __bool__(&self) -> bool {
        !(self.near_duplicates.is_empty() && self.shared.is_empty() && self.repeats.is_empty())
    }

    fn __repr__(&self) -> String {
        format!(
            "Matches(near_duplicates={}, shared={}, repeats={})",
            self.near_duplicates.len(),
            self.shared.len(),
            self.repeats.len()
        )
    }
}

/// A persistent, incremental index in one folder: add documents as they come, ask what a
/// new one matches (near-duplicates with exact Jaccard, shared and repeated passages).
/// One process writes while any number read (`read_only=True`); within a process, calls
/// from several threads take turns.
#[pyclass(frozen, module = "neardup")]
struct Index {
    inner: Mutex<neardup::index::Index>,
}

impl Drop for Index {
    /// A merge of runs still running beside the batches is waited for and committed
    /// with the GIL released (the library's index would wait holding it).
    fn drop(&mut self) {
        let inner = self
            .inner
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Python::attach(|py| {
            py.detach(|| {
                let _ = inner.wait_for_merge();
            })
        });
    }
}

/// The library's answer in Python terms: the new text's spans in its own units (code
/// points for a `str`), the indexed texts' spans in bytes of their stored text
/// (`Index.get`).
fn matches_of(m: neardup::index::Matches, text: Arc<[u8]>, is_str: bool) -> Matches {
    let fetch = |_: usize| Some(Arc::clone(&text));
    let str_of = |d: usize| d == 0 && is_str;
    let mut spans = Spans {
        text: &fetch,
        is_str: &str_of,
        tables: HashMap::new(),
    };
    let matched = |list: &[neardup::index::Match], spans: &mut Spans<'_>| {
        list.iter()
            .map(|x| Match {
                id: x.id.clone(),
                jaccard: x.jaccard,
                passages: x.passages.iter().map(|p| spans.passage(0, 1, p)).collect(),
            })
            .collect::<Vec<_>>()
    };
    let near_duplicates = matched(&m.near_duplicates, &mut spans);
    let shared = matched(&m.shared, &mut spans);
    Matches {
        near_duplicates,
        shared,
        repeats: m.repeats.iter().map(|p| spans.repeated(0, p)).collect(),
    }
}

impl Index {
    /// The index, waited for with the GIL released while another thread uses it.
    fn lock<T>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut neardup::index::Index) -> T + Send,
    ) -> PyResult<T>
    where
        T: Send,
    {
        py.detach(|| {
            let mut guard = self
                .inner
                .lock()
                .map_err(|_| PyValueError::new_err("the index was poisoned by a panic"))?;
            Ok(f(&mut guard))
        })
    }

    /// Adds a batch on another thread, cancelled (nothing added) on Ctrl-C.
    fn add_all(&self, py: Python<'_>, batch: &[(String, Vec<u8>, bool)]) -> PyResult<Vec<Matches>> {
        let progress = Progress::new();
        let all = interruptible(py, &progress, || {
            let mut guard = match self.inner.lock() {
                Ok(g) => g,
                Err(_) => return Err(None),
            };
            let docs = batch.iter().map(|(id, t, _)| (id.as_str(), t.as_slice()));
            guard.add_batch_with_progress(docs, &progress).map_err(Some)
        })?;
        let all = all.map_err(|e| match e {
            Some(e) => py_err(e),
            None => PyValueError::new_err("the index was poisoned by a panic"),
        })?;
        Ok(all
            .into_iter()
            .zip(batch)
            .map(|(m, (_, bytes, is_str))| matches_of(m, bytes.as_slice().into(), *is_str))
            .collect())
    }
}

#[pymethods]
impl Index {
    /// Opens the index in folder `path`, or creates it with `detector`'s settings (the
    /// default detector when none is given) if there is none. An existing index built
    /// with other settings than a given `detector`'s is a `ValueError`.
    ///
    /// `read_only=True` opens an existing index for queries beside a writer in another
    /// process (any number of readers, one writer); `cache_bytes` sets the page cache
    /// (default 128 MB).
    #[new]
    #[pyo3(signature = (path, detector = None, read_only = false, cache_bytes = None))]
    fn new(
        py: Python<'_>,
        path: std::path::PathBuf,
        detector: Option<&Detector>,
        read_only: bool,
        cache_bytes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Index> {
        let mut options = neardup::index::Options::new().read_only(read_only);
        if let Some(n) = count::<usize>("cache_bytes", cache_bytes)? {
            options = options.cache_bytes(n);
        }
        let exists = neardup::index::Index::exists(&path);
        let inner = py
            .detach(|| match detector {
                Some(d) if !read_only => options.create(&path, &d.inner),
                None if !exists && !read_only => {
                    options.create(&path, &neardup::Detector::builder().build()?)
                }
                _ => options.open(&path),
            })
            .map_err(py_err)?;
        if let Some(d) = detector
            && inner.detector().settings() != d.inner.settings()
        {
            return Err(PyValueError::new_err(format!(
                "the index was built with {:?}, not {:?}",
                inner.detector().settings(),
                d.inner.settings()
            )));
        }
        Ok(Index {
            inner: Mutex::new(inner),
        })
    }

    /// Adds document `id` and returns what it matched among the documents already there.
    /// An id already there is a `KeyError`; Ctrl-C before it is stored adds nothing.
    fn add(&self, py: Python<'_>, id: String, text: &Bound<'_, PyAny>) -> PyResult<Matches> {
        let (bytes, is_str) = text_of(text, &|| format!("document {id:?}"))?;
        let mut all = self.add_all(py, &[(id, bytes, is_str)])?;
        Ok(all.pop().expect("one document in, one answer out"))
    }

    /// Adds `(id, text)` pairs in one transaction (all or none; Ctrl-C before the commit
    /// adds none) and returns what each matched, in order.
    fn add_batch(&self, py: Python<'_>, docs: &Bound<'_, PyAny>) -> PyResult<Vec<Matches>> {
        let mut batch: Vec<(String, Vec<u8>, bool)> = Vec::new();
        for (i, item) in docs.try_iter()?.enumerate() {
            let (id, text): (String, Bound<'_, PyAny>) = item?.extract().map_err(|_| {
                PyTypeError::new_err(format!("document {i}: expected an (id: str, text) pair"))
            })?;
            let (bytes, is_str) = text_of(&text, &|| format!("document {id:?}"))?;
            batch.push((id, bytes, is_str));
        }
        self.add_all(py, &batch)
    }

    /// What `text` matches, without adding it.
    fn query(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Matches> {
        let (bytes, is_str) = text_of(text, &|| "text".to_owned())?;
        let m = self.lock(py, |ix| ix.query(&bytes))?.map_err(py_err)?;
        Ok(matches_of(m, bytes.into(), is_str))
    }

    /// The stored text of `id` (bytes), or `None`.
    fn get<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let text = self.lock(py, |ix| ix.get(id))?.map_err(py_err)?;
        Ok(text.map(|t| PyBytes::new(py, &t)))
    }

    /// When `id` was added (seconds since the Unix epoch), or `None`.
    fn added(&self, py: Python<'_>, id: &str) -> PyResult<Option<u64>> {
        self.lock(py, |ix| ix.added(id))?.map_err(py_err)
    }

    /// Removes `id`; returns whether it was there.
    fn remove(&self, py: Python<'_>, id: &str) -> PyResult<bool> {
        self.lock(py, |ix| ix.remove(id))?.map_err(py_err)
    }

    /// Removes every document added before `before` (seconds since the Unix epoch, an
    /// int or a float such as `time.time() - 86400`) and returns how many.
    fn prune(&self, py: Python<'_>, before: &Bound<'_, PyAny>) -> PyResult<usize> {
        let before: u64 = if before.is_instance_of::<pyo3::types::PyFloat>() {
            let t: f64 = before.extract()?;
            if t.is_nan() || t < 0.0 {
                return Err(PyValueError::new_err(format!(
                    "invalid value for 'before': expected a time since the epoch, got {t}"
                )));
            }
            t as u64
        } else {
            count("before", Some(before))?.expect("given")
        };
        self.lock(py, |ix| ix.prune(before))?.map_err(py_err)
    }

    /// Waits for the merge of runs that `add_batch` runs beside later batches, if one
    /// is running, and commits it; raises the error of the last merge that failed since
    /// one last succeeded (a failed merge changes nothing). Adding does not wait for a
    /// merge, and answers do not change with one; dropping the index waits for it.
    fn wait_for_merge(&self, py: Python<'_>) -> PyResult<()> {
        self.lock(py, |ix| ix.wait_for_merge())?.map_err(py_err)
    }

    /// Merges the runs into one, leaving out removed documents, and gives the database's
    /// free pages back.
    fn compact(&self, py: Python<'_>) -> PyResult<()> {
        self.lock(py, |ix| ix.compact())?.map_err(py_err)
    }

    /// What the index holds: documents, band_keys, fingerprints, text_bytes,
    /// stored_bytes, file_bytes, runs.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.lock(py, |ix| ix.stats())?.map_err(py_err)?;
        let d = PyDict::new(py);
        for (name, value) in [
            ("documents", s.documents),
            ("band_keys", s.band_keys),
            ("fingerprints", s.fingerprints),
            ("text_bytes", s.text_bytes),
            ("stored_bytes", s.stored_bytes),
            ("file_bytes", s.file_bytes),
            ("runs", s.runs),
        ] {
            d.set_item(name, value)?;
        }
        Ok(d)
    }

    /// The detector the index was built with.
    #[getter]
    fn detector(&self, py: Python<'_>) -> PyResult<Detector> {
        let inner = self.lock(py, |ix| ix.detector().clone())?;
        Ok(Detector { inner })
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        self.lock(py, |ix| ix.len())?.map_err(py_err)
    }

    fn __contains__(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(id) = id.extract::<String>() else {
            return Ok(false);
        };
        self.lock(py, |ix| ix.contains(&id))?.map_err(py_err)
    }
}

/// neardup: near-duplicate documents and exact repeated passages in text collections.
#[pymodule]
mod _neardup {
    #[pymodule_export]
    use super::{
        Cluster, Comparison, Detector, Document, Index, LshIndex, Match, Matches, MinHash,
        Occurrence, Pair, Passage, Plan, PlanEntry, Repeat, RepeatedPassage, Report, Span, compare,
    };

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods;
        // For engines (neardup.spark): how many of a fingerprint's first holders pair with
        // each other.
        m.add("SMALL_GROUP", neardup::reuse::SMALL_GROUP)
    }
}
