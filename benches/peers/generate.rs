//! Writes a seeded synthetic corpus for benchmarks and the peer comparison.
//!
//! ```text
//! cargo run --release --example peers-generate -- OUT_DIR [--docs N] [--words W]
//!     [--dup-rate R] [--max-edit E] [--repeat-rate P] [--seed S] [--markov POOL]
//!     [--jsonl] [--parquet]
//! ```
//!
//! With `--markov POOL` the original documents are order-2 Markov text walked over the
//! paragraphs of the files in folder POOL (`system`: the machine's
//! `/usr/share/common-licenses` and `/usr/share/doc/*/copyright`), so they share short
//! phrases, and now and then longer stretches, as real prose does; `truth.tsv` then lists
//! the planted pairs only. `--backoff P` backs off to an order-1 chain with probability P
//! at each word (default 0): higher values share shorter phrases.
//!
//! Documents are lowercase made-up words (so every peer's whitespace tokenizer sees the
//! same tokens as neardup's), about W words each, in `OUT_DIR/docs/NNNN/NNNNNNN.txt`,
//! 1,000 to a folder. A share R of them are copies of an earlier document with up to E of
//! their words replaced; a share P repeat one of their own paragraphs. Also written:
//! `manifest.txt` (the paths in corpus order) and `truth.tsv` (`i<TAB>j<TAB>jaccard` for
//! every planted pair, with the exact Jaccard of 5-token shingles; unplanted pairs share
//! no shingle, the vocabulary being about 22,000 words).
//!
//! With `--jsonl` the documents are records `{"id": "NNNNNNN", "text": ...}`, one a line,
//! in `OUT_DIR/records.jsonl.zst` (the dataset benchmark of `benches/dataset.sh`), and
//! `manifest.txt` lists their ids. With `--parquet` too, the same records (columns `id`
//! and `text`, zstd) in `OUT_DIR/records.parquet`.

#[path = "../../tests/common/mod.rs"]
mod common;

use common::{Markov, Rng, edit, paragraphs_in, system_text_files, text};
use neardup::shingle::ShingleSet;
use neardup::text::tokens;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

struct Options {
    out: PathBuf,
    docs: usize,
    words: usize,
    dup_rate: f64,
    max_edit: f64,
    repeat_rate: f64,
    seed: u64,
    markov: Option<PathBuf>,
    backoff: f64,
    jsonl: bool,
    parquet: bool,
}

fn parse() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut o = Options {
        out: PathBuf::new(),
        docs: 20_000,
        words: 300,
        dup_rate: 0.02,
        max_edit: 0.05,
        repeat_rate: 0.02,
        seed: 1,
        markov: None,
        backoff: 0.0,
        jsonl: false,
        parquet: false,
    };
    let mut out = None;
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--docs" => o.docs = value()?.parse().map_err(|e| format!("--docs: {e}"))?,
            "--words" => o.words = value()?.parse().map_err(|e| format!("--words: {e}"))?,
            "--dup-rate" => {
                o.dup_rate = value()?.parse().map_err(|e| format!("--dup-rate: {e}"))?
            }
            "--max-edit" => {
                o.max_edit = value()?.parse().map_err(|e| format!("--max-edit: {e}"))?
            }
            "--repeat-rate" => {
                o.repeat_rate = value()?
                    .parse()
                    .map_err(|e| format!("--repeat-rate: {e}"))?
            }
            "--markov" => o.markov = Some(PathBuf::from(value()?)),
            "--backoff" => o.backoff = value()?.parse().map_err(|e| format!("--backoff: {e}"))?,
            "--jsonl" => o.jsonl = true,
            "--parquet" => o.parquet = true,
            "--seed" => o.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s => out = Some(PathBuf::from(s)),
        }
    }
    o.out = out.ok_or("usage: peers-generate OUT_DIR [options]")?;
    Ok(o)
}

fn shingle_set(t: &str) -> ShingleSet {
    ShingleSet::new(&tokens(t.as_bytes()).collect::<Vec<_>>(), 5)
}

fn main() {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("peers-generate: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = generate(&o) {
        eprintln!("peers-generate: {e}");
        std::process::exit(1);
    }
}

