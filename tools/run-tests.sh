#!/usr/bin/env bash
# Builds RNNScope with warnings as errors and runs every test; then builds again with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs every test under them. Installs missing Debian packages first.
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
