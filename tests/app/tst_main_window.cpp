// The debugger window end to end, offscreen: the bundled example opens and steps, live options re-run and revert,
// mask edits hold the states, bad files are reported without blocking, and the layout and recent files persist.

#include <fstream>

#include <nlohmann/json.hpp>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "app/gui/debug_session.h"
#include "app/gui/layer_options_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/shortcuts_dialog.h"
#include "app/gui/step_controls.h"
#include "app/gui/text_input_dialog.h"
#include "core/io/model_loader.h"
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

// Writes golden case `name`'s model config and weights into `dir`; returns the config's path.
QString writeGoldenModel(const nlohmann::json& golden, const QTemporaryDir& dir)
{
    const QString config = dir.filePath(QStringLiteral("model.json"));
    testing::writeLegacyWeights(golden, dir.filePath(QStringLiteral("weights.h5")).toStdString());
    testing::writeJson(golden.at("model_config"), config.toStdString());
    return config;
}

nlohmann::json readGolden(const char* file)
{
    std::ifstream in(std::string(RNNSCOPE_TEST_DATA "/golden/") + file);
    return nlohmann::json::parse(in);
}

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
    void statefulBatchesCarryStates();
    void batchOfAnotherShapeIsRefused();
    void textInputThroughVocabulary();
    void textInputDialogCollectsOptions();
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

void TestMainWindow::statefulBatchesCarryStates()
{
    // LSTM(stateful=True) with its batch fixed at 2: batch 2 must start from where batch 1 left the states, exactly
    // as two consecutive model.predict calls on one instance do.
    const auto golden = readGolden("lstm_stateful.json");
    QTemporaryDir tmp;
    const QString config = writeGoldenModel(golden, tmp);
    const Tensor x1 = testing::tensorFromJson(golden.at("calls")[0].at("inputs")[0]);
    const Tensor x2 = testing::tensorFromJson(golden.at("calls")[1].at("inputs")[0]);
    const QString batch1 = tmp.filePath(QStringLiteral("batch1.npy"));
    const QString batch2 = tmp.filePath(QStringLiteral("batch2.npy"));
    io::writeNpy(batch1.toStdString(), x1);
    io::writeNpy(batch2.toStdString(), x2);

    // Batch 2 alone: a fresh run from reset states.
    SnapshotPtr alone;
    {
        MainWindow w(config, batch2);
        QVERIFY(waitForRun(w));
        alone = w.viewContext()->snapshot();
        QVERIFY2(alone->error.empty(), alone->error.c_str());
        QCOMPARE(w.batchText(), QStringLiteral("batch 1/1"));
    }

    MainWindow w(config, batch1);
    QVERIFY(waitForRun(w));
    const auto generation = w.viewContext()->snapshot()->generation;
    w.session()->addBatch(batch2);
    QVERIFY(waitForRun(w, generation));
    QCOMPARE(w.session()->batchCount(), 2);
    QCOMPARE(w.session()->runSnapshots().size(), std::size_t {2});
    QCOMPARE(w.batchBox()->maximum(), 2);
    QCOMPARE(w.batchBox()->value(), 1); // batch 1 stays shown
    QCOMPARE(w.batchText(), QStringLiteral("batch 1/2"));
    QCOMPARE(w.viewContext()->snapshot()->inputs.at(0).second.at(0, 0, 0), x1.at(0, 0, 0));

    const auto shownGeneration = w.viewContext()->snapshot()->generation;
    w.batchBox()->setValue(2); // switches to the run's second call: nothing re-runs
    const SnapshotPtr second = w.viewContext()->snapshot();
    QCOMPARE(second->generation, shownGeneration);
    QCOMPARE(second->batch, std::size_t {1});
    QCOMPARE(w.batchText(), QStringLiteral("batch 2/2"));
    QVERIFY2(second->error.empty(), second->error.c_str());
    QCOMPARE(second->inputs.at(0).second.at(1, 2, 1), x2.at(1, 2, 1));

    // The engine directly: two predict calls on one fresh instance.
    io::LoadedModel loaded
        = io::loadModel(config.toStdString(), tmp.filePath(QStringLiteral("weights.h5")).toStdString());
    loaded.model->resetStates();
    loaded.model->predict({x1});
    ModelTrace direct;
    CallContext context;
    context.trace = &direct;
    const auto outputs = loaded.model->predict({x2}, {nullptr}, context);

    const TraceSeries& carried = second->trace.layers.at(0).cells.at(0).states.at(0);
    const TraceSeries& fresh = alone->trace.layers.at(0).cells.at(0).states.at(0);
    const TraceSeries& expected = direct.layers.at(0).cells.at(0).states.at(0);
    bool differs = false;
    for (Index b = 0; b < x2.dim(0); ++b) {
        for (Index u = 0; u < carried.width(); ++u) {
            QCOMPARE(carried.at(0, b, u), expected.at(0, b, u));
            differs = differs || std::abs(carried.at(0, b, u) - fresh.at(0, b, u)) > 1e-4F;
        }
    }
    QVERIFY2(differs, "batch 2's first step does not depend on batch 1: the states were not carried");
    // And the outputs are the golden case's second call, and the engine's.
    const Tensor& out = second->outputs.at(0).second;
    QCOMPARE(out.shape(), outputs.at(0).shape());
    const auto want = golden.at("calls")[1].at("outputs")[0].at("data").get<std::vector<double>>();
    for (Index i = 0; i < out.size(); ++i) {
        QCOMPARE(out.data()[i], outputs.at(0).data()[i]);
        QVERIFY(std::abs(out.data()[i] - want[static_cast<std::size_t>(i)]) < 1e-5);
    }

    // Back to batch 1, then to a single batch.
    w.batchBox()->setValue(1);
    QCOMPARE(w.viewContext()->snapshot()->batch, std::size_t {0});
    w.session()->clearExtraBatches();
    QVERIFY(waitForRun(w, shownGeneration));
    QCOMPARE(w.session()->batchCount(), 1);
    QCOMPARE(w.batchText(), QStringLiteral("batch 1/1"));
    QCOMPARE(w.batchBox()->maximum(), 1);
}

