"""neardup on Apache Spark: near-duplicates, shared passages, repeats and a dedup flag for
DataFrames larger than one machine holds (first version).

Spark does the grouping; neardup's Rust code does the per-document and per-pair work,
called on Arrow batches (``mapInArrow``), with no Python work per row:

1. per document (``Detector.keys_batch``): band keys, passage fingerprints with their
   token positions, a 128-bit content hash;
2. identical texts: grouped by content hash, each copy paired with the first (Jaccard 1);
   copies take no other part;
3. band keys grouped: the first ``max_group`` documents of a key pair with each other,
   the first with every later one;
4. fingerprints grouped; where some are held by more than ``boilerplate_docs`` documents
   (boilerplate), those are collected to the driver with the document at which each
   turns common and sent to every task, the documents that hold any are fingerprinted
   again around them, and a fingerprint that more than ``boilerplate_docs`` documents
   hold or count among the windows at the edges of their common text is boilerplate
   too; boilerplate left out, the first 10 holders of a fingerprint pair with each
   other, the first with every later one, each pair with the positions of what it
   shares;
5. each candidate checked (``Detector.check_batch``) after joining both texts: exact
   Jaccard, passages as byte spans;
6. clusters of near-duplicates by connected components (large-star and small-star
   rounds on DataFrames), the first document of each kept.

Document order is the DataFrame's order (``monotonically_increasing_id``, or a ``doc``
column you give): it decides which document of a cluster is kept and, where a passage is
held by more than 10 documents, which pairs report it, so the same rows in another
partitioning can give other keep flags and reuse pairs (each answer is still a run's over
the rows in that order). Give ``doc`` (a long, e.g. a row number or a timestamp) for
answers that do not depend on partitioning. The answers are those of ``Detector.run``
over the same documents in the same order, with or without boilerplate (a test checks
both in local mode). Passage offsets are given in bytes of the UTF-8 text (``a_start`` ...) and, for a string
column, in code points from 0 (``a_char_start`` ...; Spark's ``substring`` counts code
points from 1).

    from neardup.spark import analyze
    result = analyze(df, text="text", id="id", threshold=0.8)
    result.pairs.show(); result.reuse.show(); result.repeats.show(); result.documents.show()
    result.unpersist()

Or from the command line (local mode, or with spark-submit)::

    python -m neardup.spark IN OUT --format parquet --text-field text --id-field id
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any, Optional

import pyarrow as pa

from ._neardup import SMALL_GROUP, Detector

try:  # pyspark is an optional dependency of the package
    from pyspark.sql import DataFrame, SparkSession, Window
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
except ImportError as e:  # pragma: no cover - without pyspark the module cannot work
    raise ImportError("neardup.spark needs pyspark: pip install pyspark") from e

# A run compares fingerprints by their high 40 bits (up to 16.7 million documents): so
# does this module, so that its groups are a run's.
_HIGH_BITS = -(1 << 24)

# A passage's fields: byte offsets on both sides, tokens, differing tokens, then the same
# offsets in code points (null for a binary text column).
_PASSAGE_FIELDS = ["a_start", "a_end", "b_start", "b_end", "tokens", "differing",
                   "a_char_start", "a_char_end", "b_char_start", "b_char_end"]
_REPEAT_FIELDS = ["first_start", "first_end", "again_start", "again_end", "tokens", "differing",
                  "first_char_start", "first_char_end", "again_char_start", "again_char_end"]
_PASSAGE = T.StructType([T.StructField(n, T.LongType()) for n in _PASSAGE_FIELDS])
_REPEAT = T.StructType([T.StructField(n, T.LongType()) for n in _REPEAT_FIELDS])


@dataclass(frozen=True)
class Result:
    """What ``analyze`` returns: four DataFrames.

    - ``pairs``: near-duplicates (``a_id``, ``b_id``, ``a``, ``b`` document numbers,
      ``jaccard``, ``passages``), exact Jaccard at or above the threshold.
    - ``reuse``: pairs below the threshold that share passages (and ``jaccard_exact``).
    - ``repeats``: per document with repeated passages, ``id``, ``doc`` and ``passages``.
    - ``documents``: every input row's ``id``, ``doc``, ``tokens``, ``skipped`` (why it
      was not compared, or null), ``cluster`` (the id of its cluster's first document,
      null when in none) and ``keep`` (false for a near-duplicate of a kept document).

    They are computed from what ``analyze`` caches (``cached``: DataFrames and a
    broadcast); ``unpersist()`` releases those once the results are written or
    collected. (The connected components' local checkpoints stay until the session
    ends.)
    """

    pairs: DataFrame
    reuse: DataFrame
    repeats: DataFrame
    documents: DataFrame
    cached: tuple[Any, ...] = field(default=(), repr=False)

    def unpersist(self, blocking: bool = False) -> None:
        """Releases what ``analyze`` cached. The four DataFrames are computed again if
        used after this, and without a ``doc`` column the document numbers may then
        come out otherwise (``monotonically_increasing_id`` depends on partitioning)."""
        for cached in self.cached:
            cached.unpersist(blocking)


def _detector(detector: Optional[Detector], settings: dict[str, Any]) -> Detector:
    if detector is not None and settings:
        raise ValueError("give a detector or settings, not both")
    return detector if detector is not None else Detector(**settings)


def _keys_schema() -> T.StructType:
    return T.StructType([
        T.StructField("doc", T.LongType()),
        T.StructField("tokens", T.LongType()),
        T.StructField("whole_start", T.LongType()),
        T.StructField("whole_end", T.LongType()),
        T.StructField("whole_char_start", T.LongType()),
        T.StructField("whole_char_end", T.LongType()),
        T.StructField("band_keys", T.ArrayType(T.LongType())),
        T.StructField("fp_hash", T.ArrayType(T.LongType())),
        T.StructField("fp_pos", T.ArrayType(T.IntegerType())),
        T.StructField("content_hi", T.LongType()),
        T.StructField("content_lo", T.LongType()),
        T.StructField("skipped", T.StringType()),
    ])


def _as_signed(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Unsigned columns as the signed types Spark has (the same 64 bits)."""
    cols, names = [], []
    for name, col in zip(batch.schema.names, batch.columns):
        t = col.type
        if t == pa.uint64():
            col = col.view(pa.int64())
        elif t == pa.uint32():
            col = col.cast(pa.int32())
        elif pa.types.is_list(t) and t.value_type == pa.uint64():
            col = pa.ListArray.from_arrays(col.offsets, col.values.view(pa.int64()))
        elif pa.types.is_list(t) and t.value_type == pa.uint32():
            col = pa.ListArray.from_arrays(col.offsets, col.values.cast(pa.int32()))
        cols.append(col)
        names.append(name)
    return pa.RecordBatch.from_arrays(cols, names=names)


