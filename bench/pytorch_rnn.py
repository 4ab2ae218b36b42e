#!/usr/bin/env python3
"""RNNScope's engine and PyTorch CPU side by side on the workloads of the speed issue (W1..W5).

For each workload: PyTorch (float32, batch_first, inference_mode) is timed as the median of --repeat forward passes
after --warmup, on 1 thread and on --threads threads; the faster is the baseline, so PyTorch is never judged by a
thread count that does not suit it. Then `rnnscope-cli bench` runs the same shapes with the full trace recorded. The
machine's SGEMM throughput (torch.mm of 2048x2048 float32 matrices, the faster of 1 and --threads threads) is
measured first, and RNNScope's share of it is printed per workload. Prints a markdown table. Run it through bench/compare_pytorch.sh, which
installs Debian's python3-torch and OpenBLAS and sets OPENBLAS_CORETYPE=SkylakeX.

usage: pytorch_rnn.py RNNSCOPE_CLI [--repeat N] [--warmup N] [--threads N] [--workloads W1,W2,...]
"""

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import torch

# name, what, cell, layers, B, T, F, U
WORKLOADS = [
    ("W1", "LSTM", "lstm", 1, 1, 1000, 16, 64),
    ("W2", "2-layer LSTM, return_sequences", "lstm", 2, 32, 200, 64, 128),
    ("W3", "LSTM", "lstm", 1, 64, 500, 256, 512),
    ("W4", "GRU reset_after", "gru", 1, 32, 200, 64, 128),
    ("W5", "SimpleRNN tanh", "simple_rnn", 1, 32, 200, 64, 128),
]

GATES = {"lstm": 4, "gru": 3, "simple_rnn": 1}

SUMMARY = re.compile(r"^median_ms=([0-9.]+) min_ms=([0-9.]+) gflops=(\S+)$", re.M)


