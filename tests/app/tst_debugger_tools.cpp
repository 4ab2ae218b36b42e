// The debugger's power tools in the window, offscreen: a breakpoint stops Run (F5) at the right step, a what-if
// edit changes exactly the steps after it, the difference of identical runs is zero, and a session round-trips
// (also after its folder moved, and asking where a lost file went).

#include <algorithm>
#include <cmath>
#include <limits>

#include <QDir>
#include <QFile>
#include <QImage>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>

#include "app/gui/breakpoint_controller.h"
#include "app/gui/debug_session.h"
#include "app/gui/export_controller.h"
#include "app/gui/main_window.h"
#include "app/gui/memory_budget_setting.h"
#include "app/gui/session_controller.h"
#include "app/gui/step_controls.h"
#include "app/gui/what_if_controller.h"
#include "core/io/npy.h"
#include "core/io/session_file.h"
#include "core/io/trace_reader.h"
#include "core/memory_budget.h"
#include "core/model_spec.h"
#include "tests/support/window_wait.h"
#include "widgets/heatmap_view.h"
#include "widgets/inspector_view.h"
#include "widgets/series.h"
#include "widgets/unit_traces_view.h"
#include "widgets/view_context.h"
#include "widgets/weights_view.h"

using namespace rnnscope;
using app::MainWindow;

namespace {

const QString kExampleModel = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/bracket_depth.h5");
const QString kExampleInput = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/bracket_depth_input.npy");
// Two Bidirectional LSTMs with a RepeatVector between them (DL4J's test file, written by Keras 2.2.4).
const QString kTwoLayerModel = QStringLiteral(RNNSCOPE_SHARED_DIR "/real-models/dl4j_tfk224_bilstm_relu_repeat.h5");

using rnnscope::testing::generation;
using rnnscope::testing::waitForRun;

widgets::SeriesRef stateRef(const QString& name)
{
    widgets::SeriesRef ref;
    ref.kind = widgets::SeriesKind::State;
    ref.name = name;
    return ref;
}

// Every recorded series of layer 0's cell 0: states, the gates block, the output.
std::vector<const TraceSeries*> allSeries(const RunSnapshot& s)
{
    std::vector<const TraceSeries*> out;
    const LayerTrace& layer = s.trace.layers.at(0);
    for (const auto& st : layer.cells.at(0).states) {
        out.push_back(&st);
    }
    for (const auto& g : layer.cells.at(0).gates) {
        out.push_back(&g);
    }
    out.push_back(&layer.output);
    return out;
}

} // namespace

class TestDebuggerTools : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cancelStopsALongRun();
    void nanRunsToTheEndAndIsMarked();
    void breakpointStopsRunAtTheRightStep_data();
    void breakpointStopsRunAtTheRightStep();
    void nanBreakpointStopsWhereNaNAppears();
    void whatIfEditChangesExactlyTheStepsAfterIt_data();
    void whatIfEditChangesExactlyTheStepsAfterIt();
    void whatIfVectorFromTextAndBadInput();
    void differenceOfIdenticalRunsIsZero();
    void differenceShowsAMaskEditFromItsStepOn();
    void sessionRoundTrips();
    void inspectorCopiesTheValuesAtTheCursor();
    void weightsDockShowsTheModelsKernels();
    void allViewsExportAsValidFiles_data();
    void allViewsExportAsValidFiles();
    void traceExportOfVisibleStepsAndChosenSamples();
    void movedSessionFolderStillOpens();
    void builtModelRunsSavesAndReopens_data();
    void builtModelRunsSavesAndReopens();
    void lostFileIsAskedFor();
    void otherWeightsShowAgainstTheBaseline();
    void recordMenuNarrowsWhatRunsRecord();
    void recordMenuChoosesLayersAndSessionsKeepThem();
    void memoryBudgetIsASetting();
};

void TestDebuggerTools::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("RNNScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_debugger_tools"));
}

void TestDebuggerTools::breakpointStopsRunAtTheRightStep_data()
{
    QTest::addColumn<int>("kind"); // BreakKind
    QTest::addColumn<double>("threshold");
    QTest::addColumn<int>("unit");
    QTest::newRow("at step 7") << static_cast<int>(BreakKind::AtStep) << 0.0 << -1;
    QTest::newRow("c unit 14 crosses 1 upward") << static_cast<int>(BreakKind::Threshold) << 1.0 << 14;
    QTest::newRow("any c unit crosses 0.5") << static_cast<int>(BreakKind::Threshold) << 0.5 << -1;
}

void TestDebuggerTools::breakpointStopsRunAtTheRightStep()
{
    QFETCH(int, kind);
    QFETCH(double, threshold);
    QFETCH(int, unit);
    MainWindow w(kExampleModel, kExampleInput);
    QVERIFY(waitForRun(w));
    const RunSnapshot& run = *w.viewContext()->currentSnapshot();
    const TraceSeries& c = run.trace.layers.at(0).cells.at(0).states.at(1);
    QCOMPARE(QString::fromStdString(c.name()), QStringLiteral("c"));

    Breakpoint b;
    b.kind = static_cast<BreakKind>(kind);
    b.step = 7;
    b.series.name = "c";
    b.threshold = threshold;
    b.crossing = CrossingDirection::Upward;
    if (unit >= 0) {
        b.unit = unit;
    }
    w.breakpoints()->add(b);

    // The expected stop, by brute force over the trace: the first step s>0 where some (sample, unit) goes from
    // below the threshold to at-or-above it (the example has no mask). The view then shows that sample.
    Index wantStep = -1;
    Index wantSample = -1;
    if (b.kind == BreakKind::AtStep) {
        wantStep = 7;
    } else {
        for (Index s = 1; s < c.steps() && wantStep < 0; ++s) {
            for (Index smp = 0; smp < c.batch() && wantStep < 0; ++smp) {
                for (Index u = 0; u < c.width(); ++u) {
                    if ((unit < 0 || u == unit) && c.at(s - 1, smp, u) < threshold && c.at(s, smp, u) >= threshold) {
                        wantStep = s;
                        wantSample = smp;
                        break;
                    }
                }
            }
        }
    }
    QVERIFY2(wantStep > 0, "the example never crosses the threshold: pick another");
    w.stepControls()->runToEndAction()->trigger(); // F5
    QCOMPARE(w.viewContext()->step(), wantStep);
    if (wantSample >= 0) {
        QCOMPARE(w.viewContext()->sample(), wantSample);
    }
    QVERIFY2(w.statusText().startsWith(QStringLiteral("Stopped: ")), qPrintable(w.statusText()));
    // Disabled, Run goes to the end.
    w.breakpoints()->setEnabled(w.breakpoints()->breakpoints().front().id, false);
    w.stepControls()->resetAction()->trigger();
    QVERIFY(waitForRun(w));
    w.stepControls()->runToEndAction()->trigger();
    QCOMPARE(w.viewContext()->step(), w.viewContext()->steps() - 1);
}

