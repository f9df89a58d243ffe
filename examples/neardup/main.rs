//! The `neardup` command: near-duplicate files and repeated passages in folders.
//!
//! ```text
//! cargo run --release --example neardup -- [scan] [OPTIONS] [PATH...]
//! cargo run --release --example neardup -- dedup [OPTIONS] IN OUT
//! cargo run --release --example neardup -- compare [OPTIONS] A B
//! ```
//!
//! A thin layer over the library: clap parses the options into a
//! [`DetectorBuilder`](neardup::DetectorBuilder) and a [`Loader`](neardup::corpus::Loader),
//! the library does the work, and the modules here only print (`human`, `html`), draw the
//! progress bar (`progress`) and write the de-duplicated copy (`dedup`). With no PATH,
//! `scan` runs on the demo folder shipped in `examples/demo`. Exit status: 0 when all went
//! well, 1 with `--fail-on-dup` when duplicates were found, 2 on a bad option, an
//! unreadable input, or when some file could not be read (the rest is still processed).

mod cli;
mod dataset;
mod dedup;
mod html;
mod human;
mod index;
mod progress;
mod table;

use clap::Parser;
/// The allocator of the command: mimalloc returns freed memory to the system, where the
/// default allocator keeps it in per-thread arenas (peak RSS, `benches/dataset.sh`). It is
/// built not to ask for transparent huge pages (Cargo.toml says why).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cli::{Cli, Command, CompareArgs, DedupArgs, Format, Kind, RunArgs, ScanArgs};
use neardup::corpus::{Corpus, Loader, SkipReason, Status};
use neardup::plan::Policy;
use neardup::progress::Progress;
use neardup::{Detector, Report};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    let args = cli::with_default_subcommand(std::env::args_os().collect());
    let cli = Cli::parse_from(args);
    match run(cli.command) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("neardup: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Scan(args) => scan(args),
        Command::Dedup(args) => dedup(args),
        Command::Compare(args) => compare(args),
        Command::Index(args) => index::run(args),
    }
}

/// Sets the worker threads for the whole run (rayon's global pool).
fn threads(run: &RunArgs) -> Result<(), String> {
    if let Some(n) = run.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.into())
            .build_global()
            .map_err(|e| format!("--threads {n}: {e}"))?;
    }
    Ok(())
}

/// Where the documents come from.
pub enum Source {
    Files(Loader),
    Records(neardup::corpus::JsonLines),
    Table(neardup::corpus::ParquetFiles),
}

impl Source {
    /// The reader for `paths` that the options and the paths' names call for.
    pub fn of(args: &cli::SourceArgs, paths: &[PathBuf]) -> Result<Source, String> {
        Ok(match args.dataset.kind(paths)? {
            Kind::Jsonl => Source::Records(args.dataset.reader()),
            Kind::Parquet => Source::Table(args.dataset.table_reader()),
            Kind::Files => Source::files(args),
        })
    }

    /// The folder walker of the options.
    fn files(args: &cli::SourceArgs) -> Source {
        Source::Files(
            args.walk
                .loader()
                .texts_on_disk(args.dataset.texts_dir(false)),
        )
    }

    /// Loads `paths`, counting in `progress`.
    pub fn load(&self, paths: &[PathBuf], progress: &Progress) -> Result<Corpus, String> {
        match self {
            Source::Files(loader) => loader.load_with_progress(paths, progress),
            Source::Records(reader) => reader.load_all(paths),
            Source::Table(reader) => reader.load_all(paths),
        }
        .map_err(|e| e.to_string())
    }
}

/// Loads the inputs and runs the detector, with a progress bar on a terminal.
fn analyse<'c>(
    source: &Source,
    paths: &[PathBuf],
    detector: &Detector,
    quiet: bool,
    corpus: &'c mut Option<Corpus>,
) -> Result<Report<'c>, String> {
    let progress = Arc::new(Progress::new());
    let _bar = progress::Bar::start(Arc::clone(&progress), quiet);
    let loaded = source.load(paths, &progress)?;
    let corpus = corpus.insert(loaded);
    Ok(detector.run_with_progress(corpus, &progress))
}

fn scan(args: ScanArgs) -> Result<ExitCode, String> {
    threads(&args.output.run)?;
    let detector = args.detect.detector()?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/demo"
        ))]
    } else {
        args.paths.clone()
    };
    let source = Source::of(&args.source, &paths)?;
    let mut corpus = None;
    let report = analyse(
        &source,
        &paths,
        &detector,
        args.output.run.quiet,
        &mut corpus,
    )?;
    write_stdout(|out| match args.output.format() {
        Format::Human => human::write_human(out, &report, &detector),
        Format::Json => report.write_json_lines(out),
        Format::Html => html::write_report(out, &report),
    })?;
    let s = report.summary();
    let found = s.pairs + s.reuse_pairs + s.repeated_passages > 0;
    warn_duplicate_ids(&report, args.output.run.quiet);
    let code = if warn_unreadable(&report, args.output.run.quiet) {
        ExitCode::from(2)
    } else if args.fail_on_dup && found {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: the system takes back the texts and the report's memory at
    // once, where freeing them block by block would take a share of a run's time. A
    // corpus whose texts are in a file on disk is dropped (where the system cannot
    // remove an open file, dropping it does).
    std::mem::forget(report);
    match corpus {
        Some(corpus) if !corpus.is_on_disk() => std::mem::forget(corpus),
        on_disk => drop(on_disk),
    }
    Ok(code)
}

