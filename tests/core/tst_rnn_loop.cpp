// Properties of the keras.backend.rnn loop that characterise Keras's semantics independently of any one
// implementation: masking equals skipping, go_backwards equals reversing, time_major equals transposing, a stack of
// cells equals stacked layers, a what-if edit only changes the steps after it, resuming reproduces the run.

#include <QObject>
#include <QTest>

#include "core/errors.h"
#include "core/rnn_layer.h"
#include "core/rnn_loop.h"
#include "engine_fixtures.h"

using namespace rnnscope;
using namespace rnnscope::testing;

namespace {

constexpr double kExact = 1e-6;

double maxDiff(const Tensor& a, const Tensor& b)
{
    if (a.shape() != b.shape()) {
        return INFINITY;
    }
    double m = 0;
    for (Index i = 0; i < a.size(); ++i) {
        m = std::max(m, static_cast<double>(std::abs(a.data()[i] - b.data()[i])));
    }
    return m;
}

// Sample b's steps [from, to) as a [1, to-from, F] tensor.
Tensor slice(const Tensor& x, Index b, Index from, Index to)
{
    const Index f = x.dim(2);
    Tensor y({1, to - from, f});
    std::copy(x.data() + (b * x.dim(1) + from) * f, x.data() + (b * x.dim(1) + to) * f, y.data());
    return y;
}

Tensor row(const Tensor& t, Index b)
{
    Tensor r({1, t.dim(1)});
    std::copy(t.data() + b * t.dim(1), t.data() + (b + 1) * t.dim(1), r.data());
    return r;
}

void addCells()
{
    QTest::addColumn<QString>("kind");
    for (const char* k : {"simple", "lstm", "gru", "gru_reset_after", "minimal", "stack"}) {
        QTest::newRow(k) << QString::fromLatin1(k);
    }
}

// A user-defined cell, as a C++ user would write one: h' = h + x + the first constant (a [B, 2] tensor).
class AccumulateCell : public RnnCell
{
public:
    explicit AccumulateCell(bool stateless = false)
        : m_stateless(stateless)
    {
    }
    std::string className() const override { return "AccumulateCell"; }
    Index inputSize() const override { return 2; }
    Index outputSize() const override { return 2; }
    std::vector<StateSpec> states() const override
    {
        return m_stateless ? std::vector<StateSpec> {} : std::vector<StateSpec> {{"h", 2}};
    }
    std::vector<GateSpec> gates() const override { return {}; }
    std::vector<WeightSlot> weights() override { return {}; }
    std::unique_ptr<CellWorkspace> createWorkspace(Index, Index) const override
    {
        return std::make_unique<CellWorkspace>();
    }
    void prepare(const ConstMatrixMap&, CellWorkspace&) const override { }
    void step(const StepIo& io, CellWorkspace&) const override
    {
        MatrixMap out(io.output, io.batch, 2);
        out = ConstMatrixMap(io.x, io.batch, 2) + io.constants[0];
        if (!m_stateless) {
            out += ConstMatrixMap(io.states[0], io.batch, 2);
            MatrixMap(io.newStates[0], io.batch, 2) = out;
        }
    }

private:
    bool m_stateless;
};

} // namespace

class TestRnnLoop : public QObject
{
    Q_OBJECT

private slots:
    void maskedStepsAreSkipped_data() { addCells(); }
    void maskedStepsAreSkipped();
    void maskedOutputRepeatsOrZeroes_data() { addCells(); }
    void maskedOutputRepeatsOrZeroes();
    void goBackwardsEqualsReversedInput_data() { addCells(); }
    void goBackwardsEqualsReversedInput();
    void timeMajorEqualsTransposed_data() { addCells(); }
    void timeMajorEqualsTransposed();
    void unrollMatchesLoopExceptTfQuirk();
    void stackEqualsLayeredCells();
    void stateEditChangesOnlyLaterSteps_data() { addCells(); }
    void stateEditChangesOnlyLaterSteps();
    void unitEditShowsWhereSet_data() { addCells(); }
    void unitEditShowsWhereSet();
    void editAfterLastStepChangesFinalStates_data() { addCells(); }
    void editAfterLastStepChangesFinalStates();
    void editOutsideTheRunIsAnError();
    void resumeReproducesRun_data() { addCells(); }
    void resumeReproducesRun();
    void traceIsConsistentWithLstmEquations();
    void traceStepTimeAndMask();
    void constantsReachCustomCell();
    void maskWithoutStatesIsRefused();
    void errors_data();
    void errors();
};