void TestDebuggerTools::nanBreakpointStopsWhereNaNAppears()
{
    // An input with NaN at timestep 9 of sample 2: the states become NaN from step 9 on.
    QTemporaryDir dir;
    Tensor x = io::toTensor(io::readNpy(kExampleInput.toStdString()), kExampleInput.toStdString());
    QVERIFY(x.rank() == 3 && x.dim(0) > 2 && x.dim(1) > 12);
    for (Index f = 0; f < x.dim(2); ++f) {
        x.at(2, 9, f) = std::numeric_limits<float>::quiet_NaN();
    }
    const QString nanInput = dir.filePath(QStringLiteral("nan.npy"));
    io::writeNpy(nanInput.toStdString(), x);
    MainWindow w(kExampleModel, nanInput);
    QVERIFY(waitForRun(w));
    Breakpoint b;
    b.kind = BreakKind::NonFinite;
    w.breakpoints()->add(b);
    w.stepControls()->runToEndAction()->trigger();
    QCOMPARE(w.viewContext()->step(), Index {9});
    QCOMPARE(w.viewContext()->sample(), Index {2});
    // Running on does not stop again at every later NaN step.
    w.stepControls()->runToEndAction()->trigger();
    QCOMPARE(w.viewContext()->step(), w.viewContext()->steps() - 1);
}

void TestDebuggerTools::whatIfEditChangesExactlyTheStepsAfterIt_data()
{
    QTest::addColumn<QString>("state");
    QTest::addColumn<int>("step");
    QTest::addColumn<int>("unit");
    QTest::newRow("c[14] after step 10") << QStringLiteral("c") << 10 << 14;
    QTest::newRow("h[3] after step 0") << QStringLiteral("h") << 0 << 3;
    QTest::newRow("c[0] after step 30") << QStringLiteral("c") << 30 << 0;
}

void TestDebuggerTools::whatIfEditChangesExactlyTheStepsAfterIt()
{
    QFETCH(QString, state);
    QFETCH(int, step);
    QFETCH(int, unit);
    MainWindow w(kExampleModel, kExampleInput);
    QVERIFY(waitForRun(w));
    widgets::ViewContext* ctx = w.viewContext();
    ctx->setSelection(stateRef(state));
    ctx->setSample(1);
    ctx->setStep(step);
    const SnapshotPtr before = ctx->currentSnapshot();
    const auto g = generation(w);
    QCOMPARE(w.whatIf()->setUnitValue(unit, 2.5F), QString());
    QVERIFY(waitForRun(w, g));
    const SnapshotPtr after = ctx->currentSnapshot();
    QVERIFY2(after->error.empty(), after->error.c_str());
    QCOMPARE(ctx->baseline(), before); // the run before the first edit is pinned for comparison

    const auto a = allSeries(*before);
    const auto b = allSeries(*after);
    const std::size_t stateIndex = state == QLatin1String("h") ? 0 : 1;
    bool laterChanged = false;
    for (std::size_t k = 0; k < a.size(); ++k) {
        for (Index s = 0; s < a[k]->steps(); ++s) {
            for (Index smp = 0; smp < a[k]->batch(); ++smp) {
                for (Index u = 0; u < a[k]->width(); ++u) {
                    const float va = a[k]->at(s, smp, u);
                    const float vb = b[k]->at(s, smp, u);
                    if (k == stateIndex && s == step && smp == 1 && u == unit) {
                        QCOMPARE(vb, 2.5F); // the view shows the value where it was set
                    } else if (s <= step || smp != 1) {
                        if (va != vb) {
                            QFAIL(qPrintable(QStringLiteral("series %1 changed at step %2, sample %3, unit %4")
                                                 .arg(k)
                                                 .arg(s)
                                                 .arg(smp)
                                                 .arg(u)));
                        }
                    } else if (va != vb) {
                        laterChanged = true;
                    }
                }
            }
        }
    }
    QVERIFY(laterChanged);
    // The traces view draws the run before the edit dashed beside each unit.
    const auto* traces = w.findChild<widgets::UnitTracesView*>();
    QVERIFY(traces != nullptr);
    QVERIFY(traces->baselineGraphCount() > 0);
    // Removing the edit gives back the original run.
    const auto g2 = generation(w);
    w.session()->clearWhatIfEdits();
    QVERIFY(waitForRun(w, g2));
    const auto c = allSeries(*ctx->currentSnapshot());
    for (std::size_t k = 0; k < a.size(); ++k) {
        QVERIFY(std::ranges::equal(c[k]->values(), a[k]->values()));
    }
}