void TestMainWindow::batchOfAnotherShapeIsRefused()
{
    const auto golden = readGolden("lstm_stateful.json");
    QTemporaryDir tmp;
    const QString config = writeGoldenModel(golden, tmp);
    MainWindow w(config);
    QVERIFY(waitForRun(w));
    QSignalSpy errors(&w, &MainWindow::errorShown);
    const QString odd = tmp.filePath(QStringLiteral("odd.npy"));
    io::writeNpy(odd.toStdString(), Tensor({2, 5, 3}, 0.5F)); // 5 steps where the first batch has 4
    w.session()->addBatch(odd);
    QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, 30000);
    QVERIFY2(
        errors.at(0).at(0).toString().contains(QStringLiteral("odd.npy")), qPrintable(errors.at(0).at(0).toString()));
    QCOMPARE(w.session()->batchCount(), 1);
    QVERIFY(!w.session()->busy());
}

void TestMainWindow::textInputThroughVocabulary()
{
    // The golden Embedding(mask_zero) -> LSTM case's ids, spelled as words through a vocabulary (as tst_cli does).
    const auto golden = readGolden("embedding_mask_zero_lstm_seq.json");
    const Tensor ids = testing::tensorFromJson(golden.at("calls")[0].at("inputs")[0]);
    QTemporaryDir tmp;
    const QString config = writeGoldenModel(golden, tmp);
    auto token = [](int id) { return id == 0 ? std::string("<pad>") : "W" + std::to_string(id); };
    nlohmann::json vocab = nlohmann::json::object();
    for (int id = 0; id < 11; ++id) {
        vocab[id == 0 ? token(0) : "w" + std::to_string(id)] = id; // lowercase in the vocabulary
    }
    vocab["<unk>"] = 11;
    const QString vocabFile = tmp.filePath(QStringLiteral("vocab.json"));
    testing::writeJson(vocab, vocabFile.toStdString());
    const QString textFile = tmp.filePath(QStringLiteral("text.txt"));
    {
        std::ofstream text(textFile.toStdString());
        for (Index b = 0; b < ids.dim(0); ++b) {
            Index length = ids.dim(1);
            while (length > 0 && ids.at(b, length - 1) == 0.0F) {
                --length;
            }
            for (Index t = 0; t < length; ++t) {
                text << (t > 0 ? " " : "") << token(static_cast<int>(ids.at(b, t)));
            }
            text << "\n";
        }
    }
    MainWindow w(config);
    QVERIFY(waitForRun(w));
    auto generation = w.viewContext()->snapshot()->generation;
    io::SequenceOptions options;
    options.vocabFile = vocabFile.toStdString();
    options.tokens = io::TokenMode::Words;
    options.lower = true; // "W8" -> "w8"
    options.padSide = io::PadSide::Post;
    w.session()->openSequences(QStringLiteral("text:") + textFile, options);
    QVERIFY(waitForRun(w, generation));
    const SnapshotPtr snapshot = w.viewContext()->snapshot();
    QVERIFY2(snapshot->error.empty(), snapshot->error.c_str());
    const Tensor& fed = snapshot->inputs.at(0).second;
    QCOMPARE(fed.shape(), ids.shape());
    for (Index i = 0; i < ids.size(); ++i) {
        QCOMPARE(fed.data()[i], ids.data()[i]);
    }
    const auto want = golden.at("calls")[0].at("outputs")[0].at("data").get<std::vector<double>>();
    const Tensor& out = snapshot->outputs.at(0).second;
    for (Index i = 0; i < out.size(); ++i) {
        QVERIFY(std::abs(out.data()[i] - want[static_cast<std::size_t>(i)]) < 1e-5);
    }

    // Without lowercasing, "W8" is not in the vocabulary: an error naming the file, unless an OOV id is given.
    QSignalSpy errors(&w, &MainWindow::errorShown);
    options.lower = false;
    w.session()->openSequences(QStringLiteral("text:") + textFile, options);
    QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, 30000);
    QVERIFY2(
        errors.at(0).at(0).toString().contains(QStringLiteral("text.txt")), qPrintable(errors.at(0).at(0).toString()));
    generation = w.viewContext()->snapshot()->generation;
    options.oovId = 11;
    w.session()->openSequences(QStringLiteral("text:") + textFile, options);
    QVERIFY(waitForRun(w, generation));
    QCOMPARE(w.viewContext()->snapshot()->inputs.at(0).second.at(0, 0), 11.0F);
    QCOMPARE(w.viewContext()->snapshot()->inputs.at(0).second.at(0, 5), 0.0F); // padding is still id 0
}