void TestRnnLoop::maskedStepsAreSkipped()
{
    // Keras: at a masked step every state keeps its value, so the final states equal a run over the kept steps only.
    QFETCH(QString, kind);
    auto cell = makeTestCell(kind.toStdString(), 3, 11);
    const Tensor x = randomTensor({2, 6, 3}, 5);
    Mask mask(2, 6, std::vector<std::uint8_t> {1, 1, 0, 1, 0, 0, /**/ 0, 1, 1, 0, 1, 1});
    const auto masked = rnnLoop(*cell, x, zeroStates(*cell, 2), &mask, {}, {});
    for (Index b = 0; b < 2; ++b) {
        Tensor kept({1, 0, 3});
        std::vector<float> v;
        for (Index t = 0; t < 6; ++t) {
            if (mask.at(b, t)) {
                const Tensor s = slice(x, b, t, t + 1);
                v.insert(v.end(), s.values().begin(), s.values().end());
            }
        }
        kept = Tensor({1, static_cast<Index>(v.size()) / 3, 3}, v);
        const auto plain = rnnLoop(*cell, kept, zeroStates(*cell, 1), nullptr, {}, {});
        for (std::size_t i = 0; i < plain.states.size(); ++i) {
            QVERIFY2(maxDiff(row(masked.states[i], b), plain.states[i]) < kExact, "final states differ");
        }
    }
}

void TestRnnLoop::maskedOutputRepeatsOrZeroes()
{
    QFETCH(QString, kind);
    auto cell = makeTestCell(kind.toStdString(), 3, 12);
    const Tensor x = randomTensor({1, 5, 3}, 6);
    Mask mask(1, 5, std::vector<std::uint8_t> {0, 1, 0, 1, 0});
    RnnLoopOptions repeat;
    RnnLoopOptions zero;
    zero.zeroOutputForMask = true;
    const auto a = rnnLoop(*cell, x, zeroStates(*cell, 1), &mask, {}, repeat);
    const auto z = rnnLoop(*cell, x, zeroStates(*cell, 1), &mask, {}, zero);
    const Index u = cell->outputSize();
    for (Index t = 0; t < 5; ++t) {
        for (Index k = 0; k < u; ++k) {
            const float prev = t == 0 ? 0.0F : a.outputs.at(0, t - 1, k); // TF: previous emitted output, zeros first
            if (!mask.at(0, t)) {
                QCOMPARE(a.outputs.at(0, t, k), prev);
                QCOMPARE(z.outputs.at(0, t, k), 0.0F);
            } else {
                QCOMPARE(z.outputs.at(0, t, k), a.outputs.at(0, t, k));
            }
        }
    }
    // The last step is masked: last_output repeats step 3's output, or is zero with zero_output_for_mask.
    for (Index k = 0; k < u; ++k) {
        QCOMPARE(a.lastOutput.at(0, k), a.outputs.at(0, 3, k));
        QCOMPARE(z.lastOutput.at(0, k), 0.0F);
    }
}

