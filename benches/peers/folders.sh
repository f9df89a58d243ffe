#!/usr/bin/env bash
# End to end on folders of real text: the example binary (its default run, with shared
# passages, and with --no-passages; and both again with --no-repeats, the cost of shared
# passages as issue #9 measures it) against gaoya's and rensa's near-duplicate jobs (read
# the files, 5-word shingles, sign once, LSH with the same 16 x 8 layout) on the same
# files, one after another, with the files in the page cache. Prints one table.
#
#   benches/peers/folders.sh DIR [DIR...]
#
# Without DIR it builds and uses two folders that every Debian machine has the text for:
# the copyright files under /usr/share/doc, and the manual pages under /usr/share/man
# (decompressed). Each time is the best of RUNS (default 3) whole-process runs. Work
# folder: $NEARDUP_PEERS_DIR, default target/peers. A peer that cannot be built or
# installed is left out with a message.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${NEARDUP_PEERS_DIR:-target/peers}
runs=${RUNS:-3}
mkdir -p "$work"
work=$(cd "$work" && pwd)

cargo build --release -q --example neardup
nd=target/release/examples/neardup
gaoya=""
if cargo build --release -q --manifest-path benches/peers/gaoya/Cargo.toml --target-dir "$work/gaoya-target"; then
  gaoya="$work/gaoya-target/release/neardup-peer-gaoya"
else
  echo "leaving out gaoya: it did not build" >&2
fi
python=""
if { [ -x "$work/venv/bin/python" ] || python3 -m venv "$work/venv"; } &&
  "$work/venv/bin/pip" install -q rensa==0.5.0 >/dev/null 2>&1; then
  python="$work/venv/bin/python"
else
  echo "leaving out rensa: pip could not install it" >&2
fi

dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
  mkdir -p "$work/real/copyright" "$work/real/man"
  if [ -z "$(ls -A "$work/real/copyright")" ]; then
    find /usr/share/doc -name copyright -type f | sort | while read -r f; do
      cp "$f" "$work/real/copyright/$(echo "$f" | cut -d/ -f5).txt"
    done
  fi
  if [ -z "$(ls -A "$work/real/man")" ]; then
    find /usr/share/man -name '*.gz' -type f | sort | head -5000 | while read -r f; do
      zcat "$f" >"$work/real/man/$(echo "$f" | tr / _ | sed 's/\.gz$//')" 2>/dev/null || true
    done
  fi
  dirs=("$work/real/copyright" "$work/real/man")
fi

# The best seconds of RUNS runs of a command (its output discarded), and the peak RSS
# in MB of the last one.
best() {
  local t=999999 out
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" >/dev/null 2>&1
    out=$(tail -1 "$work/time.txt")
    t=$(awk -v a="$t" -v b="${out% *}" 'BEGIN{print (b<a)?b:a}')
  done
  echo "$t $((${out#* } / 1024))"
}

printf '\nmachine: %s cores, %s, %s\n\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(date -u +%Y-%m-%d)"
printf '| folder | docs | MB | neardup s (MB RSS) | --no-passages s | passages cost | repeats off: passages cost | gaoya s | rensa s | neardup vs fastest peer |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
for dir in "${dirs[@]}"; do
  dir=$(cd "$dir" && pwd)
  name=$(basename "$dir")
  corpus="$work/folder-$name"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  ln -s "$dir" "$corpus/root"
  (cd "$corpus" && find -L root -type f | sort >manifest.txt)
  docs=$(wc -l <"$corpus/manifest.txt")
  mb=$(du -sbL "$dir" | awk '{printf "%.1f", $1 / 1e6}')
  cat "$dir"/* >/dev/null 2>&1 || true
  read -r t_nd m_nd < <(best "$nd" --json "$dir")
  read -r t_off _ < <(best "$nd" --json --no-passages "$dir")
  # The cost as issue #9 measures it: repeats inside files off in both runs.
  read -r t_nr _ < <(best "$nd" --json --no-repeats "$dir")
  read -r t_nr_off _ < <(best "$nd" --json --no-repeats --no-passages "$dir")
  t_g="-"
  t_r="-"
  [ -n "$gaoya" ] && read -r t_g _ < <(best "$gaoya" "$corpus" "$work/folder-gaoya" 0.8 16 8 once)
  [ -n "$python" ] && read -r t_r _ < <(best "$python" benches/peers/peer.py rensa "$corpus" "$work/folder-rensa" 0.8 16 8 once)
  fastest=$(printf '%s\n%s\n' "$t_g" "$t_r" | grep -v -- - | sort -g | head -1)
  vs=$( [ -n "$fastest" ] && awk -v a="$fastest" -v b="$t_nd" 'BEGIN{printf "%.2fx faster", a/b}' || echo "-")
  cost=$(awk -v a="$t_nd" -v b="$t_off" 'BEGIN{printf "%.2fx", a/b}')
  cost_nr=$(awk -v a="$t_nr" -v b="$t_nr_off" 'BEGIN{printf "%.2fx (%s / %s s)", a/b, a, b}')
  printf '| %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s |\n' "$name" "$docs" "$mb" "$t_nd" "$m_nd" "$t_off" "$cost" "$cost_nr" "$t_g" "$t_r" "$vs"
done
