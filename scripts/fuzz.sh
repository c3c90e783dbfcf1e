#!/usr/bin/env bash
# Coverage-guided fuzzing of every input ktune reads (libFuzzer + AddressSanitizer).
#   scripts/fuzz.sh [TARGET|all] [SECONDS]      fuzz TARGET (default all, one after another) for SECONDS each
#   scripts/fuzz.sh --replay [TARGET|all]       run the committed corpus once through the harness(es)
#   KTUNE_FUZZ_BIN=PATH scripts/fuzz.sh ...        use that harness binary instead of building one
#   TIMEOUT=S scripts/fuzz.sh ...                 per-input timeout (default 10 s; raise it on a loaded machine,
#                                                where a niced fuzzer can be starved past 10 s on one input)
#   RUNS=N scripts/fuzz.sh TARGET SECONDS        stop after N executions or SECONDS, whichever comes first
#                                                (the long runs: RUNS=1000000 scripts/fuzz.sh TARGET 1800)
# Targets: gguf config journal profile shape params hwloc. Corpora: fuzz/corpus/TARGET (seeds, committed);
# new inputs found go to .build/fuzz-work/TARGET (git-ignored); crashes to fuzz/crashes/ (commit them as
# regression inputs after fixing). The harness is built -Onone so the parsing code is not optimised away.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=(gguf config journal profile shape params hwloc)
replay=0
if [[ "${1:-}" == "--replay" ]]; then replay=1; shift; fi
target="${1:-all}"
seconds="${2:-60}"
if [[ "$target" == "all" ]]; then sel=("${TARGETS[@]}"); else sel=("$target"); fi

scratch=.build/fuzz
if [[ -n "${KTUNE_FUZZ_BIN:-}" ]]; then
    bin="$KTUNE_FUZZ_BIN"   # an already built harness (e.g. a copy kept fixed during a long campaign)
else
    KTUNE_FUZZ=1 swift build --scratch-path "$scratch" --product ktune-fuzz \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -Onone >"$scratch.log" 2>&1 || { tail -40 "$scratch.log"; exit 1; }
    bin="$scratch/debug/ktune-fuzz"
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}"
mkdir -p fuzz/crashes
status=0
for t in "${sel[@]}"; do
    corpus="fuzz/corpus/$t"
    [[ -d "$corpus" ]] || { echo "no corpus $corpus"; exit 2; }
    if (( replay )); then
        # -runs=0 executes every corpus file once and exits; a crash fails the replay.
        if KTUNE_FUZZ_TARGET="$t" "$bin" -runs=0 -rss_limit_mb=2048 -timeout=10 "$corpus" >".build/fuzz-replay-$t.log" 2>&1; then
            echo "fuzz replay $t: $(ls "$corpus" | wc -l) inputs ok"
        else
            echo "fuzz replay $t: FAILED"; tail -30 ".build/fuzz-replay-$t.log"; status=1
        fi
        continue
    fi
    work=".build/fuzz-work/$t"; mkdir -p "$work"
    log=".build/fuzz-$t.log"
    echo "fuzzing $t for ${seconds}s (log $log)"
    runs=(); [[ -n "${RUNS:-}" ]] && runs=(-runs="$RUNS")
    KTUNE_FUZZ_TARGET="$t" "$bin" "$work" "$corpus" -max_total_time="$seconds" "${runs[@]}" -rss_limit_mb=2048 \
        -timeout="${TIMEOUT:-10}" -max_len=65536 -print_final_stats=1 -artifact_prefix="fuzz/crashes/$t-" >"$log" 2>&1 || status=1
    grep -E "^#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED)" "$log" | tail -1 || true
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" || true
    grep -E "ERROR|crash|timeout|leak" "$log" | head -5 || true
done
exit $status
