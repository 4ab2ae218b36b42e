// The engine alone on the workloads of issue 6 (W1-W5), with the full trace recorded: random weights,
// return_sequences on every layer, batch-major inputs. Reports GFLOP/s of the recurrent and input products
// (2 * B * T * (F + U) * gates * U per layer), the figure the issue compares against the machine's SGEMM rate.
// RNNSCOPE_THREADS chooses the engine's thread count (1 = single-threaded).

#include <benchmark/benchmark.h>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "core/cells/gru_cell.h"
#include "core/cells/lstm_cell.h"
#include "core/cells/simple_rnn_cell.h"
#include "core/rnn_loop.h"

using namespace rnnscope;

namespace {

enum class Kind { Lstm, Gru, Simple };

std::unique_ptr<RnnCell> makeCell(Kind kind, Index inputSize, Index units, unsigned seed)
{
    const Activation tanh(ActivationKind::Tanh);
    const Activation sigmoid(ActivationKind::Sigmoid);
    std::unique_ptr<RnnCell> cell;
    switch (kind) {
    case Kind::Lstm:
        cell = std::make_unique<LstmCell>(inputSize, units, tanh, sigmoid, true);
        break;
    case Kind::Gru:
        cell = std::make_unique<GruCell>(inputSize, units, tanh, sigmoid, true, true);
        break;
    case Kind::Simple:
        cell = std::make_unique<SimpleRnnCell>(inputSize, units, tanh, true);
        break;
    }
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-0.2F, 0.2F);
    for (auto& w : cell->weights()) {
        for (Index i = 0; i < shapeVolume(w.shape); ++i) {
            w.data[i] = dist(gen);
        }
    }
    return cell;
}

Index gatesOf(Kind kind)
{
    return kind == Kind::Lstm ? 4 : kind == Kind::Gru ? 3 : 1;
}

// args: kind, layers, batch, steps, features, units, trace (1 = full trace, 0 = none)
void BM_Workload(benchmark::State& state)
{
    const auto kind = static_cast<Kind>(state.range(0));
    const Index layers = state.range(1);
    const Index batch = state.range(2);
    const Index steps = state.range(3);
    const Index features = state.range(4);
    const Index units = state.range(5);
    const bool traced = state.range(6) != 0;
    std::vector<std::unique_ptr<RnnCell>> cells;
    double flops = 0;
    for (Index l = 0; l < layers; ++l) {
        const Index in = l == 0 ? features : units;
        cells.push_back(makeCell(kind, in, units, static_cast<unsigned>(l + 1)));
        flops += 2.0 * static_cast<double>(batch * steps * (in + units) * gatesOf(kind) * units);
    }
    Tensor x({batch, steps, features});
    std::mt19937 gen(3);
    std::normal_distribution<float> dist;
    for (Index i = 0; i < x.size(); ++i) {
        x.data()[i] = dist(gen);
    }
    std::vector<std::vector<Tensor>> states;
    for (const auto& c : cells) {
        std::vector<Tensor> s;
        for (const auto& spec : c->states()) {
            s.emplace_back(Shape {batch, spec.size});
        }
        states.push_back(std::move(s));
    }
    std::vector<LayerTrace> traces(static_cast<std::size_t>(layers));
    for (auto _ : state) {
        Tensor carried; // the previous layer's output sequence, the next layer's input
        RnnLoopResult r;
        for (std::size_t l = 0; l < cells.size(); ++l) {
            r = rnnLoop(*cells[l], l == 0 ? x : carried, states[l], nullptr, {}, {}, traced ? &traces[l] : nullptr);
            if (l + 1 < cells.size()) {
                carried = std::move(r.outputs);
            }
        }
        benchmark::DoNotOptimize(r.lastOutput.data());
    }
    state.counters["GFLOPs"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

constexpr auto kLstm = static_cast<int64_t>(Kind::Lstm);
constexpr auto kGru = static_cast<int64_t>(Kind::Gru);
constexpr auto kSimple = static_cast<int64_t>(Kind::Simple);

BENCHMARK(BM_Workload)
    ->ArgNames({"kind", "layers", "B", "T", "F", "U", "trace"})
    ->Args({kLstm, 1, 1, 1000, 16, 64, 1}) // W1
    ->Args({kLstm, 2, 32, 200, 64, 128, 1}) // W2
    ->Args({kLstm, 1, 64, 500, 256, 512, 1}) // W3
    ->Args({kGru, 1, 32, 200, 64, 128, 1}) // W4 (reset_after)
    ->Args({kSimple, 1, 32, 200, 64, 128, 1}) // W5
    ->Args({kLstm, 2, 32, 200, 64, 128, 0}) // W2 without the trace, to show what recording costs
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

// The reference the issue measures against: SGEMM throughput of this machine with 1 or 2 threads, each thread
// multiplying its own 512x512 matrices with Eigen (the engine's GEMM, built with the same flags).
void BM_SgemmReference(benchmark::State& state)
{
    const auto threads = static_cast<int>(state.range(0));
    constexpr Index n = 512;
    constexpr int products = 8;
    std::vector<RowMatrix> a(static_cast<std::size_t>(threads), RowMatrix::Random(n, n));
    std::vector<RowMatrix> b(static_cast<std::size_t>(threads), RowMatrix::Random(n, n));
    std::vector<RowMatrix> c(static_cast<std::size_t>(threads), RowMatrix::Zero(n, n));
    auto work = [&](std::size_t t) {
        for (int i = 0; i < products; ++i) {
            c[t].noalias() += a[t] * b[t];
        }
    };
    for (auto _ : state) {
        std::vector<std::thread> pool;
        for (std::size_t t = 1; t < static_cast<std::size_t>(threads); ++t) {
            pool.emplace_back(work, t);
        }
        work(0);
        for (auto& th : pool) {
            th.join();
        }
        benchmark::DoNotOptimize(c[0].data());
    }
    const double flops = 2.0 * static_cast<double>(n * n * n) * products * threads;
    state.counters["GFLOPs"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK(BM_SgemmReference)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

} // namespace

BENCHMARK_MAIN();
