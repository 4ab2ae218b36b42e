// The window under stress: thousands of random actions on an offscreen MainWindow — good and bad files, live
// options, stepping, samples, mask and what-if edits, breakpoints, baselines, exports, sessions, resizes. After each
// action the events are processed until nothing is under way; the test fails on a crash, on a hang (an action not
// settled within the timeout), on an exception escaping an action, or when an invariant breaks:
//   - a bad model file is reported as an error and the previous model stays shown;
//   - a refused option leaves the option as it was, an accepted one changes it;
//   - the shown run agrees with the model and the data (layer names, batch, steps, series shapes) and the cursor
//     stays inside it;
//   - every exported file exists and is complete (images load, traces read back).
// RNNSCOPE_STRESS_SEED picks the seed (printed at the start; default 1), RNNSCOPE_STRESS_ACTIONS the number of
// actions (default 2000).

#include <deque>
#include <functional>
#include <random>

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "app/gui/breakpoint_controller.h"
#include "app/gui/debug_session.h"
#include "app/gui/export_controller.h"
#include "app/gui/main_window.h"
#include "app/gui/session_controller.h"
#include "app/gui/step_controls.h"
#include "app/gui/what_if_controller.h"
#include "core/io/npy.h"
#include "core/io/trace_reader.h"
#include "tests/support/window_wait.h"
#include "widgets/heatmap_view.h"
#include "widgets/mask_strip.h"
#include "widgets/series.h"
#include "widgets/unit_traces_view.h"
#include "widgets/view_context.h"

using namespace rnnscope;
using app::MainWindow;

namespace {

const QString kExampleModel = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/bracket_depth.h5");
const QString kExampleInput = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/bracket_depth_input.npy");
const QString kBad = QStringLiteral(RNNSCOPE_TEST_DATA "/bad/");
const QString kReal = QStringLiteral(RNNSCOPE_SHARED_DIR "/real-models/");
constexpr int kSettleMs = 60000; // an action whose work is not done by then hangs

struct GoodModel
{
    QString model;
    QString input; // empty: the debugger's probe
};

struct BadFiles
{
    QStringList models; // model and config files that must be refused
    QStringList inputs;
    QStringList weights; // must be refused as weights
};

BadFiles readManifest()
{
    BadFiles bad;
    QFile file(kBad + QStringLiteral("MANIFEST.json"));
    if (!file.open(QIODevice::ReadOnly)) {
        return bad;
    }
    const QJsonArray files = QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("files")).toArray();
    for (const QJsonValue& v : files) {
        const QJsonObject f = v.toObject();
        if (f.value(QStringLiteral("expect")).toString() != QLatin1String("error")) {
            continue;
        }
        const QString role = f.value(QStringLiteral("role")).toString();
        const QString path = kBad + f.value(QStringLiteral("file")).toString();
        if (role == QLatin1String("model") || role == QLatin1String("config")) {
            bad.models << path;
        } else if (role == QLatin1String("input")) {
            bad.inputs << path;
        } else if (role == QLatin1String("weights")) {
            bad.weights << path;
        }
    }
    return bad;
}

QList<GoodModel> goodModels()
{
    QList<GoodModel> good {{kExampleModel, kExampleInput}, {kExampleModel, {}},
        {kBad + QStringLiteral("good_model.keras"), kBad + QStringLiteral("good_input.npy")}};
    for (const char* name : {"dl4j_simplernn_k213_model.h5", "dl4j_lstm_hardsig_k213_model.h5",
             "dl4j_masking2_lstm_k220.h5", "dl4j_bilstm_seq_k213.h5", "dl4j_tfk224_bilstm_relu_repeat.h5",
             "fdeep_gru_stateful_tk224.h5", "fdeep_lstm_stateful_k225.h5", "k3_simplernn_relu_stacked.keras",
             "k3_bilstm_stacked.keras", "k3_gru_stacked.keras", "k3_s2s_lstm_states.keras",
             "k3_legacy_h5_simplernn_k3141.h5", "tfk212_bilstm_hdf5_named.keras"}) {
        const QString path = kReal + QLatin1String(name);
        if (QFileInfo::exists(path)) {
            good.append({path, {}});
        }
    }
    return good;
}

