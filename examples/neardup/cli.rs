//! The command line: subcommands and options, parsed by clap.

use clap::{Args, Parser, Subcommand, ValueEnum};
use neardup::corpus::Loader;
use neardup::plan::Keep;
use neardup::{Detector, DetectorBuilder};
use std::ffi::OsString;
use std::path::PathBuf;

/// Finds near-duplicate files and the passages they share or repeat.
#[derive(Parser, Debug)]
#[command(
    name = "neardup",
    version,
    override_usage = "neardup [scan] [OPTIONS] [PATH]...\n       \
                      neardup dedup [OPTIONS] IN OUT\n       \
                      neardup compare [OPTIONS] A B\n       \
                      neardup index add|query|remove|prune|stats DB ...",
    after_help = "Without a subcommand, `scan` runs: `neardup DIR` is `neardup scan DIR`. \
                  Options go after the subcommand (`neardup dedup -q IN OUT`).\n\
                  Exit status: 0 ok; 1 duplicates found (with --fail-on-dup); 2 bad option, \
                  unreadable input, or some file could not be read."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Report near-duplicate files, passages shared across files and passages repeated
    /// inside one (the default subcommand).
    Scan(ScanArgs),
    /// Write a de-duplicated copy of IN to the new folder OUT, with a manifest saying what
    /// was done to every file and why.
    Dedup(DedupArgs),
    /// Compare two files: Jaccard (exact and estimated), verdict, shared passages.
    Compare(CompareArgs),
    /// Keep documents in a persistent index (a folder) and ask what new ones match.
    Index(IndexArgs),
}

#[derive(Args, Debug)]
pub struct IndexArgs {
    #[command(subcommand)]
    pub command: IndexCommand,
    /// The index's page cache in MiB: more makes adds and queries on a large index faster
    /// and the process larger.
    #[arg(long, value_name = "MB", global = true, default_value_t = 128,
          value_parser = clap::value_parser!(u64).range(1..=1 << 20))]
    pub cache_mb: u64,
}

#[derive(Subcommand, Debug)]
pub enum IndexCommand {
    /// Add the documents of PATH (folders, JSON Lines, Parquet) to DB, made with the
    /// detector options when it does not exist (an existing DB keeps its own settings);
    /// print what each matched among those added before it, as JSON Lines.
    Add(Box<IndexAddArgs>),
    /// Print what FILE (`-` for standard input) matches in DB, as one JSON line, without
    /// adding it. Opens DB read-only: it works while another process adds.
    Query(IndexQueryArgs),
    /// Remove documents from DB by id.
    Remove(IndexRemoveArgs),
    /// Remove the documents added to DB more than AGE ago.
    Prune(IndexPruneArgs),
    /// Print what DB holds, as one JSON line (read-only, like query).
    Stats(IndexDbArgs),
    /// Read JSON Lines records on standard input, add each to DB and write on standard
    /// output those that are not near-duplicates of an indexed document, unchanged; what
    /// matched goes to the log (JSON Lines).
    Filter(Box<IndexFilterArgs>),
}

#[derive(Args, Debug)]
pub struct IndexFilterArgs {
    /// The index folder (made when it does not exist).
    #[arg(value_name = "DB")]
    pub db: PathBuf,
    /// Where to write what matched [default: standard error].
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Records added per transaction (and held before they are written out).
    #[arg(long, value_name = "N", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub batch: u64,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub dataset: DatasetArgs,
}

#[derive(Args, Debug)]
pub struct IndexDbArgs {
    /// The index folder.
    #[arg(value_name = "DB")]
    pub db: PathBuf,
}

#[derive(Args, Debug)]
pub struct IndexAddArgs {
    /// The index folder (made when it does not exist).
    #[arg(value_name = "DB")]
    pub db: PathBuf,
    /// Folders, files or datasets to add, in order.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Documents added per transaction: a crash loses at most the batch being added.
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub batch: u64,
    /// Skip documents whose id the index holds already (with a message), instead of
    /// stopping at the first.
    #[arg(long)]
    pub skip_existing: bool,
    /// No progress bar on stderr (there is none either when stderr is not a terminal).
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Args, Debug)]
pub struct IndexQueryArgs {
    /// The index folder.
    #[arg(value_name = "DB")]
    pub db: PathBuf,
    /// The document to look up (`-` for standard input).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Args, Debug)]
pub struct IndexRemoveArgs {
    /// The index folder.
    #[arg(value_name = "DB")]
    pub db: PathBuf,
    /// The ids to remove.
    #[arg(value_name = "ID", required = true)]
    pub ids: Vec<String>,
}

#[derive(Args, Debug)]
pub struct IndexPruneArgs {
    /// The index folder.
    #[arg(value_name = "DB")]
    pub db: PathBuf,
    /// Remove documents added longer ago than this: a number and a unit, s, m, h or d
    /// (`30d`, `12h`).
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    pub older_than: u64,
}

/// An age such as `30d` in seconds.
fn parse_age(s: &str) -> Result<u64, String> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("expected a number and a unit (30d, 12h), got {s:?}"))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("unknown unit in {s:?}: use s, m, h or d")),
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("{s:?} is too long"))
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Folders or files to scan [default: the demo folder shipped with neardup]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Exit with status 1 when duplicates are found (near-duplicate files, or passages
    /// shared or repeated), like a linter.
    #[arg(long)]
    pub fail_on_dup: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Args, Debug)]
