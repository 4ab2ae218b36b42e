// SampleUnitView over an LSTM run recorded by the real engine (B=3, T=8): one unit across all samples, the
// current sample outlined, a click selecting a sample.

#include <cmath>

#include <QTest>

#include "core/rnn_layer.h"
#include "tests/core/engine_fixtures.h"
#include "widgets/sample_unit_view.h"

using namespace rnnscope;
using namespace rnnscope::widgets;

namespace {

SnapshotPtr lstmSnapshot(Index steps = 8, Index units = 4)
{
    auto snapshot = std::make_shared<RunSnapshot>();
    RnnOptions options;
    options.returnSequences = true;
    const auto tanh = Activation(ActivationKind::Tanh);
    const auto sigmoid = Activation(ActivationKind::Sigmoid);
    auto cell = std::make_unique<LstmCell>(2, units, tanh, sigmoid, true);
    testing::randomizeWeights(*cell, 7);
    RnnLayer layer("lstm", "LSTM", std::move(cell), options);
    const Tensor x = testing::randomTensor({3, steps, 2}, 11, 2.0F);
    Mask mask(3, steps);
    mask.set(2, steps - 2, false);
    mask.set(2, steps - 1, false);
    CallContext call;
    call.trace = &snapshot->trace;
    layer.call({{&x, &mask}}, call);
    snapshot->mask = mask;
    return snapshot;
}

QString titleOf(const StepPlotView& view)
{
    return qobject_cast<QCPTextElement*>(view.plot()->plotLayout()->element(0, 0))->text();
}

} // namespace

class TestSampleUnitView : public QObject
{
    Q_OBJECT

private slots:
    void cellsHoldTheUnit_data();
    void cellsHoldTheUnit();
    void clickSelectsSample();
    void errorAndEmpty();
    void screenshot();
};

void TestSampleUnitView::cellsHoldTheUnit_data()
{
    QTest::addColumn<QVector<int>>("selected");
    QTest::addColumn<int>("unit");
    QTest::newRow("no selection: unit 0") << QVector<int>() << 0;
    QTest::newRow("first selected") << QVector<int> {2, 1} << 2;
    QTest::newRow("out of range skipped") << QVector<int> {9, 3} << 3;
}

void TestSampleUnitView::cellsHoldTheUnit()
{
    QFETCH(QVector<int>, selected);
    QFETCH(int, unit);
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    SampleUnitView view(&context);
    context.setSelectedUnits(selected);
    QCOMPARE(view.shownUnit(), unit);
    QCOMPARE(view.shownSamples(), 3);
    const auto s = context.selectedSeries();
    for (int b = 0; b < 3; ++b) {
        for (int t = 0; t < 8; ++t) {
            QCOMPARE(view.cellValue(b, t), s->value(t, b, unit));
        }
    }
    QCOMPARE(titleOf(view), QStringLiteral("unit %1 of %2\nacross samples").arg(unit).arg(s->title));
    QCOMPARE(view.maskMarkCount(), 1); // sample 2, last two steps
}

void TestSampleUnitView::clickSelectsSample()
{
    ViewContext context;
    context.setSnapshot(lstmSnapshot());
    SampleUnitView view(&context);
    view.resize(700, 360);
    view.show();
    view.plot()->replot();
    QCustomPlot* p = view.plot();
    const int y = static_cast<int>(p->yAxis->coordToPixel(2));
    QTest::mouseClick(p, Qt::LeftButton, {}, QPoint(static_cast<int>(p->xAxis->coordToPixel(3)), y));
    QCOMPARE(context.sample(), Index(2));
    QCOMPARE(context.step(), Index(-1));
    QTest::mouseClick(p, Qt::LeftButton, Qt::ControlModifier,
        QPoint(static_cast<int>(p->xAxis->coordToPixel(4)), static_cast<int>(p->yAxis->coordToPixel(0))));
    QCOMPARE(context.sample(), Index(2));
    QCOMPARE(context.step(), Index(4));
    QCOMPARE(view.cursorPosition(), 4.0);
}

void TestSampleUnitView::errorAndEmpty()
{
    SampleUnitView orphan(nullptr);
    QVERIFY(!orphan.message().isEmpty());
    ViewContext context;
    SampleUnitView view(&context);
    auto failed = std::make_shared<RunSnapshot>();
    failed->error = "boom";
    context.setSnapshot(failed);
    QVERIFY(view.message().contains(QStringLiteral("boom")));
    context.setSnapshot(lstmSnapshot());
    QVERIFY(view.message().isEmpty());
}

void TestSampleUnitView::screenshot()
{
    ViewContext context;
    context.setSnapshot(lstmSnapshot(40, 16));
    context.setSelectedUnits({5});
    context.setSample(1);
    context.setStep(25);
    SampleUnitView view(&context);
    view.resize(820, 300);
    view.show();
    view.plot()->replot();
    QVERIFY(view.grab().save(QStringLiteral("/tmp/rnnscope-sample-unit.png")));
}

QTEST_MAIN(TestSampleUnitView)
#include "tst_sample_unit_view.moc"