void TestDebuggerTools::whatIfVectorFromTextAndBadInput()
{
    MainWindow w(kExampleModel, kExampleInput);
    w.setErrorPresenter([](const QString&) {});
    QVERIFY(waitForRun(w));
    widgets::ViewContext* ctx = w.viewContext();
    ctx->setSelection(stateRef(QStringLiteral("h")));
    // Not at a step yet.
    QVERIFY(!w.whatIf()->setUnitValue(0, 1.0F).isEmpty());
    ctx->setStep(5);
    const Index units = ctx->selectedSeries()->units;
    QString text;
    for (Index u = 0; u < units; ++u) {
        text += QStringLiteral("%1, ").arg(0.01 * static_cast<double>(u));
    }
    QVERIFY(w.whatIf()->setVectorFromText(QStringLiteral("1 2 3")).contains(QStringLiteral("3 values")));
    QVERIFY(w.whatIf()->setVectorFromText(QStringLiteral("1 two")).contains(QStringLiteral("two")));
    const auto g = generation(w);
    QCOMPARE(w.whatIf()->setVectorFromText(QStringLiteral("[") + text + QStringLiteral("]")), QString());
    QVERIFY(waitForRun(w, g));
    const TraceSeries& h = ctx->currentSnapshot()->trace.layers.at(0).cells.at(0).states.at(0);
    for (Index u = 0; u < units; ++u) {
        QCOMPARE(h.at(5, 0, u), static_cast<float>(0.01 * static_cast<double>(u)));
    }
    QCOMPARE(w.session()->whatIfEdits().size(), std::size_t {1});
    // From a .npy file: (units,) is taken, another shape is refused naming the file.
    QTemporaryDir dir;
    const QString good = dir.filePath(QStringLiteral("h.npy"));
    const QString bad = dir.filePath(QStringLiteral("bad.npy"));
    Tensor vector({units});
    for (Index u = 0; u < units; ++u) {
        vector.data()[u] = -0.5F + 0.03F * static_cast<float>(u);
    }
    io::writeNpy(good.toStdString(), vector);
    io::writeNpy(bad.toStdString(), Tensor({2, units}));
    QVERIFY(w.whatIf()->setVectorFromFile(bad).contains(bad));
    ctx->setStep(9);
    const auto g2 = generation(w);
    QCOMPARE(w.whatIf()->setVectorFromFile(good), QString());
    QVERIFY(waitForRun(w, g2));
    const TraceSeries& h2 = ctx->currentSnapshot()->trace.layers.at(0).cells.at(0).states.at(0);
    for (Index u = 0; u < units; ++u) {
        QCOMPARE(h2.at(9, 0, u), vector.data()[u]);
        QCOMPARE(h2.at(5, 0, u), static_cast<float>(0.01 * static_cast<double>(u))); // the first edit still holds
    }
    // A gate is not a state: refused with a reason.
    widgets::SeriesRef gate;
    gate.kind = widgets::SeriesKind::Gate;
    gate.name = QStringLiteral("f");
    ctx->setSelection(gate);
    QVERIFY(w.whatIf()->setUnitValue(0, 1.0F).contains(QStringLiteral("state")));
}

void TestDebuggerTools::differenceOfIdenticalRunsIsZero()
{
    MainWindow w(kExampleModel, kExampleInput);
    QVERIFY(waitForRun(w));
    w.pinBaseline();
    const auto g = generation(w);
    w.session()->rerun();
    QVERIFY(waitForRun(w, g));
    QVERIFY(w.viewContext()->currentSnapshot() != w.viewContext()->baseline());
    w.viewContext()->setDisplayMode(widgets::DisplayMode::Difference);
    const RunSnapshot& shown = *w.viewContext()->snapshot();
    QVERIFY2(shown.error.empty(), shown.error.c_str());
    QCOMPARE(shown.viewLabel, std::string("− baseline"));
    for (const auto* series : allSeries(shown)) {
        for (float v : series->values()) {
            QCOMPARE(v, 0.0F);
        }
    }
    for (const auto& [name, out] : shown.outputs) {
        for (Index i = 0; i < out.size(); ++i) {
            QCOMPARE(out.data()[i], 0.0F);
        }
    }
    // The heatmap draws the difference too.
    widgets::HeatmapView* heat = w.heatmap();
    w.viewContext()->setStep(w.viewContext()->steps() - 1);
    for (int s = 0; s < static_cast<int>(w.viewContext()->steps()); s += 7) {
        QCOMPARE(heat->cellValue(0, s), 0.0F);
    }
    QVERIFY(
        w.findChild<QLabel*>(QStringLiteral("displayLabel"))->text().contains(QStringLiteral("current − baseline")));
}

void TestDebuggerTools::differenceShowsAMaskEditFromItsStepOn()
{
    MainWindow w(kExampleModel, kExampleInput);
    QVERIFY(waitForRun(w));
    w.pinBaseline();
    w.viewContext()->setDisplayMode(widgets::DisplayMode::Difference);
    const auto g = generation(w);
    w.session()->toggleMask(0, 12); // sample 0, timestep 12 (no go_backwards: step 12)
    QVERIFY(waitForRun(w, g));
    const RunSnapshot& shown = *w.viewContext()->snapshot();
    const TraceSeries& c = shown.trace.layers.at(0).cells.at(0).states.at(1);
    double before = 0.0;
    double from = 0.0;
    for (Index s = 0; s < c.steps(); ++s) {
        for (Index u = 0; u < c.width(); ++u) {
            (s < 12 ? before : from) += std::abs(c.at(s, 0, u));
            QCOMPARE(c.at(s, 1, u), 0.0F); // other samples unchanged
        }
    }
    QCOMPARE(before, 0.0);
    QVERIFY(from > 1e-3);
}