// Checks one layer's trace for self-consistency and against the batch the data has.
QString checkLayer(const LayerTrace& layer, Index batch, const QString& where)
{
    const QString name = where + QLatin1Char('/') + QString::fromStdString(layer.name);
    if (batch >= 0 && layer.batch != batch) {
        return QStringLiteral("%1: batch %2, the data has %3").arg(name).arg(layer.batch).arg(batch);
    }
    // A Bidirectional's own entry only groups its directions; each direction has its step times.
    if (!layer.cells.empty() && static_cast<Index>(layer.stepTime.size()) != layer.steps) {
        return QStringLiteral("%1: %2 step times for %3 steps").arg(name).arg(layer.stepTime.size()).arg(layer.steps);
    }
    if (!layer.mask.empty() && static_cast<Index>(layer.mask.size()) != layer.steps * layer.batch) {
        return QStringLiteral("%1: mask of %2 for %3 x %4")
            .arg(name)
            .arg(layer.mask.size())
            .arg(layer.steps)
            .arg(batch);
    }
    std::vector<const TraceSeries*> series;
    if (!layer.cells.empty()) { // a Bidirectional's own entry records no series of its own
        series.push_back(&layer.output);
    }
    for (const CellTrace& cell : layer.cells) {
        for (const TraceSeries& s : cell.states) {
            series.push_back(&s);
        }
        for (const TraceSeries& s : cell.gates) {
            series.push_back(&s);
        }
    }
    for (const TraceSeries* s : series) {
        if (s->empty()) {
            continue; // not recorded (Debug > Record)
        }
        if (s->steps() != layer.steps || s->batch() != layer.batch) {
            return QStringLiteral("%1/%2: %3 x %4, the layer ran %5 x %6")
                .arg(name, QString::fromStdString(s->name()))
                .arg(s->steps())
                .arg(s->batch())
                .arg(layer.steps)
                .arg(layer.batch);
        }
    }
    for (const LayerTrace& d : layer.directions) {
        const QString e = checkLayer(d, batch, name);
        if (!e.isEmpty()) {
            return e;
        }
    }
    return {};
}

class Stress
{
public:
    Stress(MainWindow& w, std::uint32_t seed, const QString& outDir)
        : m_w(w)
        , m_rng(seed)
        , m_out(outDir)
        , m_good(goodModels())
        , m_bad(readManifest())
    {
        QObject::connect(&w, &MainWindow::errorShown, &w, [this](const QString& message) {
            ++m_errors;
            m_lastError = message;
        });
    }

    QString lastActions() const { return m_log.join(QStringLiteral("\n  ")); }
    int actionsDone() const { return m_done; }
    const QStringList& badChecked() const { return m_badChecked; }

    // Runs one random action and its checks; an empty string when all held.
    QString step()
    {
        static const std::vector<std::pair<int, QString (Stress::*)()>> actions {{4, &Stress::openGood},
            {3, &Stress::openBadModel}, {2, &Stress::openBadInput}, {1, &Stress::loadBadWeights},
            {8, &Stress::toggleOption}, {10, &Stress::stepping}, {6, &Stress::seek}, {4, &Stress::switchSample},
            {5, &Stress::editMask}, {4, &Stress::whatIf}, {2, &Stress::removeWhatIf}, {4, &Stress::breakpoints},
            {3, &Stress::baseline}, {2, &Stress::exportView}, {2, &Stress::exportTrace}, {3, &Stress::resize},
            {4, &Stress::pickSeries}, {2, &Stress::probe}, {2, &Stress::batches}, {2, &Stress::rerunOrReset},
            {1, &Stress::sessionRoundTrip}, {2, &Stress::recordChoice}};
        int total = 0;
        for (const auto& a : actions) {
            total += a.first;
        }
        int pick = uniform(0, total - 1);
        auto it = actions.begin();
        while (pick >= it->first) {
            pick -= it->first;
            ++it;
        }
        ++m_done;
        QString failure;
        try {
            failure = (this->*(it->second))();
            if (failure.isEmpty()) {
                failure = settle();
            }
            if (failure.isEmpty()) {
                failure = checkShownRun();
            }
        } catch (const std::exception& e) {
            failure = QStringLiteral("exception escaped the action: %1").arg(QString::fromLocal8Bit(e.what()));
        }
        return failure;
    }

