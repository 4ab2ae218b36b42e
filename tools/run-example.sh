#!/usr/bin/env bash
# Builds RNNScope (optimised) and runs it on the bundled example: `rnnscope-cli info` then `run`.
# Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
cmake --preset release
cmake --build --preset release --target rnnscope-cli

cli=build/release/app/cli/rnnscope-cli
example=resources/examples/bracket_depth.h5
"$cli" info "$example"
"$cli" run "$example" --input resources/examples/bracket_depth_input.npy \
  --out build/example-out --trace build/example-out/trace.h5
echo "Outputs and the trace are in build/example-out/"
