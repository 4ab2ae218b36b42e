// The debugger window end to end, offscreen: the bundled example opens and steps, live options re-run and revert,
// mask edits hold the states, bad files are reported without blocking, and the layout and recent files persist.

#include <fstream>

#include <nlohmann/json.hpp>

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QMessageBox>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "app/gui/debug_session.h"
#include "app/gui/layer_options_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/shortcuts_dialog.h"
#include "app/gui/step_controls.h"
#include "tests/cli/cli_fixture.h"
#include "widgets/heatmap_view.h"
#include "widgets/inspector_view.h"
#include "widgets/mask_strip.h"
#include "widgets/series.h"
#include "widgets/view_context.h"

using namespace rnnscope;
using app::MainWindow;

namespace {

const QString kExampleModel = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/bracket_depth.h5");
const QString kExampleInput = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/bracket_depth_input.npy");

// Waits until the session has nothing under way and the views hold a snapshot newer than `after`.
bool waitForRun(MainWindow& w, std::uint64_t after = 0)
{
    return QTest::qWaitFor(
        [&] {
            return w.viewContext()->snapshot() && w.viewContext()->snapshot()->generation > after
                && !w.session()->busy();
        },
        30000);
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void opensExampleAndSteps();
    void goBackwardsReversesTheInputSeries();
    void maskToggleHoldsStates();
    void malformedFileIsReportedAndWindowKeepsWorking();
    void breakingOptionIsShownInPlaceAndReverts();
    void shortcutsAreListed();
    void layoutAndRecentFilesPersist();
    void probeReplacesInput();
};

void TestMainWindow::initTestCase()
{
    // Settings go to a throwaway test location, never the user's.
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("RNNScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
    QSettings().clear();
}

void TestMainWindow::opensExampleAndSteps()
{
    MainWindow w(kExampleModel, kExampleInput);
    w.show();
    QVERIFY(waitForRun(w));
    QVERIFY2(w.viewContext()->snapshot()->error.empty(), w.viewContext()->snapshot()->error.c_str());
    QCOMPARE(w.viewContext()->step(), Index {-1});
    for (int i = 0; i < 5; ++i) {
        w.stepControls()->stepForwardAction()->trigger();
    }
    QCOMPARE(w.viewContext()->step(), Index {4});
    QCOMPARE(w.heatmap()->cursorPosition(), 4.0);
    QCOMPARE(w.inspector()->shownStep(), Index {4});
    w.stepControls()->stepBackAction()->trigger();
    QCOMPARE(w.viewContext()->step(), Index {3});
    w.stepControls()->runToEndAction()->trigger();
    QCOMPARE(w.viewContext()->step(), w.viewContext()->steps() - 1);
    w.stepControls()->resetAction()->trigger();
    QCOMPARE(w.viewContext()->step(), Index {-1});
    QVERIFY(w.windowTitle().contains(QStringLiteral("bracket_depth.h5")));
}

void TestMainWindow::goBackwardsReversesTheInputSeries()
{
    MainWindow w(kExampleModel, kExampleInput);
    QVERIFY(waitForRun(w));
    // The series picker offers the layer's input; choose it as a user would.
    QComboBox* picker = w.seriesPicker();
    const auto all = widgets::listSeries(*w.viewContext()->snapshot());
    QCOMPARE(picker->count(), static_cast<int>(all.size()));
    int inputIndex = -1;
    for (int i = 0; i < all.size(); ++i) {
        if (all[i].first.kind == widgets::SeriesKind::Input && all[i].first.layer == 0) {
            inputIndex = i;
        }
    }
    QVERIFY(inputIndex >= 0);
    picker->setCurrentIndex(inputIndex);
    emit picker->activated(inputIndex);
    QVERIFY(w.viewContext()->selection().kind == widgets::SeriesKind::Input);
    w.stepControls()->runToEndAction()->trigger();
    const int steps = w.heatmap()->shownSteps();
    const int units = w.heatmap()->shownUnits();
    QVERIFY(steps > 2);
    QVERIFY(units > 0);
    std::vector<float> before;
    for (int u = 0; u < units; ++u) {
        for (int s = 0; s < steps; ++s) {
            before.push_back(w.heatmap()->cellValue(u, s));
        }
    }
    const auto generation = w.viewContext()->snapshot()->generation;
    auto* box = w.findChild<QCheckBox*>(QStringLiteral("lstm/go_backwards"));
    QVERIFY(box);
    QVERIFY(!box->isChecked());
    box->click();
    QVERIFY(waitForRun(w, generation));
    QVERIFY(box->isChecked());
    QVERIFY(w.viewContext()->selection().kind == widgets::SeriesKind::Input); // the picker's choice survives
    QCOMPARE(w.heatmap()->shownSteps(), steps);
    bool anyDifferent = false;
    for (int u = 0; u < units; ++u) {
        for (int s = 0; s < steps; ++s) {
            const float was = before[static_cast<std::size_t>(u * steps + (steps - 1 - s))];
            QCOMPARE(w.heatmap()->cellValue(u, s), was);
            anyDifferent
                = anyDifferent || w.heatmap()->cellValue(u, s) != before[static_cast<std::size_t>(u * steps + s)];
        }
    }
    QVERIFY2(anyDifferent, "the input is a palindrome: the test proves nothing");
}

void TestMainWindow::maskToggleHoldsStates()
{
    MainWindow w(kExampleModel, kExampleInput);
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(waitForRun(w));
    const Index sample = 1;
    const Index time = 3;
    const auto generation = w.viewContext()->snapshot()->generation;
    emit w.viewContext()->maskToggleRequested(sample, time);
    QVERIFY(waitForRun(w, generation));
    const SnapshotPtr snapshot = w.viewContext()->snapshot();
    QVERIFY(snapshot->mask.has_value());
    QVERIFY(!snapshot->mask->at(sample, time));
    QVERIFY(snapshot->mask->at(0, time)); // the other samples keep the step
    QVERIFY(!w.maskStrip()->cellKept(static_cast<int>(sample), static_cast<int>(time)));
    const LayerTrace& lstm = snapshot->trace.layers.at(0);
    QVERIFY(lstm.stepMasked(time, sample));
    for (const TraceSeries& state : lstm.cells.at(0).states) {
        for (Index u = 0; u < state.width(); ++u) {
            QCOMPARE(state.at(time, sample, u), state.at(time - 1, sample, u));
        }
    }
    // Clicking the strip's cell toggles it back.
    const QRect cell = w.maskStrip()->cellRect(static_cast<int>(sample), static_cast<int>(time));
    QVERIFY(!cell.isEmpty());
    const auto second = snapshot->generation;
    QTest::mouseClick(w.maskStrip(), Qt::LeftButton, {}, cell.center());
    QVERIFY(waitForRun(w, second));
    QVERIFY(w.viewContext()->snapshot()->mask->at(sample, time));
}

void TestMainWindow::malformedFileIsReportedAndWindowKeepsWorking()
{
    QTemporaryDir tmp;
    const QString bad = tmp.filePath(QStringLiteral("notes.h5"));
    std::ofstream(bad.toStdString()) << "this is not a model\n";
    MainWindow w(kExampleModel, kExampleInput);
    w.show();
    QVERIFY(waitForRun(w));
    QSignalSpy errors(&w, &MainWindow::errorShown);
    w.openModel(bad);
    QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, 30000);
    const QString message = errors.at(0).at(0).toString();
    QVERIFY2(message.contains(bad), qPrintable(message));
    QVERIFY2(w.statusText().contains(bad), qPrintable(w.statusText()));
    auto* box = w.findChild<QMessageBox*>(QStringLiteral("errorBox"));
    QVERIFY(box);
    QVERIFY(box->isVisible());
    QVERIFY(!box->isModal());
    QVERIFY(box->text().contains(QStringLiteral("notes.h5")));
    // The example is still open and still steps.
    QCOMPARE(w.session()->modelPath(), kExampleModel);
    w.stepControls()->stepForwardAction()->trigger();
    w.stepControls()->stepForwardAction()->trigger();
    QCOMPARE(w.viewContext()->step(), Index {1});
    // A sequence file that is not one is reported the same way.
    const QString badCsv = tmp.filePath(QStringLiteral("x.csv"));
    std::ofstream(badCsv.toStdString()) << "a,b\n1,2\n3\n";
    w.openSequences(badCsv);
    QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 2, 30000);
    QVERIFY2(
        errors.at(1).at(0).toString().contains(QStringLiteral("x.csv")), qPrintable(errors.at(1).at(0).toString()));
    w.stepControls()->stepForwardAction()->trigger();
    QCOMPARE(w.viewContext()->step(), Index {2});
}

