// Slicing a recorded run: every series (states, gates, input, output, each cell of a stack, each direction of a
// Bidirectional), step_time and the masks keep exactly the chosen steps and samples; the model's inputs, mask and
// outputs keep every timestep of the chosen samples. Runs come from the engine, masked, one with go_backwards.

#include <QTest>

#include "core/bidirectional.h"
#include "core/rnn_layer.h"
#include "core/trace_slice.h"
#include "tests/core/engine_fixtures.h"

using namespace rnnscope;

namespace {

constexpr Index kBatch = 3;
constexpr Index kSteps = 6;
constexpr Index kFeatures = 2;

RnnOptions options(bool goBackwards)
{
    RnnOptions o;
    o.returnSequences = true;
    o.goBackwards = goBackwards;
    return o;
}

// One run of `kind` ("lstm", "gru_backwards", "stack", "bidirectional") over a masked [3,6,2] input.
RunSnapshot record(const QString& kind)
{
    RunSnapshot snap;
    const Tensor x = testing::randomTensor({kBatch, kSteps, kFeatures}, 21);
    Mask mask(kBatch, kSteps);
    mask.set(1, 4, false);
    mask.set(1, 5, false);
    mask.set(2, 0, false);
    CallContext context;
    context.trace = &snap.trace;
    std::unique_ptr<Layer> layer;
    if (kind == QLatin1String("bidirectional")) {
        layer = std::make_unique<BidirectionalLayer>("bi",
            std::make_unique<RnnLayer>("f", "LSTM", testing::makeTestCell("lstm", kFeatures, 1), options(false)),
            std::make_unique<RnnLayer>("b", "LSTM", testing::makeTestCell("lstm", kFeatures, 2), options(true)),
            MergeMode::Concat);
    } else {
        const bool backwards = kind == QLatin1String("gru_backwards");
        const std::string cell = backwards ? "gru" : kind.toStdString();
        layer = std::make_unique<RnnLayer>("rnn", "RNN", testing::makeTestCell(cell, kFeatures, 3), options(backwards));
    }
    auto out = layer->call({LayerInput {&x, &mask}}, context);
    snap.inputs.emplace_back("x", x);
    snap.mask = mask;
    snap.outputs.emplace_back("y", std::move(out.at(0).tensor));
    snap.generation = 7;
    return snap;
}

// Empty when `got` is `want` cut to steps [first, first + got.steps()) and `samples`.
QString checkSeries(const QString& where, const TraceSeries& got, const TraceSeries& want, Index first,
    const std::vector<Index>& samples)
{
    if (want.steps() == 0) {
        return got.steps() == 0 ? QString() : where + QStringLiteral(": should be empty");
    }
    if (got.name() != want.name() || got.width() != want.width() || got.batch() != static_cast<Index>(samples.size())) {
        return where + QStringLiteral(": wrong name, width or batch");
    }
    for (Index s = 0; s < got.steps(); ++s) {
        for (std::size_t j = 0; j < samples.size(); ++j) {
            for (Index u = 0; u < got.width(); ++u) {
                if (got.at(s, static_cast<Index>(j), u) != want.at(first + s, samples[j], u)) {
                    return where + QStringLiteral(": differs at step %1, sample %2, unit %3").arg(s).arg(j).arg(u);
                }
            }
        }
    }
    return {};
}

QString checkLayer(const QString& where, const LayerTrace& got, const LayerTrace& want, Index first, Index count,
    const std::vector<Index>& samples)
{
    if (got.name != want.name || got.className != want.className || got.options != want.options) {
        return where + QStringLiteral(": name, class or options changed");
    }
    const Index expectSteps = want.directions.empty() || want.steps > 0 ? count : 0;
    if (got.steps != expectSteps || got.batch != static_cast<Index>(samples.size())) {
        return where + QStringLiteral(": %1 steps x %2 samples").arg(got.steps).arg(got.batch);
    }
    for (Index s = 0; s < static_cast<Index>(got.stepTime.size()); ++s) {
        if (got.stepTime[static_cast<std::size_t>(s)] != want.stepTime[static_cast<std::size_t>(first + s)]) {
            return where + QStringLiteral(": step_time differs at %1").arg(s);
        }
    }
    if (got.stepTime.size() != (want.stepTime.empty() ? 0U : static_cast<std::size_t>(count))) {
        return where + QStringLiteral(": step_time has %1 steps").arg(got.stepTime.size());
    }
    if (got.mask.empty() != want.mask.empty()) {
        return where + QStringLiteral(": mask lost or invented");
    }
    for (Index s = 0; !got.mask.empty() && s < count; ++s) {
        for (std::size_t j = 0; j < samples.size(); ++j) {
            if (got.stepMasked(s, static_cast<Index>(j)) != want.stepMasked(first + s, samples[j])) {
                return where + QStringLiteral(": mask differs at step %1, sample %2").arg(s).arg(j);
            }
        }
    }
    QStringList problems {checkSeries(where + QStringLiteral("/input"), got.input, want.input, first, samples),
        checkSeries(where + QStringLiteral("/output"), got.output, want.output, first, samples)};
    if (got.cells.size() != want.cells.size()) {
        return where + QStringLiteral(": cells lost");
    }
    for (std::size_t k = 0; k < want.cells.size(); ++k) {
        const CellTrace& g = got.cells[k];
        const CellTrace& w = want.cells[k];
        const QString c = where + QStringLiteral("/cell%1").arg(k);
        if (g.gateNames != w.gateNames || g.states.size() != w.states.size() || g.gates.size() != w.gates.size()) {
            return c + QStringLiteral(": quantities lost");
        }
        for (std::size_t i = 0; i < w.states.size(); ++i) {
            problems << checkSeries(c + QStringLiteral("/state"), g.states[i], w.states[i], first, samples);
        }
        for (std::size_t i = 0; i < w.gates.size(); ++i) {
            problems << checkSeries(c + QStringLiteral("/gates"), g.gates[i], w.gates[i], first, samples);
        }
        problems << checkSeries(c + QStringLiteral("/input"), g.input, w.input, first, samples)
                 << checkSeries(c + QStringLiteral("/output"), g.output, w.output, first, samples);
    }
    if (got.directions.size() != want.directions.size()) {
        return where + QStringLiteral(": directions lost");
    }
    for (std::size_t d = 0; d < want.directions.size(); ++d) {
        problems << checkLayer(where + QLatin1Char('/') + QString::fromStdString(want.directions[d].name),
            got.directions[d], want.directions[d], first, count, samples);
    }
    problems.removeAll(QString());
    return problems.isEmpty() ? QString() : problems.first();
}

} // namespace

