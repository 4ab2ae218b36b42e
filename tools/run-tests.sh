#!/usr/bin/env bash
# Builds RNNScope with warnings as errors and runs every test; then builds again with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs every test under them; then every test but the window's in a -march=native
# build and under ThreadSanitizer; then runs the CLI tests under valgrind's memcheck and every file reader's fuzz
# target for a bounded time.
# Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

cmake --preset ci
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs"

cmake --preset asan -DCMAKE_COMPILE_WARNING_AS_ERROR=ON
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

# The same tests (all but the window's) built for this CPU with -march=native, where the engine takes its AVX-512
# paths: the register-tiled products, the fused gate passes, gates and states computed in place in the trace. The ci
# build above targets baseline x86-64 and takes Eigen's paths instead, so only this catches a regression there (bit-
# for-bit reproducibility between a whole run and a streamed one was such a regression). Skipped on CPUs without
# AVX-512, where a native build takes the same paths as ci.
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    cmake --preset native-tests
    cmake --build --preset native-tests -j "$jobs"
    ctest --preset native-tests -j "$jobs"
else
    echo "native-tests: skipped, this CPU has no AVX-512"
fi

# ThreadSanitizer over every test but the window's (Qt itself is not instrumented; tests/tsan.supp): the engine splits
# a batch across threads and streams a trace from whichever thread completes a window. setarch -R: GCC 12's TSan
# refuses the address layouts of kernels with more ASLR entropy than it knows. Built natively where the CPU has
# AVX-512, so that TSan also watches the paths only such builds take (a batch of one's steps shared by two threads,
# unit_split_loop.h).
tsan_flags=()
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    tsan_flags=(-DRNNSCOPE_NATIVE=ON)
fi
cmake --preset tsan "${tsan_flags[@]}"
cmake --build --preset tsan -j "$jobs"
setarch "$(uname -m)" -R ctest --preset tsan -j "$jobs"

# memcheck over every CLI test, the two golden sweeps (tst_cli, tst_real_models) included: about 10 minutes on 2
# cores (README, "Hardening", has the last run). The ci build is RelWithDebInfo without -march=native, which
# valgrind can run: memcheck reuses it.
RNNSCOPE_VALGRIND_BUILD_DIR=build/ci bash tools/run-valgrind.sh -j "$jobs"

# libFuzzer over the readers: 2000 executions per target from a fixed seed, so that CI is repeatable (longer,
# time-bounded runs find new inputs on any day: tests/fuzz/README.md). Every target runs.
FUZZ_RUNS="${FUZZ_RUNS:-2000}" FUZZ_SEED="${FUZZ_SEED:-1}" bash tools/run-fuzz-smoke.sh
