"""One Python peer's side of the comparison (benches/peers/run.sh).

    python peer.py datasketch|rensa CORPUS_DIR OUT_PREFIX THRESHOLD BANDS ROWS [once]

Reads CORPUS_DIR/manifest.txt and the files it lists, tokenizes them as neardup does for
this corpus (lowercase ASCII words; runs of [a-z0-9]) and builds 5-word shingle strings
(not timed: "prep"). Then times signing with the library's fastest batch call, and LSH
candidate pairs with the same bands x rows as neardup. With `once`, signing runs once
(rensa: its faster batch call only), for end-to-end timing of the whole process. Writes OUT_PREFIX.candidates.tsv
and prints one JSON line of figures.
"""
import json
import re
import sys
import time

WORD = re.compile(r"[a-z0-9]+")
K = 5
NUM_PERM = 128
REPS = 3  # signing is timed REPS times, the best counts (datasketch: once, it is slow)


def shingle_lists(texts):
    out = []
    for t in texts:
        words = WORD.findall(t.lower())
        if not words:
            out.append([])
        elif len(words) < K:
            out.append([" ".join(words)])
        else:
            out.append([" ".join(words[i:i + K]) for i in range(len(words) - K + 1)])
    return out


def run_datasketch(shingles, threshold, bands, rows):
    from datasketch import MinHash, MinHashLSH
    encoded = [[s.encode() for s in doc] for doc in shingles]
    sign, sigs = best_of(1, lambda: MinHash.bulk(encoded, num_perm=NUM_PERM, seed=1))
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, params=(bands, rows))
    with lsh.insertion_session() as session:
        for i, m in enumerate(sigs):
            session.insert(i, m, check_duplication=False)
    pairs = set()
    for i, m in enumerate(sigs):
        for j in lsh.query(m):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return sign, time.perf_counter() - t0, pairs


def best_of(reps, f):
    """The shortest of `reps` timed calls of f, and f's last result."""
    best, out = float("inf"), None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_rensa(shingles, threshold, bands, rows):
    from rensa import RMinHash, RMinHashLSH
    # Its two batch calls; the faster one counts.
    if REPS == 1:
        sign, sigs = best_of(1, lambda: RMinHash.from_token_sets(shingles, NUM_PERM, 1))
    else:
        matrix, _ = best_of(REPS, lambda: RMinHash.digest_matrix_from_token_sets(shingles, NUM_PERM, 1))
        objects, sigs = best_of(REPS, lambda: RMinHash.from_token_sets(shingles, NUM_PERM, 1))
        sign = min(matrix, objects)
    t0 = time.perf_counter()
    lsh = RMinHashLSH(threshold, NUM_PERM, bands)
    lsh.insert_many(sigs)
    pairs = set()
    for i, found in enumerate(lsh.query_all(sigs)):
        for j in found:
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return sign, time.perf_counter() - t0, pairs


def main():
    global REPS
    peer, corpus, prefix, threshold, bands, rows = sys.argv[1:7]
    if sys.argv[7:] == ["once"]:
        REPS = 1
    threshold, bands, rows = float(threshold), int(bands), int(rows)
    with open(f"{corpus}/manifest.txt") as f:
        paths = f.read().split()
    texts = []
    for p in paths:
        with open(f"{corpus}/{p}", encoding="utf-8", errors="replace") as f:
            texts.append(f.read())
    nbytes = sum(len(t.encode()) for t in texts)
    t0 = time.perf_counter()
    shingles = shingle_lists(texts)
    prep = time.perf_counter() - t0
    runner = {"datasketch": run_datasketch, "rensa": run_rensa}[peer]
    sign, lsh_seconds, pairs = runner(shingles, threshold, bands, rows)
    with open(f"{prefix}.candidates.tsv", "w") as f:
        for a, b in sorted(pairs):
            f.write(f"{a}\t{b}\n")
    print(json.dumps({
        "peer": peer, "docs": len(texts), "bytes": nbytes,
        "shingles": sum(len(s) for s in shingles), "prep_seconds": round(prep, 4),
        "sign_seconds": round(sign, 4), "lsh_seconds": round(lsh_seconds, 4),
        "candidates": len(pairs),
    }))


if __name__ == "__main__":
    main()
