//! Datasets of Parquet files: `dedup` writes Parquet with the same schema, the same rows
//! in the same order minus the dropped ones (or, with `--annotate`, every row with the
//! columns `dup_cluster`, `dup_of`, `dup_jaccard` and `repeated_spans` added).
//!
//! The input is read again a batch of rows at a time (every column), each batch filtered
//! by the plan and written, so memory holds one batch. Kept texts whose passages are cut
//! get their new text in a top-level text column. Compression is the input's (of its
//! first column chunk). The output goes through the same temporary file and rename as
//! JSON Lines output.

use crate::dataset::{Annotations, Options, Written, write_atomically};
use arrow_array::builder::{
    Float64Builder, GenericStringBuilder, Int64Builder, ListBuilder, StringBuilder, UInt64Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, OffsetSizeTrait, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use neardup::Report;
use neardup::corpus::DocId;
use neardup::plan::{Action, DedupPlan};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

/// Rows to a row group of the output.
const ROW_GROUP: usize = 32_768;

/// Whether `path` names a Parquet file (`.parquet`, `.pq`).
pub fn is_parquet(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase());
    name.is_some_and(|n| n.ends_with(".parquet") || n.ends_with(".pq"))
}

/// The columns `--annotate` adds.
const ANNOTATIONS: [&str; 4] = ["dup_cluster", "dup_of", "dup_jaccard", "repeated_spans"];

/// Checks before any work what the output will need of IN's schema: a top-level string
/// text column to cut passages in, no column named like an annotation to add.
pub fn check_input(
    input: &Path,
    dataset: &crate::cli::DatasetArgs,
    cut: bool,
    annotate: bool,
) -> Result<(), String> {
    let at = |e: String| format!("{}: {e}", input.display());
    let file = File::open(input).map_err(|e| at(e.to_string()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| at(format!("not a Parquet file: {e}")))?;
    let schema = builder.schema();
    if annotate {
        if let Some(name) = ANNOTATIONS.iter().find(|n| schema.index_of(n).is_ok()) {
            return Err(at(format!(
                "already has a column {name}, which --annotate would add"
            )));
        }
    }
    if cut {
        let text = &dataset.text_field;
        match schema.field_with_name(text).map(|f| f.data_type().clone()) {
            Ok(DataType::Utf8 | DataType::LargeUtf8) => {}
            Ok(t) => {
                return Err(at(format!(
                    "--cut-passages needs a utf8 text column; {text} is {t}"
                )));
            }
            Err(_) => {
                return Err(at(format!(
                    "--cut-passages needs a top-level text column named {text}"
                )));
            }
        }
    }
    Ok(())
}

/// Writes the rows of `input` that the plan keeps to `out` as Parquet.
pub fn write_rows(
    input: &Path,
    out: &Path,
    report: &Report<'_>,
    plan: &DedupPlan,
    options: &Options<'_>,
) -> Result<Written, String> {
    let corpus = report.corpus();
    // The documents of `input`, by row (every row is a document, in row order).
    let docs: Vec<DocId> = corpus
        .iter()
        .filter_map(|(id, d)| {
            let r = d.record()?;
            (*r.file == *input && r.line > 0).then_some(id)
        })
        .collect();
    let open = |e: String| format!("{}: {e}", input.display());
    let file = File::open(input).map_err(|e| open(e.to_string()))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| open(e.to_string()))?;
    let compression = builder
        .metadata()
        .row_groups()
        .first()
        .and_then(|g| g.columns().first())
        .map(|c| c.compression());
    let schema = builder.schema().clone();
    let cuts = docs.iter().any(|&d| !plan.entry(d).cuts.is_empty());
    let text_at = schema.index_of(options.text_field).ok();
    if cuts && text_at.is_none() {
        return Err(format!(
            "{}: cutting passages needs a top-level text column, not {}",
            input.display(),
            options.text_field
        ));
    }
    let reader = builder
        .with_batch_size(4096)
        .build()
        .map_err(|e| open(e.to_string()))?;
    let out_schema = match options.annotate {
        false => schema.clone(),
        true => {
            let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
            fields.extend(annotation_fields());
            Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
        }
    };
    // Row groups of a bounded size: the writer holds one in memory until it is full.
    let mut props = WriterProperties::builder().set_max_row_group_size(ROW_GROUP);
    if let Some(c) = compression {
        props = props.set_compression(c);
    }
    let annotations = Annotations::new(report, plan);
    let mut written = Written::default();
    write_atomically(out, |w| {
        let mut writer = ArrowWriter::try_new(w, Arc::clone(&out_schema), Some(props.build()))
            .map_err(io::Error::other)?;
        let mut row = 0usize;
        for batch in reader {
            // Every column is read here, not only the text and id: a column that cannot be
            // decoded fails the run (and leaves no output), rather than cutting it short.
            let batch = batch.map_err(|e| {
                io::Error::other(format!("{}: reading row {}: {e}", input.display(), row + 1))
            })?;
            let rows = &docs[row.min(docs.len())..(row + batch.num_rows()).min(docs.len())];
            row += batch.num_rows();
            let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
            if let (Some(at), true) = (text_at, cuts) {
                columns[at] = cut_texts(&columns[at], rows, report, plan, &mut written)?;
            }
            let mut keep = Vec::with_capacity(rows.len());
            for &d in rows {
                let entry = plan.entry(d);
                let dropped = matches!(entry.action, Action::Drop(_));
                match &entry.action {
                    Action::Pass(_) => written.passed += 1,
                    Action::Drop(_) => written.dropped += 1,
                    Action::Keep => written.kept += 1,
                }
                keep.push(options.annotate || !dropped);
            }
            if options.annotate {
                columns.extend(annotation_columns(rows, &annotations));
            }
            let batch =
                RecordBatch::try_new(Arc::clone(&out_schema), columns).map_err(io::Error::other)?;
            let batch =
                arrow_select::filter::filter_record_batch(&batch, &BooleanArray::from(keep))
                    .map_err(io::Error::other)?;
            writer.write(&batch).map_err(io::Error::other)?;
        }
        writer.close().map_err(io::Error::other)?;
        Ok(())
    })?;
    Ok(written)
}