void TestRnnLoop::goBackwardsEqualsReversedInput()
{
    QFETCH(QString, kind);
    auto cell = makeTestCell(kind.toStdString(), 3, 13);
    const Tensor x = randomTensor({2, 7, 3}, 7);
    Mask mask(2, 7, std::vector<std::uint8_t> {1, 1, 1, 1, 1, 0, 0, /**/ 1, 0, 1, 1, 1, 1, 1});
    std::vector<std::uint8_t> flipped;
    for (Index b = 0; b < 2; ++b) {
        for (Index t = 6; t >= 0; --t) {
            flipped.push_back(mask.at(b, t) ? 1 : 0);
        }
    }
    const Mask flippedMask(2, 7, flipped);
    RnnLoopOptions backwards;
    backwards.goBackwards = true;
    const auto a = rnnLoop(*cell, x, zeroStates(*cell, 2), &mask, {}, backwards);
    const auto b = rnnLoop(*cell, flipTime(x), zeroStates(*cell, 2), &flippedMask, {}, {});
    // Outputs come back in processing order, i.e. reversed in time (keras-formats §5).
    QVERIFY(maxDiff(a.outputs, b.outputs) < kExact);
    QVERIFY(maxDiff(a.lastOutput, b.lastOutput) < kExact);
    for (std::size_t i = 0; i < a.states.size(); ++i) {
        QVERIFY(maxDiff(a.states[i], b.states[i]) < kExact);
    }
}

void TestRnnLoop::timeMajorEqualsTransposed()
{
    QFETCH(QString, kind);
    auto cell = makeTestCell(kind.toStdString(), 3, 14);
    const Tensor x = randomTensor({2, 4, 3}, 8);
    Tensor xt({4, 2, 3});
    for (Index b = 0; b < 2; ++b) {
        for (Index t = 0; t < 4; ++t) {
            for (Index f = 0; f < 3; ++f) {
                xt.at(t, b, f) = x.at(b, t, f);
            }
        }
    }
    QCOMPARE(swapBatchAndTime(x).values(), xt.values());
    QCOMPARE(swapBatchAndTime(xt).values(), x.values());
    RnnLoopOptions tm;
    tm.timeMajor = true;
    const auto a = rnnLoop(*cell, x, zeroStates(*cell, 2), nullptr, {}, {});
    const auto b = rnnLoop(*cell, xt, zeroStates(*cell, 2), nullptr, {}, tm);
    QCOMPARE(b.outputs.shape(), (Shape {4, 2, cell->outputSize()}));
    for (Index bb = 0; bb < 2; ++bb) {
        for (Index t = 0; t < 4; ++t) {
            for (Index k = 0; k < cell->outputSize(); ++k) {
                QVERIFY(std::abs(a.outputs.at(bb, t, k) - b.outputs.at(t, bb, k)) < kExact);
            }
        }
    }
    QVERIFY(maxDiff(a.lastOutput, b.lastOutput) < kExact);
}

void TestRnnLoop::unrollMatchesLoopExceptTfQuirk()
{
    auto cell = makeTestCell("lstm", 3, 15);
    const Tensor x = randomTensor({1, 5, 3}, 9);
    Mask mask(1, 5, std::vector<std::uint8_t> {1, 1, 1, 0, 0}); // right-padded
    RnnLoopOptions loop;
    loop.zeroOutputForMask = true;
    RnnLoopOptions unrolled = loop;
    unrolled.unroll = true;
    const auto a = rnnLoop(*cell, x, zeroStates(*cell, 1), &mask, {}, loop);
    const auto b = rnnLoop(*cell, x, zeroStates(*cell, 1), &mask, {}, unrolled);
    QVERIFY(maxDiff(a.outputs, b.outputs) < kExact);
    QVERIFY(maxDiff(a.lastOutput, b.lastOutput) < kExact);

    // With go_backwards, TF's unrolled path zeroes the processing-order outputs with the mask in original time order.
    // Left padding: processed backwards the kept steps come first, so masked steps repeat a non-zero output.
    loop.goBackwards = unrolled.goBackwards = true;
    mask = Mask(1, 5, std::vector<std::uint8_t> {0, 0, 1, 1, 1});
    const auto c = rnnLoop(*cell, x, zeroStates(*cell, 1), &mask, {}, loop);
    const auto d = rnnLoop(*cell, x, zeroStates(*cell, 1), &mask, {}, unrolled);
    for (Index s = 0; s < 5; ++s) {
        const bool loopZero = !mask.at(0, 4 - s); // processing step s consumed time 4-s
        const bool unrollZero = !mask.at(0, s);
        QCOMPARE(c.outputs.at(0, s, 0) == 0.0F, loopZero);
        QCOMPARE(d.outputs.at(0, s, 0) == 0.0F, unrollZero);
    }
    for (std::size_t i = 0; i < c.states.size(); ++i) {
        QVERIFY(maxDiff(c.states[i], d.states[i]) < kExact); // states are unaffected
    }
}

