#!/usr/bin/env bash
# RNNScope's engine and PyTorch CPU side by side on workloads W1..W5 of the speed issue; prints a markdown table.
#
#   bash bench/compare_pytorch.sh [RNNSCOPE_CLI] [pytorch_rnn.py options: --repeat N --warmup N --threads N --rounds N
#                                                 --workloads W1,W3]
#
# RNNSCOPE_CLI is a release-built rnnscope-cli (default build/release/app/cli/rnnscope-cli, built with the release
# preset if missing). Installs what is missing with apt-get (through sudo when not root): Debian's python3-torch
# and python3-numpy, and OpenBLAS (libopenblas0-pthread), which becomes the BLAS Debian's torch calls; without it
# torch runs on the reference BLAS. OpenBLAS is told to use its AVX-512 (SkylakeX) kernels, and both sides run on
# 2 threads (--threads N: N; rnnscope-cli gets --threads N, which sets RNNSCOPE_THREADS).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
default_cli="$root/build/release/app/cli/rnnscope-cli"
cli="$default_cli"
if [[ $# -gt 0 && $1 != --* ]]; then
    cli=$1
    shift
fi

# Debian's torch is installed for Debian's Python, whatever python3 comes first on PATH (pyenv, a venv).
python=/usr/bin/python3

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    else
        sudo "$@"
    fi
}

missing=()
for pkg in python3-torch python3-numpy libopenblas0-pthread; do
    if [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "installing ${missing[*]} (apt-get)" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi
"$python" -c 'import torch, numpy' || {
    echo "error: $python cannot import torch and numpy" >&2
    exit 1
}

if [[ ! -x $cli ]]; then
    if [[ $cli != "$default_cli" ]]; then
        echo "error: $cli: no such executable (give a release-built rnnscope-cli)" >&2
        exit 1
    fi
    echo "building $cli (release preset)" >&2
    (cd "$root" && cmake --preset release >&2 && cmake --build build/release --target rnnscope-cli >&2)
fi

# 2 threads on both sides unless --threads N says otherwise (OpenBLAS and OpenMP get the same count).
threads=2
prev=
for arg in "$@"; do
    case $arg in
    --threads=*) threads=${arg#--threads=} ;;
    *) [[ $prev == --threads ]] && threads=$arg ;;
    esac
    prev=$arg
done
export OPENBLAS_CORETYPE=SkylakeX
# torch's OpenMP threads otherwise spin while OpenBLAS's own threads work: on 2 cores that made 2-thread torch about
# 8x slower than 1 thread (W2: 370 ms against 45 ms, measured here); passive waiting gives them the cores back.
export OMP_WAIT_POLICY=PASSIVE
export OPENBLAS_NUM_THREADS=$threads
export OMP_NUM_THREADS=$threads
exec "$python" "$here/pytorch_rnn.py" "$cli" "$@"