    // Processes events until nothing is under way (a load, a run, an input read), or says the action hung.
    QString settle()
    {
        QCoreApplication::processEvents();
        if (!QTest::qWaitFor([this] { return !m_w.session()->busy(); }, kSettleMs)) {
            return QStringLiteral("hang: still busy after %1 s").arg(kSettleMs / 1000);
        }
        QCoreApplication::processEvents();
        return {};
    }

private:
    int uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(m_rng); }
    template <typename T> const T& anyOf(const QList<T>& list) { return list.at(uniform(0, int(list.size()) - 1)); }
    void note(const QString& what)
    {
        m_log.append(QStringLiteral("#%1 %2").arg(m_done).arg(what));
        if (m_log.size() > 12) { // QTest cuts long failure messages
            m_log.removeFirst();
        }
    }
    widgets::ViewContext* context() const { return m_w.viewContext(); }
    app::DebugSession* session() const { return m_w.session(); }
    const RunSnapshot* run() const
    {
        const SnapshotPtr& s = context()->currentSnapshot();
        return s && s->error.empty() ? s.get() : nullptr;
    }
    QStringList recurrentLayers() const
    {
        QStringList names;
        if (session()->model()) {
            for (const auto& layer : session()->model()->layers()) {
                if (layer->isRecurrent()) {
                    names << QString::fromStdString(layer->name());
                }
            }
        }
        return names;
    }

    QString openGood()
    {
        const GoodModel& g = anyOf(m_good);
        note(QStringLiteral("open %1 with %2").arg(g.model, g.input.isEmpty() ? QStringLiteral("a probe") : g.input));
        const int errors = m_errors;
        m_w.openModel(g.model, g.input);
        if (QString e = settle(); !e.isEmpty()) {
            return e;
        }
        if (m_errors != errors || session()->modelPath() != g.model) {
            return QStringLiteral("a good model was not opened: %1").arg(m_lastError);
        }
        m_input = g.input;
        return {};
    }

    QString openBadModel()
    {
        const QString path = anyOf(m_bad.models);
        note(QStringLiteral("open bad model %1").arg(path));
        const Model* before = session()->model();
        const QString beforePath = session()->modelPath();
        const SnapshotPtr shown = context()->currentSnapshot();
        const int errors = m_errors;
        m_w.openModel(path);
        if (QString e = settle(); !e.isEmpty()) {
            return e;
        }
        m_badChecked << path;
        if (m_errors == errors) {
            return QStringLiteral("no error reported for %1").arg(path);
        }
        if (session()->model() != before || session()->modelPath() != beforePath
            || context()->currentSnapshot() != shown) {
            return QStringLiteral("after the bad %1 the previous model is no longer shown").arg(path);
        }
        return {};
    }

    QString openBadInput()
    {
        const QString path = anyOf(m_bad.inputs);
        note(QStringLiteral("open bad input %1").arg(path));
        const QString before = session()->inputDescription();
        const int errors = m_errors;
        m_w.openSequences(path);
        if (QString e = settle(); !e.isEmpty()) {
            return e;
        }
        // A file bad for one model may fit another (a rank-2 array for an Embedding model): either it is taken,
        // or an error is reported and the data stays.
        const bool taken = session()->inputDescription().contains(QFileInfo(path).fileName());
        if (!taken && (m_errors == errors || session()->inputDescription() != before)) {
            return QStringLiteral("bad input %1: neither taken nor reported (errors %2 -> %3)")
                .arg(path)
                .arg(errors)
                .arg(m_errors);
        }
        if (taken) {
            m_input = path;
        }
        return {};
    }

    QString loadBadWeights()
    {
        if (!session()->model()) {
            return {};
        }
        const QString path = anyOf(m_bad.weights);
        note(QStringLiteral("load bad weights %1").arg(path));
        if (session()->loadWeights(path).isEmpty()) {
            return QStringLiteral("the bad weights %1 were accepted").arg(path);
        }
        return {};
    }

    QString toggleOption()
    {
        const QStringList layers = recurrentLayers();
        if (layers.isEmpty()) {
            return {};
        }
        const QString layer = anyOf(layers);
        const QString option = anyOf(app::DebugSession::optionNames());
        const Layer* l = session()->model()->findLayer(layer.toStdString());
        const auto value = app::DebugSession::optionValue(*l, option);
        if (!value) {
            return {};
        }
        note(QStringLiteral("%1.%2 -> %3").arg(layer, option).arg(!*value));
        const QString error = session()->setOption(layer, option, !*value);
        if (QString e = settle(); !e.isEmpty()) {
            return e;
        }
        l = session()->model()->findLayer(layer.toStdString());
        const auto now = app::DebugSession::optionValue(*l, option);
        if (now != (error.isEmpty() ? !*value : *value)) {
            return QStringLiteral("%1.%2 is %3 after %4")
                .arg(layer, option)
                .arg(*now)
                .arg(error.isEmpty() ? QStringLiteral("success") : error);
        }
        return {};
    }

    QString stepping()
    {
        app::StepControls* steps = m_w.stepControls();
        const QList<QAction*> actions {steps->stepForwardAction(), steps->stepBackAction(), steps->runToEndAction(),
            steps->playAction(), steps->resetAction()};
        QAction* a = anyOf(actions);
        note(QStringLiteral("trigger %1").arg(a->text()));
        a->trigger();
        if (a == steps->playAction()) {
            QTest::qWait(uniform(0, 150)); // let it play a little
        }
        return {};
    }

    QString seek()
    {
        const int steps = static_cast<int>(context()->steps());
        const int to = uniform(-3, steps + 3);
        note(QStringLiteral("seek to %1 of %2").arg(to).arg(steps));
        context()->setStep(to);
        return {};
    }

    QString switchSample()
    {
        const int samples = static_cast<int>(context()->samples());
        const int to = uniform(-2, samples + 2);
        note(QStringLiteral("sample %1 of %2").arg(to).arg(samples));
        context()->setSample(to);
        return {};
    }

    QString editMask()
    {
        if (session()->inputs().empty() || session()->inputs().front().rank() < 2 || session()->shownBatch() != 0) {
            return {};
        }
        const Tensor& x = session()->inputs().front();
        const Index sample = uniform(0, static_cast<int>(x.dim(0)) - 1);
        const Index time = uniform(0, static_cast<int>(x.dim(1)) - 1);
        note(QStringLiteral("toggle mask %1,%2").arg(sample).arg(time));
        const bool before = !session()->mask() || session()->mask()->at(sample, time);
        session()->toggleMask(sample, time);
        if (QString e = settle(); !e.isEmpty()) {
            return e;
        }
        if (!session()->mask() || session()->mask()->at(sample, time) == before) {
            return QStringLiteral("the mask at %1,%2 did not toggle").arg(sample).arg(time);
        }
        return {};
    }

    QString whatIf()
    {
        const size_t before = session()->whatIfEdits().size();
        const int unit = uniform(0, 8);
        const float value = static_cast<float>(uniform(-300, 300)) / 100.0F;
        note(QStringLiteral("what-if unit %1 = %2 at step %3").arg(unit).arg(value).arg(context()->step()));
        const QString error = m_w.whatIf()->setUnitValue(unit, value);
        if (QString e = settle(); !e.isEmpty()) {
            return e;
        }
        if (error.isEmpty() && session()->whatIfEdits().size() != before + 1) {
            return QStringLiteral("an accepted what-if edit is not in the list");
        }
        return {};
    }

    QString removeWhatIf()
    {
        const auto& edits = session()->whatIfEdits();
        if (edits.empty()) {
            return {};
        }
        if (uniform(0, 3) == 0) {
            note(QStringLiteral("clear what-if edits"));
            session()->clearWhatIfEdits();
        } else {
            const int index = uniform(0, static_cast<int>(edits.size()) - 1);
            note(QStringLiteral("remove what-if edit %1").arg(index));
            session()->removeWhatIfEdit(index);
        }
        return {};
    }

    QString breakpoints()
    {
        app::BreakpointController* bp = m_w.breakpoints();
        switch (uniform(0, 3)) {
        case 0: {
            Breakpoint b;
            b.kind = uniform(0, 3) == 0 ? BreakKind::NonFinite : BreakKind::AtStep;
            b.step = uniform(0, std::max(1, static_cast<int>(context()->steps())));
            note(QStringLiteral("add breakpoint %1 at %2").arg(static_cast<int>(b.kind)).arg(b.step));
            bp->add(b);
            return {};
        }
        case 1:
            if (!bp->breakpoints().empty()) {
                const int id = bp->breakpoints().at(uniform(0, int(bp->breakpoints().size()) - 1)).id;
                note(QStringLiteral("remove breakpoint %1").arg(id));
                bp->remove(id);
            }
            return {};
        case 2:
            if (!bp->breakpoints().empty()) {
                const int id = bp->breakpoints().at(uniform(0, int(bp->breakpoints().size()) - 1)).id;
                note(QStringLiteral("toggle breakpoint %1").arg(id));
                bp->setEnabled(id, uniform(0, 1) == 1);
            }
            return {};
        default: {
            const Index before = context()->step();
            note(QStringLiteral("run to the next breakpoint from %1").arg(before));
            if (bp->runToNext() && context()->step() <= before) {
                return QStringLiteral("run to the next breakpoint went from step %1 to %2")
                    .arg(before)
                    .arg(context()->step());
            }
            return {};
        }
        }
    }

    QString baseline()
    {
        switch (uniform(0, 2)) {
        case 0:
            note(QStringLiteral("pin baseline"));
            m_w.pinBaseline();
            return {};
        case 1:
            note(QStringLiteral("unpin baseline"));
            m_w.unpinBaseline();
            return {};
        default: {
            const auto mode = static_cast<widgets::DisplayMode>(uniform(0, 2));
            note(QStringLiteral("display mode %1").arg(static_cast<int>(mode)));
            context()->setDisplayMode(mode);
            return {};
        }
        }
    }

    QString exportView()
    {
        app::PictureExportChoice choice;
        choice.format = static_cast<widgets::ExportFormat>(uniform(1, 3));
        choice.size = QSize(uniform(200, 1400), uniform(150, 900));
        const QString ext = choice.format == widgets::ExportFormat::Png ? QStringLiteral("png")
            : choice.format == widgets::ExportFormat::Pdf               ? QStringLiteral("pdf")
                                                                        : QStringLiteral("svg");
        QStringList files;
        if (uniform(0, 4) == 0) {
            const QString folder = m_out.filePath(QStringLiteral("views%1").arg(m_done));
            QDir().mkpath(folder);
            note(QStringLiteral("export all views as %1 into %2").arg(ext, folder));
            if (const QString e = m_w.exports()->exportAllViews(folder, choice, &files); !e.isEmpty()) {
                return QStringLiteral("exporting every view failed: %1").arg(e);
            }
        } else {
            const auto view = m_w.exports()->currentView();
            const QString path = m_out.filePath(QStringLiteral("view%1.%2").arg(m_done).arg(ext));
            note(QStringLiteral("export %1 as %2").arg(view.first, path));
            if (const QString e = m_w.exports()->exportView(view.second, path, choice); !e.isEmpty()) {
                return QStringLiteral("exporting %1 failed: %2").arg(view.first, e);
            }
            files << path;
        }
        if (files.isEmpty()) {
            return QStringLiteral("the export wrote no file");
        }
        for (const QString& f : std::as_const(files)) {
            QFile file(f);
            if (!file.open(QIODevice::ReadOnly) || file.size() == 0) {
                return QStringLiteral("exported %1 is missing or empty").arg(f);
            }
            const QByteArray bytes = file.readAll();
            const bool complete = ext == QLatin1String("png") ? !QImage::fromData(bytes, "PNG").isNull()
                : ext == QLatin1String("pdf")                 ? bytes.startsWith("%PDF") && bytes.contains("%%EOF")
                                                              : bytes.trimmed().endsWith("</svg>");
            if (!complete) {
                return QStringLiteral("exported %1 is incomplete").arg(f);
            }
            QFile::remove(f); // keep the temporary folder small over thousands of actions
        }
        return {};
    }

    QString exportTrace()
    {
        // What the window exports (ExportController::exportTraceDialog): the shown run, whose sample the cursor
        // names; with a baseline shown, the latest run may have fewer samples (seed 4, action 1364).
        const SnapshotPtr shown = context()->snapshot();
        if (!shown || !shown->error.empty()) {
            return {};
        }
        app::TraceExportChoice choice;
        choice.format = static_cast<app::TraceExportFormat>(uniform(0, 2));
        choice.steps = static_cast<app::TraceStepRange>(uniform(0, 1));
        choice.samples = static_cast<app::TraceSamples>(uniform(0, 1));
        const QString path = m_out.filePath(
            QStringLiteral("trace%1%2")
                .arg(m_done)
                .arg(choice.format == app::TraceExportFormat::Hdf5 ? QStringLiteral(".h5") : QString()));
        const Index first = std::max<Index>(0, static_cast<Index>(context()->timeLow()));
        const Index last = std::max<Index>(first, static_cast<Index>(context()->timeHigh()));
        note(QStringLiteral("export trace %1 (steps %2, samples %3)")
                 .arg(path)
                 .arg(static_cast<int>(choice.steps))
                 .arg(static_cast<int>(choice.samples)));
        const QString error = app::ExportController::exportTrace(
            shown, session()->modelPath(), path, choice, context()->sample(), first, last);
        if (!error.isEmpty()) {
            return QStringLiteral("exporting the trace failed: %1").arg(error);
        }
        if (choice.format == app::TraceExportFormat::Hdf5) {
            const RunSnapshot back = io::readTraceHdf5(path.toStdString());
            if (back.trace.layers.size() != shown->trace.layers.size()) {
                return QStringLiteral("the exported trace %1 has %2 layers, the run %3")
                    .arg(path)
                    .arg(back.trace.layers.size())
                    .arg(shown->trace.layers.size());
            }
            QFile::remove(path);
            return {};
        }
        const QString ext
            = choice.format == app::TraceExportFormat::Csv ? QStringLiteral("*.csv") : QStringLiteral("*.npy");
        QDir dir(path);
        const QFileInfoList files = dir.entryInfoList({ext}, QDir::Files);
        if (files.isEmpty() && !shown->trace.layers.empty()) {
            return QStringLiteral("the exported trace %1 has no %2 files").arg(path, ext);
        }
        for (const QFileInfo& f : files) {
            if (f.size() == 0) {
                return QStringLiteral("exported %1 is empty").arg(f.filePath());
            }
            if (choice.format == app::TraceExportFormat::Npy) {
                io::readNpy(f.filePath().toStdString()); // throws when incomplete
            }
        }
        dir.removeRecursively();
        return {};
    }

    QString resize()
    {
        const QSize size(uniform(200, 2000), uniform(150, 1400));
        note(QStringLiteral("resize to %1x%2").arg(size.width()).arg(size.height()));
        m_w.resize(size);
        return {};
    }

    QString pickSeries()
    {
        const SnapshotPtr& shown = context()->snapshot();
        if (!shown) {
            return {};
        }
        const auto all = widgets::listSeries(*shown);
        if (all.isEmpty()) {
            return {};
        }
        const auto& pick = all.at(uniform(0, int(all.size()) - 1));
        note(QStringLiteral("select %1").arg(pick.second));
        context()->setSelection(pick.first);
        if (uniform(0, 1) == 1) {
            context()->setSelectedUnits({uniform(0, 3), uniform(0, 64)});
        }
        return {};
    }

    QString probe()
    {
        if (!session()->model() || session()->inputs().empty() || session()->inputs().front().rank() != 3) {
            return {};
        }
        const Tensor& x = session()->inputs().front();
        app::ProbeSpec spec;
        spec.kind = static_cast<app::ProbeKind>(uniform(0, 4));
        spec.batch = uniform(1, 6);
        spec.steps = uniform(1, 80);
        spec.features = x.dim(2);
        spec.onset = uniform(0, static_cast<int>(spec.steps));
        note(QStringLiteral("probe %1: %2 x %3 x %4")
                 .arg(static_cast<int>(spec.kind))
                 .arg(spec.batch)
                 .arg(spec.steps)
                 .arg(spec.features));
        session()->useProbe(spec);
        m_input.clear();
        return {};
    }

    QString batches()
    {
        if (!session()->model()) {
            return {};
        }
        switch (uniform(0, 2)) {
        case 0:
            if (!m_input.isEmpty()) {
                note(QStringLiteral("add batch %1").arg(m_input));
                session()->addBatch(m_input);
            }
            return {};
        case 1:
            note(QStringLiteral("clear extra batches"));
            session()->clearExtraBatches();
            return {};
        default: {
            const int index = uniform(0, session()->batchCount());
            note(QStringLiteral("show batch %1 of %2").arg(index).arg(session()->batchCount()));
            m_w.batchBox()->setValue(index + 1);
            return {};
        }
        }
    }

    QString rerunOrReset()
    {
        if (uniform(0, 1) == 0) {
            note(QStringLiteral("re-run"));
            session()->rerun();
        } else {
            note(QStringLiteral("reset states"));
            session()->resetStates();
        }
        return {};
    }

    // Debug > Record: one quantity or one layer on or off, or All Layers (the window keeps at least one of each on).
    QString recordChoice()
    {
        static const char* const names[] = {"record_inputs", "record_states", "record_gates", "record_outputs"};
        QAction* a = nullptr;
        const QList<QAction*> layers
            = m_w.findChildren<QAction*>(QRegularExpression(QStringLiteral("^record_(layer_|all_layers)")));
        if (uniform(0, 1) == 0 && !layers.isEmpty()) {
            a = layers[uniform(0, static_cast<int>(layers.size()) - 1)];
        } else {
            a = m_w.findChild<QAction*>(QLatin1String(names[uniform(0, 3)]));
        }
        if (a == nullptr) {
            return QStringLiteral("Debug > Record has no such action");
        }
        note(QStringLiteral("record %1 -> %2").arg(a->objectName()).arg(!a->isChecked()));
        a->trigger();
        return {};
    }

    QString sessionRoundTrip()
    {
        if (!session()->model() || !QFileInfo(session()->modelPath()).isFile()) {
            return {};
        }
        const QString path = m_out.filePath(QStringLiteral("s%1.rnnscope").arg(m_done));
        note(QStringLiteral("save and reopen the session %1").arg(path));
        const io::SessionFile saved = m_w.sessions()->current();
        if (const QString e = m_w.sessions()->save(path); !e.isEmpty()) {
            return QStringLiteral("saving the session failed: %1").arg(e);
        }
        QSignalSpy restored(m_w.sessions(), &app::SessionController::restored);
        const int errors = m_errors;
        if (const QString e = m_w.sessions()->open(path); !e.isEmpty()) {
            return QStringLiteral("reopening the session failed: %1").arg(e);
        }
        if (QString e = settle(); !e.isEmpty()) {
            return e;
        }
        if (m_errors != errors) {
            return QStringLiteral("reopening the session reported: %1").arg(m_lastError);
        }
        const io::SessionFile back = m_w.sessions()->current();
        if (back.edits != saved.edits || back.maskToggles != saved.maskToggles
            || back.breakpoints.size() != saved.breakpoints.size() || back.layerOptions != saved.layerOptions) {
            return QStringLiteral("the reopened session differs from the saved one");
        }
        return {};
    }

    QString checkShownRun() const
    {
        const SnapshotPtr& shown = context()->snapshot();
        if (!shown) {
            return {};
        }
        if (context()->step() < -1 || (context()->steps() > 0 && context()->step() >= context()->steps())) {
            return QStringLiteral("the cursor is at step %1 of %2").arg(context()->step()).arg(context()->steps());
        }
        if (context()->samples() > 0 && (context()->sample() < 0 || context()->sample() >= context()->samples())) {
            return QStringLiteral("sample %1 of %2 is shown").arg(context()->sample()).arg(context()->samples());
        }
        const RunSnapshot* current = run();
        if (!current || !session()->model() || session()->inputs().empty()) {
            return {};
        }
        // time_major on a layer fed by another recurrent layer reads its [B, T, U] as [T, B, U], as Keras does:
        // the batch that layer sees is not the data's then.
        Index batch = session()->inputs().front().dim(0);
        for (const QString& name : recurrentLayers()) {
            const Layer* l = session()->model()->findLayer(name.toStdString());
            if (app::DebugSession::optionValue(*l, QStringLiteral("time_major")).value_or(false)) {
                batch = -1;
            }
        }
        for (const LayerTrace& layer : current->trace.layers) {
            if (!session()->model()->findLayer(layer.name)) {
                return QStringLiteral("the run shows layer %1, which the model does not have")
                    .arg(QString::fromStdString(layer.name));
            }
            if (const QString e = checkLayer(layer, batch, QString()); !e.isEmpty()) {
                return e;
            }
        }
        return {};
    }

    MainWindow& m_w;
    std::mt19937 m_rng;
    QDir m_out;
    QList<GoodModel> m_good;
    BadFiles m_bad;
    QString m_input; // the file behind input 0, for Add Batch
    int m_errors = 0;
    QString m_lastError;
    int m_done = 0;
    QStringList m_log;
    QStringList m_badChecked;
};