def _causal_pairs(rows: DataFrame, keys: list[str], small: int,
                  carry: Optional[list[str]] = None) -> DataFrame:
    """Pairs ``(a, b)`` of the documents of ``rows`` (columns ``doc``, ``rank`` by document
    within the key, and ``keys``) that share a key: the first ``small`` of a key pairwise,
    the first with every later one; each column of ``carry`` as ``{column}_a`` and
    ``{column}_b``. Two equi-joins, so a key held by a million documents costs a million
    rows, not a million squared."""
    def named(joined: DataFrame) -> DataFrame:
        cols = [F.col("x.doc").alias("a"), F.col("y.doc").alias("b")]
        for c in carry or []:
            cols += [F.col(f"x.{c}").alias(f"{c}_a"), F.col(f"y.{c}").alias(f"{c}_b")]
        return joined.select(*cols)

    x = rows.where(F.col("rank") <= small).alias("x")
    y = rows.where(F.col("rank") <= small).alias("y")
    on = [F.col(f"x.{k}") == F.col(f"y.{k}") for k in keys]
    firsts = named(x.join(y, on + [F.col("x.rank") < F.col("y.rank")]))
    first = rows.where(F.col("rank") == 1).alias("x")
    later = rows.where(F.col("rank") > small).alias("y")
    stars = named(first.join(later, [F.col(f"x.{k}") == F.col(f"y.{k}") for k in keys]))
    return firsts.unionByName(stars)


def _per_text(texts: DataFrame, work, schema: T.StructType, with_doc: bool = False) -> DataFrame:
    """``texts`` (``doc``, ``text``) through ``work`` (a ``Detector`` batch method) on
    Arrow batches of ``text`` (and ``doc`` too, when ``with_doc``): its columns, after
    ``doc``, as ``schema`` names them."""
    names = ["doc", "text"] if with_doc else ["text"]

    def batches(it):
        for b in it:
            given = pa.RecordBatch.from_arrays([b.column(n) for n in names], names=names)
            out = _as_signed(pa.record_batch(work(given)))
            yield out.add_column(0, "doc", b.column("doc"))

    return texts.select("doc", "text").mapInArrow(batches, schema)


