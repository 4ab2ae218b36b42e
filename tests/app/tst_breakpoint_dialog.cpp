// The Add Breakpoint dialog: the series offered come from the run, and the fields of each kind map onto the
// returned Breakpoint.

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QTest>

#include "app/gui/breakpoint_dialog.h"
#include "tests/widgets/run_fixtures.h"
#include "widgets/series.h"

using namespace rnnscope;
using namespace rnnscope::app;

namespace {

int rowOf(const QComboBox* box, const QString& label)
{
    return box->findText(label);
}

} // namespace

class TestBreakpointDialog : public QObject
{
    Q_OBJECT

private slots:
    void choicesFollowTheRun()
    {
        const auto snap = testing::lstmSnapshot();
        const auto choices = breakpointSeriesChoices(*snap);
        const auto listed = widgets::listSeries(*snap);
        QCOMPARE(choices.size(), listed.size());
        for (int i = 0; i < choices.size(); ++i) {
            QCOMPARE(choices[i].label, listed[i].second);
        }
        BreakpointDialog dialog(choices, 5);
        QCOMPARE(dialog.seriesBox()->count(), choices.size());
        QCOMPARE(dialog.gateBox()->count(), 4); // the LSTM's i, f, c, o only
        QCOMPARE(dialog.gateBox()->itemText(1), QStringLiteral("lstm / f (forget gate)"));
        QCOMPARE(dialog.stepBox()->maximum(), 4);
    }

    void fieldsMapToTheBreakpoint_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("series"); // label in the series (or gate) box
        QTest::addColumn<int>("unit"); // -1 = any
        QTest::addColumn<double>("value"); // threshold, percent, or step
        QTest::addColumn<int>("crossing");
        QTest::addColumn<bool>("anySeries");

