#include <cmath>
#include <limits>

#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>

#include "core/health.h"
#include "tests/widgets/run_fixtures.h"
#include "widgets/health_view.h"

using namespace rnnscope;
using namespace rnnscope::widgets;

namespace {

int findRow(const HealthView& view, const QString& layer, const QString& quantityPrefix)
{
    for (int r = 0; r < view.rowCount(); ++r) {
        if (view.rowText(r, HealthView::LayerColumn) == layer
            && view.rowText(r, HealthView::QuantityColumn).startsWith(quantityPrefix)) {
            return r;
        }
    }
    return -1;
}

const QuantityHealth* findQuantity(const HealthReport& report, HealthQuantityKind kind, const std::string& name)
{
    for (const auto& q : report.quantities) {
        if (q.kind == kind && q.name == name) {
            return &q;
        }
    }
    return nullptr;
}

// An LSTM whose input holds a NaN at step 2 of sample 1, feature 0.
SnapshotPtr nanSnapshot()
{
    Tensor x = testing::randomTensor({2, 5, 3}, 21);
    x.at(1, 2, 0) = std::numeric_limits<float>::quiet_NaN();
    return testing::runLayer(testing::makeTestCell("lstm", 3, 5), "lstm", "LSTM", x);
}

// Weights a hundred times too large: every sigmoid gate is pinned at 0 or 1.
SnapshotPtr saturatedSnapshot()
{
    auto cell = testing::makeTestCell("lstm", 3, 8);
    for (auto& w : cell->weights()) {
        for (Index i = 0; i < shapeVolume(w.shape); ++i) {
            w.data[i] *= 100.0F;
        }
    }
    return testing::runLayer(std::move(cell), "lstm", "LSTM", testing::randomTensor({2, 6, 3}, 4));
}

// SimpleRNN(relu) whose recurrent kernel is 3 x identity: h roughly triples every step.
SnapshotPtr explodingSnapshot()
{
    auto cell = std::make_unique<SimpleRnnCell>(2, 4, Activation(ActivationKind::Relu), true);
    for (auto& w : cell->weights()) {
        const Index n = shapeVolume(w.shape);
        for (Index i = 0; i < n; ++i) {
            w.data[i] = 0.0F;
        }
        if (w.name == "kernel") {
            for (Index i = 0; i < n; ++i) {
                w.data[i] = 0.5F;
            }
        } else if (w.name == "recurrent_kernel") {
            for (Index u = 0; u < 4; ++u) {
                w.data[u * 4 + u] = 3.0F;
            }
        }
    }
    Tensor x({2, 8, 2}, 1.0F);
    return testing::runLayer(std::move(cell), "simple_rnn", "SimpleRNN", x);
}

} // namespace

class TestHealthView : public QObject
{
    Q_OBJECT

private slots:
    void emptyContextIsFine();
    void healthyRunHasNoFlags();
    void nanIsCountedWithItsFirstStep();
    void saturatedGatesAreDetected();
    void explodingStateIsFlagged();
    void boundedStateDoesNotExplode();
    void doubleClickSelectsAndMovesTheCursor();
    void errorSnapshotShowsTheError();
    void screenshot();
};

void TestHealthView::emptyContextIsFine()
{
    ViewContext context;
    HealthView view(&context);
    QCOMPARE(view.rowCount(), 0);
    QVERIFY(view.rowText(0, 0).isEmpty());
    view.activateRow(0);
    context.setSnapshot(std::make_shared<RunSnapshot>());
    QCOMPARE(view.rowCount(), 0);
    QVERIFY(scanHealth(RunSnapshot {}).quantities.empty());
}

