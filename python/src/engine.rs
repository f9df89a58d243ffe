//! The library's run taken apart (`neardup::detector::engine`), on Arrow record batches,
//! for engines that group keys themselves (`neardup.spark`): per-document keys, and
//! candidate pairs checked. A batch in, a batch out, no Python object per row; the GIL
//! is released while a batch is worked on.

use std::sync::Arc;

use crate::CharIndex;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, ListBuilder, StringBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use neardup::Corpus;
use neardup::reuse::{Boilerplate, SharedFingerprint};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3_arrow::PyRecordBatch;

/// The bytes of row `row` of a string or binary column (`None` when null).
fn bytes_at(col: &ArrayRef, row: usize) -> PyResult<Option<&[u8]>> {
    crate::value(col, row)
}

/// The column `name` of `batch`, or a `ValueError` naming it.
fn column<'a>(batch: &'a RecordBatch, name: &str) -> PyResult<&'a ArrayRef> {
    batch.column_by_name(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "the batch has no column {name:?} (it has {:?})",
            batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect::<Vec<_>>()
        ))
    })
}

/// Why a run would not compare this text (binary, UTF-16, too large, null), as the
/// library's corpus decides it.
fn skip_reason(bytes: Option<&[u8]>) -> Option<String> {
    let Some(b) = bytes else {
        return Some("bad record: null text".to_owned());
    };
    let mut one = Corpus::new();
    let id = one.add("", b);
    match one.get(id).status() {
        neardup::corpus::Status::Ok => None,
        neardup::corpus::Status::Skipped(why) => Some(why.to_string()),
    }
}

/// The `list<uint64>` columns of passages, one list per row: where each passage starts
/// and ends on both sides (bytes), its tokens and its differing tokens, then where it
/// starts and ends in code points (null for a binary text).
struct SpanLists([ListBuilder<UInt64Builder>; 10]);

impl SpanLists {
    fn new() -> SpanLists {
        SpanLists(std::array::from_fn(|_| {
            ListBuilder::new(UInt64Builder::new())
        }))
    }

    /// One passage of the current row: `[start, end, start, end, tokens, differing]`,
    /// the spans in bytes, also in code points through `chars` (the two texts' indexes;
    /// `None` for binary texts).
    fn push(&mut self, values: [usize; 6], chars: Option<(&CharIndex, &CharIndex)>) {
        let [a0, a1, b0, b1, ..] = values;
        let counted = chars.map(|(a, b)| [a.at(a0), a.at(a1), b.at(b0), b.at(b1)]);
        for (list, v) in self.0.iter_mut().zip(values) {
            list.values().append_value(v as u64);
        }
        for (i, list) in self.0[6..].iter_mut().enumerate() {
            list.values().append_option(counted.map(|c| c[i] as u64));
        }
    }

    /// Ends the current row.
    fn end_row(&mut self) {
        for list in &mut self.0 {
            list.append(true);
        }
    }