std::uint32_t seedFromEnvironment()
{
    bool ok = false;
    const auto seed = qEnvironmentVariable("RNNSCOPE_STRESS_SEED").toUInt(&ok);
    // Fixed by default so CI is reproducible; seed 2 still fails at action 1478 (an open finding, see the report).
    return ok ? seed : 1U;
}

} // namespace

class TestGuiStress : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void randomActions();
    void cursorStaysInsideAShorterLayer();
    void runToBreakpointWithNothingShown();
    void sessionOfAFailedRunReopens();
    void runToBreakpointOnAnotherLayer();
};

void TestGuiStress::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("RNNScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_gui_stress"));
}

void TestGuiStress::randomActions()
{
    const std::uint32_t seed = seedFromEnvironment();
    bool ok = false;
    int count = qEnvironmentVariableIntValue("RNNSCOPE_STRESS_ACTIONS", &ok);
    count = ok && count > 0 ? count : 2000;
    qInfo("seed %u, %d actions (RNNSCOPE_STRESS_SEED=%u reproduces this run)", seed, count, seed);

    QTemporaryDir out;
    MainWindow w(kExampleModel, kExampleInput);
    w.setErrorPresenter([](const QString&) {}); // errors are counted through errorShown; no boxes pile up
    w.resize(1400, 900);
    w.show();
    Stress stress(w, seed, out.path());
    QVERIFY(stress.settle().isEmpty());
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < count; ++i) {
        const QString failure = stress.step();
        QVERIFY2(failure.isEmpty(),
            qPrintable(QStringLiteral("seed %1, action %2: %3\nlast actions:\n  %4")
                           .arg(seed)
                           .arg(i + 1)
                           .arg(failure, stress.lastActions())));
        if ((i + 1) % 250 == 0) {
            qInfo("%d actions in %.1f s", i + 1, clock.elapsed() / 1000.0);
        }
    }
    qInfo("%d actions in %.1f s; %lld bad files checked", count, clock.elapsed() / 1000.0,
        static_cast<long long>(stress.badChecked().size()));
}