void TestHealthView::healthyRunHasNoFlags()
{
    ViewContext context;
    HealthView view(&context);
    context.setSnapshot(testing::lstmSnapshot());
    // h, c, four gates, output, input.
    QCOMPARE(view.rowCount(), 8);
    QCOMPARE(view.rowText(0, HealthView::LayerColumn), QStringLiteral("lstm"));
    QCOMPARE(view.rowText(0, HealthView::QuantityColumn), QStringLiteral("h (hidden state)"));
    for (int r = 0; r < view.rowCount(); ++r) {
        QCOMPARE(view.rowText(r, HealthView::NanColumn), QStringLiteral("0"));
        QCOMPARE(view.rowText(r, HealthView::InfColumn), QStringLiteral("0"));
        QCOMPARE(view.rowText(r, HealthView::FirstBadColumn), QStringLiteral("—"));
    }
    QVERIFY(view.summaryText().contains(QStringLiteral("No NaN or Inf")));
    QVERIFY(!view.report().anyExploding);
}

void TestHealthView::nanIsCountedWithItsFirstStep()
{
    const SnapshotPtr snap = nanSnapshot();
    const HealthReport report = scanHealth(*snap);
    const QuantityHealth* h = findQuantity(report, HealthQuantityKind::State, "h");
    QVERIFY(h != nullptr);
    // Sample 1 is NaN in every unit from step 2 on (3 steps x 4 units); sample 0 is untouched.
    QCOMPARE(h->nanCount, std::int64_t {12});
    QCOMPARE(h->firstNan.step, Index {2});
    QCOMPARE(h->firstNan.sample, Index {1});
    QCOMPARE(h->firstNan.unit, Index {0});
    QCOMPARE(h->firstBadStep(), Index {2});
    const QuantityHealth* input = findQuantity(report, HealthQuantityKind::Input, "input");
    QVERIFY(input != nullptr);
    QCOMPARE(input->nanCount, std::int64_t {1});
    QVERIFY(report.nanCount > 0);

    ViewContext context;
    HealthView view(&context);
    context.setSnapshot(snap);
    const int row = findRow(view, QStringLiteral("lstm"), QStringLiteral("h "));
    QVERIFY(row >= 0);
    QCOMPARE(view.rowText(row, HealthView::NanColumn), QStringLiteral("12"));
    QCOMPARE(view.rowText(row, HealthView::FirstBadColumn), QStringLiteral("2"));
    QVERIFY(view.summaryText().contains(QStringLiteral("NaN")));
    QVERIFY(view.tree()->topLevelItem(row)->background(0).color().isValid());
}

void TestHealthView::saturatedGatesAreDetected()
{
    const SnapshotPtr snap = saturatedSnapshot();
    const HealthReport report = scanHealth(*snap);
    const QuantityHealth* f = findQuantity(report, HealthQuantityKind::Gate, "f");
    QVERIFY(f != nullptr);
    QVERIFY(f->saturationApplies);
    QVERIFY2(f->saturatedFraction > 0.8, qPrintable(QString::number(f->saturatedFraction)));
    QCOMPARE(f->saturatedPerStep.size(), std::size_t {6});
    QCOMPARE(f->saturatedPerUnit.size(), std::size_t {4});
    QVERIFY(!f->mostSaturatedUnits(2).empty());
    QVERIFY(report.saturatedFraction > 0.8);
    // States are not gates: no saturation figure.
    QVERIFY(!findQuantity(report, HealthQuantityKind::State, "h")->saturationApplies);

    // The same cell with ordinary weights saturates far less.
    const HealthReport calm = scanHealth(*testing::lstmSnapshot());
    QVERIFY(findQuantity(calm, HealthQuantityKind::Gate, "f")->saturatedFraction < 0.2);

    ViewContext context;
    HealthView view(&context);
    context.setSnapshot(snap);
    const int row = findRow(view, QStringLiteral("lstm"), QStringLiteral("f "));
    QVERIFY(row >= 0);
    QVERIFY(view.rowText(row, HealthView::SaturatedColumn).endsWith(QLatin1Char('%')));
    QCOMPARE(view.rowText(findRow(view, QStringLiteral("lstm"), QStringLiteral("h ")), HealthView::SaturatedColumn),
        QStringLiteral("—"));
}

