"""neardup.spark in local mode: the same answers as Detector.run on a corpus that one
process holds (no boilerplate): pairs, Jaccards, passages, reuse, repeats, clusters, keep
flags. Skipped when pyspark or Java is missing, unless NEARDUP_REQUIRE_SPARK is set."""
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
    vocab = [f"w{i}" for i in range(3000)]
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


def spans(passages, first="a", again="b"):
    return sorted((p[f"{first}_start"], p[f"{first}_end"], p[f"{again}_start"], p[f"{again}_end"],
                   p["tokens"], p["differing"]) for p in passages)


@pytest.mark.parametrize("seed,max_group", [(1, 200), (2, 3)])
def test_spark_answers_as_the_library_does(session, seed, max_group):
    texts = corpus(120, seed)
    det = neardup.Detector(threshold=0.8, max_group=max_group)
    report = det.run([(f"d{i}", t) for i, t in enumerate(texts)])
    df = session.createDataFrame([(f"d{i}", t) for i, t in enumerate(texts)], ["id", "text"])
    df = df.coalesce(1)  # one partition: document numbers follow the input order
    got = nspark.analyze(df, text="text", id="id", detector=det)

    def lib_pairs(pairs):
        return {(p.a_id, p.b_id): (p.jaccard, spans([{
            "a_start": x.a.byte_start, "a_end": x.a.byte_end, "b_start": x.b.byte_start,
            "b_end": x.b.byte_end, "tokens": x.tokens, "differing": x.differing}
            for x in p.passages])) for p in pairs}

    def spark_pairs(df):
        return {(r["a_id"], r["b_id"]): (r["jaccard"], spans(r["passages"]))
                for r in df.collect()}

    want_pairs, want_reuse = lib_pairs(report.pairs), lib_pairs(report.reuse)
    assert len(want_pairs) >= 10 and len(want_reuse) >= 5, "the corpus plants both"
    assert spark_pairs(got.pairs) == want_pairs
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
        "tokens": x.tokens, "differing": x.differing} for x in r.passages], "first", "again")
        for r in report.repeats}
    got_repeats = {r["id"]: spans(r["passages"], "first", "again") for r in got.repeats.collect()}
    assert got_repeats == want_repeats and len(want_repeats) >= 5
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