void TestDebuggerTools::sessionRoundTrips()
{
    QTemporaryDir dir;
    const QString sessionPath = dir.filePath(QStringLiteral("work.rnnscope"));
    std::vector<float> expectedH;
    {
        MainWindow w(kExampleModel, kExampleInput);
        QVERIFY(waitForRun(w));
        auto g = generation(w);
        QVERIFY(w.session()->setOption(QStringLiteral("lstm"), QStringLiteral("go_backwards"), true).isEmpty());
        QVERIFY(waitForRun(w, g));
        g = generation(w);
        w.session()->toggleMask(1, 4);
        QVERIFY(waitForRun(w, g));
        w.viewContext()->setSelection(stateRef(QStringLiteral("c")));
        w.viewContext()->setSample(2);
        w.viewContext()->setStep(20);
        g = generation(w);
        QCOMPARE(w.whatIf()->setUnitValue(5, -1.25F), QString());
        QVERIFY(waitForRun(w, g));
        w.viewContext()->setSelectedUnits({5, 7});
        Breakpoint b;
        b.kind = BreakKind::Threshold;
        b.series.name = "c";
        b.threshold = 0.75;
        b.unit = 5;
        w.breakpoints()->add(b);
        w.viewContext()->setDisplayMode(widgets::DisplayMode::Difference);
        QCOMPARE(w.sessions()->save(sessionPath), QString());
        {
            const auto h = w.viewContext()->currentSnapshot()->trace.layers.at(0).cells.at(0).states.at(0).values();
            expectedH.assign(h.begin(), h.end());
        }
    }
    QVERIFY(QFile::exists(sessionPath));
    QVERIFY(QDir(dir.path()).entryList({QStringLiteral("*.tmp*")}, QDir::Files).isEmpty());

    MainWindow w;
    QSignalSpy restored(w.sessions(), &app::SessionController::restored);
    QCOMPARE(w.sessions()->open(sessionPath), QString());
    QVERIFY(restored.wait(30000) || restored.count() == 1);
    QVERIFY(!w.session()->busy());
    QCOMPARE(w.session()->modelPath(), kExampleModel);
    QCOMPARE(app::DebugSession::optionValue(*w.session()->model()->findLayer("lstm"), QStringLiteral("go_backwards")),
        std::optional<bool>(true));
    QVERIFY(w.session()->mask().has_value());
    QVERIFY(!w.session()->mask()->at(1, 4));
    QCOMPARE(w.session()->whatIfEdits().size(), std::size_t {1});
    QCOMPARE(w.session()->whatIfEdits().front().values, std::vector<float> {-1.25F});
    QCOMPARE(w.breakpoints()->breakpoints().size(), std::size_t {1});
    QCOMPARE(w.breakpoints()->breakpoints().front().unit, std::optional<Index>(5));
    QCOMPARE(w.viewContext()->selection().name, QStringLiteral("c"));
    QCOMPARE(w.viewContext()->sample(), Index {2});
    QCOMPARE(w.viewContext()->step(), Index {20});
    QCOMPARE(w.viewContext()->selectedUnits(), (QVector<int> {5, 7}));
    // Same data, options, mask and edit: the same run, value for value.
    const auto restoredH = w.viewContext()->currentSnapshot()->trace.layers.at(0).cells.at(0).states.at(0).values();
    QCOMPARE(std::vector<float>(restoredH.begin(), restoredH.end()), expectedH);
    // The baseline is a run of the earlier window, not saved: the display falls back to the current run.
    QCOMPARE(w.viewContext()->shownMode(), widgets::DisplayMode::Current);
}

void TestDebuggerTools::inspectorCopiesTheValuesAtTheCursor()
{
    MainWindow w(kExampleModel, kExampleInput);
    QVERIFY(waitForRun(w));
    w.viewContext()->setSample(3);
    w.viewContext()->setStep(11);
    const QStringList lines = w.inspector()->copyText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    const TraceSeries& c = w.viewContext()->currentSnapshot()->trace.layers.at(0).cells.at(0).states.at(1);
    QCOMPARE(lines.size(), static_cast<int>(c.width()) + 1);
    const QStringList header = lines.front().split(QLatin1Char('\t'));
    const int col = static_cast<int>(header.indexOf(QStringLiteral("c")));
    QVERIFY(col > 0);
    for (Index u = 0; u < c.width(); ++u) {
        const QStringList cells = lines[static_cast<int>(u) + 1].split(QLatin1Char('\t'));
        QCOMPARE(cells[0].toInt(), static_cast<int>(u));
        QCOMPARE(cells[col].toFloat(), c.at(11, 3, u));
        QCOMPARE(cells[col + 1].toFloat(), c.at(11, 3, u) - c.at(10, 3, u));
    }
}

void TestDebuggerTools::weightsDockShowsTheModelsKernels()
{
    MainWindow w(kExampleModel, kExampleInput);
    QVERIFY(waitForRun(w));
    auto* view = w.findChild<widgets::WeightsView*>(QStringLiteral("weightsView"));
    QVERIFY(view != nullptr);
    // The LSTM's kernel [4, 64] and recurrent kernel [16, 64], straight from the model's weights.
    auto* lstm = w.session()->model()->findLayer("lstm");
    QVERIFY(lstm != nullptr);
    const auto w8 = lstm->weights();
    QCOMPARE(w8.at(0).shape, (Shape {4, 64}));
    view->setCurrentLayer(0);
    for (int r = 0; r < 4; ++r) {
        for (int c = 0; c < 64; c += 9) {
            QCOMPARE(view->cellValue(widgets::WeightsView::Matrix::Kernel, r, c), w8[0].data[r * 64 + c]);
        }
    }
    QCOMPARE(view->cellValue(widgets::WeightsView::Matrix::Recurrent, 15, 63), w8[1].data[15 * 64 + 63]);
    QCOMPARE(view->gateLabels().size(), 4);
}

void TestDebuggerTools::allViewsExportAsValidFiles_data()
{
    QTest::addColumn<int>("format");
    QTest::newRow("png") << static_cast<int>(widgets::ExportFormat::Png);
    QTest::newRow("pdf") << static_cast<int>(widgets::ExportFormat::Pdf);
    QTest::newRow("svg") << static_cast<int>(widgets::ExportFormat::Svg);
}

