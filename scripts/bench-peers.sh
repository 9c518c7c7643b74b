#!/usr/bin/env bash
# nerkit against the tools users have today, in one run, on the same input.
#
# usage: scripts/bench-peers.sh            (from the repository root)
#
# Generates the inputs (examples/gen_corpus.rs, seed 1), builds nerkit in
# release, finds the peers, runs every tool ROUNDS times, alternating (each
# round runs every tool once), and prints a table: tool, work, median wall
# time, throughput, peak memory and how many times longer the tool took than
# nerkit on the same work. Peers that are not there are skipped with a line
# saying why.
#
# Environment (defaults in brackets):
#   BENCH_MB       size of the bracket corpus for convert, in MB [100]
#   BENCH_BIG_MB   size of a second corpus, converted once by nerkit only to
#                  show that memory stays flat; 0 skips it [1000]
#   BENCH_TOKENS   tokens of the eval files [5000000]
#   ROUNDS         runs of each tool [5]
#   CONLLEVAL      path to conlleval.pl (not shipped with nerkit); unset skips it
#   PYTHON         the Python that makes the venv [python3]; none skips the
#                  Python peers
#   BENCH_VENV     the venv with seqeval, nervaluate and rusev-py
#                  [target/bench-venv]; created and filled from PyPI if needed
#   BENCH_DIR      where inputs, outputs and the table go [target/bench-peers]
#   BENCH_SKIP     space-separated tool names not to run: nerkit-eval
#                  nerkit-analysis conlleval.pl seqeval nervaluate rusev-py
#                  regex cat
#   BENCH_WORKS    which works to run [conlleval strict-iob2 strict-iobes convert paths]
#                  paths: every conversion path on one thread (bracket text,
#                  CoNLL, JSON lines and spans in; CoNLL in every scheme,
#                  JSON lines, spans and bracket text out; the Unicode
#                  tokenizer), each against its target, beside cat, wc -l and
#                  tr on the same file; its own table, paths.md
#
# A quick run: BENCH_MB=10 BENCH_BIG_MB=0 BENCH_TOKENS=500000 ROUNDS=3 scripts/bench-peers.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_MB=${BENCH_MB:-100}
BENCH_BIG_MB=${BENCH_BIG_MB:-1000}
BENCH_TOKENS=${BENCH_TOKENS:-5000000}
ROUNDS=${ROUNDS:-5}
PYTHON=${PYTHON:-python3}
BENCH_VENV=${BENCH_VENV:-target/bench-venv}
BENCH_DIR=${BENCH_DIR:-target/bench-peers}
BENCH_SKIP=${BENCH_SKIP:-}
BENCH_WORKS=${BENCH_WORKS:-conlleval strict-iob2 strict-iobes convert paths}
mkdir -p "$BENCH_DIR/out"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

say() { printf '%s\n' "$*" >&2; }
skip() { say "skip: $*"; }

# --- the timer -------------------------------------------------------------
TIME=/usr/bin/time
if [[ -x $TIME ]] && $TIME -v true 2>/dev/null; then
    HAVE_TIME=1
else
    HAVE_TIME=0
    say "note: /usr/bin/time (GNU time) is missing, so peak memory is not measured;"
    say "      install it with 'apt-get install time' (Debian, Ubuntu)."
fi

now_ns() { date +%s%N; }

# --- machine ---------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
say "machine: ${cpu:-unknown CPU}, $(nproc) cores, $(uname -sr)"
say "load before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"

# --- build and inputs ------------------------------------------------------
say "building nerkit and the generator (release)..."
cargo build --release --quiet --bin nerkit --example gen_corpus
# Cargo's target directory: CARGO_TARGET_DIR (a relative one is taken from
# the repository root, as cargo above does) or target/.
TARGET_DIR=${CARGO_TARGET_DIR:-target}
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$PWD/$TARGET_DIR
NERKIT=$TARGET_DIR/release/nerkit
GEN=$TARGET_DIR/release/examples/gen_corpus

