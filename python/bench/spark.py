"""neardup.spark in local mode against the single-process example binary on the same
Parquet records: time, the same near-duplicate pairs, Spark's shuffle bytes per document.

    python python/bench/spark.py RECORDS.parquet [--master local[2]] [--binary PATH]

RECORDS.parquet has columns `id` and `text` (the peers-generate example writes one with
`--jsonl --parquet`; `python/bench/run.sh spark N` makes one and runs this). Prints one
line per side and the ratio. Shuffle bytes are read from Spark's status API (the UI runs
on port 4040 for the length of the run).
"""
import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request


def spark_side(path, master):
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from neardup import spark as nspark

    spark = (SparkSession.builder.master(master).appName("neardup-bench")
             .config("spark.driver.memory", "8g")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.ui.port", "4040").getOrCreate())
    t0 = time.perf_counter()
    df = spark.read.parquet(path)
    result = nspark.analyze(df, text="text", id="id")
    pairs = {(r["a_id"], r["b_id"]) for r in result.pairs.select("a_id", "b_id").collect()}
    reuse = result.reuse.count()
    docs = result.documents.count()
    seconds = time.perf_counter() - t0
    app = spark.sparkContext.applicationId
    url = f"{spark.sparkContext.uiWebUrl}/api/v1/applications/{app}/stages"
    stages = json.load(urllib.request.urlopen(url))
    shuffle = sum(s.get("shuffleWriteBytes", 0) for s in stages)
    spark.stop()
    return seconds, pairs, reuse, docs, shuffle


def binary_side(path, binary):
    t0 = time.perf_counter()
    out = subprocess.run([binary, "scan", "--json", "--id-field", "id", path],
                         capture_output=True, check=False)
    seconds = time.perf_counter() - t0
    if out.returncode not in (0, 1):
        raise SystemExit(f"{binary} failed: {out.stderr.decode()[-2000:]}")
    pairs, reuse = set(), 0
    for line in out.stdout.splitlines():
        o = json.loads(line)
        if o["type"] == "pair":
            pairs.add((o["a"], o["b"]))
        elif o["type"] == "reuse":
            reuse += 1
    return seconds, pairs, reuse


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("records")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--binary", default="target/release/examples/neardup")
    args = ap.parse_args()
    b_seconds, b_pairs, b_reuse = binary_side(args.records, args.binary)
    s_seconds, s_pairs, s_reuse, docs, shuffle = spark_side(args.records, args.master)
    mb = os.path.getsize(args.records) / 1e6
    print(f"{docs} records ({mb:.0f} MB of Parquet)")
    print(f"single process: {b_seconds:8.1f} s  pairs {len(b_pairs)}  reuse pairs {b_reuse}")
    print(f"spark {args.master}: {s_seconds:8.1f} s  pairs {len(s_pairs)}  reuse pairs {s_reuse}  "
          f"shuffle {shuffle / 1e6:.1f} MB = {shuffle / max(1, docs):.0f} bytes per document")
    print(f"the same pairs: {s_pairs == b_pairs}; Spark takes {s_seconds / b_seconds:.1f}x "
          f"the single process")


if __name__ == "__main__":
    main()