void TestMainWindow::breakingOptionIsShownInPlaceAndReverts()
{
    // lstm -> lstm_1: with return_sequences off on the first, the second would get a rank-2 input.
    QTemporaryDir tmp;
    std::ifstream in(RNNSCOPE_TEST_DATA "/golden/lstm_stacked_layers.json");
    const auto golden = nlohmann::json::parse(in);
    const QString config = tmp.filePath(QStringLiteral("model.json"));
    testing::writeLegacyWeights(golden, tmp.filePath(QStringLiteral("weights.h5")).toStdString());
    testing::writeJson(golden.at("model_config"), config.toStdString());
    MainWindow w(config); // the weights beside the config are found; a probe stands in for data
    QVERIFY(waitForRun(w));
    QVERIFY2(w.viewContext()->snapshot()->error.empty(), w.viewContext()->snapshot()->error.c_str());
    const auto generation = w.viewContext()->snapshot()->generation;
    auto* box = w.findChild<QCheckBox*>(QStringLiteral("lstm/return_sequences"));
    QVERIFY(box);
    QVERIFY(box->isChecked());
    box->click();
    QVERIFY(box->isChecked()); // reverted
    auto* error = w.findChild<QLabel*>(QStringLiteral("lstm/error"));
    QVERIFY(error);
    QVERIFY(!error->isHidden());
    QVERIFY2(error->text().contains(QStringLiteral("return_sequences")), qPrintable(error->text()));
    QVERIFY2(w.statusText().contains(QStringLiteral("return_sequences")), qPrintable(w.statusText()));
    QVERIFY(w.session()->model()->findLayer("lstm"));
    QCOMPARE(
        app::DebugSession::optionValue(*w.session()->model()->findLayer("lstm"), QStringLiteral("return_sequences")),
        std::optional<bool>(true));
    QTest::qWait(50);
    QCOMPARE(w.viewContext()->snapshot()->generation, generation); // nothing re-ran
    // Still working: another option on the same layer applies and clears the message.
    auto* backwards = w.findChild<QCheckBox*>(QStringLiteral("lstm_1/go_backwards"));
    QVERIFY(backwards);
    backwards->click();
    QVERIFY(waitForRun(w, generation));
    QVERIFY(w.viewContext()->snapshot()->error.empty());
    w.stepControls()->stepForwardAction()->trigger();
    QCOMPARE(w.viewContext()->step(), Index {0});
}