pub struct DedupArgs {
    /// The folder to de-duplicate (read only, never written).
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// The new folder to write: it must not exist nor lie inside IN.
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// Which file of a cluster is kept: the first by path, or the longest.
    #[arg(long, value_enum, default_value_t = KeepArg::First)]
    pub keep: KeepArg,
    /// Also cut the later exact copies of passages (min-passage-tokens words or more)
    /// from the kept files; the first copy stays.
    #[arg(long)]
    pub cut_passages: bool,
    /// Print the manifest's lines on stdout instead of a summary line.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    /// (Datasets) Keep every record and add dup_cluster, dup_of, dup_jaccard and
    /// repeated_spans to each, instead of dropping copies.
    #[arg(long, help_heading = "Datasets")]
    pub annotate: bool,
    /// (Datasets) Also write the ids of the records to drop to FILE, one per line.
    #[arg(long, value_name = "FILE", help_heading = "Datasets")]
    pub ids_out: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The first file.
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// The second file.
    #[arg(value_name = "B")]
    pub b: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub pair: PairArgs,
    /// Skip files larger than this, in bytes, at most 4294967295.
    #[arg(long, value_name = "N", default_value_t = neardup::corpus::MAX_DOCUMENT_BYTES,
          value_parser = clap::value_parser!(u64).range(0..=neardup::corpus::MAX_DOCUMENT_BYTES),
          help_heading = "Input")]
    pub max_file_bytes: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// JSON Lines for a PATH named *.jsonl or *.ndjson (optionally .gz or .zst) or `-`,
    /// Parquet for *.parquet or *.pq, files of a folder otherwise.
    Auto,
    /// Every file of a folder is a document.
    Files,
    /// Every line of the files is a JSON record with a text field.
    Jsonl,
    /// Every row of the Parquet files is a record with a text column.
    Parquet,
}

/// How the PATHs are read, once `auto` is settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Files,
    Jsonl,
    Parquet,
}

/// How to read datasets of records.
#[derive(Args, Debug)]
#[command(next_help_heading = "Datasets")]
pub struct DatasetArgs {
    /// How to read the PATHs.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,
    /// The text's field (column, for Parquet) in each record, a dotted path into
    /// nested objects.
    #[arg(long, value_name = "FIELD", default_value = "text")]
    pub text_field: String,
    /// The id's field (a dotted path); records are named by it [default: file:line]
    #[arg(long, value_name = "FIELD")]
    pub id_field: Option<String>,
    /// Where texts are kept during the run: in memory, or in a temporary file in the
    /// system's temporary folder (TMPDIR) read back when needed; auto keeps dataset
    /// records on disk and files of folders in memory.
    #[arg(long, value_enum, default_value_t = TextsArg::Auto)]
    pub texts: TextsArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TextsArg {
    Auto,
    Memory,
    Disk,
}

impl DatasetArgs {
    /// How `paths` are read: by `--input-format`, or by their names, all alike (a mix
    /// of JSON Lines, Parquet and other paths is refused rather than guessed).
    pub fn kind(&self, paths: &[PathBuf]) -> Result<Kind, String> {
        let of = |p: &PathBuf| {
            if crate::dataset::is_jsonl(p) {
                Kind::Jsonl
            } else if crate::table::is_parquet(p) {
                Kind::Parquet
            } else {
                Kind::Files
            }
        };
        match self.input_format {
            InputFormat::Files => Ok(Kind::Files),
            InputFormat::Jsonl => Ok(Kind::Jsonl),
            InputFormat::Parquet => Ok(Kind::Parquet),
            InputFormat::Auto => {
                let kinds: Vec<Kind> = paths.iter().map(of).collect();
                match kinds.first() {
                    None => Ok(Kind::Files),
                    Some(&k) if kinds.iter().all(|&x| x == k) => Ok(k),
                    Some(_) => Err("the PATHs mix JSON Lines, Parquet and other files: give \
                                    them in separate runs, or say how to read all of them \
                                    with --input-format"
                        .into()),
                }
            }
        }
    }

