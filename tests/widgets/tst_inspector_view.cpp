#include <algorithm>
#include <cmath>
#include <memory>

#include <QScrollBar>
#include <QTableView>
#include <QTest>

#include "tests/widgets/run_fixtures.h"
#include "widgets/inspector_view.h"

using namespace rnnscope;
using namespace rnnscope::widgets;

class TestInspectorView : public QObject
{
    Q_OBJECT

private slots:
    void emptyContextIsFine();
    void showsAllQuantitiesOfTheCell();
    void valuesFollowTheCursor_data();
    void valuesFollowTheCursor();
    void beforeTheFirstStep();
    void maskedStepIsLabelled();
    void sampleChangeUpdates();
    void errorSnapshotShowsTheError();
    void columnsFitTheRowsInView();
    void columnsFitRowsRevealedByATallerView();
    void screenshot();
};

void TestInspectorView::emptyContextIsFine()
{
    ViewContext context;
    InspectorView view(&context);
    QCOMPARE(view.shownStep(), Index {-1});
    QVERIFY(std::isnan(view.value(0, QStringLiteral("h"))));
    QVERIFY(view.valueText(0, QStringLiteral("h")).isEmpty());
    context.setSnapshot(std::make_shared<RunSnapshot>());
    QVERIFY(view.headerText().contains(QStringLiteral("No recurrent layer")));
}

void TestInspectorView::showsAllQuantitiesOfTheCell()
{
    ViewContext context;
    InspectorView view(&context);
    context.setSnapshot(testing::lstmSnapshot());
    QCOMPARE(view.quantities(), (QStringList {"h", "c", "i", "f", "g", "o", "output"}));
    context.setStep(0);
    QCOMPARE(view.table()->model()->rowCount(), 4);
    QCOMPARE(view.table()->model()->columnCount(), 14);
}

void TestInspectorView::valuesFollowTheCursor_data()
{
    QTest::addColumn<int>("step");
    QTest::addColumn<QString>("quantity");
    for (int s = 0; s < 5; ++s) {
        for (const char* q : {"h", "c", "i", "g", "output"}) {
            QTest::addRow("step %d %s", s, q) << s << QString::fromLatin1(q);
        }
    }
}

void TestInspectorView::valuesFollowTheCursor()
{
    QFETCH(int, step);
    QFETCH(QString, quantity);
    const SnapshotPtr snap = testing::lstmSnapshot();
    ViewContext context;
    InspectorView view(&context);
    context.setSnapshot(snap);
    context.setSample(2);
    context.setStep(step);
    QCOMPARE(view.shownStep(), Index {step});

    const LayerTrace& layer = snap->trace.layers.front();
    const CellTrace& cell = layer.cells.front();
    const TraceSeries* series = nullptr;
    Index first = 0;
    if (quantity == QLatin1String("h")) {
        series = &cell.states[0];
    } else if (quantity == QLatin1String("c")) {
        series = &cell.states[1];
    } else if (quantity == QLatin1String("output")) {
        series = &layer.output;
    } else {
        series = &cell.gates.front();
        first = quantity == QLatin1String("i") ? 0 : 2 * 4; // i f c o, 4 units each; "g" is the recorded "c"
    }
    for (int u = 0; u < 4; ++u) {
        const double expected = series->at(step, 2, first + u);
        QCOMPARE(view.value(u, quantity), expected);
        QCOMPARE(view.valueText(u, quantity), QString::number(expected, 'g', 4));
        if (step == 0) {
            QVERIFY(std::isnan(view.delta(u, quantity)));
        } else {
            QCOMPARE(view.delta(u, quantity), expected - double(series->at(step - 1, 2, first + u)));
        }
    }
}

void TestInspectorView::beforeTheFirstStep()
{
    ViewContext context;
    InspectorView view(&context);
    context.setSnapshot(testing::lstmSnapshot());
    context.setStep(3);
    context.setStep(-1);
    QCOMPARE(view.shownStep(), Index {-1});
    QVERIFY(view.headerText().contains(QStringLiteral("Before the first step")));
    QCOMPARE(view.table()->model()->rowCount(), 0);
    QVERIFY(std::isnan(view.value(0, QStringLiteral("h"))));
}

void TestInspectorView::maskedStepIsLabelled()
{
    ViewContext context;
    InspectorView view(&context);
    context.setSnapshot(testing::lstmSnapshot());
    context.setSample(1);
    context.setStep(2);
    QVERIFY(view.headerText().contains(QStringLiteral("step 2 (t = 2), sample 1")));
    QVERIFY(!view.headerText().contains(QStringLiteral("masked")));
    context.setStep(3);
    QVERIFY(view.headerText().contains(QStringLiteral("masked")));
    // A masked step holds the states: no change since the previous step.
    QCOMPARE(view.delta(0, QStringLiteral("h")), 0.0);
    context.setSample(0);
    QVERIFY(!view.headerText().contains(QStringLiteral("masked")));
}

