#!/usr/bin/env bash
# Fuzz smoke run (CI runs it after the tests; see README.md here): builds every
# cargo-fuzz target on stable Rust (`-s none`: no sanitizer, so no nightly), then runs
# each one for a fixed time from its committed seeds with a fixed seed, and fails if
# any target is missing, fails to build, or finds a crash, a panic, a hang (one input
# running past -timeout) or runs out of memory.
#
# Usage: fuzz/smoke.sh [TARGET...]   (default: every target in TARGETS)
# Environment: SMOKE_SECONDS_<target> overrides a target's run time; WASI_AOT names
# the wasi-aot command the pipeline targets drive (default target/release/wasi-aot,
# built here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

# Every target the fuzz crate has, with its run time in seconds: about 5 minutes in
# all on 2 cores (compile_bytes does ~130 inputs/s there, smith_pipeline ~10, each one
# a `wasi-aot build` with a link and a run).
TARGETS=(compile_bytes smith_pipeline differential)
declare -A SECONDS_FOR=([compile_bytes]=60 [smith_pipeline]=120 [differential]=90)
# libFuzzer's -timeout for one input: above each target's own limits on the commands it
# runs (smith_pipeline: 60 s build + 12 s run; differential: 120 s for `wasi-aot wast`),
# so that a hung command is reported by the target with its output.
declare -A TIMEOUT_FOR=([compile_bytes]=60 [smith_pipeline]=120 [differential]=180)

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${TARGETS[@]}")
for target in "${targets[@]}"; do
    if [ -z "${SECONDS_FOR[$target]:-}" ]; then
        echo "smoke: unknown target $target (known: ${TARGETS[*]})" >&2
        exit 1
    fi
    if [ ! -f "fuzz/fuzz_targets/$target.rs" ]; then
        echo "smoke: fuzz/fuzz_targets/$target.rs is missing" >&2
        exit 1
    fi
done

# The pipeline targets drive the real command. CI's `cargo test --release` has just
# built it; building it here only when it is missing avoids a second build of the
# workspace with another feature set.
if [ -z "${WASI_AOT:-}" ] && [ ! -x target/release/wasi-aot ]; then
    echo "smoke: building target/release/wasi-aot"
    cargo build --release -p wasi-aot
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/wasi-aot-fuzz-smoke.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# The targets run a private copy: a `cargo build` in the same checkout while the smoke
# run goes on replaces target/release/wasi-aot, and a build that starts at that
# moment fails (seen once while developing this script, as a false finding).
cp "${WASI_AOT:-target/release/wasi-aot}" "$scratch/wasi-aot"
export WASI_AOT="$scratch/wasi-aot"

started=$(date +%s)
echo "smoke: cargo fuzz build -s none"
cargo fuzz build -s none
built=$(date +%s)
echo "smoke: fuzz targets built in $((built - started)) s"

results=()
failed=0
for target in "${targets[@]}"; do
    seconds=${SECONDS_FOR[$target]}
    override="SMOKE_SECONDS_$target"
    seconds=${!override:-$seconds}
    corpus="$scratch/corpus-$target"
    mkdir -p "$corpus"
    # New inputs go to the scratch corpus (the first directory); the seeds are only read.
    dirs=("$corpus")
    if [ -d "fuzz/seeds/$target" ]; then
        dirs+=("fuzz/seeds/$target")
    else
        echo "smoke: $target has no fuzz/seeds/$target; starting from an empty corpus"
    fi
    log="$scratch/$target.log"
    echo "smoke: $target for $seconds s"
    t0=$(date +%s)
    status=0
    cargo fuzz run -s none "$target" "${dirs[@]}" -- \
        -seed=1 -max_total_time="$seconds" -timeout="${TIMEOUT_FOR[$target]}" -rss_limit_mb=4096 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    t1=$(date +%s)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    line="$target: ${runs:-?} inputs in $((t1 - t0)) s"
    if [ "$status" -eq 0 ]; then
        results+=("ok   $line")
    else
        failed=$((failed + 1))
        # The log goes beside the crash input (git ignores fuzz/artifacts).
        mkdir -p "fuzz/artifacts/$target"
        cp "$log" "fuzz/artifacts/$target/smoke.log"
        results+=("FAIL $line (exit $status; input and log in fuzz/artifacts/$target)")
        echo "---- the $target finding ----"
        grep -m1 -A20 'panicked at' "$log" || true
        grep -v '^"' "$log" | tail -n 25
        echo "----"
    fi
done

echo "smoke: results (build $((built - started)) s, runs $(($(date +%s) - built)) s)"
printf '%s\n' "${results[@]}"
echo "$(( ${#targets[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
