//! Finds near-duplicate files and repeated passages in a folder.
//!
//! ```text
//! cargo run --release --example neardup -- [OPTIONS] [DIR]
//! ```
//!
//! With no DIR it runs on the demo folder shipped in `examples/demo`. Run with `--help`
//! for the options. Exit status: 0 when all went well, 1 with `--fail-on-dup` when
//! duplicates were found, 2 on a bad option, an unreadable DIR, or when some file could
//! not be read (the rest is still processed and reported).

mod dedup;

use neardup::corpus::{Loader, SkipReason, Status};
use neardup::plan::{Keep, Policy};
use neardup::text::{LineIndex, Span};
use neardup::{Detector, Report};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: neardup [OPTIONS] [DIR]

Finds near-duplicate files and passages repeated within and across files in DIR
(recursively; default: the demo folder shipped with neardup).

Options:
  --json                    JSON Lines output, one object per line
  --threshold T             Jaccard threshold for near-duplicates, 0 < T <= 1 [default: 0.8]
  --shingle-size K          tokens per shingle, 1..=64 [default: 5]
  --num-hashes N            MinHash hash functions, 1..=4096 [default: 128]
  --bands B --rows R        LSH layout (both, B x R <= N) [default: chosen from T]
  --min-passage-tokens M    shortest reported passage, in tokens [default: 25]
  --no-repeats              do not search for passages repeated inside one file
  --no-passages             do not search for passages shared across files: near-duplicate
                            files only (faster; loses reuse pairs and the near-duplicates
                            that only shared passages revealed)
  --follow-links            follow symbolic links (loops are detected and skipped)
  --max-file-bytes N        skip larger files, unread [default: 4294967295]
  --fail-on-dup             exit with status 1 when duplicates are found (near-duplicate
                            files, or passages shared or repeated)
  --dedup-out OUT           write a de-duplicated copy of DIR to OUT (must not exist, not
                            inside DIR): near-duplicates reduced to their cluster's first
                            file, files not compared copied as they are, and
                            OUT/.neardup-manifest.jsonl saying what was done to each file
                            and why; written to a temporary folder beside OUT and moved
                            into place only when complete, so a failed run leaves no OUT
  --keep first|longest      with --dedup-out, which file of a cluster is kept: the first by
                            path, or the longest (the first of them on a tie) [default: first]
  --cut-passages            with --dedup-out, also cut the later copies of passages shared
                            or repeated (the first copy in a kept file stays)
  --exact                   exact passages only (no edit-tolerant chaining)
  -h, --help                this text

Exit status: 0 ok; 1 duplicates found (with --fail-on-dup); 2 bad option, unreadable DIR,
or some file could not be read.";

struct Args {
    dir: PathBuf,
    json: bool,
    fail_on_dup: bool,
    builder: neardup::DetectorBuilder,
    loader: Loader,
    dedup_out: Option<PathBuf>,
    keep: Option<Keep>,
    cut_passages: bool,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("neardup: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let Some(args) = parse_args(std::env::args().skip(1))? else {
        println!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    };
    let detector = args.builder.build().map_err(|e| e.to_string())?;
    if args.cut_passages && args.dedup_out.is_none() {
        return Err("--cut-passages needs --dedup-out OUT".into());
    }
    if args.keep.is_some() && args.dedup_out.is_none() {
        return Err("--keep needs --dedup-out OUT".into());
    }
    // OUT is checked, and its temporary sibling made, before any work.
    let target = match &args.dedup_out {
        Some(out) => Some(dedup::Target::prepare(&args.dir, out)?),
        None => None,
    };
    let corpus = match args.loader.load(&args.dir) {
        Ok(c) => c,
        Err(e) => {
            if let Some(t) = target {
                t.abandon();
            }
            return Err(e.to_string());
        }
    };
    if let Some(t) = &target
        && let Err(e) = t.check_names(&corpus)
    {
        if let Some(t) = target {
            t.abandon();
        }
        return Err(e);
    }
    let report = detector.run(&corpus);

    let stdout = io::stdout().lock();
    let mut out = BufWriter::new(stdout);
    let written = if args.json {
        report.write_json_lines(&mut out)
    } else {
        write_human(&mut out, &report, &detector)
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => {}
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(format!("writing the report: {e}")),
    }