void TestDebuggerTools::allViewsExportAsValidFiles()
{
    QFETCH(int, format);
    MainWindow w(kExampleModel, kExampleInput);
    w.resize(1400, 900);
    w.show();
    QVERIFY(waitForRun(w));
    w.viewContext()->setStep(20);
    QTemporaryDir dir;
    app::PictureExportChoice choice;
    choice.format = static_cast<widgets::ExportFormat>(format);
    choice.size = QSize(900, 600);
    choice.dpi = 120;
    QStringList written;
    QCOMPARE(w.exports()->exportAllViews(dir.path(), choice, &written), QString());
    QCOMPARE(written.size(), 8);
    for (const QString& path : written) {
        QFile f(path);
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(path));
        const QByteArray bytes = f.readAll();
        QVERIFY2(bytes.size() > 1000, qPrintable(path));
        switch (choice.format) {
        case widgets::ExportFormat::Png: {
            const QImage image = QImage::fromData(bytes, "PNG");
            QVERIFY2(!image.isNull(), qPrintable(path));
            QCOMPARE(image.size(), QSize(900, 600));
            break;
        }
        case widgets::ExportFormat::Pdf:
            QVERIFY2(bytes.startsWith("%PDF-") && bytes.contains("%%EOF"), qPrintable(path));
            break;
        default:
            QVERIFY2(QSvgRenderer(bytes).isValid(), qPrintable(path));
            break;
        }
    }
    QVERIFY(QDir(dir.path()).entryList({QStringLiteral("*.tmp*"), QStringLiteral("*~")}, QDir::Files).isEmpty());
}

void TestDebuggerTools::traceExportOfVisibleStepsAndChosenSamples()
{
    MainWindow w(kExampleModel, kExampleInput);
    QVERIFY(waitForRun(w));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("part.h5"));
    app::TraceExportChoice choice;
    choice.steps = app::TraceStepRange::Visible;
    choice.samples = app::TraceSamples::Chosen;
    choice.chosenSamples = {5, 1};
    const SnapshotPtr run = w.viewContext()->currentSnapshot();
    QCOMPARE(app::ExportController::exportTrace(run, kExampleModel, path, choice, 0, 4, 9), QString());
    const RunSnapshot back = io::readTraceHdf5(path.toStdString());
    const TraceSeries& c = back.trace.layers.at(0).cells.at(0).states.at(1);
    const TraceSeries& full = run->trace.layers.at(0).cells.at(0).states.at(1);
    QCOMPARE(c.steps(), Index {6});
    QCOMPARE(c.batch(), Index {2});
    for (Index s = 0; s < 6; ++s) {
        for (Index u = 0; u < c.width(); ++u) {
            QCOMPARE(c.at(s, 0, u), full.at(s + 4, 5, u));
            QCOMPARE(c.at(s, 1, u), full.at(s + 4, 1, u));
        }
    }
    // A folder that cannot be written is an error naming it, and leaves nothing.
    choice.format = app::TraceExportFormat::Csv;
    const QString bad = dir.filePath(QStringLiteral("part.h5/csv"));
    QVERIFY(app::ExportController::exportTrace(run, kExampleModel, bad, choice, 0, 0, 3).contains(bad));
}

void TestDebuggerTools::movedSessionFolderStillOpens()
{
    // Model, data and session in one folder, then the folder moves: the relative paths find the files.
    QTemporaryDir root;
    QDir(root.path()).mkdir(QStringLiteral("a"));
    const QString a = root.filePath(QStringLiteral("a"));
    QVERIFY(QFile::copy(kExampleModel, a + QStringLiteral("/m.h5")));
    QVERIFY(QFile::copy(kExampleInput, a + QStringLiteral("/x.npy")));
    {
        MainWindow w(a + QStringLiteral("/m.h5"), a + QStringLiteral("/x.npy"));
        QVERIFY(waitForRun(w));
        QCOMPARE(w.sessions()->save(a + QStringLiteral("/s.rnnscope")), QString());
    }
    const QString b = root.filePath(QStringLiteral("b"));
    QVERIFY(QDir().rename(a, b));
    MainWindow w;
    bool asked = false;
    w.sessions()->setLocator([&](const QString&, const QString&) {
        asked = true;
        return QString();
    });
    QSignalSpy restored(w.sessions(), &app::SessionController::restored);
    QCOMPARE(w.sessions()->open(b + QStringLiteral("/s.rnnscope")), QString());
    QVERIFY(restored.wait(30000) || restored.count() == 1);
    QVERIFY(!asked);
    QCOMPARE(w.session()->modelPath(), b + QStringLiteral("/m.h5"));
    QVERIFY(w.session()->inputDescription().startsWith(QStringLiteral("x.npy")));
}

void TestDebuggerTools::builtModelRunsSavesAndReopens_data()
{
    QTest::addColumn<int>("cell");
    QTest::addColumn<bool>("stacked");
    QTest::newRow("LSTM") << static_cast<int>(CellKind::Lstm) << false;
    QTest::newRow("GRU reset_after, stacked cells") << static_cast<int>(CellKind::Gru) << true;
    QTest::newRow("SimpleRNN") << static_cast<int>(CellKind::SimpleRnn) << false;
}

// Cancel during a run of 300,000 steps stops the engine part way (it reports the run cancelled, which it does
// only when it saw the flag between steps), and the window runs the next request normally.
void TestDebuggerTools::cancelStopsALongRun()
{
    MainWindow w;
    QSignalSpy cancelled(w.session(), &rnnscope::app::DebugSession::runCancelled);
    ModelSpec spec;
    spec.features = 4;
    spec.timesteps = 300000;
    spec.layers.front().units = 32;
    spec.layers.front().returnSequences = true;
    spec.seed = 3;
    QCOMPARE(w.buildModel(spec), QString());
    w.session()->cancel();
    QVERIFY(cancelled.wait(60000) || cancelled.count() == 1);
    QCOMPARE(cancelled.count(), 1);
    w.session()->openModel(kExampleModel, {}, kExampleInput);
    QVERIFY(waitForRun(w));
    QVERIFY2(w.viewContext()->currentSnapshot()->error.empty(), w.viewContext()->currentSnapshot()->error.c_str());
    QCOMPARE(w.viewContext()->currentSnapshot()->trace.layers.front().steps, Index {32});
}

