// UnitTracesView over an LSTM run recorded by the real engine (B=3, T=8): one line per selected unit with the
// trace's values, the three most varying units when none is selected, and the shared cursor, time range and
// palette behaviour.

#include <algorithm>
#include <cmath>

#include <QTest>

#include "core/rnn_layer.h"
#include "tests/core/engine_fixtures.h"
#include "tests/widgets/run_fixtures.h"
#include "widgets/heatmap_view.h"
#include "widgets/unit_traces_view.h"

using namespace rnnscope;
using namespace rnnscope::widgets;

namespace {

// LSTM(4, return_sequences=True) over [3, 8, 2]; sample 2 masked at its last two timesteps.
SnapshotPtr lstmSnapshot()
{
    auto snapshot = std::make_shared<RunSnapshot>();
    RnnOptions options;
    options.returnSequences = true;
    RnnLayer layer("lstm", "LSTM", testing::makeTestCell("lstm", 2, 7), options);
    const Tensor x = testing::randomTensor({3, 8, 2}, 11);
    Mask mask(3, 8);
    mask.set(2, 6, false);
    mask.set(2, 7, false);
    CallContext call;
    call.trace = &snapshot->trace;
    layer.call({{&x, &mask}}, call);
    snapshot->inputs.emplace_back("x", x);
    snapshot->mask = mask;
    return snapshot;
}

QString titleOf(const StepPlotView& view)
{
    return qobject_cast<QCPTextElement*>(view.plot()->plotLayout()->element(0, 0))->text();
}

} // namespace

class TestUnitTracesView : public QObject
{
    Q_OBJECT

private slots:
    void oneGraphPerSelectedUnit_data();
    void oneGraphPerSelectedUnit();
    void noSelectionShowsMostVarying();
    void followsSampleAndSelection();
    void cursorAndClick();
    void zoomFollowsTheHeatmap();
    void darkPalette();
    void errorAndEmpty();
    void screenshot();
};

void TestUnitTracesView::oneGraphPerSelectedUnit_data()
{
    QTest::addColumn<QVector<int>>("units");
    QTest::addColumn<int>("sample");
    QTest::newRow("one unit") << QVector<int> {1} << 0;
    QTest::newRow("two units") << QVector<int> {0, 3} << 1;
    QTest::newRow("three, unsorted") << QVector<int> {3, 1, 2} << 2;
    QTest::newRow("out of range ignored") << QVector<int> {2, 9} << 0;
}

void TestUnitTracesView::oneGraphPerSelectedUnit()
{
    QFETCH(QVector<int>, units);
    QFETCH(int, sample);
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    context.setSample(sample);
    UnitTracesView view(&context);
    context.setSelectedUnits(units);
    QVector<int> valid;
    std::copy_if(units.begin(), units.end(), std::back_inserter(valid), [](int u) { return u < 4; });
    QCOMPARE(view.graphCount(), valid.size());
    QVERIFY(!view.autoChosen());
    QCOMPARE(view.shownUnits(), valid);
    const auto s = context.selectedSeries();
    for (int g = 0; g < valid.size(); ++g) {
        QCOMPARE(view.plot()->graph(g)->name(), QStringLiteral("unit %1").arg(valid[g]));
        for (int step = 0; step < 8; ++step) {
            QCOMPARE(view.graphValue(g, step), static_cast<double>(s->value(step, sample, valid[g])));
        }
    }
    QVERIFY(view.plot()->legend->visible());
    QCOMPARE(view.plot()->yAxis->label(), QStringLiteral("h (hidden state)"));
    QCOMPARE(view.plot()->xAxis->label(), QStringLiteral("step (processing order)"));
    QVERIFY(std::isnan(view.graphValue(valid.size(), 0)));
}

void TestUnitTracesView::noSelectionShowsMostVarying()
{
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    context.setSample(1);
    UnitTracesView view(&context);
    QCOMPARE(view.graphCount(), 3);
    QVERIFY(view.autoChosen());
    QVERIFY(titleOf(view).contains(QStringLiteral("largest variance")));
    // The unit left out varies least.
    const auto s = context.selectedSeries();
    auto variance = [&](int u) {
        double sum = 0;
        double sq = 0;
        for (int t = 0; t < 8; ++t) {
            sum += s->value(t, 1, u);
            sq += static_cast<double>(s->value(t, 1, u)) * s->value(t, 1, u);
        }
        return sq / 8 - (sum / 8) * (sum / 8);
    };
    int omitted = -1;
    for (int u = 0; u < 4; ++u) {
        if (!view.shownUnits().contains(u)) {
            omitted = u;
        }
    }
    QVERIFY(omitted >= 0);
    for (int u : view.shownUnits()) {
        QVERIFY(variance(u) >= variance(omitted));
    }
    QVERIFY(variance(view.shownUnits()[0]) >= variance(view.shownUnits()[1]));
    context.toggleUnit(2);
    QCOMPARE(view.graphCount(), 1);
    QVERIFY(!titleOf(view).contains(QStringLiteral("largest variance")));
}

