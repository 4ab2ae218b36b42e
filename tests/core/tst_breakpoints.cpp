// Breakpoints over a recorded run: each kind stops at exactly the step and sample where its condition first holds
// after the cursor, on hand-built traces with planted values, and on a real engine run against a brute-force scan.

#include <cmath>
#include <limits>

#include <QObject>
#include <QTest>

#include "core/breakpoints.h"
#include "core/rnn_layer.h"
#include "engine_fixtures.h"

using namespace rnnscope;
using namespace rnnscope::testing;

namespace {

constexpr Index kBatch = 3;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

using K = HealthQuantityKind;

TraceSeriesRef ref(int layer, int direction, int cell, K kind, const std::string& name)
{
    return {layer, direction, cell, kind, name};
}

CellTrace makeCell(const std::string& className, const std::vector<std::string>& states,
    const std::vector<std::string>& gates, Index units, Index steps)
{
    CellTrace c;
    c.className = className;
    for (const auto& s : states) {
        c.states.emplace_back(s, steps, kBatch, units);
    }
    if (!gates.empty()) {
        c.gateNames = gates;
        c.gates.emplace_back("gates", steps, kBatch, units * static_cast<Index>(gates.size()));
        // Mid-range gate values: nothing saturates until a test plants it.
        auto& g = c.gates.front();
        for (Index s = 0; s < steps; ++s) {
            std::fill(g.stepData(s), g.stepData(s) + kBatch * g.width(), 0.5F);
        }
    }
    return c;
}

LayerTrace makeLayer(
    const std::string& name, const std::string& className, std::vector<CellTrace> cells, Index units, Index steps)
{
    LayerTrace l;
    l.name = name;
    l.className = className;
    l.units = units;
    l.batch = kBatch;
    l.steps = steps;
    for (Index s = 0; s < steps; ++s) {
        l.stepTime.push_back(static_cast<std::int32_t>(s));
    }
    l.input = TraceSeries("input", steps, kBatch, 2);
    l.output = TraceSeries("output", steps, kBatch, units);
    l.cells = std::move(cells);
    return l;
}

// layer 0 "lstm": LSTM(4); layer 1 "bidi": GRU(2) forward and backward; layer 2 "stack": LSTM(3) then GRU(2);
// layer 3 "decoder": SimpleRNN(2) with only 3 steps (a RepeatVector decoder runs its own step count).
ModelTrace handTrace(Index steps)
{
    ModelTrace t;
    t.layers.push_back(
        makeLayer("lstm", "LSTM", {makeCell("LSTMCell", {"h", "c"}, {"i", "f", "c", "o"}, 4, steps)}, 4, steps));
    LayerTrace bidi;
    bidi.name = "bidi";
    bidi.className = "Bidirectional";
    bidi.batch = kBatch;
    bidi.steps = steps;
    for (const char* d : {"forward", "backward"}) {
        bidi.directions.push_back(
            makeLayer(d, "GRU", {makeCell("GRUCell", {"h"}, {"z", "r", "hh"}, 2, steps)}, 2, steps));
    }
    t.layers.push_back(std::move(bidi));
    t.layers.push_back(makeLayer("stack", "RNN",
        {makeCell("LSTMCell", {"h", "c"}, {"i", "f", "c", "o"}, 3, steps),
            makeCell("GRUCell", {"h"}, {"z", "r", "hh"}, 2, steps)},
        2, steps));
    t.layers.push_back(makeLayer("decoder", "SimpleRNN", {makeCell("SimpleRNNCell", {"h"}, {}, 2, 3)}, 2, 3));
    return t;
}

// The value cell of a series, for planting (the gates of a cell are one series side by side).
float& valueAt(ModelTrace& t, const TraceSeriesRef& r, Index step, Index sample, Index unit)
{
    LayerTrace& top = t.layers.at(static_cast<std::size_t>(r.layer));
    LayerTrace& layer = r.direction < 0 ? top : top.directions.at(static_cast<std::size_t>(r.direction));
    TraceSeries* series = nullptr;
    Index offset = 0;
    if (r.kind == K::Output || r.kind == K::Input) {
        series = r.kind == K::Output ? &layer.output : &layer.input;
    } else {
        CellTrace& cell = layer.cells.at(static_cast<std::size_t>(r.cell));
        if (r.kind == K::State) {
            for (auto& s : cell.states) {
                if (s.name() == r.name) {
                    series = &s;
                }
            }
        } else {
            series = &cell.gates.front();
            const auto g = std::find(cell.gateNames.begin(), cell.gateNames.end(), r.name) - cell.gateNames.begin();
            offset = g * (series->width() / static_cast<Index>(cell.gateNames.size()));
        }
    }
    Q_ASSERT(series != nullptr);
    return series->stepData(step)[sample * series->width() + offset + unit];
}

void maskStep(LayerTrace& layer, Index step, Index sample)
{
    if (layer.mask.empty()) {
        layer.mask.assign(static_cast<std::size_t>(layer.steps * layer.batch), 1);
    }
    layer.mask[static_cast<std::size_t>(step * layer.batch + sample)] = 0;
}

struct Plant
{
    TraceSeriesRef series;
    Index step = 0;
    Index sample = 0;
    Index unit = 0;
    float value = 0.0F;
};
using Plants = std::vector<Plant>;
using Masked = std::vector<std::pair<Index, Index>>; // (step, sample) of layer 0

ModelTrace planted(const Plants& plants, const Masked& masked = {}, Index steps = 6)
{
    ModelTrace t = handTrace(steps);
    for (const auto& p : plants) {
        valueAt(t, p.series, p.step, p.sample, p.unit) = p.value;
    }
    for (const auto& [step, sample] : masked) {
        maskStep(t.layers[0], step, sample);
    }
    return t;
}

Breakpoint thresholdBp(const TraceSeriesRef& series, std::optional<Index> unit, double value, CrossingDirection d)
{
    Breakpoint bp;
    bp.id = 7;
    bp.kind = BreakKind::Threshold;
    bp.series = series;
    bp.unit = unit;
    bp.threshold = value;
    bp.crossing = d;
    return bp;
}

std::optional<Index> optSample(int s)
{
    return s < 0 ? std::nullopt : std::optional<Index>(s);
}

const TraceSeriesRef kC = ref(0, -1, 0, K::State, "c");
const TraceSeriesRef kH = ref(0, -1, 0, K::State, "h");

} // namespace

