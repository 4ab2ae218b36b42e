#!/usr/bin/env bash
# Installs the Debian packages RNNScope builds and tests with, if any are missing. Safe to run repeatedly.
# Packages given as arguments are installed too (the fuzz script adds clang this way).
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libeigen3-dev libhdf5-dev nlohmann-json3-dev libzip-dev
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev libqcustomplot-dev
  python3 python3-numpy python3-h5py
  libbenchmark-dev
  valgrind
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing missing packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
