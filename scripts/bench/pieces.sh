#!/usr/bin/env bash
# Converts each PIECE with one thread, all at once, and waits for them: what
# the machine's cores give to independent work, a ceiling for --threads.
# usage: pieces.sh NERKIT PIECE...
set -euo pipefail
nerkit=$1
shift
pids=()
for piece in "$@"; do
    "$nerkit" convert --threads 1 -q -o /dev/null "$piece" &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
    wait "$pid" || status=$?
done
exit "$status"