void TestInspectorView::sampleChangeUpdates()
{
    const SnapshotPtr snap = testing::lstmSnapshot();
    ViewContext context;
    InspectorView view(&context);
    context.setSnapshot(snap);
    context.setStep(4);
    context.setSample(0);
    const double a = view.value(1, QStringLiteral("c"));
    context.setSample(2);
    QCOMPARE(view.value(1, QStringLiteral("c")), double(snap->trace.layers[0].cells[0].states[1].at(4, 2, 1)));
    QVERIFY(a != view.value(1, QStringLiteral("c")));
}

void TestInspectorView::errorSnapshotShowsTheError()
{
    ViewContext context;
    InspectorView view(&context);
    context.setSnapshot(testing::lstmSnapshot());
    context.setStep(1);
    context.setSnapshot(testing::errorSnapshot());
    QVERIFY(view.headerText().contains(QStringLiteral("expected 4 features")));
    QCOMPARE(view.quantities(), QStringList {});
}

namespace {

// The widest text among the rows now in the table's viewport, for one column.
int widestInView(const QTableView& table, int column)
{
    const auto* model = table.model();
    int widest = 0;
    const int top = table.rowAt(0);
    const int bottom = table.rowAt(table.viewport()->height() - 1);
    for (int r = top; r <= (bottom < 0 ? model->rowCount() - 1 : bottom); ++r) {
        widest = std::max(widest, table.sizeHintForIndex(model->index(r, column)).width());
    }
    return widest;
}

// Shows a 64-unit LSTM's step 3 in a view of the given height; few of the units are then in view.
std::unique_ptr<InspectorView> shownLstm(ViewContext& context, int height)
{
    auto view = std::make_unique<InspectorView>(&context);
    view->resize(700, height);
    auto cell = std::make_unique<LstmCell>(
        2, 64, Activation(ActivationKind::Tanh), Activation(ActivationKind::Sigmoid), true);
    testing::randomizeWeights(*cell, 13);
    view->show();
    if (!QTest::qWaitForWindowExposed(view.get())) {
        return nullptr;
    }
    context.setSnapshot(testing::runLayer(std::move(cell), "lstm", "LSTM", testing::randomTensor({2, 6, 2}, 7)));
    context.setStep(3);
    QCoreApplication::processEvents(); // the table lays out its rows and scroll range
    return view;
}

} // namespace

// Columns are as wide as the widest text among the rows in view (not every unit's: measuring those took 14 ms of a
// toggle), and a row scrolled into view widens its column when its text needs it.
void TestInspectorView::columnsFitTheRowsInView()
{
    ViewContext context;
    const auto view = shownLstm(context, 260); // about 8 of the 64 units in view
    QVERIFY(view);
    QTableView* table = view->table();
    const auto* model = table->model();
    QVERIFY(table->rowAt(table->viewport()->height() - 1) < 40); // the lower rows are out of view
    int grown = 0;
    QList<int> before;
    for (int c = 0; c < model->columnCount(); ++c) {
        QVERIFY2(table->columnWidth(c) >= widestInView(*table, c), qPrintable(QStringLiteral("column %1").arg(c)));
        before.push_back(table->columnWidth(c));
    }
    for (int value = 0; value <= table->verticalScrollBar()->maximum(); value += 4) {
        table->verticalScrollBar()->setValue(value);
        for (int c = 0; c < model->columnCount(); ++c) {
            QVERIFY2(table->columnWidth(c) >= widestInView(*table, c),
                qPrintable(QStringLiteral("column %1 at scroll %2").arg(c).arg(value)));
        }
    }
    for (int c = 0; c < model->columnCount(); ++c) {
        grown += table->columnWidth(c) > before[c] ? 1 : 0;
    }
    QVERIFY(grown > 0); // some lower row was wider than those first in view: the check above saw a real widening
}

// A view made taller shows rows that were out of view without scrolling (the scroll bar's range changes, its value
// does not); their columns widen to fit them too.
void TestInspectorView::columnsFitRowsRevealedByATallerView()
{
    ViewContext context;
    const auto view = shownLstm(context, 260);
    QVERIFY(view);
    QTableView* table = view->table();
    const auto* model = table->model();
    QList<int> before;
    for (int c = 0; c < model->columnCount(); ++c) {
        before.push_back(table->columnWidth(c));
    }
    view->resize(700, 2400); // every unit in view
    QCoreApplication::processEvents();
    QCOMPARE(table->verticalScrollBar()->value(), 0);
    QVERIFY(table->rowAt(table->viewport()->height() - 1) < 0); // the last row is in view, with room below it
    int grown = 0;
    for (int c = 0; c < model->columnCount(); ++c) {
        QVERIFY2(table->columnWidth(c) >= widestInView(*table, c), qPrintable(QStringLiteral("column %1").arg(c)));
        grown += table->columnWidth(c) > before[c] ? 1 : 0;
    }
    QVERIFY(grown > 0); // a revealed row was wider than those first in view
}

void TestInspectorView::screenshot()
{
    ViewContext context;
    InspectorView view(&context);
    view.resize(620, 260);
    context.setSnapshot(testing::lstmSnapshot());
    context.setSample(1);
    context.setStep(3);
    context.setSelectedUnits({2});
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    testing::grab(view, QStringLiteral("inspector"));
    view.setPalette(testing::darkPalette());
    testing::grab(view, QStringLiteral("inspector_dark"));
}

QTEST_MAIN(TestInspectorView)
#include "tst_inspector_view.moc"
