// A pinned baseline: current - baseline over every recorded series, input and output; zero for identical runs,
// exactly the planted change where one value differs, and an error naming what differs when the runs are not alike.

#include <cmath>
#include <span>

#include <QObject>
#include <QTest>

#include "core/bidirectional.h"
#include "core/snapshot_diff.h"
#include "engine_fixtures.h"

using namespace rnnscope;
using namespace rnnscope::testing;

namespace {

constexpr Index kBatch = 2;
constexpr Index kFeatures = 2;

// One recurrent layer ("rnn", or "bidi" for "bidirectional") run over a masked input, recorded into a snapshot.
RunSnapshot run(const std::string& kind, Index steps = 6, bool goBackwards = false, Index batch = kBatch)
{
    const Tensor x = randomTensor({batch, steps, kFeatures}, 5);
    Mask mask(batch, steps);
    mask.set(batch - 1, steps - 1, false);
    RnnOptions options;
    options.returnSequences = true;
    options.goBackwards = goBackwards;
    std::unique_ptr<Layer> layer;
    if (kind == "bidirectional") {
        RnnOptions back = options;
        back.goBackwards = !goBackwards;
        layer = std::make_unique<BidirectionalLayer>("bidi",
            std::make_unique<RnnLayer>("forward", "LSTM", makeTestCell("lstm", kFeatures, 3), options),
            std::make_unique<RnnLayer>("backward", "LSTM", makeTestCell("lstm", kFeatures, 4), back),
            MergeMode::Concat);
    } else {
        layer = std::make_unique<RnnLayer>("rnn", "RNN", makeTestCell(kind, kFeatures, 3), options);
    }
    RunSnapshot snap;
    CallContext context;
    context.trace = &snap.trace;
    auto out = layer->call({{&x, &mask}}, context);
    snap.inputs.emplace_back("x", x);
    snap.mask = mask;
    snap.outputs.emplace_back("out", std::move(out.at(0).tensor));
    return snap;
}

// Every series of a layer, directions and cells included, with a path for messages.
void collect(LayerTrace& layer, const std::string& path, std::vector<std::pair<std::string, TraceSeries*>>& out)
{
    out.emplace_back(path + "/input", &layer.input);
    out.emplace_back(path + "/output", &layer.output);
    for (std::size_t c = 0; c < layer.cells.size(); ++c) {
        auto& cell = layer.cells[c];
        const std::string cp = path + "/cell" + std::to_string(c);
        for (auto& s : cell.states) {
            out.emplace_back(cp + "/" + s.name(), &s);
        }
        for (auto& g : cell.gates) {
            out.emplace_back(cp + "/" + g.name(), &g);
        }
        out.emplace_back(cp + "/cell_input", &cell.input);
        out.emplace_back(cp + "/cell_output", &cell.output);
    }
    for (auto& d : layer.directions) {
        collect(d, path + "/" + d.name, out);
    }
}

std::vector<std::pair<std::string, TraceSeries*>> allSeries(RunSnapshot& snap)
{
    std::vector<std::pair<std::string, TraceSeries*>> out;
    for (auto& l : snap.trace.layers) {
        collect(l, l.name, out);
    }
    return out;
}

void addKinds()
{
    QTest::addColumn<QString>("kind");
    for (const char* k : {"simple", "lstm", "gru", "gru_reset_after", "stack", "bidirectional"}) {
        QTest::newRow(k) << QString::fromLatin1(k);
    }
}

} // namespace

class TestSnapshotDiff : public QObject
{
    Q_OBJECT

private slots:
    void identicalRunsDiffToZero_data() { addKinds(); }

    void identicalRunsDiffToZero()
    {
        QFETCH(QString, kind);
        const RunSnapshot a = run(kind.toStdString());
        const RunSnapshot b = run(kind.toStdString()); // a second, independent run of the same model and input
        RunSnapshot diff = diffSnapshot(a, b);
        QVERIFY2(diff.error.empty(), diff.error.c_str());
        QCOMPARE(diff.trace.layers.size(), a.trace.layers.size());

        std::size_t values = 0;
        for (const auto& [path, series] : allSeries(diff)) {
            for (float v : series->values()) {
                QVERIFY2(v == 0.0F, path.c_str());
            }
            values += series->values().size();
        }
        QVERIFY(values > 0);
        for (const auto* tensors : {&diff.inputs, &diff.outputs}) {
            QCOMPARE(tensors->size(), std::size_t(1));
            for (float v : tensors->front().second.values()) {
                QCOMPARE(v, 0.0F);
            }
        }
        // Structure, mask and step_time are the current run's.
        QVERIFY(diff.mask.has_value());
        QCOMPARE(diff.mask->values(), a.mask->values());
        const LayerTrace& l = diff.trace.layers.front();
        const LayerTrace& al = a.trace.layers.front();
        QCOMPARE(l.name, al.name);
        QCOMPARE(l.stepTime, al.stepTime);
        QCOMPARE(l.mask, al.mask);
        QCOMPARE(l.cells.size(), al.cells.size());
    }

    // One value of the baseline moved by 0.25: the difference is -0.25 exactly there and zero everywhere else.
    void changedValueShowsExactlyThere_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("series"); // a path of allSeries(), or "input" / "output" for the model's
        QTest::addColumn<int>("index"); // flat index into the values

