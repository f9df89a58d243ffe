//! Datasets of Parquet files: one document per row, its text from a string column and
//! its name from an optional id column (dotted paths reach into struct columns).
//!
//! Only the named columns are decoded (a projection), a batch of rows at a time, so a
//! file's other columns cost nothing and memory holds one batch. A file that cannot be
//! read as Parquet, or lacks the text column, becomes one skipped document named after
//! it, with the columns it has; a failure part-way through a file, one skipped document
//! at the row where reading stopped. Rows whose text is null are skipped records.
//!
//! A dictionary-encoded text or id column (pandas writes categoricals so) is read as its
//! plain values. A string column that holds invalid UTF-8 stops its file at the batch
//! that holds it (Arrow's reader checks string columns; a binary column is not checked):
//! the rows before it are read, and one skipped document says where reading stopped.

use super::{Corpus, MAX_DOCUMENT_BYTES, Record, SkipReason};
use crate::error::Error;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, Field, Fields, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows decoded at a time.
const BATCH_ROWS: usize = 4096;

/// How [`ParquetFiles::load`] reads rows.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use neardup::corpus::ParquetFiles;
/// # use std::sync::Arc;
/// # use arrow_array::{ArrayRef, RecordBatch, StringArray, Int64Array};
/// # let dir = std::env::temp_dir().join(format!("neardup-doc-pq-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let file = dir.join("shard.parquet");
/// # let batch = RecordBatch::try_from_iter([
/// #     ("id", Arc::new(Int64Array::from(vec![7, 8])) as ArrayRef),
/// #     ("content", Arc::new(StringArray::from(vec![Some("a text"), None])) as ArrayRef),
/// # ])?;
/// # let mut w = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&file)?, batch.schema(), None)?;
/// # w.write(&batch)?;
/// # w.close()?;
/// // shard.parquet has an Int64 column `id` and a string column `content`.
/// let corpus = ParquetFiles::new().text_column("content").id_column("id").load(&file)?;
/// let (first, second) = (corpus.iter().next().unwrap(), corpus.iter().nth(1).unwrap());
/// assert_eq!((first.1.name(), &*corpus.text(first.0)), ("7", &b"a text"[..]));
/// assert_eq!(first.1.record().unwrap().line, 1);
/// assert!(!second.1.is_ok(), "a null text is a skipped record");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ParquetFiles {
    text: Vec<String>,
    id: Option<Vec<String>>,
    max_record_bytes: u64,
    texts_on_disk: Option<PathBuf>,
}

impl Default for ParquetFiles {
    fn default() -> ParquetFiles {
        ParquetFiles {
            text: vec!["text".into()],
            id: None,
            max_record_bytes: MAX_DOCUMENT_BYTES,
            texts_on_disk: None,
        }
    }
}

impl ParquetFiles {
    /// Text in the column `text`, no id column, texts up to [`MAX_DOCUMENT_BYTES`].
    pub fn new() -> ParquetFiles {
        ParquetFiles::default()
    }

    /// The text's column, a dotted path into struct columns (`"text"`, `"body.plain"`):
    /// a string or binary column.
    pub fn text_column(mut self, path: &str) -> ParquetFiles {
        self.text = super::dotted(path);
        self
    }

    /// The id's column (a dotted path; strings or integers); a row with an id is named
    /// by it, one without by its file and row.
    pub fn id_column(mut self, path: &str) -> ParquetFiles {
        self.id = Some(super::dotted(path));
        self
    }

    /// Texts longer than this are skipped as too large (default and maximum
    /// [`MAX_DOCUMENT_BYTES`]).
    pub fn max_record_bytes(mut self, n: u64) -> ParquetFiles {
        self.max_record_bytes = n.min(MAX_DOCUMENT_BYTES);
        self
    }

    /// Keeps the texts in a temporary file in `dir`, not in memory ([`Corpus::on_disk`]).
    pub fn texts_on_disk(mut self, dir: Option<PathBuf>) -> ParquetFiles {
        self.texts_on_disk = dir;
        self
    }