def _fingerprints(rows: DataFrame, long: Any) -> DataFrame:
    """One row per fingerprint (``doc``, ``hash``: its high 40 bits, ``pos``, ``long``)
    of ``rows`` (``doc``, ``fp_hash``, ``fp_pos``)."""
    return rows.select("doc", F.explode(F.arrays_zip("fp_hash", "fp_pos", long.alias("fp_long")))
                       .alias("fp")).select(
        "doc", F.col("fp.fp_hash").bitwiseAND(F.lit(_HIGH_BITS)).alias("hash"),
        F.col("fp.fp_pos").alias("pos"), F.col("fp.fp_long").alias("long"))


def _ranked(prints: DataFrame) -> DataFrame:
    """``prints`` with each holder's ``rank`` (by document) among the holders of its
    fingerprint and their number (``holders``): one sort by fingerprint."""
    return prints \
        .withColumn("rank", F.dense_rank().over(Window.partitionBy("hash").orderBy("doc"))) \
        .withColumn("holders", F.max("rank").over(Window.partitionBy("hash")))


def _rare_fingerprints(prints: DataFrame, texts: DataFrame, det: Detector,
                       max_docs: int) -> tuple[DataFrame, list[Any]]:
    """The fingerprints (``doc``, ``hash``, ``pos``, ``long``) that propose pairs, ranked
    (``_ranked``), as a run takes them (the library's ``detector::engine``, steps 3 and
    4): held by 2 to ``max_docs`` documents, and not boilerplate. Where some fingerprints
    are held by more (boilerplate), those are collected with the document at which each
    turns common (its first holder past ``max_docs``; to the driver, 16 bytes each) and
    sent to every task, the documents of ``texts`` that hold some are fingerprinted
    again around them, and a fingerprint that more than ``max_docs`` documents hold or
    count among the windows at the edges of their common text is boilerplate too.
    Without boilerplate this costs one sort of the fingerprints, as before. Returns the
    fingerprints and what it cached (DataFrames and broadcasts)."""
    first = _ranked(prints).persist()
    rare = (F.col("holders") >= 2) & (F.col("holders") <= max_docs)
    held_widely = first.where(F.col("holders") > max_docs)
    turns = held_widely.where(F.col("rank") == max_docs + 1).select("hash", "doc") \
        .distinct().collect()
    if not turns:
        return first.where(rare), [first]
    # Sorted as unsigned values, once: each batch makes its set in linear time.
    turns = sorted((h & 0xFFFF_FFFF_FFFF_FFFF, d) for h, d in turns)
    context = texts.sparkSession.sparkContext
    shared = context.broadcast([h for h, _ in turns])
    turned = context.broadcast([d for _, d in turns])
    schema = T.StructType([
        T.StructField("doc", T.LongType()), T.StructField("around", T.BooleanType()),
        T.StructField("fp_hash", T.ArrayType(T.LongType())),
        T.StructField("fp_pos", T.ArrayType(T.IntegerType())),
        T.StructField("fp_long", T.ArrayType(T.BooleanType())),
    ])
    boilerplate: list[Any] = []

    def around_of(batch: Any) -> Any:
        if not boilerplate:  # once per task
            boilerplate.append(pa.array(shared.value, type=pa.uint64()))
        return det.around_batch(batch, boilerplate[0])

    # Only the documents that hold boilerplate are read again.
    holding = texts.join(held_widely.select("doc").distinct(), "doc", "left_semi")
    around = _per_text(holding, around_of, schema).where("around") \
        .select("doc", "fp_hash", "fp_pos", "fp_long").persist()
    again = _fingerprints(around, F.col("fp_long"))
    prints = prints.join(around.select("doc"), "doc", "left_anti").unionByName(again)
    # The first ranking stays cached until the result is released: `around` is computed
    # from it when first used.
    ranked = _ranked(prints).persist()
    windows_schema = T.StructType([T.StructField("doc", T.LongType()),
                                   T.StructField("windows", T.ArrayType(T.LongType()))])
    steps: list[Any] = []

    def windows_of(batch: Any) -> Any:
        if not steps:  # once per task
            steps.append((pa.array(shared.value, type=pa.uint64()),
                          pa.array(turned.value, type=pa.int64())))
        return det.windows_batch(batch, *steps[0])

    windows = _per_text(texts.join(around.select("doc"), "doc", "left_semi"),
                        windows_of, windows_schema, with_doc=True) \
        .select("doc", F.explode("windows").alias("window")) \
        .select("doc", F.col("window").bitwiseAND(F.lit(_HIGH_BITS)).alias("hash"))
    # Distinct documents: two windows of one may agree in their high 40 bits. Counted
    # with the fingerprint's holders (a document counts the windows it did not pick).
    held = ranked.where(rare).select("hash", "holders").distinct()
    crowded = windows.join(held.select("hash"), "hash") \
        .groupBy("hash").agg(F.countDistinct("doc").alias("n")).join(held, "hash") \
        .where(F.col("n") + F.col("holders") > max_docs).select("hash")
    cached = [first, around, ranked, shared, turned]
    return ranked.where(rare).join(crowded, "hash", "left_anti"), cached