        QTest::newRow("lstm input") << "lstm"
                                    << "rnn/input" << 3;
        QTest::newRow("lstm output") << "lstm"
                                     << "rnn/output" << 17;
        QTest::newRow("lstm h") << "lstm"
                                << "rnn/cell0/h" << 20;
        QTest::newRow("lstm c") << "lstm"
                                << "rnn/cell0/c" << 9;
        QTest::newRow("lstm gates") << "lstm"
                                    << "rnn/cell0/gates" << 77;
        QTest::newRow("stack cell 1 state") << "stack"
                                            << "rnn/cell1/h" << 5;
        QTest::newRow("stack cell 0 output") << "stack"
                                             << "rnn/cell0/cell_output" << 8;
        QTest::newRow("bidi backward state") << "bidirectional"
                                             << "bidi/backward/cell0/c" << 11;
        QTest::newRow("model input") << "gru"
                                     << "input" << 4;
        QTest::newRow("model output") << "gru"
                                      << "output" << 13;
    }

    void changedValueShowsExactlyThere()
    {
        QFETCH(QString, kind);
        QFETCH(QString, series);
        QFETCH(int, index);

        const RunSnapshot current = run(kind.toStdString());
        RunSnapshot baseline = current;
        const std::string changedPath = series.toStdString();
        float* changed = nullptr;
        if (changedPath == "input" || changedPath == "output") {
            auto& t = changedPath == "input" ? baseline.inputs.front().second : baseline.outputs.front().second;
            changed = t.data() + index;
        } else {
            for (const auto& [path, s] : allSeries(baseline)) {
                if (path == changedPath) {
                    QVERIFY(index < static_cast<int>(s->values().size()));
                    const Index block = s->batch() * s->width();
                    changed = s->stepData(index / block) + index % block;
                }
            }
        }
        QVERIFY2(changed != nullptr, changedPath.c_str());
        *changed += 0.25F;
        const float baseValue = *changed;
        const float currentValue = baseValue - 0.25F;

        RunSnapshot diff = diffSnapshot(current, baseline);
        QVERIFY2(diff.error.empty(), diff.error.c_str());
        int nonZero = 0;
        auto check = [&](const std::string& path, std::span<const float> values, bool here) {
            for (std::size_t i = 0; i < values.size(); ++i) {
                if (here && static_cast<int>(i) == index) {
                    QCOMPARE(values[i], currentValue - baseValue);
                    ++nonZero;
                } else {
                    QVERIFY2(values[i] == 0.0F, (path + " at " + std::to_string(i)).c_str());
                }
            }
        };
        for (const auto& [path, s] : allSeries(diff)) {
            check(path, s->values(), path == changedPath);
        }
        check("input", diff.inputs.front().second.values(), changedPath == "input");
        check("output", diff.outputs.front().second.values(), changedPath == "output");
        QCOMPARE(nonZero, 1);
    }

    void structureMismatchIsAnError_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("message");

        QTest::newRow("steps") << 0 << "baseline rnn / h is [2,8,4], current is [2,6,4]";
        QTest::newRow("batch") << 1 << "baseline rnn / h is [3,6,4], current is [2,6,4]";
        QTest::newRow("cell class") << 2 << "rnn runs a GRUCell in the baseline, an LSTMCell in the current run";
        QTest::newRow("layer count") << 3 << "the baseline has 2 recurrent layers, the current run 1";
        QTest::newRow("layer name") << 4 << "recurrent layer 0 is other in the baseline, rnn in the current run";
        QTest::newRow("model output shape") << 5 << "baseline output out is [2,5], current is [2,6,4]";
        QTest::newRow("failed baseline") << 6 << "the baseline run failed: boom";
        QTest::newRow("bidirectional vs not") << 7 << "rnn is Bidirectional in the baseline, RNN in the current run";
    }

    void structureMismatchIsAnError()
    {
        QFETCH(int, which);
        QFETCH(QString, message);

        const RunSnapshot current = run("lstm");
        RunSnapshot baseline;
        switch (which) {
        case 0:
            baseline = run("lstm", 8);
            break;
        case 1:
            baseline = run("lstm", 6, false, 3);
            break;
        case 2:
            baseline = run("gru");
            break;
        case 3:
            baseline = current;
            baseline.trace.layers.push_back(baseline.trace.layers.front());
            break;
        case 4:
            baseline = current;
            baseline.trace.layers.front().name = "other";
            break;
        case 5:
            baseline = current;
            baseline.outputs.front().second = Tensor({2, 5});
            break;
        case 6:
            baseline = current;
            baseline.error = "boom";
            break;
        case 7:
            baseline = run("bidirectional");
            baseline.trace.layers.front().name = "rnn";
            break;
        }
        const RunSnapshot diff = diffSnapshot(current, baseline);
        QCOMPARE(QString::fromStdString(diff.error), QStringLiteral("cannot compare with the baseline: ") + message);
        QVERIFY(diff.trace.layers.empty());
        QVERIFY(diff.inputs.empty());
        QVERIFY(diff.outputs.empty());
    }

    // go_backwards toggled between the runs: steps are matched by the input timestep they consumed, so the
    // recorded per-step input, which only depends on that timestep, differs by exactly zero.
    void goBackwardsAlignsByInputTime()
    {
        const RunSnapshot current = run("lstm", 6, true);
        const RunSnapshot baseline = run("lstm", 6, false);
        RunSnapshot diff = diffSnapshot(current, baseline);
        QVERIFY2(diff.error.empty(), diff.error.c_str());
        const LayerTrace& l = diff.trace.layers.front();
        QCOMPARE(l.stepTime, current.trace.layers.front().stepTime);
        for (float v : l.input.values()) {
            QCOMPARE(v, 0.0F);
        }
        // The states did change (the model read the sequence the other way), so the diff is not all zero.
        double sum = 0.0;
        for (float v : l.cells.front().states.front().values()) {
            sum += std::fabs(v);
        }
        QVERIFY(sum > 0.0);
    }
};

QTEST_GUILESS_MAIN(TestSnapshotDiff)
#include "tst_snapshot_diff.moc"
