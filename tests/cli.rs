//! The example binary, run as a user runs it.

mod common;

use common::Scratch;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The example binary next to this test's build. `cargo test` builds examples, but not
/// when a single test target is asked for, so it is brought up to date once per run.
fn binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            let profile_dir = exe.parent().unwrap().parent().unwrap();
            let release = profile_dir.ends_with("release");
            let mut cmd = Command::new(env!("CARGO"));
            cmd.args(["build", "--example", "neardup"]);
            if release {
                cmd.arg("--release");
            }
            let status = cmd
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .unwrap();
            assert!(status.success(), "building the example failed");
            profile_dir
                .join("examples")
                .join(format!("neardup{}", std::env::consts::EXE_SUFFIX))
        })
        .clone()
}

fn run(args: &[&str]) -> Output {
    Command::new(binary()).args(args).output().unwrap()
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A test's own empty folder, removed when the test is done with it.
fn scratch_dir(name: &str) -> Scratch {
    Scratch::new(&format!("cli-{name}"))
}

#[test]
fn no_arguments_runs_the_demo() {
    let out = run(&[]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("library-opening.txt  ~  library-reprint.txt"),
        "{text}"
    );
    assert!(
        text.contains("harbour-festival.txt:2-4 again at harbour-festival.txt:6-8"),
        "{text}"
    );
    assert!(
        text.contains("allotment-water.txt:5-5 also at letters-page.txt:5-5"),
        "{text}"
    );
    assert!(
        text.contains("summary: 6 files (6 compared, 0 skipped)"),
        "{text}"
    );
}

#[test]
fn no_passages_keeps_the_near_duplicates_and_drops_the_reuse() {
    let summary = |args: &[&str]| {
        let lines = json_lines(&run(args));
        lines.last().unwrap().clone()
    };
    let with = summary(&["--json"]);
    let without = summary(&["--json", "--no-passages"]);
    assert_eq!(with["type"], "summary");
    // The demo folder: one reprint (a near-duplicate pair) and one quoted paragraph.
    assert_eq!(with["pairs"], 1);
    assert_eq!(without["pairs"], 1);
    assert!(with["reuse_pairs"].as_u64().unwrap() >= 1, "{with}");
    assert!(with["passage_candidates"].as_u64().unwrap() >= with["reuse_pairs"].as_u64().unwrap());
    assert_eq!(without["reuse_pairs"], 0);
    assert_eq!(without["passage_candidates"], 0);
    // Repeats inside a file do not depend on it.
    assert_eq!(with["repeated_passages"], without["repeated_passages"]);
}

#[test]
fn fail_on_dup_sets_the_exit_code() {
    assert_eq!(run(&["--json", "--fail-on-dup"]).status.code(), Some(1));
    assert_eq!(run(&["--json"]).status.code(), Some(0));
}

#[test]
fn bad_options_exit_2_naming_the_setting() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--threshold", "1.5"],
            "invalid value for 'threshold': expected 0 < t <= 1",
        ),
        (&["--shingle-size", "0"], "'shingle_size'"),
        (
            &["--num-hashes", "x"],
            "invalid value 'x' for '--num-hashes",
        ),
        (&["--bands", "64", "--rows", "4"], "'rows'"),
        (&["--bands", "4"], "--rows"),
        (&["--frobnicate"], "unexpected argument '--frobnicate'"),
        (&["--threshold"], "a value is required for '--threshold"),
        (&["--threads", "0"], "--threads"),
        (
            &["compare", "/no/such/file", "/no/such/other"],
            "/no/such/file",
        ),
        (&["dedup", "/no/such/folder"], "OUT"),
        (&["/no/such/folder/anywhere"], "/no/such/folder/anywhere"),
    ];
    for (args, want) in cases {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn every_file_in_a_messy_folder_is_accounted_for() {
    let dir = scratch_dir("messy");
    std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
    std::fs::write(dir.join("empty.txt"), "").unwrap();
    std::fs::write(dir.join("binary.dat"), b"\x7fELF\x00\x00\x01").unwrap();
    std::fs::write(
        dir.join("sub/bad-utf8.txt"),
        b"caf\xE9 ol\xC3\xA9 \xFF\xFE end",
    )
    .unwrap();
    std::fs::write(dir.join("sub/deeper/crlf.txt"), "one\r\ntwo\r\n").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.join("empty.txt"), dir.join("link.txt")).unwrap();
        let fifo = dir.join("pipe");
        let made = Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
        // A listening socket: skipped without being opened (opening would fail).
        let _socket = std::os::unix::net::UnixListener::bind(dir.join("sock")).unwrap();
    }
    let out = run(&["--json", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let objects = json_lines(&out);
    let docs: Vec<(String, String)> = objects
        .iter()
        .filter(|o| o["type"] == "document")
        .map(|o| {
            (
                o["path"].as_str().unwrap().to_string(),
                o["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut want = vec![
        ("binary.dat", "skipped"),
        ("empty.txt", "ok"),
        ("sub/bad-utf8.txt", "ok"),
        ("sub/deeper/crlf.txt", "ok"),
    ];
    if cfg!(unix) {
        want.insert(2, ("link.txt", "skipped"));
        want.insert(3, ("pipe", "skipped"));
        want.insert(4, ("sock", "skipped"));
    }
    let want: Vec<(String, String)> = want
        .into_iter()
        .map(|(a, b)| (a.into(), b.into()))
        .collect();
    assert_eq!(docs, want);
    let summary = objects.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["documents"], want.len());
}

#[cfg(unix)]
#[test]
fn links_loops_odd_names_and_size_limits() {
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch_dir("links");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/text.txt"), "some words here").unwrap();
    std::fs::write(dir.join("big.txt"), "x".repeat(5000)).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink(dir.join("sub/text.txt"), dir.join("link.txt")).unwrap();
    std::os::unix::fs::symlink(dir.join("gone"), dir.join("broken")).unwrap();
    let odd = std::ffi::OsStr::from_bytes(b"caf\xE9 \"q\".txt");
    std::fs::write(dir.join(odd), "odd name").unwrap();

    let docs = |args: &[&str]| -> (Option<i32>, Vec<(String, String)>) {
        let out = run(args);
        let docs = json_lines(&out)
            .into_iter()
            .filter(|o| o["type"] == "document")
            .map(|o| {
                let reason = o["reason"].as_str().unwrap_or("ok").to_string();
                (o["path"].as_str().unwrap().to_string(), reason)
            })
            .collect();
        (out.status.code(), docs)
    };
    let d = dir.to_str().unwrap();
    let (code, plain) = docs(&["--json", "--max-file-bytes", "4096", d]);
    assert_eq!(code, Some(0));
    let want = [
        ("big.txt", "larger than the limit of 4096 bytes"),
        ("broken", "symbolic link (not followed)"),
        ("caf\\xE9 \"q\".txt", "ok"),
        ("link.txt", "symbolic link (not followed)"),
        ("sub/loop", "symbolic link (not followed)"),
        ("sub/text.txt", "ok"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(plain, want);

    // Following links: the file link is read, the loop is not entered, the broken link is
    // an input that could not be read (exit status 2).
    let (code, followed) = docs(&["--json", "--follow-links", d]);
    assert_eq!(code, Some(2));
    let reasons: Vec<(&str, &str)> = followed
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(reasons[0], ("big.txt", "ok"));
    assert!(
        reasons[1].0 == "broken" && reasons[1].1.starts_with("unreadable: broken symbolic link")
    );
    assert_eq!(reasons[3], ("link.txt", "ok"));
    assert_eq!(
        reasons[4],
        ("sub/loop", "symbolic link loop (not followed)")
    );
}

/// Every file below `dir` with its bytes, by path: to check that a run changed nothing.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(p);
            } else if t.is_file() {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// The manifest of a de-duplicated copy, every line strict JSON (no NaN or Infinity).
fn manifest(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join(".neardup-manifest.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Nothing is left beside `out` but `out` itself (no temporary folder); `out` is in a
/// folder of its own (see [`out_dir`]).
fn no_leftovers(out: &Path) {
    let parent = out.parent().unwrap();
    let left: Vec<String> = std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Where a test's OUT goes: `out` in a fresh folder of its own, so that the temporary
/// folders of tests running at the same time are never beside it. The folder is removed
/// when the first value is dropped: keep it as long as `out` is used.
fn out_dir(name: &str) -> (Scratch, PathBuf) {
    let parent = scratch_dir(&format!("{name}-out"));
    let out = parent.join("out");
    (parent, out)
}

#[test]
fn dedup_out_writes_a_cleaned_copy_and_a_manifest() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let before = tree(&demo);
    let (_parent, out) = out_dir("dedup");
    let run_out = run(&[
        "dedup",
        "--cut-passages",
        demo.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(run_out.status.success(), "{run_out:?}");
    assert_eq!(tree(&demo), before, "the input is unchanged");
    no_leftovers(&out);
    let manifest = manifest(&out);
    let actions: Vec<(&str, &str)> = manifest
        .iter()
        .map(|m| (m["path"].as_str().unwrap(), m["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("allotment-water.txt", "kept"),
            ("harbour-festival.txt", "kept"),
            ("harbour-festival.txt", "cut"),
            ("letters-page.txt", "kept"),
            ("letters-page.txt", "cut"),
            ("library-opening.txt", "kept"),
            ("library-reprint.txt", "removed"),
            ("sourdough-notes.txt", "kept"),
        ]
    );
    assert_eq!(manifest[6]["kept"], "library-opening.txt");
    assert_eq!(manifest[6]["cluster"], 0);
    assert_eq!(
        manifest[5]["cluster"], 0,
        "the kept member names its cluster too"
    );
    assert!(manifest[0]["cluster"].is_null());
    assert_eq!(manifest[6]["reason"], "near-duplicate");
    assert!(manifest[6]["jaccard"].as_f64().unwrap() >= 0.8);
    assert_eq!(manifest[4]["first"]["path"], "allotment-water.txt");
    assert!(!out.join("library-reprint.txt").exists());
    // The doubled paragraphs now appear once; the rest of the article is unchanged.
    let original = std::fs::read_to_string(demo.join("harbour-festival.txt")).unwrap();
    let cleaned = std::fs::read_to_string(out.join("harbour-festival.txt")).unwrap();
    let span = &manifest[2]["span"];
    let (s, e) = (
        span[0].as_u64().unwrap() as usize,
        span[1].as_u64().unwrap() as usize,
    );
    assert_eq!(cleaned, format!("{}{}", &original[..s], &original[e..]));
    assert_eq!(cleaned.matches("raft race").count(), 1);
    assert_eq!(original.matches("raft race").count(), 2);
    assert_eq!(
        manifest[1]["bytes"].as_u64().unwrap() as usize,
        cleaned.len()
    );
    // Running again on the copy finds nothing more to remove or cut.
    let again = json_lines(&run(&["--json", out.to_str().unwrap()]));
    let summary = again.last().unwrap();
    assert_eq!(summary["pairs"], 0);
    assert_eq!(summary["repeated_passages"], 0);
    assert_eq!(summary["passage_groups"], 0);
}

/// `--keep longest` keeps the longer file of a cluster; `--keep` alone is refused.
#[test]
fn keep_longest_keeps_the_longer_file() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let len = |name: &str| std::fs::metadata(demo.join(name)).unwrap().len();
    let (opening, reprint) = ("library-opening.txt", "library-reprint.txt");
    assert_ne!(len(opening), len(reprint));
    let (longer, shorter) = if len(opening) > len(reprint) {
        (opening, reprint)
    } else {
        (reprint, opening)
    };
    let before = tree(&demo);
    let (_parent, out) = out_dir("keep-longest");
    let r = run(&[
        "dedup",
        "--keep",
        "longest",
        demo.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{r:?}");
    assert_eq!(tree(&demo), before, "the input is unchanged");
    let m = manifest(&out);
    let line = m.iter().find(|l| l["path"] == shorter).unwrap();
    assert_eq!(line["action"], "removed");
    assert_eq!(line["kept"], longer);
    assert!(out.join(longer).exists() && !out.join(shorter).exists());
    let bad = run(&[
        "dedup",
        "--keep",
        "newest",
        demo.to_str().unwrap(),
        "/tmp/x",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--keep"));
    let alone = run(&["--keep", "longest"]);
    assert_eq!(alone.status.code(), Some(2));
}

/// A paragraph repeated 5,000 times keeps one copy, and the copy has no repeat left.
#[test]
fn cutting_repeats_reaches_a_fixed_point() {
    let dir = scratch_dir("fixed-point");
    let para = "The ferry leaves at six forty and returns at ten past eleven, and the \
                Sunday service adds a midday crossing through the summer months, weather \
                permitting, from the north pier.\n";
    std::fs::write(
        dir.join("doubled.txt"),
        format!("Timetable.\n{}", para.repeat(5000)),
    )
    .unwrap();
    let before = tree(&dir);
    let (_parent, out) = out_dir("fixed-point");
    let r = run(&[
        "dedup",
        "--cut-passages",
        dir.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{r:?}");
    assert_eq!(tree(&dir), before);
    let cleaned = std::fs::read_to_string(out.join("doubled.txt")).unwrap();
    assert_eq!(
        cleaned.matches("midday crossing").count(),
        1,
        "{}",
        cleaned.len()
    );
    assert!(cleaned.starts_with("Timetable.\nThe ferry leaves"));
    let again = json_lines(&run(&["--json", out.to_str().unwrap()]));
    assert_eq!(again.last().unwrap()["repeated_passages"], 0);
}

/// a ~ b and b ~ c are near-duplicates, a and c are not: c is dropped for a with their
/// own exact Jaccard (a real number below the threshold) and the chain through b.
#[test]
fn chains_say_how_they_join_with_real_numbers() {
    let dir = scratch_dir("chain");
    // b changes 4 words of a; c changes the same 4 and 4 more: a ~ b ~ c, a and c apart.
    let words: Vec<String> = (0..200).map(|i| format!("w{i}")).collect();
    let edited = |at: &[usize]| -> String {
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if at.contains(&i) {
                    format!("x{i}")
                } else {
                    w.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let a = words.join(" ");
    let b = edited(&[20, 70, 120, 170]);
    let c = edited(&[20, 70, 120, 170, 45, 95, 145, 195]);
    std::fs::write(dir.join("a.txt"), &a).unwrap();
    std::fs::write(dir.join("b.txt"), &b).unwrap();
    std::fs::write(dir.join("c.txt"), &c).unwrap();
    let before = tree(&dir);
    let (_parent, out) = out_dir("chain");
    let r = run(&[
        "dedup",
        "--threshold",
        "0.7",
        dir.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{r:?}");
    assert_eq!(tree(&dir), before, "the input is never written");
    let scanned = run(&["--json", "--threshold", "0.7", dir.to_str().unwrap()]);
    let pairs: Vec<(String, String)> = json_lines(&scanned)
        .iter()
        .filter(|l| l["type"] == "pair")
        .map(|l| {
            (
                l["a"].as_str().unwrap().to_owned(),
                l["b"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let m = manifest(&out);
    let c_line = m.iter().find(|l| l["path"] == "c.txt").unwrap();
    assert_eq!(c_line["action"], "removed");
    assert_eq!(c_line["kept"], "a.txt");
    let j = c_line["jaccard"].as_f64().unwrap();
    assert!(j.is_finite() && (0.0..=1.0).contains(&j));
    assert!(
        pairs.contains(&("a.txt".into(), "b.txt".into())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("b.txt".into(), "c.txt".into())),
        "{pairs:?}"
    );
    assert!(
        !pairs.contains(&("a.txt".into(), "c.txt".into())),
        "{pairs:?}"
    );
    assert!(j < 0.7, "{j}");
    assert_eq!(c_line["via"], serde_json::json!(["b.txt"]));
    let b_line = m.iter().find(|l| l["path"] == "b.txt").unwrap();
    assert_eq!(b_line["via"], serde_json::json!([]));
}

#[test]
fn a_file_named_like_the_manifest_is_refused_before_any_work() {
    let dir = scratch_dir("reserved");
    std::fs::write(dir.join(".neardup-manifest.jsonl"), "my own data\n").unwrap();
    std::fs::write(dir.join("manifest.jsonl"), "{\"mine\":1}\n").unwrap();
    let before = tree(&dir);
    let (_parent, out) = out_dir("reserved");
    let r = run(&["dedup", dir.to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains(".neardup-manifest.jsonl"));
    assert!(r.stdout.is_empty(), "no report before the check");
    assert!(!out.exists());
    no_leftovers(&out);
    assert_eq!(tree(&dir), before);
    // A file called manifest.jsonl is an input like any other, copied intact.
    std::fs::remove_file(dir.join(".neardup-manifest.jsonl")).unwrap();
    let r = run(&["dedup", dir.to_str().unwrap(), out.to_str().unwrap()]);
    assert!(r.status.success(), "{r:?}");
    assert_eq!(
        std::fs::read(out.join("manifest.jsonl")).unwrap(),
        b"{\"mine\":1}\n"
    );
    assert_eq!(manifest(&out).len(), 1);
}

#[test]
fn an_unusable_out_is_refused_before_any_work() {
    let dir = scratch_dir("unusable");
    std::fs::write(dir.join("a.txt"), "some words here").unwrap();
    let before = tree(&dir);
    let inside = dir.join("copy");
    let exists = dir.to_path_buf();
    let no_parent = dir.join("no/such/parent");
    for out in [&inside, &exists, &no_parent] {
        let r = run(&["dedup", dir.to_str().unwrap(), out.to_str().unwrap()]);
        assert_eq!(r.status.code(), Some(2), "{}", out.display());
        assert!(r.stdout.is_empty(), "no report before the check");
        assert!(String::from_utf8_lossy(&r.stderr).contains("OUT"), "{r:?}");
    }
    assert!(!inside.exists());
    assert_eq!(tree(&dir), before);
    // An option where OUT goes is refused, not taken as a name.
    let r = run(&["dedup", dir.to_str().unwrap(), "--cut-passages"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(!Path::new("--cut-passages").exists());
}

#[cfg(unix)]
#[test]
fn names_are_written_by_their_bytes_and_shown_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch_dir("names");
    // One name holds the byte 0xFF, the other spells it out: two files, two outputs.
    let byte = dir.join(std::ffi::OsStr::from_bytes(b"x\xFF.txt"));
    let spelled = dir.join("x\\xFF.txt");
    std::fs::write(&byte, "the first file has these words in it and no others").unwrap();
    std::fs::write(
        &spelled,
        "the second file holds a different sentence entirely",
    )
    .unwrap();
    // A name with a terminal escape and a line that pretends to be the summary (a binary
    // file, so that the report lists it among the skipped files).
    let evil = dir.join("e\u{1b}[2J\nsummary: 0 files.txt");
    std::fs::write(&evil, b"\x00binary").unwrap();
    let before = tree(&dir);
    let (_parent, out) = out_dir("names");
    let r = run(&["dedup", dir.to_str().unwrap(), out.to_str().unwrap()]);
    assert!(r.status.success(), "{r:?}");
    assert_eq!(tree(&dir), before);
    let scanned = run(&[dir.to_str().unwrap()]);
    let text = String::from_utf8(scanned.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(
        text.lines().filter(|l| l.starts_with("summary:")).count() == 1,
        "{text}"
    );
    assert!(text.contains("\\u{1b}"), "{text}");
    assert_eq!(
        std::fs::read(out.join(std::ffi::OsStr::from_bytes(b"x\xFF.txt"))).unwrap(),
        std::fs::read(&byte).unwrap()
    );
    assert_eq!(
        std::fs::read(out.join("x\\xFF.txt")).unwrap(),
        std::fs::read(&spelled).unwrap()
    );
    let paths: Vec<String> = manifest(&out)
        .iter()
        .map(|m| m["path"].as_str().unwrap().to_owned())
        .collect();
    let mut distinct = paths.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "{paths:?}");
    // The binary file is passed through unchanged.
    assert_eq!(
        std::fs::read(out.join("e\u{1b}[2J\nsummary: 0 files.txt")).unwrap(),
        b"\x00binary"
    );
}

/// A write that fails half way (the file size limit) leaves no OUT and no temporary
/// folder, whether the write fails with an error or the process is killed.
#[cfg(unix)]
#[test]
fn a_failed_write_leaves_no_out() {
    let dir = scratch_dir("fault");
    // Small files first, then one of about 300 KB, above the limit set below.
    for i in 0..20 {
        let n = if i == 10 { 30_000 } else { 300 };
        let words: String = (0..n).map(|w| format!("f{i}w{w} ")).collect();
        std::fs::write(dir.join(format!("{i:02}.txt")), words).unwrap();
    }
    let before = tree(&dir);
    let (_parent, out) = out_dir("fault");
    for (trap, killed) in [("trap '' XFSZ; ", false), ("", true)] {
        let _ = std::fs::remove_dir_all(&out);
        // 100 blocks (of 512 or 1024 bytes): the small files fit, the big one does not.
        let script = format!("{trap}ulimit -f 100; exec \"$0\" dedup \"$2\" \"$1\" >/dev/null");
        let child = Command::new("sh")
            .args(["-c", &script])
            .arg(binary())
            .arg(&out)
            .arg(dir.as_os_str())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // `exec` keeps the process id, which names the temporary folder.
        let pid = child.id();
        let r = child.wait_with_output().unwrap();
        assert!(!r.status.success(), "{r:?}");
        assert!(!out.exists(), "a partial OUT was left");
        assert_eq!(tree(&dir), before);
        if killed {
            // Killed mid-write: only the temporary folder beside OUT is left.
            let tmp = out.with_file_name(format!(".neardup-{pid}.partial"));
            assert!(tmp.is_dir(), "{}", tmp.display());
            std::fs::remove_dir_all(tmp).unwrap();
        } else {
            assert_eq!(r.status.code(), Some(2));
            assert!(
                String::from_utf8_lossy(&r.stderr).contains("nothing was written there"),
                "{r:?}"
            );
        }
        no_leftovers(&out);
    }
}

/// Large inputs, run with `cargo test --release -- --ignored` (a minute or two): a single
/// 200 MB file and a folder of 100,000 files.
#[test]
#[ignore = "large inputs: cargo test --release --test cli -- --ignored"]
fn a_200_mb_file_and_100k_files() {
    let dir = scratch_dir("huge");
    let line = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod \
                tempor incididunt ut labore et dolore magna aliqua\n";
    let mut big = String::with_capacity(200_000_000);
    let mut i = 0u64;
    while big.len() < 200_000_000 {
        big.push_str(&format!("{i} {line}"));
        i += 1;
    }
    std::fs::write(dir.join("big.txt"), &big).unwrap();
    let out = run(&["--json", "--no-repeats", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let objects = json_lines(&out);
    assert_eq!(objects[0]["bytes"], big.len());
    assert_eq!(objects[0]["status"], "ok");
    std::fs::remove_file(dir.join("big.txt")).unwrap();

    for i in 0..100_000 {
        if i % 1000 == 0 {
            std::fs::create_dir_all(dir.join(format!("{:03}", i / 1000))).unwrap();
        }
        let path = dir.join(format!("{:03}/{i:06}.txt", i / 1000));
        std::fs::write(path, format!("document {i} says {line}")).unwrap();
    }
    let out = run(&["--json", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let summary = json_lines(&out).pop().unwrap();
    assert_eq!(summary["documents"], 100_000);
    assert_eq!(summary["ok"], 100_000);
}

/// The seed articles, when the shared folder is next to the repository.
fn seeds() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    dir.is_dir().then_some(dir)
}

#[test]
fn seeds_give_the_doubled_paragraphs_of_002_and_no_pair() {
    let Some(dir) = seeds() else {
        eprintln!("../shared/seeds not present; skipping");
        return;
    };
    let out = run(&["--json", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let objects = json_lines(&out);
    assert!(
        objects.iter().all(|o| o["type"] != "pair"),
        "no pair expected"
    );
    let repeats: Vec<_> = objects.iter().filter(|o| o["type"] == "repeat").collect();
    assert_eq!(repeats.len(), 1);
    assert_eq!(repeats[0]["path"], "002_911f931c1b6cc433.txt");
    let passages = repeats[0]["passages"].as_array().unwrap();
    assert_eq!(passages.len(), 1);

    let bytes = std::fs::read(dir.join("002_911f931c1b6cc433.txt")).unwrap();
    let (first, again) = (
        word_span_of_lines(&bytes, 2, 8),
        word_span_of_lines(&bytes, 9, 15),
    );
    let span = |v: &serde_json::Value| {
        (
            v[0].as_u64().unwrap() as usize,
            v[1].as_u64().unwrap() as usize,
        )
    };
    assert_eq!(span(&passages[0]["first"]), first);
    assert_eq!(span(&passages[0]["again"]), again);
}

/// From the first alphanumeric byte of line `from` to the end of the last alphanumeric
/// character of line `to` (1-based, inclusive).
fn word_span_of_lines(bytes: &[u8], from: usize, to: usize) -> (usize, usize) {
    let text = std::str::from_utf8(bytes).unwrap();
    let mut offset = 0;
    let mut starts = Vec::new();
    for line in text.split_inclusive('\n') {
        starts.push((offset, line));
        offset += line.len();
    }
    let (s0, l0) = starts[from - 1];
    let (s1, l1) = starts[to - 1];
    let first = s0 + l0.find(|c: char| c.is_alphanumeric()).unwrap();
    let (i, c) = l1
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphanumeric())
        .unwrap();
    (first, s1 + i + c.len_utf8())
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn documents(out: &Output) -> Vec<String> {
    json_lines(out)
        .iter()
        .filter(|l| l["type"] == "document")
        .map(|l| l["path"].as_str().unwrap().to_owned())
        .collect()
}

/// `--opt=value` and `--opt value` are the same, and `--` ends the options so that a
/// folder named like an option can be scanned.
#[test]
fn equals_signs_and_double_dash() {
    let dir = scratch_dir("dashes");
    std::fs::create_dir(dir.join("-odd")).unwrap();
    std::fs::write(dir.join("-odd/a.txt"), "some words in a file").unwrap();
    let spaced = run_in(&dir, &["--json", "--threshold", "0.7", "--", "-odd"]);
    let equals = run_in(&dir, &["--json", "--threshold=0.7", "--", "-odd"]);
    assert!(spaced.status.success(), "{spaced:?}");
    assert_eq!(spaced.stdout, equals.stdout);
    assert_eq!(documents(&spaced), ["a.txt"]);
    let named = run_in(&dir, &["scan", "--json", "--", "-odd"]);
    assert_eq!(named.stdout, spaced.stdout);
}

/// The walker's options narrow the files read; what they leave out is not a document.
#[test]
fn walk_options_choose_the_files() {
    let dir = scratch_dir("walk");
    std::fs::create_dir_all(dir.join("sub/deep")).unwrap();
    for (path, text) in [
        ("a.txt", "alpha"),
        (".hidden.txt", "hidden"),
        ("notes.log", "log"),
        ("sub/b.txt", "beta"),
        ("sub/deep/c.txt", "gamma"),
        (".gitignore", "*.log\n"),
    ] {
        std::fs::write(dir.join(path), text).unwrap();
    }
    let d = dir.to_str().unwrap();
    let docs = |args: &[&str]| {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        all.push(d);
        documents(&run(&all))
    };
    assert_eq!(docs(&[]).len(), 6);
    assert_eq!(
        docs(&["-g", "*.txt", "--skip-hidden"]),
        ["a.txt", "sub/b.txt", "sub/deep/c.txt"]
    );
    assert_eq!(
        docs(&["--glob=!sub/**", "--glob", "!.*"]),
        ["a.txt", "notes.log"]
    );
    assert_eq!(
        docs(&["--max-depth", "1", "--skip-hidden"]),
        ["a.txt", "notes.log"]
    );
    assert_eq!(
        docs(&["--ignore-files", "--skip-hidden"]),
        ["a.txt", "sub/b.txt", "sub/deep/c.txt"]
    );
    let bad = run(&["--glob", "a{", d]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("'glob'"));
}

/// Every detector option reaches the library: a value out of range is refused by the
/// library with the setting's name, and a value in range changes what is found.
#[test]
fn every_detection_option_reaches_the_library() {
    for (opt, bad, name) in [
        ("--fingerprint-tokens", "1", "'fingerprint_tokens'"),
        ("--boilerplate-docs", "1", "'boilerplate_docs'"),
        ("--seed-tokens", "0", "'seed_tokens'"),
        ("--max-group", "1", "'max_group'"),
        ("--false-negative-weight", "1", "'false_negative_weight'"),
        ("--min-passage-tokens", "0", "'min_passage_tokens'"),
        ("--num-hashes", "0", "'num_hashes'"),
    ] {
        let r = run(&[opt, bad]);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{opt} {bad}: {err}");
        assert!(err.contains(name), "{opt} {bad}: {err}");
    }
    let summary = |args: &[&str]| {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        json_lines(&run(&all)).last().unwrap().clone()
    };
    let default = summary(&[]);
    assert_eq!(default["pairs"], 1);
    assert_eq!(summary(&["--seed", "7"])["pairs"], 1);
    assert_eq!(
        summary(&["--min-passage-tokens", "1000"])["repeated_passages"],
        0
    );
    assert_eq!(summary(&["--threshold", "0.95"])["pairs"], 0);
    // Single words: the two library articles share more of them than of 5-word phrases.
    assert_eq!(
        summary(&["--shingle-size", "1", "--threshold", "0.95"])["pairs"],
        1
    );
    assert_eq!(summary(&["--bands", "32", "--rows", "4"])["pairs"], 1);
    assert_eq!(summary(&["--no-repeats"])["repeated_passages"], 0);
    // The edited copies in the demo hold changed words; exact passages have none.
    let differing = |args: &[&str]| -> u64 {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        json_lines(&run(&all))
            .iter()
            .filter(|l| l["type"] == "pair")
            .flat_map(|l| l["passages"].as_array().unwrap().clone())
            .map(|p| p["differing"].as_u64().unwrap())
            .sum()
    };
    assert!(differing(&[]) > 0);
    assert_eq!(differing(&["--max-gap", "0"]), 0);
    assert_eq!(differing(&["--exact"]), 0);
    assert!(
        differing(&[
            "--seed-tokens",
            "2",
            "--fingerprint-tokens",
            "10",
            "--boilerplate-docs",
            "2",
            "--max-group",
            "2",
            "--false-negative-weight",
            "0.5"
        ]) > 0
    );
}

/// One thread or two give the same report; `--quiet` keeps stderr empty.
#[test]
fn threads_and_quiet() {
    let one = run(&["--json", "-j", "1"]);
    let two = run(&["--json", "--threads", "2"]);
    assert!(one.status.success());
    assert_eq!(one.stdout, two.stdout);
    let dir = scratch_dir("quiet");
    std::fs::write(dir.join("a.txt"), "words").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/no/such/target", dir.join("broken")).unwrap();
    let loud = run(&["--follow-links", dir.to_str().unwrap()]);
    let quiet = run(&["--follow-links", "-q", dir.to_str().unwrap()]);
    #[cfg(unix)]
    {
        assert_eq!(loud.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&loud.stderr).contains("broken"),
            "{loud:?}"
        );
        assert_eq!(quiet.status.code(), Some(2));
    }
    assert!(quiet.stderr.is_empty(), "{quiet:?}");
    // Not a terminal: no progress bar, nothing on stderr.
    assert!(two.stderr.is_empty(), "{two:?}");
}

/// `compare A B` in the three formats.
#[test]
fn compare_two_files() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let (a, b) = (
        demo.join("library-opening.txt"),
        demo.join("library-reprint.txt"),
    );
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let human = run(&["compare", a, b]);
    assert!(human.status.success(), "{human:?}");
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains("near-duplicates;") && text.contains("shared"),
        "{text}"
    );
    let json = json_lines(&run(&["compare", "--json", a, b]));
    assert_eq!(json.len(), 1);
    let c = &json[0];
    assert!(c["jaccard"].as_f64().unwrap() > 0.8, "{c}");
    assert_eq!(c["near_duplicate"], true);
    assert_eq!(c["passages"].as_array().unwrap().len(), 1);
    let html = String::from_utf8(run(&["compare", "--format", "html", a, b]).stdout).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<mark"),
        "{html}"
    );
}

/// The progress bar is drawn on a terminal (a pseudo-terminal made by `script`), and
/// never on stdout.
#[cfg(target_os = "linux")]
#[test]
fn progress_bar_only_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` command to make a pseudo-terminal");
        return;
    }
    let dir = scratch_dir("progress");
    // Enough files that the run lasts a few redraws.
    for i in 0..3000 {
        let words: String = (0..200).map(|w| format!("f{i}w{w} ")).collect();
        std::fs::write(dir.join(format!("{i:04}.txt")), words).unwrap();
    }
    let reports = scratch_dir("progress-report");
    let out = reports.join("report.jsonl");
    let cmd = format!(
        "'{}' --json '{}' > '{}'",
        binary().display(),
        dir.display(),
        out.display()
    );
    let r = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .unwrap();
    assert!(r.status.success(), "{r:?}");
    let terminal = String::from_utf8_lossy(&r.stdout);
    assert!(
        ["reading", "signing", "checking"]
            .iter()
            .any(|s| terminal.contains(s)),
        "{terminal}"
    );
    let report = std::fs::read_to_string(&out).unwrap();
    assert!(
        report.lines().all(|l| l.starts_with('{')),
        "the bar went to stdout"
    );
    let quiet = format!(
        "'{}' -q --json '{}' > /dev/null",
        binary().display(),
        dir.display()
    );
    let r = Command::new("script")
        .args(["-qec", &quiet, "/dev/null"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&r.stdout).contains("signing"));
}

/// Names and texts that hold markup reach the HTML page as text: no element, attribute
/// or script comes from the input.
#[test]
fn html_escapes_hostile_names_and_texts() {
    let dir = scratch_dir("hostile");
    let hostile = "<img src=x onerror=alert(1)> shared words \"quoted\" & 'single' ";
    let body = format!(
        "{}{}",
        hostile.repeat(3),
        "the rest of a long and ordinary sentence ".repeat(4)
    );
    std::fs::write(dir.join("<script>alert(2).txt"), &body).unwrap();
    std::fs::write(dir.join("b\"onmouseover=\"alert(3).txt"), &body).unwrap();
    let html = String::from_utf8(run(&["--format", "html", dir.to_str().unwrap()]).stdout).unwrap();
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("\"onmouseover"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(2).txt"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("b&quot;onmouseover=&quot;alert(3).txt"));
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own script"
    );
}

/// Inputs of the wrong kind are refused up front with a message, never a panic.
#[test]
fn wrong_kinds_of_input_are_refused() {
    let dir = scratch_dir("kinds");
    std::fs::create_dir(dir.join("empty")).unwrap();
    std::fs::write(dir.join("a.txt"), "some words").unwrap();
    let (empty, a) = (dir.join("empty"), dir.join("a.txt"));
    let r = run(&["compare", empty.to_str().unwrap(), a.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2), "{r:?}");
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("a folder"),
        "{r:?}"
    );
    let (_parent, out) = out_dir("kinds");
    let r = run(&["dedup", a.to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2), "{r:?}");
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("not a folder"),
        "{r:?}"
    );
    assert!(!out.exists());
    no_leftovers(&out);
    // An option after a subcommand's place: the error says where options go.
    let r = run(&[
        "--json",
        "compare",
        a.to_str().unwrap(),
        a.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
}

/// Every link of the HTML page points at an element of the page, also when repeats
/// overlap (a line written three times).
#[test]
fn html_links_all_land() {
    let dir = scratch_dir("html-links");
    std::fs::write(
        dir.join("three.txt"),
        "one two three four five six seven eight nine ten eleven twelve\n".repeat(3),
    )
    .unwrap();
    std::fs::write(
        dir.join("copy.txt"),
        "one two three four five six seven eight nine ten eleven twelve and more\n",
    )
    .unwrap();
    let r = run(&[
        "--min-passage-tokens",
        "10",
        "--format",
        "html",
        dir.to_str().unwrap(),
    ]);
    let html = String::from_utf8(r.stdout).unwrap();
    let targets: Vec<&str> = html
        .split("href=\"#")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert!(!targets.is_empty(), "{html}");
    for t in targets {
        assert!(html.contains(&format!("id=\"{t}\"")), "#{t} leads nowhere");
    }
}

#[test]
fn index_add_query_remove_prune_and_stats() {
    let dir = scratch_dir("index");
    let db = dir.join("news.ndx");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo");
    let db_s = db.to_str().unwrap();
    let out = run(&["index", "add", db_s, demo]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    let summary = lines.last().unwrap();
    assert_eq!(summary["added"], 6);
    // The reprint is a near-duplicate of the opening, added before it (by path).
    let reprint = lines
        .iter()
        .find(|l| l["id"] == "library-reprint.txt")
        .expect("the reprint matched");
    assert_eq!(reprint["near_duplicates"][0]["id"], "library-opening.txt");
    // Two documents a batch (three batches, each made ready while the one before is
    // added): the same answers. --quiet is taken (stderr is no terminal here, so it
    // shows no bar either way).
    let small = dir.join("small.ndx");
    let batched = run(&[
        "index",
        "add",
        small.to_str().unwrap(),
        demo,
        "--batch",
        "2",
        "--quiet",
    ]);
    assert!(batched.status.success());
    assert_eq!(json_lines(&batched), lines);
    assert!(batched.stderr.is_empty());
    // Adding the same folder again: every id is already there, nothing is added.
    let again = run(&["index", "add", db_s, demo]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already in the index"));
    let skipping = run(&["index", "add", db_s, demo, "--skip-existing"]);
    assert!(skipping.status.success());
    let summary = json_lines(&skipping).pop().unwrap();
    assert_eq!(
        (summary["added"].as_u64(), summary["already_in"].as_u64()),
        (Some(0), Some(6))
    );
    let stats = &json_lines(&run(&["index", "stats", db_s]))[0];
    assert_eq!(stats["documents"], 6);
    // A file the index holds is a copy of it, which it answers alone (as a batch run
    // pairs a copy with its first copy only); with a line more, it finds its reprint
    // too.
    let near_ids = |file: &Path| {
        let q = &json_lines(&run(&["index", "query", db_s, file.to_str().unwrap()]))[0];
        let ids = q["near_duplicates"].as_array().unwrap().iter();
        ids.map(|m| m["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let file = format!("{demo}/library-opening.txt");
    assert_eq!(near_ids(Path::new(&file)), ["library-opening.txt"]);
    let more = dir.join("more.txt");
    let mut text = std::fs::read(&file).unwrap();
    text.extend_from_slice(b"\nOne line more.\n");
    std::fs::write(&more, text).unwrap();
    let ids = near_ids(&more);
    assert!(
        ids.contains(&"library-opening.txt".to_string())
            && ids.contains(&"library-reprint.txt".to_string()),
        "{ids:?}"
    );
    let removed = &json_lines(&run(&["index", "remove", db_s, "library-reprint.txt"]))[0];
    assert_eq!(removed["documents"], 1);
    let pruned = &json_lines(&run(&["index", "prune", db_s, "--older-than", "1d"]))[0];
    assert_eq!(pruned["documents"], 0, "nothing is a day old");
    let stats = &json_lines(&run(&["index", "stats", db_s]))[0];
    assert_eq!(stats["documents"], 5);
    // A missing index is an error, not a new file.
    let missing = run(&[
        "index",
        "query",
        dir.join("nope.ndx").to_str().unwrap(),
        &file,
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(!dir.join("nope.ndx").exists());

    // While another process holds DB as its writer, query and stats read it; add is
    // refused with the lock named.
    let writer = neardup::index::Options::new().open(&db).unwrap();
    let stats = run(&["index", "stats", db_s, "--cache-mb", "16"]);
    assert!(
        stats.status.success(),
        "{}",
        String::from_utf8_lossy(&stats.stderr)
    );
    assert_eq!(json_lines(&stats)[0]["documents"], 5);
    let q = run(&["index", "query", db_s, &file]);
    assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stderr));
    let blocked = run(&["index", "add", db_s, demo, "--skip-existing"]);
    assert_eq!(blocked.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&blocked.stderr);
    assert!(stderr.contains("news.ndx"), "{stderr}");
    drop(writer);
    let bad = run(&["index", "stats", db_s, "--cache-mb", "0"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn index_filter_passes_on_what_is_new_and_logs_what_matched() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = scratch_dir("index-filter");
    let story = "The council voted on Tuesday to close the old bridge to traffic after \
                 engineers found cracks in two of its piers during a routine inspection.";
    let other = "Bread rises faster in a warm kitchen, and a long cold proof gives it a \
                 deeper flavour and a crust that shatters when you cut it on the board.";
    let records = [
        serde_json::json!({"id": "a", "text": story}).to_string(),
        serde_json::json!({"id": "b", "text": other}).to_string(),
        serde_json::json!({"id": "c", "text": format!("{story} More to follow.")}).to_string(),
        "not json".to_string(),
    ];
    let input = records.join("\n") + "\n";
    let log = dir.join("log.jsonl");
    let mut child = Command::new(binary())
        .args([
            "index",
            "filter",
            dir.join("f.ndx").to_str().unwrap(),
            "--id-field",
            "id",
        ])
        .arg("--log")
        .arg(&log)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    // The malformed line is passed on unchecked, with a message and exit status 2.
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 4: not JSON"));
    let kept = String::from_utf8(out.stdout).unwrap();
    let want = [&records[0], &records[1], &records[3]]
        .map(|r| format!("{r}\n"))
        .concat();
    assert_eq!(
        kept, want,
        "the same lines, byte for byte, minus the near-duplicate"
    );
    let logged: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(logged[0]["id"], "c");
    assert_eq!(logged[0]["line"], 3);
    assert_eq!(logged[0]["near_duplicates"][0]["id"], "a");
    let summary = logged.last().unwrap();
    assert_eq!(
        (summary["passed"].as_u64(), summary["dropped"].as_u64()),
        (Some(2), Some(1))
    );
}
