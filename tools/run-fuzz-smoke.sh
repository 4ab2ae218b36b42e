#!/usr/bin/env bash
# Runs every fuzz target of the file readers (tests/fuzz) for a short bounded time over its seeds and kept regression
# inputs; fails on any finding (crash, sanitizer report, uncaught exception, hang, over-allocation).
#
#   tools/run-fuzz-smoke.sh                      # 10 s per target
#   FUZZ_SECONDS=300 tools/run-fuzz-smoke.sh     # longer
#   FUZZ_BUILD_DIR=... FUZZ_TARGETS="npy csv" tools/run-fuzz-smoke.sh
#
# Installs clang and libclang-rt-14-dev when missing (apt-get, through sudo when not root), configures and builds the
# `fuzz` preset, makes the seed corpora (tests/fuzz/make_seeds.sh), then runs the targets one at a time. Findings are
# written to $FUZZ_BUILD_DIR/findings/<target>/; keep them under tests/fuzz/regressions/<target>/ once fixed.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(realpath -m "${FUZZ_BUILD_DIR:-$repo/build/fuzz}")" # absolute: the runs below cd into it
seconds="${FUZZ_SECONDS:-10}"
jobs="${FUZZ_BUILD_JOBS:-2}"
targets=(${FUZZ_TARGETS:-h5_model weights keras_archive config_json npy csv text session trace})

bash "$repo/tools/install-deps.sh" clang libclang-rt-14-dev

cmake --preset fuzz -B "$build" >/dev/null
# The CLI records the trace target's seed.
cmake --build "$build" -j"$jobs" --target fuzz_targets rnnscope-cli
RNNSCOPE_CLI="$build/app/cli/rnnscope-cli" "$repo/tests/fuzz/make_seeds.sh" "$build/seeds"

# Leaks are findings too, as are allocations over 1 GiB (a reader trusting a size it read) and 10 s per input (a hang).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$repo/tests/fuzz/lsan.supp}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# FUZZ_RUNS=N (with FUZZ_SEED, default 1): N executions per target from a fixed seed instead of FUZZ_SECONDS. The
# same binary and corpus then make the same inputs, so a run that passed passes again: what CI uses, since a
# time-bounded run may find a new crash on any day and fail at random.
if [ -n "${FUZZ_RUNS:-}" ]; then
  budget=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}")
else
  budget=(-max_total_time="$seconds")
fi
failed=()
# libFuzzer's -jobs mode writes each job's log to ./fuzz-<n>.log: keep them in the build directory.
cd "$build"
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  findings="$build/findings/$t"
  if [ -n "${FUZZ_RUNS:-}" ]; then
    rm -rf "$corpus" # what earlier runs added would change what this one makes
  fi
  mkdir -p "$corpus" "$findings"
  echo "== fuzz_$t (${budget[*]})"
  # New inputs go to the scratch corpus; the seeds and the kept regressions are read as given.
  if ! "$build/tests/fuzz/fuzz_$t" "$corpus" "$build/seeds/$t" -jobs=1 -workers=1 "${budget[@]}" \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -print_final_stats=1 -artifact_prefix="$findings/" \
    >"$build/findings/$t.log" 2>&1; then
    failed+=("$t")
    echo "FAILED: fuzz_$t (log: $build/findings/$t.log, inputs: $findings/)"
    grep -m3 -E "ERROR|SUMMARY|fuzz:" "$build/findings/$t.log" || true
  else
    grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::average_exec_per_sec)" "$build/findings/$t.log" || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz smoke: findings in ${failed[*]}"
  exit 1
fi
echo "fuzz smoke: ${#targets[@]} targets (${budget[*]}), no findings"
