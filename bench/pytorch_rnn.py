#!/usr/bin/env python3
"""RNNScope's engine and PyTorch CPU side by side on the workloads of the speed issue (W1..W5).

For each workload: the machine's SGEMM throughput is measured (torch.mm of 2048x2048 float32 matrices, the faster of
1 and --threads threads); then `rnnscope-cli bench` runs the workload with the full trace recorded; then PyTorch
(float32, batch_first, inference_mode) is timed as the median of --repeat forward passes after --warmup, on 1 thread
and on --threads threads, and the faster is the baseline, so PyTorch is never judged by a thread count that does not
suit it. RNNScope's share of SGEMM is its GFLOP/s over the SGEMM measured just before it.

All of that is done --rounds times, the workloads taken in turn within each round, so that a slow spell of a shared
machine falls on a few measurements of every workload, not on all of one. Prints each round's table, then a summary:
the median over the rounds of each figure, the issue's targets (10x PyTorch on W1, 1.3x on W3, 2x on W2, W4 and W5,
and 65% of SGEMM on W2-W5) checked against those medians, and in how many rounds each target was met.

Run it through bench/compare_pytorch.sh, which installs Debian's python3-torch and OpenBLAS and sets
OPENBLAS_CORETYPE=SkylakeX.

usage: pytorch_rnn.py RNNSCOPE_CLI [--repeat N] [--warmup N] [--threads N] [--rounds N] [--workloads W1,W2,...]
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


# The targets: RNNScope's speed-up over the faster PyTorch, and its share of SGEMM (None: no share target).
TARGETS = {"W1": (10.0, None), "W2": (2.0, 0.65), "W3": (1.3, None), "W4": (2.0, 0.65), "W5": (2.0, 0.65)}


def measure_workload(args, counts, cell, layers, b, t, f, u):
    """One round's figures for one workload: SGEMM GFLOP/s by thread count, RNNScope ms and GFLOP/s, PyTorch ms by
    thread count."""
    # A pause before each timed block: right after a 2-thread torch pass, OpenBLAS's worker threads in this process
    # still spin for a while, and a short rnnscope-cli run started then loses a core to them (W5 measured 2.9 ms one
    # run, 5.0 ms the next). rnnscope-cli exits before torch starts, so nothing of it disturbs torch.
    time.sleep(2.0)
    sgemm_by_threads = {}
    for n in counts:
        torch.set_num_threads(n)
        sgemm_by_threads[n] = sgemm_gflops(2048, repeat=max(5, args.repeat), warmup=2)
    time.sleep(2.0)
    ours_ms, ours_gflops = time_rnnscope(args.cli, cell, layers, b, t, f, u, args.repeat, args.warmup, args.threads)
    torch_by_threads = {}
    for n in counts:
        torch.set_num_threads(n)
        torch_by_threads[n] = time_torch(cell, layers, b, t, f, u, args.repeat, args.warmup)
    check = flops(cell, layers, b, t, f, u) / (ours_ms * 1e6)
    if abs(check - ours_gflops) > 0.01 * max(check, 1e-9) + 1e-3:
        print(f"warning: rnnscope-cli reports {ours_gflops} GFLOP/s, the formula gives {check:.3f}", file=sys.stderr)
    return {"sgemm": sgemm_by_threads, "ours_ms": ours_ms, "ours_gflops": ours_gflops, "torch": torch_by_threads}


def derived(name, m):
    """Speed-up over the faster PyTorch, share of the SGEMM measured with it, and whether each target is met."""
    speedup = min(m["torch"].values()) / m["ours_ms"]
    share = m["ours_gflops"] / max(m["sgemm"].values())
    want_speedup, want_share = TARGETS[name]
    speed_met = speedup >= want_speedup
    share_met = want_share is None or share >= want_share
    return speedup, share, speed_met, share_met


def verdict(name, speed_met, share_met):
    want_speedup, want_share = TARGETS[name]
    missed = []
    if not speed_met:
        missed.append(f"speed-up < {want_speedup:g}x")
    if not share_met:
        missed.append(f"share < {100 * want_share:.0f}%")
    return "yes" if not missed else "no: " + ", ".join(missed)


def print_round(r, counts, chosen_rows, figures):
    print(f"### Round {r + 1}")
    print()
    torch_heads = " | ".join(f"PyTorch ms, {n} thr" for n in counts)
    print(f"| workload | SGEMM GFLOP/s | {torch_heads} | RNNScope ms | speed-up | RNNScope GFLOP/s | share of SGEMM "
          f"| target met |")
    print("|---|---:|" + "---:|" * len(counts) + "---:|---:|---:|---:|---|")
    for name, *_ in chosen_rows:
        m = figures[name][r]
        speedup, share, speed_met, share_met = derived(name, m)
        torch_cells = " | ".join(f"{m['torch'][n]:.2f}" for n in counts)
        print(f"| {name} | {max(m['sgemm'].values()):.1f} | {torch_cells} | {m['ours_ms']:.2f} | {speedup:.2f}x | "
              f"{m['ours_gflops']:.1f} | {100 * share:.0f}% | {verdict(name, speed_met, share_met)} |")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cli", help="path of a release-built rnnscope-cli")
    parser.add_argument("--repeat", type=int, default=11, help="timed passes per workload (median reported)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed passes first")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads and rnnscope --threads")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all workloads (medians reported)")
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5", help="comma-separated subset of W1..W5")
    args = parser.parse_args()
    if args.repeat < 1 or args.warmup < 0 or args.threads < 1 or args.rounds < 1:
        parser.error("--repeat >= 1, --warmup >= 0, --threads >= 1, --rounds >= 1")
    chosen = args.workloads.split(",")
    unknown = [w for w in chosen if w not in {w[0] for w in WORKLOADS}]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}")
    chosen_rows = [w for w in WORKLOADS if w[0] in chosen]

    counts = sorted({1, args.threads})
    load_before = os.getloadavg()
    started = time.strftime("%H:%M:%S")
    figures = {w[0]: [] for w in chosen_rows}
    for r in range(args.rounds):
        for name, what, cell, layers, b, t, f, u in chosen_rows:
            m = measure_workload(args, counts, cell, layers, b, t, f, u)
            figures[name].append(m)
            speedup, share, _, _ = derived(name, m)
            print(f"round {r + 1} {name}: SGEMM {m['sgemm']} GFLOP/s, PyTorch {m['torch']} ms by threads, "
                  f"RNNScope {m['ours_ms']:.2f} ms ({speedup:.2f}x, {100 * share:.0f}%)", file=sys.stderr, flush=True)
    load_after = os.getloadavg()

    print(f"CPU: {cpu_name()}, {os.cpu_count()} logical CPUs; PyTorch {torch.__version__}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}; RNNScope on {args.threads} threads")
    print(f"started {started}, finished {time.strftime('%H:%M:%S')}; load average (1 min) before {load_before[0]:.2f}, "
          f"after {load_after[0]:.2f}; {args.rounds} round(s); each figure the median of {args.repeat} passes after "
          f"{args.warmup} warm-up; RNNScope with the full trace recorded; SGEMM is torch.mm of 2048x2048 float32, the "
          f"faster of {' and '.join(str(n) for n in counts)} thread(s), measured before each workload")
    print()
    for r in range(args.rounds):
        print_round(r, counts, chosen_rows, figures)

    print(f"### Median of {args.rounds} round(s)")
    print()
    torch_heads = " | ".join(f"PyTorch ms, {n} thr" for n in counts)
    print(f"| workload | shape | SGEMM GFLOP/s | {torch_heads} | RNNScope ms | speed-up vs best PyTorch "
          f"| RNNScope GFLOP/s | share of SGEMM | target met (medians) | rounds meeting it |")
    print("|---|---|---:|" + "---:|" * len(counts) + "---:|---:|---:|---:|---|---:|")
    all_met = True
    every_round = [True] * args.rounds
    for name, what, cell, layers, b, t, f, u in chosen_rows:
        ms = figures[name]
        per_round = [derived(name, m) for m in ms]
        speedup = statistics.median(d[0] for d in per_round)
        share = statistics.median(d[1] for d in per_round)
        want_speedup, want_share = TARGETS[name]
        speed_met = speedup >= want_speedup
        share_met = want_share is None or share >= want_share
        all_met = all_met and speed_met and share_met
        met_rounds = 0
        for r, d in enumerate(per_round):
            if d[2] and d[3]:
                met_rounds += 1
            else:
                every_round[r] = False
        sgemm = statistics.median(max(m["sgemm"].values()) for m in ms)
        torch_cells = " | ".join(f"{statistics.median(m['torch'][n] for m in ms):.2f}" for n in counts)
        ours_ms = statistics.median(m["ours_ms"] for m in ms)
        ours_gflops = statistics.median(m["ours_gflops"] for m in ms)
        print(f"| {name} {what} | B={b} T={t} F={f} U={u} | {sgemm:.1f} | {torch_cells} | {ours_ms:.2f} | "
              f"{speedup:.2f}x | {ours_gflops:.1f} | {100 * share:.0f}% | {verdict(name, speed_met, share_met)} | "
              f"{met_rounds} of {args.rounds} |")
    print()
    print(f"Every target met by the medians: {'yes' if all_met else 'no'}; rounds in which every target was met: "
          f"{sum(every_round)} of {args.rounds}")


if __name__ == "__main__":
    main()
