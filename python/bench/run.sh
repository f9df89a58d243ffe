#!/usr/bin/env bash
# neardup's Python package against rensa and datasketch from the same Python strings.
#
#   python/bench/run.sh [DOCS]        (default 20000 generated documents of ~300 words)
#
# Makes a venv under the work folder, installs the package from python/ (maturin, release
# build) and the peers from PyPI, generates the corpus with the peers-generate example
# (the one benches/peers/run.sh uses) and runs python/bench/peers.py on it, then on the
# real-text folders that benches/peers/folders.sh makes (/usr/share/doc/*/copyright and
# 5,000 manual pages), when they are there.
# Work folder: $NEARDUP_PEERS_DIR, default target/peers.
set -euo pipefail
cd "$(dirname "$0")/../.."
docs=${1:-20000}
work=${NEARDUP_PEERS_DIR:-target/peers}
mkdir -p "$work"
work=$(cd "$work" && pwd)
venv="$work/python-venv"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
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
