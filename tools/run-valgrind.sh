#!/usr/bin/env bash
# Runs the CLI tests (ctest label `cli`) with every rnnscope-cli launch under valgrind's memcheck (issue 7, item 2).
# The tests start the CLI through tests/support/cli_runner.h, which prefixes RNNSCOPE_CLI_WRAPPER and multiplies
# their process timeouts by RNNSCOPE_TEST_TIMEOUT_SCALE. Any memcheck error or definite/indirect leak makes
# valgrind exit with 99, which no test accepts as the CLI's exit status, so the test fails.
# A RelWithDebInfo build without sanitizers (valgrind and ASan cannot share a process) in build/valgrind by default.
# Usage: tools/run-valgrind.sh [extra ctest arguments, e.g. -R tst_cli_bench]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${RNNSCOPE_VALGRIND_BUILD_DIR:-build/valgrind}
jobs=${RNNSCOPE_JOBS:-2}
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

# The `plot` command draws with the debugger's widgets, so tst_cli_plot exists only with the GUI built.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRNNSCOPE_BUILD_TESTS=ON \
    -DRNNSCOPE_BUILD_GUI=ON -DCMAKE_COMPILE_WARNING_AS_ERROR=ON
# Only the CLI and the cli-labelled tests: the rest of the project is not exercised here.
cli_tests=$(sed -n 's/^rnnscope_add_test(\([A-Za-z0-9_]*\) .*/\1/p' tests/cli/CMakeLists.txt)
cmake --build "$build_dir" -j "$jobs" --target rnnscope-cli $cli_tests

log_dir=$(realpath "$build_dir")/valgrind-logs
rm -rf "$log_dir" && mkdir -p "$log_dir"
# Valgrind's own report goes to a log per process, not to stderr: several tests compare the CLI's stderr exactly.
export RNNSCOPE_CLI_WRAPPER="valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --track-origins=yes \
--suppressions=$(realpath tests/valgrind.supp) --log-file=$log_dir/memcheck.%p.log"
export RNNSCOPE_TEST_TIMEOUT_SCALE=${RNNSCOPE_TEST_TIMEOUT_SCALE:-40}
export QT_QPA_PLATFORM=offscreen

start=$(date +%s)
status=0
# One test at a time: memcheck is CPU-bound and the machine is shared. CTest's own timeout is scaled too.
ctest --test-dir "$build_dir" -L cli --output-on-failure --timeout 3600 "$@" || status=$?
echo "valgrind run: $(( $(date +%s) - start )) s wall time"

# A second net under the exit code: any log with errors is listed.
bad=$(grep -lE 'ERROR SUMMARY: [1-9]' "$log_dir"/memcheck.*.log 2>/dev/null || true)
if [[ -n "$bad" ]]; then
    echo "memcheck reported errors in:" >&2
    echo "$bad" >&2
    status=1
fi
echo "memcheck logs: $log_dir ($(ls "$log_dir" | wc -l) processes)"
exit $status
