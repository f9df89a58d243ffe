"""neardup.spark in local mode: the same answers as Detector.run on a corpus that one
process holds (with and without boilerplate): pairs, Jaccards, passages, reuse, repeats,
clusters, keep flags. Skipped when pyspark or Java is missing, unless NEARDUP_REQUIRE_SPARK is set."""
import json
import os
import random
import shutil
import sys

import pytest

import neardup

if not os.environ.get("NEARDUP_REQUIRE_SPARK"):
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("java is not installed", allow_module_level=True)

from pyspark.sql import SparkSession  # noqa: E402

from neardup import spark as nspark  # noqa: E402


@pytest.fixture(scope="module")
def session():
    # The workers run this Python, which has neardup installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    s = (SparkSession.builder.master("local[2]").appName("neardup-test")
         .config("spark.sql.shuffle.partitions", "4")
         .config("spark.ui.enabled", "false").getOrCreate())
    yield s
    s.stop()


def corpus(n, seed):
    """Originals, edited copies (chains), identical copies, quotes and repeats."""
    rng = random.Random(seed)
    # Some words outside ASCII, so that code-point offsets differ from byte offsets.
    vocab = [f"w{i}" if i % 4 else f"{'éжσ日'[i % 16 // 4]}{i}" for i in range(3000)]
    out = []
    for i in range(n):
        kind = rng.randrange(6) if out else 0
        if kind == 1:
            words = rng.choice(out).split()
            for _ in range(rng.randrange(4)):
                words[rng.randrange(len(words))] = rng.choice(vocab)
            out.append(" ".join(words) + f" own{i}")
        elif kind == 2:
            out.append(rng.choice(out))
        elif kind == 3:
            words = rng.choice(out).split()
            start = rng.randrange(max(1, len(words) - 60))
            quote = words[start:start + 40 + rng.randrange(30)]
            out.append(" ".join(rng.choices(vocab, k=rng.randrange(1, 150)) + quote
                                + rng.choices(vocab, k=rng.randrange(1, 150))))
        elif kind == 4:
            words = rng.choices(vocab, k=100 + rng.randrange(200))
            out.append(" ".join(words + words[10:50] + rng.choices(vocab, k=20)))
        else:
            out.append(" ".join(rng.choices(vocab, k=50 + rng.randrange(350))))
    out.append("binary \x00 bytes are skipped")
    return out


MASK64 = (1 << 64) - 1
SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vo", "ne", "dri", "pu", "sel", "gor", "an", "bi",
             "cu", "fen", "hal", "jo", "kri", "mun", "os", "pel", "qua", "ri", "sto", "tu", "ve",
             "wy", "zan"]