void TestRnnLoop::stackEqualsLayeredCells()
{
    // Keras: RNN(StackedRNNCells([a, b])) computes the same outputs as RNN(a, return_sequences) -> RNN(b).
    auto stack = makeTestCell("stack", 3, 16);
    const auto& stacked = static_cast<const StackedRnnCells&>(*stack);
    const Tensor x = randomTensor({2, 5, 3}, 10);
    const auto all = rnnLoop(*stack, x, zeroStates(*stack, 2), nullptr, {}, {});
    const auto first = rnnLoop(*stacked.cells()[0], x, zeroStates(*stacked.cells()[0], 2), nullptr, {}, {});
    const auto second
        = rnnLoop(*stacked.cells()[1], first.outputs, zeroStates(*stacked.cells()[1], 2), nullptr, {}, {});
    QVERIFY(maxDiff(all.outputs, second.outputs) < kExact);
    QCOMPARE(all.states.size(), std::size_t {3}); // [h1, c1, h2]: cell by cell
    QVERIFY(maxDiff(all.states[0], first.states[0]) < kExact);
    QVERIFY(maxDiff(all.states[1], first.states[1]) < kExact);
    QVERIFY(maxDiff(all.states[2], second.states[0]) < kExact);
}

void TestRnnLoop::stateEditChangesOnlyLaterSteps()
{
    QFETCH(QString, kind);
    auto cell = makeTestCell(kind.toStdString(), 3, 17);
    const Tensor x = randomTensor({2, 6, 3}, 11);
    LayerTrace original;
    const auto a = rnnLoop(*cell, x, zeroStates(*cell, 2), nullptr, {}, {}, &original);
    StateEdit edit;
    edit.step = 3;
    edit.stateIndex = 0;
    edit.samples = {1};
    edit.values = RowMatrix::Constant(2, cell->states()[0].size, 0.75F);
    const std::vector<StateEdit> edits {edit};
    LayerTrace edited;
    const auto b = rnnLoop(*cell, x, zeroStates(*cell, 2), nullptr, {}, {}, &edited, edits);
    for (Index t = 0; t < 6; ++t) {
        for (Index k = 0; k < cell->outputSize(); ++k) {
            QCOMPARE(b.outputs.at(0, t, k), a.outputs.at(0, t, k)); // sample 0 untouched
            if (t < 3) {
                QCOMPARE(b.outputs.at(1, t, k), a.outputs.at(1, t, k));
            }
        }
    }
    QVERIFY(maxDiff(slice(a.outputs, 1, 3, 6), slice(b.outputs, 1, 3, 6)) > 1e-4);
    // The edited run equals a fresh run of sample 1's remaining inputs from the edited states.
    std::vector<Tensor> start;
    std::size_t i = 0;
    for (const auto& ct : original.cells) {
        for (const auto& st : ct.states) {
            Tensor s({1, st.width()});
            for (Index k = 0; k < st.width(); ++k) {
                s.at(0, k) = i == 0 ? 0.75F : st.at(2, 1, k);
            }
            start.push_back(s);
            ++i;
        }
    }
    const auto fresh = rnnLoop(*cell, slice(x, 1, 3, 6), start, nullptr, {}, {});
    QVERIFY(maxDiff(fresh.outputs, slice(b.outputs, 1, 3, 6)) < kExact);
}

