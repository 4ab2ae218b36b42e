// The engine's pieces, one at a time (no Qt): one cell step of each built-in cell at U=128, B=32; the time loop
// (rnnLoop) over 200 steps with and without the trace; the input projection GEMM X.W for all steps; and
// Model::predict on workload W2 of the speed issue (2-layer LSTM(128), return_sequences, [32, 200, 64], full trace).
// Weights are Keras's default initializers with a fixed seed; inputs a fixed normal draw.

#include <benchmark/benchmark.h>
#include <memory>
#include <random>

#include "core/cells/gru_cell.h"
#include "core/cells/lstm_cell.h"
#include "core/cells/simple_rnn_cell.h"
#include "core/initializers.h"
#include "core/layers/basic_layers.h"
#include "core/model.h"
#include "core/rnn_layer.h"
#include "core/rnn_loop.h"

using namespace rnnscope;

namespace {

constexpr Index kBatch = 32;
constexpr Index kSteps = 200;
constexpr Index kFeatures = 64;
constexpr Index kUnits = 128;

enum class CellKind { Lstm, Gru, SimpleRnn };

std::unique_ptr<ProjectedCell> makeCell(CellKind kind, Index inputSize, Index units)
{
    const Activation tanh(ActivationKind::Tanh);
    const Activation sigmoid(ActivationKind::Sigmoid);
    std::unique_ptr<ProjectedCell> cell;
    switch (kind) {
    case CellKind::Lstm:
        cell = std::make_unique<LstmCell>(inputSize, units, tanh, sigmoid, true);
        break;
    case CellKind::Gru:
        cell = std::make_unique<GruCell>(inputSize, units, tanh, sigmoid, true, true); // Keras 3: reset_after
        break;
    case CellKind::SimpleRnn:
        cell = std::make_unique<SimpleRnnCell>(inputSize, units, tanh, true);
        break;
    }
    std::uint64_t seed = 1;
    for (auto& w : cell->weights()) {
        initializeWeights(initializerFor(cell->className(), w.name, {}), w.shape, w.data, seed++);
    }
    return cell;
}

Tensor randomTensor(Shape shape, unsigned seed)
{
    Tensor t(std::move(shape));
    std::mt19937 gen(seed);
    std::normal_distribution<float> dist;
    for (float& v : t.values()) {
        v = dist(gen);
    }
    return t;
}

std::vector<Tensor> zeroStates(const RnnCell& cell, Index batch)
{
    std::vector<Tensor> states;
    for (const auto& s : cell.states()) {
        states.emplace_back(Shape {batch, s.size});
    }
    return states;
}

// One step, (x_t, h_t) -> h_t+1 with the gates recorded, after the input projection was prepared: the recurrent
// product h.U and the gate math, which is what every step of the loop costs.
void BM_CellStep(benchmark::State& state, CellKind kind)
{
    const auto cell = makeCell(kind, kUnits, kUnits);
    const Tensor x = randomTensor({kBatch, kUnits}, 2);
    auto workspace = cell->createWorkspace(kBatch, 1);
    cell->prepare(ConstMatrixMap(x.data(), kBatch, kUnits), *workspace);
    const std::vector<Tensor> current = zeroStates(*cell, kBatch);
    std::vector<Tensor> next = zeroStates(*cell, kBatch);
    std::vector<const float*> statePtrs;
    std::vector<float*> newStatePtrs;
    for (std::size_t i = 0; i < current.size(); ++i) {
        statePtrs.push_back(current[i].data());
        newStatePtrs.push_back(next[i].data());
    }
    Index gateWidth = 0;
    for (const auto& g : cell->gates()) {
        gateWidth += g.size;
    }
    RowMatrix gates(kBatch, std::max<Index>(gateWidth, 1));
    RowMatrix output(kBatch, kUnits);
    std::vector<float*> gatePtrs {gateWidth > 0 ? gates.data() : nullptr};
    StepIo io;
    io.batch = kBatch;
    io.x = x.data();
    io.states = statePtrs;
    io.newStates = newStatePtrs;
    io.output = output.data();
    io.gates = gatePtrs;
    for (auto _ : state) {
        cell->step(io, *workspace);
        benchmark::DoNotOptimize(output.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK_CAPTURE(BM_CellStep, lstm, CellKind::Lstm);
BENCHMARK_CAPTURE(BM_CellStep, gru, CellKind::Gru);
BENCHMARK_CAPTURE(BM_CellStep, simple_rnn, CellKind::SimpleRnn);

// keras.backend.rnn over 200 steps of an LSTM(128) on [32, 200, 64], with the trace (states, gates, outputs of every
// step) or without.
void BM_RnnLoop(benchmark::State& state, bool trace)
{
    const auto cell = makeCell(CellKind::Lstm, kFeatures, kUnits);
    const Tensor x = randomTensor({kBatch, kSteps, kFeatures}, 3);
    const std::vector<Tensor> initial = zeroStates(*cell, kBatch);
    for (auto _ : state) {
        LayerTrace layerTrace;
        auto result = rnnLoop(*cell, x, initial, nullptr, {}, RnnLoopOptions {}, trace ? &layerTrace : nullptr);
        benchmark::DoNotOptimize(result.outputs.data());
    }
    state.SetItemsProcessed(state.iterations() * kBatch * kSteps);
}
BENCHMARK_CAPTURE(BM_RnnLoop, trace_on, true)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_RnnLoop, trace_off, false)->Unit(benchmark::kMillisecond)->UseRealTime();

// The input projection of an LSTM(128) for every step at once: [T*B, F] x [F, 4U], the engine's one big GEMM.
void BM_InputProjection(benchmark::State& state)
{
    const auto cell = makeCell(CellKind::Lstm, kFeatures, kUnits);
    const Tensor x = randomTensor({kSteps * kBatch, kFeatures}, 4);
    const ConstMatrixMap inputs(x.data(), kSteps * kBatch, kFeatures);
    RowMatrix projected(kSteps * kBatch, cell->kernel().cols());
    for (auto _ : state) {
        projected.noalias() = inputs * cell->kernel();
        benchmark::DoNotOptimize(projected.data());
    }
    const double flops = 2.0 * static_cast<double>(kSteps * kBatch * kFeatures * cell->kernel().cols());
    state.counters["GFLOP"]
        = benchmark::Counter(flops * static_cast<double>(state.iterations()) * 1e-9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_InputProjection)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Workload W2: Model::predict of a 2-layer LSTM(128) with return_sequences on [32, 200, 64], full trace.
void BM_PredictW2(benchmark::State& state)
{
    Model model("w2", "Sequential");
    Layer& input = model.addLayer(std::make_unique<InputLayer>("x", Shape {kBatch, kSteps, kFeatures}));
    auto node = model.addInputNode(input, {kBatch, kSteps, kFeatures}, false);
    Index inputSize = kFeatures;
    for (const char* name : {"lstm", "lstm_1"}) {
        RnnOptions options;
        options.returnSequences = true;
        Layer& layer = model.addLayer(
            std::make_unique<RnnLayer>(name, "LSTM", makeCell(CellKind::Lstm, inputSize, kUnits), options));
        node = model.addNode(layer, {{node, 0}});
        inputSize = kUnits;
    }
    model.addOutput({node, 0}, "lstm_1");
    model.finalize();
    const Tensor x = randomTensor({kBatch, kSteps, kFeatures}, 6);
    for (auto _ : state) {
        ModelTrace trace;
        CallContext context;
        context.trace = &trace;
        auto outputs = model.predict({x}, {nullptr}, context);
        benchmark::DoNotOptimize(outputs.front().data());
    }
    // 2*B*T*(F_in*4U + U*4U) per layer, as rnnscope-cli bench counts.
    const double flops = 2.0 * kBatch * kSteps * ((kFeatures + kUnits) * 4.0 * kUnits + 2.0 * kUnits * 4.0 * kUnits);
    state.counters["GFLOP"]
        = benchmark::Counter(flops * static_cast<double>(state.iterations()) * 1e-9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PredictW2)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