void TestMainWindow::shortcutsAreListed()
{
    MainWindow w;
    app::ShortcutsDialog dialog(w.allActions());
    QVERIFY(dialog.rowCount() >= 10);
    QCOMPARE(w.stepControls()->stepForwardAction()->shortcut(), QKeySequence(Qt::Key_F10));
    QCOMPARE(w.stepControls()->stepBackAction()->shortcut(), QKeySequence(Qt::SHIFT | Qt::Key_F10));
    QCOMPARE(w.stepControls()->runToEndAction()->shortcut(), QKeySequence(Qt::Key_F5));
    QCOMPARE(w.stepControls()->goToStepAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_G));
    QCOMPARE(w.stepControls()->resetAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_R));
}

void TestMainWindow::layoutAndRecentFilesPersist()
{
    QSettings().clear();
    {
        MainWindow w(kExampleModel, kExampleInput);
        w.show();
        QVERIFY(waitForRun(w));
        w.close();
    }
    QSettings settings;
    QVERIFY(settings.value(QStringLiteral("recentFiles")).toStringList().contains(kExampleModel));
    QVERIFY(!settings.value(QStringLiteral("window/state")).toByteArray().isEmpty());
    QVERIFY(settings.fileName().contains(QStringLiteral("qttest"))); // never the user's own settings
}

void TestMainWindow::probeReplacesInput()
{
    MainWindow w(kExampleModel, kExampleInput);
    QVERIFY(waitForRun(w));
    const auto generation = w.viewContext()->snapshot()->generation;
    app::ProbeSpec probe;
    probe.kind = app::ProbeKind::Impulse;
    probe.batch = 2;
    probe.steps = 17;
    probe.features = 4;
    probe.onset = 5;
    w.session()->useProbe(probe);
    QVERIFY(waitForRun(w, generation));
    const auto& fed = w.viewContext()->snapshot()->inputs.at(0).second;
    QCOMPARE(fed.shape(), (Shape {2, 17, 4}));
    QCOMPARE(w.viewContext()->steps(), Index {17});
    QCOMPARE(fed.at(1, 5, 2), 1.0F);
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