class Rng:
    """The splitmix64 of tests/common/mod.rs: with the functions below, the same texts as
    the Rust tests build."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n):
        return self.next_u64() % n

    def chance(self, p):
        return (self.next_u64() >> 11) / float(1 << 53) < p


def word(rng):
    return "".join(SYLLABLES[rng.below(len(SYLLABLES))] for _ in range(1 + rng.below(3)))


def text(rng, n):
    out = []
    for i in range(n):
        if i > 0:
            out.append(".\n" if i % 60 == 0 else ", " if rng.chance(0.08) else " ")
        out.append(word(rng))
    out.append(".\n")
    return "".join(out)


def edit(rng, t, rate):
    out = []
    pieces = t.split(" ")
    for k, piece in enumerate(pieces):
        piece = piece + (" " if k < len(pieces) - 1 else "")
        if piece == "":
            continue
        if rng.chance(rate):
            out.append(word(rng))
            if piece.endswith(" "):
                out.append(" ")
        else:
            out.append(piece)
    return "".join(out)


def random_texts(n, seed):
    rng = Rng(seed)
    out = []
    for i in range(n):
        kind = 0 if not out else rng.below(5)
        if kind == 1:
            src = rng.below(len(out))
            rate = [0.0, 0.01, 0.03][rng.below(3)]
            t = f"{edit(rng, out[src], rate)} own{i}"
        elif kind == 2:
            src = rng.below(len(out))
            words = out[src].split(" ")
            length = 30 + rng.below(60)
            frm = rng.below(max(len(words) - length, 0) or 1)
            quote = words[frm:frm + length]
            head, tail = rng.below(200), rng.below(200)
            t = f"{text(rng, head + 1)} {' '.join(quote)} {text(rng, tail + 1)}"
        elif kind == 3:
            length = 100 + rng.below(300)
            t0 = text(rng, length)
            stretch = t0.split(" ")[10:50]
            t = f"{t0} {' '.join(stretch)} {text(rng, 20)}"
        else:
            t = text(rng, 50 + rng.below(400))
        out.append(t)
    return out


def texts_with_boilerplate(n, seed):
    rng = Rng(seed ^ 0x5EED)
    footers = [text(rng, 40), text(rng, 35)]
    texts = random_texts(n, seed)
    for i in range(len(texts)):
        k = rng.below(9)
        if k <= 2:
            footer = footers[0]
        elif k <= 5:
            footer = footers[1]
        elif k == 6:
            footer = f"{footers[0]} {footers[1]}"
        else:
            continue
        if i > 0 and rng.chance(0.3):
            quote = texts[rng.below(i)].split(" ")[:30]
            texts[i] = f"{text(rng, 20)} {' '.join(quote)} {footer}"
        else:
            texts[i] = f"{texts[i]} {footer}"
    return texts


def spans(passages, first="a", again="b"):
    return sorted(tuple(p[f"{side}_{end}"] for side in (first, again)
                        for end in ("start", "end", "char_start", "char_end"))
                  + (p["tokens"], p["differing"]) for p in passages)


@pytest.mark.parametrize("seed,max_group,boilerplate_docs",
                         [(1, 200, 50), (2, 3, 50), (11215815242302911700, 200, 3)])
def test_spark_answers_as_the_library_does(session, seed, max_group, boilerplate_docs):
    if boilerplate_docs < 50:
        # tests/engine.rs's corpus with footers; with this seed the answers change when
        # either part of step 3 (fingerprinting again around boilerplate, or counting
        # which fingerprints too many of those documents contain) is left out.
        texts = texts_with_boilerplate(31, seed) + ["binary \x00 bytes are skipped"]
    else:
        texts = corpus(120, seed)
    det = neardup.Detector(threshold=0.8, max_group=max_group, boilerplate_docs=boilerplate_docs)
    report = det.run([(f"d{i}", t) for i, t in enumerate(texts)])
    if boilerplate_docs < 50:
        assert report.summary["boilerplate_fingerprints"] > 0, "the footers are boilerplate"
    df = session.createDataFrame([(f"d{i}", t) for i, t in enumerate(texts)], ["id", "text"])
    df = df.coalesce(1)  # one partition: document numbers follow the input order
    got = nspark.analyze(df, text="text", id="id", detector=det)

    def lib_pairs(pairs):
        return {(p.a_id, p.b_id): (p.jaccard, spans([{
            "a_start": x.a.byte_start, "a_end": x.a.byte_end, "b_start": x.b.byte_start,
            "b_end": x.b.byte_end, "a_char_start": x.a.start, "a_char_end": x.a.end,
            "b_char_start": x.b.start, "b_char_end": x.b.end, "tokens": x.tokens,
            "differing": x.differing} for x in p.passages])) for p in pairs}

    def spark_pairs(df):
        return {(r["a_id"], r["b_id"]): (r["jaccard"], spans(r["passages"]))
                for r in df.collect()}

    want_pairs, want_reuse = lib_pairs(report.pairs), lib_pairs(report.reuse)
    assert len(want_pairs) >= len(texts) // 12 and len(want_reuse) >= 5, "the corpus plants both"
    assert spark_pairs(got.pairs) == want_pairs
    if boilerplate_docs >= 50:  # this corpus has words outside ASCII
        assert any(s[3] != s[1] for _, spans_ in want_pairs.values() for s in spans_), \
            "code points differ from bytes somewhere"
    got_reuse = spark_pairs(got.reuse)
    assert got_reuse.keys() == want_reuse.keys()
    exact = {(p.a_id, p.b_id) for p in report.reuse if p.jaccard_is_exact}
    for k, (j, s) in want_reuse.items():
        assert got_reuse[k][1] == s, k
        if k in exact:
            assert got_reuse[k][0] == j, k
    want_repeats = {r.id: spans([{
        "first_start": x.first.byte_start, "first_end": x.first.byte_end,
        "again_start": x.again.byte_start, "again_end": x.again.byte_end,
        "first_char_start": x.first.start, "first_char_end": x.first.end,
        "again_char_start": x.again.start, "again_char_end": x.again.end,
        "tokens": x.tokens, "differing": x.differing} for x in r.passages], "first", "again")
        for r in report.repeats}
    got_repeats = {r["id"]: spans(r["passages"], "first", "again") for r in got.repeats.collect()}
    assert got_repeats == want_repeats and len(want_repeats) >= len(texts) // 24
    docs = {r["id"]: r for r in got.documents.collect()}
    assert len(docs) == len(texts)
    assert docs[f"d{len(texts) - 1}"]["skipped"].startswith("binary")
    want_clusters = {frozenset(f"d{m}" for m in c.members) for c in report.clusters}
    by_cluster = {}
    for r in docs.values():
        if r["cluster"] is not None:
            by_cluster.setdefault(r["cluster"], set()).add(r["id"])
    assert {frozenset(v) for v in by_cluster.values()} == want_clusters
    plan = report.dedup_plan()
    for e in plan.entries:
        assert docs[e.id]["keep"] == (e.action != "drop"), e.id
    frames = [d for d in got.cached if hasattr(d, "storageLevel")]
    assert frames and all(d.storageLevel.useMemory or d.storageLevel.useDisk for d in frames)
    got.unpersist(blocking=True)
    assert not any(d.storageLevel.useMemory or d.storageLevel.useDisk for d in frames)


def test_dedup_and_the_command_line(session, tmp_path):
    texts = corpus(40, 3)
    df = session.createDataFrame([(f"r{i}", t, i) for i, t in enumerate(texts)],
                                 ["id", "text", "n"]).coalesce(1)
    flagged = nspark.dedup(df, text="text", id="id").collect()
    assert [r["n"] for r in flagged] == list(range(len(texts)))
    assert any(not r["dup_keep"] for r in flagged)
    src = str(tmp_path / "in")
    df.write.parquet(src)
    nspark.main([src, str(tmp_path / "out"), "--id-field", "id"])
    kept = session.read.parquet(str(tmp_path / "out" / "kept")).collect()
    assert len(kept) == sum(r["dup_keep"] for r in flagged)


def test_the_command_line_keeps_json_lines_records_whole(session, tmp_path):
    texts = corpus(40, 5)
    src = tmp_path / "in.jsonl"
    with open(src, "w") as f:
        for i, t in enumerate(texts[:-1]):
            f.write(json.dumps({"id": f"r{i}", "text": t, "note": None if i % 2 else "x"}) + "\n")
    out = tmp_path / "out"
    nspark.main([str(src), str(out), "--format", "jsonl", "--id-field", "id", "--max-group", "3",
                 "--boilerplate-docs", "4", "--no-repeats", "--shuffle-partitions", "3"])
    flags = {r["id"]: r["keep"] for r in session.read.parquet(str(out / "documents")).collect()}
    assert not all(flags.values())
    det = neardup.Detector(max_group=3, boilerplate_docs=4, find_repeats=False)
    plan = det.run([(f"r{i}", t) for i, t in enumerate(texts[:-1])]).dedup_plan()
    assert flags == {e.id: e.action != "drop" for e in plan.entries}
    assert session.read.parquet(str(out / "repeats")).count() == 0
    kept = [json.loads(line) for part in sorted((out / "kept").glob("part-*"))
            for line in open(part)]
    assert [r["id"] for r in kept] == [f"r{i}" for i in range(len(texts) - 1) if flags[f"r{i}"]]
    for r in kept:
        i = int(r["id"][1:])
        assert r == {"id": f"r{i}", "text": texts[i], "note": None if i % 2 else "x"}


def test_bad_columns_and_an_existing_out_are_refused_before_any_work(session, tmp_path):
    df = session.createDataFrame([(1, 2)], "id int, text int")
    with pytest.raises(TypeError, match="not string or binary"):
        nspark.analyze(df, text="text", id="id")
    with pytest.raises(ValueError, match="no column 'body'"):
        nspark.analyze(df, text="body")
    src = str(tmp_path / "in")
    session.createDataFrame([("a", "some text")], ["id", "text"]).write.parquet(src)
    (tmp_path / "out" / "reuse").mkdir(parents=True)
    with pytest.raises(SystemExit, match="exists"):
        nspark.main([src, str(tmp_path / "out"), "--id-field", "id"])
    assert not (tmp_path / "out" / "kept").exists()


def test_connected_components_of_chains_and_random_graphs(session):
    rng = random.Random(7)
    edges = [(i, i + 1) for i in range(0, 300)]  # one long chain: 301 nodes
    edges += [(rng.randrange(1000, 1400), rng.randrange(1000, 1400)) for _ in range(300)]
    edges = [(a, b) if a < b else (b, a) for a, b in edges if a != b]
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    want = {x: find(x) for x in list(parent)}
    df = session.createDataFrame(edges, "a long, b long")
    got = {r["doc"]: r["label"] for r in nspark._components(df).collect()}
    assert got == want
