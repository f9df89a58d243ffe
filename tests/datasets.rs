//! JSON Lines datasets through the command line: records in, the same records out
//! (plain, gzip, zstd), minus the plan's drops, byte for byte; annotations; ids; bad
//! input named by file and line.

mod common;

use common::{Rng, Scratch, text};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--example", "neardup"]);
    if profile_dir.ends_with("release") {
        cmd.arg("--release");
    }
    assert!(
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap()
            .success()
    );
    profile_dir.join("examples").join("neardup")
}

fn run(args: &[&str]) -> Output {
    Command::new(binary()).args(args).output().unwrap()
}

/// A test's own empty folder, removed when the test is done with it.
fn scratch(name: &str) -> Scratch {
    Scratch::new(&format!("ds-{name}"))
}

/// 30 originals and 30 edited copies (one word changed), as JSON lines with an id and a
/// nested field, in a mixed order; CRLF on some lines.
fn dataset() -> Vec<u8> {
    let mut rng = Rng(61);
    let originals: Vec<String> = (0..30)
        .map(|_| text(&mut rng, 150).replace('\n', " "))
        .collect();
    let mut out = Vec::new();
    for i in 0..60 {
        let t = if i < 30 {
            originals[i].clone()
        } else {
            // One word changed: Jaccard about 0.93.
            let mut words: Vec<&str> = originals[i - 30].split(' ').collect();
            words[70] = "changed";
            words.join(" ")
        };
        let line = serde_json::json!({"id": format!("r{i}"), "meta": {"n": i}, "text": t});
        out.extend_from_slice(line.to_string().as_bytes());
        out.extend_from_slice(if i % 7 == 0 { b"\r\n" } else { b"\n" });
    }
    out
}

fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

fn decompress(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap();
    let name = path.to_string_lossy();
    if name.ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else if name.ends_with(".zst") {
        zstd::decode_all(&raw[..]).unwrap()
    } else {
        raw
    }
}

fn compress(bytes: &[u8], ext: &str) -> Vec<u8> {
    match ext {
        "gz" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(bytes).unwrap();
            e.finish().unwrap()
        }
        "zst" => zstd::encode_all(bytes, 3).unwrap(),
        _ => bytes.to_vec(),
    }
}