def _components(pairs: DataFrame) -> DataFrame:
    """``(doc, label)`` for every document in ``pairs`` (columns ``a``, ``b``): the
    smallest document of its connected component. Large-star and small-star rounds
    (Kiveris et al., "Connected Components in MapReduce and Beyond", 2014) until the
    edges stop changing: O(log² n) rounds for n documents, whatever the length of the
    chains, each round a few shuffles of the edges, checkpointed so that its plan does
    not grow."""
    edges = pairs.select(F.col("a").alias("u"), F.col("b").alias("v")).where("u != v")
    edges = edges.distinct().localCheckpoint()

    def both(e: DataFrame) -> DataFrame:
        return e.unionByName(e.select(F.col("v").alias("u"), F.col("u").alias("v")))

    def large_star(e: DataFrame) -> DataFrame:
        # Each node's larger neighbours move to the smallest of it and its neighbours.
        e2 = both(e)
        low = e2.groupBy("u").agg(F.min("v").alias("m"))
        return e2.join(low, "u").where(F.col("v") > F.col("u")) \
            .select(F.col("v").alias("u"), F.least("u", "m").alias("v"))

    def small_star(e: DataFrame) -> DataFrame:
        # Each node and its smaller neighbours move to the smallest of them.
        e2 = both(e).where(F.col("v") < F.col("u"))
        low = e2.groupBy("u").agg(F.min("v").alias("m"))
        neighbours = e2.join(low, "u").select(F.col("v").alias("u"), F.col("m").alias("v"))
        itself = low.select("u", F.col("m").alias("v"))
        return neighbours.unionByName(itself).where(F.col("u") != F.col("v"))

    while True:
        new = small_star(large_star(edges)).distinct().localCheckpoint()
        changed = new.exceptAll(edges).limit(1).count() + edges.exceptAll(new).limit(1).count()
        edges = new
        if changed == 0:
            break
    # Converged: every node points to its component's smallest node (a star).
    labels = both(edges).groupBy(F.col("u").alias("doc")).agg(F.min("v").alias("label"))
    return labels.select("doc", F.least("doc", "label").alias("label"))