class TestTraceSlice : public QObject
{
    Q_OBJECT

private slots:
    void slices_data();
    void slices();
    void rangePastTheEndIsClipped();
    void refusesBadArguments_data();
    void refusesBadArguments();
};

void TestTraceSlice::slices_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("last");
    QTest::addColumn<QList<qint64>>("samples");
    for (const char* kind : {"lstm", "gru_backwards", "stack", "bidirectional"}) {
        QTest::addRow("%s all", kind) << QString::fromLatin1(kind) << qint64 {0} << qint64 {kSteps - 1}
                                      << QList<qint64> {};
        QTest::addRow("%s middle, samples 2 0", kind)
            << QString::fromLatin1(kind) << qint64 {2} << qint64 {4} << QList<qint64> {2, 0};
        QTest::addRow("%s one step, sample 1", kind)
            << QString::fromLatin1(kind) << qint64 {5} << qint64 {5} << QList<qint64> {1};
    }
}

void TestTraceSlice::slices()
{
    QFETCH(QString, kind);
    QFETCH(qint64, first);
    QFETCH(qint64, last);
    QFETCH(QList<qint64>, samples);
    const RunSnapshot run = record(kind);
    std::vector<Index> chosen(samples.begin(), samples.end());
    const RunSnapshot cut = sliceSnapshot(run, first, last, chosen);
    if (chosen.empty()) {
        chosen = {0, 1, 2};
    }
    QCOMPARE(cut.trace.layers.size(), run.trace.layers.size());
    QCOMPARE(cut.generation, run.generation);
    const QString problem = checkLayer(QString::fromStdString(run.trace.layers[0].name), cut.trace.layers[0],
        run.trace.layers[0], first, last - first + 1, chosen);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    // Inputs, mask and outputs: by sample only, every timestep kept.
    const Tensor& x = run.inputs[0].second;
    const Tensor& cx = cut.inputs[0].second;
    QCOMPARE(cx.shape(), (Shape {static_cast<Index>(chosen.size()), kSteps, kFeatures}));
    const Tensor& y = run.outputs[0].second;
    const Tensor& cy = cut.outputs[0].second;
    QCOMPARE(cy.dim(0), static_cast<Index>(chosen.size()));
    QCOMPARE(cy.dim(1), y.dim(1));
    QVERIFY(cut.mask.has_value());
    QCOMPARE(cut.mask->steps(), kSteps);
    for (std::size_t j = 0; j < chosen.size(); ++j) {
        const auto b = static_cast<Index>(j);
        for (Index t = 0; t < kSteps; ++t) {
            QCOMPARE(cut.mask->at(b, t), run.mask->at(chosen[j], t));
            for (Index f = 0; f < kFeatures; ++f) {
                QCOMPARE(cx.at(b, t, f), x.at(chosen[j], t, f));
            }
            for (Index u = 0; u < y.dim(2); ++u) {
                QCOMPARE(cy.at(b, t, u), y.at(chosen[j], t, u));
            }
        }
    }
}

void TestTraceSlice::rangePastTheEndIsClipped()
{
    const RunSnapshot run = record(QStringLiteral("lstm"));
    const RunSnapshot cut = sliceSnapshot(run, 3, 100, {});
    QCOMPARE(cut.trace.layers[0].steps, kSteps - 3);
    const QString problem
        = checkLayer(QStringLiteral("rnn"), cut.trace.layers[0], run.trace.layers[0], 3, kSteps - 3, {0, 1, 2});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    // A range that starts after the run keeps the layers, with no steps.
    QCOMPARE(sliceSnapshot(run, 50, 60, {}).trace.layers[0].steps, Index {0});
}

void TestTraceSlice::refusesBadArguments_data()
{
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("last");
    QTest::addColumn<QList<qint64>>("samples");
    QTest::addColumn<QString>("expected");
    QTest::newRow("negative") << qint64 {-1} << qint64 {2} << QList<qint64> {} << QStringLiteral("step range -1..2");
    QTest::newRow("reversed") << qint64 {4} << qint64 {2} << QList<qint64> {} << QStringLiteral("step range 4..2");
    QTest::newRow("sample") << qint64 {0} << qint64 {2} << QList<qint64> {0, 3}
                            << QStringLiteral("sample 3 is outside the run's batch of 3");
}

void TestTraceSlice::refusesBadArguments()
{
    QFETCH(qint64, first);
    QFETCH(qint64, last);
    QFETCH(QList<qint64>, samples);
    QFETCH(QString, expected);
    const RunSnapshot run = record(QStringLiteral("lstm"));
    try {
        (void)sliceSnapshot(run, first, last, std::vector<Index>(samples.begin(), samples.end()));
        QFAIL("a bad slice was accepted");
    } catch (const std::invalid_argument& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(expected), e.what());
    }
}

QTEST_GUILESS_MAIN(TestTraceSlice)
#include "tst_trace_slice.moc"
