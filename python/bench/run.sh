#!/usr/bin/env bash
# The Python package's benchmarks.
#
#   python/bench/run.sh [DOCS]        against rensa and datasketch (default 20000 documents)
#   python/bench/run.sh spark [N]     neardup.spark in local[2] against the example binary
#                                     on N Parquet records (default 20000); needs Java 17
#
# Makes a venv under the work folder with the package (maturin, release build) and what
# the benchmark compares with (from PyPI), generates the corpus with the peers-generate
# example (the one benches/peers/run.sh uses) and runs python/bench/peers.py on it, then
# on the real-text folders that benches/peers/folders.sh makes (/usr/share/doc/*/copyright
# and 5,000 manual pages) when they are there; or python/bench/spark.py.
# Work folder: $NEARDUP_PEERS_DIR, default target/peers.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=peers
if [ "${1:-}" = spark ]; then
  mode=spark
  shift
fi
docs=${1:-20000}
work=${NEARDUP_PEERS_DIR:-target/peers}
mkdir -p "$work"
work=$(cd "$work" && pwd)
venv="$work/python-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"

if [ "$mode" = spark ]; then
  "$venv/bin/pip" install -q "./python[spark]" "pandas<3"
  cargo build --release -q --example peers-generate --example neardup
  data="$work/spark-$docs"
  [ -f "$data/records.parquet" ] ||
    target/release/examples/peers-generate "$data" --docs "$docs" --jsonl --parquet
  "$venv/bin/python" python/bench/spark.py "$data/records.parquet" 2>"$work/spark-$docs.log"
  exit
fi

"$venv/bin/pip" install -q ./python datasketch==2.0.0 rensa==0.5.0
cargo build --release -q --example peers-generate
corpus="$work/python-corpus-$docs"
[ -f "$corpus/truth.tsv" ] || target/release/examples/peers-generate "$corpus" --docs "$docs"
"$venv/bin/python" python/bench/peers.py "$corpus"
for real in "$work/real/copyright" "$work/real/man"; do
  if [ -d "$real" ]; then
    echo
    echo "== $real"
    "$venv/bin/python" python/bench/peers.py "$real"
  else
    echo "skipping $real: run benches/peers/folders.sh first to make it"
  fi
done