// Found with seed 2 (action 302): selecting a series of a layer that runs fewer steps (the Bidirectional after a
// RepeatVector(5), behind one over 50 steps) left the cursor past its end.
void TestGuiStress::cursorStaysInsideAShorterLayer()
{
    const QString model = kReal + QStringLiteral("dl4j_tfk224_bilstm_relu_repeat.h5");
    if (!QFileInfo::exists(model)) {
        QSKIP("the shared real models are not here");
    }
    MainWindow w(model);
    w.setErrorPresenter([](const QString&) {});
    QVERIFY(QTest::qWaitFor([&] { return w.viewContext()->currentSnapshot() && !w.session()->busy(); }, 30000));
    const SnapshotPtr run = w.viewContext()->currentSnapshot();
    QVERIFY2(run->error.empty(), run->error.c_str());
    QCOMPARE(run->trace.layers.size(), std::size_t {2});
    const Index longSteps = run->trace.layers[0].steps;
    const Index shortSteps = run->trace.layers[1].steps;
    QVERIFY2(shortSteps < longSteps - 1, qPrintable(QStringLiteral("%1 vs %2").arg(shortSteps).arg(longSteps)));
    widgets::SeriesRef first;
    first.layer = 0;
    first.direction = 0;
    first.name = QStringLiteral("h");
    widgets::SeriesRef second = first;
    second.layer = 1;
    QVERIFY(widgets::resolveSeries(*run, first) && widgets::resolveSeries(*run, second));
    w.viewContext()->setSelection(first);
    w.viewContext()->setStep(longSteps - 1);
    QCOMPARE(w.viewContext()->step(), longSteps - 1);
    QSignalSpy moved(w.viewContext(), &widgets::ViewContext::stepChanged);
    w.viewContext()->setSelection(second);
    QCOMPARE(w.viewContext()->step(), shortSteps - 1);
    QCOMPARE(moved.count(), 1);
}