fn generate(o: &Options) -> std::io::Result<()> {
    let mut rng = Rng(o.seed);
    let markov = match &o.markov {
        None => None,
        Some(pool) => {
            let files = if pool.as_os_str() == "system" {
                system_text_files()
            } else {
                let mut f: Vec<PathBuf> = std::fs::read_dir(pool)?
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_file())
                    .collect();
                f.sort();
                f
            };
            let paragraphs = paragraphs_in(&files);
            if paragraphs.is_empty() {
                return Err(std::io::Error::other(format!(
                    "no paragraph of text in {}",
                    pool.display()
                )));
            }
            Some(Markov::new(&paragraphs).backoff(o.backoff))
        }
    };
    std::fs::create_dir_all(o.out.join(if o.jsonl { "" } else { "docs" }))?;
    let mut records = if o.jsonl {
        let file = std::fs::File::create(o.out.join("records.jsonl.zst"))?;
        Some(zstd::Encoder::new(BufWriter::new(file), 3)?)
    } else {
        None
    };
    let mut table = if o.jsonl && o.parquet {
        Some(Table::create(&o.out.join("records.parquet"))?)
    } else {
        None
    };
    let mut manifest = BufWriter::new(std::fs::File::create(o.out.join("manifest.txt"))?);
    let mut truth = BufWriter::new(std::fs::File::create(o.out.join("truth.tsv"))?);
    // Recent originals that may still be copied, each copied at most once so that the
    // planted pairs are the only similar pairs.
    let mut pool: Vec<(usize, String)> = Vec::new();
    let mut bytes = 0u64;
    for i in 0..o.docs {
        let doc = if rng.chance(o.dup_rate) && !pool.is_empty() {
            let (src, original) = pool.swap_remove(rng.below(pool.len()));
            let rate = o.max_edit * rng.below(1001) as f64 / 1000.0;
            let copy = edit(&mut rng, &original, rate);
            let j = shingle_set(&original).jaccard(&shingle_set(&copy));
            writeln!(truth, "{src}\t{i}\t{j}")?;
            copy
        } else {
            let words = o.words / 2 + rng.below(o.words + 1);
            let mut t = match &markov {
                Some(m) => m.text(&mut rng, words),
                None => text(&mut rng, words),
            };
            if rng.chance(o.repeat_rate) {
                // Repeat a stretch of about 60 words, starting at a word boundary.
                let start = t.find(' ').map_or(0, |p| p + 1);
                let stretch: String = t[start..].split(' ').take(60).collect::<Vec<_>>().join(" ");
                t.push_str(&stretch);
                t.push_str(".\n");
            }
            if pool.len() < 1000 {
                pool.push((i, t.clone()));
            } else {
                let slot = rng.below(pool.len());
                pool[slot] = (i, t.clone());
            }
            t
        };
        bytes += doc.len() as u64;
        if let Some(w) = &mut records {
            let record = serde_json::json!({"id": format!("{i:07}"), "text": doc});
            writeln!(w, "{record}")?;
            if let Some(t) = &mut table {
                t.push(format!("{i:07}"), doc)?;
            }
            writeln!(manifest, "{i:07}")?;
            continue;
        }
        let rel = format!("docs/{:04}/{:07}.txt", i / 1000, i);
        let path = o.out.join(&rel);
        if i % 1000 == 0 {
            std::fs::create_dir_all(path.parent().expect("has a folder"))?;
        }
        std::fs::write(&path, &doc)?;
        writeln!(manifest, "{rel}")?;
    }
    if let Some(w) = records {
        w.finish()?.flush()?;
    }
    if let Some(t) = table {
        t.finish()?;
    }
    manifest.flush()?;
    truth.flush()?;
    eprintln!(
        "peers-generate: {} documents, {:.1} MB in {}",
        o.docs,
        bytes as f64 / 1e6,
        o.out.display()
    );
    Ok(())
}

/// Rows to a Parquet row group: about 100 MB of text, as dataset shards have.
const ROW_GROUP: usize = 50_000;

/// Records written to a Parquet file, 10,000 rows to a batch.
struct Table {
    writer: parquet::arrow::ArrowWriter<std::fs::File>,
    rows: Vec<(String, String)>,
}

impl Table {
    fn schema() -> std::sync::Arc<arrow_schema::Schema> {
        use arrow_schema::{DataType, Field, Schema};
        std::sync::Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("text", DataType::Utf8, false),
        ]))
    }

    fn create(path: &std::path::Path) -> std::io::Result<Table> {
        use parquet::basic::{Compression, ZstdLevel};
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_size(ROW_GROUP)
            .build();
        let file = std::fs::File::create(path)?;
        let writer = parquet::arrow::ArrowWriter::try_new(file, Table::schema(), Some(props))
            .map_err(std::io::Error::other)?;
        Ok(Table {
            writer,
            rows: Vec::new(),
        })
    }

    fn push(&mut self, id: String, text: String) -> std::io::Result<()> {
        self.rows.push((id, text));
        if self.rows.len() == 10_000 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        use arrow_array::{ArrayRef, RecordBatch, StringArray};
        let ids = StringArray::from_iter_values(self.rows.iter().map(|r| r.0.as_str()));
        let texts = StringArray::from_iter_values(self.rows.iter().map(|r| r.1.as_str()));
        let columns = vec![
            std::sync::Arc::new(ids) as ArrayRef,
            std::sync::Arc::new(texts) as ArrayRef,
        ];
        let batch =
            RecordBatch::try_new(Table::schema(), columns).map_err(std::io::Error::other)?;
        self.writer.write(&batch).map_err(std::io::Error::other)?;
        self.rows.clear();
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        if !self.rows.is_empty() {
            self.flush()?;
        }
        self.writer.close().map_err(std::io::Error::other)?;
        Ok(())
    }
}