Q_DECLARE_METATYPE(Plants)
Q_DECLARE_METATYPE(Masked)
Q_DECLARE_METATYPE(CrossingDirection)

class TestBreakpoints : public QObject
{
    Q_OBJECT

private slots:
    void threshold_data()
    {
        QTest::addColumn<Plants>("plants");
        QTest::addColumn<Masked>("masked");
        QTest::addColumn<int>("unit"); // -1 = any
        QTest::addColumn<CrossingDirection>("crossing");
        QTest::addColumn<int>("sample"); // -1 = any
        QTest::addColumn<int>("afterStep");
        QTest::addColumn<int>("step"); // expected; -1 = no hit
        QTest::addColumn<int>("hitSample");
        QTest::addColumn<int>("hitUnit");

        const Plants spike {{kC, 2, 1, 3, 3.0F}}; // c of sample 1 unit 3 jumps to 3 at step 2 and back at step 3
        const auto up = CrossingDirection::Upward;
        const auto down = CrossingDirection::Downward;
        const auto either = CrossingDirection::Either;
        QTest::newRow("upward") << spike << Masked {} << -1 << up << -1 << -1 << 2 << 1 << 3;
        QTest::newRow("downward is the return") << spike << Masked {} << -1 << down << -1 << -1 << 3 << 1 << 3;
        QTest::newRow("either: first") << spike << Masked {} << -1 << either << -1 << -1 << 2 << 1 << 3;
        QTest::newRow("chosen unit") << spike << Masked {} << 3 << up << -1 << -1 << 2 << 1 << 3;
        QTest::newRow("other unit: none") << spike << Masked {} << 0 << either << -1 << -1 << -1 << 0 << 0;
        QTest::newRow("afterStep before") << spike << Masked {} << -1 << up << -1 << 1 << 2 << 1 << 3;
        QTest::newRow("afterStep exclusive") << spike << Masked {} << -1 << up << -1 << 2 << -1 << 0 << 0;
        QTest::newRow("after the rise: the fall") << spike << Masked {} << -1 << either << -1 << 2 << 3 << 1 << 3;
        QTest::newRow("sample 1 chosen") << spike << Masked {} << -1 << up << 1 << -1 << 2 << 1 << 3;
        QTest::newRow("sample 0 chosen: none") << spike << Masked {} << -1 << up << 0 << -1 << -1 << 0 << 0;
        QTest::newRow("step 0 never crosses")
            << Plants {{kC, 0, 0, 0, 5.0F}} << Masked {} << -1 << up << -1 << -1 << -1 << 0 << 0;
        QTest::newRow("falling after step 0")
            << Plants {{kC, 0, 0, 0, 5.0F}} << Masked {} << -1 << down << -1 << -1 << 1 << 0 << 0;
        QTest::newRow("at the threshold is above")
            << Plants {{kC, 4, 2, 1, 2.0F}} << Masked {} << -1 << up << -1 << -1 << 4 << 2 << 1;
        QTest::newRow("lowest sample at a step")
            << Plants {{kC, 3, 2, 0, 3.0F}, {kC, 3, 0, 2, 3.0F}} << Masked {} << -1 << up << -1 << -1 << 3 << 0 << 2;
        QTest::newRow("lowest unit in a sample")
            << Plants {{kC, 3, 1, 2, 3.0F}, {kC, 3, 1, 1, 3.0F}} << Masked {} << -1 << up << -1 << -1 << 3 << 1 << 1;
        QTest::newRow("masked step never fires")
            << spike << Masked {{2, 1}} << -1 << either << -1 << -1 << -1 << 0 << 0;
        // Sample 1 is masked at step 2, so step 3 compares with step 1 (0), not with the masked step's value.
        QTest::newRow("after a masked step: last unmasked") << Plants {{kC, 2, 1, 3, 3.0F}, {kC, 3, 1, 3, 3.0F}}
                                                            << Masked {{2, 1}} << -1 << up << -1 << -1 << 3 << 1 << 3;
        QTest::newRow("NaN has no side") << Plants {{kC, 2, 1, 3, kNaN}, {kC, 3, 1, 3, 3.0F}} << Masked {} << -1 << up
                                         << -1 << -1 << -1 << 0 << 0;
        QTest::newRow("+Inf is above") << Plants {{kC, 4, 0, 0, kInf}} << Masked {} << -1 << up << -1 << -1 << 4 << 0
                                       << 0;
    }