// Found with seed 2 (action 1478): with a baseline of another shape pinned and the difference shown, the views show
// no steps, yet Run found a breakpoint in the latest run and moved the cursor to a step the views lack (it stayed -1).
// Now it says why it cannot run; shown the current run again, the same breakpoint stops at its step.
void TestGuiStress::runToBreakpointWithNothingShown()
{
    MainWindow w(kExampleModel, kExampleInput);
    w.setErrorPresenter([](const QString&) {});
    QVERIFY(testing::waitForRun(w));
    w.pinBaseline();
    const std::uint64_t before = testing::generation(w);
    w.openModel(kExampleModel, {}); // the probe input: another batch and length than the example's
    QVERIFY(testing::waitForRun(w, before));
    widgets::ViewContext* context = w.viewContext();
    context->setDisplayMode(widgets::DisplayMode::Difference);
    QVERIFY(context->baseline());
    QCOMPARE(context->shownMode(), widgets::DisplayMode::Difference);
    QVERIFY(context->snapshot()->error.find("cannot compare") != std::string::npos);
    QCOMPARE(context->steps(), Index {0});

    Breakpoint b;
    b.kind = BreakKind::AtStep;
    b.step = 2;
    w.breakpoints()->add(b);
    QSignalSpy ended(w.breakpoints(), &app::BreakpointController::ranToEnd);
    QVERIFY(!w.breakpoints()->runToNext());
    QCOMPARE(context->step(), Index {-1});
    QCOMPARE(ended.count(), 1);
    QVERIFY2(ended.at(0).at(0).toString().contains(QStringLiteral("cannot compare")),
        qPrintable(ended.at(0).at(0).toString()));

    context->setDisplayMode(widgets::DisplayMode::Current);
    QVERIFY(w.breakpoints()->runToNext());
    QCOMPARE(context->step(), Index {2});
}