generate() { # KIND --bytes|--tokens SIZE FILE [ARGS...]
    local kind=$1 flag=$2 size=$3 file=$4
    shift 4
    if [[ ! -s $file ]]; then
        say "generating $file"
        "$GEN" "$kind" "$flag" "$size" --seed 1 "$@" -o "$file.part"
        mv "$file.part" "$file"
    fi
}

BRACKET=$BENCH_DIR/bracket-${BENCH_MB}MB.txt
EVAL_IOB2=$BENCH_DIR/eval-${BENCH_TOKENS}-iob2.txt
EVAL_IOBES=$BENCH_DIR/eval-${BENCH_TOKENS}-iobes.txt
generate bracket --bytes "${BENCH_MB}M" "$BRACKET"
generate eval --tokens "$BENCH_TOKENS" "$EVAL_IOB2" --scheme iob2
generate eval --tokens "$BENCH_TOKENS" "$EVAL_IOBES" --scheme iobes
BIG=
if (( BENCH_BIG_MB > 0 )); then
    BIG=$BENCH_DIR/bracket-${BENCH_BIG_MB}MB.txt
    generate bracket --bytes "${BENCH_BIG_MB}M" "$BIG"
fi
bracket_mb=$(awk -v b="$(stat -c %s "$BRACKET")" 'BEGIN { printf "%.3f", b / 1e6 }')
eval_tokens=$(grep -c . "$EVAL_IOB2")

# --- peers -----------------------------------------------------------------
skipped() { [[ " $BENCH_SKIP " == *" $1 "* ]]; }
wanted() { [[ " $BENCH_WORKS " == *" $1 "* ]]; }

HAVE_EVAL=0
tiny=$BENCH_DIR/tiny.conll
printf 'Ryan B-PER B-PER\nCrocker I-PER I-PER\nsaid O O\n\n' > "$tiny"
if skipped nerkit-eval; then
    skip "nerkit eval: in BENCH_SKIP"
elif "$NERKIT" eval "$tiny" > /dev/null 2>&1; then
    HAVE_EVAL=1
else
    skip "nerkit eval: it does not run on a three-token file in this build ($("$NERKIT" eval "$tiny" 2>&1 | head -n1))"
fi

HAVE_CONLLEVAL=0
if skipped conlleval.pl; then
    skip "conlleval.pl: in BENCH_SKIP"
elif [[ -z ${CONLLEVAL:-} ]]; then
    skip "conlleval.pl: set CONLLEVAL=/path/to/conlleval.pl (it is not shipped with nerkit)"
elif ! command -v perl > /dev/null; then
    skip "conlleval.pl: perl is not installed"
elif [[ ! -r $CONLLEVAL ]]; then
    skip "conlleval.pl: cannot read $CONLLEVAL"
else
    HAVE_CONLLEVAL=1
fi

VPY=
if [[ $PYTHON == none ]] || ! command -v "$PYTHON" > /dev/null; then
    skip "seqeval, nervaluate, rusev-py, python regex converter: no $PYTHON"