void TestHealthView::explodingStateIsFlagged()
{
    const SnapshotPtr snap = explodingSnapshot();
    const HealthReport report = scanHealth(*snap);
    const QuantityHealth* h = findQuantity(report, HealthQuantityKind::State, "h");
    QVERIFY(h != nullptr);
    QVERIFY(h->exploding);
    QVERIFY(report.anyExploding);
    QVERIFY(h->maxAbs > 1000.0);
    QVERIFY(h->growth > 10.0);
    // h_t = relu(1 + 3 h_{t-1}): 1, 4, 13 -> the threshold of 10 is passed at step 2.
    QCOMPARE(h->firstExplode.step, Index {2});
    QCOMPARE(h->firstBadStep(), Index {2});

    // A growth factor alone also counts, below the absolute threshold.
    HealthOptions loose;
    loose.explodeThreshold = 1e9;
    QVERIFY(findQuantity(scanHealth(*snap, loose), HealthQuantityKind::State, "h")->exploding);

    ViewContext context;
    HealthView view(&context);
    context.setSnapshot(snap);
    const int row = findRow(view, QStringLiteral("simple_rnn"), QStringLiteral("h "));
    QVERIFY(row >= 0);
    QVERIFY(view.rowText(row, HealthView::FirstBadColumn).contains(QStringLiteral("exploding")));
    QVERIFY(view.summaryText().contains(QStringLiteral("exploding")));
}

void TestHealthView::boundedStateDoesNotExplode()
{
    // A tanh LSTM's h starts near 0 and stays within [-1, 1]: never "growing 10x" however small its first step.
    const HealthReport report = scanHealth(*testing::lstmSnapshot());
    QVERIFY(!findQuantity(report, HealthQuantityKind::State, "h")->exploding);
}

void TestHealthView::doubleClickSelectsAndMovesTheCursor()
{
    ViewContext context;
    HealthView view(&context);
    context.setSnapshot(nanSnapshot());
    QCOMPARE(context.step(), Index {-1});
    QSignalSpy selection(&context, &ViewContext::selectionChanged);
    const int row = findRow(view, QStringLiteral("lstm"), QStringLiteral("c "));
    QVERIFY(row >= 0);
    QTreeWidgetItem* item = view.tree()->topLevelItem(row);
    emit view.tree()->itemDoubleClicked(item, 0);
    QCOMPARE(context.selection().kind, SeriesKind::State);
    QCOMPARE(context.selection().name, QStringLiteral("c"));
    QCOMPARE(context.step(), Index {2});
    QCOMPARE(context.sample(), Index {1});
    QVERIFY(selection.count() >= 1);
    // A gate row selects the gate.
    view.activateRow(findRow(view, QStringLiteral("lstm"), QStringLiteral("o ")));
    QCOMPARE(context.selection().kind, SeriesKind::Gate);
    QCOMPARE(context.selection().name, QStringLiteral("o"));
}

void TestHealthView::errorSnapshotShowsTheError()
{
    ViewContext context;
    HealthView view(&context);
    context.setSnapshot(nanSnapshot());
    context.setSnapshot(testing::errorSnapshot());
    QCOMPARE(view.rowCount(), 0);
    QVERIFY(view.summaryText().contains(QStringLiteral("expected 4 features")));
}

void TestHealthView::screenshot()
{
    // Two layers' worth of problems in one snapshot: the NaN LSTM and the exploding SimpleRNN side by side.
    auto snap = std::make_shared<RunSnapshot>(*nanSnapshot());
    auto sat = saturatedSnapshot();
    auto boom = explodingSnapshot();
    snap->trace.layers.push_back(sat->trace.layers.front());
    snap->trace.layers.back().name = "lstm_saturated";
    snap->trace.layers.push_back(boom->trace.layers.front());
    ViewContext context;
    HealthView view(&context);
    view.resize(760, 560);
    context.setSnapshot(snap);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    testing::grab(view, QStringLiteral("health"));
    view.setPalette(testing::darkPalette());
    testing::grab(view, QStringLiteral("health_dark"));
}

QTEST_MAIN(TestHealthView)
#include "tst_health_view.moc"
