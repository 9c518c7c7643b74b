#!/bin/sh
# Generates ~1 GB of CoNLL on the fly in a temporary directory, converts it
# to BILOU with the release build and prints the maximum resident set size.
# The input is deleted afterwards. Usage: scripts/memory-check.sh [MB]
#
# scripts/memory-check.sh long-line [MB] instead writes MB (default 200) of
# bracket text on one line, with no line break (issue 18 item 4), converts
# it to CoNLL on one thread and on two (the fused route), then on one
# thread by the general route (another scheme, the Unicode tokenizer,
# sentence modes, bracket and spans output), and prints the peak memory
# and time of each, next to the same text with a line break after each
# sentence. JSON lines and spans output hold what follows the first member
# of a record in memory up to 1 MiB each, then in a temporary file.
set -eu
mode=conll
if [ "${1:-}" = long-line ]; then
    mode=long-line
    shift
fi
mb=${1:-1024}
cd "$(dirname "$0")/.."
cargo build --release --quiet
# Cargo's target directory: CARGO_TARGET_DIR (a relative one is taken from
# the repository root, as cargo above does) or target/.
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$PWD/$target ;; esac
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if [ "$mode" = long-line ]; then
    [ -n "${1:-}" ] || mb=200
    python3 - "$dir/one.txt" "$dir/lines.txt" "$mb" <<'PY'
import sys
phrase = "The [PER Ryan C. Crocker ] met [ORG Mad Capsule Markets ] officials in [LOC Tokyo ] , said \u201cyes\u201d . "
n = int(sys.argv[3]) * 1024 * 1024 // len(phrase.encode())
with open(sys.argv[1], "w") as f:
    f.write(phrase * n)
with open(sys.argv[2], "w") as f:
    f.write((phrase[:-1] + "\n") * n)
PY
    ls -l "$dir/one.txt" "$dir/lines.txt"
    for input in one lines; do
        for threads in 1 2; do
            /usr/bin/time -f "$input.txt --threads $threads: %M KB peak, %e s wall, %U s user" \
                "$target/release/nerkit" convert -q --threads "$threads" "$dir/$input.txt" -o /dev/null
        done
    done
    # The general route, which reads a long line in pieces.
    for args in "--scheme ioe1" "--scheme io" "--tokenizer unicode" "--sentences auto" \
        "--sentences none" "--offsets chars --to bracket" "--to spans" "--to jsonl" \
        "--offsets utf16 --to jsonl"; do
        for input in one lines; do
            # shellcheck disable=SC2086 # the arguments are words
            /usr/bin/time -f "$input.txt --threads 1 $args: %M KB peak, %e s wall, %U s user" \
                "$target/release/nerkit" convert -q --threads 1 $args "$dir/$input.txt" -o /dev/null
        done
    done
    exit 0
fi
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
