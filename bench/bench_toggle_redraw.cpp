// From a live option toggle to the views redrawn: the latency a user feels when clicking go_backwards.
// A 2-layer LSTM(128) on [32, 200, 64] with random weights, full trace: toggle go_backwards on the second layer (or,
// the worst case, the first), Model::finalize, run the engine re-using the unchanged nodes of the previous run as
// DebugSession does (core/node_reuse.h), hand the snapshot to the ViewContext, repaint the heatmap, inspector and
// traces (offscreen). What DebugSession::setOption + the views do, minus the thread hop.

#include <benchmark/benchmark.h>
#include <chrono>
#include <memory>
#include <random>

#include <QApplication>

#include "bench_main.h"
#include "core/cells/lstm_cell.h"
#include "core/layer_options.h"
#include "core/layers/basic_layers.h"
#include "core/model.h"
#include "core/node_reuse.h"
#include "core/rnn_layer.h"
#include "core/run_snapshot.h"
#include "widgets/heatmap_view.h"
#include "widgets/inspector_view.h"
#include "widgets/unit_traces_view.h"
#include "widgets/view_context.h"

using namespace rnnscope;

namespace {

constexpr Index kBatch = 32;
constexpr Index kSteps = 200;
constexpr Index kFeatures = 64;
constexpr Index kUnits = 128;

std::unique_ptr<RnnLayer> makeLstm(const std::string& name, Index inputSize, unsigned seed)
{
    auto cell = std::make_unique<LstmCell>(
        inputSize, kUnits, Activation(ActivationKind::Tanh), Activation(ActivationKind::Sigmoid), true);
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-0.2F, 0.2F);
    for (auto& w : cell->weights()) {
        for (Index i = 0; i < shapeVolume(w.shape); ++i) {
            w.data[i] = dist(gen);
        }
    }
    RnnOptions options;
    options.returnSequences = true;
    return std::make_unique<RnnLayer>(name, "LSTM", std::move(cell), options);
}

std::unique_ptr<Model> makeModel()
{
    auto model = std::make_unique<Model>("bench", "Sequential");
    Layer& input = model->addLayer(std::make_unique<InputLayer>("x", Shape {kBatch, kSteps, kFeatures}));
    Layer& first = model->addLayer(makeLstm("lstm", kFeatures, 1));
    Layer& second = model->addLayer(makeLstm("lstm_1", kUnits, 2));
    const auto in = model->addInputNode(input, {kBatch, kSteps, kFeatures}, false);
    const auto a = model->addNode(first, {{in, 0}});
    const auto b = model->addNode(second, {{a, 0}});
    model->addOutput({b, 0}, "lstm_1");
    model->finalize();
    return model;
}

void BM_ToggleToRedraw(benchmark::State& state)
{
    const char* toggled = state.range(0) == 1 ? "lstm" : "lstm_1";
    auto model = makeModel();
    Tensor x({kBatch, kSteps, kFeatures});
    std::mt19937 gen(3);
    std::normal_distribution<float> dist;
    for (Index i = 0; i < x.size(); ++i) {
        x.data()[i] = dist(gen);
    }
    widgets::ViewContext context;
    widgets::HeatmapView heatmap(&context);
    widgets::InspectorView inspector(&context);
    widgets::UnitTracesView traces(&context);
    heatmap.resize(900, 500);
    inspector.resize(350, 500);
    traces.resize(900, 250);
    heatmap.show();
    inspector.show();
    traces.show();
    widgets::SeriesRef second;
    second.layer = 1; // the toggled layer's hidden state
    context.setSelection(second);
    bool backwards = false;
    std::uint64_t generation = 0;
    double engineMs = 0.0;
    std::shared_ptr<const CallRecord> previousRecord;
    std::shared_ptr<const RunSnapshot> previousSnapshot;
    for (auto _ : state) {
        backwards = !backwards;
        LayerOverrides o;
        o.goBackwards = backwards;
        applyLayerOverrides(o, *model->findLayer(toggled), *model);
        const auto start = std::chrono::steady_clock::now();
        auto snapshot = std::make_shared<RunSnapshot>();
        snapshot->generation = ++generation;
        auto record = std::make_shared<CallRecord>();
        CallContext call;
        call.trace = &snapshot->trace;
        call.record = record.get();
        if (previousRecord) {
            call.reuse = previousRecord.get();
            call.reuseTrace = &previousSnapshot->trace;
        }
        const auto outputs = model->predict({x}, {nullptr}, call);
        previousRecord = record;
        previousSnapshot = snapshot;
        snapshot->outputs.emplace_back("lstm_1", outputs.front());
        snapshot->runMilliseconds
            = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        engineMs += snapshot->runMilliseconds;
        context.setSnapshot(snapshot);
        context.setStep(kSteps / 2);
        QCoreApplication::processEvents(); // queued replots
        heatmap.repaint();
        inspector.repaint();
        traces.repaint();
    }
    state.counters["engine_ms"] = benchmark::Counter(engineMs / static_cast<double>(state.iterations()));
}

// Argument 2: toggle the second layer (the first is re-used); 1: toggle the first (everything re-runs).
BENCHMARK(BM_ToggleToRedraw)
    ->ArgName("toggled_layer")
    ->Arg(2)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(10)
    ->Repetitions(9);

} // namespace

RNNSCOPE_BENCHMARK_QT_MAIN()