    void threshold()
    {
        QFETCH(Plants, plants);
        QFETCH(Masked, masked);
        QFETCH(int, unit);
        QFETCH(CrossingDirection, crossing);
        QFETCH(int, sample);
        QFETCH(int, afterStep);
        QFETCH(int, step);
        QFETCH(int, hitSample);
        QFETCH(int, hitUnit);

        const ModelTrace t = planted(plants, masked);
        const Breakpoint bp = thresholdBp(kC, unit < 0 ? std::nullopt : std::optional<Index>(unit), 2.0, crossing);
        const auto hit = findNextBreak(t, afterStep, std::span(&bp, 1), optSample(sample));
        if (step < 0) {
            QVERIFY2(!hit, hit ? hit->message.c_str() : "");
            return;
        }
        QVERIFY(hit);
        QCOMPARE(hit->breakpointId, 7);
        QCOMPARE(hit->step, Index(step));
        QCOMPARE(hit->sample, Index(hitSample));
        QCOMPARE(hit->unit, Index(hitUnit));
        QCOMPARE(hit->layer, 0);
    }

    void thresholdMessage()
    {
        const ModelTrace t = planted({{kC, 1, 2, 3, 1.93F}, {kC, 2, 2, 3, 2.07F}}, {}, 6);
        const Breakpoint bp = thresholdBp(kC, 3, 2.0, CrossingDirection::Upward);
        const auto hit = findNextBreak(t, -1, std::span(&bp, 1), std::nullopt);
        QVERIFY(hit);
        QCOMPARE(hit->message, std::string("lstm / c unit 3 crossed 2 upward (1.93 \u2192 2.07) at step 2, sample 2"));
        QCOMPARE(hit->previous, static_cast<double>(1.93F));
        QCOMPARE(hit->value, static_cast<double>(2.07F));
    }