void TestMainWindow::textInputDialogCollectsOptions()
{
    MainWindow w;
    app::TextInputDialog* dialog = w.openTextInput(QStringLiteral("/no/such/text.txt"));
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QVERIFY(!dialog->buttons()->button(QDialogButtonBox::Ok)->isEnabled()); // no vocabulary yet
    QCOMPARE(dialog->options().vocabFile, std::optional<std::string>());
    dialog->setVocabularyFile(QStringLiteral("/tmp/v.json"));
    QVERIFY(dialog->buttons()->button(QDialogButtonBox::Ok)->isEnabled());
    dialog->tokensBox()->setCurrentIndex(1);
    dialog->lowerBox()->setChecked(true);
    dialog->padSideBox()->setCurrentIndex(1);
    dialog->oovBox()->setValue(3);
    const io::SequenceOptions o = dialog->options();
    QCOMPARE(o.vocabFile, std::optional<std::string>("/tmp/v.json"));
    QVERIFY(o.tokens == io::TokenMode::Chars);
    QVERIFY(o.lower);
    QVERIFY(o.padSide == io::PadSide::Post);
    QCOMPARE(o.oovId, std::optional<std::int64_t>(3));
    dialog->oovBox()->setValue(-1);
    QVERIFY(!dialog->options().oovId);
    // Accepting with no model open reports the error like any other input error.
    QSignalSpy errors(&w, &MainWindow::errorShown);
    w.setErrorPresenter({});
    dialog->accept();
    QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, 30000);
    QVERIFY2(
        errors.at(0).at(0).toString().contains(QStringLiteral("text.txt")), qPrintable(errors.at(0).at(0).toString()));
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
