#include <QSignalSpy>
#include <QTest>

#include "tests/widgets/run_fixtures.h"
#include "widgets/mask_strip.h"

using namespace rnnscope;
using namespace rnnscope::widgets;

class TestMaskStrip : public QObject
{
    Q_OBJECT

private slots:
    void emptyContextIsFine();
    void showsTheSnapshotMask();
    void clickEmitsToggle_data();
    void clickEmitsToggle();
    void noMaskMeansAllKept();
    void cursorColumnFollowsStepTime();
    void errorSnapshot();
    void screenshot();
};

void TestMaskStrip::emptyContextIsFine()
{
    ViewContext context;
    MaskStrip strip(&context);
    strip.resize(400, 120);
    QCOMPARE(strip.samples(), 0);
    QVERIFY(!strip.cellKept(0, 0));
    QVERIFY(strip.cellRect(0, 0).isEmpty());
    QSignalSpy spy(&context, &ViewContext::maskToggleRequested);
    QTest::mouseClick(&strip, Qt::LeftButton, {}, QPoint(200, 60));
    QCOMPARE(spy.count(), 0);
    strip.grab(); // paints without a snapshot
    context.setSnapshot(std::make_shared<RunSnapshot>());
    strip.grab();
}

void TestMaskStrip::showsTheSnapshotMask()
{
    ViewContext context;
    MaskStrip strip(&context);
    const SnapshotPtr snap = testing::lstmSnapshot();
    context.setSnapshot(snap);
    QVERIFY(strip.hasMask());
    QCOMPARE(strip.samples(), 3);
    QCOMPARE(strip.times(), 5);
    for (int b = 0; b < 3; ++b) {
        for (int t = 0; t < 5; ++t) {
            QCOMPARE(strip.cellKept(b, t), snap->mask->at(b, t));
        }
    }
    QVERIFY(!strip.cellKept(1, 3));
    QVERIFY(strip.cellKept(0, 3));
}

void TestMaskStrip::clickEmitsToggle_data()
{
    QTest::addColumn<int>("sample");
    QTest::addColumn<int>("time");
    QTest::newRow("first") << 0 << 0;
    QTest::newRow("masked cell") << 1 << 3;
    QTest::newRow("last") << 2 << 4;
    QTest::newRow("middle") << 1 << 2;
}

void TestMaskStrip::clickEmitsToggle()
{
    QFETCH(int, sample);
    QFETCH(int, time);
    ViewContext context;
    MaskStrip strip(&context);
    strip.resize(500, 160);
    context.setSnapshot(testing::lstmSnapshot());
    QSignalSpy spy(&context, &ViewContext::maskToggleRequested);
    const QRect r = strip.cellRect(sample, time);
    QVERIFY(!r.isEmpty());
    QTest::mouseClick(&strip, Qt::LeftButton, {}, r.center());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).value<Index>(), Index {sample});
    QCOMPARE(spy.at(0).at(1).value<Index>(), Index {time});
    // Outside the grid: nothing.
    QTest::mouseClick(&strip, Qt::LeftButton, {}, QPoint(2, 2));
    QCOMPARE(spy.count(), 1);
}

void TestMaskStrip::noMaskMeansAllKept()
{
    ViewContext context;
    MaskStrip strip(&context);
    context.setSnapshot(testing::lstmSnapshot(false));
    QVERIFY(!strip.hasMask());
    QCOMPARE(strip.samples(), 3);
    QCOMPARE(strip.times(), 5);
    for (int b = 0; b < 3; ++b) {
        for (int t = 0; t < 5; ++t) {
            QVERIFY(strip.cellKept(b, t));
        }
    }
    QVERIFY(strip.note().contains(QStringLiteral("no mask")));
}

void TestMaskStrip::cursorColumnFollowsStepTime()
{
    // go_backwards: step s consumes input time T-1-s, so the highlighted column runs right to left.
    auto snap = std::make_shared<RunSnapshot>();
    RnnOptions options;
    options.returnSequences = true;
    options.goBackwards = true;
    RnnLayer layer("back", "LSTM", testing::makeTestCell("lstm", 2, 3), options);
    const Tensor x = testing::randomTensor({2, 4, 2}, 5);
    CallContext ctx;
    ctx.trace = &snap->trace;
    snap->outputs.emplace_back("back", layer.call({{&x, nullptr}}, ctx).at(0).tensor);
    ViewContext context;
    MaskStrip strip(&context);
    context.setSnapshot(snap);
    QCOMPARE(strip.cursorTime(), -1);
    context.setStep(0);
    QCOMPARE(strip.cursorTime(), 3);
    context.setStep(3);
    QCOMPARE(strip.cursorTime(), 0);
}

void TestMaskStrip::errorSnapshot()
{
    ViewContext context;
    MaskStrip strip(&context);
    context.setSnapshot(testing::lstmSnapshot());
    context.setSnapshot(testing::errorSnapshot());
    QCOMPARE(strip.samples(), 0);
    strip.resize(400, 100);
    testing::grab(strip, QStringLiteral("mask_strip_error"));
}

void TestMaskStrip::screenshot()
{
    // 8 samples x 30 steps, padded at the end by various lengths, as --pad makes them.
    const Tensor x = testing::randomTensor({8, 30, 2}, 9);
    Mask mask(8, 30);
    for (int b = 0; b < 8; ++b) {
        for (int t = 30 - 3 * b; t < 30; ++t) {
            mask.set(b, t, false);
        }
    }
    ViewContext context;
    MaskStrip strip(&context);
    strip.resize(640, 220);
    context.setSnapshot(testing::runLayer(testing::makeTestCell("gru", 2, 4), "gru", "GRU", x, mask));
    context.setSample(3);
    context.setStep(12);
    strip.show();
    QVERIFY(QTest::qWaitForWindowExposed(&strip));
    testing::grab(strip, QStringLiteral("mask_strip"));
    strip.setPalette(testing::darkPalette());
    testing::grab(strip, QStringLiteral("mask_strip_dark"));
}

QTEST_MAIN(TestMaskStrip)
#include "tst_mask_strip.moc"
