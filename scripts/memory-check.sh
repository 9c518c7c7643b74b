#!/bin/sh
# Generates ~1 GB of CoNLL on the fly in a temporary directory, converts it
# to BILOU with the release build and prints the maximum resident set size.
# The input is deleted afterwards. Usage: scripts/memory-check.sh [MB]
set -eu
mb=${1:-1024}
cd "$(dirname "$0")/.."
cargo build --release --quiet
# Cargo's target directory: CARGO_TARGET_DIR (a relative one is taken from
# the repository root, as cargo above does) or target/.
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$PWD/$target ;; esac
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir/big.conll" "$mb" <<'PY'
import sys
sentence = "The\tO\nMad\tB-ORG\nCapsule\tI-ORG\nMarkets\tI-ORG\nplayed\tO\nin\tO\nTokyo\tB-LOC\n.\tO\n\n" * 1000
with open(sys.argv[1], "w") as f:
    for _ in range(int(sys.argv[2]) * 1024 * 1024 // len(sentence)):
        f.write(sentence)
PY
ls -l "$dir/big.conll"
/usr/bin/time -v "$target/release/nerkit" convert --from conll --scheme bilou "$dir/big.conll" -o /dev/null 2>"$dir/time.txt" || { cat "$dir/time.txt"; exit 1; }
grep -E "nerkit convert|entities|Maximum resident|Elapsed" "$dir/time.txt"
