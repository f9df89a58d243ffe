//! `neardup index`: the library's persistent index (`neardup::index::Index`) from the
//! command line. Output is JSON Lines on stdout.

use crate::cli::{
    IndexAddArgs, IndexArgs, IndexCommand, IndexDbArgs, IndexFilterArgs, IndexPruneArgs,
    IndexQueryArgs,
};
use neardup::corpus::Status;
use neardup::index::{Index, Matches, Options};
use std::io::BufRead;
use std::io::{Read, Write};
use std::process::ExitCode;

pub fn run(args: IndexArgs) -> Result<ExitCode, String> {
    let options = Options::new().cache_bytes((args.cache_mb as usize) << 20);
    match args.command {
        IndexCommand::Add(args) => add(*args, &options),
        IndexCommand::Query(args) => query(args, &options.clone().read_only(true)),
        IndexCommand::Remove(args) => {
            let mut index = open(&args.db, &options)?;
            let mut removed = 0;
            for id in &args.ids {
                if index.remove(id).map_err(|e| e.to_string())? {
                    removed += 1;
                } else {
                    eprintln!("neardup: {id:?} is not in the index");
                }
            }
            line(&serde_json::json!({"type": "removed", "documents": removed}))?;
            Ok(ExitCode::SUCCESS)
        }
        IndexCommand::Prune(args) => prune(args, &options),
        IndexCommand::Filter(args) => filter(*args, &options),
        IndexCommand::Stats(IndexDbArgs { db }) => {
            let s = open(&db, &options.clone().read_only(true))?
                .stats()
                .map_err(|e| e.to_string())?;
            line(&serde_json::json!({
                "type": "stats",
                "documents": s.documents,
                "band_keys": s.band_keys,
                "fingerprints": s.fingerprints,
                "text_bytes": s.text_bytes,
                "stored_bytes": s.stored_bytes,
                "file_bytes": s.file_bytes,
                "runs": s.runs,
            }))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// An existing index (never made here: a mistyped path is an error, not a new index).
fn open(db: &std::path::Path, options: &Options) -> Result<Index, String> {
    options.open(db).map_err(|e| e.to_string())
}

/// The index at `db`, made with the detector options when there is none (an empty
/// folder, as `mktemp -d` makes, counts as none).
fn open_or_create(
    db: &std::path::Path,
    detect: &crate::cli::DetectArgs,
    options: &Options,
) -> Result<Index, String> {
    match Index::exists(db) {
        true => open(db, options),
        false => options
            .create(db, &detect.detector()?)
            .map_err(|e| e.to_string()),
    }
}

/// One line of standard input, as `filter` holds it until its batch is added.
struct Line {
    number: u64,
    bytes: Vec<u8>,
    /// The id and text to add, or why the line is passed on unchecked.
    record: Result<(String, Vec<u8>), String>,
}

fn filter(args: IndexFilterArgs, options: &Options) -> Result<ExitCode, String> {
    let mut index = open_or_create(&args.db, &args.detect, options)?;
    let reader = args.dataset.reader();
    let mut log: Box<dyn Write> = match &args.log {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::stderr()),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut input = std::io::stdin().lock();
    let (mut number, mut counts) = (0u64, [0u64; 3]); // passed, dropped, unchecked
    let mut done = false;
    while !done {
        let mut lines = Vec::new();
        while lines.len() < args.batch as usize {
            let mut bytes = Vec::new();
            if input
                .read_until(b'\n', &mut bytes)
                .map_err(|e| format!("standard input: {e}"))?
                == 0
            {
                done = true;
                break;
            }
            number += 1;
            let (id, text) = reader.parse_record(bytes.strip_suffix(b"\n").unwrap_or(&bytes));
            let id = id.unwrap_or_else(|| format!("stdin:{number}"));
            let record = match text {
                Ok(_) if index.contains(&id).map_err(|e| e.to_string())? => {
                    Err(format!("id {id:?} is in the index already"))
                }
                Ok(_)
                    if lines
                        .iter()
                        .any(|l: &Line| matches!(&l.record, Ok((i, _)) if *i == id)) =>
                {
                    Err(format!("id {id:?} twice in one batch"))
                }
                other => other.map(|t| (id, t)),
            };
            lines.push(Line {
                number,
                bytes,
                record,
            });
        }
        let added: Vec<(&str, &[u8])> = lines
            .iter()
            .filter_map(|l| l.record.as_ref().ok())
            .map(|(id, t)| (id.as_str(), t.as_slice()))
            .collect();
        let mut answers = index
            .add_batch(added)
            .map_err(|e| e.to_string())?
            .into_iter();
        for l in &lines {
            let keep = match &l.record {
                Err(why) => {
                    eprintln!("neardup: line {}: {why}: passed on unchecked", l.number);
                    counts[2] += 1;
                    true
                }
                Ok((id, _)) => {
                    let m = answers.next().expect("one answer per added record");
                    if !m.is_empty() {
                        let mut entry = matches_json(Some(id), &m);
                        entry["line"] = l.number.into();
                        writeln!(log, "{entry}").map_err(|e| format!("the log: {e}"))?;
                    }
                    m.near_duplicates.is_empty()
                }
            };
            if keep {
                out.write_all(&l.bytes)
                    .map_err(|e| format!("writing the output: {e}"))?;
                counts[0] += u64::from(l.record.is_ok());
            } else {
                counts[1] += 1;
            }
        }
    }
    out.flush()
        .map_err(|e| format!("writing the output: {e}"))?;
    merged(&mut index);
    let summary = serde_json::json!({
        "type": "summary", "passed": counts[0], "dropped": counts[1], "unchecked": counts[2],
    });
    writeln!(log, "{summary}").map_err(|e| format!("the log: {e}"))?;
    Ok(ExitCode::from(if counts[2] > 0 { 2 } else { 0 }))
}

/// Waits for a merge of the index's runs still running beside the batches; one that
/// fails is a warning (every batch is committed, and a later batch merges again).
fn merged(index: &mut Index) {
    if let Err(e) = index.wait_for_merge() {
        eprintln!(
            "neardup: warning: merging the index's runs failed (a later batch tries again): {e}"
        );
    }
}

/// Why adding stopped: the index's error or the output's, as the command prints it.
struct Failed(String);

impl From<neardup::Error> for Failed {
    fn from(e: neardup::Error) -> Failed {
        Failed(e.to_string())
    }
}

fn add(args: IndexAddArgs, options: &Options) -> Result<ExitCode, String> {
    let mut index = open_or_create(&args.db, &args.detect, options)?;
    let source = crate::Source::of(&args.source, &args.paths)?;
    let progress = std::sync::Arc::new(neardup::progress::Progress::new());
    let reading = crate::progress::Bar::start(std::sync::Arc::clone(&progress), args.quiet);
    let corpus = source.load(&args.paths, &progress);
    drop(reading);
    let corpus = corpus?;
    let (mut added, mut matched, mut skipped, mut skipped_existing) = (0, 0, 0, 0);
    // Which documents go in, decided before any is added: with --skip-existing, ids the
    // index held before this run or that came earlier in it are left out.
    let mut seen = std::collections::HashSet::new();
    let mut chosen = Vec::new();
    for (id, d) in corpus.iter() {
        match d.status() {
            Status::Skipped(reason) => {
                eprintln!("neardup: skipped {}: {reason}", d.name());
                skipped += 1;
            }
            _ if args.skip_existing
                && (!seen.insert(d.name())
                    || index.contains(d.name()).map_err(|e| e.to_string())?) =>
            {
                eprintln!("neardup: {} is in the index already: skipped", d.name());
                skipped_existing += 1;
            }
            _ => chosen.push((id, d.name())),
        }
    }
    // Each batch's texts read when the index asks for them: it makes a batch's keys
    // (and the first of the one after) while it adds the one before.
    let batches = chosen.chunks(args.batch as usize).map(|chunk| {
        let texts = chunk.iter().map(|&(id, name)| (name, corpus.text(id)));
        texts.collect::<Vec<_>>()
    });
    let bar = crate::progress::counting("adding", chosen.len() as u64, args.quiet);
    let adding = index.add_batches(batches, |texts, answers| -> Result<(), Failed> {
        bar.inc(answers.len() as u64);
        for ((name, _), m) in texts.iter().zip(&answers) {
            added += 1;
            if !m.is_empty() {
                matched += 1;
                line(&matches_json(Some(name), m)).map_err(Failed)?;
            }
        }
        Ok(())
    });
    bar.finish_and_clear();
    adding.map_err(|Failed(e)| e)?;
    // A merge of runs still running beside the batches is committed before the summary.
    merged(&mut index);
    line(&serde_json::json!({
        "type": "summary", "added": added, "matched": matched, "skipped": skipped,
        "already_in": skipped_existing,
    }))?;
    Ok(ExitCode::from(if skipped > 0 { 2 } else { 0 }))
}

fn query(args: IndexQueryArgs, options: &Options) -> Result<ExitCode, String> {
    let index = open(&args.db, options)?;
    let mut text = Vec::new();
    let read = match args.file.as_os_str() == "-" {
        true => std::io::stdin().read_to_end(&mut text),
        false => std::fs::File::open(&args.file).and_then(|mut f| f.read_to_end(&mut text)),
    };
    read.map_err(|e| format!("{}: {e}", args.file.display()))?;
    let m = index.query(&text).map_err(|e| e.to_string())?;
    line(&matches_json(None, &m))?;
    Ok(ExitCode::SUCCESS)
}

fn prune(args: IndexPruneArgs, options: &Options) -> Result<ExitCode, String> {
    let mut index = open(&args.db, options)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let removed = index
        .prune(now.saturating_sub(args.older_than))
        .map_err(|e| e.to_string())?;
    index.compact().map_err(|e| e.to_string())?;
    line(&serde_json::json!({"type": "pruned", "documents": removed}))?;
    Ok(ExitCode::SUCCESS)
}

/// What a document matched, spans as `[start, end]` byte offsets: `a` in it, `b` in the
/// indexed document.
fn matches_json(id: Option<&str>, m: &Matches) -> serde_json::Value {
    let listed = |list: &[neardup::index::Match]| -> Vec<serde_json::Value> {
        list.iter()
            .map(|x| {
                let passages: Vec<_> = x
                    .passages
                    .iter()
                    .map(|p| serde_json::json!({"a": [p.a.start, p.a.end], "b": [p.b.start, p.b.end], "tokens": p.tokens, "differing": p.differing}))
                    .collect();
                serde_json::json!({"id": x.id, "jaccard": x.jaccard, "passages": passages})
            })
            .collect()
    };
    let repeats: Vec<_> = m
        .repeats
        .iter()
        .map(|r| serde_json::json!({"first": [r.first.start, r.first.end], "again": [r.again.start, r.again.end], "tokens": r.tokens}))
        .collect();
    serde_json::json!({
        "type": "matches",
        "id": id,
        "near_duplicates": listed(&m.near_duplicates),
        "shared": listed(&m.shared),
        "repeats": repeats,
    })
}

fn line(value: &serde_json::Value) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{value}").map_err(|e| format!("writing the output: {e}"))
}