// An input holding a NaN runs to the end like any other (Keras would too); the run says where the NaN first appears
// and the status bar says so.
void TestDebuggerTools::nanRunsToTheEndAndIsMarked()
{
    QTemporaryDir dir;
    Tensor x = io::toTensor(io::readNpy(kExampleInput.toStdString()), "input");
    const Index steps = x.dim(1);
    const Index features = x.dim(2);
    x.data()[(2 * steps + 9) * features] = std::nanf(""); // sample 2, timestep 9
    const QString path = dir.filePath(QStringLiteral("nan.npy"));
    io::writeNpy(path.toStdString(), x);
    MainWindow w;
    w.session()->openModel(kExampleModel, {}, path);
    QVERIFY(waitForRun(w));
    const RunSnapshot& run = *w.viewContext()->currentSnapshot();
    QVERIFY2(run.error.empty(), run.error.c_str());
    QCOMPARE(run.trace.layers.front().steps, steps);
    QVERIFY2(QString::fromStdString(run.nonFinite).contains(QStringLiteral("step 9, sample 2")), run.nonFinite.c_str());
    QVERIFY2(w.statusText().contains(QStringLiteral("NaN or Inf")), qPrintable(w.statusText()));
    // The example's own input is clean: nothing is marked.
    w.session()->openModel(kExampleModel, {}, kExampleInput);
    QVERIFY(waitForRun(w, run.generation));
    QVERIFY(w.viewContext()->currentSnapshot()->nonFinite.empty());
}

void TestDebuggerTools::builtModelRunsSavesAndReopens()
{
    QFETCH(int, cell);
    QFETCH(bool, stacked);
    ModelSpec spec;
    spec.features = 3;
    spec.timesteps = 12;
    spec.layers.front().cell = static_cast<CellKind>(cell);
    spec.layers.front().units = 6;
    spec.layers.front().returnSequences = true;
    if (stacked) {
        spec.stackedCells = true;
        spec.layers.push_back(spec.layers.front());
    }
    spec.seed = 11;
    QTemporaryDir dir;
    std::vector<Tensor> outputs;
    {
        MainWindow w;
        QCOMPARE(w.buildModel(spec), QString());
        QVERIFY(waitForRun(w));
        const RunSnapshot& run = *w.viewContext()->currentSnapshot();
        QVERIFY2(run.error.empty(), run.error.c_str());
        QCOMPARE(run.trace.layers.size(), std::size_t {1});
        QCOMPARE(run.trace.layers[0].cells.size(), std::size_t {stacked ? 2U : 1U});
        for (const auto& [name, out] : run.outputs) {
            outputs.push_back(out);
        }
        QCOMPARE(w.session()->saveModel(dir.filePath(QStringLiteral("m.keras"))), QString());
        QCOMPARE(w.session()->saveModel(dir.filePath(QStringLiteral("m.h5"))), QString());
        // A session of a built model saves the model beside it.
        QCOMPARE(w.sessions()->save(dir.filePath(QStringLiteral("s.rnnscope"))), QString());
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("s.model.keras"))));
    }
    for (const QString& file : {QStringLiteral("m.keras"), QStringLiteral("m.h5"), QStringLiteral("s.rnnscope")}) {
        MainWindow w;
        if (file.endsWith(QLatin1String(".rnnscope"))) {
            QSignalSpy restored(w.sessions(), &app::SessionController::restored);
            QCOMPARE(w.sessions()->open(dir.filePath(file)), QString());
            QVERIFY(restored.wait(30000) || restored.count() == 1);
        } else {
            w.openModel(dir.filePath(file));
        }
        QVERIFY(waitForRun(w));
        const RunSnapshot& run = *w.viewContext()->currentSnapshot();
        QVERIFY2(run.error.empty(), run.error.c_str());
        QCOMPARE(run.outputs.size(), outputs.size());
        for (std::size_t k = 0; k < outputs.size(); ++k) {
            QCOMPARE(run.outputs[k].second.shape(), outputs[k].shape());
            QVERIFY2(std::equal(outputs[k].data(), outputs[k].data() + outputs[k].size(), run.outputs[k].second.data()),
                qPrintable(file));
        }
    }
}

void TestDebuggerTools::lostFileIsAskedFor()
{
    QTemporaryDir root;
    const QString model = root.filePath(QStringLiteral("m.h5"));
    QVERIFY(QFile::copy(kExampleModel, model));
    const QString session = root.filePath(QStringLiteral("s.rnnscope"));
    {
        MainWindow w(model, kExampleInput);
        QVERIFY(waitForRun(w));
        QCOMPARE(w.sessions()->save(session), QString());
    }
    // The model goes somewhere the session cannot guess.
    QTemporaryDir elsewhere;
    const QString moved = elsewhere.filePath(QStringLiteral("renamed.h5"));
    QVERIFY(QFile::rename(model, moved));

    {
        MainWindow w;
        w.setErrorPresenter([](const QString&) {});
        w.sessions()->setLocator([](const QString&, const QString&) { return QString(); });
        const QString error = w.sessions()->open(session);
        QVERIFY2(error.contains(session) && error.contains(QStringLiteral("model")), qPrintable(error));
        QVERIFY(w.session()->model() == nullptr);
    }
    MainWindow w;
    QStringList roles;
    w.sessions()->setLocator([&](const QString& role, const QString&) {
        roles << role;
        return moved;
    });
    QSignalSpy restored(w.sessions(), &app::SessionController::restored);
    QCOMPARE(w.sessions()->open(session), QString());
    QVERIFY(restored.wait(30000) || restored.count() == 1);
    QCOMPARE(roles, QStringList {QStringLiteral("model")});
    QCOMPARE(w.session()->modelPath(), moved);
}

