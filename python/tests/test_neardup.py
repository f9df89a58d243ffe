"""The Python package through its public API: results, spans, errors, pickling, the index."""
import contextlib
import os
import pickle
import random
import signal
import threading

import pytest

import neardup

STORY = (
    "The council voted on Tuesday to close the old footbridge over the canal after "
    "engineers found that two of its wooden supports had rotted through. A temporary "
    "crossing will open near the lock gates next month, and the bridge itself will be "
    "rebuilt in steel over the winter, the works department said in a statement."
)
# The same story in other scripts: accents, Cyrillic, CJK, emoji (4-byte UTF-8).
MIXED = (
    "Le conseil a voté mardi la fermeture de la passerelle; Совет проголосовал за закрытие "
    "старого моста через канал 🚧 после того как инженеры нашли гниль. 日本語 の 文章 も "
    "少し 入れて おく ので ご了承 ください 🙂 and a few English words to close the paragraph."
)


def detector(**kw):
    kw.setdefault("min_passage_tokens", 10)
    return neardup.Detector(**kw)


def test_pairs_clusters_and_spans_slice_the_texts():
    edited = STORY.replace("Tuesday", "Wednesday")
    texts = [STORY, edited, "Rain is expected across the region for most of the weekend."]
    report = detector(threshold=0.7).run(texts)
    assert [(p.a, p.b) for p in report.pairs] == [(0, 1)]
    pair = report.pairs[0]
    assert pair.jaccard_is_exact and 0.7 <= pair.jaccard < 1.0
    assert (pair.a_id, pair.b_id) == (0, 1)
    p = pair.passages[0]
    assert texts[0][p.a.start:p.a.end] == texts[1][p.b.start:p.b.end]
    assert texts[0][p.a.start:p.a.end].startswith("to close the old footbridge")
    assert [c.members for c in report.clusters] == [[0, 1]]
    assert report.clusters[0].representative == 0
    s = report.summary
    assert (s["documents"], s["ok"], s["pairs"], s["clusters"]) == (3, 3, 1, 1)


def test_ids_are_kept_as_given():
    report = detector(threshold=0.7).run([("first", STORY), (42, STORY + " Again."), ("x", "no")])
    assert [(p.a_id, p.b_id) for p in report.pairs] == [("first", 42)]
    assert [d.id for d in report.documents] == ["first", 42, "x"]


def test_repeats_inside_a_document_on_mixed_scripts():
    text = f"Intro line.\n{MIXED}\nMiddle line.\n{MIXED}\n"
    report = detector().run([text])
    [repeat] = report.repeats
    [p] = repeat.passages
    assert text[p.first.start:p.first.end] == text[p.again.start:p.again.end]
    assert "Совет" in text[p.first.start:p.first.end]
    data = text.encode()
    assert data[p.first.byte_start:p.first.byte_end].decode() == text[p.first.start:p.first.end]
    # The same text as bytes: offsets are bytes.
    [rb] = detector().run([data]).repeats
    q = rb.passages[0]
    assert (q.first.start, q.first.end) == (p.first.byte_start, p.first.byte_end)


def test_shared_passages_below_the_threshold_are_reuse():
    quote = MIXED
    a = "A long report about rivers and bridges in the north. " + quote
    b = quote + " Then an unrelated ending about cooking rice with beans and onions for hours."
    report = detector(threshold=0.9).run([a, b])
    assert report.pairs == []
    [r] = report.reuse
    [p] = r.passages
    assert a[p.a.start:p.a.end] == b[p.b.start:p.b.end]
    groups = report.passages
    assert len(groups) == 1 and [o.doc for o in groups[0]] == [0, 1]


def test_to_dicts_is_plain_data():
    report = detector(threshold=0.7).run([STORY, STORY.replace("old", "new")])
    d = report.to_dicts()
    assert set(d) == {"documents", "pairs", "reuse", "repeats", "clusters", "passages", "summary"}
    assert d["pairs"][0]["passages"][0]["a"]["start"] >= 0
    assert pickle.loads(pickle.dumps(d)) == d