    // Each series of every kind of layer is found by its reference, and only by it: series k holds a crossing at
    // step k + 1, unit 1 (unit 1 of a gate is a column inside the cell's gate block).
    void addressing_data()
    {
        QTest::addColumn<int>("layer");
        QTest::addColumn<int>("direction");
        QTest::addColumn<int>("cell");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("path");

        auto row = [](int l, int d, int c, K k, const char* n, const char* path) {
            QTest::addRow("%s (kind %d)", path, static_cast<int>(k))
                << l << d << c << static_cast<int>(k) << QString::fromLatin1(n) << QString::fromUtf8(path);
        };
        row(0, -1, 0, K::State, "h", "lstm / h");
        row(0, -1, 0, K::State, "c", "lstm / c");
        row(0, -1, 0, K::Gate, "i", "lstm / i");
        row(0, -1, 0, K::Gate, "c", "lstm / c");
        row(0, -1, 0, K::Gate, "o", "lstm / o");
        row(0, -1, 0, K::Output, "output", "lstm / output");
        row(1, 0, 0, K::State, "h", "bidi / forward / h");
        row(1, 1, 0, K::State, "h", "bidi / backward / h");
        row(1, 1, 0, K::Gate, "r", "bidi / backward / r");
        row(1, 1, 0, K::Input, "input", "bidi / backward / input");
        row(2, -1, 0, K::State, "c", "stack / cell 0 / c");
        row(2, -1, 0, K::Gate, "f", "stack / cell 0 / f");
        row(2, -1, 1, K::State, "h", "stack / cell 1 / h");
        row(2, -1, 1, K::Gate, "hh", "stack / cell 1 / hh");
        row(2, -1, 0, K::Output, "output", "stack / output");
    }

    void addressing()
    {
        QFETCH(int, layer);
        QFETCH(int, direction);
        QFETCH(int, cell);
        QFETCH(int, kind);
        QFETCH(QString, name);
        QFETCH(QString, path);

        // Every row's series, planted at distinct steps.
        const std::vector<TraceSeriesRef> all {kH, kC, ref(0, -1, 0, K::Gate, "i"), ref(0, -1, 0, K::Gate, "c"),
            ref(0, -1, 0, K::Gate, "o"), ref(0, -1, 0, K::Output, "output"), ref(1, 0, 0, K::State, "h"),
            ref(1, 1, 0, K::State, "h"), ref(1, 1, 0, K::Gate, "r"), ref(1, 1, 0, K::Input, "input"),
            ref(2, -1, 0, K::State, "c"), ref(2, -1, 0, K::Gate, "f"), ref(2, -1, 1, K::State, "h"),
            ref(2, -1, 1, K::Gate, "hh"), ref(2, -1, 0, K::Output, "output")};
        Plants plants;
        for (std::size_t k = 0; k < all.size(); ++k) {
            plants.push_back({all[k], static_cast<Index>(k) + 1, 2, 1, 10.0F});
        }
        const ModelTrace t = planted(plants, {}, static_cast<Index>(all.size()) + 2);

        const TraceSeriesRef r = ref(layer, direction, cell, static_cast<K>(kind), name.toStdString());
        const auto expected = static_cast<Index>(std::find(all.begin(), all.end(), r) - all.begin()) + 1;
        const Breakpoint bp = thresholdBp(r, std::nullopt, 5.0, CrossingDirection::Upward);
        const auto hit = findNextBreak(t, -1, std::span(&bp, 1), std::nullopt);
        QVERIFY(hit);
        QCOMPARE(hit->step, expected);
        QCOMPARE(hit->sample, Index(2));
        QCOMPARE(hit->unit, Index(1));
        QCOMPARE(hit->layer, layer);
        QCOMPARE(hit->direction, direction);
        QCOMPARE(QString::fromStdString(seriesPath(r, &t)), path);
        const std::string prefix = path.toStdString() + " unit 1 crossed 5 upward";
        QVERIFY2(hit->message.starts_with(prefix), hit->message.c_str());
    }