    if let Some(target) = target {
        let policy = Policy::new()
            .keep(args.keep.clone().unwrap_or_default())
            .cut_passages(args.cut_passages);
        let plan = report.dedup_plan(&policy).map_err(|e| e.to_string())?;
        target.write(&args.dir, &report, &plan)?;
    }

    let unreadable = corpus
        .iter()
        .any(|(_, d)| matches!(d.status(), Status::Skipped(SkipReason::Unreadable(_))));
    let s = report.summary();
    let found = s.pairs + s.reuse_pairs + s.repeated_passages > 0;
    Ok(if unreadable {
        ExitCode::from(2)
    } else if args.fail_on_dup && found {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The parsed arguments, or `None` when help was asked for.
fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo")),
        json: false,
        fail_on_dup: false,
        builder: Detector::builder(),
        loader: Loader::new(),
        dedup_out: None,
        keep: None,
        cut_passages: false,
    };
    let mut dir_given = false;
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("option '{name}' needs a value (see --help)"))
        };
        let b = args.builder;
        args.builder = match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--json" => {
                args.json = true;
                b
            }
            "--fail-on-dup" => {
                args.fail_on_dup = true;
                b
            }
            "--no-repeats" => b.find_repeats(false),
            "--no-passages" => b.passage_reuse(false),
            "--exact" => b.max_gap(0),
            "--cut-passages" => {
                args.cut_passages = true;
                b
            }
            "--keep" => {
                args.keep = Some(match value(&arg)?.as_str() {
                    "first" => Keep::First,
                    "longest" => Keep::Longest,
                    v => {
                        return Err(format!(
                            "invalid value for '--keep': '{v}' (first or longest)"
                        ));
                    }
                });
                b
            }
            "--dedup-out" => {
                args.dedup_out = Some(PathBuf::from(value(&arg)?));
                b
            }
            "--follow-links" => {
                args.loader = args.loader.follow_links(true);
                b
            }
            "--max-file-bytes" => {
                args.loader = args.loader.max_file_bytes(number(&arg, &value(&arg)?)?);
                b
            }
            "--threshold" => b.threshold(number(&arg, &value(&arg)?)?),
            "--shingle-size" => b.shingle_size(number(&arg, &value(&arg)?)?),
            "--num-hashes" => b.num_hashes(number(&arg, &value(&arg)?)?),
            "--bands" => b.bands(number(&arg, &value(&arg)?)?),
            "--rows" => b.rows(number(&arg, &value(&arg)?)?),
            "--min-passage-tokens" => b.min_passage_tokens(number(&arg, &value(&arg)?)?),
            s if s.starts_with('-') && s.len() > 1 => {
                return Err(format!("unknown option '{s}' (see --help)"));
            }
            _ if dir_given => return Err(format!("more than one DIR given: '{arg}'")),
            _ => {
                args.dir = PathBuf::from(&arg);
                dir_given = true;
                b
            }
        };
    }
    Ok(Some(args))
}

/// A file name or a snippet for a terminal: control characters (which could move the
/// cursor, clear the screen or fake a line of the report) written as `\u{..}`.
fn shown(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// ", N differing" for an edited passage, nothing for an exact one.
fn differing(n: usize) -> String {
    match n {
        0 => String::new(),
        n => format!(", {n} differing"),
    }
}

fn number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("invalid value for '{name}': '{value}' is not a number"))
}

