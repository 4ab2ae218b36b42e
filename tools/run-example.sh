#!/usr/bin/env bash
# Builds RNNScope (optimised), runs the command-line demo on the bundled example (`rnnscope-cli info` then `run`),
# then opens the debugger window on it. Installs missing Debian packages first.
# `--cli-only` skips the window (e.g. over ssh without a display).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
cmake --preset release
cmake --build --preset release --target rnnscope-cli rnnscope

cli=build/release/app/cli/rnnscope-cli
example=resources/examples/bracket_depth.h5
"$cli" info "$example"
"$cli" run "$example" --input resources/examples/bracket_depth_input.npy \
  --out build/example-out --trace build/example-out/trace.h5
echo "Outputs and the trace are in build/example-out/"

if [ "${1:-}" = "--cli-only" ]; then
  exit 0
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: not opening the window. On a desktop, run: build/release/app/gui/rnnscope"
  exit 0
fi
# With no argument the window opens the bundled example and its input.
exec build/release/app/gui/rnnscope