void TestUnitTracesView::followsSampleAndSelection()
{
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    UnitTracesView view(&context);
    context.setSelectedUnits({2});
    context.setSample(2);
    auto s = context.selectedSeries();
    QCOMPARE(view.graphValue(0, 5), static_cast<double>(s->value(5, 2, 2)));
    QVERIFY(titleOf(view).contains(QStringLiteral("sample 2")));
    QCOMPARE(view.maskMarkCount(), 1);
    SeriesRef gate;
    gate.kind = SeriesKind::Gate;
    gate.name = QStringLiteral("f");
    context.setSelection(gate); // clears the units: back to the automatic choice
    context.setSelectedUnits({2});
    s = context.selectedSeries();
    QCOMPARE(view.graphValue(0, 5), static_cast<double>(s->value(5, 2, 2)));
    QCOMPARE(view.plot()->yAxis->label(), QStringLiteral("f (forget gate)"));
}

void TestUnitTracesView::cursorAndClick()
{
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    UnitTracesView view(&context);
    context.setStep(2);
    QCOMPARE(view.cursorPosition(), 2.0);
    QVERIFY(view.stepShownAsComputed(2));
    QVERIFY(!view.stepShownAsComputed(3));
    view.resize(700, 380);
    view.show();
    view.plot()->replot();
    QCustomPlot* p = view.plot();
    const QPoint at(static_cast<int>(p->xAxis->coordToPixel(6)), p->axisRect()->center().y());
    QTest::mouseClick(p, Qt::LeftButton, {}, at);
    QCOMPARE(context.step(), Index(6));
    QCOMPARE(view.cursorPosition(), 6.0);
}

void TestUnitTracesView::zoomFollowsTheHeatmap()
{
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    HeatmapView heatmap(&context);
    UnitTracesView traces(&context);
    heatmap.plot()->xAxis->setRange(2.0, 6.0);
    QCOMPARE(traces.plot()->xAxis->range().lower, 2.0);
    QCOMPARE(traces.plot()->xAxis->range().upper, 6.0);
    traces.plot()->xAxis->scaleRange(0.5);
    QCOMPARE(heatmap.plot()->xAxis->range().lower, traces.plot()->xAxis->range().lower);
    QCOMPARE(heatmap.plot()->xAxis->range().upper, 5.0);
}

void TestUnitTracesView::darkPalette()
{
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    context.setStep(5);
    UnitTracesView view(&context);
    view.resize(820, 400);
    view.show();
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
    dark.setColor(QPalette::Mid, QColor(0x55, 0x55, 0x55));
    const QColor lineBefore = view.plot()->graph(0)->pen().color();
    view.setPalette(dark);
    QCOMPARE(view.plot()->yAxis->tickLabelColor(), QColor(0xee, 0xee, 0xee));
    QVERIFY(view.plot()->graph(0)->pen().color() != lineBefore);
    view.plot()->replot();
    QVERIFY(view.grab().save(QStringLiteral("/tmp/rnnscope-traces-dark.png")));
}

void TestUnitTracesView::errorAndEmpty()
{
    UnitTracesView orphan(nullptr);
    QVERIFY(!orphan.message().isEmpty());
    QCOMPARE(orphan.graphCount(), 0);

    ViewContext context;
    UnitTracesView view(&context);
    QVERIFY(!view.message().isEmpty());
    auto failed = std::make_shared<RunSnapshot>();
    failed->error = "lstm: input has 3 features, the layer was built for 2";
    context.setSnapshot(failed);
    QVERIFY(view.message().contains(QStringLiteral("built for 2")));
    context.setSnapshot(lstmSnapshot());
    QVERIFY(view.message().isEmpty());
    QCOMPARE(view.graphCount(), 3);
    context.setSnapshot(std::make_shared<RunSnapshot>());
    QVERIFY(!view.message().isEmpty());
}

void TestUnitTracesView::screenshot()
{
    const SnapshotPtr snapshot = testing::screenshotSnapshot();

    ViewContext context;
    context.setSnapshot(snapshot);
    SeriesRef c;
    c.name = QStringLiteral("c");
    context.setSelection(c);
    context.setSample(1);
    context.setStep(25);
    context.setSelectedUnits({3, 11, 7});
    UnitTracesView view(&context);
    view.resize(820, 400);
    view.show();
    view.plot()->replot();
    QCOMPARE(view.graphCount(), 3);
    QVERIFY(view.grab().save(QStringLiteral("/tmp/rnnscope-traces.png")));
    context.setSelectedUnits({});
    view.plot()->replot();
    QVERIFY(view.grab().save(QStringLiteral("/tmp/rnnscope-traces-auto.png")));
}

QTEST_MAIN(TestUnitTracesView)
#include "tst_unit_traces_view.moc"