    void nonFinite_data()
    {
        QTest::addColumn<Plants>("plants");
        QTest::addColumn<Masked>("masked");
        QTest::addColumn<bool>("anySeries");
        QTest::addColumn<int>("afterStep");
        QTest::addColumn<int>("sample");
        QTest::addColumn<int>("step"); // expected; -1 = none
        QTest::addColumn<int>("hitSample");
        QTest::addColumn<int>("hitUnit");

        const TraceSeriesRef bwdOut = ref(1, 1, 0, K::Output, "output");
        const TraceSeriesRef fGate = ref(0, -1, 0, K::Gate, "f");
        const TraceSeriesRef input = ref(0, -1, 0, K::Input, "input");
        QTest::newRow("NaN in c") << Plants {{kC, 3, 1, 2, kNaN}} << Masked {} << true << -1 << -1 << 3 << 1 << 2;
        QTest::newRow("NaN in c, watching c")
            << Plants {{kC, 3, 1, 2, kNaN}} << Masked {} << false << -1 << -1 << 3 << 1 << 2;
        QTest::newRow("NaN in h, watching c: none")
            << Plants {{kH, 3, 1, 2, kNaN}} << Masked {} << false << -1 << -1 << -1 << 0 << 0;
        QTest::newRow("Inf in a Bidirectional direction")
            << Plants {{bwdOut, 4, 0, 1, -kInf}} << Masked {} << true << -1 << -1 << 4 << 0 << 1;
        QTest::newRow("at step 0") << Plants {{kC, 0, 2, 0, kNaN}} << Masked {} << true << -1 << -1 << 0 << 2 << 0;
        QTest::newRow("afterStep exclusive")
            << Plants {{kC, 3, 1, 2, kNaN}} << Masked {} << true << 3 << -1 << -1 << 0 << 0;
        QTest::newRow("earliest series wins")
            << Plants {{input, 5, 0, 0, kNaN}, {fGate, 2, 1, 3, kNaN}} << Masked {} << true << -1 << -1 << 2 << 1 << 3;
        QTest::newRow("same step: lowest sample across series")
            << Plants {{kH, 3, 2, 0, kNaN}, {kC, 3, 0, 1, kNaN}} << Masked {} << true << -1 << -1 << 3 << 0 << 1;
        QTest::newRow("sample filter") << Plants {{kH, 3, 2, 0, kNaN}, {kC, 3, 0, 1, kNaN}} << Masked {} << true << -1
                                       << 2 << 3 << 2 << 0;
        // A NaN that stays NaN is not new: continuing past its first step finds nothing.
        QTest::newRow("held NaN does not fire again")
            << Plants {{kC, 3, 1, 2, kNaN}, {kC, 4, 1, 2, kNaN}, {kC, 5, 1, 2, kNaN}} << Masked {} << true << 3 << -1
            << -1 << 0 << 0;
        QTest::newRow("NaN at a masked step: none")
            << Plants {{kC, 3, 1, 2, kNaN}} << Masked {{3, 1}} << true << -1 << -1 << -1 << 0 << 0;
    }

    void nonFinite()
    {
        QFETCH(Plants, plants);
        QFETCH(Masked, masked);
        QFETCH(bool, anySeries);
        QFETCH(int, afterStep);
        QFETCH(int, sample);
        QFETCH(int, step);
        QFETCH(int, hitSample);
        QFETCH(int, hitUnit);

        const ModelTrace t = planted(plants, masked);
        Breakpoint bp;
        bp.id = 3;
        bp.kind = BreakKind::NonFinite;
        bp.anySeries = anySeries;
        bp.series = kC;
        const auto hit = findNextBreak(t, afterStep, std::span(&bp, 1), optSample(sample));
        if (step < 0) {
            QVERIFY2(!hit, hit ? hit->message.c_str() : "");
            return;
        }
        QVERIFY(hit);
        QCOMPARE(hit->breakpointId, 3);
        QCOMPARE(hit->step, Index(step));
        QCOMPARE(hit->sample, Index(hitSample));
        QCOMPARE(hit->unit, Index(hitUnit));
        QVERIFY(!std::isfinite(hit->value));
        QVERIFY2(hit->message.find("at step " + std::to_string(step)) != std::string::npos, hit->message.c_str());
    }