/// The text column of one batch with the kept rows' passages cut.
fn cut_texts(
    column: &ArrayRef,
    rows: &[DocId],
    report: &Report<'_>,
    plan: &DedupPlan,
    written: &mut Written,
) -> io::Result<ArrayRef> {
    if rows.iter().all(|&d| plan.entry(d).cuts.is_empty()) {
        return Ok(Arc::clone(column));
    }
    match column.data_type() {
        DataType::Utf8 => cut_strings::<i32>(column, rows, report, plan, written),
        DataType::LargeUtf8 => cut_strings::<i64>(column, rows, report, plan, written),
        t => Err(io::Error::other(format!(
            "cutting passages needs a utf8 text column, not {t}"
        ))),
    }
}

/// [`cut_texts`] for a string column with offsets of type `O`.
fn cut_strings<O: OffsetSizeTrait>(
    column: &ArrayRef,
    rows: &[DocId],
    report: &Report<'_>,
    plan: &DedupPlan,
    written: &mut Written,
) -> io::Result<ArrayRef> {
    let corpus = report.corpus();
    let texts = column.as_string::<O>();
    let mut out = GenericStringBuilder::<O>::new();
    for (i, &d) in rows.iter().enumerate() {
        let entry = plan.entry(d);
        if texts.is_null(i) {
            out.append_null();
        } else if entry.cuts.is_empty() || matches!(entry.action, Action::Drop(_)) {
            out.append_value(texts.value(i));
        } else {
            let kept = plan.kept_bytes(&corpus.text(d), entry);
            out.append_value(String::from_utf8(kept).map_err(io::Error::other)?);
            written.cut += 1;
        }
    }
    Ok(Arc::new(out.finish()))
}

fn annotation_fields() -> Vec<Arc<Field>> {
    let spans = ListBuilder::new(ListBuilder::new(UInt64Builder::new())).finish();
    vec![
        Arc::new(Field::new(
            "dup_cluster",
            arrow_schema::DataType::Int64,
            true,
        )),
        Arc::new(Field::new("dup_of", arrow_schema::DataType::Utf8, true)),
        Arc::new(Field::new(
            "dup_jaccard",
            arrow_schema::DataType::Float64,
            true,
        )),
        Arc::new(Field::new(
            "repeated_spans",
            spans.data_type().clone(),
            true,
        )),
    ]
}

/// The annotation columns of one batch's rows.
fn annotation_columns(rows: &[DocId], annotations: &Annotations<'_>) -> Vec<ArrayRef> {
    let mut cluster = Int64Builder::new();
    let mut of = StringBuilder::new();
    let mut jaccard = Float64Builder::new();
    let mut spans = ListBuilder::new(ListBuilder::new(UInt64Builder::new()));
    for &d in rows {
        let a = annotations.of(d);
        cluster.append_option(a.cluster.map(|c| c as i64));
        of.append_option(a.of);
        jaccard.append_option(a.jaccard);
        for [s, e] in a.spans {
            spans.values().values().append_value(s as u64);
            spans.values().values().append_value(e as u64);
            spans.values().append(true);
        }
        spans.append(true);
    }
    vec![
        Arc::new(cluster.finish()),
        Arc::new(of.finish()),
        Arc::new(jaccard.finish()),
        Arc::new(spans.finish()),
    ]
}