def test_dedup_plan_keeps_one_copy_and_cuts_repeats():
    edited = STORY.replace("Tuesday", "Wednesday") + " One more sentence at the end."
    doubled = f"{MIXED}\n{MIXED}"
    report = detector(threshold=0.7).run([("a", STORY), ("b", edited), ("c", doubled)])
    plan = report.dedup_plan(keep="longest", cut_passages=True)
    actions = {e.id: e.action for e in plan.entries}
    assert actions == {"a": "drop", "b": "keep", "c": "keep"}
    assert plan.entries[0].kept == 1 and plan.entries[0].jaccard >= 0.7
    assert plan.counts() == {"keep": 2, "drop": 1, "pass": 0}
    out = dict(plan.output())
    assert set(out) == {"b", "c"}
    assert out["b"] == edited
    assert out["c"].count("Совет") == 1
    # Ranks: the lowest is kept.
    plan = report.dedup_plan(keep=[0, 5, 9])
    assert [e.action for e in plan.entries] == ["keep", "drop", "keep"]
    with pytest.raises(ValueError, match="one rank per document"):
        report.dedup_plan(keep=[1, 2])
    with pytest.raises(ValueError, match="keep"):
        report.dedup_plan(keep="shortest")


def test_compare_and_detector_methods():
    c = neardup.compare(STORY, STORY.replace("Tuesday", "Monday"))
    assert c.near_duplicate and 0.8 < c.jaccard < 1 and c.passages
    assert abs(c.estimated_jaccard - c.jaccard) < 0.2
    det = detector()
    assert det.repeats(STORY) == []
    assert det.sign("") is None
    assert det.settings()["min_passage_tokens"] == 10


def test_bad_input_is_an_exception_not_a_crash():
    with pytest.raises(ValueError, match="threshold"):
        neardup.Detector(threshold=1.5)
    with pytest.raises(ValueError, match="shingle_size"):
        neardup.Detector(shingle_size=0)
    with pytest.raises(ValueError, match="num_hashes"):
        neardup.Detector(num_hashes=-1)
    with pytest.raises(ValueError, match="seed"):
        neardup.Detector(seed=2**64)
    with pytest.raises(TypeError):
        neardup.Detector(shingle_size="5")
    with pytest.raises(ValueError, match="num_perm"):
        neardup.MinHash(num_perm=-3)
    with pytest.raises(ValueError, match="bands and rows"):
        neardup.LshIndex(bands=4)
    with pytest.raises(TypeError, match="document 1"):
        detector().run(["text", 3])
    with pytest.raises(TypeError, match="pair"):
        detector().run([("id", "text", "extra")])
    with pytest.raises(ValueError, match="document 0"):
        detector().run(["lone surrogate \udc80 here"])
    with pytest.raises(TypeError):
        detector().run(None)


def test_binary_and_empty_documents_are_accounted_for():
    report = detector().run([b"\x00\x01binary", "", STORY])
    docs = report.documents
    assert len(docs) == 3
    assert docs[0].skipped is not None and "binary" in docs[0].skipped
    assert docs[1].skipped is None and docs[1].tokens == 0
    assert report.summary["skipped"] == 1


def test_run_arrow_reads_columns():
    pa = pytest.importorskip("pyarrow")
    edited = STORY.replace("Tuesday", "Friday")
    texts = [STORY, None, edited]
    for arr in (pa.array(texts), pa.array(texts, pa.large_string()),
                pa.chunked_array([texts[:1], texts[1:]])):
        report = detector(threshold=0.7).run_arrow(arr, ids=pa.array(["a", "b", "c"]))
        assert [(p.a_id, p.b_id) for p in report.pairs] == [("a", "c")]
        assert report.documents[1].skipped == "bad record: null text"
    with pytest.raises(TypeError, match="strings or binary"):
        detector().run_arrow(pa.array([1, 2]))
    with pytest.raises(TypeError, match="strings or binary"):
        detector().run_arrow(pa.array([], pa.int64()))
    assert detector().run_arrow(pa.array([], pa.string())).summary["documents"] == 0
    with pytest.raises(ValueError, match="one per row"):
        detector().run_arrow(pa.array(texts), ids=["a"])