    void saturation_data()
    {
        QTest::addColumn<QString>("gate");
        QTest::addColumn<double>("fraction");
        QTest::addColumn<int>("afterStep");
        QTest::addColumn<int>("sample");
        QTest::addColumn<int>("step"); // expected; -1 = none
        QTest::addColumn<int>("hitSample");
        QTest::addColumn<double>("value");

        QTest::newRow("3 of 4 above 0.6") << "f" << 0.6 << -1 << -1 << 2 << 0 << 0.75;
        QTest::newRow("3 of 4 above 0.5") << "f" << 0.5 << -1 << -1 << 2 << 0 << 0.75;
        QTest::newRow("none above 0.8") << "f" << 0.8 << -1 << -1 << -1 << 0 << 0.0;
        QTest::newRow("2 of 4 above 0.4, after 3") << "f" << 0.4 << 3 << -1 << 4 << 1 << 0.5;
        QTest::newRow("2 of 4 not above 0.5") << "f" << 0.5 << 3 << -1 << -1 << 0 << 0.0;
        QTest::newRow("sample 1 only") << "f" << 0.4 << -1 << 1 << 4 << 1 << 0.5;
        QTest::newRow("level: fires again while saturated") << "f" << 0.6 << 2 << 0 << 3 << 0 << 0.75;
        // The candidate gate goes negative, so it is tanh-like: saturated at |v| > 0.99 (0.5 is not).
        QTest::newRow("tanh-like gate") << "c" << 0.9 << -1 << -1 << 5 << 2 << 1.0;
    }

    void saturation()
    {
        QFETCH(QString, gate);
        QFETCH(double, fraction);
        QFETCH(int, afterStep);
        QFETCH(int, sample);
        QFETCH(int, step);
        QFETCH(int, hitSample);
        QFETCH(double, value);

        const TraceSeriesRef f = ref(0, -1, 0, K::Gate, "f");
        const TraceSeriesRef c = ref(0, -1, 0, K::Gate, "c");
        Plants plants;
        for (Index u = 0; u < 3; ++u) {
            plants.push_back({f, 2, 0, u, 0.999F}); // step 2, sample 0: 3 of 4 units saturated high
            plants.push_back({f, 3, 0, u, 0.995F}); // and still at step 3
        }
        plants.push_back({f, 4, 1, 0, 0.001F}); // step 4, sample 1: 2 of 4 saturated low
        plants.push_back({f, 4, 1, 3, 0.002F});
        for (Index u = 0; u < 4; ++u) {
            plants.push_back({c, 5, 2, u, u % 2 == 0 ? -0.995F : 0.995F});
        }
        const ModelTrace t = planted(plants);

        Breakpoint bp;
        bp.id = 5;
        bp.kind = BreakKind::Saturation;
        bp.series = ref(0, -1, 0, K::Gate, gate.toStdString());
        bp.saturatedFraction = fraction;
        const auto hit = findNextBreak(t, afterStep, std::span(&bp, 1), optSample(sample));
        if (step < 0) {
            QVERIFY2(!hit, hit ? hit->message.c_str() : "");
            return;
        }
        QVERIFY(hit);
        QCOMPARE(hit->step, Index(step));
        QCOMPARE(hit->sample, Index(hitSample));
        QCOMPARE(hit->value, value);
    }

    void atStep_data()
    {
        QTest::addColumn<int>("bpStep");
        QTest::addColumn<int>("afterStep");
        QTest::addColumn<int>("sample");
        QTest::addColumn<bool>("found");

        QTest::newRow("ahead") << 4 << -1 << -1 << true;
        QTest::newRow("right after") << 4 << 3 << -1 << true;
        QTest::newRow("afterStep exclusive") << 4 << 4 << -1 << false;
        QTest::newRow("behind") << 2 << 4 << -1 << false;
        QTest::newRow("beyond every layer") << 6 << -1 << -1 << false;
        QTest::newRow("beyond the short decoder only") << 5 << -1 << 2 << true;
    }

    void atStep()
    {
        QFETCH(int, bpStep);
        QFETCH(int, afterStep);
        QFETCH(int, sample);
        QFETCH(bool, found);

        const ModelTrace t = handTrace(6);
        Breakpoint bp;
        bp.id = 11;
        bp.kind = BreakKind::AtStep;
        bp.step = bpStep;
        const auto hit = findNextBreak(t, afterStep, std::span(&bp, 1), optSample(sample));
        QCOMPARE(hit.has_value(), found);
        if (found) {
            QCOMPARE(hit->step, Index(bpStep));
            QCOMPARE(hit->breakpointId, 11);
            QCOMPARE(hit->sample, Index(sample));
        }
    }