    /// The columns, named: the six given, then `{first}_char_start`, `{first}_char_end`,
    /// `{second}_char_start`, `{second}_char_end`.
    fn finish(
        mut self,
        names: [&'static str; 6],
        (first, second): (&str, &str),
    ) -> Vec<(String, ArrayRef)> {
        let chars = [
            format!("{first}_char_start"),
            format!("{first}_char_end"),
            format!("{second}_char_start"),
            format!("{second}_char_end"),
        ];
        names
            .into_iter()
            .map(str::to_owned)
            .chain(chars)
            .zip(self.0.iter_mut())
            .map(|(name, list)| (name, Arc::new(list.finish()) as ArrayRef))
            .collect()
    }
}

/// Whether a text column holds strings (offsets in code points make sense), not bytes.
fn holds_strings(col: &ArrayRef) -> bool {
    let kind = match col.data_type() {
        DataType::Dictionary(_, value) => value.as_ref(),
        other => other,
    };
    matches!(
        kind,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

fn finish<S: AsRef<str>>(columns: Vec<(S, ArrayRef)>) -> PyResult<RecordBatch> {
    RecordBatch::try_from_iter(columns).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A batch made row by row from the `text` column of `batch`, with the GIL released:
/// `row` gets each text (`None` when null), why a run would skip it (`None` when it
/// compares it) and whether the column holds strings, with the columns being built;
/// `done` names the finished columns.
fn per_text<S: Send, N: AsRef<str>>(
    py: Python<'_>,
    batch: PyRecordBatch,
    mut columns: S,
    row: impl Fn(&mut S, Option<&[u8]>, Option<String>, bool) + Send,
    done: impl FnOnce(S) -> Vec<(N, ArrayRef)> + Send,
) -> PyResult<Py<PyAny>> {
    let batch = batch.into_inner();
    let texts = column(&batch, "text")?.clone();
    let strings = holds_strings(&texts);
    let out = py.detach(move || -> PyResult<RecordBatch> {
        for i in 0..texts.len() {
            let bytes = bytes_at(&texts, i)?;
            let why = skip_reason(bytes);
            row(&mut columns, bytes, why, strings);
        }
        finish(done(columns))
    })?;
    Ok(PyRecordBatch::new(out).into_pyarrow(py)?.unbind())
}

/// The text of a row when a run compares it.
fn compared<'a>(bytes: Option<&'a [u8]>, why: &Option<String>) -> Option<&'a [u8]> {
    bytes.filter(|_| why.is_none())
}

/// Per document of the `text` column: what it contributes to a run.
pub(crate) fn document_keys(
    py: Python<'_>,
    det: &neardup::Detector,
    batch: PyRecordBatch,
) -> PyResult<Py<PyAny>> {
    struct Columns {
        tokens: UInt64Builder,
        whole: [UInt64Builder; 2],
        whole_chars: [UInt64Builder; 2],
        band_keys: ListBuilder<UInt64Builder>,
        fp_hash: ListBuilder<UInt64Builder>,
        fp_pos: ListBuilder<UInt32Builder>,
        content: [UInt64Builder; 2],
        skipped: StringBuilder,
    }
    let columns = Columns {
        tokens: UInt64Builder::new(),
        whole: [UInt64Builder::new(), UInt64Builder::new()],
        whole_chars: [UInt64Builder::new(), UInt64Builder::new()],
        band_keys: ListBuilder::new(UInt64Builder::new()),
        fp_hash: ListBuilder::new(UInt64Builder::new()),
        fp_pos: ListBuilder::new(UInt32Builder::new()),
        content: [UInt64Builder::new(), UInt64Builder::new()],
        skipped: StringBuilder::new(),
    };
    let row = |c: &mut Columns, bytes: Option<&[u8]>, why: Option<String>, strings: bool| {
        let keys = compared(bytes, &why)
            .map(|b| det.document_keys(b))
            .unwrap_or_default();
        let h = xxhash_rust::xxh3::xxh3_128(bytes.unwrap_or_default());
        c.content[0].append_value((h >> 64) as u64);
        c.content[1].append_value(h as u64);
        c.skipped.append_option(why);
        c.tokens.append_value(keys.tokens as u64);
        c.whole[0].append_value(keys.whole.start as u64);
        c.whole[1].append_value(keys.whole.end as u64);
        let text = bytes.unwrap_or_default();
        let chars = |byte: usize| strings.then(|| u64::from(crate::starts(&text[..byte])));
        c.whole_chars[0].append_option(chars(keys.whole.start));
        c.whole_chars[1].append_option(chars(keys.whole.end));
        c.band_keys.values().append_slice(&keys.band_keys);
        c.band_keys.append(true);
        for &(hash, pos) in &keys.fingerprints {
            c.fp_hash.values().append_value(hash);
            c.fp_pos.values().append_value(pos);
        }
        c.fp_hash.append(true);
        c.fp_pos.append(true);
    };
    per_text(py, batch, columns, row, |mut c| {
        let [mut start, mut end] = c.whole;
        let [mut char_start, mut char_end] = c.whole_chars;
        let [mut hi, mut lo] = c.content;
        vec![
            ("tokens", Arc::new(c.tokens.finish()) as ArrayRef),
            ("whole_start", Arc::new(start.finish())),
            ("whole_end", Arc::new(end.finish())),
            ("whole_char_start", Arc::new(char_start.finish())),
            ("whole_char_end", Arc::new(char_end.finish())),
            ("band_keys", Arc::new(c.band_keys.finish())),
            ("fp_hash", Arc::new(c.fp_hash.finish())),
            ("fp_pos", Arc::new(c.fp_pos.finish())),
            ("content_hi", Arc::new(hi.finish())),
            ("content_lo", Arc::new(lo.finish())),
            ("skipped", Arc::new(c.skipped.finish())),
        ]
    })
}

/// The u32 values of list `row` of a `list<uint32>` column.
fn u32_list(col: &ArrayRef, row: usize) -> PyResult<Vec<u32>> {
    let list = col.as_list_opt::<i32>().ok_or_else(|| {
        PyTypeError::new_err(format!("expected list<uint32>, got {}", col.data_type()))
    })?;
    if list.is_null(row) {
        return Ok(Vec::new());
    }
    let values = list.value(row);
    let values = values.as_primitive_opt::<UInt32Type>().ok_or_else(|| {
        PyTypeError::new_err(format!("expected list<uint32>, got {}", col.data_type()))
    })?;
    Ok(values.values().to_vec())
}

/// The values of an int64 or uint64 array, as u64 (the same 64 bits; nulls left out).
fn u64_values(array: &ArrayRef, what: &str) -> PyResult<Vec<u64>> {
    if let Some(a) = array.as_primitive_opt::<UInt64Type>() {
        return Ok(a.iter().flatten().collect());
    }
    if let Some(a) = array.as_primitive_opt::<Int64Type>() {
        return Ok(a.iter().flatten().map(|v| v as u64).collect());
    }
    Err(PyTypeError::new_err(format!(
        "{what}: expected int64 or uint64 values, got {}",
        array.data_type()
    )))
}

/// Per document of the `text` column: whether it holds some of `boilerplate` (the
/// fingerprints more than `boilerplate_docs` documents hold, an int64 or uint64 array)
/// and, when it does, its fingerprints taken again around it, with their positions and
/// whether each is long.
pub(crate) fn fingerprints_around(
    py: Python<'_>,
    det: &neardup::Detector,
    batch: PyRecordBatch,
    boilerplate: pyo3_arrow::PyArray,
) -> PyResult<Py<PyAny>> {
    // Compared by their high 40 bits, as a run of up to 16.7 million documents does
    // (sorted once by the caller, the set is made in linear time).
    let common = Boilerplate::new(
        u64_values(boilerplate.array(), "boilerplate")?,
        neardup::reuse::doc_bits(0),
    );
    let columns = (
        BooleanBuilder::new(),
        ListBuilder::new(UInt64Builder::new()),
        ListBuilder::new(UInt32Builder::new()),
        ListBuilder::new(BooleanBuilder::new()),
    );
    type Columns = (
        BooleanBuilder,
        ListBuilder<UInt64Builder>,
        ListBuilder<UInt32Builder>,
        ListBuilder<BooleanBuilder>,
    );
    let row = |(around, hash, pos, long): &mut Columns, bytes: Option<&[u8]>, why, _| {
        let again = compared(bytes, &why).and_then(|b| det.fingerprints_around(b, &common));
        around.append_value(again.is_some());
        for (h, p, l) in again.iter().flat_map(|f| f.entries()) {
            hash.values().append_value(h);
            pos.values().append_value(p);
            long.values().append_value(l);
        }
        hash.append(true);
        pos.append(true);
        long.append(true);
    };
    per_text(
        py,
        batch,
        columns,
        row,
        |(mut around, mut hash, mut pos, mut long)| {
            vec![
                ("around", Arc::new(around.finish()) as ArrayRef),
                ("fp_hash", Arc::new(hash.finish())),
                ("fp_pos", Arc::new(pos.finish())),
                ("fp_long", Arc::new(long.finish())),
            ]
        },
    )
}

/// Integer values in an order that `u64` keeps, one per row: int64 values with the
/// sign bit flipped, uint64 values as they are; an error for a null or another type.
fn ordered_values(array: &ArrayRef, what: &str) -> PyResult<Vec<u64>> {
    if array.null_count() > 0 {
        return Err(PyValueError::new_err(format!("{what}: null values")));
    }
    if let Some(a) = array.as_primitive_opt::<UInt64Type>() {
        return Ok(a.values().to_vec());
    }
    if let Some(a) = array.as_primitive_opt::<Int64Type>() {
        return Ok(a.values().iter().map(|&v| (v as u64) ^ (1 << 63)).collect());
    }
    Err(PyTypeError::new_err(format!(
        "{what}: expected int64 or uint64 values, got {}",
        array.data_type()
    )))
}

/// Per document of the `text` column (its place in corpus order in the `doc` column):
/// the distinct hashes of the windows it counts by containment, at the edges of its
/// common text a step at a time (`Detector::passage_windows`), given `boilerplate`
/// (the fingerprints more than `boilerplate_docs` documents hold, an int64 or uint64
/// array) and `turning`, for each of them the `doc` of the first holder past
/// `boilerplate_docs` (of the `doc` column's type).
pub(crate) fn passage_windows(
    py: Python<'_>,
    det: &neardup::Detector,
    batch: PyRecordBatch,
    (boilerplate, turning): (pyo3_arrow::PyArray, pyo3_arrow::PyArray),
) -> PyResult<Py<PyAny>> {
    if boilerplate.array().null_count() > 0 {
        return Err(PyValueError::new_err("boilerplate: null values"));
    }
    let hashes = u64_values(boilerplate.array(), "boilerplate")?;
    let turning_type = turning.array().data_type().clone();
    let turning = ordered_values(turning.array(), "turning")?;
    if hashes.len() != turning.len() {
        return Err(PyValueError::new_err(format!(
            "boilerplate and turning differ in length ({} and {})",
            hashes.len(),
            turning.len()
        )));
    }
    // Compared by their high 40 bits, as a run of up to 16.7 million documents does.
    let common =
        Boilerplate::turning_at(hashes.into_iter().zip(turning), neardup::reuse::doc_bits(0));
    let doc_column = column(batch.as_ref(), "doc")?;
    // Both in one order: of the same type.
    if doc_column.data_type() != &turning_type {
        return Err(PyTypeError::new_err(format!(
            "turning is {turning_type} where the doc column is {}",
            doc_column.data_type()
        )));
    }
    let docs = ordered_values(doc_column, "doc")?;
    let row = |(windows, next): &mut (ListBuilder<UInt64Builder>, usize),
               bytes: Option<&[u8]>,
               why,
               _| {
        if let Some(b) = compared(bytes, &why) {
            windows
                .values()
                .append_slice(&det.passage_windows(b, docs[*next], &common));
        }
        windows.append(true);
        *next += 1;
    };
    per_text(
        py,
        batch,
        (ListBuilder::new(UInt64Builder::new()), 0),
        row,
        |(mut w, _)| vec![("windows", Arc::new(w.finish()) as ArrayRef)],
    )
}

/// The bool values of list `row` of a `list<bool>` column (none when null).
fn bool_list(col: &ArrayRef, row: usize) -> PyResult<Vec<bool>> {
    let list = col.as_list_opt::<i32>().ok_or_else(|| {
        PyTypeError::new_err(format!("expected list<bool>, got {}", col.data_type()))
    })?;
    if list.is_null(row) {
        return Ok(Vec::new());
    }
    let values = list.value(row);
    let values = values.as_boolean_opt().ok_or_else(|| {
        PyTypeError::new_err(format!("expected list<bool>, got {}", col.data_type()))
    })?;
    Ok(values.iter().map(|v| v.unwrap_or(false)).collect())
}

/// Per candidate pair (columns `text_a`, `text_b`, `lsh` and the positions `pos_a`,
/// `pos_b` of the fingerprints they share, the earlier document as `a`, and optionally
/// `long`, whether each is a long fingerprint): whether a run reports it, its Jaccard,
/// whether that is exact, and its passages as byte spans.
pub(crate) fn check_candidates(
    py: Python<'_>,
    det: &neardup::Detector,
    batch: PyRecordBatch,
) -> PyResult<Py<PyAny>> {
    let batch = batch.into_inner();
    let (text_a, text_b) = (column(&batch, "text_a")?, column(&batch, "text_b")?);
    let lsh = column(&batch, "lsh")?;
    let (pos_a, pos_b) = (column(&batch, "pos_a")?, column(&batch, "pos_b")?);
    let lsh = lsh.as_boolean_opt().ok_or_else(|| {
        PyTypeError::new_err(format!("lsh: expected bool, got {}", lsh.data_type()))
    })?;
    let long = batch.column_by_name("long");
    let strings = holds_strings(text_a) && holds_strings(text_b);
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let n = batch.num_rows();
        let mut reported = BooleanBuilder::with_capacity(n);
        let mut jaccard = Float64Builder::with_capacity(n);
        let mut exact = BooleanBuilder::with_capacity(n);
        let mut lists = SpanLists::new();
        for row in 0..n {
            let (pa, pb) = (u32_list(pos_a, row)?, u32_list(pos_b, row)?);
            let longs = match long {
                Some(col) => bool_list(col, row)?,
                None => Vec::new(),
            };
            let mut entries: Vec<SharedFingerprint> = pa
                .iter()
                .zip(&pb)
                .enumerate()
                .map(|(i, (&x, &y))| SharedFingerprint {
                    a: 0,
                    b: 1,
                    pos_a: x,
                    pos_b: y,
                    long: longs.get(i).copied().unwrap_or(false),
                })
                .collect();
            entries.sort_unstable_by_key(|e| (e.pos_a, e.pos_b));
            let anchors = det.passage_anchors(&entries);
            let by_lsh = lsh.is_valid(row) && lsh.value(row);
            let (ta, tb) = (bytes_at(text_a, row)?, bytes_at(text_b, row)?);
            let pair = match (ta, tb) {
                (Some(ta), Some(tb)) if by_lsh || !anchors.is_empty() => {
                    det.check_candidate((0, 1), ta, tb, by_lsh, &anchors)
                }
                _ => None,
            };
            reported.append_value(pair.is_some());
            jaccard.append_option(pair.as_ref().map(|p| p.jaccard));
            exact.append_option(pair.as_ref().map(|p| p.jaccard_is_exact()));
            let passages = pair.as_ref().map(|p| p.passages()).unwrap_or_default();
            let indexes = (strings && !passages.is_empty()).then(|| {
                let index = |t: Option<&[u8]>| CharIndex::new(t.unwrap_or_default().into());
                (index(ta), index(tb))
            });
            for p in passages {
                let (a, b) = (p.a, p.b);
                let values = [a.start, a.end, b.start, b.end, p.tokens, p.differing];
                lists.push(values, indexes.as_ref().map(|(x, y)| (x, y)));
            }
            lists.end_row();
        }
        let mut columns: Vec<(String, ArrayRef)> = vec![
            ("reported".to_owned(), Arc::new(reported.finish())),
            ("jaccard".to_owned(), Arc::new(jaccard.finish())),
            ("jaccard_exact".to_owned(), Arc::new(exact.finish())),
        ];
        columns.extend(lists.finish(
            [
                "a_start",
                "a_end",
                "b_start",
                "b_end",
                "tokens",
                "differing",
            ],
            ("a", "b"),
        ));
        finish(columns)
    })?;
    Ok(PyRecordBatch::new(out).into_pyarrow(py)?.unbind())
}

/// Per document of the `text` column: the passages repeated inside it, as byte spans.
pub(crate) fn repeats(
    py: Python<'_>,
    det: &neardup::Detector,
    batch: PyRecordBatch,
) -> PyResult<Py<PyAny>> {
    let row = |lists: &mut SpanLists, bytes: Option<&[u8]>, why, strings: bool| {
        let found = compared(bytes, &why)
            .map(|b| det.repeats(b))
            .unwrap_or_default();
        // Code points counted through one index of the text, made only when needed.
        let index = (strings && !found.is_empty())
            .then(|| CharIndex::new(bytes.unwrap_or_default().into()));
        for p in found {
            let (f, g) = (p.first, p.again);
            let values = [f.start, f.end, g.start, g.end, p.tokens, p.differing];
            lists.push(values, index.as_ref().map(|i| (i, i)));
        }
        lists.end_row();
    };
    per_text(py, batch, SpanLists::new(), row, |lists| {
        lists.finish(
            [
                "first_start",
                "first_end",
                "again_start",
                "again_end",
                "tokens",
                "differing",
            ],
            ("first", "again"),
        )
    })
}