else
    if [[ ! -x $BENCH_VENV/bin/python ]]; then
        say "creating the venv $BENCH_VENV"
        "$PYTHON" -m venv "$BENCH_VENV" || skip "Python peers: '$PYTHON -m venv' failed"
    fi
    if [[ -x $BENCH_VENV/bin/python ]]; then
        VPY=$PWD/$BENCH_VENV/bin/python
        [[ $BENCH_VENV == /* ]] && VPY=$BENCH_VENV/bin/python
    fi
fi

have_module() { [[ -n $VPY ]] && "$VPY" -c "import $1" > /dev/null 2>&1; }

ensure_module() { # MODULE PACKAGE
    if [[ -z $VPY ]] || skipped "$2"; then
        return 1
    fi
    if ! have_module "$1"; then
        say "installing $2 from PyPI into $BENCH_VENV"
        "$VPY" -m pip install --quiet "$2" > "$BENCH_DIR/pip-$2.log" 2>&1 || true
    fi
    if have_module "$1"; then
        return 0
    fi
    skip "$2: could not be installed (see $BENCH_DIR/pip-$2.log)"
    return 1
}

HAVE_SEQEVAL=0 HAVE_NERVALUATE=0 HAVE_RUSEV=0
ensure_module seqeval seqeval && HAVE_SEQEVAL=1
ensure_module nervaluate nervaluate && HAVE_NERVALUATE=1
# rusev-py ships only a source archive: pip builds it with maturin and cargo.
ensure_module rusev_py rusev-py && HAVE_RUSEV=1

version() { "$VPY" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || echo '?'; }

# --- tasks -----------------------------------------------------------------
# Each task: a work, a tool, a command run with 'bash -c exec', the amount of
# work (tokens or MB) and its unit. Converters write to /dev/null, so that
# every one of them is timed without the disk.
WORK=() TOOL=() CMD=() AMOUNT=() UNIT=() TARGET=()
add() { WORK+=("$1") TOOL+=("$2") CMD+=("$3") AMOUNT+=("$4") UNIT+=("$5") TARGET+=("${6:-}"); }

S=$PWD/scripts/bench
if wanted conlleval; then
    work="eval conlleval mode, IOB2"
    if (( HAVE_EVAL )); then
        add "$work" nerkit "'$NERKIT' eval '$EVAL_IOB2'" "$eval_tokens" tokens
    fi
    # The full error analysis (issue 15: at least 30x faster than
    # conlleval.pl's plain run, so in the same work for the ratio).
    if (( HAVE_EVAL )) && ! skipped nerkit-analysis; then
        add "$work" "nerkit --match all --format json" "'$NERKIT' eval --match all --format json '$EVAL_IOB2'" "$eval_tokens" tokens
    fi
    if (( HAVE_CONLLEVAL )); then
        add "$work" conlleval.pl "perl '$CONLLEVAL' < '$EVAL_IOB2'" "$eval_tokens" tokens
    fi
    if (( HAVE_SEQEVAL )); then
        add "$work" "seqeval $(version seqeval)" "'$VPY' '$S/seqeval_report.py' '$EVAL_IOB2'" "$eval_tokens" tokens
    fi
    if (( HAVE_RUSEV )); then
        add "$work" "rusev-py $(version rusev-py)" "'$VPY' '$S/rusev_report.py' '$EVAL_IOB2'" "$eval_tokens" tokens
    fi
fi
for scheme in iob2 iobes; do
    wanted "strict-$scheme" || continue
    file=$EVAL_IOB2 work="eval strict IOB2"
    if [[ $scheme == iobes ]]; then file=$EVAL_IOBES work="eval strict IOBES"; fi
    if (( HAVE_EVAL )); then
        add "$work" nerkit "'$NERKIT' eval --mode strict --scheme $scheme '$file'" "$eval_tokens" tokens
    fi
    if (( HAVE_SEQEVAL )); then
        add "$work" "seqeval $(version seqeval)" "'$VPY' '$S/seqeval_report.py' '$file' strict $scheme" "$eval_tokens" tokens
    fi
    if (( HAVE_RUSEV )); then
        add "$work" "rusev-py $(version rusev-py)" "'$VPY' '$S/rusev_report.py' '$file' strict $scheme" "$eval_tokens" tokens
    fi
    # nervaluate's "strict" figures: exact boundaries and type.
    if (( HAVE_NERVALUATE )) && [[ $scheme == iob2 ]]; then
        add "$work" "nervaluate $(version nervaluate)" "'$VPY' '$S/nervaluate_report.py' '$file'" "$eval_tokens" tokens
    fi
done
if wanted convert; then
    work="convert bracket->IOB2"
    # One thread is the baseline; --threads (default: one per core) gets its
    # own row below.
    one=
    if "$NERKIT" convert --help 2>/dev/null | grep -q -- '--threads'; then one="--threads 1"; fi
    add "$work" nerkit "'$NERKIT' convert $one -q -o /dev/null '$BRACKET'" "$bracket_mb" MB
    if [[ -n $VPY ]] && ! skipped regex; then
        add "$work" "python regex" "'$VPY' '$S/bracket2conll.py' '$BRACKET' > /dev/null" "$bracket_mb" MB
    fi
    if ! skipped cat; then
        add "$work" "cat (page cache read)" "cat '$BRACKET' > /dev/null" "$bracket_mb" MB
    fi
    if (( $(nproc) > 1 )) && "$NERKIT" convert --help 2>/dev/null | grep -q -- '--threads'; then
        # As users run it: threads only on cores the load average leaves
        # free (rounds run back to back, so this script's own runs count).
        add "$work" "nerkit --threads $(nproc)" "'$NERKIT' convert --threads $(nproc) -q -o /dev/null '$BRACKET'" "$bracket_mb" MB
        # Every thread asked for, however busy the machine looks.
        add "$work" "nerkit --threads $(nproc), NERKIT_IGNORE_LOAD=1" "env NERKIT_IGNORE_LOAD=1 '$NERKIT' convert --threads $(nproc) -q -o /dev/null '$BRACKET'" "$bracket_mb" MB
        # The ceiling for --threads on this machine: as many one-thread
        # processes as cores at once, each on its share of the lines.
        rm -f "$BENCH_DIR"/piece.*
        if split -n "l/$(nproc)" -d "$BRACKET" "$BENCH_DIR/piece."; then
            pieces=$(printf "'%s' " "$BENCH_DIR"/piece.*)
            add "$work" "$(nproc) processes, 1/$(nproc) each" "'$S/pieces.sh' '$NERKIT' $pieces" "$bracket_mb" MB
        else
            skip "the ceiling for --threads: split -n l/N (GNU coreutils) is needed"
        fi
    else
        skip "nerkit --threads: this build has no convert --threads (or one core)"
    fi
fi

if wanted paths; then
    # Every conversion path on one thread, each on an input of about
    # BENCH_MB made from the bracket corpus by nerkit itself (so the same
    # sentences in every layout), with the target of issue 18 in MB/s of
    # input. cat, wc -l and tr on the bracket corpus are the machine's own
    # pace on the same bytes.
    say "making the inputs of the paths from $BRACKET"
    PATH_CONLL=$BENCH_DIR/paths-iob1.conll PATH_JSONL=$BENCH_DIR/paths.jsonl PATH_SPANS=$BENCH_DIR/paths.spans
    # A file of about BENCH_MB: the first lines of the whole conversion.
    cut_to() { # FROM TO (whole lines, or whole sentences for CoNLL)
        head -c "$(( BENCH_MB * 1000000 ))" "$1" > "$2.part"
        if [[ $2 == *.conll ]]; then
            # Up to the last blank line, so that no sentence is cut.
            awk -v RS= -v ORS='\n\n' 'NR > 1 { print prev } { prev = $0 }' "$2.part" > "$2.tmp" && mv "$2.tmp" "$2.part"
        else
            sed -i '$d' "$2.part"
        fi
        mv "$2.part" "$2"
    }
    if [[ ! -s $PATH_CONLL ]]; then
        "$NERKIT" convert --threads 1 -q --scheme iob1 -o "$BENCH_DIR/whole.conll" "$BRACKET"
        cut_to "$BENCH_DIR/whole.conll" "$PATH_CONLL"
    fi
    if [[ ! -s $PATH_JSONL ]]; then
        "$NERKIT" convert --threads 1 -q --to jsonl -o "$BENCH_DIR/whole.jsonl" "$BRACKET"
        cut_to "$BENCH_DIR/whole.jsonl" "$PATH_JSONL"
    fi
    if [[ ! -s $PATH_SPANS ]]; then
        "$NERKIT" convert --threads 1 -q --to spans -o "$BENCH_DIR/whole.spans" "$BRACKET"
        cut_to "$BENCH_DIR/whole.spans" "$PATH_SPANS"
    fi
    rm -f "$BENCH_DIR"/whole.*
    mb_of() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.3f", b / 1e6 }'; }
    conll_mb=$(mb_of "$PATH_CONLL") jsonl_mb=$(mb_of "$PATH_JSONL") spans_mb=$(mb_of "$PATH_SPANS")
    one_thread="'$NERKIT' convert --threads 1 -q -o /dev/null"
    # IO merges adjacent entities of one type, which convert refuses unless
    # told to accept it (a build without that flag cannot run the row).
    io_flag=
    if "$NERKIT" convert --help 2>/dev/null | grep -q -- '--allow-merged-entities'; then io_flag=--allow-merged-entities; fi
    add "path: bracket -> CoNLL IOB2" nerkit "$one_thread '$BRACKET'" "$bracket_mb" MB 400
    add "path: bracket -> CoNLL IOBES" nerkit "$one_thread --scheme iobes '$BRACKET'" "$bracket_mb" MB 400
    add "path: bracket -> CoNLL IOE1" nerkit "$one_thread --scheme ioe1 '$BRACKET'" "$bracket_mb" MB 400
    add "path: bracket -> CoNLL IO" nerkit "$one_thread --scheme io $io_flag '$BRACKET'" "$bracket_mb" MB 400
    add "path: bracket, --tokenizer unicode -> CoNLL" nerkit "$one_thread --tokenizer unicode '$BRACKET'" "$bracket_mb" MB 300
    add "path: bracket -> spans" nerkit "$one_thread --to spans '$BRACKET'" "$bracket_mb" MB 400
    add "path: bracket -> bracket" nerkit "$one_thread --to bracket '$BRACKET'" "$bracket_mb" MB 400
    add "path: bracket -> JSON lines" nerkit "$one_thread --to jsonl '$BRACKET'" "$bracket_mb" MB 300
    add "path: CoNLL IOB1 -> CoNLL IOB2" nerkit "$one_thread '$PATH_CONLL'" "$conll_mb" MB 400
    add "path: CoNLL IOB1 -> CoNLL IOBES" nerkit "$one_thread --scheme iobes '$PATH_CONLL'" "$conll_mb" MB 400
    add "path: CoNLL -> JSON lines" nerkit "$one_thread --to jsonl '$PATH_CONLL'" "$conll_mb" MB 300
    add "path: JSON lines -> CoNLL" nerkit "$one_thread '$PATH_JSONL'" "$jsonl_mb" MB 300
    add "path: spans -> CoNLL" nerkit "$one_thread '$PATH_SPANS'" "$spans_mb" MB 400
    add "path: spans, --tokenizer unicode -> CoNLL" nerkit "$one_thread --tokenizer unicode '$PATH_SPANS'" "$spans_mb" MB 300
    if (( $(nproc) > 1 )); then
        # Every thread asked for (NERKIT_IGNORE_LOAD=1): what two free
        # cores give on the paths that run on threads.
        two="env NERKIT_IGNORE_LOAD=1 '$NERKIT' convert --threads 2 -q -o /dev/null"
        add "path: bracket -> JSON lines, --threads 2" nerkit "$two --to jsonl '$BRACKET'" "$bracket_mb" MB
        add "path: CoNLL IOB1 -> CoNLL IOBES, --threads 2" nerkit "$two --scheme iobes '$PATH_CONLL'" "$conll_mb" MB
    fi
    add "path: reference, read" "cat" "cat '$BRACKET' > /dev/null" "$bracket_mb" MB
    add "path: reference, count lines" "wc -l" "wc -l '$BRACKET' > /dev/null" "$bracket_mb" MB
    add "path: reference, map bytes" "tr a-z A-Z" "tr a-z A-Z < '$BRACKET' > /dev/null" "$bracket_mb" MB
fi

# --- runs ------------------------------------------------------------------
# One run: wall time from the shell (ns), peak RSS from GNU time.
run_task() { # INDEX ROUND
    local i=$1 round=$2 tf=$BENCH_DIR/time.txt out=$BENCH_DIR/out/task$1.out err=$BENCH_DIR/out/task$1.err
    local t0 t1 status=0 rss=NA
    t0=$(now_ns)
    if (( HAVE_TIME )); then
        $TIME -v -o "$tf" bash -c "exec ${CMD[$i]}" > "$out" 2> "$err" || status=$?
    else
        bash -c "exec ${CMD[$i]}" > "$out" 2> "$err" || status=$?
    fi
    t1=$(now_ns)
    if (( status != 0 )); then
        say "error: ${TOOL[$i]} (${WORK[$i]}) exited with $status; see $err"
        echo "$i $round FAIL $status" >> "$BENCH_DIR/runs.txt"
        return 1
    fi
    if (( HAVE_TIME )); then
        rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$tf")
    fi
    echo "$i $round $(( (t1 - t0) / 1000 )) $rss" >> "$BENCH_DIR/runs.txt"
}

: > "$BENCH_DIR/runs.txt"
say "running ${#CMD[@]} tasks x $ROUNDS rounds..."
for (( r = 1; r <= ROUNDS; r++ )); do
    for i in "${!CMD[@]}"; do
        run_task "$i" "$r" || true
    done
    say "round $r of $ROUNDS done"
done

if [[ -n $BIG ]] && wanted convert; then
    say "converting the ${BENCH_BIG_MB} MB corpus once (memory check)..."
    big_mb=$(awk -v b="$(stat -c %s "$BIG")" 'BEGIN { printf "%.3f", b / 1e6 }')
    add "convert bracket->IOB2, ${BENCH_BIG_MB} MB" nerkit "'$NERKIT' convert ${one:-} -q -o /dev/null '$BIG'" "$big_mb" MB
    run_task $(( ${#CMD[@]} - 1 )) 1 || true
fi

# --- table -----------------------------------------------------------------
median_us() { # INDEX
    awk -v i="$1" '$1 == i && $3 != "FAIL" { print $3 }' "$BENCH_DIR/runs.txt" | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
peak_kb() { # INDEX
    awk -v i="$1" '$1 == i && $4 != "NA" { if ($4 > m) m = $4 } END { print (m == "" ? "NA" : m) }' "$BENCH_DIR/runs.txt"
}
runs_of() { awk -v i="$1" '$1 == i && $3 != "FAIL"' "$BENCH_DIR/runs.txt" | wc -l; }
failures_of() { awk -v i="$1" '$1 == i && $3 == "FAIL" { n++; s = $4 } END { if (n) printf "failed %d of %d runs (exit %s)", n, n + r, s }' r="$(runs_of "$1")" "$BENCH_DIR/runs.txt"; }

# The micro F1 (in percent) a tool printed, to check that it computed the
# same thing as the others.
micro_f1() { # TOOL OUTPUT
    local f=$2
    case $1 in
        nerkit | conlleval.pl) awk '/FB1:/ && !done { sub(/.*FB1: */, ""); printf "%.2f", $1; done = 1 }' "$f" ;;
        nerkit\ --match*) awk '/"micro"/ { m = 1 } m && /"f1"/ { gsub(/[^0-9.]/, "", $2); printf "%.2f", 100 * $2; exit }' "$f" ;;
        seqeval*) awk '/micro avg/ { printf "%.2f", 100 * $5 }' "$f" ;;
        rusev*) awk '/^Overall_Micro/ { for (k = 2; k <= NF; k++) if ($k ~ /^fscore=/) { sub(/fscore=/, "", $k); printf "%.2f", 100 * $k } }' "$f" ;;
        nervaluate*) sed -n "s/^{'strict': EvaluationResult([^)]* f1=\([0-9.]*\).*/\1/p" "$f" | awk '{ printf "%.2f", 100 * $1 }' ;;
    esac
}