    // Step indices are per layer: the 3-step decoder's step 2 is its last; beyond it nothing fires there.
    void perLayerSteps()
    {
        const TraceSeriesRef dec = ref(3, -1, 0, K::State, "h");
        const ModelTrace t = planted({{dec, 2, 0, 1, 4.0F}});
        const Breakpoint bp = thresholdBp(dec, std::nullopt, 1.0, CrossingDirection::Upward);
        auto hit = findNextBreak(t, -1, std::span(&bp, 1), std::nullopt);
        QVERIFY(hit);
        QCOMPARE(hit->step, Index(2));
        QCOMPARE(hit->layer, 3);
        QVERIFY(!findNextBreak(t, 2, std::span(&bp, 1), std::nullopt));
    }

    void listRules_data()
    {
        QTest::addColumn<bool>("firstEnabled");
        QTest::addColumn<bool>("secondEnabled");
        QTest::addColumn<int>("id"); // expected; 0 = none
        QTest::addColumn<int>("step");

        // Breakpoint 1: c crosses at step 2; breakpoint 2: at step 2 as well, listed second; a third at step 4.
        QTest::newRow("both: the first listed") << true << true << 1 << 2;
        QTest::newRow("first disabled") << false << true << 2 << 2;
        QTest::newRow("second disabled") << true << false << 1 << 2;
        QTest::newRow("both disabled: the later one") << false << false << 3 << 4;
    }

    void listRules()
    {
        QFETCH(bool, firstEnabled);
        QFETCH(bool, secondEnabled);
        QFETCH(int, id);
        QFETCH(int, step);

        const ModelTrace t = planted({{kC, 2, 1, 3, 3.0F}});
        std::vector<Breakpoint> bps(3);
        bps[0] = thresholdBp(kC, std::nullopt, 2.0, CrossingDirection::Upward);
        bps[0].id = 1;
        bps[0].enabled = firstEnabled;
        bps[1].id = 2;
        bps[1].kind = BreakKind::AtStep;
        bps[1].step = 2;
        bps[1].enabled = secondEnabled;
        bps[2].id = 3;
        bps[2].kind = BreakKind::AtStep;
        bps[2].step = 4;
        // The step-4 breakpoint goes first in the list: an earlier step beats an earlier place in the list.
        std::rotate(bps.begin(), bps.begin() + 2, bps.end());
        const auto hit = findNextBreak(t, -1, bps, std::nullopt);
        QVERIFY(hit);
        QCOMPARE(hit->breakpointId, id);
        QCOMPARE(hit->step, Index(step));
    }

    void failedRunHasNoHits()
    {
        RunSnapshot snap;
        snap.trace = handTrace(6);
        snap.error = "boom";
        Breakpoint bp;
        bp.kind = BreakKind::AtStep;
        bp.step = 1;
        QVERIFY(!findNextBreak(snap, -1, std::span(&bp, 1), std::nullopt));
        snap.error.clear();
        QVERIFY(findNextBreak(snap, -1, std::span(&bp, 1), std::nullopt));
    }

    void describe_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("withTrace");
        QTest::addColumn<QString>("withoutTrace");

