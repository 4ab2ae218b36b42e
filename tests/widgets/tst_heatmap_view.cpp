// HeatmapView over snapshots recorded by the real engine (an LSTM run, B=3, T=8): the colour map holds the trace,
// the cursor and the "not yet computed" overlay follow the step, clicks move the step or toggle units, and
// errors or empty snapshots are shown in place of the plot.

#include <cmath>

#include <QSignalSpy>
#include <QTest>

#include "core/rnn_layer.h"
#include "tests/core/engine_fixtures.h"
#include "tests/widgets/run_fixtures.h"
#include "widgets/heatmap_view.h"

using namespace rnnscope;
using namespace rnnscope::widgets;

namespace {

constexpr Index kBatch = 3;
constexpr Index kSteps = 8;
constexpr Index kFeatures = 2;

Tensor testInput()
{
    return testing::randomTensor({kBatch, kSteps, kFeatures}, 11);
}

// Runs LSTM(4, return_sequences=True) on testInput(), sample 2 masked at its last two timesteps.
SnapshotPtr lstmSnapshot(bool goBackwards = false)
{
    auto snapshot = std::make_shared<RunSnapshot>();
    RnnOptions options;
    options.returnSequences = true;
    options.goBackwards = goBackwards;
    RnnLayer layer("lstm", "LSTM", testing::makeTestCell("lstm", kFeatures, 7), options);
    const Tensor x = testInput();
    Mask mask(kBatch, kSteps);
    mask.set(2, 6, false);
    mask.set(2, 7, false);
    CallContext call;
    call.trace = &snapshot->trace;
    layer.call({{&x, &mask}}, call);
    snapshot->inputs.emplace_back("x", x);
    snapshot->mask = mask;
    return snapshot;
}

SeriesRef ref(SeriesKind kind, const QString& name)
{
    SeriesRef r;
    r.kind = kind;
    r.name = name;
    return r;
}

void layOut(HeatmapView& view)
{
    view.resize(820, 460);
    view.show();
    view.plot()->replot();
}

QString titleOf(const HeatmapView& view)
{
    return qobject_cast<QCPTextElement*>(view.plot()->plotLayout()->element(0, 0))->text();
}

} // namespace

Q_DECLARE_METATYPE(rnnscope::widgets::SeriesKind)

class TestHeatmapView : public QObject
{
    Q_OBJECT

private slots:
    void cellsHoldTheTrace_data();
    void cellsHoldTheTrace();
    void sampleChangeRefills();
    void goBackwardsReversesColumns();
    void cursorFollowsStep_data();
    void cursorFollowsStep();
    void clicks_data();
    void clicks();
    void timeRangeIsShared();
    void maskedStepsAreMarked();
    void darkPalette();
    void errorShownInPlace();
    void emptyAndNull();
    void screenshot();
};

void TestHeatmapView::cellsHoldTheTrace_data()
{
    QTest::addColumn<SeriesKind>("kind");
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("sample");
    QTest::addColumn<QString>("quantity");
    QTest::newRow("h sample 0") << SeriesKind::State << QStringLiteral("h") << 0 << QStringLiteral("h (hidden state)");
    QTest::newRow("c sample 1") << SeriesKind::State << QStringLiteral("c") << 1 << QStringLiteral("c (cell state)");
    QTest::newRow("gate f sample 2") << SeriesKind::Gate << QStringLiteral("f") << 2
                                     << QStringLiteral("f (forget gate)");
    QTest::newRow("gate o sample 1") << SeriesKind::Gate << QStringLiteral("o") << 1
                                     << QStringLiteral("o (output gate)");
    QTest::newRow("output sample 2") << SeriesKind::Output << QStringLiteral("output") << 2 << QStringLiteral("output");
}

void TestHeatmapView::cellsHoldTheTrace()
{
    QFETCH(SeriesKind, kind);
    QFETCH(QString, name);
    QFETCH(int, sample);
    QFETCH(QString, quantity);
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    HeatmapView view(&context);
    context.setSelection(ref(kind, name));
    context.setSample(sample);
    const auto s = context.selectedSeries();
    QVERIFY(s);
    QCOMPARE(view.shownSteps(), 8);
    QCOMPARE(view.shownUnits(), 4);
    QVERIFY(view.message().isEmpty());
    for (int step = 0; step < 8; ++step) {
        for (int unit = 0; unit < 4; ++unit) {
            QCOMPARE(view.cellValue(unit, step), s->value(step, sample, unit));
        }
    }
    QCOMPARE(view.colorScale()->axis()->label(), quantity);
    QVERIFY(titleOf(view).contains(s->title));
    QVERIFY(titleOf(view).contains(QStringLiteral("sample %1").arg(sample)));
    // A symmetric data range: zero is the neutral colour.
    const QCPRange range = view.colorMap()->dataRange();
    QCOMPARE(range.lower, -range.upper);
    QVERIFY(range.upper > 0.0);
    QVERIFY(std::isnan(view.cellValue(4, 0)));
}