void TestDebuggerTools::otherWeightsShowAgainstTheBaseline()
{
    ModelSpec spec;
    spec.features = 2;
    spec.timesteps = 10;
    spec.layers.front().units = 5;
    spec.layers.front().returnSequences = true;
    QTemporaryDir dir;
    const QString other = dir.filePath(QStringLiteral("other.h5"));
    std::vector<float> otherOutput;
    {
        spec.seed = 1;
        MainWindow w;
        QCOMPARE(w.buildModel(spec), QString());
        QVERIFY(waitForRun(w));
        QCOMPARE(w.session()->saveModel(other), QString());
        otherOutput = w.viewContext()->currentSnapshot()->outputs.at(0).second.values();
    }
    spec.seed = 2;
    MainWindow w;
    w.setErrorPresenter([](const QString&) {});
    QCOMPARE(w.buildModel(spec), QString());
    QVERIFY(waitForRun(w));
    const std::vector<float> ownOutput = w.viewContext()->currentSnapshot()->outputs.at(0).second.values();
    QVERIFY(ownOutput != otherOutput);
    w.pinBaseline();

    // Weights of another architecture are refused, naming the file, and change nothing.
    const QString error = w.session()->loadWeights(kExampleModel);
    QVERIFY2(error.contains(kExampleModel), qPrintable(error));
    auto g = generation(w);
    w.session()->rerun();
    QVERIFY(waitForRun(w, g));
    QCOMPARE(w.viewContext()->currentSnapshot()->outputs.at(0).second.values(), ownOutput);

    g = generation(w);
    QCOMPARE(w.session()->loadWeights(other), QString());
    QVERIFY(waitForRun(w, g));
    QCOMPARE(w.viewContext()->currentSnapshot()->outputs.at(0).second.values(), otherOutput);
    w.viewContext()->setDisplayMode(widgets::DisplayMode::Difference);
    const std::vector<float> diff = w.viewContext()->snapshot()->outputs.at(0).second.values();
    for (std::size_t i = 0; i < diff.size(); ++i) {
        QCOMPARE(diff[i], otherOutput[i] - ownOutput[i]);
    }
    // The weights view shows the loaded kernel.
    auto* view = w.findChild<widgets::WeightsView*>(QStringLiteral("weightsView"));
    const auto kernel = w.session()->model()->findLayer("lstm")->weights().at(0);
    QCOMPARE(view->cellValue(widgets::WeightsView::Matrix::Kernel, 1, 3), kernel.data[1 * kernel.shape[1] + 3]);
}

// Debug > Record: the window's --trace-quantities. Unchecking gates and inputs re-runs recording only states and
// outputs (the views list no gate or input series, and a selected gate moves to a recorded series); the model's
// outputs stay bit for bit; the last quantity cannot be unchecked; checking them again brings them back.
void TestDebuggerTools::recordMenuNarrowsWhatRunsRecord()
{
    MainWindow w(kExampleModel, kExampleInput);
    QVERIFY(waitForRun(w));
    const SnapshotPtr full = w.viewContext()->currentSnapshot();
    const auto kinds = [](const RunSnapshot& run) {
        QSet<int> k;
        for (const auto& [ref, title] : widgets::listSeries(run)) {
            k.insert(static_cast<int>(ref.kind));
        }
        return k;
    };
    QCOMPARE(kinds(*full).size(), 4);
    widgets::SeriesRef gate;
    gate.kind = widgets::SeriesKind::Gate;
    gate.name = QStringLiteral("f");
    w.viewContext()->setSelection(gate);
    QVERIFY(w.viewContext()->selectedSeries());

    const auto action = [&](const char* name) {
        QAction* a = w.findChild<QAction*>(QLatin1String(name));
        return a;
    };
    for (const char* name : {"record_inputs", "record_states", "record_gates", "record_outputs"}) {
        QVERIFY2(action(name) && action(name)->isChecked(), name);
    }
    std::uint64_t before = generation(w);
    action("record_gates")->trigger();
    QVERIFY(waitForRun(w, before));
    before = generation(w);
    action("record_inputs")->trigger();
    QVERIFY(waitForRun(w, before));
    const SnapshotPtr narrow = w.viewContext()->currentSnapshot();
    QVERIFY2(narrow->error.empty(), narrow->error.c_str());
    QCOMPARE(kinds(*narrow),
        (QSet<int> {static_cast<int>(widgets::SeriesKind::State), static_cast<int>(widgets::SeriesKind::Output)}));
    QVERIFY(narrow->trace.storageBytes() < full->trace.storageBytes());
    QVERIFY(w.viewContext()->selectedSeries());
    QVERIFY(w.viewContext()->selection().kind != widgets::SeriesKind::Gate);
    QCOMPARE(narrow->outputs.size(), full->outputs.size());
    for (std::size_t k = 0; k < full->outputs.size(); ++k) {
        QVERIFY(narrow->outputs[k].second.values() == full->outputs[k].second.values());
    }

    // States and outputs are left; unchecking both refuses the second.
    before = generation(w);
    action("record_outputs")->trigger();
    QVERIFY(waitForRun(w, before));
    action("record_states")->trigger();
    QVERIFY(action("record_states")->isChecked());
    QVERIFY2(w.statusText().contains(QStringLiteral("At least one")), qPrintable(w.statusText()));

    for (const char* name : {"record_inputs", "record_gates", "record_outputs"}) {
        before = generation(w);
        action(name)->trigger();
        QVERIFY(waitForRun(w, before));
    }
    QCOMPARE(kinds(*w.viewContext()->currentSnapshot()).size(), 4);
    QCOMPARE(w.viewContext()->currentSnapshot()->trace.storageBytes(), full->trace.storageBytes());
}

