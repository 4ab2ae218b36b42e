#include <cmath>

#include <QComboBox>
#include <QTest>

#include "tests/widgets/run_fixtures.h"
#include "widgets/output_view.h"

using namespace rnnscope;
using namespace rnnscope::widgets;

class TestOutputView : public QObject
{
    Q_OBJECT

private slots:
    void emptyContextIsFine();
    void sequenceOutputAsLines();
    void vectorOutputAsBars();
    void manyUnitsAsColourMap();
    void pickerChoosesTheOutput();
    void errorSnapshot();
    void screenshots();
};

void TestOutputView::emptyContextIsFine()
{
    ViewContext context;
    OutputView view(&context);
    QCOMPARE(view.shownSeries(), 0);
    QVERIFY(view.message().contains(QStringLiteral("No run")));
    context.setSnapshot(std::make_shared<RunSnapshot>());
    QCOMPARE(view.shownSeries(), 0);
    view.grab();
}

void TestOutputView::sequenceOutputAsLines()
{
    const SnapshotPtr snap = testing::lstmSnapshot();
    ViewContext context;
    OutputView view(&context);
    context.setSnapshot(snap);
    context.setSample(2);
    QCOMPARE(view.outputIndex(), 0);
    QCOMPARE(view.style(), OutputView::Style::Lines);
    QCOMPARE(view.shownSeries(), 4);
    const Tensor& out = snap->outputs[0].second;
    for (int u = 0; u < 4; ++u) {
        for (int t = 0; t < 5; ++t) {
            QCOMPARE(view.plottedValue(u, t), double(out.at(2, t, u)));
        }
    }
    context.setStep(2); // the cursor moves without a crash
}

void TestOutputView::vectorOutputAsBars()
{
    const SnapshotPtr snap = testing::lstmSnapshot(true, false);
    ViewContext context;
    OutputView view(&context);
    context.setSnapshot(snap);
    context.setSample(1);
    QCOMPARE(view.style(), OutputView::Style::Bars);
    QCOMPARE(view.shownSeries(), 1);
    const Tensor& out = snap->outputs[0].second;
    QCOMPARE(out.rank(), Index {2});
    for (int u = 0; u < 4; ++u) {
        QCOMPARE(view.plottedValue(0, u), double(out.at(1, u)));
    }
}

void TestOutputView::manyUnitsAsColourMap()
{
    auto snap = std::make_shared<RunSnapshot>(*testing::lstmSnapshot());
    Tensor wide = testing::randomTensor({3, 5, 20}, 2);
    snap->outputs.emplace_back("wide", wide);
    ViewContext context;
    OutputView view(&context);
    context.setSnapshot(snap);
    view.setOutputIndex(1);
    QCOMPARE(view.outputIndex(), 1);
    QCOMPARE(view.style(), OutputView::Style::ColourMap);
    QCOMPARE(view.shownSeries(), 1);
    QCOMPARE(view.plottedValue(17, 3), double(wide.at(0, 3, 17)));
}

void TestOutputView::pickerChoosesTheOutput()
{
    auto snap = std::make_shared<RunSnapshot>(*testing::lstmSnapshot());
    snap->outputs.emplace_back("state_h", testing::randomTensor({3, 4}, 3));
    ViewContext context;
    OutputView view(&context);
    context.setSnapshot(snap);
    auto* picker = view.findChild<QComboBox*>();
    QVERIFY(picker != nullptr);
    QCOMPARE(picker->count(), 2);
    QVERIFY(picker->itemText(1).startsWith(QStringLiteral("state_h")));
    picker->setCurrentIndex(1);
    QCOMPARE(view.outputIndex(), 1);
    QCOMPARE(view.style(), OutputView::Style::Bars);
    // A re-run keeps the chosen output.
    context.setSnapshot(std::make_shared<RunSnapshot>(*snap));
    QCOMPARE(view.outputIndex(), 1);
}

void TestOutputView::errorSnapshot()
{
    ViewContext context;
    OutputView view(&context);
    context.setSnapshot(testing::lstmSnapshot());
    context.setSnapshot(testing::errorSnapshot());
    QCOMPARE(view.shownSeries(), 0);
    QVERIFY(view.message().contains(QStringLiteral("expected 4 features")));
}

void TestOutputView::screenshots()
{
    auto snap = std::make_shared<RunSnapshot>(*testing::lstmSnapshot());
    snap->outputs.emplace_back("wide", testing::randomTensor({3, 5, 20}, 2));
    snap->outputs.emplace_back("state_h", testing::randomTensor({3, 12}, 3));
    ViewContext context;
    OutputView view(&context);
    view.resize(560, 320);
    context.setSnapshot(snap);
    context.setStep(2);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    testing::grab(view, QStringLiteral("output_lines"));
    view.setOutputIndex(1);
    testing::grab(view, QStringLiteral("output_colourmap"));
    view.setOutputIndex(2);
    testing::grab(view, QStringLiteral("output_bars"));
    view.setPalette(testing::darkPalette());
    testing::grab(view, QStringLiteral("output_bars_dark"));
}

QTEST_MAIN(TestOutputView)
#include "tst_output_view.moc"