// Found with seed 1 (action 250): a probe that does not fit the model runs as a failed run, but the session saved
// from it was refused on reopening, because restoring checked the probe's shape as if it were a file.
void TestGuiStress::sessionOfAFailedRunReopens()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("failed_run.rnnscope"));
    std::string failure;
    {
        MainWindow w(kExampleModel, kExampleInput);
        w.setErrorPresenter([](const QString&) {});
        QVERIFY(testing::waitForRun(w));
        app::ProbeSpec probe;
        probe.batch = 2;
        probe.steps = 7;
        probe.features = 5; // the model takes 4
        const std::uint64_t before = testing::generation(w);
        w.session()->useProbe(probe);
        QVERIFY(testing::waitForRun(w, before));
        failure = w.viewContext()->currentSnapshot()->error;
        QVERIFY(!failure.empty());
        QCOMPARE(w.sessions()->save(path), QString());
    }
    MainWindow w(kExampleModel, kExampleInput);
    QStringList errors;
    w.setErrorPresenter([&](const QString& e) { errors << e; });
    QVERIFY(testing::waitForRun(w));
    QSignalSpy restored(w.sessions(), &app::SessionController::restored);
    QCOMPARE(w.sessions()->open(path), QString());
    QVERIFY(restored.wait(30000) || restored.count() == 1);
    QVERIFY(testing::waitForRun(w));
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
    QCOMPARE(w.viewContext()->currentSnapshot()->error, failure);
    QCOMPARE(w.session()->inputs().at(0).shape(), (Shape {2, 7, 5}));
}

