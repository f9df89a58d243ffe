#!/usr/bin/env bash
# The peer comparison: one generated corpus, neardup, rensa, datasketch and gaoya with the
# same 5-word shingles, 128 hashes and LSH layout, one table.
#
#   benches/peers/run.sh [DOCS]        (default 20000 documents of ~300 words)
#
# Installs the Python peers into a venv under the work folder (pip, from PyPI) and builds
# gaoya's side with cargo; a peer that cannot be installed is skipped with a message.
# Work folder: $NEARDUP_PEERS_DIR, default target/peers.
set -euo pipefail
cd "$(dirname "$0")/../.."
docs=${1:-20000}
threshold=0.8
work=${NEARDUP_PEERS_DIR:-target/peers}
mkdir -p "$work"
work=$(cd "$work" && pwd)

measure() { # measure NAME COMMAND...: stdout to NAME.json, peak RSS (KiB) to NAME.rss
  local name=$1
  shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$work/$name.rss" "$@" >"$work/$name.json"
  else
    rm -f "$work/$name.rss"
    "$@" >"$work/$name.json"
  fi
}

echo "== building neardup's side"
cargo build --release --example peers-generate --example peers-neardup
bin=target/release/examples
rm -rf "$work/corpus"
"$bin/peers-generate" "$work/corpus" --docs "$docs"

echo "== neardup (signing timed on 1 thread; full run on 1, then 2 threads)"
RAYON_NUM_THREADS=1 measure neardup "$bin/peers-neardup" "$work/corpus" "$work/neardup" --threshold $threshold
RAYON_NUM_THREADS=2 measure neardup-2threads "$bin/peers-neardup" "$work/corpus" "$work/neardup-2threads" --threshold $threshold
read -r bands rows < <(python3 -c "import json; d=json.load(open('$work/neardup.json')); print(d['bands'], d['rows'])")
echo "   LSH layout: $bands bands x $rows rows"

echo "== Python peers (datasketch 2.0.0, rensa 0.5.0)"
for peer in rensa datasketch; do rm -f "$work/$peer.json"; done
if [ -x "$work/venv/bin/python" ] || python3 -m venv "$work/venv"; then
  if "$work/venv/bin/pip" install -q datasketch==2.0.0 rensa==0.5.0; then
    for peer in rensa datasketch; do
      measure "$peer" "$work/venv/bin/python" benches/peers/peer.py "$peer" "$work/corpus" "$work/$peer" $threshold "$bands" "$rows" ||
        { echo "skipping $peer: it failed (see above)"; rm -f "$work/$peer.json"; }
    done
  else
    echo "skipping datasketch and rensa: pip could not install them"
  fi
else
  echo "skipping datasketch and rensa: python3 -m venv failed"
fi

echo "== gaoya 0.2"
rm -f "$work/gaoya.json"
if cargo build --release -q --manifest-path benches/peers/gaoya/Cargo.toml --target-dir "$work/gaoya-target"; then
  measure gaoya "$work/gaoya-target/release/neardup-peer-gaoya" "$work/corpus" "$work/gaoya" $threshold "$bands" "$rows" ||
    { echo "skipping gaoya: it failed"; rm -f "$work/gaoya.json"; }
else
  echo "skipping gaoya: it did not build"
fi

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%Y-%m-%d)"
python3 benches/peers/score.py "$work" $threshold
