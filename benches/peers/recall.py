"""Recall and precision of the example binary's JSON report against a generated corpus.

    python3 recall.py CORPUS_DIR REPORT.jsonl THRESHOLD

CORPUS_DIR is a folder written by peers-generate and REPORT.jsonl the output of
`neardup --json CORPUS_DIR/docs`. Prints the recall of the planted pairs with exact
Jaccard >= THRESHOLD + 0.05 and >= THRESHOLD, and the precision of the reported pairs.
"""
import json
import sys

corpus, report, t = sys.argv[1], sys.argv[2], float(sys.argv[3])
index = {}
with open(f"{corpus}/manifest.txt") as f:
    for i, line in enumerate(f):
        index[line.strip()[len("docs/"):]] = i
truth = {}
with open(f"{corpus}/truth.tsv") as f:
    for line in f:
        a, b, j = line.split()
        truth[(int(a), int(b))] = float(j)
found = set()
with open(report) as f:
    for line in f:
        o = json.loads(line)
        if o["type"] == "pair":
            a, b = index[o["a"]], index[o["b"]]
            found.add((min(a, b), max(a, b)))
for margin in (0.05, 0.0):
    want = {p for p, j in truth.items() if j >= t + margin}
    print(f"recall of planted pairs with Jaccard >= {t + margin:.2f}: "
          f"{len(want & found)}/{len(want)} = {len(want & found) / max(1, len(want)):.4f}")
similar = {p for p, j in truth.items() if j >= t}
print(f"precision: {len(found & similar)}/{len(found)} reported pairs are planted pairs "
      f"with Jaccard >= {t}")