#[test]
fn each_format_round_trips_minus_the_drops() {
    let dir = scratch("round");
    let data = dataset();
    for ext in ["", "gz", "zst"] {
        let suffix = if ext.is_empty() {
            String::new()
        } else {
            format!(".{ext}")
        };
        let input = dir.join(format!("in.jsonl{suffix}"));
        std::fs::write(&input, compress(&data, ext)).unwrap();
        let out = dir.join(format!("out.jsonl{suffix}"));
        let ids = dir.join(format!("ids{suffix}.txt"));
        let r = run(&[
            "dedup",
            "--id-field",
            "id",
            "--ids-out",
            ids.to_str().unwrap(),
            input.to_str().unwrap(),
            out.to_str().unwrap(),
        ]);
        assert!(r.status.success(), "{r:?}");
        let written = decompress(&out);
        let dropped: Vec<String> = std::fs::read_to_string(&ids)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(dropped.len(), 30, "{dropped:?}");
        // Records out = records in minus the dropped ones, byte for byte, in order.
        let want: Vec<&[u8]> = lines(&data)
            .into_iter()
            .filter(|l| {
                let v: serde_json::Value = serde_json::from_slice(l).unwrap();
                !dropped.contains(&v["id"].as_str().unwrap().to_owned())
            })
            .collect();
        assert_eq!(lines(&written), want, "{ext}");
        // Each drop is the later copy of a kept record.
        assert!(
            dropped
                .iter()
                .all(|id| id[1..].parse::<usize>().unwrap() >= 30)
        );
    }
    // Running again on the output drops nothing.
    let again = dir.join("again.jsonl");
    let r = run(&[
        "dedup",
        dir.join("out.jsonl").to_str().unwrap(),
        again.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{r:?}");
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(dir.join("out.jsonl")).unwrap()
    );
}

#[test]
fn annotate_keeps_every_record_and_says_what_it_is() {
    let dir = scratch("annotate");
    let input = dir.join("in.jsonl");
    std::fs::write(&input, dataset()).unwrap();
    let out = dir.join("out.jsonl");
    let r = run(&[
        "dedup",
        "--annotate",
        "--id-field",
        "id",
        input.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{r:?}");
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 60);
    for (i, rec) in records.iter().enumerate() {
        assert_eq!(rec["id"], format!("r{i}"));
        assert_eq!(rec["meta"]["n"], i, "fields and their order kept");
        let keys: Vec<&String> = rec.as_object().unwrap().keys().collect();
        assert_eq!(keys[..3], ["id", "meta", "text"]);
        assert!(rec["dup_cluster"].is_u64());
        if i >= 30 {
            assert_eq!(rec["dup_of"], format!("r{}", i - 30));
            assert!(rec["dup_jaccard"].as_f64().unwrap() > 0.8);
        } else {
            assert!(rec["dup_of"].is_null() && rec["dup_jaccard"].is_null());
        }
        assert!(rec["repeated_spans"].is_array());
    }
}

#[test]
fn bad_records_are_named_by_file_and_line_and_kept() {
    let dir = scratch("bad");
    let input = dir.join("in.jsonl");
    let mut data = dataset();
    data.extend_from_slice(b"{not json\n{\"id\":\"x\"}\n{\"text\":42}\n\n");
    std::fs::write(&input, &data).unwrap();
    let r = run(&["--json", input.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2), "a skipped record is an error");
    let stderr = String::from_utf8_lossy(&r.stderr);
    let name = input.display().to_string();
    assert!(
        stderr.contains(&format!("{name}:61: bad record: not JSON")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{name}:62: bad record: no field 'text'")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{name}:63: bad record: field 'text' is a number")),
        "{stderr}"
    );
    let docs = String::from_utf8(r.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"type\":\"document\""))
        .count();
    assert_eq!(
        docs, 63,
        "every record accounted for; the blank line is none"
    );
    // The output keeps them as they were.
    let out = dir.join("out.jsonl");
    let r = run(&["dedup", input.to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    let written = std::fs::read(&out).unwrap();
    assert!(written.ends_with(b"{not json\n{\"id\":\"x\"}\n{\"text\":42}\n\n"));
}

#[test]
fn a_truncated_file_is_read_up_to_the_break() {
    let dir = scratch("truncated");
    let full = compress(&dataset(), "gz");
    let input = dir.join("in.jsonl.gz");
    std::fs::write(&input, &full[..full.len() / 2]).unwrap();
    let r = run(&["--json", input.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(stderr.contains("reading stopped here"), "{stderr}");
    let out = dir.join("out.jsonl");
    let missing = run(&[
        "dedup",
        dir.join("nope.jsonl").to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope.jsonl"));
    assert!(!out.exists());
}

#[test]
fn records_from_standard_input() {
    let mut child = Command::new(binary())
        .args(["--json", "--input-format", "jsonl", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&dataset()).unwrap();
    let r = child.wait_with_output().unwrap();
    assert!(r.status.success(), "{r:?}");
    let summary: serde_json::Value =
        serde_json::from_str(String::from_utf8(r.stdout).unwrap().lines().last().unwrap()).unwrap();
    assert_eq!(summary["documents"], 60);
    assert_eq!(summary["pairs"], 30);
}

#[test]
fn texts_in_memory_or_on_disk_give_the_same_report_and_output() {
    let dir = scratch("texts");
    let input = dir.join("in.jsonl");
    std::fs::write(&input, dataset()).unwrap();
    let input = input.to_str().unwrap();
    let mut reports = Vec::new();
    for texts in ["memory", "disk", "auto"] {
        let r = run(&["scan", "--format", "json", "--texts", texts, input]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        reports.push(r.stdout);
        let out = dir.join(format!("out-{texts}.jsonl"));
        let r = run(&["dedup", "--texts", texts, input, out.to_str().unwrap()]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    }
    assert!(
        reports[0].windows(6).any(|w| w == b"\"pair\""),
        "pairs found"
    );
    assert!(reports.iter().all(|r| *r == reports[0]));
    let out = |t: &str| std::fs::read(dir.join(format!("out-{t}.jsonl"))).unwrap();
    assert_eq!(lines(&out("memory")).len(), 30);
    assert_eq!(out("disk"), out("memory"));
    assert_eq!(out("auto"), out("memory"));
}

/// The records of [`dataset`] as a Parquet file: an Int64 `n`, a string `id`, a struct
/// `meta` with a string `lang`, and the string `text` (null in one extra row).
fn parquet_dataset(path: &Path) -> Vec<(i64, String, Option<String>)> {
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, StructArray};
    use arrow_schema::{DataType, Field};
    let data = dataset();
    let mut rows: Vec<(i64, String, Option<String>)> = lines(&data)
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let v: serde_json::Value = serde_json::from_slice(l).unwrap();
            let text = v["text"].as_str().unwrap().to_owned();
            (i as i64, v["id"].as_str().unwrap().to_owned(), Some(text))
        })
        .collect();
    rows.push((60, "r60".into(), None));
    let n = Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))) as ArrayRef;
    let ids = Arc::new(StringArray::from_iter_values(
        rows.iter().map(|r| r.1.clone()),
    ));
    let texts = Arc::new(StringArray::from_iter(rows.iter().map(|r| r.2.clone())));
    let lang = Arc::new(StringArray::from_iter_values(rows.iter().map(|_| "en")));
    let meta = StructArray::from(vec![(
        Arc::new(Field::new("lang", DataType::Utf8, false)),
        lang as ArrayRef,
    )]);
    let batch = RecordBatch::try_from_iter([
        ("n", n),
        ("id", ids as ArrayRef),
        ("meta", Arc::new(meta) as ArrayRef),
        ("text", texts as ArrayRef),
    ])
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    rows
}

fn read_parquet(path: &Path) -> Vec<arrow_array::RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn parquet_round_trips_minus_the_drops_with_its_schema() {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    let dir = scratch("parquet");
    let input = dir.join("in.parquet");
    let rows = parquet_dataset(&input);
    let (out, ids) = (dir.join("out.parquet"), dir.join("ids.txt"));
    let r = run(&[
        "dedup",
        "--id-field",
        "id",
        "--ids-out",
        ids.to_str().unwrap(),
        input.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    // The row with a null text is a skipped record: exit 2, named by its id.
    assert_eq!(
        r.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("r60") && stderr.contains("null"),
        "{stderr}"
    );
    let dropped: Vec<String> = std::fs::read_to_string(&ids)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(dropped.len(), 30, "every edited copy dropped");
    let input_schema = read_parquet(&input)[0].schema();
    let batches = read_parquet(&out);
    assert_eq!(batches[0].schema(), input_schema, "the same schema");
    let mut got = Vec::new();
    for b in &batches {
        let n = b.column(0).as_primitive::<arrow_array::types::Int64Type>();
        let id = b.column(1).as_string::<i32>();
        let text = b.column(3).as_string::<i32>();
        for i in 0..b.num_rows() {
            let t = (!text.is_null(i)).then(|| text.value(i).to_owned());
            got.push((n.value(i), id.value(i).to_owned(), t));
        }
    }
    let want: Vec<_> = rows
        .into_iter()
        .filter(|r| !dropped.contains(&r.1))
        .collect();
    assert_eq!(got, want, "the kept rows, in order, every column as it was");

    // Annotated: every row, four columns added.
    let annotated = dir.join("annotated.parquet");
    let r = run(&[
        "dedup",
        "--annotate",
        "--id-field",
        "id",
        input.to_str().unwrap(),
        annotated.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    let batches = read_parquet(&annotated);
    let b = &batches[0];
    assert_eq!(b.num_rows(), 61);
    let names: Vec<String> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        [
            "n",
            "id",
            "meta",
            "text",
            "dup_cluster",
            "dup_of",
            "dup_jaccard",
            "repeated_spans"
        ]
    );
    let of = b.column(5).as_string::<i32>();
    let jaccard = b
        .column(6)
        .as_primitive::<arrow_array::types::Float64Type>();
    for i in 0..b.num_rows() {
        let id = b.column(1).as_string::<i32>().value(i);
        assert_eq!(!of.is_null(i), dropped.iter().any(|d| d == id), "row {i}");
        if !of.is_null(i) {
            assert_eq!(of.value(i), format!("r{}", i - 30));
            assert!(jaccard.value(i) > 0.8);
        }
    }
}

#[test]
fn bad_parquet_files_are_named_with_their_columns() {
    let dir = scratch("parquet-bad");
    let good = dir.join("good.parquet");
    parquet_dataset(&good);
    let fake = dir.join("fake.parquet");
    std::fs::write(&fake, "not parquet at all").unwrap();
    let r = run(&[
        "scan",
        "--format",
        "json",
        fake.to_str().unwrap(),
        good.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("fake.parquet") && stderr.contains("not a Parquet file"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert!(
        stdout.contains("\"pairs\":30"),
        "the good file is still read: {stdout}"
    );

    let r = run(&["scan", "--text-field", "body", good.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    for want in [
        "text column body: not found",
        "n (Int64)",
        "meta.lang (Utf8)",
        "text (Utf8)",
    ] {
        assert!(stderr.contains(want), "{want} in {stderr}");
    }
    // A nested text column is read by its dotted path.
    let r = run(&[
        "scan",
        "--format",
        "json",
        "--text-field",
        "meta.lang",
        good.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert!(stdout.contains("\"identical_documents\":60"), "{stdout}");
}

#[test]
fn a_dataset_and_its_folder_form_give_the_same_pairs() {
    let dir = scratch("folder-form");
    let data = dataset();
    let input = dir.join("in.jsonl");
    std::fs::write(&input, &data).unwrap();
    let folder = dir.join("docs");
    std::fs::create_dir(&folder).unwrap();
    for l in lines(&data) {
        let v: serde_json::Value = serde_json::from_slice(l).unwrap();
        let name = format!("{}.txt", v["id"].as_str().unwrap());
        std::fs::write(folder.join(name), v["text"].as_str().unwrap()).unwrap();
    }
    // Every pair and reuse line as (type, a, b, jaccard, passages' spans), names
    // without ".txt", each pair oriented by name (the folder's order is by file name).
    let pairs = |args: &[&str]| {
        let r = run(args);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let mut out: Vec<(String, String, String, String, Vec<String>)> = Vec::new();
        for l in String::from_utf8(r.stdout).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let kind = v["type"].as_str().unwrap().to_owned();
            if kind != "pair" && kind != "reuse" {
                continue;
            }
            let name = |k: &str| v[k].as_str().unwrap().trim_end_matches(".txt").to_owned();
            let (a, b) = (name("a"), name("b"));
            let swap = a > b;
            let mut spans: Vec<String> = v["passages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| match swap {
                    true => format!("{}{}", p["b"], p["a"]),
                    false => format!("{}{}", p["a"], p["b"]),
                })
                .collect();
            spans.sort();
            let (a, b) = if swap { (b, a) } else { (a, b) };
            out.push((kind, a, b, v["jaccard"].to_string(), spans));
        }
        out.sort();
        out
    };
    let from_records = pairs(&[
        "scan",
        "--format",
        "json",
        "--id-field",
        "id",
        input.to_str().unwrap(),
    ]);
    let from_files = pairs(&["scan", "--format", "json", folder.to_str().unwrap()]);
    assert_eq!(from_records.len(), 30);
    assert_eq!(from_records, from_files);
}

/// What `dedup` of a dataset refuses before it writes anything: each case exits 2 with a
/// message and leaves no OUT.
#[test]
fn dedup_of_a_dataset_refuses_what_would_lose_data() {
    let dir = scratch("refusals");
    let jsonl = dir.join("in.jsonl");
    std::fs::write(&jsonl, dataset()).unwrap();
    let parquet = dir.join("in.parquet");
    parquet_dataset(&parquet);
    let (j, p) = (jsonl.to_str().unwrap(), parquet.to_str().unwrap());
    let out = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["-".into(), out("a.jsonl")], "reads IN twice"),
        (
            vec!["--ids-out".into(), out("b.jsonl"), j.into(), out("b.jsonl")],
            "--ids-out names OUT",
        ),
        (vec![j.into(), out("c.parquet")], "another format"),
        (vec![p.into(), out("d.jsonl.gz")], "another format"),
        (
            vec![
                "--annotate".into(),
                "--cut-passages".into(),
                j.into(),
                out("e.jsonl"),
            ],
            "does not go with",
        ),
        (
            vec![
                "--text-field".into(),
                "body".into(),
                p.into(),
                out("f.parquet"),
            ],
            "text column body: not found",
        ),
        (
            vec![
                "--cut-passages".into(),
                "--text-field".into(),
                "meta.lang".into(),
                p.into(),
                out("g.parquet"),
            ],
            "top-level text column",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["dedup".to_owned()];
        all.extend(args.iter().cloned());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let r = run(&all);
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{all:?}: {stderr}");
        assert!(stderr.contains(want), "{all:?}: {want} in {stderr}");
        let last = std::path::Path::new(all[all.len() - 1]);
        assert!(!last.exists(), "{all:?} wrote {}", last.display());
    }
    // A record that already has a field --annotate adds: refused, nothing written.
    let clash = dir.join("clash.jsonl");
    std::fs::write(&clash, "{\"text\":\"a b c\",\"dup_of\":\"mine\"}\n").unwrap();
    let r = run(&[
        "dedup",
        "--annotate",
        clash.to_str().unwrap(),
        &out("h.jsonl"),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("already has a field dup_of"));
    assert!(!dir.join("h.jsonl").exists());
    // A mix of dataset and other inputs is refused rather than guessed.
    let r = run(&["scan", j, p]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("--input-format"));
}

#[test]
fn numbers_and_upper_case_names_are_kept_as_they_are() {
    let dir = scratch("numbers");
    let t = "one two three four five six seven eight nine ten eleven twelve thirteen";
    let data = format!(
        "{{\"id\":12345678901234567890123,\"x\":1.10000000000000000001,\"text\":\"{t}\"}}\n\
         {{\"id\":7,\"x\":1e2,\"text\":\"{t}\"}}\n"
    );
    let input = dir.join("IN.JSONL.GZ");
    std::fs::write(&input, compress(data.as_bytes(), "gz")).unwrap();
    let out = dir.join("out.jsonl");
    let r = run(&[
        "dedup",
        "--annotate",
        "--id-field",
        "id",
        input.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let written = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert!(lines[0].starts_with("{\"id\":12345678901234567890123,\"x\":1.10000000000000000001,"));
    // Numbers keep their digits; serde_json writes an exponent with its sign.
    assert!(
        lines[1].starts_with("{\"id\":7,\"x\":1e+2,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains("\"dup_of\":\"12345678901234567890123\""),
        "{}",
        lines[1]
    );
}

#[test]
fn records_that_share_an_id_are_warned_about() {
    let dir = scratch("dup-ids");
    let input = dir.join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"a\",\"text\":\"one two\"}\n{\"id\":\"b\",\"text\":\"three\"}\n{\"id\":\"a\",\"text\":\"four\"}\n",
    )
    .unwrap();
    let r = run(&["scan", "--id-field", "id", input.to_str().unwrap()]);
    assert!(r.status.success());
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("id of an earlier record: 1") && stderr.contains("a on lines 1 and 3"),
        "{stderr}"
    );
    let r = run(&[
        "scan",
        "--quiet",
        "--id-field",
        "id",
        input.to_str().unwrap(),
    ]);
    assert!(r.stderr.is_empty());
}

#[test]
fn a_byte_order_mark_before_the_first_record_is_not_part_of_it() {
    let dir = scratch("bom");
    let input = dir.join("bom.jsonl");
    std::fs::write(
        &input,
        "\u{feff}{\"text\":\"first record\"}\n{\"text\":\"second\"}\n",
    )
    .unwrap();
    let r = run(&["scan", "--format", "json", input.to_str().unwrap()]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert!(stdout.contains("\"documents\":2,\"ok\":2"), "{stdout}");
}