void TestHeatmapView::sampleChangeRefills()
{
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    HeatmapView view(&context);
    const auto s = context.selectedSeries();
    QCOMPARE(view.cellValue(1, 3), s->value(3, 0, 1));
    context.setSample(1);
    QVERIFY(s->value(3, 0, 1) != s->value(3, 1, 1));
    for (int step = 0; step < 8; ++step) {
        for (int unit = 0; unit < 4; ++unit) {
            QCOMPARE(view.cellValue(unit, step), s->value(step, 1, unit));
        }
    }
}

void TestHeatmapView::goBackwardsReversesColumns()
{
    // The Input series of a go_backwards layer is the input in processing order: time reversed.
    ViewContext context;
    context.setSnapshot(lstmSnapshot(true));
    HeatmapView view(&context);
    context.setSelection(ref(SeriesKind::Input, QStringLiteral("input")));
    context.setSample(1);
    const Tensor x = testInput();
    QCOMPARE(view.shownUnits(), 2);
    for (int step = 0; step < 8; ++step) {
        for (int f = 0; f < 2; ++f) {
            QCOMPARE(view.cellValue(f, step), x.at(1, kSteps - 1 - step, f));
        }
    }
    QVERIFY(view.plot()->xAxis->label().contains(QStringLiteral("go_backwards")));

    // The forward run shows the input in its own order.
    context.setSnapshot(lstmSnapshot(false));
    for (int step = 0; step < 8; ++step) {
        QCOMPARE(view.cellValue(0, step), x.at(1, step, 0));
    }
}

void TestHeatmapView::cursorFollowsStep_data()
{
    QTest::addColumn<int>("step");
    QTest::newRow("before the first step") << -1;
    QTest::newRow("first") << 0;
    QTest::newRow("middle") << 3;
    QTest::newRow("last") << 7;
}

void TestHeatmapView::cursorFollowsStep()
{
    QFETCH(int, step);
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    HeatmapView view(&context);
    context.setStep(5);
    context.setStep(step);
    QCOMPARE(view.cursorPosition(), static_cast<double>(step));
    for (int s = 0; s < 8; ++s) {
        QCOMPARE(view.stepShownAsComputed(s), s <= step);
    }
    // The data itself is not touched by a step change, only the overlay.
    QCOMPARE(view.cellValue(0, 7), context.selectedSeries()->value(7, 0, 0));
}

void TestHeatmapView::clicks_data()
{
    QTest::addColumn<int>("step");
    QTest::addColumn<int>("unit");
    QTest::addColumn<Qt::KeyboardModifiers>("modifiers");
    QTest::addColumn<bool>("onAxis");
    QTest::addColumn<int>("expectedStep");
    QTest::addColumn<QVector<int>>("expectedUnits");
    QTest::newRow("click moves the step") << 5 << 2 << Qt::KeyboardModifiers() << false << 5 << QVector<int>();
    QTest::newRow("click at step 0") << 0 << 3 << Qt::KeyboardModifiers() << false << 0 << QVector<int>();
    QTest::newRow("ctrl+click toggles the unit")
        << 5 << 2 << Qt::KeyboardModifiers(Qt::ControlModifier) << false << 1 << QVector<int> {2};
    QTest::newRow("shift+click toggles the unit")
        << 6 << 0 << Qt::KeyboardModifiers(Qt::ShiftModifier) << false << 1 << QVector<int> {0};
    QTest::newRow("click on the unit numbers") << 0 << 3 << Qt::KeyboardModifiers() << true << 1 << QVector<int> {3};
}

void TestHeatmapView::clicks()
{
    QFETCH(int, step);
    QFETCH(int, unit);
    QFETCH(Qt::KeyboardModifiers, modifiers);
    QFETCH(bool, onAxis);
    QFETCH(int, expectedStep);
    QFETCH(QVector<int>, expectedUnits);
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    HeatmapView view(&context);
    context.setStep(1);
    layOut(view);
    QCustomPlot* p = view.plot();
    const int y = static_cast<int>(p->yAxis->coordToPixel(unit));
    const int x = onAxis ? p->axisRect()->left() - 12 : static_cast<int>(p->xAxis->coordToPixel(step));
    QTest::mouseClick(p, Qt::LeftButton, modifiers, QPoint(x, y));
    QCOMPARE(context.step(), static_cast<Index>(expectedStep));
    QCOMPARE(context.selectedUnits(), expectedUnits);
    if (!expectedUnits.isEmpty()) {
        // A second click deselects.
        QTest::mouseClick(p, Qt::LeftButton, modifiers, QPoint(x, y));
        QVERIFY(context.selectedUnits().isEmpty());
    }
}