    pub fn table_reader(&self) -> neardup::corpus::ParquetFiles {
        let r = neardup::corpus::ParquetFiles::new()
            .text_column(&self.text_field)
            .texts_on_disk(self.texts_dir(true));
        match &self.id_field {
            Some(id) => r.id_column(id),
            None => r,
        }
    }

    /// Where texts go for records (`dataset`) or files: `Some` folder for disk.
    pub fn texts_dir(&self, dataset: bool) -> Option<PathBuf> {
        match (self.texts, dataset) {
            (TextsArg::Disk, _) | (TextsArg::Auto, true) => Some(std::env::temp_dir()),
            _ => None,
        }
    }

    pub fn reader(&self) -> neardup::corpus::JsonLines {
        let r = neardup::corpus::JsonLines::new()
            .text_field(&self.text_field)
            .texts_on_disk(self.texts_dir(true));
        match &self.id_field {
            Some(id) => r.id_field(id),
            None => r,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KeepArg {
    First,
    Longest,
}

impl KeepArg {
    pub fn policy(self) -> Keep {
        match self {
            KeepArg::First => Keep::First,
            KeepArg::Longest => Keep::Longest,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A report for people.
    Human,
    /// JSON Lines, one object per line (schema in the README).
    Json,
    /// One self-contained HTML page: pairs side by side, passages marked.
    Html,
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

impl OutputArgs {
    pub fn format(&self) -> Format {
        if self.json { Format::Json } else { self.format }
    }
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Output")]
pub struct RunArgs {
    /// Nothing on stderr: no progress bar, no warnings (errors still are).
    #[arg(short, long)]
    pub quiet: bool,
    /// Worker threads, >= 1 [default: one per core]
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

/// The settings that decide how two texts compare (shared by every subcommand).
#[derive(Args, Debug)]
#[command(next_help_heading = "Detection")]
pub struct PairArgs {
    /// Jaccard threshold for near-duplicates, 0 < T <= 1.
    #[arg(long, value_name = "T", default_value_t = neardup::detector::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Tokens per shingle, 1..=64.
    #[arg(long, value_name = "K", default_value_t = neardup::detector::DEFAULT_SHINGLE_SIZE)]
    pub shingle_size: usize,
    /// MinHash hash functions, 1..=4096.
    #[arg(long, value_name = "N", default_value_t = neardup::minhash::DEFAULT_NUM_HASHES)]
    pub num_hashes: usize,
    /// MinHash seed (signatures of different seeds never compare).
    #[arg(long, value_name = "S", default_value_t = neardup::minhash::DEFAULT_SEED)]
    pub seed: u64,
    /// LSH bands, >= 1, with --rows; B x R <= N [default: chosen from T]
    #[arg(long, value_name = "B", requires = "rows")]
    pub bands: Option<usize>,
    /// LSH rows per band, >= 1, with --bands.
    #[arg(long, value_name = "R", requires = "bands")]
    pub rows: Option<usize>,
    /// Weight of missed pairs against extra candidates when the layout is chosen from
    /// T, 0 < W < 1 [default: 0.95; 0.999 without passage search, whose band keys alone
    /// must find every pair].
    #[arg(long, value_name = "W")]
    pub false_negative_weight: Option<f64>,
    /// Shortest passage reported, in tokens, 1..=16777216.
    #[arg(long, value_name = "M", default_value_t = neardup::align::DEFAULT_MIN_TOKENS)]
    pub min_passage_tokens: usize,
    /// Shortest exact run chained into an edit-tolerant passage, 1..=16777216.
    #[arg(long, value_name = "N", default_value_t = neardup::detector::DEFAULT_SEED_TOKENS)]
    pub seed_tokens: usize,
    /// Widest gap of changed words inside one passage, 0..=16777216 (0: exact passages
    /// only).
    #[arg(long, value_name = "N", default_value_t = neardup::detector::DEFAULT_MAX_GAP)]
    pub max_gap: usize,
    /// Exact passages only (same as --max-gap 0).
    #[arg(long)]
    pub exact: bool,
}

impl PairArgs {
    /// A builder with these settings.
    pub fn builder(&self) -> DetectorBuilder {
        let mut b = Detector::builder()
            .threshold(self.threshold)
            .shingle_size(self.shingle_size)
            .num_hashes(self.num_hashes)
            .seed(self.seed)
            .min_passage_tokens(self.min_passage_tokens)
            .seed_tokens(self.seed_tokens)
            .max_gap(if self.exact { 0 } else { self.max_gap });
        if let (Some(bands), Some(rows)) = (self.bands, self.rows) {
            b = b.bands(bands).rows(rows);
        }
        if let Some(w) = self.false_negative_weight {
            b = b.false_negative_weight(w);
        }
        b
    }

    /// The detector, or the library's error naming the setting.
    pub fn detector(&self) -> Result<Detector, String> {
        self.builder().build().map_err(|e| e.to_string())
    }
}

/// Every setting of the detector. Ranges are checked by the library, which names the
/// setting in its error.
#[derive(Args, Debug)]
#[command(next_help_heading = "Detection")]
pub struct DetectArgs {
    #[command(flatten)]
    pub pair: PairArgs,
    /// Shortest shared run that passage search is guaranteed to find, 2..=16777216
    /// [default: M]
    #[arg(long, value_name = "T")]
    pub fingerprint_tokens: Option<usize>,
    /// A phrase in more documents than this is boilerplate: it proposes no pair, >= 2.
    #[arg(long, value_name = "N", default_value_t = neardup::reuse::DEFAULT_MAX_DOCS)]
    pub boilerplate_docs: usize,
    /// Largest group sharing a band key whose pairs are all checked, >= 2.
    #[arg(long, value_name = "N", default_value_t = neardup::detector::DEFAULT_MAX_GROUP)]
    pub max_group: usize,
    /// Do not search for passages repeated inside one file.
    #[arg(long)]
    pub no_repeats: bool,
    /// Do not search for passages shared across files: near-duplicate files only (faster;
    /// loses reuse pairs; the LSH layout is chosen to find alone the near-duplicates that
    /// shared passages would reveal).
    #[arg(long)]
    pub no_passages: bool,
}

impl DetectArgs {
    /// The detector, or the library's error naming the setting.
    pub fn detector(&self) -> Result<Detector, String> {
        self.builder().build().map_err(|e| e.to_string())
    }

    /// The builder with these settings.
    pub fn builder(&self) -> DetectorBuilder {
        let mut b = self
            .pair
            .builder()
            .boilerplate_docs(self.boilerplate_docs)
            .max_group(self.max_group)
            .find_repeats(!self.no_repeats)
            .passage_reuse(!self.no_passages);
        if let Some(t) = self.fingerprint_tokens {
            b = b.fingerprint_tokens(t);
        }
        b
    }
}

/// Where documents come from: a folder walk or a dataset.
#[derive(Args, Debug)]
pub struct SourceArgs {
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub dataset: DatasetArgs,
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Input")]
pub struct WalkArgs {
    /// Only files matching GLOB (gitignore syntax; `!GLOB` excludes). Repeatable; the last
    /// matching glob wins.
    #[arg(short, long, value_name = "GLOB")]
    pub glob: Vec<String>,
    /// Descend at most N levels (1: the folder's own files) [default: no limit]
    #[arg(long, value_name = "N")]
    pub max_depth: Option<usize>,
    /// Leave out hidden files and folders (names starting with a dot).
    #[arg(long)]
    pub skip_hidden: bool,
    /// Honour the .gitignore and .ignore files under PATH and its .git/info/exclude.
    #[arg(long)]
    pub ignore_files: bool,
    /// Follow symbolic links (loops are detected and skipped).
    #[arg(long)]
    pub follow_links: bool,
    /// Skip larger files, unread; at most 4294967295.
    #[arg(long, value_name = "N", default_value_t = neardup::corpus::MAX_DOCUMENT_BYTES,
          value_parser = clap::value_parser!(u64).range(0..=neardup::corpus::MAX_DOCUMENT_BYTES))]
    pub max_file_bytes: u64,
}

impl WalkArgs {
    pub fn loader(&self) -> Loader {
        let mut l = Loader::new()
            .follow_links(self.follow_links)
            .max_file_bytes(self.max_file_bytes)
            .max_depth(self.max_depth)
            .skip_hidden(self.skip_hidden)
            .ignore_files(self.ignore_files);
        for g in &self.glob {
            l = l.glob(g.clone());
        }
        l
    }
}

/// The arguments with `scan` put in front when no subcommand is named, so that
/// `neardup DIR` and `neardup --json DIR` keep working.
pub fn with_default_subcommand(mut args: Vec<OsString>) -> Vec<OsString> {
    const NAMED: [&str; 9] = [
        "scan",
        "dedup",
        "compare",
        "index",
        "help",
        "-h",
        "--help",
        "-V",
        "--version",
    ];
    let named = args
        .get(1)
        .is_some_and(|a| NAMED.iter().any(|n| a.as_os_str() == *n));
    if !named {
        args.insert(1.min(args.len()), OsString::from("scan"));
    }
    args
}
