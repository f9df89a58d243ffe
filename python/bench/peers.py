"""neardup from Python against rensa and datasketch: the same near-duplicate job from the
same Python strings, end to end, on one generated corpus.

    python python/bench/peers.py CORPUS_DIR [--threshold 0.8] [--repeat 3]

CORPUS_DIR is a folder written by the peers-generate example (manifest.txt, docs/,
truth.tsv with the exact Jaccard of every planted pair; `python/bench/run.sh` makes one
and runs this), or any folder of text files (real text: every file under it, sorted by
path). The texts are read into Python strings first (not timed). Then each
library does, from those strings and timed as a whole: tokenize, shingle (5 words),
sign (128 hashes), index and list pairs, with neardup's LSH layout for all three.

- neardup: `Detector(threshold, passage_reuse=False, find_repeats=False).run(texts)`;
  its pairs are verified with the exact Jaccard.
- rensa: lowercase words with a regex in Python, 5-word shingle strings,
  `RMinHash.from_token_sets` (its batch call), `RMinHashLSH.insert_many` and `query_all`;
  candidate pairs, not verified (verification would add to its time).
- datasketch: the same shingles, `MinHash.bulk`, `MinHashLSH` with an insertion session
  and `query`; candidate pairs, not verified.

Recall is measured against the planted pairs whose exact Jaccard is >= 0.85 (truth.tsv);
for a folder without one, against the pairs that any of the three proposed whose exact
Jaccard (of the regex words' 5-word shingle sets) is >= 0.85.
neardup reports identical copies as pairs with their first copy (not every pair of copies)
and joins them in one cluster, so its recall is given twice: of reported pairs, and of
pairs reported or in one cluster. Prints one line per library and the ratios; the best of --repeat runs counts (datasketch
runs once: it is slow).
"""
import argparse
from pathlib import Path
import re
import time

K = 5
# neardup's last clusters (document -> cluster): identical copies are reported as pairs
# with their first copy only, and a pair joined through a copy is in one cluster.
CLUSTERS = {}
NUM_PERM = 128
WORD = re.compile(r"[a-z0-9]+")


def shingles_of(texts):
    out = []
    for t in texts:
        words = WORD.findall(t.lower())
        if len(words) < K:
            out.append([" ".join(words)] if words else [])
        else:
            out.append([" ".join(words[i:i + K]) for i in range(len(words) - K + 1)])
    return out


def pairs_of(found_lists):
    pairs = set()
    for i, found in enumerate(found_lists):
        for j in found:
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs


def run_neardup(texts, threshold, bands, rows):
    import neardup
    det = neardup.Detector(threshold=threshold, bands=bands, rows=rows,
                           passage_reuse=False, find_repeats=False)
    report = det.run(texts)
    CLUSTERS.clear()
    for i, c in enumerate(report.clusters):
        CLUSTERS.update((m, i) for m in c.members)
    return {(p.a, p.b) for p in report.pairs}


def run_rensa(texts, threshold, bands, rows):
    from rensa import RMinHash, RMinHashLSH
    sigs = RMinHash.from_token_sets(shingles_of(texts), NUM_PERM, 1)
    lsh = RMinHashLSH(threshold, NUM_PERM, bands)
    lsh.insert_many(sigs)
    return pairs_of(lsh.query_all(sigs))


def run_datasketch(texts, threshold, bands, rows):
    from datasketch import MinHash, MinHashLSH
    encoded = [[s.encode() for s in doc] for doc in shingles_of(texts)]
    sigs = MinHash.bulk(encoded, num_perm=NUM_PERM, seed=1)
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, params=(bands, rows))
    with lsh.insertion_session() as session:
        for i, m in enumerate(sigs):
            session.insert(i, m, check_duplication=False)
    return pairs_of(lsh.query(m) for m in sigs)


def jaccard(a, b):
    return len(a & b) / len(a | b) if a or b else 1.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip", action="append", default=[], help="a library to leave out")
    args = ap.parse_args()

    root = Path(args.corpus)
    generated = (root / "truth.tsv").exists()
    if generated:
        paths = [root / p for p in (root / "manifest.txt").read_text().split()]
    else:
        paths = sorted(p for p in root.rglob("*") if p.is_file())
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
    want = None
    if generated:
        with open(root / "truth.tsv") as f:
            want = {(int(a), int(b)) for a, b, j in (line.split() for line in f)
                    if float(j) >= 0.85}
    mb = sum(len(t.encode()) for t in texts) / 1e6

    import neardup
    layout = neardup.Detector(threshold=args.threshold).settings()
    bands, rows = layout["bands"], layout["rows"]
    print(f"{len(texts)} documents, {mb:.1f} MB, {bands} bands x {rows} rows")

    seconds, found = {}, {}
    for name, run in [("neardup", run_neardup), ("rensa", run_rensa),
                      ("datasketch", run_datasketch)]:
        if name in args.skip:
            continue
        try:
            reps = 1 if name == "datasketch" else args.repeat
            best, pairs = float("inf"), set()
            for _ in range(reps):
                t0 = time.perf_counter()
                pairs = run(texts, args.threshold, bands, rows)
                best = min(best, time.perf_counter() - t0)
        except ImportError as e:
            print(f"{name:<11} skipped: {e}")
            continue
        seconds[name], found[name] = best, pairs
    if want is None:
        sets = [set(s) for s in shingles_of(texts)]
        union = set().union(*found.values())
        want = {(a, b) for a, b in union if jaccard(sets[a], sets[b]) >= 0.85}
        print(f"{len(want)} pairs with exact Jaccard >= 0.85 among the {len(union)} proposed")
    else:
        print(f"{len(want)} planted pairs with exact Jaccard >= 0.85")
    for name, best in seconds.items():
        pairs = found[name]
        recall = len(want & pairs) / max(1, len(want))
        line = (f"{name:<11} {best:8.3f} s  {mb / best:8.1f} MB/s  pairs {len(pairs):>7}  "
                f"recall at J >= 0.85: {recall:.4f}")
        if name == "neardup":
            joined = {(a, b) for a, b in want if CLUSTERS.get(a, -1) == CLUSTERS.get(b, -2)}
            line += f" (as a pair or in one cluster: {len(want & (pairs | joined)) / max(1, len(want)):.4f})"
        print(line)
    if "neardup" in seconds:
        for peer in ("rensa", "datasketch"):
            if peer in seconds:
                print(f"neardup is {seconds[peer] / seconds['neardup']:.1f}x faster than {peer}")


if __name__ == "__main__":
    main()