fn dedup(args: DedupArgs) -> Result<ExitCode, String> {
    threads(&args.run)?;
    // The plan needs the near-duplicate pairs (its cuts are found by a pass of their own
    // over the kept texts), and --annotate the repeats inside records: a search for
    // passages shared across documents would find nothing the output uses.
    let detector = args
        .detect
        .builder()
        .passage_reuse(false)
        .find_repeats(args.annotate && !args.detect.no_repeats)
        .build()
        .map_err(|e| e.to_string())?;
    let kind = args
        .source
        .dataset
        .kind(std::slice::from_ref(&args.input))?;
    if kind != Kind::Files {
        return dedup_records(&args, &detector, kind);
    }
    if args.annotate || args.ids_out.is_some() {
        return Err("--annotate and --ids-out are for datasets (JSON Lines or Parquet)".into());
    }
    // IN and OUT are checked, and OUT's temporary sibling made, before any work; any
    // failure after that removes the sibling.
    let target = dedup::Target::prepare(&args.input, &args.out, !args.source.walk.glob.is_empty())?;
    let mut corpus = None;
    let done = analyse(
        &Source::files(&args.source),
        std::slice::from_ref(&args.input),
        &detector,
        args.run.quiet,
        &mut corpus,
    )
    .and_then(|report| {
        target.check_names(report.corpus())?;
        let policy = Policy::new()
            .keep(args.keep.policy())
            .cut_passages(args.cut_passages);
        let plan = report.dedup_plan(&policy).map_err(|e| e.to_string())?;
        Ok((report, plan))
    });
    let (report, plan) = match done {
        Ok(x) => x,
        Err(e) => {
            target.abandon();
            return Err(e);
        }
    };
    target.write(&args.input, &report, &plan)?;
    write_stdout(|out| match args.json {
        true => plan.write_json_lines(&report, out),
        false => dedup::write_summary(out, &report, &plan, &args.out),
    })?;
    Ok(if warn_unreadable(&report, args.run.quiet) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `dedup` of a JSON Lines file: the same records in the same format, minus the dropped
/// ones (or all of them, annotated), and optionally the dropped ids.
fn dedup_records(args: &DedupArgs, detector: &Detector, kind: Kind) -> Result<ExitCode, String> {
    if args.input == Path::new("-") {
        return Err("IN -: dedup reads IN twice (to plan, then to write); give a file".into());
    }
    if args.annotate && args.cut_passages {
        return Err(
            "--annotate keeps every record as it is; it does not go with \
                    --cut-passages"
                .into(),
        );
    }
    dataset::check_out(&args.out)?;
    dataset::check_out_name(&args.out, kind)?;
    if let Some(ids) = &args.ids_out {
        dataset::check_out(ids)?;
        if dataset::same_place(ids, &args.out) {
            return Err("--ids-out names OUT: give another file".into());
        }
    }
    if kind == Kind::Parquet {
        table::check_input(
            &args.input,
            &args.source.dataset,
            args.cut_passages,
            args.annotate,
        )?;
    }
    let mut corpus = None;
    let inputs = std::slice::from_ref(&args.input);
    let source = match kind {
        Kind::Parquet => Source::Table(args.source.dataset.table_reader()),
        _ => Source::Records(args.source.dataset.reader()),
    };
    let report = analyse(&source, inputs, detector, args.run.quiet, &mut corpus)?;
    warn_duplicate_ids(&report, args.run.quiet);
    // A file that could not be read as a dataset at all (not Parquet, no text column)
    // is one skipped document: writing its records minus none would be a guess.
    for (_, d) in report.corpus().iter() {
        if let (Some(0), Status::Skipped(reason)) = (d.record().map(|r| r.line), d.status()) {
            return Err(format!(
                "{}: {reason} (nothing was written)",
                args.input.display()
            ));
        }
    }
    let policy = Policy::new()
        .keep(args.keep.policy())
        .cut_passages(args.cut_passages);
    let plan = report.dedup_plan(&policy).map_err(|e| e.to_string())?;
    let options = dataset::Options {
        text_field: &args.source.dataset.text_field,
        annotate: args.annotate,
    };
    let written = match kind {
        Kind::Parquet => table::write_rows(&args.input, &args.out, &report, &plan, &options)?,
        _ => dataset::write_records(&args.input, &args.out, &report, &plan, &options)?,
    };
    let ids = match &args.ids_out {
        Some(path) => Some(dataset::write_ids(path, &report, &plan)?),
        None => None,
    };
    write_stdout(|out| match args.json {
        true => plan.write_json_lines(&report, out),
        false => writeln!(
            out,
            "wrote {}: {} records kept ({} with passages cut), {} without text copied as \
             they are, {} {}{}{}",
            args.out.display(),
            written.kept,
            written.cut,
            written.passed,
            written.dropped,
            if args.annotate {
                "annotated as copies"
            } else {
                "dropped as copies"
            },
            match kind {
                Kind::Parquet => String::new(),
                _ => format!(", {} other lines copied", written.other_lines),
            },
            ids.map_or(String::new(), |n| format!(
                "; {n} ids of copies in the --ids-out file"
            ))
        ),
    })?;
    Ok(if warn_unreadable(&report, args.run.quiet) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn compare(args: CompareArgs) -> Result<ExitCode, String> {
    threads(&args.output.run)?;
    let detector = args.pair.detector()?;
    for path in [&args.a, &args.b] {
        match std::fs::metadata(path) {
            Ok(md) if md.is_dir() => {
                return Err(format!(
                    "{}: a folder; compare takes two files",
                    path.display()
                ));
            }
            Ok(_) => {}
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    let loader = Loader::new().max_file_bytes(args.max_file_bytes);
    let corpus = loader
        .load_all(&[&args.a, &args.b])
        .map_err(|e| e.to_string())?;
    let docs: Vec<_> = corpus.iter().collect();
    for (_, d) in &docs {
        if let Status::Skipped(reason) = d.status() {
            return Err(format!("{}: {reason}", human::shown(d.name())));
        }
    }
    let ((ia, a), (ib, b)) = (docs[0], docs[1]);
    let (ta, tb) = (corpus.text(ia), corpus.text(ib));
    let c = detector.compare(&ta, &tb);
    write_stdout(|out| match args.output.format() {
        Format::Human => human::write_comparison(out, (a.name(), &ta), (b.name(), &tb), &c),
        Format::Json => write_comparison_json(out, (a.name(), b.name()), &c),
        Format::Html => html::write_comparison(out, (a.name(), &ta), (b.name(), &tb), &c),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// A comparison as one JSON object, spans as `[start, end]` as in `scan`'s report.
fn write_comparison_json<W: Write>(
    w: &mut W,
    (a, b): (&str, &str),
    c: &neardup::Comparison,
) -> io::Result<()> {
    let passages: Vec<serde_json::Value> = c
        .passages
        .iter()
        .map(|p| {
            serde_json::json!({
                "a": [p.a.start, p.a.end],
                "b": [p.b.start, p.b.end],
                "tokens": p.tokens,
                "differing": p.differing,
            })
        })
        .collect();
    let value = serde_json::json!({
        "type": "comparison",
        "a": a,
        "b": b,
        "jaccard": c.jaccard,
        "estimated_jaccard": c.estimated_jaccard,
        "near_duplicate": c.near_duplicate,
        "candidate": c.candidate,
        "passages": passages,
    });
    writeln!(w, "{value}")
}

/// Writes to stdout through a buffer; a closed pipe (`| head`) is not an error.
fn write_stdout(
    f: impl FnOnce(&mut BufWriter<io::StdoutLock<'static>>) -> io::Result<()>,
) -> Result<(), String> {
    let mut out = BufWriter::new(io::stdout().lock());
    match f(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("writing the output: {e}")),
    }
}

/// Names the files that could not be read on stderr (unless quiet); true if any.
/// Warns when records share an id: the report then names two records alike, and an
/// `--ids-out` list would also drop the other holders of a dropped record's id.
fn warn_duplicate_ids(report: &Report<'_>, quiet: bool) {
    let mut seen: std::collections::HashMap<&str, &neardup::corpus::Record> = Default::default();
    let (mut repeated, mut first) = (0usize, None);
    for (_, d) in report.corpus().iter() {
        let Some(r) = d.record() else { continue };
        let Some(id) = r.id.as_deref() else { continue };
        if let Some(earlier) = seen.insert(id, r) {
            repeated += 1;
            first.get_or_insert((id, earlier.line, r.line));
        }
    }
    if let (Some((id, a, b)), false) = (first, quiet) {
        eprintln!(
            "neardup: warning: records with the id of an earlier record: {repeated} (the \
             first: {} on lines {a} and {b}); they are named alike in the report and in \
             --ids-out",
            human::shown(id)
        );
    }
}

fn warn_unreadable(report: &Report<'_>, quiet: bool) -> bool {
    let mut any = false;
    for (_, d) in report.corpus().iter() {
        if let Status::Skipped(reason @ (SkipReason::Unreadable(_) | SkipReason::BadRecord(_))) =
            d.status()
        {
            any = true;
            if !quiet {
                // A record named by its id is also placed by file and line.
                let place = match d.record() {
                    Some(r) if r.id.is_some() && r.line > 0 => {
                        format!(
                            " ({}:{})",
                            human::shown(&r.file.display().to_string()),
                            r.line
                        )
                    }
                    _ => String::new(),
                };
                eprintln!("neardup: {}{place}: {reason}", human::shown(d.name()));
            }
        }
    }
    any
}
