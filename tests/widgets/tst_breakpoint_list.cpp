// The breakpoints dock: rows mirror the application's list, and every user action becomes an intent carrying the
// right breakpoint id; refreshing the rows emits nothing.

#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>

#include "tests/widgets/run_fixtures.h"
#include "widgets/breakpoint_list.h"

using namespace rnnscope;
using namespace rnnscope::widgets;

namespace {

std::vector<Breakpoint> sampleList()
{
    std::vector<Breakpoint> bps(3);
    bps[0].id = 4;
    bps[0].kind = BreakKind::AtStep;
    bps[0].step = 12;
    bps[1].id = 9;
    bps[1].kind = BreakKind::Threshold;
    bps[1].enabled = false;
    bps[1].series = {0, -1, 0, HealthQuantityKind::State, "c"};
    bps[1].unit = 2;
    bps[1].threshold = 0.5;
    bps[1].crossing = CrossingDirection::Downward;
    bps[2].id = 17;
    bps[2].kind = BreakKind::NonFinite;
    return bps;
}

} // namespace

class TestBreakpointList : public QObject
{
    Q_OBJECT

private slots:
    void rowsMatch_data()
    {
        QTest::addColumn<int>("row");
        QTest::addColumn<int>("id");
        QTest::addColumn<bool>("checked");
        QTest::addColumn<QString>("text");

        QTest::newRow("step") << 0 << 4 << true << "at step 12";
        QTest::newRow("threshold, named from the trace") << 1 << 9 << false << "lstm / c unit 2 crosses 0.5 downward";
        QTest::newRow("nan") << 2 << 17 << true << "NaN/Inf in any series";
    }

    void rowsMatch()
    {
        QFETCH(int, row);
        QFETCH(int, id);
        QFETCH(bool, checked);
        QFETCH(QString, text);

        const auto snap = testing::lstmSnapshot();
        BreakpointList list;
        list.setBreakpoints(sampleList(), &snap->trace);
        QCOMPARE(list.rowCount(), 3);
        QCOMPARE(list.rowId(row), id);
        QCOMPARE(list.rowChecked(row), checked);
        QCOMPARE(list.rowText(row), text);
        QVERIFY(!list.emptyHintShown());
    }

    void toggleEmitsEnabledChanged_data()
    {
        QTest::addColumn<int>("row");
        QTest::addColumn<bool>("checked");
        QTest::addColumn<int>("id");

        QTest::newRow("disable the first") << 0 << false << 4;
        QTest::newRow("enable the second") << 1 << true << 9;
        QTest::newRow("disable the third") << 2 << false << 17;
    }

    void toggleEmitsEnabledChanged()
    {
        QFETCH(int, row);
        QFETCH(bool, checked);
        QFETCH(int, id);

        BreakpointList list;
        QSignalSpy spy(&list, &BreakpointList::enabledChanged);
        list.setBreakpoints(sampleList());
        QCOMPARE(spy.count(), 0); // filling the rows is not a user action
        list.setRowChecked(row, checked);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), id);
        QCOMPARE(spy.at(0).at(1).toBool(), checked);
    }

    // A real click on the checkbox, not just the accessor.
    void clickOnCheckbox()
    {
        BreakpointList list;
        list.resize(400, 200);
        list.setBreakpoints(sampleList());
        list.show();
        QVERIFY(QTest::qWaitForWindowExposed(&list));
        QSignalSpy spy(&list, &BreakpointList::enabledChanged);
        QTreeWidget* tree = list.tree();
        const QRect rect = tree->visualItemRect(tree->topLevelItem(1));
        const QPoint box(
            rect.left() + tree->style()->pixelMetric(QStyle::PM_IndicatorWidth) / 2 + 4, rect.center().y());
        QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, box);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 9);
        QCOMPARE(spy.at(0).at(1).toBool(), true);
    }

    void removeEmitsTheSelectedId_data()
    {
        QTest::addColumn<int>("row");
        QTest::addColumn<int>("id");
        QTest::newRow("first") << 0 << 4;
        QTest::newRow("last") << 2 << 17;
    }

    void removeEmitsTheSelectedId()
    {
        QFETCH(int, row);
        QFETCH(int, id);

        BreakpointList list;
        list.setBreakpoints(sampleList());
        QVERIFY(!list.removeButton()->isEnabled()); // nothing selected yet
        QSignalSpy remove(&list, &BreakpointList::removeRequested);
        list.selectRow(row);
        QVERIFY(list.removeButton()->isEnabled());
        list.removeButton()->click();
        QCOMPARE(remove.count(), 1);
        QCOMPARE(remove.at(0).at(0).toInt(), id);

        // The Delete key does the same.
        QTest::keyClick(&list, Qt::Key_Delete);
        QCOMPARE(remove.count(), 2);
        QCOMPARE(remove.at(1).at(0).toInt(), id);

        // The list does not own the breakpoints: the row stays until the application refreshes it.
        QCOMPARE(list.rowCount(), 3);
        auto rest = sampleList();
        rest.erase(rest.begin() + row);
        list.setBreakpoints(rest);
        QCOMPARE(list.rowCount(), 2);
        for (int r = 0; r < 2; ++r) {
            QVERIFY(list.rowId(r) != id);
        }
    }

    void buttonsEmitIntents()
    {
        BreakpointList list;
        list.setBreakpoints(sampleList());
        QSignalSpy add(&list, &BreakpointList::addRequested);
        QSignalSpy all(&list, &BreakpointList::removeAllRequested);
        QSignalSpy activated(&list, &BreakpointList::activated);
        list.addButton()->click();
        list.removeAllButton()->click();
        QCOMPARE(add.count(), 1);
        QCOMPARE(all.count(), 1);
        emit list.tree()->itemActivated(list.tree()->topLevelItem(1), 0);
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.at(0).at(0).toInt(), 9);
    }

    void selectionSurvivesRefresh()
    {
        BreakpointList list;
        list.setBreakpoints(sampleList());
        list.selectRow(1);
        auto changed = sampleList();
        changed[1].enabled = true;
        list.setBreakpoints(changed);
        QCOMPARE(list.selectedId(), 9);
        QVERIFY(list.rowChecked(1));
    }

    void hitsAndCurrent()
    {
        BreakpointList list;
        list.setBreakpoints(sampleList());
        list.setHitCounts({{9, 3}});
        list.setCurrentHit(9);
        QCOMPARE(list.rowText(1, BreakpointList::HitsColumn), QStringLiteral("3"));
        QCOMPARE(list.rowText(0, BreakpointList::HitsColumn), QString());
        QVERIFY(list.rowBold(1));
        QVERIFY(!list.rowBold(0));
        list.resize(420, 220);
        testing::grab(list, QStringLiteral("breakpoint_list"));
        list.setBreakpoints(sampleList()); // counts and the bold row survive a refresh
        QCOMPARE(list.rowText(1, BreakpointList::HitsColumn), QStringLiteral("3"));
        QVERIFY(list.rowBold(1));
    }

    void emptyListShowsHint()
    {
        BreakpointList list;
        QSignalSpy spy(&list, &BreakpointList::removeAllRequested);
        list.setBreakpoints({});
        QCOMPARE(list.rowCount(), 0);
        QVERIFY(list.emptyHintShown());
        QVERIFY(!list.removeAllButton()->isEnabled());
        QVERIFY(list.addButton()->isEnabled());
        list.setBreakpoints(sampleList());
        QVERIFY(!list.emptyHintShown());
        QVERIFY(list.removeAllButton()->isEnabled());
    }
};

QTEST_MAIN(TestBreakpointList)
#include "tst_breakpoint_list.moc"