    /// The documents of one file, in row order.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<Corpus, Error> {
        self.load_all(&[path])
    }

    /// The documents of several files, one after another in the order given. A file that
    /// cannot be read becomes a skipped document; errors only when the temporary file
    /// for texts on disk cannot be made.
    pub fn load_all<P: AsRef<Path>>(&self, paths: &[P]) -> Result<Corpus, Error> {
        let mut corpus = Corpus::with_texts_in(self.texts_on_disk.as_deref())?;
        for path in paths {
            let path = path.as_ref();
            let read = self.read(Arc::from(path), &mut corpus);
            corpus.texts_written()?;
            if let Err(why) = read {
                let reason = SkipReason::Unreadable(why);
                let len = std::fs::metadata(path).map_or(0, |m| m.len());
                let id = corpus.add_skipped(path.display().to_string(), len, reason);
                corpus.set_record(
                    id,
                    Record {
                        file: Arc::from(path),
                        line: 0,
                        id: None,
                    },
                );
            }
        }
        Ok(corpus)
    }

    /// Adds the rows of one file to `corpus`; `Err` when the file cannot be read at all.
    fn read(&self, file: Arc<Path>, corpus: &mut Corpus) -> Result<(), String> {
        let f = File::open(&file).map_err(|e| e.to_string())?;
        let again = f.try_clone().map_err(|e| e.to_string())?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(f)
            .map_err(|e| format!("not a Parquet file: {e}"))?;
        let fields = builder.schema().fields().clone();
        let text = self.text.join(".");
        check_column(&fields, &self.text, false)
            .map_err(|why| format!("text column {text}: {why}; {}", columns(&fields)))?;
        if let Some(id) = &self.id {
            check_column(&fields, id, true).map_err(|why| {
                format!("id column {}: {why}; {}", id.join("."), columns(&fields))
            })?;
        }
        // Dictionary-encoded columns read back as their values.
        let mut plain = without_dictionary(&fields, &self.text);
        if let Some(id) = &self.id {
            plain = without_dictionary(&plain, id);
        }
        let builder = if plain == fields {
            builder
        } else {
            let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(plain)));
            ParquetRecordBatchReaderBuilder::try_new_with_options(again, options)
                .map_err(|e| format!("cannot read dictionary-encoded columns as values: {e}"))?
        };
        let mut names = vec![text.as_str()];
        let id_name = self.id.as_ref().map(|id| id.join("."));
        names.extend(id_name.as_deref());
        let mask = ProjectionMask::columns(builder.parquet_schema(), names);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| e.to_string())?;
        let mut row = 0u64;
        for batch in reader {
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    let why = format!("reading stopped here: {e}");
                    let id =
                        corpus.add_skipped(place(&file, row + 1), 0, SkipReason::Unreadable(why));
                    corpus.set_record(id, record(&file, row + 1, None));
                    return Ok(());
                }
            };
            self.add_batch(&batch, &file, &mut row, corpus);
            if corpus.texts_written().is_err() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Adds the rows of one batch, counting them in `row`.
    fn add_batch(&self, batch: &RecordBatch, file: &Arc<Path>, row: &mut u64, corpus: &mut Corpus) {
        let texts = column(batch, &self.text);
        let ids = self.id.as_ref().and_then(|id| column(batch, id));
        for i in 0..batch.num_rows() {
            *row += 1;
            let id = ids.as_ref().and_then(|c| id_text(c, i));
            let name = id.clone().unwrap_or_else(|| place(file, *row));
            let doc = match texts.as_ref().map(|c| text_bytes(c, i)) {
                Some(Ok(bytes)) if bytes.len() as u64 > self.max_record_bytes => {
                    let limit = self.max_record_bytes;
                    let reason = SkipReason::TooLarge { limit };
                    corpus.add_skipped(name, bytes.len() as u64, reason)
                }
                Some(Ok(bytes)) => corpus.add(name, bytes),
                Some(Err(why)) => corpus.add_skipped(name, 0, SkipReason::BadRecord(why)),
                None => {
                    let why = "the text column is missing from this batch".to_owned();
                    corpus.add_skipped(name, 0, SkipReason::BadRecord(why))
                }
            };
            corpus.set_record(doc, record(file, *row, id));
        }
    }
}