def test_minhash_and_lsh_index_like_datasketch():
    words = STORY.lower().split()
    a, b = neardup.MinHash(), neardup.MinHash()
    a.update_batch(words)
    for w in words[:-3]:
        b.update(w)
    assert 0.7 < a.jaccard(b) <= 1.0
    assert pickle.loads(pickle.dumps(a)) == a
    assert neardup.MinHash.from_bytes(a.to_bytes()).digest() == a.digest()
    with pytest.raises(ValueError, match="incompatible"):
        a.jaccard(neardup.MinHash(num_perm=64))
    lsh = neardup.LshIndex(threshold=0.5)
    lsh.insert("a", a)
    lsh.insert(("b", 2), b)
    assert set(lsh.query(a)) == {"a", ("b", 2)}
    assert lsh.candidate_pairs() == [("a", ("b", 2))]
    with pytest.raises(ValueError, match="already"):
        lsh.insert("a", a)
    assert lsh.remove("a") and not lsh.remove("a")
    assert lsh.query(a) == [("b", 2)] and len(lsh) == 1


def test_index_answers_and_errors(tmp_path):
    path = str(tmp_path / "news.idx")
    det = detector(threshold=0.7)
    index = neardup.Index(path, det)
    assert not index.add("a1", STORY)
    m = index.add("a2", STORY.replace("Tuesday", "Thursday"))
    [near] = m.near_duplicates
    assert near.id == "a1" and near.jaccard >= 0.7
    p = near.passages[0]
    new = STORY.replace("Tuesday", "Thursday")
    assert new[p.a.start:p.a.end] == STORY[p.b.start:p.b.end]
    with pytest.raises(KeyError):
        index.add("a1", "again")
    answers = index.add_batch([("m1", MIXED), ("m2", "intro. " + MIXED)])
    assert answers[1].near_duplicates[0].id == "m1"
    assert len(index) == 4 and "m2" in index and index.get("m1") == MIXED.encode()
    assert index.query(STORY).near_duplicates
    assert index.remove("a2") and len(index) == 3
    assert index.stats()["documents"] == 3
    index.wait_for_merge()
    assert index.stats()["runs"] >= 1
    reader = neardup.Index(path, read_only=True, cache_bytes=1 << 20)
    assert len(reader) == 3 and reader.query(MIXED).near_duplicates
    with pytest.raises(OSError, match="read-only"):
        reader.add("x", "some text")
    index.add("late", "a document added while the reader is open, seen by its next query")
    assert len(reader) == 4
    del index, reader
    again = neardup.Index(path)
    assert len(again) == 4 and again.detector.settings()["threshold"] == 0.7
    del again
    with pytest.raises(ValueError, match="built with"):
        neardup.Index(path, neardup.Detector(threshold=0.9))
    bad = tmp_path / "not-an-index"
    bad.write_bytes(b"hello, this is not an index file at all" * 100)
    with pytest.raises(OSError):
        neardup.Index(str(bad))