// Debug > Record > Layers: the window's --trace-layers. The menu lists the model's recurrent layers, all checked;
// unchecking one re-runs recording only the other (the model's outputs stay bit for bit); the last layer cannot be
// unchecked; a session keeps the choice, quantities included; All Layers records both again; another model records
// all of its own layers.
void TestDebuggerTools::recordMenuChoosesLayersAndSessionsKeepThem()
{
    QTemporaryDir dir;
    const QString sessionPath = dir.filePath(QStringLiteral("layers.rnnscope"));
    const auto layerNames = [](const RunSnapshot& run) {
        QStringList names;
        for (const LayerTrace& layer : run.trace.layers) {
            names << QString::fromStdString(layer.name);
        }
        return names;
    };
    const auto action = [](MainWindow& w, const QString& name) { return w.findChild<QAction*>(name); };
    const QString first = QStringLiteral("record_layer_bidirectional_114");
    const QString second = QStringLiteral("record_layer_bidirectional_115");
    SnapshotPtr full;
    {
        MainWindow w(kTwoLayerModel);
        QVERIFY(waitForRun(w));
        full = w.viewContext()->currentSnapshot();
        QVERIFY2(full->error.empty(), full->error.c_str());
        QCOMPARE(layerNames(*full),
            (QStringList {QStringLiteral("bidirectional_114"), QStringLiteral("bidirectional_115")}));
        QVERIFY(action(w, first) && action(w, first)->isChecked());
        QVERIFY(action(w, second) && action(w, second)->isChecked());
        QCOMPARE(action(w, first)->text(), QStringLiteral("bidirectional_114 (Bidirectional)"));

        std::uint64_t before = generation(w);
        action(w, first)->trigger();
        QVERIFY(waitForRun(w, before));
        const SnapshotPtr narrow = w.viewContext()->currentSnapshot();
        QVERIFY2(narrow->error.empty(), narrow->error.c_str());
        QCOMPARE(layerNames(*narrow), QStringList {QStringLiteral("bidirectional_115")});
        QCOMPARE(w.session()->traceRequest().layers, std::vector<std::string> {"bidirectional_115"});
        QVERIFY(narrow->trace.storageBytes() < full->trace.storageBytes());
        QCOMPARE(narrow->outputs.size(), full->outputs.size());
        for (std::size_t k = 0; k < full->outputs.size(); ++k) {
            QVERIFY(narrow->outputs[k].second.values() == full->outputs[k].second.values());
        }
        // The views show the recorded layer only.
        for (const auto& [ref, title] : widgets::listSeries(*narrow)) {
            QCOMPARE(ref.layer, 0);
        }

        action(w, second)->trigger();
        QVERIFY(action(w, second)->isChecked());
        QVERIFY2(w.statusText().contains(QStringLiteral("At least one layer")), qPrintable(w.statusText()));
        QCOMPARE(w.session()->traceRequest().layers, std::vector<std::string> {"bidirectional_115"});

        before = generation(w);
        action(w, QStringLiteral("record_gates"))->trigger();
        QVERIFY(waitForRun(w, before));
        QCOMPARE(w.sessions()->save(sessionPath), QString());
    }

    MainWindow w;
    QVERIFY(!w.findChild<QMenu*>(QStringLiteral("record_layers_menu"))->isEnabled()); // no model yet
    QSignalSpy restored(w.sessions(), &app::SessionController::restored);
    QCOMPARE(w.sessions()->open(sessionPath), QString());
    QVERIFY(restored.wait(30000) || restored.count() == 1);
    QVERIFY(waitForRun(w));
    QVERIFY(!action(w, first)->isChecked());
    QVERIFY(action(w, second)->isChecked());
    QVERIFY(!action(w, QStringLiteral("record_gates"))->isChecked());
    QVERIFY(action(w, QStringLiteral("record_states"))->isChecked());
    const SnapshotPtr reopened = w.viewContext()->currentSnapshot();
    QCOMPARE(layerNames(*reopened), QStringList {QStringLiteral("bidirectional_115")});
    QVERIFY(reopened->trace.layers.front().directions.at(0).cells.at(0).gates.empty());

    std::uint64_t before = generation(w);
    action(w, QStringLiteral("record_all_layers"))->trigger();
    QVERIFY(waitForRun(w, before));
    QVERIFY(action(w, first)->isChecked());
    QCOMPARE(layerNames(*w.viewContext()->currentSnapshot()), layerNames(*full));
    QVERIFY(w.session()->traceRequest().layers.empty());

    // Another model: its own layers, every one recorded; the quantities stay as chosen.
    before = generation(w);
    action(w, first)->trigger();
    QVERIFY(waitForRun(w, before));
    before = generation(w);
    w.session()->openModel(kExampleModel);
    QVERIFY(waitForRun(w, before));
    QVERIFY(!action(w, first));
    QVERIFY(
        action(w, QStringLiteral("record_layer_lstm")) && action(w, QStringLiteral("record_layer_lstm"))->isChecked());
    QVERIFY(w.session()->traceRequest().layers.empty());
    QVERIFY(!action(w, QStringLiteral("record_gates"))->isChecked());
    QCOMPARE(layerNames(*w.viewContext()->currentSnapshot()), QStringList {QStringLiteral("lstm")});
}

// Debug > Memory Budget: a size applies at once and is kept for the next start; a wrong one changes nothing and
// says why; empty restores the default.
void TestDebuggerTools::memoryBudgetIsASetting()
{
    QCOMPARE(app::applyMemoryBudgetSetting(QStringLiteral("64M")), QString());
    QCOMPARE(memoryBudget(), std::uint64_t {64} << 20);
    QCOMPARE(app::savedMemoryBudgetSetting(), QStringLiteral("64M"));
    const QString error = app::applyMemoryBudgetSetting(QStringLiteral("lots"));
    QVERIFY2(error.contains(QStringLiteral("is not a size")), qPrintable(error));
    QCOMPARE(memoryBudget(), std::uint64_t {64} << 20);
    QCOMPARE(app::savedMemoryBudgetSetting(), QStringLiteral("64M"));
    QCOMPARE(app::applyMemoryBudgetSetting(QString()), QString());
    QCOMPARE(memoryBudget(), defaultMemoryBudget());
    QCOMPARE(app::savedMemoryBudgetSetting(), QString());
}

QTEST_MAIN(TestDebuggerTools)
#include "tst_debugger_tools.moc"