fn place(file: &Path, row: u64) -> String {
    format!("{}:{row}", file.display())
}

fn record(file: &Arc<Path>, line: u64, id: Option<String>) -> Record {
    Record {
        file: Arc::clone(file),
        line,
        id,
    }
}

/// Whether the dotted path names a column of a type we read: strings or bytes, and
/// integers too for an id.
fn check_column(fields: &Fields, path: &[String], id: bool) -> Result<(), String> {
    let mut fields = fields.clone();
    for (k, part) in path.iter().enumerate() {
        let Some((_, field)) = fields.find(part) else {
            return Err("not found".into());
        };
        let t = match field.data_type() {
            DataType::Dictionary(_, values) if k + 1 == path.len() => values.as_ref(),
            t => t,
        };
        match t {
            DataType::Struct(children) if k + 1 < path.len() => fields = children.clone(),
            t if k + 1 < path.len() => return Err(format!("{part} is {t}, not a struct")),
            DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView => return Ok(()),
            DataType::Int32 | DataType::Int64 | DataType::UInt32 | DataType::UInt64 if id => {
                return Ok(());
            }
            t => return Err(format!("of type {t}, not text")),
        }
    }
    Err("empty column name".into())
}

/// `fields` with the column at `path` read as its values when it is a dictionary.
fn without_dictionary(fields: &Fields, path: &[String]) -> Fields {
    fields
        .iter()
        .map(|f| {
            if path.first().map(String::as_str) != Some(f.name().as_str()) {
                return Arc::clone(f);
            }
            let t = match f.data_type() {
                DataType::Struct(children) if path.len() > 1 => {
                    DataType::Struct(without_dictionary(children, &path[1..]))
                }
                DataType::Dictionary(_, values) if path.len() == 1 => values.as_ref().clone(),
                t => t.clone(),
            };
            Arc::new(Field::new(f.name(), t, f.is_nullable()).with_metadata(f.metadata().clone()))
        })
        .collect()
}

/// "columns: a, b, c.d" for a message.
fn columns(fields: &Fields) -> String {
    fn walk(fields: &Fields, prefix: &str, out: &mut Vec<String>) {
        for f in fields {
            let name = format!("{prefix}{}", f.name());
            match f.data_type() {
                DataType::Struct(children) => walk(children, &format!("{name}."), out),
                t => out.push(format!("{name} ({t})")),
            }
        }
    }
    let mut out = Vec::new();
    walk(fields, "", &mut out);
    format!("the file has {}", out.join(", "))
}

/// The column at a dotted path of a batch.
fn column(batch: &RecordBatch, path: &[String]) -> Option<ArrayRef> {
    let mut col = batch.column_by_name(path.first()?)?.clone();
    for part in &path[1..] {
        let s: &StructArray = col.as_struct_opt()?;
        col = s.column_by_name(part)?.clone();
    }
    Some(col)
}

/// Row `i`'s text, or why there is none.
fn text_bytes(col: &ArrayRef, i: usize) -> Result<Vec<u8>, String> {
    if col.is_null(i) {
        return Err("the text is null".into());
    }
    let bytes: &[u8] = if let Some(a) = col.as_string_opt::<i32>() {
        a.value(i).as_bytes()
    } else if let Some(a) = col.as_string_opt::<i64>() {
        a.value(i).as_bytes()
    } else if let Some(a) = col.as_string_view_opt() {
        a.value(i).as_bytes()
    } else if let Some(a) = col.as_binary_opt::<i32>() {
        a.value(i)
    } else if let Some(a) = col.as_binary_opt::<i64>() {
        a.value(i)
    } else if let Some(a) = col.as_binary_view_opt() {
        a.value(i)
    } else {
        return Err(format!("the text column is {}, not text", col.data_type()));
    };
    Ok(bytes.to_vec())
}