fn write_human<W: Write>(w: &mut W, report: &Report<'_>, det: &Detector) -> io::Result<()> {
    let corpus = report.corpus();
    let lines: Vec<Option<LineIndex>> = corpus
        .iter()
        .map(|(_, d)| d.is_ok().then(|| LineIndex::new(d.bytes())))
        .collect();
    let place = |id: neardup::DocId, span: Span| {
        let idx = lines[id.index()]
            .as_ref()
            .expect("passages are in compared documents");
        let (first, last) = (idx.line(span.start), idx.line(span.end.saturating_sub(1)));
        format!("{}:{first}-{last}", shown(corpus.get(id).name()))
    };
    let snippet = |id: neardup::DocId, span: Span| {
        let text = String::from_utf8_lossy(&corpus.get(id).bytes()[span.start..span.end]);
        let words: Vec<&str> = text.split_whitespace().collect();
        shown(&if words.len() <= 12 {
            words.join(" ")
        } else {
            format!(
                "{} … {}",
                words[..6].join(" "),
                words[words.len() - 6..].join(" ")
            )
        })
    };

    let c = det.settings();
    writeln!(
        w,
        "near-duplicate pairs (exact Jaccard of {}-token shingles >= {}):",
        c.shingle_size(),
        c.threshold()
    )?;
    if report.pairs().len() == 0 {
        writeln!(w, "  none")?;
    }
    for pair in report.pairs() {
        let (a, b) = (
            shown(corpus.get(pair.a).name()),
            shown(corpus.get(pair.b).name()),
        );
        writeln!(w, "  {a}  ~  {b}   jaccard {:.3}", pair.jaccard)?;
        for p in pair.passages() {
            writeln!(
                w,
                "    shared {} = {} ({} tokens{}) \"{}\"",
                place(pair.a, p.a),
                place(pair.b, p.b),
                p.tokens,
                differing(p.differing),
                snippet(pair.a, p.a)
            )?;
        }
    }
    // Passages shared across files, each once, with its first copy first (pairs of
    // files that share them are in the JSON output as `reuse` lines).
    let across: Vec<_> = report
        .passage_groups()
        .filter(|g| g.occurrences().iter().any(|o| o.doc != g.first().doc))
        .collect();
    writeln!(w, "\npassages shared across files (first copy first):")?;
    if across.is_empty() {
        writeln!(w, "  none")?;
    }
    for g in across {
        let first = g.first();
        let others: Vec<String> = g.occurrences()[1..]
            .iter()
            .map(|o| place(o.doc, o.span))
            .collect();
        writeln!(
            w,
            "  {} also at {} \"{}\"",
            place(first.doc, first.span),
            others.join(", "),
            snippet(first.doc, first.span)
        )?;
    }
    writeln!(
        w,
        "\npassages repeated inside one file (>= {} tokens):",
        c.min_passage_tokens()
    )?;
    if report.repeats().len() == 0 {
        writeln!(w, "  none")?;
    }
    for repeat in report.repeats() {
        for p in repeat.passages() {
            writeln!(
                w,
                "  {} again at {} ({} tokens{}) \"{}\"",
                place(repeat.doc, p.first),
                place(repeat.doc, p.again),
                p.tokens,
                differing(p.differing),
                snippet(repeat.doc, p.first)
            )?;
        }
    }
    writeln!(w, "\nclusters:")?;
    if report.clusters().len() == 0 {
        writeln!(w, "  none")?;
    }
    for cluster in report.clusters() {
        let names: Vec<String> = cluster
            .members()
            .iter()
            .map(|&m| shown(corpus.get(m).name()))
            .collect();
        writeln!(
            w,
            "  keep {}; near-duplicates: {}",
            names[0],
            names[1..].join(", ")
        )?;
    }
    let skipped: Vec<_> = corpus
        .iter()
        .filter_map(|(_, d)| match d.status() {
            Status::Skipped(reason) => Some((shown(d.name()), reason)),
            Status::Ok => None,
        })
        .collect();
    if !skipped.is_empty() {
        writeln!(w, "\nskipped files:")?;
        for (name, reason) in skipped {
            writeln!(w, "  {name}: {reason}")?;
        }
    }
    let s = report.summary();
    writeln!(
        w,
        "\nsummary: {} files ({} compared, {} skipped), {} tokens; {} near-duplicate \
         candidates and {} passage candidates checked; {} near-duplicate pairs with {} \
         shared passages, {} clusters ({} files to drop); {} pairs of files share passages; \
         {} repeated passages in {} files",
        s.documents,
        s.ok,
        s.skipped,
        s.tokens,
        s.candidate_pairs,
        s.passage_candidates,
        s.pairs,
        s.shared_passages,
        s.clusters,
        s.duplicate_documents,
        s.reuse_pairs,
        s.repeated_passages,
        s.documents_with_repeats
    )
}