void TestRnnLoop::unitEditShowsWhereSet()
{
    // The debugger's "set h[u] at step 2" is an edit at step 3 of unit u: the trace shows the value at step 2, the
    // other units and samples keep theirs, and only steps after 2 change.
    QFETCH(QString, kind);
    auto cell = makeTestCell(kind.toStdString(), 3, 21);
    const Tensor x = randomTensor({2, 6, 3}, 31);
    LayerTrace original;
    rnnLoop(*cell, x, zeroStates(*cell, 2), nullptr, {}, {}, &original);
    const Index width = cell->states()[0].size;
    QVERIFY(width >= 2);
    StateEdit edit;
    edit.step = 3;
    edit.stateIndex = 0;
    edit.samples = {1};
    edit.units = {1};
    edit.values = RowMatrix::Constant(2, width, -0.5F);
    LayerTrace edited;
    const std::vector<StateEdit> edits {edit};
    rnnLoop(*cell, x, zeroStates(*cell, 2), nullptr, {}, {}, &edited, edits);
    const TraceSeries& before = original.cells[0].states[0];
    const TraceSeries& after = edited.cells[0].states[0];
    for (Index s = 0; s < 6; ++s) {
        for (Index b = 0; b < 2; ++b) {
            for (Index u = 0; u < width; ++u) {
                const bool editedHere = s == 2 && b == 1 && u == 1;
                if (editedHere) {
                    QCOMPARE(after.at(s, b, u), -0.5F);
                } else if (s <= 2 || b == 0) {
                    QCOMPARE(after.at(s, b, u), before.at(s, b, u));
                }
            }
        }
    }
    // The output emitted at step 2 is what the cell computed before the edit.
    QCOMPARE(edited.output.values()[static_cast<std::size_t>(2 * 2 * cell->outputSize())],
        original.output.values()[static_cast<std::size_t>(2 * 2 * cell->outputSize())]);
    double changed = 0.0;
    for (Index s = 3; s < 6; ++s) {
        for (Index u = 0; u < width; ++u) {
            changed = std::max(changed, static_cast<double>(std::abs(after.at(s, 1, u) - before.at(s, 1, u))));
        }
    }
    QVERIFY(changed > 1e-4);
}

void TestRnnLoop::editAfterLastStepChangesFinalStates()
{
    QFETCH(QString, kind);
    auto cell = makeTestCell(kind.toStdString(), 3, 22);
    const Tensor x = randomTensor({2, 5, 3}, 32);
    LayerTrace original;
    const auto a = rnnLoop(*cell, x, zeroStates(*cell, 2), nullptr, {}, {}, &original);
    StateEdit edit;
    edit.step = 5;
    edit.stateIndex = 0;
    edit.values = RowMatrix::Constant(2, cell->states()[0].size, 0.25F);
    LayerTrace edited;
    const std::vector<StateEdit> edits {edit};
    const auto b = rnnLoop(*cell, x, zeroStates(*cell, 2), nullptr, {}, {}, &edited, edits);
    QCOMPARE(maxDiff(a.outputs, b.outputs), 0.0);
    for (Index k = 0; k < cell->states()[0].size; ++k) {
        QCOMPARE(b.states[0].at(0, k), 0.25F);
        QCOMPARE(edited.cells[0].states[0].at(4, 1, k), 0.25F);
    }
}

void TestRnnLoop::editOutsideTheRunIsAnError()
{
    auto cell = makeTestCell("lstm", 3, 23);
    const Tensor x = randomTensor({2, 5, 3}, 33);
    StateEdit edit;
    edit.step = 6;
    edit.values = RowMatrix::Zero(2, cell->states()[0].size);
    const std::vector<StateEdit> edits {edit};
    QVERIFY_THROWS_EXCEPTION(ModelError, rnnLoop(*cell, x, zeroStates(*cell, 2), nullptr, {}, {}, nullptr, edits));
    edit.step = 2;
    edit.units = {cell->states()[0].size};
    const std::vector<StateEdit> badUnit {edit};
    QVERIFY_THROWS_EXCEPTION(ModelError, rnnLoop(*cell, x, zeroStates(*cell, 2), nullptr, {}, {}, nullptr, badUnit));
}

