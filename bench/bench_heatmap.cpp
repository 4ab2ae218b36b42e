// The heatmap at the size issue 6 names: 512 units x 10,000 steps of one sample. Three user actions, each timed
// from the change to the heatmap repainted (offscreen, 1200x700): a new run arrives (the map is refilled), the
// cursor moves one step, and the time axis is zoomed. The target is 50 ms or less for a redraw.

#include <benchmark/benchmark.h>
#include <memory>
#include <random>

#include <QApplication>

#include "bench_main.h"
#include "core/run_snapshot.h"
#include "widgets/heatmap_view.h"
#include "widgets/view_context.h"

using namespace rnnscope;

namespace {

constexpr Index kUnits = 512;
constexpr Index kSteps = 10000;

// A snapshot of one LSTM-like layer with a single state `h` of kUnits, one sample, kSteps steps.
SnapshotPtr makeSnapshot(unsigned seed)
{
    auto s = std::make_shared<RunSnapshot>();
    LayerTrace layer;
    layer.name = "lstm";
    layer.className = "LSTM";
    layer.units = kUnits;
    layer.batch = 1;
    layer.steps = kSteps;
    layer.stepTime.resize(kSteps);
    for (Index t = 0; t < kSteps; ++t) {
        layer.stepTime[static_cast<std::size_t>(t)] = static_cast<std::int32_t>(t);
    }
    CellTrace cell;
    cell.className = "LSTMCell";
    cell.states.emplace_back("h", kSteps, 1, kUnits);
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-1.0F, 1.0F);
    for (Index t = 0; t < kSteps; ++t) {
        float* row = cell.states.back().stepData(t);
        for (Index u = 0; u < kUnits; ++u) {
            row[u] = dist(gen);
        }
    }
    layer.cells.push_back(std::move(cell));
    layer.output = TraceSeries("output", kSteps, 1, kUnits);
    s->trace.layers.push_back(std::move(layer));
    return s;
}

struct Fixture
{
    widgets::ViewContext context;
    widgets::HeatmapView heatmap {&context};
    Fixture()
    {
        heatmap.resize(1200, 700);
        heatmap.show();
        context.setSnapshot(makeSnapshot(1));
        context.setStep(kSteps / 2);
        QCoreApplication::processEvents();
    }
    void redraw()
    {
        QCoreApplication::processEvents(); // queued replots
        heatmap.repaint();
    }
};

void BM_HeatmapNewRun(benchmark::State& state)
{
    Fixture f;
    const SnapshotPtr runs[2] = {makeSnapshot(2), makeSnapshot(3)};
    int i = 0;
    for (auto _ : state) {
        f.context.setSnapshot(runs[i++ % 2]);
        f.redraw();
    }
}

void BM_HeatmapCursorStep(benchmark::State& state)
{
    Fixture f;
    Index step = kSteps / 2;
    for (auto _ : state) {
        f.context.setStep(++step % kSteps);
        f.redraw();
    }
}

void BM_HeatmapZoom(benchmark::State& state)
{
    Fixture f;
    int i = 0;
    for (auto _ : state) {
        const double width = (i++ % 2) == 0 ? 1000.0 : 9000.0;
        f.context.setTimeRange(5000.0 - width / 2, 5000.0 + width / 2);
        f.redraw();
    }
}

BENCHMARK(BM_HeatmapNewRun)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(10)->Repetitions(5);
BENCHMARK(BM_HeatmapCursorStep)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(20)->Repetitions(5);
BENCHMARK(BM_HeatmapZoom)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(20)->Repetitions(5);

} // namespace

RNNSCOPE_BENCHMARK_QT_MAIN()
