// Re-running from the changed layer on (core/node_reuse.h): after a change, the nodes whose signature is unchanged
// are taken from the earlier call's record, the others are called, and the result (outputs and the whole trace) is
// bit for bit what a full run gives.

#include <cstring>

#include <QObject>
#include <QTest>

#include "core/layer_options.h"
#include "core/layers/basic_layers.h"
#include "core/model.h"
#include "core/node_reuse.h"
#include "core/rnn_layer.h"
#include "engine_fixtures.h"

using namespace rnnscope;
using namespace rnnscope::testing;

namespace {

constexpr Index kBatch = 4;
constexpr Index kSteps = 9;
constexpr Index kFeatures = 3;

// Input -> LSTM(4, return_sequences) "first" -> GRU(4, return_sequences) "second".
std::unique_ptr<Model> makeModel(bool statefulFirst)
{
    auto model = std::make_unique<Model>("m", "Sequential");
    Layer& input = model->addLayer(std::make_unique<InputLayer>("x", Shape {kBatch, kSteps, kFeatures}));
    RnnOptions o;
    o.returnSequences = true;
    RnnOptions firstOptions = o;
    firstOptions.stateful = statefulFirst;
    firstOptions.fixedBatch = kBatch;
    Layer& first = model->addLayer(
        std::make_unique<RnnLayer>("first", "LSTM", makeTestCell("lstm", kFeatures, 1), firstOptions));
    Layer& second
        = model->addLayer(std::make_unique<RnnLayer>("second", "GRU", makeTestCell("gru_reset_after", 4, 2), o));
    const auto in = model->addInputNode(input, {kBatch, kSteps, kFeatures}, false);
    const auto a = model->addNode(first, {{in, 0}});
    const auto b = model->addNode(second, {{a, 0}});
    model->addOutput({b, 0}, "second");
    model->finalize();
    return model;
}

struct Call
{
    std::vector<Tensor> outputs;
    ModelTrace trace;
    CallRecord record;
};

Call run(Model& model, const Tensor& x, const Call* previous, const StateEditMap* edits = nullptr, bool trace = true)
{
    Call c;
    CallContext context;
    context.trace = trace ? &c.trace : nullptr;
    context.edits = edits;
    context.record = &c.record;
    if (previous != nullptr) {
        context.reuse = &previous->record;
        context.reuseTrace = &previous->trace;
    }
    c.outputs = model.predict({x}, {}, context);
    return c;
}

bool sameBits(std::span<const float> a, std::span<const float> b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Outputs and every recorded series equal, bit for bit.
void compareRuns(const Call& got, const Call& want)
{
    QCOMPARE(got.outputs.size(), want.outputs.size());
    for (std::size_t i = 0; i < want.outputs.size(); ++i) {
        QVERIFY(sameBits(got.outputs[i].values(), want.outputs[i].values()));
    }
    QCOMPARE(got.trace.layers.size(), want.trace.layers.size());
    for (std::size_t l = 0; l < want.trace.layers.size(); ++l) {
        const LayerTrace& g = got.trace.layers[l];
        const LayerTrace& w = want.trace.layers[l];
        QCOMPARE(g.name, w.name);
        QCOMPARE(g.options, w.options);
        QCOMPARE(g.stepTime, w.stepTime);
        QVERIFY(sameBits(g.input.values(), w.input.values()));
        QVERIFY(sameBits(g.output.values(), w.output.values()));
        for (std::size_t k = 0; k < w.cells.size(); ++k) {
            for (std::size_t s = 0; s < w.cells[k].states.size(); ++s) {
                QVERIFY(sameBits(g.cells[k].states[s].values(), w.cells[k].states[s].values()));
            }
            QVERIFY(sameBits(g.cells[k].gates.at(0).values(), w.cells[k].gates.at(0).values()));
        }
    }
}

} // namespace

class TestNodeReuse : public QObject
{
    Q_OBJECT

private slots:
    void changeReRunsFromTheChangedLayer_data()
    {
        QTest::addColumn<QString>("change");
        QTest::addColumn<int>("reused"); // of 3 nodes: the input, "first", "second"
        QTest::newRow("nothing") << "nothing" << 3;
        QTest::newRow("second: go_backwards") << "second go_backwards" << 2;
        QTest::newRow("second: zero_output_for_mask off->on, no mask: still a change of options")
            << "second zero_output_for_mask" << 2;
        QTest::newRow("first: go_backwards") << "first go_backwards" << 1;
        QTest::newRow("second's weights") << "second weights" << 2;
        QTest::newRow("first's weights") << "first weights" << 1;
        QTest::newRow("an edit of second") << "second edit" << 2;
        QTest::newRow("an edit of first") << "first edit" << 1;
        QTest::newRow("the input's values") << "input" << 0;
        QTest::newRow("an earlier run without a trace") << "untraced" << 0;
    }
    void changeReRunsFromTheChangedLayer()
    {
        QFETCH(QString, change);
        QFETCH(int, reused);
        auto model = makeModel(false);
        Tensor x = randomTensor({kBatch, kSteps, kFeatures}, 7);
        const Call before = run(*model, x, nullptr, nullptr, change != "untraced");

        StateEditMap edits;
        auto editOf = [&](const std::string& layer, Index width) {
            StateEdit e;
            e.step = 4;
            e.stateIndex = 0;
            e.values = RowMatrix::Constant(kBatch, width, 0.25F);
            edits[layer].push_back(e);
        };
        if (change.endsWith("go_backwards") || change.endsWith("zero_output_for_mask")) {
            LayerOverrides o;
            if (change.endsWith("go_backwards")) {
                o.goBackwards = true;
            } else {
                o.zeroOutputForMask = true;
            }
            applyLayerOverrides(o, *model->findLayer(change.section(' ', 0, 0).toStdString()), *model);
        } else if (change.endsWith("weights")) {
            auto w = model->findLayer(change.section(' ', 0, 0).toStdString())->weights();
            w.front().data[0] += 0.125F;
        } else if (change.endsWith("edit")) {
            editOf(change.section(' ', 0, 0).toStdString(), 4);
        } else if (change == "input") {
            x.data()[x.size() - 1] += 1.0F;
        }

        const Call again = run(*model, x, &before, &edits);
        const Call full = run(*model, x, nullptr, &edits);
        QCOMPARE(static_cast<int>(again.record.reusedNodes), reused);
        QCOMPARE(static_cast<int>(again.record.calledNodes), 3 - reused);
        QCOMPARE(static_cast<int>(full.record.reusedNodes), 0);
        compareRuns(again, full);
        // A reused layer's trace is the earlier call's, shared rather than copied (TraceSeries copy on write).
        if (reused >= 2) {
            const LayerTrace& now = again.trace.layers.front();
            const LayerTrace& then = before.trace.layers.front();
            QVERIFY(now.output.sharesValuesWith(then.output));
            QVERIFY(now.cells.front().states.front().sharesValuesWith(then.cells.front().states.front()));
            QVERIFY(now.cells.front().gates.front().sharesValuesWith(then.cells.front().gates.front()));
        }
        if (change != "nothing" && change != "untraced") {
            // The change did change something downstream, so a stale reuse would have been caught above.
            QVERIFY(!sameBits(again.outputs[0].values(), before.outputs[0].values())
                || change == "second zero_output_for_mask");
        }
    }

    // A stateful layer moves its states on with every call: it is called every time, and what follows it too.
    void statefulLayersAreAlwaysCalled()
    {
        auto model = makeModel(true);
        const Tensor x = randomTensor({kBatch, kSteps, kFeatures}, 7);
        const Call first = run(*model, x, nullptr);
        const Call second = run(*model, x, &first);
        QCOMPARE(static_cast<int>(second.record.reusedNodes), 1); // only the input: "first" moved on, so "second" too
        // States carried on: the second call's outputs differ from the first's.
        QVERIFY(!sameBits(second.outputs[0].values(), first.outputs[0].values()));
        model->resetStates();
        const Call fresh = run(*model, x, nullptr);
        compareRuns(fresh, first);
    }
};

QTEST_APPLESS_MAIN(TestNodeReuse)
#include "tst_node_reuse.moc"