void TestRnnLoop::resumeReproducesRun()
{
    QFETCH(QString, kind);
    auto cell = makeTestCell(kind.toStdString(), 3, 18);
    const Tensor x = randomTensor({2, 6, 3}, 12);
    Mask mask(2, 6, std::vector<std::uint8_t> {1, 1, 0, 1, 1, 1, /**/ 1, 1, 1, 1, 0, 0});
    LayerTrace trace;
    const auto full = rnnLoop(*cell, x, zeroStates(*cell, 2), &mask, {}, {}, &trace);
    const std::vector<float> recordedOutput(trace.output.values().begin(), trace.output.values().end());
    ResumePoint at;
    at.step = 4;
    const auto resumed = rnnLoop(*cell, x, zeroStates(*cell, 2), &mask, {}, {}, &trace, {}, &at);
    QVERIFY(maxDiff(full.outputs, resumed.outputs) < kExact);
    for (std::size_t i = 0; i < full.states.size(); ++i) {
        QVERIFY(maxDiff(full.states[i], resumed.states[i]) < kExact);
    }
    QCOMPARE(std::vector<float>(trace.output.values().begin(), trace.output.values().end()), recordedOutput);
}

void TestRnnLoop::traceIsConsistentWithLstmEquations()
{
    auto cell = makeTestCell("lstm", 3, 19);
    const Tensor x = randomTensor({2, 5, 3}, 13);
    LayerTrace t;
    const auto r = rnnLoop(*cell, x, zeroStates(*cell, 2), nullptr, {}, {}, &t);
    QCOMPARE(t.cells.size(), std::size_t {1});
    const auto& gates = t.cells[0].gates.at(0); // i, f, c, o side by side
    const auto& h = t.cells[0].states.at(0);
    const auto& c = t.cells[0].states.at(1);
    const Index u = 4;
    for (Index s = 0; s < 5; ++s) {
        for (Index b = 0; b < 2; ++b) {
            for (Index k = 0; k < u; ++k) {
                const float cPrev = s == 0 ? 0.0F : c.at(s - 1, b, k);
                const float i = gates.at(s, b, k);
                const float f = gates.at(s, b, u + k);
                const float g = gates.at(s, b, 2 * u + k);
                const float o = gates.at(s, b, 3 * u + k);
                QVERIFY(std::abs(c.at(s, b, k) - (f * cPrev + i * g)) < 1e-6F);
                QVERIFY(std::abs(h.at(s, b, k) - o * std::tanh(c.at(s, b, k))) < 1e-6F);
                QCOMPARE(t.output.at(s, b, k), h.at(s, b, k));
            }
        }
    }
    for (Index b = 0; b < 2; ++b) {
        for (Index k = 0; k < u; ++k) {
            QCOMPARE(r.states[0].at(b, k), h.at(4, b, k));
            QCOMPARE(r.states[1].at(b, k), c.at(4, b, k));
        }
    }
}

void TestRnnLoop::traceStepTimeAndMask()
{
    auto cell = makeTestCell("gru", 2, 20);
    const Tensor x = randomTensor({1, 4, 2}, 14);
    Mask mask(1, 4, std::vector<std::uint8_t> {1, 1, 1, 0});
    RnnLoopOptions o;
    o.goBackwards = true;
    LayerTrace t;
    rnnLoop(*cell, x, zeroStates(*cell, 1), &mask, {}, o, &t);
    QCOMPARE(t.stepTime, (std::vector<std::int32_t> {3, 2, 1, 0}));
    QCOMPARE(t.mask, (std::vector<std::uint8_t> {0, 1, 1, 1})); // processing order
    for (Index f = 0; f < 2; ++f) {
        QCOMPARE(t.input.at(0, 0, f), x.at(0, 3, f));
    }
    QVERIFY(t.stepMasked(0, 0));
    for (Index k = 0; k < 4; ++k) {
        QCOMPARE(t.cells[0].states[0].at(0, 0, k), 0.0F); // held at the initial zeros
    }
}