TABLE=$BENCH_DIR/table.md
{
    echo "| tool | work | input | runs | median wall | throughput | peak RSS | time / nerkit's | micro F1 |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
    for i in "${!CMD[@]}"; do
        [[ ${WORK[$i]} == path:* ]] && continue
        med=$(median_us "$i")
        f1=
        if [[ ${UNIT[$i]} == tokens ]]; then f1=$(micro_f1 "${TOOL[$i]}" "$BENCH_DIR/out/task$i.out"); fi
        if [[ -z $med ]]; then
            echo "| ${TOOL[$i]} | ${WORK[$i]} | | 0 | $(failures_of "$i") | | | | |"
            continue
        fi
        # nerkit's median on the same work, for the ratio.
        ref=
        for j in "${!CMD[@]}"; do
            if [[ ${WORK[$j]} == "${WORK[$i]}" && ${TOOL[$j]} == nerkit ]]; then ref=$(median_us "$j"); fi
        done
        kb=$(peak_kb "$i")
        awk -v tool="${TOOL[$i]}" -v work="${WORK[$i]}" -v med="$med" -v ref="$ref" \
            -v amount="${AMOUNT[$i]}" -v unit="${UNIT[$i]}" -v kb="$kb" -v runs="$(runs_of "$i")" -v f1="$f1" 'BEGIN {
            s = med / 1e6
            if (unit == "tokens") { input = sprintf("%.1fM tokens", amount / 1e6); thr = sprintf("%.2fM tokens/s", amount / s / 1e6) }
            else { input = sprintf("%.0f MB", amount); thr = sprintf("%.0f MB/s", amount / s) }
            mem = (kb == "NA") ? "n/a" : sprintf("%.1f MB", kb / 1024)
            ratio = (ref == "") ? "" : sprintf("%.2fx", med / ref)
            if (tool == "nerkit") ratio = "1x"
            printf "| %s | %s | %s | %d | %.3f s | %s | %s | %s | %s |\n", tool, work, input, runs, s, thr, mem, ratio, f1
        }'
    done
} > "$TABLE"

