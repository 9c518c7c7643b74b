#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for a while each and says what they
# did.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 60; the targets default to all of them
# (see docs/TESTING.md). Each target runs with its dictionary (fuzz/dict/)
# and an input length suited to it, from its seeds (fuzz/corpus/TARGET,
# never written to) and the corpus it grew before (fuzz/target/corpus/TARGET,
# not committed). Per target it prints the executions and whether it
# crashed; a crash leaves its input in fuzz/artifacts/TARGET/ and the log
# in fuzz/target/logs/TARGET.log, and the script then exits 1.
#
# Needs a nightly toolchain (`cargo +nightly`); installs cargo-fuzz from
# crates.io (`cargo install cargo-fuzz --locked`) if it is missing, and
# nothing else. FUZZ_TOOLCHAIN overrides the toolchain; extra libFuzzer
# flags can be given in FUZZ_ARGS (for example FUZZ_ARGS=-jobs=2), the
# sanitizer in FUZZ_SANITIZER (default address; none is faster).
#
# FUZZ_SEED=N fixes libFuzzer's random seed (-seed=N), so that a run on
# the same commit tries the same inputs: .ci/run uses it, so that CI
# fails on what a commit broke, not on what a random walk happened to
# reach that day (open-ended campaigns leave it unset). Every target
# first replays its regression inputs (fuzz/regressions/TARGET), which
# must all pass.
#
# Reproduce a crash or check a regression input:
#   cargo +nightly fuzz run -a TARGET fuzz/regressions/TARGET/FILE
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
[ $# -gt 0 ] && shift
toolchain=${FUZZ_TOOLCHAIN:-nightly}

# Targets that start threads do not look for leaks: a rayon pool's
# workers outlive the pool they belong to by a moment (its drop does not
# join them), so LeakSanitizer may find their thread handles still
# allocated when an input ends, at random. Nothing of nerkit's own.
declare -A leaks=([convert_threads]=detect_leaks=0)

# target: dictionary, max_len
declare -A dict=(
    [read_bracket]=bracket [read_conll]=conll [read_jsonl]=json [read_spans]=json
    [convert_fused_vs_general]=bracket [convert_threads]=bracket
    [eval_file]=conll [eval_pair]=conll [detect]=json
    [read_labelstudio]=json [read_doccano]=json [read_prodigy]=json [read_spacy]=json
)
declare -A max_len=(
    [read_bracket]=8192 [read_conll]=8192 [read_jsonl]=4096 [read_spans]=8192
    # Past the fused route's 8 KiB scan stretch.
    [convert_fused_vs_general]=16384
    # Two conversions and thread starts per input: short inputs, many runs.
    [convert_threads]=4096
    [eval_file]=8192 [eval_pair]=8192 [detect]=8192
    [read_labelstudio]=8192 [read_doccano]=8192 [read_prodigy]=8192 [read_spacy]=8192
)
all=(read_bracket read_conll read_jsonl read_spans convert_fused_vs_general
    convert_threads eval_file eval_pair detect read_labelstudio read_doccano read_prodigy
    read_spacy)

if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi
for t in "${targets[@]}"; do
    if [ -z "${dict[$t]:-}" ]; then
        echo "fuzz.sh: unknown target $t (expected one of: ${all[*]})" >&2
        exit 2
    fi
done
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "fuzz.sh: SECONDS_PER_TARGET must be a whole number of seconds, not \"$seconds\"" >&2
    exit 2
fi

if ! cargo "+$toolchain" --version >/dev/null 2>&1; then
    echo "fuzz.sh: no $toolchain toolchain (cargo +$toolchain); cargo-fuzz needs one" >&2
    exit 2
fi
if ! cargo "+$toolchain" fuzz --help >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked || exit 2
fi

# Release code with debug assertions and overflow checks, under
# AddressSanitizer (cargo-fuzz's default), every target at once.
# FUZZ_SANITIZER=none runs several times faster without it (for long
# campaigns; the build then goes to a target directory of its own).
sanitizer=${FUZZ_SANITIZER:-address}
build_flags=(--fuzz-dir fuzz --debug-assertions --sanitizer "$sanitizer")
if [ "$sanitizer" != address ]; then
    build_flags+=(--target-dir "fuzz/target/sanitizer-$sanitizer")
fi
start=$(date +%s)
if ! cargo "+$toolchain" fuzz build "${build_flags[@]}"; then
    echo "fuzz.sh: the fuzz targets do not build" >&2
    exit 2
fi
echo "fuzz.sh: built in $(($(date +%s) - start)) s"

mkdir -p fuzz/target/logs
crashed=0
summary=()
for t in "${targets[@]}"; do
    work=fuzz/target/corpus/$t
    log=fuzz/target/logs/$t.log
    mkdir -p "$work" "fuzz/artifacts/$t"
    before=$(ls "fuzz/artifacts/$t" | wc -l)
    t0=$(date +%s)
    # shellcheck disable=SC2086
    ASAN_OPTIONS=${leaks[$t]:-${ASAN_OPTIONS:-}} \
    seed_flag=()
    [ -n "${FUZZ_SEED:-}" ] && seed_flag=(-seed="$FUZZ_SEED")
    if [ -d "fuzz/regressions/$t" ]; then
        # shellcheck disable=SC2086
        if ! ASAN_OPTIONS=${leaks[$t]:-${ASAN_OPTIONS:-}} \
            cargo "+$toolchain" fuzz run "${build_flags[@]}" "$t" fuzz/regressions/"$t"/* -- \
            -runs=1 >"$log" 2>&1; then
            crashed=1
            line="$t: a regression input fails again, log $log"
            echo "$line"
            grep -a -m1 -A3 'panicked at\|==ERROR\|deadly signal' "$log" | sed 's/^/    /'
            summary+=("$line")
            continue
        fi
    fi
    # shellcheck disable=SC2086
    ASAN_OPTIONS=${leaks[$t]:-${ASAN_OPTIONS:-}} \
    cargo "+$toolchain" fuzz run "${build_flags[@]}" "$t" "$work" "fuzz/corpus/$t" -- \
        "${seed_flag[@]}" -max_total_time="$seconds" -dict="fuzz/dict/${dict[$t]}.dict" \
        -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=3072 \
        -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - t0))
    # libFuzzer's final count: "stat::number_of_executed_units: N" with
    # -print_final_stats, else "Done N runs in S second(s)"; the last
    # "#N" status line when it stopped at a crash.
    execs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -a -o '[0-9]*$')
    [ -z "$execs" ] && execs=$(grep -a -o 'Done [0-9]* runs' "$log" | tail -1 | grep -a -o '[0-9]\+')
    [ -z "$execs" ] && execs=$(grep -a -o '^#[0-9]\+' "$log" | tail -1 | tr -d '#')
    [ -z "$execs" ] && execs=0
    after=$(ls "fuzz/artifacts/$t" | wc -l)
    if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ] || grep -a -q 'deadly signal\|==ERROR\|panicked at' "$log"; then
        crashed=1
        artifact=$(grep -a -o 'Test unit written to [^ ]*' "$log" | tail -1 | sed 's/Test unit written to //')
        line="$t: $execs executions in $took s: CRASHED (exit $rc) ${artifact:+input $artifact}, log $log"
        echo "$line"
        grep -a -m1 -A3 'panicked at\|==ERROR\|deadly signal\|ERROR: libFuzzer' "$log" | sed 's/^/    /'
    else
        line="$t: $execs executions in $took s: ok"
        echo "$line"
    fi
    summary+=("$line")
done

echo "fuzz.sh: ${#targets[@]} targets, $seconds s each, $(($(date +%s) - start)) s in all"
for line in "${summary[@]}"; do echo "  $line"; done
exit $crashed
