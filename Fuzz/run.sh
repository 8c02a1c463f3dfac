#!/usr/bin/env bash
# make fuzz: builds the libFuzzer driver with the address sanitizer (leaks included), seeds each target's
# corpus from the committed inputs and the test material, runs every target for FUZZ_SECONDS (default 60)
# and prints one markdown row per target: executions, coverage, corpus, findings.
#   Fuzz/run.sh [target ...]      (default: every target)
# FUZZ_RUNS=N ends a target after N executions instead (whichever comes first with FUZZ_SECONDS).
# Inputs are capped per target (-max_len): a file parser's work grows with its input, and a few
# kilobytes reach every header and page path while keeping thousands of executions a second.
# Findings (crash-*, leak-*, timeout-*, oom-*) land in .build-fuzz/findings/; copy each into
# Fuzz/Corpus/<target>/ with its fix, and the suite replays it (Tests/FuzzTargetsTests).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
scratch=.build-fuzz
(cd Fuzz && swift build -c release --scratch-path "../$scratch" \
    -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address) >&2
bin=$(cd Fuzz && swift build -c release --scratch-path "../$scratch" --show-bin-path)/ivrmedia-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(audio-wav audio-raw audio-ogg opus menu patterns schedule control)
mkdir -p "$scratch/findings"
echo "| target | seconds | executions | coverage (edges) | corpus | findings |"
echo "|---|---:|---:|---:|---:|---|"
for t in "${targets[@]}"; do
    corpus="$scratch/corpus/$t"
    mkdir -p "$corpus"
    cp Fuzz/Corpus/"$t"/* "$corpus"/ 2>/dev/null || true
    case $t in
        menu) cp examples/*.yaml "$corpus"/ ;;
        audio-ogg) find Prompts -name '*.opus' -exec cp {} "$corpus"/ \; ;;
    esac
    # An Ogg Opus input decodes every packet it holds and resamples 48 kHz to 8 kHz: 1 KiB still holds
    # the two header pages and a few audio packets.
    case $t in
        audio-wav|audio-raw|menu) max_len=4096 ;;
        *) max_len=1024 ;;
    esac
    runs_limit=()
    [ -z "${FUZZ_RUNS:-}" ] || runs_limit=(-runs="$FUZZ_RUNS")
    log="$scratch/$t.log"
    status=0
    started=$(date +%s)
    # The audio targets write each input to a temporary file: keep it in memory where there is /dev/shm.
    tmp=${TMPDIR:-/tmp}
    [ -w /dev/shm ] && tmp=/dev/shm
    ASAN_OPTIONS=malloc_context_size=10:${ASAN_OPTIONS:-} LSAN_OPTIONS=suppressions=$PWD/Fuzz/lsan.supp TMPDIR=$tmp IVRMEDIA_FUZZ_TARGET=$t "$bin" "$corpus" -max_total_time="$seconds" "${runs_limit[@]}" \
        -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$scratch/findings/$t-" > "$log" 2>&1 || status=$?
    elapsed=$(( $(date +%s) - started ))
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
    corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
    found=$(ls "$scratch/findings" | grep "^$t-" | tr '\n' ' ' || true)
    [ $status -eq 0 ] || found="${found:-exit $status} (see $log)"
    echo "| $t | $elapsed | $runs | $cov | $corp | ${found:-none} |"
done
