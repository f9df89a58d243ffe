"""Scores the peers' outputs against the generator's exact truth and prints a table.

    python3 score.py WORK_DIR THRESHOLD

Reads WORK_DIR/corpus/truth.tsv and, for each peer that ran, WORK_DIR/PEER.json,
WORK_DIR/PEER.candidates.tsv (and for neardup PEER.pairs.tsv) and WORK_DIR/PEER.rss
(peak resident set size in KiB, from /usr/bin/time).
"""
import json
import os
import sys

work, t = sys.argv[1], float(sys.argv[2])
truth = {}
with open(f"{work}/corpus/truth.tsv") as f:
    for line in f:
        a, b, j = line.split()
        truth[(int(a), int(b))] = float(j)
must = {p for p, j in truth.items() if j >= t + 0.05}
similar = {p for p, j in truth.items() if j >= t}


def pairs(path):
    with open(path) as f:
        return {tuple(map(int, line.split())) for line in f if line.strip()}


rows = []
for peer in ["neardup", "rensa", "gaoya", "datasketch"]:
    if not os.path.exists(f"{work}/{peer}.json"):
        continue
    with open(f"{work}/{peer}.json") as f:
        d = json.loads(f.read())
    rss = None
    if os.path.exists(f"{work}/{peer}.rss"):
        with open(f"{work}/{peer}.rss") as f:
            lines = [l for l in f.read().split() if l.isdigit()]
            rss = int(lines[-1]) / 1024 if lines else None
    cand = pairs(f"{work}/{peer}.candidates.tsv")
    d["recall"] = len(must & cand) / max(1, len(must))
    d["precision"] = len(similar & cand) / max(1, len(cand))
    d["rss"] = rss
    if peer == "neardup":
        reported = pairs(f"{work}/{peer}.pairs.tsv")
        d["reported_recall"] = len(must & reported) / max(1, len(must))
        d["reported_precision"] = len(similar & reported) / max(1, len(reported))
    rows.append(d)

if not rows:
    sys.exit("no peer produced results")
nd = next((r for r in rows if r["peer"] == "neardup"), None)
mb = rows[0]["bytes"] / 1e6
print(f"corpus: {rows[0]['docs']} documents, {mb:.1f} MB, {rows[0]['shingles']} shingles "
      f"(5 words), 128 hashes, threshold {t}; {len(must)} planted pairs with exact "
      f"Jaccard >= {t + 0.05:.2f}, {len(similar)} >= {t}")
print()
print("| peer | sign s | sign MB/s | M shingles/s | prep + sign s | LSH s | peak RSS MB "
      "| candidates | recall (J >= t+0.05) | precision (J >= t) | neardup sign speed-up |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    speedup = nd["sign_seconds"] and r["sign_seconds"] / nd["sign_seconds"] if nd else None
    rss = f"{r['rss']:.0f}" if r["rss"] else "n/a"
    print(f"| {r['peer']} | {r['sign_seconds']:.3f} | {mb / r['sign_seconds']:.0f} | "
          f"{r['shingles'] / r['sign_seconds'] / 1e6:.1f} | "
          f"{r['prep_seconds'] + r['sign_seconds']:.3f} | {r['lsh_seconds']:.3f} | {rss} | "
          f"{r['candidates']} | {r['recall']:.4f} | {r['precision']:.3f} | "
          f"{'%.2fx' % speedup if speedup else ''} |")
if nd:
    print()
    print(f"neardup after exact verification: {nd['pairs']} pairs, recall "
          f"{nd['reported_recall']:.4f}, precision {nd['reported_precision']:.3f}.")
    print(f"neardup full run (verify, align, repeats, clusters): {nd['run_seconds']:.3f} s "
          f"on {nd['run_threads']} thread(s)", end="")
    two = f"{work}/neardup-2threads.json"
    if os.path.exists(two):
        with open(two) as f:
            d2 = json.loads(f.read())
        print(f"; {d2['run_seconds']:.3f} s on 2 threads "
              f"({nd['run_seconds'] / d2['run_seconds']:.2f}x)", end="")
    print(".")
