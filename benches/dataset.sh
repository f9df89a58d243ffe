#!/usr/bin/env bash
# A dataset end to end: a generated JSON Lines .zst dataset and its Parquet copy (DOCS
# records, default 1,000,000, of about 2 KB of order-2 Markov prose over the machine's
# license and copyright texts; 2% edited copies, 2% with a repeated stretch), each
# de-duplicated by the example binary (`neardup dedup IN OUT`, texts kept on disk), and
# the full report of the JSON Lines form (`neardup scan`, shared passages included).
# Prints wall time, throughput of uncompressed text and the peak resident memory of each
# run (GNU time).
#
#   benches/dataset.sh            # DOCS=1000000, work folder target/dataset-bench
#   DOCS=100000 benches/dataset.sh
set -euo pipefail
cd "$(dirname "$0")/.."
docs=${DOCS:-1000000}
work=${NEARDUP_DATASET_DIR:-target/dataset-bench}/$docs
mkdir -p "$work"
cargo build --release -q --example neardup --example peers-generate
nd=target/release/examples/neardup
if [ ! -f "$work/size.txt" ]; then
  target/release/examples/peers-generate "$work" --jsonl --parquet --docs "$docs" \
    --words 280 --markov system --backoff 0.3 2>&1 | tee "$work/generate.log"
  # "peers-generate: N documents, X MB in DIR"
  sed -E 's/.* ([0-9.]+) MB in .*/\1/' "$work/generate.log" | tail -1 > "$work/size.txt"
fi
mb=$(cat "$work/size.txt")
echo "dataset: $docs records, $mb MB of text; $(du -h "$work/records.jsonl.zst" | cut -f1) as .jsonl.zst, $(du -h "$work/records.parquet" | cut -f1) as .parquet"
printf '%-36s %10s %10s %12s\n' run seconds MB/s "peak RSS MB"
# One timed run: its label, then the arguments of the example binary.
timed() {
  local label=$1
  shift
  /usr/bin/time -f '%e %M' -o "$work/time.txt" "$nd" "$@" > /dev/null
  read -r secs kb < "$work/time.txt"
  printf '%-36s %10s %10.0f %12.0f\n' "$label" "$secs" \
    "$(echo "$mb / $secs" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
}
# dedup: the plan needs near-duplicate pairs only (no passage search).
for input in records.jsonl.zst records.parquet; do
  out="$work/out-$input"
  rm -f "$out" "$work/ids-$input.txt"
  timed "dedup $input" dedup --quiet --id-field id --ids-out "$work/ids-$input.txt" \
    "$work/$input" "$out"
done
# The full report of the same records, shared passages included (what passage search
# costs at this scale).
timed "scan records.jsonl.zst" scan --quiet --json --id-field id "$work/records.jsonl.zst"