def median_ms(fn, repeat, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def flops(cell, layers, b, t, f, u):
    """The recurrent layers' multiply-add FLOPs: 2*B*T*(F_in*G*U + U*G*U) per layer, as rnnscope-cli bench."""
    g = GATES[cell]
    total = 0
    for layer in range(layers):
        f_in = f if layer == 0 else u
        total += 2 * b * t * (f_in * g * u + u * g * u)
    return total


def torch_model(cell, layers, f, u):
    if cell == "lstm":
        return torch.nn.LSTM(f, u, num_layers=layers, batch_first=True)
    if cell == "gru":
        # torch's GRU applies the reset gate after the recurrent product: Keras's reset_after=True.
        return torch.nn.GRU(f, u, num_layers=layers, batch_first=True)
    return torch.nn.RNN(f, u, num_layers=layers, nonlinearity="tanh", batch_first=True)


def time_torch(cell, layers, b, t, f, u, repeat, warmup):
    torch.manual_seed(0)
    model = torch_model(cell, layers, f, u).eval()
    x = torch.randn(b, t, f, dtype=torch.float32)
    with torch.inference_mode():
        return median_ms(lambda: model(x), repeat, warmup)


def sgemm_gflops(n, repeat, warmup):
    a = torch.randn(n, n, dtype=torch.float32)
    b = torch.randn(n, n, dtype=torch.float32)
    with torch.inference_mode():
        ms = median_ms(lambda: torch.mm(a, b), repeat, warmup)
    return 2.0 * n**3 / (ms * 1e6)


def time_rnnscope(cli, cell, layers, b, t, f, u, repeat, warmup, threads):
    cmd = [cli, "bench", "--cell", cell, "--layers", str(layers), "--batch", str(b), "--steps", str(t),
           "--features", str(f), "--units", str(u), "--trace", "on", "--threads", str(threads),
           "--repeat", str(repeat), "--warmup", str(warmup)]
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    match = SUMMARY.search(run.stdout)
    if run.returncode != 0 or match is None:
        sys.exit(f"error: {' '.join(cmd)} failed (exit {run.returncode}):\n{run.stdout}{run.stderr}")
    return float(match.group(1)), float(match.group(3))


def cpu_name():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cli", help="path of a release-built rnnscope-cli")
    parser.add_argument("--repeat", type=int, default=11, help="timed passes per workload (median reported)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed passes first")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads and rnnscope --threads")
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5", help="comma-separated subset of W1..W5")
    args = parser.parse_args()
    if args.repeat < 1 or args.warmup < 0 or args.threads < 1:
        parser.error("--repeat >= 1, --warmup >= 0, --threads >= 1")
    chosen = args.workloads.split(",")
    unknown = [w for w in chosen if w not in {w[0] for w in WORKLOADS}]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}")

    counts = sorted({1, args.threads})
    load_before = os.getloadavg()
    sgemm_by_threads = {}
    for n in counts:
        torch.set_num_threads(n)
        sgemm_by_threads[n] = sgemm_gflops(2048, repeat=max(5, args.repeat), warmup=2)
    sgemm = max(sgemm_by_threads.values())

    rows = []
    for name, what, cell, layers, b, t, f, u in WORKLOADS:
        if name not in chosen:
            continue
        # RNNScope first, after a pause: right after a 2-thread torch pass, OpenBLAS's worker threads in this process
        # still spin for a while, and a short rnnscope-cli run started then loses a core to them (W5 measured 2.9 ms
        # one run, 5.0 ms the next). rnnscope-cli exits before torch starts, so nothing of it disturbs torch.
        time.sleep(2.0)
        ours_ms, ours_gflops = time_rnnscope(args.cli, cell, layers, b, t, f, u, args.repeat, args.warmup,
                                             args.threads)
        torch_by_threads = {}
        for n in counts:
            torch.set_num_threads(n)
            torch_by_threads[n] = time_torch(cell, layers, b, t, f, u, args.repeat, args.warmup)
        rows.append((name, what, cell, layers, b, t, f, u, torch_by_threads, ours_ms, ours_gflops))
        print(f"{name}: PyTorch {torch_by_threads} ms by threads, RNNScope {ours_ms:.2f} ms", file=sys.stderr,
              flush=True)
    load_after = os.getloadavg()

    print(f"CPU: {cpu_name()}, {os.cpu_count()} logical CPUs; PyTorch {torch.__version__}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}; RNNScope on {args.threads} threads")
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}; "
          f"median of {args.repeat} passes after {args.warmup} warm-up; RNNScope with the full trace recorded")
    print("SGEMM (torch.mm 2048x2048 float32): "
          + ", ".join(f"{n} thread(s) {g:.1f} GFLOP/s" for n, g in sgemm_by_threads.items())
          + f"; the best, {sgemm:.1f}, is the machine's SGEMM")
    print()
    torch_heads = " | ".join(f"PyTorch ms, {n} thr" for n in counts)
    print(f"| workload | shape | {torch_heads} | RNNScope ms | speed-up vs best PyTorch | RNNScope GFLOP/s "
          f"| share of SGEMM |")
    print("|---|---|" + "---:|" * len(counts) + "---:|---:|---:|---:|")
    for name, what, cell, layers, b, t, f, u, torch_by_threads, ours_ms, ours_gflops in rows:
        torch_ms = min(torch_by_threads.values())
        check = flops(cell, layers, b, t, f, u) / (ours_ms * 1e6)
        if abs(check - ours_gflops) > 0.01 * max(check, 1e-9) + 1e-3:
            print(f"warning: {name}: rnnscope-cli reports {ours_gflops} GFLOP/s, the formula gives {check:.3f}",
                  file=sys.stderr)
        torch_cells = " | ".join(f"{torch_by_threads[n]:.2f}" for n in counts)
        print(f"| {name} {what} | B={b} T={t} F={f} U={u} | {torch_cells} | {ours_ms:.2f} | "
              f"{torch_ms / ours_ms:.2f}x | {ours_gflops:.1f} | {100.0 * ours_gflops / sgemm:.0f}% |")


if __name__ == "__main__":
    main()