// Found with seed 2 (action 1640): shown a layer of 5 steps (after a RepeatVector) with the cursor on its last step,
// Run found a step breakpoint that only the 50-step layer before it reaches, and the cursor could not move. A step
// breakpoint past the shown series' end is not one the cursor can stop at; a breakpoint on another layer's series
// shows that series, at the hit's step.
void TestGuiStress::runToBreakpointOnAnotherLayer()
{
    const QString model = kReal + QStringLiteral("dl4j_tfk224_bilstm_relu_repeat.h5");
    if (!QFileInfo::exists(model)) {
        QSKIP("the shared real models are not here");
    }
    MainWindow w(model);
    w.setErrorPresenter([](const QString&) {});
    QVERIFY(testing::waitForRun(w));
    const SnapshotPtr run = w.viewContext()->currentSnapshot();
    QVERIFY2(run->error.empty(), run->error.c_str());
    const Index longSteps = run->trace.layers[0].steps;
    const Index shortSteps = run->trace.layers[1].steps;
    QVERIFY(shortSteps + 2 < longSteps);
    widgets::ViewContext* context = w.viewContext();
    widgets::SeriesRef shortH;
    shortH.layer = 1;
    shortH.direction = 0;
    context->setSelection(shortH);
    context->setStep(shortSteps - 1);
    QCOMPARE(context->steps(), shortSteps);

    Breakpoint atStep;
    atStep.kind = BreakKind::AtStep;
    atStep.step = shortSteps + 1;
    w.breakpoints()->add(atStep);
    QVERIFY(!w.breakpoints()->runToNext());
    QCOMPARE(context->step(), shortSteps - 1);
    QCOMPARE(context->selection(), shortH);
    w.breakpoints()->remove(w.breakpoints()->breakpoints().front().id);

    // Unit 0 of the long layer's forward h (sample 0) crossing its mean over the steps after the short layer's end:
    // found by the core search, which the window must follow onto that layer.
    Breakpoint crossing;
    crossing.kind = BreakKind::Threshold;
    crossing.series = {0, 0, 0, HealthQuantityKind::State, "h"};
    crossing.unit = 0;
    const auto h = widgets::resolveSeries(*run, widgets::toSeriesRef(crossing.series));
    QVERIFY(h);
    double sum = 0.0;
    for (Index t = shortSteps; t < longSteps; ++t) {
        sum += h->value(t, 0, 0);
    }
    crossing.threshold = sum / static_cast<double>(longSteps - shortSteps);
    w.breakpoints()->add(crossing);
    const auto expected = findNextBreak(*run, shortSteps - 1, w.breakpoints()->breakpoints(), std::nullopt);
    QVERIFY2(expected && expected->layer == 0 && expected->step >= shortSteps, "no crossing after the short layer");
    QVERIFY(w.breakpoints()->runToNext());
    QCOMPARE(context->selection(), widgets::toSeriesRef(crossing.series));
    QCOMPARE(context->step(), expected->step);
    QCOMPARE(context->sample(), expected->sample);
}

QTEST_MAIN(TestGuiStress)
#include "tst_gui_stress.moc"