/// Row `i`'s id as text (strings as they are, integers in decimal), `None` when null.
fn id_text(col: &ArrayRef, i: usize) -> Option<String> {
    if col.is_null(i) {
        return None;
    }
    if let Some(a) = col.as_string_opt::<i32>() {
        Some(a.value(i).to_owned())
    } else if let Some(a) = col.as_string_opt::<i64>() {
        Some(a.value(i).to_owned())
    } else if let Some(a) = col.as_string_view_opt() {
        Some(a.value(i).to_owned())
    } else if let Some(a) = col.as_primitive_opt::<Int64Type>() {
        Some(a.value(i).to_string())
    } else if let Some(a) = col.as_primitive_opt::<Int32Type>() {
        Some(a.value(i).to_string())
    } else if let Some(a) = col.as_primitive_opt::<UInt64Type>() {
        Some(a.value(i).to_string())
    } else if let Some(a) = col.as_primitive_opt::<UInt32Type>() {
        Some(a.value(i).to_string())
    } else {
        col.as_binary_opt::<i32>()
            .map(|a| String::from_utf8_lossy(a.value(i)).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_scratch::Scratch;
    use arrow_array::{DictionaryArray, types::Int32Type};

    /// A test's own empty folder and the path of a Parquet file in it; the folder is
    /// removed when the first value is dropped.
    fn scratch(name: &str) -> (Scratch, PathBuf) {
        let dir = Scratch::new(&format!("pq-{name}"));
        let path = dir.join("data.parquet");
        (dir, path)
    }

    fn texts(corpus: &Corpus) -> Vec<Option<Vec<u8>>> {
        corpus
            .iter()
            .map(|(id, d)| d.is_ok().then(|| corpus.text(id).into_owned()))
            .collect()
    }

    #[test]
    fn a_dictionary_encoded_text_column_is_read() {
        let (_dir, path) = scratch("dict");
        let words: DictionaryArray<Int32Type> =
            vec![Some("one text"), Some("two texts"), None, Some("one text")]
                .into_iter()
                .collect();
        let batch = RecordBatch::try_from_iter([("text", Arc::new(words) as ArrayRef)]).unwrap();
        let file = File::create(&path).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let corpus = ParquetFiles::new().load(&path).unwrap();
        assert_eq!(
            texts(&corpus),
            [
                Some(b"one text".to_vec()),
                Some(b"two texts".to_vec()),
                None,
                Some(b"one text".to_vec())
            ]
        );
    }

    #[test]
    fn invalid_utf8_in_a_string_column_stops_the_file_with_a_skipped_document() {
        use parquet::data_type::{ByteArray, ByteArrayType};
        use parquet::file::writer::SerializedFileWriter;
        let (_dir, path) = scratch("utf8");
        let schema = parquet::schema::parser::parse_message_type(
            "message m { required binary text (UTF8); required int64 n; }",
        )
        .unwrap();
        let rows: [&[u8]; 3] = [b"good text", b"bad \xff\xfe bytes", b"more good text"];
        let mut w = SerializedFileWriter::new(
            File::create(&path).unwrap(),
            Arc::new(schema),
            Default::default(),
        )
        .unwrap();
        let mut group = w.next_row_group().unwrap();
        let mut col = group.next_column().unwrap().unwrap();
        let values: Vec<ByteArray> = rows.iter().map(|r| ByteArray::from(r.to_vec())).collect();
        col.typed::<ByteArrayType>()
            .write_batch(&values, None, None)
            .unwrap();
        col.close().unwrap();
        let mut col = group.next_column().unwrap().unwrap();
        col.typed::<parquet::data_type::Int64Type>()
            .write_batch(&[1, 2, 3], None, None)
            .unwrap();
        col.close().unwrap();
        group.close().unwrap();
        w.close().unwrap();
        // Arrow's reader checks the string column: reading stops at its batch, and one
        // skipped document says so with the row (a batch of three rows: the first).
        let corpus = ParquetFiles::new().id_column("n").load(&path).unwrap();
        let statuses: Vec<String> = corpus
            .iter()
            .map(|(_, d)| format!("{} {:?}", d.name(), d.status()))
            .collect();
        assert_eq!(statuses.len(), 1, "{statuses:?}");
        assert!(
            statuses[0].contains(":1 ") && statuses[0].contains("reading stopped here"),
            "{statuses:?}"
        );
    }
}