        QTest::newRow("at step") << static_cast<int>(BreakKind::AtStep) << "" << -1 << 3.0 << 0 << true;
        QTest::newRow("nan anywhere") << static_cast<int>(BreakKind::NonFinite) << "" << -1 << 0.0 << 0 << true;
        QTest::newRow("nan in c") << static_cast<int>(BreakKind::NonFinite) << "lstm / c (cell state)" << -1 << 0.0 << 0
                                  << false;
        QTest::newRow("threshold unit 2 downward")
            << static_cast<int>(BreakKind::Threshold) << "lstm / c (cell state)" << 2 << -0.75
            << static_cast<int>(CrossingDirection::Downward) << true;
        QTest::newRow("threshold any unit upward") << static_cast<int>(BreakKind::Threshold) << "lstm / o (output gate)"
                                                   << -1 << 0.5 << static_cast<int>(CrossingDirection::Upward) << true;
        QTest::newRow("threshold on the output either way")
            << static_cast<int>(BreakKind::Threshold) << "lstm / output" << 3 << 0.25
            << static_cast<int>(CrossingDirection::Either) << true;
        QTest::newRow("saturation") << static_cast<int>(BreakKind::Saturation) << "lstm / f (forget gate)" << -1 << 62.5
                                    << 0 << true;
    }

    void fieldsMapToTheBreakpoint()
    {
        QFETCH(int, kind);
        QFETCH(QString, series);
        QFETCH(int, unit);
        QFETCH(double, value);
        QFETCH(int, crossing);
        QFETCH(bool, anySeries);

        const auto snap = testing::lstmSnapshot();
        const auto choices = breakpointSeriesChoices(*snap);
        BreakpointDialog dialog(choices, 5);
        const auto k = static_cast<BreakKind>(kind);
        dialog.setKind(k);
        QCOMPARE(dialog.kind(), k);
        TraceSeriesRef expectedRef;
        for (const auto& c : choices) {
            if (c.label == series) {
                expectedRef = c.ref;
            }
        }
        switch (k) {
        case BreakKind::AtStep:
            dialog.stepBox()->setValue(static_cast<int>(value));
            break;
        case BreakKind::NonFinite:
            dialog.anySeriesBox()->setChecked(anySeries);
            if (!anySeries) {
                dialog.nanSeriesBox()->setCurrentIndex(rowOf(dialog.nanSeriesBox(), series));
            }
            break;
        case BreakKind::Threshold:
            dialog.seriesBox()->setCurrentIndex(rowOf(dialog.seriesBox(), series));
            dialog.unitBox()->setValue(unit);
            dialog.thresholdBox()->setValue(value);
            dialog.crossingBox()->setCurrentIndex(dialog.crossingBox()->findData(crossing));
            break;
        case BreakKind::Saturation:
            dialog.gateBox()->setCurrentIndex(rowOf(dialog.gateBox(), series));
            dialog.fractionBox()->setValue(value);
            break;
        }
        QVERIFY(dialog.acceptable());
        testing::grab(dialog, QStringLiteral("breakpoint_dialog_%1").arg(kind));

        const Breakpoint bp = dialog.breakpoint();
        QCOMPARE(bp.kind, k);
        QVERIFY(bp.enabled);
        switch (k) {
        case BreakKind::AtStep:
            QCOMPARE(bp.step, Index(3));
            break;
        case BreakKind::NonFinite:
            QCOMPARE(bp.anySeries, anySeries);
            if (!anySeries) {
                QVERIFY(bp.series == expectedRef);
                QCOMPARE(bp.series.name, std::string("c"));
                QCOMPARE(bp.series.kind, HealthQuantityKind::State);
            }
            break;
        case BreakKind::Threshold:
            QVERIFY(bp.series == expectedRef);
            QCOMPARE(bp.unit.has_value(), unit >= 0);
            if (unit >= 0) {
                QCOMPARE(*bp.unit, Index(unit));
            }
            QCOMPARE(bp.threshold, value);
            QCOMPARE(static_cast<int>(bp.crossing), crossing);
            break;
        case BreakKind::Saturation:
            QVERIFY(bp.series == expectedRef);
            QCOMPARE(bp.series.kind, HealthQuantityKind::Gate);
            QCOMPARE(bp.series.name, std::string("f"));
            QCOMPARE(bp.saturatedFraction, value / 100.0);
            break;
        }
    }

    // The unit box follows the chosen series' width, with "any unit" below unit 0.
    void unitRangeFollowsSeries()
    {
        const auto snap = testing::lstmSnapshot();
        BreakpointDialog dialog(breakpointSeriesChoices(*snap), 5);
        dialog.setKind(BreakKind::Threshold);
        dialog.seriesBox()->setCurrentIndex(rowOf(dialog.seriesBox(), QStringLiteral("lstm / input")));
        QCOMPARE(dialog.unitBox()->maximum(), 1); // 2 input features
        dialog.seriesBox()->setCurrentIndex(rowOf(dialog.seriesBox(), QStringLiteral("lstm / h (hidden state)")));
        QCOMPARE(dialog.unitBox()->maximum(), 3);
        QCOMPARE(dialog.unitBox()->minimum(), -1);
        dialog.unitBox()->setValue(-1);
        QCOMPARE(dialog.unitBox()->text(), QStringLiteral("any unit"));
    }

    // Editing: a breakpoint shown in the dialog comes back unchanged, id and enabled flag included.
    void roundTrip_data()
    {
        QTest::addColumn<int>("kind");
        for (auto k : {BreakKind::AtStep, BreakKind::NonFinite, BreakKind::Threshold, BreakKind::Saturation}) {
            QTest::addRow("kind %d", static_cast<int>(k)) << static_cast<int>(k);
        }
    }

    void roundTrip()
    {
        QFETCH(int, kind);
        const auto snap = testing::lstmSnapshot();
        BreakpointDialog dialog(breakpointSeriesChoices(*snap), 5);
        Breakpoint bp;
        bp.id = 42;
        bp.enabled = false;
        bp.kind = static_cast<BreakKind>(kind);
        bp.step = 2;
        bp.anySeries = false;
        bp.series = {0, -1, 0, HealthQuantityKind::Gate, "o"};
        bp.unit = 1;
        bp.threshold = 0.8;
        bp.crossing = CrossingDirection::Downward;
        bp.saturatedFraction = 0.25;
        dialog.setBreakpoint(bp);
        const Breakpoint back = dialog.breakpoint();
        QCOMPARE(back.id, 42);
        QCOMPARE(back.enabled, false);
        QCOMPARE(back.kind, bp.kind);
        QCOMPARE(describe(back), describe(bp));
    }

    void noGatesMeansNoSaturation()
    {
        // A SimpleRNN records no gates: a saturation breakpoint cannot be made.
        const auto snap = testing::runLayer(
            testing::makeTestCell("simple", 2, 3), "rnn", "SimpleRNN", testing::randomTensor({2, 4, 2}, 1));
        BreakpointDialog dialog(breakpointSeriesChoices(*snap), 4);
        dialog.setKind(BreakKind::Saturation);
        QCOMPARE(dialog.gateBox()->count(), 0);
        QVERIFY(!dialog.acceptable());
        dialog.setKind(BreakKind::Threshold);
        QVERIFY(dialog.acceptable());
    }
};

QTEST_MAIN(TestBreakpointDialog)
#include "tst_breakpoint_dialog.moc"