@contextlib.contextmanager
def sigint_after(seconds):
    """Sends this process SIGINT after `seconds`, with Python's own handler installed for
    the while: a process started in the background by a shell (as some CI runners do)
    inherits SIGINT ignored, and would never see it."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


def test_keyboard_interrupt_stops_a_long_run():
    # 5,000 edited copies of one text: millions of candidate pairs keep the run busy for
    # many seconds; SIGINT after a moment must raise KeyboardInterrupt.
    rng = random.Random(1)
    words = [f"w{i}" for i in range(5000)]
    base = rng.choices(words, k=300)
    docs = []
    for _ in range(5000):
        doc = list(base)
        for _ in range(3):
            doc[rng.randrange(300)] = rng.choice(words)
        docs.append(" ".join(doc))
    with sigint_after(0.3), pytest.raises(KeyboardInterrupt):
        detector().run(docs)


def test_the_package_docstring_example_runs():
    import doctest

    result = doctest.testmod(neardup)
    assert result.attempted > 0 and result.failed == 0


def test_plan_output_passes_skipped_documents_on_unchanged():
    pa = pytest.importorskip("pyarrow")
    utf16 = "héllo wörld".encode("utf-16")
    png = b"\x89PNG\r\n\x1a\n\x00\x00"
    report = detector().run([("nul", "header\x00 log"), ("u16", utf16), ("png", png), ("ok", STORY)])
    out = dict(report.dedup_plan().output())
    assert out == {"nul": "header\x00 log", "u16": utf16, "png": png, "ok": STORY}
    out = detector().run_arrow(pa.array(["a b", None])).dedup_plan().output()
    assert out == [(0, "a b"), (1, None)]


def test_a_single_text_is_not_taken_for_a_list_of_documents():
    with pytest.raises(TypeError, match="put it in a list"):
        detector().run("some text")
    with pytest.raises(TypeError, match="put it in a list"):
        detector().run(b"some bytes")


def test_detectors_pickle_and_compare_by_settings():
    det = neardup.Detector(threshold=0.7, min_passage_tokens=12, bands=10, rows=5)
    back = pickle.loads(pickle.dumps(det))
    assert back == det and back.settings() == det.settings()
    assert neardup.Detector() != det


def test_report_lists_are_made_once():
    report = detector(threshold=0.7).run([STORY, STORY.replace("old", "new")])
    assert report.pairs[0] is report.pairs[0]
    assert report.pairs is not report.pairs  # a new list each time, the same objects


def test_arrow_dictionaries_and_null_arrays():
    pa = pytest.importorskip("pyarrow")
    edited = STORY.replace("Tuesday", "Friday")
    arr = pa.array([STORY, edited, STORY]).dictionary_encode()
    report = detector(threshold=0.7).run_arrow(arr)
    # Rows 0 and 2 are one text: the copy pairs with its first copy only.
    assert [(p.a, p.b) for p in report.pairs] == [(0, 1), (0, 2)]
    assert report.documents[2].skipped is None
    report = detector().run_arrow(pa.array([None, None]))
    assert [d.skipped for d in report.documents] == ["bad record: null text"] * 2
    with pytest.raises(TypeError, match="one column"):
        detector().run_arrow(pa.table({"text": [STORY]}).to_struct_array())


def test_index_spans_of_stored_bytes_and_threads(tmp_path):
    det = neardup.Detector(threshold=0.5, min_passage_tokens=8)
    index = neardup.Index(str(tmp_path / "x.idx"), det)
    stored = MIXED.encode()
    index.add("d", stored)
    new = MIXED.replace("канал", "реку")
    [m] = index.query(new).near_duplicates
    for p in m.passages:
        assert stored[p.b.start:p.b.end] == stored[p.b.byte_start:p.b.byte_end]
        assert new[p.a.start:p.a.end] == new.encode()[p.a.byte_start:p.a.byte_end].decode()
    errors = []

    def reader():
        try:
            for _ in range(50):
                len(index)
                index.query(STORY)
        except Exception as e:  # noqa: BLE001 - any error fails the test below
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(20):
        index.add(f"t{i}", f"{STORY} {i}")
    for t in threads:
        t.join()
    assert errors == [] and len(index) == 21
    assert 5 not in index and "t3" in index
    assert index.prune(0.0) == 0


def test_keyboard_interrupt_cancels_an_index_batch(tmp_path):
    rng = random.Random(2)
    words = [f"w{i}" for i in range(5000)]
    base = rng.choices(words, k=300)
    batch = []
    for i in range(1500):
        doc = list(base)
        for _ in range(3):
            doc[rng.randrange(300)] = rng.choice(words)
        batch.append((f"d{i}", " ".join(doc)))
    index = neardup.Index(str(tmp_path / "big.idx"))
    with sigint_after(0.5), pytest.raises(KeyboardInterrupt):
        index.add_batch(batch)
    assert len(index) == 0, "a cancelled batch adds nothing"