        QTest::newRow("step") << 0 << "at step 40"
                              << "at step 40";
        QTest::newRow("nan any") << 1 << "NaN/Inf in any series"
                                 << "NaN/Inf in any series";
        QTest::newRow("nan one") << 2 << "NaN/Inf in bidi / backward / h"
                                 << "NaN/Inf in layer 1 / backward / h";
        QTest::newRow("threshold") << 3 << "lstm / c unit 14 crosses 2.5 upward"
                                   << "layer 0 / c unit 14 crosses 2.5 upward";
        QTest::newRow("threshold any") << 4 << "stack / cell 1 / hh any unit crosses -1 either way"
                                       << "layer 2 / cell 1 / hh any unit crosses -1 either way";
        QTest::newRow("saturation") << 5 << "lstm / f: more than 50% of units saturated"
                                    << "layer 0 / f: more than 50% of units saturated";
    }

    void describe()
    {
        QFETCH(int, which);
        QFETCH(QString, withTrace);
        QFETCH(QString, withoutTrace);

        Breakpoint bp;
        switch (which) {
        case 0:
            bp.step = 40;
            break;
        case 1:
            bp.kind = BreakKind::NonFinite;
            break;
        case 2:
            bp.kind = BreakKind::NonFinite;
            bp.anySeries = false;
            bp.series = ref(1, 1, 0, K::State, "h");
            break;
        case 3:
            bp = thresholdBp(kC, 14, 2.5, CrossingDirection::Upward);
            break;
        case 4:
            bp = thresholdBp(ref(2, -1, 1, K::Gate, "hh"), std::nullopt, -1.0, CrossingDirection::Either);
            break;
        case 5:
            bp.kind = BreakKind::Saturation;
            bp.series = ref(0, -1, 0, K::Gate, "f");
            bp.saturatedFraction = 0.5;
            break;
        }
        const ModelTrace t = handTrace(6);
        QCOMPARE(QString::fromStdString(rnnscope::describe(bp, t)), withTrace);
        QCOMPARE(QString::fromStdString(rnnscope::describe(bp)), withoutTrace);
    }

    // A real LSTM run with a mask: the step found for "c crosses v" equals a brute-force scan of the recorded
    // values, from every starting step.
    void engineRunMatchesBruteForce_data()
    {
        QTest::addColumn<double>("threshold");
        QTest::addColumn<CrossingDirection>("crossing");
        QTest::addColumn<int>("sample");
        for (double v : {-0.2, 0.0, 0.15}) {
            for (auto d : {CrossingDirection::Upward, CrossingDirection::Downward, CrossingDirection::Either}) {
                for (int s : {-1, 2}) {
                    QTest::addRow("%g dir %d sample %d", v, static_cast<int>(d), s) << v << d << s;
                }
            }
        }
    }

    void engineRunMatchesBruteForce()
    {
        QFETCH(double, threshold);
        QFETCH(CrossingDirection, crossing);
        QFETCH(int, sample);

        constexpr Index batch = 4;
        constexpr Index steps = 30;
        const Tensor x = randomTensor({batch, steps, 2}, 17, 2.0F);
        Mask mask(batch, steps);
        for (Index t = 10; t < 14; ++t) {
            mask.set(1, t, false);
        }
        mask.set(2, 5, false);
        RnnOptions options;
        options.returnSequences = true;
        RnnLayer layer("lstm", "LSTM", makeTestCell("lstm", 2, 23), options);
        ModelTrace trace;
        CallContext context;
        context.trace = &trace;
        layer.call({{&x, &mask}}, context);
        const TraceSeries& c = trace.layers.at(0).cells.at(0).states.at(1);
        QCOMPARE(c.name(), std::string("c"));

        const Breakpoint bp = thresholdBp(kC, std::nullopt, threshold, crossing);
        int checked = 0;
        for (Index after = -1; after < steps; ++after) {
            // Brute force on the input mask (batch-major, no go_backwards: step = time).
            std::optional<std::pair<Index, Index>> expected;
            for (Index s = after + 1; s < steps && !expected; ++s) {
                for (Index b = 0; b < batch && !expected; ++b) {
                    if ((sample >= 0 && b != sample) || !mask.at(b, s)) {
                        continue;
                    }
                    Index p = s - 1;
                    while (p >= 0 && !mask.at(b, p)) {
                        --p;
                    }
                    for (Index u = 0; u < c.width() && p >= 0; ++u) {
                        const bool was = c.at(p, b, u) >= threshold;
                        const bool now = c.at(s, b, u) >= threshold;
                        const bool fires = was != now
                            && (crossing == CrossingDirection::Either
                                || (crossing == CrossingDirection::Upward) == now);
                        if (fires) {
                            expected = std::pair {s, b};
                            break;
                        }
                    }
                }
            }
            const auto hit = findNextBreak(trace, after, std::span(&bp, 1), optSample(sample));
            QCOMPARE(hit.has_value(), expected.has_value());
            if (hit) {
                QCOMPARE(hit->step, expected->first);
                QCOMPARE(hit->sample, expected->second);
                ++checked;
            }
        }
        QVERIFY2(checked > 0, "the run never crossed: the comparison proved nothing");
    }
};

QTEST_GUILESS_MAIN(TestBreakpoints)
#include "tst_breakpoints.moc"