void TestHeatmapView::timeRangeIsShared()
{
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    HeatmapView a(&context);
    HeatmapView b(&context);
    QCOMPARE(a.plot()->xAxis->range().lower, -0.5);
    QCOMPARE(a.plot()->xAxis->range().upper, 7.5);
    context.setTimeRange(2.0, 5.0);
    QCOMPARE(a.plot()->xAxis->range().lower, 2.0);
    QCOMPARE(b.plot()->xAxis->range().upper, 5.0);
    // Zooming one view (as the wheel does) moves the context and with it the other view.
    QSignalSpy spy(&context, &ViewContext::timeRangeChanged);
    a.plot()->xAxis->setRange(1.0, 4.0);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(context.timeLow(), 1.0);
    QCOMPARE(b.plot()->xAxis->range().lower, 1.0);
    QCOMPARE(b.plot()->xAxis->range().upper, 4.0);
}

void TestHeatmapView::maskedStepsAreMarked()
{
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    HeatmapView view(&context);
    QCOMPARE(view.maskMarkCount(), 0);
    context.setSample(2);
    QVERIFY(context.selectedSeries()->layer->stepMasked(6, 2));
    QCOMPARE(view.maskMarkCount(), 1); // steps 6 and 7, one run
}

void TestHeatmapView::darkPalette()
{
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    context.setStep(4);
    HeatmapView view(&context);
    layOut(view);
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
    dark.setColor(QPalette::Mid, QColor(0x55, 0x55, 0x55));
    const QColor before = view.plot()->xAxis->basePen().color();
    view.setPalette(dark);
    QCOMPARE(view.plot()->xAxis->basePen().color(), QColor(0xee, 0xee, 0xee));
    QVERIFY(view.plot()->xAxis->basePen().color() != before);
    QCOMPARE(view.colorScale()->axis()->labelColor(), QColor(0xee, 0xee, 0xee));
    // The neutral colour of the gradient follows the background.
    QVERIFY(QColor(view.colorMap()->gradient().color(0.0, QCPRange(-1, 1))).lightness() < 80);
    view.plot()->replot();
    QVERIFY(view.grab().save(QStringLiteral("/tmp/rnnscope-heatmap-dark.png")));
}

void TestHeatmapView::errorShownInPlace()
{
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    HeatmapView view(&context);
    QVERIFY(view.message().isEmpty());
    auto failed = std::make_shared<RunSnapshot>(*lstmSnapshot());
    failed->error = "dense: expects 4 features, got 3";
    context.setSnapshot(failed);
    QVERIFY(view.message().contains(QStringLiteral("dense: expects 4 features, got 3")));
    QVERIFY(!view.stepShownAsComputed(0));
    layOut(view);
    QVERIFY(view.grab().save(QStringLiteral("/tmp/rnnscope-heatmap-error.png")));
    // A good run brings the plot back.
    context.setSnapshot(lstmSnapshot());
    QVERIFY(view.message().isEmpty());
    QCOMPARE(view.shownSteps(), 8);
}

void TestHeatmapView::emptyAndNull()
{
    HeatmapView orphan(nullptr);
    QVERIFY(!orphan.message().isEmpty());
    QCOMPARE(orphan.shownSteps(), 0);
    QTest::mouseClick(orphan.plot(), Qt::LeftButton, {}, QPoint(10, 10));

    ViewContext context;
    HeatmapView view(&context);
    QVERIFY(!view.message().isEmpty());
    context.setSnapshot(std::make_shared<RunSnapshot>());
    QVERIFY(!view.message().isEmpty());
    context.setStep(3);
    context.setSample(2);
    QCOMPARE(view.cursorPosition(), -1.0);
    context.setSnapshot(nullptr);
    QVERIFY(!view.message().isEmpty());
    layOut(view);
    QVERIFY(!view.grab().isNull());
}

void TestHeatmapView::screenshot()
{
    const SnapshotPtr snapshot = testing::screenshotSnapshot();

    ViewContext context;
    context.setSnapshot(snapshot);
    context.setSelection(ref(SeriesKind::State, QStringLiteral("c")));
    context.setSample(1);
    context.setStep(25);
    context.setSelectedUnits({3, 11});
    HeatmapView view(&context);
    layOut(view);
    QCOMPARE(view.shownUnits(), 16);
    QCOMPARE(view.maskMarkCount(), 1);
    QVERIFY(view.grab().save(QStringLiteral("/tmp/rnnscope-heatmap.png")));
}

QTEST_MAIN(TestHeatmapView)
#include "tst_heatmap_view.moc"
