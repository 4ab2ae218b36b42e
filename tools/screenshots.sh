#!/usr/bin/env bash
# Builds the debugger if needed and writes docs/screenshot.png (and docs/screenshot-dark.png) of the window on the
# bundled example, through the app's hidden `--screenshot FILE --steps N` mode under a virtual X server.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v xvfb-run >/dev/null; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends xvfb xauth
fi

build=${BUILD_DIR:-build/release}
if [ ! -x "$build/app/gui/rnnscope" ]; then
  bash tools/install-deps.sh
  cmake --preset release
fi
cmake --build "$build" --target rnnscope

mkdir -p docs
steps=${STEPS:-22}
run() { xvfb-run -a -s "-screen 0 1600x1000x24" "$build/app/gui/rnnscope" --screenshot "$@" --steps "$steps"; }
run docs/screenshot.png
run docs/screenshot-dark.png --dark
echo "Wrote docs/screenshot.png and docs/screenshot-dark.png"