def analyze(
    df: DataFrame,
    text: str = "text",
    id: Optional[str] = None,
    detector: Optional[Detector] = None,
    doc: Optional[str] = None,
    **settings: Any,
) -> Result:
    """Near-duplicates, shared passages, repeats and clusters of ``df``'s ``text`` column
    (strings or binary), documents named by the ``id`` column (their number when None).
    Documents are ordered by the ``doc`` column (a long) when given, by the DataFrame's
    order otherwise. Settings as ``neardup.Detector`` takes them, or a ``detector``."""
    det = _detector(detector, settings)
    if text not in df.columns:
        raise ValueError(f"text: no column {text!r} (the DataFrame has {df.columns})")
    kind = df.schema[text].dataType
    if not isinstance(kind, (T.StringType, T.BinaryType)):
        raise TypeError(f"text: column {text!r} is {kind.simpleString()}, not string or binary")
    if id is not None and id not in df.columns:
        raise ValueError(f"id: no column {id!r} (the DataFrame has {df.columns})")
    conf = det.settings()
    pickled = det  # detectors pickle by their settings
    cols = [F.col(text).alias("text")]
    cols.append(F.col(id).alias("id") if id is not None else F.lit(None).alias("id"))
    number = F.col(doc).cast("long") if doc is not None else F.monotonically_increasing_id()
    cols.append(number.alias("doc"))
    docs = df.select(*cols)
    if id is None:
        docs = docs.withColumn("id", F.col("doc"))
    docs = docs.persist()

    keys = _per_text(docs, pickled.keys_batch, _keys_schema()).persist()

    # Identical texts: each copy pairs with the first (by document number).
    ok = keys.where(F.col("skipped").isNull())
    by_content = Window.partitionBy("content_hi", "content_lo")
    firsts = ok.withColumn("first", F.min("doc").over(by_content))
    copies = firsts.where((F.col("doc") != F.col("first")) & (F.col("tokens") > 0))
    # Not cached: caching it (arrays of keys per row) made the 100k bench take 153 s
    # instead of 72 s; it is computed again from the cached keys where used.
    originals = firsts.where(F.col("doc") == F.col("first")).drop("first")
    min_tokens = conf["min_passage_tokens"]
    identical = copies.select(
        F.col("first").alias("a"),
        F.col("doc").alias("b"),
        F.lit(1.0).alias("jaccard"),
        F.lit(True).alias("jaccard_exact"),
        F.when(
            F.col("tokens") >= min_tokens,
            F.array(F.struct(
                F.col("whole_start").alias("a_start"), F.col("whole_end").alias("a_end"),
                F.col("whole_start").alias("b_start"), F.col("whole_end").alias("b_end"),
                F.col("tokens").alias("tokens"), F.lit(0).cast("long").alias("differing"),
                F.col("whole_char_start").alias("a_char_start"),
                F.col("whole_char_end").alias("a_char_end"),
                F.col("whole_char_start").alias("b_char_start"),
                F.col("whole_char_end").alias("b_char_end"),
            )),
        ).otherwise(F.array().cast(T.ArrayType(_PASSAGE))).alias("passages"),
    )

    # Band keys: the first max_group holders pairwise, the first with every later one.
    max_group = max(2, conf["max_group"])
    bands = originals.select("doc", F.posexplode("band_keys").alias("band", "key"))
    bands = bands.withColumn(
        "rank", F.row_number().over(Window.partitionBy("band", "key").orderBy("doc")))
    lsh = _causal_pairs(bands, ["band", "key"], max_group).distinct() \
        .withColumn("lsh", F.lit(True))

    # Fingerprints: boilerplate left out; the first SMALL_GROUP holders pairwise, the
    # first with every later one, with the positions of what each pair shares.
    prints = _fingerprints(originals, F.transform("fp_hash", lambda _: F.lit(False)))
    texts = docs.select("doc", "text")
    prints, cached = _rare_fingerprints(
        prints, texts.join(originals.select("doc"), "doc", "left_semi"), pickled,
        conf["boilerplate_docs"])
    shared = _causal_pairs(prints, ["hash"], SMALL_GROUP, carry=["pos", "long"]) \
        .groupBy("a", "b") \
        .agg(F.collect_list(F.struct("pos_a", "pos_b", "long_a")).alias("shared")) \
        .select("a", "b", F.col("shared.pos_a").alias("pos_a"), F.col("shared.pos_b").alias("pos_b"),
                F.col("shared.long_a").alias("long"))

    candidates = lsh.join(shared, ["a", "b"], "full_outer").select(
        "a", "b",
        F.coalesce(F.col("lsh"), F.lit(False)).alias("lsh"),
        F.coalesce(F.col("pos_a"), F.array().cast("array<int>")).alias("pos_a"),
        F.coalesce(F.col("pos_b"), F.array().cast("array<int>")).alias("pos_b"),
        F.coalesce(F.col("long"), F.array().cast("array<boolean>")).alias("long"),
    )
    joined = candidates \
        .join(texts.select(F.col("doc").alias("a"), F.col("text").alias("text_a")), "a") \
        .join(texts.select(F.col("doc").alias("b"), F.col("text").alias("text_b")), "b")

    checked_schema = T.StructType([
        T.StructField("a", T.LongType()), T.StructField("b", T.LongType()),
        T.StructField("reported", T.BooleanType()), T.StructField("jaccard", T.DoubleType()),
        T.StructField("jaccard_exact", T.BooleanType()),
    ] + [T.StructField(n, T.ArrayType(T.LongType())) for n in _PASSAGE_FIELDS])

    def check(batches):
        for b in batches:
            pos = [pa.ListArray.from_arrays(b.column(c).offsets, b.column(c).values.cast(pa.uint32()))
                   for c in ("pos_a", "pos_b")]
            inp = pa.RecordBatch.from_arrays(
                [b.column("text_a"), b.column("text_b"), b.column("lsh"), pos[0], pos[1],
                 b.column("long")],
                names=["text_a", "text_b", "lsh", "pos_a", "pos_b", "long"])
            out = _as_signed(pa.record_batch(pickled.check_batch(inp)))
            out = out.add_column(0, "b", b.column("b")).add_column(0, "a", b.column("a"))
            yield out

    checked = joined.select("a", "b", "lsh", "pos_a", "pos_b", "long", "text_a", "text_b") \
        .mapInArrow(check, checked_schema).where("reported")
    checked = checked.select(
        "a", "b", "jaccard", "jaccard_exact",
        F.arrays_zip(*_PASSAGE_FIELDS).cast(T.ArrayType(_PASSAGE)).alias("passages"),
    )
    found = checked.unionByName(identical).persist()
    threshold = conf["threshold"]
    is_pair = F.col("jaccard_exact") & (F.col("jaccard") >= threshold)
    ids = docs.select("doc", "id")
    named = found \
        .join(ids.select(F.col("doc").alias("a"), F.col("id").alias("a_id")), "a") \
        .join(ids.select(F.col("doc").alias("b"), F.col("id").alias("b_id")), "b")
    pairs = named.where(is_pair).select("a_id", "b_id", "a", "b", "jaccard", "passages")
    reuse = named.where(~is_pair & (F.size("passages") > 0)) \
        .select("a_id", "b_id", "a", "b", "jaccard", "jaccard_exact", "passages")

    # Repeats inside documents.
    rep_schema = T.StructType([T.StructField("doc", T.LongType())] + [
        T.StructField(n, T.ArrayType(T.LongType())) for n in _REPEAT_FIELDS])
    repeats = _per_text(docs, pickled.repeats_batch, rep_schema) \
        .where(F.size("first_start") > 0) \
        .select("doc", F.arrays_zip(*_REPEAT_FIELDS).cast(T.ArrayType(_REPEAT)).alias("passages")) \
        .join(ids, "doc").select("id", "doc", "passages")
    if not conf["find_repeats"]:
        repeats = repeats.limit(0)

    # Clusters: connected components of the near-duplicate pairs, labelled by their
    # smallest document.
    labels = _components(found.where(is_pair).select("a", "b"))
    clusters = labels.join(ids.select(F.col("doc").alias("label"), F.col("id").alias("cluster")),
                           "label")
    documents = keys.select("doc", "tokens", "skipped").join(ids, "doc") \
        .join(clusters.select("doc", "cluster", "label"), "doc", "left") \
        .withColumn("keep", F.col("label").isNull() | (F.col("label") == F.col("doc"))) \
        .select("id", "doc", "tokens", "skipped", "cluster", "keep")
    return Result(pairs=pairs, reuse=reuse, repeats=repeats, documents=documents,
                  cached=(docs, keys, found, *cached))