best_us() { # INDEX
    awk -v i="$1" '$1 == i && $3 != "FAIL" { if (m == "" || $3 < m) m = $3 } END { print m }' "$BENCH_DIR/runs.txt"
}
PATHS_TABLE=$BENCH_DIR/paths.md
if wanted paths; then
    {
        echo "| path | tool | input | runs | median wall | throughput | best wall | best throughput | target | peak RSS |"
        echo "|---|---|---:|---:|---:|---:|---:|---:|---|---:|"
        for i in "${!CMD[@]}"; do
            [[ ${WORK[$i]} == path:* ]] || continue
            med=$(median_us "$i")
            if [[ -z $med ]]; then
                echo "| ${WORK[$i]#path: } | ${TOOL[$i]} | | 0 | $(failures_of "$i") | | | | | |"
                continue
            fi
            awk -v work="${WORK[$i]#path: }" -v tool="${TOOL[$i]}" -v med="$med" -v best="$(best_us "$i")" \
                -v amount="${AMOUNT[$i]}" -v kb="$(peak_kb "$i")" -v runs="$(runs_of "$i")" -v target="${TARGET[$i]}" 'BEGIN {
                thr = amount / (med / 1e6); bthr = amount / (best / 1e6)
                t = ""
                if (target != "") t = sprintf("%d MB/s: %s", target, thr >= target ? "met" : (bthr >= target ? "met in the best run" : "not met"))
                mem = (kb == "NA") ? "n/a" : sprintf("%.1f MB", kb / 1024)
                printf "| %s | %s | %.0f MB | %d | %.3f s | %.0f MB/s | %.3f s | %.0f MB/s | %s | %s |\n", work, tool, amount, runs, med / 1e6, thr, best / 1e6, bthr, t, mem
            }'
        done
    } > "$PATHS_TABLE"
fi

say "load after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
say "outputs of the last round: $BENCH_DIR/out/ (taskN.out, taskN.err)"
if (( $(wc -l < "$TABLE") > 2 )); then
    say "table (also in $TABLE):"
    column -t -s '|' -o '|' "$TABLE" 2>/dev/null || cat "$TABLE"
fi
if wanted paths; then
    say "every path on one thread (also in $PATHS_TABLE):"
    column -t -s '|' -o '|' "$PATHS_TABLE" 2>/dev/null || cat "$PATHS_TABLE"
fi