void TestRnnLoop::errors_data()
{
    QTest::addColumn<QString>("what");
    QTest::addColumn<QString>("message");
    QTest::newRow("rank 2 input") << "rank2"
                                  << "Input should be at least 3D";
    QTest::newRow("no timesteps, unrolled") << "unroll0"
                                            << "Unrolling requires a fixed number of timesteps.";
    QTest::newRow("mask shape") << "mask"
                                << "mask should have shape (samples, time) = (2, 4), got (2, 3)";
    QTest::newRow("state count") << "states"
                                 << "has 2 states but 1 initial states were given";
    QTest::newRow("state shape") << "stateShape"
                                 << "initial state 1 (c) should have shape (2, 4), got (2, 3)";
    QTest::newRow("features") << "features"
                              << "expects 3 input features";
    QTest::newRow("input_length") << "length"
                                  << "input_length 5 does not match the 4 timesteps";
}

void TestRnnLoop::errors()
{
    QFETCH(QString, what);
    QFETCH(QString, message);
    auto cell = makeTestCell("lstm", 3, 21);
    Tensor x = randomTensor({2, 4, 3}, 15);
    auto states = zeroStates(*cell, 2);
    RnnLoopOptions o;
    Mask mask(2, 3);
    const Mask* m = nullptr;
    if (what == "rank2") {
        x = randomTensor({2, 3}, 1);
    } else if (what == "unroll0") {
        x = Tensor({2, 0, 3});
        o.unroll = true;
    } else if (what == "mask") {
        m = &mask;
    } else if (what == "states") {
        states.pop_back();
    } else if (what == "stateShape") {
        states[1] = Tensor({2, 3});
    } else if (what == "features") {
        x = randomTensor({2, 4, 5}, 1);
    } else if (what == "length") {
        o.inputLength = 5;
    }
    try {
        rnnLoop(*cell, x, states, m, {}, o);
        QFAIL("no error raised");
    } catch (const ModelError& e) {
        QVERIFY2(QString::fromStdString(e.what()).contains(message), e.what());
    }
}

void TestRnnLoop::constantsReachCustomCell()
{
    // Through the layer, as Keras's RNN(cell)(x, constants=[k]) with num_constants=1 lists them last.
    RnnOptions options;
    options.numConstants = 1;
    options.returnSequences = true;
    RnnLayer layer("accumulate", "RNN", std::make_unique<AccumulateCell>(), options);
    const Tensor x({1, 3, 2}, {1, 2, 3, 4, 5, 6});
    const Tensor k({1, 2}, {10, 100});
    CallContext context;
    const auto out = layer.call({{&x, nullptr}, {&k, nullptr}}, context);
    // h1 = (1+10, 2+100), h2 = h1 + (3+10, 4+100), h3 = h2 + (5+10, 6+100)
    QCOMPARE(out.at(0).tensor.values(), (std::vector<float> {11, 102, 24, 206, 39, 312}));
}

void TestRnnLoop::maskWithoutStatesIsRefused()
{
    AccumulateCell cell(true);
    const Tensor x({1, 2, 2}, 1.0F);
    const Tensor k({1, 2}, 0.0F);
    Mask mask(1, 2);
    try {
        rnnLoop(cell, x, {}, &mask, {k}, {});
        QFAIL("no error raised");
    } catch (const ModelError& e) {
        QVERIFY2(QString::fromLatin1(e.what()).contains(QStringLiteral("has no states")), e.what());
    }
}

QTEST_GUILESS_MAIN(TestRnnLoop)
#include "tst_rnn_loop.moc"