def _pairs_only(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` for a result made of near-duplicate pairs only: without passage search
    and repeats unless they are asked for (or a ``detector`` is given). Without passage
    search the detector chooses its LSH layout to find alone the pairs that shared
    passages would reveal (21 x 6 bands instead of 16 x 8 for threshold 0.8)."""
    if "detector" in settings:
        return settings
    return {"passage_reuse": False, "find_repeats": False, **settings}


def near_duplicates(df: DataFrame, text: str = "text", id: Optional[str] = None,
                    **settings: Any) -> DataFrame:
    """The near-duplicate pairs of ``df`` (see ``analyze``), found without passage search
    and repeats unless the settings ask for them."""
    return analyze(df, text=text, id=id, **_pairs_only(settings)).pairs


def passages(df: DataFrame, text: str = "text", id: Optional[str] = None,
             **settings: Any) -> DataFrame:
    """The pairs below the threshold that share passages (see ``analyze``)."""
    return analyze(df, text=text, id=id, **settings).reuse


def dedup(df: DataFrame, text: str = "text", id: Optional[str] = None,
          **settings: Any) -> DataFrame:
    """``df``'s rows with ``dup_cluster`` (the id of its cluster's first row, or null) and
    ``dup_keep`` (false for a near-duplicate of a kept row), in document order. Computed
    here and kept as a local checkpoint (on the executors: an executor lost loses its
    part), so that nothing else stays cached. The clusters need no passage search: it
    runs without it and without repeats unless the settings ask for them."""
    numbered = df.withColumn("__doc", F.monotonically_increasing_id()).persist()
    result = analyze(numbered, text=text, id=id, doc="__doc", **_pairs_only(settings))
    flags = result.documents.select(
        F.col("doc").alias("__doc"), F.col("cluster").alias("dup_cluster"),
        F.col("keep").alias("dup_keep"))
    out = numbered.join(flags, "__doc").orderBy("__doc").drop("__doc").localCheckpoint()
    result.unpersist()
    numbered.unpersist()
    return out


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m neardup.spark",
        description="Near-duplicates and shared passages of a dataset with Spark; writes "
                    "OUT/kept (the rows to keep), OUT/pairs, OUT/reuse, OUT/repeats, "
                    "OUT/documents.")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--format", choices=["parquet", "jsonl"], default="parquet")
    ap.add_argument("--text-field", default="text")
    ap.add_argument("--id-field", default=None)
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--min-passage-tokens", type=int, default=None)
    ap.add_argument("--max-group", type=int, default=None,
                    help="largest group sharing a band key whose pairs are all checked")
    ap.add_argument("--boilerplate-docs", type=int, default=None,
                    help="a fingerprint held by more documents than this is boilerplate")
    ap.add_argument("--no-passages", action="store_true",
                    help="near-duplicates only: no search for shared passages")
    ap.add_argument("--no-repeats", action="store_true",
                    help="no search for passages repeated inside a document")
    ap.add_argument("--shuffle-partitions", type=int, default=None,
                    help="spark.sql.shuffle.partitions (more for larger inputs)")
    ap.add_argument("--master", default=None, help="e.g. local[2] (spark-submit sets it)")
    args = ap.parse_args(argv)
    existing = SparkSession.getActiveSession()
    builder = SparkSession.builder.appName("neardup")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    # Every output is checked before any work: a run never leaves a mix of two.
    hadoop = spark.sparkContext._jvm.org.apache.hadoop.fs
    outputs = [f"{args.output}/{n}" for n in ("kept", "pairs", "reuse", "repeats", "documents")]
    for out in outputs:
        path = hadoop.Path(out)
        if path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(path):
            if existing is None:
                spark.stop()
            raise SystemExit(f"neardup.spark: {out} exists; choose a new OUT")
    # The caller's session gets its setting back.
    partitions = spark.conf.get("spark.sql.shuffle.partitions")
    if args.shuffle_partitions is not None:
        spark.conf.set("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
    reader = spark.read.parquet if args.format == "parquet" else spark.read.json
    df = reader(args.input)
    settings = {k: v for k, v in {
        "threshold": args.threshold, "min_passage_tokens": args.min_passage_tokens,
        "max_group": args.max_group, "boilerplate_docs": args.boilerplate_docs,
        "passage_reuse": False if args.no_passages else None,
        "find_repeats": False if args.no_repeats else None,
    }.items() if v is not None}
    numbered = df.withColumn("__doc", F.monotonically_increasing_id()).persist()
    result = analyze(numbered, text=args.text_field, id=args.id_field, doc="__doc", **settings)
    keep = result.documents.select(F.col("doc").alias("__doc"), "keep")
    kept = numbered.join(keep, "__doc").where("keep").orderBy("__doc").drop("__doc", "keep")
    write = (lambda d, p: d.write.mode("error").parquet(p)) if args.format == "parquet" \
        else (lambda d, p: d.write.mode("error").option("ignoreNullFields", False).json(p))
    write(kept, f"{args.output}/kept")
    for name in ("pairs", "reuse", "repeats", "documents"):
        getattr(result, name).write.mode("error").parquet(f"{args.output}/{name}")
    result.unpersist()
    numbered.unpersist()
    spark.conf.set("spark.sql.shuffle.partitions", partitions)
    if existing is None:  # a session it made; one it was given is the caller's
        spark.stop()


if __name__ == "__main__":
    main()
